#!/usr/bin/env bash
# The "reproduce a minimal case" workflow exactly as README's "Reproducing a failure" shows
# it: a fault found by run (as found, --no-shrink) and by explore, each case replayed, shrunk
# beside itself (the input left as it was), and the shrunk case replayed.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
# --- the README recipe, with build/g++/ctxcheck as $bin ---
expect 1 "run finds early-return" -- "$bin" run --seed 1 --count 100000 --faults early-return --out cases/ --no-shrink
case=$(ls cases/*.trace | head -1)
expect 0 "replay the case as found" -- "$bin" replay cases/*.trace
cp "$case" before.trace
expect 0 "shrink it" -- "$bin" shrink "$case"
shrunk="${case%.trace}.shrunk.trace"
[[ -f "$shrunk" ]] || fail "shrink wrote no $shrunk"
cmp -s "$case" before.trace && ok "the input is untouched" || fail "shrink changed its input $case"
expect 0 "replay the shrunk case" -- "$bin" replay "$shrunk"
grep -q "reproduced (violation residue" "$scratch/out" || fail "the verdict line: $(cat "$scratch/out")"
[[ $(grep -c '^  ' "$shrunk") -lt $(grep -c '^  ' "$case") ]] && ok "the shrunk case is smaller" || fail "shrink did not shrink"
# the same from explore: every program up to 3 ops, all schedules
expect 1 "explore finds it too" -- "$bin" explore --ops 3 --faults early-return --out found/ --no-progress
expect 0 "replay what explore wrote" -- "$bin" replay found/*.trace
finish
