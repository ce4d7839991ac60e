// `ctxcheck shrink FILE`: reduce a failing trace to a 1-minimal one. The input is never
// overwritten unless --in-place says so: by default the result goes to FILE's name with
// .shrunk.trace (x.trace -> x.shrunk.trace), -o names another file, -o - prints it; an
// existing output is overwritten only with --force. The input's own header comments
// (provenance, a person's notes) are kept; the report is the minimal case's.
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/sink/failure_sink.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

namespace {

// x.trace -> x.shrunk.trace; any other name gets .shrunk.trace appended.
std::string default_output(const std::string& file) {
  constexpr std::string_view kExt = ".trace";
  std::string_view f = file;
  if (f.ends_with(kExt)) f.remove_suffix(kExt.size());
  return std::string(f) + ".shrunk.trace";
}

// Where the result goes ("-": stdout), refusing to overwrite anything not asked for.
std::string output_path(const ShrinkArgs& a) {
  if (a.in_place && !a.out.empty()) throw UsageError("shrink: give -o or --in-place, not both");
  if (a.in_place) return a.file;
  std::string out = a.out.empty() ? default_output(a.file) : a.out;
  if (out == "-") return out;
  std::error_code ec;
  if (std::filesystem::equivalent(out, a.file, ec))
    throw UsageError(fmt::format("shrink: -o {} is the input: give --in-place to overwrite it", out));
  // A file (or a link to one) is the user's; a device, a FIFO or our stdout is a stream.
  if (std::filesystem::exists(out, ec) && !writes_through(out) && !a.force)
    throw UsageError(fmt::format("shrink: {} exists: give --force to overwrite it, or -o another file", out));
  return out;
}

// The verdict to keep: --keep's, which must be one the input comes to; else the first.
Expect kept_verdict(const ShrinkArgs& a, const std::vector<Expect>& verdicts) {
  std::vector<std::string> ids;
  for (const Expect& v : verdicts) ids.emplace_back(v.id());
  if (a.keep.empty()) return verdicts.front();
  std::optional<Expect> want = Expect::parse(a.keep);
  if (auto i = invariant_by_name(a.keep)) want = Expect(*i);
  if (auto f = finding_by_name(a.keep)) want = Expect(*f);
  if (!want) throw UsageError(fmt::format("--keep: \"{}\" is no invariant or finding (see ctxcheck invariants)", a.keep));
  for (const Expect& v : verdicts)
    if (v == *want) return v;
  throw UsageError(fmt::format("--keep {}: {} does not come to it (it comes to: {})", a.keep, a.file, fmt::join(ids, ", ")));
}

}  // namespace

int shrink_command(const ShrinkArgs& a) {
  auto [p, opts, first, diverged, consumed] = replay_trace(a.file);
  std::string out = output_path(a);
  std::FILE* say = out == "-" ? stderr : stdout;
  if (first.verdict == Verdict::Pass) {
    fmt::print(say, "{} passes: nothing to shrink\n", a.file);
    return kExitViolation;
  }
  std::vector<Expect> verdicts = first.verdicts();
  Expect target = kept_verdict(a, verdicts);
  if (verdicts.size() > 1) {
    std::vector<std::string> others;
    for (const Expect& v : verdicts)
      if (v != target) others.emplace_back(v.id());
    fmt::print(say, "keeping {} (the input also comes to: {}; --keep ID keeps another)\n", target.to_string(),
               fmt::join(others, ", "));
  }
  FailureCase c = shrunk_case(p, opts, target, fmt::format("shrunk by ctxcheck from {} (kept {})", a.file, target.id()));
  std::vector<std::string> notes = notes_without_reports(p.notes);
  c.program.notes.insert(c.program.notes.begin(), notes.begin(), notes.end());
  c.text = print_program(c.program);
  if (out == "-") fmt::print("{}", c.text);
  else write_case(out, c, a.in_place ? std::vector<std::string>{} : std::vector<std::string>{a.file});  // only --in-place may overwrite FILE
  fmt::print(say, "{}: {} ops -> {} ops, {} -> {} preemptions ({} executions); written to {}\n", target.id(),
             c.stats.ops_before, c.stats.ops_after, c.stats.preemptions_before, c.stats.preemptions_after,
             c.stats.attempts, out == "-" ? "stdout" : out);
  fmt::print(say, "{}", text_report(c.program, c.result));
  return kExitPass;
}

void add_shrink_command(CommandRegistry& r) {
  auto a = std::make_shared<ShrinkArgs>();
  CLI::App* cmd = r.add("shrink", "Reduce a failing trace to a 1-minimal one (never overwrites FILE unless --in-place)",
                        [a] { return shrink_command(*a); });
  cmd->add_option("file", a->file, "Trace file")->required();
  cmd->add_option("-o,--out", a->out, "Write here; - for stdout (default: FILE as NAME.shrunk.trace)");
  cmd->add_flag("--in-place", a->in_place, "Overwrite FILE with the shrunk case");
  cmd->add_flag("--force", a->force, "Overwrite the output file if it exists");
  cmd->add_option("--keep", a->keep,
                  "The invariant or finding to keep, when the case comes to several (default: the first)");
}

}  // namespace ctxcheck::harness
