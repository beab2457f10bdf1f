package apikeys_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
)

// relHammer runs goroutines × calls (Get, Pause, List in turn) on one client
// and returns the first failure of each goroutine.
func relHammer(ctx context.Context, cl *apikeys.Client, goroutines, calls int) []error {
	errs := make([]error, goroutines)
	var wg sync.WaitGroup
	wg.Add(goroutines)
	for g := range goroutines {
		go func() {
			defer wg.Done()
			for i := range calls {
				id := fmt.Sprintf("key_%d_%d", g, i)
				var err error
				switch i % 3 {
				case 0:
					var k *apikeys.Key
					if k, err = cl.Get(ctx, id); err == nil && (k.ID != id || k.Status != apikeys.StatusActive) {
						err = fmt.Errorf("Get(%s) = %s %s", id, k.ID, k.Status)
					}
				case 1:
					var k *apikeys.Key
					if k, err = cl.Pause(ctx, id); err == nil && (k.ID != id || k.Status != apikeys.StatusPaused) {
						err = fmt.Errorf("Pause(%s) = %s %s", id, k.ID, k.Status)
					}
				default:
					n := 0
					for k, lerr := range cl.List(ctx, apikeys.ListParams{}) {
						if lerr != nil {
							err = lerr
							break
						}
						if k.ID != fmt.Sprintf("key_%d", n+1) {
							err = fmt.Errorf("List key %d = %s", n, k.ID)
						}
						n++
					}
					if err == nil && n != 2 {
						err = fmt.Errorf("List gave %d keys, want 2", n)
					}
				}
				if err != nil {
					errs[g] = fmt.Errorf("goroutine %d call %d: %w", g, i, err)
					return
				}
			}
		}()
	}
	wg.Wait()
	return errs
}

func TestConcurrentCalls(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, relSequence(200))
	for _, err := range relHammer(t.Context(), relClient(t, srv.URL), 32, 25) {
		if err != nil {
			t.Error(err)
		}
	}
	if n := srv.count(); n != 32*25 {
		t.Errorf("server saw %d requests, want %d", n, 32*25)
	}
}

// Concurrent calls that are retried keep their own Idempotency-Key: no two
// calls share one, and every attempt of one call repeats it. The server fails
// the first attempt of every Pause.
func TestConcurrentRetries(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		mu.Lock()
		key := r.Header.Get("Idempotency-Key")
		first := key != "" && !seen[key]
		seen[key] = true
		mu.Unlock()
		if first {
			relFail(w, http.StatusServiceUnavailable)
			return
		}
		relOK(w, r)
	})
	// The budget would stop retries after a burst of failures; this test is
	// about keys, not throttling.
	cl := relClient(t, srv.URL, apikeys.WithRetryBudget(0))
	for _, err := range relHammer(t.Context(), cl, 16, 12) {
		if err != nil {
			t.Error(err)
		}
	}
	byKey := map[string][]relHit{}
	for _, h := range srv.Hits() {
		if h.Method == http.MethodPost {
			k := h.Header.Get("Idempotency-Key")
			byKey[k] = append(byKey[k], h)
		}
	}
	const pauses = 16 * 4 // calls 1, 4, 7 and 10 of each goroutine
	if len(byKey) != pauses {
		t.Errorf("%d distinct Idempotency-Keys, want one per Pause call: %d", len(byKey), pauses)
	}
	for k, hits := range byKey {
		if k == "" || len(hits) != 2 || hits[0].Path != hits[1].Path {
			t.Errorf("Idempotency-Key %q: %d requests, want 2 for one key", k, len(hits))
		}
	}
}

// A context canceled in the middle of TransitionMany stops it: the keys not
// yet started report context.Canceled and send nothing. The server cancels
// while it handles the third request, so with one worker exactly three
// requests may reach it, whatever the machine's speed.
func TestTransitionManyCanceledMidRun(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if n == 3 {
			cancel()
		}
		relOK(w, r)
	})
	ids := make([]string, 20)
	for i := range ids {
		ids[i] = fmt.Sprintf("key_%d", i)
	}
	results := relClient(t, srv.URL).TransitionMany(ctx, apikeys.ActionPause, ids, 1)
	hits := srv.Hits()
	if len(hits) != 3 {
		t.Errorf("server saw %d requests, want 3 (none after the cancel)", len(hits))
	}
	for i, h := range hits[:min(len(hits), 3)] {
		if want := relCollection + "/" + ids[i] + "/pause"; h.Method != http.MethodPost || h.Path != want {
			t.Errorf("request %d: %s %s, want POST %s", i+1, h.Method, h.Path, want)
		}
	}
	if len(results) != len(ids) {
		t.Fatalf("%d results, want %d", len(results), len(ids))
	}
	for i, r := range results {
		switch {
		case r.KeyID != ids[i]:
			t.Errorf("results[%d].KeyID = %q, want %q", i, r.KeyID, ids[i])
		case i < 2 && (r.Err != nil || r.Key == nil || r.Key.Status != apikeys.StatusPaused):
			t.Errorf("results[%d] = %+v, want %s paused", i, r, ids[i])
		case i == 2 && r.Err != nil && !errors.Is(r.Err, context.Canceled):
			// Canceled while in flight: either outcome is right.
			t.Errorf("results[2].Err = %v, want nil or context.Canceled", r.Err)
		case i > 2 && (!errors.Is(r.Err, context.Canceled) || r.Key != nil):
			t.Errorf("results[%d] = %+v, want context.Canceled and no key", i, r)
		}
	}
}

