# e2e: traces exported into a real Go package, as README "From a failing case to a Go
# reproduction" shows: a module with its own package (server.go), two exports into it
# (go vet and go test pass), a 1s, a 1min and a 1h timeout passing in seconds, a lost-cancel
# finding asserted in Go (and the test failing when Go does not show it), several traces as
# subtests of one test, a broken build reported as a build failure (exit 3), Go 1.23's API
# (AfterFunc, Cause, WithoutCancel) passing under Go 1.23 and refused for --go 1.19, a
# same-instant select tie forced the recorded way either way (with observe string), and a
# model run that stops early refused (exit 2), never written as broken Go.
bin=$1 src=$2 build=$3
source "$(dirname "$0")/lib.sh"
go_bin="${CTXCHECK_GO:-/usr/lib/go-1.23/bin/go}"
[[ -x "$go_bin" ]] || go_bin="$(command -v go || true)"
if [[ -z "$go_bin" || ! -x "$go_bin" ]]; then
  [[ "${CTXCHECK_WITH_GO:-}" == 1 ]] && { echo "FAIL: CTXCHECK_WITH_GO=1 but no go"; exit 1; }
  echo "SKIPPED: no go (CTXCHECK_WITH_GO=1 bash ci/setup installs it)"; exit 77
fi
gofmt="$(dirname "$go_bin")/gofmt"
# One Go build cache for the go commands here and export-go --run's (kept in the build tree:
# a second run does not rebuild the standard library).
export XDG_CACHE_HOME="$build/e2e-go" GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
export GOCACHE="${CTXCHECK_GOCACHE:-$XDG_CACHE_HOME/ctxcheck-go/gocache}" GOPATH="$XDG_CACHE_HOME/ctxcheck-go/gopath"
cd "$scratch" || exit 1

# A user's module: a package with its own code.
mkdir -p app/server app/server/testdata
printf 'module example.com/app\n\ngo 1.19\n' > app/go.mod
cat > app/server/server.go <<'GO'
// Package server is the user's code; the exported tests sit beside it.
package server

// Children is the user's own name: the exported helpers must not collide with it.
func Children() int { return 0 }
GO
trace() {  # trace NAME DURATION: with_timeout DURATION, wait, observe
  printf 'ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_timeout h1 %s\n  wait h2\n  observe err h2\n' "$2" \
    > "app/server/testdata/$1.trace"
}
trace timeout_1s 1s
trace timeout_1min 60s
trace timeout_1h 3600s
cat > app/server/testdata/lost_cancel.trace <<'T'
ctxcheck-trace 1
# A handler forgets to cancel h3 under a parent kept in a global.
go 0:
  h1 = background
  h2 = with_cancel h1
  store g0 h2
  h3 = with_cancel h2
  observe err h3
  drop h3
  gc
T
cat > app/server/testdata/shutdown.trace <<'T'
ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_cancel h1
  go 1
  sleep 5ms
  cancel h2
go 1:
  wait h2
  observe err h2
T
cat > app/server/testdata/parked.trace <<'T'
ctxcheck-trace 1
# go 1 waits on a Done nobody closes (finding parked-forever); its last op is never reached.
go 0:
  h1 = background
  h2 = with_cancel h1
  go 1
  sleep 5ms
go 1:
  wait h2
  observe err h2
T

# Two exports into the package, then the README's recipe: go vet and go test.
expect 0 "export-go into a package with its own .go file" -- \
  "$bin" export-go app/server/testdata/shutdown.trace -o app/server/shutdown_test.go
grep -q '^package server$' app/server/shutdown_test.go || fail "the export is not in package server"
expect 0 "a second export into the same package" -- \
  "$bin" export-go app/server/testdata/lost_cancel.trace -o app/server/lost_cancel_test.go
expect 0 "a goroutine parked forever (ops after its wait never run)" -- \
  "$bin" export-go app/server/testdata/parked.trace -o app/server/parked_test.go
[[ -e app/server/go.mod ]] && fail "export-go wrote a go.mod inside a module"
bad=$("$gofmt" -l app/server)
[[ -z "$bad" ]] && ok "gofmt -l is clean" || fail "not gofmt-clean: $bad"
expect 0 "go vet ./..." -- env -C app "$go_bin" vet ./...
expect 0 "go test ./... (both exports, the user's package)" -- env -C app "$go_bin" test -count=1 ./...
expect 0 "the lost-cancel finding is asserted in Go" -- \
  env -C app "$go_bin" test -count=1 -v -run '^TestCtxcheckLostCancel$' ./server
