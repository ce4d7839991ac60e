#include "harness/program/decode.h"

#include <algorithm>
#include <stdexcept>

namespace ctxcheck::harness {

namespace {

constexpr uint64_t kMaxDuration = 3'600'000'000'000ULL;  // one hour

// What a handle operand of each op must be.
enum class Need : uint8_t { None, Context, Cancelable, CauseCtx, Stop };

bool fits(Need need, HandleKind k) {
  switch (need) {
    case Need::None: return false;
    case Need::Context:
      return k == HandleKind::Context || k == HandleKind::CancelableContext || k == HandleKind::CauseContext;
    case Need::Cancelable: return k == HandleKind::CancelableContext || k == HandleKind::CauseContext;
    case Need::CauseCtx: return k == HandleKind::CauseContext;
    case Need::Stop: return k == HandleKind::StopFunc;
  }
  return false;
}

Need need_a(const Op& op) {
  switch (op.kind) {
    case OpKind::Background: case OpKind::Todo: case OpKind::Yield: case OpKind::Gc:
    case OpKind::Go: case OpKind::Sleep:
      return Need::None;
    case OpKind::Cancel: case OpKind::DeferCancel:
      return op.cause ? Need::CauseCtx : Need::Cancelable;
    case OpKind::Stop: return Need::Stop;
    case OpKind::Observe:
      return op.sub == static_cast<uint8_t>(Observe::Goroutines) ? Need::None : Need::Context;
    default: return Need::Context;
  }
}
Need need_b(const Op& op) {
  if (op.kind == OpKind::AfterFunc && op.sub == static_cast<uint8_t>(Action::Cancel)) return Need::Cancelable;
  if (op.kind == OpKind::Reparent) return Need::Context;
  return Need::None;
}

// The state both directions share, so indices mean the same thing on both sides.
struct Scope {
  std::vector<uint32_t> visible;
};
struct Shared {
  std::vector<HandleKind> kinds{HandleKind::None};
  std::vector<uint32_t> candidates(const Scope& s, Need need) const {
    std::vector<uint32_t> out;
    for (uint32_t h : s.visible)
      if (fits(need, kinds[h])) out.push_back(h);
    return out;
  }
};

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool empty() const { return pos_ >= b_.size(); }
  uint8_t byte() { return pos_ < b_.size() ? b_[pos_++] : 0; }
  uint64_t varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 63; shift += 7) {
      uint8_t x = byte();
      v |= static_cast<uint64_t>(x & 0x7f) << shift;
      if (!(x & 0x80)) break;
    }
    return v;
  }
  int64_t zigzag() {
    uint64_t v = varint();
    return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
  }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
};

struct Writer {
  std::vector<uint8_t> out;
  void byte(uint8_t b) { out.push_back(b); }
  void varint(uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<uint8_t>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
  }
  void zigzag(int64_t v) { varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63)); }
};

constexpr size_t kObserveCount = std::size(kObserveNames);

// Keys come from a small space (4 types x 8 values) so that rebinding a key, shadowing it
// with another type, and looking it up again are all likely.
constexpr uint8_t kKeyTypes = 4, kKeyValues = 8;
ValueKey decode_key(Reader& r) {
  uint8_t b = r.byte();
  return {static_cast<uint8_t>(b % kKeyTypes), static_cast<int32_t>((b / kKeyTypes) % kKeyValues)};
}
void encode_key(Writer& w, ValueKey k) {
  w.byte(static_cast<uint8_t>(k.type + kKeyTypes * static_cast<uint8_t>(k.value)));
}
constexpr size_t kCustomCount = std::size(kCustomNames);

struct Decoder {
  Reader r;
  Program p;
  Shared sh;
  uint32_t next_handle = 1;
  size_t ops = 0;

