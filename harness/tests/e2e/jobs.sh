#!/usr/bin/env bash
# `run --jobs 2` = `run --jobs 1`: the same found cases, the same written files (names and
# bytes), the same text and JSON summary but for the time, on a few seeds, on the faithful
# model, with findings saved, and under faults (stopping at the first violation, which is
# chosen by case index, not by which worker got there first; and --keep-going).
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
# The summary without what depends on the clock: "N executions in T s (R exec/s)" and "seconds".
timeless() { sed -E 's/ in [0-9.]+ s \([0-9]+ exec\/s\)//; s/"seconds": [0-9.e+-]+/"seconds": -/' "$1"; }
n=0
same() {  # same DESCRIPTION -- run flags...  (each run writes into its own --out)
  local what=$1; shift 2
  n=$((n + 1))
  local code1 code2
  "$bin" run "$@" --out "a$n" --json --no-progress --jobs 1 >"a$n.json" 2>"a$n.txt"; code1=$?
  "$bin" run "$@" --out "b$n" --json --no-progress --jobs 2 >"b$n.json" 2>"b$n.txt"; code2=$?
  sed -i "s|b$n/|a$n/|g" "b$n.json" "b$n.txt"
  if [[ $code1 -ne $code2 ]]; then fail "$what: exit $code1 with --jobs 1, $code2 with --jobs 2"
  elif ! diff <(timeless "a$n.json") <(timeless "b$n.json") >diff.txt; then fail "$what: JSON differs"; head -20 diff.txt
  elif ! diff <(timeless "a$n.txt") <(timeless "b$n.txt") >diff.txt; then fail "$what: text differs"; head -20 diff.txt
  elif ! diff -r "a$n" "b$n" >diff.txt; then fail "$what: written files differ"; head -20 diff.txt
  else ok "$what (exit $code1, $(ls "a$n" 2>/dev/null | wc -l) files)"; fi
}
for seed in 1 7; do
  same "seed $seed, faithful" -- --seed "$seed" --count 3000
  same "seed $seed, findings saved" -- --seed "$seed" --count 1500 --any-programs --save-findings
done
for fault in early-return register-into-canceled err-done-swapped value-outer-wins; do
  same "$fault: the first violation" -- --seed 3 --count 20000 --faults "$fault"
done
same "skip-removal --keep-going --no-shrink" -- --seed 5 --count 2000 --faults skip-removal --keep-going --no-shrink
same "watcher-never-exits --keep-going, shrunk" -- --seed 2 --count 1500 --faults watcher-never-exits --keep-going
# The first violation is not case 0..63 (one chunk): the merge, not luck, picks it.
first=$(sed -n 's/.*(case \([0-9]*\)).*/\1/p' a5/*.trace 2>/dev/null | head -1)
[[ -n "$first" ]] && ok "early-return's first violation is case $first" || fail "early-return found nothing to compare"
expect 2 "--jobs 0 is refused" -- "$bin" run --count 10 --jobs 0
grep -q -- "--jobs" "$scratch/err" && ok "... naming --jobs" || fail "--jobs 0: $(cat "$scratch/err")"
expect 2 "--jobs 257 is refused" -- "$bin" run --count 10 --jobs 257
finish
