// The text trace format: versioned, commented, one op per line. The same file is a
// regression test, a replay input and the thing a person reads:
//
//   ctxcheck-trace 1
//   # a forgotten cancel under a long-lived parent
//   expect: finding lost-cancel
//   go 0:
//     h1 = background
//     h2 = with_cancel h1
//     store g0 h2
//     h3 = with_cancel h2
//     drop h3
//   schedule: 0 1
//
// print(parse(t)) == t for canonical text (header comments are kept, other comments are
// dropped); parse(print(p)) == p for every valid program.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "harness/program/program.h"

namespace ctxcheck::harness {

inline constexpr int kTraceVersion = 1;
inline constexpr size_t kMaxTraceBytes = 1u << 20;

struct ParseError : std::runtime_error {
  ParseError(int line_, int column_, const std::string& msg)
      : std::runtime_error(std::to_string(line_) + ":" + std::to_string(column_) + ": " + msg),
        line(line_), column(column_) {}
  int line, column;
};

// Where parse_program found a part that a later layer checks (the fault names belong to the
// model's catalog, which the program language does not see), 1-based; 0 when absent.
struct TracePlaces {
  int faults_line = 0, faults_col = 0;  // the value of the "faults:" header
};

// Throws ParseError (line:column: what was expected) on any malformed or invalid input:
// a syntax error at its token, a semantic one (validate) at the op and argument it is about.
// Lines may end in CRLF.
Program parse_program(std::string_view text, TracePlaces* places = nullptr);
std::string print_program(const Program& p);
std::string print_op(const Op& op);
std::string format_duration(int64_t ns);  // "5ms", "1500us", "0s"
// What `observe children` prints: the size of a cancelCtx's children map, or "none" for a
// context that has no children map (no cancelCtx: Background, TODO, valueCtx,
// withoutCancelCtx, a user-defined type).
std::string children_text(std::optional<size_t> children);

}  // namespace ctxcheck::harness
