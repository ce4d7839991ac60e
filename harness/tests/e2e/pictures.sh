#!/usr/bin/env bash
# Issue 16's pictures: `replay --dot` draws a top-down tree with a legend and the verdict
# for violations and findings alike (readable at 40 contexts), `--timeline` writes
# trace-event JSON valid against harness/report/timeline.schema.json with a track per
# goroutine, `--timeline-html` a self-contained viewer, `--gctrace` Go's gctrace lines;
# every output follows the writers' contract (atomic, never the input, one file only).
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
command -v dot >/dev/null || { echo "graphviz (dot) is missing: run ci/setup"; exit 1; }
py=""
for p in python3 /usr/bin/python3; do "$p" -c 'import jsonschema' 2>/dev/null && { py=$p; break; }; done
[[ -n $py ]] || { echo "python3 jsonschema is missing: run ci/setup (python3-jsonschema)"; exit 1; }
check="$py $src/harness/tests/e2e/pictures_check.py"
reg=$src/corpus/regressions
cd "$scratch"

# A violation: the residue entry in red, top-down, the verdict and the legend in the caption.
expect 0 "--dot on a violation" -- "$bin" replay "$reg/seed-early-return-residue.trace" --dot residue.dot
grep -q 'rankdir=TB' residue.dot && ok "top-down" || fail "not top-down: $(head -3 residue.dot)"
for want in '<b>h1</b>' '<b>h2</b>' '<b>h3</b>' 'label="residue"' 'violation residue' 'children map (the tree)'; do
  grep -qF "$want" residue.dot && ok "violation picture has $want" || fail "no $want in residue.dot"
done
grep -q 'rank=min; c0; }' residue.dot && ok "Background on the top rank" || fail "roots not pinned to the top"
grep -q todoCtx residue.dot && fail "a todoCtx the program never created" || ok "no stray todoCtx"
[[ -s residue.dot.svg ]] && ok "svg rendered" || fail "no residue.dot.svg: $(cat "$scratch/err")"

# Findings get pictures too (two found on the same tree share one), with the retention
# path from its root.
expect 0 "--dot on findings" -- "$bin" replay "$reg/seed-forgotten-defer-cancel.trace" --dot lost.dot
grep -q 'finding lost-cancel: the cancel func of h3 is lost' lost.dot && grep -q 'finding retained-by-parent' lost.dot \
  && ok "both findings in the caption" || fail "captions: $(grep -o 'finding [a-z-]*' lost.dot | sort | uniq -c)"
grep -q 'root0 \[.*label="global 2"' lost.dot && ok "the path's root" || fail "no path root in lost.dot"
grep -q 'c2 -> c3 \[color="#e08000"' lost.dot && ok "path edge drawn" || fail "no path edge h2 -> h3"
grep -q '<b>h3</b>.*penwidth=3' lost.dot && ok "the finding's context highlighted" || fail "h3 not highlighted"
grep -q '<b>h2</b>.*penwidth=3' lost.dot && ok "the other finding's context highlighted" || fail "h2 not highlighted"

# 41 contexts (a fan under Background, a fan below it, a 21-deep chain, values between):
# every child below its parent, no two boxes overlap.
{
  echo "ctxcheck-trace 1"; echo "faults: early-return"; echo "go 0:"; echo "  h1 = background"
  for i in $(seq 2 41); do
    p=$(( i <= 6 ? 1 : i <= 20 ? i - 5 : i - 1 ))
    if (( i % 7 == 0 )); then echo "  h$i = with_value h$p keyA:$i $i"; else echo "  h$i = with_cancel h$p"; fi
  done
  echo "  cancel h41"; echo "  observe children h40"
} > big.trace
expect 1 "--dot on 41 contexts (a residue violation)" -- "$bin" replay big.trace --dot big.dot
[[ $(grep -c '^  c[0-9]* \[label=' big.dot) -eq 41 ]] && ok "41 contexts drawn" || fail "contexts: $(grep -c label= big.dot)"
dot -Tplain big.dot > big.plain || fail "dot -Tplain"
$check layout big.dot big.plain && ok "40-context layout" || fail "40-context layout"

