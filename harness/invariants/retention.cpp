#include "harness/invariants/retention.h"

#include <algorithm>
#include <map>
#include <string_view>

#include <fmt/format.h>

namespace ctxcheck::harness {

std::vector<ProgramReach::Tables>& ProgramReach::spares() {
  thread_local std::vector<Tables> spare;
  return spare;
}

ProgramReach::Tables ProgramReach::take_spare() {
  std::vector<Tables>& spare = spares();
  if (spare.empty()) return {};
  Tables t = std::move(spare.back());
  spare.pop_back();
  t.roots.clear();
  return t;
}

ProgramReach::~ProgramReach() { spares().push_back(std::move(tables_)); }

ProgramReach::ProgramReach(const CheckEnv& env, bool through_children, rt::GoId ending) : env_(env) {
  roots_.reserve(env.rt.heap().roots().size() + env.rt.goroutines().size() + env.program.handles.size());
  for (const rt::Root& r : env.rt.heap().roots())
    if (r.kind == rt::RootKind::Global) roots_.push_back({RootKind::Global, r.index, r.obj});
  // By slot, stably (as std::stable_sort, without its temporary buffer): a few globals.
  for (size_t i = 1; i < roots_.size(); ++i)
    for (size_t j = i; j > 0 && roots_[j].index < roots_[j - 1].index; --j) std::swap(roots_[j], roots_[j - 1]);
  for (const auto& g : env.rt.goroutines()) {
    bool program = g.kind == rt::GoKind::Program || g.kind == rt::GoKind::Main;
    if (program && g.state != rt::GoState::Done && g.id != ending && g.frame != rt::kNoObj)
      roots_.push_back({RootKind::Goroutine, g.id, g.frame});
  }
  // What the interpreter holds for the program beyond frames: a pending `defer cancel`
  // holds the cancel func (a Go defer's closure), and so does an AfterFunc's f that calls it.
  const std::vector<Handle>& handles = env.program.handles;
  for (uint32_t h = 1; h < handles.size(); ++h) {
    const Handle& hd = handles[h];
    if (hd.cancel_obj == rt::kNoObj || hd.cancel_called || !hd.ctx) continue;
    // The model's heap has no object for a defer, so a GC may have freed the cancel func's
    // closure; what it captured, the context, is what the defer keeps.
    rt::ObjId held = env.rt.heap().alive(hd.cancel_obj) ? hd.cancel_obj : hd.ctx->obj();
    if (hd.cancel_deferred) roots_.push_back({RootKind::DeferredCancel, h, held});
    else if (hd.afterfunc_cancels) roots_.push_back({RootKind::AfterFuncCancel, h, held});
  }
  bfs(through_children);
}

std::string ProgramReach::root_name(const Root& r) const {
  switch (r.kind) {
    case RootKind::Global: return fmt::format("global {}", r.index);
    case RootKind::Goroutine: return fmt::format("goroutine {} ({})", r.index, env_.rt.goroutine(r.index).label);
    case RootKind::DeferredCancel: return fmt::format("deferred cancel of h{}", r.index);
    case RootKind::AfterFuncCancel: return fmt::format("AfterFunc f canceling h{}", r.index);
  }
  return "?";
}

void ProgramReach::bfs(bool through_children) {
  const rt::Heap& heap = env_.rt.heap();
  from_.assign(heap.allocated(), From{});
  thread_local std::vector<rt::ObjId> queue;  // the thread's: nothing below yields or searches
  queue.clear();
  queue.reserve(heap.allocated());  // each object is queued at most once
  for (size_t r = 0; r < roots_.size(); ++r) {
    rt::ObjId o = roots_[r].obj;
    if (!heap.alive(o) || from_[o].root >= 0) continue;
    from_[o] = {rt::kNoObj, "", static_cast<int32_t>(r)};
    queue.push_back(o);
  }
  for (size_t i = 0; i < queue.size(); ++i) {
    rt::ObjId id = queue[i];
    for (const rt::Edge& e : heap.object(id).edges) {
      if (!through_children && rt::same_label(e.label, "children[]")) continue;
      if (e.to >= from_.size() || from_[e.to].root >= 0) continue;
      from_[e.to] = {id, e.label, from_[id].root};
      queue.push_back(e.to);
    }
  }
}

FindingPath ProgramReach::path_to(rt::ObjId o) const {
  FindingPath p;
  if (!reaches(o)) return p;
  std::vector<rt::ObjId> rev;
  for (rt::ObjId cur = o; cur != rt::kNoObj; cur = from_[cur].prev) rev.push_back(cur);
  p.root = root_name(roots_[static_cast<size_t>(from_[o].root)]);
  for (auto it = rev.rbegin(); it != rev.rend(); ++it) p.nodes.push_back(path_node(env_, *it, from_[*it].edge));
  return p;
}

PathNode path_node(const CheckEnv& env, rt::ObjId o, const char* edge) {
  const rt::Heap& heap = env.rt.heap();
  PathNode n{edge ? edge : "", heap.describe(o), heap.object(o).type->name, -1};
  for (const auto& c : env.pkg.contexts())
    if (c->obj() == o) {
      n.name = env.view.name(c->id());
      n.context = c->id();
      break;
    }
  return n;
}

FindingPath heap_path(const CheckEnv& env, rt::ObjId o) {
  FindingPath p;
  rt::RetentionPath rp = env.rt.heap().retention_path(o);
  if (!rp.found) return p;
  p.root = fmt::format("{} {}", rt::root_kind_name(rp.root.kind), rp.root.index);
  for (const auto& st : rp.steps) p.nodes.push_back(path_node(env, st.obj, st.label));
  return p;
}

namespace {

bool lost_cancel_candidate(const CheckEnv& env, const Handle& hd) {
  return hd.cancel && hd.cancel_obj != rt::kNoObj && hd.ctx && !hd.cancel_called && !hd.cancel_deferred &&
         !hd.kept && !hd.afterfunc_cancels && !hd.lost_reported && err_of(env.pkg, hd.ctx) == model::kNilError;
}

}  // namespace

std::vector<uint32_t> check_lost_cancels(const CheckEnv& env, rt::GoId ending) {
  std::vector<uint32_t> lost;
  const std::vector<Handle>& handles = env.program.handles;
  for (uint32_t h = 1; h < handles.size(); ++h)
    if (lost_cancel_candidate(env, handles[h])) lost.push_back(h);
  if (lost.empty()) return lost;
  ProgramReach reach(env, true, ending);
  std::erase_if(lost, [&](uint32_t h) { return reach.reaches(handles[h].cancel_obj); });
  for (uint32_t h : lost) {
    const Handle& hd = handles[h];
    FindingDetail d;
    d.path = reach.path_to(hd.ctx->obj());
    if (d.path.empty()) d.path = heap_path(env, hd.ctx->obj());
    d.contexts.push_back(hd.ctx->id());
    std::string held = d.path.empty() ? "; nothing retains the context" : "; it stays reachable";
    size_t n = d.path.nodes.size();
    if (n >= 2 && d.path.nodes[n - 1].edge == "children[]")  // the map of its nearest cancelable ancestor
      held = fmt::format("; it stays in {}'s children map until {} is done", d.path.nodes[n - 2].name,
                         d.path.nodes[n - 2].name);
    env.out.find_with(Finding::LostCancel,
                      fmt::format("the cancel func of h{} is lost ({}) while never called and h{} is not done{}", h,
                                  ending == rt::kNoGo ? "its handle is dropped" : "the goroutine holding it ended",
                                  h, held),
                      std::move(d));
  }
  return lost;
}

void check_retained_by_parent(const CheckEnv& env, std::vector<uint8_t>& reported) {
  const rt::Heap& heap = env.rt.heap();
  thread_local std::vector<uint8_t> program_made;  // the thread's: nothing below yields
  program_made.assign(env.pkg.contexts().size(), 0);
  for (const Handle& hd : env.program.handles)
    if (hd.ctx && hd.cancel && hd.ctx->id() < program_made.size()) program_made[hd.ctx->id()] = 1;
  reported.resize(program_made.size(), 0);
  // A child the loop below could report: program-made, not yet reported, not canceled.
  // Without one no map retains anything, whatever the program reaches: skip the search.
  auto candidate = [&](const model::CancelCtx* child) {
    return program_made[child->id()] && !reported[child->id()] && child->peek_err() == model::kNilError;
  };
  auto holds_candidate = [&](const std::unique_ptr<model::Context>& c) {
    return family_of(c->kind()) == CtxFamily::Cancel &&
           std::ranges::any_of(static_cast<const model::CancelCtx*>(c.get())->children(),
                               [&](const auto& e) { return candidate(e.child); });
  };
  if (std::ranges::none_of(env.pkg.contexts(), holds_candidate)) return;
  ProgramReach reach(env, false);
  for (const auto& c : env.pkg.contexts()) {
    if (family_of(c->kind()) != CtxFamily::Cancel || !reach.reaches(c->obj())) continue;
    std::vector<const model::CancelCtx*> retained;
    uint64_t bytes = 0;
    for (const auto& e : static_cast<const model::CancelCtx*>(c.get())->children()) {
      const model::CancelCtx* child = e.child;
      // A canceled child is the model's residue, not the program's mistake.
      if (!candidate(child) || reach.reaches(child->obj())) continue;
      retained.push_back(child);
      bytes += heap.object(child->obj()).type->size;
    }
    if (retained.empty()) continue;
    FindingDetail d;
    d.path = reach.path_to(c->obj());
    d.path.nodes.push_back(path_node(env, retained.front()->obj(), "children[]"));
    d.contexts.push_back(c->id());
    std::string names;
    for (const auto* r : retained) {
      reported[r->id()] = 1;
      d.contexts.push_back(r->id());
      names += (names.empty() ? "" : ", ") + env.view.name(r->id());
    }
    d.retained = static_cast<uint32_t>(retained.size());
    d.retained_bytes = bytes;
    env.out.find_with(Finding::RetainedByParent,
                      fmt::format("{}'s children map retains {} context(s), {} B, that the program can no longer "
                                  "reach and never canceled: {}; they live as long as {}",
                                  env.view.name(c->id()), retained.size(), bytes, names, env.view.name(c->id())),
                      std::move(d));
  }
}

}  // namespace ctxcheck::harness
