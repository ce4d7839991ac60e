#include "harness/export/go_export.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/catalog/catalog.h"
#include "harness/program/text.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

// harness/export/go_helpers.go, embedded by export.cmake.
extern const char kGoHelpers[];

namespace {

std::string where(size_t s, size_t i, const Op& op) {
  return fmt::format("go {}, op {} ({})", s, i + 1, print_op(op));
}

std::string go_dur(int64_t ns) { return fmt::format("time.Duration({})", ns); }

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}


// Deterministic extremes besides the random samples: main (goroutine 0) runs last
// whenever another goroutine can run (timer callbacks and watchers finish first), or first.
// A random schedule rarely lets a callback of several steps finish before main's next op.
class MainLast final : public rt::ChoiceSource {
 public:
  explicit MainLast(bool last) : last_(last) {}
  uint32_t choose(const rt::ChoicePoint& p) override {
    if (p.kind != rt::ChoiceKind::Schedule) return last_ ? static_cast<uint32_t>(p.options.size() - 1) : 0;
    for (uint32_t i = 0; i < p.options.size(); ++i)
      if ((p.options[i] != 0) == last_) return i;
    return 0;
  }

 private:
  bool last_;
};

}  // namespace

int go_minor_needed(const Program& p) {
  int m = kGoOldestMinor;
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops)
      if (auto n = go_need_of(op)) m = std::max(m, n->minor);
  return m;
}

std::optional<std::string> go_export_unsupported(const Program& p, int target_minor) {
  for (size_t s = 0; s < p.scripts.size(); ++s) {
    for (size_t i = 0; i < p.scripts[s].ops.size(); ++i) {
      const Op& op = p.scripts[s].ops[i];
      if (auto n = go_need_of(op); n && n->minor > target_minor)
        return fmt::format("{} needs Go 1.{} ({}); --go 1.{} given", where(s, i, op), n->minor, n->api,
                           target_minor);
      if ((op_spec(op.kind).has(Field::Key) && op.key.builtin()) || op.value_type != ValueType::Int)
        return fmt::format("{}: built-in-typed keys (int:, string:) and string values are not exported yet",
                           where(s, i, op));
      if (op.kind == OpKind::Reparent)
        return fmt::format("{}: reparent is an unsafe model op (it rewrites a context's parent); the real "
                           "context package has no such operation",
                           where(s, i, op));
    }
  }
  return std::nullopt;
}

