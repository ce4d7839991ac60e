#include "harness/explore/strategies.h"

#include <fmt/format.h>

#include "harness/explore/dfs.h"
#include "harness/explore/explore.h"
#include "harness/explore/pct.h"

namespace ctxcheck::harness {

namespace {

uint64_t sample_size(const ExploreOptions& o) {
  return o.executions != 0 ? o.executions : kDefaultSampleExecutions;
}

std::unique_ptr<rt::ChoiceSource> make_dfs(const ExploreOptions& o, SearchStats& stats) {
  return std::make_unique<DfsStrategy>(DfsOptions{.preemption_bound = o.bound,
                                                           .state_caching = o.state_caching,
                                                           .max_executions = o.executions,
                                                           .reduction = o.reduction}, stats);
}
std::unique_ptr<rt::ChoiceSource> make_pct(const ExploreOptions& o, SearchStats&) {
  return std::make_unique<PctStrategy>(o.seed, sample_size(o), o.pct_depth);
}
std::unique_ptr<rt::ChoiceSource> make_random(const ExploreOptions& o, SearchStats&) {
  return std::make_unique<rt::PrngChoices>(rt::PrngChoices::sample(o.seed, sample_size(o)));
}

constexpr StrategyEntry kStrategies[] = {
    {"dfs", "every schedule up to --bound preemptions (exhaustive; --executions caps it)", make_dfs},
    {"pct", "probabilistic concurrency testing of bug depth --pct-depth, --executions samples", make_pct},
    {"random", "uniformly random choices, --executions samples", make_random},
};

}  // namespace

std::string_view reduction_name(Reduction r) {
  switch (r) {
    case Reduction::None: return "none";
    case Reduction::Sleep: return "sleep";
    case Reduction::Dpor: return "dpor";
  }
  return "?";
}

constexpr Reduction kReductions[] = {Reduction::None, Reduction::Sleep, Reduction::Dpor};

std::optional<Reduction> reduction_by_name(std::string_view name) {
  for (Reduction r : kReductions)
    if (reduction_name(r) == name) return r;
  return std::nullopt;
}

std::vector<std::string> reduction_names() {
  std::vector<std::string> out;
  for (Reduction r : kReductions) out.emplace_back(reduction_name(r));
  return out;
}

std::span<const StrategyEntry> strategy_table() { return kStrategies; }

const StrategyEntry* find_strategy(std::string_view name) {
  for (const StrategyEntry& e : kStrategies)
    if (e.name == name) return &e;
  return nullptr;
}

std::string strategy_names() {
  std::string out;
  for (const StrategyEntry& e : kStrategies) out += fmt::format("{}{}", out.empty() ? "" : ", ", e.name);
  return out;
}

std::string strategy_help() {
  std::string out;
  for (const StrategyEntry& e : kStrategies) out += fmt::format("{}{}: {}", out.empty() ? "" : "; ", e.name, e.help);
  return out;
}

}  // namespace ctxcheck::harness
