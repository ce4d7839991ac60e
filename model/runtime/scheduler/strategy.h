// Exploration strategies: a ChoiceSource that also decides how many executions to run.
//
// As in shuttle, a strategy is one small interface — next_execution, choose_at (from
// ChoiceSource), and a name — with one file per strategy:
//   random.h  uniform choices, a fresh seed per execution;
//   pct.h     probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010);
//   dfs.h     exhaustive depth-first search with a preemption bound and state caching;
//   replay.h  one recorded schedule.
// The explorer (harness/explore) drives them: while (s.next_execution()) execute(p, s).
#pragma once

#include <cstdint>
#include <string_view>

#include "model/runtime/choice.h"

namespace ctxcheck::rt {

class Strategy : public ChoiceSource {
 public:
  // Prepares the next execution. False: the strategy has nothing left to try.
  virtual bool next_execution() = 0;
  virtual std::string_view name() const = 0;
};

// splitmix64: the one PRNG every strategy draws from (deterministic on every platform).
inline uint64_t splitmix64(uint64_t& state) {
  uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
// Uniform in [0, n) without modulo bias worth caring about for n << 2^32.
inline uint32_t uniform(uint64_t& state, uint32_t n) {
  return static_cast<uint32_t>((splitmix64(state) >> 32) * n >> 32);
}

}  // namespace ctxcheck::rt
