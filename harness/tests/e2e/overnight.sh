#!/usr/bin/env bash
# ci/overnight survives SIGKILL (README "Fuzzing"): a short campaign on a fault that crashes
# at once (fuzz_faults, early-return) is SIGKILLed while fuzzing, while triaging a crash and
# while merging the corpus, restarted each time with the same WORK, and finished. Then no
# process of it is left (its recorded process group, or anything naming WORK), no crash was
# triaged twice (the journal) and the interrupted claim was finished once, each kill lost at
# most one save interval of the budget, every regression is in WORK/regressions (not in the
# source tree) and replays, and `ci/overnight --promote` copies them. Last, a restart while a
# run is alive ends that run first.
#   needs a -DCTXCHECK_FUZZERS=ON build ($3) and python3
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
[[ -x $build/fuzzers/fuzz_faults ]] || { echo "needs a libFuzzer build (-DCTXCHECK_FUZZERS=ON): $build"; exit 77; }
command -v python3 >/dev/null || { echo "ci/overnight needs python3"; exit 77; }
work="$scratch/work"
save=5
# One minimization of 1 s per bucket: a fault that crashes at once fills dozens of buckets
# in the 24 s (52 in one run of 2026-12-03), and the finishing run drains them all.
export CTXCHECK_BUILD="$build" CTXCHECK_OVERNIGHT_TARGET=fuzz_faults CTXCHECK_FUZZ_FAULT=early-return \
  CTXCHECK_OVERNIGHT_JOBS=1 CTXCHECK_OVERNIGHT_SLICE=6 CTXCHECK_OVERNIGHT_SECONDS=24 \
  CTXCHECK_OVERNIGHT_SAVE=$save CTXCHECK_OVERNIGHT_PROGRESS=5 CTXCHECK_OVERNIGHT_MINIMIZE=1 \
  CTXCHECK_OVERNIGHT_MINIMIZE_SECONDS=1
tree_files() { ls "$src/corpus/regressions" "$src/corpus/seeds/fuzz_faults" | md5sum; }
regs_before=$(tree_files)

