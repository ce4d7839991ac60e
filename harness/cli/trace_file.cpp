// Reading a trace named on the command line: every subcommand that takes one reports a
// missing file, a parse error or an unknown fault the same way (UsageError: exit 2).
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

Program read_trace(const std::string& file) {
  std::string text;
  try {
    text = read_file(file, kMaxTraceBytes);
  } catch (const std::exception& e) {
    throw UsageError(e.what());  // names the file and the OS error
  }
  try {
    return parse_program(text);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("{}:{}", file, e.what()));  // file:line:col: message
  }
}

model::FaultSet trace_faults(const Program& p, const std::string& file) {
  try {
    return faults_of(p);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}: {}", file, e.what()));
  }
}

ReplayedTrace replay_trace(const std::string& file) {
  ReplayedTrace t;
  t.program = read_trace(file);
  t.opts.faults = trace_faults(t.program, file);
  rt::ReplayChoices choices(t.program.schedule);
  try {
    t.result = execute(t.program, choices, t.opts);
  } catch (const ModelLimit& e) {
    throw UsageError(fmt::format("{}: {}", file, e.what()));  // not a verdict: exit 2
  }
  return t;
}

}  // namespace ctxcheck::harness