// sdkGoroutines returns the stacks of the goroutines that run code of this
// module's packages (the SDK and its internal packages, not the tests),
// other than the caller's. After every call has returned, there must be none:
// a worker, a timer's callback or a body reader left behind is a leak.
func sdkGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var out []string
	for i, g := range strings.Split(string(buf), "\n\n") {
		if i == 0 { // the caller's own goroutine comes first
			continue
		}
		if strings.Contains(g, "github.com/apikeys-go/apikeys.") || strings.Contains(g, "github.com/apikeys-go/apikeys/internal/") {
			out = append(out, g)
		}
	}
	return out
}

// checkNoLeak waits up to two seconds for the SDK's goroutines to end.
func checkNoLeak(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	left := sdkGoroutines()
	for len(left) > 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
		left = sdkGoroutines()
	}
	for _, g := range left {
		t.Errorf("goroutine left behind:\n%s", g)
	}
}

// After cancellation nothing of the SDK keeps running: bulk workers, calls
// canceled while the server holds the headers or the body, an abandoned
// List, a broken TransitionEach. Not parallel: the check reads every
// goroutine of the process, and parallel tests are paused while it runs.
func TestNoGoroutineLeftAfterCancellation(t *testing.T) {
	release := make(chan struct{})
	var releaseOnce sync.Once
	unblock := func() { releaseOnce.Do(func() { close(release) }) }
	t.Cleanup(unblock)
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		if strings.HasSuffix(r.URL.Path, "/key_body") { // headers and half a body, then nothing
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			fmt.Fprint(w, `{"id":"key_body",`)
			w.(http.Flusher).Flush()
		}
		select { // every request stalls until the client gives up or the test releases it
		case <-r.Context().Done():
		case <-release:
			relOK(w, r)
		}
	})
	cl := relClient(t, srv.URL, apikeys.WithMaxRetries(2))
	ids := make([]string, 50)
	for i := range ids {
		ids[i] = fmt.Sprintf("key_%d", i)
	}

	t.Run("TransitionMany", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		for _, r := range cl.TransitionMany(ctx, apikeys.ActionPause, ids, 8) {
			if !errors.Is(r.Err, context.DeadlineExceeded) {
				t.Errorf("%s: %v, want the context's deadline", r.KeyID, r.Err)
			}
		}
		checkNoLeak(t)
	})
	t.Run("TransitionEach", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		n := 0
		for r := range cl.TransitionEach(ctx, apikeys.ActionPause, ids, 8) {
			if r.Err == nil {
				t.Errorf("%s succeeded against a stalled server", r.KeyID)
			}
			if n++; n == 3 {
				break
			}
		}
		checkNoLeak(t)
	})
	t.Run("Get/stall before headers and in the body", func(t *testing.T) {
		var wg sync.WaitGroup
		for i := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx, cancel := context.WithTimeout(t.Context(), time.Duration(20+i)*time.Millisecond)
				defer cancel()
				id := []string{"key_1", "key_body"}[i%2]
				if _, err := cl.Get(ctx, id); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("Get %s: %v, want the context's deadline", id, err)
				}
			}()
		}
		time.Sleep(10 * time.Millisecond)
		if len(sdkGoroutines()) == 0 { // the check must see calls that are running
			t.Error("sdkGoroutines sees none of the 16 Gets in flight")
		}
		wg.Wait()
		checkNoLeak(t)
	})
	t.Run("List abandoned after the first page", func(t *testing.T) {
		unblock() // answers now come at once
		for _, err := range cl.List(t.Context(), apikeys.ListParams{}) {
			if err != nil {
				t.Fatal(err)
			}
			break
		}
		checkNoLeak(t)
	})
	cl.HTTPClient().CloseIdleConnections()
}