# A name the shell would split or expand is one argv entry for dot.
expect 0 "--dot with a quote in the name" -- "$bin" replay "$reg/seed-early-return-residue.trace" --dot "it's \$(x).dot"
[[ -s "it's \$(x).dot.svg" ]] && ok "svg beside it's \$(x).dot" || fail "no svg for a quoted name"

# Timeline: JSON against the schema, a track per goroutine, slices only nest, flows paired.
expect 0 "--timeline" -- "$bin" replay "$reg/server-shutdown-tree.trace" --timeline t.json --timeline-html t.html
$check timeline t.json "$src/harness/report/timeline.schema.json" > check.out && ok "timeline valid" \
  || fail "timeline: $(cat check.out)"
cat check.out
grep -q '^track main (go 0): 10 ops$' check.out && ok "main's 10 ops" || fail "main's ops"
grep -q '^track go 1 (goroutine [0-9]*): 6 ops$' check.out && ok "go 1's 6 ops" || fail "go 1's ops"
grep -q '^track finalizer goroutine' check.out && ok "the finalizer goroutine's track" || fail "no finalizer track"
grep -Eq 'gc=6 .*flows=[1-9]' check.out && ok "6 GC instants and cancel flows" || fail "gc/flows: $(head -1 check.out)"
grep -q '<script type="application/json" id="data">{"displayTimeUnit"' t.html && ok "html embeds the events" \
  || fail "no data in t.html"
grep -Eiq '(src|href)=|https?:' t.html && fail "t.html reaches the network" || ok "html self-contained"

# A custom parent's watcher goroutine gets its track.
expect 0 "--timeline with a watcher" -- "$bin" replay "$reg/fuzz-afterfunc-double-stop.trace" --timeline w.json
$check timeline w.json "$src/harness/report/timeline.schema.json" > check.out && ok "watcher timeline valid" \
  || fail "watcher timeline: $(cat check.out)"
grep -q '^track ctx3 watcher (goroutine 1)' check.out && ok "the watcher's track" || fail "no watcher: $(cat check.out)"

# A timer's callback and a GC on the timeline's instants.
cat > timer.trace <<'T'
ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_timeout h1 5ms
  defer cancel h2
  wait h2
  gc
T
expect 0 "--timeline on a timeout" -- "$bin" replay timer.trace --timeline timer.json --gctrace
grep -Eq '^  gc 1 @0\.005s: [0-9]+->[0-9]+->[0-9]+ B, .* \(forced\)$' "$scratch/out" && ok "gctrace line at 5ms" \
  || fail "gctrace: $(grep gc "$scratch/out")"
$check timeline timer.json "$src/harness/report/timeline.schema.json" > check.out && ok "timer timeline valid" \
  || fail "timer timeline: $(cat check.out)"
grep -Eq 'timers=[1-9]' check.out && ok "timer fires" || fail "no timer instant: $(head -1 check.out)"
grep -q '^track ctx2 deadline (goroutine 1): 0 ops$' check.out && ok "the timer callback's track" || fail "no timer track: $(cat check.out)"

# The writers' contract.
cp "$reg/seed-early-return-residue.trace" in.trace
expect 2 "--timeline onto the input" -- "$bin" replay in.trace --timeline in.trace
cmp -s in.trace "$reg/seed-early-return-residue.trace" && ok "input untouched" || fail "input overwritten"
expect 2 "--timeline-html to /dev/full" -- "$bin" replay in.trace --timeline-html /dev/full
expect 2 "--timeline with two files" -- "$bin" replay in.trace in.trace --timeline x.json
[[ -e x.json ]] && fail "x.json written" || ok "nothing written for two files"
expect 0 "--timeline to stdout" -- "$bin" replay in.trace --timeline -
ls .ctxcheck* .*tmp* 2>/dev/null && fail "temporaries left" || ok "no temporaries left"
finish