  void script(size_t s, Scope scope, uint64_t limit) {
    for (uint64_t n = 0; n < limit && !r.empty() && ops < kMaxDecodedOps; ++n) {
      Op op;
      op.kind = static_cast<OpKind>(r.byte() % kNumOpKinds);
      if (op.kind == OpKind::Reparent && !p.unsafe) continue;
      // Sub-kinds and numbers first: they decide which operands are needed.
      switch (op.kind) {
        case OpKind::Custom: op.sub = static_cast<uint8_t>(r.byte() % kCustomCount); break;
        case OpKind::AfterFunc: op.sub = static_cast<uint8_t>(r.byte() % 2); break;
        case OpKind::Observe: op.sub = static_cast<uint8_t>(r.byte() % kObserveCount); break;
        case OpKind::Cancel: case OpKind::DeferCancel: {
          uint8_t c = r.byte();
          op.cause = c == 0 ? 0 : 3 + (c - 1) % 64;
          break;
        }
        default: break;
      }
      switch (op.kind) {
        case OpKind::WithTimeout: case OpKind::WithDeadline: case OpKind::Select: case OpKind::Sleep:
          op.n = static_cast<int64_t>(std::min<uint64_t>(r.varint(), kMaxDuration));
          break;
        case OpKind::WithTimeoutCause: case OpKind::WithDeadlineCause:
          op.n = static_cast<int64_t>(std::min<uint64_t>(r.varint(), kMaxDuration));
          op.cause = 3 + r.byte() % 64;
          break;
        case OpKind::WithValue:
          op.key = decode_key(r);
          op.n = std::clamp<int64_t>(r.zigzag(), -1000000000, 1000000000);
          break;
        case OpKind::Observe:
          if (op.sub == static_cast<uint8_t>(Observe::Value))
            op.key = decode_key(r);
          break;
        case OpKind::Store: op.n = r.byte() % 8; break;
        default: break;
      }
      uint8_t ia = 0, ib = 0;
      if (need_a(op) != Need::None) ia = r.byte();
      if (need_b(op) != Need::None) ib = r.byte();
      if (need_a(op) != Need::None) {
        auto c = sh.candidates(scope, need_a(op));
        if (c.empty()) continue;
        op.a = c[ia % c.size()];
      }
      if (need_b(op) != Need::None) {
        auto c = sh.candidates(scope, need_b(op));
        if (c.empty()) continue;
        op.b = c[ib % c.size()];
      }
      if (op.kind == OpKind::Go) {
        uint64_t body = r.varint();
        if (p.scripts.size() >= kMaxDecodedScripts) continue;
        op.n = static_cast<int64_t>(p.scripts.size());
        p.scripts.emplace_back();
        p.scripts[s].ops.push_back(op);
        ++ops;
        script(static_cast<size_t>(op.n), scope, body);
        continue;
      }
      if (creates_handle(op.kind)) {
        op.result = next_handle++;
        sh.kinds.push_back(handle_kind_of(op));
        scope.visible.push_back(op.result);
      }
      if (op.kind == OpKind::Drop) scope.visible.erase(std::find(scope.visible.begin(), scope.visible.end(), op.a));
      p.scripts[s].ops.push_back(op);
      ++ops;
    }
  }
};

struct Encoder {
  const Program& p;
  Writer w;
  Shared sh;

  uint8_t index_of(const Scope& scope, Need need, uint32_t h) {
    auto c = sh.candidates(scope, need);
    auto it = std::find(c.begin(), c.end(), h);
    if (it == c.end()) throw std::invalid_argument("encode: operand not visible (invalid program)");
    size_t i = static_cast<size_t>(it - c.begin());
    if (i > 255) throw std::invalid_argument("encode: too many candidate handles");
    return static_cast<uint8_t>(i);
  }

