// The checks that follow parent chains (acyclic, residue, propagation at quiescence) answer
// in one memoised pass (harness/invariants/chains.h). They must say exactly what the
// per-context bounded walks they replaced said, on any view: those walks are kept here as
// the reference, and both run on random views with cycles, transparent runs, contexts that
// stop cancellation, and children maps that disagree with the parent links.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/invariants/checks.h"
#include "harness/program/text.h"
#include "model/runtime/prng.h"

namespace ctxcheck::harness {
namespace {

// ---- The reference: each context's chain walked on its own, bounded by the view's size.

int64_t ref_nearest_cancelable_ancestor(const ModelView& v, uint32_t id) {
  const CtxView* n = v.get(id);
  int64_t cur = n ? n->parent : -1;
  for (size_t i = 0; i <= v.contexts.size() && cur >= 0; ++i) {
    const CtxView* p = v.get(cur);
    if (!p) return -1;
    if (!p->transparent) return cur;
    cur = p->parent;
  }
  return -1;
}

bool ref_is_ancestor(const ModelView& v, int64_t anc, uint32_t id) {
  const CtxView* n = v.get(id);
  int64_t cur = n ? n->parent : -1;
  for (size_t i = 0; i <= v.contexts.size() && cur >= 0; ++i) {
    if (cur == anc) return true;
    const CtxView* p = v.get(cur);
    cur = p ? p->parent : -1;
  }
  return false;
}

// What the reference says: the first (owner, child) pair, the cycle's lowest id...
struct Answer {
  int64_t a = -1, b = -1;
  bool operator==(const Answer&) const = default;
};

Answer ref_wrong_owner(const ModelView& v) {
  for (const CtxView& c : v.contexts)
    for (uint32_t e : c.children)
      if (c.family == CtxFamily::Cancel && v.get(e) && ref_nearest_cancelable_ancestor(v, e) != static_cast<int64_t>(c.id))
        return {c.id, e};
  return {};
}

int64_t ref_first_on_cycle(const ModelView& v) {
  for (const CtxView& c : v.contexts) {
    int64_t cur = c.parent;
    for (size_t i = 0; i <= v.contexts.size() && cur >= 0 && cur != static_cast<int64_t>(c.id); ++i) {
      const CtxView* p = v.get(cur);
      cur = p ? p->parent : -1;
    }
    if (cur == static_cast<int64_t>(c.id)) return c.id;
  }
  return -1;
}

Answer ref_registration_outside_chain(const ModelView& v) {
  for (const CtxView& c : v.contexts)
    for (uint32_t e : c.children)
      if (!ref_is_ancestor(v, c.id, e)) return {c.id, e};
  return {};
}

Answer ref_uncanceled_below_canceled(const ModelView& v) {
  for (const CtxView& d : v.contexts) {
    if (d.family != CtxFamily::Cancel || d.err != kNil) continue;
    const CtxView* n = &d;
    for (size_t i = 0; i <= v.contexts.size(); ++i) {
      if (!n->passes_cancel) break;
      const CtxView* p = v.get(n->parent);
      if (!p) break;
      if (p->err != kNil) return {d.id, p->id};
      n = p;
    }
  }
  return {};
}

// ---- Random views: mostly trees (parent id below the child's), some reparented links
// (cycles), children maps that mostly follow the links.

ModelView random_view(uint64_t seed) {
  uint64_t s = seed;
  ModelView v;
  const uint32_t n = 1 + rt::uniform(s, 12);
  for (uint32_t i = 0; i < n; ++i) {
    CtxView c;
    c.id = i;
    c.kind = "cancelCtx";
    c.family = rt::uniform(s, 4) == 0 ? CtxFamily::Value : CtxFamily::Cancel;
    c.transparent = c.family == CtxFamily::Value;
    c.passes_cancel = rt::uniform(s, 6) != 0;
    c.err = rt::uniform(s, 4) == 0 ? kCanceled : kNil;
    c.parent = i == 0 || rt::uniform(s, 8) == 0 ? -1 : rt::uniform(s, i);
    if (rt::uniform(s, 6) == 0) c.parent = rt::uniform(s, n + 2);  // anywhere, even past the end
    v.contexts.push_back(c);
  }
  for (uint32_t i = 0; i < n; ++i) {
    int64_t owner = ref_nearest_cancelable_ancestor(v, i);
    if (owner >= 0 && rt::uniform(s, 2) == 0) v.contexts[static_cast<size_t>(owner)].children.push_back(i);
    if (rt::uniform(s, 10) == 0) v.contexts[rt::uniform(s, n)].children.push_back(rt::uniform(s, n + 1));
  }
  return v;
}

std::string describe(const ModelView& v) {
  std::string out;
  for (const CtxView& c : v.contexts)
    out += fmt::format("{}: parent {} {}{}{} children [{}]\n", c.id, c.parent, c.transparent ? "T" : "-",
                       c.passes_cancel ? "P" : "-", c.err != kNil ? "X" : "-", fmt::join(c.children, " "));
  return out;
}

Answer pair_of(const std::optional<Violation>& r) {
  if (!r) return {};
  return {r->involved.at(0), r->involved.at(1)};
}

TEST(InvariantChains, MemoisedChecksAgreeWithPerContextWalks) {
  ChainScratch scratch;  // reused across views, as the checker reuses it across steps
  int cycles = 0, outside = 0, wrong_owner = 0, unpropagated = 0;
  for (uint64_t seed = 1; seed <= 20000; ++seed) {
    ModelView v = random_view(seed);
    SCOPED_TRACE(describe(v));
    int64_t cycle = ref_first_on_cycle(v);
    std::optional<Violation> acyclic = check_acyclic(v, scratch);
    ASSERT_EQ(acyclic.has_value(), cycle >= 0 || ref_registration_outside_chain(v) != Answer{});
    if (cycle >= 0) {
      ++cycles;
      ASSERT_EQ(acyclic->involved.at(0), cycle);
    } else if (acyclic) {
      ++outside;
      ASSERT_EQ(pair_of(acyclic), ref_registration_outside_chain(v));
    }
    // Residue without its other two rules (no context canceled with children, none removed).
    ModelView owners_only = v;
    for (CtxView& c : owners_only.contexts) c.err = kNil;
    Answer want = ref_wrong_owner(owners_only);
    wrong_owner += want != Answer{};
    ASSERT_EQ(pair_of(check_residue(owners_only, scratch)), want);
    want = ref_uncanceled_below_canceled(v);
    unpropagated += want != Answer{};
    ASSERT_EQ(pair_of(check_propagation_quiescent(v, scratch)), want);
  }
  // The random views reach every branch often.
  EXPECT_GT(cycles, 500);
  EXPECT_GT(outside, 500);
  EXPECT_GT(wrong_owner, 500);
  EXPECT_GT(unpropagated, 500);
}

// A 20,000-deep chain: every context is checked without walking 20,000 chains.
TEST(InvariantChains, DeepChainIsCheckedInOnePass) {
  ModelView v;
  const uint32_t n = 20000;
  for (uint32_t i = 0; i < n; ++i) {
    CtxView c;
    c.id = i;
    c.kind = "cancelCtx";
    c.family = CtxFamily::Cancel;
    c.transparent = i % 3 == 1;  // runs of values between the cancelCtxs
    c.parent = static_cast<int64_t>(i) - 1;
    v.contexts.push_back(c);
  }
  for (uint32_t i = 1; i < n; ++i) {
    int64_t owner = ref_nearest_cancelable_ancestor(v, i);
    if (owner >= 0) v.contexts[static_cast<size_t>(owner)].children.push_back(i);
  }
  EXPECT_FALSE(check_acyclic(v));
  EXPECT_FALSE(check_residue(v));
  v.contexts[0].parent = n - 1;  // closes one cycle through all of them
  auto r = check_acyclic(v);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->involved.size(), n);
  EXPECT_EQ(r->involved.front(), 0u);
}

// A faithful program whose tree is deeper than the model's goroutines can follow is the
// model's limit (ModelLimit), not a `termination` violation; a cycle that trips the same
// depth guard (acyclic off) still is one.
Program chain_program(uint32_t n, const std::string& tail) {
  std::string text = "ctxcheck-trace 1\ngo 0:\n  h1 = background\n";
  for (uint32_t h = 2; h <= n; ++h) text += fmt::format("  h{} = with_cancel h{}\n", h, h - 1);
  return parse_program(text + tail);
}

TEST(InvariantChains, ChainDeeperThanTheModelIsItsLimitNotAViolation) {
  rt::PrngChoices c(1);
  ExecResult shallow = execute(chain_program(500, "  cancel h2\n"), c, ExecOptions{});
  EXPECT_FALSE(shallow.violation) << shallow.violation->message;
  try {
    execute(chain_program(700, "  cancel h2\n"), c, ExecOptions{});
    FAIL() << "a 700-deep cancel ran to a verdict";
  } catch (const ModelLimit& e) {
    EXPECT_NE(std::string(e.what()).find("model limit: context chain deeper than 600"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("go 0, op 701 (cancel h2)"), std::string::npos) << e.what();
  }
}

TEST(InvariantChains, CycleThroughTheDepthGuardStaysATerminationViolation) {
  Program p = parse_program(
      "ctxcheck-trace 1\nunsafe: on\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n"
      "  h3 = with_cancel h2\n  reparent h2 h3\n  observe value h3 keyA:1\n");
  ExecOptions o;
  o.invariants = all_invariants().reset(static_cast<size_t>(Invariant::Acyclic));
  rt::PrngChoices c(1);
  ExecResult r = execute(p, c, o);
  ASSERT_TRUE(r.violation);
  EXPECT_EQ(r.violation->id, Invariant::Termination) << r.violation->message;
  EXPECT_NE(r.violation->message.find("stack exceeds limit"), std::string::npos) << r.violation->message;
}

}  // namespace
}  // namespace ctxcheck::harness
