// `ctxcheck export-go FILE... [-o DIR/NAME_test.go] [--package P] [--run]`: traces as a Go
// test over the real context package, asserting what the model observed (see
// harness/export/go_export.h); several traces become one test with a subtest each. With -o
// the test joins the package in DIR: the helpers go to DIR/ctxcheck_helpers_test.go (shared
// by every export there), the package is the one DIR's .go files declare. --run then runs
// go vet and go test in DIR.
// Exit: 0 written (and with --run: Go agrees), 1 with --run: the Go test failed (Go
// disagrees with the model), 2 bad input, a program the --go target cannot run (the reason
// names the op and the Go version it needs), a model run that stopped early, a file that is not ctxcheck's in the way, or --run
// without `go`; 3 with --run: the exported test did not build or vet (a build failure).
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/export/go_export.h"
#include "harness/export/go_toolchain.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"

namespace fs = std::filesystem;

namespace ctxcheck::harness {

namespace {

constexpr int kExitBuildFailure = 3;

bool to_stdout(const ExportGoArgs& a) { return a.out.empty() || a.out == "-"; }

// "TestCtxcheck" + the -o file's name in CamelCase (server_timeout_test.go:
// TestCtxcheckServerTimeout), so tests exported into one package do not collide.
std::string default_test_name(const ExportGoArgs& a) {
  if (to_stdout(a)) return "TestCtxcheckRepro";
  std::string stem = fs::path(a.out).filename().string();
  stem = stem.substr(0, stem.size() - std::string_view("_test.go").size());
  std::string name = "TestCtxcheck";
  bool up = true;
  for (char c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      up = true;
      continue;
    }
    name += up ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    up = false;
  }
  return name;
}

void check_args(const ExportGoArgs& a, const std::string& test_name) {
  if (!to_stdout(a) && (a.out.size() < 8 || a.out.substr(a.out.size() - 8) != "_test.go"))
    throw UsageError(fmt::format("-o {}: go test only reads files named *_test.go", a.out));
  if (a.run && to_stdout(a)) throw UsageError("--run needs -o DIR/NAME_test.go (the directory is the Go package)");
  if (test_name.rfind("Test", 0) != 0 || test_name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
    throw UsageError(fmt::format("--name {}: a Go test name starts with Test and is an identifier", test_name));
  if (!a.package_name.empty() && (std::isdigit(static_cast<unsigned char>(a.package_name[0])) ||
                                  a.package_name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                                   "0123456789_") != std::string::npos))
    throw UsageError(fmt::format("--package {}: a Go package name is an identifier", a.package_name));
}

// Each trace, read and run on the model; its subtest is named after the file.
int go_minor_of(const ExportGoArgs& a) { return a.go_version == "1.19" ? kGoOldestMinor : kGoDefaultMinor; }

std::vector<GoCase> load_cases(const ExportGoArgs& a) {
  std::vector<GoCase> cases;
  std::set<std::string> names;
  for (const std::string& file : a.files) {
    Program p = read_trace(file);
    trace_faults(p, file);  // an unknown fault in the header is bad input, as for replay and shrink
    if (auto why = go_export_unsupported(p, go_minor_of(a)))
      throw UsageError(fmt::format("{}: cannot export to Go: {}", file, *why));
    GoExpectations e = model_expectations(p, a.samples);
    if (e.stopped_early) throw UsageError(fmt::format("{}: cannot export to Go: {}", file, *e.stopped_early));
    if (e.not_forceable)
      throw UsageError(fmt::format("{}: cannot export to Go: the interleaving cannot be forced: {}", file,
                                   *e.not_forceable));
    std::string name = fs::path(file).stem().string();
    for (int k = 2; !names.insert(name).second; ++k) name = fmt::format("{}_{}", fs::path(file).stem().string(), k);
    cases.push_back({name, file, std::move(p), std::move(e)});
  }
  return cases;
}

// The package of the -o directory: --package, else the shared helpers' (the tests exported
// there before), else the one its .go files declare, else ctxcheck_test. A --package Go would refuse beside the
// directory's own, or other than the shared helpers', is bad input.
std::string target_package(const ExportGoArgs& a, const fs::path& dir) {
  std::optional<std::string> found;
  try {
    found = go_package_in_dir(dir);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  fs::path helpers = dir / kGoHelpersFile;
  std::string shared = fs::exists(helpers) ? go_package_clause(read_file(helpers.string())) : "";
  if (a.package_name.empty()) return !shared.empty() ? shared : found.value_or("ctxcheck_test");
  if (!shared.empty() && shared != a.package_name)
    throw UsageError(fmt::format("--package {}: {} is package {}, shared by the tests exported there; use "
                                 "--package {} or another directory", a.package_name, helpers.string(), shared, shared));
  if (found && a.package_name != *found && a.package_name != *found + "_test")
    throw UsageError(fmt::format("--package {}: {} holds package {} (Go allows only {} or {}_test there)",
                                 a.package_name, dir.string(), *found, *found, *found));
  return a.package_name;
}

// Refuses to replace a file that export-go did not write.
void check_ours(const fs::path& f) {
  if (fs::exists(f) && !is_export_go_file(read_file(f.string())))
    throw UsageError(fmt::format("{} exists and was not written by ctxcheck export-go: not overwriting it",
                                 f.string()));
}

// The test file, and the helpers beside it when they are new or changed.
void write_package_files(const ExportGoArgs& a, const fs::path& dir, const std::string& test,
                         const std::string& package) {
  fs::path helpers = dir / kGoHelpersFile;
  check_ours(a.out);
  check_ours(helpers);
  std::string h = go_helpers_file(package);
  if (!fs::exists(helpers) || read_file(helpers.string()) != h) write_file_atomically(helpers.string(), h, a.files);
  write_file_atomically(a.out, test, a.files);
}

void report_written(const ExportGoArgs& a, const std::vector<GoCase>& cases, const std::string& package) {
  for (const GoCase& c : cases) {
    const GoExpectations& e = c.expect;
    size_t racy = 0;
    for (const auto& [k, o] : e.obs) racy += o.stable ? 0 : 1;
    GoClock clock = go_clock(e, a.scale);
    fmt::print(stderr, "ctxcheck: {}: {} observations asserted, {} racy in the model and only logged; model verdict: "
                       "{}; {} virtual instants over {} take {}ms real (scale {})\n",
               c.source, e.obs.size() - racy, racy, e.verdict, clock.virt.size(), format_duration(clock.virt.back()),
               clock.real.back() / 1000000, clock.scale);
    if (!e.order.empty())
      fmt::print(stderr, "ctxcheck: goroutines: the test forces the recorded op order ({} steps){}\n", e.order.size(),
                 e.not_reproduced.empty() ? "; every observation is the recorded schedule's"
                                          : "; the recorded schedule interleaves inside ops, which Go cannot be "
                                            "forced into: these observations differ under the forced op order:");
    for (const std::string& n : e.not_reproduced) fmt::print(stderr, "ctxcheck:   {}\n", n);
    if (!c.program.faults.empty())
      fmt::print(stderr, "ctxcheck: note: {} injects model faults ({}); real Go has none, so the test asserts what "
                         "the faithful model observes\n", c.source, c.program.faults);
  }
  if (!to_stdout(a))
    fmt::print(stderr, "ctxcheck: wrote {} (package {}; helpers in {})\n", a.out, package,
               (fs::path(a.out).parent_path() / kGoHelpersFile).string());
}

// The nearest go.mod in `dir` or a directory above it.
bool inside_module(fs::path dir) {
  for (; !dir.empty(); dir = dir.parent_path()) {
    if (fs::exists(dir / "go.mod")) return true;
    if (dir == dir.root_path()) break;
  }
  return false;
}

// go vet, then go test, in the package directory: a vet or build failure is the export's
// problem (exit 3), a failing test is Go disagreeing with the model (exit 1).
int run_go(const std::string& go_tool, const fs::path& dir, const std::string& test_name, int go_minor) {
  if (!inside_module(dir))
    write_file_atomically((dir / "go.mod").string(), fmt::format("module ctxcheckrepro\n\ngo 1.{}\n", go_minor));
  std::string cache;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) cache = std::string(x) + "/ctxcheck-go";
  else if (const char* h = std::getenv("HOME"); h && *h) cache = std::string(h) + "/.cache/ctxcheck-go";
  else cache = (dir / ".ctxcheck-go-cache").string();
  auto go = [&](std::vector<std::string> args) {  // by argv; its stdout to our stderr (ours is for the file)
    ProcessSpec s = go_command(go_tool, std::move(args), dir.string(), cache);
    s.stdout_to = ChildOutput::ToStderr;
    return run_process(s).status;
  };
  fmt::print(stderr, "ctxcheck: running go vet . in {}\n", dir.string());
  if (int rc = go({"vet", "."}); rc != 0) {
    fmt::print(stderr, "ctxcheck: BUILD FAILURE: go vet exited {} in {}: the package with the exported test does not "
                       "build or vet (see above); Go's verdict on the model is unknown\n", rc, dir.string());
    return kExitBuildFailure;
  }
  fmt::print(stderr, "ctxcheck: running go test -v -run '^{}$' in {}\n", test_name, dir.string());
  int rc = go({"test", "-count=1", "-v", "-run", "^" + test_name + "$", "."});
  if (rc == 0) {
    fmt::print(stderr, "ctxcheck: Go agrees with the model\n");
    return kExitPass;
  }
  fmt::print(stderr, "ctxcheck: go test exited {}: Go disagrees with the model (MISMATCH lines above)\n", rc);
  return kExitViolation;
}

}  // namespace

