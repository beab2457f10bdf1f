package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// inflight measures how many requests are in flight at once.
type inflight struct {
	next     http.RoundTripper
	cur, max atomic.Int64
}

func (f *inflight) RoundTrip(req *http.Request) (*http.Response, error) {
	n := f.cur.Add(1)
	defer f.cur.Add(-1)
	for {
		m := f.max.Load()
		if n <= m || f.max.CompareAndSwap(m, n) {
			break
		}
	}
	return f.next.RoundTrip(req)
}

// measured returns a client of e whose requests in flight f counts.
func measured(e *env) (*apikeys.Client, *inflight) {
	f := &inflight{}
	c := e.client(func(next http.RoundTripper) http.RoundTripper { f.next = next; return f })
	return c, f
}

func TestTransitionManyPause200(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var keyIDs []string
	for i := range 200 {
		keyIDs = append(keyIDs, e.create(apikeys.CreateParams{Name: fmt.Sprintf("bulk %d", i)}).Key.ID)
	}
	rand.Shuffle(len(keyIDs), func(i, j int) { keyIDs[i], keyIDs[j] = keyIDs[j], keyIDs[i] })
	c, f := measured(e)
	before := e.requests()
	results := c.TransitionMany(e.ctx, apikeys.ActionPause, keyIDs, 8)
	if len(results) != len(keyIDs) {
		t.Fatalf("%d results for %d keys", len(results), len(keyIDs))
	}
	for i, r := range results {
		switch {
		case r.KeyID != keyIDs[i]:
			t.Errorf("result %d is for %s, want %s (input order)", i, r.KeyID, keyIDs[i])
		case r.Err != nil:
			t.Errorf("result %d (%s): %v", i, r.KeyID, r.Err)
		case r.Key == nil || r.Key.ID != r.KeyID || r.Key.Status != apikeys.StatusPaused:
			t.Errorf("result %d (%s): key %+v, want it paused", i, r.KeyID, r.Key)
		}
	}
	if n := e.requests() - before; n != 200 {
		t.Errorf("%d requests for 200 keys, want 200 (no key is fetched first)", n)
	}
	if m := f.max.Load(); m > 8 || m < 2 {
		t.Errorf("at most %d requests in flight, want 2 to 8 with concurrency 8", m)
	}
	if paused := e.listAll(apikeys.ListParams{Status: apikeys.StatusPaused}); len(paused) != 200 {
		t.Errorf("%d keys paused on the server, want 200", len(paused))
	}
}

func TestTransitionManyMixed(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	type want struct {
		status   apikeys.Status // on success
		sentinel error          // on failure
	}
	var keyIDs []string
	var wants []want
	for i := range 12 {
		switch i % 4 {
		case 0, 1:
			keyIDs = append(keyIDs, e.keyIn(apikeys.StatusActive, "ok").ID)
			wants = append(wants, want{status: apikeys.StatusRevoked})
		case 2:
			keyIDs = append(keyIDs, fmt.Sprintf("key_unknown_%d", i))
			wants = append(wants, want{sentinel: apikeys.ErrNotFound})
		case 3:
			keyIDs = append(keyIDs, e.keyIn(apikeys.StatusRevoked, "revoked").ID)
			wants = append(wants, want{sentinel: apikeys.ErrInvalidTransition})
		}
	}
	keyIDs = append(keyIDs, "", "..") // refused locally
	wants = append(wants, want{sentinel: apikeys.ErrInvalidParams}, want{sentinel: apikeys.ErrInvalidParams})
	before := e.requests()
	results := e.c.TransitionMany(e.ctx, apikeys.ActionRevoke, keyIDs, 3)
	for i, r := range results {
		w := wants[i]
		if r.KeyID != keyIDs[i] {
			t.Errorf("result %d is for %q, want %q", i, r.KeyID, keyIDs[i])
		}
		if w.sentinel != nil {
			if r.Key != nil || !errors.Is(r.Err, w.sentinel) {
				t.Errorf("result %d (%q): %v, %v; want %v", i, r.KeyID, r.Key, r.Err, w.sentinel)
			}
			continue
		}
		if r.Err != nil || r.Key == nil || r.Key.Status != w.status {
			t.Errorf("result %d (%q): %v, %v; want a %s key", i, r.KeyID, r.Key, r.Err, w.status)
		}
	}
	if n := e.requests() - before; n != 12 {
		t.Errorf("%d requests, want 12 (the 2 invalid IDs are refused locally)", n)
	}
}

func TestTransitionManyCanceled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var keyIDs []string
	for range 20 {
		keyIDs = append(keyIDs, e.create(apikeys.CreateParams{Name: "c"}).Key.ID)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	cancel()
	before := e.requests()
	results := e.c.TransitionMany(ctx, apikeys.ActionPause, keyIDs, 4)
	if len(results) != len(keyIDs) {
		t.Fatalf("%d results, want %d", len(results), len(keyIDs))
	}
	for i, r := range results {
		if r.KeyID != keyIDs[i] || r.Key != nil || !errors.Is(r.Err, context.Canceled) {
			t.Errorf("result %d: %q, %v, %v; want %q, nil, context.Canceled", i, r.KeyID, r.Key, r.Err, keyIDs[i])
		}
		// Not started: the error says so and names the key.
		if want := "apikeys: reference: pause key " + keyIDs[i] + ": not started: context canceled"; r.Err == nil || r.Err.Error() != want {
			t.Errorf("result %d: error %v, want %q", i, r.Err, want)
		}
	}
	if n := e.requests() - before; n != 0 {
		t.Errorf("%d requests with a canceled context, want 0", n)
	}
	if paused := e.listAll(apikeys.ListParams{Status: apikeys.StatusPaused}); len(paused) != 0 {
		t.Errorf("%d keys paused", len(paused))
	}
}

