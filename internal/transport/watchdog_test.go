package transport

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"
)

// The watchdog cancels each attempt once its deadline has passed, oldest
// first, and not before; its goroutine ends once nothing is in flight.
func TestWatchdog(t *testing.T) {
	const timeout = 60 * time.Millisecond
	g := newWatchdog(timeout)
	now := time.Now()
	// Deadlines in 10ms, 30ms and 60ms, started in that (the list's) order.
	// Contexts that can be canceled: each attempt is watched on its own.
	ctx1, w1 := g.start(t.Context(), now.Add(-50*time.Millisecond))
	ctx2, w2 := g.start(t.Context(), now.Add(-30*time.Millisecond))
	ctx3, w3 := g.start(t.Context(), now)
	g.stop(w2) // in time
	if ctx2.Err() == nil {
		t.Fatal("stop did not cancel the attempt's context, which releases it")
	}
	waitDone(t, ctx1)
	if !w1.fired.Load() {
		t.Error("the first attempt's context ended, but not by the watchdog")
	}
	if ctx3.Err() != nil && time.Since(now) < timeout {
		t.Errorf("the third attempt was canceled %v after it began, before its %v", time.Since(now), timeout)
	}
	waitDone(t, ctx3)
	if !w3.fired.Load() || time.Since(now) < timeout {
		t.Errorf("third attempt: fired %v after %v, want true after at least %v", w3.fired.Load(), time.Since(now), timeout)
	}
	g.stop(w1)
	g.stop(w3)
	waitIdle(t, g)
	// A stopped watch goes back to the pool clean: the next attempt is not
	// born fired.
	ctx4, w4 := g.start(t.Context(), time.Now())
	if w4.fired.Load() || ctx4.Err() != nil {
		t.Error("a new watch starts fired or canceled")
	}
	g.stop(w4)
}

// Attempts started and stopped from many goroutines at once, well within
// the timeout, are never fired, and the list and the cohorts are left
// empty (run with -race).
func TestWatchdogConcurrent(t *testing.T) {
	g := newWatchdog(time.Minute)
	var wg sync.WaitGroup
	for i := range 16 {
		ctx := context.Background() // in a cohort
		if i%2 == 0 {
			ctx = t.Context() // watched on its own
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				ctx, w := g.start(ctx, time.Now())
				if w.fired.Load() || ctx.Err() != nil {
					t.Error("an attempt ended before its timeout")
				}
				g.stop(w)
			}
		}()
	}
	wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.head.next != &g.head || g.head.prev != &g.head {
		t.Error("attempts left in the list after every one stopped")
	}
	for _, c := range g.cohorts {
		if c.inFlight != 0 {
			t.Errorf("a cohort counts %d attempts after every one stopped", c.inFlight)
		}
	}
}

func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the attempt's context was not canceled within 5s")
	}
}

type ctxKey struct{}

// Attempts whose caller's context cannot be canceled share the context of
// their window's cohort: it carries each caller's values and the window's
// last deadline, ends then with context.DeadlineExceeded (not before the
// attempt's own deadline), and a cohort nobody is in is let go.
func TestWatchdogCohort(t *testing.T) {
	const timeout = 80 * time.Millisecond // a window of 5ms
	g := newWatchdog(timeout)
	now := time.Now()
	ctx1, w1 := g.start(context.WithValue(context.Background(), ctxKey{}, "one"), now)
	ctx2, w2 := g.start(context.Background(), now.Add(time.Millisecond))
	if w1.c == nil || w1.c != w2.c {
		t.Fatal("two attempts of one window are not in one cohort")
	}
	if got := ctx1.Value(ctxKey{}); got != "one" {
		t.Errorf("Value = %v, want the caller's", got)
	}
	if ctx2.Value(ctxKey{}) != nil {
		t.Error("one caller's value reached another's attempt")
	}
	// The deadline is the cohort's: the last of its window's.
	if dl, ok := ctx2.Deadline(); !ok || !dl.Equal(now.Add(g.window+timeout)) {
		t.Errorf("Deadline = %v, %v; want the window's last", dl, ok)
	}
	// A child registers with the cohort's context as with a WithCancel
	// parent, at the same cost: no goroutine (which would cost more).
	child := func(parent context.Context) float64 {
		return testing.AllocsPerRun(100, func() {
			_, cancel := context.WithCancel(parent)
			cancel()
		})
	}
	plain, cancelPlain := context.WithCancel(context.Background())
	defer cancelPlain()
	if got, want := child(ctx1), child(plain); got != want {
		t.Errorf("a child of an attempt's context costs %v allocations, of a WithCancel context %v", got, want)
	}
	_, w3 := g.start(context.Background(), now.Add(g.window))
	if w3.c == w1.c {
		t.Error("an attempt after the window joined its cohort")
	}
	waitDone(t, ctx1)
	if since := time.Since(now); since < timeout || !w1.expired() || !w2.expired() {
		t.Errorf("after %v: expired %v, %v; want both, after at least %v", since, w1.expired(), w2.expired(), timeout)
	}
	if !errors.Is(ctx1.Err(), context.DeadlineExceeded) {
		t.Errorf("Err = %v, want context.DeadlineExceeded", ctx1.Err())
	}
	g.stop(w1)
	g.stop(w2)
	g.stop(w3)
	waitIdle(t, g)
}

// A cohort nobody is in any more is let go at the watchdog's next wake,
// long before its deadline, and the goroutine ends.
func TestWatchdogCohortReleased(t *testing.T) {
	g := newWatchdog(time.Minute)
	ctx, w := g.start(context.Background(), time.Now())
	g.stop(w)
	waitIdle(t, g)
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("Err = %v after the last attempt stopped, want context.Canceled (released)", ctx.Err())
	}
}

// waitIdle waits for the watchdog's goroutine to end.
func waitIdle(t *testing.T, g *watchdog) {
	t.Helper()
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		running := g.running
		g.mu.Unlock()
		if !running {
			return
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the watchdog's goroutine still runs with nothing in flight")
		}
	}
}

// A watched attempt whose deadline comes before the goroutine would wake
// (asleep for watchIdle, with only a cohort to look after) wakes it: the
// attempt ends at its own deadline.
func TestWatchdogKick(t *testing.T) {
	g := newWatchdog(40 * time.Millisecond)
	g.window = 50 * time.Millisecond // the cohort ends at 90ms
	now := time.Now()
	cctx, cw := g.start(context.Background(), now)
	defer g.stop(cw)
	time.Sleep(5 * time.Millisecond) // the goroutine is asleep until 100ms
	wctx, ww := g.start(t.Context(), now)
	defer g.stop(ww)
	waitDone(t, wctx)
	if since := time.Since(now); since >= 85*time.Millisecond {
		t.Errorf("the watched attempt ended after %v, want about its 40ms", since)
	}
	if cctx.Err() != nil && time.Since(now) < 90*time.Millisecond {
		t.Error("the cohort ended before its deadline")
	}
	if !errors.Is(context.Cause(wctx), context.DeadlineExceeded) {
		t.Errorf("cause = %v, want one wrapping context.DeadlineExceeded", context.Cause(wctx))
	}
}
