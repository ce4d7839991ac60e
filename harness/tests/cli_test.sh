#!/usr/bin/env bash
# ctxcheck's command line end to end: exit codes (0 pass, 1 violation, 2 bad input), clear
# messages for bad input, and a fault found by `run`, written atomically, and replayed.
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0
expect() {  # expect CODE DESCRIPTION -- command...
  local want=$1 what=$2; shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    echo "FAIL: $what: exit $got, want $want"; cat "$tmp/out" "$tmp/err" | head -20; fails=$((fails + 1))
  else
    echo "ok: $what"
  fi
}
expect_msg() {  # the last command's stderr names what is wrong
  if ! grep -q -- "$1" "$tmp/err"; then echo "FAIL: stderr lacks '$1':"; cat "$tmp/err"; fails=$((fails + 1)); fi
}

expect 0 "faithful model passes" -- "$bin" run --count 3000 --seed 7 --no-progress
expect 1 "a fault is found" -- "$bin" run --count 20000 --seed 7 --faults skip-removal --out "$tmp/cases" --no-progress
trace=$(ls "$tmp"/cases/*.trace | head -1)
[[ -f "$trace" ]] || { echo "FAIL: no trace written"; fails=$((fails + 1)); }
ls "$tmp"/cases | grep -q '\.tmp\.' && { echo "FAIL: temporary file left behind"; fails=$((fails + 1)); }
expect 0 "the written trace replays with its hash" -- "$bin" replay "$trace"
grep -q "^# shrunk from" "$trace" || { echo "FAIL: run did not shrink the case"; fails=$((fails + 1)); }
"$bin" run --count 20000 --seed 7 --faults skip-removal --out "$tmp/raw" --no-progress --no-shrink >/dev/null
raw=$(ls "$tmp"/raw/*.trace | head -1)
expect 0 "shrink a raw case" -- "$bin" shrink "$raw" -o "$tmp/small.trace"
expect 0 "the shrunk case replays" -- "$bin" replay "$tmp/small.trace"
[[ $(grep -c '^  ' "$tmp/small.trace") -le $(grep -c '^  ' "$raw") ]] || { echo "FAIL: shrink grew the case"; fails=$((fails + 1)); }
expect 0 "replay --json" -- "$bin" replay --json "$trace"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["reproduced"] and j["verdict"]=="violation"' "$tmp/out" \
  || { echo "FAIL: replay --json output"; fails=$((fails + 1)); }
sed 's/^hash: .*/hash: 0000000000000001/' "$trace" > "$tmp/wrong-hash.trace"
expect 1 "a hash mismatch is reported" -- "$bin" replay "$tmp/wrong-hash.trace"
expect 2 "missing file" -- "$bin" replay "$tmp/nope.trace"
expect_msg "cannot open"
head -c 3000 /dev/urandom > "$tmp/garbage.trace"
expect 2 "random bytes" -- "$bin" replay "$tmp/garbage.trace"
printf 'ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h9\n' > "$tmp/bad.trace"
expect 2 "invalid program" -- "$bin" replay "$tmp/bad.trace"
expect_msg "bad.trace:4:"
printf 'ctxcheck-trace 1\nfaults: no-such-fault\ngo 0:\n  yield\n' > "$tmp/badfault.trace"
expect 2 "unknown fault in a trace" -- "$bin" replay "$tmp/badfault.trace"
expect_msg "no-such-fault"
expect 2 "unknown fault flag" -- "$bin" run --count 1 --faults nope
expect_msg "unknown fault"
expect 2 "unknown flag" -- "$bin" run --frobnicate
expect 2 "no budget" -- "$bin" run
expect 2 "bad number" -- "$bin" run --count many
expect 2 "directory as trace" -- "$bin" replay "$tmp"
expect 0 "faults lists the catalog" -- "$bin" faults
grep -q "skip-removal" "$tmp/out" || { echo "FAIL: faults output"; fails=$((fails + 1)); }
expect 0 "invariants lists the catalog" -- "$bin" invariants
grep -q "finalizer-delay" "$tmp/out" || { echo "FAIL: invariants output"; fails=$((fails + 1)); }
# explore: one program, a space, resume after a cut, bad flags.
expect 1 "explore finds the race in one program" -- "$bin" explore "$trace" --out "$tmp/ex"
printf 'ctxcheck-trace 1\nfaults: register-into-canceled\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  go 1\n  h3 = with_cancel h2\ngo 1:\n  cancel h2\n' > "$tmp/race.trace"
expect 1 "explore finds a race that needs a preemption" -- "$bin" explore "$tmp/race.trace" --no-progress
expect 0 "bound 0 misses it" -- "$bin" explore "$tmp/race.trace" --bound 0 --no-progress
expect 1 "pct finds it too" -- "$bin" explore "$tmp/race.trace" --strategy pct --no-progress
expect 0 "explore a clean space" -- "$bin" explore --ops 2 --no-progress
full=$(grep '^explored:' "$tmp/out" | sed 's/;.*//')
expect 0 "explore stops at --max-programs" -- "$bin" explore --ops 2 --no-progress --checkpoint "$tmp/ck.json" --max-programs 40
grep -q "stopped before the end" "$tmp/out" || { echo "FAIL: no stop message"; fails=$((fails + 1)); }
expect 0 "explore resumes from the checkpoint" -- "$bin" explore --ops 2 --no-progress --checkpoint "$tmp/ck.json"
resumed=$(grep '^explored:' "$tmp/out" | sed 's/;.*//')
[[ "$full" == "$resumed" ]] || { echo "FAIL: resumed counts differ: '$full' vs '$resumed'"; fails=$((fails + 1)); }
# --costliest: the programs with the most executions, most first; the top one explored
# alone takes exactly the executions listed.
expect 0 "explore lists the costliest programs" -- "$bin" explore --ops 2 --kinds lifecycle --no-progress --json --costliest 3
python3 - "$tmp/out" "$tmp/top.trace" <<'PY' || { echo "FAIL: --costliest"; fails=$((fails + 1)); }
import json, sys
top = json.load(open(sys.argv[1]))["costliest"]
assert len(top) == 3 and top[0]["executions"] >= top[1]["executions"] >= top[2]["executions"] > 0, top
open(sys.argv[2], "w").write(top[0]["program"])
open(sys.argv[2] + ".n", "w").write(str(top[0]["executions"]))
PY
expect 0 "the costliest program explored alone" -- "$bin" explore "$tmp/top.trace" --json
python3 -c 'import json,sys; assert json.load(open(sys.argv[1]))["executions"] == int(open(sys.argv[2]).read())' \
  "$tmp/out" "$tmp/top.trace.n" || { echo "FAIL: the costliest program's executions differ alone"; fails=$((fails + 1)); }
# A case explore writes from a space (enumerated programs carry no faults of their own)
# names its faults and replays as recorded (issue 14: it used to lose the faults: line).
expect 1 "explore finds a fault in a space" -- "$bin" explore --ops 3 --faults early-return --out "$tmp/space" --no-progress
for f in "$tmp"/space/*.trace; do
  grep -q '^faults: early-return$' "$f" || { echo "FAIL: $f has no faults: line"; fails=$((fails + 1)); }
  expect 0 "the space's case replays as recorded ($(basename "$f"))" -- "$bin" replay "$f"
done
expect 1 "explore stops at a violation" -- "$bin" explore --ops 2 --faults skip-removal --no-progress --checkpoint "$tmp/ckv.json"
at1=$(grep -E '"next_(ops|index)"' "$tmp/ckv.json" | tr -d ' \n')
expect 1 "explore resumes after the violating program" -- "$bin" explore --ops 2 --faults skip-removal --no-progress --checkpoint "$tmp/ckv.json"
at2=$(grep -E '"next_(ops|index)"' "$tmp/ckv.json" | tr -d ' \n')
[[ -n "$at1" && "$at1" != "$at2" ]] || { echo "FAIL: the resumed exploration stopped at the same program ($at1)"; fails=$((fails + 1)); }
expect 2 "checkpoint of another exploration" -- "$bin" explore --ops 3 --no-progress --checkpoint "$tmp/ck.json"
expect_msg "checkpoint of another exploration"
expect 1 "explore a space with a fault" -- "$bin" explore --ops 3 --kinds with_cancel,cancel --faults skip-removal --out "$tmp/exf" --no-progress
ls "$tmp"/exf/*.trace >/dev/null 2>&1 || { echo "FAIL: explore wrote no trace"; fails=$((fails + 1)); }
expect 2 "explore: unknown op in the alphabet" -- "$bin" explore --ops 2 --kinds with_cancel,frob
expect_msg "frob"
expect 2 "explore: bad shard" -- "$bin" explore --ops 2 --shard 3/2
expect_msg "shard"
expect 2 "explore: bad strategy" -- "$bin" explore --ops 2 --strategy bfs
expect 2 "explore: nothing to explore" -- "$bin" explore
printf '{"version": 1, "config": 3' > "$tmp/broken.json"
expect 2 "explore: broken checkpoint" -- "$bin" explore --ops 2 --checkpoint "$tmp/broken.json"
expect_msg "not a ctxcheck checkpoint"
# export-go: a program with goroutines exports (its op order forced); what Go cannot run is
# refused with exit 2 and the reason; nothing half-written is left.
cat > "$tmp/goroutines.trace" <<'TRACE'
ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_cancel h1
  go 1
  sleep 5ms
  cancel h2
go 1:
  wait h2
  observe err h2
TRACE
expect 0 "export-go: goroutines" -- "$bin" export-go "$tmp/goroutines.trace" -o "$tmp/go/repro_test.go"
expect_msg "forces the recorded op order"
grep -q 'p.spawn(go1)' "$tmp/go/repro_test.go" || { echo "FAIL: export-go wrote no go statement"; fails=$((fails + 1)); }
grep -q 'p.check("err h2", "context canceled", true' "$tmp/go/repro_test.go" \
  || { echo "FAIL: export-go does not assert the observation"; fails=$((fails + 1)); }
expect 2 "export-go: unknown fault in the header" -- "$bin" export-go "$tmp/badfault.trace" -o "$tmp/go/bad_test.go"
expect_msg "no-such-fault"
printf 'ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel_cause h1\n  cancel h2\n' > "$tmp/cause.trace"
expect 2 "export-go --go 1.19: a Go 1.20 API" -- "$bin" export-go --go 1.19 "$tmp/cause.trace" -o "$tmp/go/cause_test.go"
expect_msg "needs Go 1.20"
[[ -e "$tmp/go/bad_test.go" || -e "$tmp/go/cause_test.go" ]] && { echo "FAIL: a refused export left a file"; fails=$((fails + 1)); }
# export-go --run: one command from a trace to Go's verdict; and the Go test can fail.
go_bin="${CTXCHECK_GO:-/usr/lib/go-1.23/bin/go}"
[[ -x "$go_bin" ]] || go_bin="$(command -v go || true)"
if [[ -n "$go_bin" && -x "$go_bin" ]]; then
  expect 0 "export-go --run: Go agrees" -- env XDG_CACHE_HOME="$tmp/cache" "$bin" export-go "$tmp/goroutines.trace" -o "$tmp/gorun/repro_test.go" --run
  expect_msg "Go agrees with the model"
  [[ -f "$tmp/gorun/go.mod" ]] || { echo "FAIL: --run wrote no go.mod"; fails=$((fails + 1)); }
  sed -i 's/p.check("err h2", "context canceled", true/p.check("err h2", "<nil>", true/' "$tmp/gorun/repro_test.go"
  expect 1 "the exported test fails when Go disagrees" -- env -C "$tmp/gorun" GOCACHE="${CTXCHECK_GOCACHE:-$tmp/cache/gocache}" GOFLAGS= \
    GOPROXY=off "$go_bin" test -count=1 .
  grep -q "MISMATCH err h2: the model observed <nil>, Go observes context canceled" "$tmp/out" \
    || { echo "FAIL: no MISMATCH line"; cat "$tmp/out"; fails=$((fails + 1)); }
elif [[ "${CTXCHECK_WITH_GO:-}" == 1 ]]; then
  echo "FAIL: CTXCHECK_WITH_GO=1 but no go"; fails=$((fails + 1))
else
  echo "SKIPPED: export-go --run (no go; CTXCHECK_WITH_GO=1 bash ci/setup installs it)"
fi
expect 2 "export-go --run without -o" -- "$bin" export-go "$tmp/goroutines.trace" --run
expect_msg "needs -o"
echo "$fails failed"
[[ $fails -eq 0 ]]
