#!/usr/bin/env bash
# A choice kind the programs would offer but no execution branched on is a warning, in the
# text and the JSON summary (README "Model checking"). The regression is planted with the
# test-only --withhold-choices: the model stops offering map-order, every check still passes.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
space=(explore --ops 4 --kinds with_cancel,cancel --bound 1 --no-progress)
expect 0 "explore with map-order withheld passes every check" -- "$bin" "${space[@]}" --withhold-choices map-order
if grep -qE '^warning: choice kind map-order was never branched on \(0 of [0-9]* executions; [0-9]* programs? would offer it\)$' out
then ok "the text warns"; else fail "no map-order warning in the text"; cat out; fi
expect 0 "the same with --json" -- "$bin" "${space[@]}" --withhold-choices map-order --json
python3 - out <<'PY' && ok "the JSON warns, and counts 0 map-order decisions" || fail "JSON: $(cat out | head -c 600)"
import json, sys
j = json.load(open(sys.argv[1]))
assert len(j["warnings"]) == 1 and "map-order" in j["warnings"][0], j["warnings"]
assert j["choices"]["map-order"] == 0, j["choices"]
PY
expect 0 "the same space on the model as it is" -- "$bin" "${space[@]}"
if grep -q '^warning:' out; then fail "a warning without the plant: $(grep '^warning:' out)"; else ok "no warning"; fi
grep -q '^choices: schedule [0-9]*, timer-tie [0-9]*, select [0-9]*, map-order [1-9][0-9]*, model 0$' out \
  && ok "map-order branched on" || { fail "choices line: $(grep '^choices' out)"; }
expect 0 "the default alphabet's 2-op space" -- "$bin" explore --ops 2 --no-progress
if grep -q '^warning:' out; then fail "the default alphabet warns: $(grep '^warning:' out)"; else ok "no warning on the default alphabet"; fi
expect 2 "an unknown choice kind is refused" -- "$bin" "${space[@]}" --withhold-choices colour
finish
