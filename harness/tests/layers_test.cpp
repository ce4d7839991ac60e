// The include layers: every folder may include only the folders below it, so data flows one
// way (program -> executor -> model -> invariants -> report) and each library links only
// downward. The table is the architecture; a new folder is a row. The test reads every
// `#include "..."` of the source tree and fails naming the file, line and rule broken.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace fs = std::filesystem;

namespace {

struct Layer {
  std::string_view folder;                    // sources under it (tests/ included)
  std::vector<std::string_view> may_include;  // besides itself: include prefixes allowed
};

// Lower layers first. "model/" is the system under test; it never sees the harness.
const std::vector<Layer> kLayers = {
    {"model/runtime", {}},
    {"model/faults", {}},
    {"model/context", {"model/runtime", "model/faults"}},
    {"model/tests", {"model/"}},
    {"harness/catalog", {}},  // the ids a user reads: invariants, findings, verdicts
    {"harness/util", {}},
    // prng.h: the generator's random numbers; choice.h: the choice kinds it counts (swarm).
    {"harness/program", {"harness/catalog", "harness/util", "model/runtime/prng.h", "model/runtime/choice.h"}},
    {"harness/reference", {"harness/program", "harness/catalog", "harness/util"}},  // never model/
    {"harness/invariants", {"harness/reference", "harness/program", "harness/catalog", "harness/util", "model/"}},
    {"harness/executor", {"harness/reference", "harness/invariants", "harness/program", "harness/catalog", "harness/util", "model/"}},
    {"harness/report", {"harness/executor", "harness/invariants", "harness/program", "harness/catalog",
                        "harness/util", "model/"}},
    {"harness/shrink", {"harness/report", "harness/executor", "harness/invariants", "harness/program",
                        "harness/catalog", "harness/util", "model/"}},
    {"harness/sink", {"harness/shrink", "harness/report", "harness/executor", "harness/invariants",
                      "harness/program", "harness/catalog", "harness/util", "model/"}},
    {"harness/campaign", {"harness/catalog", "harness/util"}},
    {"harness/explore", {"harness/sink", "harness/shrink", "harness/report", "harness/executor",
                         "harness/invariants", "harness/program", "harness/catalog", "harness/util", "model/"}},
    {"harness/export", {"harness/report", "harness/executor", "harness/invariants", "harness/program",
                        "harness/catalog", "harness/util", "model/"}},
    {"harness/cli", {"harness/", "model/"}},
    {"harness/tests", {"harness/", "model/"}},
    {"properties", {"harness/reference", "harness/program", "harness/executor", "harness/invariants", "harness/report",
                    "harness/shrink", "harness/sink", "harness/catalog", "harness/util", "model/"}},
    {"fuzzers", {"harness/program", "harness/executor", "harness/invariants", "harness/report",
                 "harness/shrink", "harness/sink", "harness/catalog", "harness/util", "model/"}},
    {"bench", {"harness/", "model/"}},
};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

const Layer* layer_of(std::string_view rel) {
  const Layer* best = nullptr;
  for (const Layer& l : kLayers)
    if (starts_with(rel, l.folder) && rel.size() > l.folder.size() && rel[l.folder.size()] == '/' &&
        (!best || l.folder.size() > best->folder.size()))
      best = &l;
  return best;
}

bool is_project_include(std::string_view inc) {
  for (const Layer& l : kLayers) {
    std::string_view top = l.folder.substr(0, l.folder.find('/'));
    if (starts_with(inc, top) && inc.size() > top.size() && inc[top.size()] == '/') return true;
  }
  return false;
}

// Every broken rule under `root`, as "file:line: includes X (folder may include ...)".
std::vector<std::string> layer_violations(const fs::path& root) {
  static const std::regex include_re(R"(^\s*#\s*include\s*"([^"]+)\")");
  std::vector<std::string> out;
  std::vector<fs::path> files;
  for (const Layer& l : kLayers) {
    if (!fs::is_directory(root / l.folder)) continue;
    for (const auto& e : fs::recursive_directory_iterator(root / l.folder)) {
      std::string ext = e.path().extension().string();
      if (e.is_regular_file() && (ext == ".h" || ext == ".cpp" || ext == ".in")) files.push_back(e.path());
    }
  }
  std::sort(files.begin(), files.end());
  files.erase(std::unique(files.begin(), files.end()), files.end());
  for (const fs::path& f : files) {
    std::string rel = fs::relative(f, root).generic_string();
    const Layer* layer = layer_of(rel);
    if (!layer) continue;
    std::ifstream in(f);
    std::string text;
    for (int line = 1; std::getline(in, text); ++line) {
      std::smatch m;
      if (!std::regex_search(text, m, include_re)) continue;
      std::string inc = m[1].str();
      if (!is_project_include(inc) || starts_with(inc, std::string(layer->folder) + "/")) continue;
      bool ok = false;
      for (std::string_view p : layer->may_include) ok = ok || starts_with(inc, p);
      if (!ok) {
        std::string allowed;
        for (std::string_view p : layer->may_include) allowed += std::string(allowed.empty() ? "" : ", ") + std::string(p);
        out.push_back(rel + ":" + std::to_string(line) + ": includes " + inc + " (" + std::string(layer->folder) +
                      " may include only itself" + (allowed.empty() ? "" : " and " + allowed) + ")");
      }
    }
  }
  return out;
}

TEST(Layers, EveryIncludePointsDown) {
  std::vector<std::string> bad = layer_violations(CTXCHECK_SOURCE_DIR);
  std::string all;
  for (const auto& b : bad) all += "\n  " + b;
  EXPECT_TRUE(bad.empty()) << bad.size() << " include(s) point up the layers:" << all;
}

// The check itself can fail: a model file that includes the harness, a program file that
// includes the fault catalog, and an executor file that includes a report are each caught.
TEST(Layers, AForbiddenIncludeIsReported) {
  fs::path root = fs::temp_directory_path() / "ctxcheck-layers-test";
  fs::remove_all(root);
  auto write = [&](const std::string& rel, const std::string& text) {
    fs::create_directories((root / rel).parent_path());
    std::ofstream(root / rel) << text;
  };
  write("model/context/a.cpp", "#include \"model/runtime/runtime.h\"\n#include \"harness/program/program.h\"\n");
  write("harness/program/b.h", "#include <vector>\n#include \"model/faults/faults.h\"\n");
  write("harness/executor/c.h", "#include \"harness/report/tree.h\"\n");
  write("harness/report/d.h", "#include \"harness/executor/result.h\"\n");
  std::vector<std::string> bad = layer_violations(root);
  fs::remove_all(root);
  ASSERT_EQ(bad.size(), 3u);
  EXPECT_EQ(bad[0], "harness/executor/c.h:1: includes harness/report/tree.h (harness/executor may include only "
                    "itself and harness/reference, harness/invariants, harness/program, harness/catalog, harness/util, "
                    "model/)");
  EXPECT_EQ(bad[1], "harness/program/b.h:2: includes model/faults/faults.h (harness/program may include only "
                    "itself and harness/catalog, harness/util, model/runtime/prng.h, model/runtime/choice.h)");
  EXPECT_EQ(bad[2], "model/context/a.cpp:2: includes harness/program/program.h (model/context may include only "
                    "itself and model/runtime, model/faults)");
}

}  // namespace
