#include "harness/program/text.h"

#include <charconv>
#include <vector>

#include <fmt/format.h>

namespace ctxcheck::harness {

namespace {

struct Token {
  std::string_view text;
  int col;  // 1-based
};

std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    if (i >= line.size() || line[i] == '#') break;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    out.push_back({line.substr(i, j - i), static_cast<int>(i + 1)});
    i = j;
  }
  return out;
}

template <class T>
bool parse_int(std::string_view s, T& out, int base = 10) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && p == s.data() + s.size();
}

class LineParser {
 public:
  LineParser(int line, std::vector<Token> toks, int eol_col)
      : line_(line), toks_(std::move(toks)), eol_col_(eol_col) {}
  bool done() const { return pos_ >= toks_.size(); }
  [[noreturn]] void fail(const std::string& expected) const {
    if (done()) throw ParseError(line_, eol_col_, fmt::format("expected {}, got end of line", expected));
    throw ParseError(line_, toks_[pos_].col,
                     fmt::format("expected {}, got \"{}\"", expected, toks_[pos_].text));
  }
  std::string_view word(const char* expected) {
    if (done()) fail(expected);
    return toks_[pos_++].text;
  }
  void keyword(std::string_view kw) {
    if (done() || toks_[pos_].text != kw) fail(fmt::format("\"{}\"", kw));
    ++pos_;
  }
  uint32_t handle() {
    if (done()) fail("a handle like h2");
    std::string_view t = toks_[pos_].text;
    uint32_t v = 0;
    if (t.size() < 2 || t[0] != 'h' || !parse_int(t.substr(1), v) || v == 0 || v > 100000)
      fail("a handle like h2");
    ++pos_;
    return v;
  }
  int64_t number(const char* expected = "a number") {
    if (done()) fail(expected);
    int64_t v = 0;
    if (!parse_int(toks_[pos_].text, v)) fail(expected);
    ++pos_;
    return v;
  }
  int64_t duration(bool absolute) {
    const char* what = absolute ? "a deadline like @5ms" : "a duration like 5ms";
    if (done()) fail(what);
    std::string_view t = toks_[pos_].text;
    if (absolute) {
      if (t.empty() || t[0] != '@') fail(what);
      t.remove_prefix(1);
    }
    static constexpr std::pair<std::string_view, int64_t> units[] = {
        {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    for (auto [u, mul] : units) {
      if (t.size() > u.size() && t.substr(t.size() - u.size()) == u) {
        int64_t v = 0;
        std::string_view digits = t.substr(0, t.size() - u.size());
        if (!digits.empty() && digits[0] != '-' && parse_int(digits, v) && v <= 3'600'000'000'000'000 / mul) {
          ++pos_;
          return v * mul;
        }
        break;
      }
    }
    fail(what);
  }
  int32_t cause() {
    if (done()) fail("a cause like cause3");
    std::string_view t = toks_[pos_].text;
    int32_t v = 0;
    if (t.size() < 6 || t.substr(0, 5) != "cause" || !parse_int(t.substr(5), v) || v < 3 || v > 1000000)
      fail("a cause like cause3 (numbers start at 3)");
    ++pos_;
    return v;
  }
  ValueKey key() {
    if (done()) fail("a key like keyA:3");
    std::string_view t = toks_[pos_].text;
    int32_t v = 0;
    if (t.size() < 6 || t.substr(0, 3) != "key" || t[3] < 'A' || t[3] > 'Z' || t[4] != ':' ||
        !parse_int(t.substr(5), v))
      fail("a key like keyA:3");
    ++pos_;
    return {static_cast<uint8_t>(t[3] - 'A'), v};
  }
  template <size_t N>
  uint8_t choice(const std::string_view (&names)[N], const char* expected) {
    if (done()) fail(expected);
    for (size_t i = 0; i < N; ++i)
      if (toks_[pos_].text == names[i]) {
        ++pos_;
        return static_cast<uint8_t>(i);
      }
    fail(expected);
  }
  void end() {
    if (!done()) fail("end of line");
  }
  void unread() { --pos_; }

 private:
  int line_;
  std::vector<Token> toks_;
  size_t pos_ = 0;
  int eol_col_;
};

constexpr std::string_view kActionNames[] = {"nop", "cancel"};

Op parse_op(LineParser& lp) {
  Op op;
  uint32_t result = 0;
  std::string_view first = lp.word("an op");
  if (first.size() > 1 && first[0] == 'h' && first[1] >= '0' && first[1] <= '9') {
    // "hN = creator ..."
    lp.unread();
    result = lp.handle();
    lp.keyword("=");
    first = lp.word("an op that creates a handle");
    auto k = op_by_name(first);
    if (!k || !creates_handle(*k)) {
      throw std::invalid_argument(std::string(first));
    }
  }
  auto kind = op_by_name(first);
  if (!kind) throw std::invalid_argument(std::string(first));
  op.kind = *kind;
  op.result = result;
  if (creates_handle(op.kind) && result == 0) throw std::domain_error(std::string(first));
  switch (op.kind) {
    case OpKind::Background: case OpKind::Todo: case OpKind::Yield: case OpKind::Gc:
      break;
    case OpKind::WithCancel: case OpKind::WithCancelCause: case OpKind::WithoutCancel:
    case OpKind::Wait: case OpKind::Drop: case OpKind::SetFinalizer: case OpKind::Stop:
      op.a = lp.handle();
      break;
    case OpKind::WithTimeout:
      op.a = lp.handle();
      op.n = lp.duration(false);
      break;
    case OpKind::WithTimeoutCause:
      op.a = lp.handle();
      op.n = lp.duration(false);
      op.cause = lp.cause();
      break;
    case OpKind::WithDeadline:
      op.a = lp.handle();
      op.n = lp.duration(true);
      break;
    case OpKind::WithDeadlineCause:
      op.a = lp.handle();
      op.n = lp.duration(true);
      op.cause = lp.cause();
      break;
    case OpKind::WithValue:
      op.a = lp.handle();
      op.key = lp.key();
      op.n = lp.number("a value (an integer)");
      break;
    case OpKind::Custom:
      op.sub = lp.choice(kCustomNames, "wrapper, own_done, afterfuncer or broken_err");
      op.a = lp.handle();
      break;
    case OpKind::AfterFunc:
      op.a = lp.handle();
      op.sub = lp.choice(kActionNames, "an action: nop or cancel hN");
      if (op.sub == static_cast<uint8_t>(Action::Cancel)) op.b = lp.handle();
      break;
    case OpKind::Cancel:
      op.a = lp.handle();
      if (!lp.done()) op.cause = lp.cause();
      break;
    case OpKind::DeferCancel:
      lp.keyword("cancel");
      op.a = lp.handle();
      if (!lp.done()) op.cause = lp.cause();
      break;
    case OpKind::Go:
      op.n = lp.number("a script number");
      break;
    case OpKind::Select:
      op.a = lp.handle();
      op.n = lp.duration(false);
      break;
    case OpKind::Sleep:
      op.n = lp.duration(false);
      break;
    case OpKind::Observe:
      op.sub = lp.choice(kObserveNames, "err, cause, deadline, done, children, value or goroutines");
      if (op.sub != static_cast<uint8_t>(Observe::Goroutines)) op.a = lp.handle();
      if (op.sub == static_cast<uint8_t>(Observe::Value)) op.key = lp.key();
      break;
    case OpKind::Store: {
      std::string_view g = lp.word("a global like g0");
      int64_t v = 0;
      if (g.size() < 2 || g[0] != 'g' || !parse_int(g.substr(1), v) || v < 0 || v > 1000)
        lp.fail("a global like g0");  // note: reports the token after
      op.n = v;
      op.a = lp.handle();
      break;
    }
    case OpKind::Reparent:
      op.a = lp.handle();
      op.b = lp.handle();
      break;
  }
  lp.end();
  return op;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string format_duration(int64_t ns) {
  if (ns == 0) return "0s";
  if (ns % 1000000000 == 0) return fmt::format("{}s", ns / 1000000000);
  if (ns % 1000000 == 0) return fmt::format("{}ms", ns / 1000000);
  if (ns % 1000 == 0) return fmt::format("{}us", ns / 1000);
  return fmt::format("{}ns", ns);
}

Program parse_program(std::string_view text) {
  if (text.size() > kMaxTraceBytes)
    throw ParseError(1, 1, fmt::format("trace is larger than {} bytes", kMaxTraceBytes));
  Program p;
  int lineno = 0;
  bool header = false, in_schedule = false;
  int current_script = -1;
  int last_op_line = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    for (size_t i = 0; i < raw.size(); ++i) {
      unsigned char ch = static_cast<unsigned char>(raw[i]);
      if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
        throw ParseError(lineno, static_cast<int>(i + 1), "unexpected control character");
    }
    std::string_view line = trim(raw);
    if (line.empty()) continue;
    if (line[0] == '#') {
      if (header && current_script < 0 && !in_schedule) {
        std::string_view note = line.substr(1);
        if (!note.empty() && note[0] == ' ') note.remove_prefix(1);
        p.notes.emplace_back(note);
      }
      continue;
    }
    auto toks = tokenize(raw);
    if (toks.empty()) continue;
    int eol = static_cast<int>(raw.size()) + 1;
    LineParser lp(lineno, toks, eol);
    if (!header) {
      lp.keyword("ctxcheck-trace");
      int64_t v = lp.number("a version number");
      if (v != kTraceVersion)
        throw ParseError(lineno, toks[1].col,
                         fmt::format("unsupported trace version {} (this ctxcheck reads {})", v, kTraceVersion));
      lp.end();
      header = true;
      continue;
    }
    std::string_view head = toks[0].text;
    if (in_schedule) {
      for (const auto& t : toks) {
        uint32_t v = 0;
        if (!parse_int(t.text, v))
          throw ParseError(lineno, t.col, fmt::format("expected a schedule choice (a number), got \"{}\"", t.text));
        p.schedule.push_back(v);
        if (p.schedule.size() > 10'000'000) throw ParseError(lineno, t.col, "schedule too long");
      }
      continue;
    }
    if (head == "schedule:") {
      in_schedule = true;
      for (size_t i = 1; i < toks.size(); ++i) {
        uint32_t v = 0;
        if (!parse_int(toks[i].text, v))
          throw ParseError(lineno, toks[i].col,
                           fmt::format("expected a schedule choice (a number), got \"{}\"", toks[i].text));
        p.schedule.push_back(v);
      }
      continue;
    }
    if (current_script < 0 && head.size() > 1 && head.back() == ':' && head != "go") {
      // The header's value follows the head token wherever it starts (leading blanks).
      size_t after = std::min(line.size(), static_cast<size_t>(toks[0].col - 1) + head.size());
      std::string_view rest = trim(line.substr(after));
      if (head == "faults:") {
        p.faults = std::string(rest);
      } else if (head == "unsafe:") {
        if (rest != "on" && rest != "off") { lp.word(""); lp.fail("on or off"); }
        p.unsafe = rest == "on";
      } else if (head == "expect:") {
        if (!rest.empty()) p.expect = Expect::parse(rest);
        if (!rest.empty() && !p.expect) { lp.word(""); lp.fail(std::string(kExpectSyntax)); }
      } else if (head == "hash:") {
        uint64_t h = 0;
        if (!parse_int(rest, h, 16)) { lp.word(""); lp.fail("a hexadecimal trace hash"); }
        p.hash = h;
      } else {
        lp.fail("faults:, unsafe:, expect:, hash: or go 0:");
      }
      continue;
    }
    if (head == "go" && toks.size() == 2 && !toks[1].text.empty() && toks[1].text.back() == ':') {
      int64_t n = 0;
      std::string_view num = toks[1].text.substr(0, toks[1].text.size() - 1);
      if (!parse_int(num, n) || n != current_script + 1)
        throw ParseError(lineno, toks[1].col,
                         fmt::format("expected \"go {}:\" (scripts are numbered in order)", current_script + 1));
      if (n >= 64) throw ParseError(lineno, toks[1].col, "at most 64 scripts");
      current_script = static_cast<int>(n);
      p.scripts.emplace_back();
      continue;
    }
    if (current_script < 0) lp.fail("\"go 0:\" before the first op");
    Op op;
    try {
      op = parse_op(lp);
    } catch (const std::invalid_argument& e) {
      int col = toks[0].col;
      for (const auto& t : toks)
        if (t.text == e.what()) { col = t.col; break; }
      throw ParseError(lineno, col, fmt::format("unknown op \"{}\"", e.what()));
    } catch (const std::domain_error& e) {
      throw ParseError(lineno, toks[0].col, fmt::format("{} creates a handle: write \"hN = {} ...\"", e.what(), e.what()));
    }
    if (op.kind == OpKind::Reparent && !p.unsafe)
      throw ParseError(lineno, toks[0].col, "reparent is an unsafe op: add \"unsafe: on\" to the header");
    p.scripts[static_cast<size_t>(current_script)].ops.push_back(op);
    if (p.op_count() > 10000) throw ParseError(lineno, toks[0].col, "more than 10000 ops");
    last_op_line = lineno;
  }
  if (!header) throw ParseError(1, 1, "expected \"ctxcheck-trace 1\" on the first line");
  if (p.scripts.empty()) throw ParseError(lineno, 1, "expected \"go 0:\" and the main script");
  if (auto err = validate(p)) throw ParseError(last_op_line ? last_op_line : lineno, 1, *err);
  return p;
}

std::string print_op(const Op& op) {
  std::string s;
  if (op.result) s = fmt::format("h{} = ", op.result);
  s += op_name(op.kind);
  auto h = [](uint32_t x) { return fmt::format(" h{}", x); };
  auto key = [](ValueKey k) { return fmt::format(" key{}:{}", static_cast<char>('A' + k.type), k.value); };
  switch (op.kind) {
    case OpKind::Background: case OpKind::Todo: case OpKind::Yield: case OpKind::Gc:
      break;
    case OpKind::WithCancel: case OpKind::WithCancelCause: case OpKind::WithoutCancel:
    case OpKind::Wait: case OpKind::Drop: case OpKind::SetFinalizer: case OpKind::Stop:
      s += h(op.a);
      break;
    case OpKind::WithTimeout: s += h(op.a) + " " + format_duration(op.n); break;
    case OpKind::WithTimeoutCause: s += h(op.a) + " " + format_duration(op.n) + fmt::format(" cause{}", op.cause); break;
    case OpKind::WithDeadline: s += h(op.a) + " @" + format_duration(op.n); break;
    case OpKind::WithDeadlineCause: s += h(op.a) + " @" + format_duration(op.n) + fmt::format(" cause{}", op.cause); break;
    case OpKind::WithValue: s += h(op.a) + key(op.key) + fmt::format(" {}", op.n); break;
    case OpKind::Custom: s += fmt::format(" {}", kCustomNames[op.sub]) + h(op.a); break;
    case OpKind::AfterFunc:
      s += h(op.a) + fmt::format(" {}", kActionNames[op.sub]);
      if (op.sub == static_cast<uint8_t>(Action::Cancel)) s += h(op.b);
      break;
    case OpKind::Cancel:
      s += h(op.a);
      if (op.cause) s += fmt::format(" cause{}", op.cause);
      break;
    case OpKind::DeferCancel:
      s += " cancel" + h(op.a);
      if (op.cause) s += fmt::format(" cause{}", op.cause);
      break;
    case OpKind::Go: s += fmt::format(" {}", op.n); break;
    case OpKind::Select: s += h(op.a) + " " + format_duration(op.n); break;
    case OpKind::Sleep: s += " " + format_duration(op.n); break;
    case OpKind::Observe:
      s += fmt::format(" {}", kObserveNames[op.sub]);
      if (op.sub != static_cast<uint8_t>(Observe::Goroutines)) s += h(op.a);
      if (op.sub == static_cast<uint8_t>(Observe::Value)) s += key(op.key);
      break;
    case OpKind::Store: s += fmt::format(" g{}", op.n) + h(op.a); break;
    case OpKind::Reparent: s += h(op.a) + h(op.b); break;
  }
  return s;
}

std::string print_program(const Program& p) {
  std::string out = fmt::format("ctxcheck-trace {}\n", kTraceVersion);
  for (const auto& n : p.notes) out += n.empty() ? "#\n" : fmt::format("# {}\n", n);
  if (!p.faults.empty()) out += fmt::format("faults: {}\n", p.faults);
  if (p.unsafe) out += "unsafe: on\n";
  if (p.expect) out += fmt::format("expect: {}\n", p.expect->to_string());
  if (p.hash) out += fmt::format("hash: {:016x}\n", *p.hash);
  for (size_t s = 0; s < p.scripts.size(); ++s) {
    out += fmt::format("go {}:\n", s);
    for (const Op& op : p.scripts[s].ops) out += "  " + print_op(op) + "\n";
  }
  if (!p.schedule.empty()) {
    out += "schedule:";
    for (size_t i = 0; i < p.schedule.size(); ++i) {
      if (i > 0 && i % 32 == 0) out += "\n ";
      out += fmt::format(" {}", p.schedule[i]);
    }
    out += "\n";
  }
  return out;
}

}  // namespace ctxcheck::harness
