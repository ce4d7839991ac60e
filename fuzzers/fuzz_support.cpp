#include "fuzzers/fuzz_support.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <optional>
#include <random>
#include <string_view>

#include <boost/uuid/detail/sha1.hpp>
#include <fmt/format.h>

#include "harness/program/decode.h"
#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/sink/failure_sink.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::fuzz {

using harness::OpKind;
using harness::Program;

harness::ExecOptions fuzz_exec_options(const model::FaultSet& faults) {
  harness::ExecOptions o;
  o.faults = faults;
  o.limits.keep_events = false;  // only the hash: the crash handler re-runs with events
  return o;
}

bool is_crash(const Program& p, const harness::ExecResult& r) {
  if (r.outcome == rt::Outcome::InternalError) return true;
  if (!r.violation) return false;
  // $CTXCHECK_FUZZ_IGNORE=afterfunc,residue: invariants whose violations are known and
  // tracked elsewhere, so a campaign can look past them (never set by CI).
  static const std::string ignore = [] {
    const char* env = std::getenv("CTXCHECK_FUZZ_IGNORE");
    return env ? "," + std::string(env) + "," : std::string();
  }();
  if (!ignore.empty() && ignore.find("," + std::string(r.expect().id()) + ",") != std::string::npos) return false;
  if (p.unsafe) return r.violation->id == harness::Invariant::Termination;
  return true;
}

// SHA-1 (Boost's, as Boost.Uuid uses it), only to name the trace like libFuzzer names the
// artifact.
std::string sha1_hex(std::span<const uint8_t> data) {
  boost::uuids::detail::sha1 sha;
  sha.process_bytes(data.data(), data.size());
  boost::uuids::detail::sha1::digest_type h;
  sha.get_digest(h);
  return fmt::format("{:08x}{:08x}{:08x}{:08x}{:08x}", h[0], h[1], h[2], h[3], h[4]);
}

namespace {

// Where libFuzzer writes its artifacts, from our own command line.
std::string artifact_prefix() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string prefix;
  size_t pos = 0;
  while (pos < all.size()) {
    size_t end = all.find('\0', pos);
    if (end == std::string::npos) end = all.size();
    std::string_view arg(all.data() + pos, end - pos);
    constexpr std::string_view kPrefix = "-artifact_prefix=", kExact = "-exact_artifact_path=";
    if (arg.starts_with(kPrefix)) prefix = std::string(arg.substr(kPrefix.size()));
    if (arg.starts_with(kExact)) {
      std::string_view path = arg.substr(kExact.size());
      size_t slash = path.rfind('/');
      prefix = slash == std::string_view::npos ? "" : std::string(path.substr(0, slash + 1));
    }
    pos = end + 1;
  }
  return prefix;
}

}  // namespace

void crash_with_trace(std::span<const uint8_t> data, const Program& p, const harness::ExecResult& r,
                      const char* target) {
  // Re-run with the full event list, so the report carries the tree and the path.
  std::string where;
  try {
    harness::ExecOptions o = fuzz_exec_options({});
    if (!p.faults.empty()) o.faults = harness::faults_of(p);
    o.limits.keep_events = true;
    // The schedule bytes are gone by now; the recorded decisions replay the same execution.
    rt::ReplayChoices replay(r.decisions);
    harness::ExecResult full = harness::execute(p, replay, o);
    const harness::ExecResult& use = full.trace_hash == r.trace_hash ? full : r;
    std::string headline = fmt::format("found by {} (libFuzzer); input sha1 {}", target, sha1_hex(data));
    harness::FailureCase c = harness::annotated_case(p, use, headline);
    const char* env = std::getenv("CTXCHECK_FUZZ_TRACE_DIR");
    std::string prefix = env && *env ? std::string(env) + "/" : artifact_prefix();
    where = prefix + "crash-" + sha1_hex(data) + ".trace";
    harness::write_case(where, c);
    std::fprintf(stderr, "\n== ctxcheck %s: %s\n%s== text trace written to %s (ctxcheck replay %s)\n", target,
                 std::string(use.expect().id()).c_str(), harness::text_report(p, use).c_str(), where.c_str(), where.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "\n== ctxcheck %s: %s (could not write the text trace: %s)\n", target,
                 std::string(r.expect().id()).c_str(), e.what());
  }
  std::fflush(stderr);
  std::abort();
}

