// `ctxcheck_replay TRACE...`: what `ctxcheck replay TRACE...` does with several files (a
// verdict line each, a summary, the same exit codes), and nothing else. The sanitizer
// builds replay the regression corpus with it, so they need not compile the whole CLI.
#include <exception>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/cli/replay_check.h"

int main(int argc, char** argv) {
  using namespace ctxcheck::harness;
  std::vector<std::string> files(argv + 1, argv + argc);
  if (files.empty()) {
    fmt::print(stderr, "usage: ctxcheck_replay TRACE...  (as `ctxcheck replay TRACE...`; it takes no options)\n");
    return kExitUsage;
  }
  for (const std::string& f : files)
    if (!f.empty() && f[0] == '-') {
      fmt::print(stderr, "ctxcheck_replay: {}: takes no options, only trace files (use `ctxcheck replay`)\n", f);
      return kExitUsage;
    }
  try {
    return replay_many(files, false);
  } catch (const std::exception& e) {
    fmt::print(stderr, "ctxcheck_replay: {}\n", e.what());
    return kExitUsage;
  }
}