func TestTransitionManyConcurrency(t *testing.T) {
	t.Parallel()
	for _, concurrency := range []int{0, -3, 1} {
		t.Run(fmt.Sprint(concurrency), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var keyIDs []string
			for range 10 {
				keyIDs = append(keyIDs, e.keyIn(apikeys.StatusArchived, "gone soon").ID)
			}
			c, f := measured(e)
			results := c.TransitionMany(e.ctx, apikeys.ActionDelete, keyIDs, concurrency)
			for i, r := range results {
				if r.KeyID != keyIDs[i] || r.Err != nil || r.Key != nil {
					t.Errorf("result %d: %q, %v, %v; want %q deleted", i, r.KeyID, r.Key, r.Err, keyIDs[i])
				}
			}
			if m := f.max.Load(); m != 1 {
				t.Errorf("%d requests in flight at most, want 1", m)
			}
			if keys := e.listAll(apikeys.ListParams{IncludeArchived: true}); len(keys) != 0 {
				t.Errorf("%d keys left", len(keys))
			}
		})
	}
	t.Run("no keys", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		if r := e.c.TransitionMany(e.ctx, apikeys.ActionPause, nil, 8); len(r) != 0 {
			t.Errorf("%d results for no keys", len(r))
		}
		if n := e.requests(); n != 0 {
			t.Errorf("%d requests for no keys", n)
		}
	})
}

// TestTransitionEach: the same work as TransitionMany, each result as it
// completes; breaking the loop cancels what is not started.
func TestTransitionEach(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var keyIDs []string
	for i := range 20 {
		keyIDs = append(keyIDs, e.create(apikeys.CreateParams{Name: fmt.Sprintf("each %d", i)}).Key.ID)
	}
	c, f := measured(e)
	before := e.requests()
	seen := map[string]bool{}
	for r := range c.TransitionEach(e.ctx, apikeys.ActionPause, keyIDs, 4) {
		if r.Err != nil || r.Key == nil || r.Key.ID != r.KeyID || r.Key.Status != apikeys.StatusPaused || seen[r.KeyID] {
			t.Errorf("result for %s: %v, %v (seen before: %v); want it paused, once", r.KeyID, r.Key, r.Err, seen[r.KeyID])
		}
		seen[r.KeyID] = true
	}
	if len(seen) != 20 || e.requests()-before != 20 {
		t.Errorf("%d keys reported with %d requests, want 20 and 20", len(seen), e.requests()-before)
	}
	if m := f.max.Load(); m > 4 {
		t.Errorf("%d requests in flight, want at most 4", m)
	}

	// Breaking after 3 results cancels the rest: at most the 4 in flight
	// then are still sent. Canceled requests may never reach the server, or
	// reach it and go unanswered, which the validator's bookkeeping cannot
	// tell apart, so this runs on a server of its own.
	srv := apikeystest.NewServer()
	defer srv.Close()
	bc, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	keyIDs = keyIDs[:0]
	for i := range 20 {
		ck, err := bc.Create(e.ctx, apikeys.CreateParams{Name: fmt.Sprintf("each %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		keyIDs = append(keyIDs, ck.Key.ID)
	}
	before = len(srv.Requests())
	n := 0
	for r := range bc.TransitionEach(e.ctx, apikeys.ActionPause, keyIDs, 4) {
		if r.Err != nil {
			t.Errorf("result for %s: %v", r.KeyID, r.Err)
		}
		if n++; n == 3 {
			break
		}
	}
	if sent := len(srv.Requests()) - before; sent < 3 || sent > 3+4 {
		t.Errorf("%d requests after breaking at the third result, want 3 to 7", sent)
	}
	var paused int
	for k, err := range bc.List(e.ctx, apikeys.ListParams{Status: apikeys.StatusPaused}) {
		if err != nil {
			t.Fatal(err)
		}
		if k != nil {
			paused++
		}
	}
	if paused < 3 || paused > 7 {
		t.Errorf("%d keys paused, want 3 to 7", paused)
	}
}

// TestConcurrentClients: several clients and goroutines on one server, one
// of them sharing a client, under -race.
func TestConcurrentClients(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	const workers, perWorker = 8, 5
	shared := e.client(nil)
	var wg sync.WaitGroup
	mine := make([][]string, workers)
	errs := make(chan error, workers)
	for w := range workers {
		c := shared
		if w%2 == 0 {
			c = e.client(nil) // a client of its own
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail := func(format string, args ...any) {
				errs <- fmt.Errorf("worker %d: "+format, append([]any{w}, args...)...)
			}
			for i := range perWorker {
				ck, err := c.Create(e.ctx, apikeys.CreateParams{Name: fmt.Sprintf("w%d-%d", w, i)})
				if err != nil {
					fail("create: %v", err)
					return
				}
				mine[w] = append(mine[w], ck.Key.ID)
				if k, err := c.Pause(e.ctx, ck.Key.ID); err != nil || k.Status != apikeys.StatusPaused {
					fail("pause: %v, %v", k, err)
					return
				}
				seen := map[string]bool{}
				for k, err := range c.List(e.ctx, apikeys.ListParams{PageSize: 10}) {
					if err != nil {
						fail("list: %v", err)
						return
					}
					if seen[k.ID] {
						fail("list: key %s twice", k.ID)
					}
					seen[k.ID] = true
				}
				for _, id := range mine[w] {
					if !seen[id] {
						fail("list: own key %s missing", id)
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	paused := e.listAll(apikeys.ListParams{Status: apikeys.StatusPaused})
	if len(paused) != workers*perWorker {
		t.Errorf("%d keys paused, want %d", len(paused), workers*perWorker)
	}
}
