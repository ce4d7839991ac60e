#include "harness/campaign/campaign.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <fmt/format.h>

namespace ctxcheck::harness {

std::string CampaignSummary::to_string() const {
  std::string s = fmt::format("{} executions in {:.1f} s ({:.0f} exec/s): {} violations, {} findings",
                              cases, seconds, seconds > 0 ? static_cast<double>(cases) / seconds : 0.0,
                              violations, findings);
  for (const auto& [id, n] : by_id) s += fmt::format("\n  {:<16} {}", id, n);
  if (written > 0) s += fmt::format("\n  {} case file(s) written", written);
  return s;
}

namespace {
using Clock = std::chrono::steady_clock;

// The summary, as cases are committed in index order, with the clock and the progress line.
class Tally {
 public:
  explicit Tally(const CampaignOptions& o) : o_(o), tty_(::isatty(2) != 0) {}

  // Case by case, in index order; true when the campaign stops after this case.
  bool add(EvaluatedCase& c) {
    ++sum.cases;
    if (c.tally) c.tally();
    if (c.verdict.passes()) return false;
    CaseOutcome out = c.commit();
    bool violation = c.verdict.is_violation();
    (violation ? sum.violations : sum.findings)++;
    sum.by_id[fmt::format("{}{}", violation ? "" : "finding:", c.verdict.id())]++;
    if (out.written) ++sum.written;
    if (violation && sum.first_violation_file.empty()) sum.first_violation_file = out.file;
    return violation && o_.stop_on_violation;
  }
  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }
  bool out_of_time() const { return o_.max_seconds > 0 && elapsed() >= o_.max_seconds; }
  bool beyond_count(uint64_t index) const { return o_.max_cases != 0 && index >= o_.max_cases; }
  // At most one progress line a second.
  void progress() {
    auto now = Clock::now();
    if (!o_.progress || now - last_progress_ < std::chrono::seconds(1)) return;
    last_progress_ = now;
    double s = elapsed();
    fmt::print(stderr, "{}#{} {:.0f} exec/s, {} violations, {} findings, {:.0f}s   ", tty_ ? "\r" : "", sum.cases,
               s > 0 ? static_cast<double>(sum.cases) / s : 0.0, sum.violations, sum.findings, s);
    if (!tty_) fmt::print(stderr, "\n");
  }
  CampaignSummary finish() {
    sum.seconds = elapsed();
    if (o_.progress && tty_) fmt::print(stderr, "\n");
    return std::move(sum);
  }

  CampaignSummary sum;

 private:
  const CampaignOptions& o_;
  bool tty_;
  Clock::time_point start_ = Clock::now(), last_progress_ = start_;
};

CampaignSummary run_on_this_thread(const CampaignOptions& opts,
                                   const std::function<EvaluatedCase(uint64_t)>& evaluate) {
  Tally t(opts);
  for (uint64_t i = 0; !t.beyond_count(i); ++i) {
    if (i % kChunk == 0) {
      if (t.out_of_time()) break;
      t.progress();
    }
    EvaluatedCase c = evaluate(i);
    if (t.add(c)) break;
  }
  return t.finish();
}

// What a worker made of one chunk: the cases with something to commit or tally (the failing
// ones, and those with a tally) in index order, and where it stopped (the chunk's end, the
// count, or just after a violation that stops the campaign).
struct ChunkResult {
  uint64_t begin = 0, end = 0;
  std::vector<std::pair<uint64_t, EvaluatedCase>> kept;
};

// N workers claim chunks in index order; the calling thread commits them in index order.
class Workers {
 public:
  Workers(const CampaignOptions& o, const std::function<EvaluatedCase(uint64_t)>& evaluate, Tally& t)
      : o_(o), evaluate_(evaluate), tally_(t), window_(4 * static_cast<uint64_t>(o.jobs)) {
    for (unsigned j = 0; j < o.jobs; ++j) threads_.emplace_back([this] { work(); });
  }
  ~Workers() {  // also when a commit throws: the workers stop at their next chunk
    close();
    for (auto& th : threads_) th.join();
  }
  Workers(const Workers&) = delete;
  Workers& operator=(const Workers&) = delete;

