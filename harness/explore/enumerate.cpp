#include "harness/explore/enumerate.h"

#include <algorithm>
#include <stdexcept>

#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {

constexpr int64_t kSecond = 1000000000;

struct Visible {
  uint32_t handle;
  HandleKind kind;
};

struct Builder {
  Program p;
  std::vector<std::vector<Visible>> visible;  // per script
  std::vector<std::vector<uint32_t>> deferred;  // per script: handles whose cancel it deferred
  uint32_t next_handle = 2;
  size_t cur = 0;
  uint32_t remaining = 0;
};

class Enumerator {
 public:
  Enumerator(const Alphabet& a, uint64_t skip, const std::function<bool(uint64_t, const Program&)>& visit)
      : a_(a), skip_(skip), visit_(visit) {}

  uint64_t run(uint32_t n) {
    Builder b;
    b.p.unsafe = a_.unsafe;
    b.p.scripts.resize(1);
    Op root;
    root.kind = OpKind::Background;
    root.result = 1;
    b.p.scripts[0].ops.push_back(root);
    b.visible.push_back({{1, HandleKind::Context}});
    b.deferred.emplace_back();
    b.remaining = n;
    rec(b);
    return index_;
  }

 private:
  void rec(Builder& b) {
    if (stop_) return;
    if (b.remaining == 0) {
      uint64_t i = index_++;
      if (i >= skip_ && !visit_(i, b.p)) stop_ = true;
      return;
    }
    for (OpKind k : a_.kinds) {
      expand(b, k);
      if (stop_) return;
    }
    if (b.cur + 1 < b.p.scripts.size()) {  // close this script, fill the next one
      ++b.cur;
      rec(b);
      --b.cur;
    }
  }

  // Appends op to the current script, recurses, and undoes it.
  void with_op(Builder& b, Op op) {
    // b.visible may grow (go) while recursing: index it afresh, never hold a reference.
    const size_t cur = b.cur;
    auto vis = [&]() -> std::vector<Visible>& { return b.visible[cur]; };
    bool creates = creates_handle(op.kind);
    if (creates) {
      op.result = b.next_handle++;
      if (op_spec(op.kind).has(Field::Value)) op.value = op.result;
      vis().push_back({op.result, handle_kind_of(op)});
    }
    std::optional<Visible> dropped;
    if (op.kind == OpKind::Drop) {
      auto it = std::find_if(vis().begin(), vis().end(), [&](const Visible& v) { return v.handle == op.a; });
      dropped = *it;
      vis().erase(it);
    }
    if (op.kind == OpKind::Go) {
      op.script = static_cast<int64_t>(b.p.scripts.size());
      b.p.scripts.emplace_back();
      b.visible.push_back(vis());
      b.deferred.emplace_back();
    }
    if (op.kind == OpKind::DeferCancel) b.deferred[cur].push_back(op.a);
    b.p.scripts[cur].ops.push_back(op);
    --b.remaining;
    rec(b);
    ++b.remaining;
    b.p.scripts[cur].ops.pop_back();
    if (op.kind == OpKind::DeferCancel) b.deferred[cur].pop_back();
    if (op.kind == OpKind::Go) {
      b.p.scripts.pop_back();
      b.visible.pop_back();
      b.deferred.pop_back();
    }
    if (dropped) {  // back at its place: visible lists are in handle order
      auto pos = std::find_if(vis().begin(), vis().end(), [&](const Visible& v) { return v.handle > op.a; });
      vis().insert(pos, *dropped);
    }
    if (creates) {
      vis().pop_back();
      --b.next_handle;
    }
  }

  // Every op its row allows here, with the canonical constants: arguments in byte order
  // (sub-kinds outermost, so all nops of an after_func come before its cancels), each
  // sub-kind in turn, each fitting handle in turn.
  void generic(Builder& b, const std::vector<Visible>& vis, Op op, size_t next) {
    std::vector<ArgSpec> order;
    for (const ArgSpec& arg : op_spec(op.kind).args)
      if (arg.field != Field::None && !arg.is_handle()) order.push_back(arg);
    for (const ArgSpec& arg : op_spec(op.kind).args)
      if (arg.is_handle()) order.push_back(arg);
    while (next < order.size() && !present(order[next], op)) ++next;
    if (next == order.size()) return with_op(b, op);
    const ArgSpec& arg = order[next];
    auto each_sub = [&](size_t n, auto set) {
      for (size_t i = 0; i < n; ++i) {
        set(i);
        generic(b, vis, op, next + 1);
      }
    };
    switch (arg.field) {
      case Field::A: case Field::B:
        for (const Visible& v : vis)
          if (fits(need_of(arg, op), v.kind)) {
            (arg.field == Field::A ? op.a : op.b) = v.handle;
            generic(b, vis, op, next + 1);
          }
        return;
      case Field::Custom:
        return each_sub(std::size(kCustomKinds), [&](size_t i) { op.custom = static_cast<CustomKind>(i); });
      case Field::Action:
        return each_sub(std::size(kActionKinds), [&](size_t i) { op.action = static_cast<Action>(i); });
      case Field::Observe:
        return each_sub(std::size(kObserveKinds), [&](size_t i) { op.observe = static_cast<Observe>(i); });
      case Field::Duration: op.duration = kSecond; break;
      case Field::Deadline: op.deadline = kSecond; break;
      case Field::Cause: op.cause = limits::kFirstCause; break;
      case Field::OptCause:  // none, then cause3 (the operand must then be a cause context)
        return each_sub(2, [&](size_t i) { op.cause = i == 0 ? 0 : limits::kFirstCause; });
      default: break;  // key keyA:0, slot g0; value: the handle (with_op)
    }
    generic(b, vis, op, next + 1);
  }

