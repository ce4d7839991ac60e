#include "harness/executor/fuzz_input.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "harness/program/decode.h"

namespace ctxcheck::harness {

std::optional<FuzzLayout> fuzz_layout_by_name(std::string_view name) {
  if (name == "fuzz_programs" || name == "programs") return FuzzLayout::Programs;
  if (name == "fuzz_faults" || name == "faults") return FuzzLayout::Faults;
  return std::nullopt;
}

model::FaultSet faults_from_mask(uint32_t mask) {
  model::FaultSet s;
  auto all = model::all_faults();
  for (size_t i = 0; i < all.size() && i < 8 * kFaultMaskBytes; ++i)
    if (mask & (1u << i)) s = s.with(all[i]);
  return s;
}

uint32_t mask_of(const model::FaultSet& faults) {
  uint32_t m = 0;
  auto all = model::all_faults();
  for (size_t i = 0; i < all.size() && i < 8 * kFaultMaskBytes; ++i)
    if (faults.has(all[i])) m |= 1u << i;
  return m;
}

DecodedInput read_fuzz_input(FuzzLayout layout, std::span<const uint8_t> data) {
  DecodedInput out;
  if (layout == FuzzLayout::Faults) {
    uint32_t mask = 0;
    size_t k = std::min(data.size(), kFaultMaskBytes);
    for (size_t i = 0; i < k; ++i) mask |= static_cast<uint32_t>(data[i]) << (8 * i);
    out.faults = faults_from_mask(mask);
    data = data.subspan(k);
  }
  FuzzInput in = split_fuzz_input(data);
  out.program = std::move(in.program);
  out.program.faults = out.faults.to_string();
  out.schedule = std::move(in.schedule);
  return out;
}

std::vector<uint8_t> write_fuzz_input(FuzzLayout layout, const Program& p) {
  if (auto err = validate(p)) throw std::invalid_argument("invalid program: " + *err);
  std::vector<uint8_t> sched;
  for (uint32_t c : p.schedule) {
    if (c > 255) throw std::invalid_argument("schedule index " + std::to_string(c) + " does not fit a byte");
    sched.push_back(static_cast<uint8_t>(c));
  }
  std::vector<uint8_t> body = join_fuzz_input(p, sched);
  if (layout == FuzzLayout::Programs) {
    if (!p.faults.empty())
      throw std::invalid_argument("the trace injects faults (" + p.faults + "); fuzz_programs runs the faithful model: use fuzz_faults");
    return body;
  }
  std::string bad;
  auto faults = model::FaultSet::parse(p.faults, &bad);
  if (!faults) throw std::invalid_argument("unknown fault \"" + bad + "\"");
  uint32_t mask = mask_of(*faults);
  if (mask_of(*faults) >> (8 * kFaultMaskBytes)) throw std::invalid_argument("fault outside the mask");
  if (faults_from_mask(mask) != *faults) throw std::invalid_argument("fault set does not fit the mask");
  std::vector<uint8_t> out{static_cast<uint8_t>(mask & 0xff), static_cast<uint8_t>(mask >> 8)};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace ctxcheck::harness
