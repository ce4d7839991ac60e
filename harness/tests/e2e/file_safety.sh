#!/usr/bin/env bash
# Output files never replace what a path points at (issue 20 item 2): `-`, /dev/stdout and
# a FIFO are written into, a symlink stays a symlink and its target gets the contents, an
# output that is the command's input is refused (exit 2, input byte-identical), a write to
# /dev/full fails with exit 2 naming /dev/full (which stays a device: we may run as root),
# and a missing or failing graphviz is said, not silent.
bin=$1 src=$2
source "$(dirname "$0")/lib.sh"
cd "$scratch" || exit 1
cp "$src/corpus/regressions/seed-early-return-residue.trace" in.trace
cp in.trace pristine.trace
# (restored after a failure, so one broken step does not break the ones after it)
same_input() { cmp -s in.trace pristine.trace || { fail "$1: the input was modified"; cp pristine.trace in.trace; }; }
stderr_names() { grep -qF -- "$1" "$scratch/err" || fail "stderr does not name '$1': $(head -3 "$scratch/err")"; }

# stdout: `-`, and /dev/stdout to a file (lib.sh's redirect) and to a pipe. A regression
# would replace the machine's /dev/stdout with a regular file (main's code did): a private
# link to /proc/self/fd/1 goes first, the real /dev/stdout only if that one was safe.
stdout_tests() {  # stdout_tests PATH
  expect 0 "shrink -o $1" -- "$bin" shrink in.trace -o "$1"
  grep -q '^ctxcheck-trace 1' "$scratch/out" || fail "shrink -o $1: no trace on stdout"
  "$bin" shrink in.trace -o "$1" 2>/dev/null | grep -q '^ctxcheck-trace 1' || fail "shrink -o $1 | grep: no trace"
  "$bin" replay in.trace --dot "$1" 2>/dev/null | grep -q '^digraph' || fail "replay --dot $1 | grep: no DOT"
  [[ $("$bin" convert --to-bytes in.trace -o "$1" 2>/dev/null | head -c 19 | wc -c) -eq 19 ]] \
    || fail "convert --to-bytes -o $1: no bytes"
  [[ -L "$1" ]] || { fail "$1 is no longer a symlink"; return 1; }
}
ln -s /proc/self/fd/1 "$scratch/stdout"
before=$fails
stdout_tests "$scratch/stdout"
if [[ $fails -eq $before && -L /dev/stdout ]]; then
  stdout_tests /dev/stdout
else
  fail "not writing to the real /dev/stdout: the private link was not handled safely (or /dev/stdout is not a link)"
fi
expect 0 "shrink -o -" -- "$bin" shrink in.trace -o -
grep -q '^ctxcheck-trace 1' "$scratch/out" || fail "shrink -o -: no trace on stdout"
expect 0 "export-go -o -" -- "$bin" export-go in.trace -o -
grep -q '^package ' "$scratch/out" || fail "export-go -o -: no Go file on stdout"
[[ $("$bin" convert --to-bytes in.trace -o - 2>/dev/null | head -c 19 | wc -c) -eq 19 ]] || fail "convert --to-bytes -o -: no bytes"
[[ -e ./- ]] && fail "a file named - was written"

# A symlinked -o stays a symlink; its target gets the new contents.
mkdir real && echo old > real/target.trace && ln -s real/target.trace link.trace
expect 2 "shrink -o SYMLINK to an existing file, without --force" -- "$bin" shrink in.trace -o link.trace
grep -qx old real/target.trace || fail "shrink without --force touched the symlink's existing target"
expect 0 "shrink -o SYMLINK --force" -- "$bin" shrink in.trace -o link.trace --force
[[ -L link.trace ]] && ok "the symlink is still a symlink" || fail "shrink -o replaced the symlink"
grep -q '^ctxcheck-trace 1' real/target.trace || fail "the symlink's target did not get the trace"
ln -s real/made_test.go dangling_test.go
expect 0 "export-go -o DANGLING-SYMLINK" -- "$bin" export-go in.trace -o dangling_test.go
[[ -L dangling_test.go && -f real/made_test.go ]] || fail "export-go -o through a dangling symlink"

