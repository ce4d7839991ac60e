#include "harness/program/decode.h"

#include <algorithm>
#include <array>
#include <optional>
#include <stdexcept>

#include <boost/container/small_vector.hpp>

namespace ctxcheck::harness {

namespace {

using namespace limits;

class Reader {
 public:
  explicit Reader(std::span<const uint8_t> b) : b_(b) {}
  bool empty() const { return pos_ >= b_.size(); }
  size_t pos() const { return pos_; }
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

// ---- the byte grammar: one description for the decoder, the encoder and the tokenizer ----
//
// After the opcode byte, an op's arguments come as its row lists them (text order), except
// that the handle operands (an index byte each) follow all the others, and a go's body
// length (a varint; the body follows inline) comes last. Presence is decided by what was
// read before (a sub-kind comes first in every row where it matters).
//
// Each row's arguments with bytes (not None, not a cancel word) in that order, as indices
// into its args: computed once from the op table, not sorted again for every op read.
struct ByteOrder {
  std::array<uint8_t, kMaxArgs> arg{};
  uint8_t n = 0;
};
constexpr int byte_group(const ArgSpec& arg) { return arg.is_handle() ? 1 : arg.field == Field::Script ? 2 : 0; }
inline constexpr auto kByteOrder = [] {
  std::array<ByteOrder, kNumOpKinds> t{};
  for (size_t k = 0; k < kNumOpKinds; ++k)
    for (int group = 0; group < 3; ++group)
      for (size_t i = 0; i < kMaxArgs; ++i) {
        const ArgSpec& arg = kOpSpecs[k].args[i];
        if (byte_group(arg) == group && arg.field != Field::None && arg.field != Field::CancelWord)
          t[k].arg[t[k].n++] = static_cast<uint8_t>(i);
      }
  return t;
}();

// Presence is asked as each argument comes (it may depend on a sub-kind visited before it).
template <class Visit>
void for_each_arg_in_byte_order(const Op& op, Visit&& visit) {
  const OpSpec& spec = op_spec(op.kind);
  const ByteOrder& order = kByteOrder[static_cast<size_t>(op.kind)];
  for (uint8_t j = 0; j < order.n; ++j) {
    const ArgSpec& arg = spec.args[order.arg[j]];
    if (present(arg, op)) visit(arg);
  }
}

template <class Kind, size_t N>
Kind sub_kind(uint8_t b, const SubKindSpec (&)[N]) {
  return static_cast<Kind>(b % N);
}

// One argument that is neither a handle operand nor a go body, each way.
void read_arg(Reader& r, Field f, Op& op) {
  switch (f) {
    case Field::Observe: op.observe = sub_kind<Observe>(r.byte(), kObserveKinds); break;
    case Field::Custom: op.custom = sub_kind<CustomKind>(r.byte(), kCustomKinds); break;
    case Field::Action: op.action = sub_kind<Action>(r.byte(), kActionKinds); break;
    case Field::OptCause: {
      uint8_t c = r.byte();
      op.cause = c == 0 ? 0 : kFirstCause + (c - 1) % kDecodedCauses;
      break;
    }
    case Field::Cause: op.cause = kFirstCause + r.byte() % kDecodedCauses; break;
    case Field::Duration: op.duration = static_cast<int64_t>(std::min<uint64_t>(r.varint(), kMaxDecodedDuration)); break;
    case Field::Deadline: op.deadline = static_cast<int64_t>(std::min<uint64_t>(r.varint(), kMaxDecodedDuration)); break;
    case Field::Key: {
      uint8_t b = r.byte();
      op.key = {static_cast<uint8_t>(b % kDecodedKeyTypes), static_cast<int32_t>((b / kDecodedKeyTypes) % kDecodedKeyValues)};
      break;
    }
    case Field::Value: op.value = std::clamp<int64_t>(r.zigzag(), -kMaxDecodedValue, kMaxDecodedValue); break;
    case Field::Slot: op.slot = r.byte() % kDecodedGlobals; break;
    case Field::None: case Field::A: case Field::B: case Field::Script: case Field::CancelWord: break;
  }
}
void write_arg(Writer& w, Field f, const Op& op) {
  switch (f) {
    case Field::Observe: w.byte(static_cast<uint8_t>(op.observe)); break;
    case Field::Custom: w.byte(static_cast<uint8_t>(op.custom)); break;
    case Field::Action: w.byte(static_cast<uint8_t>(op.action)); break;
    case Field::OptCause: w.byte(op.cause == 0 ? 0 : static_cast<uint8_t>(op.cause - kFirstCause + 1)); break;
    case Field::Cause: w.byte(static_cast<uint8_t>(op.cause - kFirstCause)); break;
    case Field::Duration: w.varint(static_cast<uint64_t>(op.duration)); break;
    case Field::Deadline: w.varint(static_cast<uint64_t>(op.deadline)); break;
    case Field::Key: w.byte(static_cast<uint8_t>(op.key.type + kDecodedKeyTypes * static_cast<uint8_t>(op.key.value))); break;
    case Field::Value: w.zigzag(op.value); break;
    case Field::Slot: w.byte(static_cast<uint8_t>(op.slot)); break;
    case Field::None: case Field::A: case Field::B: case Field::Script: case Field::CancelWord: break;
  }
}
bool encodable(const Op& op) {
  return op.cause < kFirstCause + kDecodedCauses && op.key.type < kDecodedKeyTypes && op.key.value >= 0 &&
         op.value_type == ValueType::Int &&
         op.key.value < kDecodedKeyValues && op.slot < kDecodedGlobals;
}

// The bytes of one op after its opcode, read whole (also when the op is then skipped):
// `at(arg, offset)` learns where each argument starts.
struct ArgBytes {
  uint8_t index[2] = {0, 0};  // handle operands A, B: indices into the fitting handles
  uint64_t body = 0;          // go: the number of ops of the child's script
};
template <class At>
ArgBytes read_args(Reader& r, Op& op, At&& at) {
  ArgBytes ab;
  for_each_arg_in_byte_order(op, [&](const ArgSpec& arg) {
    at(arg, r.pos());
    if (arg.is_handle()) ab.index[arg.field == Field::B ? 1 : 0] = r.byte();
    else if (arg.field == Field::Script) ab.body = r.varint();
    else read_arg(r, arg.field, op);
  });
  return ab;
}

// ---- the scope: which handles an index byte chooses from --------------------------------

// The state both directions share, so indices mean the same thing on both sides.
// (Inline up to 32 handles: a go copies its spawner's scope, and most programs have fewer.)
struct Scope {
  boost::container::small_vector<uint32_t, 32> visible;
};
struct Shared {
  std::vector<HandleKind> kinds{HandleKind::None};
  // The handle an index byte chooses: the (index mod n)-th of the n visible handles that
  // fit `need`, or none when n is 0.
  std::optional<uint32_t> pick(const Scope& s, Need need, uint8_t index) const {
    auto fitting = [&](uint32_t h) { return fits(need, kinds[h]); };
    size_t n = static_cast<size_t>(std::count_if(s.visible.begin(), s.visible.end(), fitting));
    if (n == 0) return std::nullopt;
    size_t want = index % n;
    for (uint32_t h : s.visible)
      if (fitting(h) && want-- == 0) return h;
    return std::nullopt;  // unreachable: n counted the same handles
  }
  // The index byte that picks `h` (its position among the visible handles that fit `need`),
  // or none when `h` is not one of them.
  std::optional<size_t> index_of(const Scope& s, Need need, uint32_t h) const {
    size_t i = 0;
    for (uint32_t v : s.visible) {
      if (!fits(need, kinds[v])) continue;
      if (v == h) return i;
      ++i;
    }
    return std::nullopt;
  }
  void enter(const Op& op, Scope& scope) {
    if (creates_handle(op.kind)) {
      if (op.result >= kinds.size()) kinds.resize(op.result + 1, HandleKind::None);
      kinds[op.result] = handle_kind_of(op);
      scope.visible.push_back(op.result);
    }
    if (op.kind == OpKind::Drop) scope.visible.erase(std::find(scope.visible.begin(), scope.visible.end(), op.a));
  }
};

struct Decoder {
  Reader r;
  Program p;
  Shared sh;
  uint32_t next_handle = 1;
  size_t ops = 0;

