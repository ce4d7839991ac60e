// The input layouts of the libFuzzer targets (fuzzers/), shared by the targets, the seed
// writer and `ctxcheck convert` (crash file <-> text trace):
//
//   fuzz_programs:  [len lo][len hi][program bytes][schedule bytes]   (decode.h)
//   fuzz_faults:    [fault mask lo][fault mask hi][a fuzz_programs input]
//
// Bit i of the fault mask turns on model::all_faults()[i]. Schedule bytes feed
// rt::ByteChoices (byte % n per decision, exhausted = no preemption), so a trace's recorded
// schedule (chosen indices) is written as one byte per decision.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "harness/program/program.h"
#include "model/faults/faults.h"

namespace ctxcheck::harness {

enum class FuzzLayout : uint8_t { Programs, Faults };
inline constexpr size_t kFaultMaskBytes = 2;

// "fuzz_programs" / "programs", "fuzz_faults" / "faults".
std::optional<FuzzLayout> fuzz_layout_by_name(std::string_view name);

model::FaultSet faults_from_mask(uint32_t mask);
uint32_t mask_of(const model::FaultSet& faults);

struct DecodedInput {
  Program program;  // program.faults names the fault set (fuzz_faults)
  model::FaultSet faults;
  std::vector<uint8_t> schedule;
};
DecodedInput read_fuzz_input(FuzzLayout layout, std::span<const uint8_t> data);

// The bytes that make the target run `p` (its faults, and its recorded schedule). Throws
// std::invalid_argument when that is impossible: faults for fuzz_programs, a schedule index
// above 255, an op outside the byte encoding's range, an invalid program.
std::vector<uint8_t> write_fuzz_input(FuzzLayout layout, const Program& p);

}  // namespace ctxcheck::harness
