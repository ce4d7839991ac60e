#include "harness/catalog/verdict.h"

namespace ctxcheck::harness {

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Pass: return "pass";
    case Verdict::Violation: return "violation";
    case Verdict::Finding: return "finding";
  }
  return "?";
}

std::string_view Expect::id() const {
  switch (kind_) {
    case Verdict::Pass: return "pass";
    case Verdict::Violation: return name_of(static_cast<Invariant>(which_));
    case Verdict::Finding: return name_of(static_cast<Finding>(which_));
  }
  return "?";
}

std::string Expect::to_string() const {
  if (passes()) return "pass";
  return std::string(verdict_name(kind_)) + " " + std::string(id());
}

std::optional<Expect> Expect::parse(std::string_view text) {
  if (text == "pass") return Expect();
  size_t space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  std::string_view kind = text.substr(0, space), id = text.substr(space + 1);
  if (kind == "violation")
    if (auto i = invariant_by_name(id)) return Expect(*i);
  if (kind == "finding")
    if (auto f = finding_by_name(id)) return Expect(*f);
  return std::nullopt;
}

}  // namespace ctxcheck::harness
