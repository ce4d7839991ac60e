// Runs a context scenario under many schedules: 100 PRNG seeds plus byte strings (the
// first of which is empty: no preemption at all). The body asserts with EXPECT_*; every
// execution must also end Ok (no panic, no deadlock, no step-limit).
#pragma once

#include <gtest/gtest.h>

#include <functional>

#include "model/context/context.h"

namespace ctxcheck::model::testing {

inline constexpr Nanos kMs = 1'000'000;
inline constexpr Nanos kVeryLong = 3600'000 * kMs;

struct ScheduleStats {
  int runs = 0;
  std::vector<uint64_t> hashes;
};

inline ScheduleStats under_schedules(const std::function<void(Package&)>& body,
                                     FaultSet faults = {}, int seeds = 100,
                                     rt::Outcome want = rt::Outcome::Ok) {
  ScheduleStats st;
  auto one = [&](rt::ChoiceSource& src, const std::string& label) {
    rt::Runtime runtime(src);
    std::optional<Package> pkg;  // outlives every goroutine: destroyed after run()
    rt::RunResult r = runtime.run([&] {
      pkg.emplace(faults);
      body(*pkg);
      rt::Runtime::current().settle();
    });
    pkg.reset();
    EXPECT_EQ(r.outcome, want) << label << ": " << r.message;
    st.hashes.push_back(r.trace_hash);
    ++st.runs;
  };
  for (int s = 0; s < seeds; ++s) {
    rt::PrngChoices src(static_cast<uint64_t>(s));
    one(src, "seed " + std::to_string(s));
    if (::testing::Test::HasFailure()) return st;  // one failing schedule is enough
  }
  for (int b = 0; b < 8; ++b) {
    std::vector<uint8_t> bytes(static_cast<size_t>(b) * 8, static_cast<uint8_t>(b * 37 + 1));
    rt::ByteChoices src(bytes);
    one(src, "bytes " + std::to_string(b));
    if (::testing::Test::HasFailure()) return st;
  }
  return st;
}

inline size_t children_of(Context* c) { return static_cast<CancelCtx*>(c)->children().size(); }
inline bool has_child(Context* p, Context* c) {
  for (const auto& e : static_cast<CancelCtx*>(p)->children())
    if (e.child == c && e.key_type == c->kind()) return true;
  return false;
}
inline bool is_done(Context* c) {
  rt::Chan* d = c->Done();
  return d != nullptr && d->poll();
}
// <-ctx.Done() with a (virtual) timeout; true if Done closed first.
inline bool wait_done(Context* c, Nanos timeout = kVeryLong) {
  rt::Chan* cases[] = {c->Done()};
  return rt::select(cases, timeout) == 0;
}
inline uint32_t watchers_created() {
  uint32_t n = 0;
  for (const auto& g : rt::Runtime::current().goroutines()) n += g.kind == rt::GoKind::Watcher;
  return n;
}

}  // namespace ctxcheck::model::testing
