#include "harness/executor/executor.h"

#include <algorithm>
#include <optional>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/program/text.h"
#include "model/context/context.h"
#include "model/runtime/state_hash.h"

namespace ctxcheck::harness {

using model::Context;
using model::Kind;

namespace {

constexpr uint32_t kFirstProgramGlobal = 2;  // slots 0, 1: Background, TODO

struct Handle {
  const Op* op = nullptr;
  Context* ctx = nullptr;
  model::CancelFunc cancel;
  std::function<bool()> stop;
  model::AfterFuncCtx* af = nullptr;
  rt::ObjId obj = rt::kNoObj;         // what the program holds: the context or the stop func
  rt::ObjId cancel_obj = rt::kNoObj;  // the cancel func closure
  bool cancel_called = false, cancel_deferred = false;
  int first_stop = -1;  // -1 never stopped; 1 some stop() returned true; 0 all returned false
  uint32_t parent = 0;  // parent handle (for the value oracle)
};

CtxFamily family_of(Kind k) {
  switch (k) {
    case Kind::Background: case Kind::TODO: return CtxFamily::Empty;
    case Kind::Cancel: case Kind::Timer: case Kind::AfterFunc: return CtxFamily::Cancel;
    case Kind::Value: return CtxFamily::Value;
    case Kind::WithoutCancel: return CtxFamily::WithoutCancel;
    default: return CtxFamily::Foreign;
  }
}
bool transparent(Kind k) {
  return k == Kind::Value || k == Kind::Wrapper || k == Kind::BrokenErr || k == Kind::OwnDone;
}
bool passes_cancel(Kind k) {
  return k != Kind::WithoutCancel && k != Kind::OwnDone && k != Kind::AfterFuncer;
}

struct StopExecution {};  // unwinds the interpreter after a violation was recorded

class Interp {
 public:
  Interp(const Program& p, rt::Runtime& runtime, const ExecOptions& opts, ExecResult& out)
      : p_(p), rt_(runtime), opts_(opts), out_(out), checker_(opts.invariants),
        handles_(p.max_handle() + 1) {}

  std::optional<model::Package> pkg;

  void main() {
    pkg.emplace(opts_.faults);
    baseline_objects_ = static_cast<uint32_t>(rt_.heap().allocated());
    rt_.set_step_hook([this] { after_step(); });
    rt_.set_state_hasher([this] { return state_digest(); });
    run_script(0);
    rt_.settle();
    quiescence();
    if (opts_.end_phase) end_phase();
    rt_.set_step_hook(nullptr);
    rt_.set_state_hasher(nullptr);
  }

  // What the runtime cannot see of the state, for explorers that cache states: the model
  // (through the view: everything the invariants and the program can observe) and the
  // interpreter's shared bookkeeping. Context ids are creation order, so two interleavings
  // that create the same contexts in another order hash differently (sound, less pruning).
  uint64_t state_digest() {
    rt::StateHasher s;
    s.add(view_digest());
    for (const auto& c : pkg->contexts())  // a lock is not a model version change
      if (family_of(c->kind()) == CtxFamily::Cancel) s.add(static_cast<model::CancelCtx*>(c.get())->mu_locked());
    for (const Handle& hd : handles_)
      s.add((hd.ctx ? hd.ctx->id() + 1 : 0) | static_cast<uint64_t>(hd.cancel_called) << 32 |
            static_cast<uint64_t>(hd.cancel_deferred) << 33)
          .add(static_cast<uint64_t>(hd.first_stop));
    s.add(program_finalizers_.size()).add(max_global_).add(pkg->reparents());
    return s.value();
  }

  // The model part, recomputed only when the model's version changed.
  uint64_t view_digest() {
    if (digest_version_ == pkg->version()) return view_digest_;
    fill_view();
    rt::StateHasher s;
    for (const CtxView& c : view_.contexts) {
      s.add(c.kind).add(static_cast<uint64_t>(c.parent)).add(c.children.size());
      for (uint32_t ch : c.children) s.add(ch);
      s.add(static_cast<uint64_t>(c.children_nil) | static_cast<uint64_t>(c.done_created) << 1 |
            static_cast<uint64_t>(c.done_closed) << 2);
      s.add(static_cast<uint64_t>(static_cast<uint32_t>(c.err)) << 32 | static_cast<uint32_t>(c.cause));
      s.add(c.removing_cancels_returned).add(c.afterfunc_runs).add(static_cast<uint64_t>(c.afterfunc_stop));
      s.add(c.deadline ? static_cast<uint64_t>(*c.deadline) : ~0ULL);
    }
    digest_version_ = pkg->version();
    view_digest_ = s.value();
    return view_digest_;
  }

