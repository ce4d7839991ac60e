#include "harness/report/text.h"
#include "harness/report/tree.h"

#include <sstream>

#include <fmt/format.h>

#include "harness/program/text.h"

namespace ctxcheck::harness {

namespace {
std::string where(const Program& p, const ProgramPoint& at) {
  std::string s = fmt::format("step {}", at.step);
  // A goroutine that runs a script is named by it (`go 1`); only the model's own
  // goroutines (timer callbacks, watchers) keep their runtime number.
  bool in_script = at.script >= 0 && static_cast<size_t>(at.script) < p.scripts.size();
  if (at.goroutine != rt::kNoGo && !in_script) s += fmt::format(", goroutine g{}", at.goroutine);
  if (at.script >= 0 && static_cast<size_t>(at.script) < p.scripts.size()) {
    const auto& ops = p.scripts[static_cast<size_t>(at.script)].ops;
    if (at.op >= 0 && static_cast<size_t>(at.op) < ops.size())
      s += fmt::format(", go {} op {} ({})", at.script, at.op + 1, print_op(ops[static_cast<size_t>(at.op)]));
    else
      s += fmt::format(", end of go {}", at.script);
  }
  return s;
}
}  // namespace

std::string text_report(const Program& p, const ExecResult& r) {
  std::string out;
  if (r.violation) {
    const auto& v = *r.violation;
    out += fmt::format("VIOLATION {}: {}\n  at {}\n", name_of(v.id), v.message, where(p, v.at));
    if (!v.tree.empty()) {
      out += "  context tree:\n";
      std::istringstream lines(render_ascii_tree(v.tree));
      for (std::string l; std::getline(lines, l);) out += "    " + l + "\n";
    }
    if (!v.path.empty()) out += fmt::format("  retention path: {}\n", v.path);
  }
  for (const auto& f : r.findings) {
    out += fmt::format("FINDING {}: {}\n", name_of(f.id), f.message);
    if (f.at.script >= 0) out += fmt::format("  at {}\n", where(p, f.at));
    if (!f.path.empty()) out += fmt::format("  path: {}\n", f.path);
  }
  if (!r.violation && r.findings.empty()) out += "PASS\n";
  out += fmt::format("  outcome {}, {} steps, {} decisions, {} goroutines, {} contexts, {} GC cycles, trace hash {:016x}\n",
                     rt::outcome_name(r.outcome), r.stats.steps, r.stats.decisions, r.stats.goroutines,
                     r.stats.contexts, r.stats.gc_cycles, r.trace_hash);
  return out;
}

Program annotate(const Program& program, const ExecResult& r, const std::string& headline) {
  Program p = program;
  p.notes.clear();
  if (!headline.empty()) p.notes.push_back(headline);
  std::istringstream lines(text_report(program, r));
  for (std::string l; std::getline(lines, l);) p.notes.push_back(l);
  p.expect = r.expect();
  p.hash = r.trace_hash;
  p.schedule.clear();
  for (const auto& d : r.decisions) p.schedule.push_back(d.chosen);
  return p;
}

std::vector<std::string> notes_without_reports(const std::vector<std::string>& notes) {
  std::vector<std::string> kept;
  bool in_report = false;
  for (const std::string& n : notes) {
    bool starts = n == "PASS" || n.starts_with("VIOLATION ") || n.starts_with("FINDING ");
    if (starts) in_report = true;
    if (in_report) {
      if (n.starts_with("  outcome ")) in_report = false;
      continue;
    }
    if (n.starts_with("shrunk from ") && n.find(" preemptions in ") != std::string::npos) continue;
    kept.push_back(n);
  }
  return kept;
}

}  // namespace ctxcheck::harness
