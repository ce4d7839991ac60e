#include "harness/export/go_export.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <fmt/format.h>

#include "harness/executor/executor.h"
#include "harness/invariants/catalog.h"
#include "harness/program/text.h"

namespace ctxcheck::harness {

namespace {

struct Need {
  int minor;
  const char* api;
};

// The Go API an op needs beyond Go 1.19, if any.
std::optional<Need> need_of(const Op& op) {
  switch (op.kind) {
    case OpKind::WithCancelCause: return Need{20, "context.WithCancelCause"};
    case OpKind::WithTimeoutCause: return Need{21, "context.WithTimeoutCause"};
    case OpKind::WithDeadlineCause: return Need{21, "context.WithDeadlineCause"};
    case OpKind::WithoutCancel: return Need{21, "context.WithoutCancel"};
    case OpKind::AfterFunc: return Need{21, "context.AfterFunc"};
    case OpKind::Stop: return Need{21, "the stop func of context.AfterFunc"};
    case OpKind::Cancel: case OpKind::DeferCancel:
      if (op.cause != 0) return Need{20, "a CancelCauseFunc (context.WithCancelCause)"};
      return std::nullopt;
    case OpKind::Observe:
      if (op.sub == static_cast<uint8_t>(Observe::Cause)) return Need{20, "context.Cause"};
      return std::nullopt;
    case OpKind::Custom:
      if (op.sub == static_cast<uint8_t>(CustomKind::AfterFuncer))
        return Need{21, "a parent Context with an AfterFunc method (propagateCancel uses it since 1.21)"};
      return std::nullopt;
    default: return std::nullopt;
  }
}

std::string where(size_t s, size_t i, const Op& op) {
  return fmt::format("go {}, op {} ({})", s, i + 1, print_op(op));
}

std::string go_dur(int64_t ns) { return fmt::format("time.Duration({})", ns); }

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char ch : s) {
    if (ch == '"' || ch == '\\') out += '\\';
    out += ch;
  }
  return out + "\"";
}

