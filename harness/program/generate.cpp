#include "harness/program/generate.h"

#include <algorithm>

#include "model/runtime/prng.h"

namespace ctxcheck::harness {

namespace {

class Rng {
 public:
  explicit Rng(uint64_t seed) : s_(seed * rt::kGoldenGamma + 0x632be59bd9b4e019ULL) {}
  uint64_t next() { return rt::splitmix64(s_); }
  uint32_t below(uint64_t n) { return n == 0 ? 0 : static_cast<uint32_t>(next() % n); }
  bool chance(uint32_t percent) { return below(100) < percent; }
  template <class T>
  const T& pick(const std::vector<T>& v) { return v[below(v.size())]; }

 private:
  uint64_t s_;
};

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kDurations[] = {0, 1 * kMs, 2 * kMs, 5 * kMs, 10 * kMs};

struct Gen {
  Rng rng;
  const GenOptions& opts;
  Program p;
  uint32_t next_handle = 1;
  uint32_t budget;
  std::vector<HandleKind> kind_of{HandleKind::None};
  std::vector<ValueKey> keys;  // keys bound so far
  std::vector<OpKind> alphabet;  // allowed kinds, weighted (built once)

  void build_alphabet() {
    // Weighted: the ops that build and inspect trees come up more often.
    for (size_t k = 0; k < kNumOpKinds; ++k) {
      OpKind kind = static_cast<OpKind>(k);
      if (!allowed(kind)) continue;
      int weight = (kind == OpKind::WithValue || kind == OpKind::Observe) ? 3
                   : (kind == OpKind::WithCancel || kind == OpKind::Cancel) ? 2 : 1;
      for (int w = 0; w < weight; ++w) alphabet.push_back(kind);
    }
  }

  bool allowed(OpKind k) const {
    if (k == OpKind::Reparent && (opts.well_formed || !opts.unsafe)) return false;
    if (opts.kinds.empty()) return true;
    return std::find(opts.kinds.begin(), opts.kinds.end(), k) != opts.kinds.end();
  }

  uint32_t fresh(HandleKind k) {
    kind_of.push_back(k);
    return next_handle++;
  }

  int64_t dur() { return kDurations[rng.below(std::size(kDurations))]; }

  struct Local {
    std::vector<uint32_t> visible;     // contexts and stop funcs usable here
    std::vector<uint32_t> own_cancel;  // cancelable contexts created here, not yet canceled
    std::vector<uint32_t> canceled;    // canceled by this script (wait is safe on them)
    std::vector<uint32_t> stops;       // after_func handles created here
  };

  std::vector<uint32_t> contexts(const Local& l) const {
    std::vector<uint32_t> out;
    for (uint32_t h : l.visible)
      if (kind_of[h] != HandleKind::StopFunc) out.push_back(h);
    return out;
  }

