// What the user typed, read strictly and repeated briefly: a whole number is digits only
// (strtoull and CLI11 turn "-1" into 2^64-1 and 2^64 into 2^64-1), and an error message
// quotes a token or value cut short when it is long (a 1 MB token is not echoed whole).
#pragma once

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

namespace ctxcheck::harness {

// A decimal number in [min, max]: digits only (no sign, blank, exponent or overflow).
inline std::optional<uint64_t> parse_whole_number(std::string_view text, uint64_t min = 0,
                                                  uint64_t max = UINT64_MAX) {
  uint64_t v = 0;
  if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || p != text.data() + text.size() || v < min || v > max) return std::nullopt;
  return v;
}

// A fraction "I/M" of whole numbers with 0 <= I < M <= 2^32-1 (a shard, a part), as {I, M}.
inline std::optional<std::pair<uint32_t, uint32_t>> parse_fraction(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  std::optional<uint64_t> i = parse_whole_number(text.substr(0, slash));
  std::optional<uint64_t> m = parse_whole_number(text.substr(slash + 1), 1, UINT32_MAX);
  if (!i || !m || *i >= *m) return std::nullopt;
  return std::pair{static_cast<uint32_t>(*i), static_cast<uint32_t>(*m)};
}

// Quoted, and cut at a UTF-8 character boundary after `shown` bytes, with the full size.
inline std::string quoted_excerpt(std::string_view text, size_t shown = 40) {
  if (text.size() <= shown) return "\"" + std::string(text) + "\"";
  size_t cut = shown;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return "\"" + std::string(text.substr(0, cut)) + "\"... (" + std::to_string(text.size()) + " bytes)";
}

}  // namespace ctxcheck::harness
