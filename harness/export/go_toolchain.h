// Finding and running the Go toolchain for the exported tests (export-go --run and the
// conformance driver): which `go`, and `go test` in a module directory with no network.
// Every run is by argv (harness/util/process.h), never a shell string.
#pragma once

#include <string>
#include <vector>

#include "harness/util/process.h"

namespace ctxcheck::harness {

// Where Debian's golang-1.<minor>-go puts its `go`: /usr/lib/go-1.<minor>/bin/go.
std::string debian_go_path(int minor);
// $CTXCHECK_GO, Debian's Go 1.<minor> (default 1.23, from bookworm-backports: the target
// export-go writes for), or the first `go` in PATH; "" when there is none.
std::string find_go(int minor = 23);

// `program args...` run in `dir` with Go's environment pinned: modules on, no proxy (no
// network), no user GOFLAGS or go.env, GOCACHE ($CTXCHECK_GOCACHE if set) and GOPATH under
// `cache_dir`. Output goes to our stdout/stderr unless the caller redirects it.
ProcessSpec go_command(const std::string& program, std::vector<std::string> args, const std::string& dir,
                       const std::string& cache_dir);

// Runs it with stdout and stderr together in `log_file` (as `> log 2>&1`); the exit status.
int run_logged(ProcessSpec spec, const std::string& log_file);

}  // namespace ctxcheck::harness
