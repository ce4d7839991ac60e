// ReplayStrategy: exactly one execution of a recorded schedule (lenient: past its end, or
// when an option count differs, it answers 0 — see ReplayChoices).
#pragma once

#include <vector>

#include "model/runtime/scheduler/strategy.h"

namespace ctxcheck::rt {

class ReplayStrategy final : public Strategy {
 public:
  explicit ReplayStrategy(std::vector<uint32_t> schedule) : replay_(std::move(schedule)) {}
  bool next_execution() override { return !started_ && (started_ = true); }
  uint32_t choose(ChoiceKind kind, std::span<const uint32_t> options) override {
    return replay_.choose(kind, options);
  }
  void begin_execution() override { replay_.begin_execution(); }
  std::string_view name() const override { return "replay"; }

 private:
  ReplayChoices replay_;
  bool started_ = false;
};

}  // namespace ctxcheck::rt
