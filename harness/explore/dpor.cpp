#include "harness/explore/dpor.h"

#include <algorithm>

namespace ctxcheck::harness {

namespace {
bool runnable_in(std::span<const uint32_t> sorted, uint32_t go) {
  return std::binary_search(sorted.begin(), sorted.end(), go);
}
}  // namespace

bool SourceSets::Events::same(size_t i, const Events& o) const {
  auto equal = [](auto a, auto b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); };
  return list[i].go == o.list[i].go && list[i].node == o.list[i].node && equal(runnable_of(i), o.runnable_of(i)) &&
         equal(footprint_of(i), o.footprint_of(i));
}

void SourceSets::Events::clear() {
  list.clear();
  runnable.clear();
  footprints.clear();
}

void SourceSets::begin_execution() {
  events_.clear();
  event_of_node_.clear();
  consumed_ = 0;
  const uint32_t main_go = 0;
  events_.runnable.push_back(main_go);
  events_.list.push_back({main_go, kNoNode, 0, 1, 0, 0});
}

// The running event is the last one: its footprint is the end of the pool.
void SourceSets::touched(std::span<const rt::Access> footprint, bool decision) {
  std::vector<rt::Access>& f = events_.footprints;
  if (consumed_ < footprint.size()) f.insert(f.end(), footprint.begin() + static_cast<ptrdiff_t>(consumed_), footprint.end());
  events_.list.back().footprint_end = static_cast<uint32_t>(f.size());
  consumed_ = decision ? 0 : footprint.size();
}

// The event keeps the footprint of the branch it took: each branch of the decision is
// explored, and each branch's execution has its own race analysis from this event on
// (races(first_new_node) starts at the event holding the decision bumped last).
void SourceSets::contains_decision() { event_of_node_.push_back(events_.size() - 1); }

void SourceSets::next_event(uint32_t go, uint32_t node, std::span<const uint32_t> runnable) {
  Event& last = events_.list.back();
  std::vector<rt::Access>& f = events_.footprints;
  // Deduplicated, so that comparing two footprints costs their distinct objects only.
  auto begin = f.begin() + last.footprint_begin;
  std::sort(begin, f.end());
  f.erase(std::unique(begin, f.end()), f.end());
  last.footprint_end = static_cast<uint32_t>(f.size());
  if (go == UINT32_MAX) return;
  std::vector<uint32_t>& r = events_.runnable;
  auto runnable_begin = static_cast<uint32_t>(r.size());
  r.insert(r.end(), runnable.begin(), runnable.end());
  std::sort(r.begin() + runnable_begin, r.end());
  if (node != kNoNode) event_of_node_.push_back(events_.size());
  events_.list.push_back({go, node, runnable_begin, static_cast<uint32_t>(r.size()), static_cast<uint32_t>(f.size()),
                          static_cast<uint32_t>(f.size())});
}

