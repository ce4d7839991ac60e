// run_campaign with --jobs N: the same cases committed in the same (index) order, the same
// summary and the same first violation as one job, whatever the workers' timing. The cases
// are synthetic (a verdict per index) so the test checks the merge alone; e2e.jobs checks
// the real `ctxcheck run` output.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "harness/campaign/campaign.h"

namespace ctxcheck::harness {
namespace {

// Index i: a violation at the given indices, a finding at every 7th, else a pass. Cases of
// one chunk take longer on odd chunks so the workers finish out of order.
struct Synthetic {
  std::vector<uint64_t> violations;
  std::vector<uint64_t> committed;  // indices in the order their commit ran

  EvaluatedCase operator()(uint64_t i) {
    if ((i / kChunk) % 2 == 1 && i % kChunk == 0) std::this_thread::sleep_for(std::chrono::milliseconds(2));
    EvaluatedCase e;
    bool violation = std::find(violations.begin(), violations.end(), i) != violations.end();
    if (violation) e.verdict = Invariant::Residue;
    else if (i % 7 == 3) e.verdict = Finding::LostCancel;
    else return e;
    e.commit = [this, i, v = e.verdict] {
      committed.push_back(i);
      return CaseOutcome{.verdict = v, .file = "case-" + std::to_string(i), .written = i % 2 == 0};
    };
    return e;
  }
};

struct CampaignRun {
  CampaignSummary sum;
  std::vector<uint64_t> committed;
};

CampaignRun campaign(unsigned jobs, uint64_t count, bool stop, std::vector<uint64_t> violations) {
  Synthetic s{.violations = std::move(violations), .committed = {}};
  CampaignOptions o{.max_cases = count, .max_seconds = 0, .progress = false, .stop_on_violation = stop, .jobs = jobs};
  CampaignRun r;
  r.sum = run_campaign(o, [&](uint64_t i) { return s(i); });
  r.committed = s.committed;
  return r;
}

void expect_same(const CampaignRun& one, const CampaignRun& many) {
  EXPECT_EQ(one.sum.cases, many.sum.cases);
  EXPECT_EQ(one.sum.violations, many.sum.violations);
  EXPECT_EQ(one.sum.findings, many.sum.findings);
  EXPECT_EQ(one.sum.written, many.sum.written);
  EXPECT_EQ(one.sum.by_id, many.sum.by_id);
  EXPECT_EQ(one.sum.first_violation_file, many.sum.first_violation_file);
  EXPECT_EQ(one.committed, many.committed);
}

TEST(CampaignJobs, KeepGoingCommitsEveryCaseInIndexOrder) {
  CampaignRun one = campaign(1, 1000, false, {100, 650});
  EXPECT_EQ(one.sum.cases, 1000u);
  EXPECT_EQ(one.sum.violations, 2u);
  for (unsigned jobs : {2u, 3u, 5u}) expect_same(one, campaign(jobs, 1000, false, {100, 650}));
}

TEST(CampaignJobs, StopsAtTheViolationOfSmallestIndex) {
  // 650 is found first by time on two workers (chunk 10 is quick, chunk 1 slow) but 100 is
  // the first case: it ends the campaign, as with one job.
  CampaignRun one = campaign(1, 5000, true, {650, 100, 3000});
  EXPECT_EQ(one.sum.cases, 101u);
  EXPECT_EQ(one.sum.first_violation_file, "case-100");
  for (unsigned jobs : {2u, 4u}) expect_same(one, campaign(jobs, 5000, true, {650, 100, 3000}));
}

TEST(CampaignJobs, CountNotAMultipleOfTheChunk) {
  CampaignRun one = campaign(1, 3 * kChunk + 5, true, {});
  EXPECT_EQ(one.sum.cases, 3 * kChunk + 5);
  expect_same(one, campaign(2, 3 * kChunk + 5, true, {}));
}

TEST(CampaignJobs, AWorkersErrorReachesTheCaller) {
  CampaignOptions o{.max_cases = 10000, .max_seconds = 0, .progress = false, .stop_on_violation = false, .jobs = 2};
  auto evaluate = [](uint64_t i) -> EvaluatedCase {
    if (i == 300) throw std::runtime_error("case 300 failed");
    return {};
  };
  EXPECT_THROW(run_campaign(o, evaluate), std::runtime_error);
}

}  // namespace
}  // namespace ctxcheck::harness
