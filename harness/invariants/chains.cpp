#include "harness/invariants/chains.h"

namespace ctxcheck::harness {

namespace {

int64_t parent_in_view(const ModelView& v, size_t x) {
  int64_t p = v.contexts[x].parent;
  return p >= 0 && static_cast<size_t>(p) < v.contexts.size() ? p : -1;
}

}  // namespace

int64_t lowest_on_cycle(const ModelView& v, ChainScratch& s) {
  // Contexts are created after their parents, so without an unsafe reparent every parent
  // link points to a lower id and no chain can close: one read-only pass says so.
  bool links_point_down = true;
  for (size_t x = 0; x < v.contexts.size() && links_point_down; ++x)
    links_point_down = parent_in_view(v, x) < static_cast<int64_t>(x);
  if (links_point_down) return -1;
  constexpr int64_t kNew = 0, kOnPath = 1, kDone = 2;
  s.memo.assign(v.contexts.size(), kNew);
  int64_t lowest = -1;
  for (size_t x = 0; x < v.contexts.size(); ++x) {
    s.path.clear();
    int64_t cur = static_cast<int64_t>(x);
    while (cur >= 0 && s.memo[static_cast<size_t>(cur)] == kNew) {
      s.memo[static_cast<size_t>(cur)] = kOnPath;
      s.path.push_back(static_cast<uint32_t>(cur));
      cur = parent_in_view(v, static_cast<size_t>(cur));
    }
    if (cur >= 0 && s.memo[static_cast<size_t>(cur)] == kOnPath) {  // this walk closed a cycle at cur
      int64_t y = cur;
      do {
        if (lowest < 0 || y < lowest) lowest = y;
        y = parent_in_view(v, static_cast<size_t>(y));
      } while (y != cur);
    }
    for (uint32_t p : s.path) s.memo[p] = kDone;
  }
  return lowest;
}

void number_forest(const ModelView& v, ChainScratch& s) {
  const size_t n = v.contexts.size();
  // The children of each context by parent link, as one array (counting sort).
  s.kids_start.assign(n + 1, 0);
  for (size_t x = 0; x < n; ++x)
    if (int64_t p = parent_in_view(v, x); p >= 0) ++s.kids_start[static_cast<size_t>(p) + 1];
  for (size_t i = 0; i < n; ++i) s.kids_start[i + 1] += s.kids_start[i];
  s.kids.resize(n);
  s.next.assign(s.kids_start.begin(), s.kids_start.end() - 1);  // next free slot per parent
  for (size_t x = 0; x < n; ++x)
    if (int64_t p = parent_in_view(v, x); p >= 0) s.kids[s.next[static_cast<size_t>(p)]++] = static_cast<uint32_t>(x);
  // Depth-first from every root; pre/post numbers make ancestry an interval test.
  s.pre.assign(n, 0);
  s.post.assign(n, 0);
  std::vector<uint32_t>& next = s.next;  // the next child to visit, per context
  next.assign(s.kids_start.begin(), s.kids_start.end() - 1);
  uint32_t t = 0;
  for (size_t r = 0; r < n; ++r) {
    if (parent_in_view(v, r) >= 0) continue;
    s.path.assign(1, static_cast<uint32_t>(r));
    s.pre[r] = t++;
    while (!s.path.empty()) {
      uint32_t u = s.path.back();
      if (next[u] < s.kids_start[u + 1]) {
        uint32_t c = s.kids[next[u]++];
        s.pre[c] = t++;
        s.path.push_back(c);
      } else {
        s.post[u] = t++;
        s.path.pop_back();
      }
    }
  }
}

DeepestChain deepest_chain(const ModelView& v, ChainScratch& s) {
  DeepestChain out;
  // Depth by walking up to the first context whose depth is known (each link once).
  constexpr int64_t kUnknown = -1;
  s.memo.assign(v.contexts.size(), kUnknown);
  for (size_t x = 0; x < v.contexts.size(); ++x) {
    s.path.clear();
    int64_t cur = static_cast<int64_t>(x), d = -1;
    while (cur >= 0 && (d = s.memo[static_cast<size_t>(cur)]) == kUnknown && s.path.size() <= v.contexts.size()) {
      s.path.push_back(static_cast<uint32_t>(cur));
      cur = parent_in_view(v, static_cast<size_t>(cur));
    }
    for (auto it = s.path.rbegin(); it != s.path.rend(); ++it) s.memo[*it] = ++d;
    if (s.memo[x] > static_cast<int64_t>(out.depth)) out = {static_cast<uint32_t>(x), static_cast<uint32_t>(s.memo[x])};
  }
  return out;
}

bool strict_ancestor(const ChainScratch& s, int64_t anc, int64_t x) {
  const auto n = static_cast<int64_t>(s.pre.size());
  if (anc < 0 || x < 0 || anc >= n || x >= n || anc == x) return false;
  auto a = static_cast<size_t>(anc), b = static_cast<size_t>(x);
  return s.pre[a] < s.pre[b] && s.post[b] < s.post[a];
}

}  // namespace ctxcheck::harness
