#include "harness/reference/judge.h"

#include <algorithm>
#include <optional>

#include <fmt/format.h>

#include "harness/program/text.h"
#include "harness/reference/oracle.h"

namespace ctxcheck::reference {

using harness::Op;
using harness::OpKind;

namespace {

std::vector<std::string> allowed(const ErrObs& o) {
  std::vector<std::string> v{err_text(o.value)};
  if (o.alt) v.push_back(err_text(*o.alt));
  return v;
}

class Judge {
 public:
  explicit Judge(const harness::Program& p) : p_(p), node_(p.max_handle() + 1, -1) {}

  Judgement run() {
    const auto& ops = p_.scripts.empty() ? std::vector<Op>{} : p_.scripts[0].ops;
    out_.judged_ops = ops.size();  // also when main blocks forever: nothing after it may print
    for (size_t i = 0; i < ops.size() && step(i, ops[i]); ++i)
      if (!out_.stopped.empty()) break;
    return std::move(out_);
  }

 private:
  // One op; false when main blocks there forever.
  bool step(size_t i, const Op& op) {
    switch (op.kind) {
      case OpKind::Background: bind(op.result, o_.background()); break;
      case OpKind::Todo: bind(op.result, o_.todo()); break;
      case OpKind::WithCancel: case OpKind::WithCancelCause:
        bind(op.result, o_.with_cancel(node(op.a), op.kind == OpKind::WithCancelCause));
        break;
      case OpKind::WithTimeout: case OpKind::WithTimeoutCause: with_deadline(i, op, o_.now() + op.duration); break;
      case OpKind::WithDeadline: case OpKind::WithDeadlineCause: with_deadline(i, op, op.deadline); break;
      case OpKind::WithValue:
        // The reference keeps int values only; a string value ends its judgement.
        if (op.value_type != harness::ValueType::Int) return stop_at(i, "a string value");
        bind(op.result, o_.with_value(node(op.a), {op.key.type, op.key.value}, op.value));
        break;
      case OpKind::WithoutCancel: bind(op.result, o_.without_cancel(node(op.a))); break;
      case OpKind::AfterFunc:
        if (op.action != harness::Action::Nop) return stop_at(i, "an AfterFunc whose f cancels runs beside main");
        bind(op.result, o_.after_func(node(op.a), -1));
        break;
      case OpKind::Cancel: o_.cancel(node(op.a), op.cause); break;
      case OpKind::Stop: predict(i, fmt::format("stop h{}", op.a), {o_.stop(node(op.a)) ? "true" : "false"}); break;
      case OpKind::Wait: return wait(i, node(op.a));
      case OpKind::Select: select(i, op); break;
      case OpKind::Sleep: sleep_until(i, o_.now() + op.duration); break;
      case OpKind::Observe: observe(i, op); break;
      case OpKind::Go: return stop_at(i, "a go statement: main is no longer alone");
      case OpKind::Custom: return stop_at(i, "a custom Context type");
      case OpKind::Reparent: return stop_at(i, "an unsafe reparent");
      default: break;  // defer (runs after main's last op), yield, drop, store, set_finalizer, gc
    }
    return true;
  }

  // Judging ends before op `i` (0-based).
  bool stop_at(size_t i, std::string why) {
    out_.stopped = fmt::format("op {}: {}", std::min(i + 1, p_.scripts[0].ops.size()), why);
    out_.judged_ops = i;
    return true;
  }
  void bind(uint32_t h, int n) { node_[h] = n; }
  int node(uint32_t h) const { return node_[h]; }
  void predict(size_t i, std::string what, std::vector<std::string> values) {
    out_.predictions.push_back({i, std::move(what), std::move(values)});
  }
  bool timer_due_at(int64_t t) const {
    return std::any_of(o_.nodes().begin(), o_.nodes().end(),
                       [t](const Node& n) { return n.timer_live && n.deadline == t; });
  }

  void with_deadline(size_t i, const Op& op, int64_t d) {
    if (o_.timer_tie(node(op.a), d)) {
      stop_at(i, "a deadline at the instant of another timer");
      return;
    }
    bind(op.result, o_.with_deadline(node(op.a), d, op.cause));
  }

  // Main sleeps until `end`; a timer due at that very instant races with main's wake-up.
  void sleep_until(size_t i, int64_t end) {
    bool tie = end > o_.now() && timer_due_at(end);
    o_.sleep(end - o_.now());
    if (tie) stop_at(i + 1, "main wakes at the instant a timer is due");
  }

  // <-ctx.Done(): it closes at the context's deadline, if it has one, or never.
  // A timer closed Done and woke main: the rest of that cancellation (children, AfterFuncs)
  // runs beside main's next ops.
  static constexpr const char* kWokenByTimer = "main was woken by a timer whose cancellation is still under way";

