#include "harness/program/generate.h"
#include "harness/program/choice_offers.h"

#include <algorithm>

#include <fmt/format.h>

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

// What a script knows while it is drawn: its handles and what it still owes.
struct Local {
  std::vector<uint32_t> visible;     // contexts and stop funcs usable here
  std::vector<uint32_t> contexts;    // the contexts among visible, in its order (kept beside it)
  std::vector<uint32_t> own_cancel;  // cancelable contexts created here, not yet canceled
  std::vector<uint32_t> canceled;    // canceled by this script (wait is safe on them)
  std::vector<uint32_t> stops;       // after_func handles created here
  void clear() {
    visible.clear();
    contexts.clear();
    own_cancel.clear();
    canceled.clear();
    stops.clear();
  }
};

// The generator's lists, one set per thread reused by every program it generates (cleared,
// not freed), so that generating a program allocates only the program.
struct GenScratch {
  std::vector<HandleKind> kind_of;
  std::vector<ValueKey> keys;      // keys bound so far
  std::vector<OpKind> alphabet;    // allowed kinds, weighted (built once per program)
  std::vector<OpKind> candidates;  // the allowed kinds, unweighted
  // Rebuilt at every draw. One of each is enough: a child script (go) runs to its end
  // before the parent draws again.
  std::vector<uint32_t> fitting, droppable;
  // One per script nesting depth (a go's child script is drawn inside its parent's draw).
  std::vector<Local> locals;
  void reset(uint32_t scripts) {
    kind_of.assign(1, HandleKind::None);
    keys.clear();
    alphabet.clear();
    candidates.clear();
    if (locals.size() < scripts + 1) locals.resize(scripts + 1);
  }
};

struct Gen {
  Rng rng;
  const GenOptions& opts;
  GenScratch& scratch;
  Program p;
  uint32_t next_handle = 1;
  uint32_t budget;
  std::vector<HandleKind>& kind_of = scratch.kind_of;
  std::vector<ValueKey>& keys = scratch.keys;
  std::vector<OpKind>& alphabet = scratch.alphabet;
  uint32_t sleep_before_cancel = 0;  // percent of cancels a sleep comes before (swarm)

  // Weighted: the ops that build and inspect trees come up more often.
  static int base_weight(OpKind kind) {
    return (kind == OpKind::WithValue || kind == OpKind::Observe) ? 3
           : (kind == OpKind::WithCancel || kind == OpKind::Cancel) ? 2 : 1;
  }

  void build_alphabet() {
    std::vector<OpKind>& candidates = scratch.candidates;
    for (size_t k = 0; k < kNumOpKinds; ++k)
      if (allowed(static_cast<OpKind>(k))) candidates.push_back(static_cast<OpKind>(k));
    if (opts.swarm) return build_swarm_alphabet(candidates);
    for (OpKind kind : candidates)
      for (int w = 0; w < base_weight(kind); ++w) alphabet.push_back(kind);
  }

  // Swarm: each allowed kind is in with probability 1/2 (one at least), at 1 to 4 times
  // its usual weight; and this program sleeps before 0, 20, 50 or every one of its cancels.
  void build_swarm_alphabet(const std::vector<OpKind>& candidates) {
    for (OpKind kind : candidates) {
      if (!rng.chance(50)) continue;
      int weight = base_weight(kind) * static_cast<int>(1 + rng.below(4));
      for (int w = 0; w < weight; ++w) alphabet.push_back(kind);
    }
    if (alphabet.empty() && !candidates.empty()) alphabet.push_back(rng.pick(candidates));
    constexpr uint32_t kSleepPercents[] = {0, 20, 50, 100};
    if (allowed(OpKind::Sleep)) sleep_before_cancel = kSleepPercents[rng.below(std::size(kSleepPercents))];
  }

  // Time moves forward before a cancel (swarm), so the deadlines and timers the script made
  // may expire first: `longest` outlasts every duration and deadline the generator draws.
  template <class Emit>
  void maybe_sleep(Emit&& emit, bool longest) {
    if (sleep_before_cancel == 0 || !rng.chance(sleep_before_cancel)) return;
    Op op;
    op.kind = OpKind::Sleep;
    op.duration = (longest ? kDurations[std::size(kDurations) - 1] : dur()) + kMs;
    emit(op);
  }

