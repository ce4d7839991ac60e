// `ctxcheck replay FILE`: re-execute a text trace with its recorded schedule and check that
// the verdict and the trace hash are the ones the file records.
// Exit: 0 reproduced as recorded (or passed, when nothing is recorded), 1 diverged from the
// recording (or a violation when none was expected), 2 bad input.
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "harness/report/json.h"
#include "harness/report/text.h"
#include "harness/report/tree.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

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
    write_file_atomically(a.dot, render_dot(tree, fmt::format("{}: {}", a.file, got)));
    if (std::system("command -v dot >/dev/null 2>&1") == 0) {
      std::string cmd = fmt::format("dot -Tsvg '{}' -o '{}.svg'", a.dot, a.dot);
      if (std::system(cmd.c_str()) == 0 && !a.json) fmt::print("rendered {}.svg\n", a.dot);
    }
  }
  if (!a.write.empty()) write_file_atomically(a.write, print_program(annotate(p, r, "replayed by ctxcheck")));
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