  bool wait(size_t i, int n) {
    if (o_.done(n) == DoneState::Closed) return true;
    std::optional<int64_t> dl = o_.deadline(n);
    if (o_.done(n) == DoneState::Nil || !dl) return false;
    o_.sleep(std::max<int64_t>(*dl - o_.now(), 0));
    stop_at(i + 1, kWokenByTimer);
    return true;
  }

  void select(size_t i, const Op& op) {
    int n = node(op.a);
    std::string what = fmt::format("select h{}", op.a);
    if (o_.done(n) == DoneState::Closed) return predict(i, what, {"done"});
    int64_t end = o_.now() + op.duration;
    std::optional<int64_t> dl = o_.done(n) == DoneState::Nil ? std::nullopt : o_.deadline(n);
    if (dl && *dl < end) {
      o_.sleep(std::max<int64_t>(*dl - o_.now(), 0));
      predict(i, what, {"done"});
      stop_at(i + 1, kWokenByTimer);
      return;
    }
    predict(i, what, dl && *dl == end ? std::vector<std::string>{"timeout", "done"} : std::vector<std::string>{"timeout"});
    sleep_until(i, end);
  }

  void observe(size_t i, const Op& op) {
    using harness::Observe;
    if (op.observe == Observe::Goroutines) return;  // the model's own goroutines: not judged
    int n = node(op.a);
    std::string what = fmt::format("{} h{}", harness::name_of(op.observe), op.a);
    switch (op.observe) {
      case Observe::Err: return predict(i, what, allowed(o_.err(n)));
      case Observe::Cause: return predict(i, what, allowed(o_.cause(n)));
      case Observe::Deadline: {
        std::optional<int64_t> d = o_.deadline(n);
        return predict(i, what, {d ? harness::format_duration(*d) : "none"});
      }
      case Observe::Done: {
        static constexpr const char* kDone[] = {"nil", "open", "closed"};
        return predict(i, what, {kDone[static_cast<int>(o_.done(n))]});
      }
      case Observe::Children: return predict(i, what, {harness::children_text(o_.children(n))});
      case Observe::String: return predict(i, what, {go_string(n)});
      case Observe::Value: {
        std::optional<int64_t> v = o_.value(n, {op.key.type, op.key.value});
        return predict(i, fmt::format("value h{} {}", op.a, harness::key_text(op.key)),
                       {v ? std::to_string(*v) : "nil"});
      }
      default: return;
    }
  }

  // Go 1.23's String() of a context of the reference's tree, from its kinds alone (the
  // judgement ends before a custom context; values are ints): contextName of the parent,
  // then the constructor; a deadline's wall-clock time and time left as ctxcheck's tokens.
  std::string go_string(int n) const {
    const Node& x = o_.nodes()[static_cast<size_t>(n)];
    switch (x.kind) {
      case NodeKind::Background: return "context.Background";
      case NodeKind::Todo: return "context.TODO";
      case NodeKind::Cancel: case NodeKind::AfterFunc: return go_string(x.parent) + ".WithCancel";
      case NodeKind::Timer: return go_string(x.parent) + ".WithDeadline(<time> [<duration>])";
      case NodeKind::Value:
        return go_string(x.parent) + ".WithValue(" + harness::go_stringify(harness::ValueKey{x.key.type, x.key.value}) +
               ", int)";
      case NodeKind::WithoutCancel: return go_string(x.parent) + ".WithoutCancel";
    }
    return "?";
  }

  const harness::Program& p_;
  Oracle o_;
  std::vector<int> node_;  // by handle
  Judgement out_;
};

std::string one_of(const std::vector<std::string>& values) {
  std::string s = values.front();
  for (size_t i = 1; i < values.size(); ++i) s += " or " + values[i];
  return s;
}

}  // namespace

Judgement judge(const harness::Program& program) { return Judge(program).run(); }

std::optional<Disagreement> first_disagreement(const Judgement& j, const std::vector<Printed>& printed) {
  size_t k = 0;
  for (const Printed& got : printed) {
    if (got.op >= j.judged_ops) break;
    if (k == j.predictions.size())
      return Disagreement{got.op, fmt::format("op {} printed \"{} = {}\", but the oracle says main blocks forever "
                                              "before it", got.op + 1, *got.what, *got.value)};
    const Prediction& want = j.predictions[k++];
    bool same = got.op == want.op && *got.what == want.what &&
                std::find(want.allowed.begin(), want.allowed.end(), *got.value) != want.allowed.end();
    if (!same)
      return Disagreement{got.op, fmt::format("op {}: the model printed \"{} = {}\", the oracle expects \"{} = {}\" "
                                              "at op {}", got.op + 1, *got.what, *got.value, want.what,
                                              one_of(want.allowed), want.op + 1)};
  }
  if (k < j.predictions.size())
    return Disagreement{j.predictions[k].op, fmt::format("op {} ({}) printed nothing; the oracle expects {}",
                                                         j.predictions[k].op + 1, j.predictions[k].what,
                                                         one_of(j.predictions[k].allowed))};
  return std::nullopt;
}

}  // namespace ctxcheck::reference
