#include "harness/reference/judge.h"

#include <algorithm>
#include <optional>
#include <span>

#include <boost/container/small_vector.hpp>
#include <fmt/compile.h>
#include <fmt/format.h>

#include "harness/program/text.h"
#include "harness/reference/oracle.h"
#include "harness/reference/trees.h"

namespace ctxcheck::reference {

using harness::Op;
using harness::OpKind;

namespace {

std::vector<std::string> allowed(const ErrObs& o) {
  std::vector<std::string> v{err_text(o.value)};
  if (o.alt) v.push_back(err_text(*o.alt));
  return v;
}

enum class Phase : uint8_t { NotStarted, Runnable, Blocked, Done };
struct Run {
  Phase phase = Phase::NotStarted;
  size_t pc = 0;                   // the next op
  int64_t wake = 0;                // Blocked: the instant it wakes
  bool stop_on_wake = false;       // woken by a timer's cancellation: judging stops there
  const char* woken_why = "";
  std::vector<const Op*> defers;
  void reset() {  // as new, keeping defers' capacity
    phase = Phase::NotStarted;
    pc = 0;
    wake = 0;
    stop_on_wake = false;
    woken_why = "";
    defers.clear();
  }
};

// A judge's working state, one per thread, reused by every judgement on it (cleared, not
// freed): the executor judges every execution, and judging then allocates only the
// Judgement it returns. Nothing a judgement calls judges again, so one set is enough.
struct Scratch {
  Oracle oracle;
  std::vector<int> node;          // by handle
  std::vector<Run> runs;          // by script
  std::vector<size_t> runnable;   // a FIFO: the scripts from Judge::next_runnable_ on are runnable

  void reset(const harness::Program& p) {
    oracle.reset();
    node.assign(p.max_handle() + 1, -1);
    if (runs.size() < p.scripts.size()) runs.resize(p.scripts.size());
    for (size_t s = 0; s < p.scripts.size(); ++s) runs[s].reset();
    runnable.clear();
    oracle.reserve(node.size() + 2);       // a node per handle at most, and Background, TODO
    runnable.reserve(2 * p.scripts.size());  // each script starts once and seldom wakes more than once
  }
};

// The virtual clock moves only when every judged goroutine waits: to the earliest instant
// one of them wakes, firing every deadline up to it (Oracle::sleep).
class Judge {
 public:
  // `scratch` has been reset for p.
  Judge(const harness::Program& p, Scratch& scratch)
      : p_(p), o_(scratch.oracle), node_(scratch.node), runs_(scratch.runs.data(), p.scripts.size()),
        runnable_(scratch.runnable) {
    out_.scripts.resize(std::max<size_t>(p.scripts.size(), 1));
    if (p.scripts.size() > 1) out_.refused = shared_tree(p).value_or("");
  }

  Judgement run() {
    if (p_.scripts.empty()) return std::move(out_);
    start(0);
    do {
      while (next_runnable_ < runnable_.size()) run_script(runnable_[next_runnable_++]);
    } while (advance_clock());
    return std::move(out_);
  }

 private:
  const std::vector<Op>& ops(size_t s) const { return p_.scripts[s].ops; }
  // The ops that may make a prediction (step(): stop, select, observe).
  static bool predicts(const Op& op) {
    return op.kind == OpKind::Stop || op.kind == OpKind::Select || op.kind == OpKind::Observe;
  }

  void start(size_t s) {
    runs_[s].phase = Phase::Runnable;
    out_.scripts[s].judged_ops = ops(s).size();  // also when it blocks forever: nothing after it may print
    out_.scripts[s].predictions.reserve(static_cast<size_t>(std::count_if(ops(s).begin(), ops(s).end(), predicts)));
    runnable_.push_back(s);
  }

  // Runs script s until it waits, ends or its judging stops; at its end, its deferred cancels.
  void run_script(size_t s) {
    Run& r = runs_[s];
    while (r.phase == Phase::Runnable && r.pc < ops(s).size()) {
      size_t i = r.pc++;
      step(s, i, ops(s)[i]);
    }
    if (r.phase != Phase::Runnable) return;
    for (auto d = r.defers.rbegin(); d != r.defers.rend(); ++d) o_.cancel(node((*d)->a), (*d)->cause);
    r.phase = Phase::Done;
  }

  // Every judged goroutine waits: the clock moves to the first wake-up. A goroutine woken
  // at an instant a timer fires may run before, after or beside that timer's cancellation.
  bool advance_clock() {
    std::optional<int64_t> t;
    for (const Run& r : runs_)
      if (r.phase == Phase::Blocked && (!t || r.wake < *t)) t = r.wake;
    if (!t) return false;
    bool fired = timer_due_at(*t);
    o_.sleep(*t - o_.now());
    for (size_t s = 0; s < runs_.size(); ++s) {
      Run& r = runs_[s];
      if (r.phase != Phase::Blocked || r.wake != *t) continue;
      r.phase = Phase::Runnable;
      if (fired || r.stop_on_wake) stop_at(s, r.pc, r.woken_why);
      else runnable_.push_back(s);
    }
    return true;
  }