  // Commits every claimed chunk in order until the campaign ends; rethrows a worker's error.
  void commit_all() {
    for (uint64_t c = 0;; ++c) {
      std::unique_lock lk(m_);
      while (!done_.contains(c) && !error_ && !(closed_ && c >= next_chunk_)) {
        ready_.wait_for(lk, std::chrono::milliseconds(250));
        lk.unlock();
        tally_.progress();
        lk.lock();
      }
      if (error_) std::rethrow_exception(error_);
      if (!done_.contains(c)) return;  // closed, and every claimed chunk committed
      ChunkResult r = std::move(done_.at(c));
      done_.erase(c);
      lk.unlock();
      bool stop = commit(r);
      lk.lock();
      committed_ = c + 1;
      room_.notify_all();
      if (stop) return;
    }
  }

 private:
  void close() {
    std::lock_guard lk(m_);
    closed_ = true;
    room_.notify_all();
    ready_.notify_all();
  }
  bool commit(ChunkResult& r) {
    uint64_t i = r.begin;
    for (auto& [index, c] : r.kept) {
      tally_.sum.cases += index - i;
      i = index + 1;
      if (tally_.add(c)) return true;
    }
    tally_.sum.cases += r.end - i;
    return false;
  }
  // The next chunk to evaluate, or nothing: the campaign is over (count, time, a violation).
  std::optional<uint64_t> claim() {
    std::unique_lock lk(m_);
    room_.wait(lk, [&] { return closed_ || next_chunk_ < committed_ + window_; });
    uint64_t begin = next_chunk_ * kChunk;
    if (!closed_ && (tally_.beyond_count(begin) || begin > stop_index_.load() || tally_.out_of_time())) {
      closed_ = true;
      ready_.notify_all();
    }
    if (closed_) return std::nullopt;
    return next_chunk_++;
  }
  ChunkResult evaluate_chunk(uint64_t chunk) {
    ChunkResult r{.begin = chunk * kChunk, .end = (chunk + 1) * kChunk, .kept = {}};
    for (uint64_t i = r.begin; i < r.end; ++i) {
      if (tally_.beyond_count(i) || i > stop_index_.load()) {
        r.end = i;
        break;
      }
      EvaluatedCase c = evaluate_(i);
      if (c.verdict.passes() && !c.tally) continue;
      bool stops = c.verdict.is_violation() && o_.stop_on_violation;
      r.kept.emplace_back(i, std::move(c));
      if (!stops) continue;
      for (uint64_t s = stop_index_.load(); i < s && !stop_index_.compare_exchange_weak(s, i);) {}
      r.end = i + 1;
      break;
    }
    return r;
  }
  void work() {
    try {
      while (std::optional<uint64_t> c = claim()) {
        ChunkResult r = evaluate_chunk(*c);
        std::lock_guard lk(m_);
        done_.emplace(*c, std::move(r));
        ready_.notify_all();
      }
    } catch (...) {
      std::lock_guard lk(m_);
      if (!error_) error_ = std::current_exception();
      closed_ = true;
      ready_.notify_all();
      room_.notify_all();
    }
  }

  const CampaignOptions& o_;
  const std::function<EvaluatedCase(uint64_t)>& evaluate_;
  Tally& tally_;  // the workers read only its clock and count
  const uint64_t window_;  // chunks evaluated ahead of the last one committed, at most
  std::mutex m_;
  std::condition_variable ready_, room_;
  uint64_t next_chunk_ = 0, committed_ = 0;
  bool closed_ = false;
  std::map<uint64_t, ChunkResult> done_;
  std::exception_ptr error_;
  std::atomic<uint64_t> stop_index_{UINT64_MAX};  // the smallest index of a violation that stops the campaign
  std::vector<std::thread> threads_;
};

}  // namespace

CampaignSummary run_campaign(const CampaignOptions& opts,
                             const std::function<EvaluatedCase(uint64_t index)>& evaluate) {
  if (opts.jobs <= 1) return run_on_this_thread(opts, evaluate);
  Tally t(opts);
  {
    Workers w(opts, evaluate, t);
    w.commit_all();
  }
  return t.finish();
}

}  // namespace ctxcheck::harness
