#include "harness/reference/collector.h"

#include <cstddef>

namespace ctxcheck::reference {

namespace {

// Marks in `seen` every live object reachable from `from` (the starting objects included;
// `from` is the search's stack and ends empty).
void reach(const HeapImage& h, std::vector<uint32_t>& from, std::vector<uint8_t>& seen) {
  while (!from.empty()) {
    uint32_t o = from.back();
    from.pop_back();
    if (o >= h.objs.size() || seen[o] || !h.objs[o].alive) continue;
    seen[o] = 1;
    for (uint32_t r : h.objs[o].refs) from.push_back(r);
  }
}

}  // namespace

GcOutcome collect(const HeapImage& h) {
  GcOutcome out;
  collect(h, out);
  return out;
}

void collect(const HeapImage& h, GcOutcome& out) {
  std::size_t n = h.objs.size();
  out.marked.assign(n, 0);
  out.queued.assign(n, 0);
  out.freed.assign(n, 0);
  out.work.assign(h.roots.begin(), h.roots.end());
  reach(h, out.work, out.marked);
  // What finalizable objects reference, not the objects themselves.
  for (const HeapObj& o : h.objs)
    if (o.alive && o.finalizer) out.work.insert(out.work.end(), o.refs.begin(), o.refs.end());
  reach(h, out.work, out.marked);
  for (std::size_t o = 0; o < n; ++o) {
    if (!h.objs[o].alive || out.marked[o]) continue;
    (h.objs[o].finalizer ? out.queued : out.freed)[o] = 1;
  }
}

}  // namespace ctxcheck::reference