  void script(size_t s, Scope scope) {
    for (const Op& op : p.scripts[s].ops) {
      if (op.cause > 66 || op.key.type >= kKeyTypes || op.key.value < 0 || op.key.value >= kKeyValues ||
          (op.kind == OpKind::Store && op.n >= 8))
        throw std::invalid_argument("encode: a cause, key type or global outside the byte encoding's range");
      w.byte(static_cast<uint8_t>(op.kind));
      switch (op.kind) {
        case OpKind::Custom: case OpKind::AfterFunc: case OpKind::Observe: w.byte(op.sub); break;
        case OpKind::Cancel: case OpKind::DeferCancel: w.byte(op.cause == 0 ? 0 : static_cast<uint8_t>(op.cause - 3 + 1)); break;
        default: break;
      }
      switch (op.kind) {
        case OpKind::WithTimeout: case OpKind::WithDeadline: case OpKind::Select: case OpKind::Sleep:
          w.varint(static_cast<uint64_t>(op.n));
          break;
        case OpKind::WithTimeoutCause: case OpKind::WithDeadlineCause:
          w.varint(static_cast<uint64_t>(op.n));
          w.byte(static_cast<uint8_t>(op.cause - 3));
          break;
        case OpKind::WithValue:
          encode_key(w, op.key);
          w.zigzag(op.n);
          break;
        case OpKind::Observe:
          if (op.sub == static_cast<uint8_t>(Observe::Value)) encode_key(w, op.key);
          break;
        case OpKind::Store: w.byte(static_cast<uint8_t>(op.n)); break;
        default: break;
      }
      if (need_a(op) != Need::None) w.byte(index_of(scope, need_a(op), op.a));
      if (need_b(op) != Need::None) w.byte(index_of(scope, need_b(op), op.b));
      if (op.kind == OpKind::Go) {
        size_t child = static_cast<size_t>(op.n);
        w.varint(p.scripts[child].ops.size());
        script(child, scope);
        continue;
      }
      if (creates_handle(op.kind)) {
        if (op.result >= sh.kinds.size()) sh.kinds.resize(op.result + 1, HandleKind::None);
        sh.kinds[op.result] = handle_kind_of(op);
        scope.visible.push_back(op.result);
      }
      if (op.kind == OpKind::Drop) scope.visible.erase(std::find(scope.visible.begin(), scope.visible.end(), op.a));
    }
  }
};

}  // namespace

Program decode_program(std::span<const uint8_t> bytes) {
  Decoder d{Reader(bytes), {}, {}, 1, 0};
  d.p.unsafe = (d.r.byte() & 1) != 0;
  d.p.scripts.emplace_back();
  d.script(0, {}, UINT64_MAX);
  return d.p;
}

std::vector<uint8_t> encode_program(const Program& p) {
  if (p.scripts.empty()) throw std::invalid_argument("encode: no main script");
  Encoder e{p, {}, {}};
  e.w.byte(p.unsafe ? 1 : 0);
  e.script(0, {});
  return std::move(e.w.out);
}

FuzzInput split_fuzz_input(std::span<const uint8_t> data) {
  size_t len = 0;
  if (data.size() >= 2) len = data[0] | (static_cast<size_t>(data[1]) << 8);
  std::span<const uint8_t> rest = data.size() >= 2 ? data.subspan(2) : std::span<const uint8_t>{};
  len = std::min(len, rest.size());
  FuzzInput in;
  in.program = decode_program(rest.first(len));
  auto sched = rest.subspan(len);
  in.schedule.assign(sched.begin(), sched.end());
  return in;
}

std::vector<uint8_t> join_fuzz_input(const Program& p, std::span<const uint8_t> schedule) {
  std::vector<uint8_t> prog = encode_program(p);
  if (prog.size() > 0xffff) throw std::invalid_argument("encode: program longer than 65535 bytes");
  std::vector<uint8_t> out;
  out.reserve(2 + prog.size() + schedule.size());
  out.push_back(static_cast<uint8_t>(prog.size() & 0xff));
  out.push_back(static_cast<uint8_t>(prog.size() >> 8));
  out.insert(out.end(), prog.begin(), prog.end());
  out.insert(out.end(), schedule.begin(), schedule.end());
  return out;
}

}  // namespace ctxcheck::harness
