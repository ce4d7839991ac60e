#include "harness/program/program.h"

#include <algorithm>
#include <deque>

#include <fmt/format.h>

namespace ctxcheck::harness {

// ---- the op table's questions --------------------------------------------------------------

std::optional<OpKind> op_by_name(std::string_view s) {
  for (size_t k = 0; k < kNumOpKinds; ++k)
    if (kOpSpecs[k].name == s) return static_cast<OpKind>(k);
  return std::nullopt;
}

bool is_context(HandleKind k) {
  return k == HandleKind::Context || k == HandleKind::CancelableContext || k == HandleKind::CauseContext;
}
bool is_cancelable(HandleKind k) { return k == HandleKind::CancelableContext || k == HandleKind::CauseContext; }

bool fits(Need need, HandleKind k) {
  switch (need) {
    case Need::None: return false;
    case Need::Context: return is_context(k);
    case Need::Cancelable: return is_cancelable(k);
    case Need::CauseContext: return k == HandleKind::CauseContext;
    case Need::Stop: return k == HandleKind::StopFunc;
    case Need::CancelFunc: return false;  // resolved by need_of
  }
  return false;
}

std::string_view describe(Need need) {
  switch (need) {
    case Need::Context: return "a context";
    case Need::Cancelable: return "a context with a cancel func";
    case Need::CauseContext: return "a with_cancel_cause context";
    case Need::Stop: return "an after_func stop";
    case Need::None: case Need::CancelFunc: break;
  }
  return "?";
}

bool present(const ArgSpec& arg, const Op& op) {
  switch (arg.when) {
    case When::Always: return true;
    case When::NotGoroutines: return op.observe != Observe::Goroutines;
    case When::ObservesValue: return op.observe == Observe::Value;
    case When::ActionCancels: return op.action == Action::Cancel;
  }
  return true;
}

Need need_of(const ArgSpec& arg, const Op& op) {
  if (arg.need == Need::CancelFunc) return op.cause != 0 ? Need::CauseContext : Need::Cancelable;
  return arg.need;
}

int64_t* simplifiable_number(Op& op) {
  const OpSpec& spec = op_spec(op.kind);
  if (spec.has(Field::Duration)) return &op.duration;
  if (spec.has(Field::Deadline)) return &op.deadline;
  if (spec.has(Field::Value)) return &op.value;
  return nullptr;
}

uint64_t number_magnitude(const Op& op) {
  uint64_t sum = 0;
  for (int64_t v : {op.duration, op.deadline, op.value, op.script, op.slot})
    sum += static_cast<uint64_t>(v < 0 ? -v : v);
  return sum;
}

HandleKind handle_kind_of(const Op& op) {
  switch (op_spec(op.kind).yields) {
    case Yields::Nothing: return HandleKind::None;
    case Yields::Context: return HandleKind::Context;
    case Yields::CancelableContext: return HandleKind::CancelableContext;
    case Yields::CauseContext: return HandleKind::CauseContext;
    case Yields::StopFunc: return HandleKind::StopFunc;
    case Yields::ByCustomKind:
      return op.custom == CustomKind::AfterFuncer ? HandleKind::CancelableContext : HandleKind::Context;
  }
  return HandleKind::None;
}

std::optional<GoNeed> go_need_of(const Op& op) {
  const OpSpec& spec = op_spec(op.kind);
  if (spec.go.minor) return spec.go;
  for (const ArgSpec& arg : spec.args) {
    if (arg.field == Field::None) break;
    if (!present(arg, op)) continue;
    GoNeed need;
    if (arg.field == Field::OptCause && op.cause != 0) need = kCancelCauseGoNeed;
    if (arg.field == Field::Observe) need = kObserveKinds[static_cast<size_t>(op.observe)].go;
    if (arg.field == Field::Custom) need = kCustomKinds[static_cast<size_t>(op.custom)].go;
    if (need.minor) return need;
  }
  return std::nullopt;
}

// ---- programs ------------------------------------------------------------------------------

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

std::vector<int> spawners(const Program& p) {
  std::vector<int> sp(p.scripts.size(), -1);
  for (size_t s = 0; s < p.scripts.size(); ++s)
    for (const Op& op : p.scripts[s].ops)
      if (op.kind == OpKind::Go && op.script > 0 && static_cast<size_t>(op.script) < p.scripts.size() &&
          sp[static_cast<size_t>(op.script)] == -1)
        sp[static_cast<size_t>(op.script)] = static_cast<int>(s);
  return sp;
}

namespace {

// Walks the scripts in spawn order (breadth first from main), with what each can see.
class Validator {
 public:
  explicit Validator(const Program& p)
      : p_(p), spawned_by_(p.scripts.size(), -1), start_visible_(p.scripts.size()), done_(p.scripts.size(), 0) {}

