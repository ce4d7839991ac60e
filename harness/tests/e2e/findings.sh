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
finish