  // ---- model view ----
  void fill_view() {
    ModelView& v = view_;
    const auto& all = pkg->contexts();
    v.contexts.resize(all.size());
    v.now = rt_.now();
    // What never changes after creation (unless an unsafe reparent) is filled once.
    if (pkg->reparents() != reparents_seen_) static_filled_ = 0, reparents_seen_ = pkg->reparents();
    for (size_t i = static_filled_; i < all.size(); ++i) {
      Context* c = all[i].get();
      CtxView& cv = v.contexts[i];
      cv.id = c->id();
      cv.kind = model::kind_name(c->kind());
      cv.family = family_of(c->kind());
      cv.transparent = transparent(c->kind());
      cv.passes_cancel = passes_cancel(c->kind());
      cv.parent = c->parent() ? static_cast<int64_t>(c->parent()->id()) : -1;
      cv.deadline = deadline_of(c);
      cv.own_deadline = c->kind() == Kind::Timer;
      cv.obj = c->obj();
    }
    static_filled_ = all.size();
    for (size_t i = 0; i < all.size(); ++i) {
      Context* c = all[i].get();
      CtxView& cv = v.contexts[i];
      cv.err = cv.family == CtxFamily::Cancel ? c->peek_err() : err_of(c);
      cv.children.clear();
      if (cv.family == CtxFamily::Cancel) {
        auto* cc = static_cast<model::CancelCtx*>(c);
        for (const auto& e : cc->children()) cv.children.push_back(e.child->id());
        cv.children_nil = cc->children_nil();
        cv.cause = cc->peek_cause();
        cv.done_created = cc->done_created();
        cv.done_closed = cc->done_closed();
        cv.mu_locked = cc->mu_locked();
        cv.removing_cancels_returned = cc->removing_cancels_returned();
        if (c->kind() == Kind::AfterFunc) {
          auto* a = static_cast<model::AfterFuncCtx*>(c);
          cv.afterfunc_runs = a->runs();
          cv.afterfunc_stop = -1;  // filled below from what stop returned to the program
        }
      }
    }
    for (const Handle& hd : handles_)
      if (hd.af && hd.first_stop >= 0) v.contexts[hd.af->id()].afterfunc_stop = hd.first_stop;
  }

  // Err() without scheduling points, bounded (an unsafe reparent may close a cycle).
  model::Error err_of(Context* c) {
    for (size_t i = 0; c != nullptr && i <= pkg->contexts().size(); ++i) {
      switch (c->kind()) {
        case Kind::Value: case Kind::Wrapper: c = c->parent(); break;
        case Kind::Background: case Kind::TODO: case Kind::WithoutCancel: case Kind::BrokenErr:
          return model::kNilError;
        default: return c->peek_err();  // its own state
      }
    }
    return model::kNilError;
  }

  // Deadline() without scheduling points, bounded (an unsafe reparent may close a cycle).
  std::optional<rt::Nanos> deadline_of(Context* c) {
    for (size_t i = 0; c != nullptr && i <= pkg->contexts().size(); ++i) {
      switch (c->kind()) {
        case Kind::Timer: return static_cast<model::TimerCtx*>(c)->deadline();
        case Kind::Background: case Kind::TODO: case Kind::WithoutCancel: return std::nullopt;
        default: c = c->parent();
      }
    }
    return std::nullopt;
  }

  std::vector<TreeNode> tree(const std::vector<uint32_t>& highlight) {
    fill_view();
    std::vector<std::string> names(view_.contexts.size());
    for (uint32_t h = 1; h < handles_.size(); ++h)
      if (handles_[h].ctx && names[handles_[h].ctx->id()].empty())
        names[handles_[h].ctx->id()] = fmt::format("h{}", h);
    std::vector<TreeNode> out;
    const rt::Heap& heap = rt_.heap();
    for (const CtxView& c : view_.contexts) {
      TreeNode n;
      n.id = c.id;
      n.parent = c.parent;
      n.kind = std::string(c.kind);
      n.handle = names[c.id];
      n.canceled = c.err != kNil;
      n.state = c.err == kNil ? "active"
                              : fmt::format("canceled: {}{}", model::error_string(c.err),
                                            c.cause != c.err && c.cause != kNil
                                                ? fmt::format(" (cause {})", model::error_string(c.cause))
                                                : "");
      n.children = c.children;
      n.highlight = std::find(highlight.begin(), highlight.end(), c.id) != highlight.end();
      n.freed = !heap.alive(c.obj);
      n.finalized = c.obj < heap.allocated() && heap.object(c.obj).finalized;
      out.push_back(std::move(n));
    }
    return out;
  }

  ProgramPoint here() const {
    ProgramPoint pt;
    pt.step = rt_.steps();
    pt.goroutine = rt_.self();
    if (pt.goroutine != rt::kNoGo && pt.goroutine < where_.size()) {
      pt.script = where_[pt.goroutine].first;
      pt.op = where_[pt.goroutine].second;
    }
    return pt;
  }

  [[noreturn]] void violate(Violation v, std::string path = {}) {
    ViolationReport r;
    r.id = v.id;
    r.message = std::move(v.message);
    r.at = here();
    r.tree = tree(v.involved);
    r.path = std::move(path);
    out_.violation = std::move(r);
    if (rt_.self() != rt::kNoGo) rt_.fail(rt::Outcome::Stopped, out_.violation->message);
    throw StopExecution{};
  }

