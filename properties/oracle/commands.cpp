#include "properties/oracle/commands.h"

#include <algorithm>
#include <map>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/program/text.h"
#include "properties/property_support.h"

namespace ctxcheck::properties::oracle {

using harness::Op;
using harness::OpKind;

namespace {

constexpr int64_t kMs = 1000000;

// The program language's own handle kinds and predicates (harness/program/op_table.h).
using harness::is_cancelable;
bool is_ctx(HKind k) { return harness::is_context(k); }
bool is_cause(HKind k) { return harness::fits(harness::Need::CauseContext, k); }
bool is_stop(HKind k) { return harness::fits(harness::Need::Stop, k); }

bool handle_is(const State& s, uint32_t h, bool (*pred)(HKind)) {
  return h > 0 && h < s.handles.size() && pred(s.handles[h].kind);
}
int node_of(const State& s, uint32_t h) { return s.handles[h].node; }

uint32_t pick(const State& s, bool (*pred)(HKind)) {
  std::vector<uint32_t> hs = s.of_kind(pred);
  RC_PRE(!hs.empty());
  return *rc::gen::elementOf(hs);
}

std::vector<std::string> err_allowed(const ErrObs& o) {
  std::vector<std::string> v{err_text(o.value)};
  if (o.alt) v.push_back(err_text(*o.alt));
  return v;
}

std::string key_text(Key k) { return fmt::format("key{}:{}", static_cast<char>('A' + k.type), k.value); }

Op barrier() {
  Op op;
  op.kind = OpKind::Sleep;
  op.duration = 0;
  return op;
}

// ---- commands ----

// h = background | todo
struct NewRoot final : Command {
  bool todo;
  explicit NewRoot(const State&) : todo(*rc::gen::arbitrary<bool>()) {}
  void apply(State& s) const override {
    s.handles.push_back({HKind::Context, todo ? s.oracle.todo() : s.oracle.background()});
  }
  void run(const State& s, Sut& sut) const override {
    Op op;
    op.kind = todo ? OpKind::Todo : OpKind::Background;
    op.result = s.next_handle();
    sut.append({op}, {}, false);
  }
  void show(std::ostream& os) const override { os << (todo ? "todo" : "background"); }
};

// h = with_cancel p | with_cancel_cause p
struct WithCancel final : Command {
  uint32_t parent;
  bool cause_variant;
  explicit WithCancel(const State& s) : parent(pick(s, is_ctx)), cause_variant(*rc::gen::arbitrary<bool>()) {}
  void checkPreconditions(const State& s) const override { RC_PRE(handle_is(s, parent, is_ctx)); }
  void apply(State& s) const override {
    int n = s.oracle.with_cancel(node_of(s, parent), cause_variant);
    s.handles.push_back({cause_variant ? HKind::CauseContext : HKind::CancelableContext, n});
  }
  void run(const State& s, Sut& sut) const override {
    Op op;
    op.kind = cause_variant ? OpKind::WithCancelCause : OpKind::WithCancel;
    op.result = s.next_handle();
    op.a = parent;
    sut.append({op}, {}, false);
  }
  void show(std::ostream& os) const override {
    os << (cause_variant ? "with_cancel_cause h" : "with_cancel h") << parent;
  }
};

// h = with_timeout p d [causeN] | with_deadline p @t [causeN]
struct WithDeadline final : Command {
  uint32_t parent;
  bool absolute;
  int64_t n;  // duration (timeout) or deadline since the epoch
  int32_t cause;
  explicit WithDeadline(const State& s)
      : parent(pick(s, is_ctx)),
        absolute(*rc::gen::arbitrary<bool>()),
        n(*rc::gen::inRange<int64_t>(0, 30) * kMs),
        cause(*rc::gen::weightedOneOf<int32_t>({{2, rc::gen::just<int32_t>(0)}, {1, rc::gen::inRange<int32_t>(3, 6)}})) {}
  int64_t deadline(const State& s) const { return absolute ? n : s.oracle.now() + n; }
  void checkPreconditions(const State& s) const override {
    RC_PRE(handle_is(s, parent, is_ctx));
    // Same-instant timers fire in a scheduler-chosen order: not sequential.
    RC_PRE(!s.oracle.timer_tie(node_of(s, parent), deadline(s)));
  }
  void apply(State& s) const override {
    int node = s.oracle.with_deadline(node_of(s, parent), deadline(s), cause);
    s.handles.push_back({HKind::CancelableContext, node});
  }
  void run(const State& s, Sut& sut) const override {
    Op op;
    op.kind = absolute ? (cause ? OpKind::WithDeadlineCause : OpKind::WithDeadline)
                       : (cause ? OpKind::WithTimeoutCause : OpKind::WithTimeout);
    op.result = s.next_handle();
    op.a = parent;
    (absolute ? op.deadline : op.duration) = n;
    op.cause = cause;
    sut.append({op}, {}, false);
  }
  void show(std::ostream& os) const override {
    os << (absolute ? "with_deadline h" : "with_timeout h") << parent << (absolute ? " @" : " ")
       << harness::format_duration(n);
    if (cause) os << " cause" << cause;
  }
};

// h = with_value p key v
struct WithValue final : Command {
  uint32_t parent;
  Key key;
  int64_t val;
  explicit WithValue(const State& s)
      : parent(pick(s, is_ctx)),
        key{static_cast<uint8_t>(*rc::gen::inRange(0, 2)), *rc::gen::inRange(0, 2)},
        val(*rc::gen::inRange<int64_t>(0, 100)) {}
  void checkPreconditions(const State& s) const override { RC_PRE(handle_is(s, parent, is_ctx)); }
  void apply(State& s) const override {
    s.handles.push_back({HKind::Context, s.oracle.with_value(node_of(s, parent), key, val)});
  }
  void run(const State& s, Sut& sut) const override {
    Op op;
    op.kind = OpKind::WithValue;
    op.result = s.next_handle();
    op.a = parent;
    op.key = {key.type, key.value};
    op.value = val;
    sut.append({op}, {}, false);
  }
  void show(std::ostream& os) const override { os << "with_value h" << parent << " " << key_text(key) << " " << val; }
};

// h = without_cancel p
struct WithoutCancel final : Command {
  uint32_t parent;
  explicit WithoutCancel(const State& s) : parent(pick(s, is_ctx)) {}
  void checkPreconditions(const State& s) const override { RC_PRE(handle_is(s, parent, is_ctx)); }
  void apply(State& s) const override {
    s.handles.push_back({HKind::Context, s.oracle.without_cancel(node_of(s, parent))});
  }
  void run(const State& s, Sut& sut) const override {
    Op op;
    op.kind = OpKind::WithoutCancel;
    op.result = s.next_handle();
    op.a = parent;
    sut.append({op}, {}, false);
  }
  void show(std::ostream& os) const override { os << "without_cancel h" << parent; }
};

// h = after_func c nop | after_func c cancel t
struct AfterFunc final : Command {
  uint32_t ctx;
  uint32_t target = 0;  // 0: nop
  explicit AfterFunc(const State& s) : ctx(pick(s, is_ctx)) {
    if (!s.of_kind(is_cancelable).empty() && *rc::gen::arbitrary<bool>()) target = pick(s, is_cancelable);
  }
  void checkPreconditions(const State& s) const override {
    RC_PRE(handle_is(s, ctx, is_ctx));
    RC_PRE(target == 0 || handle_is(s, target, is_cancelable));
  }
  void apply(State& s) const override {
    int n = s.oracle.after_func(node_of(s, ctx), target ? node_of(s, target) : -1);
    s.handles.push_back({HKind::StopFunc, n});
  }
  void run(const State& s, Sut& sut) const override {
    Op op;
    op.kind = OpKind::AfterFunc;
    op.result = s.next_handle();
    op.a = ctx;
    op.b = target;
    op.action = target ? harness::Action::Cancel : harness::Action::Nop;
    sut.append({op, barrier()}, {}, false);
  }
  void show(std::ostream& os) const override {
    os << "after_func h" << ctx;
    if (target) os << " cancel h" << target;
    else os << " nop";
  }
};

// cancel h [causeN]
struct Cancel final : Command {
  uint32_t h;
  int32_t cause = 0;
  explicit Cancel(const State& s) : h(pick(s, is_cancelable)) {
    if (is_cause(s.handles[h].kind)) cause = *rc::gen::element<int32_t>(0, 3, 4);
  }
  void checkPreconditions(const State& s) const override {
    RC_PRE(handle_is(s, h, is_cancelable));
    RC_PRE(cause == 0 || handle_is(s, h, is_cause));
  }
  void apply(State& s) const override { s.oracle.cancel(node_of(s, h), cause); }
  void run(const State&, Sut& sut) const override {
    Op op;
    op.kind = OpKind::Cancel;
    op.a = h;
    op.cause = cause;
    sut.append({op, barrier()}, {}, false);
  }
  void show(std::ostream& os) const override {
    os << "cancel h" << h;
    if (cause) os << " cause" << cause;
  }
};

// stop h (prints whether it stopped f)
struct Stop final : Command {
  uint32_t h;
  explicit Stop(const State& s) : h(pick(s, is_stop)) {}
  void checkPreconditions(const State& s) const override { RC_PRE(handle_is(s, h, is_stop)); }
  void apply(State& s) const override { s.oracle.stop(node_of(s, h)); }
  void run(const State& s, Sut& sut) const override {
    State next = s;
    bool stopped = next.oracle.stop(node_of(next, h));
    Op op;
    op.kind = OpKind::Stop;
    op.a = h;
    size_t at = sut.program().scripts[0].ops.size();
    sut.append({op}, {{at, fmt::format("stop h{}", h), {stopped ? "true" : "false"}}}, true);
  }
  void show(std::ostream& os) const override { os << "stop h" << h; }
};

// sleep d (then a barrier: every deadline due by now + d has fired and settled)
struct Sleep final : Command {
  int64_t d;
  explicit Sleep(const State&) : d(*rc::gen::inRange<int64_t>(0, 20) * kMs) {}
  void apply(State& s) const override { s.oracle.sleep(d); }
  void run(const State&, Sut& sut) const override {
    Op op;
    op.kind = OpKind::Sleep;
    op.duration = d;
    sut.append({op, barrier()}, {}, false);
  }
  void show(std::ostream& os) const override { os << "sleep " << harness::format_duration(d); }
};

// observe err|cause|deadline|done|children|value h
struct Observe final : Command {
  uint32_t h;
  harness::Observe what;
  Key key;
  explicit Observe(const State& s)
      : h(pick(s, is_ctx)),
        what(*rc::gen::element(harness::Observe::Err, harness::Observe::Cause, harness::Observe::Deadline,
                               harness::Observe::Done, harness::Observe::Children, harness::Observe::Value)),
        key{static_cast<uint8_t>(*rc::gen::inRange(0, 2)), *rc::gen::inRange(0, 2)} {}
  void checkPreconditions(const State& s) const override { RC_PRE(handle_is(s, h, is_ctx)); }
  void run(const State& s, Sut& sut) const override {
    const Oracle& o = s.oracle;
    int n = node_of(s, h);
    Expected e;
    e.op = sut.program().scripts[0].ops.size();
    e.what = fmt::format("{} h{}", harness::name_of(what), h);
    switch (what) {
      case harness::Observe::Err: e.allowed = err_allowed(o.err(n)); break;
      case harness::Observe::Cause: e.allowed = err_allowed(o.cause(n)); break;
      case harness::Observe::Deadline: {
        auto d = o.deadline(n);
        e.allowed = {d ? harness::format_duration(*d) : "none"};
        break;
      }
      case harness::Observe::Done: {
        static constexpr const char* kDone[] = {"nil", "open", "closed"};
        e.allowed = {kDone[static_cast<int>(o.done(n))]};
        break;
      }
      case harness::Observe::Children: e.allowed = {harness::children_text(o.children(n))}; break;
      case harness::Observe::Value: {
        auto v = o.value(n, key);
        e.what = fmt::format("value h{} {}", h, key_text(key));
        e.allowed = {v ? std::to_string(*v) : "nil"};
        break;
      }
      default: break;
    }
    Op op;
    op.kind = OpKind::Observe;
    op.a = h;
    op.observe = what;
    if (what == harness::Observe::Value) op.key = {key.type, key.value};
    sut.append({op}, {std::move(e)}, true);
  }
  void show(std::ostream& os) const override {
    os << "observe " << harness::name_of(what) << " h" << h;
    if (what == harness::Observe::Value) os << " " << key_text(key);
  }
};

}  // namespace

std::vector<uint32_t> State::of_kind(bool (*pred)(HKind)) const {
  std::vector<uint32_t> out;
  for (uint32_t h = 1; h < handles.size(); ++h)
    if (pred(handles[h].kind)) out.push_back(h);
  return out;
}

State initial_state() {
  State s;
  s.handles.resize(1);
  s.handles.push_back({HKind::Context, s.oracle.background()});  // h1 = background
  return s;
}

Sut::Sut(model::FaultSet faults, std::vector<uint8_t> schedule, bool save)
    : schedule_(std::move(schedule)), faults_(faults), save_(save) {
  program_.scripts.resize(1);
  Op bg;
  bg.kind = OpKind::Background;
  bg.result = 1;
  program_.scripts[0].ops.push_back(bg);
}

void Sut::append(std::vector<Op> ops, std::vector<Expected> expect, bool run) {
  for (Op& op : ops) program_.scripts[0].ops.push_back(op);
  for (Expected& e : expect) expected_.push_back(std::move(e));
  if (run) check();
}

void Sut::check() {
  ++executions_;
  // Invariants off: a fault must show as a difference from the oracle, not stop the run.
  // Except `acyclic`: a parent chain that closes a cycle (reparent-cycle) cannot be
  // observed, only walked until the fiber's stack overflows, so it stops the run first.
  harness::ExecOptions o;
  o.faults = faults_;
  o.invariants = harness::InvariantSet{}.set(static_cast<size_t>(harness::Invariant::Acyclic));
  o.end_phase = false;
  o.limits.max_steps = 100000;
  o.limits.keep_events = false;
  rt::ByteChoices choices(schedule_);
  harness::ExecResult r = harness::execute(program_, choices, o);
  std::string mismatch;
  if (r.outcome != rt::Outcome::Ok || r.violation) {
    mismatch = r.violation ? fmt::format("the execution stopped at a violation of {}: {}",
                                         harness::name_of(r.violation->id), r.violation->message)
                           : fmt::format("the execution did not end normally: {} {}",
                                         rt::outcome_name(r.outcome), r.outcome_message);
  } else {
    std::map<size_t, const harness::Observation*> seen;
    for (const auto& obs : r.observations)
      if (obs.script == 0) seen[static_cast<size_t>(obs.op)] = &obs;
    for (const Expected& e : expected_) {
      auto it = seen.find(e.op);
      if (it == seen.end()) {
        mismatch = fmt::format("op {} ({}) printed nothing", e.op + 1, e.what);
        break;
      }
      const harness::Observation& got = *it->second;
      bool ok = got.what == e.what && std::find(e.allowed.begin(), e.allowed.end(), got.value) != e.allowed.end();
      if (!ok) {
        std::string want = e.allowed.front();
        for (size_t i = 1; i < e.allowed.size(); ++i) want += " or " + e.allowed[i];
        mismatch = fmt::format("op {}: the model printed \"{} = {}\", the oracle expects \"{} = {}\"", e.op + 1,
                               got.what, got.value, e.what, want);
        break;
      }
    }
  }
  if (mismatch.empty()) return;
  // Report with the executor's defaults (every invariant on), as `ctxcheck replay` runs it.
  harness::ExecOptions full;
  full.faults = faults_;
  rt::ByteChoices again(schedule_);
  harness::ExecResult rf = harness::execute(program_, again, full);
  harness::Program q = program_;
  q.faults = faults_.to_string();
  std::string headline = (r.violation ? "oracle run: " : "oracle mismatch: ") + mismatch;
  std::string trace = harness::print_program(harness::annotate(q, rf, headline));
  if (save_) save_failure(trace, rf);
  RC_FAIL(headline + "\n" + trace);
}

void Sut::check_invariants() {
  harness::ExecOptions full;  // every invariant, end phase included
  rt::ByteChoices choices(schedule_);
  harness::ExecResult r = harness::execute(program_, choices, full);
  if (!r.violation) return;
  std::string trace = trace_of(program_, r, faults_.to_string());
  if (save_) save_failure(trace, r);
  RC_FAIL("a program of the oracle commands violates an invariant on the faithful model\n" + trace);
}

void oracle_property(const model::FaultSet& faults, bool save) {
  auto schedule = *rc::gen::container<std::vector<uint8_t>>(rc::gen::arbitrary<uint8_t>());
  Sut sut(faults, schedule, save);
  rc::state::check(initial_state(), sut,
                   rc::state::gen::execOneOfWithArgs<NewRoot, WithCancel, WithCancel, WithDeadline, WithDeadline,
                                                     WithValue, WithoutCancel, AfterFunc, AfterFunc, Cancel, Cancel,
                                                     Stop, Sleep, Sleep, Observe, Observe, Observe, Observe>());
  sut.check();  // the whole program once more: it must run to its end
  if (faults.empty()) sut.check_invariants();
}

}  // namespace ctxcheck::properties::oracle