std::optional<int64_t> parse_duration_ns(const std::string& s) {
  static constexpr std::pair<std::string_view, int64_t> units[] = {
      {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
  for (auto [u, mul] : units) {
    if (s.size() > u.size() && std::string_view(s).substr(s.size() - u.size()) == u) {
      std::string digits = s.substr(0, s.size() - u.size());
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      try {
        return static_cast<int64_t>(std::stoll(digits)) * mul;
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

namespace {

// "pass", "violation residue", "finding lost-cancel, parked-forever".
std::string verdict_text(const std::vector<Expect>& verdicts) {
  if (!verdicts.front().is_finding()) return verdicts.front().to_string();
  std::string v = "finding";
  for (size_t i = 0; i < verdicts.size(); ++i) v += fmt::format("{}{}", i ? ", " : " ", verdicts[i].id());
  return v;
}

using ObsMap = std::map<std::pair<int, int>, std::string>;
ObsMap obs_of(const ExecResult& r) {
  ObsMap m;
  for (const Observation& o : r.observations) m[{o.script, o.op}] = o.value;
  return m;
}

// The observations to assert, from one run; one the model settled a race for (a same-instant
// timeout and deadline) is racy from the start: Go may answer the alternative.
void base_observations(const ExecResult& r, GoExpectations& e) {
  for (const Observation& o : r.observations) {
    GoExpectations::Obs ob{o.what, o.value, o.alternative.empty(), {}};
    if (!o.alternative.empty()) ob.others.push_back(o.alternative);
    e.obs[{o.script, o.op}] = std::move(ob);
  }
}

// Marks every observation whose value in `seen` differs as racy.
void mark_racy(GoExpectations& e, const ObsMap& seen) {
  for (auto& [key, ob] : e.obs) {
    auto it = seen.find(key);
    std::string v = it == seen.end() ? "(not reached)" : it->second;
    if (v != ob.value) {
      ob.stable = false;
      if (std::find(ob.others.begin(), ob.others.end(), v) == ob.others.end()) ob.others.push_back(v);
    }
  }
}

// Finalizers: the end phase drops everything and collects to a fixpoint. A finalizer on an
// object reachable from itself never runs (finding finalizer-cycle); one on a package-level
// variable (Background, TODO) never runs; the others run, unless a goroutine parks forever
// holding something (then nothing is asserted).
void expect_finalizers(const Program& p, const ExecResult& r, GoExpectations& e) {
  std::set<uint32_t> cycle;
  bool parked = false;
  for (const FindingReport& f : r.findings) {
    if (f.id == Finding::FinalizerCycle) {
      auto pos = f.message.find(" on h");
      if (pos != std::string::npos) cycle.insert(static_cast<uint32_t>(std::stoul(f.message.substr(pos + 5))));
    }
    if (f.id == Finding::ParkedForever) parked = true;
  }
  std::vector<const Op*> creator(p.max_handle() + 1, nullptr);
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops)
      if (op.result) creator[op.result] = &op;
  std::set<uint32_t> done;
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops) {
      if (op.kind != OpKind::SetFinalizer || !done.insert(op.a).second) continue;
      const Op* c = creator[op.a];
      if (c && c->kind == OpKind::WithoutCancel) continue;  // not set in Go (see set_finalizer's Go)
      bool global = c && (c->kind == OpKind::Background || c->kind == OpKind::Todo);
      if (cycle.count(op.a) || global) e.finalizer_never.push_back(op.a);
      else if (!parked && r.verdict != Verdict::Violation) e.finalizer_runs.push_back(op.a);
    }
}

// The first step where `got` leaves `want`, for messages.
std::string divergence(const std::vector<OpEvent>& want, const std::vector<OpEvent>& got) {
  size_t i = 0;
  while (i < want.size() && i < got.size() && want[i] == got[i]) ++i;
  if (i < want.size() && i < got.size())
    return fmt::format("step {}: recorded {}, forced {}", i + 1, describe_event(want[i]), describe_event(got[i]));
  if (i < want.size()) return fmt::format("step {} ({}) never gets its turn", i + 1, describe_event(want[i]));
  return fmt::format("step {} ({}) is not in the recorded order", i + 1, describe_event(got[i]));
}

// The virtual instants a run reaches: when each op ran or returned, and the instants its
// op aims at (a timeout's deadline, the end of a sleep or a select's timeout).
void add_instants(const Program& p, const ExecResult& r, std::set<int64_t>& out) {
  for (const OpEvent& ev : r.op_events) {
    out.insert(ev.vtime);
    if (ev.phase != OpPhase::Begin) continue;
    const Op& op = p.scripts[ev.script].ops[ev.op];
    switch (op.kind) {
      case OpKind::WithTimeout: case OpKind::Sleep: case OpKind::Select: out.insert(ev.vtime + op.duration); break;
      case OpKind::WithDeadline: out.insert(op.deadline); break;
      default: break;
    }
  }
}

// Findings about the program that the Go test shows too: the handles whose cancel is never
// called, and the waits that never return (a Begin without a Resume).
void expect_findings(const Program& p, const ExecResult& r, GoExpectations& e) {
  static constexpr std::string_view kLost = "the cancel func of h";
  for (const FindingReport& f : r.findings)
    if (f.id == Finding::LostCancel && !f.detail.done_at_end && f.message.rfind(kLost, 0) == 0)
      e.lost_cancel.push_back(static_cast<uint32_t>(std::stoul(f.message.substr(kLost.size()))));
  std::set<std::pair<int, int>> returned;
  for (const OpEvent& ev : r.op_events)
    if (ev.phase == OpPhase::Resume) returned.insert({ev.script, ev.op});
  for (const OpEvent& ev : r.op_events)
    if (ev.phase == OpPhase::Begin && p.scripts[ev.script].ops[ev.op].kind == OpKind::Wait &&
        !returned.count({ev.script, ev.op}))
      e.parked.insert({ev.script, ev.op});
}

// Why a run ended before the program did, if it did: with the invariants only recording,
// the faithful model runs every program to its end, or parks main forever (a finding);
// anything else (a panic, the step limit, a planted fault's livelock) leaves the rest of
// the program unobserved, and a Go test of it would assert a partial run.
std::optional<std::string> stopped_early(const ExecResult& r) {
  if (r.outcome == rt::Outcome::Ok || r.outcome == rt::Outcome::ProgramDeadlock) return std::nullopt;
  std::string at;
  if (!r.op_events.empty())
    at = fmt::format(" after {}", describe_event(r.op_events.back()));
  return fmt::format("the model's run stopped early ({}{}{}{}): the Go test would assert a partial run",
                     rt::outcome_name(r.outcome), r.outcome_message.empty() ? "" : ": ", r.outcome_message, at);
}

void expect_afterfunc_runs(const ExecResult& r, GoExpectations& e) {
  for (const auto& [h, n] : r.afterfunc_runs) e.afterfunc_runs.push_back({h, n, true});
}

void mark_racy_runs(GoExpectations& e, const ExecResult& r) {
  for (auto& a : e.afterfunc_runs) {
    auto it = r.afterfunc_runs.find(a.handle);
    if ((it == r.afterfunc_runs.end() ? 0 : it->second) != a.runs) a.stable = false;
  }
}

void finish_instants(std::set<int64_t>& instants, GoExpectations& e) {
  instants.insert(0);
  e.instants.assign(instants.begin(), instants.end());
}

}  // namespace

GoExpectations model_expectations(const Program& p, uint32_t samples, const model::FaultSet& faults) {
  GoExpectations e;
  e.samples = samples;
  // Real Go has none of the model's injected faults: the faithful model is the reference
  // (a planted fault shows as a mismatch). The verdict is the invariants' as usual...
  ExecOptions opts;
  opts.limits = recorded_options(p).limits;  // the trace's `max-steps:`, as replay runs it
  opts.faults = faults;
  {
    rt::ReplayChoices recorded(p.schedule);
    ExecResult v = execute(p, recorded, opts);
    e.verdicts = v.verdicts();
    e.verdict = verdict_text(e.verdicts);
    if (v.violation)
      e.violations.push_back(fmt::format("{} at go {}, op {}: {}", name_of(v.violation->id), v.violation->at.script,
                                         v.violation->at.op + 1, v.violation->message));
  }
  // ... but the runs whose observations the Go test asserts go on past a violation.
  opts.invariants = InvariantSet{};
  rt::ReplayChoices recorded(p.schedule);
  ExecResult r = execute(p, recorded, opts);
  if (auto why = stopped_early(r)) {
    e.stopped_early = *why;
    return e;
  }
  std::set<int64_t> instants;
  add_instants(p, r, instants);
  auto sample = [&](uint32_t k) -> ExecResult {
    rt::PrngChoices prng(0x5eed0000ULL + k);
    MainLast extreme(k == 0);
    rt::ChoiceSource& choices = k < 2 ? static_cast<rt::ChoiceSource&>(extreme) : prng;
    ExecResult rk = execute(p, choices, opts);
    add_instants(p, rk, instants);
    return rk;
  };
  if (p.scripts.size() == 1) {
    base_observations(r, e);
    expect_afterfunc_runs(r, e);
    for (uint32_t k = 0; k < samples; ++k) {
      ExecResult rk = sample(k);
      mark_racy(e, obs_of(rk));
      mark_racy_runs(e, rk);
    }
    expect_finalizers(p, r, e);
    expect_findings(p, r, e);
    finish_instants(instants, e);
    return e;
  }
  // Goroutines: the Go test forces the recorded op order; assert what the model observes
  // under that order (the first forced run), unless another forced schedule disagrees.
  e.order = r.op_events;
  opts.forced_order = &e.order;
  ExecResult forced = sample(0);
  if (forced.op_events != e.order) {
    e.not_forceable = fmt::format("the model cannot follow its own recorded op order with ops kept whole "
                                  "(what the Go test forces): {}",
                                  divergence(e.order, forced.op_events));
    return e;
  }
  if (auto why = stopped_early(forced)) {
    e.stopped_early = *why;
    return e;
  }
  base_observations(forced, e);
  expect_afterfunc_runs(forced, e);
  for (uint32_t k = 1; k < samples; ++k) {
    ExecResult rk = sample(k);
    if (rk.op_events != e.order) {
      e.not_forceable = fmt::format("with the recorded op order forced, the steps' times depend on timer "
                                    "callbacks the Go test cannot order (sampled schedule {}: {})",
                                    k, divergence(e.order, rk.op_events));
      return e;
    }
    mark_racy(e, obs_of(rk));
    mark_racy_runs(e, rk);
  }
  ObsMap rec = obs_of(r);
  for (const auto& [key, ob] : e.obs) {
    auto it = rec.find(key);
    std::string v = it == rec.end() ? "(not reached)" : it->second;
    if (v != ob.value)
      e.not_reproduced.push_back(fmt::format("go {}, op {} ({}): the recorded schedule observes {}, the forced op "
                                             "order {}",
                                             key.first, key.second + 1, ob.what, v, ob.value));
  }
  expect_finalizers(p, forced, e);
  expect_findings(p, forced, e);
  finish_instants(instants, e);
  return e;
}

int64_t go_default_scale(const GoExpectations& e) {
  int64_t gap = 0;
  for (size_t i = 1; i < e.instants.size(); ++i)
    if (int64_t d = e.instants[i] - e.instants[i - 1]; d > 0 && (gap == 0 || d < gap)) gap = d;
  if (gap == 0) return 20;
  return std::clamp<int64_t>((kGoSpacingNs + gap - 1) / gap, 1, 1000);
}

GoClock go_clock(const GoExpectations& e, int64_t scale) {
  GoClock c;
  c.scale = scale > 0 ? scale : go_default_scale(e);
  c.virt = e.instants.empty() ? std::vector<int64_t>{0} : e.instants;
  c.real.push_back(0);
  for (size_t i = 1; i < c.virt.size(); ++i) {
    int64_t gap = c.virt[i] - c.virt[i - 1];
    int64_t real_gap = gap >= kGoCapNs / c.scale ? kGoCapNs : std::max(gap * c.scale, kGoSpacingNs);
    c.real.push_back(c.real.back() + real_gap);
  }
  return c;
}

GenOptions go_conformance_gen(uint32_t ops, uint32_t goroutines, bool gc, int go_minor) {
  GenOptions g;
  g.ops = ops;
  g.goroutines = goroutines;
  g.kinds.clear();
  for (size_t k = 0; k < kNumOpKinds; ++k) {
    auto kind = static_cast<OpKind>(k);
    const OpSpec& spec = op_spec(kind);
    if (spec.unsafe() || spec.go.minor > go_minor) continue;
    if (kind == OpKind::Go && goroutines <= 1) continue;
    if ((kind == OpKind::SetFinalizer || kind == OpKind::Gc) && !gc) continue;
    g.kinds.push_back(kind);
  }
  return g;
}

void strip_observations_beyond(Program& p, int go_minor) {
  for (auto& s : p.scripts)
    std::erase_if(s.ops, [go_minor](const Op& op) {
      return op.kind == OpKind::Observe && kObserveKinds[static_cast<size_t>(op.observe)].go.minor > go_minor;
    });
}

void record_random_schedule(Program& p, uint64_t seed) {
  rt::PrngChoices prng(seed);
  ExecResult r = execute(p, prng, ExecOptions{});
  p.schedule.clear();
  for (const auto& d : r.decisions) p.schedule.push_back(d.chosen);
}

bool go_needs_isolation(const Program& p) {
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops) {
      if (op.kind == OpKind::SetFinalizer) return true;
      if (op.kind == OpKind::Observe && op.observe == Observe::Goroutines) return true;
    }
  return false;
}

std::string go_preamble(const std::string& package_name) {
  // The file's own package clause gives way to the test's.
  std::string_view body = kGoHelpers;
  body.remove_prefix(body.find("\nimport ("));
  return fmt::format("package {}\n{}", package_name, body);
}

namespace {

// What emitting one program's Go needs to know across its ops.
struct Emitter {
  const Program& p;
  const GoExpectations& e;
  std::string globals;                     // the Go name of its `store` slots
  bool goroutines;                         // several scripts: turns, registry handles
  std::vector<const Op*> creator;          // handle -> the op that made it
  std::set<std::string> finalized_objects; // runtime.SetFinalizer twice on one object throws
  std::map<std::tuple<int, int, OpPhase>, int> turn;  // step -> its index in e.order
  std::set<uint32_t> lost;                 // handles of finding lost-cancel: kept to the end

  int turn_of(size_t s, size_t i, OpPhase ph) const {
    auto it = turn.find({static_cast<int>(s), static_cast<int>(i), ph});
    return it == turn.end() ? -1 : it->second;
  }
  const GoExpectations::Obs* obs(size_t s, size_t i) const {
    auto it = e.obs.find({static_cast<int>(s), static_cast<int>(i)});
    return it == e.obs.end() ? nullptr : &it->second;
  }
  // An assertion on `expr` (a Go string), or a log line when the model never got here.
  std::string check(size_t s, size_t i, const std::string& what, const std::string& expr) const {
    const GoExpectations::Obs* ob = obs(s, i);
    if (!ob) return fmt::format("p.unchecked({}, {})", quote(what), expr);
    return fmt::format("p.check({}, {}, {}, {})", quote(what), quote(ob->value), ob->stable ? "true" : "false", expr);
  }
};

std::string H(uint32_t h) { return fmt::format("p.h[{}]", h); }
std::string C(uint32_t h) { return fmt::format("p.c[{}]", h); }
std::string cause_expr(int32_t n) { return n ? fmt::format("ctxcheckCause({})", n) : "nil"; }
bool has_cause_func(const Emitter& x, uint32_t h) {
  return x.creator[h] && x.creator[h]->kind == OpKind::WithCancelCause;
}
// The call of handle h's cancel func: its CancelFunc, or its CancelCauseFunc with `cause`.
std::string cancel_call(const Emitter& x, uint32_t h, int32_t cause) {
  return has_cause_func(x, h) ? fmt::format("p.cc[{}]({})", h, cause_expr(cause)) : C(h) + "()";
}
// Handle h's cancel as a func() (what an after_func's f calls).
std::string cancel_func(const Emitter& x, uint32_t h) {
  return has_cause_func(x, h) ? fmt::format("ctxcheckNilCause(p.cc[{}])", h) : C(h);
}

std::optional<std::string> cause_op_code(Emitter& x, size_t s, size_t i, const Op& op);

// with_timeout[_cause]: `timeout` (WithTimeout), or `same` (WithDeadline at the parent's own
// deadline `dl`) when the timeout ends on the very virtual instant the parent's deadline
// does. On the model's clock (as under testing/synctest) no time passes between the two
// calls, the deadlines are equal and WithDeadline makes a timerCtx; Go's real clock always
// moved on, so WithTimeout's deadline would be later and give the parent's WithCancel
// (observe string tells the two apart).
std::string with_timeout_code(const Op& op, const std::string& timeout, const std::string& same) {
  return fmt::format("if dl, tie := p.sameDeadline({}, {}); tie {{\n\t\t\t{}, {} = {}\n\t\t}} else {{\n\t\t\t{}, {} = "
                     "{}\n\t\t}}\n\t\tp.derive({}, {}, p.vnow+{})",
                     op.a, go_dur(op.duration), H(op.result), C(op.result), same, H(op.result), C(op.result), timeout,
                     op.result, op.a, go_dur(op.duration));
}

std::optional<std::string> common_op_code_of(Emitter& x, size_t s, size_t i, const Op& op);

// The Go for an op that reads the same in sequential and goroutine programs (everything
// but the blocking ops, defer, drop and go); nullopt for those. A context whose cancel is
// never called is kept for the end, where the test shows it still registered.
std::optional<std::string> common_op_code(Emitter& x, size_t s, size_t i, const Op& op) {
  auto code = common_op_code_of(x, s, i, op);
  if (code && op.result && x.lost.count(op.result))
    *code += fmt::format("\n\t\tp.keep({}) // its cancel is never called (finding lost-cancel)", op.result);
  return code;
}

std::optional<std::string> common_op_code_of(Emitter& x, size_t s, size_t i, const Op& op) {
  switch (op.kind) {
    case OpKind::Background: return fmt::format("{} = context.Background()", H(op.result));
    case OpKind::Todo: return fmt::format("{} = context.TODO()", H(op.result));
    case OpKind::WithCancel:
      return fmt::format("{}, {} = context.WithCancel({})\n\t\tp.derive({}, {}, -1)", H(op.result), C(op.result),
                         H(op.a), op.result, op.a);
    case OpKind::WithTimeout:
      return with_timeout_code(op, fmt::format("context.WithTimeout({}, p.span({}))", H(op.a), go_dur(op.duration)),
                               fmt::format("context.WithDeadline({}, dl)", H(op.a)));
    case OpKind::WithDeadline:
      return fmt::format("{}, {} = context.WithDeadline({}, p.at({}))\n\t\tp.derive({}, {}, {})", H(op.result),
                         C(op.result), H(op.a), go_dur(op.deadline), op.result, op.a, go_dur(op.deadline));
    case OpKind::WithValue:
      return fmt::format("{} = context.WithValue({}, ctxcheckKey{}({}), {})\n\t\tp.derive({}, {}, -1)", H(op.result), H(op.a),
                         static_cast<char>('A' + op.key.type), op.key.value, op.value, op.result, op.a);
    case OpKind::Custom: {
      if (op.custom == CustomKind::AfterFuncer)
        return fmt::format("{}, {} = ctxcheckNewAfterFuncer({})\n\t\tp.derive({}, {}, -1)", H(op.result), C(op.result),
                           H(op.a), op.result, op.a);
      std::string lit = op.custom == CustomKind::Wrapper   ? "&ctxcheckWrapper{{{}}}"
                        : op.custom == CustomKind::OwnDone ? "&ctxcheckOwnDone{{{}, make(chan struct{{}})}}"
                                                                              : "&ctxcheckBrokenErr{{{}}}";
      return fmt::format("{} = {}\n\t\tp.derive({}, {}, -1)", H(op.result), fmt::format(fmt::runtime(lit), H(op.a)),
                         op.result, op.a);
    }
    case OpKind::Cancel: return cancel_call(x, op.a, op.cause);
    case OpKind::Yield: return "runtime.Gosched()";
    case OpKind::Observe: {
      const GoExpectations::Obs* ob = x.obs(s, i);
      std::string label = fmt::format("{} h{}", name_of(op.observe), op.a);
      switch (op.observe) {
        case Observe::Err: return x.check(s, i, label, fmt::format("ctxcheckErr({}.Err())", H(op.a)));
        case Observe::Done: return x.check(s, i, label, fmt::format("ctxcheckDone({})", H(op.a)));
        case Observe::Children: return x.check(s, i, label, fmt::format("ctxcheckChildren({})", H(op.a)));
        case Observe::String: return x.check(s, i, label, fmt::format("ctxcheckString({})", H(op.a)));
        case Observe::Value:
          return x.check(s, i, fmt::format("value h{} key{}:{}", op.a, static_cast<char>('A' + op.key.type), op.key.value),
                         fmt::format("ctxcheckValue({}.Value(ctxcheckKey{}({})))", H(op.a), static_cast<char>('A' + op.key.type),
                                     op.key.value));
        case Observe::Deadline: {
          int64_t model = ob ? parse_duration_ns(ob->value).value_or(-1) : -1;
          return x.check(s, i, label, fmt::format("p.deadline({}, {}, {}, {})", quote(label), op.a, model,
                                                  ob && ob->stable ? "true" : "false"));
        }
        case Observe::Goroutines:
          return ob ? fmt::format("p.goroutines(\"goroutines\", {}, {})", quote(ob->value), ob->stable ? "true" : "false")
                    : "p.unchecked(\"goroutines\", strconv.Itoa(runtime.NumGoroutine()-p.g0+1))";
        case Observe::Cause: return x.check(s, i, label, fmt::format("ctxcheckErr(context.Cause({}))", H(op.a)));
      }
      throw std::invalid_argument(fmt::format("observe {} cannot be exported", name_of(op.observe)));
    }
    case OpKind::Store: return fmt::format("{}[{}] = {}", x.globals, op.slot, H(op.a));
    case OpKind::SetFinalizer: {
      const Op* c = x.creator[op.a];
      std::string obj = c && (c->kind == OpKind::Background || c->kind == OpKind::Todo) ? std::string(op_name(c->kind))
                                                                                        : fmt::format("h{}", op.a);
      if (obj == "background" || obj == "todo")
        return "// a package-level variable of the context package: its finalizer never runs";
      if (c && c->kind == OpKind::WithoutCancel)  // Go: "fatal error: runtime.SetFinalizer: ... not pointer"
        return "// context.WithoutCancel returns a struct value, not a pointer: runtime.SetFinalizer on it is a "
               "fatal error in Go, so it is not set (nor compared)";
      if (!x.finalized_objects.insert(obj).second)
        return "// already set (runtime.SetFinalizer twice on one object is a fatal error)";
      return fmt::format("p.setFinalizer({})", op.a);
    }
    case OpKind::Gc: return "runtime.GC()";
    case OpKind::Keep: return fmt::format("// keep h{}: long-lived on purpose (ctxcheck reports no lost cancel)", op.a);
    default: return cause_op_code(x, s, i, op);
  }
}

// The ops of Go 1.20 and 1.21: the cause variants, WithoutCancel, AfterFunc and its stop.
std::optional<std::string> cause_op_code(Emitter& x, size_t s, size_t i, const Op& op) {
  switch (op.kind) {
    case OpKind::WithCancelCause:
      return fmt::format("{}, p.cc[{}] = context.WithCancelCause({})\n\t\tp.derive({}, {}, -1)", H(op.result),
                         op.result, H(op.a), op.result, op.a);
    case OpKind::WithTimeoutCause:
      return with_timeout_code(
          op, fmt::format("context.WithTimeoutCause({}, p.span({}), {})", H(op.a), go_dur(op.duration), cause_expr(op.cause)),
          fmt::format("context.WithDeadlineCause({}, dl, {})", H(op.a), cause_expr(op.cause)));
    case OpKind::WithDeadlineCause:
      return fmt::format("{}, {} = context.WithDeadlineCause({}, p.at({}), {})\n\t\tp.derive({}, {}, {})",
                         H(op.result), C(op.result), H(op.a), go_dur(op.deadline), cause_expr(op.cause), op.result,
                         op.a, go_dur(op.deadline));
    case OpKind::WithoutCancel:
      return fmt::format("{} = context.WithoutCancel({})\n\t\tp.detach({})", H(op.result), H(op.a), op.result);
    case OpKind::AfterFunc:
      return fmt::format("p.stops[{}] = context.AfterFunc({}, p.afterFunc({}, {}))", op.result, H(op.a), op.result,
                         op.action == Action::Cancel ? cancel_func(x, op.b) : "nil");
    case OpKind::Stop:
      return x.check(s, i, fmt::format("stop h{}", op.a), fmt::format("strconv.FormatBool(p.stops[{}]())", op.a));
    default: return std::nullopt;
  }
}

// A select the model answered both ways (a timeout on the instant its context's deadline
// expires: which timer fires first is a timer-tie choice). In a sequential program the Go
// test can force the recorded order (tieSelect), so it asserts the recorded answer.
bool is_select_tie(const GoExpectations::Obs& ob) {
  if (ob.stable || ob.others.size() != 1) return false;
  std::set<std::string> values{ob.value, ob.others.front()};
  return values == std::set<std::string>{"done", "timeout"};
}

// A sequential program's op: the virtual clock moves with its own sleeps and waits.
std::string sequential_op_code(Emitter& x, size_t i, const Op& op) {
  if (auto code = common_op_code(x, 0, i, op)) return *code;
  switch (op.kind) {
    case OpKind::DeferCancel: return "defer " + cancel_call(x, op.a, op.cause);
    case OpKind::Wait:
      if (x.e.parked.count({0, static_cast<int>(i)}))
        return fmt::format("p.parkMain({}, \"parked-forever: go 0, op {}: wait h{}\")\n\t\treturn", op.a, i + 1, op.a);
      return fmt::format("p.wait({})", op.a);
    case OpKind::Select: {
      std::string what = fmt::format("select h{}", op.a);
      if (const GoExpectations::Obs* ob = x.obs(0, i); ob && is_select_tie(*ob))
        return fmt::format("p.tieSelect({}, {}, {}, {})", quote(what), op.a, go_dur(op.duration), quote(ob->value));
      return x.check(0, i, what, fmt::format("p.sel({}, {})", op.a, go_dur(op.duration)));
    }
    case OpKind::Sleep: return fmt::format("p.sleep({})", go_dur(op.duration));
    case OpKind::Drop: return fmt::format("{}, {} = nil, nil", H(op.a), C(op.a));
    default: throw std::invalid_argument(fmt::format("op {} cannot be exported", op_name(op.kind)));
  }
}

// An op of a program with goroutines: every step waits for its turn; a blocking op's start
// and return are two turns, with the real blocking in between.
std::string turn_op_code(Emitter& x, size_t s, size_t i, const Op& op) {
  int k = x.turn_of(s, i, OpPhase::Begin);
  int kr = x.turn_of(s, i, OpPhase::Resume);
  if (k < 0)  // never emitted as p.turn(-1): the model's order must hold every reached op
    throw std::invalid_argument(fmt::format("{} is not in the model's recorded op order", where(s, i, op)));
  std::string take = fmt::format("if !p.turn({}) {{\n\t\t\treturn\n\t\t}}\n\t\t", k);
  std::string take_r = fmt::format("if !p.turn({}) {{\n\t\t\treturn\n\t\t}}\n\t\t", kr);
  switch (op.kind) {
    case OpKind::DeferCancel: {
      int kd = x.turn_of(s, i, OpPhase::Deferred);
      return fmt::format("{}defer func() {{\n\t\t\tif p.turn({}) {{\n\t\t\t\t{}\n\t\t\t\tp.release({})\n\t\t\t}}\n\t\t}}()\n\t\t"
                         "p.release({})",
                         take, kd, cancel_call(x, op.a, op.cause), kd, k);
    }
    case OpKind::Go:
      return fmt::format("{}p.spawn(go{})\n\t\tp.release({})", take, op.script, k);
    case OpKind::Drop:
      return fmt::format("{}// (the test keeps h{} in its registry: other goroutines may hold it; GC is compared "
                         "only at the end)\n\t\tp.release({})",
                         take, op.a, k);
    case OpKind::Sleep: return fmt::format("{}p.release({})\n\t\t{}p.release({})", take, k, take_r, kr);
    case OpKind::Wait: {
      std::string blockcode = kr < 0 ? fmt::format("p.park(done{}, \"go {}, op {}: wait h{}\")\n\t\treturn", i, s, i + 1, op.a)
                                     : fmt::format("if !p.waitDone(done{}, {}) {{\n\t\t\treturn\n\t\t}}\n\t\t{}p.release({})",
                                                   i, kr, take_r, kr);
      return fmt::format("{}done{} := {}.Done()\n\t\tp.release({})\n\t\t{}", take, i, H(op.a), k, blockcode);
    }
    case OpKind::Select: {
      std::string label = fmt::format("select h{}", op.a);
      return fmt::format("{}done{} := {}.Done()\n\t\tp.release({})\n\t\tgot{} := p.selectDone(done{}, {}, {}, p.vt[{}]+{})"
                         "\n\t\t{}{}\n\t\tp.release({})",
                         take, i, H(op.a), k, i, i, k, kr, k, go_dur(op.duration), take_r,
                         x.check(s, i, label, fmt::format("got{}", i)), kr);
    }
    default: {
      auto code = common_op_code(x, s, i, op);
      if (!code) throw std::invalid_argument(fmt::format("op {} cannot be exported", op_name(op.kind)));
      return fmt::format("{}{}\n\t\tp.release({})", take, *code, k);
    }
  }
}

// The check of how often each AfterFunc's f ran, against the model's count at the end.
std::string afterfunc_runs_code(const GoExpectations& e) {
  if (e.afterfunc_runs.empty()) return "";
  std::string hs, runs, stable;
  for (size_t k = 0; k < e.afterfunc_runs.size(); ++k) {
    const auto& a = e.afterfunc_runs[k];
    const char* sep = k ? ", " : "";
    hs += fmt::format("{}{}", sep, a.handle);
    runs += fmt::format("{}{}", sep, a.runs);
    stable += fmt::format("{}{}", sep, a.stable ? "true" : "false");
  }
  return fmt::format("\tp.afterFuncRuns([]int{{{}}}, []int32{{{}}}, []bool{{{}}})\n", hs, runs, stable);
}

std::string int_list(const std::vector<uint32_t>& v) {
  std::string s = "[]int{";
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s + "}";
}

std::string duration_list(const std::vector<int64_t>& v) {
  std::string s = "[]time.Duration{";
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s + "}";
}

// Where Go keeps a context whose cancel is never called, seen from the program: the
// children map of its nearest cancelable ancestor, a watcher goroutine when a user-defined
// Context with its own Done is on the way, or nowhere (Background, TODO).
std::string lost_cancel_where(const Emitter& x, uint32_t h) {
  const Op* op = x.creator[h];
  if (op && op->kind == OpKind::Custom)  // an afterfuncer: its own cancel func, no propagateCancel
    return "uncanceled, a user-defined Context (never registered)";
  while (op && op->a && x.creator[op->a]) {
    const Op* parent = x.creator[op->a];
    switch (parent->kind) {
      case OpKind::WithCancel: case OpKind::WithTimeout: case OpKind::WithDeadline:
        return "uncanceled, registered in its parent";
      case OpKind::Custom:
        if (parent->custom == CustomKind::OwnDone) return "uncanceled, watched by a goroutine";
        if (parent->custom == CustomKind::AfterFuncer) return "uncanceled, registered through its AfterFunc";
        break;
      case OpKind::Background: case OpKind::Todo: case OpKind::WithoutCancel:  // Done() == nil from here up
        return "uncanceled, not registered (no cancelable ancestor)";
      default: break;
    }
    op = parent;
  }
  return "uncanceled, not registered (no cancelable ancestor)";
}

// One script's ops, each under its trace line as a comment. After a wait the model never
// returns from, the rest is never reached: it stays a comment (go vet: unreachable code).
std::string script_body(Emitter& x, size_t s) {
  std::string body;
  const auto& ops = x.p.scripts[s].ops;
  bool reached = true;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (!reached) {
      body += fmt::format("\t\t// {} (never reached: the wait above never returns)\n", print_op(op));
      continue;
    }
    std::string code = x.goroutines ? turn_op_code(x, s, i, op) : sequential_op_code(x, i, op);
    body += fmt::format("\t\t// {}\n\t\t{}\n", print_op(op), code);
    if (op.kind == OpKind::Wait && x.e.parked.count({static_cast<int>(s), static_cast<int>(i)})) reached = false;
  }
  return body;
}

// A program with goroutines: the forced order, one func per script, main's body, finish.
std::string goroutine_bodies(Emitter& x) {
  const Program& p = x.p;
  const GoExpectations& e = x.e;
  std::string vt = "[]time.Duration{", labels = "[]string{";
  for (size_t k = 0; k < e.order.size(); ++k) {
    const OpEvent& ev = e.order[k];
    const Op& op = p.scripts[ev.script].ops[ev.op];
    vt += fmt::format("{}{}", k ? ", " : "", ev.vtime);
    labels += fmt::format("{}{}", k ? ", " : "",
                          quote(fmt::format("step {}: go {}, op {} ({}){}", k + 1, ev.script, ev.op + 1,
                                            print_op(op), phase_suffix(ev.phase))));
  }
  std::string out = fmt::format("\t// The model's op-level order: step k runs at virtual time vt[k] once every earlier "
                                "one ran.\n\tp.forceOrder({}}}, {}}})\n",
                                vt, labels);
  out += "\tvar ";
  for (size_t s = 1; s < p.scripts.size(); ++s) out += fmt::format("{}go{}", s > 1 ? ", " : "", s);
  out += " func()\n";
  std::vector<std::string> bodies(p.scripts.size());
  for (size_t s = 0; s < p.scripts.size(); ++s) bodies[s] = script_body(x, s);
  for (size_t s = 1; s < p.scripts.size(); ++s) out += fmt::format("\tgo{} = func() {{\n{}\t}}\n", s, bodies[s]);
  return out + fmt::format("\tfunc() {{\n{}\t}}()\n\tp.finish({})\n", bodies[0], e.parked.size());
}

}  // namespace

std::string go_program_func(const Program& p, const GoExpectations& e, const std::string& fname,
                            int64_t scale) {
  if (auto why = go_export_unsupported(p)) throw std::invalid_argument(*why);
  if (e.not_forceable) throw std::invalid_argument(*e.not_forceable);
  if (e.stopped_early) throw std::invalid_argument(*e.stopped_early);
  Emitter x{p, e, fname + "Globals", p.scripts.size() > 1, std::vector<const Op*>(p.max_handle() + 1, nullptr), {}, {},
            std::set<uint32_t>(e.lost_cancel.begin(), e.lost_cancel.end())};
  for (size_t k = 0; k < e.order.size(); ++k)
    x.turn[{e.order[k].script, e.order[k].op, e.order[k].phase}] = static_cast<int>(k);
  for (const auto& sc : p.scripts)
    for (const Op& op : sc.ops)
      if (op.result) x.creator[op.result] = &op;
  std::string out;
  int64_t max_global = -1;
  for (const auto& sc : p.scripts)
    for (const Op& op : sc.ops)
      if (op.kind == OpKind::Store) max_global = std::max(max_global, op.slot);
  if (max_global >= 0) out += fmt::format("var {} [{}]context.Context\n\n", x.globals, max_global + 1);
  GoClock clock = go_clock(e, scale);
  out += fmt::format("func {}(t *testing.T) {{\n", fname);
  out += fmt::format("\t// Virtual instants (ns) and the real offsets they happen at (scale {}, see the header).\n"
                     "\tclock := ctxcheckClock{{virt: {}, real: {}, spacing: {}}}\n",
                     clock.scale, duration_list(clock.virt), duration_list(clock.real), kGoSpacingNs);
  out += fmt::format("\tp := newCtxcheckProg(t, clock, {}, {})\n", p.max_handle() + 1,
                     go_needs_isolation(p) ? "true" : "false");
  out += x.goroutines ? goroutine_bodies(x) : fmt::format("\tfunc() {{\n{}\t}}()\n", script_body(x, 0));
  out += afterfunc_runs_code(e);
  for (uint32_t h : e.lost_cancel)
    out += fmt::format("\t// finding lost-cancel: the cancel func of h{} is never called\n"
                       "\tp.check(\"lost-cancel h{}\", {}, true, p.lostCancel({}))\n",
                       h, h, quote(lost_cancel_where(x, h)), h);
  if (max_global >= 0) out += fmt::format("\tfor i := range {} {{\n\t\t{}[i] = nil\n\t}}\n", x.globals, x.globals);
  out += fmt::format("\tp.end({}, {})\n}}\n", int_list(e.finalizer_runs), int_list(e.finalizer_never));
  return out;
}

bool is_export_go_file(const std::string& text) { return text.rfind(kGoGeneratedMarker, 0) == 0; }

std::string go_helpers_file(const std::string& package_name) {
  return fmt::format("{}\n//\n// The helpers shared by every test ctxcheck export-go wrote into this package; export-go\n"
                     "// writes this file whenever it exports here (the same bytes for the same ctxcheck).\n\n{}",
                     kGoGeneratedMarker, go_preamble(package_name));
}

std::string go_package_clause(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = text.find_first_not_of(" \t\r\n", pos);
    if (start == std::string::npos) return "";
    if (text.compare(start, 2, "//") == 0) {
      pos = text.find('\n', start);
      if (pos == std::string::npos) return "";
      continue;
    }
    if (text.compare(start, 2, "/*") == 0) {
      pos = text.find("*/", start + 2);
      if (pos == std::string::npos) return "";
      pos += 2;
      continue;
    }
    if (text.compare(start, 8, "package ") != 0 && text.compare(start, 8, "package\t") != 0) return "";
    size_t b = text.find_first_not_of(" \t", start + 8);
    size_t e = b == std::string::npos ? b : text.find_first_of(" \t\r\n;/", b);
    return b == std::string::npos ? "" : text.substr(b, e == std::string::npos ? std::string::npos : e - b);
  }
  return "";
}

std::optional<std::string> go_package_in_dir(const std::filesystem::path& dir) {
  std::set<std::string> plain, tests;
  std::error_code ec;
  for (const auto& ent : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = ent.path().filename().string();
    if (ent.path().extension() != ".go" || !ent.is_regular_file()) continue;
    std::string text = read_file(ent.path().string());
    std::string pkg = go_package_clause(text);
    if (pkg.empty() || text.substr(0, text.find("\npackage")).find("//go:build ignore") != std::string::npos)
      continue;  // not Go, or a `go run` script beside the package (often package main)
    bool is_test = name.size() > 8 && name.substr(name.size() - 8) == "_test.go";
    (is_test ? tests : plain).insert(pkg);
  }
  if (plain.size() > 1)
    throw std::invalid_argument(fmt::format("{}: its .go files declare several packages ({}, {})", dir.string(),
                                            *plain.begin(), *std::next(plain.begin())));
  if (!plain.empty()) return *plain.begin();
  for (const std::string& t : tests)  // x beside x_test: the package under test
    if (t.size() <= 5 || t.substr(t.size() - 5) != "_test" || !tests.count(t.substr(0, t.size() - 5))) return t;
  return std::nullopt;
}

namespace {

// Which of the packages a test file may import its code uses ("time." after a non-letter).
std::string imports_for(const std::string& code) {
  static constexpr std::pair<std::string_view, std::string_view> pkgs[] = {
      {"context.", "context"}, {"runtime.", "runtime"}, {"strconv.", "strconv"},
      {"atomic.", "sync/atomic"}, {"testing.", "testing"}, {"time.", "time"}};
  std::string out = "import (\n";
  for (auto [use, path] : pkgs) {
    for (size_t pos = code.find(use); pos != std::string::npos; pos = code.find(use, pos + 1)) {
      char before = pos ? code[pos - 1] : ' ';
      if (!std::isalnum(static_cast<unsigned char>(before)) && before != '_') {
        out += fmt::format("\t\"{}\"\n", path);
        break;
      }
    }
  }
  return out + ")\n";
}

std::string comment_lines(const std::string& text, const std::string& prefix) {
  std::string out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out += prefix + text.substr(pos, nl - pos) + "\n";
    pos = nl + 1;
  }
  return out;
}

// What the header says about one program: its trace, verdict, faults, clock and racy or
// unforceable observations.
std::string case_header(const GoCase& c, int64_t scale) {
  const Program& p = c.program;
  const GoExpectations& e = c.expect;
  std::string out = comment_lines(print_program(p), "//\t");
  out += fmt::format("//\n// The model's verdict (faithful model, recorded schedule): {}.\n", e.verdict);
  for (const std::string& v : e.violations)
    out += fmt::format("// The invariants recorded {}; the asserted run goes on past it.\n", v);
  if (!p.faults.empty())
    out += fmt::format("// The trace injects the model faults \"{}\"; real Go has none of them, so this test\n"
                       "// asserts what the faithful model observes.\n", p.faults);
  for (uint32_t h : e.lost_cancel)
    out += fmt::format("// Finding lost-cancel: the cancel func of h{} is never called; the test checks at the end that\n"
                       "// Go still holds h{} uncanceled where the model does (its parent's children map).\n", h, h);
  if (!e.parked.empty())
    out += fmt::format("// Finding parked-forever: {} wait(s) never return; the test checks Done is still open when\n"
                       "// the program is over.\n", e.parked.size());
  if (!e.finalizer_never.empty())
    out += "// A finalizer that never runs (finding finalizer-cycle) is checked not to run after GC.\n";
  GoClock clock = go_clock(e, scale);
  out += fmt::format("// Time: the program's {} distinct virtual instants (0 to {}: op times, deadlines, ends of\n"
                     "// sleeps and selects) happen in the same order on the real clock, consecutive ones their\n"
                     "// virtual gap x {} apart (scale {}), but at least {}ms and at most {}ms apart: its {}\n"
                     "// of virtual time take {}ms here. Deadlines are compared in virtual terms.\n",
                     clock.virt.size(), format_duration(clock.virt.back()), clock.scale, clock.scale,
                     kGoSpacingNs / 1000000, kGoCapNs / 1000000, format_duration(clock.virt.back()),
                     clock.real.back() / 1000000);
  size_t racy = 0;
  for (const auto& [k, o] : e.obs) racy += o.stable ? 0 : 1;
  if (racy)
    out += fmt::format("// {} observation(s) differ between the {} sampled schedules of the model: they are\n"
                       "// logged, not asserted.\n", racy, e.samples);
  if (!e.order.empty()) {
    out += fmt::format("//\n// Goroutines: the test forces the model's op-level order ({} steps) with turns: each op\n"
                       "// runs whole, in the recorded order, at its virtual time; a wait, select or sleep lets\n"
                       "// the other goroutines run while it blocks. What happens inside an op (the context\n"
                       "// package's own locking) is Go's, and timer callbacks run when Go runs them.\n",
                       e.order.size());
    if (!e.not_reproduced.empty()) {
      out += "// The recorded schedule interleaves inside ops in a way Go cannot be forced into; with the\n"
             "// op order forced, the model observes instead (and this test asserts that):\n";
      for (const std::string& n : e.not_reproduced) out += "//   " + n + "\n";
    }
  }
  return out;
}

std::string go_identifier(const std::string& s) {
  std::string out;
  for (char ch : s) out += std::isalnum(static_cast<unsigned char>(ch)) ? ch : '_';
  return out;
}

}  // namespace

