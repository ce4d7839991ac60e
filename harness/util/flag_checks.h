// CLI11 validators for the numeric and list flags of ctxcheck's programs. They check the
// text the user typed, before CLI11 converts it: CLI11 turns "-1" into 2^64-1 for an
// unsigned option, 2^64 into 2^64-1, and accepts "nan" and "inf" for a double. Each one's
// description is what --help shows after the type (the accepted range), and a rejected
// value makes the command exit 2 naming the flag and the value.
#pragma once

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <CLI/CLI.hpp>

#include "harness/util/user_input.h"

namespace ctxcheck::harness::flags {

inline std::string show_bound(uint64_t v) { return v == UINT64_MAX ? "2^64-1" : std::to_string(v); }

// A decimal integer in [min, max] (parse_whole_number: digits only). Add it with
// ->transform(), not ->check(): it rewrites the text without leading zeros, since CLI11
// reads "010" as octal 8.
inline CLI::Validator unsigned_in(uint64_t min, uint64_t max) {
  std::string range = "[" + show_bound(min) + " - " + show_bound(max) + "]";
  return CLI::Validator(
      [min, max, range](std::string& text) -> std::string {
        auto v = parse_whole_number(text, min, max);
        if (!v) return quoted_excerpt(text) + " is not a whole number in " + range;
        text = std::to_string(*v);
        return {};
      },
      range, "UNSIGNED");
}
inline CLI::Validator unsigned_int() { return unsigned_in(0, UINT64_MAX); }

// A finite number of seconds in [0, max] (nan, inf and negatives are refused).
inline CLI::Validator seconds_up_to(double max) {
  std::string range = "[0 - " + std::to_string(static_cast<uint64_t>(max)) + "]";
  return CLI::Validator(
      [max, range](std::string& text) -> std::string {
        double v = 0;
        size_t used = 0;
        try {
          v = std::stod(text, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used == 0 || used != text.size() || !std::isfinite(v) || v < 0 || v > max)
          return quoted_excerpt(text) + " is not a number of seconds in " + range;
        return {};
      },
      range, "SECONDS");
}

// A comma-separated list of names, each one `known` (blanks around a name are allowed):
// not empty, no empty item. `what` says what the names are ("op", "fault").
inline CLI::Validator name_list(std::string what, std::function<bool(std::string_view)> known, std::string see) {
  return CLI::Validator(
      [what, known, see](std::string& text) -> std::string {
        if (text.empty()) return "an empty list: give one or more " + what + " names, comma-separated (" + see + ")";
        std::string_view rest = text;
        for (;;) {
          size_t comma = rest.find(',');
          std::string_view item = rest.substr(0, comma);
          while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
          while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
          if (item.empty()) return "an empty " + what + " name in " + quoted_excerpt(text);
          if (!known(item)) return "unknown " + what + " " + quoted_excerpt(item) + " (" + see + ")";
          if (comma == std::string_view::npos) return {};
          rest.remove_prefix(comma + 1);
        }
      },
      what + " names, comma-separated", "NAMES");
}

}  // namespace ctxcheck::harness::flags
