// Go's context tests (context_test.go, x_test.go, afterfunc_test.go) as scenarios, each
// named after the Go test and run under >= 100 schedules.
#include <gtest/gtest.h>

#include <set>

#include "model/tests/context_scenario.h"

namespace ctxcheck::model {
namespace {

using namespace testing;
constexpr Key kKey1{1, 1}, kKey2{2, 1}, kKey3{3, 1};

TEST(Context, CancelRemoves) {
  under_schedules([](Package& pkg) {
    Context* ctx = pkg.WithCancel(pkg.Background()).ctx;
    EXPECT_EQ(children_of(ctx), 0u);
    auto child = pkg.WithCancel(ctx);
    EXPECT_EQ(children_of(ctx), 1u);
    child.cancel(kNilError);
    EXPECT_EQ(children_of(ctx), 0u) << "after canceling WithCancel child";

    ctx = pkg.WithCancel(pkg.Background()).ctx;
    auto timer = pkg.WithTimeout(ctx, 60 * 60 * 1000 * kMs);
    EXPECT_EQ(children_of(ctx), 1u);
    timer.cancel(kNilError);
    EXPECT_EQ(children_of(ctx), 0u) << "after canceling WithTimeout child";

    ctx = pkg.WithCancel(pkg.Background()).ctx;
    auto af = pkg.AfterFunc(ctx, [] {});
    EXPECT_EQ(children_of(ctx), 1u);
    EXPECT_TRUE(af.stop());
    EXPECT_EQ(children_of(ctx), 0u) << "after stopping AfterFunc";
  });
}

TEST(Context, ParentFinishesChild) {
  under_schedules([](Package& pkg) {
    auto parent = pkg.WithCancel(pkg.Background());
    auto cancel_child = pkg.WithCancel(parent.ctx);
    Context* value_child = pkg.WithValue(parent.ctx, Key{1, 7}, 8);
    auto timer_child = pkg.WithTimeout(value_child, kVeryLong);
    auto after = pkg.AfterFunc(parent.ctx, [] {});
    EXPECT_FALSE(is_done(parent.ctx));

    // The parent's children hold the three cancelable children (the timerCtx registered
    // through the valueCtx, and the afterFuncCtx).
    EXPECT_EQ(children_of(parent.ctx), 3u);
    EXPECT_TRUE(has_child(parent.ctx, cancel_child.ctx));
    EXPECT_TRUE(has_child(parent.ctx, timer_child.ctx));
    EXPECT_TRUE(has_child(parent.ctx, after.ctx));
    auto* pc = static_cast<CancelCtx*>(parent.ctx);
    EXPECT_EQ(parent_cancel_ctx(cancel_child.ctx->parent()), pc);
    EXPECT_EQ(parent_cancel_ctx(timer_child.ctx->parent()), pc);
    EXPECT_EQ(parent_cancel_ctx(after.ctx->parent()), pc);

    parent.cancel(kNilError);
    EXPECT_EQ(children_of(parent.ctx), 0u);
    for (Context* c : {parent.ctx, cancel_child.ctx, value_child, timer_child.ctx}) {
      EXPECT_TRUE(is_done(c)) << kind_name(c->kind());
      EXPECT_EQ(c->Err(), kCanceled) << kind_name(c->kind());
    }
    // A context created from a canceled parent is canceled at once.
    auto pre = pkg.WithCancel(value_child);
    EXPECT_TRUE(is_done(pre.ctx));
    EXPECT_EQ(pre.ctx->Err(), kCanceled);
    cancel_child.cancel(kNilError);
    timer_child.cancel(kNilError);
    after.stop();
  });
}

TEST(Context, ChildFinishesFirst) {
  under_schedules([](Package& pkg) {
    auto cancelable = pkg.WithCancel(pkg.Background());
    for (Context* parent : {pkg.Background(), cancelable.ctx}) {
      bool pcok = parent == cancelable.ctx;
      auto child = pkg.WithCancel(parent);
      EXPECT_FALSE(is_done(child.ctx));
      EXPECT_EQ(parent_cancel_ctx(child.ctx->parent()) != nullptr, pcok);
      if (pcok) {
        EXPECT_EQ(children_of(parent), 1u);
        EXPECT_TRUE(has_child(parent, child.ctx));
      }
      child.cancel(kNilError);
      if (pcok) {
        EXPECT_EQ(children_of(parent), 0u);
      }
      EXPECT_TRUE(is_done(child.ctx));
      EXPECT_EQ(child.ctx->Err(), kCanceled);
      if (pcok) {
        EXPECT_FALSE(is_done(parent));
      }
      EXPECT_EQ(parent->Err(), kNilError);
    }
    cancelable.cancel(kNilError);
  });
}

TEST(Context, CustomContextGoroutines) {
  under_schedules([](Package& pkg) {
    uint32_t g = watchers_created();
    auto no_goroutine = [&] { EXPECT_EQ(watchers_created(), g) << "new goroutines created"; };
    auto created_goroutine = [&] {
      EXPECT_EQ(watchers_created(), g + 1);
      g = watchers_created();
    };
    auto c0 = pkg.WithCancel(pkg.Foreign(Kind::OwnDone, pkg.Background()).ctx);
    c0.cancel(kNilError);
    created_goroutine();
    c0 = pkg.WithTimeout(pkg.Foreign(Kind::OwnDone, pkg.Background()).ctx, kVeryLong);
    c0.cancel(kNilError);
    created_goroutine();

    auto ctx1 = pkg.WithCancel(pkg.Background());
    no_goroutine();
    Context* ctx2 = pkg.Foreign(Kind::Wrapper, ctx1.ctx).ctx;
    auto ctx3 = pkg.WithCancel(ctx2);
    no_goroutine();
    auto ctx3b = pkg.WithCancel(pkg.Foreign(Kind::OwnDone, ctx2).ctx);
    created_goroutine();  // ctx1 is not providing Done, must not be used
    auto ctx4 = pkg.WithTimeout(ctx3.ctx, kVeryLong);
    no_goroutine();
    auto ctx5 = pkg.WithCancel(ctx4.ctx);
    no_goroutine();
    ctx5.cancel(kNilError);
    no_goroutine();
    auto ctx6 = pkg.WithTimeout(ctx5.ctx, kVeryLong);
    no_goroutine();
    // Applied to a canceled context.
    ctx6.cancel(kNilError);
    ctx1.cancel(kNilError);
    auto ctx7 = pkg.WithCancel(ctx5.ctx);
    no_goroutine();
    ctx7.cancel(kNilError);
    ctx4.cancel(kNilError);
    ctx3b.cancel(kNilError);
    ctx3.cancel(kNilError);
    // Every watcher exits once its child is canceled.
    rt::Runtime::current().settle();
    EXPECT_EQ(pkg.live_watchers(), 0u);
  });
}

TEST(Context, SimultaneousCancels) {
  under_schedules(
      [](Package& pkg) {
        rt::Runtime& R = rt::Runtime::current();
        std::vector<WithCancelResult> all{pkg.WithCancel(pkg.Background())};
        for (size_t head = 0; head < all.size() && all.size() < 100; ++head)
          for (int i = 0; i < 4 && all.size() < 100; ++i) all.push_back(pkg.WithCancel(all[head].ctx));
        // Start all the cancels (goroutine start order is itself scheduled).
        auto returned = std::make_shared<int>(0);
        for (auto& c : all)
          R.go(rt::GoKind::Program, "cancel", [cancel = c.cancel, returned] {
            cancel(kNilError);
            ++*returned;
          });
        for (auto& c : all) EXPECT_TRUE(wait_done(c.ctx, 1000 * kMs)) << "ctx" << c.ctx->id();
        R.settle();
        EXPECT_EQ(*returned, 100);
        for (auto& c : all) {
          EXPECT_EQ(children_of(c.ctx), 0u);
          EXPECT_EQ(c.ctx->Err(), kCanceled);
        }
      },
      {}, 100);
}

TEST(Context, InterlockedCancels) {
  under_schedules([](Package& pkg) {
    auto parent = pkg.WithCancel(pkg.Background());
    auto child = pkg.WithCancel(parent.ctx);
    rt::Runtime::current().go(rt::GoKind::Program, "interlock",
                              [p = parent.ctx, cancel_child = child.cancel] {
                                p->Done()->recv();
                                cancel_child(kNilError);
                              });
    parent.cancel(kNilError);
    EXPECT_TRUE(wait_done(child.ctx, 1000 * kMs));
  });
}

void test_layers(Package& pkg, uint64_t seed, bool timeout) {
  rt::PrngChoices r(seed);  // the layer shape only; not a scheduling source
  std::vector<Key> vals;
  std::vector<CancelFunc> cancels;
  int timers = 0;
  Context* ctx = pkg.Background();
  for (int i = 0; i < 30 || timers == 0 || cancels.empty() || vals.empty(); ++i) {
    switch (r.next_u64() % 3) {
      case 0: {
        Key k{1, static_cast<int32_t>(vals.size() + 1)};
        ctx = pkg.WithValue(ctx, k, k.value);
        vals.push_back(k);
        break;
      }
      case 1: {
        auto c = pkg.WithCancel(ctx);
        ctx = c.ctx;
        cancels.push_back(c.cancel);
        break;
      }
      default: {
        auto c = pkg.WithTimeout(ctx, timeout ? 10 * kMs : kVeryLong);
        ctx = c.ctx;
        cancels.push_back(c.cancel);
        ++timers;
      }
    }
  }
  auto check_values = [&](const char* when) {
    for (const Key& k : vals) {
      Any v = ctx->Value(k);
      EXPECT_TRUE(v.present && v.value == k.value) << when << " seed " << seed;
    }
  };
  EXPECT_FALSE(is_done(ctx)) << "ctx should not be canceled yet, seed " << seed;
  check_values("before cancel");
  if (timeout) {
    EXPECT_TRUE(wait_done(ctx, 1000 * kMs)) << "ctx should have timed out, seed " << seed;
    check_values("after timeout");
  } else {
    cancels[r.next_u64() % cancels.size()](kNilError);
    EXPECT_TRUE(is_done(ctx)) << "ctx should be canceled, seed " << seed;
    check_values("after cancel");
  }
  for (auto& c : cancels) c(kNilError);
}

TEST(Context, LayersCancel) {
  for (uint64_t seed : {1, 2, 3}) {
    std::printf("LayersCancel seed %llu\n", static_cast<unsigned long long>(seed));
    under_schedules([seed](Package& pkg) { test_layers(pkg, seed, false); });
  }
}

TEST(Context, LayersTimeout) {
  for (uint64_t seed : {1, 2, 3}) {
    std::printf("LayersTimeout seed %llu\n", static_cast<unsigned long long>(seed));
    under_schedules([seed](Package& pkg) { test_layers(pkg, seed, true); });
  }
}

TEST(Context, WithCancelCanceledParent) {
  under_schedules([](Package& pkg) {
    constexpr Error kBecause = 7;
    auto parent = pkg.WithCancelCause(pkg.Background());
    parent.cancel(kBecause);
    auto c = pkg.WithCancel(parent.ctx);
    EXPECT_TRUE(is_done(c.ctx)) << "child not done immediately upon construction";
    EXPECT_EQ(c.ctx->Err(), kCanceled);
    EXPECT_EQ(pkg.Cause(c.ctx), kBecause);
  });
}

TEST(Context, WithCancelSimultaneouslyCanceledParent) {
  under_schedules([](Package& pkg) {
    constexpr Error kBecause = 7;
    auto parent = pkg.WithCancelCause(pkg.Background());
    rt::Runtime::current().go(rt::GoKind::Program, "pcancel",
                              [pcancel = parent.cancel] { pcancel(kBecause); });
    auto c = pkg.WithCancel(parent.ctx);
    c.ctx->Done()->recv();
    EXPECT_EQ(c.ctx->Err(), kCanceled);
    EXPECT_EQ(pkg.Cause(c.ctx), kBecause);
  });
}

TEST(Context, Cause) {
  constexpr Error kFinishedEarly = 3, kTooSlow = 4, kParentCause = 5, kChildCause = 6;
  struct Case {
    const char* name;
    std::function<Context*(Package&)> ctx;
    Error err, cause;
  };
  std::vector<Case> cases = {
      {"no cancellation", [](Package& p) { return p.WithCancel(p.Background()).ctx; }, kNilError,
       kNilError},
      {"with cancel",
       [](Package& p) {
         auto c = p.WithCancel(p.Background());
         c.cancel(kNilError);
         return c.ctx;
       },
       kCanceled, kCanceled},
      {"with cancel cause",
       [](Package& p) {
         auto c = p.WithCancelCause(p.Background());
         c.cancel(kFinishedEarly);
         return c.ctx;
       },
       kCanceled, kFinishedEarly},
      {"with cancel cause, then timeout",
       [](Package& p) {
         auto c = p.WithCancelCause(p.Background());
         c.cancel(kFinishedEarly);
         return p.WithTimeout(c.ctx, 0).ctx;
       },
       kCanceled, kFinishedEarly},
      {"with timeout", [](Package& p) { return p.WithTimeout(p.Background(), 0).ctx; },
       kDeadlineExceeded, kDeadlineExceeded},
      {"with timeout cause", [](Package& p) { return p.WithTimeoutCause(p.Background(), 0, kTooSlow).ctx; },
       kDeadlineExceeded, kTooSlow},
      {"parent cause then child cause",
       [](Package& p) {
         auto parent = p.WithCancelCause(p.Background());
         auto child = p.WithCancelCause(parent.ctx);
         parent.cancel(kParentCause);
         child.cancel(kChildCause);  // first cancel wins
         return child.ctx;
       },
       kCanceled, kParentCause},
      {"child cause then parent cause",
       [](Package& p) {
         auto parent = p.WithCancelCause(p.Background());
         auto child = p.WithCancelCause(parent.ctx);
         child.cancel(kChildCause);
         parent.cancel(kParentCause);
         return child.ctx;
       },
       kCanceled, kChildCause},
      {"timeout cause after a later deadline",
       [](Package& p) {
         auto parent = p.WithTimeoutCause(p.Background(), 10 * kMs, kParentCause);
         auto child = p.WithTimeoutCause(parent.ctx, 20 * kMs, kChildCause);  // WithCancel shortcut
         wait_done(child.ctx);
         return child.ctx;
       },
       kDeadlineExceeded, kParentCause},
      {"custom context without cause",
       [](Package& p) {
         auto f = p.Foreign(Kind::AfterFuncer, p.Background());
         f.cancel(kNilError);
         return f.ctx;
       },
       kCanceled, kCanceled},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.name);
    under_schedules([&](Package& pkg) {
      Context* c = tc.ctx(pkg);
      EXPECT_EQ(c->Err(), tc.err);
      EXPECT_EQ(pkg.Cause(c), tc.cause);
    });
  }
}

TEST(Context, AfterFuncCalledAfterCancel) {
  under_schedules([](Package& pkg) {
    auto c = pkg.WithCancel(pkg.Background());
    rt::Chan donec;
    auto af = pkg.AfterFunc(c.ctx, [&] { donec.close(); });
    c.cancel(kNilError);
    rt::Chan* cases[] = {&donec};
    EXPECT_EQ(rt::select(cases, 1000 * kMs), 0) << "AfterFunc not called after context is canceled";
    EXPECT_FALSE(af.stop()) << "stop() = true, want false";
  });
}

TEST(Context, AfterFuncCalledAfterTimeout) {
  under_schedules([](Package& pkg) {
    auto c = pkg.WithTimeout(pkg.Background(), 10 * kMs);
    rt::Chan donec;
    auto af = pkg.AfterFunc(c.ctx, [&] { donec.close(); });
    rt::Chan* cases[] = {&donec};
    EXPECT_EQ(rt::select(cases, 1000 * kMs), 0) << "AfterFunc not called after context times out";
    EXPECT_FALSE(af.stop());
    c.cancel(kNilError);
  });
}

TEST(Context, AfterFuncCalledImmediately) {
  under_schedules([](Package& pkg) {
    auto c = pkg.WithCancel(pkg.Background());
    c.cancel(kNilError);
    rt::Chan donec;
    pkg.AfterFunc(c.ctx, [&] { donec.close(); });
    rt::Chan* cases[] = {&donec};
    EXPECT_EQ(rt::select(cases, 1000 * kMs), 0) << "AfterFunc not called for already-canceled context";
  });
}

TEST(Context, AfterFuncNotCalledAfterStop) {
  under_schedules([](Package& pkg) {
    auto c = pkg.WithCancel(pkg.Background());
    rt::Chan donec;
    auto af = pkg.AfterFunc(c.ctx, [&] { donec.close(); });
    EXPECT_TRUE(af.stop()) << "stop() = false, want true";
    c.cancel(kNilError);
    rt::Chan* cases[] = {&donec};
    EXPECT_EQ(rt::select(cases, 100 * kMs), -1) << "AfterFunc called for already-stopped context";
    EXPECT_FALSE(af.stop()) << "second stop() = true, want false";
  });
}

TEST(Context, AfterFuncCalledAsynchronously) {
  under_schedules([](Package& pkg) {
    auto c = pkg.WithCancel(pkg.Background());
    c.cancel(kNilError);
    rt::Chan release, donec;
    rt::GoKind kind = rt::GoKind::Main;
    // f blocks until AfterFunc has returned: it must run in its own goroutine.
    pkg.AfterFunc(c.ctx, [&] {
      kind = rt::Runtime::current().goroutine(rt::Runtime::current().self()).kind;
      release.recv();
      donec.close();
    });
    release.close();
    rt::Chan* cases[] = {&donec};
    EXPECT_EQ(rt::select(cases, 1000 * kMs), 0);
    EXPECT_EQ(kind, rt::GoKind::AfterFunc);
  });
}

TEST(Context, WithoutCancel) {
  under_schedules([](Package& pkg) {
    constexpr Key key{1, 42};
    auto parent = pkg.WithCancel(pkg.WithValue(pkg.Background(), key, 7));
    Context* ctx = pkg.WithoutCancel(parent.ctx);
    EXPECT_FALSE(ctx->Deadline());
    EXPECT_EQ(ctx->Done(), nullptr);
    EXPECT_EQ(ctx->Err(), kNilError);
    EXPECT_EQ(ctx->Value(key).value, 7);
    parent.cancel(kNilError);
    EXPECT_EQ(ctx->Err(), kNilError) << "WithoutCancel must drop the parent's cancellation";
    EXPECT_EQ(pkg.Cause(ctx), kNilError);
    auto child = pkg.WithCancel(ctx);
    EXPECT_FALSE(is_done(child.ctx));
    EXPECT_EQ(child.ctx->Value(key).value, 7);
    child.cancel(kNilError);
  });
}

// x_test.go's afterFuncContext: a foreign Context with an AfterFunc method.
TEST(Context, CustomContextAfterFuncUnregisterCancel) {
  under_schedules([](Package& pkg) {
    auto ctx0 = pkg.Foreign(Kind::AfterFuncer, pkg.Background());
    auto* f = static_cast<ForeignCtx*>(ctx0.ctx);
    auto c1 = pkg.WithCancel(ctx0.ctx);
    EXPECT_EQ(f->registered_funcs(), 1u);
    EXPECT_TRUE(static_cast<CancelCtx*>(c1.ctx)->uses_stop_ctx());
    c1.cancel(kNilError);
    EXPECT_EQ(f->registered_funcs(), 0u);
    EXPECT_EQ(watchers_created(), 0u);
  });
}

TEST(Context, CustomContextAfterFuncUnregisterTimeout) {
  under_schedules([](Package& pkg) {
    auto ctx0 = pkg.Foreign(Kind::AfterFuncer, pkg.Background());
    auto* f = static_cast<ForeignCtx*>(ctx0.ctx);
    auto c1 = pkg.WithTimeout(ctx0.ctx, kVeryLong);
    EXPECT_EQ(f->registered_funcs(), 1u);
    c1.cancel(kNilError);
    EXPECT_EQ(f->registered_funcs(), 0u);
  });
}

TEST(Context, CustomContextAfterFuncUnregisterAfterFunc) {
  under_schedules([](Package& pkg) {
    auto ctx0 = pkg.Foreign(Kind::AfterFuncer, pkg.Background());
    auto* f = static_cast<ForeignCtx*>(ctx0.ctx);
    auto af = pkg.AfterFunc(ctx0.ctx, [] {});
    EXPECT_EQ(f->registered_funcs(), 1u);
    EXPECT_TRUE(af.stop());
    EXPECT_EQ(f->registered_funcs(), 0u);
  });
}

TEST(Context, CustomContextAfterFuncCancel) {
  under_schedules([](Package& pkg) {
    auto ctx0 = pkg.Foreign(Kind::AfterFuncer, pkg.Background());
    auto c1 = pkg.WithCancel(ctx0.ctx);
    ctx0.cancel(kNilError);
    EXPECT_TRUE(wait_done(c1.ctx, 1000 * kMs));
    EXPECT_EQ(c1.ctx->Err(), kCanceled);
    EXPECT_EQ(pkg.Cause(c1.ctx), kCanceled);
  });
}

TEST(Context, Deadline) {
  under_schedules([](Package& pkg) {
    rt::Runtime& R = rt::Runtime::current();
    Nanos start = R.now();
    auto c = pkg.WithDeadline(pkg.Background(), start + 50 * kMs);
    EXPECT_EQ(*c.ctx->Deadline(), start + 50 * kMs);
    EXPECT_TRUE(wait_done(c.ctx, 1000 * kMs));
    EXPECT_EQ(R.now(), start + 50 * kMs) << "the deadline fires at exactly its virtual instant";
    EXPECT_EQ(c.ctx->Err(), kDeadlineExceeded);

    // Through a foreign wrapper, and with a later deadline: the parent's wins.
    auto p = pkg.WithDeadline(pkg.Background(), R.now() + 50 * kMs);
    Context* o = pkg.Foreign(Kind::Wrapper, p.ctx).ctx;
    auto later = pkg.WithDeadline(o, R.now() + 500 * kMs);
    EXPECT_EQ(later.ctx->kind(), Kind::Cancel) << "WithDeadline shortcut to WithCancel";
    EXPECT_EQ(*later.ctx->Deadline(), *p.ctx->Deadline());
    EXPECT_TRUE(wait_done(later.ctx, 1000 * kMs));
    EXPECT_EQ(later.ctx->Err(), kDeadlineExceeded);

    // Already passed.
    auto past = pkg.WithDeadline(pkg.Background(), R.now() - 5 * kMs);
    EXPECT_TRUE(is_done(past.ctx));
    EXPECT_EQ(past.ctx->Err(), kDeadlineExceeded);
    c.cancel(kNilError);
    p.cancel(kNilError);
    later.cancel(kNilError);
    past.cancel(kNilError);
    EXPECT_EQ(past.ctx->Err(), kDeadlineExceeded) << "first cancel wins";
  });
}

TEST(Context, Timeout) {
  under_schedules([](Package& pkg) {
    auto c = pkg.WithTimeout(pkg.Background(), 50 * kMs);
    auto* tc = static_cast<TimerCtx*>(c.ctx);
    EXPECT_NE(tc->timer(), rt::kNoTimer);
    EXPECT_TRUE(wait_done(c.ctx, 1000 * kMs));
    EXPECT_EQ(c.ctx->Err(), kDeadlineExceeded);
    auto d = pkg.WithTimeout(pkg.Background(), kVeryLong);
    d.cancel(kNilError);
    EXPECT_EQ(static_cast<TimerCtx*>(d.ctx)->timer(), rt::kNoTimer) << "cancel stops the timer";
    EXPECT_EQ(d.ctx->Err(), kCanceled);
  });
}

TEST(Context, Values) {
  under_schedules([](Package& pkg) {
    auto check = [](Context* c, std::optional<int64_t> v1, std::optional<int64_t> v2,
                    std::optional<int64_t> v3, const char* nm) {
      for (auto [k, want] : {std::pair{kKey1, v1}, {kKey2, v2}, {kKey3, v3}}) {
        Any got = c->Value(k);
        EXPECT_EQ(got.present, want.has_value()) << nm;
        if (want && got.present) {
          EXPECT_EQ(got.value, *want) << nm;
        }
      }
    };
    Context* c0 = pkg.Background();
    check(c0, {}, {}, {}, "c0");
    Context* c1 = pkg.WithValue(c0, kKey1, 11);
    check(c1, 11, {}, {}, "c1");
    Context* c2 = pkg.WithValue(c1, kKey2, 22);
    check(c2, 11, 22, {}, "c2");
    Context* c3 = pkg.WithValue(c2, kKey3, 33);
    check(c3, 11, 22, 33, "c3");
    Context* c4 = pkg.WithValue(c3, kKey1, 44);  // the nearest binding wins
    check(c4, 44, 22, 33, "c4");
    // A key of another type with the same value is another key.
    Context* c5 = pkg.WithValue(c4, Key{9, kKey1.value}, 55);
    check(c5, 44, 22, 33, "c5");
    Context* o0 = pkg.Foreign(Kind::Wrapper, pkg.Background()).ctx;
    check(o0, {}, {}, {}, "o0");
    Context* o1 = pkg.Foreign(Kind::Wrapper, pkg.WithValue(pkg.Background(), kKey1, 11)).ctx;
    check(o1, 11, {}, {}, "o1");
  });
}

TEST(Context, WithValueChecksKey) {
  rt::PrngChoices src(0);
  rt::Runtime runtime(src);
  auto r = runtime.run([] {
    Package pkg;
    pkg.WithValue(pkg.Background(), std::nullopt, 1);
  });
  EXPECT_EQ(r.outcome, rt::Outcome::Panic);
  EXPECT_EQ(r.panic_code, kPanicNilKey);
  auto r2 = runtime.run([] {
    Package pkg;
    pkg.WithCancel(nullptr);
  });
  EXPECT_EQ(r2.panic_code, kPanicNilParent);
}

TEST(Context, BrokenCustomContextPanicsOnChildOfDoneParent) {
  // pion/transport#397's class: Done closed but Err nil makes propagateCancel's
  // already-done path cancel with a nil error, which the package rejects.
  rt::PrngChoices src(0);
  rt::Runtime runtime(src);
  auto r = runtime.run([] {
    Package pkg;
    auto base = pkg.WithCancel(pkg.Background());
    Context* broken = pkg.Foreign(Kind::BrokenErr, base.ctx).ctx;
    base.cancel(kNilError);
    pkg.WithCancel(broken);
  });
  EXPECT_EQ(r.outcome, rt::Outcome::Panic);
  EXPECT_EQ(r.panic_code, kPanicMissingCancelError);
}

TEST(Context, ChildrenMapOrderIsExplored) {
  std::set<std::vector<uint32_t>> orders;
  under_schedules([&](Package& pkg) {
    auto parent = pkg.WithCancel(pkg.Background());
    std::vector<WithCancelResult> kids;
    std::vector<uint32_t> order;
    for (int i = 0; i < 3; ++i) {
      kids.push_back(pkg.WithCancel(parent.ctx));
      Context* k = kids.back().ctx;
      pkg.AfterFunc(k, [&order, k] { order.push_back(k->id()); });
    }
    parent.cancel(kNilError);
    rt::Runtime::current().settle();
    orders.insert(order);
  });
  EXPECT_EQ(orders.size(), 6u);
}

// The newest cancelCtx.Err: an Err that loads a non-nil err receives from Done before it
// returns, so a reader running beside cancel (between its store of err and its close of
// done) never sees the error while Done is open. With Done made before the cancel (close
// of the channel) and without (the store of closedchan, where Err's Done takes the mutex).
TEST(Context, ErrNeverReturnsAnErrorBeforeDoneIsClosed) {
  int saw_error = 0;
  for (bool make_done : {true, false}) {
    under_schedules([&](Package& pkg) {
      auto c = pkg.WithCancel(pkg.Background());
      if (make_done) c.ctx->Done();
      auto* cc = static_cast<CancelCtx*>(c.ctx);
      rt::Runtime::current().go(rt::GoKind::Program, "reader", [cc, &saw_error] {
        for (int i = 0; i < 8; ++i) {
          if (cc->Err() == kNilError) continue;
          ++saw_error;
          EXPECT_TRUE(cc->done_closed()) << "Err returned an error while Done is still open";
          return;
        }
      });
      c.cancel(kNilError);
    });
  }
  EXPECT_GT(saw_error, 0) << "no schedule let the reader see the error";
}

TEST(Context, DeterministicAcrossRuns) {
  auto body = [](Package& pkg) {
    auto root = pkg.WithCancel(pkg.Background());
    auto a = pkg.WithCancel(root.ctx), b = pkg.WithTimeout(a.ctx, 5 * kMs);
    rt::Runtime& R = rt::Runtime::current();
    for (CancelFunc f : {root.cancel, a.cancel, b.cancel})
      R.go(rt::GoKind::Program, "cancel", [f] { f(kNilError); });
    wait_done(b.ctx);
  };
  auto a = under_schedules(body), b = under_schedules(body);
  EXPECT_EQ(a.hashes, b.hashes);
  std::set<uint64_t> distinct(a.hashes.begin(), a.hashes.end());
  EXPECT_GT(distinct.size(), 10u);
}

}  // namespace
}  // namespace ctxcheck::model
