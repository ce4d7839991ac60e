// PctStrategy: probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi,
// Nagarakatte, ASPLOS 2010).
//
// Each execution gives every goroutine a random distinct priority >= d and always runs the
// highest-priority runnable goroutine. It also picks d-1 change points among the first k
// schedule decisions; at the i-th one the running goroutine drops to priority i (below
// every initial priority). A bug of depth d (d ordering constraints) is then found with
// probability >= 1/(n k^(d-1)) per execution. k is learnt: the largest number of schedule
// decisions seen so far. Non-schedule choices (timer ties, select, map order) are uniform.
#pragma once

#include <vector>

#include "harness/explore/strategies.h"

namespace ctxcheck::harness {

class PctStrategy final : public rt::ChoiceSource {
 public:
  // `executions` executions (0 = unbounded), the i-th from rt::execution_seed(seed, i).
  PctStrategy(uint64_t seed, uint64_t executions, uint32_t depth = kDefaultPctDepth)
      : seed_(seed), executions_(executions), depth_(depth < 1 ? 1 : depth) {}
  rt::ExecutionNeeds begin_execution() override;
  uint32_t choose(const rt::ChoicePoint& p) override;
  bool next_execution() override;

 private:
  uint64_t priority_of(uint32_t g);

  uint64_t seed_;
  uint64_t executions_;
  uint32_t depth_;
  uint64_t index_ = 0;            // the execution being run
  uint64_t state_ = 0;
  uint64_t steps_ = 0;            // schedule decisions in the current execution
  uint64_t k_ = 16;               // invariant: >= the most schedule decisions seen
  std::vector<uint64_t> change_points_;  // sorted; the i-th lowers to priority i+1
  std::vector<uint64_t> priority_;       // by goroutine id; 0 = not assigned yet
};

}  // namespace ctxcheck::harness
