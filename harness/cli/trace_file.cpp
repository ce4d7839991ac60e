// Reading a trace named on the command line: every subcommand that takes one reports a
// missing file, a parse error or an unknown fault the same way (UsageError: exit 2), with
// file:line:column when the problem is in the text.
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
  Program p;
  TracePlaces at;
  try {
    p = parse_program(text, &at);
  } catch (const std::exception& e) {
    throw UsageError(fmt::format("{}:{}", file, e.what()));  // file:line:col: message
  }
  try {
    (void)faults_of(p);  // the header's fault names, checked here where the catalog is known
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}:{}:{}: {}", file, at.faults_line, at.faults_col, e.what()));
  }
  return p;
}

model::FaultSet trace_faults(const Program& p, const std::string& file) {
  try {
    return faults_of(p);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}: {}", file, e.what()));
  }
}

ExecOptions trace_options(const Program& p, const std::string& file) {
  try {
    return recorded_options(p);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}: {}", file, e.what()));
  }
}

ReplayedTrace replay_trace(const std::string& file, bool pictures, bool timeline) {
  ReplayedTrace t;
  t.program = read_trace(file);
  t.opts = trace_options(t.program, file);
  t.opts.record_pictures = pictures;
  t.opts.record_timeline = timeline;
  rt::ReplayChoices choices(t.program.schedule);
  try {
    t.result = execute(t.program, choices, t.opts);
  } catch (const ModelLimit& e) {
    throw UsageError(fmt::format("{}: {}", file, e.what()));  // not a verdict: exit 2
  }
  t.schedule_diverged_at = choices.diverged_at();
  t.schedule_consumed = choices.consumed();
  return t;
}

}  // namespace ctxcheck::harness
