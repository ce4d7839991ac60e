// `ctxcheck export-go FILE [-o DIR/NAME_test.go] [--run]`: a trace as a self-contained Go
// test over the real context package, asserting what the model observed (see
// harness/export/go_export.h). --run then runs it with `go test` in DIR.
// Exit: 0 written (and with --run: Go agrees), 1 with --run: the Go test failed, 2 bad
// input, a program Go 1.19 cannot run (the reason names the op and the Go version it
// needs), or --run without `go`.
#include <cstdlib>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/export/go_export.h"
#include "harness/export/go_toolchain.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

int export_go_command(const ExportGoArgs& a) {
  Program p = read_trace(a.file);
  trace_faults(p, a.file);  // an unknown fault in the header is bad input, as for replay and shrink
  if (auto why = go_export_unsupported(p)) throw UsageError(fmt::format("{}: cannot export to Go: {}", a.file, *why));
  std::string go_tool;
  if (a.run) {
    if (a.out.empty() || a.out == "-") throw UsageError("--run needs -o DIR/NAME_test.go (the directory is the Go module)");
    if (a.out.size() < 8 || a.out.substr(a.out.size() - 8) != "_test.go")
      throw UsageError(fmt::format("-o {}: go test only runs files named *_test.go", a.out));
    go_tool = find_go();
    if (go_tool.empty())
      throw UsageError("--run: no `go` ($CTXCHECK_GO, /usr/lib/go-1.19/bin/go, PATH); install golang-1.19-go "
                       "(CTXCHECK_WITH_GO=1 bash ci/setup)");
  }
  if (a.test_name.rfind("Test", 0) != 0 || a.test_name.find_first_not_of(
          "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != std::string::npos)
    throw UsageError(fmt::format("--name {}: a Go test name starts with Test and is an identifier", a.test_name));
  GoExpectations e = model_expectations(p, a.samples);
  if (e.not_forceable)
    throw UsageError(fmt::format("{}: cannot export to Go: the interleaving cannot be forced: {}", a.file,
                                 *e.not_forceable));
  GoExportOptions opts;
  opts.scale = a.scale;
  opts.test_name = a.test_name;
  opts.source = a.file;
  std::string go = go_test_file(p, e, opts);
  size_t racy = 0;
  for (const auto& [k, o] : e.obs) racy += o.stable ? 0 : 1;
  if (a.out.empty() || a.out == "-") {
    fmt::print("{}", go);
  } else {
    // `-o repro/repro_test.go`: the directory is the Go module's; make it.
    std::error_code ec;
    if (auto dir = std::filesystem::path(a.out).parent_path(); !dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) throw UsageError(fmt::format("{}: cannot create the directory: {}", a.out, ec.message()));
    write_file_atomically(a.out, go, {a.file});
    fmt::print(stderr, "ctxcheck: wrote {} ({} observations asserted, {} racy in the model and only logged; model verdict: {})\n",
               a.out, e.obs.size() - racy, racy, e.verdict);
  }
  if (!e.order.empty())
    fmt::print(stderr, "ctxcheck: goroutines: the test forces the recorded op order ({} steps){}\n", e.order.size(),
               e.not_reproduced.empty() ? "; every observation is the recorded schedule's"
                                        : "; the recorded schedule interleaves inside ops, which Go cannot be forced "
                                          "into: these observations differ under the forced op order:");
  for (const std::string& n : e.not_reproduced) fmt::print(stderr, "ctxcheck:   {}\n", n);
  if (!p.faults.empty())
    fmt::print(stderr, "ctxcheck: note: the trace injects model faults ({}); real Go has none, so the test asserts "
                       "what the faithful model observes\n", p.faults);
  if (!a.run) return kExitPass;
  // One command from a trace to Go's verdict: the module around the file, then go test.
  std::filesystem::path dir = std::filesystem::absolute(std::filesystem::path(a.out)).parent_path();
  if (!std::filesystem::exists(dir / "go.mod"))
    write_file_atomically((dir / "go.mod").string(), "module ctxcheckrepro\n\ngo 1.19\n");
  std::string cache;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) cache = std::string(x) + "/ctxcheck-go";
  else if (const char* h = std::getenv("HOME"); h && *h) cache = std::string(h) + "/.cache/ctxcheck-go";
  else cache = (dir / ".ctxcheck-go-cache").string();
  ProcessSpec go_test = go_command(go_tool, {"test", "-count=1", "-v", "-run", "^" + a.test_name + "$", "."},
                                  dir.string(), cache);
  go_test.stdout_to = ChildOutput::ToStderr;  // stdout is for the exported file
  fmt::print(stderr, "ctxcheck: running go test -v -run '^{}$' in {}\n", a.test_name, dir.string());
  int rc = run_process(go_test).status;
  if (rc == 0) {
    fmt::print(stderr, "ctxcheck: Go agrees with the model\n");
    return kExitPass;
  }
  fmt::print(stderr, "ctxcheck: go test exited {}: Go disagrees with the model (MISMATCH lines above) or did not build\n",
             rc);
  return 1;
}

void add_export_go_command(CommandRegistry& r) {
  auto a = std::make_shared<ExportGoArgs>();
  CLI::App* cmd = r.add("export-go", "Write a trace as a Go test over the real context package (Go 1.19)",
                        [a] { return export_go_command(*a); });
  cmd->add_option("file", a->file, "Trace file")->required();
  cmd->add_option("-o,--out", a->out, "Write the _test.go file here (atomically; default: stdout)");
  cmd->add_option("--scale", a->scale, "Real milliseconds per virtual millisecond")->check(CLI::Range(1, 1000));
  cmd->add_option("--name", a->test_name, "Name of the Go test function");
  cmd->add_option("--samples", a->samples, "Model schedules sampled to find racy observations")
      ->check(CLI::Range(0, 10000));
  cmd->add_flag("--run", a->run,
                "Then run it with go test in the -o directory (a go.mod is written if missing); "
                "exit 0 if Go agrees with the model, 1 if not");
}

}  // namespace ctxcheck::harness