  bool allowed(OpKind k) const {
    if (op_spec(k).unsafe() && (opts.well_formed || !opts.unsafe)) return false;
    if (opts.kinds.empty()) return k != OpKind::Keep;  // keep only when asked: seeds keep their programs
    return std::find(opts.kinds.begin(), opts.kinds.end(), k) != opts.kinds.end();
  }

  uint32_t fresh(HandleKind k) {
    kind_of.push_back(k);
    return next_handle++;
  }

  int64_t dur() { return kDurations[rng.below(std::size(kDurations))]; }

  // A handle becomes visible in l: it is one of l's contexts too unless it is a stop func.
  void see(Local& l, uint32_t h) {
    l.visible.push_back(h);
    if (kind_of[h] != HandleKind::StopFunc) l.contexts.push_back(h);
  }

  ValueKey fresh_key() {
    // Well-formed programs give each key value one type; others may shadow.
    int32_t v = static_cast<int32_t>(1 + rng.below(3));
    return {static_cast<uint8_t>(opts.well_formed ? v % 2 : rng.below(2)), v};
  }

  // An op whose row is all it needs: handle operands first (any visible handle that fits),
  // then its other arguments in text order. False when no handle fits.
  bool generic(Op& op, const Local& l, const std::vector<uint32_t>& ctxs) {
    const OpSpec& spec = op_spec(op.kind);
    for (const ArgSpec& arg : spec.args) {
      if (!arg.is_handle() || !present(arg, op)) continue;
      Need need = need_of(arg, op);
      uint32_t& operand = arg.field == Field::A ? op.a : op.b;
      if (need == Need::Context) {  // any context: l's list of them (never empty)
        operand = rng.pick(ctxs);
        continue;
      }
      std::vector<uint32_t>& fitting = scratch.fitting;
      fitting.clear();
      for (uint32_t h : l.visible)
        if (fits(need, kind_of[h])) fitting.push_back(h);
      if (fitting.empty()) return false;
      operand = rng.pick(fitting);
    }
    for (const ArgSpec& arg : spec.args) {
      if (arg.is_handle() || !present(arg, op)) continue;
      switch (arg.field) {
        case Field::Duration: op.duration = dur(); break;
        case Field::Deadline: op.deadline = dur(); break;
        case Field::Cause: op.cause = limits::kFirstCause + static_cast<int32_t>(rng.below(3)); break;
        case Field::Key:
          // Rebinding a key already used is what exercises "the nearest binding wins".
          op.key = fresh_key();
          if (!keys.empty() && rng.chance(50)) op.key = rng.pick(keys);
          keys.push_back(op.key);
          break;
        case Field::Value: op.value = rng.below(100); break;
        case Field::Slot: op.slot = rng.below(2); break;
        // Well-formed programs use no custom context whose Err is broken (the last kind).
        case Field::Custom: op.custom = static_cast<CustomKind>(rng.below(opts.well_formed ? 3 : 4)); break;
        case Field::Observe: op.observe = static_cast<Observe>(rng.below(std::size(kObserveKinds))); break;
        case Field::Action: op.action = static_cast<Action>(rng.below(std::size(kActionKinds))); break;
        default: break;  // OptCause: none; Script: only go starts scripts
      }
    }
    if (creates_handle(op.kind)) op.result = fresh(handle_kind_of(op));
    return true;
  }