// ---------------------------------------------------------------------------------------
const std::optional<model::FaultSet>& forced_faults() {
  static const std::optional<model::FaultSet> forced = [] () -> std::optional<model::FaultSet> {
    const char* env = std::getenv("CTXCHECK_FUZZ_FAULT");
    if (!env || !*env) return std::nullopt;
    std::string bad;
    auto s = model::FaultSet::parse(env, &bad);
    if (!s) {
      std::fprintf(stderr, "CTXCHECK_FUZZ_FAULT: unknown fault \"%s\" (see ctxcheck faults)\n", bad.c_str());
      std::exit(2);
    }
    std::fprintf(stderr, "ctxcheck: faults forced by CTXCHECK_FUZZ_FAULT: %s\n", s->to_string().c_str());
    return s;
  }();
  return forced;
}

model::FaultSet faults_for_input(std::span<const uint8_t> data) {
  if (const auto& forced = forced_faults()) return *forced;
  uint32_t mask = 0;
  for (size_t i = 0; i < kFaultMaskBytes && i < data.size(); ++i) mask |= static_cast<uint32_t>(data[i]) << (8 * i);
  return harness::faults_from_mask(mask);
}

namespace {

using Bytes = std::vector<uint8_t>;

void put_varint(Bytes& out, uint64_t v) {
  while (v >= 0x80) out.push_back(static_cast<uint8_t>(v | 0x80)), v >>= 7;
  out.push_back(static_cast<uint8_t>(v));
}

size_t varint_len(std::span<const uint8_t> b, size_t pos) {
  size_t n = 0;
  while (pos + n < b.size() && n < 9) {
    if (!(b[pos + n] & 0x80)) return n + 1;
    ++n;
  }
  return n;
}

// Durations the model cares about: none, a tick, the usual test timeouts, a long one.
uint64_t interesting_duration(std::minstd_rand& rng) {
  static constexpr uint64_t kD[] = {0, 1, 1'000'000, 5'000'000, 10'000'000, 100'000'000, 1'000'000'000, 60'000'000'000};
  if (rng() % 4 == 0) return rng() % 2'000'000'000;
  return kD[rng() % std::size(kD)];
}

// The mutator works on the bytes as they are: an input is split into its program's op
// tokens by the decoder's own grammar (harness::split_op_bytes, which reads the op table)
// and spliced back, never decoded into a Program and re-encoded. Every byte string decodes,
// so whatever the splice gives is a valid input; an op that decodes to nothing (no operand
// to take) stays in, as libFuzzer's own mutations leave them.
//
// One op token: where its bytes are (an input, or the scratch bytes of edited and fresh
// ops), and where its handle operands, its first number (a duration, a deadline, a value, a
// go body's length) and its value key are, relative to its first byte.
struct Token {
  uint8_t source = 0;  // Workspace::sources index
  uint32_t begin = 0, size = 0;
  std::array<uint8_t, 2> operands{};
  uint8_t n_operands = 0;
  int16_t number = -1;  // -1: none
  int16_t key = -1;     // -1: none
};

constexpr uint8_t kScratch = 2;

// Per thread, reused by every call: the steady state allocates nothing but the tokenizer's
// own vectors.
struct Workspace {
  std::array<Bytes, 3> sources;  // program bytes of input a and b (flag byte first), scratch
  std::vector<Token> ops;
  Bytes schedule, schedule_before, copy;
  uint8_t flag = 0;

  std::span<const uint8_t> bytes(const Token& t) const { return {sources[t.source].data() + t.begin, t.size}; }

  // Reads a fuzz_programs input (harness::split_fuzz_input's framing) as source s; its op
  // tokens go to `out`, its schedule is returned.
  std::span<const uint8_t> read(uint8_t s, std::span<const uint8_t> data, std::vector<Token>& out) {
    size_t len = data.size() >= 2 ? data[0] | (static_cast<size_t>(data[1]) << 8) : 0;
    std::span<const uint8_t> rest = data.size() >= 2 ? data.subspan(2) : std::span<const uint8_t>{};
    len = std::min(len, rest.size());
    Bytes& prog = sources[s];
    prog.assign(rest.begin(), rest.begin() + static_cast<long>(len));
    if (prog.empty()) prog.push_back(0);  // no flag byte: decodes as a safe, empty program
    for (const harness::OpBytes& t : harness::split_op_bytes(prog)) out.push_back(token_of(s, t));
    return rest.subspan(len);
  }

  static Token token_of(uint8_t s, const harness::OpBytes& t) {
    Token k;
    k.source = s;
    k.begin = static_cast<uint32_t>(t.begin);
    k.size = static_cast<uint32_t>(t.end - t.begin);
    for (size_t at : t.operand_bytes)
      if (k.n_operands < k.operands.size()) k.operands[k.n_operands++] = static_cast<uint8_t>(at - t.begin);
    if (!t.number_bytes.empty()) k.number = static_cast<int16_t>(t.number_bytes[0] - t.begin);
    if (t.key_byte > 0) k.key = static_cast<int16_t>(t.key_byte - t.begin);
    return k;
  }

