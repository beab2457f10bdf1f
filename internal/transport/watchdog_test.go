package transport

import (
	"context"
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
	for start := time.Now(); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		running := g.running
		g.mu.Unlock()
		if !running {
			break
		}
		if time.Since(start) > 5*time.Second {
			t.Fatal("the watchdog's goroutine still runs with nothing in flight")
		}
	}
	// A stopped watch goes back to the pool clean: the next attempt is not
	// born fired.
	ctx4, w4 := g.start(t.Context(), time.Now())
	if w4.fired.Load() || ctx4.Err() != nil {
		t.Error("a new watch starts fired or canceled")
	}
	g.stop(w4)
}

// Attempts started and stopped from many goroutines at once, well within
// the timeout, are never fired, and the list is left empty (run with -race).
func TestWatchdogConcurrent(t *testing.T) {
	g := newWatchdog(time.Minute)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 500 {
				ctx, w := g.start(context.Background(), time.Now())
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
}

func waitDone(t *testing.T, ctx context.Context) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the attempt's context was not canceled within 5s")
	}
}