  void find(Finding id, std::string message, std::string path = {}) {
    for (const auto& f : out_.findings)
      if (f.id == id && f.message == message) return;
    out_.findings.push_back({id, std::move(message), here(), std::move(path)});
  }

  void after_step() {
    if (!pkg || pkg->version() == seen_version_) return;
    seen_version_ = pkg->version();
    fill_view();
    if (auto v = checker_.after_step(view_)) violate(*v);
  }

  // ---- scripts ----
  void enter(uint32_t h) {
    Handle& hd = handles_[h];
    rt::ObjId frame = rt_.goroutine(rt_.self()).frame;
    if (hd.obj != rt::kNoObj) rt_.heap().link(frame, hd.obj, "local");
    if (hd.cancel_obj != rt::kNoObj) rt_.heap().link(frame, hd.cancel_obj, "local");
  }
  void leave(uint32_t h) {
    Handle& hd = handles_[h];
    rt::ObjId frame = rt_.goroutine(rt_.self()).frame;
    if (hd.obj != rt::kNoObj) rt_.heap().unlink(frame, hd.obj, "local");
    if (hd.cancel_obj != rt::kNoObj) rt_.heap().unlink(frame, hd.cancel_obj, "local");
  }

  void set_where(int script, int op) {
    rt::GoId g = rt_.self();
    if (g >= where_.size()) where_.resize(g + 1, {-1, -1});
    where_[g] = {script, op};
  }

  // `visible`: handles inherited from the spawner, already referenced by this
  // goroutine's frame (the go statement captured them).
  void run_script(size_t s, std::vector<uint32_t> visible = {}) {
    std::vector<const Op*> defers;
    const auto& ops = p_.scripts[s].ops;
    for (size_t i = 0; i < ops.size(); ++i) {
      set_where(static_cast<int>(s), static_cast<int>(i));
      rt_.note(rt::Ev::Op, static_cast<uint32_t>(s << 16 | i), 0);
      if (rt_.hashing()) {
        // Everything this goroutine carries from op to op; the rest of its past is moot.
        rt::StateHasher locals;
        locals.add(s).add(i);
        for (uint32_t h : visible) locals.add(h);
        for (const Op* d : defers) locals.add(d->a);
        rt_.mark_op_boundary(locals.value());
      }
      int32_t si = static_cast<int32_t>(s), ii = static_cast<int32_t>(i);
      take_turn({si, ii, OpPhase::Begin});
      if (blocking(ops[i].kind)) {
        // The op's start is one step, its return another: other scripts run in between.
        end_turn();
        run_op(s, i, ops[i], visible, defers, [&] { take_turn({si, ii, OpPhase::Resume}); });
      } else {
        run_op(s, i, ops[i], visible, defers, [] {});
      }
      end_turn();
    }
    for (auto it = defers.rbegin(); it != defers.rend(); ++it) {
      take_turn({static_cast<int32_t>(s), static_cast<int32_t>(*it - ops.data()), OpPhase::Deferred});
      do_cancel(**it);
      end_turn();
    }
    set_where(static_cast<int>(s), static_cast<int>(ops.size()));
  }

  static bool blocking(OpKind k) { return op_spec(k).blocks(); }

  // ---- the op-level order: recorded always, forced when opts_.forced_order is set ----
  // invariant: without a forced order, turn_waiters_ is empty and next_turn_ counts steps.
  void take_turn(OpEvent e) {
    if (const auto* order = opts_.forced_order) {
      while (next_turn_ >= order->size() || !same_step((*order)[next_turn_], e)) {
        turn_waiters_.push_back(rt_.wait_token());
        rt_.block(rt::BlockKind::Turn, static_cast<uint32_t>(next_turn_));
      }
      // The clock moved since the last step: timer callbacks due by now finish first.
      if (rt_.now() > last_turn_time_) rt_.settle_now();
      last_turn_time_ = rt_.now();
    }
    e.vtime = rt_.now() - rt::kEpoch;
    out_.op_events.push_back(e);
  }
  void end_turn() {
    ++next_turn_;
    for (rt::WaitToken t : turn_waiters_) rt_.wake(t);
    turn_waiters_.clear();
  }
  static bool same_step(const OpEvent& a, const OpEvent& b) {
    return a.script == b.script && a.op == b.op && a.phase == b.phase;
  }

  Context* ctx(uint32_t h) { return handles_[h].ctx; }

  void created(const Op& op, std::vector<uint32_t>& visible, Context* c, rt::ObjId obj) {
    Handle& hd = handles_[op.result];
    hd.op = &op;
    hd.ctx = c;
    hd.obj = obj;
    hd.parent = op.a;
    visible.push_back(op.result);
    enter(op.result);
    pkg->release_new();
    // A constructor may change the tree after its last scheduling point (the reparent-cycle
    // fault closes a cycle there): check before the program walks it.
    after_step();
  }