// The Go helpers shared by every exported program.
constexpr const char* kPreamble = R"GO(
import (
	"context"
	"fmt"
	"reflect"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// Value keys: one Go type per key type of the trace, so keyA:1 is keyA(1) and never equals
// keyB(1).
type (
	keyA int
	keyB int
	keyC int
	keyD int
	keyE int
	keyF int
	keyG int
	keyH int
	keyI int
	keyJ int
	keyK int
	keyL int
	keyM int
	keyN int
	keyO int
	keyP int
	keyQ int
	keyR int
	keyS int
	keyT int
	keyU int
	keyV int
	keyW int
	keyX int
	keyY int
	keyZ int
)

// `custom wrapper`: a user-defined Context embedding its parent (it keeps the parent's Done).
type wrapperCtx struct{ context.Context }

// `custom own_done`: a user-defined Context with its own Done channel, which never closes;
// propagateCancel must start a watcher goroutine for a child of it.
type ownDoneCtx struct {
	context.Context
	done chan struct{}
}

func (c *ownDoneCtx) Done() <-chan struct{} { return c.done }
func (c *ownDoneCtx) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// `custom broken_err`: Done from its parent, but Err always nil.
type brokenErrCtx struct{ context.Context }

func (c *brokenErrCtx) Err() error { return nil }

var ctxcheckCompared, ctxcheckRacy, ctxcheckStalled int64 // asserted / racy (logged) / lost timing (logged)

// ctxcheckProg runs one program: its handles, and the model's virtual clock mapped onto
// real time (virtual duration v is v*scale of real time, counted from base).
type ctxcheckProg struct {
	t       *testing.T
	scale   time.Duration
	base    time.Time
	vnow    time.Duration   // the virtual clock
	h       []context.Context
	c       []context.CancelFunc
	vdl     []time.Duration // virtual deadline of each handle (-1: none), computed here
	slack   []time.Duration // how far the real clock was ahead of the virtual one when it was set
	pending []ctxcheckTimer // timerCtx whose timer may still have to fire
	g0      int             // runtime.NumGoroutine() when the program started
	fin     []int32         // 1 once the finalizer set on handle i ran
	stalled bool            // a timer fired in real time before its virtual time (the run lost its timing)
}

// noteStall: a timer still in the virtual future has already expired in real time (a
// stall of this process ran the real clock ahead of the virtual one by more than the gap
// to that deadline). From then on, timing-dependent results may differ from the model's
// for reasons that are not the context package's: mismatches are logged, not failed.
func (p *ctxcheckProg) noteStall() {
	now := time.Now()
	for _, pt := range p.pending {
		if dl, ok := pt.ctx.Deadline(); ok && pt.vdl > p.vnow && !now.Before(dl) {
			p.stalled = true
		}
	}
}

type ctxcheckTimer struct {
	ctx context.Context
	vdl time.Duration
}

func newCtxcheckProg(t *testing.T, scale int64, handles int, quiesce bool) *ctxcheckProg {
	p := &ctxcheckProg{t: t, scale: time.Duration(scale), h: make([]context.Context, handles),
		c: make([]context.CancelFunc, handles), vdl: make([]time.Duration, handles),
		fin: make([]int32, handles), slack: make([]time.Duration, handles)}
	for i := range p.vdl {
		p.vdl[i] = -1
	}
	p.g0 = runtime.NumGoroutine()
	if quiesce {
		// A goroutine that signalled it is done (the previous subtest's) may still be
		// exiting: take the baseline once the count stood still for a few milliseconds.
		for stable, limit := 0, time.Now().Add(time.Second); stable < 5 && time.Now().Before(limit); {
			time.Sleep(time.Millisecond)
			if n := runtime.NumGoroutine(); n == p.g0 {
				stable++
			} else {
				p.g0, stable = n, 0
			}
		}
	}
	p.base = time.Now()
	return p
}

func (p *ctxcheckProg) real(v time.Duration) time.Duration { return v * p.scale }
func (p *ctxcheckProg) at(v time.Duration) time.Time      { return p.base.Add(v * p.scale) }

// derive records handle h's virtual deadline: its parent's, or its own when earlier.
func (p *ctxcheckProg) derive(h, parent int, own time.Duration) {
	d := p.vdl[parent]
	p.slack[h] = p.slack[parent]
	if own >= 0 && (d < 0 || own < d) {
		d = own
		// WithTimeout computed time.Now()+timeout: the real clock may run ahead of the
		// virtual one (a GC pause, a slow op); measured after the call, this bounds it.
		p.slack[h] = time.Since(p.at(p.vnow))
	}
	p.vdl[h] = d
	if reflect.TypeOf(p.h[h]).String() == "*context.timerCtx" {
		p.pending = append(p.pending, ctxcheckTimer{p.h[h], d})
	}
}

// cancelCtxOf returns the context's cancelCtx (for *cancelCtx and *timerCtx).
func cancelCtxOf(c context.Context) (reflect.Value, bool) {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return reflect.Value{}, false
	}
	e := v.Elem()
	switch e.Type().String() {
	case "context.cancelCtx":
		return e, true
	case "context.timerCtx":
		return e.FieldByName("cancelCtx"), true
	}
	return reflect.Value{}, false
}

// lockOf is the cancelCtx's own mutex (unexported: reached through reflect and unsafe).
func lockOf(cc reflect.Value) *sync.Mutex {
	return (*sync.Mutex)(unsafe.Pointer(cc.FieldByName("mu").UnsafeAddr()))
}

// children is len(c.children) of a cancelCtx, read under its lock; 0 for other types.
func children(c context.Context) int {
	cc, ok := cancelCtxOf(c)
	if !ok {
		return 0
	}
	mu := lockOf(cc)
	mu.Lock()
	defer mu.Unlock()
	return cc.FieldByName("children").Len()
}

