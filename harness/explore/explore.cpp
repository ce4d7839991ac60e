#include "harness/explore/explore.h"

#include <memory>

#include "harness/report/text.h"
#include "model/runtime/scheduler/dfs.h"
#include "model/runtime/scheduler/pct.h"
#include "model/runtime/scheduler/random.h"

namespace ctxcheck::harness {

const char* strategy_name(StrategyKind s) {
  switch (s) {
    case StrategyKind::Dfs: return "dfs";
    case StrategyKind::Pct: return "pct";
    case StrategyKind::Random: return "random";
  }
  return "?";
}

std::optional<StrategyKind> strategy_by_name(std::string_view s) {
  for (StrategyKind k : {StrategyKind::Dfs, StrategyKind::Pct, StrategyKind::Random})
    if (s == strategy_name(k)) return k;
  return std::nullopt;
}

ExploreCounts& ExploreCounts::operator+=(const ExploreCounts& o) {
  programs += o.programs;
  executions += o.executions;
  distinct_states += o.distinct_states;
  pruned += o.pruned;
  violations += o.violations;
  findings += o.findings;
  incomplete += o.incomplete;
  nondeterminism += o.nondeterminism;
  return *this;
}

ExploreCounts explore_program(const Program& p, const ExploreOptions& o,
                              const std::function<bool(const Failure&)>& on_failure, bool* stopped) {
  std::unique_ptr<rt::Strategy> strategy;
  rt::DfsStrategy* dfs = nullptr;
  uint64_t sample = o.executions != 0 ? o.executions : 1000;
  switch (o.strategy) {
    case StrategyKind::Dfs: {
      auto d = std::make_unique<rt::DfsStrategy>(rt::DfsOptions{o.bound, o.state_caching, o.executions});
      dfs = d.get();
      strategy = std::move(d);
      break;
    }
    case StrategyKind::Pct: strategy = std::make_unique<rt::PctStrategy>(o.seed, sample, o.pct_depth); break;
    case StrategyKind::Random: strategy = std::make_unique<rt::RandomStrategy>(o.seed, sample); break;
  }
  ExploreCounts c;
  c.programs = 1;
  if (stopped) *stopped = false;
  while (strategy->next_execution()) {
    ExecResult r = execute(p, *strategy, o.exec);
    ++c.executions;
    if (r.verdict == Verdict::Finding) ++c.findings;
    if (r.verdict != Verdict::Violation) continue;
    ++c.violations;
    Failure f{annotate(p, r, ""), std::move(r)};
    f.program.notes.clear();
    bool go_on = on_failure(f);
    if (!go_on && stopped) *stopped = true;
    if (!go_on || o.stop_at_failure) break;
  }
  if (dfs) {
    c.distinct_states = dfs->stats().distinct_states;
    c.pruned = dfs->stats().pruned;
    c.nondeterminism = dfs->stats().nondeterminism;
    c.incomplete = dfs->stats().exhausted || c.violations > 0 ? 0 : 1;
  }
  return c;
}

ExploreCounts explore_space(const SpaceOptions& space, const ExploreOptions& o,
                            const std::function<bool(const Failure&, SpacePosition)>& on_failure,
                            const std::function<bool(SpacePosition, const ExploreCounts&)>& after_program) {
  ExploreCounts total;
  uint32_t shards = space.shards == 0 ? 1 : space.shards;
  SpacePosition pos = space.start;
  if (pos.ops < space.min_ops) pos = {space.min_ops, 0};
  bool stop = false;
  for (; pos.ops <= space.max_ops && !stop; pos = {pos.ops + 1, 0}) {
    enumerate_programs(pos.ops, space.alphabet, pos.index, [&](uint64_t i, const Program& p) {
      if (i % shards != space.shard) return true;
      bool stopped = false;
      ExploreCounts c = explore_program(
          p, o, [&](const Failure& f) { return on_failure(f, SpacePosition{pos.ops, i}); }, &stopped);
      total += c;
      if (stopped) {
        stop = true;
        return false;
      }
      if (!after_program(SpacePosition{pos.ops, i + 1}, total)) {
        stop = true;
        return false;
      }
      return true;
    });
  }
  return total;
}

}  // namespace ctxcheck::harness
