// Verdicts as values: what an execution came to ("pass", "violation residue", "finding
// lost-cancel") and what a trace's `expect:` line records. The text form is written and
// read here only; everything else compares Expect values.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "harness/catalog/catalog.h"

namespace ctxcheck::harness {

enum class Verdict : uint8_t { Pass, Violation, Finding };
const char* verdict_name(Verdict v);  // "pass", "violation", "finding"

// A verdict and the invariant (violation) or finding it names.
class Expect {
 public:
  constexpr Expect() = default;  // pass
  constexpr Expect(Invariant i) : kind_(Verdict::Violation), which_(static_cast<uint8_t>(i)) {}  // NOLINT: a value
  constexpr Expect(Finding f) : kind_(Verdict::Finding), which_(static_cast<uint8_t>(f)) {}      // NOLINT: a value

  Verdict kind() const { return kind_; }
  bool passes() const { return kind_ == Verdict::Pass; }
  bool is_violation() const { return kind_ == Verdict::Violation; }
  bool is_finding() const { return kind_ == Verdict::Finding; }
  // The invariant or finding id ("residue", "lost-cancel"), or "pass".
  std::string_view id() const;
  // "pass", "violation residue", "finding lost-cancel".
  std::string to_string() const;
  // The inverse of to_string; nullopt for anything else.
  static std::optional<Expect> parse(std::string_view text);

  friend bool operator==(const Expect&, const Expect&) = default;
  friend auto operator<=>(const Expect&, const Expect&) = default;

 private:
  Verdict kind_ = Verdict::Pass;
  uint8_t which_ = 0;
};

// What parse accepts, for error messages.
inline constexpr std::string_view kExpectSyntax = "pass, violation <invariant> or finding <finding>";

}  // namespace ctxcheck::harness
