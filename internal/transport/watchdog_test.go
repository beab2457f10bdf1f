package transport

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"
)

// The watchdog cancels each attempt once its deadline has passed, oldest
// first, and not before; its goroutine ends once nothing is in flight.
func TestWatchdog(t *testing.T) {
	const timeout = 60 * time.Millisecond
	g := newWatchdog(timeout)
	now := g.now()
	// Deadlines in 10ms, 30ms and 60ms, started in that (the list's) order.
	// Contexts that can be canceled: each attempt is watched on its own.
	ctx1, w1 := g.start(t.Context(), now-50*time.Millisecond)
	ctx2, w2 := g.start(t.Context(), now-30*time.Millisecond)
	ctx3, w3 := g.start(t.Context(), now)
	g.stop(w2) // in time
	if ctx2.Err() == nil {
		t.Fatal("stop did not cancel the attempt's context, which releases it")
	}
	waitDone(t, ctx1)
	if !w1.w.fired.Load() {
		t.Error("the first attempt's context ended, but not by the watchdog")
	}
	if ctx3.Err() != nil && g.now()-now < timeout {
		t.Errorf("the third attempt was canceled %v after it began, before its %v", g.now()-now, timeout)
	}
	waitDone(t, ctx3)
	if !w3.w.fired.Load() || g.now()-now < timeout {
		t.Errorf("third attempt: fired %v after %v, want true after at least %v", w3.w.fired.Load(), g.now()-now, timeout)
	}
	g.stop(w1)
	g.stop(w3)
	waitIdle(t, g)
	// A stopped watch goes back to the pool clean: the next attempt is not
	// born fired.
	ctx4, w4 := g.start(t.Context(), g.now())
	if w4.w.fired.Load() || ctx4.Err() != nil {
		t.Error("a new watch starts fired or canceled")
	}
	g.stop(w4)
}

// Attempts started and stopped from many goroutines at once, well within
// the timeout, are never fired, and the list and the cohorts are left
// empty (run with -race). With a window of 20µs cohorts close and are let
// go while attempts join them: none joins one that is let go.
func TestWatchdogConcurrent(t *testing.T) {
	for _, window := range []time.Duration{0, 20 * time.Microsecond} {
		t.Run(fmt.Sprint(window), func(t *testing.T) { testWatchdogConcurrent(t, window) })
	}
}

func testWatchdogConcurrent(t *testing.T, window time.Duration) {
	g := newWatchdog(time.Minute)
	if window > 0 {
		g.window = window
	}
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
				ctx, w := g.start(ctx, g.now())
				if w.expired() || ctx.Err() != nil {
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
		if c.inFlight.Load() != 0 {
			t.Errorf("a cohort counts %d attempts after every one stopped", c.inFlight.Load())
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
	now := g.now()
	ctx1, w1 := g.start(context.WithValue(context.Background(), ctxKey{}, "one"), now)
	ctx2, w2 := g.start(context.Background(), now+time.Millisecond)
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
	if dl, ok := ctx2.Deadline(); !ok || !dl.Equal(g.epoch.Add(now+g.window+timeout)) {
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
	_, w3 := g.start(context.Background(), now+g.window)
	if w3.c == w1.c {
		t.Error("an attempt after the window joined its cohort")
	}
	waitDone(t, ctx1)
	if since := g.now() - now; since < timeout || !w1.expired() || !w2.expired() {
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
	ctx, w := g.start(context.Background(), g.now())
	g.stop(w)
	waitIdle(t, g)
	if !errors.Is(ctx.Err(), context.Canceled) {
		t.Errorf("Err = %v after the last attempt stopped, want context.Canceled (released)", ctx.Err())
	}
	// The next attempt opens a cohort of its own.
	ctx2, w2 := g.start(context.Background(), g.now())
	defer g.stop(w2)
	if w2.c == w.c || ctx2.Err() != nil {
		t.Errorf("an attempt joined a cohort that was let go (Err %v)", ctx2.Err())
	}
}

// An attempt never joins a cohort the watchdog has let go, even one still
// current to an attempt that read it just before (the race between
// cohort.enter and the goroutine's release, played in order).
func TestWatchdogCohortLetGo(t *testing.T) {
	g := newWatchdog(time.Minute)
	now := g.now()
	ctx, gd := g.start(context.Background(), now)
	g.stop(gd)
	g.mu.Lock() // what run does to a cohort nobody is in, current left set
	if !gd.c.inFlight.CompareAndSwap(0, -1) {
		t.Fatalf("inFlight = %d after the only attempt stopped", gd.c.inFlight.Load())
	}
	g.cohorts = nil
	g.mu.Unlock()
	gd.c.cancel()
	ctx2, gd2 := g.start(context.Background(), now) // the same window
	defer g.stop(gd2)
	if gd2.c == gd.c || ctx2.Err() != nil || ctx2 == ctx {
		t.Errorf("an attempt joined a cohort that was let go (Err %v)", ctx2.Err())
	}
}

// Under context.Background an attempt in an open cohort costs no
// allocation: its context is the cohort's own, made once.
func TestWatchdogCohortAllocs(t *testing.T) {
	g := newWatchdog(time.Minute)
	_, first := g.start(context.Background(), g.now()) // opens the cohort
	defer g.stop(first)
	allocs := testing.AllocsPerRun(100, func() {
		_, w := g.start(context.Background(), g.now())
		g.stop(w)
	})
	if allocs != 0 {
		t.Errorf("an attempt in an open cohort costs %v allocations, want 0", allocs)
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
	now := g.now()
	cctx, cw := g.start(context.Background(), now)
	defer g.stop(cw)
	time.Sleep(5 * time.Millisecond) // the goroutine is asleep until 100ms
	wctx, ww := g.start(t.Context(), now)
	defer g.stop(ww)
	waitDone(t, wctx)
	if since := g.now() - now; since >= 85*time.Millisecond {
		t.Errorf("the watched attempt ended after %v, want about its 40ms", since)
	}
	if cctx.Err() != nil && g.now()-now < 90*time.Millisecond {
		t.Error("the cohort ended before its deadline")
	}
	if !errors.Is(context.Cause(wctx), context.DeadlineExceeded) {
		t.Errorf("cause = %v, want one wrapping context.DeadlineExceeded", context.Cause(wctx))
	}
}
