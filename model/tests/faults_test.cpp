// Every fault in the catalog changes observable behaviour (no fault is dead code): each
// test runs one scenario on the faithful model and with the fault, and compares.
#include <gtest/gtest.h>

#include "model/tests/context_scenario.h"

namespace ctxcheck::model {
namespace {

using namespace testing;

// Runs `body` under seeds 0..n-1 with `faults`; returns how many executions `body`
// reported as divergent (returned true).
int count_divergent(FaultSet faults, const std::function<bool(Package&)>& body, int n = 100) {
  int hits = 0;
  for (int s = 0; s < n; ++s) {
    rt::PrngChoices src(static_cast<uint64_t>(s));
    rt::Runtime runtime(src);
    bool hit = false;
    std::optional<Package> pkg;  // outlives every goroutine: destroyed after run()
    runtime.run([&] {
      pkg.emplace(faults);
      hit = body(*pkg);
      rt::Runtime::current().settle();
    });
    pkg.reset();
    hits += hit ? 1 : 0;
  }
  return hits;
}

void expect_divergence(Fault f, const std::function<bool(Package&)>& body, bool always = true) {
  EXPECT_EQ(count_divergent({}, body), 0) << "faithful model diverged: " << name_of(f);
  int hits = count_divergent(FaultSet::of(f), body);
  if (always)
    EXPECT_EQ(hits, 100) << name_of(f);
  else
    EXPECT_GT(hits, 0) << name_of(f) << " never showed under 100 schedules";
}

TEST(Faults, CatalogNamesRoundTrip) {
  for (Fault f : all_faults()) EXPECT_EQ(fault_by_name(name_of(f)), f);
  std::string err;
  EXPECT_FALSE(FaultSet::parse("skip-removal,nope", &err));
  EXPECT_EQ(err, "nope");
  auto s = FaultSet::parse("skip-removal, early-return");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->to_string(), "skip-removal,early-return");
  EXPECT_TRUE(FaultSet::parse("")->empty());
}

TEST(Faults, SkipRemoval) {
  expect_divergence(Fault::SkipRemoval, [](Package& pkg) {
    auto parent = pkg.WithCancel(pkg.Background());
    auto child = pkg.WithCancel(parent.ctx);
    child.cancel(kNilError);
    return children_of(parent.ctx) != 0;
  });
}

TEST(Faults, EarlyReturn) {
  expect_divergence(Fault::EarlyReturn, [](Package& pkg) {
    // A leaf whose Done was never called: its cancel returns before removeChild, so the
    // canceled child stays in its parent's map.
    auto parent = pkg.WithCancel(pkg.Background());
    auto child = pkg.WithCancel(parent.ctx);
    child.cancel(kNilError);
    return children_of(parent.ctx) != 0;
  });
}

TEST(Faults, ChildrenNotCanceled) {
  expect_divergence(Fault::ChildrenNotCanceled, [](Package& pkg) {
    auto parent = pkg.WithCancel(pkg.Background());
    parent.ctx->Done();
    auto child = pkg.WithCancel(parent.ctx);
    parent.cancel(kNilError);
    return child.ctx->Err() == kNilError;
  });
}

TEST(Faults, RegisterIntoCanceled) {
  expect_divergence(
      Fault::RegisterIntoCanceled,
      [](Package& pkg) {
        auto parent = pkg.WithCancel(pkg.Background());
        parent.ctx->Done();
        rt::Runtime::current().go(rt::GoKind::Program, "canceler",
                                  [c = parent.cancel] { c(kNilError); });
        auto child = pkg.WithCancel(parent.ctx);
        rt::Runtime::current().settle();
        return parent.ctx->Err() != kNilError && child.ctx->Err() == kNilError;
      },
      /*always=*/false);
}

TEST(Faults, WrongRemovalIdentity) {
  expect_divergence(Fault::WrongRemovalIdentity, [](Package& pkg) {
    auto parent = pkg.WithCancel(pkg.Background());
    auto child = pkg.WithTimeout(parent.ctx, kVeryLong);
    child.cancel(kNilError);
    return children_of(parent.ctx) != 0;
  });
}

TEST(Faults, TimerNotStopped) {
  expect_divergence(Fault::TimerNotStopped, [](Package& pkg) {
    auto c = pkg.WithTimeout(pkg.Background(), kVeryLong);
    c.cancel(kNilError);
    return rt::Runtime::current().timer_pending(static_cast<TimerCtx*>(c.ctx)->timer());
  });
}

TEST(Faults, AfterFuncTwice) {
  expect_divergence(Fault::AfterFuncTwice, [](Package& pkg) {
    auto c = pkg.WithCancel(pkg.Background());
    auto af = pkg.AfterFunc(c.ctx, [] {});
    c.cancel(kNilError);
    af.stop();
    rt::Runtime::current().settle();
    return af.ctx->runs() != 1;
  });
}

TEST(Faults, StopWrongValue) {
  expect_divergence(Fault::StopWrongValue, [](Package& pkg) {
    auto c = pkg.WithCancel(pkg.Background());
    auto af = pkg.AfterFunc(c.ctx, [] {});
    return !af.stop();  // nothing ran yet: stop must report true
  });
}

TEST(Faults, WatcherNeverExits) {
  expect_divergence(Fault::WatcherNeverExits, [](Package& pkg) {
    auto c = pkg.WithCancel(pkg.Foreign(Kind::OwnDone, pkg.Background()).ctx);
    c.cancel(kNilError);
    rt::Runtime::current().settle();
    return pkg.live_watchers() != 0;
  });
}

TEST(Faults, ErrDoneSwapped) {
  expect_divergence(
      Fault::ErrDoneSwapped,
      [](Package& pkg) {
        auto c = pkg.WithCancel(pkg.Background());
        rt::Chan* done = c.ctx->Done();
        auto saw_nil = std::make_shared<bool>(false);
        rt::Runtime::current().go(rt::GoKind::Program, "reader", [done, ctx = c.ctx, saw_nil] {
          done->recv();
          *saw_nil = ctx->Err() == kNilError;
        });
        c.cancel(kNilError);
        rt::Runtime::current().settle();
        return *saw_nil;
      },
      /*always=*/false);
}

TEST(Faults, ValueOuterWins) {
  expect_divergence(Fault::ValueOuterWins, [](Package& pkg) {
    Context* outer = pkg.WithValue(pkg.Background(), Key{1, 1}, 10);
    Context* inner = pkg.WithValue(outer, Key{1, 1}, 20);
    return inner->Value(Key{1, 1}).value != 20;
  });
}

TEST(Faults, ReparentCycle) {
  expect_divergence(Fault::ReparentCycle, [](Package& pkg) {
    auto a = pkg.WithCancel(pkg.Background());
    auto b = pkg.WithCancel(a.ctx);
    auto c = pkg.WithCancel(b.ctx);
    auto d = pkg.WithCancel(c.ctx);
    // Does d's parent chain still reach a root?
    Context* cur = d.ctx;
    for (size_t i = 0; i <= pkg.contexts().size(); ++i) {
      if (cur == nullptr) return false;
      cur = cur->parent();
    }
    return true;  // still walking: a cycle
  });
}

}  // namespace
}  // namespace ctxcheck::model
