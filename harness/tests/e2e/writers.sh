#!/usr/bin/env bash
# Item 1 of issue 14: every writer of a case writes everything replay needs (faults,
# unsafe, the step limit, the schedule). For every fault of the catalog, a case is written
# through each writer -- explore (shrunk and as found), run, shrink, the fuzz crash handler
# (replay_fuzz_faults, the fuzz_faults entry point in the g++ build) and convert -- and each
# is replayed as recorded. Then a step-limit violation found by run --max-steps.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
fuzz="$build/fuzzers/replay_fuzz_faults"
[[ -x "$fuzz" ]] || { echo "FAIL: $fuzz is not built (ninja -C $build replay_fuzz_faults)"; exit 1; }
# README's kill table: the op alphabet, program size and bound that find each fault.
declare -A hunt=()
while read -r fault kinds ops bound; do
  [[ -z "$fault" || "$fault" == \#* ]] || hunt[$fault]="$kinds $ops $bound"
done <"$src/harness/tests/vectors/kill_table.txt"
replays() {  # replays WRITER FAULT FILE...: each file replays as recorded and names FAULT
  local writer=$1 fault=$2 f; shift 2
  [[ $# -gt 0 && -f "$1" ]] || { fail "$fault: $writer wrote no case"; return; }
  for f in "$@"; do
    grep -q "^faults: $fault\$" "$f" || fail "$fault: $writer's $(basename "$f") does not name the fault"
    "$bin" replay "$f" >"$scratch/replay.out" 2>&1 || fail "$fault: $writer's $(basename "$f"): $(tail -3 "$scratch/replay.out")"
  done
}
faults=$("$bin" faults | awk '/^  [a-z]/ { print $1 }')
[[ $(echo "$faults" | wc -l) -ge 12 ]] || fail "ctxcheck faults lists $(echo "$faults" | wc -l) faults"
for fault in $faults; do
  [[ -n "${hunt[$fault]:-}" ]] || { fail "$fault: not in this test's hunt table (add it)"; continue; }
  read -r kinds ops bound <<<"${hunt[$fault]}"
  d="$fault"; mkdir -p "$d"
  "$bin" explore --ops "$ops" --kinds "$kinds" --bound "$bound" --faults "$fault" --out "$d/explore" --no-progress >/dev/null
  replays explore "$fault" "$d"/explore/*.trace
  "$bin" explore --ops "$ops" --kinds "$kinds" --bound "$bound" --faults "$fault" --out "$d/raw" --no-shrink --no-progress >/dev/null
  raw=$(ls "$d"/raw/*.trace 2>/dev/null | head -1)
  replays "explore --no-shrink" "$fault" $raw
  [[ -n "$raw" ]] && "$bin" shrink "$raw" -o "$d/shrunk.trace" >/dev/null 2>&1
  replays shrink "$fault" "$d/shrunk.trace"
  "$bin" run --seed 1 --count 200000 --kinds "$kinds" --faults "$fault" --max-steps 50000 --out "$d/run" --no-progress >/dev/null
  if ls "$d"/run/*.trace >/dev/null 2>&1; then
    grep -q '^max-steps: 50000$' "$d"/run/*.trace || fail "$fault: run's case does not record --max-steps"
    replays run "$fault" "$d"/run/*.trace
  else
    fail "$fault: run --kinds $kinds found nothing in 200000 cases"
  fi
  case1=$(ls "$d"/explore/*.trace 2>/dev/null | head -1)
  [[ -n "$case1" ]] || continue
  "$bin" convert --to-bytes "$case1" -o "$d/crash.bin" >/dev/null 2>&1 || { fail "$fault: convert --to-bytes"; continue; }
  mkdir -p "$d/fuzz"
  (CTXCHECK_FUZZ_TRACE_DIR="$d/fuzz" "$fuzz" "$d/crash.bin" >/dev/null 2>&1; exit $?) 2>/dev/null
  replays "the fuzz crash handler" "$fault" "$d"/fuzz/*.trace
  "$bin" convert --to-trace "$d/crash.bin" --target fuzz_faults -o "$d/converted.trace" >/dev/null 2>&1
  replays convert "$fault" "$d/converted.trace"
  ok "$fault: every writer's case replays"
done
# Unsafe ops (reparent) are part of the case: `unsafe: on`.
expect 1 "run --unsafe finds a cycle" -- "$bin" run --seed 1 --count 20000 --unsafe --out unsafe-run --no-progress
expect 1 "explore --unsafe finds one" -- "$bin" explore --ops 2 --kinds with_cancel,reparent --unsafe --out unsafe-explore --no-progress
for t in unsafe-run/*.trace unsafe-explore/*.trace; do
  grep -q '^unsafe: on$' "$t" && ok "$t says unsafe: on" || fail "$t lacks unsafe: on"
  expect 0 "$t replays" -- "$bin" replay "$t"
done
# A step limit is part of the case: a termination violation found under --max-steps 200
# replays only under that limit.
expect 1 "run --max-steps finds a termination violation" -- \
  "$bin" run --seed 1 --count 5000 --max-steps 200 --out steps --no-progress
t=$(ls steps/*.trace 2>/dev/null | head -1)
[[ -n "$t" ]] && grep -q '^max-steps: 200$' "$t" && ok "the case records max-steps: 200" || fail "no max-steps: line in ${t:-no case}"
expect 0 "it replays under its limit" -- "$bin" replay "$t"
expect 1 "explore of that case under its own limit finds it again" -- "$bin" explore "$t" --bound 0 --no-progress
finish
