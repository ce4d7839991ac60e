#include "model/runtime/detail/go_algorithm.h"

#include <cstdio>
#include <cstdlib>

#include <boost/fiber/operations.hpp>

namespace ctxcheck::rt::detail {

namespace {
thread_local GoAlgorithm* t_algorithm = nullptr;
}

GoAlgorithm::GoAlgorithm() { t_algorithm = this; }
GoAlgorithm::~GoAlgorithm() {
  if (t_algorithm == this) t_algorithm = nullptr;
}

GoAlgorithm& GoAlgorithm::on_this_thread() {
  if (t_algorithm == nullptr) boost::fibers::use_scheduling_algorithm<GoAlgorithm>();
  return *t_algorithm;
}

void GoAlgorithm::awakened(boost::fibers::context* ctx) noexcept { ready_.push_back(ctx); }

boost::fibers::context* GoAlgorithm::pick_next() noexcept {
  using boost::fibers::type;
  auto take = [this](auto pred) -> boost::fibers::context* {
    for (size_t i = 0; i < ready_.size(); ++i) {
      if (pred(ready_[i])) {
        boost::fibers::context* c = ready_[i];
        ready_.erase(ready_.begin() + static_cast<std::ptrdiff_t>(i));
        return c;
      }
    }
    return nullptr;
  };
  boost::fibers::context* c = nullptr;
  switch (target_) {
    case Target::Fiber:
      c = take([this](auto* x) { return x->get_id() == designated_; });
      break;
    case Target::Main:
      c = take([](auto* x) { return x->is_context(type::main_context); });
      break;
    case Target::Dispatcher:
      c = take([](auto* x) { return x->is_context(type::dispatcher_context); });
      break;
    case Target::None:
      break;
  }
  target_ = Target::None;
  if (c) return c;
  // Nothing designated (the dispatcher asking after freeing fibers): go back to main,
  // which drives every execution. Fall back to the dispatcher so Boost never sees null
  // from a worker.
  if ((c = take([](auto* x) { return x->is_context(type::main_context); }))) return c;
  return take([](auto* x) { return x->is_context(type::dispatcher_context); });
}

void GoAlgorithm::suspend_until(std::chrono::steady_clock::time_point const&) noexcept {
  // Only reachable if the runtime lost track of a fiber: waiting would hang forever.
  std::fputs("ctxcheck: internal error: Boost scheduler has nothing to run (a fiber was lost)\n",
             stderr);
  std::abort();
}

}  // namespace ctxcheck::rt::detail
