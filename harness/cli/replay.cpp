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
#include "harness/cli/replay_check.h"
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
  return replay_many(a.files, a.json);
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