  // Resolves the handle operands' index bytes; false when one has no candidate (skip the op).
  bool resolve(const Scope& scope, Op& op, const ArgBytes& ab) {
    bool ok = true;
    for_each_arg_in_byte_order(op, [&](const ArgSpec& arg) {
      if (!arg.is_handle() || !ok) return;
      std::optional<uint32_t> h = sh.pick(scope, need_of(arg, op), ab.index[arg.field == Field::B ? 1 : 0]);
      if (!h) ok = false;
      else (arg.field == Field::A ? op.a : op.b) = *h;
    });
    return ok;
  }

  void script(size_t s, Scope scope, uint64_t limit) {
    for (uint64_t n = 0; n < limit && !r.empty() && ops < kMaxDecodedOps; ++n) {
      Op op;
      op.kind = static_cast<OpKind>(r.byte() % kNumOpKinds);
      if (op_spec(op.kind).unsafe() && !p.unsafe) continue;
      ArgBytes ab = read_args(r, op, [](const ArgSpec&, size_t) {});
      if (!resolve(scope, op, ab)) continue;
      if (op_spec(op.kind).has(Field::Script)) {
        if (p.scripts.size() >= kMaxDecodedScripts) continue;
        op.script = static_cast<int64_t>(p.scripts.size());
        p.scripts.emplace_back().ops.reserve(std::min<uint64_t>(ab.body, kMaxDecodedOps));
        p.scripts[s].ops.push_back(op);
        ++ops;
        script(static_cast<size_t>(op.script), scope, ab.body);
        continue;
      }
      if (creates_handle(op.kind)) op.result = next_handle++;
      sh.enter(op, scope);
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
    std::optional<size_t> i = sh.index_of(scope, need, h);
    if (!i) throw std::invalid_argument("encode: operand not visible (invalid program)");
    if (*i > 255) throw std::invalid_argument("encode: too many candidate handles");
    return static_cast<uint8_t>(*i);
  }

  void script(size_t s, Scope scope) {
    for (const Op& op : p.scripts[s].ops) {
      if (!encodable(op))
        throw std::invalid_argument("encode: a cause, key type or global outside the byte encoding's range");
      w.byte(static_cast<uint8_t>(op.kind));
      std::optional<size_t> child;
      for_each_arg_in_byte_order(op, [&](const ArgSpec& arg) {
        if (arg.is_handle()) {
          w.byte(index_of(scope, need_of(arg, op), arg.field == Field::A ? op.a : op.b));
        } else if (arg.field == Field::Script) {
          child = static_cast<size_t>(op.script);
          w.varint(p.scripts[*child].ops.size());
        } else {
          write_arg(w, arg.field, op);
        }
      });
      if (child) script(*child, scope);
      else sh.enter(op, scope);
    }
  }
};

}  // namespace

Program decode_program(std::span<const uint8_t> bytes) {
  Decoder d{Reader(bytes), {}, {}, 1, 0};
  d.p.unsafe = (d.r.byte() & 1) != 0;
  d.p.scripts.reserve(kMaxDecodedScripts);
  d.p.scripts.emplace_back();
  d.p.scripts[0].ops.reserve(std::min(bytes.size(), kMaxDecodedOps));  // at most one op a byte
  d.sh.kinds.reserve(kMaxDecodedOps + 1);
  d.script(0, {}, UINT64_MAX);
  return std::move(d.p);
}

std::vector<uint8_t> encode_program(const Program& p) {
  if (p.scripts.empty()) throw std::invalid_argument("encode: no main script");
  Encoder e{p, {}, {}};
  e.w.byte(p.unsafe ? 1 : 0);
  e.script(0, {});
  return std::move(e.w.out);
}

std::vector<OpBytes> split_op_bytes(std::span<const uint8_t> prog) {
  std::vector<OpBytes> out;
  if (prog.empty()) return out;
  out.reserve(std::min(prog.size(), kMaxDecodedOps));
  bool unsafe = (prog[0] & 1) != 0;
  Reader r(prog);
  r.byte();
  while (!r.empty()) {
    OpBytes t;
    t.begin = r.pos();
    Op op;
    op.kind = static_cast<OpKind>(r.byte() % kNumOpKinds);
    if (!op_spec(op.kind).unsafe() || unsafe) {
      read_args(r, op, [&](const ArgSpec& arg, size_t at) {
        if (at >= prog.size()) return;
        if (arg.is_handle()) t.operand_bytes.push_back(at);
        if (arg.field == Field::Duration || arg.field == Field::Deadline || arg.field == Field::Value ||
            arg.field == Field::Script)
          t.number_bytes.push_back(at);
        if (arg.field == Field::Key) t.key_byte = at;
      });
    }
    t.end = r.pos();
    out.push_back(std::move(t));
  }
  return out;
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