  void block(size_t s, int64_t wake, bool stop_on_wake, const char* why) {
    Run& r = runs_[s];
    r.phase = Phase::Blocked;
    r.wake = std::max(wake, o_.now());
    r.stop_on_wake = stop_on_wake;
    r.woken_why = why;
  }

  void step(size_t s, size_t i, const Op& op) {
    switch (op.kind) {
      case OpKind::Background: bind(op.result, o_.background()); break;
      case OpKind::Todo: bind(op.result, o_.todo()); break;
      case OpKind::WithCancel: case OpKind::WithCancelCause:
        bind(op.result, o_.with_cancel(node(op.a), op.kind == OpKind::WithCancelCause));
        break;
      case OpKind::WithTimeout: case OpKind::WithTimeoutCause: with_deadline(s, i, op, o_.now() + op.duration); break;
      case OpKind::WithDeadline: case OpKind::WithDeadlineCause: with_deadline(s, i, op, op.deadline); break;
      case OpKind::WithValue:
        // The reference keeps int values only; a string value ends its judgement.
        if (op.value_type != harness::ValueType::Int) return stop_at(s, i, "a string value");
        bind(op.result, o_.with_value(node(op.a), {op.key.type, op.key.value}, op.value));
        break;
      case OpKind::WithoutCancel: bind(op.result, o_.without_cancel(node(op.a))); break;
      case OpKind::AfterFunc:
        if (op.action != harness::Action::Nop) return stop_at(s, i, "an AfterFunc whose f cancels runs beside it");
        bind(op.result, o_.after_func(node(op.a), -1));
        break;
      case OpKind::Cancel: o_.cancel(node(op.a), op.cause); break;
      case OpKind::DeferCancel: runs_[s].defers.push_back(&op); break;
      case OpKind::Stop: predict(s, i, fmt::format(FMT_COMPILE("stop h{}"), op.a), {o_.stop(node(op.a)) ? "true" : "false"}); break;
      case OpKind::Wait: return wait(s, node(op.a));
      case OpKind::Select: return select(s, i, op);
      case OpKind::Sleep: return block(s, o_.now() + op.duration, false, kWokeOnTimer);
      case OpKind::Observe: observe(s, i, op); break;
      case OpKind::Go: return go(s, i, op);
      case OpKind::Custom: return stop_at(s, i, "a custom Context type");
      case OpKind::Reparent: return stop_at(s, i, "an unsafe reparent");
      default: break;  // yield, drop, store, set_finalizer, gc
    }
  }

  void go(size_t s, size_t i, const Op& op) {
    if (!out_.refused.empty()) return stop_at(s, i, "a go statement: main is no longer alone");
    start(static_cast<size_t>(op.script));
  }

  // Judging of script s ends before its op `i` (0-based).
  void stop_at(size_t s, size_t i, std::string_view why) {
    ScriptJudgement& j = out_.scripts[s];
    j.stopped = fmt::format(FMT_COMPILE("op {}: {}"), std::min(i + 1, ops(s).size()), why);
    j.judged_ops = i;
    runs_[s].phase = Phase::Done;
  }
  void bind(uint32_t h, int n) { node_[h] = n; }
  int node(uint32_t h) const { return node_[h]; }
  void predict(size_t s, size_t i, std::string what, std::vector<std::string> values) {
    out_.scripts[s].predictions.push_back({i, std::move(what), std::move(values)});
  }
  bool timer_due_at(int64_t t) const {
    return std::any_of(o_.nodes().begin(), o_.nodes().end(),
                       [t](const Node& n) { return n.timer_live && n.deadline == t; });
  }

  void with_deadline(size_t s, size_t i, const Op& op, int64_t d) {
    if (o_.timer_tie(node(op.a), d)) return stop_at(s, i, "a deadline at the instant of another timer");
    bind(op.result, o_.with_deadline(node(op.a), d, op.cause));
  }

  static constexpr const char* kWokeOnTimer = "it wakes at the instant a timer is due";
  // A timer closed Done and woke it: the rest of that cancellation (children, AfterFuncs)
  // runs beside its next ops.
  static constexpr const char* kWokenByTimer = "woken by a timer whose cancellation is still under way";

  // <-ctx.Done(): it closes at the context's deadline, if it has one, or never (no other
  // goroutine touches its tree).
  void wait(size_t s, int n) {
    if (o_.done(n) == DoneState::Closed) return;
    std::optional<int64_t> dl = o_.deadline(n);
    if (o_.done(n) == DoneState::Nil || !dl) {
      runs_[s].phase = Phase::Done;
      return;
    }
    block(s, *dl, true, kWokenByTimer);
  }

