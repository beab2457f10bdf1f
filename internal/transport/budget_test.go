package transport

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// frozen returns NewBudget with a clock that moves only when advance is called.
func frozen(maxTokens int) (b *Budget, advance func(time.Duration)) {
	b = NewBudget(maxTokens)
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	b.last = now
	return b, func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
}

// level is the bucket's content now, refill included.
func (b *Budget) level() float64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.refill()
	return b.tokens
}

// drain takes tokens out of b until level tokens are left.
func (b *Budget) drain(level float64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.tokens = level
	b.full.Store(level == b.max)
}

// A release into a full bucket skips the lock and the refill; the time it
// leaves unaccounted must not be credited once the bucket is spent.
func TestBudgetFullFastPath(t *testing.T) {
	b, advance := frozen(12)
	advance(time.Hour)
	for range 10 {
		b.release(successReward) // full: nothing to do
	}
	if !b.acquire(retryCost) {
		t.Fatal("a full bucket refused a retry")
	}
	if got := b.level(); got != 7 {
		t.Fatalf("after an hour full and one retry: %v, want 7 (the hour earned nothing past full)", got)
	}
	b.release(retryCost)
	if got := b.level(); got != 12 || !b.full.Load() {
		t.Fatalf("after the refund: %v (full %v), want 12 and full", got, b.full.Load())
	}
}

func TestBudgetDisabled(t *testing.T) {
	for _, max := range []int{0, -1} {
		b := NewBudget(max)
		if b != nil {
			t.Fatalf("NewBudget(%d) = %+v, want nil (no throttling)", max, b)
		}
		for range 100 {
			if !b.acquire(timeoutCost) {
				t.Fatal("a nil budget refused a retry")
			}
		}
		b.release(successReward) // no panic
	}
}

// The bucket's arithmetic: acquire takes the cost or refuses without taking
// anything; release credits, never above the maximum; a cost of 0 is always
// paid, even from an empty bucket.
func TestBudgetMath(t *testing.T) {
	b, _ := frozen(12)
	if got := b.level(); got != 12 {
		t.Fatalf("a new budget holds %v, want 12 (full)", got)
	}
	for i := range 2 {
		if !b.acquire(retryCost) {
			t.Fatalf("a full bucket of 12 refused retry %d of 5", i+1)
		}
	}
	if got := b.level(); got != 2 {
		t.Fatalf("after two retries: %v, want 2", got)
	}
	if b.acquire(retryCost) {
		t.Fatal("2 tokens paid for a retry of 5")
	}
	if got := b.level(); got != 2 {
		t.Fatalf("a refused retry took tokens: %v, want 2", got)
	}
	if !b.acquire(0) {
		t.Fatal("a free retry was refused")
	}
	b.release(retryCost)
	if got := b.level(); got != 7 {
		t.Fatalf("after a refund of 5: %v, want 7", got)
	}
	for range 20 {
		b.release(successReward)
	}
	if got := b.level(); got != 12 {
		t.Fatalf("after 20 rewards: %v, want the maximum 12", got)
	}
}

// Concurrent acquires and releases lose no update.
func TestBudgetConcurrent(t *testing.T) {
	b, _ := frozen(1000)
	b.drain(500)
	var wg sync.WaitGroup
	var paid atomic.Int64
	for i := range 90 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%3 == 0 {
				b.release(successReward)
				return
			}
			if b.acquire(retryCost) {
				paid.Add(1)
			}
		}()
	}
	wg.Wait()
	if paid.Load() != 60 {
		t.Fatalf("%d of 60 retries were paid from 500 tokens", paid.Load())
	}
	if got, want := b.level(), 500.0+30*successReward-60*retryCost; got != want {
		t.Errorf("tokens = %v, want %v", got, want)
	}
}

// Time refills the bucket, one token a second, so a client that calls
// rarely gets its retries back after an outage without successes first.
func TestBudgetRefillsWithTime(t *testing.T) {
	b, advance := frozen(10)
	b.drain(0)
	if b.acquire(retryCost) {
		t.Fatal("an empty bucket paid for a retry")
	}
	advance(4*time.Second + 999*time.Millisecond) // whole seconds only
	if got := b.level(); got != 4 {
		t.Fatalf("after 4.999s: %v, want 4", got)
	}
	if b.acquire(retryCost) {
		t.Fatal("4 tokens paid for a retry of 5")
	}
	advance(time.Millisecond)
	if got := b.level(); got != 5 || !b.acquire(retryCost) {
		t.Fatalf("after 5s: %v tokens and no retry; want 5 and a retry", got)
	}
	advance(time.Hour)
	if got := b.level(); got != 10 {
		t.Fatalf("after an hour: %v, want the maximum 10", got)
	}
}

