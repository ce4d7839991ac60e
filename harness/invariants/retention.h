// Findings about what the program can still reach, found by GC reachability from the
// program's own roots while it runs:
//   lost-cancel        a cancel func became unreachable (its handle dropped, its goroutine
//                      ended) while never called and while its context is not done: vet's
//                      lostcancel, found at the step it happened;
//   retained-by-parent a context the program can no longer reach that a live parent's
//                      children map still holds (at a `gc` op and at quiescence), per parent
//                      with the number of such contexts and their bytes.
// Also the reachability helpers (paths as FindingPath) the end phase uses.
#pragma once

#include <vector>

#include "harness/invariants/program_checks.h"

namespace ctxcheck::harness {

// BFS over the heap from the program's roots: globals, the frames of program goroutines
// not done (except `ending`, whose frame is about to go), and the cancel funcs a pending
// defer or an AfterFunc's f holds. `through_children`: whether children[] edges count
// (a parent's map holds its children, but the program cannot reach them through it).
class ProgramReach {
 public:
  ProgramReach(const CheckEnv& env, bool through_children, rt::GoId ending = rt::kNoGo);
  ~ProgramReach();  // gives its tables back to the thread's spares
  ProgramReach(const ProgramReach&) = delete;
  ProgramReach& operator=(const ProgramReach&) = delete;
  bool reaches(rt::ObjId o) const { return o < from_.size() && from_[o].root >= 0; }
  FindingPath path_to(rt::ObjId o) const;  // empty when it does not reach o

 private:
  struct From {
    rt::ObjId prev = rt::kNoObj;
    const char* edge = "";
    int32_t root = -1;
  };
  // A root, named (root_name) only when a path is asked for: most searches only answer reaches().
  enum class RootKind : uint8_t { Global, Goroutine, DeferredCancel, AfterFuncCancel };
  struct Root {
    RootKind kind;
    uint32_t index;  // global slot, goroutine id, handle
    rt::ObjId obj;
  };
  void bfs(bool through_children);
  std::string root_name(const Root& r) const;
  // Spare tables of searches that ended on this thread: a search takes one (searches may
  // overlap, and outlive a goroutine switch), so the steady state allocates none.
  struct Tables {
    std::vector<Root> roots;
    std::vector<From> from;
  };
  static std::vector<Tables>& spares();
  static Tables take_spare();

  const CheckEnv& env_;
  Tables tables_ = take_spare();
  std::vector<Root>& roots_ = tables_.roots;
  std::vector<From>& from_ = tables_.from;
};

// A heap object as a path node (contexts by their program name).
PathNode path_node(const CheckEnv& env, rt::ObjId o, const char* edge);
// The shortest path from any heap root (rt::Heap::retention_path), as a FindingPath.
FindingPath heap_path(const CheckEnv& env, rt::ObjId o);

// lost-cancel at the step where cancel funcs may have become unreachable: after a `drop`
// and when goroutine `ending` finished its script. Returns the handles it reported (the
// caller marks them lost_reported).
std::vector<uint32_t> check_lost_cancels(const CheckEnv& env, rt::GoId ending = rt::kNoGo);

// retained-by-parent: at a `gc` op and at quiescence. `reported` (by context id) is the
// caller's record of contexts already reported, so each is reported once.
void check_retained_by_parent(const CheckEnv& env, std::vector<uint8_t>& reported);

}  // namespace ctxcheck::harness