  void select(size_t s, size_t i, const Op& op) {
    int n = node(op.a);
    std::string what = fmt::format(FMT_COMPILE("select h{}"), op.a);
    if (o_.done(n) == DoneState::Closed) return predict(s, i, what, {"done"});
    int64_t end = o_.now() + op.duration;
    std::optional<int64_t> dl = o_.done(n) == DoneState::Nil ? std::nullopt : o_.deadline(n);
    if (dl && *dl < end) {
      predict(s, i, what, {"done"});
      return block(s, *dl, true, kWokenByTimer);
    }
    predict(s, i, what, dl && *dl == end ? std::vector<std::string>{"timeout", "done"} : std::vector<std::string>{"timeout"});
    block(s, end, false, kWokeOnTimer);
  }

  void observe(size_t s, size_t i, const Op& op) {
    using harness::Observe;
    if (op.observe == Observe::Goroutines) return;  // the model's own goroutines: not judged
    int n = node(op.a);
    std::string what = fmt::format(FMT_COMPILE("{} h{}"), harness::name_of(op.observe), op.a);
    switch (op.observe) {
      case Observe::Err: return predict(s, i, what, allowed(o_.err(n)));
      case Observe::Cause: return predict(s, i, what, allowed(o_.cause(n)));
      case Observe::Deadline: {
        std::optional<int64_t> d = o_.deadline(n);
        return predict(s, i, what, {d ? harness::format_duration(*d) : "none"});
      }
      case Observe::Done: {
        static constexpr const char* kDone[] = {"nil", "open", "closed"};
        return predict(s, i, what, {kDone[static_cast<int>(o_.done(n))]});
      }
      case Observe::Children: return predict(s, i, what, {harness::children_text(o_.children(n))});
      case Observe::String: return predict(s, i, what, {go_string(n)});
      case Observe::Value: {
        std::optional<int64_t> v = o_.value(n, {op.key.type, op.key.value});
        return predict(s, i, fmt::format(FMT_COMPILE("value h{} {}"), op.a, harness::key_text(op.key)),
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
  Oracle& o_;
  std::vector<int>& node_;         // by handle
  std::span<Run> runs_;            // by script
  std::vector<size_t>& runnable_;  // a FIFO: the scripts from next_runnable_ on are runnable
  size_t next_runnable_ = 0;
  Judgement out_;
};

std::string one_of(const std::vector<std::string>& values) {
  std::string s = values.front();
  for (size_t i = 1; i < values.size(); ++i) s += " or " + values[i];
  return s;
}

}  // namespace

Judgement judge(const harness::Program& program) {
  thread_local Scratch scratch;
  scratch.reset(program);
  return Judge(program, scratch).run();
}

namespace {

std::string where(size_t script, size_t op) {
  return script == 0 ? fmt::format("op {}", op + 1) : fmt::format("go {}, op {}", script, op + 1);
}

std::string who(size_t script) { return script == 0 ? "main" : fmt::format("go {}", script); }

}  // namespace

std::optional<Disagreement> first_disagreement(const Judgement& j, const std::vector<Printed>& printed) {
  boost::container::small_vector<size_t, 8> next(j.scripts.size(), 0);  // by script: the next prediction
  for (const Printed& got : printed) {
    if (got.script >= j.scripts.size() || got.op >= j.scripts[got.script].judged_ops) continue;
    const std::vector<Prediction>& predictions = j.scripts[got.script].predictions;
    size_t& k = next[got.script];
    if (k == predictions.size())
      return Disagreement{got.script, got.op,
                          fmt::format("{} printed \"{} = {}\", but the oracle says {} blocks forever before it",
                                      where(got.script, got.op), *got.what, *got.value, who(got.script))};
    const Prediction& want = predictions[k++];
    bool same = got.op == want.op && *got.what == want.what &&
                std::find(want.allowed.begin(), want.allowed.end(), *got.value) != want.allowed.end();
    if (!same)
      return Disagreement{got.script, got.op,
                          fmt::format("{}: the model printed \"{} = {}\", the oracle expects \"{} = {}\" at op {}",
                                      where(got.script, got.op), *got.what, *got.value, want.what,
                                      one_of(want.allowed), want.op + 1)};
  }
  for (size_t s = 0; s < j.scripts.size(); ++s)
    if (next[s] < j.scripts[s].predictions.size()) {
      const Prediction& want = j.scripts[s].predictions[next[s]];
      return Disagreement{s, want.op, fmt::format("{} ({}) printed nothing; the oracle expects {}", where(s, want.op),
                                                  want.what, one_of(want.allowed))};
    }
  return std::nullopt;
}

}  // namespace ctxcheck::reference
