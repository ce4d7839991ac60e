// The validators of ctxcheck's own flags that need its catalogs (fault and op names) or its
// formats (a shard); the generic ones are harness/util/flag_checks.h.
#include <CLI/CLI.hpp>

#include "harness/cli/commands.h"
#include "harness/util/flag_checks.h"

namespace ctxcheck::harness {

CLI::Validator fault_names_check() {
  return flags::name_list(
      "fault", [](std::string_view n) { return n == "none" || model::fault_by_name(n).has_value(); },
      "ctxcheck faults lists them");
}

CLI::Validator op_names_check(bool allow_default) {
  return flags::name_list(
      "op", [allow_default](std::string_view n) { return (allow_default && (n == "default" || n == "lifecycle")) || op_by_name(n); },
      "op names as in a trace: with_cancel, cancel, ...");
}

CLI::Validator shard_check() {
  return CLI::Validator(
      [](std::string& text) -> std::string {
        return parse_fraction(text) ? std::string() : quoted_excerpt(text) + ": expected I/M with 0 <= I < M";
      },
      "I/M", "SHARD");
}

}  // namespace ctxcheck::harness
