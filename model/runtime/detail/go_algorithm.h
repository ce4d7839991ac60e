// The Boost.Fiber scheduling algorithm behind the runtime. It makes no decisions: the
// runtime designates the next fiber (after asking its ChoiceSource) and this algorithm
// hands Boost exactly that fiber. Every goroutine stays "ready" from Boost's point of view;
// a goroutine blocked in the model is simply never designated.
//
// Boost 1.74 facts this relies on (see TOOLCHAIN.md): yield() calls pick_next() before
// re-queueing the yielder; the dispatcher is queued whenever it is not running and is the
// only one that frees terminated fibers; the main context also passes through awakened().
#pragma once

#include <boost/fiber/algo/algorithm.hpp>
#include <boost/fiber/context.hpp>
#include <boost/fiber/fiber.hpp>
#include <vector>

namespace ctxcheck::rt::detail {

class GoAlgorithm final : public boost::fibers::algo::algorithm {
 public:
  enum class Target : uint8_t { None, Fiber, Main, Dispatcher };

  GoAlgorithm();
  ~GoAlgorithm() override;

  void awakened(boost::fibers::context* ctx) noexcept override;
  boost::fibers::context* pick_next() noexcept override;
  bool has_ready_fibers() const noexcept override { return !ready_.empty(); }
  void suspend_until(std::chrono::steady_clock::time_point const&) noexcept override;
  void notify() noexcept override {}

  void designate(boost::fibers::fiber::id id) {
    target_ = Target::Fiber;
    designated_ = id;
  }
  void designate_main() { target_ = Target::Main; }
  void designate_dispatcher() { target_ = Target::Dispatcher; }

  // The algorithm installed on this thread, installing it on first use.
  static GoAlgorithm& on_this_thread();

 private:
  std::vector<boost::fibers::context*> ready_;
  Target target_ = Target::None;
  boost::fibers::fiber::id designated_;
};

}  // namespace ctxcheck::rt::detail
