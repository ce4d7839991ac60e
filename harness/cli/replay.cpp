// `ctxcheck replay FILE...`: re-execute text traces with their recorded schedules and check
// that each comes to the verdict and the trace hash its file records, on the schedule as
// recorded (an entry out of range, or entries left over, is a diverged schedule and says
// where). One file: its report, then its verdict line; several: a verdict line each and a
// summary line.
// Exit: 0 every file reproduced as recorded (or passed, when nothing is recorded), 1 some
// file diverged from its recording (or a violation when none was expected), 2 bad input
// (a file that cannot be read or parsed; the others are still replayed).
#include <sys/stat.h>

#include <chrono>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "harness/report/json.h"
#include "harness/report/text.h"
#include "harness/report/timeline.h"
#include "harness/report/tree.h"
#include "harness/util/atomic_file.h"
#include "harness/util/process.h"

namespace ctxcheck::harness {

namespace {

constexpr std::chrono::seconds kDotTimeout{60};

// graphviz renders the DOT file as DOT.svg beside it (only beside a regular file: not for
// `-`, a device or a FIFO). dot writes to a pipe and we write the file, with the same
// guarantees as every other output. A missing or failing dot is said, never silent.
void render_svg(const std::string& dot_file, const std::string& input, bool say_done) {
  struct stat st {};
  if (dot_file == "-" || ::stat(dot_file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  std::string svg = dot_file + ".svg";
  ProcessSpec dot;
  dot.program = "dot";
  dot.args = {"-Tsvg", dot_file[0] == '-' ? "./" + dot_file : dot_file};  // a name, never an option
  dot.stdout_to = dot.stderr_to = ChildOutput::Capture;
  dot.timeout = kDotTimeout;
  ProcessResult r;
  try {
    r = run_process(dot);
  } catch (const ProcessError& e) {
    fmt::print(stderr, "ctxcheck: wrote {} but no {}: {} (install graphviz)\n", dot_file, svg, e.what());
    return;
  }
  if (r.status != 0) {
    std::string why = r.timed_out ? fmt::format("did not finish in {} s", kDotTimeout.count())
                                  : fmt::format("exited {}", r.status);
    fmt::print(stderr, "ctxcheck: wrote {} but no {}: dot {}: {}\n", dot_file, svg, why, r.err);
    return;
  }
  write_file_atomically(svg, r.out, {input});
  if (say_done) fmt::print("rendered {}\n", svg);
}

// How the recorded schedule fitted the execution, "" when it fitted: an entry out of range
// (the program no longer makes that decision the same way) or entries left over.
std::string schedule_divergence(const ReplayedTrace& t) {
  const auto& sched = t.program.schedule;
  const auto& got = t.result.decisions;
  if (t.schedule_diverged_at >= 0) {
    auto i = static_cast<size_t>(t.schedule_diverged_at);
    std::string at = i < got.size() ? fmt::format("decision {} ({}) has {} option(s)", i + 1,
                                                  rt::choice_kind_name(got[i].kind), got[i].n)
                                    : fmt::format("decision {} does not take it", i + 1);
    return fmt::format("schedule diverged at entry {}: it chooses {}, but {}", i + 1, sched[i], at);
  }
  if (t.schedule_consumed < sched.size())
    return fmt::format("schedule diverged: {} entries left over after the execution's {} decisions (entry {} on)",
                       sched.size() - t.schedule_consumed, t.schedule_consumed, t.schedule_consumed + 1);
  return "";
}

struct Replayed {
  ReplayedTrace t;
  std::string got;         // the verdict it came to
  std::string divergence;  // schedule_divergence
  bool expect_ok = true, hash_ok = true, recorded = false, reproduced = false;
};

Replayed replay_file(const std::string& file, bool pictures = false, bool timeline = false) {
  Replayed x{replay_trace(file, pictures, timeline), "", "", true, true, false, false};
  const Program& p = x.t.program;
  const ExecResult& r = x.t.result;
  x.got = r.expect().to_string();
  x.expect_ok = !p.expect || r.reproduces(*p.expect);
  x.hash_ok = !p.hash || *p.hash == r.trace_hash;
  x.divergence = schedule_divergence(x.t);
  x.recorded = p.expect || p.hash;
  x.reproduced = x.recorded ? x.expect_ok && x.hash_ok && x.divergence.empty() : !r.violation;
  return x;
}

// "FILE: reproduced (violation residue, hash ...)", or what differs.
std::string verdict_line(const std::string& file, const Replayed& x) {
  const Program& p = x.t.program;
  if (!x.recorded) return fmt::format("{}: {} (nothing recorded to compare)", file, x.got);
  if (x.reproduced) return fmt::format("{}: reproduced ({}, hash {:016x})", file, x.got, x.t.result.trace_hash);
  std::string why = !x.divergence.empty() ? x.divergence
                    : !x.expect_ok        ? fmt::format("expected {}, got {}", p.expect->to_string(), x.got)
                                          : fmt::format("trace hash {:016x} differs (got {:016x})", *p.hash,
                                                        x.t.result.trace_hash);
  return fmt::format("{}: DOES NOT REPRODUCE: {}", file, why);
}

nlohmann::json json_of(const std::string& file, const Replayed& x) {
  auto j = to_json(x.t.result);
  j["file"] = file;
  j["expected"] = x.t.program.expect ? x.t.program.expect->to_string() : "";
  j["reproduced"] = x.reproduced;
  j["schedule_divergence"] = x.divergence;
  return j;
}

// --timeline and --timeline-html, written as every other output is.
void write_timeline(const ReplayArgs& a, const Program& p, const ExecResult& r) {
  if (a.timeline.empty() && a.timeline_html.empty()) return;
  nlohmann::json t = timeline_json(p, r, a.file);
  if (!a.timeline.empty()) write_file_atomically(a.timeline, t.dump(1) + "\n", {a.file});
  if (!a.timeline_html.empty()) write_file_atomically(a.timeline_html, timeline_html(t), {a.file});
}

// One file in detail: the report, what was compared, then --dot and --write.
int replay_single(const ReplayArgs& a) {
  bool timeline = !a.timeline.empty() || !a.timeline_html.empty() || a.gctrace;
  Replayed x = replay_file(a.file, !a.dot.empty(), timeline);
  const auto& [p, opts, r, diverged_at, consumed] = x.t;
  const std::string& got = x.got;
  if (a.json) {
    fmt::print("{}\n", json_of(a.file, x).dump(2));
  } else {
    fmt::print("{}", text_report(p, r));
    if (a.gctrace)
      for (const std::string& line : gctrace_lines(r)) fmt::print("  {}\n", line);
    if (p.expect)
      fmt::print("expected {}: {}\n", p.expect->to_string(), x.expect_ok ? "reproduced" : fmt::format("got {}", got));
    if (p.hash)
      fmt::print("trace hash {:016x}: {}\n", *p.hash,
                 x.hash_ok ? "identical" : fmt::format("differs (got {:016x})", r.trace_hash));
    fmt::print("{}\n", verdict_line(a.file, x));
  }
  if (!a.dot.empty()) {
    std::string dot = render_dot(pictures_of(r), fmt::format("{}: {}", a.file, got));
    write_file_atomically(a.dot, dot, {a.file});
    render_svg(a.dot, a.file, !a.json);
  }
  write_timeline(a, p, r);
  if (!a.write.empty())
    write_file_atomically(a.write, print_program(annotate(p, r, "replayed by ctxcheck")), {a.file});
  return x.reproduced ? kExitPass : kExitViolation;
}

}  // namespace

int replay_command(const ReplayArgs& a) {
  if (a.files.size() <= 1) {
    ReplayArgs one = a;
    if (!a.files.empty()) one.file = a.files.front();
    return replay_single(one);
  }
  if (!a.dot.empty() || !a.write.empty() || !a.timeline.empty() || !a.timeline_html.empty())
    throw UsageError("replay: --dot, --write, --timeline and --timeline-html take one trace file");
  size_t reproduced = 0, diverged = 0, bad = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& file : a.files) {
    try {
      Replayed x = replay_file(file);
      (x.reproduced ? reproduced : diverged)++;
      if (a.json) all.push_back(json_of(file, x));
      else fmt::print("{}\n", verdict_line(file, x));
    } catch (const UsageError& e) {  // this file is bad input; the others still replay
      ++bad;
      fmt::print(stderr, "ctxcheck: {}\n", e.what());
      if (a.json) all.push_back({{"file", file}, {"reproduced", false}, {"error", e.what()}});
      else fmt::print("{}: BAD INPUT (see the message above)\n", file);
    }
  }
  if (a.json) fmt::print("{}\n", all.dump(2));
  else
    fmt::print("replayed {} traces: {} reproduced, {} did not, {} bad input\n", a.files.size(), reproduced, diverged, bad);
  return bad > 0 ? kExitUsage : diverged > 0 ? kExitViolation : kExitPass;
}

void add_replay_command(CommandRegistry& r) {
  auto a = std::make_shared<ReplayArgs>();
  CLI::App* cmd = r.add("replay", "Re-execute text traces and check each reproduces as recorded",
                        [a] { return replay_command(*a); });
  cmd->add_option("files", a->files, "Trace files (several: a verdict line each and a summary)")->required();
  cmd->add_flag("--json", a->json, "Print the outcome and every observation as JSON (several files: an array)");
  cmd->add_option("--dot", a->dot,
                  "Write the context tree of the violation, or of each finding, as DOT (and SVG); one file only");
  cmd->add_option("--timeline", a->timeline,
                  "Write the execution as Chrome/Perfetto trace-event JSON (a track per goroutine); one file only");
  cmd->add_option("--timeline-html", a->timeline_html,
                  "Write a self-contained HTML page drawing the timeline; one file only");
  cmd->add_flag("--gctrace", a->gctrace, "Print Go's gctrace lines (gc N @Ts ...) in the text report");
  cmd->add_option("--write", a->write, "Write the re-annotated trace here; one file only");
}

}  // namespace ctxcheck::harness
