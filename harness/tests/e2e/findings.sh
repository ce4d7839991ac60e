#!/usr/bin/env bash
# Item 7 of issue 14: `run --any-programs --save-findings` used to write every finding
# unshrunk (7,127 files in 3 s). Saved findings are shrunk and deduplicated like violations
# (one file per minimal case, with a count); --fail-on-findings; --json summaries of run
# and explore.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
# Without the new flags, as the issue measured it: few files, each shrunk.
expect 0 "run --any-programs --save-findings" -- "$bin" run --seed 1 --count 2000 --any-programs --save-findings --out plain --no-progress
found=$(sed -n 's/.* violations, \([0-9]*\) findings$/\1/p' "$scratch/out" | head -1)
files=$(ls plain | wc -l)
[[ -n "$found" && $found -ge 200 && $((files * 10)) -le $found ]] && ok "$found findings saved as $files files" \
  || fail "$found findings saved as $files files (want at most one file per 10 findings)"
[[ $(grep -L '^# shrunk from' plain/*.trace | wc -l) -eq 0 ]] && ok "each saved finding is shrunk" \
  || fail "$(grep -L '^# shrunk from' plain/*.trace | wc -l) of $files saved findings are not shrunk"
expect 0 "run --any-programs --save-findings --json" -- \
  "$bin" run --seed 1 --count 2000 --any-programs --save-findings --out cases --json --no-progress
cp "$scratch/out" run.json
python3 - run.json cases <<'PY' && ok "JSON summary: counts, files, one file per minimal case" || fail "run --json summary"
import json, os, sys
j = json.load(open(sys.argv[1]))
files = sorted(os.listdir(sys.argv[2]))
assert j["command"] == "run" and j["seed"] == 1 and j["executions"] == 2000, j
assert j["findings"] >= 200, f"expected many findings, got {j['findings']}"
assert sum(j["by_id"]["findings"].values()) == j["findings"], j["by_id"]
assert len(files) == len(j["files"]) and len(files) * 10 <= j["findings"], (len(files), j["findings"])
assert sum(f["cases"] for f in j["files"]) == j["findings"], "every finding counted in some file"
assert all(f["new"] and os.path.basename(f["path"]) in files for f in j["files"])
print(f"{j['findings']} findings -> {len(files)} files")
PY
bad=0
for f in cases/*.trace; do
  grep -q '^# shrunk from' "$f" || { fail "$f was not shrunk"; bad=1; }
  "$bin" replay "$f" >/dev/null 2>&1 || { fail "$f does not replay"; bad=1; }
done
[[ $bad -eq 0 ]] && ok "every saved finding is shrunk and replays"
expect 1 "--fail-on-findings" -- "$bin" run --seed 1 --count 200 --any-programs --fail-on-findings --no-progress
expect 0 "findings alone do not fail a run" -- "$bin" run --seed 1 --count 200 --any-programs --no-progress
expect 1 "explore --json" -- "$bin" explore --ops 3 --faults early-return --out found --json --no-progress
python3 - "$scratch/out" <<'PY' && ok "explore JSON summary" || fail "explore --json: $(head -20 "$scratch/out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert j["command"] == "explore" and j["violations"] >= 1 and j["violations_by_id"].get("residue", 0) >= 1, j
assert len(j["files"]) == 1 and j["files"][0]["verdict"] == "violation residue" and j["exit"] == 1, j
PY
expect 1 "explore --fail-on-findings" -- "$bin" explore --ops 1 --kinds with_cancel --fail-on-findings --no-progress
expect 0 "explore: findings alone pass" -- "$bin" explore --ops 1 --kinds with_cancel --no-progress
# Issue 16: findings with Go's meaning, on the seed article's scenarios as a user replays them.
reg="$src/corpus/regressions"
expect 0 "replay: forgotten timeout cancel under a server context" -- \
  "$bin" replay "$reg/server-forgotten-timeout-cancel.trace" --json
python3 - "$scratch/out" <<'PY' && ok "lost-cancel at the drop, with its path; the server's context is no finding" || fail "forgotten timeout cancel: $(head -c 1500 "$scratch/out")"
import json, sys
j = json.load(open(sys.argv[1]))
f = j["findings"]
assert [x["finding"] for x in f] == ["lost-cancel", "retained-by-parent"], f
lc = f[0]
assert lc["at"]["script"] == 0 and lc["at"]["op"] == 5, lc["at"]          # op 5: drop h3
assert lc["retention"]["root"] == "global 2", lc
assert [n["name"] for n in lc["retention"]["nodes"]] == ["h2", "h3"], lc
assert lc["retention"]["nodes"][1]["edge"] == "children[]" and lc["retention"]["nodes"][1]["type"] == "timerCtx"
PY
expect 0 "replay: a long-lived parent retaining dropped children" -- \
  "$bin" replay "$reg/long-lived-parent-retains-dropped.trace" --json
python3 - "$scratch/out" <<'PY' && ok "retained-by-parent: per parent, count and bytes" || fail "retained-by-parent: $(head -c 1500 "$scratch/out")"
import json, sys
j = json.load(open(sys.argv[1]))
f = j["findings"]
assert [x["finding"] for x in f] == ["retained-by-parent"], f
assert f[0]["retained"]["contexts"] == 2 and f[0]["retained"]["bytes"] > 0, f[0]
assert f[0]["retention"]["nodes"][-1]["edge"] == "children[]", f[0]
PY
expect 0 "replay: interceptor rebinding a key with another value type" -- "$bin" replay "$reg/interceptor-shadowed-key.trace"
grep -q "FINDING shadowed-key: h4 binds keyA:1 to a string under h2, which binds it to an int" "$scratch/out" \
  && ok "shadowed-key names both bindings" || fail "shadowed-key message: $(cat "$scratch/out")"
expect 0 "replay: two packages' struct{} keys" -- "$bin" replay "$reg/two-packages-struct-keys.trace"
grep -q "^PASS" "$scratch/out" && ok "different key types: no finding" || fail "struct keys: $(cat "$scratch/out")"
expect 0 "replay: parked forever" -- "$bin" replay "$reg/parked-on-never-canceled.trace"
grep -q "FINDING parked-forever: go 1 (goroutine [0-9]*) waits for ever at op 1 (wait h2)" "$scratch/out" \
  && grep -q "^  at step [0-9]*, go 1 op 1 (wait h2)" "$scratch/out" \
  && ok "parked-forever names the goroutine, op and context, at the wait" || fail "parked-forever: $(cat "$scratch/out")"
# The new syntax as a user writes it: keep, built-in keys, string values.
printf '%s\n' 'ctxcheck-trace 1' 'go 0:' '  h1 = background' '  h2 = with_cancel h1' '  keep h2' \
  '  h3 = with_value h2 string:"user" string:"bob"' '  observe value h3 string:"user"' > keys.trace
expect 0 "a built-in-typed key" -- "$bin" replay keys.trace --json
python3 - "$scratch/out" <<'PY' && ok "builtin-key (SA1029); keep: no lost-cancel; the value reads back typed" || fail "keys.trace: $(head -c 1500 "$scratch/out")"
import json, sys
j = json.load(open(sys.argv[1]))
assert [x["finding"] for x in j["findings"]] == ["builtin-key"], j["findings"]
assert j["observations"][0]["value"] == 'string:"bob"', j["observations"]
PY
printf '%s\n' 'ctxcheck-trace 1' 'go 0:' '  h1 = background' '  h2 = with_value h1 string:"Bob" 1' > bad.trace
expect 2 "a bad string key is bad input" -- "$bin" replay bad.trace
grep -q "bad.trace:4:22: expected a key like keyA:3, int:3 or string:" "$scratch/err" \
  && ok "the error names line:column" || fail "bad key error: $(cat "$scratch/err")"
printf '%s\n' 'ctxcheck-trace 1' 'go 0:' '  h1 = background' '  keep' > bad2.trace
expect 2 "keep without a handle is bad input" -- "$bin" replay bad2.trace
grep -q "bad2.trace:4:" "$scratch/err" && ok "keep's error names the line" || fail "keep error: $(cat "$scratch/err")"
expect 0 "the catalog lists the new findings" -- "$bin" invariants
grep -q "retained-by-parent" "$scratch/out" && grep -q "builtin-key" "$scratch/out" \
  && ok "invariants lists retained-by-parent and builtin-key" || fail "catalog: $(cat "$scratch/out")"
expect 0 "well-formed programs: no findings" -- "$bin" run --seed 7 --count 3000 --fail-on-findings --no-progress
finish