// budgetServer answers each request with the next of script (then 200 with
// "{}"); a status of -1 sleeps past the attempt's timeout first.
type budgetServer struct {
	mu     sync.Mutex
	script []scripted
	calls  int
	srv    *httptest.Server
}

type scripted struct {
	status     int
	retryAfter string
	hang       bool
}

func newBudgetServer(t *testing.T, script ...scripted) *budgetServer {
	t.Helper()
	s := &budgetServer{script: script}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.calls++
		next := scripted{status: http.StatusOK}
		if len(s.script) > 0 {
			next, s.script = s.script[0], s.script[1:]
		}
		s.mu.Unlock()
		if next.hang {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		if next.retryAfter != "" {
			w.Header().Set("Retry-After", next.retryAfter)
		}
		w.WriteHeader(next.status)
		_, _ = w.Write([]byte("{}"))
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *budgetServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls
}

// budgetTransport is a Transport on srv with budget b, two retries, fast
// backoff and a debug log into logs.
func budgetTransport(s *budgetServer, b *Budget, logs *bytes.Buffer) *Transport {
	cfg := Config{
		HTTPClient: s.srv.Client(), BaseURL: s.srv.URL, MaxRetries: 2,
		MinRetryDelay: time.Millisecond, MaxRetryDelay: 5 * time.Millisecond,
		RequestTimeout: 5 * time.Second, Budget: b,
	}
	if logs != nil {
		cfg.Logger = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return New(cfg)
}

var get = platform.Request{Method: http.MethodGet, Path: "/k"}

// do runs req and returns the status (0 for an error), the attempts and the
// error.
func do(t *testing.T, tr *Transport, req platform.Request) (status, attempts int, refused bool, err error) {
	t.Helper()
	resp, err := tr.Do(context.Background(), req)
	if resp != nil {
		defer resp.Release()
		return resp.StatusCode, resp.Attempts, resp.BudgetRefused, err
	}
	var te *Error
	if errors.As(err, &te) {
		attempts = te.Attempts
	}
	return 0, attempts, false, err
}

// A first attempt is free: a call that fails without a retry costs nothing,
// and one that succeeds at once earns the reward.
func TestQuotaFirstAttemptFree(t *testing.T) {
	b, _ := frozen(100)
	b.drain(50)
	s := newBudgetServer(t, scripted{status: 400}, scripted{status: 500})
	tr := budgetTransport(s, b, nil)
	tr.cfg.MaxRetries = 0
	if st, n, _, err := do(t, tr, get); st != 400 || n != 1 || err != nil {
		t.Fatalf("400: status %d after %d attempts, %v", st, n, err)
	}
	if st, n, _, err := do(t, tr, get); st != 500 || n != 1 || err != nil {
		t.Fatalf("500 without retries: status %d after %d attempts, %v", st, n, err)
	}
	if got := b.level(); got != 50 {
		t.Fatalf("two failed first attempts: %v tokens, want 50 (free)", got)
	}
	if st, _, _, _ := do(t, tr, get); st != 200 {
		t.Fatalf("status %d, want 200", st)
	}
	if got := b.level(); got != 50+successReward {
		t.Fatalf("a call that succeeded at once: %v tokens, want %v (reward 1)", got, 50+successReward)
	}
}

// A retry costs 5; when it succeeds it is refunded, with no reward on top.
// Earlier retries of the same call that failed are not refunded.
func TestQuotaRetryCostAndRefund(t *testing.T) {
	b, _ := frozen(100)
	b.drain(50)
	s := newBudgetServer(t, scripted{status: 500}, scripted{status: 502}, scripted{status: 504})
	tr := budgetTransport(s, b, nil)
	if st, n, _, _ := do(t, tr, get); st != 504 || n != 3 {
		t.Fatalf("status %d after %d attempts, want 504 after 3", st, n)
	}
	if got := b.level(); got != 50-2*retryCost {
		t.Fatalf("two failed retries: %v tokens, want %v", got, 50-2*retryCost)
	}
	s.script = []scripted{{status: 503}}
	if st, n, _, _ := do(t, tr, get); st != 200 || n != 2 {
		t.Fatalf("status %d after %d attempts, want 200 after 2", st, n)
	}
	if got := b.level(); got != 50-2*retryCost {
		t.Fatalf("a retry that succeeded: %v tokens, want %v (refunded)", got, 50-2*retryCost)
	}
	s.script = []scripted{{status: 500}, {status: 500}}
	if st, n, _, _ := do(t, tr, get); st != 200 || n != 3 {
		t.Fatalf("status %d after %d attempts, want 200 after 3", st, n)
	}
	if got := b.level(); got != 50-3*retryCost {
		t.Fatalf("a failed retry, then one that succeeded: %v tokens, want %v", got, 50-3*retryCost)
	}
}

// A retry after an attempt's timeout costs 10: it tied up a connection.
func TestQuotaTimeoutCost(t *testing.T) {
	b, _ := frozen(100)
	s := newBudgetServer(t, scripted{hang: true}, scripted{hang: true})
	tr := budgetTransport(s, b, nil)
	tr.cfg.RequestTimeout = 20 * time.Millisecond
	tr.cfg.MaxRetries = 1
	if _, n, _, err := do(t, tr, get); !errors.Is(err, context.DeadlineExceeded) || n != 2 {
		t.Fatalf("%d attempts, %v; want 2 and a deadline", n, err)
	}
	if got := b.level(); got != 100-timeoutCost {
		t.Fatalf("a retry after a timeout: %v tokens, want %v", got, 100-timeoutCost)
	}
}

// A 429 or 503 with Retry-After is the server steering the client: its
// retry costs nothing, even from an empty bucket. Another status with
// Retry-After, or a 429 without it, pays.
func TestQuotaRetryAfterIsFree(t *testing.T) {
	for _, c := range []struct {
		status     int
		retryAfter string
		free       bool
	}{
		{429, "0", true},
		{503, "0", true},
		{503, time.Now().Add(-time.Hour).UTC().Format(http.TimeFormat), true},
		{429, "", false},
		{503, "", false},
		{500, "0", false},
		{502, "0", false},
	} {
		b, _ := frozen(100)
		b.drain(20)
		s := newBudgetServer(t, scripted{status: c.status, retryAfter: c.retryAfter}, scripted{status: c.status, retryAfter: c.retryAfter})
		tr := budgetTransport(s, b, nil)
		tr.cfg.MaxRetries = 2
		st, n, _, _ := do(t, tr, get)
		if st != 200 || n != 3 {
			t.Fatalf("%d Retry-After %q: status %d after %d attempts", c.status, c.retryAfter, st, n)
		}
		want := 20.0 - retryCost // the first retry failed; the second is refunded
		if c.free {
			want = 20
		}
		if got := b.level(); got != want {
			t.Errorf("%d Retry-After %q: %v tokens, want %v", c.status, c.retryAfter, got, want)
		}
		if !c.free {
			continue
		}
		// Free even from an empty bucket.
		b.drain(0)
		s.script = []scripted{{status: c.status, retryAfter: c.retryAfter}}
		if st, n, refused, _ := do(t, tr, get); st != 200 || n != 2 || refused {
			t.Errorf("%d Retry-After %q from an empty bucket: status %d after %d attempts (refused %v)", c.status, c.retryAfter, st, n, refused)
		}
	}
}

// The retry of a create the platform deduplicates is the one that recovers
// its secret: the budget never refuses it, nor charges it. Every other
// request is refused when the bucket cannot pay, and the refusal is visible
// on the answer and in the log.
func TestQuotaDeduplicatedCreateNeverRefused(t *testing.T) {
	b, _ := frozen(100)
	b.drain(0)
	s := newBudgetServer(t, scripted{status: 500}, scripted{status: 503})
	var logs bytes.Buffer
	tr := budgetTransport(s, b, &logs)
	create := platform.Request{Method: http.MethodPost, Path: "/keys", Body: []byte(`{}`),
		IdempotencyKey: "k", Retry: platform.RetryDeduplicated}
	if st, n, refused, err := do(t, tr, create); st != 200 || n != 3 || refused || err != nil {
		t.Fatalf("deduplicated create from an empty bucket: status %d after %d attempts (refused %v), %v; want 200 after 3", st, n, refused, err)
	}
	if strings.Contains(logs.String(), "retry budget") {
		t.Errorf("the log reports a budget refusal:\n%s", logs.String())
	}
	for _, req := range []platform.Request{
		get,
		{Method: http.MethodPatch, Path: "/k", Body: []byte(`{}`), IdempotencyKey: "k"},
		{Method: http.MethodPost, Path: "/k/pause", IdempotencyKey: "k"},
	} {
		logs.Reset()
		s.script = []scripted{{status: 500}}
		before := s.count()
		st, n, refused, err := do(t, tr, req)
		if st != 500 || n != 1 || !refused || err != nil || s.count()-before != 1 {
			t.Errorf("%s %s from an empty bucket: status %d after %d attempts, %d requests (refused %v), %v; want one 500 refused",
				req.Method, req.Path, st, n, s.count()-before, refused, err)
		}
		if !strings.Contains(logs.String(), "retry budget") {
			t.Errorf("%s %s: no log line says the retry budget refused:\n%s", req.Method, req.Path, logs.String())
		}
	}
}

// A refused retry after a network failure (no answer) wraps
// ErrRetryBudgetExhausted and the cause.
func TestQuotaRefusalWithoutAnswer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // every connection is refused
	b, _ := frozen(100)
	b.drain(1)
	var logs bytes.Buffer
	tr := New(Config{
		HTTPClient: &http.Client{}, BaseURL: "http://" + addr,
		MaxRetries: 2, MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond, Budget: b,
		Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	})
	resp, err := tr.Do(context.Background(), get)
	if resp != nil {
		t.Fatalf("Do = %+v, want no answer", resp)
	}
	var te *Error
	if !errors.Is(err, ErrRetryBudgetExhausted) || !errors.As(err, &te) || te.Attempts != 1 || !te.Unsent {
		t.Fatalf("Do error = %v, want ErrRetryBudgetExhausted after one unsent attempt", err)
	}
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("Do error = %v, want the cause kept", err)
	}
	if !strings.Contains(logs.String(), "retry budget") {
		t.Errorf("no log line says the retry budget refused:\n%s", logs.String())
	}
	if got := b.level(); got != 1 {
		t.Errorf("a refused retry took tokens: %v left, want 1", got)
	}
}

