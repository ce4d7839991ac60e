#include "harness/invariants/end_phase.h"

#include <algorithm>

#include <fmt/format.h>

#include "harness/invariants/quiescence.h"
#include "harness/invariants/retention.h"

namespace ctxcheck::harness {

namespace {

class EndPhase {
 public:
  explicit EndPhase(const CheckEnv& env) : env_(env), heap_(env.rt.heap()) {}

  void run(std::vector<rt::GcStats>& gc_cycles) {
    drop_handles();
    find_lost_cancels();
    // Then the globals; everything the program made is now garbage unless a parked
    // goroutine holds it.
    for (uint32_t slot = kFirstProgramGlobal; slot <= env_.program.max_global; ++slot)
      heap_.store_global(slot, rt::kNoObj);
    set_probes();
    rounds_ = static_cast<uint32_t>(env_.pkg.contexts().size()) + 3;
    collect(gc_cycles);
    const std::vector<uint8_t>& from_program = reachable_from_program();
    find_finalizer_cycles();
    if (env_.checker.enabled(Invariant::FinalizerDelay)) check_finalizer_delay(from_program);
    if (env_.checker.enabled(Invariant::HeapLeak)) check_heap_leak(from_program);
  }

 private:
  // Main drops every handle; lost cancels show what still holds their context.
  void drop_handles() {
    heap_.unlink_all(env_.rt.goroutine(env_.rt.self()).frame);
  }

  // What is left after the dynamic checks (retention.h): cancel funcs never called that a
  // parked goroutine still holds (or an AfterFunc that never ran). Kept contexts are not.
  void find_lost_cancels() {
    const std::vector<Handle>& handles = env_.program.handles;
    for (uint32_t h = 1; h < handles.size(); ++h) {
      const Handle& hd = handles[h];
      if (!hd.cancel || hd.cancel_called || hd.cancel_deferred || !hd.ctx || hd.kept || hd.lost_reported) continue;
      if (err_of(env_.pkg, hd.ctx) != model::kNilError) continue;  // canceled via its parent: no leak
      FindingDetail d;
      d.path = heap_path(env_, hd.ctx->obj());
      d.contexts.push_back(hd.ctx->id());
      env_.out.find_with(Finding::LostCancel,
                         fmt::format("the cancel func of h{} is never called{}", h,
                                     d.path.empty() ? "; nothing retains the context" : "; it stays reachable"),
                         std::move(d));
    }
  }

  // Probe finalizers (the seed's SetFinalizer probe) on every canceled context without
  // one. Only canceled ones: an uncanceled child and its parent form a cycle, and a
  // finalizer there would keep both alive, which Go would not do without the probe.
  void set_probes() {
    probes_.reserve(env_.pkg.contexts().size());
    for (const auto& c : env_.pkg.contexts()) {
      rt::ObjId o = c->obj();
      if (o < env_.program.baseline_objects || !heap_.alive(o) || heap_.has_finalizer(o)) continue;
      if (err_of(env_.pkg, c.get()) == model::kNilError) continue;
      if (heap_.object(o).finalized || heap_.object(o).queued) continue;
      heap_.set_finalizer(o, [](rt::ObjId) {});
      probes_.push_back(o);
    }
  }

  // Collect until a fixpoint: a cycle that frees nothing and queues no finalizer.
  void collect(std::vector<rt::GcStats>& gc_cycles) {
    gc_cycles.reserve(gc_cycles.size() + 4);  // the fixpoint takes a few rounds, seldom more
    for (uint32_t r = 0; r < rounds_; ++r) {
      rt::GcStats st = env_.rt.gc();
      gc_cycles.push_back(st);
      env_.rt.settle_now();
      if (st.freed == 0 && st.finalizers_queued == 0 && heap_.queued_finalizers() == 0) break;
    }
  }

  // finalizer-cycle: program finalizers that never ran, on a context in a cycle.
  void find_finalizer_cycles() {
    for (auto [h, o] : env_.program.finalizers) {
      if (!heap_.alive(o) || heap_.object(o).finalized) continue;
      if (heap_.reachable_from(o, o))
        env_.out.find(Finding::FinalizerCycle,
                      fmt::format("the finalizer set on h{} never runs: its context is reachable from itself", h),
                      cycle_path(o));
    }
  }

