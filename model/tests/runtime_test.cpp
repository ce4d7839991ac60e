#include <gtest/gtest.h>
#include "model/runtime/runtime.h"
#include "model/runtime/sync.h"
using namespace ctxcheck::rt;
TEST(Smoke, PingPong) {
  PrngChoices src(1);
  Runtime rt(src);
  int x = 0;
  auto r = rt.run([&] {
    Mutex m; Chan c;
    Runtime::current().go(GoKind::Program, "w", [&] { m.lock(); ++x; m.unlock(); c.close(); });
    c.recv();
    m.lock(); ++x; m.unlock();
  });
  EXPECT_EQ(r.outcome, Outcome::Ok) << r.message;
  EXPECT_EQ(x, 2);
}