  // `returned`: called by a blocking op once it returns, before it reports anything.
  template <class Returned>
  void run_op(size_t s, size_t i, const Op& op, std::vector<uint32_t>& visible,
              std::vector<const Op*>& defers, Returned&& returned) {
    model::Package& P = *pkg;
    auto with_cancel = [&](model::WithCancelResult r) {
      Handle& hd = handles_[op.result];
      hd.cancel = std::move(r.cancel);
      hd.cancel_obj = r.cancel_obj;
      created(op, visible, r.ctx, r.ctx->obj());
    };
    switch (op.kind) {
      case OpKind::Background: created(op, visible, P.Background(), P.Background()->obj()); break;
      case OpKind::Todo: created(op, visible, P.TODO(), P.TODO()->obj()); break;
      case OpKind::WithCancel: with_cancel(P.WithCancel(ctx(op.a))); break;
      case OpKind::WithCancelCause: with_cancel(P.WithCancelCause(ctx(op.a))); break;
      case OpKind::WithTimeout: with_cancel(P.WithTimeout(ctx(op.a), op.duration)); break;
      case OpKind::WithTimeoutCause: with_cancel(P.WithTimeoutCause(ctx(op.a), op.duration, op.cause)); break;
      case OpKind::WithDeadline: with_cancel(P.WithDeadline(ctx(op.a), rt::kEpoch + op.deadline)); break;
      case OpKind::WithDeadlineCause:
        with_cancel(P.WithDeadlineCause(ctx(op.a), rt::kEpoch + op.deadline, op.cause));
        break;
      case OpKind::WithValue: {
        check_shadowing(op);
        Context* c = P.WithValue(ctx(op.a), model::Key{static_cast<uint8_t>(op.key.type + 1), op.key.value}, op.value);
        created(op, visible, c, c->obj());
        break;
      }
      case OpKind::WithoutCancel: {
        Context* c = P.WithoutCancel(ctx(op.a));
        created(op, visible, c, c->obj());
        break;
      }
      case OpKind::Custom: {
        static constexpr Kind kinds[] = {Kind::Wrapper, Kind::OwnDone, Kind::AfterFuncer, Kind::BrokenErr};
        auto r = P.Foreign(kinds[static_cast<size_t>(op.custom)], ctx(op.a));
        if (r.cancel) with_cancel(std::move(r));
        else created(op, visible, r.ctx, r.ctx->obj());
        break;
      }
      case OpKind::AfterFunc: {
        std::function<void()> f = [] {};
        if (op.action == Action::Cancel) {
          uint32_t target = op.b;
          f = [this, target] { handles_[target].cancel(model::kNilError); };
        }
        auto r = P.AfterFunc(ctx(op.a), std::move(f));
        Handle& hd = handles_[op.result];
        hd.stop = std::move(r.stop);
        hd.af = r.ctx;
        hd.op = &op;
        hd.obj = r.stop_obj;
        hd.parent = op.a;
        visible.push_back(op.result);
        enter(op.result);
        pkg->release_new();
        break;
      }
      case OpKind::Cancel: do_cancel(op); break;
      case OpKind::DeferCancel:
        handles_[op.a].cancel_deferred = true;
        defers.push_back(&op);
        break;
      case OpKind::Stop: {
        bool stopped = handles_[op.a].stop();
        // Concurrent stops: one wins (true) and the others return false, possibly first.
        // What the afterfunc invariant needs is whether any stop returned true.
        int now = stopped ? 1 : std::max(handles_[op.a].first_stop, 0);
        if (now != handles_[op.a].first_stop) {
          handles_[op.a].first_stop = now;
          pkg->touch();
        }
        observe(s, i, fmt::format("stop h{}", op.a), stopped ? "true" : "false");
        break;
      }
      case OpKind::Go: {
        size_t target = static_cast<size_t>(op.script);
        std::vector<uint32_t> snapshot = visible;
        std::vector<rt::ObjId> captures;
        for (uint32_t h : snapshot) {
          if (handles_[h].obj != rt::kNoObj) captures.push_back(handles_[h].obj);
          if (handles_[h].cancel_obj != rt::kNoObj) captures.push_back(handles_[h].cancel_obj);
        }
        rt_.go(rt::GoKind::Program, fmt::format("go {}", target),
               [this, target, snapshot] { run_script(target, snapshot); }, captures, "local");
        break;
      }
      case OpKind::Wait: {
        Context* c = ctx(op.a);
        rt::Chan* d = c->Done();
        if (d == nullptr) {
          rt::Chan* none[] = {nullptr};
          rt::select(none, rt::kNoTimeout);  // <-nil blocks forever
        } else {
          d->recv();
        }
        returned();
        check_err_after_done(c, op.a);
        break;
      }
      case OpKind::Select: {
        Context* c = ctx(op.a);
        rt::Chan* cases[] = {c->Done()};
        int got = rt::select(cases, op.duration);
        returned();
        if (got == 0) check_err_after_done(c, op.a);
        observe(s, i, fmt::format("select h{}", op.a), got == 0 ? "done" : "timeout");
        if (got != 0 && deadline_of(c) == rt_.now()) out_.observations.back().alternative = "done";
        break;
      }
      case OpKind::Sleep:
        rt_.sleep(op.duration);
        returned();
        break;
      case OpKind::Yield: rt_.yield(); break;
      case OpKind::Observe: do_observe(s, i, op); break;
      case OpKind::Drop: {
        leave(op.a);
        visible.erase(std::find(visible.begin(), visible.end(), op.a));
        break;
      }
      case OpKind::Store: {
        uint32_t slot = kFirstProgramGlobal + static_cast<uint32_t>(op.slot);
        rt_.point(rt::Ev::Model, 1, slot);
        rt_.heap().store_global(slot, handles_[op.a].obj);
        max_global_ = std::max(max_global_, slot);
        break;
      }
      case OpKind::SetFinalizer: {
        rt::ObjId o = ctx(op.a)->obj();
        rt_.point(rt::Ev::Model, 2, o);
        program_finalizers_.push_back({op.a, o});
        rt_.heap().set_finalizer(o, [](rt::ObjId) {});
        break;
      }
      case OpKind::Gc: out_.gc_trace.push_back(rt_.gc().to_string()); break;
      case OpKind::Reparent: {
        rt_.point(rt::Ev::Model, 3, op.a);
        P.Reparent(ctx(op.a), ctx(op.b));
        after_step();  // a cycle must be reported before anything walks it
        break;
      }
    }
  }

