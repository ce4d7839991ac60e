// Finding and running the Go toolchain for the exported tests (export-go --run and the
// conformance driver): which `go`, and `go test` in a module directory with no network.
#pragma once

#include <string>

namespace ctxcheck::harness {

// $CTXCHECK_GO, /usr/lib/go-1.19/bin/go (Debian's golang-1.19-go), or the first `go` in
// PATH; "" when there is none.
std::string find_go();

// A shell prefix that runs a command in `dir` with Go's environment pinned: modules on,
// no proxy (no network), no user GOFLAGS, GOCACHE/GOPATH under `cache_dir`.
std::string go_env_prefix(const std::string& dir, const std::string& cache_dir);

// std::system with the exit status decoded (128 + signal when killed; -1 when it could not run).
int run_shell(const std::string& cmd);

// 'text' quoted for sh.
std::string sh_quote(const std::string& s);

}  // namespace ctxcheck::harness
