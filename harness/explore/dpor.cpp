#include "harness/explore/dpor.h"

#include <algorithm>

namespace ctxcheck::harness {

namespace {
bool runnable_in(std::span<const uint32_t> sorted, uint32_t go) {
  return std::binary_search(sorted.begin(), sorted.end(), go);
}
}  // namespace

void SourceSets::begin_execution() {
  events_.clear();
  event_of_node_.clear();
  consumed_ = 0;
  const uint32_t main_go = 0;
  events_.push_back({main_go, kNoNode, {main_go}, {}});
}

void SourceSets::touched(std::span<const rt::Access> footprint, bool decision) {
  std::vector<rt::Access>& f = events_.back().footprint;
  if (consumed_ < footprint.size()) f.insert(f.end(), footprint.begin() + static_cast<ptrdiff_t>(consumed_), footprint.end());
  consumed_ = decision ? 0 : footprint.size();
}

// The event keeps the footprint of the branch it took: each branch of the decision is
// explored, and each branch's execution has its own race analysis from this event on
// (races(first_new_node) starts at the event holding the decision bumped last).
void SourceSets::contains_decision() { event_of_node_.push_back(events_.size() - 1); }

void SourceSets::next_event(uint32_t go, uint32_t node, std::span<const uint32_t> runnable) {
  std::vector<rt::Access>& f = events_.back().footprint;
  // Deduplicated, so that comparing two footprints costs their distinct objects only.
  std::sort(f.begin(), f.end());
  f.erase(std::unique(f.begin(), f.end()), f.end());
  if (go == UINT32_MAX) return;
  std::vector<uint32_t> sorted(runnable.begin(), runnable.end());
  std::sort(sorted.begin(), sorted.end());
  if (node != kNoNode) event_of_node_.push_back(events_.size());
  events_.push_back({go, node, std::move(sorted), {}});
}

std::vector<SourceSets::Bits> SourceSets::happens_before(Dependent dependent) const {
  size_t n = events_.size(), words = (n + 63) / 64;
  std::vector<Bits> pred(n, Bits(words, 0));
  for (size_t j = 0; j < n; ++j) {
    const Event& e = events_[j];
    // The event in which e's goroutine last became runnable (or was created).
    size_t enabler = j;
    for (size_t i = j; i-- > 0;)
      if (!runnable_in(events_[i].runnable, e.go)) {
        enabler = i;
        break;
      }
    for (size_t i = j; i-- > 0;) {
      if (has(pred[j], i)) continue;  // already known through a later one
      const Event& d = events_[i];
      if (d.go != e.go && i != enabler && !dependent(d.footprint, e.footprint)) continue;
      pred[j][i / 64] |= uint64_t{1} << (i % 64);
      for (size_t w = 0; w < words; ++w) pred[j][w] |= pred[i][w];
    }
  }
  return pred;
}

// I(v) for v = notdep(e_i).goroutine(e_j): v is the events strictly between i and j that do
// not happen after i, then e_j; a goroutine is initial if its first event in v has no
// predecessor in v.
std::vector<uint32_t> SourceSets::initials(size_t i, size_t j, const std::vector<Bits>& pred) const {
  auto in_v = [&](size_t k) { return k == j || (k > i && k < j && !has(pred[k], i)); };
  std::vector<uint32_t> out;
  for (size_t k = i + 1; k <= j; ++k) {
    if (!in_v(k)) continue;
    bool first = true;
    for (size_t l = i + 1; l < k && first; ++l)
      if (in_v(l) && has(pred[k], l)) first = false;
    if (first && std::find(out.begin(), out.end(), events_[k].go) == out.end()) out.push_back(events_[k].go);
  }
  return out;
}

std::vector<SourceSets::Request> SourceSets::races(uint32_t first_new_node, Dependent dependent) const {
  // The event holding the first decision that differs from the previous execution's.
  size_t first_new = first_new_node < event_of_node_.size() ? event_of_node_[first_new_node] : events_.size();
  std::vector<Bits> pred = happens_before(dependent);
  std::vector<Request> out;
  for (size_t j = std::max<size_t>(first_new, 1); j < events_.size(); ++j) {
    const Event& e = events_[j];
    for (size_t i = 0; i < j; ++i) {
      const Event& d = events_[i];
      // invariant: a race is between two goroutines' dependent events with nothing between
      if (d.node == kNoNode || d.go == e.go || !has(pred[j], i) || !dependent(d.footprint, e.footprint)) continue;
      bool immediate = true;
      for (size_t k = i + 1; k < j && immediate; ++k)
        if (has(pred[j], k) && has(pred[k], i)) immediate = false;
      if (!immediate) continue;
      // e_j cannot come first if its goroutine became runnable by e_i or after it: then no
      // initial of v that could run before e_i is a way to e_j (see initials: it only
      // proposes goroutines runnable at e_i's decision, which DFS checks).
      if (!runnable_in(d.runnable, e.go)) {
        bool enabled_between = false;
        for (size_t k = j; k-- > i + 1;)
          if (!runnable_in(events_[k].runnable, e.go)) {
            enabled_between = !has(pred[k], i);
            break;
          }
        if (!enabled_between) continue;
      }
      out.push_back({d.node, initials(i, j, pred)});
    }
  }
  return out;
}

}  // namespace ctxcheck::harness
