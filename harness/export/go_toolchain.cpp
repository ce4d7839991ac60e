#include "harness/export/go_toolchain.h"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace fs = std::filesystem;

namespace ctxcheck::harness {

std::string find_go() {
  if (const char* env = std::getenv("CTXCHECK_GO"); env && *env) return fs::exists(env) ? env : "";
  if (fs::exists("/usr/lib/go-1.19/bin/go")) return "/usr/lib/go-1.19/bin/go";
  if (const char* path = std::getenv("PATH")) {
    std::string_view ps(path);
    while (!ps.empty()) {
      size_t c = ps.find(':');
      std::string dir(ps.substr(0, c));
      if (!dir.empty() && fs::exists(fs::path(dir) / "go")) return (fs::path(dir) / "go").string();
      if (c == std::string_view::npos) break;
      ps.remove_prefix(c + 1);
    }
  }
  return "";
}

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string go_env_prefix(const std::string& dir, const std::string& cache_dir) {
  return "cd " + sh_quote(dir) + " && env GOCACHE=" + sh_quote(cache_dir + "/gocache") +
         " GOPATH=" + sh_quote(cache_dir + "/gopath") + " GOFLAGS= GOENV=off GOPROXY=off GO111MODULE=on ";
}

int run_shell(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  if (rc == -1) return -1;
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128 + (WIFSIGNALED(rc) ? WTERMSIG(rc) : 0);
}

}  // namespace ctxcheck::harness
