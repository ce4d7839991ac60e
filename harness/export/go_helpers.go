// The Go helpers every test ctxcheck export-go writes starts with (the exporter replaces
// the package clause with the test's own). Embedded into the exporter at build time
// (harness/export/export.cmake); a valid Go file of its own, so gofmt and go vet read it.
package ctxcheck_test

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unsafe"
)

// The helpers are shared by every exported test of one package (ctxcheck writes them once,
// as ctxcheck_helpers_test.go), and they may sit in the package under test: every name at
// package level starts with ctxcheck so none collides with the package's own.

// Value keys: one Go type per key type of the trace, so keyA:1 is ctxcheckKeyA(1) and never
// equals ctxcheckKeyB(1).
type (
	ctxcheckKeyA int
	ctxcheckKeyB int
	ctxcheckKeyC int
	ctxcheckKeyD int
	ctxcheckKeyE int
	ctxcheckKeyF int
	ctxcheckKeyG int
	ctxcheckKeyH int
	ctxcheckKeyI int
	ctxcheckKeyJ int
	ctxcheckKeyK int
	ctxcheckKeyL int
	ctxcheckKeyM int
	ctxcheckKeyN int
	ctxcheckKeyO int
	ctxcheckKeyP int
	ctxcheckKeyQ int
	ctxcheckKeyR int
	ctxcheckKeyS int
	ctxcheckKeyT int
	ctxcheckKeyU int
	ctxcheckKeyV int
	ctxcheckKeyW int
	ctxcheckKeyX int
	ctxcheckKeyY int
	ctxcheckKeyZ int
)

// `custom wrapper`: a user-defined Context embedding its parent (it keeps the parent's Done).
type ctxcheckWrapper struct{ context.Context }

// `custom own_done`: a user-defined Context with its own Done channel, which never closes;
// propagateCancel must start a watcher goroutine for a child of it.
type ctxcheckOwnDone struct {
	context.Context
	done chan struct{}
}

func (c *ctxcheckOwnDone) Done() <-chan struct{} { return c.done }
func (c *ctxcheckOwnDone) Err() error {
	select {
	case <-c.done:
		return context.Canceled
	default:
		return nil
	}
}

// `custom broken_err`: Done from its parent, but Err always nil.
type ctxcheckBrokenErr struct{ context.Context }

func (c *ctxcheckBrokenErr) Err() error { return nil }

// `custom afterfuncer`: a user-defined Context with an AfterFunc method (x_test.go's
// afterFuncContext): its own Done and Err, canceled by its own cancel func; since Go 1.21
// propagateCancel registers a child through AfterFunc (a stopCtx) instead of a watcher.
// Deadline and the program's value keys come from the parent; it is no cancelCtx.
type ctxcheckAfterFuncer struct {
	context.Context
	mu    sync.Mutex
	done  chan struct{}
	err   error
	funcs map[*byte]func()
}

func ctxcheckNewAfterFuncer(parent context.Context) (context.Context, context.CancelFunc) {
	c := &ctxcheckAfterFuncer{Context: parent, done: make(chan struct{}), funcs: map[*byte]func(){}}
	return c, c.cancel
}

func (c *ctxcheckAfterFuncer) Done() <-chan struct{} { return c.done }
func (c *ctxcheckAfterFuncer) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

// Value hides every key but the program's (the context package's cancelCtxKey among them).
func (c *ctxcheckAfterFuncer) Value(key any) any {
	if strings.HasPrefix(reflect.TypeOf(key).Name(), "ctxcheckKey") {
		return c.Context.Value(key)
	}
	return nil
}

func (c *ctxcheckAfterFuncer) AfterFunc(f func()) func() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		go f()
		return func() bool { return false }
	}
	k := new(byte)
	c.funcs[k] = f
	return func() bool {
		c.mu.Lock()
		defer c.mu.Unlock()
		_, live := c.funcs[k]
		delete(c.funcs, k)
		return live
	}
}

func (c *ctxcheckAfterFuncer) cancel() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return
	}
	c.err = context.Canceled
	close(c.done)
	for k, f := range c.funcs {
		delete(c.funcs, k)
		go f()
	}
}