# Output = input: refused with exit 2 naming the path, the input unchanged; also by another name.
ln -s in.trace alias.trace
cp in.trace case_test.go  # export-go writes only *_test.go files
expect 2 "export-go -o IN" -- "$bin" export-go case_test.go -o case_test.go; stderr_names case_test.go
cmp -s case_test.go in.trace || fail "export-go -o IN: the input was modified"
expect 2 "replay --dot IN" -- "$bin" replay in.trace --dot in.trace; stderr_names "refusing to write in.trace"
same_input "replay --dot IN"
expect 2 "replay --write IN" -- "$bin" replay in.trace --write alias.trace; stderr_names alias.trace
same_input "replay --write IN"
expect 2 "convert --to-bytes -o IN" -- "$bin" convert --to-bytes in.trace -o in.trace; same_input "convert -o IN"
expect 2 "shrink -o IN (a symlink to it)" -- "$bin" shrink in.trace -o alias.trace; same_input "shrink -o IN"
[[ -L alias.trace ]] || fail "the alias is no longer a symlink"
"$bin" convert --to-bytes in.trace -o crash.bin >/dev/null
expect 2 "convert --to-trace -o IN" -- "$bin" convert --to-trace crash.bin -o crash.bin
# shrink overwrites FILE only when asked: --in-place.
cp in.trace inplace.trace
expect 0 "shrink FILE writes FILE.shrunk.trace" -- "$bin" shrink inplace.trace
cmp -s inplace.trace in.trace || fail "shrink FILE changed FILE"
[[ -f inplace.shrunk.trace ]] || fail "shrink FILE wrote no inplace.shrunk.trace"
expect 0 "shrink --in-place FILE overwrites FILE" -- "$bin" shrink --in-place inplace.trace
cmp -s inplace.trace in.trace && fail "shrink --in-place did not rewrite FILE"

# /dev/full: exit 2, the message names the path, and it is still a character device. We
# run as root, where a regression would replace the machine's /dev/full: every command
# writes to a private copy of the device first (mknod c 1 7), the real one only after.
full_tests() {  # full_tests DEVICE
  local cmd
  for cmd in "replay in.trace --write" "shrink in.trace -o" "convert --to-bytes in.trace -o" "replay in.trace --dot"; do
    # shellcheck disable=SC2086
    expect 2 "$cmd $1" -- "$bin" $cmd "$1"
    stderr_names "$1: No space left on device"
    [[ -c "$1" ]] || { fail "$cmd $1 replaced the device"; return 1; }
  done
  same_input "$1"
}
before=$fails
if mknod "$scratch/full" c 1 7 2>/dev/null; then
  full_tests "$scratch/full"
else
  echo "note: cannot mknod a private /dev/full (not root?): testing /dev/full itself"
fi
if [[ $fails -eq $before ]]; then
  full_tests /dev/full
else
  fail "not writing to the real /dev/full: the private device was not handled safely"
fi

# A FIFO is written into, not replaced.
mkfifo pipe.trace
timeout 20 cat pipe.trace > from-pipe.txt &  # bounded: a regression replaces the FIFO and no writer comes
reader=$!
expect 0 "shrink -o FIFO" -- "$bin" shrink in.trace -o pipe.trace
wait "$reader"
[[ -p pipe.trace ]] || fail "the FIFO was replaced"
grep -q '^ctxcheck-trace 1' from-pipe.txt || fail "nothing came through the FIFO"

# A directory that does not exist: exit 2 naming the user's path.
expect 2 "shrink -o MISSING-DIR/x" -- "$bin" shrink in.trace -o no/such/dir/x.trace
stderr_names no/such/dir/x.trace
grep -qF '.tmp.' "$scratch/err" && fail "the error names the temporary file"

# graphviz missing or failing is reported, and no SVG appears.
expect 0 "replay --dot without dot on PATH" -- env PATH=/nonexistent "$bin" replay in.trace --dot nodot.dot
stderr_names "no nodot.dot.svg: cannot run dot: not found in PATH"
mkdir fakebin && printf '#!/bin/sh\necho "Error: broken graphviz" >&2\nexit 3\n' > fakebin/dot && chmod +x fakebin/dot
expect 0 "replay --dot with a failing dot" -- env PATH="$scratch/fakebin:$PATH" "$bin" replay in.trace --dot bad.dot
stderr_names "no bad.dot.svg: dot exited 3: Error: broken graphviz"
[[ -e nodot.dot.svg || -e bad.dot.svg ]] && fail "an SVG was written although dot did not run"

leftover=$(find "$scratch" -name '*.tmp.*')
[[ -z "$leftover" ]] && ok "no temporary file left" || fail "temporary files left: $leftover"
finish