std::string go_test_file(const std::vector<GoCase>& cases, const GoExportOptions& opts) {
  if (cases.empty()) throw std::invalid_argument("no program to export");
  for (const GoCase& c : cases) {
    if (auto why = go_export_unsupported(c.program, opts.go_minor)) throw std::invalid_argument(*why);
    if (c.expect.not_forceable) throw std::invalid_argument(*c.expect.not_forceable);
    if (c.expect.stopped_early) throw std::invalid_argument(*c.expect.stopped_early);
  }
  std::string out = std::string(kGoGeneratedMarker) + "\n//\n";
  bool table = cases.size() > 1;
  if (table)
    out += fmt::format("// Reproductions in real Go (the context package of Go 1.{}+) of {} traces, one subtest each.\n",
                       opts.go_minor, cases.size());
  for (const GoCase& c : cases) {
    std::string src = c.source.empty() ? "a ctxcheck trace" : c.source;
    out += table ? fmt::format("//\n// Subtest {} reproduces {}:\n//\n", c.name, src)
                 : fmt::format("// A reproduction in real Go (the context package of Go 1.{}+) of {}:\n//\n",
                               opts.go_minor, src);
    out += case_header(c, opts.scale);
  }
  out += fmt::format("//\n// Run: go test -v -run '^{}$' .{}\n\n", opts.test_name,
                     opts.inline_helpers ? "   (in a module: go mod init repro)"
                                         : fmt::format("   (the helpers are in {})", kGoHelpersFile));
  std::string code = fmt::format("func {}(t *testing.T) {{\n", opts.test_name);
  if (!table) code += fmt::format("\trun{}(t)\n", opts.test_name);
  for (const GoCase& c : cases)
    if (table) code += fmt::format("\tt.Run({}, run{}_{})\n", quote(c.name), opts.test_name, go_identifier(c.name));
  code += "\tt.Logf(\"observations compared: %d, logged as racy: %d\", atomic.LoadInt64(&ctxcheckCompared), "
          "atomic.LoadInt64(&ctxcheckRacy))\n}\n";
  for (const GoCase& c : cases)
    code += "\n" + go_program_func(c.program, c.expect,
                                   table ? fmt::format("run{}_{}", opts.test_name, go_identifier(c.name))
                                         : "run" + opts.test_name,
                                   opts.scale);
  if (opts.inline_helpers) return out + go_preamble(opts.package_name) + "\n" + code;
  return out + fmt::format("package {}\n\n{}\n", opts.package_name, imports_for(code)) + code;
}

std::string go_test_file(const Program& p, const GoExpectations& e, const GoExportOptions& opts) {
  return go_test_file(std::vector<GoCase>{{"", opts.source, p, e}}, opts);
}

}  // namespace ctxcheck::harness
