#!/usr/bin/env bash
# The Go helpers of the exported tests (harness/export/go_helpers.go) are gofmt-clean and
# pass go vet. Needs `go` (exit 77 = ctest SKIP without it, unless CTXCHECK_WITH_GO=1).
set -u
src="$1"
go_bin="${CTXCHECK_GO:-/usr/lib/go-1.19/bin/go}"
[[ -x "$go_bin" ]] || go_bin="$(command -v go || true)"
if [[ -z "$go_bin" || ! -x "$go_bin" ]]; then
  [[ "${CTXCHECK_WITH_GO:-}" == 1 ]] && { echo "FAILED: CTXCHECK_WITH_GO=1 but no go"; exit 1; }
  echo "SKIPPED: no go"; exit 77
fi
gofmt="$(dirname "$go_bin")/gofmt"
bad="$("$gofmt" -l "$src")" || exit 1
[[ -z "$bad" ]] || { echo "FAIL: not gofmt-formatted:"; "$gofmt" -d "$src"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
cp "$src" "$tmp/helpers_test.go"
printf 'module helpers\n\ngo 1.19\n' > "$tmp/go.mod"
(cd "$tmp" && env GOCACHE="$tmp/cache" GOPATH="$tmp/gopath" GOFLAGS= GOPROXY=off "$go_bin" vet .) || { echo "FAIL: go vet"; exit 1; }
echo "ok: gofmt and go vet are clean on $src"