  void do_cancel(const Op& op) {
    Handle& hd = handles_[op.a];
    hd.cancel_called = true;
    std::vector<uint32_t> registered;
    bool check = checker_.enabled(Invariant::Propagation);
    if (check) {
      fill_view();
      registered = registered_below(view_, hd.ctx->id());
    }
    hd.cancel(op.cause);
    if (check && family_of(hd.ctx->kind()) == CtxFamily::Cancel) {
      fill_view();
      if (auto v = check_propagation_after_cancel(view_, hd.ctx->id(), registered)) violate(*v);
    }
  }

  void check_err_after_done(Context* c, uint32_t h) {
    if (!checker_.enabled(Invariant::DoneErr)) return;
    // Only where Err comes from one of the package's own cancelCtx (through valueCtx):
    // a foreign Context's Err is the program's business.
    Context* src = c;
    for (size_t i = 0; src && src->kind() == Kind::Value && i <= pkg->contexts().size(); ++i) src = src->parent();
    if (!src || family_of(src->kind()) != CtxFamily::Cancel) return;
    model::Error e = c->Err();
    if (e == model::kNilError)
      violate({Invariant::DoneErr, fmt::format("h{} (ctx{}): Done is closed but Err returned nil", h, c->id()),
               {c->id()}});
  }

  void observe(size_t s, size_t i, std::string what, std::string value) {
    out_.observations.push_back({static_cast<int32_t>(s), static_cast<int32_t>(i), std::move(what), std::move(value), {}});
  }

  // What Value must return, from the program's own record of the chain.
  std::optional<int64_t> value_oracle(uint32_t h, ValueKey key) {
    for (size_t i = 0; h != 0 && i <= handles_.size(); ++i) {
      const Op* op = handles_[h].op;
      if (!op) return std::nullopt;
      if (op->kind == OpKind::WithValue && op->key == key) return op->value;
      if (op->kind == OpKind::Background || op->kind == OpKind::Todo) return std::nullopt;
      h = handles_[h].parent;
    }
    return std::nullopt;
  }

  void do_observe(size_t s, size_t i, const Op& op) {
    Observe what = op.observe;
    std::string label = fmt::format("{} h{}", name_of(op.observe), op.a);
    if (what == Observe::Goroutines) {
      rt_.point(rt::Ev::Model, 4, 0);
      observe(s, i, "goroutines", std::to_string(rt_.num_goroutines()));
      return;
    }
    Context* c = ctx(op.a);
    bool without = handles_[op.a].op && handles_[op.a].op->kind == OpKind::WithoutCancel;
    switch (what) {
      case Observe::Err: {
        model::Error e = c->Err();
        if (without && e != model::kNilError && checker_.enabled(Invariant::Value))
          violate({Invariant::Value, fmt::format("WithoutCancel h{} reports Err {}", op.a, model::error_string(e)), {c->id()}});
        observe(s, i, label, model::error_string(e));
        break;
      }
      case Observe::Cause: observe(s, i, label, model::error_string(pkg->Cause(c))); break;
      case Observe::Deadline: {
        auto d = c->Deadline();
        observe(s, i, label, d ? format_duration(*d - rt::kEpoch) : "none");
        break;
      }
      case Observe::Done: {
        rt::Chan* d = c->Done();
        if (without && d != nullptr && checker_.enabled(Invariant::Value))
          violate({Invariant::Value, fmt::format("WithoutCancel h{} has a non-nil Done", op.a), {c->id()}});
        observe(s, i, label, d == nullptr ? "nil" : d->poll() ? "closed" : "open");
        break;
      }
      case Observe::Children: {
        rt_.point(rt::Ev::Model, 5, c->id());
        size_t n = 0;
        if (family_of(c->kind()) == CtxFamily::Cancel) n = static_cast<model::CancelCtx*>(c)->children().size();
        observe(s, i, label, std::to_string(n));
        break;
      }
      case Observe::Value: {
        model::Any v = c->Value(model::Key{static_cast<uint8_t>(op.key.type + 1), op.key.value});
        std::optional<int64_t> want = value_oracle(op.a, op.key);
        std::optional<int64_t> got = v.present ? std::optional<int64_t>(v.value) : std::nullopt;
        if (!p_.unsafe && got != want && checker_.enabled(Invariant::Value))
          violate({Invariant::Value,
                   fmt::format("Value(key{}:{}) on h{} returned {}, the nearest binding is {}",
                               static_cast<char>('A' + op.key.type), op.key.value, op.a,
                               got ? std::to_string(*got) : "nil", want ? std::to_string(*want) : "nil"),
                   {c->id()}});
        observe(s, i, fmt::format("value h{} key{}:{}", op.a, static_cast<char>('A' + op.key.type), op.key.value),
                got ? std::to_string(*got) : "nil");
        break;
      }
      case Observe::Goroutines: break;
    }
  }

