// `ctxcheck replay`'s judgement of a trace file (harness/cli/replay_check.h).
#include "harness/cli/replay_check.h"

#include <fmt/format.h>

#include "harness/report/json.h"

namespace ctxcheck::harness {

namespace {

// How the recorded schedule fitted the execution, "" when it fitted: an entry out of range
// (the program no longer makes that decision the same way) or entries left over.
std::string schedule_divergence(const ReplayedTrace& t) {
  const auto& sched = t.program.schedule;
  const auto& got = t.result.decisions;
  if (t.schedule_diverged_at >= 0) {
    auto i = static_cast<size_t>(t.schedule_diverged_at);
    std::string at = i < got.size() ? fmt::format("decision {} ({}) has {} option(s)", i + 1,
                                                  rt::choice_kind_name(got[i].kind), got[i].n)
                                    : fmt::format("decision {} does not take it", i + 1);
    return fmt::format("schedule diverged at entry {}: it chooses {}, but {}", i + 1, sched[i], at);
  }
  if (t.schedule_consumed < sched.size())
    return fmt::format("schedule diverged: {} entries left over after the execution's {} decisions (entry {} on)",
                       sched.size() - t.schedule_consumed, t.schedule_consumed, t.schedule_consumed + 1);
  return "";
}

}  // namespace

Replayed replay_file(const std::string& file, bool pictures, bool timeline) {
  Replayed x{replay_trace(file, pictures, timeline), "", "", true, true, false, false};
  const Program& p = x.t.program;
  const ExecResult& r = x.t.result;
  x.got = r.expect().to_string();
  x.expect_ok = !p.expect || r.reproduces(*p.expect);
  x.hash_ok = !p.hash || *p.hash == r.trace_hash;
  x.divergence = schedule_divergence(x.t);
  x.recorded = p.expect || p.hash;
  x.reproduced = x.recorded ? x.expect_ok && x.hash_ok && x.divergence.empty() : !r.violation;
  return x;
}

// "FILE: reproduced (violation residue, hash ...)", or what differs.
std::string verdict_line(const std::string& file, const Replayed& x) {
  const Program& p = x.t.program;
  if (!x.recorded) return fmt::format("{}: {} (nothing recorded to compare)", file, x.got);
  if (x.reproduced) return fmt::format("{}: reproduced ({}, hash {:016x})", file, x.got, x.t.result.trace_hash);
  std::string why = !x.divergence.empty() ? x.divergence
                    : !x.expect_ok        ? fmt::format("expected {}, got {}", p.expect->to_string(), x.got)
                                          : fmt::format("trace hash {:016x} differs (got {:016x})", *p.hash,
                                                        x.t.result.trace_hash);
  return fmt::format("{}: DOES NOT REPRODUCE: {}", file, why);
}

nlohmann::json json_of(const std::string& file, const Replayed& x) {
  auto j = to_json(x.t.result);
  j["file"] = file;
  j["expected"] = x.t.program.expect ? x.t.program.expect->to_string() : "";
  j["reproduced"] = x.reproduced;
  j["schedule_divergence"] = x.divergence;
  return j;
}

int replay_many(const std::vector<std::string>& files, bool json) {
  size_t reproduced = 0, diverged = 0, bad = 0;
  nlohmann::json all = nlohmann::json::array();
  for (const std::string& file : files) {
    try {
      Replayed x = replay_file(file);
      (x.reproduced ? reproduced : diverged)++;
      if (json) all.push_back(json_of(file, x));
      else fmt::print("{}\n", verdict_line(file, x));
    } catch (const UsageError& e) {  // this file is bad input; the others still replay
      ++bad;
      fmt::print(stderr, "ctxcheck: {}\n", e.what());
      if (json) all.push_back({{"file", file}, {"reproduced", false}, {"error", e.what()}});
      else fmt::print("{}: BAD INPUT (see the message above)\n", file);
    }
  }
  if (json) fmt::print("{}\n", all.dump(2));
  else
    fmt::print("replayed {} traces: {} reproduced, {} did not, {} bad input\n", files.size(), reproduced, diverged, bad);
  return bad > 0 ? kExitUsage : diverged > 0 ? kExitViolation : kExitPass;
}

}  // namespace ctxcheck::harness
