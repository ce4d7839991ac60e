// ctxcheck command line. Flags are parsed here with CLI11; each subcommand lives in its own
// file. Exit codes: 0 pass, 1 violation, 2 bad usage or bad input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"

int main(int argc, char** argv) {
  using namespace ctxcheck::harness;
  CLI::App app{"ctxcheck: a fuzzing and model-checking harness for Go-style context trees"};
  app.require_subcommand(1);

  uint64_t demo_seed = 1;
  bool demo_trace = false;
  auto* demo = app.add_subcommand("demo", "Run a runtime-only scenario and print its interleaving");
  demo->add_option("--seed", demo_seed, "Scheduler seed");
  demo->add_flag("--trace", demo_trace, "Also print every recorded event");

  app.add_subcommand("invariants", "List the invariant and finding catalogs");

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitPass : kExitUsage;
  }
  try {
    if (app.got_subcommand("demo")) return run_demo(demo_seed, demo_trace);
    if (app.got_subcommand("invariants")) return list_invariants();
  } catch (const std::exception& e) {
    fmt::print(stderr, "ctxcheck: {}\n", e.what());
    return kExitUsage;
  }
  return kExitUsage;
}