// timerDone: the timerCtx's timer is stopped or its callback finished (cancel sets
// c.timer = nil last, after removing the context from its parent).
func timerDone(c context.Context) bool {
	e := reflect.ValueOf(c).Elem()
	mu := lockOf(e.FieldByName("cancelCtx"))
	mu.Lock()
	defer mu.Unlock()
	return e.FieldByName("timer").IsNil()
}

func errStr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func doneStr(c context.Context) string {
	d := c.Done()
	if d == nil {
		return "nil"
	}
	select {
	case <-d:
		return "closed"
	default:
		return "open"
	}
}

func valStr(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(v)
}

func vdur(ns int64) string {
	switch {
	case ns == 0:
		return "0s"
	case ns%1000000000 == 0:
		return fmt.Sprintf("%ds", ns/1000000000)
	case ns%1000000 == 0:
		return fmt.Sprintf("%dms", ns/1000000)
	case ns%1000 == 0:
		return fmt.Sprintf("%dus", ns/1000)
	}
	return fmt.Sprintf("%dns", ns)
}

// check asserts one observation; a racy one (the model saw several values under different
// schedules) is only logged.
func (p *ctxcheckProg) check(what, model string, stable bool, got string) {
	p.t.Helper()
	if !stable {
		atomic.AddInt64(&ctxcheckRacy, 1)
		p.t.Logf("%s: Go %s (not compared: racy in the model, which saw %s)", what, got, model)
		return
	}
	p.noteStall()
	if got != model && p.stalled {
		atomic.AddInt64(&ctxcheckStalled, 1)
		p.t.Logf("%s: model %s, Go %s (not compared: the real clock ran ahead of the virtual one)", what, model, got)
		return
	}
	atomic.AddInt64(&ctxcheckCompared, 1)
	if got != model {
		p.t.Errorf("MISMATCH %s: the model observed %s, Go observes %s", what, model, got)
	}
}

// unchecked: an op the model never reached (it stopped at a violation first).
func (p *ctxcheckProg) unchecked(what, got string) {
	p.t.Helper()
	p.t.Logf("%s: Go %s (the model stopped before this op)", what, got)
}

// deadline compares the deadline relation: none, or the virtual deadline the model saw.
// The real deadline is never earlier than the mapped virtual one; WithTimeout adds the
// real time the program ran past its virtual clock when it was called (p.slack).
func (p *ctxcheckProg) deadline(what string, h int, model int64, stable bool) string {
	dl, ok := p.h[h].Deadline()
	if !ok {
		return "none"
	}
	got := dl.Sub(p.base)
	if model >= 0 {
		want := time.Duration(model) * p.scale
		if got >= want && got <= want+p.slack[h]+time.Microsecond {
			return vdur(model)
		}
	}
	return fmt.Sprintf("%s (virtual, real %v from the start)", vdur(int64(got/p.scale)), got)
}

// settle: every timer due on the virtual clock fired and its callback finished, as on
// the model's clock (time moves only when every goroutine is blocked).
func (p *ctxcheckProg) settle() {
	keep := p.pending[:0]
	for _, pt := range p.pending {
		if pt.vdl > p.vnow {
			keep = append(keep, pt)
			continue
		}
		limit := time.Now().Add(10 * time.Second)
		for !timerDone(pt.ctx) {
			if time.Now().After(limit) {
				p.t.Fatalf("a context timer due at virtual %s did not fire within 10s", vdur(int64(pt.vdl)))
			}
			time.Sleep(50 * time.Microsecond)
		}
	}
	for i := len(keep); i < len(p.pending); i++ {
		p.pending[i] = ctxcheckTimer{}
	}
	p.pending = keep
}

func (p *ctxcheckProg) sleep(d time.Duration) {
	p.noteStall()
	p.vnow += d
	time.Sleep(time.Until(p.at(p.vnow)))
	p.settle()
}

