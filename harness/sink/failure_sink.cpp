#include "harness/sink/failure_sink.h"

#include <filesystem>
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

FailureCase annotated_case(const Program& program, const ExecResult& r, const std::string& headline) {
  FailureCase c;
  c.verdict = r.expect();
  c.program = annotate(program, r, headline);
  c.result = r;
  c.stem = case_stem(c.verdict, r.trace_hash);
  c.text = print_program(c.program);
  return c;
}

std::string shrunk_trace(const ShrinkResult& s, const std::string& headline) {
  Program out = annotate(s.program, s.result, headline);
  while (!out.schedule.empty() && out.schedule.back() == 0) out.schedule.pop_back();
  out.notes.push_back(fmt::format("shrunk from {} ops / {} preemptions to {} ops / {} preemptions in {} executions",
                                  s.stats.ops_before, s.stats.preemptions_before, s.stats.ops_after,
                                  s.stats.preemptions_after, s.stats.attempts));
  return print_program(out);
}

FailureCase shrunk_case(const Program& failing, const ExecOptions& opts, const Expect& target,
                        const std::string& headline) {
  ShrinkResult s = shrink(failing, opts, target);
  FailureCase c;
  c.verdict = target;
  c.shrunk = true;
  c.stem = case_stem(target, s.result.trace_hash);
  c.text = shrunk_trace(s, headline);
  c.stats = s.stats;
  c.program = std::move(s.program);
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
  // The case names the faults it ran under, whoever found it: explore's enumerated programs
  // carry none of their own, and a trace without its faults: line does not replay.
  Program p = failing;
  p.faults = o_.exec.faults.to_string();
  Expect verdict = r.expect();
  if (o_.shrink && verdict.is_violation()) return shrunk_case(p, o_.exec, verdict, headline);
  return annotated_case(p, r, headline);
}

FailureSink::Kept FailureSink::keep(const FailureCase& c) {
  Kept k;
  k.first = seen_.insert(c.stem).second;
  if (o_.out_dir.empty() || (c.verdict.is_finding() && !o_.write_findings)) return k;
  k.path = (std::filesystem::path(o_.out_dir) / (c.stem + ".trace")).string();
  if (k.first && !std::filesystem::exists(k.path)) {
    create_out_dir();
    write_case(k.path, c);
    k.written = true;
  }
  return k;
}

}  // namespace ctxcheck::harness
