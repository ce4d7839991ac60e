// StateHasher: a small streaming 64-bit hash for state digests (explorer state caching).
//
// Only small integers and string contents go in, never addresses, so a digest is the
// same in every process and on every compiler.
#pragma once

#include <cstdint>
#include <string_view>

namespace ctxcheck::rt {

class StateHasher {
 public:
  StateHasher& add(uint64_t v) {
    h_ = (h_ ^ v) * 0x9e3779b97f4a7c15ULL;
    h_ ^= h_ >> 31;
    return *this;
  }
  StateHasher& add(std::string_view s) {
    uint64_t f = 0xcbf29ce484222325ULL;
    for (unsigned char c : s) f = (f ^ c) * 0x100000001b3ULL;
    return add(f).add(s.size());
  }
  uint64_t value() const { return h_ ^ (h_ >> 29); }

 private:
  uint64_t h_ = 0x243f6a8885a308d3ULL;
};

}  // namespace ctxcheck::rt