// sel is `select { case <-h.Done(): case <-time.After(d): }` on the virtual clock.
func (p *ctxcheckProg) sel(h int, d time.Duration) string {
	p.noteStall()
	done := p.h[h].Done()
	select {
	case <-done:
		return "done"
	default:
	}
	target := p.vnow + d
	timer := time.NewTimer(time.Until(p.at(target)))
	defer timer.Stop()
	select {
	case <-done:
		if v := p.vdl[h]; v > p.vnow && v <= target {
			p.vnow = v // its deadline ended the wait
		}
		p.settle()
		return "done"
	case <-timer.C:
		p.vnow = target
		p.settle()
		return "timeout"
	}
}

func (p *ctxcheckProg) wait(h int) {
	p.noteStall()
	done := p.h[h].Done()
	select {
	case <-done:
		return
	default:
	}
	select {
	case <-done:
		if v := p.vdl[h]; v > p.vnow {
			p.vnow = v
		}
		p.settle()
	case <-time.After(10 * time.Second):
		p.t.Fatalf("wait h%d: Done did not close within 10s", h)
	}
}

// goroutines is runtime.NumGoroutine() relative to the start (the test goroutine counts
// as the program's main). Goroutines exit asynchronously in Go (a watcher returns after
// it canceled), so a count is given up to 2s to settle on the model's.
func (p *ctxcheckProg) goroutines(what, model string, stable bool) {
	p.t.Helper()
	got := strconv.Itoa(runtime.NumGoroutine() - p.g0 + 1)
	for limit := time.Now().Add(2 * time.Second); stable && got != model && time.Now().Before(limit); {
		time.Sleep(time.Millisecond)
		got = strconv.Itoa(runtime.NumGoroutine() - p.g0 + 1)
	}
	p.check(what, model, stable, got)
}

func (p *ctxcheckProg) setFinalizer(h int) {
	flag := &p.fin[h]
	runtime.SetFinalizer(p.h[h], func(any) { atomic.StoreInt32(flag, 1) })
}

// end drops every handle, as the model's end phase does, then checks finalizers: those
// the model runs must run after runtime.GC (within 5s), those it never runs (the object is
// reachable from itself) must not have run after several cycles.
func (p *ctxcheckProg) end(runs, never []int) {
	p.t.Helper()
	for i := range p.h {
		p.h[i], p.c[i] = nil, nil
	}
	p.pending = nil
	if len(runs)+len(never) == 0 {
		return
	}
	allRan := func() bool {
		for _, h := range runs {
			if atomic.LoadInt32(&p.fin[h]) == 0 {
				return false
			}
		}
		return true
	}
	for limit := time.Now().Add(5 * time.Second); ; {
		runtime.GC()
		time.Sleep(time.Millisecond)
		if allRan() || time.Now().After(limit) {
			break
		}
	}
	for i := 0; i < 3; i++ {
		runtime.GC()
		time.Sleep(5 * time.Millisecond)
	}
	for _, h := range runs {
		p.check(fmt.Sprintf("finalizer h%d", h), "ran", true, map[bool]string{true: "ran", false: "did not run"}[atomic.LoadInt32(&p.fin[h]) != 0])
	}
	for _, h := range never {
		p.check(fmt.Sprintf("finalizer h%d", h), "did not run", true, map[bool]string{true: "ran", false: "did not run"}[atomic.LoadInt32(&p.fin[h]) != 0])
	}
}
)GO";

// Deterministic extremes besides the random samples: main (goroutine 0) runs last
// whenever another goroutine can run (timer callbacks and watchers finish first), or first.
// A random schedule rarely lets a callback of several steps finish before main's next op.
class MainLast final : public rt::ChoiceSource {
 public:
  explicit MainLast(bool last) : last_(last) {}
  uint32_t choose(rt::ChoiceKind kind, std::span<const uint32_t> options) override {
    if (kind != rt::ChoiceKind::Schedule) return last_ ? static_cast<uint32_t>(options.size() - 1) : 0;
    for (uint32_t i = 0; i < options.size(); ++i)
      if ((options[i] != 0) == last_) return i;
    return 0;
  }

