// RandomStrategy: `executions` executions, each with uniform choices from its own seed
// (seed of execution i = a function of the strategy seed and i, so any one of them can be
// re-run alone).
#pragma once

#include "model/runtime/scheduler/strategy.h"

namespace ctxcheck::rt {

class RandomStrategy final : public Strategy {
 public:
  RandomStrategy(uint64_t seed, uint64_t executions) : seed_(seed), executions_(executions) {}
  bool next_execution() override;
  uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options) override;
  std::string_view name() const override { return "random"; }

 private:
  uint64_t seed_;
  uint64_t executions_;
  uint64_t done_ = 0;   // executions started so far
  uint64_t state_ = 0;  // PRNG state of the current execution
};

}  // namespace ctxcheck::rt
