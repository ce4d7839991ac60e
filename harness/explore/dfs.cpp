#include "harness/explore/dfs.h"

#include <algorithm>

namespace ctxcheck::harness {

DfsStrategy::DfsStrategy(DfsOptions o, SearchStats& stats) : opts_(o), stats_(stats) {
  stats_.exhaustive = true;
  // A state reached again with another sleep set has other schedules left to run: the
  // two prunings do not compose, so state caching runs the plain search.
  if (opts_.state_caching) opts_.reduction = Reduction::None;
}

rt::ExecutionNeeds DfsStrategy::begin_execution() {
  ++stats_.executions;
  pos_ = 0;
  budget_ = opts_.preemption_bound;
  path_.resize(replay_);
  if (opts_.reduction == Reduction::Dpor) {
    sources_.begin_execution();
    first_new_ = replay_ == 0 ? 0 : static_cast<uint32_t>(replay_ - 1);  // the decision bumped last
  }
  return {.state_hash = opts_.state_caching, .footprints = reducing()};
}

bool DfsStrategy::asleep(const Node& n, uint32_t option) {
  uint32_t go = n.options[option];
  auto named = [go](const Sleeper& s) { return s.go == go; };
  return std::any_of(n.sleep.begin(), n.sleep.end(), named) ||
         std::any_of(n.explored.begin(), n.explored.end(), named);
}

uint32_t DfsStrategy::next_option(const Node& n, uint32_t from, bool any) const {
  bool sleeps = reducing() && n.kind == rt::ChoiceKind::Schedule;
  bool wanted_only = dpor(n) && !any;
  for (uint32_t i = from; i < n.n; ++i)
    if (cost(n, i) <= n.budget && !(sleeps && asleep(n, i)) && !(wanted_only && n.backtrack[i] != kWanted)) return i;
  return n.n;
}

bool DfsStrategy::backtrack_at(Node& n, std::span<const uint32_t> initials) const {
  uint32_t pick = n.n;
  for (uint32_t i = 0; i < n.n; ++i) {
    if (std::find(initials.begin(), initials.end(), n.options[i]) == initials.end()) continue;
    if (n.backtrack[i] != kOut || asleep(n, i)) return true;
    if (pick == n.n || cost(n, i) < cost(n, pick)) pick = i;
  }
  if (pick == n.n) return false;
  n.backtrack[pick] = kWanted;
  return true;
}

void DfsStrategy::add_backtrack(const SourceSets::Request& r) {
  backtrack_at(path_[r.node], r.initials);
  // The bound (see the header): also at the latest earlier switch where one can run.
  for (uint32_t k = r.node; k-- > 0;) {
    Node& n = path_[k];
    bool switched = n.kind == rt::ChoiceKind::Schedule && (!n.preemptive || n.chosen != 0);
    if (switched && backtrack_at(n, r.initials)) return;
  }
}

bool DfsStrategy::next_execution() {
  if (opts_.max_executions != 0 && stats_.executions >= opts_.max_executions) return false;
  if (opts_.reduction == Reduction::Dpor)
    for (const SourceSets::Request& r : sources_.races(first_new_, opts_.dependent)) add_backtrack(r);
  // Backtrack to the deepest decision with an option left that the budget affords (and,
  // with sleep sets, that is awake; with DPOR, in the backtrack set).
  while (!path_.empty()) {
    Node& n = path_.back();
    if (reducing() && n.step_known && n.step_sleeps) n.explored.push_back({n.options[n.chosen], n.step});
    if (dpor(n)) n.backtrack[n.chosen] = kDone;
    uint32_t next = next_option(n, dpor(n) ? 0 : n.chosen + 1);
    if (next < n.n) {
      n.chosen = next;
      n.step.clear();
      n.step_known = n.step_sleeps = false;
      replay_ = path_.size();
      return true;
    }
    path_.pop_back();
  }
  stats_.exhausted = true;
  return false;
}

void DfsStrategy::close_step(const rt::ChoicePoint& next) {
  Node& last = path_.back();
  last.step.assign(next.footprint.begin(), next.footprint.end());
  last.step_known = true;
  // Running this option first must cost no extra preemption (see the header), and its
  // step must be one transition (no decision inside it).
  bool one_transition = last.kind == rt::ChoiceKind::Schedule && next.kind == rt::ChoiceKind::Schedule;
  bool free_first = (last.preemptive && last.chosen == 0) || !next.preemptive;
  last.step_sleeps = one_transition && free_first;
}

std::vector<DfsStrategy::Sleeper> DfsStrategy::inherited_sleep() const {
  const Node& last = path_.back();
  std::vector<Sleeper> out;
  auto keep = [&](const Sleeper& s) {
    if (!opts_.dependent(s.footprint, last.step)) out.push_back(s);
  };
  std::for_each(last.sleep.begin(), last.sleep.end(), keep);
  std::for_each(last.explored.begin(), last.explored.end(), keep);
  return out;
}

uint32_t DfsStrategy::choose(const rt::ChoicePoint& p) {
  if (opts_.reduction != Reduction::Dpor) return decide(p);
  sources_.touched(p.footprint, /*decision=*/true);
  uint32_t c = decide(p);
  if (c == rt::kPrune) return c;
  // invariant: the decision just taken is path_[pos_ - 1]
  if (p.kind == rt::ChoiceKind::Schedule) sources_.next_event(p.options[c], static_cast<uint32_t>(pos_ - 1), p.options);
  else sources_.contains_decision();
  return c;
}

void DfsStrategy::pass(const rt::ChoicePoint& p) {
  if (opts_.reduction != Reduction::Dpor) return;
  sources_.touched(p.footprint, /*decision=*/false);
  sources_.next_event(p.options.empty() ? UINT32_MAX : p.options[0], SourceSets::kNoNode, p.options);
}

uint32_t DfsStrategy::decide(const rt::ChoicePoint& p) {
  uint32_t n = static_cast<uint32_t>(p.options.size());
  if (pos_ < replay_) {
    Node& node = path_[pos_++];
    if (node.kind != p.kind || node.n != n || node.preemptive != p.preemptive) {
      // The same prefix must lead to the same decisions: anything else is a determinism
      // bug in the model or harness. Count it, and explore from here as a new path.
      ++stats_.nondeterminism;
      path_.resize(pos_ - 1);
      replay_ = pos_ - 1;
      return decide(p);
    }
    budget_ -= cost(node, node.chosen);
    return node.chosen;
  }
  if (opts_.state_caching && p.preemptive && p.state_hash && seen_before(p.state_hash())) {
    ++stats_.pruned;
    return rt::kPrune;
  }
  Node node{p.kind, n, 0, p.preemptive, budget_, {}, {}, {}, {}, false, false, {}};
  if (reducing()) {
    if (!path_.empty()) {
      close_step(p);
      node.sleep = inherited_sleep();
    }
    if (p.kind == rt::ChoiceKind::Schedule) node.options.assign(p.options.begin(), p.options.end());
    node.chosen = next_option(node, 0, /*any=*/true);
    if (dpor(node)) {
      node.backtrack.assign(n, kOut);
      if (node.chosen < n) node.backtrack[node.chosen] = kWanted;
    }
    if (node.chosen == n) {  // every way on is asleep, or unaffordable: explored already
      ++stats_.pruned;
      return rt::kPrune;
    }
  }
  budget_ -= cost(node, node.chosen);
  path_.push_back(std::move(node));
  ++pos_;
  return path_.back().chosen;
}

bool DfsStrategy::seen_before(uint64_t state) {
  auto [it, fresh] = seen_.try_emplace(state, budget_);
  if (!fresh && it->second >= budget_) return true;
  if (fresh) ++stats_.distinct_states;
  else it->second = budget_;
  return false;
}

}  // namespace ctxcheck::harness