field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], ""))' "$1" "$2" 2>/dev/null; }
elapsed() { local e; e=$(field "$work/state.json" elapsed); echo "${e:-0}"; }
group() { field "$work/run.json" group; }
artifacts() { ls "$work/$1" 2>/dev/null | grep -E '^crash-[0-9a-f]{40}$'; }
# Processes of the campaign (zombies aside): in the process group it recorded, or naming WORK.
leftovers() {
  local g=$1 f stat cmd state pgrp
  for f in /proc/[0-9]*; do
    stat=$(cat "$f/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    read -r state _ pgrp _ <<<"$stat"
    [[ $state == Z || $state == X ]] && continue
    cmd=$(tr '\0' ' ' <"$f/cmdline" 2>/dev/null)
    if [[ -n $g && $pgrp == "$g" ]] || [[ $cmd == *"$work"* ]]; then echo "${f#/proc/} $cmd"; fi
  done
}
cleanup() { leftovers "$(group)" | while read -r pid _; do kill -9 "$pid" 2>/dev/null; done; }
trap 'cleanup; rm -rf "$scratch"' EXIT
wait_for() {  # seconds condition...
  local until=$(( $(date +%s) + $1 )); shift
  until "$@"; do [[ $(date +%s) -lt $until ]] || return 1; sleep 0.05; done
}
phase_is() { [[ $(field "$work/status.json" phase) == "$1" ]]; }
started() { grep -q " overnight: fuzz_faults" "$runlog"; }  # past the take-over and recovery
fuzzing_with_a_crash() { started && [[ -n $(artifacts crashes) ]] && { [[ ! -e $work/status.json ]] || phase_is fuzzing; }; }
triaging() { started && [[ -n $(artifacts claimed) ]] && sleep 0.5 && [[ -n $(artifacts claimed) ]]; }
merging() { started && [[ -d $work/corpus.merged ]]; }  # exists only while a merge runs

lost_total=0
# run N CONDITION...: start the campaign, SIGKILL the script once CONDITION holds, check the rest.
run_and_kill() {
  local n=$1; shift
  local before t0 t1 g left
  before=$(elapsed) t0=$(date +%s%N)
  runlog="$scratch/run$n.log"
  "$src/ci/overnight" "$work" >"$runlog" 2>&1 &
  local pid=$!
  if ! wait_for 60 "$@"; then
    fail "run $n: never saw '$*'"; kill -9 "$pid"; wait "$pid" 2>/dev/null; tail -5 "$scratch/run$n.log"; return
  fi
  [[ $n == 2 ]] && artifacts claimed >"$scratch/claimed-at-kill"
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  t1=$(date +%s%N)
  g=$(group)
  if wait_for 10 test -z "$(leftovers "$g")"; then
    ok "run $n killed ($*): no process left (group ${g:-?})"
  else
    fail "run $n: processes left after SIGKILL of the script:"; leftovers "$g" | head -5
  fi
  left=$(python3 -c "print(round(($t1 - $t0) / 1e9 - ($(elapsed) - $before), 1))")
  lost_total=$(python3 -c "print(round($lost_total + $left, 1))")
  # A kill loses at most one save interval of the budget, plus the start-up before it counts.
  python3 -c "import sys; sys.exit(0 if $left <= $save + 5 else 1)" &&
    ok "run $n ran $(( (t1 - t0) / 1000000000 )) s and lost ${left} s of budget (saved every ${save} s)" ||
    fail "run $n lost ${left} s of budget"
}

run_and_kill 1 fuzzing_with_a_crash
run_and_kill 2 triaging
run_and_kill 3 merging
# The README recipe, with the small budget above: finish.
t4=$SECONDS
CTXCHECK_OVERNIGHT_SECONDS=24 "$src/ci/overnight" "$work" >"$scratch/run4.log" 2>&1
rc=$?
[[ $rc -eq 0 ]] && ok "the restarted campaign finished ($((SECONDS - t4)) s)" || { fail "run 4: exit $rc"; tail -10 "$scratch/run4.log"; }
wait_for 10 test -z "$(leftovers "$(group)")" && ok "no process left after it finished" || fail "processes left"
[[ $(field "$work/status.json" phase) == done ]] && ok "phase done" || fail "phase $(field "$work/status.json" phase)"
python3 -c "import sys; sys.exit(0 if $lost_total <= 60 else 1)" &&
  ok "three kills lost ${lost_total} s of budget in all (<= 60)" || fail "the kills lost ${lost_total} s"
python3 -c "import sys; sys.exit(0 if $(elapsed) >= 24 else 1)" && ok "the whole budget was spent" ||
  fail "only $(elapsed) s of 24 spent"

# Every crash triaged once; the claim run 2 was killed in was finished once; none waiting.
[[ -z $(artifacts crashes) && -z $(artifacts claimed) ]] && ok "no crash left untriaged" || fail "crashes left"
dups=$(python3 -c 'import json,sys,collections
c=collections.Counter(json.loads(l)["crash"] for l in open(sys.argv[1]))
print(sum(1 for v in c.values() if v > 1), len(c))' "$work/journal.jsonl")
read -r ndup ncrash <<<"$dups"
[[ $ndup == 0 && $ncrash -ge 2 ]] && ok "$ncrash crashes triaged, none twice" || fail "journal: $ndup duplicated of $ncrash"
while read -r c; do
  n=$(grep -c "\"crash\": \"$c\"" "$work/journal.jsonl")
  [[ $n == 1 ]] && ok "the claim interrupted by kill 2 ($c) was finished once" || fail "$c in the journal $n times"
done <"$scratch/claimed-at-kill"
grep -q "resuming the claim" "$work/progress.log" && ok "a restart resumed the interrupted claim" ||
  fail "no 'resuming the claim' in progress.log"
line=$(grep "progress:" "$work/progress.log" | tail -1)
[[ $line =~ executions\ \([0-9,]+\ exec/s\),\ cov\ [0-9]+,\ ft\ [0-9]+,\ corpus\ [0-9]+,\ rss\ [1-9][0-9]*\ MB,\ crashes\ [0-9]+\ in\ [0-9]+\ buckets ]] &&
  ok "progress line: ${line#*progress: }" || fail "progress line lacks figures: $line"
# Regressions: in WORK, one per bucket, replaying; the source tree untouched.
nregs=$(ls "$work/regressions" | grep -c '^fuzz-.*\.trace$')
[[ $nregs -ge 1 ]] && ok "$nregs regression(s) in WORK/regressions" || fail "no regression written"
for f in "$work"/regressions/fuzz-*.trace; do
  "$bin" replay "$f" >/dev/null 2>&1 || fail "$f does not replay"
done
ls -a "$work/regressions" | grep -q '\.tmp' && fail "a temporary file left in WORK/regressions"
[[ $(tree_files) == "$regs_before" ]] && ok "corpus/regressions and corpus/seeds untouched" ||
  fail "the campaign wrote into the source tree's corpus/"
# Promotion is a separate, explicit command.
expect 0 "--promote copies the regressions" -- env CTXCHECK_REGRESSIONS="$scratch/promoted" "$src/ci/overnight" --promote "$work"
[[ $(ls "$scratch/promoted" | wc -l) == "$nregs" ]] && ok "promoted $nregs" || fail "promoted $(ls "$scratch/promoted" | wc -l) of $nregs"
expect 0 "--promote again copies nothing new" -- env CTXCHECK_REGRESSIONS="$scratch/promoted" "$src/ci/overnight" --promote "$work"
grep -q "0 regressions copied" "$scratch/out" || fail "a second --promote copied again: $(tail -1 "$scratch/out")"

# A restart while a run is alive ends that run (its recorded script and group) first.
export CTXCHECK_OVERNIGHT_SECONDS=$(python3 -c "print(int($(elapsed)) + 5)")
"$src/ci/overnight" "$work" >"$scratch/run5.log" 2>&1 &
first=$!
wait_for 30 phase_is fuzzing || fail "run 5 never started fuzzing"
g5=$(group)
"$src/ci/overnight" "$work" >"$scratch/run6.log" 2>&1
rc=$?
wait "$first"
[[ $rc -eq 0 ]] && ok "a second start on the same WORK finished (test at $SECONDS s)" || { fail "run 6: exit $rc"; tail -5 "$scratch/run6.log"; }
grep -q "ending the previous run's script (pid $first)" "$scratch/run6.log" && ok "it ended the running one first" ||
  { fail "run 6 did not end run 5"; head -5 "$scratch/run6.log"; }
[[ -z $(leftovers "$g5") && -z $(leftovers "$(group)") ]] && ok "nothing of either run is left" || fail "processes left"
# --stop ends a running campaign by what it recorded.
export CTXCHECK_OVERNIGHT_SECONDS=$(python3 -c "print(int($(elapsed)) + 20)")
"$src/ci/overnight" "$work" >"$scratch/run7.log" 2>&1 &
running=$!
wait_for 30 phase_is fuzzing || fail "run 7 never started fuzzing"
g7=$(group)
expect 0 "--stop" -- "$src/ci/overnight" --stop "$work"
wait "$running"
[[ -z $(leftovers "$g7") ]] && ok "--stop left nothing running (run 7 said: $(tail -1 "$scratch/run7.log" | cut -c22-90))" ||
  fail "processes left after --stop"
finish
