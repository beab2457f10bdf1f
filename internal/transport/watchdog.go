package transport

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// watchdog ends the attempts that outlive the per-attempt timeout without a
// timer per attempt. A timer (context.WithTimeout's, or net/http's
// ResponseHeaderTimeout) costs every attempt an allocation, an insertion
// into the runtime's timer heap and, on a quiet process, a wakeup of an
// idle thread to watch it: a profile of a 204 answered over loopback put
// that at about a microsecond, 4 % of the call. Every attempt of a
// transport has the same timeout, so attempts reach their deadlines in the
// order they started: the watchdog keeps them in one list, oldest first,
// and one goroutine sleeps until the oldest deadline, cancels each attempt
// whose deadline has passed, and sleeps until the next. It sleeps no longer
// than watchIdle at a time and returns when it wakes to find no attempt in
// flight; the next attempt starts it again. So a client that is not in use
// holds no goroutine for more than watchIdle (a test's leak check sees
// none), and one in steady use pays for a goroutine start and a wakeup a
// few times a second, not a timer per attempt.
// watchIdle is the longest the watchdog's goroutine sleeps.
const watchIdle = 100 * time.Millisecond

type watchdog struct {
	timeout time.Duration
	mu      sync.Mutex
	head    watch // the list's sentinel: head.next is the oldest attempt
	running bool  // a goroutine is watching the list
	idle    sync.Pool
}

// watch is one attempt in the watchdog's list.
type watch struct {
	prev, next *watch
	deadline   time.Time
	cancel     context.CancelFunc
	fired      atomic.Bool // the watchdog canceled the attempt
}

func newWatchdog(timeout time.Duration) *watchdog {
	g := &watchdog{timeout: timeout}
	g.head.prev, g.head.next = &g.head, &g.head
	return g
}

// start watches an attempt that began at now: the context it returns, a
// child of ctx, is canceled once the timeout has passed. The caller must
// call stop when the attempt is over, its body read.
func (g *watchdog) start(ctx context.Context, now time.Time) (context.Context, *watch) {
	actx, cancel := context.WithCancel(ctx)
	w, _ := g.idle.Get().(*watch)
	if w == nil {
		w = new(watch)
	}
	w.deadline, w.cancel = now.Add(g.timeout), cancel
	g.mu.Lock()
	w.prev, w.next = g.head.prev, &g.head
	w.prev.next, g.head.prev = w, w
	if !g.running {
		g.running = true
		go g.run()
	}
	g.mu.Unlock()
	return actx, w
}

// stop ends the watch of w and cancels its context, which releases it.
func (g *watchdog) stop(w *watch) {
	g.mu.Lock()
	if w.next != nil { // still listed: the watchdog did not fire
		w.unlink()
	}
	g.mu.Unlock()
	w.cancel()
	w.cancel = nil
	w.fired.Store(false)
	g.idle.Put(w)
}

func (w *watch) unlink() {
	w.prev.next, w.next.prev = w.next, w.prev
	w.prev, w.next = nil, nil
}

// run cancels the attempts whose deadline has passed, oldest first, and
// sleeps until the next deadline or for watchIdle, whichever comes first;
// it returns when the list is empty.
func (g *watchdog) run() {
	var timer *time.Timer
	var due []context.CancelFunc
	for {
		g.mu.Lock()
		now := time.Now()
		for w := g.head.next; w != &g.head && !now.Before(w.deadline); w = g.head.next {
			w.unlink()
			w.fired.Store(true)
			due = append(due, w.cancel)
		}
		empty := g.head.next == &g.head
		var wait time.Duration
		if empty {
			g.running = false
		} else {
			wait = min(g.head.next.deadline.Sub(now), watchIdle)
		}
		g.mu.Unlock()
		for i, cancel := range due {
			cancel()
			due[i] = nil
		}
		due = due[:0]
		if empty {
			if timer != nil {
				timer.Stop()
			}
			return
		}
		if timer == nil {
			timer = time.NewTimer(wait)
		} else {
			timer.Reset(wait)
		}
		<-timer.C
	}
}
