#include "harness/sink/failure_sink.h"

#include <filesystem>
#include <functional>
#include <map>
#include <system_error>

#include <fmt/format.h>

#include "harness/program/text.h"
#include "harness/report/text.h"
#include "harness/shrink/shrink.h"
#include "harness/util/atomic_file.h"

namespace ctxcheck::harness {

std::string case_stem(const Expect& verdict, uint64_t trace_hash) {
  return fmt::format("{}-{:016x}", verdict.id(), trace_hash);
}

Program canonical_program(const Program& p) {
  std::map<uint32_t, uint32_t> handles;
  std::map<int64_t, int64_t> scripts{{0, 0}};
  auto renamed = [&](uint32_t h) {  // 0 is "no handle"
    return h == 0 ? h : handles.emplace(h, static_cast<uint32_t>(handles.size() + 1)).first->second;
  };
  Program out;
  out.scripts.resize(p.scripts.size());
  std::function<void(int64_t)> walk = [&](int64_t s) {
    for (Op op : p.scripts.at(static_cast<size_t>(s)).ops) {
      op.a = renamed(op.a);
      op.b = renamed(op.b);
      op.result = renamed(op.result);
      int64_t child = op.script;
      bool first_start = false;  // a script started twice is walked once
      if (op.kind == OpKind::Go) {
        auto [it, inserted] = scripts.emplace(child, static_cast<int64_t>(scripts.size()));
        op.script = it->second;
        first_start = inserted;
      }
      out.scripts[static_cast<size_t>(scripts.at(s))].ops.push_back(op);
      if (first_start) walk(child);
    }
  };
  walk(0);
  out.scripts.resize(scripts.size());
  return out;
}

std::string case_signature(const Expect& verdict, const Program& p) {
  std::string sig = fmt::format("{}\n{}\n{}", verdict.to_string(), p.faults, print_program(canonical_program(p)));
  for (uint32_t c : p.schedule) sig += fmt::format("{} ", c);
  return sig;
}

FailureCase annotated_case(const Program& program, const ExecResult& r, const std::string& headline) {
  FailureCase c;
  c.verdict = r.expect();
  c.program = annotate(program, r, headline);
  c.result = r;
  c.stem = case_stem(c.verdict, r.trace_hash);
  c.signature = case_signature(c.verdict, c.program);
  c.text = print_program(c.program);
  return c;
}

Program shrunk_program(const ShrinkResult& s, const Expect& target, const std::string& headline) {
  Program out = annotate(s.program, s.result, headline);
  out.expect = target;  // the minimal case may come to another finding first
  while (!out.schedule.empty() && out.schedule.back() == 0) out.schedule.pop_back();
  out.notes.push_back(fmt::format("shrunk from {} ops / {} preemptions to {} ops / {} preemptions in {} executions",
                                  s.stats.ops_before, s.stats.preemptions_before, s.stats.ops_after,
                                  s.stats.preemptions_after, s.stats.attempts));
  return out;
}

FailureCase shrunk_case(const Program& failing, const ExecOptions& opts, const Expect& target,
                        const std::string& headline) {
  ShrinkResult s = shrink(failing, opts, target);
  FailureCase c;
  c.verdict = target;
  c.shrunk = true;
  c.stem = case_stem(target, s.result.trace_hash);
  c.program = shrunk_program(s, target, headline);
  c.signature = case_signature(target, c.program);
  c.text = print_program(c.program);
  c.stats = s.stats;
  c.result = std::move(s.result);
  return c;
}

void write_case(const std::string& path, const FailureCase& c, const std::vector<std::string>& inputs) {
  write_file_atomically(path, c.text, inputs);
}

void FailureSink::create_out_dir() const {
  if (o_.out_dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(o_.out_dir, ec);
  if (ec) throw std::runtime_error(fmt::format("cannot create {}: {}", o_.out_dir, ec.message()));
}

FailureCase FailureSink::prepare(const Program& failing, const ExecResult& r, const std::string& headline) const {
  // The case names the faults and the step limit it ran under, whoever found it: explore's
  // enumerated programs carry none of their own, and a trace without its faults: (or
  // max-steps:) line does not replay.
  Program p = failing;
  record_options(p, o_.exec);
  Expect verdict = r.expect();
  // Findings are shrunk too when they are written: thousands of cases of one finding are
  // then a few minimal ones (and one file each), not thousands of files.
  bool written = !o_.out_dir.empty() && (verdict.is_violation() || o_.write_findings);
  if (o_.shrink && (verdict.is_violation() || (verdict.is_finding() && written)))
    return shrunk_case(p, o_.exec, verdict, headline);
  return annotated_case(p, r, headline);
}

FailureSink::Kept FailureSink::keep(const FailureCase& c) {
  // The same failure: the same signature, or the same stem (the same execution, even with
  // other constants: a key's value the program never compares).
  auto sig = stem_of_signature_.try_emplace(c.signature, c.stem).first;
  auto [it, first] = kept_.try_emplace(sig->second);
  KeptCase& entry = it->second;
  ++entry.count;
  Kept k;
  k.first = first;
  if (first) entry.verdict = c.verdict;
  if (o_.out_dir.empty() || (c.verdict.is_finding() && !o_.write_findings)) return k;
  k.path = (std::filesystem::path(o_.out_dir) / (it->first + ".trace")).string();
  entry.path = k.path;
  if (k.first && !std::filesystem::exists(k.path)) {
    create_out_dir();
    write_case(k.path, c);
    k.written = entry.written = true;
  }
  return k;
}

}  // namespace ctxcheck::harness
