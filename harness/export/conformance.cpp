// ctxcheck_go_conformance: the model against real Go's context package.
//
//   ctxcheck_go_conformance --work DIR [--count 1000] [--seed 1] [--ops 14] [--goroutines 1]   (--help)
//                           [--gc] [--scale 0] [--parallel 64] [--traces DIR]
//
// Default mode: generates --count sequential programs over the whole API of Go 1.23 (every
// op but the unsafe reparent; --go 1.19: its subset) (harness/program/generate.h,
// goroutines = 1), runs each on the model, writes all of them as subtests of ONE Go test
// file in DIR, builds it once with `go test -c`, runs it, and fails — printing each failing
// program and its mismatches — if Go observes anything the model did not. --goroutines N
// (> 1): programs with up to N scripts and `go` ops, each with a random recorded schedule
// that the Go test forces at op granularity (only programs that do start a goroutine
// count). Programs skipped for any reason (an API beyond --go, an order that cannot be
// forced, a model run that stopped early) are counted and printed; more than 1% fails.
// --gc: set_finalizer and gc ops too (such programs run one at a time: GC stalls the clock).
// --traces DIR: the same for every *.trace in DIR that the --go target can run (the others
// are listed with the reason; one whose interleaving cannot be forced fails);
// --model-faults: the model runs with each trace's header faults (a planted bug Go has
// not: the comparison must report it, past the first violation the invariants record).
//
// `go` is $CTXCHECK_GO, /usr/lib/go-1.23/bin/go (1.19 for --go 1.19), or the first in PATH.
// Without it: exit 77 (ctest SKIP) with a loud message, or exit 1 when CTXCHECK_WITH_GO=1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/export/go_export.h"
#include "harness/export/go_toolchain.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"
#include "harness/util/flag_checks.h"

namespace fs = std::filesystem;
using namespace ctxcheck::harness;

