// A test of the exported tests' helpers (harness/export/go_helpers.go), run by ctest
// go.helpers beside them: a goroutine's select must not time out before a step of another
// goroutine that is due earlier on the virtual clock, however late that step's turn comes.
package ctxcheck_test

import (
	"context"
	"testing"
	"time"
)

// Go 1 begins `select h1 1ms` at step 1 (virtual 0); main's `cancel h1` is step 2, also at
// virtual 0, so the model's select answers done. Main's turn comes late here: it sleeps
// three times the select's mapped real gap (20 ms) before it cancels, as a loaded machine
// hands turns over. The select's timer must wait for that step, and the answer is done.
func TestCtxcheckSelectWaitsForAnEarlierStepThatRunsLate(t *testing.T) {
	clock := ctxcheckClock{virt: []time.Duration{0, time.Millisecond},
		real: []time.Duration{0, 20 * time.Millisecond}, spacing: 20 * time.Millisecond}
	p := newCtxcheckProg(t, clock, 2, false)
	p.forceOrder([]time.Duration{0, 0, time.Millisecond},
		[]string{"step 1: go 1, op 1 (select h1 1ms)", "step 2: go 0, op 2 (cancel h1)",
			"step 3: go 1, op 1 (select h1 1ms) returns"})
	var cancel context.CancelFunc
	p.h[1], cancel = context.WithCancel(context.Background())
	got := make(chan string, 1)
	p.spawn(func() {
		if !p.turn(0) {
			return
		}
		done := p.h[1].Done()
		p.release(0)
		answer := p.selectDone(done, 0, 2, p.vt[0]+time.Millisecond)
		if !p.turn(2) {
			return
		}
		got <- answer
		p.release(2)
	})
	if !p.turn(1) {
		t.Fatal("main's turn never came")
	}
	time.Sleep(60 * time.Millisecond)
	cancel()
	p.release(1)
	p.finish(0)
	select {
	case answer := <-got:
		if answer != "done" {
			t.Errorf("select h1: the model observed done, the helpers answer %s", answer)
		}
	default:
		t.Error("the select never returned")
	}
}
