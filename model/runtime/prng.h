// splitmix64 (Steele, Lea, Flood 2014): the one PRNG of ctxcheck. Seeded random schedules,
// the explorer's sampling strategies, the program generator, the campaign's case seeds and
// the fingerprint all draw from it, so one definition fixes every number they produce (and
// with them every trace hash). Deterministic on every platform and compiler.
#pragma once

#include <cstdint>

namespace ctxcheck::rt {

inline constexpr uint64_t kGoldenGamma = 0x9e3779b97f4a7c15ULL;  // splitmix64's increment

// The output function: a bijective mix of 64 bits.
constexpr uint64_t splitmix64_mix(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// The next number of the stream whose state is `state` (advances it).
constexpr uint64_t splitmix64(uint64_t& state) { return splitmix64_mix(state += kGoldenGamma); }

// Uniform in [0, n) by multiply-shift (no modulo bias worth caring about for n << 2^32).
constexpr uint32_t uniform(uint64_t& state, uint32_t n) {
  return static_cast<uint32_t>((splitmix64(state) >> 32) * n >> 32);
}

// The seed of execution i of a sample drawn from `seed` (random and PCT exploration), so
// any one execution can be re-run alone.
constexpr uint64_t execution_seed(uint64_t seed, uint64_t i) {
  uint64_t s = seed ^ (i * 0xd1342543de82ef95ULL);
  return splitmix64(s);
}

}  // namespace ctxcheck::rt