  // finalizer-delay: canceled contexts nobody in the program holds are finalized.
  void check_finalizer_delay(const std::vector<uint8_t>& from_program) {
    for (const auto& c : env_.pkg.contexts()) {
      rt::ObjId o = c->obj();
      if (err_of(env_.pkg, c.get()) == model::kNilError || !heap_.alive(o)) continue;
      if (heap_.object(o).finalized || from_program[o]) continue;
      if (std::find(probes_.begin(), probes_.end(), o) == probes_.end()) continue;
      env_.out.violate({Invariant::FinalizerDelay,
                        fmt::format("{} is canceled and unreferenced by the program but was not finalized "
                                    "after {} GC cycles",
                                    env_.view.name(c->id()), rounds_),
                        {c->id()}},
                       path_to(o));
    }
  }

  // heap-leak: what is left must be the baseline, or held by the program.
  void check_heap_leak(const std::vector<uint8_t>& from_program) {
    for (rt::ObjId o = env_.program.baseline_objects; o < heap_.allocated(); ++o) {
      if (!heap_.alive(o) || from_program[o]) continue;
      if (heap_.object(o).type->name == std::string_view("goroutine")) continue;
      env_.out.violate({Invariant::HeapLeak,
                        fmt::format("{} is still alive after the program dropped everything and {} GC cycles ran",
                                    describe(o), rounds_),
                        {}},
                       path_to(o));
    }
  }

  // Objects the program still holds: through parked program goroutines, or through
  // watchers that legitimately wait. By object id, in the thread's buffer (the end phase's
  // checks read it without yielding to a goroutine that could run another end phase).
  const std::vector<uint8_t>& reachable_from_program() const {
    thread_local std::vector<uint8_t> seen;
    thread_local std::vector<rt::ObjId> work;
    seen.assign(heap_.allocated(), 0);
    work.clear();
    for (const auto& g : env_.rt.goroutines()) {
      bool program = (g.kind == rt::GoKind::Program || g.kind == rt::GoKind::Main) &&
                     g.state != rt::GoState::Done && g.id != env_.rt.self();
      if (program || legit_watcher(env_, g)) work.push_back(g.frame);
    }
    // And through objects the program set a finalizer on that sit in a cycle (a finding:
    // they can never be collected, nor can anything they reference).
    for (auto [h, fo] : env_.program.finalizers)
      if (heap_.alive(fo) && heap_.reachable_from(fo, fo)) work.push_back(fo);
    while (!work.empty()) {
      rt::ObjId o = work.back();
      work.pop_back();
      if (o >= seen.size() || seen[o] || !heap_.alive(o)) continue;
      seen[o] = 1;
      for (const auto& e : heap_.object(o).edges) work.push_back(e.to);
    }
    return seen;
  }

  std::string path_to(rt::ObjId o) const { return heap_path(env_, o).text(); }

  std::string describe(rt::ObjId o) const {
    PathNode n = path_node(env_, o, "");
    return n.context < 0 ? n.name : fmt::format("{} ({})", n.name, n.type);
  }

  // The shortest cycle through o, printed from o back to o.
  std::string cycle_path(rt::ObjId o) const {
    std::vector<std::pair<rt::ObjId, const char*>> prev(heap_.allocated(), {rt::kNoObj, nullptr});
    std::vector<uint8_t> seen(heap_.allocated(), 0);
    std::vector<rt::ObjId> q{o};
    seen[o] = 1;
    for (size_t i = 0; i < q.size(); ++i) {
      rt::ObjId cur = q[i];
      for (const auto& e : heap_.object(cur).edges) {
        if (e.to == o) {
          std::vector<rt::ObjId> nodes;
          for (rt::ObjId x = cur; x != o; x = prev[x].first) nodes.push_back(x);
          std::string out = describe(o);
          for (auto it = nodes.rbegin(); it != nodes.rend(); ++it)
            out += fmt::format(" -{}-> {}", prev[*it].second, describe(*it));
          return out + fmt::format(" -{}-> {}", e.label, describe(o));
        }
        if (seen[e.to]) continue;
        seen[e.to] = 1;
        prev[e.to] = {cur, e.label};
        q.push_back(e.to);
      }
    }
    return {};
  }

  const CheckEnv& env_;
  rt::Heap& heap_;
  std::vector<rt::ObjId> probes_;
  uint32_t rounds_ = 0;
};

}  // namespace

void run_end_phase(const CheckEnv& env, std::vector<rt::GcStats>& gc_cycles) {
  EndPhase(env).run(gc_cycles);
}

}  // namespace ctxcheck::harness
