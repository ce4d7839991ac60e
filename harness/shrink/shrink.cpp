#include "harness/shrink/shrink.h"

#include <algorithm>
#include <tuple>

#include "harness/report/text.h"

namespace ctxcheck::harness {

namespace {

size_t preemptions(const std::vector<uint32_t>& s) {
  return static_cast<size_t>(std::count_if(s.begin(), s.end(), [](uint32_t c) { return c != 0; }));
}

// Removes script `victim` (> 0) and the go op that starts it; renumbers later scripts.
Program without_script(const Program& p, size_t victim) {
  Program q = p;
  q.scripts.erase(q.scripts.begin() + static_cast<std::ptrdiff_t>(victim));
  for (auto& s : q.scripts) {
    auto& ops = s.ops;
    ops.erase(std::remove_if(ops.begin(), ops.end(),
                             [&](const Op& op) { return op.kind == OpKind::Go && static_cast<size_t>(op.script) == victim; }),
              ops.end());
    for (auto& op : ops)
      if (op.kind == OpKind::Go && static_cast<size_t>(op.script) > victim) --op.script;
  }
  return q;
}

class Shrinker {
 public:
  Shrinker(const ExecOptions& opts, const Expect& target, size_t max_attempts)
      : opts_(opts), target_(target), max_(max_attempts) {}

  // Does `p` (with its schedule) still fail with the target verdict? Keeps the result.
  bool fails(const Program& p) {
    if (attempts_ >= max_ || validate(p)) return false;
    ++attempts_;
    rt::ReplayChoices choices(p.schedule);
    ExecResult r = execute(p, choices, opts_);
    if (!r.reproduces(target_)) return false;  // a finding may come after another
    last_ = std::move(r);
    return true;
  }

  // The order that makes shrinking terminate: a candidate is accepted only if it is
  // strictly smaller (ops, scripts, preemptions, schedule length, argument sizes).
  static std::tuple<size_t, size_t, size_t, size_t, uint64_t> size_of(const Program& p) {
    uint64_t args = 0;
    for (const auto& sc : p.scripts)
      for (const auto& op : sc.ops) args += number_magnitude(op);
    return {p.op_count(), p.scripts.size(), preemptions(p.schedule), p.schedule.size(), args};
  }

  // Accept `cand` if it still fails and, with the schedule its run recorded, is smaller.
  bool accept(Program cand) {
    if (!fails(cand)) return false;
    cand.schedule.clear();
    for (const auto& d : last_.decisions) cand.schedule.push_back(d.chosen);
    while (!cand.schedule.empty() && cand.schedule.back() == 0) cand.schedule.pop_back();
    if (!(size_of(cand) < size_of(best_)) && attempts_ > 1) return false;
    cand.hash = last_.trace_hash;
    best_ = std::move(cand);
    best_result_ = last_;
    return true;
  }

  ShrinkResult run(const Program& start) {
    best_ = start;
    if (!accept(start)) {
      ShrinkResult out{start, last_, {}};
      out.stats.attempts = attempts_;
      return out;
    }
    const size_t ops_before = start.op_count(), pre_before = preemptions(start.schedule);
    for (bool changed = true; changed && attempts_ < max_;) {
      changed = false;
      // Whole goroutine scripts, last first.
      for (size_t s = best_.scripts.size(); s-- > 1;)
        if (accept(without_script(best_, s))) changed = true;
      // Chunks of ops, then single ops (delta debugging), in every script.
      for (size_t s = 0; s < best_.scripts.size(); ++s) {
        for (size_t chunk = std::max<size_t>(best_.scripts[s].ops.size() / 2, 1); chunk >= 1; chunk /= 2) {
          for (size_t i = 0; i < best_.scripts[s].ops.size();) {
            Program cand = best_;
            auto& ops = cand.scripts[s].ops;
            size_t end = std::min(ops.size(), i + chunk);
            bool has_go = std::any_of(ops.begin() + static_cast<std::ptrdiff_t>(i),
                                      ops.begin() + static_cast<std::ptrdiff_t>(end),
                                      [](const Op& op) { return op.kind == OpKind::Go; });
            ops.erase(ops.begin() + static_cast<std::ptrdiff_t>(i), ops.begin() + static_cast<std::ptrdiff_t>(end));
            if (!has_go && accept(std::move(cand))) {
              changed = true;  // same i: the next ops moved here
            } else {
              i += chunk;
            }
          }
          if (chunk == 1) break;
        }
      }
      // Simpler arguments: durations and values towards zero.
      for (size_t s = 0; s < best_.scripts.size(); ++s)
        for (size_t i = 0; i < best_.scripts[s].ops.size(); ++i) {
          Op simpler = best_.scripts[s].ops[i];
          int64_t* number = simplifiable_number(simpler);
          if (!number || *number == 0) continue;
          *number = 0;
          Program cand = best_;
          cand.scripts[s].ops[i] = simpler;
          if (accept(std::move(cand))) changed = true;
        }
      // The schedule: shorter, then fewer preemptions (each non-zero choice to 0).
      for (size_t keep = best_.schedule.size() / 2; keep > 0 && keep < best_.schedule.size(); keep /= 2) {
        Program cand = best_;
        cand.schedule.resize(keep);
        if (accept(std::move(cand))) changed = true;
        else break;
      }
      for (size_t i = 0; i < best_.schedule.size(); ++i) {
        if (best_.schedule[i] == 0) continue;
        Program cand = best_;
        cand.schedule[i] = 0;
        if (accept(std::move(cand))) changed = true;
      }
    }
    ShrinkResult out{best_, best_result_, {}};
    out.stats = {attempts_, ops_before, best_.op_count(), pre_before, preemptions(best_.schedule)};
    return out;
  }

 private:
  const ExecOptions& opts_;
  Expect target_;
  size_t max_;
  size_t attempts_ = 0;
  ExecResult last_, best_result_;
  Program best_;
};

}  // namespace

ShrinkResult shrink(const Program& failing, const ExecOptions& opts, const Expect& target,
                    size_t max_attempts) {
  Shrinker s(opts, target, max_attempts);
  ShrinkResult r = s.run(failing);
  // Trailing zero decisions are what an exhausted schedule answers anyway.
  while (!r.program.schedule.empty() && r.program.schedule.back() == 0) r.program.schedule.pop_back();
  return r;
}

}  // namespace ctxcheck::harness
