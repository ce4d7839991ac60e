#include "model/runtime/trace.h"

#include <fmt/format.h>

namespace ctxcheck::rt {

std::string_view event_name(Ev e) {
  switch (e) {
#define CTXCHECK_X(id, name) \
  case Ev::id:               \
    return name;
    CTXCHECK_EVENTS(CTXCHECK_X)
#undef CTXCHECK_X
  }
  return "?";
}

void Trace::keep(const Event& e) { events_.push_back(e); }

std::string Trace::to_string() const {
  std::string out;
  size_t i = 0;
  for (const auto& e : events_) {
    if (e.g == UINT32_MAX)
      fmt::format_to(std::back_inserter(out), "#{} rt {} {} {}\n", i++, event_name(e.kind), e.a, e.b);
    else
      fmt::format_to(std::back_inserter(out), "#{} g{} {} {} {}\n", i++, e.g, event_name(e.kind), e.a, e.b);
  }
  return out;
}

}  // namespace ctxcheck::rt
