// The Go helpers every test ctxcheck export-go writes starts with (the exporter replaces
// the package clause with the test's own). Embedded into the exporter at build time
// (harness/export/export.cmake); a valid Go file of its own, so gofmt and go vet read it.
package ctxcheck_test

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
	vnow    time.Duration // the virtual clock
	h       []context.Context
	c       []context.CancelFunc
	vdl     []time.Duration // virtual deadline of each handle (-1: none), computed here
	slack   []time.Duration // how far the real clock was ahead of the virtual one when it was set
	pending []ctxcheckTimer // timerCtx whose timer may still have to fire
	g0      int             // runtime.NumGoroutine() when the program started
	fin     []int32         // 1 once the finalizer set on handle i ran
	stalled bool            // a timer fired in real time before its virtual time (the run lost its timing)

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
func (p *ctxcheckProg) at(v time.Duration) time.Time       { return p.base.Add(v * p.scale) }

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
				p.fail("a context timer due at virtual %s did not fire within 10s", vdur(int64(pt.vdl)))
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

// limit: how long a step may be waited for: until its virtual time, plus 10s.
func (p *ctxcheckProg) limit(k int) <-chan time.Time {
	return time.After(time.Until(p.at(p.vt[k])) + 10*time.Second)
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
		p.fail("%s: its turn did not come within 10s of its time (%s never finished)", p.labels[k], p.labels[p.stuck()])
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
		p.fail("%s: Done did not close within 10s of the time the model returns", p.labels[k])
		return false
	}
}

// park is <-done for a wait the model never returns from: Done must stay open.
func (p *ctxcheckProg) park(done <-chan struct{}, what string) {
	select {
	case <-done:
		p.t.Errorf("MISMATCH %s: Done closed in Go; in the model it never does and the wait blocks forever", what)
	case <-p.over:
	}
}

// selectDone is select { case <-done: case <-time.After(...) } with the timeout at virtual
// time target; "over" when the program ended first.
func (p *ctxcheckProg) selectDone(done <-chan struct{}, target time.Duration) string {
	select {
	case <-done:
		return "done"
	default:
	}
	timer := time.NewTimer(time.Until(p.at(target)))
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

// finish: the test goroutine's script returned. Wait for every step of the order, then
// end the program (goroutines the model leaves parked forever return) and wait for the
// program's goroutines to exit.
func (p *ctxcheckProg) finish() {
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
	case <-time.After(10 * time.Second):
		p.t.Errorf("the program's goroutines did not return within 10s of its end")
	}
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
