#!/usr/bin/env bash
# Prepares a fresh Debian machine for Deisa: MPICH (when missing) and a Release build of the solution.
# Sourced by run_mpi.sh and test.sh; safe to run again (each step is skipped when already done).
set -euo pipefail

# Whether the dynamic linker knows a library. Not `grep -q`: it exits at the first match, ldconfig then dies of
# SIGPIPE, and under pipefail the check fails, so every run reinstalled MPICH (apt-get update included).
has_library() { ldconfig -p 2>/dev/null | grep -F "$1" >/dev/null; }

DEISA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DEISA_ROOT
export DOTNET_CLI_TELEMETRY_OPTOUT=1
export DOTNET_NOLOGO=1

if ! command -v dotnet >/dev/null 2>&1; then
    echo "error: the .NET SDK (dotnet) is not on PATH. Install the .NET 10 SDK, then run this again." >&2
    exit 1
fi

# MPICH, not Open MPI: MPI.NET is bound to MPICH's ABI (libmpich.so.12). Launch with mpiexec.mpich.
if ! command -v mpiexec.mpich >/dev/null 2>&1 || ! has_library libmpich.so.12; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== Installing MPICH (apt-get install mpich libmpich-dev)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends mpich libmpich-dev >/dev/null
    else
        echo "error: MPICH is missing. Install it as root: apt-get install -y mpich libmpich-dev" >&2
        exit 1
    fi
fi

# OpenBLAS for Deisa.Ml's SVDs (LAPACK through P/Invoke). Without it Deisa.Ml falls back to MathNet's managed
# provider, several times slower; the tests check the native path, so CI installs it.
if ! has_library libopenblas.so.0; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== Installing OpenBLAS (apt-get install libopenblas0-pthread)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends libopenblas0-pthread >/dev/null
    else
        echo "error: OpenBLAS is missing. Install it as root: apt-get install -y libopenblas0-pthread" >&2
        exit 1
    fi
fi

echo "== Building Deisa (Release)"
dotnet build "$DEISA_ROOT/Deisa.sln" -c Release -nologo -v quiet -clp:NoSummary

# The garbage collector's first-generation budget for the Heat2D ranks: 4 MiB instead of one the runtime sizes from
# the CPU's last-level cache (about 50 MiB on a 105 MiB L3), so that their memory does not depend on the machine
# (docs/runs-of-any-length.md). The runtime reads this setting from the environment only; a value set already wins.
deisa_gc_budget() {
    export DOTNET_GCgen0size="${DOTNET_GCgen0size:-0x400000}"
}

# Deisa.Heat2D compiled ahead of time (ReadyToRun, from NuGet's Crossgen2 package): its ranks start without
# JIT-compiling the runtime first, which halves the simulation's wait at its first publication (BENCHMARKS.md, "Runs
# of any length"). One composite image with the .NET runtime (so self-contained): the framework's generic code over
# Deisa's types (its dictionaries of keys, its async state machines) is compiled too, which the per-assembly images
# cannot hold; the analytics rank JIT-compiles 865 methods instead of 2,240, and the issue's job ends 0.87x sooner
# (BENCHMARKS.md, "Data plane"). `dotnet $HEAT2D` runs it as before. run_mpi.sh and the Heat2D benchmark scripts call
# this and run $HEAT2D; the tests run the plain build. The first call downloads the runtime pack and compiles for
# about a minute; a second call is incremental (a few seconds). Its intermediate files are kept apart: MSBuild's
# incremental check does not see the composite switch, and a plain ReadyToRun publish that found composite
# intermediates copied stubs of them that abort at start.
deisa_publish_heat2d() {
    local arch
    case "$(uname -m)" in
        x86_64) arch=x64 ;;
        aarch64) arch=arm64 ;;
        *) arch="" ;;
    esac
    if [ -z "$arch" ]; then
        # No Crossgen2 for this machine: the JIT-compiled build runs as it is.
        HEAT2D="$DEISA_ROOT/src/Deisa.Heat2D/bin/Release/net10.0/Deisa.Heat2D.dll"
    else
        echo "== Compiling Deisa.Heat2D ahead of time (ReadyToRun, linux-$arch)"
        if dotnet publish "$DEISA_ROOT/src/Deisa.Heat2D/Deisa.Heat2D.csproj" -c Release -r "linux-$arch" --self-contained true \
            -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -p:IntermediateOutputPath="obj/composite-linux-$arch/" \
            -o "$DEISA_ROOT/artifacts/heat2d" -nologo -v quiet -clp:NoSummary; then
            HEAT2D="$DEISA_ROOT/artifacts/heat2d/Deisa.Heat2D.dll"
        else
            # Crossgen2 for this machine could not be restored (the package source lacks it): slower start, same results.
            echo "warning: the ahead-of-time compilation failed (above); running the JIT-compiled build instead." >&2
            HEAT2D="$DEISA_ROOT/src/Deisa.Heat2D/bin/Release/net10.0/Deisa.Heat2D.dll"
        fi
    fi
    export HEAT2D
}
