#include "harness/reference/trees.h"

#include <algorithm>
#include <array>
#include <numeric>
#include <vector>

#include <fmt/format.h>

namespace ctxcheck::reference {

using harness::Op;
using harness::OpKind;

namespace {

using TreeSet = std::vector<uint32_t>;  // sorted tree ids (a tree's id: its smallest handle)

// The trees one op touches: at most its three handles' (sorted, no repeats), in place.
struct OpTrees {
  std::array<uint32_t, 3> ids{};
  size_t n = 0;
  const uint32_t* begin() const { return ids.data(); }
  const uint32_t* end() const { return ids.data() + n; }
};

std::string script_name(size_t s) { return s == 0 ? "main" : fmt::format("go {}", s); }

// The union-find and the tree sets, one set per thread, reused by every program on it
// (cleared, not freed): the judge asks about every execution's program.
struct Scratch {
  std::vector<uint32_t> up;        // union-find over handles
  std::vector<bool> root;          // Background, TODO: in no tree
  std::vector<TreeSet> whole;      // by script
  std::vector<uint8_t> state;      // whole: 0 not computed, 1 under way, 2 done
  TreeSet merged, after, both;     // add_all's buffer; shared_in's sets

  void reset(const harness::Program& p) {
    uint32_t handles = p.max_handle() + 1;
    up.resize(handles);
    std::iota(up.begin(), up.end(), 0u);
    root.assign(handles, false);
    if (whole.size() < p.scripts.size()) whole.resize(p.scripts.size());
    for (TreeSet& t : whole) t.clear();
    state.assign(p.scripts.size(), 0);
  }
};

class Trees {
 public:
  // `scratch` has been reset for p.
  Trees(const harness::Program& p, Scratch& scratch)
      : p_(p), up_(scratch.up), root_(scratch.root), whole_(scratch.whole), state_(scratch.state),
        merged_(scratch.merged), after_(scratch.after), both_(scratch.both) {
    for (const auto& s : p.scripts)
      for (const Op& op : s.ops)
        if (op.kind == OpKind::Background || op.kind == OpKind::Todo) root_[op.result] = true;
    for (const auto& s : p.scripts)
      for (const Op& op : s.ops) {
        unite(op.result, op.a);
        unite(op.result ? op.result : op.a, op.b);
      }
  }

  std::optional<std::string> shared() {
    for (size_t s = 0; s < p_.scripts.size(); ++s)
      if (auto why = shared_in(s)) return why;
    return std::nullopt;
  }

 private:
  uint32_t find(uint32_t h) {
    while (up_[h] != h) h = up_[h] = up_[up_[h]];
    return h;
  }
  // The smaller id stays the root: a tree's id is its smallest handle.
  void unite(uint32_t x, uint32_t y) {
    if (!x || !y || root_[x] || root_[y]) return;
    uint32_t a = find(x), b = find(y);
    if (a != b) up_[std::max(a, b)] = std::min(a, b);
  }

  OpTrees op_trees(const Op& op) {
    OpTrees t;
    for (uint32_t h : {op.result, op.a, op.b}) {
      if (!h || root_[h]) continue;
      uint32_t id = find(h);
      size_t at = 0;  // insertion into the sorted ids, skipping one already there
      while (at < t.n && t.ids[at] < id) ++at;
      if (at < t.n && t.ids[at] == id) continue;
      for (size_t k = t.n; k > at; --k) t.ids[k] = t.ids[k - 1];
      t.ids[at] = id;
      ++t.n;
    }
    return t;
  }

  // into |= more, merged through one buffer kept for the next merge (no allocation once
  // the sets have reached their size).
  template <class Sorted>
  void add_all(TreeSet& into, const Sorted& more) {
    merged_.clear();
    std::set_union(into.begin(), into.end(), more.begin(), more.end(), std::back_inserter(merged_));
    into.swap(merged_);
  }

  // Every tree script s and the goroutines it starts (transitively) touch.
  const TreeSet& whole(size_t s) {
    static const TreeSet kNone;
    if (state_[s] == 1) return kNone;  // a cycle (validated programs have none)
    if (state_[s] == 2) return whole_[s];
    state_[s] = 1;
    for (const Op& op : p_.scripts[s].ops) {
      if (op.kind == OpKind::Go && op.script > 0 && static_cast<size_t>(op.script) < p_.scripts.size())
        add_all(whole_[s], whole(static_cast<size_t>(op.script)));
      add_all(whole_[s], op_trees(op));
    }
    state_[s] = 2;
    return whole_[s];
  }

  // Walks script s backwards, with what it touches after each op (its deferred cancels
  // first: they run at its end), and checks every `go` against it.
  std::optional<std::string> shared_in(size_t s) {
    const auto& ops = p_.scripts[s].ops;
    TreeSet& after = after_;
    after.clear();
    for (const Op& op : ops)
      if (op.kind == OpKind::DeferCancel) add_all(after, op_trees(op));
    for (size_t i = ops.size(); i-- > 0;) {
      const Op& op = ops[i];
      if (op.kind == OpKind::Reparent) return fmt::format("op {} of {}: an unsafe reparent moves a context "
                                                          "between trees", i + 1, script_name(s));
      if (op.kind != OpKind::Go || op.script <= 0 || static_cast<size_t>(op.script) >= p_.scripts.size()) {
        if (op.kind != OpKind::DeferCancel) add_all(after, op_trees(op));
        continue;
      }
      const TreeSet& started = whole(static_cast<size_t>(op.script));
      TreeSet& both = both_;
      both.clear();
      std::set_intersection(started.begin(), started.end(), after.begin(), after.end(), std::back_inserter(both));
      if (!both.empty())
        return fmt::format("go {} at op {} of {}: the goroutine and what {} does after it both touch the tree of h{}",
                           op.script, i + 1, script_name(s), script_name(s), both.front());
      add_all(after, started);
    }
    return std::nullopt;
  }

  const harness::Program& p_;
  std::vector<uint32_t>& up_;
  std::vector<bool>& root_;
  std::vector<TreeSet>& whole_;
  std::vector<uint8_t>& state_;
  TreeSet &merged_, &after_, &both_;
};

}  // namespace

std::optional<std::string> shared_tree(const harness::Program& p) {
  thread_local Scratch scratch;
  scratch.reset(p);
  return Trees(p, scratch).shared();
}

}  // namespace ctxcheck::reference