  std::optional<ProgramError> run() {
    std::deque<size_t> queue{0};
    spawned_by_[0] = 0;
    while (!queue.empty()) {
      size_t s = queue.front();
      queue.pop_front();
      done_[s] = 1;
      std::vector<uint32_t> vis = start_visible_[s];
      for (size_t i = 0; i < p_.scripts[s].ops.size(); ++i)
        if (auto err = op(s, i, vis, queue)) return err;
    }
    for (size_t s = 1; s < p_.scripts.size(); ++s)
      if (!done_[s])
        return ProgramError{s, std::nullopt, Field::None, false,
                            fmt::format("script {} is never started by a go op", s)};
    return std::nullopt;
  }

 private:
  static std::string where(size_t s, size_t i) { return fmt::format("go {}, op {}", s, i + 1); }
  HandleKind kind(uint32_t h) const { return h < kinds_.size() ? kinds_[h] : HandleKind::None; }

  std::optional<std::string> handle(size_t s, size_t i, const Op& op, uint32_t h, Need need,
                                    const std::vector<uint32_t>& vis) const {
    if (h == 0 || std::find(vis.begin(), vis.end(), h) == vis.end())
      return fmt::format("{}: {} uses h{}, which is not visible here", where(s, i), op_name(op.kind), h);
    if (!fits(need, kind(h)))
      return fmt::format("{}: {} needs {}, but h{} is not one", where(s, i), op_name(op.kind), describe(need), h);
    return std::nullopt;
  }

  std::optional<std::string> go(size_t s, size_t i, const Op& op, const std::vector<uint32_t>& vis,
                                std::deque<size_t>& queue) {
    if (op.script <= 0 || static_cast<size_t>(op.script) >= p_.scripts.size())
      return fmt::format("{}: go {}: no such script", where(s, i), op.script);
    auto child = static_cast<size_t>(op.script);
    if (spawned_by_[child] != -1)
      return fmt::format("{}: go {}: script {} is already started elsewhere", where(s, i), op.script, op.script);
    spawned_by_[child] = static_cast<int>(s);
    start_visible_[child] = vis;
    queue.push_back(child);
    return std::nullopt;
  }

  static ProgramError at(size_t s, size_t i, std::string message, Field field = Field::None, bool result = false) {
    return ProgramError{s, i, field, result, std::move(message)};
  }

  // The op's arguments, as its row describes them, in text order.
  std::optional<ProgramError> args(size_t s, size_t i, const Op& op, const std::vector<uint32_t>& vis,
                                   std::deque<size_t>& queue) {
    const OpSpec& spec = op_spec(op.kind);
    if (spec.unsafe() && !p_.unsafe)
      return at(s, i, fmt::format("{}: {} is an unsafe op (add 'unsafe: on')", where(s, i), spec.name));
    for (const ArgSpec& arg : spec.args) {
      if (arg.field == Field::None) break;
      if (!present(arg, op)) continue;
      std::optional<std::string> err;
      if (arg.field == Field::A) err = handle(s, i, op, op.a, need_of(arg, op), vis);
      if (arg.field == Field::B) err = handle(s, i, op, op.b, need_of(arg, op), vis);
      if ((arg.field == Field::Duration && op.duration < 0) || (arg.field == Field::Deadline && op.deadline < 0))
        err = fmt::format("{}: negative duration", where(s, i));
      if (arg.field == Field::Script) err = go(s, i, op, vis, queue);
      if (err) return at(s, i, std::move(*err), arg.field);
    }
    return std::nullopt;
  }