int export_go_command(const ExportGoArgs& a) {
  std::string test_name = a.test_name.empty() ? default_test_name(a) : a.test_name;
  check_args(a, test_name);
  std::string go_tool;
  if (a.run && (go_tool = find_go(go_minor_of(a))).empty())
    throw UsageError(fmt::format("--run: no `go` ($CTXCHECK_GO, {}, PATH); install golang-1.{}-go "
                                 "(CTXCHECK_WITH_GO=1 bash ci/setup)", debian_go_path(go_minor_of(a)), go_minor_of(a)));
  std::vector<GoCase> cases = load_cases(a);
  GoExportOptions opts;
  opts.scale = a.scale;
  opts.test_name = test_name;
  opts.source = a.files.front();
  opts.go_minor = go_minor_of(a);
  fs::path dir = to_stdout(a) ? fs::path() : fs::absolute(fs::path(a.out)).parent_path();
  if (!to_stdout(a)) {
    // `-o repro/repro_test.go`: the directory is the Go package's; make it.
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw UsageError(fmt::format("{}: cannot create the directory: {}", a.out, ec.message()));
  }
  opts.package_name = to_stdout(a) ? (a.package_name.empty() ? "ctxcheck_test" : a.package_name)
                                   : target_package(a, dir);
  opts.inline_helpers = to_stdout(a);
  std::string go = go_test_file(cases, opts);
  if (to_stdout(a)) fmt::print("{}", go);
  else write_package_files(a, dir, go, opts.package_name);
  report_written(a, cases, opts.package_name);
  return a.run ? run_go(go_tool, dir, test_name, opts.go_minor) : kExitPass;
}

