#include "harness/export/go_toolchain.h"

#include <cstdlib>
#include <filesystem>

#include "harness/util/atomic_file.h"

namespace fs = std::filesystem;

namespace ctxcheck::harness {

std::string debian_go_path(int minor) { return "/usr/lib/go-1." + std::to_string(minor) + "/bin/go"; }

std::string find_go(int minor) {
  // Absolute: go runs in the module's directory.
  if (const char* env = std::getenv("CTXCHECK_GO"); env && *env)
    return fs::exists(env) ? fs::absolute(env).string() : "";
  if (fs::exists(debian_go_path(minor))) return debian_go_path(minor);
  if (auto in_path = find_program("go")) return *in_path;
  return "";
}

ProcessSpec go_command(const std::string& program, std::vector<std::string> args, const std::string& dir,
                       const std::string& cache_dir) {
  ProcessSpec s;
  s.program = program;
  s.args = std::move(args);
  s.working_dir = dir;
  // $CTXCHECK_GOCACHE: one build cache for many runs. A cold cache compiles the standard
  // library again (about 30 CPU-s with Go 1.23), so ctest gives every test that builds Go
  // the same one; Go's cache is safe for concurrent use.
  const char* shared = std::getenv("CTXCHECK_GOCACHE");
  std::string gocache = shared && *shared ? std::string(shared) : cache_dir + "/gocache";
  s.env = {{"GOCACHE", gocache}, {"GOPATH", cache_dir + "/gopath"}, {"GOFLAGS", ""},
           {"GOENV", "off"}, {"GOPROXY", "off"}, {"GO111MODULE", "on"}};
  return s;
}

int run_logged(ProcessSpec spec, const std::string& log_file) {
  spec.stdout_to = ChildOutput::Capture;
  spec.stderr_to = ChildOutput::WithStdout;
  ProcessResult r = run_process(spec);
  write_file_atomically(log_file, r.out);
  return r.status;
}

}  // namespace ctxcheck::harness
