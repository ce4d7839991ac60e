// `ctxcheck export-go FILE [-o OUT.go]`: a trace as a self-contained Go test over the real
// context package, asserting what the model observed (see harness/export/go_export.h).
// Exit: 0 written, 2 bad input or a program Go 1.19 cannot run (the reason names the op
// and the Go version it needs).
#include <filesystem>

#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/export/go_export.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

int export_go_command(const ExportGoArgs& a) {
  Program p = read_trace(a.file);
  trace_faults(p, a.file);  // an unknown fault in the header is bad input, as for replay and shrink
  if (auto why = go_export_unsupported(p)) throw UsageError(fmt::format("{}: cannot export to Go: {}", a.file, *why));
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
    write_file_atomically(a.out, go);
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
  return kExitPass;
}

}  // namespace ctxcheck::harness
