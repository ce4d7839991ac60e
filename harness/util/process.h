// Running another program (graphviz `dot`, the Go toolchain) by argv, never through a shell:
// a file name with quotes, spaces, `$(...)` or `;` is one argument and nothing else.
#pragma once

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ctxcheck::harness {

// Where a child's stdout or stderr goes.
enum class ChildOutput {
  Capture,     // into ProcessResult::out / ::err
  ToStdout,    // our stdout (pass-through for stdout)
  ToStderr,    // our stderr (pass-through for stderr; `go test 1>&2`)
  WithStdout,  // stderr only: wherever stdout goes, in one stream (`2>&1`; captured into ::out)
};

struct ProcessSpec {
  std::string program;              // a path (with a '/'), or a name looked up in $PATH
  std::vector<std::string> args;    // argv[1..]
  std::string working_dir;          // "" = ours
  std::vector<std::pair<std::string, std::string>> env;  // set (or override) in ours
  ChildOutput stdout_to = ChildOutput::ToStdout;
  ChildOutput stderr_to = ChildOutput::ToStderr;
  // Wall-clock limit. With one, the child leads a process group of its own, and when the
  // time is up the whole group (the child and everything it started) gets SIGKILL.
  std::optional<std::chrono::milliseconds> timeout;
};

struct ProcessResult {
  int status = 0;          // the exit code; 128 + the signal when killed by one
  bool timed_out = false;  // killed because ProcessSpec::timeout ran out (status 128 + 9)
  std::string out;         // what it wrote to stdout (and stderr with WithStdout), if captured
  std::string err;         // what it wrote to stderr, if captured
};

// The program cannot be run at all: not found, not executable, or exec failed.
struct ProcessError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The absolute path `name` runs as: itself (made absolute) when it holds a '/', else the
// first executable `name` in $PATH; nullopt when there is none.
std::optional<std::string> find_program(const std::string& name);

// Runs the program to its end (or its timeout); stdin is /dev/null. Throws ProcessError
// naming the program when it cannot be started.
ProcessResult run_process(const ProcessSpec& spec);

}  // namespace ctxcheck::harness