  void expand(Builder& b, OpKind k) {
    // Operand lists are copied: with_op changes b.visible while recursing.
    const std::vector<Visible> vis = b.visible[b.cur];
    auto each = [&](auto pred, auto fn) {
      for (const Visible& v : vis)
        if (pred(v.kind)) fn(v.handle);
    };
    Op op;
    op.kind = k;
    if (op_spec(k).unsafe() && !a_.unsafe) return;
    switch (k) {  // the ops with a canonical policy of their own
      case OpKind::Background: case OpKind::Todo:
        return;  // the root is implicit
      case OpKind::DeferCancel: {
        const auto& d = b.deferred[b.cur];
        return each(is_cancelable, [&](uint32_t h) {
          if (std::find(d.begin(), d.end(), h) != d.end()) return;
          op.a = h;
          with_op(b, op);
        });
      }
      case OpKind::Go:
        if (b.p.scripts.size() < a_.max_scripts) with_op(b, op);
        return;
      case OpKind::Sleep:
        op.duration = 2 * kSecond;
        return with_op(b, op);
      case OpKind::Observe:  // err and value keyA of any context, children of a cancelable one
        op.observe = Observe::Err;
        each(is_context, [&](uint32_t h) { op.a = h; with_op(b, op); });
        op.observe = Observe::Value;
        each(is_context, [&](uint32_t h) { op.a = h; with_op(b, op); });
        op.observe = Observe::Children;
        each(is_cancelable, [&](uint32_t h) { op.a = h; with_op(b, op); });
        return;
      case OpKind::Drop:
        return each(is_context, [&](uint32_t h) { op.a = h; with_op(b, op); });  // drop takes a context
      case OpKind::Reparent:  // onto another context
        return each(is_context, [&](uint32_t x) {
          each(is_context, [&](uint32_t y) {
            if (x == y) return;
            op.a = x;
            op.b = y;
            with_op(b, op);
          });
        });
      default:
        return generic(b, vis, op, 0);
    }
  }

  const Alphabet& a_;
  uint64_t skip_;
  const std::function<bool(uint64_t, const Program&)>& visit_;
  uint64_t index_ = 0;
  bool stop_ = false;
};

}  // namespace

Alphabet default_alphabet() {
  Alphabet a;
  for (size_t i = 0; i < kNumOpKinds; ++i) {
    auto k = static_cast<OpKind>(i);
    // The root is implicit; keep only marks (the generator writes none); reparent is unsafe.
    if (k == OpKind::Background || k == OpKind::Todo || k == OpKind::Keep || op_spec(k).unsafe()) continue;
    a.kinds.push_back(k);
  }
  return a;
}

Alphabet lifecycle_alphabet() {
  Alphabet a;
  a.kinds = {OpKind::WithCancel, OpKind::Cancel, OpKind::DeferCancel, OpKind::WithTimeout,
             OpKind::WithValue,  OpKind::AfterFunc, OpKind::Stop, OpKind::Go,
             OpKind::Wait, OpKind::Observe, OpKind::Gc};
  return a;
}

Alphabet parse_alphabet(const std::string& spec) {
  if (spec.empty() || spec == "default") return default_alphabet();
  if (spec == "lifecycle") return lifecycle_alphabet();
  Alphabet a;
  std::string_view rest = spec;
  while (!rest.empty()) {
    size_t c = rest.find(',');
    std::string_view name = rest.substr(0, c);
    auto k = op_by_name(name);
    if (!k) throw std::invalid_argument(fmt::format("unknown op \"{}\" in the alphabet", name));
    if (*k == OpKind::Background || *k == OpKind::Todo)
      throw std::invalid_argument(fmt::format("\"{}\" cannot be in the alphabet: the root h1 = background is implicit", name));
    if (std::find(a.kinds.begin(), a.kinds.end(), *k) == a.kinds.end()) a.kinds.push_back(*k);
    if (op_spec(*k).unsafe()) a.unsafe = true;
    if (c == std::string_view::npos) break;
    rest.remove_prefix(c + 1);
  }
  if (a.kinds.empty()) throw std::invalid_argument("the alphabet is empty");
  return a;
}

std::string alphabet_to_string(const Alphabet& a) {
  std::string s;
  for (OpKind k : a.kinds) {
    if (!s.empty()) s += ',';
    s += op_name(k);
  }
  return s;
}

uint64_t enumerate_programs(uint32_t n, const Alphabet& alphabet, uint64_t skip,
                            const std::function<bool(uint64_t, const Program&)>& visit) {
  Enumerator e(alphabet, skip, visit);
  return e.run(n);
}

uint64_t count_programs(uint32_t n, const Alphabet& alphabet) {
  return enumerate_programs(n, alphabet, UINT64_MAX, [](uint64_t, const Program&) { return true; });
}

}  // namespace ctxcheck::harness