  std::optional<ProgramError> op(size_t s, size_t i, std::vector<uint32_t>& vis, std::deque<size_t>& queue) {
    const Op& op = p_.scripts[s].ops[i];
    if (auto err = args(s, i, op, vis, queue)) return err;
    if (op.kind == OpKind::Drop) vis.erase(std::find(vis.begin(), vis.end(), op.a));
    if (!creates_handle(op.kind)) {
      if (op.result != 0)
        return at(s, i, fmt::format("{}: {} does not create a handle", where(s, i), op_name(op.kind)), Field::None,
                  true);
      return std::nullopt;
    }
    if (op.result == 0) return at(s, i, fmt::format("{}: {} must name its result", where(s, i), op_name(op.kind)));
    if (op.result < kinds_.size() && kinds_[op.result] != HandleKind::None)
      return at(s, i, fmt::format("{}: h{} is defined twice", where(s, i), op.result), Field::None, true);
    if (op.result > limits::kMaxHandle)
      return at(s, i, fmt::format("{}: handle h{} is too large", where(s, i), op.result), Field::None, true);
    if (op.result >= kinds_.size()) kinds_.resize(op.result + 1, HandleKind::None);
    kinds_[op.result] = handle_kind_of(op);
    vis.push_back(op.result);
    return std::nullopt;
  }

  const Program& p_;
  std::vector<HandleKind> kinds_;
  std::vector<int> spawned_by_;
  std::vector<std::vector<uint32_t>> start_visible_;
  std::vector<uint8_t> done_;
};

}  // namespace

std::optional<ProgramError> find_program_error(const Program& p) {
  auto whole = [](std::string message) {
    return ProgramError{0, std::nullopt, Field::None, false, std::move(message)};
  };
  if (p.scripts.empty()) return whole("a program needs a main script (go 0)");
  if (p.scripts.size() > limits::kMaxScripts) return whole(fmt::format("more than {} scripts", limits::kMaxScripts));
  if (p.op_count() > limits::kMaxOps) return whole(fmt::format("more than {} ops", limits::kMaxOps));
  return Validator(p).run();
}

std::optional<std::string> validate(const Program& p) {
  if (auto err = find_program_error(p)) return std::move(err->message);
  return std::nullopt;
}

namespace {
constexpr std::string_view kWordChars = "abcdefghijklmnopqrstuvwxyz0123456789_";
constexpr int64_t kWordBase = static_cast<int64_t>(kWordChars.size()) + 1;  // digit 0: no character
}  // namespace

std::optional<int64_t> encode_word(std::string_view s) {
  if (s.empty() || s.size() > kMaxWordChars) return std::nullopt;
  int64_t v = 0;
  for (char c : s) {
    size_t d = kWordChars.find(c);
    if (d == std::string_view::npos) return std::nullopt;
    v = v * kWordBase + static_cast<int64_t>(d) + 1;
  }
  return v;
}

std::string decode_word(int64_t v) {
  std::string s;
  for (; v > 0 && s.size() < kMaxWordChars; v /= kWordBase) {
    int64_t d = v % kWordBase;
    s.insert(s.begin(), d == 0 ? '?' : kWordChars[static_cast<size_t>(d - 1)]);
  }
  return s;
}

std::string key_text(const ValueKey& k) {
  if (k.type == kIntKeyType) return "int:" + std::to_string(k.value);
  if (k.type == kStringKeyType) return "string:\"" + decode_word(k.value) + "\"";
  return std::string("key") + static_cast<char>('A' + k.type) + ":" + std::to_string(k.value);
}

std::string value_text(ValueType t, int64_t v) {
  return t == ValueType::String ? "string:\"" + decode_word(v) + "\"" : std::to_string(v);
}

std::string_view type_name(ValueType t) { return t == ValueType::String ? "string" : "int"; }

std::string go_type_name(CustomKind c) {
  static constexpr std::string_view kTypes[] = {"ctxcheckWrapper", "ctxcheckOwnDone", "ctxcheckAfterFuncer",
                                                "ctxcheckBrokenErr"};
  static_assert(std::size(kTypes) == std::size(kCustomKinds));
  return fmt::format("*{}.{}", kGoTestPackage, kTypes[static_cast<size_t>(c)]);
}

std::string go_stringify(const ValueKey& k) {
  if (k.type == kIntKeyType) return "int";
  if (k.type == kStringKeyType) return decode_word(k.value);
  return fmt::format("{}.ctxcheckKey{}", kGoTestPackage, static_cast<char>('A' + k.type));
}

std::string go_stringify(ValueType t, int64_t v) { return t == ValueType::String ? decode_word(v) : "int"; }

}  // namespace ctxcheck::harness
