// `ctxcheck convert`: a libFuzzer crash file (or any corpus input) to a text trace, and a
// text trace back to the bytes a fuzz target runs.
//
//   ctxcheck convert --to-trace CRASH [-o OUT.trace] [--target fuzz_programs|fuzz_faults]
//   ctxcheck convert --to-bytes IN.trace -o CRASH [--target fuzz_programs|fuzz_faults]
//
// --to-trace runs the input exactly as the target does (same decoding, same ByteChoices,
// same faults) and writes the program annotated with what happened: the verdict, the
// recorded schedule and the trace hash, so `ctxcheck replay` reproduces it. --to-bytes
// writes the program, its faults (fuzz_faults) and its schedule as bytes, then runs those
// bytes and checks they reproduce the trace's recorded verdict.
// Exit: 0 converted (and reproduced); 1 the bytes were written but do not reproduce the
// recorded verdict; 2 bad usage or bad input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/executor/executor.h"
#include "harness/executor/fuzz_input.h"
#include "harness/program/text.h"
#include "harness/sink/failure_sink.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

int convert_command(const ConvertArgs& a) {
  if (a.to_trace.empty() == a.to_bytes.empty()) throw UsageError("convert: give exactly one of --to-trace or --to-bytes");
  std::optional<FuzzLayout> layout;
  if (!a.target.empty() && a.target != "auto") {
    layout = fuzz_layout_by_name(a.target);
    if (!layout) throw UsageError(fmt::format("--target: unknown target \"{}\" (fuzz_programs or fuzz_faults)", a.target));
  }
  if (!a.to_trace.empty()) {
    std::string bytes;
    try {
      bytes = read_file(a.to_trace, 1u << 20);
    } catch (const std::exception& e) {
      throw UsageError(e.what());
    }
    std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    DecodedInput in = read_fuzz_input(layout.value_or(FuzzLayout::Programs), data);
    ExecResult r = execute_input(in);
    FailureCase c = annotated_case(in.program, r,
                                   fmt::format("converted by ctxcheck from {} ({})", a.to_trace,
                                               layout == FuzzLayout::Faults ? "fuzz_faults" : "fuzz_programs"));
    if (a.out.empty()) {
      fmt::print("{}", c.text);
    } else {
      write_case(a.out, c, {a.to_trace});
      fmt::print("{}: {} ({} ops, {} decisions); written to {}\n", a.to_trace, r.expect().to_string(), in.program.op_count(),
                 r.decisions.size(), a.out);
    }
    return kExitPass;
  }
  if (a.out.empty()) throw UsageError("convert --to-bytes: give -o FILE (the bytes are binary)");
  Program p = read_trace(a.to_bytes);
  (void)trace_faults(p, a.to_bytes);
  FuzzLayout l = layout.value_or(p.faults.empty() ? FuzzLayout::Programs : FuzzLayout::Faults);
  std::vector<uint8_t> bytes;
  try {
    bytes = write_fuzz_input(l, p);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}: cannot convert to {} bytes: {}", a.to_bytes,
                                 l == FuzzLayout::Faults ? "fuzz_faults" : "fuzz_programs", e.what()));
  }
  write_file_atomically(a.out, std::string(bytes.begin(), bytes.end()), {a.to_bytes});
  ExecResult r = execute_input(read_fuzz_input(l, bytes));
  std::string got = r.expect().to_string();
  const char* target = l == FuzzLayout::Faults ? "fuzz_faults" : "fuzz_programs";
  if (p.expect && r.expect() != *p.expect) {
    fmt::print("{}: written to {} ({} bytes, {}), but the bytes run to \"{}\", not the recorded \"{}\"\n", a.to_bytes,
               a.out, bytes.size(), target, got, p.expect->to_string());
    return kExitViolation;
  }
  fmt::print("{}: written to {} ({} bytes, {}); the bytes run to \"{}\"\n", a.to_bytes, a.out, bytes.size(), target,
             got);
  return kExitPass;
}

void add_convert_command(CommandRegistry& r) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = r.add("convert", "Convert a fuzzer crash file to a text trace, or a trace to fuzzer bytes",
                        [a] { return convert_command(*a); });
  cmd->add_option("--to-trace", a->to_trace, "Fuzz input (crash file) to convert to a text trace");
  cmd->add_option("--to-bytes", a->to_bytes, "Text trace to convert to a fuzz input");
  cmd->add_option("-o,--out", a->out, "Write here, atomically (--to-trace default: stdout)");
  cmd->add_option("--target", a->target,
                  "Input layout: fuzz_programs or fuzz_faults (default: fuzz_programs; --to-bytes: fuzz_faults when "
                  "the trace names faults)");
}

}  // namespace ctxcheck::harness
