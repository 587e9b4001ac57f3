#!/usr/bin/env bash
# Times one incremental PCA update (partial fit of a batch into a warm state) in Deisa.Ml, each solver, against
# scikit-learn's IncrementalPCA on the same batches, in one run, and prints the table BENCHMARKS.md quotes.
#   bench/ml/run_ipca_benchmark.sh            # OpenBLAS on 1 thread for both sides
#   OPENBLAS_NUM_THREADS=2 bench/ml/run_ipca_benchmark.sh
# Needs python3-sklearn and libopenblas0-pthread (installed with apt-get when run as root).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if ! /usr/bin/python3 -c "import sklearn" 2>/dev/null || ! ldconfig -p | grep -q 'libopenblas\.so\.0'; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "== Installing scikit-learn and OpenBLAS (apt-get install python3-sklearn libopenblas0-pthread)"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends python3-sklearn libopenblas0-pthread >/dev/null
    else
        echo "error: install python3-sklearn and libopenblas0-pthread (apt-get, as root), then run this again." >&2
        exit 1
    fi
fi

DATA="${DEISA_IPCA_DATA:-$(mktemp -d /tmp/deisa-ipca.XXXXXX)}"
echo "== Batches and scikit-learn timings in $DATA (OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS)"
/usr/bin/python3 "$ROOT/bench/ml/sklearn_ipca.py" "$DATA" 10

echo "== Deisa.Ml (BenchmarkDotNet)"
dotnet build "$ROOT/bench/Deisa.Bench" -c Release -nologo -v quiet -clp:NoSummary
DEISA_IPCA_DATA="$DATA" dotnet "$ROOT/bench/Deisa.Bench/bin/Release/net10.0/Deisa.Bench.dll" \
    --filter '*IpcaPartialFit*' --exporters json --artifacts "$DATA/bdn" | tee "$DATA/bdn.log" | grep -E '^// ipca|^\| ' || true

echo
echo "== $(date -u +%F), $(nproc) cores, OPENBLAS_NUM_THREADS=$OPENBLAS_NUM_THREADS"
/usr/bin/python3 "$ROOT/bench/ml/report.py" "$DATA"
