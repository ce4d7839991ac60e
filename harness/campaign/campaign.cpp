#include "harness/campaign/campaign.h"

#include <chrono>

#include <unistd.h>

#include <fmt/format.h>

namespace ctxcheck::harness {

std::string CampaignSummary::to_string() const {
  std::string s = fmt::format("{} executions in {:.1f} s ({:.0f} exec/s): {} violations, {} findings",
                              cases, seconds, seconds > 0 ? static_cast<double>(cases) / seconds : 0.0,
                              violations, findings);
  for (const auto& [id, n] : by_id) s += fmt::format("\n  {:<16} {}", id, n);
  if (written > 0) s += fmt::format("\n  {} case file(s) written", written);
  return s;
}

CampaignSummary run_campaign(const CampaignOptions& opts,
                             const std::function<CaseOutcome(uint64_t index)>& run_case) {
  using clock = std::chrono::steady_clock;
  CampaignSummary sum;
  const bool tty = ::isatty(2) != 0;
  const auto start = clock::now();
  auto last_progress = start;
  auto elapsed = [&] { return std::chrono::duration<double>(clock::now() - start).count(); };
  for (uint64_t i = 0; opts.max_cases == 0 || i < opts.max_cases; ++i) {
    // Check the clock every 64 cases: cheap, and the budget is coarse anyway.
    if ((i & 63) == 0) {
      if (opts.max_seconds > 0 && elapsed() >= opts.max_seconds) break;
      auto now = clock::now();
      if (opts.progress && now - last_progress >= std::chrono::seconds(1)) {
        last_progress = now;
        double s = elapsed();
        fmt::print(stderr, "{}#{} {:.0f} exec/s, {} violations, {} findings, {:.0f}s   ", tty ? "\r" : "", sum.cases,
                   s > 0 ? static_cast<double>(sum.cases) / s : 0.0, sum.violations, sum.findings, s);
        if (!tty) fmt::print(stderr, "\n");
      }
    }
    CaseOutcome out = run_case(i);
    ++sum.cases;
    if (out.verdict.passes()) continue;
    bool violation = out.verdict.is_violation();
    (violation ? sum.violations : sum.findings)++;
    sum.by_id[fmt::format("{}{}", violation ? "" : "finding:", out.verdict.id())]++;
    if (out.written) ++sum.written;
    if (violation && sum.first_violation_file.empty()) sum.first_violation_file = out.file;
    if (violation && opts.stop_on_violation) break;
  }
  sum.seconds = elapsed();
  if (opts.progress && tty) fmt::print(stderr, "\n");
  return sum;
}

}  // namespace ctxcheck::harness