var ctxcheckCauses sync.Map // cause number -> its error, one value per number (Cause compares by identity)

// ctxcheckCause is the trace's causeN (nil for 0): an error printing "causeN".
func ctxcheckCause(n int) error {
	if n == 0 {
		return nil
	}
	e, _ := ctxcheckCauses.LoadOrStore(n, fmt.Errorf("cause%d", n))
	return e.(error)
}

// ctxcheckNilCause: a CancelCauseFunc called with a nil cause, as a plain func.
func ctxcheckNilCause(cancel func(error)) func() { return func() { cancel(nil) } }

var ctxcheckCompared, ctxcheckRacy, ctxcheckStalled int64 // asserted / racy (logged) / lost timing (logged)
var ctxcheckTiesForced int64                              // same-instant select ties forced the recorded way, then asserted
var ctxcheckSelectsHeld int64                             // select timeouts held back: an earlier step ran after their time

var ctxcheckKinds sync.Map // kind of observation ("err", "stop", "after_func", ...) -> *int64 compared

// ctxcheckCountKind counts one compared observation under its kind: the first word of what.
func ctxcheckCountKind(what string) {
	kind := strings.TrimSuffix(strings.Fields(what + " ")[0], ":")
	n, _ := ctxcheckKinds.LoadOrStore(kind, new(int64))
	atomic.AddInt64(n.(*int64), 1)
}

// ctxcheckKindCounts: "cause=12 err=40 ..." sorted by kind.
func ctxcheckKindCounts() string {
	var out []string
	ctxcheckKinds.Range(func(k, v any) bool {
		out = append(out, fmt.Sprintf("%s=%d", k, atomic.LoadInt64(v.(*int64))))
		return true
	})
	sort.Strings(out)
	return strings.Join(out, " ")
}

// ctxcheckMargin: how much later than its mapped real time an event may come before the
// test gives up on it (a loaded machine, a GC pause). Every limit is "the mapped time of
// the event, plus this".
const ctxcheckMargin = 10 * time.Second

// ctxcheckClock maps the program's virtual clock onto real time, keeping order: virt lists
// the distinct virtual instants the model's run reaches (op times, deadlines, ends of
// sleeps and selects), ascending from 0, and real[i] is the real offset from the start at
// which virt[i] happens (ctxcheck spaces consecutive instants by their virtual gap × a scale,
// at least a minimum spacing and at most a cap, so a 1h timeout takes a fraction of a
// second). An instant between two listed ones is interpolated; one past the last (Go went
// where the model did not) is one spacing after it.
type ctxcheckClock struct {
	virt, real []time.Duration
	spacing    time.Duration
}

func (c ctxcheckClock) offset(v time.Duration) time.Duration {
	return ctxcheckInterpolate(c.virt, c.real, v, func(time.Duration) time.Duration { return c.spacing })
}

// virtual is the inverse of offset (for messages about a real deadline).
func (c ctxcheckClock) virtual(r time.Duration) time.Duration {
	return ctxcheckInterpolate(c.real, c.virt, r, func(d time.Duration) time.Duration { return d })
}

// ctxcheckInterpolate maps x from the ascending list from onto to (as long): exactly at an
// entry, linearly between two, 0 before the first, to's last + past(x - from's last) after.
func ctxcheckInterpolate(from, to []time.Duration, x time.Duration, past func(time.Duration) time.Duration) time.Duration {
	n := len(from)
	i := sort.Search(n, func(i int) bool { return from[i] >= x })
	switch {
	case i < n && from[i] == x:
		return to[i]
	case i == 0:
		return 0
	case i == n:
		return to[n-1] + past(x-from[n-1])
	}
	df, dt := from[i]-from[i-1], to[i]-to[i-1]
	return to[i-1] + time.Duration(float64(dt)*float64(x-from[i-1])/float64(df))
}

