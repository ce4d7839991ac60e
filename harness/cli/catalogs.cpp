#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "harness/cli/commands.h"
#include "harness/catalog/catalog.h"
#include "model/faults/faults.h"

namespace ctxcheck::harness {

int list_invariants() {
  // The `when` column: the check points of catalog.h (step, cancel-return, observe,
  // quiescence, end).
  fmt::print("invariants (model violations):\n");
  for (const auto& e : kInvariants) fmt::print("  {:<16} {:<26} {}\n", e.name, e.when, e.description);
  fmt::print("findings (about the program):\n");
  for (const auto& e : kFindings) fmt::print("  {:<16} {:<26} {}\n", e.name, e.when, e.description);
  return kExitPass;
}

int list_faults() {
  fmt::print("faults (select with --faults a,b):\n");
  for (const auto& f : model::kFaults) fmt::print("  {:<24} {}\n", f.name, f.description);
  return kExitPass;
}

void add_catalog_commands(CommandRegistry& r) {
  r.add("invariants", "List the invariant and finding catalogs", list_invariants);
  r.add("faults", "List the fault catalog", list_faults);
}

}  // namespace ctxcheck::harness
