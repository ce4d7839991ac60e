// Runtime tests: scheduling, determinism, deadlock classification, virtual time, reuse.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "model/runtime/runtime.h"
#include "model/runtime/sync.h"
#include "model/tests/scenarios.h"

namespace ctxcheck::rt {
namespace {

struct RunOut {
  RunResult result;
  std::vector<Decision> decisions;
  std::vector<Event> events;
  std::vector<int> order;
};

RunOut run_scenario(testing::Scenario s, ChoiceSource& src, Limits limits = {}) {
  RunOut out;
  Runtime rt(src, limits);
  out.result = rt.run([&] { s(&out.order); });
  out.decisions = rt.decisions();
  out.events = rt.trace().events();
  return out;
}

TEST(Scheduling, PingPong) {
  PrngChoices src(1);
  Runtime rt(src);
  int x = 0;
  auto r = rt.run([&] {
    Mutex m;
    Chan c;
    Runtime::current().go(GoKind::Program, "w", [&] {
      m.lock();
      ++x;
      m.unlock();
      c.close();
    });
    c.recv();
    m.lock();
    ++x;
    m.unlock();
  });
  EXPECT_EQ(r.outcome, Outcome::Ok) << r.message;
  EXPECT_EQ(x, 2);
  EXPECT_TRUE(r.blocked.empty());
}

// A go statement's captures belong to the new goroutine from the moment it exists: the
// spawn is a scheduling point, and under every schedule the new goroutine may run, exit and
// have its frame collected before the spawner continues (the watcher goroutine of
// propagateCancel used to link its parent and child to its frame after the spawn: a link
// to a freed frame, found by fuzz_programs).
TEST(Goroutines, CapturesAreLinkedBeforeTheSpawnYields) {
  static constexpr ObjType kObj{"obj", 8};
  for (uint64_t seed = 0; seed < 200; ++seed) {
    PrngChoices src(seed);
    Runtime rt(src);
    bool captured_at_start = false;
    auto r = rt.run([&] {
      Runtime& R = Runtime::current();
      ObjId a = R.heap().alloc(kObj), b = R.heap().alloc(kObj);
      R.heap().link(R.goroutine(R.self()).frame, a, "local");
      R.heap().link(R.goroutine(R.self()).frame, b, "local");
      const Edge captures[] = {{a, "parent"}, {b, "child"}};
      // a and b by value: main may return, and its stack go back to the pool, before w runs.
      GoId g = R.go(GoKind::Program, "w", [&, a, b] {
        const auto& edges = R.heap().object(R.goroutine(R.self()).frame).edges;
        captured_at_start = edges.size() == 2 && edges[0].to == a && edges[1].to == b;
      }, captures);
      R.gc();  // the new goroutine may be done and its frame garbage by now
      EXPECT_TRUE(R.heap().alive(a) && R.heap().alive(b));
      (void)g;
    });
    ASSERT_EQ(r.outcome, Outcome::Ok) << "seed " << seed << ": " << r.message;
    EXPECT_TRUE(captured_at_start) << "seed " << seed;
  }
}

TEST(Determinism, SameSeedSameTraceAcross1000Seeds) {
  for (const auto& sc : testing::kScenarios) {
    std::set<uint64_t> distinct;
    for (uint64_t seed = 0; seed < 1000; ++seed) {
      PrngChoices a(seed), b(seed);
      RunOut x = run_scenario(sc.fn, a), y = run_scenario(sc.fn, b);
      ASSERT_EQ(x.result.outcome, Outcome::Ok) << sc.name << " seed " << seed << ": " << x.result.message;
      ASSERT_EQ(x.result.trace_hash, y.result.trace_hash) << sc.name << " seed " << seed;
      ASSERT_EQ(x.events, y.events) << sc.name << " seed " << seed;
      ASSERT_EQ(x.decisions, y.decisions) << sc.name << " seed " << seed;
      distinct.insert(x.result.trace_hash);
    }
    // Different seeds explore different interleavings.
    EXPECT_GT(distinct.size(), 20u) << sc.name;
  }
}

TEST(Determinism, ReplayOfRecordedDecisionsReproducesTheTrace) {
  for (const auto& sc : testing::kScenarios) {
    for (uint64_t seed = 0; seed < 100; ++seed) {
      PrngChoices src(seed);
      RunOut x = run_scenario(sc.fn, src);
      ReplayChoices replay(x.decisions);
      RunOut y = run_scenario(sc.fn, replay);
      ASSERT_EQ(x.result.trace_hash, y.result.trace_hash) << sc.name << " seed " << seed;
      ASSERT_EQ(replay.diverged_at(), -1);
      ASSERT_EQ(x.order, y.order);
    }
  }
}

TEST(Determinism, ExhaustedBytesMeanNoPreemption) {
  // With no input every decision takes option 0: the current goroutine keeps running,
  // so main runs to its first block before any worker starts.
  ByteChoices none({});
  RunOut x = run_scenario(testing::contention, none);
  ASSERT_EQ(x.result.outcome, Outcome::Ok);
  EXPECT_EQ(x.order, (std::vector<int>{1, 1, 2, 2, 3, 3}));
  for (const auto& d : x.decisions) EXPECT_EQ(d.chosen, 0u);
  // Some bytes do preempt.
  std::vector<uint8_t> bytes(64, 1);
  ByteChoices some(bytes);
  RunOut y = run_scenario(testing::contention, some);
  EXPECT_NE(x.result.trace_hash, y.result.trace_hash);
}

// Expected trace hashes for fixed seeds, checked in: g++ and clang++ builds must both
// match. Regenerate with CTXCHECK_UPDATE_VECTORS=1 (only when a change of the trace format
// or of scheduling is intended, and say so in the commit).
TEST(Determinism, CheckedInVectorsMatchOnEveryCompiler) {
  std::string path = std::string(CTXCHECK_VECTORS_DIR) + "/trace_hashes.txt";
  std::ostringstream now;
  for (const auto& sc : testing::kScenarios)
    for (uint64_t seed : {0, 1, 2, 3, 7, 42, 1000, 123456789}) {
      PrngChoices src(seed);
      RunOut x = run_scenario(sc.fn, src);
      now << sc.name << " " << seed << " " << fmt::format("{:016x}", x.result.trace_hash) << "\n";
    }
  if (const char* u = std::getenv("CTXCHECK_UPDATE_VECTORS"); u && std::string(u) == "1") {
    std::ofstream(path) << now.str();
    GTEST_SKIP() << "vectors regenerated at " << path;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing " << path;
  std::stringstream want;
  want << in.rdbuf();
  EXPECT_EQ(now.str(), want.str());
}

TEST(Deadlock, DoubleLockIsAModelDeadlock) {
  PrngChoices src(0);
  Runtime rt(src);
  auto r = rt.run([] {
    Mutex m;
    m.lock();
    m.lock();
  });
  EXPECT_EQ(r.outcome, Outcome::ModelDeadlock);
  ASSERT_EQ(r.blocked.size(), 1u);
  EXPECT_EQ(r.blocked[0].block, BlockKind::Mutex);
}

TEST(Deadlock, LockOrderInversionIsAModelDeadlockUnderSomeSchedule) {
  int deadlocks = 0, oks = 0;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    PrngChoices src(seed);
    Runtime rt(src);
    auto r = rt.run([] {
      Mutex a, b;
      Chan done;
      Runtime::current().go(GoKind::Program, "inv", [&] {
        b.lock();
        a.lock();
        a.unlock();
        b.unlock();
        done.close();
      });
      a.lock();
      b.lock();
      b.unlock();
      a.unlock();
      done.recv();
    });
    if (r.outcome == Outcome::ModelDeadlock) ++deadlocks;
    if (r.outcome == Outcome::Ok) ++oks;
  }
  EXPECT_GT(deadlocks, 0);
  EXPECT_GT(oks, 0);
  EXPECT_EQ(deadlocks + oks, 200);
}

TEST(Deadlock, MainWaitingOnAChannelNobodyClosesIsAProgramDeadlock) {
  PrngChoices src(0);
  Runtime rt(src);
  auto r = rt.run([] {
    Chan c;
    c.recv();
  });
  EXPECT_EQ(r.outcome, Outcome::ProgramDeadlock);
  ASSERT_EQ(r.blocked.size(), 1u);
  EXPECT_EQ(r.blocked[0].kind, GoKind::Main);
}

TEST(Deadlock, LeakedGoroutineIsListedWhenMainFinished) {
  PrngChoices src(0);
  Runtime rt(src);
  std::shared_ptr<Chan> never;
  auto r = rt.run([&] {
    never = std::make_shared<Chan>();
    Runtime::current().go(GoKind::Watcher, "watcher of ctx1", [&] { never->recv(); });
  });
  EXPECT_EQ(r.outcome, Outcome::Ok);
  ASSERT_EQ(r.blocked.size(), 1u);
  EXPECT_EQ(r.blocked[0].kind, GoKind::Watcher);
  EXPECT_EQ(r.blocked[0].label, "watcher of ctx1");
}

TEST(Limits, StepBoundEndsAnInfiniteLoop) {
  PrngChoices src(0);
  Limits lim;
  lim.max_steps = 500;
  Runtime rt(src, lim);
  auto r = rt.run([] {
    Runtime::current().go(GoKind::Program, "spin", [] {
      for (;;) Runtime::current().yield();
    });
    for (;;) Runtime::current().yield();
  });
  EXPECT_EQ(r.outcome, Outcome::StepLimit);
  EXPECT_LE(r.stats.steps, 501u);
}

TEST(Panics, CloseOfClosedChannelIsReportedAndTheProcessSurvives) {
  PrngChoices src(0);
  Runtime rt(src);
  auto r = rt.run([] {
    Chan c;
    Runtime::current().go(GoKind::Program, "bystander", [] { Runtime::current().yield(); });
    c.close();
    c.close();
  });
  EXPECT_EQ(r.outcome, Outcome::Panic);
  EXPECT_EQ(r.panic_code, "close-of-closed-channel");
  EXPECT_EQ(r.culprit, 0u);
}

TEST(Panics, UnlockOfUnlockedMutex) {
  PrngChoices src(0);
  Runtime rt(src);
  auto r = rt.run([] {
    Mutex m;
    m.unlock();
  });
  EXPECT_EQ(r.outcome, Outcome::Panic);
  EXPECT_EQ(r.panic_code, "unlock-of-unlocked-mutex");
}

TEST(Time, SameInstantTimersFireInEveryOrder) {
  std::set<std::vector<int>> orders;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    PrngChoices src(seed);
    RunOut x = run_scenario(testing::timers, src);
    ASSERT_EQ(x.result.outcome, Outcome::Ok);
    std::vector<int> timer_order;
    for (int v : x.order)
      if (v != 9) timer_order.push_back(v);
    orders.insert(timer_order);
  }
  EXPECT_EQ(orders.size(), 6u);  // all 3! orders of the timer callbacks
}

TEST(Time, ClockAdvancesOnlyWhenEveryoneIsBlocked) {
  PrngChoices src(5);
  Runtime rt(src);
  std::vector<Nanos> seen;
  auto r = rt.run([&] {
    Runtime& R = Runtime::current();
    R.go(GoKind::Program, "busy", [&] {
      for (int i = 0; i < 50; ++i) R.yield();
      seen.push_back(R.now() - kEpoch);
    });
    R.sleep(10);
    seen.push_back(R.now() - kEpoch);
  });
  ASSERT_EQ(r.outcome, Outcome::Ok);
  ASSERT_EQ(seen.size(), 2u);
  // The busy goroutine never blocks, so it finishes at t=0; main wakes at exactly 10ns.
  EXPECT_EQ(seen[0], 0);
  EXPECT_EQ(seen[1], 10);
  EXPECT_EQ(r.stats.end_time, 10);
}

TEST(Time, StopReportsWhetherItPreventedTheCall) {
  PrngChoices src(0);
  Runtime rt(src);
  bool first = false, second = true, ran_a = false, ran_b = false;
  auto r = rt.run([&] {
    Runtime& R = Runtime::current();
    TimerId a = R.after_func(10, GoKind::TimerFunc, "a", [&] { ran_a = true; });
    TimerId b = R.after_func(5, GoKind::TimerFunc, "b", [&] { ran_b = true; });
    first = R.stop_timer(a);  // pending: prevented
    R.sleep(20);
    second = R.stop_timer(b);  // already fired
  });
  ASSERT_EQ(r.outcome, Outcome::Ok);
  EXPECT_TRUE(first);
  EXPECT_FALSE(second);
  EXPECT_FALSE(ran_a);
  EXPECT_TRUE(ran_b);
}

TEST(Time, SelectTimesOutOrSeesTheClose) {
  int timeouts = 0, closes = 0;
  for (uint64_t seed = 0; seed < 50; ++seed) {
    PrngChoices src(seed);
    Runtime rt(src);
    int got = -2;
    auto r = rt.run([&] {
      Runtime& R = Runtime::current();
      Chan c;
      R.after_func(10, GoKind::TimerFunc, "closer", [&] { c.close(); });
      Chan* cases[] = {&c};
      got = select(cases, 10);  // both due at t=10: the tie is a choice
      R.settle();
    });
    ASSERT_EQ(r.outcome, Outcome::Ok);
    (got == 0 ? closes : timeouts)++;
  }
  EXPECT_GT(timeouts, 0);
  EXPECT_GT(closes, 0);
}

TEST(Time, SettleWaitsForOthersAndTimers) {
  PrngChoices src(3);
  Runtime rt(src);
  std::vector<int> order;
  auto r = rt.run([&] {
    Runtime& R = Runtime::current();
    R.go(GoKind::Program, "a", [&] {
      R.sleep(10);
      order.push_back(1);
    });
    R.after_func(20, GoKind::TimerFunc, "t", [&] { order.push_back(2); });
    R.settle();
    order.push_back(3);
  });
  EXPECT_EQ(r.outcome, Outcome::Ok) << r.message;
  EXPECT_EQ(order, (std::vector<int>{1, 2, 3}));
}

// Counts live goroutine closures: the destructor runs when a fiber's closure is destroyed.
struct Alive {
  static inline int count = 0;
  Alive() { ++count; }
  Alive(const Alive&) { ++count; }
  ~Alive() { --count; }
};

long resident_kib() {
  std::ifstream f("/proc/self/statm");
  long pages = 0, rss = 0;
  f >> pages >> rss;
  return rss * 4;
}

TEST(Reuse, TenThousandAbortedExecutionsLeakNothing) {
  auto one = [](uint64_t seed) {
    PrngChoices src(seed);
    Runtime rt(src);
    return rt.run([] {
      Alive token;
      auto c = std::make_shared<Chan>();
      for (int i = 0; i < 3; ++i)
        Runtime::current().go(GoKind::Program, "parked", [c, t = Alive{}] { c->recv(); });
      Runtime::current().yield();
      c->recv();  // nobody closes: deadlock, every goroutine aborted
    });
  };
  long rss_1k = 0;
  for (uint64_t i = 0; i < 10000; ++i) {
    auto r = one(i);
    ASSERT_EQ(r.outcome, Outcome::ProgramDeadlock);
    ASSERT_EQ(Alive::count, 0) << "execution " << i << " left goroutine closures alive";
    if (i == 999) rss_1k = resident_kib();
  }
  // 9,000 more executions with four 64 KiB stacks each would add > 2 GiB if stacks leaked.
  EXPECT_LT(resident_kib() - rss_1k, 16 * 1024);
}

}  // namespace
}  // namespace ctxcheck::rt
