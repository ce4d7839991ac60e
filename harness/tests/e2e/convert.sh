#!/usr/bin/env bash
# Item 8 of issue 14: `convert --to-trace` never guesses the target (raw fuzzer bytes do not
# name it: --target is required, exit 2), and records the faults exactly: a fuzz_faults
# crash found under CTXCHECK_FUZZ_FAULT (whose mask bytes the target ignores) converts
# with the forced faults, not the mask's.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
fuzz="$build/fuzzers/replay_fuzz_faults"
[[ -x "$fuzz" ]] || { echo "FAIL: $fuzz is not built (ninja -C $build replay_fuzz_faults)"; exit 1; }
expect 1 "a case to convert" -- "$bin" explore --ops 3 --faults early-return --out found --no-progress
case=$(ls found/*.trace | head -1)
hash=$(sed -n 's/^hash: //p' "$case")
expect 0 "trace -> fuzz_faults bytes" -- "$bin" convert --to-bytes "$case" -o crash.bin
expect 2 "raw bytes without --target are refused" -- "$bin" convert --to-trace crash.bin -o guessed.trace
grep -q -- "--target" "$scratch/err" && ok "the message asks for --target" || fail "message: $(cat "$scratch/err")"
[[ ! -e guessed.trace ]] || fail "a refused convert wrote a file"
expect 2 "a text trace is not fuzzer bytes" -- "$bin" convert --to-trace "$case" --target fuzz_faults
expect 0 "bytes -> trace with --target" -- "$bin" convert --to-trace crash.bin --target fuzz_faults -o back.trace
grep -q '^faults: early-return$' back.trace && ok "faults from the mask" || fail "faults: $(grep '^faults' back.trace)"
grep -q "^hash: $hash\$" back.trace && ok "same execution" || fail "hash differs from $hash"
expect 0 "the converted trace replays" -- "$bin" replay back.trace
# The same crash found under a forced fault: the mask bytes say every fault (0xffff); the
# target ran early-return alone (as CTXCHECK_FUZZ_FAULT said).
{ printf '\377\377'; tail -c +3 crash.bin; } > forced.bin
mkdir -p crashes
(CTXCHECK_FUZZ_FAULT=early-return CTXCHECK_FUZZ_TRACE_DIR=crashes "$fuzz" forced.bin >/dev/null 2>&1; exit $?) 2>/dev/null \
  && fail "replay_fuzz_faults did not crash under the forced fault"
crash=$(ls crashes/*.trace 2>/dev/null | head -1)
[[ -n "$crash" ]] && grep -q '^faults: early-return$' "$crash" && ok "the crash handler records the forced fault" \
  || fail "crash trace: $(grep '^faults' "$crash" 2>/dev/null)"
expect 0 "the crash trace replays" -- "$bin" replay "$crash"
expect 0 "convert --faults (the forced set)" -- "$bin" convert --to-trace forced.bin --target fuzz_faults --faults early-return -o f1.trace
grep -q '^faults: early-return$' f1.trace && ok "--faults: exactly the forced fault" || fail "--faults: $(grep '^faults' f1.trace)"
CTXCHECK_FUZZ_FAULT=early-return expect 0 "convert under CTXCHECK_FUZZ_FAULT, as the target ran" -- \
  "$bin" convert --to-trace forced.bin --target fuzz_faults -o f2.trace
grep -q '^faults: early-return$' f2.trace && ok "env: exactly the forced fault" || fail "env: $(grep '^faults' f2.trace)"
for t in f1 f2; do
  [[ "$(grep '^hash:' $t.trace)" == "$(grep '^hash:' "$crash")" ]] || fail "$t.trace and the crash trace differ"
  expect 0 "$t.trace replays" -- "$bin" replay $t.trace
done
expect 2 "--faults with fuzz_programs is refused" -- "$bin" convert --to-trace crash.bin --target fuzz_programs --faults early-return
expect 2 "an unknown forced fault" -- "$bin" convert --to-trace forced.bin --target fuzz_faults --faults nope
finish
