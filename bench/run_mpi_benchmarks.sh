#!/usr/bin/env bash
# Runs the benchmarks that need real MPI ranks and prints their tables (Markdown), with the machine and the date.
# Usage: bench/run_mpi_benchmarks.sh [shipping|publish-cost|scheduler-load|idle-latency ...]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"
BENCH="$DEISA_ROOT/bench/Deisa.Bench.Mpi/bin/Release/net10.0/Deisa.Bench.Mpi.dll"
# MPI.NET's own datatypes (the raw reference) leave yaksa warnings at finalize: dropped, the rest of stderr shown.
run() { mpiexec.mpich "$@" 2> >(grep -v 'yaksa: .* leaked handle pool objects' >&2); }

echo "Date: $(date -u +%Y-%m-%d), $(nproc) cores ($(lscpu | sed -n 's/^Model name:\s*//p' | head -1)), $(mpichversion | sed -n 's/^MPICH Version:\s*//p' | head -1) $(mpichversion | sed -n 's/^MPICH Device:\s*//p' | head -1)"
scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(shipping publish-cost idle-latency scheduler-load)
for scenario in "${scenarios[@]}"; do
    echo
    case "$scenario" in
        shipping|publish-cost|idle-latency)
            echo "## $scenario (mpiexec.mpich -n 2: 2 ranks on $(nproc) cores)"
            run -n 2 dotnet "$BENCH" "$scenario" ;;
        scheduler-load)
            echo "## scheduler-load (mpiexec.mpich -n 4: 2 simulation ranks, 2 analytics ranks, on $(nproc) cores)"
            run -n 4 dotnet "$BENCH" scheduler-load --mode deisa3 --steps 100 --analytics 2 | grep -E '^(LOAD|SIM)'
            run -n 4 dotnet "$BENCH" scheduler-load --mode deisa1 --steps 100 --analytics 2 | grep -E '^(LOAD|SIM)' ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
done