  void check_shadowing(const Op& op) {
    for (uint32_t h = op.a, i = 0; h != 0 && i <= handles_.size(); h = handles_[h].parent, ++i) {
      const Op* o = handles_[h].op;
      if (!o) return;
      if (o->kind == OpKind::WithValue && o->key.value == op.key.value && o->key.type != op.key.type) {
        find(Finding::ShadowedKey,
             fmt::format("h{} binds key{}:{} under h{}, which binds key{}:{}: same value, another type, "
                         "so lookups of either never see the other",
                         op.result, static_cast<char>('A' + op.key.type), op.key.value, h,
                         static_cast<char>('A' + o->key.type), o->key.value));
        return;
      }
    }
  }

  std::string path_to(rt::ObjId o) {
    rt::RetentionPath rp = rt_.heap().retention_path(o);
    if (!rp.found) return {};
    const rt::Heap& heap = rt_.heap();
    std::string s = fmt::format("{} {}", rt::root_kind_name(rp.root.kind), rp.root.index);
    for (const auto& st : rp.steps) {
      if (*st.label) s += fmt::format(" -{}-> ", st.label);
      else s += ": ";
      s += describe(heap, st.obj);
    }
    return s;
  }

  std::string describe(const rt::Heap& heap, rt::ObjId o) {
    const auto& ho = heap.object(o);
    std::string d = heap.describe(o);
    for (const auto& c : pkg->contexts())
      if (c->obj() == o) return fmt::format("ctx{} ({})", c->id(), ho.type->name);
    return d;
  }

  void quiescence() {
    fill_view();
    if (auto v = checker_.at_quiescence(view_)) violate(*v);
    // goroutine-leak: a watcher whose child or parent is done must have exited.
    if (checker_.enabled(Invariant::GoroutineLeak)) {
      for (const auto& c : pkg->contexts()) {
        if (family_of(c->kind()) != CtxFamily::Cancel) continue;
        auto* cc = static_cast<model::CancelCtx*>(c.get());
        if (cc->watcher() == rt::kNoGo) continue;
        const rt::Goroutine& g = rt_.goroutine(cc->watcher());
        if (g.state != rt::GoState::Blocked) continue;
        bool child_done = cc->peek_err() != model::kNilError;
        bool parent_done = cc->parent() && err_of(cc->parent()) != model::kNilError;
        if (child_done || parent_done)
          violate({Invariant::GoroutineLeak,
                   fmt::format("the watcher goroutine g{} of ctx{} is still blocked although its {} is done",
                               g.id, c->id(), child_done ? "child" : "parent"),
                   {c->id()}});
      }
    }
    // Findings about the program.
    for (const auto& g : rt_.goroutines())
      if (legit_watcher(g))
        find(Finding::ParkedForever,
             fmt::format("{} (g{}) waits forever: neither the parent's Done nor the child's can close",
                         g.label, g.id));
    for (const auto& g : rt_.goroutines())
      if (g.kind == rt::GoKind::Program && g.state == rt::GoState::Blocked && g.block != rt::BlockKind::Settle)
        find(Finding::ParkedForever,
             fmt::format("goroutine g{} ({}) waits on a {} that can never fire", g.id, g.label,
                         rt::block_kind_name(g.block)));
  }

