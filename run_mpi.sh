#!/usr/bin/env bash
# The main job. Sets up the machine when needed (MPICH, build), then runs Deisa.Heat2D with its in-transit
# analytics on the small default configuration. Extra arguments pass through to the program.
#
# Until the MPI runtime lands (issue 3), the program runs every role in one process on the in-process
# transport (threads stand in for ranks), so it is launched once, without mpiexec.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup.sh"

echo "== Running Deisa.Heat2D (in-process demo)"
exec dotnet "$DEISA_ROOT/src/Deisa.Heat2D/bin/Release/net10.0/Deisa.Heat2D.dll" "$@"
