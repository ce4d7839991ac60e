#include "model/runtime/choice.h"

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

uint64_t PrngChoices::next_u64() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint32_t PrngChoices::choose(ChoiceKind, std::span<const uint32_t> options) {
  return static_cast<uint32_t>(next_u64() % options.size());
}

uint32_t ByteChoices::choose(ChoiceKind, std::span<const uint32_t> options) {
  if (pos_ >= bytes_.size()) return 0;
  return static_cast<uint32_t>(bytes_[pos_++] % options.size());
}

ReplayChoices::ReplayChoices(std::vector<Decision> recorded) : recorded_(std::move(recorded)) {
  chosen_.reserve(recorded_.size());
  for (const auto& d : recorded_) chosen_.push_back(d.chosen);
}

uint32_t ReplayChoices::choose(ChoiceKind kind, std::span<const uint32_t> options) {
  if (pos_ >= chosen_.size()) return 0;
  size_t i = pos_++;
  if (!recorded_.empty() && diverged_at_ < 0 &&
      (recorded_[i].kind != kind || recorded_[i].n != options.size()))
    diverged_at_ = static_cast<long>(i);
  uint32_t c = chosen_[i];
  if (c >= options.size()) {
    if (diverged_at_ < 0) diverged_at_ = static_cast<long>(i);
    return 0;
  }
  return c;
}

}  // namespace ctxcheck::rt
