package transport

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// watchIdle is the longest the watchdog's goroutine sleeps, and the most a
// cohort's window lasts.
const watchIdle = 100 * time.Millisecond

// watchdog ends the attempts that outlive the per-attempt timeout without a
// timer per attempt. A timer (context.WithTimeout's, or net/http's
// ResponseHeaderTimeout) costs every attempt an allocation, an insertion
// into the runtime's timer heap and, on a quiet process, a wakeup of an
// idle thread to watch it: a profile of a 204 answered over loopback put
// that at about a microsecond, 4 % of the call.
//
// Every attempt of a transport has the same timeout, so attempts reach their
// deadlines in the order they started. An attempt whose caller's context
// can be canceled gets a child context and a place in a list, oldest first
// (watch). An attempt whose caller's context cannot be canceled
// (context.Background, or only values) needs no context of its own: it
// joins the cohort of the attempts that started within the same window
// (timeout/16, at most watchIdle), which share one context, canceled once
// the window's last deadline has passed. A cohort's attempts are so bounded
// by their timeout plus at most one window; net/http's per-request child
// context registers with the cohort's as with any context.WithCancel
// parent, so the attempt costs one small allocation instead of five.
//
// One goroutine sleeps until the next deadline (at most watchIdle), cancels
// what is due, and returns when it wakes to find nothing in flight; the
// next attempt starts it again. So a client that is not in use holds no
// goroutine for more than watchIdle (a test's leak check sees none), and
// one in steady use pays for a goroutine start and a wakeup a few times a
// second.
type watchdog struct {
	timeout time.Duration
	window  time.Duration // of a cohort
	mu      sync.Mutex
	head    watch     // the list's sentinel: head.next is the oldest watch
	cohorts []*cohort // oldest first; the last one may still be joined
	running bool      // a goroutine is watching
	idle    sync.Pool // *watch
}

// watch is one attempt: in the watchdog's list (cancel set), or in a
// cohort (c set).
type watch struct {
	prev, next *watch
	deadline   time.Time
	cancel     context.CancelFunc
	fired      atomic.Bool // the watchdog canceled the attempt's own context
	c          *cohort
}

// cohort is the context shared by the attempts that started in one window.
// inFlight is guarded by the watchdog's mu.
type cohort struct {
	ctx      context.Context
	cancel   context.CancelFunc
	opened   time.Time // when its first attempt started
	deadline time.Time // the deadline of its last possible attempt
	inFlight int
}

func newWatchdog(timeout time.Duration) *watchdog {
	g := &watchdog{timeout: timeout, window: min(timeout/16, watchIdle)}
	g.head.prev, g.head.next = &g.head, &g.head
	return g
}

// start watches an attempt that began at now under ctx. The context it
// returns carries ctx's values and ends once the timeout has passed (with
// a cohort, within one window after) or when ctx ends. The caller must
// call stop when the attempt is over, its body read.
func (g *watchdog) start(ctx context.Context, now time.Time) (context.Context, *watch) {
	w, _ := g.idle.Get().(*watch)
	if w == nil {
		w = new(watch)
	}
	w.deadline = now.Add(g.timeout)
	if ctx.Done() == nil {
		g.mu.Lock()
		c := g.cohortAt(now)
		c.inFlight++
		g.wake()
		g.mu.Unlock()
		w.c = c
		return &cohortCtx{Context: ctx, cohort: c.ctx, deadline: w.deadline}, w
	}
	actx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	g.mu.Lock()
	w.prev, w.next = g.head.prev, &g.head
	w.prev.next, g.head.prev = w, w
	g.wake()
	g.mu.Unlock()
	return actx, w
}

// cohortAt returns the cohort an attempt starting at now joins, opening
// one when the last one's window has closed. mu is held.
func (g *watchdog) cohortAt(now time.Time) *cohort {
	if n := len(g.cohorts); n > 0 && now.Sub(g.cohorts[n-1].opened) < g.window {
		return g.cohorts[n-1]
	}
	ctx, cancel := context.WithCancel(context.Background())
	c := &cohort{ctx: ctx, cancel: cancel, opened: now, deadline: now.Add(g.window + g.timeout)}
	g.cohorts = append(g.cohorts, c)
	return c
}

// wake starts the goroutine unless it runs. mu is held.
func (g *watchdog) wake() {
	if !g.running {
		g.running = true
		go g.run()
	}
}

// stop ends the watch of w, and releases its context.
func (g *watchdog) stop(w *watch) {
	g.mu.Lock()
	switch {
	case w.c != nil:
		w.c.inFlight--
	case w.next != nil: // still listed: the watchdog did not fire
		w.unlink()
	}
	g.mu.Unlock()
	if w.cancel != nil {
		w.cancel()
	}
	*w = watch{}
	g.idle.Put(w)
}

// expired reports whether the watchdog ended the attempt's context.
func (w *watch) expired() bool {
	return w.fired.Load() || w.c != nil && w.c.ctx.Err() != nil
}

func (w *watch) unlink() {
	w.prev.next, w.next.prev = w.next, w.prev
	w.prev, w.next = nil, nil
}

// run cancels the watches whose deadline has passed, oldest first, and the
// cohorts past their deadline or with no attempt left in them, then sleeps
// until the next deadline or for watchIdle, whichever comes first; it
// returns when nothing is left.
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
		kept := g.cohorts[:0]
		for _, c := range g.cohorts {
			if c.inFlight == 0 || !now.Before(c.deadline) {
				due = append(due, c.cancel)
			} else {
				kept = append(kept, c)
			}
		}
		clear(g.cohorts[len(kept):])
		g.cohorts = kept
		wait := watchIdle
		if w := g.head.next; w != &g.head {
			wait = min(wait, w.deadline.Sub(now))
		}
		if len(g.cohorts) > 0 {
			wait = min(wait, g.cohorts[0].deadline.Sub(now))
		}
		empty := g.head.next == &g.head && len(g.cohorts) == 0
		if empty {
			g.running = false
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

// cohortCtx is the context of an attempt in a cohort: the caller's values,
// the cohort's cancellation, the attempt's own deadline. The cohort's
// context holds no values, so the only key it answers is the context
// package's own, with which a child finds its parent's cancelCtx: a child
// of a cohortCtx (net/http makes one per request) then registers with the
// cohort's context as with a parent made by context.WithCancel, without
// the goroutine the context package starts for a parent it does not know.
type cohortCtx struct {
	context.Context // the caller's, which cannot be canceled
	cohort          context.Context
	deadline        time.Time
}

func (c *cohortCtx) Deadline() (time.Time, bool) { return c.deadline, true }
func (c *cohortCtx) Done() <-chan struct{}       { return c.cohort.Done() }
func (c *cohortCtx) Err() error                  { return c.cohort.Err() }

func (c *cohortCtx) Value(key any) any {
	if v := c.cohort.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}
