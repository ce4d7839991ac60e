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
model::FaultSet faults_for_input(std::span<const uint8_t> data) {
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
  if (forced) return *forced;
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

// A fresh op token: an opcode and small random argument bytes, cut to what it consumes.
Bytes fresh_op(std::minstd_rand& rng, bool unsafe) {
  Bytes b{static_cast<uint8_t>(unsafe ? 1 : 0), static_cast<uint8_t>(rng() % harness::kNumOpKinds)};
  for (int i = 0; i < 12; ++i) b.push_back(static_cast<uint8_t>(rng() % 8));
  auto toks = tokenize_ops(b);
  return Bytes(b.begin() + static_cast<long>(toks[0].begin), b.begin() + static_cast<long>(toks[0].end));
}

struct Parsed {
  uint8_t flag = 0;
  std::vector<Bytes> ops;  // token bytes
  std::vector<OpToken> toks;
  Bytes schedule;
};

Parsed parse(std::span<const uint8_t> data) {
  harness::FuzzInput in = harness::split_fuzz_input(data);
  // Canonical program bytes first, so the tokens are the decoded ops and nothing else.
  Bytes prog = harness::encode_program(in.program);
  Parsed p;
  p.flag = prog[0];
  p.toks = tokenize_ops(prog);
  for (const auto& t : p.toks)
    p.ops.emplace_back(prog.begin() + static_cast<long>(t.begin), prog.begin() + static_cast<long>(t.end));
  p.schedule = std::move(in.schedule);
  return p;
}

size_t emit(const Parsed& p, uint8_t* data, size_t max_size) {
  Bytes prog{p.flag};
  for (const auto& op : p.ops) prog.insert(prog.end(), op.begin(), op.end());
  Program decoded = harness::decode_program(prog);
  Bytes sched = p.schedule;
  Bytes out = harness::join_fuzz_input(decoded, sched);
  if (out.size() > max_size) {
    size_t over = out.size() - max_size;
    if (over > sched.size()) return 0;
    out.resize(max_size);
  }
  std::memcpy(data, out.data(), out.size());
  return out.size();
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

}  // namespace

size_t mutate_structurally(uint8_t* data, size_t size, size_t max_size, unsigned seed) {
  std::minstd_rand rng(seed | 1u);
  Parsed p;
  try {
    p = parse({data, size});
  } catch (const std::exception&) {
    return 0;
  }
  auto& ops = p.ops;
  int tries = 0;
  Bytes before_sched = p.schedule;
  size_t before_ops = ops.size();
  auto pick = [&](size_t n) { return static_cast<size_t>(rng() % n); };
  // A random op whose token has bytes of the given kind (operands, numbers), if any.
  auto pick_op_with = [&](std::vector<size_t> OpToken::*bytes) -> std::optional<size_t> {
    std::vector<size_t> with;
    for (size_t i = 0; i < p.toks.size() && i < ops.size(); ++i)
      if (!(p.toks[i].*bytes).empty()) with.push_back(i);
    if (with.empty()) return std::nullopt;
    return with[pick(with.size())];
  };
  do {
    switch (rng() % 9) {
      case 0:  // delete an op
        if (!ops.empty()) ops.erase(ops.begin() + static_cast<long>(pick(ops.size())));
        break;
      case 1: {  // insert a fresh op
        size_t at = pick(ops.size() + 1);
        ops.insert(ops.begin() + static_cast<long>(at), fresh_op(rng, p.flag & 1));
        break;
      }
      case 2:  // duplicate an op elsewhere (the same parent / cancel target again)
        if (!ops.empty()) {
          Bytes copy = ops[pick(ops.size())];
          ops.insert(ops.begin() + static_cast<long>(pick(ops.size() + 1)), copy);
        }
        break;
      case 3:  // swap two ops
        if (ops.size() >= 2) {
          size_t a = pick(ops.size()), b = pick(ops.size());  // drawn in this order
          std::swap(ops[a], ops[b]);
        }
        break;
      case 4: case 5: {  // retarget an operand (a different parent / cancel target)
        auto at = pick_op_with(&OpToken::operand_bytes);
        if (!at) break;
        size_t i = *at;
        const OpToken& t = p.toks[i];
        size_t off = t.operand_bytes[pick(t.operand_bytes.size())] - t.begin;
        if (off < ops[i].size()) ops[i][off] = static_cast<uint8_t>(ops[i][off] + 1 + rng() % 7);
        break;
      }
      case 6: {  // change a duration (or a go body's length)
        auto at = pick_op_with(&OpToken::number_bytes);
        if (!at) break;
        size_t i = *at;
        const OpToken& t = p.toks[i];
        size_t off = t.number_bytes[0] - t.begin;
        if (off >= ops[i].size()) break;
        bool is_go = static_cast<OpKind>(ops[i][0] % harness::kNumOpKinds) == OpKind::Go;
        size_t len = varint_len(ops[i], off);
        Bytes v;
        put_varint(v, is_go ? rng() % 6 : interesting_duration(rng));
        Bytes& o = ops[i];
        o.erase(o.begin() + static_cast<long>(off), o.begin() + static_cast<long>(off + len));
        o.insert(o.begin() + static_cast<long>(off), v.begin(), v.end());
        break;
      }
      default:  // the schedule
        mutate_schedule(p.schedule, rng);
        break;
    }
    // Tokens no longer line up with ops after an insert/delete: only the first mutation
    // of a round may use them.
    p.toks.clear();
  } while (rng() % 3 == 0 && ++tries < 4);
  if (ops.size() == before_ops && p.schedule == before_sched && rng() % 2) mutate_schedule(p.schedule, rng);
  try {
    return emit(p, data, max_size);
  } catch (const std::exception&) {
    return 0;
  }
}

size_t cross_over(const uint8_t* d1, size_t s1, const uint8_t* d2, size_t s2, uint8_t* out, size_t max_out,
                  unsigned seed) {
  std::minstd_rand rng(seed | 1u);
  try {
    Parsed a = parse({d1, s1}), b = parse({d2, s2});
    size_t cut_a = a.ops.empty() ? 0 : rng() % (a.ops.size() + 1);
    size_t cut_b = b.ops.empty() ? 0 : rng() % (b.ops.size() + 1);
    Parsed c;
    c.flag = a.flag;
    c.ops.assign(a.ops.begin(), a.ops.begin() + static_cast<long>(cut_a));
    c.ops.insert(c.ops.end(), b.ops.begin() + static_cast<long>(cut_b), b.ops.end());
    c.schedule = rng() % 2 ? a.schedule : b.schedule;
    return emit(c, out, max_out);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace ctxcheck::fuzz
