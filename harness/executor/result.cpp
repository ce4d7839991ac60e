#include "harness/executor/result.h"

#include <iterator>

#include <fmt/format.h>

#include "harness/program/text.h"

namespace ctxcheck::harness {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "pass";
    case Verdict::Violation: return "violation";
    case Verdict::Finding: return "finding";
  }
  return "?";
}

std::string ExecResult::verdict_id() const {
  if (violation) return std::string(name_of(violation->id));
  if (!findings.empty()) return std::string(name_of(findings.front().id));
  return "pass";
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