  // The ops with a policy of their own (well-formed programs); false = skip this draw.
  bool after_func(Op& op, const Local& l, const std::vector<uint32_t>& ctxs) {
    op.a = rng.pick(ctxs);
    if (!l.own_cancel.empty() && rng.chance(40)) {
      op.action = Action::Cancel;
      op.b = rng.pick(l.own_cancel);
    }
    op.result = fresh(HandleKind::StopFunc);
    return true;
  }
  bool cancel(Op& op, Local& l) {
    if (l.own_cancel.empty()) return false;
    size_t i = rng.below(l.own_cancel.size());
    op.a = l.own_cancel[i];
    if (kind_of[op.a] == HandleKind::CauseContext && rng.chance(60))
      op.cause = limits::kFirstCause + static_cast<int32_t>(rng.below(3));
    l.own_cancel.erase(l.own_cancel.begin() + static_cast<std::ptrdiff_t>(i));
    if (op.kind == OpKind::Cancel) l.canceled.push_back(op.a);
    return true;
  }
  bool wait(Op& op, const Local& l, const std::vector<uint32_t>& ctxs) {
    if (!opts.well_formed) {
      op.a = rng.pick(ctxs);
    } else if (l.canceled.empty()) {
      op.kind = OpKind::Select;
      op.a = rng.pick(ctxs);
      op.duration = dur();
    } else {
      op.a = rng.pick(l.canceled);
    }
    return true;
  }
  bool observe(Op& op, const std::vector<uint32_t>& ctxs) {
    op.observe = static_cast<Observe>(rng.below(std::size(kObserveKinds)));
    if (op.observe != Observe::Goroutines) op.a = rng.pick(ctxs);
    if (op.observe == Observe::Value) {
      op.key = fresh_key();
      if (!keys.empty() && rng.chance(70)) op.key = rng.pick(keys);
    }
    return true;
  }
  bool drop(Op& op, const Local& l, const std::vector<uint32_t>& ctxs) {
    // Well-formed: only contexts whose cancel is no longer owed.
    std::vector<uint32_t>& droppable = scratch.droppable;
    droppable.clear();
    for (uint32_t h : ctxs)
      if (!opts.well_formed || std::find(l.own_cancel.begin(), l.own_cancel.end(), h) == l.own_cancel.end())
        droppable.push_back(h);
    if (droppable.size() <= 1) return false;
    op.a = rng.pick(droppable);
    return true;
  }
  bool fill(Op& op, Local& l, const std::vector<uint32_t>& ctxs) {
    switch (op.kind) {
      case OpKind::AfterFunc: return after_func(op, l, ctxs);
      case OpKind::Cancel: case OpKind::DeferCancel: return cancel(op, l);
      case OpKind::Stop:
        if (l.stops.empty()) return false;
        op.a = rng.pick(l.stops);
        return true;
      case OpKind::Wait: return wait(op, l, ctxs);
      case OpKind::Observe: return observe(op, ctxs);
      case OpKind::Drop: return drop(op, l, ctxs);
      default: return generic(op, l, ctxs);
    }
  }

  void account(const Op& op, Local& l) {
    if (op.result) {
      see(l, op.result);
      HandleKind hk = kind_of[op.result];
      if (is_cancelable(hk)) l.own_cancel.push_back(op.result);
      if (hk == HandleKind::StopFunc) l.stops.push_back(op.result);
    }
    if (op.kind == OpKind::Drop) {
      auto forget = [&](std::vector<uint32_t>& v) {
        auto it = std::find(v.begin(), v.end(), op.a);
        if (it != v.end()) v.erase(it);
      };
      forget(l.visible);
      forget(l.contexts);
      forget(l.own_cancel);  // not well-formed: its cancel is lost with the handle
      forget(l.canceled);
    }
  }

  // Draws script s at nesting depth `depth` (main: 0), which sees the handles its parent
  // (none for main) sees when it starts.
  void script(size_t s, size_t depth, const Local* parent, uint32_t ops) {
    Local& l = scratch.locals[depth];
    l.clear();
    if (parent) {
      l.visible.assign(parent->visible.begin(), parent->visible.end());
      l.contexts.assign(parent->contexts.begin(), parent->contexts.end());
    }
    // Capacity for the usual case (each settle op and sleep past the draws may still grow it).
    p.scripts[s].ops.reserve(ops + ops / 2 + 2);
    auto emit = [&](Op op) { p.scripts[s].ops.push_back(op); };
    if (l.visible.empty()) {
      Op op;
      op.kind = rng.chance(90) ? OpKind::Background : OpKind::Todo;
      op.result = fresh(HandleKind::Context);
      see(l, op.result);
      emit(op);
    }
    if (alphabet.empty()) return;
    for (uint32_t n = 0; n < ops && budget > 0; ++n) {
      OpKind k = rng.pick(alphabet);
      const std::vector<uint32_t>& ctxs = l.contexts;
      Op op;
      op.kind = k;
      if (k == OpKind::Go) {
        if (p.scripts.size() >= opts.goroutines) continue;
        op.script = static_cast<int64_t>(p.scripts.size());
        p.scripts.emplace_back();
        emit(op);
        --budget;
        uint32_t child_ops = std::max<uint32_t>(1, rng.below(budget / 2 + 1));
        script(static_cast<size_t>(op.script), depth + 1, &l, child_ops);
        continue;
      }
      if (!fill(op, l, ctxs)) continue;
      // A draw this generator has always made here; kept so that seeds keep their programs.
      if (!opts.well_formed && k == OpKind::Cancel) (void)rng.chance(20);
      if (op.kind == OpKind::Cancel) maybe_sleep(emit, false);
      emit(op);
      --budget;
      account(op, l);
    }
    // Every AfterFunc is eventually stopped (its context may never finish otherwise), every
    // cancel func eventually called (not-well-formed programs forget some of either).
    auto settle = [&](const std::vector<uint32_t>& handles, OpKind kind, uint32_t forget_percent) {
      for (uint32_t h : handles) {
        if (!opts.well_formed && rng.chance(forget_percent)) continue;
        Op op;
        op.kind = kind;
        op.a = h;
        emit(op);
      }
    };
    settle(l.stops, OpKind::Stop, 50);
    if (!l.own_cancel.empty()) maybe_sleep(emit, true);
    settle(l.own_cancel, OpKind::Cancel, 30);
  }
};

}  // namespace

