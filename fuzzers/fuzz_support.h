// Shared pieces of the libFuzzer targets: what counts as a crash, and the text trace a
// crash leaves beside libFuzzer's artifact.
//
// A crash is a *model* violation (or an internal error of the harness): with the faithful
// model that is a bug of the model or of the invariants; with faults on (fuzz_faults) it is
// the fault being killed. Program *findings* (lost-cancel, a goroutine parked forever...) are
// facts about the decoded program, never a crash. Programs with unsafe ops (reparent) may
// legitimately break invariants, so for them only `termination` and internal errors crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "harness/executor/executor.h"
#include "harness/program/decode.h"
#include "harness/executor/fuzz_input.h"
#include "harness/program/program.h"

namespace ctxcheck::fuzz {

// Execution options every target uses: no event list (only the hash), a step bound so
// that a program that loops is a `termination` violation and never a libFuzzer timeout.
harness::ExecOptions fuzz_exec_options(const model::FaultSet& faults);

// True when `r` must crash the fuzzer ($CTXCHECK_FUZZ_IGNORE=id,id exempts invariants).
bool is_crash(const harness::Program& p, const harness::ExecResult& r);

// Writes the replayable text trace of the failing execution atomically, prints the report
// to stderr and aborts. The file is `<dir>/crash-<sha1 of data>.trace`, beside libFuzzer's
// `crash-<sha1>` artifact: <dir> is $CTXCHECK_FUZZ_TRACE_DIR if set, else the directory of
// -artifact_prefix / -exact_artifact_path on the command line, else the current directory.
[[noreturn]] void crash_with_trace(std::span<const uint8_t> data, const harness::Program& p,
                                   const harness::ExecResult& r, const char* target);

// Lower-case hex SHA-1 (libFuzzer names artifacts by it).
std::string sha1_hex(std::span<const uint8_t> data);

// --- faults --------------------------------------------------------------------------------
// $CTXCHECK_FUZZ_FAULT=name (or a comma-separated list): the faults every execution runs
// with, so one fault's time to kill can be measured (fuzz_programs: the faithful model when
// unset; fuzz_faults: it overrides the input's mask); an unknown name exits 2 with a message.
const std::optional<model::FaultSet>& forced_faults();
// fuzz_faults' layout is harness/executor/fuzz_input.h's (a 2-byte fault mask, then a
// fuzz_programs input).
inline constexpr size_t kFaultMaskBytes = harness::kFaultMaskBytes;
model::FaultSet faults_for_input(std::span<const uint8_t> data);

// --- structure-aware mutation --------------------------------------------------------------
// Splits program bytes (as decode_program reads them, after the flag byte) into one token
// per op: the opcode byte and every argument byte the decoder consumes for it. It is
// decode.cpp's byte grammar itself (harness::split_op_bytes), without the scope.
using OpToken = harness::OpBytes;
inline std::vector<OpToken> tokenize_ops(std::span<const uint8_t> prog) { return harness::split_op_bytes(prog); }

// The structural mutator both program targets use: splits the input into its op tokens
// (tokenize_ops) and its schedule bytes, mutates the token list (insert, delete, swap,
// duplicate, retarget an operand, change a duration) or the schedule, and splices the
// tokens back, with no decode or encode. Returns the new size, or 0 when the caller should
// fall back to LLVMFuzzerMutate.
size_t mutate_structurally(uint8_t* data, size_t size, size_t max_size, unsigned seed);
// Crossover: ops of one input spliced into the other, schedule of either.
size_t cross_over(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out, size_t max_out,
                  unsigned seed);

}  // namespace ctxcheck::fuzz
