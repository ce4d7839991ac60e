// fuzz_make_seeds REGRESSIONS_DIR SEEDS_DIR: writes the seed corpus of every fuzz target
// (ci/make-seeds runs it; the result is committed):
//   fuzz_programs     each regression trace without its faults, and generated programs,
//                     as program + recorded schedule; none may violate an invariant
//   fuzz_faults       the regressions with their faults when that does not violate already
//                     (a seed must not crash), else without; generated programs, no faults
//   fuzz_decode       the program bytes of the fuzz_programs seeds
//   fuzz_trace_parser every regression trace as text, and generated programs printed
// File names are the source's name, so re-running it rewrites the same files.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/program/decode.h"
#include "harness/executor/fuzz_input.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/util/atomic_file.h"

using namespace ctxcheck;
using namespace ctxcheck::harness;
namespace fs = std::filesystem;

namespace {

void put(const fs::path& dir, const std::string& name, const std::vector<uint8_t>& bytes) {
  fs::create_directories(dir);
  write_file_atomically((dir / name).string(), std::string(bytes.begin(), bytes.end()));
}

// Re-records the schedule of `p` under `faults` (the recorded one may belong to a faulty
// execution) so the bytes replay what the program does there.
Program recorded(Program p, const model::FaultSet& faults) {
  ExecOptions o;
  o.faults = faults;
  rt::ReplayChoices c(p.schedule);
  ExecResult r = execute(p, c, o);
  p.schedule.clear();
  for (const auto& d : r.decisions) p.schedule.push_back(d.chosen);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s REGRESSIONS_DIR SEEDS_DIR\n", argv[0]);
    return 2;
  }
  fs::path regs(argv[1]), seeds(argv[2]);
  std::vector<std::pair<std::string, Program>> programs;  // name, program (faults kept)
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(regs))
    if (e.path().extension() == ".trace") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    std::string text = read_file(f.string(), kMaxTraceBytes);
    put(seeds / "fuzz_trace_parser", f.stem().string(), std::vector<uint8_t>(text.begin(), text.end()));
    try {
      programs.emplace_back(f.stem().string(), parse_program(text));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: %s (skipped)\n", f.c_str(), e.what());
    }
  }
  // Swarm programs (generate.h): each seed leaves out its own part of the language.
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    GenOptions g;
    g.ops = seed <= 6 ? 8 : 16;
    g.goroutines = seed % 2 ? 2 : 3;
    g.swarm = true;
    programs.emplace_back(fmt::format("gen-{}", seed), generate(seed, g));
    std::string text = print_program(programs.back().second);
    put(seeds / "fuzz_trace_parser", programs.back().first, std::vector<uint8_t>(text.begin(), text.end()));
  }
  size_t n = 0;
  for (const auto& [name, prog] : programs) {
    std::string why;
    try {
      model::FaultSet faults = faults_of(prog);
      Program safe = recorded(prog, {});
      safe.faults.clear();
      std::vector<uint8_t> b = write_fuzz_input(FuzzLayout::Programs, safe);
      DecodedInput in = read_fuzz_input(FuzzLayout::Programs, b);
      if (execute_input(in).violation) {
        why = "violates on the faithful model";
      } else {
        put(seeds / "fuzz_programs", name, b);
        put(seeds / "fuzz_decode", name, encode_program(in.program));
        ++n;
      }
      // fuzz_faults: with its faults if that does not crash yet.
      Program withf = faults.empty() ? safe : recorded(prog, faults);
      withf.faults = faults.to_string();
      std::vector<uint8_t> fb = write_fuzz_input(FuzzLayout::Faults, withf);
      if (execute_input(read_fuzz_input(FuzzLayout::Faults, fb)).violation) {
        safe.faults.clear();
        fb = write_fuzz_input(FuzzLayout::Faults, safe);
      }
      if (!execute_input(read_fuzz_input(FuzzLayout::Faults, fb)).violation) put(seeds / "fuzz_faults", name, fb);
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!why.empty()) std::fprintf(stderr, "%s: not a fuzz_programs seed: %s\n", name.c_str(), why.c_str());
  }
  std::printf("wrote %zu program seeds (+ fuzz_faults, fuzz_decode, fuzz_trace_parser) under %s\n", n, seeds.c_str());
  return 0;
}
