#!/usr/bin/env bash
# The main job: Deisa.Heat2D, a 2D heat simulation analysed in transit by an incremental PCA, under mpiexec.mpich.
# Sets the machine up when needed (MPICH and OpenBLAS with apt-get when root, a Release build), reads the number of
# ranks from the configuration, and runs. Arguments pass through to the program:
#   ./run_mpi.sh                          # src/Deisa.Heat2D/heat2d.yml: 2 simulation + 2 analytics ranks
#   ./run_mpi.sh --config my.yml --output results/
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup.sh"

deisa_publish_heat2d
deisa_gc_budget
ranks="$(dotnet "$HEAT2D" "$@" --print-ranks)"

# Progress on the terminal when there is one: under mpiexec the program's own output is a pipe.
extra=()
if [ -t 2 ] && [[ " $* " != *" --no-progress "* ]]; then
    extra+=(--progress)
fi

echo "== Running Deisa.Heat2D on $ranks MPI ranks ($(nproc) cores)"
exec mpiexec.mpich -n "$ranks" dotnet "$HEAT2D" "$@" "${extra[@]}"