  void end_phase() {
    rt::Heap& heap = rt_.heap();
    // Main drops every handle; lost cancels show what still holds their context.
    rt::ObjId frame = rt_.goroutine(rt_.self()).frame;
    while (!heap.object(frame).edges.empty())
      heap.unlink(frame, heap.object(frame).edges.front().to, heap.object(frame).edges.front().label);
    for (uint32_t h = 1; h < handles_.size(); ++h) {
      const Handle& hd = handles_[h];
      if (!hd.cancel || hd.cancel_called || hd.cancel_deferred || !hd.ctx) continue;
      if (err_of(hd.ctx) != model::kNilError) continue;  // canceled via its parent: no leak
      std::string path = path_to(hd.ctx->obj());
      find(Finding::LostCancel,
           fmt::format("the cancel func of h{} (ctx{}) is never called{}", h, hd.ctx->id(),
                       path.empty() ? "; nothing retains the context" : "; it stays reachable"),
           path);
    }
    // Then the globals; everything the program made is now garbage unless a parked
    // goroutine holds it.
    for (uint32_t slot = kFirstProgramGlobal; slot <= max_global_; ++slot) heap.store_global(slot, rt::kNoObj);
    // Probe finalizers (the seed's SetFinalizer probe) on every canceled context without
    // one. Only canceled ones: an uncanceled child and its parent form a cycle, and a
    // finalizer there would keep both alive, which Go would not do without the probe.
    std::vector<rt::ObjId> probes;
    for (const auto& c : pkg->contexts()) {
      rt::ObjId o = c->obj();
      if (o < baseline_objects_ || !heap.alive(o) || heap.has_finalizer(o)) continue;
      if (err_of(c.get()) == model::kNilError) continue;
      if (heap.object(o).finalized || heap.object(o).queued) continue;
      heap.set_finalizer(o, [](rt::ObjId) {});
      probes.push_back(o);
    }
    uint32_t rounds = static_cast<uint32_t>(pkg->contexts().size()) + 3;
    // Collect until a fixpoint: a cycle that frees nothing and queues no finalizer.
    for (uint32_t r = 0; r < rounds; ++r) {
      rt::GcStats st = rt_.gc();
      out_.gc_trace.push_back(st.to_string());
      rt_.settle_now();
      if (st.freed == 0 && st.finalizers_queued == 0 && heap.queued_finalizers() == 0) break;
    }
    std::vector<uint8_t> from_program = reachable_from_program();
    // finalizer-cycle: program finalizers that never ran, on a context in a cycle.
    for (auto [h, o] : program_finalizers_) {
      if (!heap.alive(o) || heap.object(o).finalized) continue;
      if (heap.reachable_from(o, o))
        find(Finding::FinalizerCycle,
             fmt::format("the finalizer set on h{} never runs: its context is reachable from itself", h),
             cycle_path(o));
    }
    // finalizer-delay: canceled contexts nobody in the program holds are finalized.
    if (checker_.enabled(Invariant::FinalizerDelay)) {
      for (const auto& c : pkg->contexts()) {
        rt::ObjId o = c->obj();
        if (err_of(c.get()) == model::kNilError || !heap.alive(o)) continue;
        if (heap.object(o).finalized || from_program[o]) continue;
        if (std::find(probes.begin(), probes.end(), o) == probes.end()) continue;
        violate({Invariant::FinalizerDelay,
                 fmt::format("ctx{} is canceled and unreferenced by the program but was not finalized "
                             "after {} GC cycles",
                             c->id(), rounds),
                 {c->id()}},
                path_to(o));
      }
    }
    // heap-leak: what is left must be the baseline, or held by the program.
    if (checker_.enabled(Invariant::HeapLeak)) {
      for (rt::ObjId o = baseline_objects_; o < heap.allocated(); ++o) {
        if (!heap.alive(o) || from_program[o]) continue;
        if (heap.object(o).type->name == std::string_view("goroutine")) continue;
        violate({Invariant::HeapLeak,
                 fmt::format("{} is still alive after the program dropped everything and {} GC cycles ran",
                             describe(heap, o), rounds),
                 {}},
                path_to(o));
      }
    }
  }

  // A watcher goroutine blocked while neither its parent nor its child is done is where
  // Go would be too: it legitimately holds both (the program never finishes either).
  bool legit_watcher(const rt::Goroutine& g) {
    if (g.kind != rt::GoKind::Watcher || g.state != rt::GoState::Blocked) return false;
    for (const auto& c : pkg->contexts()) {
      if (family_of(c->kind()) != CtxFamily::Cancel) continue;
      auto* cc = static_cast<model::CancelCtx*>(c.get());
      if (cc->watcher() != g.id) continue;
      bool parent_done = cc->parent() && err_of(cc->parent()) != model::kNilError;
      return cc->peek_err() == model::kNilError && !parent_done;
    }
    return false;
  }

  // Objects the program still holds: through parked program goroutines, or through
  // watchers that legitimately wait.
  std::vector<uint8_t> reachable_from_program() {
    const rt::Heap& heap = rt_.heap();
    std::vector<uint8_t> seen(heap.allocated(), 0);
    std::vector<rt::ObjId> work;
    for (const auto& g : rt_.goroutines()) {
      bool program = (g.kind == rt::GoKind::Program || g.kind == rt::GoKind::Main) &&
                     g.state != rt::GoState::Done && g.id != rt_.self();
      if (program || legit_watcher(g)) work.push_back(g.frame);
    }
    // And through objects the program set a finalizer on that sit in a cycle (a finding:
    // they can never be collected, nor can anything they reference).
    for (auto [h, fo] : program_finalizers_)
      if (heap.alive(fo) && heap.reachable_from(fo, fo)) work.push_back(fo);
    while (!work.empty()) {
      rt::ObjId o = work.back();
      work.pop_back();
      if (o >= seen.size() || seen[o] || !heap.alive(o)) continue;
      seen[o] = 1;
      for (const auto& e : heap.object(o).edges) work.push_back(e.to);
    }
    return seen;
  }

