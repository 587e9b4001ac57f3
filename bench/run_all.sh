#!/usr/bin/env bash
# Every benchmark of Deisa, or the sections named on the command line, one after the other (never two at once: the
# machine is shared and each one measures ratios side by side). Each section prints the table BENCHMARKS.md quotes.
#   bench/run_all.sh                     # everything (tens of minutes on 2 cores)
#   bench/run_all.sh core mpi            # some sections
#   bench/run_all.sh core -- --filter '*Codec*'   # BenchmarkDotNet switches for the core section
# Sections:
#   core       scheduler, codec, in-process transport (BenchmarkDotNet)
#   stencil    the Heat2D stencil against C (BenchmarkDotNet; bench/heat2d/run_stencil_benchmark.sh)
#   ipca       incremental PCA against scikit-learn (BenchmarkDotNet; bench/ml/run_ipca_benchmark.sh)
#   mpi        block shipping against raw MPI.NET, publish cost, idle latency, scheduler load (bench/run_mpi_benchmarks.sh)
#   workflow   Heat2D + IPCA in every mode, and the selective case (Deisa.Bench.Workflow compare)
#   scaling    strong and weak scaling, per-rank coupling variability (Deisa.Bench.Workflow scaling)
#   model      the scheduler and the real client with 1,024 to 16,384 synthetic ranks x 100 to 10,000 steps (Deisa.Bench.Workflow scale-model)
#   long       runs of 1,000 to 100,000 steps: the analytics root's memory, the first publication, CPU per step (bench/heat2d/run_long_runs.sh)
# Results land in ${DEISA_BENCH_OUT:-bench-results}/<section>.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/setup.sh"

all=(core stencil ipca mpi workflow scaling model long)
sections=()
switches=()
while [ $# -gt 0 ]; do
    case "$1" in
        --) shift; switches=("$@"); break ;;
        core|stencil|ipca|mpi|workflow|scaling|model|long) sections+=("$1"); shift ;;
        *) echo "error: unknown section '$1'; choose from: ${all[*]} (then -- and BenchmarkDotNet switches for core)." >&2; exit 2 ;;
    esac
done
[ ${#sections[@]} -gt 0 ] || sections=("${all[@]}")

OUT="$(realpath -m "${DEISA_BENCH_OUT:-$DEISA_ROOT/bench-results}")"
BENCH="$DEISA_ROOT/bench/Deisa.Bench/bin/Release/net10.0/Deisa.Bench.dll"
WORKFLOW="$DEISA_ROOT/bench/Deisa.Bench.Workflow/bin/Release/net10.0/Deisa.Bench.Workflow.dll"
echo "== $(date -u +%F), $(nproc) cores ($(lscpu | sed -n 's/^Model name:\s*//p' | head -1)); results in $OUT"
for section in "${sections[@]}"; do
    echo
    echo "==== $section"
    mkdir -p "$OUT/$section"
    case "$section" in
        core)
            [ ${#switches[@]} -gt 0 ] || switches=(--filter '*SchedulerState*' '*InProcessThroughput*' '*Codec*')
            dotnet "$BENCH" "${switches[@]}" --artifacts "$OUT/core" ;;
        stencil) "$DEISA_ROOT/bench/heat2d/run_stencil_benchmark.sh" ;;
        ipca) DEISA_IPCA_DATA="$OUT/ipca/data" "$DEISA_ROOT/bench/ml/run_ipca_benchmark.sh" ;;
        mpi) "$DEISA_ROOT/bench/run_mpi_benchmarks.sh" | tee "$OUT/mpi/mpi.md" ;;
        # The mini-app as run_mpi.sh runs it: compiled ahead of time (ReadyToRun).
        workflow) deisa_publish_heat2d; DEISA_HEAT2D="$HEAT2D" dotnet "$WORKFLOW" compare --out "$OUT/workflow" ;;
        scaling) deisa_publish_heat2d; DEISA_HEAT2D="$HEAT2D" dotnet "$WORKFLOW" scaling --out "$OUT/scaling" ;;
        model) dotnet "$WORKFLOW" scale-model --out "$OUT/model" ;;
        long) "$DEISA_ROOT/bench/heat2d/run_long_runs.sh" | tee "$OUT/long/long.md" ;;
    esac
done
