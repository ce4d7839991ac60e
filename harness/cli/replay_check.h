// Replaying text traces and judging each against its recording, without the CLI parser:
// `ctxcheck replay` and `ctxcheck_replay` (the replay-only driver the sanitizer builds use,
// so they need not compile the whole CLI) both call it.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/cli/commands.h"

namespace ctxcheck::harness {

// One trace replayed: what it came to and how that compares with what its file records.
struct Replayed {
  ReplayedTrace t;
  std::string got;         // the verdict it came to
  std::string divergence;  // how the recorded schedule did not fit, "" when it fitted
  bool expect_ok = true, hash_ok = true, recorded = false, reproduced = false;
};

// UsageError on a file that cannot be read or parsed.
Replayed replay_file(const std::string& file, bool pictures = false, bool timeline = false);

// "FILE: reproduced (violation residue, hash ...)", or what differs.
std::string verdict_line(const std::string& file, const Replayed& x);

nlohmann::json json_of(const std::string& file, const Replayed& x);

// Every file: a verdict line each and a summary (or one JSON array). Exit code: 0 all
// reproduced, 1 some did not, 2 some file was bad input (the others are still replayed).
int replay_many(const std::vector<std::string>& files, bool json);

}  // namespace ctxcheck::harness
