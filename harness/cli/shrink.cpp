// `ctxcheck shrink FILE [-o OUT]`: reduce a failing trace to a 1-minimal one.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/report/text.h"
#include "harness/sink/failure_sink.h"

namespace ctxcheck::harness {

int shrink_command(const ShrinkArgs& a) {
  auto [p, opts, first] = replay_trace(a.file);
  if (first.verdict == Verdict::Pass) {
    fmt::print("{} passes: nothing to shrink\n", a.file);
    return kExitViolation;
  }
  Expect target = first.expect();
  FailureCase c = shrunk_case(p, opts, target, fmt::format("shrunk by ctxcheck from {}", a.file));
  std::string out = a.out.empty() ? a.file : a.out;
  // Without -o, overwriting FILE is the contract; `-o FILE` (by any name) is refused as a slip.
  write_case(out, c, a.out.empty() ? std::vector<std::string>{} : std::vector<std::string>{a.file});
  fmt::print("{}: {} ops -> {} ops, {} -> {} preemptions ({} executions); written to {}\n", target.id(),
             c.stats.ops_before, c.stats.ops_after, c.stats.preemptions_before, c.stats.preemptions_after,
             c.stats.attempts, out);
  fmt::print("{}", text_report(c.program, c.result));
  return kExitPass;
}

void add_shrink_command(CommandRegistry& r) {
  auto a = std::make_shared<ShrinkArgs>();
  CLI::App* cmd = r.add("shrink", "Reduce a failing trace to a 1-minimal one", [a] { return shrink_command(*a); });
  cmd->add_option("file", a->file, "Trace file")->required();
  cmd->add_option("-o,--out", a->out, "Write here (default: overwrite FILE)");
}

}  // namespace ctxcheck::harness