// pred_[j] = direct_[j] and their predecessors, where direct_[j] are found scanning down from
// j: an event not already known to happen before j that is of j's goroutine, made it
// runnable (enabler_[j]) or is dependent with it. So direct_[j] are exactly j's immediate
// predecessors: i in pred_[j] with no k in pred_[j] that i happens before.
void SourceSets::happens_before(size_t from, Dependent dependent) {
  size_t n = events_.size(), words = (n + 63) / 64;
  pred_.resize(n);
  direct_.resize(n);
  enabler_.resize(n);
  for (size_t j = 0; j < from; ++j) pred_[j].resize(words, 0);  // bits of earlier events only
  // The enablers, forward: the last event where each goroutine was not runnable.
  uint32_t goroutines = 0;
  for (size_t j = 0; j < n; ++j) {
    goroutines = std::max(goroutines, events_[j].go + 1);
    std::span<const uint32_t> runnable = events_.runnable_of(j);
    if (!runnable.empty()) goroutines = std::max(goroutines, runnable.back() + 1);
  }
  std::vector<size_t> not_runnable_at(goroutines, SIZE_MAX);
  for (size_t j = 0; j < n; ++j) {
    const Event& e = events_[j];
    if (j >= from) enabler_[j] = not_runnable_at[e.go] == SIZE_MAX ? static_cast<uint32_t>(j)
                                                                    : static_cast<uint32_t>(not_runnable_at[e.go]);
    std::span<const uint32_t> runnable = events_.runnable_of(j);
    auto r = runnable.begin();
    for (uint32_t g = 0; g < goroutines; ++g) {
      if (r != runnable.end() && *r == g) ++r;
      else not_runnable_at[g] = j;
    }
  }
  for (size_t j = from; j < n; ++j) {
    const Event& e = events_[j];
    Bits& p = pred_[j];
    p.assign(words, 0);
    direct_[j].clear();
    for (size_t i = j; i-- > 0;) {
      if (has(p, i)) continue;  // already known through a later one
      const Event& d = events_[i];
      if (d.go != e.go && i != enabler_[j] && !dependent(events_.footprint_of(i), events_.footprint_of(j))) continue;
      set(p, i);
      direct_[j].push_back(static_cast<uint32_t>(i));
      const Bits& q = pred_[i];
      for (size_t w = 0; w < q.size(); ++w) p[w] |= q[w];
    }
  }
}

// I(v) for v = notdep(e_i).goroutine(e_j): v is the events strictly between i and j that do
// not happen after i, then e_j; a goroutine is initial if its first event in v has no
// predecessor in v.
std::vector<uint32_t> SourceSets::initials(size_t i, size_t j) const {
  Bits v(pred_[j].size(), 0);
  for (size_t k = i + 1; k < j; ++k)
    if (!has(pred_[k], i)) set(v, k);
  set(v, j);
  std::vector<uint32_t> out;
  for (size_t k = i + 1; k <= j; ++k) {
    if (!has(v, k)) continue;
    const Bits& p = pred_[k];
    bool first = true;
    for (size_t w = 0; w < p.size() && first; ++w) first = (p[w] & v[w]) == 0;
    if (first && std::find(out.begin(), out.end(), events_[k].go) == out.end()) out.push_back(events_[k].go);
  }
  return out;
}

std::vector<SourceSets::Request> SourceSets::races(uint32_t first_new_node, Dependent dependent) {
  // The event holding the first decision that differs from the previous execution's.
  size_t first_new = first_new_node < event_of_node_.size() ? event_of_node_[first_new_node] : events_.size();
  // The analysis of an event depends only on it and the events before it.
  size_t same = 0;
  while (same < events_.size() && same < analysed_.size() && events_.same(same, analysed_)) ++same;
  reused_ = same;
  happens_before(same, dependent);
  analysed_ = events_;
  std::vector<Request> out;
  for (size_t j = std::max<size_t>(first_new, 1); j < events_.size(); ++j) {
    const Event& e = events_[j];
    // invariant: a race is between two goroutines' dependent events with nothing between
    for (auto it = direct_[j].rbegin(); it != direct_[j].rend(); ++it) {  // in event order
      size_t i = *it;
      const Event& d = events_[i];
      if (d.node == kNoNode || d.go == e.go || !dependent(events_.footprint_of(i), events_.footprint_of(j))) continue;
      // e_j cannot come first if its goroutine became runnable by e_i or after it: then no
      // initial of v that could run before e_i is a way to e_j (see initials: it only
      // proposes goroutines runnable at e_i's decision, which DFS checks).
      if (!runnable_in(events_.runnable_of(i), e.go)) {
        size_t enabler = enabler_[j];  // the last event before j where e's goroutine was not runnable
        bool enabled_between = enabler > i && enabler < j && !has(pred_[enabler], i);
        if (!enabled_between) continue;
      }
      out.push_back({d.node, initials(i, j)});
    }
  }
  return out;
}

}  // namespace ctxcheck::harness
