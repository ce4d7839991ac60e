#include "harness/executor/result.h"

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

}  // namespace ctxcheck::harness