grep -q 'lost-cancel h3: at the end its parent h2 has children = 1, h3 among them: true' "$scratch/out" \
  || fail "Go did not show h3 registered in h2's children"
grep -q 'p.check("lost-cancel h3", "uncanceled, registered in its parent", true, p.lostCancel(3))' \
  app/server/lost_cancel_test.go || fail "the test does not assert the leak"
expect 0 "the parked goroutine is asserted in Go" -- \
  env -C app "$go_bin" test -count=1 -v -run '^TestCtxcheckParked$' ./server
grep -q 'parked-forever: go 1, op 1: wait h2 still waits when the program is over' "$scratch/out" \
  || fail "Go did not show the parked goroutine"
# Had Go canceled h3, the test must fail: cancel it right after it is made.
sed 's|^\(\t*\)p.keep(3)\(.*\)|&\n\1p.c[3]()|' app/server/lost_cancel_test.go > lost_canceled_test.go.tmp
cp app/server/lost_cancel_test.go lost_cancel_test.go.orig
mv lost_canceled_test.go.tmp app/server/lost_cancel_test.go
expect 1 "the lost-cancel test fails when Go does not show the leak" -- \
  env -C app "$go_bin" test -count=1 -run '^TestCtxcheckLostCancel$' ./server
grep -q 'MISMATCH lost-cancel h3: the model observed uncanceled, registered in its parent, Go observes canceled' \
  "$scratch/out" || fail "no MISMATCH line for the lost cancel"
mv lost_cancel_test.go.orig app/server/lost_cancel_test.go