// ctxcheckProg runs one program: its handles, and the model's virtual clock mapped onto
// real time (virtual instant v happens at base + clock.offset(v)).
type ctxcheckProg struct {
	t       *testing.T
	clock   ctxcheckClock
	base    time.Time
	vnow    time.Duration // the virtual clock
	h       []context.Context
	c       []context.CancelFunc
	cc      []func(error)     // the CancelCauseFunc of a with_cancel_cause handle
	stops   []func() bool     // the stop func of an after_func handle
	afRuns  []int32           // how often the AfterFunc's f of handle i ran
	vdl     []time.Duration   // virtual deadline of each handle (-1: none), computed here
	slack   []time.Duration   // how far the real clock was ahead of the virtual one when it was set
	pending []ctxcheckTimer   // timerCtx whose timer may still have to fire
	g0      int               // runtime.NumGoroutine() when the program started
	fin     []int32           // 1 once the finalizer set on handle i ran
	kept    []context.Context // contexts whose cancel is never called, held for lostCancel
	parked  int32             // goroutines still waiting when the program ended (parked-forever)
	stalled bool              // a timer fired in real time before its virtual time (the run lost its timing)

	// Programs with goroutines: the model's op-level order, forced with turns. Everything
	// above is only touched by the goroutine holding the current turn.
	vt       []time.Duration // virtual time of each step
	labels   []string        // each step, for messages
	turns    []chan struct{} // turns[k] is closed once step k may run (every earlier step ran)
	over     chan struct{}   // closed when the program is over: waiting goroutines return
	overOnce sync.Once
	wg       sync.WaitGroup // the program's goroutines
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

func newCtxcheckProg(t *testing.T, clock ctxcheckClock, handles int, quiesce bool) *ctxcheckProg {
	p := &ctxcheckProg{t: t, clock: clock, h: make([]context.Context, handles),
		c: make([]context.CancelFunc, handles), vdl: make([]time.Duration, handles),
		cc: make([]func(error), handles), stops: make([]func() bool, handles), afRuns: make([]int32, handles),
		fin: make([]int32, handles), slack: make([]time.Duration, handles),
		kept: make([]context.Context, handles)}
	for i := range p.vdl {
		p.vdl[i] = -1
	}
	p.g0 = runtime.NumGoroutine()
	if quiesce {
		// A goroutine that signalled it is done (the previous subtest's) may still be
		// exiting: take the baseline once the count stood still for 20ms. (5ms was too
		// short at load 14: an exiting goroutine left the baseline one too high, and the
		// model's 1 goroutine was seen as 0.) Only programs that count goroutines or run
		// finalizers pay this.
		for stable, limit := 0, time.Now().Add(2*time.Second); stable < 20 && time.Now().Before(limit); {
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

// at is the real time of virtual instant v.
func (p *ctxcheckProg) at(v time.Duration) time.Time { return p.base.Add(p.clock.offset(v)) }

// span is the real duration of a timeout d started now: WithTimeout(d) then expires at the
// real time of virtual instant now+d.
func (p *ctxcheckProg) span(d time.Duration) time.Duration {
	return p.clock.offset(p.vnow+d) - p.clock.offset(p.vnow)
}

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

// sameDeadline: a timeout d started now ends on the virtual instant handle parent's
// deadline does; then dl is that deadline (the test calls WithDeadline(parent, dl), not
// WithTimeout, whose real deadline would come later: see with_timeout_code in go_export.cpp).
func (p *ctxcheckProg) sameDeadline(parent int, d time.Duration) (time.Time, bool) {
	dl, ok := p.h[parent].Deadline()
	return dl, ok && p.vdl[parent] >= 0 && p.vdl[parent] == p.vnow+d
}

// detach: handle h has no deadline whatever its parent's (WithoutCancel).
func (p *ctxcheckProg) detach(h int) { p.vdl[h], p.slack[h] = -1, 0 }

// afterFunc is the f an after_func op passes: it counts its runs, then calls then (a
// cancel func, or nil for `nop`).
func (p *ctxcheckProg) afterFunc(h int, then func()) func() {
	return func() {
		atomic.AddInt32(&p.afRuns[h], 1)
		if then != nil {
			then()
		}
	}
}

// afterFuncRuns compares how often each AfterFunc's f ran with the model's count, once the
// program is over: a count below the model's may still be on its way (f runs in its own
// goroutine), so it is awaited; one above it has run too often.
func (p *ctxcheckProg) afterFuncRuns(h []int, model []int32, stable []bool) {
	p.t.Helper()
	for i, hd := range h {
		for limit := time.Now().Add(ctxcheckMargin); atomic.LoadInt32(&p.afRuns[hd]) < model[i] && time.Now().Before(limit); {
			time.Sleep(time.Millisecond)
		}
	}
	time.Sleep(time.Millisecond)
	for i, hd := range h {
		p.check(fmt.Sprintf("after_func h%d: runs of f", hd), strconv.Itoa(int(model[i])), stable[i],
			strconv.Itoa(int(atomic.LoadInt32(&p.afRuns[hd]))))
	}
}

// ctxcheckCancelCtxOf returns the context's cancelCtx (for *cancelCtx and *timerCtx).
func ctxcheckCancelCtxOf(c context.Context) (reflect.Value, bool) {
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

// ctxcheckLockOf is the cancelCtx's own mutex (unexported: reached through reflect and unsafe).
func ctxcheckLockOf(cc reflect.Value) *sync.Mutex {
	return (*sync.Mutex)(unsafe.Pointer(cc.FieldByName("mu").UnsafeAddr()))
}

// ctxcheckChildren is len(c.children) of a cancelCtx, read under its lock (a map the first
// cancel set to nil has length 0), or "none" for a type with no cancelCtx (Background,
// TODO, valueCtx, withoutCancelCtx, the program's own types).
func ctxcheckChildren(c context.Context) string {
	cc, ok := ctxcheckCancelCtxOf(c)
	if !ok {
		return "none"
	}
	mu := ctxcheckLockOf(cc)
	mu.Lock()
	defer mu.Unlock()
	return strconv.Itoa(cc.FieldByName("children").Len())
}

// ctxcheckString is what the context package prints for c (its contextName: c.String() if
// c has a String method, else the name of its type), as the model prints it: the test's
// own package named as the model names it, and every deadline's wall-clock time and time
// left (a timerCtx's "2026-12-01 23:06:51.1 +0000 UTC m=+0.005 [4.99ms]") as the model's
// tokens.
func ctxcheckString(c context.Context) string {
	var s string
	if st, ok := c.(fmt.Stringer); ok {
		s = st.String()
	} else {
		s = reflect.TypeOf(c).String()
	}
	s = strings.ReplaceAll(s, ctxcheckPackage+".ctxcheck", "ctxcheck_test.ctxcheck")
	return ctxcheckDeadlineText.ReplaceAllString(s, ".WithDeadline(<time> [<duration>])")
}

// ctxcheckPackage is the name Go's reflection gives the test's package ("ctxcheck_test" by default).
var ctxcheckPackage = strings.TrimSuffix(reflect.TypeOf(ctxcheckKeyA(0)).String(), ".ctxcheckKeyA")

// A timerCtx's deadline as its String prints it: a time.Time and a time.Duration, neither
// of which prints brackets or parentheses.
var ctxcheckDeadlineText = regexp.MustCompile(`\.WithDeadline\([^()\[\]]* \[[^()\[\]]*\]\)`)

// ctxcheckTimerDone: the timerCtx's timer is stopped or its callback finished (cancel sets
// c.timer = nil last, after removing the context from its parent).
func ctxcheckTimerDone(c context.Context) bool {
	e := reflect.ValueOf(c).Elem()
	mu := ctxcheckLockOf(e.FieldByName("cancelCtx"))
	mu.Lock()
	defer mu.Unlock()
	return e.FieldByName("timer").IsNil()
}

func ctxcheckErr(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func ctxcheckDone(c context.Context) string {
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

func ctxcheckValue(v any) string {
	if v == nil {
		return "nil"
	}
	return fmt.Sprint(v)
}

func ctxcheckVdur(ns int64) string {
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
	ctxcheckCountKind(what)
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
		want := p.clock.offset(time.Duration(model))
		if got >= want && got <= want+p.slack[h]+time.Microsecond {
			return ctxcheckVdur(model)
		}
	}
	return fmt.Sprintf("%s (virtual, real %v from the start)", ctxcheckVdur(int64(p.clock.virtual(got))), got)
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
		limit := time.Now().Add(ctxcheckMargin)
		for !ctxcheckTimerDone(pt.ctx) {
			if time.Now().After(limit) {
				p.fail("a context timer due at virtual %s did not fire within %v", ctxcheckVdur(int64(pt.vdl)), ctxcheckMargin)
				break
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
	got, _ := p.selOrdered(h, d, "")
	return got
}

// tieSelect is a select the model answered either way: the timeout falls on the instant
// h's deadline expires, and the recorded schedule fired one of the two timers first (a
// timer-tie choice) with `model` as the result. Go fires same-instant timers in either
// order; the test forces the recorded one by moving the select's timer half a spacing
// (less than any gap between two instants) after the deadline ("done") or before it
// ("timeout"), and asserts the result. Where the answer did not come from that tie (Done
// closed otherwise), it is only logged, as every racy observation.
func (p *ctxcheckProg) tieSelect(what string, h int, d time.Duration, model string) {
	p.t.Helper()
	got, forced := p.selOrdered(h, d, model)
	if forced {
		atomic.AddInt64(&ctxcheckTiesForced, 1)
	}
	p.check(what, model, forced, got)
}

// selOrdered is sel; with first "done" or "timeout" and a timeout on h's virtual deadline,
// that one comes first (true: it forced the order).
func (p *ctxcheckProg) selOrdered(h int, d time.Duration, first string) (string, bool) {
	p.noteStall()
	done := p.h[h].Done()
	select {
	case <-done:
		return "done", false
	default:
	}
	target := p.vnow + d
	at, forced := p.at(target), false
	if p.vdl[h] == target && d > 0 && (first == "done" || first == "timeout") {
		shift := p.clock.spacing / 2
		if first == "timeout" {
			shift = -shift
		}
		at, forced = at.Add(shift), true
	}
	return p.selectUntil(h, done, target, at), forced
}

// selectUntil waits for done or the real time at, which stands for virtual instant target.
func (p *ctxcheckProg) selectUntil(h int, done <-chan struct{}, target time.Duration, at time.Time) string {
	timer := time.NewTimer(time.Until(at))
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
	due := p.vnow // what closes Done in a program without goroutines: a deadline, or nothing
	if v := p.vdl[h]; v > due {
		due = v
	}
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
	case <-time.After(time.Until(p.at(due)) + ctxcheckMargin):
		p.t.Fatalf("wait h%d: Done did not close within %v of virtual %s, when the model's does", h, ctxcheckMargin,
			ctxcheckVdur(int64(due)))
	}
}

// parkMain is a wait of the test goroutine that the model never returns from (finding
// parked-forever): Done must stay open until the program's last instant has passed; the
// program then ends there, as the model's does.
func (p *ctxcheckProg) parkMain(h int, what string) {
	p.t.Helper()
	last := p.clock.virt[len(p.clock.virt)-1]
	timer := time.NewTimer(time.Until(p.at(last)) + p.clock.spacing)
	defer timer.Stop()
	select {
	case <-p.h[h].Done():
		p.check(what, "still waiting", true, "returned: Done closed")
	case <-timer.C:
		p.check(what, "still waiting", true, "still waiting")
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

// fail ends the program with an error: at once in a sequential program; with goroutines
// (where only the test goroutine may call FailNow) every goroutine returns at its next step.
func (p *ctxcheckProg) fail(format string, args ...any) {
	p.t.Helper()
	if p.turns == nil {
		p.t.Fatalf(format, args...)
	}
	p.t.Errorf(format, args...)
	p.stop()
}

func (p *ctxcheckProg) stop() { p.overOnce.Do(func() { close(p.over) }) }

// forceOrder starts a program with goroutines: step k of the model's order runs at virtual
// time vt[k] once every earlier step ran.
func (p *ctxcheckProg) forceOrder(vt []time.Duration, labels []string) {
	p.vt, p.labels = vt, labels
	p.turns = make([]chan struct{}, len(vt)+1)
	for i := range p.turns {
		p.turns[i] = make(chan struct{})
	}
	close(p.turns[0])
	p.over = make(chan struct{})
}

// limit: how long a step may be waited for: until its virtual time, plus the margin.
func (p *ctxcheckProg) limit(k int) <-chan time.Time {
	return time.After(time.Until(p.at(p.vt[k])) + ctxcheckMargin)
}

// turn waits until step k may run, then moves the clock to its virtual time and waits for
// the context timers due by then (as the model's clock does). false: the program is over
// (a failure, or k < 0: a step the model never reached); the caller returns.
func (p *ctxcheckProg) turn(k int) bool {
	if k < 0 {
		return false
	}
	select {
	case <-p.turns[k]:
	case <-p.over:
		return false
	case <-p.limit(k):
		p.fail("%s: its turn did not come within %v of its time (%s never finished)", p.labels[k], ctxcheckMargin, p.labels[p.stuck()])
		return false
	}
	if v := p.vt[k]; v > p.vnow {
		p.noteStall()
		p.vnow = v
		time.Sleep(time.Until(p.at(v)))
		p.settle()
	}
	return true
}

// release ends step k: the next one may run.
func (p *ctxcheckProg) release(k int) { close(p.turns[k+1]) }

// stuck is the first step that has not run.
func (p *ctxcheckProg) stuck() int {
	for k := range p.vt {
		select {
		case <-p.turns[k+1]:
		default:
			return k
		}
	}
	return len(p.vt) - 1
}

// spawn is the program's go statement.
func (p *ctxcheckProg) spawn(f func()) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f()
	}()
}

// waitDone is <-done for a wait the model returns from at step k. false: the program is over.
func (p *ctxcheckProg) waitDone(done <-chan struct{}, k int) bool {
	select {
	case <-done:
		return true
	case <-p.over:
		return false
	case <-p.limit(k):
		p.fail("%s: Done did not close within %v of the time the model returns", p.labels[k], ctxcheckMargin)
		return false
	}
}

// park is <-done for a wait the model never returns from (finding parked-forever): Done
// must stay open until every step of the order ran (the model's program is over then) or
// the program ends; the goroutine then counts as parked and returns.
func (p *ctxcheckProg) park(done <-chan struct{}, what string) {
	select {
	case <-done:
	case <-p.over:
	case <-p.turns[len(p.vt)]:
	}
	select {
	case <-done:
		p.t.Errorf("MISMATCH %s: Done closed in Go; in the model it never does and the wait blocks forever", what)
	default:
		atomic.AddInt32(&p.parked, 1)
		p.t.Logf("parked-forever: %s still waits when the program is over", what)
	}
}

// selectDone is select { case <-done: case <-time.After(...) } with the timeout at virtual
// time target, in a goroutine whose select began at step k and returns at step kr; "over"
// when the program ended first. On the model's clock the timeout cannot fire while another
// goroutine still has a step due before target (time moves only when every goroutine is
// blocked), so the timer is armed once the last such step ran: at target's real time, or,
// when that step's turn came late (a loaded machine hands turns over slowly), as long
// after it as the virtual gap from that step to target maps to. ctxcheckSelectsHeld counts
// the selects whose timer would have fired before that step ran.
func (p *ctxcheckProg) selectDone(done <-chan struct{}, k, kr int, target time.Duration) string {
	select {
	case <-done:
		return "done"
	default:
	}
	at := p.at(target)
	if m := p.lastStepBefore(k, kr, target); m >= 0 {
		select {
		case <-p.turns[m+1]:
		case <-done:
			return "done"
		case <-p.over:
			return "over"
		}
		ran := time.Now()
		if ran.After(at) { // the real timer would have fired before step m ran
			atomic.AddInt64(&ctxcheckSelectsHeld, 1)
		}
		if late := ran.Add(p.clock.offset(target) - p.clock.offset(p.vt[m])); late.After(at) {
			at = late
		}
	}
	timer := time.NewTimer(time.Until(at))
	defer timer.Stop()
	select {
	case <-done:
		return "done"
	case <-timer.C:
		return "timeout"
	case <-p.over:
		return "over"
	}
}

// lastStepBefore is the last step between k and kr (kr < 0: the end) due before virtual
// time target, or -1.
func (p *ctxcheckProg) lastStepBefore(k, kr int, target time.Duration) int {
	if kr < 0 {
		kr = len(p.vt)
	}
	for m := kr - 1; m > k; m-- {
		if p.vt[m] < target {
			return m
		}
	}
	return -1
}

// finish: the test goroutine's script returned. Wait for every step of the order, then
// end the program (goroutines the model leaves parked forever return), wait for the
// program's goroutines to exit, and check how many of them were parked (the model's count).
func (p *ctxcheckProg) finish(parked int) {
	p.t.Helper()
	if n := len(p.vt); n > 0 {
		select {
		case <-p.turns[n]:
		case <-p.over:
		case <-p.limit(n - 1):
			p.t.Errorf("%s never ran (the program did not follow the model's order)", p.labels[p.stuck()])
		}
	}
	p.stop()
	exited := make(chan struct{})
	go func() {
		p.wg.Wait()
		close(exited)
	}()
	select {
	case <-exited:
	case <-time.After(ctxcheckMargin):
		p.t.Errorf("the program's goroutines did not return within %v of its end", ctxcheckMargin)
	}
	if parked > 0 || atomic.LoadInt32(&p.parked) > 0 {
		p.check("parked-forever: goroutines still waiting at the end", strconv.Itoa(parked), true,
			strconv.Itoa(int(atomic.LoadInt32(&p.parked))))
	}
}

// keep holds handle h's context to the end: its cancel is never called (finding
// lost-cancel), and lostCancel must find it even if the program dropped it.
func (p *ctxcheckProg) keep(h int) { p.kept[h] = p.h[h] }

// lostCancel shows in Go the context of handle h whose cancel func the program never
// calls: still uncanceled, and still in the children map of its nearest cancelCtx ancestor
// (the leak go vet's lostcancel warns about), or watched by propagateCancel's goroutine when
// that ancestor is a user-defined Context with its own Done. It then releases the context.
func (p *ctxcheckProg) lostCancel(h int) string {
	p.t.Helper()
	c := p.kept[h]
	p.kept[h] = nil
	if c.Err() != nil {
		return "canceled: " + c.Err().Error()
	}
	if _, own := c.(*ctxcheckAfterFuncer); own {
		return "uncanceled, a user-defined Context (never registered)"
	}
	self := reflect.ValueOf(c).Pointer()
	for parent := ctxcheckParent(c); ; parent = ctxcheckParent(parent) {
		switch parent.(type) {
		case nil:
			return "uncanceled, not registered (no cancelable ancestor)"
		case *ctxcheckOwnDone:
			return "uncanceled, watched by a goroutine"
		case *ctxcheckAfterFuncer:
			return "uncanceled, registered through its AfterFunc"
		}
		cc, ok := ctxcheckCancelCtxOf(parent)
		if !ok {
			continue
		}
		mu := ctxcheckLockOf(cc)
		mu.Lock()
		held := false
		kids := cc.FieldByName("children")
		for _, k := range kids.MapKeys() {
			held = held || k.Elem().Pointer() == self
		}
		n := kids.Len()
		mu.Unlock()
		p.t.Logf("lost-cancel h%d: at the end its parent %s has children = %d, h%d among them: %v", h,
			p.nameOf(parent), n, h, held)
		if !held {
			return "uncanceled, missing from its parent's children"
		}
		return "uncanceled, registered in its parent"
	}
}

// nameOf names a context by its handle ("h2"), for messages.
func (p *ctxcheckProg) nameOf(c context.Context) string {
	for i, x := range p.h {
		if x == c && c != nil {
			return "h" + strconv.Itoa(i)
		}
	}
	return "(a context the program dropped)"
}

// ctxcheckParent is the Context a context was derived from (its embedded Context field,
// read through reflect and unsafe: the context package's types are unexported), or nil for
// Background and TODO.
func ctxcheckParent(c context.Context) context.Context {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return nil
	}
	e := v.Elem()
	if e.Type().String() == "context.timerCtx" {
		e = e.FieldByName("cancelCtx")
	}
	f := e.FieldByName("Context")
	if !f.IsValid() || f.IsNil() {
		return nil
	}
	return reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem().Interface().(context.Context)
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
		p.h[i], p.c[i], p.cc[i], p.stops[i] = nil, nil, nil, nil
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