  // A copy of `t`'s bytes in scratch with [at, at + cut) replaced by `with`; offsets behind
  // the cut move with it.
  Token rewritten(const Token& t, size_t at, size_t cut, std::span<const uint8_t> with) {
    Bytes& s = sources[kScratch];
    Token k = t;
    k.source = kScratch;
    k.begin = static_cast<uint32_t>(s.size());
    std::span<const uint8_t> b = bytes(t);
    if (t.source == kScratch) {  // s grows below: read from a copy
      copy.assign(b.begin(), b.end());
      b = copy;
    }
    s.insert(s.end(), b.begin(), b.begin() + static_cast<long>(at));
    s.insert(s.end(), with.begin(), with.end());
    s.insert(s.end(), b.begin() + static_cast<long>(at + cut), b.end());
    k.size = static_cast<uint32_t>(s.size() - k.begin);
    auto shift = [&](auto& off) {
      if (static_cast<size_t>(off) > at) off = static_cast<std::remove_reference_t<decltype(off)>>(off + with.size() - cut);
    };
    for (uint8_t i = 0; i < k.n_operands; ++i) shift(k.operands[i]);
    if (k.number >= 0) shift(k.number);
    if (k.key >= 0) shift(k.key);
    return k;
  }

  // A fresh op: an opcode and small random argument bytes, cut to what it consumes.
  Token fresh_op(std::minstd_rand& rng) {
    uint8_t b[14] = {static_cast<uint8_t>(flag & 1), static_cast<uint8_t>(rng() % harness::kNumOpKinds)};
    for (size_t i = 2; i < std::size(b); ++i) b[i] = static_cast<uint8_t>(rng() % 8);
    harness::OpBytes t = harness::split_op_bytes(b).front();
    Bytes& s = sources[kScratch];
    Token k = token_of(kScratch, t);
    k.begin = static_cast<uint32_t>(s.size());
    s.insert(s.end(), b + t.begin, b + t.end);
    return k;
  }

  // Writes [len][flag][tokens][schedule] to out; 0 when it does not fit even without the
  // schedule (the caller falls back to libFuzzer's mutation).
  size_t write(uint8_t* out, size_t max_size) const {
    size_t prog = 1;
    for (const Token& t : ops) prog += t.size;
    if (prog > 0xffff || 2 + prog > max_size) return 0;
    size_t sched = std::min(schedule.size(), max_size - 2 - prog);
    out[0] = static_cast<uint8_t>(prog & 0xff), out[1] = static_cast<uint8_t>(prog >> 8), out[2] = flag;
    uint8_t* at = out + 3;
    for (const Token& t : ops) at = std::copy_n(sources[t.source].data() + t.begin, t.size, at);
    std::copy_n(schedule.data(), sched, at);
    return 2 + prog + sched;
  }

