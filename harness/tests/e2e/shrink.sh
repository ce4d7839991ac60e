#!/usr/bin/env bash
# Item 6 of issue 14: `ctxcheck shrink FILE` never overwrites its input (unless --in-place),
# never overwrites an existing output (unless --force), keeps the input's header comments,
# and --keep says which of several findings to keep.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
cd "$scratch"
# A case with two findings: the cancels of h2 and h3 are lost, and h3 has a finalizer while
# it is in a live cycle with its parent (h3 -> h2 -children-> h3).
cat > two.trace <<'T'
ctxcheck-trace 1
# my note: from the payments service, ticket 4711
go 0:
  h1 = background
  h2 = with_cancel h1
  h3 = with_cancel h2
  h4 = with_value h1 keyA:1 7
  observe value h4 keyA:1
  set_finalizer h3
  drop h3
  drop h2
  gc
T
cp two.trace orig.trace
expect 0 "shrink without -o" -- "$bin" shrink two.trace
cmp -s two.trace orig.trace && ok "the input is untouched" || fail "shrink overwrote its input"
[[ -f two.shrunk.trace ]] && ok "written to two.shrunk.trace" || fail "no two.shrunk.trace"
grep -q "keeping finding lost-cancel (the input also comes to: finalizer-cycle" "$scratch/out" \
  && ok "says which finding it kept" || fail "does not say which finding it kept: $(head -3 "$scratch/out")"
grep -q '^# my note: from the payments service, ticket 4711$' two.shrunk.trace \
  && ok "the header comment survives" || fail "the header comment was dropped"
expect 0 "the shrunk case replays" -- "$bin" replay two.shrunk.trace
expect 0 "shrink the shrunk case again" -- "$bin" shrink two.shrunk.trace -o again.trace
[[ $(grep -c '^# .*outcome ' again.trace) -eq 1 && $(grep -c '^# shrunk from' again.trace) -eq 1 ]] \
  && ok "the old report is replaced, not kept beside the new one" || fail "reports pile up: $(grep '^#' again.trace)"
grep -q '^# my note: from the payments service, ticket 4711$' again.trace || fail "the note did not survive a second shrink"
expect 2 "an existing output is not overwritten" -- "$bin" shrink two.trace
grep -q -- "--force" "$scratch/err" || fail "the refusal does not mention --force: $(cat "$scratch/err")"
expect 0 "--force overwrites it" -- "$bin" shrink two.trace --force
expect 2 "-o the input itself is refused" -- "$bin" shrink two.trace -o ./two.trace
for keep in lost-cancel finalizer-cycle; do
  expect 0 "--keep $keep" -- "$bin" shrink two.trace --keep "$keep" -o "keep-$keep.trace"
  grep -q "^expect: finding $keep\$" "keep-$keep.trace" && ok "kept $keep" || fail "--keep $keep: $(grep '^expect' "keep-$keep.trace")"
  expect 0 "the $keep case replays" -- "$bin" replay "keep-$keep.trace"
done
[[ $(grep -c '^  ' keep-lost-cancel.trace) -lt $(grep -c '^  ' two.trace) ]] || fail "--keep lost-cancel did not shrink"
expect 2 "--keep of a verdict the case does not come to" -- "$bin" shrink two.trace --keep residue -o x.trace
grep -q "comes to: lost-cancel, finalizer-cycle" "$scratch/err" || fail "the message lists what it comes to: $(cat "$scratch/err")"
expect 2 "--keep of no such id" -- "$bin" shrink two.trace --keep nonsense -o x.trace
[[ ! -e x.trace ]] || fail "a refused shrink wrote x.trace"
expect 0 "-o - prints the case" -- "$bin" shrink two.trace -o -
head -1 "$scratch/out" | grep -q '^ctxcheck-trace 1$' || fail "-o -: stdout is not the trace"
expect 0 "--in-place overwrites the input when asked" -- "$bin" shrink two.trace --in-place
cmp -s two.trace orig.trace && fail "--in-place left the input as it was" || ok "--in-place rewrote it"
expect 0 "the in-place case replays" -- "$bin" replay two.trace
finish
