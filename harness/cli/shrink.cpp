// `ctxcheck shrink FILE [-o OUT]`: reduce a failing trace to a 1-minimal one.
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/shrink/shrink.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

std::string shrunk_trace(const ShrinkResult& s, const std::string& headline) {
  Program out = annotate(s.program, s.result, headline);
  while (!out.schedule.empty() && out.schedule.back() == 0) out.schedule.pop_back();
  out.notes.push_back(fmt::format("shrunk from {} ops / {} preemptions to {} ops / {} preemptions in {} executions",
                                  s.stats.ops_before, s.stats.preemptions_before, s.stats.ops_after,
                                  s.stats.preemptions_after, s.stats.attempts));
  return print_program(out);
}

int shrink_command(const ShrinkArgs& a) {
  Program p = read_trace(a.file);
  ExecOptions opts;
  opts.faults = trace_faults(p, a.file);
  rt::ReplayChoices choices(p.schedule);
  ExecResult first = execute(p, choices, opts);
  if (first.verdict == Verdict::Pass) {
    fmt::print("{} passes: nothing to shrink\n", a.file);
    return kExitViolation;
  }
  std::string target = first.verdict_id();
  ShrinkResult s = shrink(p, opts, target);
  std::string out = a.out.empty() ? a.file : a.out;
  write_file_atomically(out, shrunk_trace(s, fmt::format("shrunk by ctxcheck from {}", a.file)));
  fmt::print("{}: {} ops -> {} ops, {} -> {} preemptions ({} executions); written to {}\n", target,
             s.stats.ops_before, s.stats.ops_after, s.stats.preemptions_before, s.stats.preemptions_after,
             s.stats.attempts, out);
  fmt::print("{}", text_report(s.program, s.result));
  return kExitPass;
}

}  // namespace ctxcheck::harness