 private:
  bool last_;
};

}  // namespace

int go_minor_needed(const Program& p) {
  int m = kGoTargetMinor;
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops)
      if (auto n = need_of(op)) m = std::max(m, n->minor);
  return m;
}

std::optional<std::string> go_export_unsupported(const Program& p) {
  for (size_t s = 0; s < p.scripts.size(); ++s) {
    for (size_t i = 0; i < p.scripts[s].ops.size(); ++i) {
      const Op& op = p.scripts[s].ops[i];
      if (auto n = need_of(op))
        return fmt::format("{} needs Go 1.{} ({}); export-go targets Go 1.{}, the installed toolchain",
                           where(s, i, op), n->minor, n->api, kGoTargetMinor);
      if (op.kind == OpKind::Reparent)
        return fmt::format("{}: reparent is an unsafe model op (it rewrites a context's parent); the real "
                           "context package has no such operation",
                           where(s, i, op));
      if (op.kind == OpKind::Go)
        return fmt::format("{}: programs with goroutines are not exported yet: export-go reproduces "
                           "sequential programs (one script) only, because it cannot force the model's "
                           "interleaving on real goroutines",
                           where(s, i, op));
    }
  }
  if (p.scripts.size() > 1) return "programs with goroutines are not exported yet (sequential programs only)";
  return std::nullopt;
}

std::optional<int64_t> parse_duration_ns(const std::string& s) {
  static constexpr std::pair<std::string_view, int64_t> units[] = {
      {"ns", 1}, {"us", 1000}, {"ms", 1000000}, {"s", 1000000000}};
  for (auto [u, mul] : units) {
    if (s.size() > u.size() && std::string_view(s).substr(s.size() - u.size()) == u) {
      std::string digits = s.substr(0, s.size() - u.size());
      if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) return std::nullopt;
      try {
        return static_cast<int64_t>(std::stoll(digits)) * mul;
      } catch (const std::exception&) {
        return std::nullopt;
      }
    }
  }
  return std::nullopt;
}

GoExpectations model_expectations(const Program& p, uint32_t samples) {
  GoExpectations e;
  e.samples = samples;
  // Real Go has none of the model's injected faults: the faithful model is the reference.
  ExecOptions opts;
  rt::ReplayChoices recorded(p.schedule);
  ExecResult r = execute(p, recorded, opts);
  e.verdict = r.verdict_id();
  if (r.verdict == Verdict::Violation) e.verdict = "violation " + e.verdict;
  else if (r.verdict == Verdict::Finding) {
    std::vector<std::string_view> names;
    for (const FindingReport& f : r.findings)
      if (std::find(names.begin(), names.end(), name_of(f.id)) == names.end()) names.push_back(name_of(f.id));
    e.verdict = "finding";
    for (size_t i = 0; i < names.size(); ++i) e.verdict += fmt::format("{}{}", i ? ", " : " ", names[i]);
  }
  for (const Observation& o : r.observations) e.obs[{o.script, o.op}] = {o.what, o.value, true, {}};
  for (uint32_t k = 0; k < samples; ++k) {
    rt::PrngChoices prng(0x5eed0000ULL + k);
    MainLast extreme(k == 0);
    rt::ChoiceSource& choices = k < 2 ? static_cast<rt::ChoiceSource&>(extreme) : prng;
    ExecResult ri = execute(p, choices, opts);
    std::map<std::pair<int, int>, std::string> seen;
    for (const Observation& o : ri.observations) seen[{o.script, o.op}] = o.value;
    for (auto& [key, ob] : e.obs) {
      auto it = seen.find(key);
      std::string v = it == seen.end() ? "(not reached)" : it->second;
      if (v != ob.value) {
        ob.stable = false;
        if (std::find(ob.others.begin(), ob.others.end(), v) == ob.others.end()) ob.others.push_back(v);
      }
    }
  }
  // Finalizers: the end phase drops everything and collects to a fixpoint. A finalizer
  // on an object reachable from itself never runs (finding finalizer-cycle); one on a
  // package-level variable (Background, TODO) never runs; the others run, unless a
  // goroutine parks forever holding something (then nothing is asserted).
  std::set<uint32_t> cycle;
  bool parked = false;
  for (const FindingReport& f : r.findings) {
    if (f.id == Finding::FinalizerCycle) {
      auto pos = f.message.find(" on h");
      if (pos != std::string::npos) cycle.insert(static_cast<uint32_t>(std::stoul(f.message.substr(pos + 5))));
    }
    if (f.id == Finding::ParkedForever) parked = true;
  }
  std::vector<const Op*> creator(p.max_handle() + 1, nullptr);
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops)
      if (op.result) creator[op.result] = &op;
  std::set<uint32_t> done;
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops) {
      if (op.kind != OpKind::SetFinalizer || !done.insert(op.a).second) continue;
      const Op* c = creator[op.a];
      bool global = c && (c->kind == OpKind::Background || c->kind == OpKind::Todo);
      if (cycle.count(op.a) || global) e.finalizer_never.push_back(op.a);
      else if (!parked && r.verdict != Verdict::Violation) e.finalizer_runs.push_back(op.a);
    }
  return e;
}