# Long timeouts take a fraction of a second: the idle stretch is cut, order kept. Into a
# new package directory of the module (no go.mod may appear there).
for t in timeout_1s timeout_1min timeout_1h; do
  start=$(date +%s%N)
  expect 0 "export-go --run: $t passes" -- "$bin" export-go "app/server/testdata/$t.trace" -o "app/timeouts/${t}_test.go" --run
  secs=$(awk -v a="$start" -v b="$(date +%s%N)" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')
  gosecs=$(grep -o -- '--- PASS: [A-Za-z0-9]* ([0-9.]*s)' "$scratch/err" | grep -o '[0-9.]*s)' | tr -d 's)')
  echo "   $t: $(grep -o 'take [0-9]*ms real (scale [0-9]*)' "$scratch/err"); the Go test ran ${gosecs:-?}s; export-go --run (vet, build, test) ${secs}s"
  awk -v s="${gosecs:-99}" 'BEGIN { exit !(s < 2) }' || fail "$t: the Go test took ${gosecs:-?}s"
  grep -q "Go agrees with the model" "$scratch/err" || fail "$t: no agreement line"
done
[[ -e app/timeouts/go.mod ]] && fail "export-go --run wrote a go.mod inside a module"

# The table-driven form: the testdata traces as subtests of one test.
expect 0 "several traces, one test with a subtest each" -- "$bin" export-go app/server/testdata/timeout_1s.trace \
  app/server/testdata/timeout_1h.trace app/server/testdata/shutdown.trace -o app/server/table_test.go --run
for sub in timeout_1s timeout_1h shutdown; do
  grep -q -- "--- PASS: TestCtxcheckTable/$sub " "$scratch/err" || fail "no passing subtest $sub"
done
expect 0 "go vet and go test ./... with every export" -- env -C app sh -c "'$go_bin' vet ./... && '$go_bin' test -count=1 ./..."

# An external test package: the next export there joins it (the helpers are shared).
expect 0 "export-go --package server_test" -- "$bin" export-go app/server/testdata/timeout_1s.trace \
  -o app/blackbox/a_test.go --package server_test
expect 0 "a second export joins the same package" -- "$bin" export-go app/server/testdata/shutdown.trace \
  -o app/blackbox/b_test.go --run
grep -q '^package server_test$' app/blackbox/b_test.go || fail "the second export is not in package server_test"

# Go 1.23's API: AfterFunc (its f's runs and stop's result asserted), the cause variants and
# Cause, WithoutCancel. It passes under Go 1.23; --go 1.19 refuses it naming the version.
cat > app/server/testdata/api123.trace <<'T'
ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_cancel_cause h1
  h3 = without_cancel h2
  h4 = with_timeout_cause h2 3600s cause4
  h5 = after_func h2 nop
  h6 = after_func h4 nop
  stop h6
  cancel h2 cause3
  sleep 1ms
  observe cause h2
  observe cause h4
  observe err h3
  observe done h3
  stop h5
  cancel h4
T
expect 0 "export-go --run: AfterFunc, Cause, WithoutCancel pass under Go 1.23" -- \
  "$bin" export-go app/server/testdata/api123.trace -o app/api123/api123_test.go --run
grep -q "Go agrees with the model" "$scratch/err" || fail "Go 1.23 does not agree on the Go 1.23 API trace"
for obs in '"cause h2", "cause3"' '"cause h4", "cause3"' '"err h3", "<nil>"' '"stop h6", "true"' '"stop h5", "false"' \
           'p.afterFuncRuns([]int{5, 6}, []int32{1, 0}'; do
  grep -qF "$obs" app/api123/api123_test.go || fail "the Go 1.23 test does not assert $obs"
done
expect 2 "--go 1.19 refuses it, naming the Go version it needs" -- \
  "$bin" export-go app/server/testdata/api123.trace --go 1.19 -o app/api119/api119_test.go
grep -q "op 2 (h2 = with_cancel_cause h1) needs Go 1.20 (context.WithCancelCause); --go 1.19 given" "$scratch/err" ||
  fail "the refusal does not name the op and Go 1.20"
[[ -e app/api119/api119_test.go ]] && fail "a refused export left a file"
# A select timeout on the instant its context's deadline expires (a timer tie): the default
# schedule answers timeout, "schedule: 0 1" (the deadline's goroutine first) done. The Go
# test forces each recorded order and asserts its answer; observe string, in a package of
# another name (ties_test), prints the test's types as the model does.
cat > app/server/testdata/tie_timeout.trace <<'T'
ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_timeout h1 5ms
  h3 = with_value h2 keyA:1 7
  observe string h3
  observe children h3
  select h2 5ms
  cancel h2
T
{ cat app/server/testdata/tie_timeout.trace; echo 'schedule: 0 1'; } > app/server/testdata/tie_done.trace
for t in timeout done; do
  expect 0 "export-go --run: a same-instant select tie the recorded schedule answers $t" -- \
    "$bin" export-go "app/server/testdata/tie_$t.trace" -o "app/ties/tie_${t}_test.go" --package ties_test --run
  grep -qF "p.tieSelect(\"select h2\", 2, time.Duration(5000000), \"$t\")" "app/ties/tie_${t}_test.go" ||
    fail "the tie answered $t is not forced and asserted"
  grep -qF '"context.Background.WithDeadline(<time> [<duration>]).WithValue(ctxcheck_test.ctxcheckKeyA, int)"' \
    "app/ties/tie_${t}_test.go" || fail "observe string is not asserted"
  grep -q "Go agrees with the model" "$scratch/err" || fail "Go does not agree on the tie answered $t"
done
# A model run that stops early (here the trace's own step limit) is refused, not exported.
{ printf 'ctxcheck-trace 1\nmax-steps: 3\n'; sed 1d app/server/testdata/shutdown.trace; } > app/server/testdata/short.trace
expect 2 "export-go refuses a model run that stopped early" -- \
  "$bin" export-go app/server/testdata/short.trace -o app/short/short_test.go
grep -q "stopped early" "$scratch/err" || fail "the refusal does not say the model's run stopped early"
[[ -e app/short/short_test.go ]] && fail "a refused export left a file"

# A broken build is a build failure (exit 3), never "Go disagrees".
echo 'func broken() { undefined() }' >> app/server/server.go
expect 3 "a package that does not build: a build failure" -- \
  "$bin" export-go app/server/testdata/timeout_1s.trace -o app/server/timeout_1s_test.go --run
grep -q "BUILD FAILURE" "$scratch/err" || fail "no BUILD FAILURE line"
grep -q "disagrees" "$scratch/err" && fail "a build failure reported as a disagreement"
# A file that is not export-go's is never overwritten.
printf 'package server\n' > app/server/mine_test.go
expect 2 "export-go refuses to overwrite a user's _test.go" -- \
  "$bin" export-go app/server/testdata/timeout_1s.trace -o app/server/mine_test.go
[[ "$(cat app/server/mine_test.go)" == "package server" ]] || fail "the user's file changed"
finish
