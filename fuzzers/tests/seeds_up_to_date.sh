#!/usr/bin/env bash
# The committed seeds are what fuzz_make_seeds writes from today's regressions/generator.
#   seeds_up_to_date.sh FUZZ_MAKE_SEEDS REGRESSIONS_DIR SEEDS_DIR
# (a script, not a `bash -c` string in CMake: paths with spaces or quotes stay one argument)
set -euo pipefail
make_seeds=$1 regressions=$2 seeds=$3
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
"$make_seeds" "$regressions" "$scratch/seeds" >/dev/null 2>&1
diff -r "$scratch/seeds" "$seeds"
