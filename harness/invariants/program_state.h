// ProgramState: what the program holds, as the interpreter records it while it runs the
// scripts. The program-level checks (value oracle, shadowed keys, lost cancels, finalizer
// cycles) and the end phase read it; only the interpreter writes it.
#pragma once

#include <cstdint>
#include <functional>
#include <utility>
#include <vector>

#include "harness/program/program.h"
#include "model/context/context.h"
#include "model/runtime/heap.h"

namespace ctxcheck::harness {

inline constexpr uint32_t kFirstProgramGlobal = 2;  // slots 0, 1: Background, TODO

struct Handle {
  const Op* op = nullptr;
  model::Context* ctx = nullptr;
  model::CancelFunc cancel;
  std::function<bool()> stop;
  model::AfterFuncCtx* af = nullptr;
  rt::ObjId obj = rt::kNoObj;         // what the program holds: the context or the stop func
  rt::ObjId cancel_obj = rt::kNoObj;  // the cancel func closure
  bool cancel_called = false, cancel_deferred = false;
  int first_stop = -1;  // -1 never stopped; 1 some stop() returned true; 0 all returned false
  uint32_t parent = 0;  // parent handle (for the value oracle)
  bool kept = false;            // stored in a global or marked `keep`: long-lived on purpose
  bool afterfunc_cancels = false;  // an AfterFunc's f calls its cancel func (f holds it)
  bool lost_reported = false;   // lost-cancel already reported for it
};

struct ProgramState {
  std::vector<Handle> handles;  // by handle number; 0 is unused
  std::vector<std::pair<uint32_t, rt::ObjId>> finalizers;  // (handle, object) of set_finalizer
  uint32_t max_global = 0;        // the highest global slot a `store` used
  uint32_t baseline_objects = 0;  // heap objects before the program ran (the package's own)
  const Program* source = nullptr;  // the program being run
  std::vector<std::pair<int, int>> where;  // by goroutine: the (script, op) it is at
};

}  // namespace ctxcheck::harness
