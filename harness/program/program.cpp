#include "harness/program/program.h"

#include <algorithm>
#include <deque>

#include <fmt/format.h>

namespace ctxcheck::harness {

std::string_view op_name(OpKind k) {
  switch (k) {
#define CTXCHECK_X(id, name) \
  case OpKind::id:           \
    return name;
    CTXCHECK_OPS(CTXCHECK_X)
#undef CTXCHECK_X
  }
  return "?";
}

std::optional<OpKind> op_by_name(std::string_view s) {
#define CTXCHECK_X(id, name) \
  if (s == name) return OpKind::id;
  CTXCHECK_OPS(CTXCHECK_X)
#undef CTXCHECK_X
  return std::nullopt;
}

size_t Program::op_count() const {
  size_t n = 0;
  for (const auto& s : scripts) n += s.ops.size();
  return n;
}

uint32_t Program::max_handle() const {
  uint32_t m = 0;
  for (const auto& s : scripts)
    for (const auto& op : s.ops) m = std::max(m, op.result);
  return m;
}

bool creates_handle(OpKind k) {
  switch (k) {
    case OpKind::Background: case OpKind::Todo: case OpKind::WithCancel:
    case OpKind::WithCancelCause: case OpKind::WithTimeout: case OpKind::WithTimeoutCause:
    case OpKind::WithDeadline: case OpKind::WithDeadlineCause: case OpKind::WithValue:
    case OpKind::WithoutCancel: case OpKind::Custom: case OpKind::AfterFunc:
      return true;
    default:
      return false;
  }
}

HandleKind handle_kind_of(const Op& op) {
  switch (op.kind) {
    case OpKind::WithCancelCause:
      return HandleKind::CauseContext;
    case OpKind::WithCancel: case OpKind::WithTimeout: case OpKind::WithTimeoutCause:
    case OpKind::WithDeadline: case OpKind::WithDeadlineCause:
      return HandleKind::CancelableContext;
    case OpKind::Custom:
      return op.sub == static_cast<uint8_t>(CustomKind::AfterFuncer) ? HandleKind::CancelableContext
                                                                     : HandleKind::Context;
    case OpKind::Background: case OpKind::Todo: case OpKind::WithValue: case OpKind::WithoutCancel:
      return HandleKind::Context;
    case OpKind::AfterFunc:
      return HandleKind::StopFunc;
    default:
      return HandleKind::None;
  }
}

std::vector<int> spawners(const Program& p) {
  std::vector<int> sp(p.scripts.size(), -1);
  for (size_t s = 0; s < p.scripts.size(); ++s)
    for (const Op& op : p.scripts[s].ops)
      if (op.kind == OpKind::Go && op.n > 0 && static_cast<size_t>(op.n) < p.scripts.size() &&
          sp[static_cast<size_t>(op.n)] == -1)
        sp[static_cast<size_t>(op.n)] = static_cast<int>(s);
  return sp;
}

namespace {
bool is_context(HandleKind k) {
  return k == HandleKind::Context || k == HandleKind::CancelableContext || k == HandleKind::CauseContext;
}
}  // namespace

std::optional<std::string> validate(const Program& p) {
  if (p.scripts.empty()) return "a program needs a main script (go 0)";
  if (p.scripts.size() > 64) return "more than 64 scripts";
  if (p.op_count() > 10000) return "more than 10000 ops";
  std::vector<HandleKind> kinds;
  std::vector<int> spawned_by(p.scripts.size(), -1);
  std::vector<std::vector<uint32_t>> start_visible(p.scripts.size());
  std::vector<uint8_t> done(p.scripts.size(), 0);
  std::deque<size_t> queue{0};
  spawned_by[0] = 0;
  while (!queue.empty()) {
    size_t s = queue.front();
    queue.pop_front();
    done[s] = 1;
    std::vector<uint32_t> vis = start_visible[s];
    auto where = [&](size_t i) { return fmt::format("go {}, op {}", s, i + 1); };
    auto visible = [&](uint32_t h) { return std::find(vis.begin(), vis.end(), h) != vis.end(); };
    auto kind = [&](uint32_t h) { return h < kinds.size() ? kinds[h] : HandleKind::None; };
    for (size_t i = 0; i < p.scripts[s].ops.size(); ++i) {
      const Op& op = p.scripts[s].ops[i];
      auto need = [&](uint32_t h, auto pred, const char* what) -> std::optional<std::string> {
        if (h == 0 || !visible(h))
          return fmt::format("{}: {} uses h{}, which is not visible here", where(i), op_name(op.kind), h);
        if (!pred(kind(h)))
          return fmt::format("{}: {} needs {}, but h{} is not one", where(i), op_name(op.kind), what, h);
        return std::nullopt;
      };
      auto ctx = [](HandleKind k) { return is_context(k); };
      auto cancelable = [](HandleKind k) {
        return k == HandleKind::CancelableContext || k == HandleKind::CauseContext;
      };
      std::optional<std::string> err;
      switch (op.kind) {
        case OpKind::Background: case OpKind::Todo: case OpKind::Yield: case OpKind::Gc:
          break;
        case OpKind::WithCancel: case OpKind::WithCancelCause: case OpKind::WithValue:
        case OpKind::WithoutCancel: case OpKind::Custom: case OpKind::Wait: case OpKind::Drop:
        case OpKind::Store: case OpKind::SetFinalizer:
          err = need(op.a, ctx, "a context");
          break;
        case OpKind::WithTimeout: case OpKind::WithTimeoutCause: case OpKind::WithDeadline:
        case OpKind::WithDeadlineCause: case OpKind::Select:
          err = need(op.a, ctx, "a context");
          if (!err && op.n < 0) err = fmt::format("{}: negative duration", where(i));
          break;
        case OpKind::Sleep:
          if (op.n < 0) err = fmt::format("{}: negative duration", where(i));
          break;
        case OpKind::Observe:
          if (op.sub != static_cast<uint8_t>(Observe::Goroutines)) err = need(op.a, ctx, "a context");
          break;
        case OpKind::AfterFunc:
          err = need(op.a, ctx, "a context");
          if (!err && op.sub == static_cast<uint8_t>(Action::Cancel))
            err = need(op.b, cancelable, "a context with a cancel func");
          break;
        case OpKind::Cancel: case OpKind::DeferCancel:
          if (op.cause != 0)
            err = need(op.a, [](HandleKind k) { return k == HandleKind::CauseContext; },
                       "a with_cancel_cause context");
          else
            err = need(op.a, cancelable, "a context with a cancel func");
          break;
        case OpKind::Stop:
          err = need(op.a, [](HandleKind k) { return k == HandleKind::StopFunc; }, "an after_func stop");
          break;
        case OpKind::Reparent:
          if (!p.unsafe) err = fmt::format("{}: reparent is an unsafe op (add 'unsafe: on')", where(i));
          else if (!(err = need(op.a, ctx, "a context"))) err = need(op.b, ctx, "a context");
          break;
        case OpKind::Go: {
          if (op.n <= 0 || static_cast<size_t>(op.n) >= p.scripts.size())
            err = fmt::format("{}: go {}: no such script", where(i), op.n);
          else if (spawned_by[static_cast<size_t>(op.n)] != -1)
            err = fmt::format("{}: go {}: script {} is already started elsewhere", where(i), op.n, op.n);
          else {
            spawned_by[static_cast<size_t>(op.n)] = static_cast<int>(s);
            start_visible[static_cast<size_t>(op.n)] = vis;
            queue.push_back(static_cast<size_t>(op.n));
          }
          break;
        }
      }
      if (err) return err;
      if (op.kind == OpKind::Drop) vis.erase(std::find(vis.begin(), vis.end(), op.a));
      if (creates_handle(op.kind)) {
        if (op.result == 0) return fmt::format("{}: {} must name its result", where(i), op_name(op.kind));
        if (op.result < kinds.size() && kinds[op.result] != HandleKind::None)
          return fmt::format("{}: h{} is defined twice", where(i), op.result);
        if (op.result > 100000) return fmt::format("{}: handle h{} is too large", where(i), op.result);
        if (op.result >= kinds.size()) kinds.resize(op.result + 1, HandleKind::None);
        kinds[op.result] = handle_kind_of(op);
        vis.push_back(op.result);
      } else if (op.result != 0) {
        return fmt::format("{}: {} does not create a handle", where(i), op_name(op.kind));
      }
    }
  }
  for (size_t s = 1; s < p.scripts.size(); ++s)
    if (!done[s]) return fmt::format("script {} is never started by a go op", s);
  return std::nullopt;
}

}  // namespace ctxcheck::harness