// A retry whose wait the caller's context cuts short was never made: its
// tokens come back.
func TestQuotaCanceledWaitRefunds(t *testing.T) {
	b, _ := frozen(100)
	s := newBudgetServer(t, scripted{status: 500})
	tr := budgetTransport(s, b, nil)
	tr.cfg.MinRetryDelay, tr.cfg.MaxRetryDelay = time.Hour, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	resp, err := tr.Do(ctx, get)
	if resp != nil {
		resp.Release()
	}
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Do = %v, want context.Canceled", err)
	}
	if got := b.level(); got != 100 {
		t.Errorf("a retry never made cost %v tokens", 100-got)
	}
}

// Against a dead server a bucket of N tokens buys N/5 retries in all, then
// each call makes one attempt; against a flaky one (every other attempt
// fails) the successes refund the retries and the bucket never runs dry.
func TestQuotaDeadAndFlakyServers(t *testing.T) {
	b, _ := frozen(50)
	dead := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusInternalServerError)
	}))
	defer dead.Close()
	tr := New(Config{HTTPClient: dead.Client(), BaseURL: dead.URL, MaxRetries: 2,
		MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond, Budget: b})
	attempts := 0
	for range 20 {
		resp, err := tr.Do(context.Background(), get)
		if err != nil {
			t.Fatal(err)
		}
		attempts += resp.Attempts
		resp.Release()
	}
	if attempts != 20+50/retryCost {
		t.Errorf("20 calls to a dead server made %d attempts, want %d", attempts, 20+50/retryCost)
	}

	b, _ = frozen(50)
	var n atomic.Int64
	flaky := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 1 {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
	}))
	defer flaky.Close()
	tr = New(Config{HTTPClient: flaky.Client(), BaseURL: flaky.URL, MaxRetries: 2,
		MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond, Budget: b})
	for i := range 200 {
		resp, err := tr.Do(context.Background(), get)
		if err != nil || resp.StatusCode != 200 || resp.BudgetRefused {
			t.Fatalf("call %d to a flaky server: %+v, %v", i, resp, err)
		}
		resp.Release()
	}
	if got := b.level(); got != 50 {
		t.Errorf("after 200 calls absorbed by retries: %v tokens, want 50", got)
	}
}