namespace {

struct Case {
  std::string name;    // Go subtest name
  std::string origin;  // "seed 17" or the trace file
  Program program;
  GoExpectations expect;
};

std::string expect_text(const Program& p) { return p.expect ? p.expect->to_string() : ""; }

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

// The driver's flags; the initializers are the defaults --help shows.
struct ConformanceArgs {
  uint64_t count = 1000, seed = 1;
  uint32_t ops = 14, parallel = 64, goroutines = 1;
  bool gc = false;
  int64_t scale = 0;  // 0: chosen from each program (see GoClock)
  std::string work, traces;
  std::string go_version = "1.23";
  bool model_faults = false;
  int minor() const { return go_version == "1.19" ? kGoOldestMinor : kGoDefaultMinor; }
};

// Parses argv into `a`; an exit code when the driver must stop (help: 0, bad usage: 2).
std::optional<int> parse_args(int argc, char** argv, ConformanceArgs& a) {
  CLI::App app{"ctxcheck_go_conformance: the model against real Go's context package"};
  app.option_defaults()->always_capture_default();
  app.add_option("--work", a.work, "Directory for the Go module, the test binary and its logs")->required();
  app.add_option("--count", a.count, "Generated programs to compare")->transform(flags::unsigned_in(1, 1'000'000));
  app.add_option("--seed", a.seed, "First generator seed")->transform(flags::unsigned_int());
  app.add_option("--ops", a.ops, "Ops per generated program, about")->check(CLI::Range(1, 10000));
  app.add_option("--goroutines", a.goroutines, "Scripts per program (> 1: a random recorded schedule, forced in Go)")
      ->check(CLI::Range(1, 8));
  app.add_flag("--gc", a.gc, "Also set_finalizer and gc ops");
  app.add_option("--scale", a.scale, "Real ms per virtual ms between two instants (0: chosen from each program)")
      ->check(CLI::Range(0, 1000));
  app.add_option("--parallel", a.parallel, "go test -test.parallel")->check(CLI::PositiveNumber);
  app.add_option("--traces", a.traces, "Compare every *.trace in this directory that the --go target can run instead");
  app.add_option("--go", a.go_version, "The Go compared with: 1.23 (the whole API) or 1.19 (its subset)")
      ->check(CLI::IsMember({"1.23", "1.19"}));
  app.add_flag("--model-faults", a.model_faults,
               "--traces: run the model with each trace's header faults (the comparison must catch them)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return std::nullopt;
}

// One conformance run: the cases, what was left out, and the timings it reports.
struct Run {
  ConformanceArgs args;
  std::string go;
  std::vector<Case> cases;
  uint64_t skipped = 0, unforceable = 0, stopped = 0, not_reproduced = 0, single = 0;
  size_t isolated = 0, asserted = 0, racy = 0;
  double model_s = 0, build_s = 0, run_s = 0;
};

// --traces: every Go 1.19 trace of a directory, checked against its header's outcome.
std::optional<int> load_traces(Run& r) {
  const std::string& traces = r.args.traces;
  std::vector<Case>& cases = r.cases;
  uint64_t& skipped = r.skipped;
  std::vector<fs::path> files;
  std::error_code ec;
  for (const auto& ent : fs::directory_iterator(traces, ec))
    if (ent.path().extension() == ".trace") files.push_back(ent.path());
  if (ec) {
    fmt::print(stderr, "ctxcheck_go_conformance: {}: {}\n", traces, ec.message());
    return 2;
  }
  std::sort(files.begin(), files.end());
  for (const auto& f : files) {
    Program p;
    try {
      p = parse_program(read_file(f.string(), kMaxTraceBytes));
    } catch (const std::exception& e) {
      fmt::print("FAIL {}: does not parse: {}\n", f.filename().string(), e.what());
      return 1;
    }
    if (auto why = go_export_unsupported(p, r.args.minor())) {
      fmt::print("not exported: {} (expect: {}): {}\n", f.filename().string(), expect_text(p), *why);
      ++skipped;
      continue;
    }
    std::string name = f.stem().string();
    std::replace_if(name.begin(), name.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
    ctxcheck::model::FaultSet planted = r.args.model_faults ? faults_of(p) : ctxcheck::model::FaultSet{};
    cases.push_back({name, f.string(), p, model_expectations(p, 16, planted)});
    if (const auto& why = cases.back().expect.not_forceable) {
      fmt::print("FAIL {}: Go 1.{} can run it but its interleaving cannot be forced: {}\n", f.filename().string(),
                 r.args.minor(), *why);
      return 1;
    }
    if (const auto& why = cases.back().expect.stopped_early) {
      fmt::print("not exported: {} (expect: {}): {}\n", f.filename().string(), expect_text(p), *why);
      ++skipped;
      cases.pop_back();
      continue;
    }
    for (const std::string& v : cases.back().expect.violations)
      fmt::print("{}: the invariants recorded {}; the comparison goes on past it\n", f.filename().string(), v);
    if (r.args.model_faults) continue;
    // The header's outcome, seen from real Go: a finding (about the program) is one of the
    // faithful model's; a violation under injected faults is a bug Go does not have, so
    // the faithful model must pass it (and the Go test asserts that behaviour).
    const std::vector<Expect>& got = cases.back().expect.verdicts;
    bool consistent = !p.expect || std::find(got.begin(), got.end(), *p.expect) != got.end() ||
                      (p.expect->is_violation() && !p.faults.empty() && got == std::vector<Expect>{Expect()});
    if (!consistent) {
      fmt::print("FAIL {}: header expects {} (faults: {}), the faithful model says {}\n", f.filename().string(),
                 expect_text(p), p.faults.empty() ? "none" : p.faults, cases.back().expect.verdict);
      return 1;
    }
    fmt::print("exported: {} (expect: {}; faithful model: {})\n", f.filename().string(), expect_text(p),
               cases.back().expect.verdict);
  }
  return std::nullopt;
}

// The generator cancels what it makes; a program that forgets a cancel (its last `cancel`
// op taken out) has a lost-cancel finding, which the Go test must show too.
void forget_a_cancel(Program& p) {
  for (auto s = p.scripts.rbegin(); s != p.scripts.rend(); ++s) {
    auto it = std::find_if(s->ops.rbegin(), s->ops.rend(), [](const Op& op) { return op.kind == OpKind::Cancel; });
    if (it != s->ops.rend()) {
      s->ops.erase(std::next(it).base());
      return;
    }
  }
}

// Generated programs (sequential, or with goroutines under a random recorded schedule);
// every third forgets a cancel.
void generate_cases(Run& r) {
  const ConformanceArgs& a = r.args;
  std::vector<Case>& cases = r.cases;
  GenOptions g = go_conformance_gen(a.ops, a.goroutines, a.gc, a.minor());
  for (uint64_t s = a.seed; cases.size() < a.count && s < a.seed + a.count * 10; ++s) {
    Program p = generate(s, g);
    strip_observations_beyond(p, a.minor());
    if (s % 3 == 0) forget_a_cancel(p);
    if (auto why = go_export_unsupported(p, a.minor())) {
      ++r.skipped;  // Go 1.19: e.g. custom afterfuncer (Go 1.21)
      if (a.minor() >= kGoDefaultMinor) fmt::print("not compared: seed {}: {}\n", s, *why);
      continue;
    }
    if (a.goroutines > 1) {
      if (p.scripts.size() < 2) {
        ++r.single;  // this run is about goroutines: generated again, counted apart
        continue;
      }
      record_random_schedule(p, s);
    }
    GoExpectations e = model_expectations(p);
    if (e.stopped_early) {
      ++r.stopped;
      fmt::print("not compared: seed {}: {}\n", s, *e.stopped_early);
      continue;
    }
    if (e.not_forceable) {
      ++r.unforceable;
      fmt::print("not compared: seed {}: {}\n", s, *e.not_forceable);
      continue;
    }
    try {  // an op Go reaches that the model's recorded order lacks cannot be given a turn
      (void)go_program_func(p, e, "probe", a.scale);
    } catch (const std::invalid_argument& why) {
      ++r.unforceable;
      fmt::print("not compared: seed {}: {}\n", s, why.what());
      continue;
    }
    r.not_reproduced += e.not_reproduced.size();
    cases.push_back({fmt::format("seed{}", s), fmt::format("generate(seed {}, ops {}, goroutines {}), schedule "
                                                          "seed {}", s, a.ops, a.goroutines, s),
                     p, std::move(e)});
  }
}

// One Go test file with a subtest per program.
std::string test_source(Run& r) {
  const std::vector<Case>& cases = r.cases;
  size_t &isolated = r.isolated, &asserted = r.asserted, &racy = r.racy;
  std::string src = "// Code generated by ctxcheck_go_conformance; DO NOT EDIT.\n\n" + go_preamble();
  src += "\nfunc TestCtxcheck(t *testing.T) {\n\tstart := time.Now()\n\tt.Run(\"p\", func(t *testing.T) {\n";
  for (const Case& c : cases) {
    if (go_needs_isolation(c.program)) {
      ++isolated;
      src += fmt::format("\t\tt.Run(\"{}\", {})\n", c.name, c.name);
    } else {
      src += fmt::format("\t\tt.Run(\"{}\", func(t *testing.T) {{ t.Parallel(); {}(t) }})\n", c.name, c.name);
    }
    for (const auto& [k, o] : c.expect.obs) (o.stable ? asserted : racy) += 1;
  }
  src += fmt::format(
      "\t}})\n\tfmt.Printf(\"ctxcheck-go: {} programs, %d observations compared, %d racy in the model (logged "
      "only), %d not compared after a stall, %d same-instant select ties forced and asserted, %d select timeouts "
      "held back (an earlier step ran after their real time), go test ran %.1fs\\n\", "
      "atomic.LoadInt64(&ctxcheckCompared), atomic.LoadInt64(&ctxcheckRacy), atomic.LoadInt64(&ctxcheckStalled), "
      "atomic.LoadInt64(&ctxcheckTiesForced), atomic.LoadInt64(&ctxcheckSelectsHeld), "
      "time.Since(start).Seconds())\n\tfmt.Printf(\"ctxcheck-go: compared per kind: %s\\n\", ctxcheckKindCounts())\n}}\n",
      cases.size());
  for (const Case& c : cases) src += "\n" + go_program_func(c.program, c.expect, c.name, r.args.scale);
  return src;
}

// What the exporter writes is gofmt-clean and go vet-clean (every program the generator
// makes, goroutines included): a user drops it into a package that CI vets.
int check_format_and_vet(Run& r, const fs::path& dir) {
  fs::path gofmt = fs::path(r.go).parent_path() / "gofmt";
  if (!fs::exists(gofmt)) {
    fmt::print("FAILED: no gofmt beside {}\n", r.go);
    return 1;
  }
  auto logged = [&](const std::string& program, std::vector<std::string> args, const char* log) {
    return run_logged(go_command(program, std::move(args), dir.string(), dir.string()), (dir / log).string());
  };
  int rc = logged(gofmt.string(), {"-l", "ctxcheck_test.go"}, "gofmt.log");
  std::string listed = read_file((dir / "gofmt.log").string());
  if (rc != 0 || !listed.empty()) {
    logged(gofmt.string(), {"-d", "ctxcheck_test.go"}, "gofmt.log");
    fmt::print("FAILED: the exported Go is not gofmt-clean (exit {}); gofmt -d:\n{}\n", rc,
               read_file((dir / "gofmt.log").string()).substr(0, 4000));
    return 1;
  }
  rc = logged(r.go, {"vet", "."}, "vet.log");
  if (rc != 0) {
    fmt::print("FAILED: go vet on the exported Go (exit {}):\n{}\n", rc,
               read_file((dir / "vet.log").string()).substr(0, 4000));
    return 1;
  }
  fmt::print("gofmt and go vet: clean\n");
  return 0;
}

// Builds the test once, runs it, and compares: every subtest passes (Go observed what the
// model did). -vet=off: check_format_and_vet ran the whole of go vet already.
int run_and_compare(Run& r, const fs::path& dir) {
  const std::vector<Case>& cases = r.cases;
  const std::string& go = r.go;
  const auto parallel = r.args.parallel;
  const auto scale = r.args.scale;
  auto t1 = std::chrono::steady_clock::now();
  int rc = run_logged(go_command(go, {"test", "-c", "-vet=off", "-o", "ctxcheck.test", "."}, dir.string(), dir.string()),
                      (dir / "build.log").string());
  double build_s = seconds_since(t1);
  if (rc != 0) {
    fmt::print("FAILED: go test -c (exit {}); {}:\n{}\n", rc, (dir / "build.log").string(),
               read_file((dir / "build.log").string()));
    return 1;
  }
  auto t2 = std::chrono::steady_clock::now();
  rc = run_logged(go_command((dir / "ctxcheck.test").string(),
                             {"-test.parallel", std::to_string(parallel), "-test.timeout", "540s"}, dir.string(),
                             dir.string()),
                  (dir / "run.log").string());
  double run_s = seconds_since(t2);
  std::string log = read_file((dir / "run.log").string());

  // 3. Compare: every subtest passes (Go observed what the model did).
  std::vector<const Case*> failed;
  for (const Case& c : cases)
    if (log.find(fmt::format("--- FAIL: TestCtxcheck/p/{} ", c.name)) != std::string::npos) failed.push_back(&c);
  std::string summary, per_kind;
  if (auto pos = log.find("ctxcheck-go: "); pos != std::string::npos)
    summary = log.substr(pos, log.find('\n', pos) - pos);
  if (auto pos = log.find("ctxcheck-go: compared per kind: "); pos != std::string::npos)
    per_kind = log.substr(pos, log.find('\n', pos) - pos);
  fmt::print("{} programs ({} run one at a time: goroutine counts), {} skipped (API), {} not forceable; {} "
             "observations asserted, {} racy in the model, {} differ between the recorded schedule and the forced "
             "op order\nmodel {:.1f}s, go build {:.1f}s, go run {:.1f}s; {}\n",
             cases.size(), r.isolated, r.skipped, r.unforceable, r.asserted, r.racy, r.not_reproduced, r.model_s, build_s,
             run_s,
             summary.empty() ? "no summary line from the Go test" : summary);
  if (!per_kind.empty()) fmt::print("{}\n", per_kind);
  for (const Case* c : failed) {
    fmt::print("\n=== MISMATCH in {} ({}): the program\n{}", c->name, c->origin, print_program(c->program));
    std::string head = fmt::format("--- FAIL: TestCtxcheck/p/{} ", c->name);
    size_t pos = log.find(head);
    size_t end = log.find("\n    --- ", pos + head.size());
    size_t end2 = log.find("\n--- ", pos + head.size());
    end = std::min(end, end2);
    fmt::print("Go says:\n{}\n", log.substr(pos, end == std::string::npos ? std::string::npos : end - pos));
  }
  long compared = 0, racy_go = 0, stalled = 0;
  if (!summary.empty() && std::sscanf(summary.c_str(), "ctxcheck-go: %*d programs, %ld observations compared, %ld racy in "
                                      "the model (logged only), %ld not compared", &compared, &racy_go, &stalled) == 3 &&
      stalled * 50 > compared) {
    fmt::print("FAILED: {} observations were not compared because the process stalled (real clock ahead of the "
               "virtual one), more than 2% of {}: the machine is too loaded for --scale {}\n", stalled, compared, scale);
    return 1;
  }
  if (rc != 0 || summary.empty() || !failed.empty()) {
    if (failed.empty()) fmt::print("FAILED: the Go test exited {}; {}:\n{}\n", rc, (dir / "run.log").string(), log);
    else fmt::print("\nFAILED: {} of {} programs disagree with real Go (full log: {})\n", failed.size(), cases.size(),
                    (dir / "run.log").string());
    return 1;
  }
  fmt::print("PASSED: 0 mismatches on {} programs\n", cases.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Run r;
  if (auto rc = parse_args(argc, argv, r.args)) return *rc;
  r.go = find_go(r.args.minor());
  if (r.go.empty()) {
    bool required = std::getenv("CTXCHECK_WITH_GO") && std::string(std::getenv("CTXCHECK_WITH_GO")) == "1";
    fmt::print("{}: `go` not found ($CTXCHECK_GO, {}, PATH): the model is NOT compared "
               "with real Go. Install it with: CTXCHECK_WITH_GO=1 bash ci/setup\n",
               required ? "FAILED (CTXCHECK_WITH_GO=1)" : "SKIPPED", debian_go_path(r.args.minor()));
    return required ? 1 : 77;
  }
  // 1. The programs and what the model says about them.
  auto t0 = std::chrono::steady_clock::now();
  if (!r.args.traces.empty()) {
    if (auto rc = load_traces(r)) return *rc;
  } else {
    generate_cases(r);
  }
  r.model_s = seconds_since(t0);
  uint64_t left_out = r.unforceable + r.stopped + (r.args.traces.empty() ? r.skipped : 0);
  fmt::print("{} programs compared; skipped: {} (not exportable to Go 1.{}: {}, order not forceable: {}, model run "
             "stopped early: {}){}\n",
             r.cases.size(), left_out, r.args.minor(), r.skipped, r.unforceable, r.stopped,
             r.args.goroutines > 1 ? fmt::format("; {} generated without a goroutine, generated again", r.single) : "");
  if (r.args.traces.empty() && left_out * 100 > r.cases.size() + left_out) {
    fmt::print("FAILED: {} of {} generated programs skipped (> 1%)\n", left_out, r.cases.size() + left_out);
    return 1;
  }
  if (r.cases.empty()) {
    fmt::print("nothing to compare ({} skipped)\n", r.skipped);
    return r.args.traces.empty() ? 1 : 0;
  }
  // 2. One Go test file, one module without dependencies.
  fs::path dir = fs::absolute(r.args.work);
  std::error_code ec;
  fs::create_directories(dir, ec);
  fs::remove(dir / "ctxcheck.test", ec);
  write_file_atomically((dir / "go.mod").string(), fmt::format("module ctxcheckconformance\n\ngo 1.{}\n", r.args.minor()));
  write_file_atomically((dir / "ctxcheck_test.go").string(), test_source(r));
  // 3. Format and vet, build, run, compare.
  if (int rc = check_format_and_vet(r, dir)) return rc;
  return run_and_compare(r, dir);
}
