// fuzz_programs: bytes -> program + schedule (harness/program/decode.h) -> one execution on
// the faithful model with every invariant on. A model violation (or an internal error) is a
// crash and leaves a replayable text trace beside libFuzzer's artifact; program findings
// are not crashes. $CTXCHECK_FUZZ_FAULT=name runs every input with that fault instead (the
// kill matrix's fuzz column: a crash is the fault killed). The custom mutator works on the
// program's op tokens (insert, delete, swap, duplicate, retarget an op, change a duration or
// value, give an op another op's key, mutate the schedule) and splices them.
#include <cstddef>
#include <cstdint>

#include "fuzzers/fuzz_support.h"
#include "harness/program/decode.h"

extern "C" size_t LLVMFuzzerMutate(uint8_t* data, size_t size, size_t max_size);

using namespace ctxcheck;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const model::FaultSet faults = fuzz::forced_faults().value_or(model::FaultSet{});
  harness::FuzzInput in = harness::split_fuzz_input({data, size});
  if (!faults.empty()) in.program.faults = faults.to_string();  // so the trace replays with them
  rt::ByteChoices choices(in.schedule);
  harness::ExecResult r = harness::execute(in.program, choices, fuzz::fuzz_exec_options(faults));
  if (fuzz::is_crash(in.program, r)) fuzz::crash_with_trace({data, size}, in.program, r, "fuzz_programs");
  return 0;
}


extern "C" size_t LLVMFuzzerCustomMutator(uint8_t* data, size_t size, size_t max_size, unsigned int seed) {
  // One in five mutations is libFuzzer's own (byte-level; it also brings in the dictionary
  // and the operands of the string and memory comparisons its interceptors saw).
  if (seed % 5 != 0) {
    size_t n = fuzz::mutate_structurally(data, size, max_size, seed);
    if (n > 0) return n;
  }
  return LLVMFuzzerMutate(data, size, max_size);
}

extern "C" size_t LLVMFuzzerCustomCrossOver(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out,
                                            size_t max_out, unsigned int seed) {
  return fuzz::cross_over(d1, s1, d2, s2, out, max_out, seed);
}

