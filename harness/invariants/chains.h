// Facts about every context's parent chain, each computed in one pass over a ModelView.
//
// The per-step checks ask questions of parent chains (does it reach a root, which is the
// nearest cancelable ancestor, is c an ancestor of e). Walking each context's chain from
// scratch costs O(contexts x depth) per step, which on a 4,000-deep with_cancel chain made a
// replay take a minute. Here each chain is followed once and its answer memoised for every
// context on it, so a question about all contexts costs O(contexts) however deep the tree.
// A cycle (an unsafe reparent) ends a walk, as the bounded walks did. The buffers are
// reused between steps (the checker owns one ChainScratch), so a check does not allocate
// once they have grown; an incremental checker can keep them and refresh a dirty set.
#pragma once

#include <cstdint>
#include <vector>

#include "harness/invariants/view.h"

namespace ctxcheck::harness {

struct ChainScratch {
  std::vector<int64_t> memo;      // resolve_up's answers, by context id
  std::vector<uint32_t> path;     // the part of a chain being resolved
  std::vector<uint32_t> kids, kids_start, next;  // the forest by parent link (number_forest)
  std::vector<uint32_t> pre, post;         // DFS entry/exit numbers (number_forest)
};

// What `step(c)` says of context c: an answer (a context id, or -1 for none), or that c's
// answer is its parent's (a parent that is not a context of the view answers -1).
inline constexpr int64_t kAsParent = -2;

// For every context c, memo[c] = the first answer `step` gives along c, c's parent, its
// parent... (-1 if the walk comes back to a context it already passed: a cycle).
template <class Step>
const std::vector<int64_t>& resolve_up(const ModelView& v, ChainScratch& s, Step step) {
  constexpr int64_t kUnknown = -3, kPending = -4;
  const auto n = static_cast<int64_t>(v.contexts.size());
  s.memo.assign(v.contexts.size(), kUnknown);
  for (int64_t x = 0; x < n; ++x) {
    if (s.memo[static_cast<size_t>(x)] != kUnknown) continue;
    s.path.clear();
    int64_t cur = x, answer = -1;
    while (cur >= 0 && cur < n) {
      int64_t& m = s.memo[static_cast<size_t>(cur)];
      if (m == kPending) break;  // a cycle on which no context answers
      if (m != kUnknown) { answer = m; break; }
      m = kPending;
      s.path.push_back(static_cast<uint32_t>(cur));
      int64_t r = step(v.contexts[static_cast<size_t>(cur)]);
      if (r != kAsParent) { answer = r; break; }
      cur = v.contexts[static_cast<size_t>(cur)].parent;
    }
    for (uint32_t p : s.path) s.memo[p] = answer;
  }
  return s.memo;
}

// The lowest id of a context on a parent cycle, -1 if every chain reaches a root.
int64_t lowest_on_cycle(const ModelView& v, ChainScratch& s);

// The context farthest from its root (the first such) and how many parent links away it
// is. Only for a view without cycles.
struct DeepestChain {
  uint32_t context = 0;
  uint32_t depth = 0;
};
DeepestChain deepest_chain(const ModelView& v, ChainScratch& s);

// Numbers the forest of parent links in DFS order. Only for a view without cycles
// (lowest_on_cycle(v) < 0); then strict_ancestor answers in O(1).
void number_forest(const ModelView& v, ChainScratch& s);
// `anc` is on `x`'s parent chain (x itself excluded); false if either is not a context.
bool strict_ancestor(const ChainScratch& s, int64_t anc, int64_t x);

}  // namespace ctxcheck::harness
