// `ctxcheck replay FILE`: re-execute a text trace with its recorded schedule and check that
// the verdict and the trace hash are the ones the file records.
// Exit: 0 reproduced as recorded (or passed, when nothing is recorded), 1 diverged from the
// recording (or a violation when none was expected), 2 bad input.
#include <sys/stat.h>

#include <chrono>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "harness/report/json.h"
#include "harness/report/text.h"
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

}  // namespace

int replay_command(const ReplayArgs& a) {
  auto [p, opts, r] = replay_trace(a.file);
  std::string got = r.expect().to_string();
  bool expect_ok = !p.expect || r.reproduces(*p.expect);
  bool hash_ok = !p.hash || *p.hash == r.trace_hash;
  bool reproduced = expect_ok && hash_ok;

  if (a.json) {
    auto j = to_json(r);
    j["file"] = a.file;
    j["expected"] = p.expect ? p.expect->to_string() : "";
    j["reproduced"] = reproduced;
    fmt::print("{}\n", j.dump(2));
  } else {
    fmt::print("{}", text_report(p, r));
    if (p.expect) fmt::print("expected {}: {}\n", p.expect->to_string(), expect_ok ? "reproduced" : fmt::format("got {}", got));
    if (p.hash)
      fmt::print("trace hash {:016x}: {}\n", *p.hash,
                 hash_ok ? "identical" : fmt::format("differs (got {:016x})", r.trace_hash));
  }
  if (!a.dot.empty()) {
    std::vector<TreeNode> tree = r.violation ? r.violation->tree : std::vector<TreeNode>{};
    std::string dot = render_dot(tree, fmt::format("{}: {}", a.file, got));
    write_file_atomically(a.dot, dot, {a.file});
    render_svg(a.dot, a.file, !a.json);
  }
  if (!a.write.empty())
    write_file_atomically(a.write, print_program(annotate(p, r, "replayed by ctxcheck")), {a.file});
  if (!p.expect && !p.hash) return r.violation ? kExitViolation : kExitPass;
  return reproduced ? kExitPass : kExitViolation;
}

void add_replay_command(CommandRegistry& r) {
  auto a = std::make_shared<ReplayArgs>();
  CLI::App* cmd = r.add("replay", "Re-execute a text trace and check it reproduces", [a] { return replay_command(*a); });
  cmd->add_option("file", a->file, "Trace file")->required();
  cmd->add_flag("--json", a->json, "Print the outcome and every observation as JSON");
  cmd->add_option("--dot", a->dot, "Write the context tree at the violation as DOT (and SVG)");
  cmd->add_option("--write", a->write, "Write the re-annotated trace here");
}

}  // namespace ctxcheck::harness
