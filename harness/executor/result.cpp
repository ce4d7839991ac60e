#include "harness/executor/result.h"

#include <iterator>
#include <algorithm>

#include <fmt/format.h>

#include "harness/program/text.h"

namespace ctxcheck::harness {

std::vector<std::string> ExecResult::gc_trace() const {
  std::vector<std::string> lines;
  lines.reserve(gc_cycles.size());
  for (const rt::GcStats& st : gc_cycles) lines.push_back(st.to_string());
  return lines;
}

Expect ExecResult::expect() const {
  if (violation) return violation->id;
  if (!findings.empty()) return findings.front().id;
  return {};
}

std::vector<Expect> ExecResult::verdicts() const {
  if (violation || findings.empty()) return {expect()};
  std::vector<Expect> out;
  for (const FindingReport& f : findings)
    if (std::find(out.begin(), out.end(), Expect(f.id)) == out.end()) out.push_back(f.id);
  return out;
}

bool ExecResult::reproduces(const Expect& e) const {
  if (e == expect()) return true;
  return e.is_finding() && std::any_of(findings.begin(), findings.end(), [&](const FindingReport& f) { return Expect(f.id) == e; });
}

const char* phase_suffix(OpPhase ph) {
  static constexpr const char* kSuffixes[] = {"", " returns", " runs (deferred)"};  // by OpPhase
  auto i = static_cast<size_t>(ph);
  return i < std::size(kSuffixes) ? kSuffixes[i] : "?";
}

std::string describe_event(const OpEvent& e) {
  return fmt::format("go {}, op {}{} at {}", e.script, e.op + 1, phase_suffix(e.phase), format_duration(e.vtime));
}

}  // namespace ctxcheck::harness
