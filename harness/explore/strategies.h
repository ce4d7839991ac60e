// The explorer's strategies: the defaults of their knobs, what they report, and the table
// that names them. explore builds its strategy from the table; the CLI prints --strategy's
// help and its error for an unknown name from it. Every strategy implements the one
// interface of model/runtime/choice.h (begin an execution, choose, next execution):
//   random  rt::PrngChoices::sample: uniform choices, a fresh seed per execution;
//   pct     pct.h, probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010);
//   dfs     dfs.h, exhaustive depth-first search with a preemption bound, state caching,
//           sleep sets and source-set DPOR (dpor.h).
// A new strategy is one class and one row of the table.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/runtime/choice.h"

namespace ctxcheck::harness {

// Defaults, named once: the options structs, the CLI and its help text use these.
inline constexpr std::string_view kDefaultStrategy = "dfs";
inline constexpr uint32_t kDefaultBound = 2;                 // DFS preemption bound
inline constexpr uint32_t kDefaultPctDepth = 3;              // PCT bug depth d
inline constexpr uint64_t kDefaultSampleExecutions = 1000;   // per program, PCT and random
inline constexpr uint64_t kDefaultExploreSeed = 1;           // PCT and random

// DFS's partial-order reduction (dfs.h): none (plain DFS), sleep sets, or source-set DPOR
// with sleep sets (dpor.h). The default is the best sound one.
enum class Reduction : uint8_t { None, Sleep, Dpor };
inline constexpr Reduction kDefaultReduction = Reduction::Dpor;
std::string_view reduction_name(Reduction r);
std::optional<Reduction> reduction_by_name(std::string_view name);
std::vector<std::string> reduction_names();  // {"none", "sleep", "dpor"}, for --reduction's validator

// What a strategy reports about the exploration of one program (only DFS reports).
struct SearchStats {
  uint64_t executions = 0;
  uint64_t pruned = 0;           // executions cut at a state seen before
  uint64_t distinct_states = 0;  // states cached (preemptive decisions reached first)
  uint64_t nondeterminism = 0;   // replays whose decision shape differed (must stay 0)
  bool exhaustive = false;       // the strategy searches the whole space (DFS)...
  bool exhausted = false;        // ...and every path within the bound was run (or pruned)
};

struct ExploreOptions;

struct StrategyEntry {
  std::string_view name;
  std::string_view help;  // one line, for --strategy's help
  // A strategy for one program's exploration, configured by `o`; it reports into `stats`.
  std::unique_ptr<rt::ChoiceSource> (*make)(const ExploreOptions& o, SearchStats& stats);
};

std::span<const StrategyEntry> strategy_table();
const StrategyEntry* find_strategy(std::string_view name);  // nullptr: no such strategy
std::string strategy_names();  // "dfs, pct, random"
std::string strategy_help();   // every row's name and help, for the CLI

}  // namespace ctxcheck::harness
