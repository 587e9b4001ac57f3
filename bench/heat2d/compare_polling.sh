#!/usr/bin/env bash
# The communication thread's polling when ranks outnumber the cores: eager (DEISA_CORE_SHARING=dedicated) against
# gentle (shared, what auto picks there), on Heat2D deisa3 with 2 simulation ranks and 1 analytics rank, runs
# alternated, the simulation's time of each printed, then the medians.
#   bench/heat2d/compare_polling.sh [runs per setting, default 3]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/setup.sh"
runs="${1:-3}"
work="$(mktemp -d /tmp/deisa-polling.XXXXXX)"
cat > "$work/heat.yml" <<YAML
size: {height: 1024, width: 1024}
grid: {rows: 2, cols: 1}
steps: 100
inner: 50
analytics_ranks: 1
mode: deisa3
arrays: [global_t]
analytics:
  - kind: ipca
    n_components: 2
    svd_solver: leading_k
output: $work/out
YAML
echo "== $(date -u +%F), $(nproc) cores, 3 ranks (2 simulation + 1 analytics), Heat2D 1024x1024 deisa3, 100 steps of 50 iterations"
declare -A times
for ((i = 1; i <= runs; i++)); do
    for sharing in dedicated shared; do
        DEISA_CORE_SHARING=$sharing mpiexec.mpich -n 3 dotnet "$DEISA_ROOT/src/Deisa.Heat2D/bin/Release/net10.0/Deisa.Heat2D.dll" \
            --config "$work/heat.yml" --no-progress > "$work/run.log"
        seconds="$(python3 -c "import json; print(json.load(open('$work/out/simulation.json'))['WallSeconds'])")"
        echo "run $i $sharing: simulation $seconds s"
        times[$sharing]+="$seconds "
    done
done
for sharing in dedicated shared; do
    echo "median $sharing: $(python3 -c "import statistics,sys; print(statistics.median(map(float, sys.argv[1:])))" ${times[$sharing]}) s"
done
