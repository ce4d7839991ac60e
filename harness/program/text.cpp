#include "harness/program/text.h"

#include <array>
#include <charconv>
#include <tuple>
#include <vector>

#include <fmt/format.h>

#include "harness/util/user_input.h"

namespace ctxcheck::harness {

namespace {

struct Token {
  std::string_view text;
  int col;  // 1-based
};

// Blanks separate tokens; a carriage return is one too, so CRLF text reads as LF text.
bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::vector<Token> tokenize(std::string_view line) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_blank(line[i])) ++i;
    if (i >= line.size() || line[i] == '#') break;
    size_t j = i;
    while (j < line.size() && !is_blank(line[j])) ++j;
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

// What the text accepts for a duration and a handle, as error messages state it.
std::string duration_syntax() {
  return fmt::format("a whole number of ns, us, ms or s, up to {}s, i.e. {} hours",
                     limits::kMaxTextDuration / 1'000'000'000, limits::kMaxTextDuration / 3'600'000'000'000);
}
std::string handle_syntax() { return fmt::format("a handle like h2 (h1 to h{})", limits::kMaxHandle); }

class LineParser {
 public:
  LineParser(int line, std::vector<Token> toks, int eol_col)
      : line_(line), toks_(std::move(toks)), eol_col_(eol_col) {}
  bool done() const { return pos_ >= toks_.size(); }
  int line() const { return line_; }
  // The column of the next token (of the end of the line when there is none).
  int next_col() const { return done() ? eol_col_ : toks_[pos_].col; }
  [[noreturn]] void fail(const std::string& expected) const {
    if (done()) throw ParseError(line_, eol_col_, fmt::format("expected {}, got end of line", expected));
    throw ParseError(line_, toks_[pos_].col,
                     fmt::format("expected {}, got {}", expected, quoted_excerpt(toks_[pos_].text)));
  }
  // An error about the token just read.
  [[noreturn]] void fail_previous(const std::string& message) const {
    throw ParseError(line_, toks_[pos_ - 1].col, message);
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
    if (done()) fail(handle_syntax());
    std::string_view t = toks_[pos_].text;
    uint32_t v = 0;
    if (t.size() < 2 || t[0] != 'h' || !parse_int(t.substr(1), v) || v == 0 || v > limits::kMaxHandle)
      fail(handle_syntax());
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
    auto what = [absolute] {
      return fmt::format("{} ({})", absolute ? "a deadline like @5ms" : "a duration like 5ms", duration_syntax());
    };
    if (done()) fail(what());
    std::string_view t = toks_[pos_].text;
    if (absolute) {
      if (t.empty() || t[0] != '@') fail(what());
      t.remove_prefix(1);
    }
    static constexpr std::pair<std::string_view, int64_t> units[] = {
        {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
    for (auto [u, mul] : units) {
      if (t.size() > u.size() && t.substr(t.size() - u.size()) == u) {
        int64_t v = 0;
        std::string_view digits = t.substr(0, t.size() - u.size());
        if (!digits.empty() && digits[0] != '-' && parse_int(digits, v) && v <= limits::kMaxTextDuration / mul) {
          ++pos_;
          return v * mul;
        }
        break;
      }
    }
    fail(what());
  }
  int32_t cause() {
    if (done()) fail("a cause like cause3");
    std::string_view t = toks_[pos_].text;
    int32_t v = 0;
    if (t.size() < 6 || t.substr(0, 5) != "cause" || !parse_int(t.substr(5), v) || v < limits::kFirstCause || v > limits::kMaxCause)
      fail("a cause like cause3 (numbers start at 3)");
    ++pos_;
    return v;
  }
  ValueKey key() {
    static constexpr const char* kSyntax =
        "a key like keyA:3, int:3 or string:\"user\" (a string of 1 to 12 a-z, 0-9, _)";
    if (done()) fail(kSyntax);
    std::string_view t = toks_[pos_].text;
    int32_t v = 0;
    ValueKey k;
    if (t.size() >= 6 && t.substr(0, 3) == "key" && t[3] >= 'A' && t[3] < 'A' + limits::kKeyTypes && t[4] == ':' &&
        parse_int(t.substr(5), v)) {
      k = {static_cast<uint8_t>(t[3] - 'A'), v};
    } else if (t.size() > 4 && t.substr(0, 4) == "int:" && parse_int(t.substr(4), v)) {
      k = {kIntKeyType, v};
    } else if (std::optional<int64_t> w = string_literal(t)) {
      k = {kStringKeyType, *w};
    } else {
      fail(kSyntax);
    }
    ++pos_;
    return k;
  }
  // with_value's value: an integer, or string:"bob".
  std::pair<ValueType, int64_t> value() {
    static constexpr const char* kSyntax = "a value: an integer or string:\"bob\" (1 to 12 a-z, 0-9, _)";
    if (done()) fail(kSyntax);
    std::string_view t = toks_[pos_].text;
    int64_t v = 0;
    if (parse_int(t, v)) {
      ++pos_;
      return {ValueType::Int, v};
    }
    if (std::optional<int64_t> w = string_literal(t)) {
      ++pos_;
      return {ValueType::String, *w};
    }
    fail(kSyntax);
  }
  // string:"word" -> the word's code (encode_word).
  static std::optional<int64_t> string_literal(std::string_view t) {
    if (t.size() < 9 || t.substr(0, 8) != "string:\"" || t.back() != '"') return std::nullopt;
    return encode_word(t.substr(8, t.size() - 9));
  }
  template <class Kind, size_t N>
  Kind choice(const SubKindSpec (&kinds)[N], const char* expected) {
    if (done()) fail(expected);
    for (size_t i = 0; i < N; ++i)
      if (toks_[pos_].text == kinds[i].name) {
        ++pos_;
        return static_cast<Kind>(i);
      }
    fail(expected);
  }
  // "g0": a global slot. A bad one is reported at the token after it (as always).
  int64_t slot() {
    std::string_view g = word("a global like g0");
    int64_t v = 0;
    if (g.size() < 2 || g[0] != 'g' || !parse_int(g.substr(1), v) || v < 0 || v > limits::kMaxGlobal)
      fail("a global like g0");
    return v;
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

// One argument of an op, read as its row describes it.
void parse_arg(LineParser& lp, const ArgSpec& arg, Op& op) {
  switch (arg.field) {
    case Field::None: break;
    case Field::A: op.a = lp.handle(); break;
    case Field::B: op.b = lp.handle(); break;
    case Field::Duration: op.duration = lp.duration(false); break;
    case Field::Deadline: op.deadline = lp.duration(true); break;
    case Field::Cause: op.cause = lp.cause(); break;
    case Field::OptCause:
      if (!lp.done()) op.cause = lp.cause();
      break;
    case Field::Key: op.key = lp.key(); break;
    case Field::Value: std::tie(op.value_type, op.value) = lp.value(); break;
    case Field::Script: op.script = lp.number("a script number"); break;
    case Field::Slot: op.slot = lp.slot(); break;
    case Field::Observe:
      op.observe = lp.choice<Observe>(kObserveKinds, "err, cause, deadline, done, children, value, goroutines or string");
      break;
    case Field::Custom:
      op.custom = lp.choice<CustomKind>(kCustomKinds, "wrapper, own_done, afterfuncer or broken_err");
      break;
    case Field::Action: op.action = lp.choice<Action>(kActionKinds, "an action: nop or cancel hN"); break;
    case Field::CancelWord: lp.keyword("cancel"); break;
  }
}

// Where an op is in the text: an error the validator finds after the whole program is
// read points at the op's line, at the argument or result it is about.
struct OpPlace {
  int line = 0, col = 1, result_col = 0;
  std::array<int, static_cast<size_t>(Field::CancelWord) + 1> arg_col{};

  int col_of(const ProgramError& e) const {
    int c = e.result ? result_col : e.field != Field::None ? arg_col[static_cast<size_t>(e.field)] : col;
    return c > 0 ? c : col;
  }
};

Op parse_op(LineParser& lp, OpPlace& place) {
  Op op;
  place.line = lp.line();
  place.col = lp.next_col();
  std::string_view first = lp.word("an op");
  if (first.size() > 1 && first[0] == 'h' && first[1] >= '0' && first[1] <= '9') {
    // "hN = creator ..."
    lp.unread();
    place.result_col = lp.next_col();
    op.result = lp.handle();
    lp.keyword("=");
    first = lp.word("an op that creates a handle");
  }
  auto kind = op_by_name(first);
  if (!kind) lp.fail_previous(fmt::format("unknown op {}", quoted_excerpt(first)));
  op.kind = *kind;
  if (op.result != 0 && !creates_handle(op.kind))
    lp.fail_previous(fmt::format("{} returns nothing: write it without \"h{} =\"", first, op.result));
  if (op.result == 0 && creates_handle(op.kind))
    lp.fail_previous(fmt::format("{} creates a handle: write \"hN = {} ...\"", first, first));
  for (const ArgSpec& arg : op_spec(op.kind).args) {
    if (!present(arg, op)) continue;
    place.arg_col[static_cast<size_t>(arg.field)] = lp.next_col();
    parse_arg(lp, arg, op);
  }
  lp.end();
  return op;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::string children_text(std::optional<size_t> children) {
  return children ? std::to_string(*children) : "none";
}

std::string format_duration(int64_t ns) {
  if (ns == 0) return "0s";
  if (ns % 1000000000 == 0) return fmt::format("{}s", ns / 1000000000);
  if (ns % 1000000 == 0) return fmt::format("{}ms", ns / 1000000);
  if (ns % 1000 == 0) return fmt::format("{}us", ns / 1000);
  return fmt::format("{}ns", ns);
}

namespace {

// Reads a trace line by line: the version line, header fields, scripts and their ops, and
// the schedule, in that order; comments between the version line and the first script are
// the header's notes. Every error names the line and column.
class TraceReader {
 public:
  explicit TraceReader(TracePlaces* places) : places_(places) {}
  Program read(std::string_view text);

 private:
  void check_characters(std::string_view raw) const;
  void version_line(LineParser& lp, const std::vector<Token>& toks);
  void schedule_choices(const std::vector<Token>& toks, size_t from);
  void header_field(LineParser& lp, const std::vector<Token>& toks, std::string_view line);
  bool script_line(const std::vector<Token>& toks);
  void op_line(LineParser& lp, const std::vector<Token>& toks);
  void line(std::string_view raw);
  ParseError error_at(const ProgramError& e) const;

  Program p_;
  TracePlaces* places_;
  int lineno_ = 0;
  bool header_ = false, in_schedule_ = false;
  int current_script_ = -1;
  std::vector<std::pair<int, int>> script_places_;  // [script]: the "go N:" line and column
  std::vector<std::vector<OpPlace>> op_places_;     // [script][op]
};

void TraceReader::check_characters(std::string_view raw) const {
  for (size_t i = 0; i < raw.size(); ++i) {
    unsigned char ch = static_cast<unsigned char>(raw[i]);
    if ((ch < 0x20 && ch != '\t' && ch != '\r') || ch == 0x7f)
      throw ParseError(lineno_, static_cast<int>(i + 1), fmt::format("unexpected control character 0x{:02x}", ch));
  }
}

void TraceReader::version_line(LineParser& lp, const std::vector<Token>& toks) {
  lp.keyword("ctxcheck-trace");
  int64_t v = lp.number("a version number");
  if (v != kTraceVersion)
    throw ParseError(lineno_, toks[1].col,
                     fmt::format("unsupported trace version {} (this ctxcheck reads {})", v, kTraceVersion));
  lp.end();
  header_ = true;
}

void TraceReader::schedule_choices(const std::vector<Token>& toks, size_t from) {
  for (size_t i = from; i < toks.size(); ++i) {
    uint32_t v = 0;
    if (!parse_int(toks[i].text, v))
      throw ParseError(lineno_, toks[i].col,
                       fmt::format("expected a schedule choice (a number), got {}", quoted_excerpt(toks[i].text)));
    p_.schedule.push_back(v);
    if (p_.schedule.size() > 10'000'000) throw ParseError(lineno_, toks[i].col, "schedule too long");
  }
}

// Header fields (each optional): faults: a,b (the injected faults), unsafe: on (reparent
// allowed), max-steps: N (the step limit it ran under, when not the default), expect: and
// hash: (what a replay must come to).
void TraceReader::header_field(LineParser& lp, const std::vector<Token>& toks, std::string_view line) {
  std::string_view head = toks[0].text;
  // The header's value follows the head token wherever it starts (leading blanks).
  size_t after = std::min(line.size(), static_cast<size_t>(toks[0].col - 1) + head.size());
  std::string_view rest = trim(line.substr(after));
  if (head == "faults:") {
    p_.faults = std::string(rest);
    if (places_) *places_ = {lineno_, toks.size() > 1 ? toks[1].col : toks[0].col};
  } else if (head == "unsafe:") {
    if (rest != "on" && rest != "off") { lp.word(""); lp.fail("on or off"); }
    p_.unsafe = rest == "on";
  } else if (head == "max-steps:") {
    uint64_t n = 0;
    if (!parse_int(rest, n) || n == 0 || n > limits::kMaxStepLimit) {
      lp.word("");
      lp.fail(fmt::format("a step limit (1..{})", limits::kMaxStepLimit));
    }
    p_.max_steps = n;
  } else if (head == "expect:") {
    if (!rest.empty()) p_.expect = Expect::parse(rest);
    if (!rest.empty() && !p_.expect) { lp.word(""); lp.fail(std::string(kExpectSyntax)); }
  } else if (head == "hash:") {
    uint64_t h = 0;
    if (!parse_int(rest, h, 16)) { lp.word(""); lp.fail("a hexadecimal trace hash"); }
    p_.hash = h;
  } else {
    lp.fail("faults:, unsafe:, max-steps:, expect:, hash: or go 0:");
  }
}

// "go N:" starts script N (numbered in order); false when the line is not one.
bool TraceReader::script_line(const std::vector<Token>& toks) {
  if (toks[0].text != "go" || toks.size() != 2 || toks[1].text.empty() || toks[1].text.back() != ':') return false;
  int64_t n = 0;
  std::string_view num = toks[1].text.substr(0, toks[1].text.size() - 1);
  if (!parse_int(num, n) || n != current_script_ + 1)
    throw ParseError(lineno_, toks[1].col,
                     fmt::format("expected \"go {}:\" (scripts are numbered in order)", current_script_ + 1));
  if (n >= static_cast<int64_t>(limits::kMaxScripts))
    throw ParseError(lineno_, toks[1].col, fmt::format("at most {} scripts", limits::kMaxScripts));
  current_script_ = static_cast<int>(n);
  p_.scripts.emplace_back();
  script_places_.emplace_back(lineno_, toks[0].col);
  op_places_.emplace_back();
  return true;
}

void TraceReader::op_line(LineParser& lp, const std::vector<Token>& toks) {
  if (current_script_ < 0) lp.fail("\"go 0:\" before the first op");
  OpPlace place;
  Op op = parse_op(lp, place);
  if (op_spec(op.kind).unsafe() && !p_.unsafe)
    throw ParseError(lineno_, toks[0].col,
                     fmt::format("{} is an unsafe op: add \"unsafe: on\" to the header", op_name(op.kind)));
  p_.scripts[static_cast<size_t>(current_script_)].ops.push_back(op);
  op_places_[static_cast<size_t>(current_script_)].push_back(place);
  if (p_.op_count() > limits::kMaxOps)
    throw ParseError(lineno_, toks[0].col, fmt::format("more than {} ops", limits::kMaxOps));
}

ParseError TraceReader::error_at(const ProgramError& e) const {
  if (e.op && e.script < op_places_.size() && *e.op < op_places_[e.script].size()) {
    const OpPlace& at = op_places_[e.script][*e.op];
    return ParseError(at.line, at.col_of(e), e.message);
  }
  if (e.script < script_places_.size()) {
    auto [line, col] = script_places_[e.script];
    return ParseError(line, col, e.message);
  }
  return ParseError(lineno_, 1, e.message);
}

void TraceReader::line(std::string_view raw) {
  check_characters(raw);
  std::string_view line = trim(raw);
  if (line.empty()) return;
  if (line[0] == '#') {
    if (header_ && current_script_ < 0 && !in_schedule_) {
      std::string_view note = line.substr(1);
      if (!note.empty() && note[0] == ' ') note.remove_prefix(1);
      p_.notes.emplace_back(note);
    }
    return;
  }
  auto toks = tokenize(raw);
  if (toks.empty()) return;
  size_t end = raw.size();
  while (end > 0 && raw[end - 1] == '\r') --end;  // a CRLF line ends before its CR
  LineParser lp(lineno_, toks, static_cast<int>(end) + 1);
  std::string_view head = toks[0].text;
  if (!header_) return version_line(lp, toks);
  if (in_schedule_) return schedule_choices(toks, 0);
  if (head == "schedule:") {
    in_schedule_ = true;
    return schedule_choices(toks, 1);
  }
  if (current_script_ < 0 && head.size() > 1 && head.back() == ':' && head != "go")
    return header_field(lp, toks, line);
  if (script_line(toks)) return;
  op_line(lp, toks);
}

Program TraceReader::read(std::string_view text) {
  if (text.size() > kMaxTraceBytes)
    throw ParseError(1, 1, fmt::format("trace is larger than {} bytes", kMaxTraceBytes));
  for (size_t pos = 0; pos <= text.size();) {
    size_t nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineno_;
    line(raw);
  }
  if (!header_) throw ParseError(1, 1, "expected \"ctxcheck-trace 1\" on the first line");
  if (p_.scripts.empty()) throw ParseError(lineno_, 1, "expected \"go 0:\" and the main script");
  if (auto err = find_program_error(p_)) throw error_at(*err);
  return std::move(p_);
}

}  // namespace

Program parse_program(std::string_view text, TracePlaces* places) { return TraceReader(places).read(text); }

namespace {

std::string print_arg(const ArgSpec& arg, const Op& op) {
  switch (arg.field) {
    case Field::None: break;
    case Field::A: return fmt::format(" h{}", op.a);
    case Field::B: return fmt::format(" h{}", op.b);
    case Field::Duration: return " " + format_duration(op.duration);
    case Field::Deadline: return " @" + format_duration(op.deadline);
    case Field::Cause: return fmt::format(" cause{}", op.cause);
    case Field::OptCause: return op.cause ? fmt::format(" cause{}", op.cause) : "";
    case Field::Key: return " " + key_text(op.key);
    case Field::Value: return " " + value_text(op.value_type, op.value);
    case Field::Script: return fmt::format(" {}", op.script);
    case Field::Slot: return fmt::format(" g{}", op.slot);
    case Field::Observe: return fmt::format(" {}", name_of(op.observe));
    case Field::Custom: return fmt::format(" {}", name_of(op.custom));
    case Field::Action: return fmt::format(" {}", name_of(op.action));
    case Field::CancelWord: return " cancel";
  }
  return "";
}

}  // namespace

std::string print_op(const Op& op) {
  std::string s;
  if (op.result) s = fmt::format("h{} = ", op.result);
  s += op_name(op.kind);
  for (const ArgSpec& arg : op_spec(op.kind).args)
    if (present(arg, op)) s += print_arg(arg, op);
  return s;
}

std::string print_program(const Program& p) {
  std::string out = fmt::format("ctxcheck-trace {}\n", kTraceVersion);
  for (const auto& n : p.notes) out += n.empty() ? "#\n" : fmt::format("# {}\n", n);
  if (!p.faults.empty()) out += fmt::format("faults: {}\n", p.faults);
  if (p.unsafe) out += "unsafe: on\n";
  if (p.max_steps) out += fmt::format("max-steps: {}\n", *p.max_steps);
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
