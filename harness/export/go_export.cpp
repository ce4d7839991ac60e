#include "harness/export/go_export.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/catalog/catalog.h"
#include "harness/program/text.h"

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
  int m = kGoTargetMinor;
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops)
      if (auto n = go_need_of(op)) m = std::max(m, n->minor);
  return m;
}

std::optional<std::string> go_export_unsupported(const Program& p) {
  for (size_t s = 0; s < p.scripts.size(); ++s) {
    for (size_t i = 0; i < p.scripts[s].ops.size(); ++i) {
      const Op& op = p.scripts[s].ops[i];
      if (auto n = go_need_of(op))
        return fmt::format("{} needs Go 1.{} ({}); export-go targets Go 1.{}, the installed toolchain",
                           where(s, i, op), n->minor, n->api, kGoTargetMinor);
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

}  // namespace

GoExpectations model_expectations(const Program& p, uint32_t samples) {
  GoExpectations e;
  e.samples = samples;
  // Real Go has none of the model's injected faults: the faithful model is the reference.
  ExecOptions opts;
  rt::ReplayChoices recorded(p.schedule);
  ExecResult r = execute(p, recorded, opts);
  e.verdicts = r.verdicts();
  e.verdict = verdict_text(e.verdicts);
  auto sample = [&](uint32_t k) -> ExecResult {
    rt::PrngChoices prng(0x5eed0000ULL + k);
    MainLast extreme(k == 0);
    rt::ChoiceSource& choices = k < 2 ? static_cast<rt::ChoiceSource&>(extreme) : prng;
    return execute(p, choices, opts);
  };
  if (p.scripts.size() == 1) {
    base_observations(r, e);
    for (uint32_t k = 0; k < samples; ++k) mark_racy(e, obs_of(sample(k)));
    expect_finalizers(p, r, e);
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
  base_observations(forced, e);
  for (uint32_t k = 1; k < samples; ++k) {
    ExecResult rk = sample(k);
    if (rk.op_events != e.order) {
      e.not_forceable = fmt::format("with the recorded op order forced, the steps' times depend on timer "
                                    "callbacks the Go test cannot order (sampled schedule {}: {})",
                                    k, divergence(e.order, rk.op_events));
      return e;
    }
    mark_racy(e, obs_of(rk));
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
  return e;
}

GenOptions go_conformance_gen(uint32_t ops, uint32_t goroutines, bool gc) {
  GenOptions g;
  g.ops = ops;
  g.goroutines = goroutines;
  g.kinds = {OpKind::Background, OpKind::Todo,   OpKind::WithCancel, OpKind::WithTimeout, OpKind::WithDeadline,
             OpKind::WithValue,  OpKind::Custom, OpKind::Cancel,     OpKind::DeferCancel, OpKind::Wait,
             OpKind::Select,     OpKind::Sleep,  OpKind::Yield,      OpKind::Observe,     OpKind::Drop,
             OpKind::Store};
  if (goroutines > 1) g.kinds.push_back(OpKind::Go);
  if (gc) g.kinds.insert(g.kinds.end(), {OpKind::SetFinalizer, OpKind::Gc});
  return g;
}

void strip_cause_observations(Program& p) {
  for (auto& s : p.scripts)
    std::erase_if(s.ops, [](const Op& op) {
      return op.kind == OpKind::Observe && op.observe == Observe::Cause;
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

// The Go for an op that reads the same in sequential and goroutine programs (everything
// but the blocking ops, defer, drop and go); nullopt for those.
std::optional<std::string> common_op_code(Emitter& x, size_t s, size_t i, const Op& op) {
  switch (op.kind) {
    case OpKind::Background: return fmt::format("{} = context.Background()", H(op.result));
    case OpKind::Todo: return fmt::format("{} = context.TODO()", H(op.result));
    case OpKind::WithCancel:
      return fmt::format("{}, {} = context.WithCancel({})\n\t\tp.derive({}, {}, -1)", H(op.result), C(op.result),
                         H(op.a), op.result, op.a);
    case OpKind::WithTimeout:
      return fmt::format("{}, {} = context.WithTimeout({}, p.real({}))\n\t\tp.derive({}, {}, p.vnow+{})", H(op.result),
                         C(op.result), H(op.a), go_dur(op.duration), op.result, op.a, go_dur(op.duration));
    case OpKind::WithDeadline:
      return fmt::format("{}, {} = context.WithDeadline({}, p.at({}))\n\t\tp.derive({}, {}, {})", H(op.result),
                         C(op.result), H(op.a), go_dur(op.deadline), op.result, op.a, go_dur(op.deadline));
    case OpKind::WithValue:
      return fmt::format("{} = context.WithValue({}, key{}({}), {})\n\t\tp.derive({}, {}, -1)", H(op.result), H(op.a),
                         static_cast<char>('A' + op.key.type), op.key.value, op.value, op.result, op.a);
    case OpKind::Custom: {
      std::string lit = op.custom == CustomKind::Wrapper   ? "&wrapperCtx{{{}}}"
                        : op.custom == CustomKind::OwnDone ? "&ownDoneCtx{{{}, make(chan struct{{}})}}"
                                                                              : "&brokenErrCtx{{{}}}";
      return fmt::format("{} = {}\n\t\tp.derive({}, {}, -1)", H(op.result), fmt::format(fmt::runtime(lit), H(op.a)),
                         op.result, op.a);
    }
    case OpKind::Cancel: return fmt::format("{}()", C(op.a));
    case OpKind::Yield: return "runtime.Gosched()";
    case OpKind::Observe: {
      const GoExpectations::Obs* ob = x.obs(s, i);
      std::string label = fmt::format("{} h{}", name_of(op.observe), op.a);
      switch (op.observe) {
        case Observe::Err: return x.check(s, i, label, fmt::format("errStr({}.Err())", H(op.a)));
        case Observe::Done: return x.check(s, i, label, fmt::format("doneStr({})", H(op.a)));
        case Observe::Children: return x.check(s, i, label, fmt::format("strconv.Itoa(children({}))", H(op.a)));
        case Observe::Value:
          return x.check(s, i, fmt::format("value h{} key{}:{}", op.a, static_cast<char>('A' + op.key.type), op.key.value),
                         fmt::format("valStr({}.Value(key{}({})))", H(op.a), static_cast<char>('A' + op.key.type),
                                     op.key.value));
        case Observe::Deadline: {
          int64_t model = ob ? parse_duration_ns(ob->value).value_or(-1) : -1;
          return x.check(s, i, label, fmt::format("p.deadline({}, {}, {}, {})", quote(label), op.a, model,
                                                  ob && ob->stable ? "true" : "false"));
        }
        case Observe::Goroutines:
          return ob ? fmt::format("p.goroutines(\"goroutines\", {}, {})", quote(ob->value), ob->stable ? "true" : "false")
                    : "p.unchecked(\"goroutines\", strconv.Itoa(runtime.NumGoroutine()-p.g0+1))";
        case Observe::Cause: break;  // rejected by go_export_unsupported (Go 1.20)
      }
      throw std::invalid_argument("observe cause cannot be exported to Go 1.19");
    }
    case OpKind::Store: return fmt::format("{}[{}] = {}", x.globals, op.slot, H(op.a));
    case OpKind::SetFinalizer: {
      const Op* c = x.creator[op.a];
      std::string obj = c && (c->kind == OpKind::Background || c->kind == OpKind::Todo) ? std::string(op_name(c->kind))
                                                                                        : fmt::format("h{}", op.a);
      if (obj == "background" || obj == "todo")
        return "// a package-level variable of the context package: its finalizer never runs";
      if (!x.finalized_objects.insert(obj).second)
        return "// already set (runtime.SetFinalizer twice on one object is a fatal error)";
      return fmt::format("p.setFinalizer({})", op.a);
    }
    case OpKind::Gc: return "runtime.GC()";
    default: return std::nullopt;
  }
}

// A sequential program's op: the virtual clock moves with its own sleeps and waits.
std::string sequential_op_code(Emitter& x, size_t i, const Op& op) {
  if (auto code = common_op_code(x, 0, i, op)) return *code;
  switch (op.kind) {
    case OpKind::DeferCancel: return fmt::format("defer {}()", C(op.a));
    case OpKind::Wait: return fmt::format("p.wait({})", op.a);
    case OpKind::Select:
      return x.check(0, i, fmt::format("select h{}", op.a), fmt::format("p.sel({}, {})", op.a, go_dur(op.duration)));
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
  std::string take = fmt::format("if !p.turn({}) {{\n\t\t\treturn\n\t\t}}\n\t\t", k);
  std::string take_r = fmt::format("if !p.turn({}) {{\n\t\t\treturn\n\t\t}}\n\t\t", kr);
  switch (op.kind) {
    case OpKind::DeferCancel: {
      int kd = x.turn_of(s, i, OpPhase::Deferred);
      return fmt::format("{}defer func() {{\n\t\t\tif p.turn({}) {{\n\t\t\t\t{}()\n\t\t\t\tp.release({})\n\t\t\t}}\n\t\t}}()\n\t\t"
                         "p.release({})",
                         take, kd, C(op.a), kd, k);
    }
    case OpKind::Go:
      return fmt::format("{}p.spawn(go{})\n\t\tp.release({})", take, op.script, k);
    case OpKind::Drop:
      return fmt::format("{}// (the test keeps h{} in its registry: other goroutines may hold it; GC is compared "
                         "only at the end)\n\t\tp.release({})",
                         take, op.a, k);
    case OpKind::Sleep: return fmt::format("{}p.release({})\n\t\t{}p.release({})", take, k, take_r, kr);
    case OpKind::Wait: {
      std::string blockcode = kr < 0 ? fmt::format("p.park(done{}, \"go {} op {}: wait h{}\")\n\t\treturn", i, s, i + 1, op.a)
                                     : fmt::format("if !p.waitDone(done{}, {}) {{\n\t\t\treturn\n\t\t}}\n\t\t{}p.release({})",
                                                   i, kr, take_r, kr);
      return fmt::format("{}done{} := {}.Done()\n\t\tp.release({})\n\t\t{}", take, i, H(op.a), k, blockcode);
    }
    case OpKind::Select: {
      std::string label = fmt::format("select h{}", op.a);
      return fmt::format("{}done{} := {}.Done()\n\t\tp.release({})\n\t\tgot{} := p.selectDone(done{}, p.vt[{}]+{})\n\t\t"
                         "{}{}\n\t\tp.release({})",
                         take, i, H(op.a), k, i, i, k, go_dur(op.duration), take_r,
                         x.check(s, i, label, fmt::format("got{}", i)), kr);
    }
    default: {
      auto code = common_op_code(x, s, i, op);
      if (!code) throw std::invalid_argument(fmt::format("op {} cannot be exported", op_name(op.kind)));
      return fmt::format("{}{}\n\t\tp.release({})", take, *code, k);
    }
  }
}

std::string int_list(const std::vector<uint32_t>& v) {
  std::string s = "[]int{";
  for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", v[i]);
  return s + "}";
}

}  // namespace

std::string go_program_func(const Program& p, const GoExpectations& e, const std::string& fname,
                            int64_t scale) {
  if (auto why = go_export_unsupported(p)) throw std::invalid_argument(*why);
  if (e.not_forceable) throw std::invalid_argument(*e.not_forceable);
  Emitter x{p, e, fname + "Globals", p.scripts.size() > 1, std::vector<const Op*>(p.max_handle() + 1, nullptr), {}, {}};
  for (size_t k = 0; k < e.order.size(); ++k)
    x.turn[{e.order[k].script, e.order[k].op, e.order[k].phase}] = static_cast<int>(k);
  std::string out;
  int64_t max_global = -1;
  for (const auto& sc : p.scripts)
    for (const Op& op : sc.ops)
      if (op.kind == OpKind::Store) max_global = std::max(max_global, op.slot);
  if (max_global >= 0) out += fmt::format("var {} [{}]context.Context\n\n", x.globals, max_global + 1);
  out += fmt::format("func {}(t *testing.T) {{\n", fname);
  out += fmt::format("\tp := newCtxcheckProg(t, {}, {}, {})\n", scale, p.max_handle() + 1,
                     go_needs_isolation(p) ? "true" : "false");
  for (const auto& sc : p.scripts)
    for (const Op& op : sc.ops)
      if (op.result) x.creator[op.result] = &op;
  auto script_body = [&](size_t s) {
    std::string body;
    const auto& ops = p.scripts[s].ops;
    for (size_t i = 0; i < ops.size(); ++i) {
      const Op& op = ops[i];
      std::string code = x.goroutines ? turn_op_code(x, s, i, op) : sequential_op_code(x, i, op);
      body += fmt::format("\t\t// {}\n\t\t{}\n", print_op(op), code);
    }
    return body;
  };
  if (x.goroutines) {
    std::string vt = "[]time.Duration{", labels = "[]string{";
    for (size_t k = 0; k < e.order.size(); ++k) {
      const OpEvent& ev = e.order[k];
      const Op& op = p.scripts[ev.script].ops[ev.op];
      vt += fmt::format("{}{}", k ? ", " : "", ev.vtime);
      labels += fmt::format("{}{}", k ? ", " : "",
                            quote(fmt::format("step {}: go {}, op {} ({}){}", k + 1, ev.script, ev.op + 1,
                                              print_op(op), phase_suffix(ev.phase))));
    }
    out += fmt::format("\t// The model's op-level order: step k runs at virtual time vt[k] once every earlier one ran.\n"
                       "\tp.forceOrder({}}}, {}}})\n",
                       vt, labels);
    out += "\tvar ";
    for (size_t s = 1; s < p.scripts.size(); ++s) out += fmt::format("{}go{}", s > 1 ? ", " : "", s);
    out += " func()\n";
    std::vector<std::string> bodies(p.scripts.size());
    for (size_t s = 0; s < p.scripts.size(); ++s) bodies[s] = script_body(s);
    for (size_t s = 1; s < p.scripts.size(); ++s) out += fmt::format("\tgo{} = func() {{\n{}\t}}\n", s, bodies[s]);
    out += fmt::format("\tfunc() {{\n{}\t}}()\n\tp.finish()\n", bodies[0]);
  } else {
    out += fmt::format("\tfunc() {{\n{}\t}}()\n", script_body(0));
  }
  if (max_global >= 0) out += fmt::format("\tfor i := range {} {{\n\t\t{}[i] = nil\n\t}}\n", x.globals, x.globals);
  out += fmt::format("\tp.end({}, {})\n}}\n", int_list(e.finalizer_runs), int_list(e.finalizer_never));
  return out;
}

std::string go_test_file(const Program& p, const GoExpectations& e, const GoExportOptions& opts) {
  if (auto why = go_export_unsupported(p)) throw std::invalid_argument(*why);
  if (e.not_forceable) throw std::invalid_argument(*e.not_forceable);
  std::string out = "// Code generated by ctxcheck export-go; DO NOT EDIT.\n//\n";
  out += fmt::format("// A reproduction in real Go (the context package of Go 1.{}+) of {}:\n//\n",
                     kGoTargetMinor, opts.source.empty() ? "a ctxcheck trace" : opts.source);
  std::string text = print_program(p);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out += "//\t" + text.substr(pos, nl - pos) + "\n";
    pos = nl + 1;
  }
  out += fmt::format("//\n// The model's verdict (faithful model, recorded schedule): {}.\n", e.verdict);
  if (!p.faults.empty())
    out += fmt::format("// The trace injects the model faults \"{}\"; real Go has none of them, so this test\n"
                       "// asserts what the faithful model observes.\n", p.faults);
  out += fmt::format("// Virtual time is mapped onto real time: 1ms of the trace is {}ms here.\n", opts.scale);
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
  out += "//\n// Run: go mod init repro && go test -v -run " + opts.test_name + "\n\n";
  out += go_preamble();
  out += "\n";
  out += fmt::format("func {}(t *testing.T) {{\n\trun{}(t)\n\tt.Logf(\"observations compared: %d, logged as racy: %d\", "
                     "atomic.LoadInt64(&ctxcheckCompared), atomic.LoadInt64(&ctxcheckRacy))\n}}\n\n",
                     opts.test_name, opts.test_name);
  out += go_program_func(p, e, "run" + opts.test_name, opts.scale);
  return out;
}

}  // namespace ctxcheck::harness