  void reset() {
    ops.clear();
    sources[kScratch].clear();
  }
};

Workspace& workspace() {
  thread_local Workspace w;
  return w;
}

void mutate_schedule(Bytes& s, std::minstd_rand& rng) {
  switch (rng() % 6) {
    case 0: s.push_back(static_cast<uint8_t>(1 + rng() % 4)); break;                     // one more preemption
    case 1: if (!s.empty()) s.erase(s.begin() + static_cast<long>(rng() % s.size())); break;  // one fewer decision
    case 2: if (!s.empty()) s[rng() % s.size()] = static_cast<uint8_t>(rng() % 4); break;
    case 3: if (!s.empty()) s[rng() % s.size()] = 0; break;
    case 4: {  // the position is drawn before the value (C++ leaves argument order open)
      size_t at = s.empty() ? 0 : rng() % (s.size() + 1);
      s.insert(s.begin() + static_cast<long>(at), static_cast<uint8_t>(rng()));
      break;
    }
    default: s.resize(s.empty() ? 0 : rng() % (s.size() + 1)); break;  // truncate: fewer switches
  }
}

// A random op that has an operand (or a number), if any.
template <class Has>
std::optional<size_t> pick_op_with(const std::vector<Token>& ops, std::minstd_rand& rng, Has has) {
  size_t n = 0;
  for (const Token& t : ops) n += has(t) ? 1 : 0;
  if (n == 0) return std::nullopt;
  size_t k = rng() % n;
  for (size_t i = 0; i < ops.size(); ++i)
    if (has(ops[i]) && k-- == 0) return i;
  return std::nullopt;
}

// Retargets an operand: a different parent, cancel target, ... (the index byte is reduced
// modulo the fitting handles, so +1..7 picks another one).
void retarget(Workspace& w, std::minstd_rand& rng) {
  auto at = pick_op_with(w.ops, rng, [](const Token& t) { return t.n_operands > 0; });
  if (!at) return;
  Token& t = w.ops[*at];
  size_t off = t.operands[rng() % t.n_operands];
  uint8_t b = static_cast<uint8_t>(w.bytes(t)[off] + 1 + rng() % 7);
  t = w.rewritten(t, off, 1, {&b, 1});
}

// Changes a duration or deadline (or a go body's length: how many of the next ops are the
// goroutine's).
void renumber(Workspace& w, std::minstd_rand& rng) {
  auto at = pick_op_with(w.ops, rng, [](const Token& t) { return t.number >= 0; });
  if (!at) return;
  Token& t = w.ops[*at];
  std::span<const uint8_t> b = w.bytes(t);
  auto off = static_cast<size_t>(t.number);
  auto kind = static_cast<OpKind>(b[0] % harness::kNumOpKinds);
  Bytes v;
  // A go body's length; a with_value's value (zigzag: small values of either sign, so a
  // rebinding of a key can differ from the outer value); a duration or deadline.
  put_varint(v, kind == OpKind::Go ? rng() % 6 : kind == OpKind::WithValue ? rng() % 16 : interesting_duration(rng));
  t = w.rewritten(t, off, varint_len(b, off), v);
}

// Gives an op the value key another op binds or looks up (the key byte copied as it is): a
// lookup that finds a binding, or a with_value that rebinds a key its chain binds already,
// which random key bytes (32 keys) rarely give.
void rekey(Workspace& w, std::minstd_rand& rng) {
  auto has_key = [](const Token& t) { return t.key >= 0; };
  auto to = pick_op_with(w.ops, rng, has_key), from = pick_op_with(w.ops, rng, has_key);
  if (!to || !from || *to == *from) return;
  uint8_t b = w.bytes(w.ops[*from])[static_cast<size_t>(w.ops[*from].key)];
  Token& t = w.ops[*to];
  t = w.rewritten(t, static_cast<size_t>(t.key), 1, {&b, 1});
}

void mutate_once(Workspace& w, std::minstd_rand& rng) {
  auto& ops = w.ops;
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  switch (rng() % 10) {
    case 0:  // delete an op
      if (!ops.empty()) ops.erase(ops.begin() + static_cast<long>(pick(ops.size())));
      break;
    case 1: {  // insert a fresh op
      size_t at = pick(ops.size() + 1);
      ops.insert(ops.begin() + static_cast<long>(at), w.fresh_op(rng));
      break;
    }
    case 2:  // duplicate an op elsewhere (the same parent / cancel target again)
      if (!ops.empty()) {
        Token copy = ops[pick(ops.size())];
        ops.insert(ops.begin() + static_cast<long>(pick(ops.size() + 1)), copy);
      }
      break;
    case 3:  // swap two ops
      if (ops.size() >= 2) {
        size_t a = pick(ops.size()), b = pick(ops.size());  // drawn in this order
        std::swap(ops[a], ops[b]);
      }
      break;
    case 4: case 5: retarget(w, rng); break;
    case 6: renumber(w, rng); break;
    case 7: rekey(w, rng); break;
    default: mutate_schedule(w.schedule, rng); break;
  }
}

}  // namespace

size_t mutate_structurally(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  std::minstd_rand rng(seed | 1u);
  Workspace& w = workspace();
  w.reset();
  auto sched = w.read(0, {data, size}, w.ops);
  w.flag = w.sources[0][0];
  w.schedule.assign(sched.begin(), sched.end());
  const size_t before_ops = w.ops.size();
  w.schedule_before = w.schedule;
  int tries = 0;
  do mutate_once(w, rng);
  while (rng() % 3 == 0 && ++tries < 4);
  if (w.ops.size() == before_ops && w.schedule == w.schedule_before && rng() % 2) mutate_schedule(w.schedule, rng);
  return w.write(data, max_size);
}

size_t cross_over(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out, size_t max_out,
                  unsigned seed) {
  std::minstd_rand rng(seed | 1u);
  Workspace& w = workspace();
  w.reset();
  thread_local std::vector<Token> b_ops;
  b_ops.clear();
  auto sched_a = w.read(0, {d1, s1}, w.ops);
  auto sched_b = w.read(1, {d2, s2}, b_ops);
  w.flag = w.sources[0][0];
  size_t cut_a = w.ops.empty() ? 0 : rng() % (w.ops.size() + 1);
  size_t cut_b = b_ops.empty() ? 0 : rng() % (b_ops.size() + 1);
  w.ops.resize(cut_a);
  w.ops.insert(w.ops.end(), b_ops.begin() + static_cast<long>(cut_b), b_ops.end());
  auto sched = rng() % 2 ? sched_a : sched_b;
  w.schedule.assign(sched.begin(), sched.end());
  return w.write(out, max_out);
}

}  // namespace ctxcheck::fuzz
