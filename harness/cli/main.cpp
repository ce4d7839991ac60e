// ctxcheck command line (CLI11). Each subcommand's file registers its flags and what runs
// it; this file parses and dispatches. Exit codes: 0 pass, 1 violation, 2 bad usage or bad
// input.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"

namespace ctxcheck::harness {

CLI::App* CommandRegistry::add(const std::string& name, const std::string& help, std::function<int()> run) {
  CLI::App* sub = app_.add_subcommand(name, help);
  commands_.emplace_back(sub, std::move(run));
  return sub;
}

int CommandRegistry::run_parsed() const {
  for (const auto& [sub, run] : commands_)
    if (sub->parsed()) return run();
  return kExitUsage;
}

}  // namespace ctxcheck::harness

int main(int argc, char** argv) {
  using namespace ctxcheck::harness;
  CLI::App app{"ctxcheck: a fuzzing and model-checking harness for Go-style context trees"};
  app.require_subcommand(1);
  app.option_defaults()->always_capture_default();  // --help shows each option's default
  CommandRegistry commands(app);
  add_run_command(commands);
  add_shrink_command(commands);
  add_replay_command(commands);
  add_explore_command(commands);
  add_export_go_command(commands);
  add_demo_command(commands);
  add_catalog_commands(commands);
  add_convert_command(commands);
  add_signature_command(commands);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? kExitPass : kExitUsage;
  }
  try {
    return commands.run_parsed();
  } catch (const std::exception& e) {  // UsageError and every other: bad usage or bad input
    fmt::print(stderr, "ctxcheck: {}\n", e.what());
    return kExitUsage;
  }
}