void add_export_go_command(CommandRegistry& r) {
  auto a = std::make_shared<ExportGoArgs>();
  CLI::App* cmd = r.add("export-go",
                        "Write traces as a Go test over the real context package (Go 1.23, or --go 1.19): one trace, or several as "
                        "subtests of one test",
                        [a] { return export_go_command(*a); });
  cmd->add_option("files", a->files, "Trace files (several: one subtest each, named after the file)")->required();
  cmd->add_option("-o,--out", a->out,
                  "Write the _test.go file here (atomically; default: stdout, self-contained); the shared helpers "
                  "go beside it as ctxcheck_helpers_test.go");
  cmd->add_option("--package", a->package_name,
                  "Go package of the test (default: the one the -o directory's .go files declare, else ctxcheck_test)");
  cmd->add_option("--scale", a->scale,
                  "Real ms per virtual ms between two instants of the program, within 20ms..200ms per gap "
                  "(default: chosen from the program so its shortest gap takes 20ms)")
      ->check(CLI::Range(1, 1000));
  cmd->add_option("--name", a->test_name, "Name of the Go test function (default: TestCtxcheck + the -o file's name)");
  cmd->add_option("--samples", a->samples, "Model schedules sampled to find racy observations")
      ->check(CLI::Range(0, 10000));
  cmd->add_option("--go", a->go_version,
                  "The Go the test is for: 1.23 (the whole API) or 1.19 (refuses programs that need newer APIs, "
                  "naming the version)")
      ->check(CLI::IsMember({"1.23", "1.19"}))
      ->capture_default_str();
  cmd->add_flag("--run", a->run,
                "Then go vet and go test it in the -o directory (a go.mod is written if none is there or above); "
                "exit 0 if Go agrees with the model, 1 if not, 3 if it does not build or vet");
}

}  // namespace ctxcheck::harness