  void script(size_t s, std::vector<uint32_t> inherited, uint32_t ops) {
    Local l;
    l.visible = std::move(inherited);
    auto emit = [&](Op op) { p.scripts[s].ops.push_back(op); };
    if (l.visible.empty()) {
      Op op;
      op.kind = rng.chance(90) ? OpKind::Background : OpKind::Todo;
      op.result = fresh(HandleKind::Context);
      l.visible.push_back(op.result);
      emit(op);
    }
    if (alphabet.empty()) return;
    for (uint32_t n = 0; n < ops && budget > 0; ++n) {
      OpKind k = rng.pick(alphabet);
      std::vector<uint32_t> ctxs = contexts(l);
      Op op;
      op.kind = k;
      switch (k) {
        case OpKind::Background: case OpKind::Todo:
          op.result = fresh(HandleKind::Context);
          break;
        case OpKind::WithCancel: case OpKind::WithCancelCause: case OpKind::WithTimeout:
        case OpKind::WithTimeoutCause: case OpKind::WithDeadline: case OpKind::WithDeadlineCause:
        case OpKind::WithValue: case OpKind::WithoutCancel: case OpKind::Custom: {
          op.a = rng.pick(ctxs);
          if (k == OpKind::WithTimeout || k == OpKind::WithTimeoutCause || k == OpKind::WithDeadline ||
              k == OpKind::WithDeadlineCause)
            op.n = dur();
          if (k == OpKind::WithTimeoutCause || k == OpKind::WithDeadlineCause) op.cause = 3 + static_cast<int32_t>(rng.below(3));
          if (k == OpKind::WithValue) {
            // Rebinding a key already used is what exercises "the nearest binding wins".
            // Well-formed programs give each key value one type; others may shadow.
            int32_t v = static_cast<int32_t>(1 + rng.below(3));
            op.key = {static_cast<uint8_t>(opts.well_formed ? v % 2 : rng.below(2)), v};
            if (!keys.empty() && rng.chance(50)) op.key = rng.pick(keys);
            keys.push_back(op.key);
            op.n = rng.below(100);
          }
          if (k == OpKind::Custom) op.sub = static_cast<uint8_t>(rng.below(opts.well_formed ? 3 : 4));
          op.result = fresh(handle_kind_of(op));
          break;
        }
        case OpKind::AfterFunc: {
          op.a = rng.pick(ctxs);
          if (!l.own_cancel.empty() && rng.chance(40)) {
            op.sub = static_cast<uint8_t>(Action::Cancel);
            op.b = rng.pick(l.own_cancel);
          }
          op.result = fresh(HandleKind::StopFunc);
          break;
        }
        case OpKind::Cancel: case OpKind::DeferCancel: {
          if (l.own_cancel.empty()) continue;
          size_t i = rng.below(l.own_cancel.size());
          op.a = l.own_cancel[i];
          if (kind_of[op.a] == HandleKind::CauseContext && rng.chance(60)) op.cause = 3 + static_cast<int32_t>(rng.below(3));
          l.own_cancel.erase(l.own_cancel.begin() + static_cast<std::ptrdiff_t>(i));
          if (k == OpKind::Cancel) l.canceled.push_back(op.a);
          break;
        }
        case OpKind::Stop:
          if (l.stops.empty()) continue;
          op.a = rng.pick(l.stops);
          break;
        case OpKind::Go: {
          if (p.scripts.size() >= opts.goroutines) continue;
          op.n = static_cast<int64_t>(p.scripts.size());
          p.scripts.emplace_back();
          emit(op);
          --budget;
          uint32_t child_ops = std::max<uint32_t>(1, rng.below(budget / 2 + 1));
          script(static_cast<size_t>(op.n), l.visible, child_ops);
          continue;
        }
        case OpKind::Wait: {
          if (opts.well_formed) {
            if (l.canceled.empty()) {
              op.kind = OpKind::Select;
              op.a = rng.pick(ctxs);
              op.n = dur();
            } else {
              op.a = rng.pick(l.canceled);
            }
          } else {
            op.a = rng.pick(ctxs);
          }
          break;
        }
        case OpKind::Select:
          op.a = rng.pick(ctxs);
          op.n = dur();
          break;
        case OpKind::Sleep: op.n = dur(); break;
        case OpKind::Yield: case OpKind::Gc: break;
        case OpKind::Observe:
          op.sub = static_cast<uint8_t>(rng.below(std::size(kObserveNames)));
          if (op.sub != static_cast<uint8_t>(Observe::Goroutines)) op.a = rng.pick(ctxs);
          if (op.sub == static_cast<uint8_t>(Observe::Value)) {
            int32_t v = static_cast<int32_t>(1 + rng.below(3));
            op.key = {static_cast<uint8_t>(opts.well_formed ? v % 2 : rng.below(2)), v};
            if (!keys.empty() && rng.chance(70)) op.key = rng.pick(keys);
          }
          break;
        case OpKind::Drop: {
          // Well-formed: only contexts whose cancel is no longer owed.
          std::vector<uint32_t> droppable;
          for (uint32_t h : ctxs)
            if (!opts.well_formed || std::find(l.own_cancel.begin(), l.own_cancel.end(), h) == l.own_cancel.end())
              droppable.push_back(h);
          if (droppable.size() <= 1) continue;
          op.a = rng.pick(droppable);
          break;
        }
        case OpKind::Store:
          op.a = rng.pick(ctxs);
          op.n = rng.below(2);
          break;
        case OpKind::SetFinalizer: op.a = rng.pick(ctxs); break;
        case OpKind::Reparent:
          op.a = rng.pick(ctxs);
          op.b = rng.pick(ctxs);
          break;
      }
      if (!opts.well_formed && (k == OpKind::Cancel) && rng.chance(20)) {
        // Not well-formed: sometimes cancel something that is not ours (still valid).
      }
      emit(op);
      --budget;
      if (op.result) {
        l.visible.push_back(op.result);
        HandleKind hk = kind_of[op.result];
        if (hk == HandleKind::CancelableContext || hk == HandleKind::CauseContext) l.own_cancel.push_back(op.result);
        if (hk == HandleKind::StopFunc) l.stops.push_back(op.result);
      }
      if (op.kind == OpKind::Drop) {
        auto forget = [&](std::vector<uint32_t>& v) {
          auto it = std::find(v.begin(), v.end(), op.a);
          if (it != v.end()) v.erase(it);
        };
        forget(l.visible);
        forget(l.own_cancel);  // not well-formed: its cancel is lost with the handle
        forget(l.canceled);
      }
    }
    // Every AfterFunc is eventually stopped (its context may never finish otherwise).
    for (uint32_t h : l.stops) {
      if (!opts.well_formed && rng.chance(50)) continue;
      Op op;
      op.kind = OpKind::Stop;
      op.a = h;
      emit(op);
    }
    // Every cancel func is eventually called (not-well-formed programs forget some).
    for (uint32_t h : l.own_cancel) {
      if (!opts.well_formed && rng.chance(30)) continue;
      Op op;
      op.kind = OpKind::Cancel;
      op.a = h;
      emit(op);
    }
  }
};

}  // namespace

Program generate(uint64_t seed, const GenOptions& opts) {
  Gen g{Rng(seed), opts, {}, 1, std::max<uint32_t>(opts.ops, 1), {HandleKind::None}, {}, {}};
  g.p.unsafe = opts.unsafe && !opts.well_formed;
  g.build_alphabet();
  g.p.scripts.emplace_back();
  g.script(0, {}, g.budget);
  return g.p;
}

}  // namespace ctxcheck::harness
