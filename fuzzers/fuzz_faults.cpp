// fuzz_faults: fuzz_programs with faults injected. The first two input bytes are a bitmask
// over model::all_faults() (CTXCHECK_FUZZ_FAULT=name overrides it), the rest is a
// fuzz_programs input. A violation is the fault being killed: it crashes, so libFuzzer
// reports the time to kill; bench/fuzz_kill_times.sh measures it per fault.
#include <cstddef>
#include <cstdint>
#include <algorithm>
#include <cstring>

#include "fuzzers/fuzz_support.h"
#include "harness/program/decode.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

using namespace ctxcheck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  model::FaultSet faults = fuzz::faults_for_input({data, size});
  size_t skip = std::min(size, fuzz::kFaultMaskBytes);
  harness::FuzzInput in = harness::split_fuzz_input({data + skip, size - skip});
  in.program.faults = faults.to_string();  // so the trace replays with the same faults
  rt::ByteChoices choices(in.schedule);
  harness::ExecResult r = harness::execute(in.program, choices, fuzz::fuzz_exec_options(faults));
  if (fuzz::is_crash(in.program, r)) fuzz::crash_with_trace({data, size}, in.program, r, "fuzz_faults");
  return 0;
}


extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  constexpr size_t k = fuzz::kFaultMaskBytes;
  if (size < k || max_size < k + 2) return LLVMFuzzerMutate(data, size, max_size);
  if (seed % 8 == 1) {  // another fault set
    data[(seed / 8) % k] ^= static_cast<uint8_t>(1u << ((seed / 16) % 8));
    return size;
  }
  if (seed % 5 != 0) {
    size_t n = fuzz::mutate_structurally(data + k, size - k, max_size - k, seed);
    if (n > 0) return n + k;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                                            size_t max_out, unsigned int seed) {
  constexpr size_t k = fuzz::kFaultMaskBytes;
  if (s1 < k || s2 < k || max_out < k) return 0;
  std::memcpy(out, d1, k);
  size_t n = fuzz::cross_over(d1 + k, s1 - k, d2 + k, s2 - k, out + k, max_out - k, seed);
  return n > 0 ? n + k : 0;
}

