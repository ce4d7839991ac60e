// `ctxcheck convert`: a libFuzzer crash file (or any corpus input) to a text trace, and a
// text trace back to the bytes a fuzz target runs.
//
//   ctxcheck convert --to-trace CRASH --target fuzz_programs|fuzz_faults [--faults F] [-o OUT.trace]
//   ctxcheck convert --to-bytes IN.trace -o CRASH [--target fuzz_programs|fuzz_faults]
//
// --to-trace runs the input exactly as the target does (same decoding, same ByteChoices,
// same faults: the mask bytes, or the set CTXCHECK_FUZZ_FAULT / --faults forces) and writes the program annotated with what happened: the verdict, the
// recorded schedule and the trace hash, so `ctxcheck replay` reproduces it. --to-bytes
// writes the program, its faults (fuzz_faults) and its schedule as bytes, then runs those
// bytes and checks they reproduce the trace's recorded verdict.
// Exit: 0 converted (and reproduced); 1 the bytes were written but do not reproduce the
// recorded verdict; 2 bad usage or bad input.
#include <cstdlib>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/executor/executor.h"
#include "harness/executor/fuzz_input.h"
#include "harness/program/text.h"
#include "harness/sink/failure_sink.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

namespace {

const char* target_name(FuzzLayout l) { return l == FuzzLayout::Faults ? "fuzz_faults" : "fuzz_programs"; }

FuzzLayout parse_target(const std::string& name) {
  auto layout = fuzz_layout_by_name(name);
  if (!layout) throw UsageError(fmt::format("--target: unknown target \"{}\" (fuzz_programs or fuzz_faults)", name));
  return *layout;
}

// The faults a fuzz_faults input ran under. The target takes them from the input's mask
// bytes unless $CTXCHECK_FUZZ_FAULT forces a set (then the mask bytes mean nothing), so
// convert does the same, and --faults says it for a crash found under a forced set.
model::FaultSet input_faults(const ConvertArgs& a, const DecodedInput& in, std::string& how) {
  const char* env = std::getenv("CTXCHECK_FUZZ_FAULT");
  std::string forced = !a.faults.empty() ? a.faults : env ? env : "";
  if (forced.empty()) {
    how = "faults from the input's mask bytes";
    return in.faults;
  }
  std::string bad;
  auto f = model::FaultSet::parse(forced, &bad);
  const char* by = !a.faults.empty() ? "--faults" : "CTXCHECK_FUZZ_FAULT";
  if (!f) throw UsageError(fmt::format("{}: unknown fault \"{}\" (see ctxcheck faults)", by, bad));
  how = fmt::format("faults forced by {}={} (the input's mask bytes say [{}])", by, forced, in.faults.to_string());
  if (a.faults.empty()) fmt::print(stderr, "ctxcheck: {}\n", how);
  return *f;
}

int convert_to_trace(const ConvertArgs& a) {
  std::string bytes;
  try {
    bytes = read_file(a.to_trace, 1u << 20);
  } catch (const std::exception& e) {
    throw UsageError(e.what());
  }
  if (bytes.starts_with("ctxcheck-trace"))
    throw UsageError(fmt::format("{} is a text trace already (ctxcheck replay runs it; --to-bytes converts it)", a.to_trace));
  // The bytes do not say which target they were fed to, and the two layouts decode the
  // same bytes to different programs: the caller must say.
  if (a.target.empty())
    throw UsageError(fmt::format("convert --to-trace {}: fuzzer bytes do not name their target: give --target "
                                 "fuzz_programs or --target fuzz_faults (the target that found it)",
                                 a.to_trace));
  std::optional<FuzzLayout> layout = parse_target(a.target);
  if (*layout == FuzzLayout::Programs && !a.faults.empty())
    throw UsageError("--faults: fuzz_programs runs the faithful model (a forced fault set is fuzz_faults's)");
  std::span<const uint8_t> data(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
  DecodedInput in = read_fuzz_input(*layout, data);
  std::string how = "the faithful model";
  if (*layout == FuzzLayout::Faults) {
    in.faults = input_faults(a, in, how);
    in.program.faults = in.faults.to_string();
  }
  ExecResult r = execute_input(in);
  FailureCase c = annotated_case(in.program, r,
                                 fmt::format("converted by ctxcheck from {} ({}, {})", a.to_trace, target_name(*layout), how));
  if (a.out.empty() || a.out == "-") {
    fmt::print("{}", c.text);
  } else {
    write_case(a.out, c, {a.to_trace});
    fmt::print("{}: {} ({} ops, {} decisions, {}, faults [{}]); written to {}\n", a.to_trace, r.expect().to_string(),
               in.program.op_count(), r.decisions.size(), target_name(*layout), in.faults.to_string(), a.out);
  }
  return kExitPass;
}

int convert_to_bytes(const ConvertArgs& a) {
  if (a.out.empty()) throw UsageError("convert --to-bytes: give -o FILE (the bytes are binary)");
  if (!a.faults.empty()) throw UsageError("--faults: --to-bytes writes the trace's own faults: line");
  std::optional<FuzzLayout> layout;
  if (!a.target.empty()) layout = parse_target(a.target);
  Program p = read_trace(a.to_bytes);
  (void)trace_faults(p, a.to_bytes);
  FuzzLayout l = layout.value_or(p.faults.empty() ? FuzzLayout::Programs : FuzzLayout::Faults);
  std::vector<uint8_t> bytes;
  try {
    if (p.max_steps && *p.max_steps != rt::kDefaultMaxSteps)
      throw std::invalid_argument(fmt::format("it runs under max-steps: {}, the fuzz targets under the default {}",
                                              *p.max_steps, rt::kDefaultMaxSteps));
    bytes = write_fuzz_input(l, p);
  } catch (const std::invalid_argument& e) {
    throw UsageError(fmt::format("{}: cannot convert to {} bytes: {}", a.to_bytes, target_name(l), e.what()));
  }
  write_file_atomically(a.out, std::string(bytes.begin(), bytes.end()), {a.to_bytes});
  ExecResult r = execute_input(read_fuzz_input(l, bytes));
  std::string got = r.expect().to_string();
  if (p.expect && !r.reproduces(*p.expect)) {
    fmt::print("{}: written to {} ({} bytes, {}), but the bytes run to \"{}\", not the recorded \"{}\"\n", a.to_bytes,
               a.out, bytes.size(), target_name(l), got, p.expect->to_string());
    return kExitViolation;
  }
  fmt::print("{}: written to {} ({} bytes, {}); the bytes run to \"{}\"\n", a.to_bytes, a.out, bytes.size(),
             target_name(l), got);
  return kExitPass;
}

}  // namespace

int convert_command(const ConvertArgs& a) {
  if (a.to_trace.empty() == a.to_bytes.empty()) throw UsageError("convert: give exactly one of --to-trace or --to-bytes");
  return a.to_trace.empty() ? convert_to_bytes(a) : convert_to_trace(a);
}

void add_convert_command(CommandRegistry& r) {
  auto a = std::make_shared<ConvertArgs>();
  CLI::App* cmd = r.add("convert", "Convert a fuzzer crash file to a text trace, or a trace to fuzzer bytes",
                        [a] { return convert_command(*a); });
  cmd->add_option("--to-trace", a->to_trace, "Fuzz input (crash file) to convert to a text trace");
  cmd->add_option("--to-bytes", a->to_bytes, "Text trace to convert to a fuzz input");
  cmd->add_option("-o,--out", a->out, "Write here, atomically (--to-trace default: stdout)");
  cmd->add_option("--target", a->target,
                  "The fuzz target the bytes are for: fuzz_programs or fuzz_faults (--to-trace: required, bytes do not "
                  "name it; --to-bytes: default fuzz_faults when the trace names faults, else fuzz_programs)")
      ->check(CLI::IsMember({"fuzz_programs", "fuzz_faults"}));
  cmd->add_option("--faults", a->faults,
                  "--to-trace of a fuzz_faults input found under CTXCHECK_FUZZ_FAULT: the faults it forced (the "
                  "input's mask bytes are then ignored, as by the target; default: $CTXCHECK_FUZZ_FAULT, else the mask)");
}

}  // namespace ctxcheck::harness
