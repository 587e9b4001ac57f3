#!/usr/bin/env bash
# Runs the whole test suite. Sets up the machine when needed (MPICH, build) first.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/scripts/setup.sh"

echo "== Running the tests"
exec dotnet test "$DEISA_ROOT/Deisa.sln" -c Release --no-build -nologo --logger "console;verbosity=normal" "$@"