  // The shortest cycle through o, printed from o back to o.
  std::string cycle_path(rt::ObjId o) {
    const rt::Heap& heap = rt_.heap();
    std::vector<std::pair<rt::ObjId, const char*>> prev(heap.allocated(), {rt::kNoObj, nullptr});
    std::vector<uint8_t> seen(heap.allocated(), 0);
    std::vector<rt::ObjId> q{o};
    seen[o] = 1;
    for (size_t i = 0; i < q.size(); ++i) {
      rt::ObjId cur = q[i];
      for (const auto& e : heap.object(cur).edges) {
        if (e.to == o) {
          std::vector<rt::ObjId> nodes;
          for (rt::ObjId x = cur; x != o; x = prev[x].first) nodes.push_back(x);
          std::string out = describe(heap, o);
          for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
            out += fmt::format(" -{}-> {}", prev[*it].second, describe(heap, *it));
          return out + fmt::format(" -{}-> {}", e.label, describe(heap, o));
        }
        if (seen[e.to]) continue;
        seen[e.to] = 1;
        prev[e.to] = {cur, e.label};
        q.push_back(e.to);
      }
    }
    return {};
  }

 private:
  const Program& p_;
  rt::Runtime& rt_;
  const ExecOptions& opts_;
  ExecResult& out_;
  InvariantChecker checker_;
  std::vector<Handle> handles_;
  ModelView view_;
  uint64_t seen_version_ = ~0ULL;
  uint64_t digest_version_ = ~0ULL, view_digest_ = 0;  // view_digest() cache
  size_t static_filled_ = 0;  // contexts whose static view fields are filled
  uint64_t reparents_seen_ = 0;  // a reparent changed parents: refill them all
  uint32_t baseline_objects_ = 0;
  uint32_t max_global_ = 0;
  std::vector<std::pair<uint32_t, rt::ObjId>> program_finalizers_;
  std::vector<std::pair<int, int>> where_;
  size_t next_turn_ = 0;                   // steps taken (the index into a forced order)
  std::vector<rt::WaitToken> turn_waiters_;  // scripts waiting for their turn
  rt::Nanos last_turn_time_ = rt::kEpoch;
};

}  // namespace

ExecResult execute_input(const DecodedInput& in) {
  ExecOptions o;
  o.faults = in.faults;
  rt::ByteChoices choices(in.schedule);
  return execute(in.program, choices, o);
}

model::FaultSet faults_of(const Program& program) {
  std::string bad;
  auto f = model::FaultSet::parse(program.faults, &bad);
  if (!f) throw std::invalid_argument(fmt::format("unknown fault \"{}\" (ctxcheck faults lists them)", bad));
  return *f;
}

ExecResult execute(const Program& program, rt::ChoiceSource& choices, const ExecOptions& opts) {
  ExecResult out;
  rt::Runtime runtime(choices, opts.limits);
  Interp interp(program, runtime, opts, out);
  rt::RunResult run = runtime.run([&] {
    try {
      interp.main();
    } catch (const StopExecution&) {
    }
  });
  out.outcome = run.outcome;
  out.outcome_message = run.message;
  out.trace_hash = run.trace_hash;
  out.decisions = runtime.decisions();
  out.stats.steps = run.stats.steps;
  out.stats.decisions = run.stats.decisions;
  out.stats.goroutines = run.stats.goroutines;
  out.stats.max_live = run.stats.max_live;
  out.stats.gc_cycles = run.stats.gc_cycles;
  out.stats.peak_heap = run.stats.peak_heap;
  out.stats.virtual_ns = run.stats.end_time;
  out.stats.contexts = interp.pkg ? static_cast<uint32_t>(interp.pkg->contexts().size()) : 0;
  if (!out.violation) {
    switch (run.outcome) {
      case rt::Outcome::Ok: case rt::Outcome::Stopped:
        break;
      case rt::Outcome::Pruned:  // the explorer covered this future already
        out.findings.clear();
        break;
      case rt::Outcome::ProgramDeadlock:
        out.findings.push_back({Finding::ParkedForever, "main waits on a Done that can never close: " + run.message, {}, {}});
        break;
      case rt::Outcome::Panic:
        if (model::is_context_package_panic(run.panic_code)) {
          out.findings.push_back({Finding::ProgramPanic, fmt::format("panic: {}", run.message), {}, {}});
          break;
        }
        [[fallthrough]];
      default: {
        ViolationReport r;
        r.id = Invariant::Termination;
        r.message = fmt::format("{}: {}", rt::outcome_name(run.outcome), run.message);
        r.at.goroutine = run.culprit;
        out.violation = std::move(r);
      }
    }
  }
  interp.pkg.reset();
  out.verdict = out.violation ? Verdict::Violation : out.findings.empty() ? Verdict::Pass : Verdict::Finding;
  return out;
}

}  // namespace ctxcheck::harness
