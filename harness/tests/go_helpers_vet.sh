#!/usr/bin/env bash
# The Go helpers of the exported tests (harness/export/go_helpers.go) are gofmt-clean and
# pass go vet, with Go 1.23 (or $CTXCHECK_GO) and, when installed, Go 1.19: one helpers file
# serves both targets of export-go; the Go tests of the helpers in $2 pass with each. Needs
# `go` (exit 77 = ctest SKIP without it, unless CTXCHECK_WITH_GO=1).
#   go_helpers_vet.sh GO_HELPERS GO_HELPERS_TESTS
set -u
src="$1" tests="$2"
go_bin="${CTXCHECK_GO:-/usr/lib/go-1.23/bin/go}"
[[ -x "$go_bin" ]] || go_bin="$(command -v go || true)"
if [[ -z "$go_bin" || ! -x "$go_bin" ]]; then
  [[ "${CTXCHECK_WITH_GO:-}" == 1 ]] && { echo "FAILED: CTXCHECK_WITH_GO=1 but no go"; exit 1; }
  echo "SKIPPED: no go"; exit 77
fi
gofmt="$(dirname "$go_bin")/gofmt"
bad="$("$gofmt" -l "$src" "$tests")" || exit 1
[[ -z "$bad" ]] || { echo "FAIL: not gofmt-formatted:"; "$gofmt" -d "$src" "$tests"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$src" "$tmp/helpers_test.go"
cp "$tests" "$tmp/helpers_tests_test.go"
printf 'module helpers\n\ngo 1.19\n' > "$tmp/go.mod"
for g in "$go_bin" /usr/lib/go-1.19/bin/go; do
  [[ -x "$g" ]] || continue
  export GOCACHE="${CTXCHECK_GOCACHE:-$tmp/cache}" GOPATH="$tmp/gopath" GOFLAGS= GOPROXY=off GOTOOLCHAIN=local
  (cd "$tmp" && "$g" vet .) || { echo "FAIL: go vet ($g)"; exit 1; }
  (cd "$tmp" && "$g" test -count=1 .) ||
    { echo "FAIL: go test of the helpers ($g)"; exit 1; }
  echo "ok: go vet and the helpers' tests with $("$g" version)"
done
echo "ok: gofmt and go vet are clean on $src"
