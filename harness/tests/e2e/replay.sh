#!/usr/bin/env bash
# Item 9 of issue 14: `ctxcheck replay` takes several files (a verdict line each, a summary
# line, exit 0 only if all reproduce), and a schedule that does not fit the execution (an
# entry out of range, entries left over) is reported as diverged, naming the entry and the
# choice -- the lenient replay used to run such a trace to the same hash and say nothing.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
n=$(ls "$src"/corpus/regressions/*.trace | wc -l)
expect 0 "replay the whole regression corpus" -- "$bin" replay "$src"/corpus/regressions/*.trace
[[ $(grep -c ': reproduced (' "$scratch/out") -eq $n ]] && ok "$n verdict lines" || fail "verdict lines: $(cat "$scratch/out")"
grep -q "^replayed $n traces: $n reproduced, 0 did not, 0 bad input$" "$scratch/out" && ok "summary line" \
  || fail "no summary line: $(tail -1 "$scratch/out")"
# A case with a schedule, then the same with an entry out of range, and with entries left over.
cat > race.trace <<'T'
ctxcheck-trace 1
faults: register-into-canceled
go 0:
  h1 = background
  h2 = with_cancel h1
  go 1
  h3 = with_cancel h2
go 1:
  cancel h2
T
expect 1 "explore finds the race" -- "$bin" explore race.trace --out found --no-progress
good=$(ls found/*.trace | head -1)
grep -q '^schedule:' "$good" || fail "the case has no schedule"
expect 0 "the case replays" -- "$bin" replay "$good"
# the first entry that is 0 becomes 99 (out of range; lenient replay reads it as 0: same hash)
awk '/^schedule:/ && !done { for (i = 2; i <= NF; i++) if ($i == "0") { $i = "99"; k = i - 1; break }; done = 1 } { print }
     END { print k > "entry" }' "$good" > range.trace
k=$(cat entry)
expect 1 "an out-of-range entry is a divergence" -- "$bin" replay range.trace
grep -q "schedule diverged at entry $k: it chooses 99, but decision $k (.*) has [0-9]* option" "$scratch/out" \
  && ok "names entry $k and its choice" || fail "out-of-range entry not named: $(tail -3 "$scratch/out")"
# zeros past the end are what the replay answers anyway (same hash): 500 of them are left over
sed "s/^schedule:.*/&$(printf ' 0%.0s' $(seq 500))/" "$good" > extra.trace
expect 1 "entries left over are a divergence" -- "$bin" replay extra.trace
grep -q "schedule diverged: [0-9]* entries left over after the execution's [0-9]* decisions" "$scratch/out" \
  && ok "names the entries left over" || fail "left-over entries not reported: $(tail -3 "$scratch/out")"
printf 'ctxcheck-trace 1\ngo 0:\n  h1 = bogus\n' > bad.trace
expect 1 "several files: exit 1 when one diverges" -- "$bin" replay "$good" range.trace extra.trace
grep -q "^replayed 3 traces: 1 reproduced, 2 did not, 0 bad input$" "$scratch/out" || fail "summary: $(tail -1 "$scratch/out")"
grep -q "range.trace: DOES NOT REPRODUCE: schedule diverged at entry $k" "$scratch/out" || fail "verdict line of range.trace"
expect 2 "several files: exit 2 when one is bad input, the others still replay" -- "$bin" replay "$good" bad.trace
grep -q "bad.trace:3" "$scratch/err" && grep -q "^replayed 2 traces: 1 reproduced, 0 did not, 1 bad input$" "$scratch/out" \
  || fail "bad input among several: $(cat "$scratch/out" "$scratch/err")"
expect 0 "--json with several files: an array" -- "$bin" replay --json "$good" "$good"
python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j)==2 and all(x["reproduced"] for x in j)' "$scratch/out" \
  && ok "JSON array" || fail "JSON array: $(head -5 "$scratch/out")"
expect 2 "--dot with several files is refused" -- "$bin" replay "$good" "$good" --dot t.dot
finish
