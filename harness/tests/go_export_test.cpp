// The Go exporter: which programs it rejects (and that the reason names the Go version),
// and the shape of the Go it writes for each op.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/explore/dfs.h"
#include "harness/export/go_export.h"
#include "harness/program/generate.h"
#include "harness/program/text.h"
#include "harness/tests/programs.h"

namespace ctxcheck::harness {
namespace {

Program parse(const std::string& body, const std::string& header = "") {
  return parse_program("ctxcheck-trace 1\n" + header + "go 0:\n" + body);
}

TEST(GoExport, RejectsGo120ApisNamingTheVersion) {
  auto why = go_export_unsupported(parse("  h1 = background\n  h2 = with_cancel_cause h1\n  cancel h2 cause3\n"),
                                   kGoOldestMinor);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("--go 1.19 given"), std::string::npos) << *why;
  EXPECT_NE(why->find("Go 1.20"), std::string::npos) << *why;
  EXPECT_NE(why->find("WithCancelCause"), std::string::npos) << *why;
  EXPECT_NE(why->find("go 0, op 2"), std::string::npos) << *why;
  auto cause = go_export_unsupported(parse("  h1 = background\n  h2 = with_cancel h1\n  observe cause h2\n  cancel h2\n"),
                                     kGoOldestMinor);
  ASSERT_TRUE(cause);
  EXPECT_NE(cause->find("Go 1.20 (context.Cause)"), std::string::npos) << *cause;
}

TEST(GoExport, RejectsGo121ApisNamingTheVersion) {
  for (const char* body : {"  h1 = background\n  h2 = after_func h1 nop\n  stop h2\n",
                           "  h1 = background\n  h2 = without_cancel h1\n",
                           "  h1 = background\n  h2 = with_timeout_cause h1 5ms cause3\n  cancel h2\n",
                           "  h1 = background\n  h2 = custom afterfuncer h1\n  cancel h2\n"}) {
    auto why = go_export_unsupported(parse(body), kGoOldestMinor);
    ASSERT_TRUE(why) << body;
    EXPECT_NE(why->find("needs Go 1.21"), std::string::npos) << *why;
    EXPECT_EQ(go_minor_needed(parse(body)), 21);
    EXPECT_FALSE(go_export_unsupported(parse(body))) << body;  // Go 1.23, the default target
  }
}

// Go 1.23's API is exported: the cause variants, Cause, AfterFunc (runs of f asserted),
// stop (its result asserted), WithoutCancel, the afterfuncer type.
TEST(GoExport, Go123ApiIsExported) {
  Program p = parse("  h1 = background\n  h2 = with_cancel_cause h1\n  h3 = without_cancel h2\n"
                    "  h4 = custom afterfuncer h1\n  h5 = with_cancel h4\n  h6 = after_func h2 cancel h5\n"
                    "  cancel h2 cause3\n  sleep 1ms\n  observe cause h5\n  observe err h3\n  stop h6\n  cancel h4\n");
  GoExpectations e = model_expectations(p, 2);
  ASSERT_EQ(e.afterfunc_runs.size(), 1u);
  EXPECT_EQ(e.afterfunc_runs[0].runs, 1u);
  std::string go = go_program_func(p, e, "f", 0);
  for (const char* want : {"p.h[2], p.cc[2] = context.WithCancelCause(p.h[1])", "p.cc[2](ctxcheckCause(3))",
                           "context.WithoutCancel(p.h[2])", "ctxcheckNewAfterFuncer(p.h[1])",
                           "context.AfterFunc(p.h[2], p.afterFunc(6, p.c[5]))", "p.check(\"stop h6\", \"false\"",
                           "p.check(\"cause h5\", \"context canceled\"", "p.afterFuncRuns([]int{6}, []int32{1}"})
    EXPECT_NE(go.find(want), std::string::npos) << want << "\n" << go;
}

// A model run that stops before the program's end (here the trace's step limit) is not
// exported: its Go would assert a partial run.
TEST(GoExport, ARunThatStoppedEarlyIsRefused) {
  GoExpectations e = model_expectations(
      parse("  h1 = background\n  h2 = with_cancel h1\n  go 1\n  sleep 5ms\n  cancel h2\ngo 1:\n  wait h2\n",
            "max-steps: 3\n"), 2);
  ASSERT_TRUE(e.stopped_early);
  EXPECT_NE(e.stopped_early->find("stopped early"), std::string::npos) << *e.stopped_early;
}

TEST(GoExport, RejectsReparentWithAReason) {
  auto rep = go_export_unsupported(parse("  h1 = background\n  h2 = with_cancel h1\n  reparent h2 h1\n  cancel h2\n",
                                         "unsafe: on\n"));
  ASSERT_TRUE(rep);
  EXPECT_NE(rep->find("reparent"), std::string::npos);
}

// A program with goroutines: the recorded op order is forced with turns, a blocking op is
// two turns (start, return), and the go op spawns the script's function.
TEST(GoExport, GoroutinesRunInTheRecordedOpOrder) {
  Program p = parse_program(test_programs::kTwoGoroutines);
  EXPECT_FALSE(go_export_unsupported(p));
  GoExpectations e = model_expectations(p, 8);
  ASSERT_FALSE(e.not_forceable) << *e.not_forceable;
  ASSERT_EQ(e.order.size(), 12u);
  EXPECT_TRUE(e.not_reproduced.empty());
  ASSERT_EQ(e.obs.size(), 1u);
  EXPECT_EQ(e.obs.at({1, 2}).value, "context canceled");
  EXPECT_TRUE(e.obs.at({1, 2}).stable);
  std::string go = go_test_file(p, e, {});
  auto turn_of = [&](int s, int op, OpPhase ph) {
    for (size_t k = 0; k < e.order.size(); ++k)
      if (e.order[k].script == s && e.order[k].op == op && e.order[k].phase == ph) return static_cast<int>(k);
    return -1;
  };
  int wait_begin = turn_of(1, 1, OpPhase::Begin), wait_ret = turn_of(1, 1, OpPhase::Resume);
  int deferred = turn_of(0, 2, OpPhase::Deferred);
  ASSERT_GE(wait_begin, 0);
  ASSERT_GT(wait_ret, wait_begin);
  ASSERT_GE(deferred, 0);
  for (std::string frag : {std::string("p.forceOrder([]time.Duration{"), std::string("var go1 func()"),
                           std::string("go1 = func() {"), std::string("p.spawn(go1)"), std::string("p.finish(0)"),
                           fmt::format("done1 := p.h[3].Done()\n\t\tp.release({})", wait_begin),
                           fmt::format("if !p.waitDone(done1, {}) {{", wait_ret),
                           fmt::format("if p.turn({}) {{\n\t\t\t\tp.c[2]()\n\t\t\t\tp.release({})", deferred, deferred),
                           std::string("p.check(\"err h3\", \"context canceled\", true, ctxcheckErr(p.h[3].Err()))"),
                           std::string("// Goroutines: the test forces the model's op-level order (12 steps)")})
    EXPECT_NE(go.find(frag), std::string::npos) << frag << "\n" << go;
}

// A wait the model never returns from parks in Go too (and Done must stay open there).
TEST(GoExport, AWaitThatNeverReturnsParks) {
  Program p = parse_program(R"(ctxcheck-trace 1
go 0:
  h1 = background
  h2 = with_cancel h1
  go 1
  sleep 1ms
go 1:
  wait h2
)");
  GoExpectations e = model_expectations(p, 4);
  ASSERT_FALSE(e.not_forceable);
  EXPECT_NE(e.verdict.find("parked-forever"), std::string::npos) << e.verdict;
  std::string go = go_test_file(p, e, {});
  EXPECT_NE(go.find("p.park(done0, \"go 1, op 1: wait h2\")\n\t\treturn\n\t}"), std::string::npos) << go;
  EXPECT_EQ(e.parked, (std::set<std::pair<int, int>>{{1, 0}}));
  EXPECT_NE(go.find("p.finish(1)"), std::string::npos) << "the parked goroutine is counted at the end\n" << go;
}

// After a wait that never returns, the rest of the script is never reached: it stays a
// comment (Go code there would be `go vet: unreachable code`).
TEST(GoExport, OpsAfterAParkAreCommentsNotCode) {
  Program p = parse_program("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  h2 = with_cancel h1\n  go 1\n"
                            "  sleep 1ms\n  cancel h2\ngo 1:\n  h3 = with_cancel h1\n  wait h3\n  observe err h3\n"
                            "  cancel h3\n");
  GoExpectations e = model_expectations(p, 2);
  ASSERT_FALSE(e.not_forceable);
  std::string go = go_test_file(p, e, {});
  EXPECT_NE(go.find("\t\treturn\n\t\t// observe err h3 (never reached: the wait above never returns)\n"
                    "\t\t// cancel h3 (never reached"), std::string::npos) << go;
}

// Main waiting for ever: Go checks Done is still open past the program's last instant.
TEST(GoExport, MainParkedForeverIsCheckedThenTheProgramEnds) {
  Program p = parse("  h1 = background\n  h2 = with_cancel h1\n  wait h2\n  observe err h2\n");
  GoExpectations e = model_expectations(p, 2);
  EXPECT_NE(e.verdict.find("parked-forever"), std::string::npos) << e.verdict;
  std::string go = go_test_file(p, e, {});
  EXPECT_NE(go.find("p.parkMain(2, \"parked-forever: go 0, op 3: wait h2\")\n\t\treturn\n"
                    "\t\t// observe err h2 (never reached"), std::string::npos) << go;
}

// A lost cancel is shown in Go: the context is kept to the end and checked to be still
// uncanceled in its parent's children map (or watched, or held nowhere).
TEST(GoExport, ALostCancelIsAssertedInGo) {
  Program p = parse("  h1 = background\n  h2 = with_cancel h1\n  h3 = with_value h2 keyA:1 1\n"
                    "  h4 = with_cancel h3\n  h5 = custom own_done h1\n  h6 = with_cancel h5\n  drop h4\n"
                    "  cancel h6\n");
  GoExpectations e = model_expectations(p, 2);
  EXPECT_EQ(e.lost_cancel, (std::vector<uint32_t>{4, 2})) << e.verdict;  // in the order found
  std::string go = go_test_file(p, e, {});
  for (const char* frag : {"p.keep(2) // its cancel is never called (finding lost-cancel)", "p.keep(4)",
                           "p.check(\"lost-cancel h4\", \"uncanceled, registered in its parent\", true, p.lostCancel(4))",
                           "p.check(\"lost-cancel h2\", \"uncanceled, not registered (no cancelable ancestor)\", true, "
                           "p.lostCancel(2))",
                           "// Finding lost-cancel: the cancel func of h4 is never called"})
    EXPECT_NE(go.find(frag), std::string::npos) << frag << "\n" << go;
  EXPECT_EQ(go.find("p.keep(6)"), std::string::npos);
  Program watched = parse("  h1 = background\n  h2 = with_cancel h1\n  h3 = custom own_done h2\n"
                          "  h4 = with_cancel h3\n  cancel h2\n");
  e = model_expectations(watched, 2);
  ASSERT_EQ(e.lost_cancel, std::vector<uint32_t>{4}) << e.verdict;
  EXPECT_NE(go_test_file(watched, e, {}).find("\"uncanceled, watched by a goroutine\""), std::string::npos);
}

TEST(GoExport, AnOrderThatCannotBeForcedIsRefused) {
  Program p = parse_program("ctxcheck-trace 1\ngo 0:\n  h1 = background\n  go 1\ngo 1:\n  observe err h1\n");
  GoExpectations e = model_expectations(p, 2);
  ASSERT_FALSE(e.not_forceable);
  e.not_forceable = "step 3 never gets its turn";
  try {
    go_test_file(p, e, {});
    FAIL() << "exported";
  } catch (const std::invalid_argument& ex) {
    EXPECT_NE(std::string(ex.what()).find("never gets its turn"), std::string::npos);
  }
}

// Where the recorded schedule interleaves inside ops, the forced order may observe
// otherwise; the export says so (and asserts what the forced order observes).
TEST(GoExport, ObservationsTheForcedOrderDoesNotReproduceAreListed) {
  GenOptions g = go_conformance_gen(14, 3, false, kGoOldestMinor);
  size_t listed = 0;
  for (uint64_t seed = 1; seed <= 400 && listed == 0; ++seed) {
    Program p = generate(seed, g);
    strip_observations_beyond(p, kGoOldestMinor);
    if (p.scripts.size() < 2 || go_export_unsupported(p)) continue;
    record_random_schedule(p, seed);
    GoExpectations e = model_expectations(p, 4);
    if (e.not_forceable || e.not_reproduced.empty()) continue;
    ++listed;
    std::string go = go_test_file(p, e, {});
    EXPECT_NE(go.find("The recorded schedule interleaves inside ops"), std::string::npos);
    EXPECT_NE(go.find(e.not_reproduced.front()), std::string::npos);
  }
  EXPECT_EQ(listed, 1u) << "no generated program interleaves inside an op observably";
}

TEST(GoExport, AcceptsTheGo119Subset) {
  Program p = parse(
      "  h1 = background\n  h2 = with_cancel h1\n  h3 = with_timeout h2 5ms\n  h4 = with_deadline h3 @2ms\n"
      "  h5 = with_value h4 keyA:1 7\n  h6 = custom own_done h5\n  h7 = with_cancel h6\n  defer cancel h7\n"
      "  observe children h2\n  sleep 3ms\n  observe err h4\n  observe deadline h5\n  observe value h5 keyA:1\n"
      "  observe goroutines\n  cancel h4\n  cancel h3\n  cancel h2\n");
  EXPECT_FALSE(go_export_unsupported(p));
  EXPECT_EQ(go_minor_needed(p), 19);
}

TEST(GoExport, GeneratedCodeCallsTheRealApiAndAssertsTheModelsObservations) {
  Program p = parse(
      "  h1 = background\n  h2 = with_cancel h1\n  h3 = with_timeout h2 5ms\n  h4 = with_value h3 keyB:2 9\n"
      "  observe children h2\n  sleep 6ms\n  observe err h3\n  observe value h4 keyB:2\n  observe deadline h4\n"
      "  cancel h3\n  cancel h2\n");
  GoExpectations e = model_expectations(p, 4);
  EXPECT_EQ(e.verdict, "pass");
  ASSERT_EQ(e.obs.size(), 4u);
  EXPECT_EQ(e.obs.at({0, 4}).value, "1");
  EXPECT_EQ(e.obs.at({0, 6}).value, "context deadline exceeded");
  EXPECT_EQ(e.obs.at({0, 8}).value, "5ms");
  std::string go = go_test_file(p, e, {});
  for (const char* frag : {"p.h[2], p.c[2] = context.WithCancel(p.h[1])",
                           "p.h[3], p.c[3] = context.WithTimeout(p.h[2], p.span(time.Duration(5000000)))",
                           "p.h[4] = context.WithValue(p.h[3], ctxcheckKeyB(2), 9)",
                           "p.check(\"children h2\", \"1\", true, ctxcheckChildren(p.h[2]))",
                           "p.sleep(time.Duration(6000000))",
                           "p.check(\"err h3\", \"context deadline exceeded\", true, ctxcheckErr(p.h[3].Err()))",
                           "p.check(\"value h4 keyB:2\", \"9\", true, ctxcheckValue(p.h[4].Value(ctxcheckKeyB(2))))",
                           "p.deadline(\"deadline h4\", 4, 5000000, true)", "p.c[3]()", "package ctxcheck_test",
                           "func TestCtxcheckRepro(t *testing.T)", "//\t  h3 = with_timeout h2 5ms"})
    EXPECT_NE(go.find(frag), std::string::npos) << "missing: " << frag << "\n" << go;
}

TEST(GoExport, TimerTiesAreLoggedNotAsserted) {
  // The timer and the sleep end at the same virtual instant: which runs first is a
  // scheduling choice in the model (and a race in Go).
  Program p = parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  sleep 5ms\n  observe err h2\n  cancel h2\n");
  GoExpectations e = model_expectations(p, 32);
  ASSERT_EQ(e.obs.size(), 1u);
  EXPECT_FALSE(e.obs.begin()->second.stable) << e.obs.begin()->second.value;
  EXPECT_NE(go_test_file(p, e, {}).find("\"err h2\", \"" + e.obs.begin()->second.value + "\", false"), std::string::npos);
}

// A select timeout on the instant the context's deadline expires: which timer fires first
// is a timer-tie choice, so the model answers "timeout" (the default schedule) or "done"
// (CI saw Go say "done": go.conformance seed 245 under load). In a sequential program the
// Go test forces the order the recorded schedule chose and asserts its answer (tieSelect).
TEST(GoExport, ASelectTimeoutOnTheDeadlineInstantIsForcedTheRecordedWay) {
  Program p = parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  select h2 5ms\n  select h2 1ms\n");
  GoExpectations e = model_expectations(p, 16);
  ASSERT_EQ(e.obs.size(), 2u);
  const auto& tie = e.obs.at({0, 2});
  EXPECT_EQ(tie.value, "timeout");
  EXPECT_FALSE(tie.stable);
  EXPECT_EQ(tie.others, std::vector<std::string>{"done"});
  EXPECT_TRUE(e.obs.at({0, 3}).stable) << "after the deadline the answer is certain";
  EXPECT_EQ(e.obs.at({0, 3}).value, "done");
  std::string go = go_test_file(p, e, {});
  EXPECT_NE(go.find("p.tieSelect(\"select h2\", 2, time.Duration(5000000), \"timeout\")"), std::string::npos) << go;
  EXPECT_NE(go.find("p.check(\"select h2\", \"done\", true, p.sel(2, time.Duration(1000000)))"), std::string::npos);
  // The recorded schedule that fires the deadline first: "done", forced the other way.
  Program done_first = p;
  ExecOptions o;
  SearchStats stats;
  DfsStrategy dfs({kDefaultBound, false, 0}, stats);
  do {
    ExecResult r = execute(p, dfs, o);
    if (!r.observations.empty() && r.observations.front().value == "done") {
      done_first.schedule.clear();
      for (const auto& d : r.decisions) done_first.schedule.push_back(d.chosen);
      break;
    }
  } while (dfs.next_execution());
  ASSERT_FALSE(done_first.schedule.empty()) << "DFS reaches the deadline-first order";
  GoExpectations d = model_expectations(done_first, 16);
  EXPECT_EQ(d.obs.at({0, 2}).value, "done");
  EXPECT_NE(go_test_file(done_first, d, {}).find("p.tieSelect(\"select h2\", 2, time.Duration(5000000), \"done\")"),
            std::string::npos);
  // A timeout before the deadline is no tie: asserted as before.
  GoExpectations early = model_expectations(parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  select h2 4ms\n"), 16);
  EXPECT_TRUE(early.obs.at({0, 2}).stable);
}

// observe string and children: the Go side prints contextName (the test's package and the
// deadline's times normalised as the model prints them) and "none" without a cancelCtx.
TEST(GoExport, StringAndChildrenObservationsAreAsserted) {
  Program p = parse("  h1 = background\n  h2 = with_timeout h1 5ms\n  h3 = with_value h2 keyC:1 2\n"
                    "  observe string h3\n  observe children h3\n  observe children h2\n  cancel h2\n");
  GoExpectations e = model_expectations(p, 4);
  ASSERT_EQ(e.obs.size(), 3u);
  EXPECT_EQ(e.obs.at({0, 3}).value, "context.Background.WithDeadline(<time> [<duration>]).WithValue(ctxcheck_test.ctxcheckKeyC, int)");
  EXPECT_EQ(e.obs.at({0, 4}).value, "none");
  EXPECT_EQ(e.obs.at({0, 5}).value, "0") << "a valueCtx is no canceler: an empty map, not none";
  std::string go = go_test_file(p, e, {});
  EXPECT_NE(go.find("p.check(\"string h3\", \"context.Background.WithDeadline(<time> [<duration>]).WithValue("
                    "ctxcheck_test.ctxcheckKeyC, int)\", true, ctxcheckString(p.h[3]))"),
            std::string::npos)
      << go;
  EXPECT_NE(go.find("p.check(\"children h3\", \"none\", true, ctxcheckChildren(p.h[3]))"), std::string::npos);
  // Go 1.19 prints a valueCtx otherwise: the observation needs Go 1.21.
  auto why = go_export_unsupported(p, kGoOldestMinor);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("needs Go 1.21"), std::string::npos) << *why;
  Program stripped = p;
  strip_observations_beyond(stripped, kGoOldestMinor);
  EXPECT_EQ(stripped.op_count(), p.op_count() - 1);
  EXPECT_EQ(go_export_unsupported(stripped, kGoOldestMinor), std::nullopt);
}

TEST(GoExport, FinalizerExpectationsFollowTheModelsEndPhase) {
  // A finalizer on a live registered child never runs (child -> parent -> children -> child).
  Program cyc = parse("  h1 = background\n  h2 = with_cancel h1\n  h3 = with_cancel h2\n  set_finalizer h3\n"
                      "  drop h3\n  drop h2\n  gc\n");
  GoExpectations e = model_expectations(cyc, 2);
  EXPECT_EQ(e.finalizer_never, std::vector<uint32_t>{3});
  EXPECT_TRUE(e.finalizer_runs.empty());
  EXPECT_NE(go_test_file(cyc, e, {}).find("p.end([]int{}, []int{3})"), std::string::npos);
  // Canceled, it leaves the map: its finalizer runs.
  Program ok = parse("  h1 = background\n  h2 = with_cancel h1\n  h3 = with_cancel h2\n  set_finalizer h3\n"
                     "  cancel h3\n  cancel h2\n  gc\n");
  e = model_expectations(ok, 2);
  EXPECT_EQ(e.finalizer_runs, std::vector<uint32_t>{3});
  EXPECT_TRUE(go_needs_isolation(ok));
}

// The clock: the program's instants in order, gaps x scale within [spacing, cap]; the
// default scale makes the shortest gap the spacing.
TEST(GoExport, TheClockKeepsOrderAndCutsIdleStretches) {
  Program p = parse("  h1 = background\n  h2 = with_timeout h1 3600s\n  h3 = with_timeout h1 1ms\n"
                    "  sleep 2ms\n  wait h2\n  observe err h2\n  observe err h3\n");
  GoExpectations e = model_expectations(p, 2);
  EXPECT_EQ(e.instants, (std::vector<int64_t>{0, 1000000, 2000000, 3600000000000}));
  EXPECT_EQ(go_default_scale(e), 20);
  GoClock c = go_clock(e, 0);
  EXPECT_EQ(c.real, (std::vector<int64_t>{0, 20000000, 40000000, 240000000}));
  GoClock slow = go_clock(e, 100);
  EXPECT_EQ(slow.real, (std::vector<int64_t>{0, 100000000, 200000000, 400000000}));
  // Instants 1us apart are still a spacing apart (the scale is at most 1000).
  GoExpectations fine = model_expectations(parse("  h1 = background\n  h2 = with_timeout h1 1us\n  wait h2\n"), 1);
  EXPECT_EQ(go_default_scale(fine), 1000);
  EXPECT_EQ(go_clock(fine, 0).real, (std::vector<int64_t>{0, kGoSpacingNs}));
  std::string go = go_test_file(p, e, {});
  EXPECT_NE(go.find("clock := ctxcheckClock{virt: []time.Duration{0, 1000000, 2000000, 3600000000000}, real: "
                    "[]time.Duration{0, 20000000, 40000000, 240000000}, spacing: 20000000}"),
            std::string::npos) << go;
  EXPECT_NE(go.find("take 240ms here"), std::string::npos) << go;
}

TEST(GoExport, PackageClauses) {
  EXPECT_EQ(go_package_clause("// Package server.\n/* a\nb */\npackage server // x\n"), "server");
  EXPECT_EQ(go_package_clause("//go:build linux\n\npackage\tfoo_test\n"), "foo_test");
  EXPECT_EQ(go_package_clause("func x() {}\npackage y\n"), "");
  EXPECT_EQ(go_package_clause(""), "");
}

// The package of a directory: its code's, else its tests' (x beside x_test: x); a
// `//go:build ignore` script does not count; two packages in the code are an error.
TEST(GoExport, ThePackageOfADirectory) {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / fmt::format("ctxcheck-go-pkg-{}", ::testing::UnitTest::GetInstance()->random_seed());
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto put = [&](const char* name, const char* text) { std::ofstream(dir / name) << text; };
  EXPECT_EQ(go_package_in_dir(dir), std::nullopt);
  put("a_test.go", "package server_test\n");
  EXPECT_EQ(go_package_in_dir(dir), "server_test");
  put("b_test.go", "package server\n");
  EXPECT_EQ(go_package_in_dir(dir), "server");
  put("gen.go", "//go:build ignore\n\npackage main\n");
  put("server.go", "// Package server.\npackage server\n");
  put("notes.txt", "package other\n");
  EXPECT_EQ(go_package_in_dir(dir), "server");
  put("other.go", "package other\n");
  EXPECT_THROW(go_package_in_dir(dir), std::invalid_argument);
  fs::remove_all(dir);
}

// Several exports into one package: the test file has no helpers, imports what it uses,
// and its names come from the test name; the helpers file is the same bytes every time.
TEST(GoExport, ExportsShareOnePackage) {
  Program p = parse("  h1 = background\n  h2 = with_cancel h1\n  observe err h2\n  cancel h2\n");
  GoExpectations e = model_expectations(p, 1);
  GoExportOptions o;
  o.package_name = "server";
  o.inline_helpers = false;
  o.test_name = "TestCtxcheckA";
  std::string go = go_test_file(p, e, o);
  EXPECT_TRUE(is_export_go_file(go));
  EXPECT_NE(go.find("package server\n\nimport (\n\t\"context\"\n\t\"sync/atomic\"\n\t\"testing\"\n\t\"time\"\n)\n"),
            std::string::npos) << go;
  EXPECT_EQ(go.find("type ctxcheckProg"), std::string::npos);
  EXPECT_NE(go.find("func runTestCtxcheckA(t *testing.T)"), std::string::npos);
  EXPECT_EQ(go_helpers_file("server"), go_helpers_file("server"));
  EXPECT_TRUE(is_export_go_file(go_helpers_file("server")));
  EXPECT_EQ(go_package_clause(go_helpers_file("server")), "server");
  EXPECT_NE(go_helpers_file("server").find("type ctxcheckProg"), std::string::npos);
}

// The table-driven form: one test, a subtest per trace, a function each.
TEST(GoExport, SeveralTracesBecomeSubtests) {
  std::vector<GoCase> cases;
  for (const char* name : {"a", "b-2"}) {
    Program p = parse("  h1 = background\n  h2 = with_timeout h1 1s\n  wait h2\n  observe err h2\n");
    GoExpectations e = model_expectations(p, 1);
    cases.push_back({name, std::string(name) + ".trace", std::move(p), std::move(e)});
  }
  GoExportOptions o;
  o.test_name = "TestT";
  std::string go = go_test_file(cases, o);
  for (const char* frag : {"\tt.Run(\"a\", runTestT_a)\n\tt.Run(\"b-2\", runTestT_b_2)\n",
                           "func runTestT_a(t *testing.T) {", "func runTestT_b_2(t *testing.T) {",
                           "// Subtest b-2 reproduces b-2.trace:", "of 2 traces, one subtest each"})
    EXPECT_NE(go.find(frag), std::string::npos) << frag << "\n" << go;
}

TEST(GoExport, DurationsRoundTrip) {
  for (int64_t ns : {0LL, 1LL, 1500LL, 2000000LL, 3000000000LL})
    EXPECT_EQ(parse_duration_ns(format_duration(ns)), ns);
  EXPECT_FALSE(parse_duration_ns("none"));
  EXPECT_FALSE(parse_duration_ns("ms"));
}

TEST(GoExport, EveryGeneratedGo119ProgramExports) {
  GenOptions g;
  g.goroutines = 1;
  g.kinds = {OpKind::Background, OpKind::WithCancel, OpKind::WithTimeout, OpKind::WithDeadline, OpKind::WithValue,
             OpKind::Cancel, OpKind::DeferCancel, OpKind::Select, OpKind::Sleep, OpKind::Drop, OpKind::Store,
             OpKind::Gc, OpKind::Yield, OpKind::Wait};
  for (uint64_t s = 1; s <= 50; ++s) {
    Program p = generate(s, g);
    ASSERT_FALSE(go_export_unsupported(p)) << print_program(p);
    EXPECT_NO_THROW(go_program_func(p, model_expectations(p, 1), "f", 0)) << print_program(p);
  }
}

}  // namespace
}  // namespace ctxcheck::harness
