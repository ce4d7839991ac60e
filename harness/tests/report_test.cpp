#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include <fmt/format.h>

#include "harness/report/tree.h"
#include "harness/util/atomic_file.h"
#include "harness/util/process.h"

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

TEST(Dot, TreeEdgesFromTheChildrenMapParentLinksOnlyWhereTheyDisagree) {
  std::vector<TreeNode> nodes(6);
  nodes[0] = {0, -1, "backgroundCtx", "h1", "active", false, {}, false, false, false, "h1"};
  nodes[1] = {1, 0, "cancelCtx", "h2", "active", false, {2, 3}, false, false, false, "h2"};
  nodes[2] = {2, 1, "valueCtx", "h3", "active", false, {}, false, false, false, "h3"};
  nodes[3] = {3, 2, "cancelCtx", "h4", "active", false, {}, false, false, false, "h4"};  // h2's map, past h3
  nodes[4] = {4, 0, "cancelCtx", "h5", "active", false, {5}, false, false, false, "h5"};
  nodes[5] = {5, 3, "cancelCtx", "h6", "active", false, {}, true, false, false, "h6"};  // reparented to h4
  std::string s = render_dot({{{}, nodes, {}}}, "violation residue: x");
  EXPECT_NE(s.find("rankdir=TB"), std::string::npos) << s;
  EXPECT_NE(s.find("c0 -> c1 [color=\"#909090\"]"), std::string::npos) << s;  // Background keeps no map
  EXPECT_NE(s.find("c1 -> c2 [color=black, penwidth=1.5]"), std::string::npos) << s;  // the map: the tree
  EXPECT_NE(s.find("c1 -> c3 [color=black, penwidth=1.5, constraint=false]"), std::string::npos) << s;
  EXPECT_NE(s.find("c2 -> c3 [color=\"#909090\"]"), std::string::npos) << s;  // the value in between
  EXPECT_NE(s.find("c4 -> c5 [color=\"#d00000\", penwidth=2, label=\"children map\", fontcolor=\"#d00000\"];"), std::string::npos) << s;
  EXPECT_NE(s.find("c3 -> c5 [color=\"#d00000\", style=dashed"), std::string::npos) << s;  // disagrees
  EXPECT_EQ(s.find("c1 -> c0"), std::string::npos) << s;  // nothing points up
  EXPECT_NE(s.find("{ rank=min; c0; }"), std::string::npos) << s;
  EXPECT_NE(s.find("<b>violation residue: x</b>"), std::string::npos) << s;
  EXPECT_NE(s.find("children map (the tree)"), std::string::npos) << s;  // the legend
  EXPECT_NE(s.find("c5 [label=<<b>h6</b><br/>cancelCtx<br/>active>, fillcolor=white, color=\"#d00000\", penwidth=3]"),
            std::string::npos)
      << s;
}

TEST(Dot, RetentionPathFromItsRoot) {
  std::vector<TreeNode> nodes(2);
  nodes[0] = {0, -1, "backgroundCtx", "h1", "active", false, {}, false, false, false, "h1"};
  nodes[1] = {1, 0, "cancelCtx", "h2", "active", false, {}, false, false, false, "h2"};
  EXPECT_EQ(path_contexts("global 2: h2 (cancelCtx)", nodes), std::vector<uint32_t>{1});
  EXPECT_EQ(path_root("global 2: h2 (cancelCtx)"), "global 2");
  EXPECT_EQ(path_root("h2 (cancelCtx) -Context-> h1 (cancelCtx)"), "");
  std::string s = render_dot({{{}, nodes, {"global 2: h2 (cancelCtx)"}}}, "finding lost-cancel");
  EXPECT_NE(s.find("root0 [shape=ellipse"), std::string::npos) << s;
  EXPECT_NE(s.find("root0 -> c1 [color=\"#e08000\""), std::string::npos) << s;
}

// A 40-context tree of every shape (a wide fan, a deep chain, values between cancels)
// laid out by graphviz: every child below its parent, no two boxes overlapping.
TEST(Dot, FortyContextsAreReadable) {
  std::vector<TreeNode> nodes;
  nodes.push_back({0, -1, "backgroundCtx", "h1", "active", false, {}, false, false, false, "h1"});
  for (uint32_t id = 1; id < 40; ++id) {
    uint32_t parent = id < 8 ? 0 : id < 20 ? id - 7 : id - 1;
    bool value = id % 5 == 0;
    std::string h = fmt::format("h{}", id + 1);
    nodes.push_back({id, parent, value ? "valueCtx" : "cancelCtx", h,
                     id % 3 ? "active" : "canceled: context canceled (cause cause3)", id % 3 == 0, {}, false, false,
                     false, h});
  }
  for (TreeNode& n : nodes) {  // each cancel context registers with its nearest cancel ancestor
    if (n.kind != "cancelCtx") continue;
    int64_t up = n.parent;
    while (up > 0 && nodes[static_cast<size_t>(up)].kind != "cancelCtx") up = nodes[static_cast<size_t>(up)].parent;
    if (up > 0 && !n.canceled) nodes[static_cast<size_t>(up)].children.push_back(n.id);
  }
  std::string dir = ::testing::TempDir();
  std::string dot_file = dir + "/forty.dot";
  write_file_atomically(dot_file, render_dot({{{}, nodes, {}}}, "pass"));
  ProcessSpec spec{"dot", {"-Tplain", dot_file}, "", {}, ChildOutput::Capture, ChildOutput::Capture, {}};
  ProcessResult r = run_process(spec);  // graphviz is a dependency (ci/setup): not finding it fails
  ASSERT_EQ(r.status, 0) << r.err;
  struct Box {
    double x0, y0, x1, y1;
  };
  std::map<std::string, Box> box;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream f(line);
    std::string what, name;
    double x, y, w, h;
    if (f >> what >> name >> x >> y >> w >> h && what == "node") box[name] = {x - w / 2, y - h / 2, x + w / 2, y + h / 2};
  }
  ASSERT_EQ(box.size(), 40u) << r.out;
  for (const TreeNode& n : nodes) {
    if (n.parent < 0) continue;
    const Box &child = box[fmt::format("c{}", n.id)], &parent = box[fmt::format("c{}", n.parent)];
    EXPECT_LT(child.y1, parent.y0) << n.name << " is not below its parent";  // plain: y grows upwards
  }
  for (auto a = box.begin(); a != box.end(); ++a)
    for (auto b = std::next(a); b != box.end(); ++b) {
      bool overlap = a->second.x0 < b->second.x1 && b->second.x0 < a->second.x1 && a->second.y0 < b->second.y1 &&
                     b->second.y0 < a->second.y1;
      EXPECT_FALSE(overlap) << a->first << " overlaps " << b->first;
    }
}

}  // namespace
}  // namespace ctxcheck::harness