Program generate(uint64_t seed, const GenOptions& opts) {
  thread_local GenScratch scratch;
  uint32_t scripts = std::max<uint32_t>(opts.goroutines, 1);
  scratch.reset(scripts);
  Gen g{Rng(seed), opts, scratch, {}, 1, std::max<uint32_t>(opts.ops, 1)};
  g.p.unsafe = opts.unsafe && !opts.well_formed;
  g.build_alphabet();
  g.p.scripts.reserve(scripts);
  g.kind_of.reserve(g.budget + 2);
  g.p.scripts.emplace_back();
  g.script(0, 0, nullptr, g.budget);
  return std::move(g.p);
}

void GenerationCounts::add(const Program& p) {
  for (const auto& sc : p.scripts)
    for (const Op& op : sc.ops) ++ops[static_cast<size_t>(op.kind)];
  std::array<bool, kNumChoiceKinds> offers = offerable_choices(p);
  for (size_t k = 0; k < offers.size(); ++k) offerable[k] += offers[k];
}

void GenerationCounts::add(const std::vector<rt::Decision>& decisions) {
  std::array<bool, kNumChoiceKinds> seen{};
  for (const rt::Decision& d : decisions) {
    ++choices[static_cast<size_t>(d.kind)];
    seen[static_cast<size_t>(d.kind)] = true;
  }
  for (size_t k = 0; k < seen.size(); ++k) branched[k] += seen[k];
  ++executions;
}

void GenerationCounts::merge(const GenerationCounts& other) {
  for (size_t k = 0; k < ops.size(); ++k) ops[k] += other.ops[k];
  for (size_t k = 0; k < choices.size(); ++k) {
    choices[k] += other.choices[k];
    offerable[k] += other.offerable[k];
    branched[k] += other.branched[k];
  }
  executions += other.executions;
}

std::vector<std::string> GenerationCounts::warnings() const {
  std::vector<std::string> out;
  for (size_t k = 0; k < choices.size(); ++k)
    if (offerable[k] > 0 && branched[k] == 0)
      out.push_back(fmt::format("warning: choice kind {} was never branched on (0 of {} executions; {} program{} offer it)",
                                rt::choice_kind_name(static_cast<rt::ChoiceKind>(k)), executions, offerable[k],
                                offerable[k] == 1 ? " would" : "s would"));
  return out;
}

std::string GenerationCounts::to_text() const {
  std::string out = "generated ops:";
  for (size_t k = 0; k < ops.size(); ++k)
    out += fmt::format("{} {} {}", k ? "," : "", op_name(static_cast<OpKind>(k)), ops[k]);
  return out + "\n" + choices_text();
}

std::string GenerationCounts::choices_text() const {
  std::string out = "choices:";
  for (size_t k = 0; k < choices.size(); ++k)
    out += fmt::format("{} {} {}", k ? "," : "", rt::choice_kind_name(static_cast<rt::ChoiceKind>(k)), choices[k]);
  out += "\n";
  for (const std::string& w : warnings()) out += w + "\n";
  return out;
}

}  // namespace ctxcheck::harness
