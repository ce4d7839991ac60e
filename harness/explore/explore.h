// The explorer: runs one program under every schedule a strategy proposes (DFS: all of
// them up to a preemption bound; PCT/random: a sample), and whole program spaces (every
// program of <= n ops over an alphabet, times its schedules).
//
// Data flow: enumerate -> explore_program -> execute (per schedule) -> on_failure. The
// explorer only counts and reports; shrinking and writing files are the caller's (the
// CLI's) business. Everything is a function of the options: the same options visit the
// same programs and schedules in the same order, so a space can be split (shards) and
// resumed (a start index).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "harness/executor/executor.h"
#include "harness/explore/enumerate.h"
#include "harness/explore/strategies.h"
#include "harness/program/generate.h"
#include "harness/program/program.h"

namespace ctxcheck::harness {

struct ExploreOptions {
  std::string strategy{kDefaultStrategy};  // a name of the strategy table (strategies.h)
  uint32_t bound = kDefaultBound;          // DFS preemption bound
  Reduction reduction = kDefaultReduction;  // DFS: partial-order reduction
  bool state_caching = false;    // DFS: prune states seen before (costs a hash per resume; plain search)
  uint64_t executions = 0;       // per program; 0 = exhaust (DFS) / kDefaultSampleExecutions (PCT, random)
  uint32_t pct_depth = kDefaultPctDepth;
  uint64_t seed = kDefaultExploreSeed;     // PCT, random
  bool stop_at_failure = true;   // per program: stop at its first violation
  ExecOptions exec;
};

struct ExploreCounts {
  uint64_t programs = 0;
  uint64_t executions = 0;
  uint64_t distinct_states = 0;
  uint64_t pruned = 0;           // executions cut at a state seen before
  uint64_t violations = 0;       // failing executions (violations, not findings)
  uint64_t findings = 0;         // executions with program findings only
  uint64_t incomplete = 0;       // programs whose schedule space was not exhausted (DFS)
  uint64_t nondeterminism = 0;   // must stay 0: a replayed prefix decided differently
  // Executions per verdict id (each violation id, each distinct finding id of an
  // execution). Not kept in checkpoints.
  std::map<std::string, uint64_t> by_id;
  // Choice kinds decided, and which the programs could offer but no execution branched on
  // (GenerationCounts::warnings). Not kept in checkpoints either.
  GenerationCounts generated;
  ExploreCounts& operator+=(const ExploreCounts& o);
};

// A failing execution: the program with the schedule that fails, and the result.
struct Failure {
  Program program;   // schedule and hash set from the execution
  ExecResult result;
};

// Explores the schedules of one program. on_failure returns false to stop everything.
// Returns the counts; `stopped` is set when on_failure asked to stop. Throws
// std::invalid_argument when o.strategy names no strategy of the table.
ExploreCounts explore_program(const Program& p, const ExploreOptions& o,
                              const std::function<bool(const Failure&)>& on_failure, bool* stopped = nullptr);
// The same under a strategy the caller built (e.g. a DfsStrategy with test-only options),
// which reports into `search`; o.strategy is not read.
ExploreCounts explore_program_with(const Program& p, rt::ChoiceSource& strategy, const SearchStats& search,
                                   const ExploreOptions& o, const std::function<bool(const Failure&)>& on_failure,
                                   bool* stopped = nullptr);

// A program space: every program of min_ops..max_ops ops over an alphabet, in
// enumeration order, optionally one shard of it (programs whose index % shards == shard),
// starting at a position (resume).
struct SpacePosition {
  uint32_t ops = 1;     // program size being enumerated
  uint64_t index = 0;   // next program index within that size
  friend bool operator==(const SpacePosition&, const SpacePosition&) = default;
};
struct SpaceOptions {
  uint32_t min_ops = 1, max_ops = 3;
  Alphabet alphabet = default_alphabet();
  uint32_t shard = 0, shards = 1;
  SpacePosition start{};  // ops < min_ops means min_ops
};

// Explores every program of the space. on_failure(failure, position of its program) and
// after_program(next position, running totals) return false to stop; the position passed
// to after_program is where a resumed exploration must start.
ExploreCounts explore_space(const SpaceOptions& space, const ExploreOptions& o,
                            const std::function<bool(const Failure&, SpacePosition)>& on_failure,
                            const std::function<bool(SpacePosition next, const ExploreCounts&)>& after_program);

}  // namespace ctxcheck::harness
