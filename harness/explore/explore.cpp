#include "harness/explore/explore.h"

#include <memory>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/report/text.h"

namespace ctxcheck::harness {

ExploreCounts& ExploreCounts::operator+=(const ExploreCounts& o) {
  programs += o.programs;
  executions += o.executions;
  distinct_states += o.distinct_states;
  pruned += o.pruned;
  violations += o.violations;
  findings += o.findings;
  incomplete += o.incomplete;
  nondeterminism += o.nondeterminism;
  for (const auto& [id, n] : o.by_id) by_id[id] += n;
  generated.merge(o.generated);
  return *this;
}

ExploreCounts explore_program(const Program& p, const ExploreOptions& o,
                              const std::function<bool(const Failure&)>& on_failure, bool* stopped) {
  const StrategyEntry* entry = find_strategy(o.strategy);
  if (entry == nullptr)
    throw std::invalid_argument(fmt::format("unknown strategy \"{}\" ({})", o.strategy, strategy_names()));
  SearchStats search;
  std::unique_ptr<rt::ChoiceSource> strategy = entry->make(o, search);
  return explore_program_with(p, *strategy, search, o, on_failure, stopped);
}

ExploreCounts explore_program_with(const Program& p, rt::ChoiceSource& strategy, const SearchStats& search,
                                   const ExploreOptions& o, const std::function<bool(const Failure&)>& on_failure,
                                   bool* stopped) {
  ExploreCounts c;
  c.programs = 1;
  c.generated.add(p);
  if (stopped) *stopped = false;
  do {
    ExecResult r = execute(p, strategy, o.exec);
    ++c.executions;
    c.generated.add(r.decisions);
    if (r.verdict != Verdict::Pass)
      for (const Expect& e : r.verdicts()) ++c.by_id[std::string(e.id())];
    if (r.verdict == Verdict::Finding) ++c.findings;
    if (r.verdict != Verdict::Violation) continue;
    ++c.violations;
    Failure f{annotate(p, r, ""), std::move(r)};
    f.program.notes.clear();
    bool go_on = on_failure(f);
    if (!go_on && stopped) *stopped = true;
    if (!go_on || o.stop_at_failure) break;
  } while (strategy.next_execution());
  c.distinct_states = search.distinct_states;
  c.pruned = search.pruned;
  c.nondeterminism = search.nondeterminism;
  c.incomplete = search.exhaustive && !search.exhausted && c.violations == 0 ? 1 : 0;
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
