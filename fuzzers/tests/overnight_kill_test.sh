#!/usr/bin/env bash
# ci/overnight survives SIGKILL: start a campaign where a crash is certain (fuzz_faults with
# early-return forced), kill -9 its whole process group once a crash file exists (before it
# was processed, if we are quick), restart it with the same work directory, and check that
# the finding is in the regressions directory, replays, and that nothing half-written is left.
#   fuzzers/tests/overnight_kill_test.sh BUILD_DIR
set -uo pipefail
cd "$(dirname "$0")/../.."
build="$(cd "$1" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; cat "$tmp/work/progress.log" 2>/dev/null; exit 1; }
export CTXCHECK_BUILD="$build" CTXCHECK_REGRESSIONS="$tmp/regs" CTXCHECK_OVERNIGHT_TARGET=fuzz_faults \
  CTXCHECK_FUZZ_FAULT=early-return CTXCHECK_OVERNIGHT_JOBS=1 CTXCHECK_OVERNIGHT_SLICE=40
CTXCHECK_OVERNIGHT_SECONDS=120 setsid ci/overnight "$tmp/work" >"$tmp/first.log" 2>&1 &
pid=$!
for _ in $(seq 1 60); do
  ls "$tmp/work/crashes/" 2>/dev/null | grep -qvE '\.trace$' && break
  sleep 1
done
ls "$tmp/work/crashes/" 2>/dev/null | grep -qvE '\.trace$' || { kill -9 -- -"$pid"; fail "no crash within 60 s"; }
kill -9 -- -"$pid"; wait "$pid" 2>/dev/null
echo "killed the campaign with $(ls "$tmp/work/crashes" | grep -cvE '\.trace$') crash file(s), $(ls "$tmp/regs" 2>/dev/null | wc -l) regression(s) written"
# Restart with the budget already spent: it must only process what the first run left.
CTXCHECK_OVERNIGHT_SECONDS=1 ci/overnight "$tmp/work" >"$tmp/second.log" 2>&1 || fail "restart failed: $(tail "$tmp/second.log")"
n="$(ls "$tmp/regs"/fuzz-residue-*.trace 2>/dev/null | wc -l)"
[ "$n" -ge 1 ] || fail "no residue regression after the restart; $(cat "$tmp/second.log")"
for f in "$tmp/regs"/*.trace; do
  "$build/ctxcheck" replay "$f" >/dev/null || fail "$f does not replay"
done
ls -a "$tmp/regs" | grep -q '\.tmp' && fail "a temporary file is left in the regressions directory"
# Every crash file is marked done, and a third run adds nothing new.
before="$(ls "$tmp/regs" | wc -l)"
CTXCHECK_OVERNIGHT_SECONDS=1 ci/overnight "$tmp/work" >/dev/null 2>&1 || fail "third run failed"
[ "$(ls "$tmp/regs" | wc -l)" = "$before" ] || fail "a restart duplicated a regression"
echo "ok: $n residue regression(s) after kill -9 and restart"; cat "$tmp/regs"/fuzz-residue-*.trace | grep -v '^#' | head -20
