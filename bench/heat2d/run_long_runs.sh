#!/usr/bin/env bash
# Runs of any length (issue 13): Heat2D 32x32 on a 2x2 grid, 1 analytics rank, spatial_mean only, inner 1, 5 ranks,
# at several step counts; per run the analytics root's peak resident memory (VmHWM), its CPU time, the first
# publication's time and the longest any simulation rank waited for the contract in all (the first steps are staged
# until it arrives), the set-up the analytics spent on the contract, and the root's CPU per step beyond the shortest
# run (the marginal cost of a step, start-up removed).
#   bench/heat2d/run_long_runs.sh                    # 1,000 / 10,000 / 100,000 steps
#   bench/heat2d/run_long_runs.sh --long             # and 1,000,000 (about half an hour on 2 cores)
#   bench/heat2d/run_long_runs.sh --backpressure 16  # another bound on steps in flight (Heat2D's default: 64; 0: none)
#   bench/heat2d/run_long_runs.sh --jit              # the JIT-compiled build instead of the ReadyToRun one
#   bench/heat2d/run_long_runs.sh --staging 0        # MiB staged per rank before the contract (0: wait for it)
#   bench/heat2d/run_long_runs.sh --analytic "kind: rolling_mean, window: 5"   # another analytic (YAML mapping body)
#   bench/heat2d/run_long_runs.sh --mode deisa1                                # per-step metadata and graphs
#   DEISA_LONG_STEPS="1000 5000" bench/heat2d/run_long_runs.sh
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/setup.sh"
steps="${DEISA_LONG_STEPS:-1000 10000 100000}"
backpressure=default
staging=16
compiled=readytorun
mode=deisa3
analytic="kind: spatial_mean"
while [ $# -gt 0 ]; do
    case "$1" in
        --long) steps="$steps 1000000"; shift ;;
        --backpressure) backpressure="$2"; shift 2 ;;
        --jit) compiled=jit; shift ;;
        --staging) staging="$2"; shift 2 ;;
        --mode) mode="$2"; shift 2 ;;
        --analytic) analytic="$2"; shift 2 ;;
        *) echo "error: unknown option '$1'; use --long, --backpressure N, --staging MIB, --mode MODE, --analytic YAML or --jit." >&2; exit 2 ;;
    esac
done
if [ "$compiled" = jit ]; then
    HEAT2D="$DEISA_ROOT/src/Deisa.Heat2D/bin/Release/net10.0/Deisa.Heat2D.dll"
else
    deisa_publish_heat2d
fi
deisa_gc_budget
work="$(mktemp -d /tmp/deisa-long.XXXXXX)"
echo "== $(date -u +%F), $(nproc) cores ($(lscpu | sed -n 's/^Model name:\s*//p' | head -1)), 5 ranks (4 simulation + 1 analytics) on $(nproc) cores, Heat2D 32x32 $mode {$analytic}, inner 1, backpressure $backpressure, staging before the contract $staging MiB, GC gen0 budget $DOTNET_GCgen0size, $compiled"
for n in $steps; do
    {
        echo "size: {height: 32, width: 32}"
        echo "grid: {rows: 2, cols: 2}"
        echo "steps: $n"
        echo "inner: 1"
        echo "analytics_ranks: 1"
        echo "mode: $mode"
        echo "arrays: [global_t]"
        echo "analytics:"
        echo "  - {$analytic}"
        echo "output: $work/out-$n"
        echo "staging_before_contract_mib: $staging"
        if [ "$backpressure" != default ]; then echo "backpressure: {max_steps_in_flight: $backpressure}"; fi
    } > "$work/heat-$n.yml"
    started=$(date +%s%N)
    mpiexec.mpich -n 5 dotnet "$HEAT2D" \
        --config "$work/heat-$n.yml" --no-progress > "$work/run-$n.log"
    echo $(( $(date +%s%N) - started )) > "$work/job-$n.ns"
done
python3 - "$work" $steps <<'PY'
import json, sys
work, counts = sys.argv[1], [int(s) for s in sys.argv[2:]]
rows = []
for n in counts:
    out = f"{work}/out-{n}"
    root = json.load(open(f"{out}/ranks/rank-4.json"))
    sim = json.load(open(f"{out}/simulation.json"))
    ana = json.load(open(f"{out}/analytics.json"))
    rows.append((n, root["PeakResidentBytes"] / 2**20, sim["FirstCouplingSeconds"] * 1e3, sim.get("FirstCouplingCpuSeconds", 0) * 1e3, sim["FirstCouplingGcPauseSeconds"] * 1e3, sim["ContractWaitSeconds"] * 1e3,
                 sim["BlocksStaged"], ana["DeclarationsSeconds"] * 1e3, ana["ContractSeconds"] * 1e3, root["CpuSeconds"], sim["WallSeconds"],
                 int(open(f"{work}/job-{n}.ns").read()) / 1e9))
base = rows[0]
print("| steps | root peak RSS | vs first | first publication (its thread on the CPU; GC pauses) | waited for the contract | blocks staged | declarations | contract (build, persist, validate) | root CPU | root CPU per step beyond the first run | simulation wall | job wall |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for n, rss, first, cpu1, gc, wait, staged, decl, contract, cpu, wall, job in rows:
    marginal = f"{(cpu - base[9]) / (n - base[0]) * 1e6:.0f} µs" if n > base[0] else "–"
    print(f"| {n:,} | {rss:.0f} MiB | {rss / base[1]:.2f}x | {first:.1f} ms ({cpu1:.1f} CPU; {gc:.1f} GC) | {wait:.0f} ms | {staged:,} | {decl:.0f} ms | {contract:.0f} ms | {cpu:.1f} s | {marginal} | {wall:.1f} s | {job:.1f} s |")
PY
