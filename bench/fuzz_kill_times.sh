#!/usr/bin/env bash
# Time to kill each fault with fuzz_faults: for every fault in the catalog (or the ones
# given), run fuzz_faults with only that fault forced (CTXCHECK_FUZZ_FAULT) from the seed
# corpus (fault-free seeds; CTXCHECK_KILL_CORPUS=empty: from nothing), with -seed=1..N, and report the median wall time until
# the first crash, and the median executions until it (libFuzzer's count: the figure that
# does not depend on the machine's load). A run that does not crash within the cap counts as
# the cap, and as the executions it ran.
# libFuzzer runs with fuzzers/fuzz_faults.options (the flags campaigns use; -max_len there),
# then CTXCHECK_KILL_FLAGS (e.g. "-max_len=128", to compare settings).
# CTXCHECK_KILL_TARGET=fuzz_programs runs that target instead (it honours CTXCHECK_FUZZ_FAULT
# too), from its own seeds and .options.
#   bench/fuzz_kill_times.sh [BUILD_DIR] [fault...]
#   CTXCHECK_KILL_SEEDS=5  CTXCHECK_KILL_CAP=60  CTXCHECK_KILL_FLAGS=  CTXCHECK_KILL_TARGET=fuzz_faults
set -euo pipefail
cd "$(dirname "$0")/.."
build="${1:-build/fuzz}"; shift || true
target="${CTXCHECK_KILL_TARGET:-fuzz_faults}"
case "$target" in fuzz_faults|fuzz_programs) ;; *) echo "CTXCHECK_KILL_TARGET: fuzz_faults or fuzz_programs, not $target"; exit 2;; esac
bin="$build/fuzzers/$target"
[ -x "$bin" ] || { echo "no $bin: build with ci/fuzz-smoke or -DCTXCHECK_FUZZERS=ON"; exit 2; }
seeds="${CTXCHECK_KILL_SEEDS:-5}"; cap="${CTXCHECK_KILL_CAP:-60}"
faults=("$@")
[ ${#faults[@]} -gt 0 ] || mapfile -t faults < <("$build/ctxcheck" faults | awk 'NR > 1 && NF && $1 ~ /^[a-z]+(-[a-z]+)*$/ {print $1}')
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
mapfile -t flags < <(ci/fuzz-options "$target")  # the .options file's flags
flags+=(${CTXCHECK_KILL_FLAGS:-})  # split on blanks, as on a command line
printf '%-24s %8s %9s  %s\n' fault median execs "runs (s)"
worst=0
for f in "${faults[@]}"; do
  times=(); execs=()
  for s in $(seq 1 "$seeds"); do
    rm -rf "$tmp/c" "$tmp/a"; mkdir -p "$tmp/c" "$tmp/a"
    [ "${CTXCHECK_KILL_CORPUS:-seeds}" = empty ] || cp "corpus/seeds/$target/"* "$tmp/c/"
    start=$(date +%s.%N)
    rc=0
    CTXCHECK_FUZZ_FAULT="$f" CTXCHECK_FUZZ_TRACE_DIR="$tmp/a" "$bin" -seed="$s" -max_total_time="$cap" "${flags[@]}" \
      -print_final_stats=1 -artifact_prefix="$tmp/a/" "$tmp/c" >"$tmp/log" 2>&1 || rc=$?
    end=$(date +%s.%N)
    # A kill counts only if the fault is what fails: the crash's trace, replayed without
    # the fault on the faithful model, must not violate anything (else it is a model bug).
    trace="$(ls "$tmp/a"/crash-*.trace 2>/dev/null | head -1 || true)"
    killed=0
    if [ "$rc" -ne 0 ] && [ -n "$trace" ]; then
      grep -v '^faults:' "$trace" >"$tmp/faithful.trace"
      "$build/ctxcheck" replay "$tmp/faithful.trace" 2>&1 | grep -q '^VIOLATION' || killed=1
      [ "$killed" = 1 ] || echo "  ($f, seed $s: the crash reproduces without the fault: $(grep -m1 '^expect' "$trace"))" >&2
    fi
    execs+=("$(awk '/stat::number_of_executed_units/ {print $2}' "$tmp/log" | tail -1)")
    if [ "$killed" = 1 ]; then
      times+=("$(echo "$end - $start" | bc -l | xargs printf '%.2f')")
    else
      times+=("$cap")
    fi
  done
  median_of() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  median="$(median_of "${times[@]}")"
  printf '%-24s %8s %9s  %s\n' "$f" "$median" "$(median_of "${execs[@]}")" "${times[*]}"
  awk -v m="$median" -v c="$cap" 'BEGIN {exit !(m >= c)}' && worst=1
done
exit $worst  # 1: some fault was not killed within the cap in most runs
