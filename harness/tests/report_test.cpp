#include <gtest/gtest.h>

#include "harness/report/tree.h"

namespace ctxcheck::harness {
namespace {

TEST(AsciiTree, ShowsParentsAndFlagsResidue) {
  std::vector<TreeNode> nodes(3);
  nodes[0] = {0, -1, "backgroundCtx", "", "active", false, {}, false, false, false, ""};
  nodes[1] = {1, 0, "cancelCtx", "h2", "active", false, {2}, false, false, false, ""};
  nodes[2] = {2, 1, "cancelCtx", "h3", "canceled", true, {}, true, false, false, ""};
  std::string s = render_ascii_tree(nodes);
  EXPECT_NE(s.find("ctx0 backgroundCtx"), std::string::npos) << s;
  EXPECT_NE(s.find("`-- h2 cancelCtx"), std::string::npos) << s;  // named by its handle
  EXPECT_NE(s.find("children map: h3(canceled!)"), std::string::npos) << s;
  EXPECT_NE(s.find("<=="), std::string::npos) << s;
}

TEST(AsciiTree, CycleIsDrawnOnceWithoutHanging) {
  std::vector<TreeNode> nodes(2);
  nodes[0] = {0, 1, "cancelCtx", "", "active", false, {}, false, false, false, ""};
  nodes[1] = {1, 0, "cancelCtx", "", "active", false, {}, false, false, false, ""};
  std::string s = render_ascii_tree(nodes);
  EXPECT_NE(s.find("parent cycle: ctx0 -> ctx1 -> ctx0"), std::string::npos) << s;
}

TEST(Dot, HasEdgesBothWays) {
  std::vector<TreeNode> nodes(2);
  nodes[0] = {0, -1, "cancelCtx", "", "active", false, {1}, false, false, false, ""};
  nodes[1] = {1, 0, "cancelCtx", "", "active", false, {}, false, false, false, ""};
  std::string s = render_dot(nodes, "t");
  EXPECT_NE(s.find("c1 -> c0 [label=\"parent\"]"), std::string::npos) << s;
  EXPECT_NE(s.find("c0 -> c1 [style=dashed"), std::string::npos) << s;
}

}  // namespace
}  // namespace ctxcheck::harness
