#include "model/runtime/choice.h"

#include "model/runtime/prng.h"

namespace ctxcheck::rt {

std::string_view choice_kind_name(ChoiceKind k) {
  switch (k) {
#define CTXCHECK_X(id, name) \
  case ChoiceKind::id:       \
    return name;
    CTXCHECK_CHOICE_KINDS(CTXCHECK_X)
#undef CTXCHECK_X
  }
  return "?";
}

bool dependent(std::span<const Access> a, std::span<const Access> b) {
  constexpr Access kEverything = static_cast<uint64_t>(Touched::Everything) << 40;
  auto object = [](Access x) { return x >> 1; };
  for (Access x : a) {
    if ((x & ~Access{1}) == kEverything) return true;
    for (Access y : b) {
      if ((y & ~Access{1}) == kEverything) return true;
      if (object(x) == object(y) && ((x | y) & 1) != 0) return true;
    }
  }
  for (Access y : b)
    if ((y & ~Access{1}) == kEverything) return true;
  return false;
}

PrngChoices PrngChoices::sample(uint64_t seed, uint64_t executions) {
  PrngChoices s(seed);
  s.sampling_ = true;
  s.executions_ = executions;
  return s;
}

ExecutionNeeds PrngChoices::begin_execution() {
  state_ = sampling_ ? execution_seed(seed_, index_) : seed_;
  return {};
}

uint64_t PrngChoices::next_u64() { return splitmix64(state_); }

uint32_t PrngChoices::choose(const ChoicePoint& p) {
  uint32_t n = static_cast<uint32_t>(p.options.size());
  return sampling_ ? uniform(state_, n) : static_cast<uint32_t>(next_u64() % n);
}

bool PrngChoices::next_execution() {
  if (!sampling_) return false;
  ++index_;
  return executions_ == 0 || index_ < executions_;
}

uint32_t ByteChoices::choose(const ChoicePoint& p) {
  if (pos_ >= bytes_.size()) return 0;
  return static_cast<uint32_t>(bytes_[pos_++] % p.options.size());
}

ReplayChoices::ReplayChoices(std::vector<Decision> recorded) : recorded_(std::move(recorded)) {
  chosen_.reserve(recorded_.size());
  for (const auto& d : recorded_) chosen_.push_back(d.chosen);
}

uint32_t ReplayChoices::choose(const ChoicePoint& p) {
  if (pos_ >= chosen_.size()) return 0;
  size_t i = pos_++;
  if (!recorded_.empty() && diverged_at_ < 0 &&
      (recorded_[i].kind != p.kind || recorded_[i].n != p.options.size()))
    diverged_at_ = static_cast<long>(i);
  uint32_t c = chosen_[i];
  if (c >= p.options.size()) {
    if (diverged_at_ < 0) diverged_at_ = static_cast<long>(i);
    return 0;
  }
  return c;
}

}  // namespace ctxcheck::rt