bool go_needs_isolation(const Program& p) {
  for (const auto& s : p.scripts)
    for (const Op& op : s.ops) {
      if (op.kind == OpKind::SetFinalizer) return true;
      if (op.kind == OpKind::Observe && op.sub == static_cast<uint8_t>(Observe::Goroutines)) return true;
    }
  return false;
}

std::string go_preamble(const std::string& package_name) {
  return fmt::format("package {}\n{}", package_name, kPreamble);
}

std::string go_program_func(const Program& p, const GoExpectations& e, const std::string& fname,
                            int64_t scale) {
  if (auto why = go_export_unsupported(p)) throw std::invalid_argument(*why);
  std::string out;
  std::string globals = fname + "Globals";
  int64_t max_global = -1;
  for (const Op& op : p.scripts[0].ops)
    if (op.kind == OpKind::Store) max_global = std::max(max_global, op.n);
  if (max_global >= 0) out += fmt::format("var {} [{}]context.Context\n\n", globals, max_global + 1);
  out += fmt::format("func {}(t *testing.T) {{\n", fname);
  out += fmt::format("\tp := newCtxcheckProg(t, {}, {}, {})\n", scale, p.max_handle() + 1,
                     go_needs_isolation(p) ? "true" : "false");
  out += "\tfunc() {\n";
  std::vector<const Op*> creator(p.max_handle() + 1, nullptr);
  std::set<std::string> finalized_objects;  // runtime.SetFinalizer twice on one object throws
  const auto& ops = p.scripts[0].ops;
  for (size_t i = 0; i < ops.size(); ++i) {
    const Op& op = ops[i];
    if (op.result) creator[op.result] = &op;
    auto H = [](uint32_t h) { return fmt::format("p.h[{}]", h); };
    auto C = [](uint32_t h) { return fmt::format("p.c[{}]", h); };
    const GoExpectations::Obs* ob = nullptr;
    if (auto it = e.obs.find({0, static_cast<int>(i)}); it != e.obs.end()) ob = &it->second;
    // An assertion on `expr` (a Go string), or a log line when the model never got here.
    auto check = [&](const std::string& what, const std::string& expr) {
      if (!ob) return fmt::format("p.unchecked({}, {})", quote(what), expr);
      return fmt::format("p.check({}, {}, {}, {})", quote(what), quote(ob->value), ob->stable ? "true" : "false", expr);
    };
    std::string line;
    switch (op.kind) {
      case OpKind::Background: line = fmt::format("{} = context.Background()", H(op.result)); break;
      case OpKind::Todo: line = fmt::format("{} = context.TODO()", H(op.result)); break;
      case OpKind::WithCancel:
        line = fmt::format("{}, {} = context.WithCancel({})\n\t\tp.derive({}, {}, -1)", H(op.result), C(op.result),
                           H(op.a), op.result, op.a);
        break;
      case OpKind::WithTimeout:
        line = fmt::format("{}, {} = context.WithTimeout({}, p.real({}))\n\t\tp.derive({}, {}, p.vnow+{})",
                           H(op.result), C(op.result), H(op.a), go_dur(op.n), op.result, op.a, go_dur(op.n));
        break;
      case OpKind::WithDeadline:
        line = fmt::format("{}, {} = context.WithDeadline({}, p.at({}))\n\t\tp.derive({}, {}, {})", H(op.result),
                           C(op.result), H(op.a), go_dur(op.n), op.result, op.a, go_dur(op.n));
        break;
      case OpKind::WithValue:
        line = fmt::format("{} = context.WithValue({}, key{}({}), {})\n\t\tp.derive({}, {}, -1)", H(op.result), H(op.a),
                           static_cast<char>('A' + op.key.type), op.key.value, op.n, op.result, op.a);
        break;
      case OpKind::Custom: {
        std::string lit = op.sub == static_cast<uint8_t>(CustomKind::Wrapper)   ? "&wrapperCtx{{{}}}"
                          : op.sub == static_cast<uint8_t>(CustomKind::OwnDone) ? "&ownDoneCtx{{{}, make(chan struct{{}})}}"
                                                                                : "&brokenErrCtx{{{}}}";
        line = fmt::format("{} = {}\n\t\tp.derive({}, {}, -1)", H(op.result), fmt::format(fmt::runtime(lit), H(op.a)),
                           op.result, op.a);
        break;
      }
      case OpKind::Cancel: line = fmt::format("{}()", C(op.a)); break;
      case OpKind::DeferCancel: line = fmt::format("defer {}()", C(op.a)); break;
      case OpKind::Wait: line = fmt::format("p.wait({})", op.a); break;
      case OpKind::Select:
        line = check(fmt::format("select h{}", op.a), fmt::format("p.sel({}, {})", op.a, go_dur(op.n)));
        break;
      case OpKind::Sleep: line = fmt::format("p.sleep({})", go_dur(op.n)); break;
      case OpKind::Yield: line = "runtime.Gosched()"; break;
      case OpKind::Observe: {
        auto what = static_cast<Observe>(op.sub);
        std::string label = fmt::format("{} h{}", kObserveNames[op.sub], op.a);
        switch (what) {
          case Observe::Err: line = check(label, fmt::format("errStr({}.Err())", H(op.a))); break;
          case Observe::Done: line = check(label, fmt::format("doneStr({})", H(op.a))); break;
          case Observe::Children: line = check(label, fmt::format("strconv.Itoa(children({}))", H(op.a))); break;
          case Observe::Value: {
            std::string k = fmt::format("key{}({})", static_cast<char>('A' + op.key.type), op.key.value);
            label = fmt::format("value h{} key{}:{}", op.a, static_cast<char>('A' + op.key.type), op.key.value);
            line = check(label, fmt::format("valStr({}.Value({}))", H(op.a), k));
            break;
          }
          case Observe::Deadline: {
            int64_t model = -1;
            if (ob) model = parse_duration_ns(ob->value).value_or(-1);
            line = check(label, fmt::format("p.deadline({}, {}, {}, {})", quote(label), op.a, model,
                                            ob && ob->stable ? "true" : "false"));
            break;
          }
          case Observe::Goroutines:
            line = ob ? fmt::format("p.goroutines(\"goroutines\", {}, {})", quote(ob->value), ob->stable ? "true" : "false")
                      : "p.unchecked(\"goroutines\", strconv.Itoa(runtime.NumGoroutine()-p.g0+1))";
            break;
          case Observe::Cause: break;  // rejected above (Go 1.20)
        }
        break;
      }
      case OpKind::Drop: line = fmt::format("{}, {} = nil, nil", H(op.a), C(op.a)); break;
      case OpKind::Store: line = fmt::format("{}[{}] = {}", globals, op.n, H(op.a)); break;
      case OpKind::SetFinalizer: {
        const Op* c = creator[op.a];
        std::string obj = c && (c->kind == OpKind::Background || c->kind == OpKind::Todo)
                              ? std::string(op_name(c->kind))
                              : fmt::format("h{}", op.a);
        if (obj == "background" || obj == "todo")
          line = "// a package-level variable of the context package: its finalizer never runs";
        else if (!finalized_objects.insert(obj).second)
          line = "// already set (runtime.SetFinalizer twice on one object is a fatal error)";
        else
          line = fmt::format("p.setFinalizer({})", op.a);
        break;
      }
      case OpKind::Gc: line = "runtime.GC()"; break;
      default: throw std::invalid_argument(fmt::format("op {} cannot be exported", op_name(op.kind)));
    }
    out += fmt::format("\t\t// {}\n\t\t{}\n", print_op(op), line);
  }
  out += "\t}()\n";
  if (max_global >= 0) out += fmt::format("\tfor i := range {} {{\n\t\t{}[i] = nil\n\t}}\n", globals, globals);
  auto list = [](const std::vector<uint32_t>& v) {
    std::string s = "[]int{";
    for (size_t i = 0; i < v.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", v[i]);
    return s + "}";
  };
  out += fmt::format("\tp.end({}, {})\n}}\n", list(e.finalizer_runs), list(e.finalizer_never));
  return out;
}

std::string go_test_file(const Program& p, const GoExpectations& e, const GoExportOptions& opts) {
  if (auto why = go_export_unsupported(p)) throw std::invalid_argument(*why);
  std::string out = "// Code generated by ctxcheck export-go; DO NOT EDIT.\n//\n";
  out += fmt::format("// A reproduction in real Go (the context package of Go 1.{}+) of {}:\n//\n",
                     kGoTargetMinor, opts.source.empty() ? "a ctxcheck trace" : opts.source);
  std::string text = print_program(p);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    out += "//\t" + text.substr(pos, nl - pos) + "\n";
    pos = nl + 1;
  }
  out += fmt::format("//\n// The model's verdict (faithful model, recorded schedule): {}.\n", e.verdict);
  if (!p.faults.empty())
    out += fmt::format("// The trace injects the model faults \"{}\"; real Go has none of them, so this test\n"
                       "// asserts what the faithful model observes.\n", p.faults);
  out += fmt::format("// Virtual time is mapped onto real time: 1ms of the trace is {}ms here.\n", opts.scale);
  size_t racy = 0;
  for (const auto& [k, o] : e.obs) racy += o.stable ? 0 : 1;
  if (racy)
    out += fmt::format("// {} observation(s) differ between the {} sampled schedules of the model: they are\n"
                       "// logged, not asserted.\n", racy, e.samples);
  out += "//\n// Run: go mod init repro && go test -v -run " + opts.test_name + "\n\n";
  out += go_preamble();
  out += "\n";
  out += fmt::format("func {}(t *testing.T) {{\n\trun{}(t)\n\tt.Logf(\"observations compared: %d, logged as racy: %d\", "
                     "atomic.LoadInt64(&ctxcheckCompared), atomic.LoadInt64(&ctxcheckRacy))\n}}\n\n",
                     opts.test_name, opts.test_name);
  out += go_program_func(p, e, "run" + opts.test_name, opts.scale);
  return out;
}

}  // namespace ctxcheck::harness
