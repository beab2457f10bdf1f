package apikeys_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"path"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
)

// The retry budget's targets, with the default budget and three retries:
// retries absorb a flaky server (20% random 503s: at most 1% of 800
// concurrent calls fail; 10%: none) and a rate limiter that steers with
// Retry-After (none fail), while a dead server costs a bulk job of 800 calls
// at most 1.2 requests per call. The figures are logged; README.md quotes
// them. Delays are short so that the suite stays fast: the budget is counted
// in tokens, not time, and the one second a token takes to come back with
// time alone only lowers what a slower run would refund.

const budgetCalls = 800

// budgetClient is a reference client of srv with the default budget, three
// retries and short delays of its own (a server's Retry-After is still
// honoured up to the default 30s).
func budgetClient(t *testing.T, baseURL string, hc *http.Client) *apikeys.Client {
	t.Helper()
	opts := []apikeys.Option{
		apikeys.WithBaseURL(baseURL), apikeys.WithAPIKey(testCredential), apikeys.WithOrganization(testOrg),
		apikeys.WithMaxRetries(3), apikeys.WithMinRetryDelay(5 * time.Millisecond),
	}
	if hc != nil {
		opts = append(opts, apikeys.WithHTTPClient(hc))
	}
	c, err := apikeys.New(opts...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// flakyServer answers every request with a key, except a share of them with
// a 503 without Retry-After. Each request fails at random with that
// probability, but every call (one key ID) draws its faults from a stream of
// its own, so the pattern a call meets does not depend on how the 800
// goroutines interleave: the test is deterministic and what varies with the
// budget is only what the budget does. unavoidable reports the calls whose
// first four draws all fail, which no budget could save with three retries.
func flakyServer(t *testing.T, failShare float64) (srv *httptest.Server, requests *atomic.Int64, unavoidable int) {
	var (
		mu      sync.Mutex
		streams = make(map[string]*rand.Rand)
	)
	stream := func(id string) *rand.Rand {
		var n uint64
		fmt.Sscanf(id, "k%d", &n)
		return rand.New(rand.NewPCG(n, 0x5eed))
	}
	for i := range budgetCalls {
		r := stream(fmt.Sprintf("k%d", i))
		all := true
		for range 4 {
			all = all && r.Float64() < failShare
		}
		if all {
			unavoidable++
		}
	}
	requests = new(atomic.Int64)
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		id := path.Base(r.URL.Path)
		mu.Lock()
		s, ok := streams[id]
		if !ok {
			s = stream(id)
			streams[id] = s
		}
		fail := s.Float64() < failShare
		mu.Unlock()
		if fail {
			http.Error(w, `{"error":{"code":"unavailable","message":"try later"}}`, http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"id":%q,"key_name":"ci","status":"active"}`, id)
	}))
	t.Cleanup(srv.Close)
	return srv, requests, unavoidable
}

// concurrentGets runs n Gets at once, each on a key of its own, and returns
// how many failed, and how many of those the budget refused.
func concurrentGets(c *apikeys.Client, n int) (failed, refused int) {
	var wg sync.WaitGroup
	var mu sync.Mutex
	start := make(chan struct{})
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, err := c.Get(context.Background(), fmt.Sprintf("k%d", i))
			if err != nil {
				mu.Lock()
				failed++
				if errors.Is(err, apikeys.ErrRetryBudgetExhausted) {
					refused++
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	return failed, refused
}

func TestBudgetTargetFlakyServer(t *testing.T) {
	if testing.Short() {
		t.Skip("800 concurrent calls")
	}
	for _, tc := range []struct {
		share     float64
		maxFailed int
	}{{0.20, budgetCalls / 100}, {0.10, 0}} {
		srv, requests, unavoidable := flakyServer(t, tc.share)
		c := budgetClient(t, srv.URL, nil)
		failed, refused := concurrentGets(c, budgetCalls)
		t.Logf("%.0f%% random 503s: %d of %d calls failed (%d refused by the budget, %d met four 503s in a row), %.3f requests per call",
			tc.share*100, failed, budgetCalls, refused, unavoidable, float64(requests.Load())/budgetCalls)
		if failed > tc.maxFailed {
			t.Errorf("%.0f%% 503s: %d calls failed, want at most %d", tc.share*100, failed, tc.maxFailed)
		}
	}
}

// A limiter that lets 100 requests through per second and answers the rest
// 429 with Retry-After: 1. Its retries are free: every pause gets through.
func TestBudgetTargetRateLimiter(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for the limiter's windows")
	}
	const perWindow, pauses = 100, 300
	var (
		mu       sync.Mutex
		window   time.Time
		used     int
		limited  atomic.Int64
		requests atomic.Int64
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		mu.Lock()
		now := time.Now()
		if now.Sub(window) >= time.Second {
			window, used = now, 0
		}
		ok := used < perWindow
		if ok {
			used++
		}
		mu.Unlock()
		if !ok {
			limited.Add(1)
			w.Header().Set("Retry-After", "1")
			http.Error(w, `{"error":{"code":"rate_limited","message":"slow down"}}`, http.StatusTooManyRequests)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"k","status":"paused"}`)
	}))
	t.Cleanup(srv.Close)
	c := budgetClient(t, srv.URL, nil)
	ids := make([]string, pauses)
	for i := range ids {
		ids[i] = fmt.Sprintf("k%d", i)
	}
	failed := 0
	for _, r := range c.TransitionMany(t.Context(), apikeys.ActionPause, ids, pauses) {
		if r.Err != nil {
			failed++
			if failed == 1 {
				t.Logf("first failure: %v", r.Err)
			}
		}
	}
	t.Logf("429 limiter (100/s, Retry-After: 1): %d of %d pauses failed, %d answers were 429", failed, pauses, limited.Load())
	if failed != 0 {
		t.Errorf("%d pauses failed, want none", failed)
	}
	if limited.Load() == 0 {
		t.Error("the limiter never limited: the test tests nothing")
	}
}

// countingTransport counts the attempts that leave the client, connected or
// not.
type countingTransport struct {
	base http.RoundTripper
	n    atomic.Int64
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// Against a dead server a bulk job makes about one request per call: the
// budget pays for 100 retries in all, not three per call.
func TestBudgetTargetDeadServer(t *testing.T) {
	if testing.Short() {
		t.Skip("a bulk job of 800 calls")
	}
	ids := make([]string, budgetCalls)
	for i := range ids {
		ids[i] = fmt.Sprintf("k%d", i)
	}
	always503 := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"unavailable","message":"down"}}`, http.StatusServiceUnavailable)
	}))
	t.Cleanup(always503.Close)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusing := "http://" + ln.Addr().String()
	ln.Close() // nothing listens there now: every connection is refused
	for name, baseURL := range map[string]string{"always 503": always503.URL, "refused connections": refusing} {
		counter := &countingTransport{base: http.DefaultTransport.(*http.Transport).Clone()}
		c := budgetClient(t, baseURL, &http.Client{Transport: counter})
		failed := 0
		for _, r := range c.TransitionMany(t.Context(), apikeys.ActionPause, ids, 16) {
			if r.Err != nil {
				failed++
			}
		}
		perCall := float64(counter.n.Load()) / budgetCalls
		t.Logf("dead server (%s): %d requests for %d calls, %.3f per call", name, counter.n.Load(), budgetCalls, perCall)
		if failed != budgetCalls {
			t.Errorf("%s: %d of %d calls failed, want all", name, failed, budgetCalls)
		}
		if perCall > 1.2 {
			t.Errorf("%s: %.3f requests per call, want at most 1.2", name, perCall)
		}
	}
}
