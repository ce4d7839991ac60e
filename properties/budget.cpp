#include "properties/budget.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <sstream>
#include <vector>

#include <fmt/format.h>

namespace ctxcheck::properties {
namespace {

using Clock = std::chrono::steady_clock;

struct Registered {
  std::string suite, name, file;
  int line = 0;
  PropertyBody body = nullptr;
};
std::vector<Registered>& registry() {
  static std::vector<Registered> r;
  return r;
}

// The process's budget: its start is the first call (main's, before any test runs).
struct Budget {
  Clock::time_point start = Clock::now();
  std::optional<double> seconds;  // CTXCHECK_PROPERTY_SECONDS: the whole process's time
  long case_cap = std::numeric_limits<long>::max();  // CTXCHECK_PROPERTY_CASES, per property
  int started = 0;                // budgeted properties begun so far
};
Budget& budget() {
  static Budget b;
  return b;
}

// A positive number from the environment (nullopt when unset); `bad` when it is not one.
std::optional<double> positive_env(const char* name, bool whole, bool& bad) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  char* end = nullptr;
  double d = std::strtod(v, &end);
  if (*end != '\0' || !(d > 0) || d > 1e12 || (whole && d != std::floor(d))) {
    fmt::print(stderr, "property_tests: {}={}: not a positive {}\n", name, v, whole ? "whole number" : "number");
    bad = true;
    return std::nullopt;
  }
  return d;
}

bool is_budgeted(const char* suite, const char* name) {
  for (const Registered& r : registry())
    if (r.suite == suite && r.name == name) return true;
  return false;
}

// Budgeted properties the gtest filter selected (known once RUN_ALL_TESTS filtered).
int selected_budgeted() {
  const ::testing::UnitTest* u = ::testing::UnitTest::GetInstance();
  int n = 0;
  for (int i = 0; i < u->total_test_suite_count(); ++i) {
    const ::testing::TestSuite* s = u->GetTestSuite(i);
    for (int j = 0; j < s->total_test_count(); ++j) {
      const ::testing::TestInfo* t = s->GetTestInfo(j);
      if (t->should_run() && is_budgeted(s->name(), t->name())) ++n;
    }
  }
  return n;
}

struct Tally {
  long cases = 0;        // cases generated and run (shrink steps not counted)
  bool failing = false;  // a case failed: RapidCheck is shrinking, never skip now
};

class BudgetedProperty : public ::testing::Test {
 public:
  explicit BudgetedProperty(const Registered& p) : p_(p) {}
  void TestBody() override;

 private:
  // Runs RapidCheck rounds until `until` (one round without a time budget); the failure
  // (or error) that ended them, if any.
  std::optional<rc::detail::TestResult> run_rounds(const rc::detail::TestMetadata& meta, Clock::time_point until,
                                                   Tally& tally, int& rounds) const;
  const Registered& p_;
};

std::optional<rc::detail::TestResult> BudgetedProperty::run_rounds(const rc::detail::TestMetadata& meta,
                                                                   Clock::time_point until, Tally& tally,
                                                                   int& rounds) const {
  const Budget& b = budget();
  rc::detail::TestParams params = rc::detail::configuration().testParams;
  const uint64_t first_seed = params.seed;
  auto spent = [&] { return tally.cases >= b.case_cap || (b.seconds && Clock::now() >= until); };
  auto one_case = [&] {
    // Budget spent: the rest of the round passes without generating anything.
    if (!tally.failing && tally.cases > 0 && spent()) return;
    if (!tally.failing) ++tally.cases;
    try {
      p_.body();
    } catch (...) {
      tally.failing = true;
      throw;
    }
  };
  do {
    params.seed = first_seed + static_cast<uint64_t>(rounds++);
    rc::detail::TestResult result = rc::detail::checkTestable(one_case, meta, params);
    if (!result.template is<rc::detail::SuccessResult>()) return result;
  } while (b.seconds && !spent());
  return std::nullopt;
}

void BudgetedProperty::TestBody() {
  const rc::detail::Configuration& config = rc::detail::configuration();
  rc::detail::TestMetadata meta;
  meta.id = p_.suite + "/" + p_.name;
  meta.description = p_.name;
  if (!config.reproduce.empty() && !config.reproduce.count(meta.id))
    GTEST_SKIP() << "RC_PARAMS reproduce= names another property";
  Budget& b = budget();
  int remaining = std::max(1, selected_budgeted() - b.started++);
  auto left = b.seconds ? b.start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(*b.seconds)) -
                              Clock::now()
                        : Clock::duration::zero();
  Clock::time_point until = Clock::now() + std::max(Clock::duration::zero(), left / remaining);
  Tally tally;
  int rounds = 0;
  auto t0 = Clock::now();
  std::optional<rc::detail::TestResult> bad = run_rounds(meta, until, tally, rounds);
  double secs = std::chrono::duration<double>(Clock::now() - t0).count();
  uint64_t seed = config.testParams.seed;
  std::string seeds = !config.reproduce.empty() ? std::string("reproduced from RC_PARAMS reproduce=")
                     : rounds > 1 ? fmt::format("seeds {}..{}", seed, seed + static_cast<uint64_t>(rounds) - 1)
                                  : fmt::format("seed {}", seed);
  RecordProperty("cases", std::to_string(tally.cases));
  RecordProperty("seconds", fmt::format("{:.1f}", secs));
  RecordProperty("seeds", seeds);
  fmt::print("{}.{}: {} cases in {:.1f} s ({} round{} of up to {}, {}){}\n", p_.suite, p_.name, tally.cases, secs,
             rounds, rounds == 1 ? "" : "s", config.testParams.maxSuccess, seeds, bad ? ": FAILED" : "");
  std::fflush(stdout);
  if (bad) {
    std::ostringstream message;
    rc::detail::printResultMessage(*bad, message);
    FAIL() << message.str();
  }
}

}  // namespace

bool register_property(const char* suite, const char* name, const char* file, int line, PropertyBody body) {
  registry().push_back(Registered{suite, name, file, line, body});
  return true;
}

bool register_budgeted_properties() {
  Budget& b = budget();
  bool bad = false;
  b.seconds = positive_env("CTXCHECK_PROPERTY_SECONDS", false, bad);
  if (auto cap = positive_env("CTXCHECK_PROPERTY_CASES", true, bad)) b.case_cap = static_cast<long>(*cap);
  if (bad) return false;
  for (const Registered& p : registry())
    ::testing::RegisterTest(p.suite.c_str(), p.name.c_str(), nullptr, nullptr, p.file.c_str(), p.line,
                            [&p]() -> ::testing::Test* { return new BudgetedProperty(p); });
  return true;
}

}  // namespace ctxcheck::properties
