// `ctxcheck signature TRACE... [--shrunk-dir DIR]`: which bug a failing trace is, for
// triage of many crashes (ci/overnight buckets fuzz crashes by it). Each trace is replayed
// on its recorded schedule, shrunk to a 1-minimal case that keeps its verdict, and the
// shrunk program is renamed canonically: handles and scripts numbered in the order they
// first appear, depth first through each `go` (as the byte decoder numbers them). The
// signature is the verdict and a hash of that program, so two crashes that shrink to the
// same program with other handle numbers, or under another schedule, share it.
//
// One JSON object per line per file, in order:
//   {"file":"a.trace","verdict":"violation residue","signature":"residue-0123456789abcdef",
//    "ops":4,"shrunk":"DIR/a.trace"}
// A trace that passes gets "signature":"pass" (nothing to shrink); a file that cannot be
// read or parsed gets {"file":..., "error":...} and the exit code becomes 2 once every file
// was tried (one bad file does not hide the others' signatures).
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "harness/cli/commands.h"
#include "harness/program/text.h"
#include "harness/sink/failure_sink.h"

namespace ctxcheck::harness {
namespace {

struct SignatureArgs {
  std::vector<std::string> files;
  std::string shrunk_dir;  // "" = do not write the shrunk traces
};

uint64_t fnv1a(const std::string& s) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char ch : s) h = (h ^ ch) * 0x100000001b3ULL;
  return h;
}

nlohmann::json signature_of(const std::string& file, const std::string& shrunk_dir) {
  ReplayedTrace t = replay_trace(file);
  const Program& p = t.program;
  const ExecResult& first = t.result;
  const ExecOptions& opts = t.opts;
  nlohmann::json j{{"file", file}, {"verdict", first.expect().to_string()}};
  if (first.verdict == Verdict::Pass) {
    j["signature"] = "pass";
    j["ops"] = p.op_count();
    return j;
  }
  Expect target = first.expect();
  FailureCase c = shrunk_case(p, opts, target, fmt::format("shrunk by ctxcheck signature from {}", file));
  std::string canonical = print_program(canonical_program(c.program));
  j["signature"] = fmt::format("{}-{:016x}", target.id(), fnv1a(target.to_string() + "\n" + canonical));
  j["ops"] = c.program.op_count();
  if (!shrunk_dir.empty()) {
    std::string out = (std::filesystem::path(shrunk_dir) / std::filesystem::path(file).filename()).string();
    write_case(out, c);
    j["shrunk"] = out;
  }
  return j;
}

int signature_command(const SignatureArgs& a) {
  if (!a.shrunk_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(a.shrunk_dir, ec);
    if (ec) throw UsageError(fmt::format("--shrunk-dir {}: {}", a.shrunk_dir, ec.message()));
  }
  int rc = kExitPass;
  for (const std::string& file : a.files) {
    nlohmann::json j;
    try {
      j = signature_of(file, a.shrunk_dir);
    } catch (const std::exception& e) {  // this file is bad input; the others still count
      j = {{"file", file}, {"error", e.what()}};
      rc = kExitUsage;
    }
    fmt::print("{}\n", j.dump());
  }
  return rc;
}

}  // namespace

void add_signature_command(CommandRegistry& r) {
  auto a = std::make_shared<SignatureArgs>();
  CLI::App* cmd = r.add("signature", "Print each failing trace's bucket: verdict + its shrunk, canonically renamed program",
                        [a] { return signature_command(*a); });
  cmd->add_option("files", a->files, "Trace files")->required();
  cmd->add_option("--shrunk-dir", a->shrunk_dir, "Also write each shrunk trace here, under the input's file name");
}

}  // namespace ctxcheck::harness
