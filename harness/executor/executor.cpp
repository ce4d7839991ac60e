#include "harness/executor/executor.h"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <tuple>

#include <fmt/format.h>

#include "harness/executor/interp.h"
#include "harness/invariants/end_phase.h"
#include "harness/invariants/program_checks.h"
#include "harness/invariants/quiescence.h"
#include "harness/program/text.h"
#include "harness/reference/judge.h"
#include "model/runtime/fiber_asan.h"
#include "model/runtime/state_hash.h"

namespace ctxcheck::harness {

namespace detail {

Interp::Interp(const Program& p, rt::Runtime& runtime, CheckBuffers& buffers, const ExecOptions& opts, ExecResult& out)
    : p_(p), rt_(runtime), opts_(opts), out_(out), buffers_(buffers), order_(runtime, opts.forced_order, out.op_events) {
  checker_.reset(opts.invariants);
  retained_reported_.clear();
  handles_.resize(p.max_handle() + 1);
  // A goroutine per script and as many internal ones (timer callbacks, watchers) before it
  // grows: set_where indexes this by goroutine id.
  where_.reserve(2 * p.scripts.size() + 2);
  program_.source = &p;
  reserve_results();
}

// The result's lists at their size in one allocation each, instead of growing by doubling:
// a step per op, a return per blocking op, a deferred cancel per `defer cancel`; an
// observation per op that observes (a script started twice may need more: they grow then).
void Interp::reserve_results() {
  size_t steps = 0, observed = 0;
  for (const Script& sc : p_.scripts)
    for (const Op& op : sc.ops) {
      steps += blocking(op.kind) || op.kind == OpKind::DeferCancel ? 2 : 1;
      observed += op.kind == OpKind::Observe || op.kind == OpKind::Select || op.kind == OpKind::Stop;
    }
  out_.op_events.reserve(steps);
  if (observed) out_.observations.reserve(observed);
}

void Interp::find_parked_main() {
  fill_view();
  for (const auto& g : rt_.goroutines())
    if (g.kind == rt::GoKind::Main)
      if (std::optional<ParkedWait> w = parked_wait(env(), g)) find_with(Finding::ParkedForever, w->message, w->detail);
}

void Interp::main() {
  pkg.emplace(opts_.faults, p_.max_handle() + 4);  // room for the program's contexts and the package's own
  viewer_ = &buffers_.viewer;
  viewer_->rebind(*pkg, rt_);
  viewer_->set_incremental(opts_.incremental_checks);
  viewer_->reserve(p_.max_handle() + 4);  // the program's contexts and the package's own
  program_.baseline_objects = static_cast<uint32_t>(rt_.heap().allocated());
  rt_.set_step_hook([this] { after_step(); });
  rt_.set_state_hasher([this] { return state_digest(); });
  if (checker_.enabled(Invariant::GcReference))
    rt_.heap().set_collect_observer([this](const rt::Heap& heap, bool after) {
      if (!after) return gc_reference_.before(heap);
      if (auto v = gc_reference_.after(heap)) violate(*v);
    });
  run_script(0);
  rt_.settle();
  check_quiescence(env(), fill_view());
  find_retained();
  for (FindingReport& f : out_.findings)
    if (f.id == Finding::LostCancel && !f.detail.contexts.empty())
      f.detail.done_at_end = err_of(*pkg, pkg->contexts()[f.detail.contexts[0]].get()) != model::kNilError;
  if (opts_.end_phase) run_end_phase(env(), out_.gc_cycles);
  rt_.set_step_hook(nullptr);
  rt_.set_state_hasher(nullptr);
  rt_.heap().set_collect_observer(nullptr);
}

// What the runtime cannot see of the state, for explorers that cache states: the model
// (through the view: everything the invariants and the program can observe) and the
// interpreter's shared bookkeeping. Context ids are creation order, so two interleavings
// that create the same contexts in another order hash differently (sound, less pruning).
uint64_t Interp::state_digest() {
  rt::StateHasher s;
  viewer_->add_digest(s);
  for (const Handle& hd : handles_)
    s.add((hd.ctx ? hd.ctx->id() + 1 : 0) | static_cast<uint64_t>(hd.cancel_called) << 32 |
          static_cast<uint64_t>(hd.cancel_deferred) << 33 | static_cast<uint64_t>(hd.kept) << 34)
        .add(static_cast<uint64_t>(hd.first_stop));
  s.add(program_finalizers_.size()).add(max_global_).add(pkg->reparents());
  return s.value();
}

// The context tree as a report draws it, named by the one naming policy (ModelView::name):
// the program's handle, else a model name; the package's TODO only if the program holds it.
std::vector<TreeNode> Interp::tree(const std::vector<uint32_t>& highlight) {
  const ModelView& view = fill_view();
  std::vector<TreeNode> out;
  const rt::Heap& heap = rt_.heap();
  for (const CtxView& c : view.contexts) {
    uint32_t handle = c.id < view.handle_of.size() ? view.handle_of[c.id] : 0;
    if (static_cast<int64_t>(c.id) == view.todo_id && handle == 0) continue;
    TreeNode n;
    n.id = c.id;
    n.parent = c.parent;
    n.kind = std::string(c.kind);
    n.handle = handle ? fmt::format("h{}", handle) : "";
    n.name = view.name(c.id);
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

ProgramPoint Interp::here() const {
  ProgramPoint pt;
  pt.step = rt_.steps();
  pt.goroutine = rt_.self();
  if (pt.goroutine != rt::kNoGo && pt.goroutine < where_.size()) {
    pt.script = where_[pt.goroutine].first;
    pt.op = where_[pt.goroutine].second;
  }
  return pt;
}

void Interp::violate(Violation v, std::string path) {
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

void Interp::find(Finding id, std::string message, std::string path) {
  for (const auto& f : out_.findings)
    if (f.id == id && f.message == message) return;
  out_.findings.push_back({id, std::move(message), here(), std::move(path), {}});
  if (opts_.record_pictures && pkg) out_.findings.back().tree = tree({});
}

void Interp::find_with(Finding id, std::string message, FindingDetail detail) {
  for (const auto& f : out_.findings)
    if (f.id == id && f.message == message) return;
  ProgramPoint at = here();
  if (detail.goroutine) at.goroutine = *detail.goroutine;
  if (detail.at_op) std::tie(at.script, at.op) = *detail.at_op;
  std::string path = detail.path.text();
  out_.findings.push_back({id, std::move(message), at, std::move(path), std::move(detail)});
  if (opts_.record_pictures && pkg) out_.findings.back().tree = tree({});
}

// For the timeline's flow arrows: which contexts became canceled in the step just run,
// by which goroutine, and what their parent was then.
void Interp::note_cancellations(const ModelView& view) {
  for (const CtxView& c : view.contexts) {
    if (c.err == kNil) continue;
    if (c.id >= parent_at_cancel_.size()) parent_at_cancel_.resize(c.id + 1, -2);
    if (parent_at_cancel_[c.id] != -2) continue;
    parent_at_cancel_[c.id] = c.parent;
    cancels_.push_back({c.id, view.name(c.id), rt_.self(), rt_.trace().events().size(), rt_.now()});
  }
}

namespace {
// The runtime's events with the virtual time each happened at (from its clock events).
std::vector<TimedEvent> timed_events(const rt::Trace& trace, std::vector<int64_t>& gc_vtime) {
  std::vector<TimedEvent> out;
  int64_t now = rt::kEpoch;
  for (const rt::Event& e : trace.events()) {
    if (e.kind == rt::Ev::Clock) now = rt::kEpoch + (static_cast<int64_t>(e.a) << 32 | e.b);
    if (e.kind == rt::Ev::Gc) gc_vtime.push_back(now);
    out.push_back({e, now});
  }
  return out;
}
}  // namespace

void Interp::record_for_reports(const rt::Runtime& runtime) {
  if (opts_.record_pictures && pkg) {
    for (FindingReport& f : out_.findings)
      if (f.tree.empty()) f.tree = tree({});
    if (out_.violation && out_.violation->tree.empty()) out_.violation->tree = tree({});
  }
  if (!opts_.record_timeline) return;
  TimelineLog log;
  for (const rt::Goroutine& g : runtime.goroutines()) {
    int32_t script = g.id < where_.size() ? where_[g.id].first : -1;
    log.goroutines.push_back({g.id, g.kind, g.label, script});
  }
  log.events = timed_events(runtime.trace(), log.gc_vtime);
  log.gc = runtime.heap().history();
  log.cancels = cancels_;
  log.parent_of = parent_at_cancel_;
  out_.timeline = std::move(log);
}

std::optional<std::string> Interp::model_limit(const rt::RunResult& run) {
  if (run.outcome != rt::Outcome::Panic || run.panic_code != model::kPanicStackOverflow || !pkg) return std::nullopt;
  const ModelView& view = fill_view();
  ChainScratch scratch;
  if (check_acyclic(view, scratch)) return std::nullopt;  // a cycle: the model's own bug
  DeepestChain deep = deepest_chain(view, scratch);
  std::string where = "the end phase";
  if (run.culprit < where_.size() && where_[run.culprit].first >= 0) {
    auto [script, op] = where_[run.culprit];
    where = fmt::format("go {}, op {} ({})", script, op + 1,
                        print_op(p_.scripts[static_cast<size_t>(script)].ops[static_cast<size_t>(op)]));
  }
  return fmt::format("model limit: context chain deeper than {} ({} is {} contexts below its root): the model "
                     "follows at most {} nested context calls per goroutine, so it cannot check this program; "
                     "the limit was hit at {}",
                     model::kMaxForwardDepth, view.name(deep.context), deep.depth, model::kMaxForwardDepth, where);
}

void Interp::after_step() {
  if (!pkg || pkg->version() == seen_version_) return;
  seen_version_ = pkg->version();
  const ModelView& view = fill_view();
  if (opts_.record_timeline) note_cancellations(view);
  std::optional<Violation> v = checker_.after_step(view, viewer_->changes());
  viewer_->clear_changes();
  if (v) violate(*v);
}

}  // namespace detail

using detail::Interp;
using detail::StopExecution;
using detail::CheckBuffers;

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

ExecOptions recorded_options(const Program& program) {
  ExecOptions o;
  o.faults = faults_of(program);
  if (program.max_steps) o.limits.max_steps = *program.max_steps;
  return o;
}

void record_options(Program& program, const ExecOptions& opts) {
  program.faults = opts.faults.to_string();
  program.max_steps.reset();
  if (opts.limits.max_steps != rt::kDefaultMaxSteps) program.max_steps = opts.limits.max_steps;
}

namespace {

// oracle: the observations against the independent sequential reference (judge.h), for an
// execution that ran to its end (a goroutine may be parked forever: the reference says so too).
std::optional<ViolationReport> oracle_disagreement(const Program& program, const ExecResult& out) {
  thread_local std::vector<reference::Printed> printed;  // the thread's: judging runs no execution
  printed.clear();
  for (const Observation& o : out.observations)
    if (o.what != "goroutines")
      printed.push_back({static_cast<size_t>(o.script), static_cast<size_t>(o.op), &o.what, &o.value});
  std::optional<reference::Disagreement> d = reference::first_disagreement(reference::judge(program), printed);
  if (!d) return std::nullopt;
  ViolationReport r;
  r.id = Invariant::Oracle;
  r.message = std::move(d->message);
  r.at.script = static_cast<int32_t>(d->script);
  r.at.op = static_cast<int32_t>(d->op);
  return r;
}

// One runtime and one set of check buffers per thread, reused by every execution on it
// (Runtime::run starts each afresh, the interpreter resets the buffers): their vectors keep
// their capacity, so an execution in the steady state does not allocate the runtime's
// goroutines, heap, trace and schedule, nor the checks' by-id tables, again. An execute()
// nested in another on the same thread (a check that executes) gets its own.
class ThreadRuntime {
 public:
  ThreadRuntime(rt::ChoiceSource& choices, const rt::Limits& limits) {
    struct Cached {
      std::unique_ptr<rt::Runtime> runtime;
      CheckBuffers buffers;
      bool busy = false;
    };
    thread_local Cached cached;
    if (cached.busy) {
      own_runtime_ = std::make_unique<rt::Runtime>(choices, limits);
      own_buffers_ = std::make_unique<CheckBuffers>();
      runtime_ = own_runtime_.get();
      buffers_ = own_buffers_.get();
      return;
    }
    if (!cached.runtime) cached.runtime = std::make_unique<rt::Runtime>(choices, limits);
    cached.runtime->rebind(choices, limits);
    busy_ = &cached.busy;
    cached.busy = true;
    runtime_ = cached.runtime.get();
    buffers_ = &cached.buffers;
  }
  ~ThreadRuntime() {
    if (busy_) *busy_ = false;
  }
  ThreadRuntime(const ThreadRuntime&) = delete;
  ThreadRuntime& operator=(const ThreadRuntime&) = delete;
  rt::Runtime& runtime() { return *runtime_; }
  CheckBuffers& buffers() { return *buffers_; }

 private:
  std::unique_ptr<rt::Runtime> own_runtime_;
  std::unique_ptr<CheckBuffers> own_buffers_;
  rt::Runtime* runtime_ = nullptr;
  CheckBuffers* buffers_ = nullptr;
  bool* busy_ = nullptr;
};

}  // namespace

ExecResult execute(const Program& program, rt::ChoiceSource& choices, const ExecOptions& opts) {
  ExecResult out;
  rt::Limits limits = opts.limits;
  limits.keep_events = limits.keep_events || opts.record_timeline;
  ThreadRuntime lease(choices, limits);
  rt::Runtime& runtime = lease.runtime();
  Interp interp(program, runtime, lease.buffers(), opts, out);
  rt::RunResult run = runtime.run([&] {
    try {
      interp.main();
    } catch (const StopExecution&) {
      rt::forget_unwound_frames();  // ASan: the interpreter's unwound frames on main's fiber stack
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
    if (std::optional<std::string> limit = interp.model_limit(run)) throw ModelLimit(*limit);
    if (run.outcome == rt::Outcome::Pruned) out.findings.clear();  // the explorer covered this future already
    OutcomeCheck said = check_outcome(run);
    if (said.finding) {
      size_t before = out.findings.size();
      if (*said.finding == Finding::ParkedForever) interp.find_parked_main();
      if (out.findings.size() == before) out.findings.push_back({*said.finding, std::move(said.finding_message), {}, {}, {}});
    }
    if (said.violation) {
      ViolationReport r;
      r.id = said.violation->id;
      r.message = std::move(said.violation->message);
      r.at.goroutine = run.culprit;
      out.violation = std::move(r);
    }
  }
  bool ran_out = run.outcome == rt::Outcome::Ok || run.outcome == rt::Outcome::ProgramDeadlock;
  if (!out.violation && ran_out && opts.invariants.test(static_cast<size_t>(Invariant::Oracle)))
    out.violation = oracle_disagreement(program, out);
  interp.record_for_reports(runtime);
  interp.pkg.reset();
  out.verdict = out.violation ? Verdict::Violation : out.findings.empty() ? Verdict::Pass : Verdict::Finding;
  return out;
}

}  // namespace ctxcheck::harness
