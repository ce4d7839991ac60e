#include "harness/reference/collector.h"

#include <cstddef>

namespace ctxcheck::reference {

namespace {

// Marks in `seen` every live object reachable from `from` (the starting objects included).
void reach(const HeapImage& h, std::vector<uint32_t> from, std::vector<uint8_t>& seen) {
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
  std::size_t n = h.objs.size();
  GcOutcome out{std::vector<uint8_t>(n, 0), std::vector<uint8_t>(n, 0), std::vector<uint8_t>(n, 0)};
  reach(h, h.roots, out.marked);
  // What finalizable objects reference, not the objects themselves.
  std::vector<uint32_t> referenced_by_finalizable;
  for (const HeapObj& o : h.objs)
    if (o.alive && o.finalizer) referenced_by_finalizable.insert(referenced_by_finalizable.end(), o.refs.begin(), o.refs.end());
  reach(h, referenced_by_finalizable, out.marked);
  for (std::size_t o = 0; o < n; ++o) {
    if (!h.objs[o].alive || out.marked[o]) continue;
    (h.objs[o].finalizer ? out.queued : out.freed)[o] = 1;
  }
  return out;
}

}  // namespace ctxcheck::reference
