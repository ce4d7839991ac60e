#include "harness/shrink/shrink.h"

#include <algorithm>
#include <map>
#include <optional>
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

// How many executions one schedule search may take (find_schedule).
constexpr size_t kSearchBudget = 256;

class Shrinker {
 public:
  Shrinker(const ExecOptions& opts, const Expect& target, size_t max_attempts)
      : opts_(opts), target_(target), max_(max_attempts) {}

  // Runs `p` with its schedule (replayed leniently); null past the attempt budget.
  std::optional<ExecResult> run_once(const Program& p) {
    if (attempts_ >= max_) return std::nullopt;
    ++attempts_;
    rt::ReplayChoices choices(p.schedule);
    return execute(p, choices, opts_);
  }

  // Does `p` (with its schedule) still fail with the target verdict? Keeps the result.
  bool fails(const Program& p) {
    if (validate(p)) return false;
    std::optional<ExecResult> r = run_once(p);
    if (!r || !r->reproduces(target_)) return false;  // a finding may come after another
    last_ = std::move(*r);
    return true;
  }

  // The order that makes shrinking terminate: a candidate is accepted only if it is
  // strictly smaller (ops, scripts, preemptions, schedule length, argument sizes, handle
  // operands: an operand moved up to an older handle counts as smaller).
  static std::tuple<size_t, size_t, size_t, size_t, uint64_t, uint64_t> size_of(const Program& p) {
    uint64_t args = 0, operands = 0;
    for (const auto& sc : p.scripts)
      for (const auto& op : sc.ops) {
        args += number_magnitude(op);
        operands += uint64_t{op.a} + op.b;
      }
    return {p.op_count(), p.scripts.size(), preemptions(p.schedule), p.schedule.size(), args, operands};
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

  // A schedule with at most `max_preemptions` non-zero decisions under which `p` fails:
  // schedules are tried by number of non-zero decisions, then by where they come (so the
  // first found is the one with the fewest, then the shortest). Each level extends the
  // schedules of the one before by one more non-zero choice at a later decision that the
  // extended schedule's own execution offered. Accepts and returns true at the first.
  bool find_schedule(Program p, size_t max_preemptions) {
    if (validate(p)) return false;
    size_t budget = std::min(max_ - std::min(max_, attempts_), kSearchBudget);
    std::vector<std::vector<uint32_t>> level{{}};
    for (size_t depth = 0; depth <= max_preemptions && !level.empty(); ++depth) {
      std::vector<std::vector<uint32_t>> next;
      for (const auto& schedule : level) {
        if (budget-- == 0) return false;
        p.schedule = schedule;
        std::optional<ExecResult> r = run_once(p);
        if (!r) return false;
        if (r->reproduces(target_)) return accept(p);
        // (no more candidates than the budget can still run)
        const bool extend = depth < max_preemptions;
        for (size_t i = schedule.size(); extend && i < r->decisions.size() && next.size() < budget; ++i)
          for (uint32_t c = 1; c < r->decisions[i].n; ++c) {
            std::vector<uint32_t> longer(i, 0);
            std::copy(schedule.begin(), schedule.end(), longer.begin());
            longer.push_back(c);
            next.push_back(std::move(longer));
          }
      }
      level = std::move(next);
    }
    return false;
  }

  // Accepts `cand` with its replayed schedule or, failing that and when the failure needs
  // preemptions, with a schedule of at most as many as the best has (removing an op shifts
  // the decisions a schedule names, so the old schedule preempts in the wrong places).
  bool accept_rescheduled(const Program& cand) {
    size_t pre = preemptions(best_.schedule);
    return accept(cand) || (pre > 0 && find_schedule(cand, pre));
  }

  bool remove_scripts() {
    bool changed = false;
    for (size_t s = best_.scripts.size(); s-- > 1;)
      if (s < best_.scripts.size() && accept_rescheduled(without_script(best_, s))) changed = true;
    return changed;
  }

  // Chunks of ops, then single ops (delta debugging), in every script; single ops also
  // with a schedule searched for anew.
  bool remove_ops() {
    bool changed = false;
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
          if (!has_go && (chunk == 1 ? accept_rescheduled(cand) : accept(std::move(cand)))) {
            changed = true;  // same i: the next ops moved here
          } else {
            i += chunk;
          }
        }
        if (chunk == 1) break;
      }
    }
    return changed;
  }

  // Simpler arguments: durations and values towards zero.
  bool simplify_arguments() {
    bool changed = false;
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
    return changed;
  }

  // Each handle operand moved up to the parent of the context it names (`with_timeout h5`
  // -> `with_timeout h4` when h5 = custom ... h4), so the link between can go next pass.
  bool hoist_operands() {
    std::map<uint32_t, uint32_t> parent;  // handle -> the handle its op was made from
    for (const auto& sc : best_.scripts)
      for (const Op& op : sc.ops)
        if (op.result && op.a) parent[op.result] = op.a;
    bool changed = false;
    for (size_t s = 0; s < best_.scripts.size(); ++s)
      for (size_t i = 0; i < best_.scripts[s].ops.size(); ++i)
        for (uint32_t Op::*operand : {&Op::a, &Op::b}) {
          auto up = parent.find(best_.scripts[s].ops[i].*operand);
          if (up == parent.end()) continue;
          Program cand = best_;
          cand.scripts[s].ops[i].*operand = up->second;
          if (accept_rescheduled(cand)) changed = true;
        }
    return changed;
  }

  // The schedule: one with fewer preemptions searched for, then shorter, then each
  // remaining non-zero choice to 0.
  bool minimise_schedule() {
    bool changed = false;
    size_t pre = preemptions(best_.schedule);
    if (pre > 0 && find_schedule(best_, pre - 1)) changed = true;
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
    return changed;
  }

  // To a fixpoint: a pass removes scripts and ops (re-scheduling each single removal),
  // simplifies arguments and minimises the schedule, until none of it changes anything.
  ShrinkResult run(const Program& start) {
    best_ = start;
    if (!accept(start)) {
      ShrinkResult out{start, last_, {}};
      out.stats.attempts = attempts_;
      return out;
    }
    const size_t ops_before = start.op_count(), pre_before = preemptions(start.schedule);
    for (bool changed = true; changed && attempts_ < max_;) {
      changed = minimise_schedule();
      changed = remove_scripts() || changed;
      changed = remove_ops() || changed;
      changed = simplify_arguments() || changed;
      changed = hoist_operands() || changed;
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
