#!/usr/bin/env bash
# The Heat2D stencil: cells per second of the C# kernel against the same loop in C, measured side by side in one
# BenchmarkDotNet run on the same arrays. C is built with gcc -O2 (the reference; gcc 12 does not vectorise this loop
# at -O2) and with -O3 -march=native (vectorised with the widest vectors this CPU has: the strongest C baseline), both
# with -ffp-contract=off: no fused multiply-add, so all three give the same bits (checked before measuring).
#   bench/heat2d/run_stencil_benchmark.sh
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
BUILD="$(mktemp -d /tmp/deisa-stencil.XXXXXX)"
gcc -O2 -ffp-contract=off -shared -fPIC -o "$BUILD/libstencil_o2.so" "$ROOT/bench/heat2d/stencil.c"
gcc -O3 -march=native -ffp-contract=off -shared -fPIC -o "$BUILD/libstencil_native.so" "$ROOT/bench/heat2d/stencil.c"
dotnet build "$ROOT/bench/Deisa.Bench" -c Release -nologo -v quiet -clp:NoSummary
echo "== $(date -u +%F), $(nproc) cores, $(gcc --version | head -1)"
DEISA_STENCIL_O2="$BUILD/libstencil_o2.so" DEISA_STENCIL_NATIVE="$BUILD/libstencil_native.so" \
    dotnet "$ROOT/bench/Deisa.Bench/bin/Release/net10.0/Deisa.Bench.dll" --filter '*StencilBenchmark*' --artifacts "$BUILD/bdn" "$@"
