package transport

import (
	"context"
	"fmt"
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
// (timeout/16, at most watchIdle), which share one context with the
// window's last deadline (one timer a window, not one an attempt). A
// cohort's attempts are so bounded by their timeout plus at most one
// window; net/http's per-request child context registers with the
// cohort's as with any context.WithCancel parent. Joining the open cohort
// takes no lock (an atomic count), and under context.Background itself
// no allocation either: the attempt's context is the cohort's own.
//
// One goroutine sleeps until the oldest watch's deadline (at most
// watchIdle; an earlier deadline kicks it awake), cancels the watches that
// are due, lets go of the closed cohorts nobody is in, and returns when it
// wakes to find nothing in flight; the next attempt starts it again. So a client that is
// not in use holds no goroutine for more than watchIdle (a test's leak
// check sees none), and one in steady use pays for a goroutine start and a
// wakeup a few times a second.
type watchdog struct {
	timeout time.Duration
	window  time.Duration // of a cohort
	// epoch is the zero of the watchdog's clock (now): a time.Since of a
	// time with a monotonic reading reads one clock where time.Now reads
	// two, and an attempt reads it twice.
	epoch time.Time
	// current is the cohort attempts join while its window is open, nil
	// before the first; joining it takes no lock (see cohort.enter).
	current atomic.Pointer[cohort]
	mu      sync.Mutex
	head    watch     // the list's sentinel: head.next is the oldest watch
	cohorts []*cohort // oldest first; the last one is current
	running bool      // a goroutine is watching
	// nextWake is when the sleeping goroutine wakes; a watch's deadline
	// before it (a timeout shorter than watchIdle) kicks it awake.
	nextWake time.Duration
	kick     chan struct{}
	idle     sync.Pool // *watch
}

// guard is one attempt's place with the watchdog, held by value: a watch
// in the list (w) or a place in a cohort (c), and the attempt's own
// deadline on the watchdog's clock. The zero guard watches nothing.
type guard struct {
	deadline time.Duration
	w        *watch
	c        *cohort
}

// watch is an attempt in the watchdog's list.
type watch struct {
	prev, next *watch
	deadline   time.Duration
	cancel     context.CancelCauseFunc
	fired      atomic.Bool // the watchdog canceled the attempt's own context
}

// cohort is the context shared by the attempts that started in one window:
// a context.WithDeadline of the window's last deadline, one timer a
// window, so that the context reports a deadline and, once it has passed,
// context.DeadlineExceeded, as the context contract asks.
type cohort struct {
	ctx    context.Context
	cancel context.CancelFunc
	// bg is the attempt context of a caller whose context is
	// context.Background(), the common case: made once, not per attempt.
	bg       *cohortCtx
	opened   time.Duration // when its first attempt started
	deadline time.Duration // the deadline of its last possible attempt
	// inFlight counts the attempts in it; -1 once the watchdog has let it
	// go, after which nobody joins it.
	inFlight atomic.Int64
}

func newWatchdog(timeout time.Duration) *watchdog {
	g := &watchdog{timeout: timeout, window: min(timeout/16, watchIdle), epoch: time.Now(), kick: make(chan struct{}, 1)}
	g.head.prev, g.head.next = &g.head, &g.head
	return g
}

// now reads the watchdog's clock.
func (g *watchdog) now() time.Duration { return time.Since(g.epoch) }

// start watches an attempt that began at now under ctx. The context it
// returns carries ctx's values and ends once the timeout has passed (with
// a cohort, within one window after) or when ctx ends. The caller must
// call stop with the guard when the attempt is over, its body read.
func (g *watchdog) start(ctx context.Context, now time.Duration) (context.Context, guard) {
	deadline := now + g.timeout
	if ctx.Done() == nil {
		c := g.join(now)
		if ctx == context.Background() {
			return c.bg, guard{deadline: deadline, c: c}
		}
		return &cohortCtx{Context: ctx, cohort: c.ctx}, guard{deadline: deadline, c: c}
	}
	w, _ := g.idle.Get().(*watch)
	if w == nil {
		w = new(watch)
	}
	w.deadline = deadline
	actx, cancel := context.WithCancelCause(ctx)
	w.cancel = cancel
	g.mu.Lock()
	// Keep the list in deadline order: an attempt that read the clock
	// before one listed ahead of it waits for that one's deadline, a few
	// nanoseconds more, never less.
	if tail := g.head.prev; tail != &g.head && w.deadline < tail.deadline {
		w.deadline = tail.deadline
	}
	w.prev, w.next = g.head.prev, &g.head
	w.prev.next, g.head.prev = w, w
	g.wake(w.deadline)
	g.mu.Unlock()
	return actx, guard{deadline: w.deadline, w: w}
}

// join enters an attempt starting at now into the current cohort, or
// opens a new one when its window has closed or the watchdog let it go.
func (g *watchdog) join(now time.Duration) *cohort {
	if c := g.current.Load(); c != nil && now-c.opened < g.window && c.enter() {
		return c
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	if c := g.current.Load(); c != nil && now-c.opened < g.window && c.enter() {
		return c // another attempt opened it meanwhile
	}
	deadline := now + g.window + g.timeout
	ctx, cancel := context.WithDeadline(context.Background(), g.epoch.Add(deadline))
	c := &cohort{ctx: ctx, cancel: cancel, opened: now, deadline: deadline}
	c.bg = &cohortCtx{Context: context.Background(), cohort: ctx}
	c.inFlight.Store(1)
	g.cohorts = append(g.cohorts, c)
	g.current.Store(c)
	g.ensureRunning() // the cohort's own timer ends it: no early wake
	return c
}

// enter counts one more attempt in c, unless the watchdog let c go.
func (c *cohort) enter() bool {
	for {
		n := c.inFlight.Load()
		if n < 0 {
			return false
		}
		if c.inFlight.CompareAndSwap(n, n+1) {
			return true
		}
	}
}

// errAttemptTimeout is the cause of a watched attempt's cancellation, which
// net/http reports (context.Cause) for a request it ends: the attempt's
// context carries no deadline of its own, a timer being what the watchdog
// saves, so its Err is context.Canceled and its cause says why.
var errAttemptTimeout = fmt.Errorf("%w: the attempt's timeout passed", context.DeadlineExceeded)

// ensureRunning starts the goroutine unless it runs. mu is held.
func (g *watchdog) ensureRunning() {
	if !g.running {
		g.running = true
		go g.run()
	}
}

// wake starts the goroutine unless it runs, or wakes it early when a
// watch's deadline comes before it would wake. mu is held.
func (g *watchdog) wake(deadline time.Duration) {
	if !g.running {
		g.ensureRunning()
		return
	}
	if deadline < g.nextWake {
		select {
		case g.kick <- struct{}{}:
		default: // a kick is pending already
		}
	}
}

// stop ends the attempt of gd, and releases its context.
func (g *watchdog) stop(gd guard) {
	if gd.c != nil {
		gd.c.inFlight.Add(-1)
		return
	}
	w := gd.w
	g.mu.Lock()
	if w.next != nil { // still listed: the watchdog did not fire
		w.unlink()
	}
	g.mu.Unlock()
	w.cancel(nil) // over: context.Canceled, which nobody reads now
	*w = watch{}
	g.idle.Put(w)
}

// expired reports whether the watchdog ended the attempt's context.
func (gd guard) expired() bool {
	return gd.w != nil && gd.w.fired.Load() || gd.c != nil && gd.c.ctx.Err() != nil
}

func (w *watch) unlink() {
	w.prev.next, w.next.prev = w.next, w.prev
	w.prev, w.next = nil, nil
}

// run cancels the watches whose deadline has passed, oldest first, drops
// the cohorts past their deadline (their own timers end them) and lets go
// of those with no attempt left, then sleeps until the next watch's
// deadline or for watchIdle, whichever comes first; it returns when
// nothing is left.
func (g *watchdog) run() {
	var timer *time.Timer
	var due []context.CancelCauseFunc
	var dueCohorts []context.CancelFunc
	for {
		g.mu.Lock()
		now := g.now()
		for w := g.head.next; w != &g.head && now >= w.deadline; w = g.head.next {
			w.unlink()
			w.fired.Store(true)
			due = append(due, w.cancel)
		}
		// A cohort past its deadline is dropped: its own timer ends its
		// context with context.DeadlineExceeded (a cancel here could come
		// first and say Canceled). One whose window has closed and that
		// nobody is in is let go early.
		kept := g.cohorts[:0]
		for _, c := range g.cohorts {
			switch {
			case now >= c.deadline:
			case now-c.opened >= g.window && c.inFlight.CompareAndSwap(0, -1):
				dueCohorts = append(dueCohorts, c.cancel)
			default:
				kept = append(kept, c)
			}
		}
		clear(g.cohorts[len(kept):])
		g.cohorts = kept
		if n := len(kept); n == 0 || kept[n-1] != g.current.Load() {
			g.current.Store(nil) // dropped: nobody joins it, the collector may have it
		}
		wait := watchIdle
		if w := g.head.next; w != &g.head {
			wait = min(wait, w.deadline-now)
		}
		empty := g.head.next == &g.head && len(g.cohorts) == 0
		if empty {
			g.running = false
		}
		g.nextWake = now + wait
		g.mu.Unlock()
		for i, cancel := range due {
			cancel(errAttemptTimeout)
			due[i] = nil
		}
		due = due[:0]
		for i, cancel := range dueCohorts {
			cancel()
			dueCohorts[i] = nil
		}
		dueCohorts = dueCohorts[:0]
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
		select {
		case <-timer.C:
		case <-g.kick:
			timer.Stop() // since Go 1.23 a stopped timer's channel holds nothing stale
		}
	}
}

// cohortCtx is the context of an attempt in a cohort: the caller's values,
// the cohort's deadline and cancellation. The cohort's context holds no
// values, so the only key it answers is the context
// package's own, with which a child finds its parent's cancelCtx: a child
// of a cohortCtx (net/http makes one per request) then registers with the
// cohort's context as with a parent made by context.WithCancel, without
// the goroutine the context package starts for a parent it does not know.
type cohortCtx struct {
	context.Context // the caller's, which cannot be canceled
	cohort          context.Context
}

func (c *cohortCtx) Deadline() (time.Time, bool) { return c.cohort.Deadline() }
func (c *cohortCtx) Done() <-chan struct{}       { return c.cohort.Done() }
func (c *cohortCtx) Err() error                  { return c.cohort.Err() }

func (c *cohortCtx) Value(key any) any {
	if v := c.cohort.Value(key); v != nil {
		return v
	}
	return c.Context.Value(key)
}
