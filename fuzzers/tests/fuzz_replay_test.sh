#!/usr/bin/env bash
# Crash files <-> text traces, and the crash path of the fuzz targets, without libFuzzer:
#   fuzz_replay_test.sh CTXCHECK REPLAY_FUZZ_FAULTS REPLAY_FUZZ_PROGRAMS CORPUS_DIR
set -uo pipefail
ctx="$1"; faults="$2"; programs="$3"; corpus="$4"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
checked=0
for t in "$corpus"/regressions/*.trace; do
  name="$(basename "$t" .trace)"
  expect="$(grep -m1 '^expect:' "$t")"
  grep -q '^faults:' "$t" || continue
  # trace -> fuzz_faults bytes: reproduces the recorded verdict
  "$ctx" convert --to-bytes "$t" -o "$tmp/$name.bin" >"$tmp/out" 2>&1 || fail "$name: convert --to-bytes: $(cat "$tmp/out")"
  # bytes -> trace -> replay
  "$ctx" convert --to-trace "$tmp/$name.bin" --target fuzz_faults -o "$tmp/$name.back.trace" >/dev/null \
    || fail "$name: convert --to-trace"
  [ "$(grep -m1 '^expect:' "$tmp/$name.back.trace")" = "$expect" ] || fail "$name: round trip changed $expect"
  "$ctx" replay "$tmp/$name.back.trace" >/dev/null || fail "$name: the converted trace does not replay"
  # the fuzz target crashes on it and leaves a replayable trace named by the input's sha1
  case "$expect" in
    "expect: violation"*)
      mkdir -p "$tmp/crash-$name"
      CTXCHECK_FUZZ_TRACE_DIR="$tmp/crash-$name" "$faults" "$tmp/$name.bin" >/dev/null 2>"$tmp/err" \
        && fail "$name: replay_fuzz_faults did not crash on a $expect input"
      sha="$(sha1sum "$tmp/$name.bin" | cut -d' ' -f1)"
      [ -f "$tmp/crash-$name/crash-$sha.trace" ] || fail "$name: no crash-$sha.trace; stderr: $(tail -5 "$tmp/err")"
      [ "$(grep -m1 '^expect:' "$tmp/crash-$name/crash-$sha.trace")" = "$expect" ] || fail "$name: crash trace verdict"
      "$ctx" replay "$tmp/crash-$name/crash-$sha.trace" >/dev/null || fail "$name: crash trace does not replay"
      ls "$tmp/crash-$name" | grep -q '\.tmp' && fail "$name: a temporary file was left behind"
      checked=$((checked + 1)) ;;
  esac
done
[ "$checked" -ge 1 ] || fail "no faulty regression trace with a violation was checked"

# A faithful-model program runs clean under fuzz_programs.
"$ctx" convert --to-bytes "$corpus/regressions/seed-forgotten-defer-cancel.trace" -o "$tmp/ok.bin" >/dev/null \
  || fail "convert a finding trace"
"$programs" "$tmp/ok.bin" >/dev/null 2>&1 || fail "replay_fuzz_programs crashed on a finding (findings are not crashes)"

# Bad input: exit 2, a message, no file written.
"$ctx" convert --to-trace "$tmp/missing" -o "$tmp/x.trace" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || fail "missing file: exit 2"
printf 'ctxcheck-trace 1\ngo 0:\n  h1 = bogus\n' >"$tmp/bad.trace"
"$ctx" convert --to-bytes "$tmp/bad.trace" -o "$tmp/bad.bin" >/dev/null 2>"$tmp/err"; [ $? -eq 2 ] || fail "bad trace: exit 2"
grep -q 'bad.trace:3' "$tmp/err" || fail "bad trace: the message names the line: $(cat "$tmp/err")"
[ ! -e "$tmp/bad.bin" ] || fail "bad trace: a file was written"
"$ctx" convert --to-bytes "$corpus/regressions/seed-early-return-residue.trace" --target fuzz_programs -o "$tmp/f.bin" \
  >/dev/null 2>&1; [ $? -eq 2 ] || fail "faults with --target fuzz_programs: exit 2"
"$ctx" convert --to-trace "$tmp/ok.bin" --to-bytes x -o y >/dev/null 2>&1; [ $? -eq 2 ] || fail "both directions: exit 2"
"$faults" "$tmp/nothing-here" >/dev/null 2>&1; [ $? -eq 2 ] || fail "replay driver: missing input must exit 2"
echo "ok: $checked crash round trips"
