#!/usr/bin/env bash
# No shell ever sees a file name (issue 20 item 1, issue 16's `--dot "it's.dot"`): output
# paths with quotes, spaces, `$(...)`, backquotes and `;...;` are written under exactly
# those names, graphviz renders them, and nothing else runs (no file named PWNED appears).
# Also `export-go --run` in a directory with such a name when Go is installed.
bin=$1 src=$2
source "$(dirname "$0")/lib.sh"
if ! command -v dot >/dev/null; then
  echo "SKIP: graphviz's dot is not installed (bash ci/setup installs it)"; exit 77
fi
cd "$scratch" || exit 1
cp "$src/corpus/regressions/seed-early-return-residue.trace" in.trace
names=("it's" 'say "hi"' 'a b' '$(touch PWNED)' ';touch PWNED;' "a';touch PWNED;'b" '`touch PWNED`' "x'\$(touch PWNED)'\"y\"")
expected=(in.trace out err)  # out, err: lib.sh keeps the last command's output there
for n in "${names[@]}"; do
  expect 0 "replay --dot/--write [$n]" -- "$bin" replay in.trace --dot "$n.dot" --write "$n.replayed.trace"
  grep -qF "rendered $n.dot.svg" "$scratch/out" || fail "replay --dot [$n]: no 'rendered' line"
  grep -q '<svg' "$n.dot.svg" 2>/dev/null || fail "[$n.dot.svg] is not an SVG"
  expect 0 "export-go -o [$n]" -- "$bin" export-go in.trace -o "$n.go/${n}_test.go"
  [[ -f "$n.go/${n}_test.go" ]] || fail "export-go -o [$n.go/${n}_test.go] not written"
  expect 0 "shrink -o [$n]" -- "$bin" shrink in.trace -o "$n.shrunk.trace"
  expect 0 "convert --to-bytes -o [$n]" -- "$bin" convert --to-bytes in.trace -o "$n.bytes"
  expect 0 "convert --to-trace -o [$n]" -- "$bin" convert --to-trace "$n.bytes" --target fuzz_faults -o "$n.conv.trace"
  expect 1 "run --out [$n]" -- "$bin" run --count 200 --faults early-return --out "$n.cases" --no-progress
  expect 0 "explore --checkpoint [$n]" -- "$bin" explore --ops 1 --checkpoint "$n.ck.json" --no-progress
  expected+=("$n.dot" "$n.dot.svg" "$n.replayed.trace" "$n.go" "$n.shrunk.trace" "$n.bytes" "$n.conv.trace"
             "$n.cases" "$n.ck.json")
done
# A name that looks like an option is still a file name for dot.
expect 0 "replay --dot=-x.dot" -- "$bin" replay in.trace --dot=-x.dot
[[ -s -x.dot.svg ]] || fail "-x.dot.svg not rendered"
expected+=(-x.dot -x.dot.svg)

go=${CTXCHECK_GO:-}
[[ -z "$go" && -x /usr/lib/go-1.19/bin/go ]] && go=/usr/lib/go-1.19/bin/go
[[ -z "$go" ]] && go=$(command -v go || true)
if [[ -n "$go" ]]; then
  n="a';touch PWNED;'b \$(touch PWNED)"
  mkdir -p "$scratch/home"
  expect 0 "export-go --run in the directory [$n]" -- env HOME="$scratch/home" XDG_CACHE_HOME= \
    "$bin" export-go in.trace -o "$n/repro_test.go" --run
  grep -q "Go agrees with the model" "$scratch/err" || fail "export-go --run: Go did not run"
  [[ -f "$n/repro_test.go" && -f "$n/go.mod" ]] || fail "export-go --run: [$n/repro_test.go] or go.mod missing"
  expected+=("$n" home)
elif [[ "${CTXCHECK_WITH_GO:-0}" == 1 ]]; then
  fail "CTXCHECK_WITH_GO=1 but no go (\$CTXCHECK_GO, /usr/lib/go-1.19/bin/go, PATH)"
else
  echo "note: no go installed: export-go --run not checked (CTXCHECK_WITH_GO=1 bash ci/setup installs it)"
fi

pwned=$(find "$scratch" "$src" -name PWNED 2>/dev/null)
[[ -z "$pwned" ]] && ok "nothing named PWNED was created" || fail "a shell ran a file name: $pwned"
want=$(printf '%s\n' "${expected[@]}" | LC_ALL=C sort)
got=$(ls -A | LC_ALL=C sort)
[[ "$got" == "$want" ]] && ok "every file under exactly the name given, nothing else" \
  || fail "the scratch directory differs from the names given:"$'\n'"$(diff <(echo "$want") <(echo "$got"))"
finish
