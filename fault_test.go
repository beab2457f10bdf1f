package apikeys_test

// Fault matrix: what the client does when the network or the server
// misbehaves. Every server here is a plain httptest server, so the real
// net/http stack (connection pool, redirects, TLS) is under test.

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/internal/transport"
)

// Values the tests look for in places they must never appear.
const (
	relCredential = "cred_TOPSECRET_c0ffee0123456789"
	relOrg        = "org_1"
	relPrefix     = "sk_live_abcd"
	relSecret     = relPrefix + "_SECRETVALUE_9f8e7d6c5b4a"
	relCollection = "/v1/organizations/" + relOrg + "/api-keys"
)

// relHit is one request as the server received it.
type relHit struct {
	Method   string
	Path     string // escaped, as sent
	RawQuery string
	Header   http.Header
	Body     []byte
	At       time.Time
}

// relHandler answers the n-th request (from 1). X-Request-Id is already set
// to "req-n".
type relHandler func(w http.ResponseWriter, r *http.Request, n int)

// relServer records every request and counts new connections.
type relServer struct {
	*httptest.Server
	mu       sync.Mutex
	hits     []relHit
	newConns atomic.Int64
}

func newRelServer(t *testing.T, h relHandler) *relServer {
	return startRelServer(t, h, false)
}

func startRelServer(t *testing.T, h relHandler, useTLS bool) *relServer {
	t.Helper()
	s := &relServer{}
	s.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.hits = append(s.hits, relHit{
			Method: r.Method, Path: r.URL.EscapedPath(), RawQuery: r.URL.RawQuery,
			Header: r.Header.Clone(), Body: body, At: time.Now(),
		})
		n := len(s.hits)
		s.mu.Unlock()
		w.Header().Set("X-Request-Id", "req-"+strconv.Itoa(n))
		h(w, r, n)
	}))
	s.Config.ConnState = func(_ net.Conn, st http.ConnState) {
		if st == http.StateNew {
			s.newConns.Add(1)
		}
	}
	s.Config.ErrorLog = log.New(io.Discard, "", 0) // TLS handshake failures are expected
	if useTLS {
		s.StartTLS()
	} else {
		s.Start()
	}
	t.Cleanup(s.Close)
	return s
}

func (s *relServer) Hits() []relHit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]relHit(nil), s.hits...)
}

func (s *relServer) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.hits)
}

// relClient is a client of s with fast retries; opts come last and win.
func relClient(t *testing.T, baseURL string, opts ...apikeys.Option) *apikeys.Client {
	t.Helper()
	all := append([]apikeys.Option{
		apikeys.WithBaseURL(baseURL + "/v1"), apikeys.WithAPIKey(relCredential),
		apikeys.WithOrganization(relOrg), apikeys.WithUserAgent("reltest-ua-marker"),
		apikeys.WithMinRetryDelay(time.Millisecond), apikeys.WithMaxRetryDelay(10 * time.Millisecond),
		apikeys.WithRequestTimeout(5 * time.Second),
	}, opts...)
	c, err := apikeys.New(all...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

func relKey(id, status string) map[string]any {
	return map[string]any{
		"id": id, "organization_id": relOrg, "key_name": "ci", "key_prefix": relPrefix,
		"status": status, "is_active": status == "active", "scopes": []string{"keys:read"},
		"permission_mode": "all", "project_scope": map[string]any{"all": map[string]any{}},
		"created_at": "2025-01-02T03:04:05Z", "updated_at": "2025-01-02T03:04:05Z",
		"available_actions": []string{"pause", "archive"},
	}
}

func relJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// relOK answers a request as the reference API would on success.
func relOK(w http.ResponseWriter, r *http.Request) {
	p := r.URL.EscapedPath()
	switch {
	case r.Method == http.MethodPost && p == relCollection:
		k := relKey("key_new", "active")
		k["key"] = relSecret
		relJSON(w, http.StatusCreated, k)
	case r.Method == http.MethodGet && p == relCollection:
		relJSON(w, http.StatusOK, map[string]any{
			"api_keys":    []any{relKey("key_1", "active"), relKey("key_2", "paused")},
			"next_cursor": nil,
		})
	case r.Method == http.MethodDelete && r.URL.Query().Get("permanent") == "true":
		w.WriteHeader(http.StatusNoContent)
	default:
		seg := strings.Split(strings.TrimPrefix(p, relCollection+"/"), "/")
		id, _ := url.PathUnescape(seg[0])
		status := "active"
		if len(seg) > 1 && seg[1] == "pause" {
			status = "paused"
		}
		relJSON(w, http.StatusOK, relKey(id, status))
	}
}

var relCodes = map[int]string{
	400: "BAD_REQUEST", 401: "INVALID_API_KEY", 403: "INSUFFICIENT_PERMISSIONS",
	404: "API_KEY_NOT_FOUND", 408: "REQUEST_TIMEOUT", 409: "IDEMPOTENCY_KEY_REUSED",
	422: "VALIDATION_ERROR", 429: "RATE_LIMIT_EXCEEDED", 500: "INTERNAL_ERROR",
	502: "BAD_GATEWAY", 503: "SERVICE_UNAVAILABLE", 504: "GATEWAY_TIMEOUT",
}

// relFail answers with the reference API's error envelope.
func relFail(w http.ResponseWriter, status int) {
	relJSON(w, status, map[string]any{"success": false, "error": map[string]any{
		"code": relCodes[status], "message": http.StatusText(status), "status": status,
		"type": "test_error", "trace_id": "trace-1", "timestamp": "2025-01-02T03:04:05Z",
	}})
}

// relSequence answers statuses in order, the last one for every later
// request; a status below 300 means success.
func relSequence(statuses ...int) relHandler {
	return func(w http.ResponseWriter, r *http.Request, n int) {
		if s := statuses[min(n, len(statuses))-1]; s >= 300 {
			relFail(w, s)
			return
		}
		relOK(w, r)
	}
}

// relOp is one client call whose error the tests look at.
type relOp struct {
	name     string
	mutation bool
	call     func(context.Context, *apikeys.Client) error
}

var relOps = []relOp{
	{"Get", false, func(ctx context.Context, c *apikeys.Client) error {
		_, err := c.Get(ctx, "key_1")
		return err
	}},
	{"List", false, relList},
	{"Create", true, func(ctx context.Context, c *apikeys.Client) error {
		_, err := c.Create(ctx, apikeys.CreateParams{Name: "ci", Scopes: []string{"keys:read"}})
		return err
	}},
	{"Update", true, func(ctx context.Context, c *apikeys.Client) error {
		_, err := c.Update(ctx, "key_1", apikeys.UpdateParams{Name: apikeys.Ptr("renamed")})
		return err
	}},
	{"Pause", true, func(ctx context.Context, c *apikeys.Client) error {
		_, err := c.Pause(ctx, "key_1")
		return err
	}},
	{"Delete", true, func(ctx context.Context, c *apikeys.Client) error {
		return c.Delete(ctx, "key_1")
	}},
}

func relList(ctx context.Context, c *apikeys.Client) error {
	for _, err := range c.List(ctx, apikeys.ListParams{}) {
		if err != nil {
			return err
		}
	}
	return nil
}

func relGet(ctx context.Context, c *apikeys.Client) error { return relOps[0].call(ctx, c) }

func relAPIError(t *testing.T, err error) *apikeys.APIError {
	t.Helper()
	var e *apikeys.APIError
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want an *APIError", err, err)
	}
	return e
}

func relTransportError(t *testing.T, err error) *transport.Error {
	t.Helper()
	var e *transport.Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v (%T), want a *transport.Error", err, err)
	}
	return e
}

// relSameAttempts checks that every request repeated one Idempotency-Key (a
// mutation) or carried none (a read), and the same body bytes.
func relSameAttempts(t *testing.T, hits []relHit, mutation bool) {
	t.Helper()
	first := hits[0]
	key := first.Header.Get("Idempotency-Key")
	switch {
	case mutation && len(key) < 32:
		t.Errorf("Idempotency-Key = %q, want at least 128 bits in hex", key)
	case !mutation && key != "":
		t.Errorf("a read carries Idempotency-Key %q", key)
	}
	for i, h := range hits[1:] {
		if got := h.Header.Get("Idempotency-Key"); got != key {
			t.Errorf("attempt %d: Idempotency-Key = %q, want %q as on attempt 1", i+2, got, key)
		}
		if !bytes.Equal(h.Body, first.Body) {
			t.Errorf("attempt %d: body = %q, want %q as on attempt 1", i+2, h.Body, first.Body)
		}
		if h.Method != first.Method || h.Path != first.Path || h.RawQuery != first.RawQuery {
			t.Errorf("attempt %d: %s %s?%s, want %s %s?%s", i+2, h.Method, h.Path, h.RawQuery,
				first.Method, first.Path, first.RawQuery)
		}
	}
}

func TestFaultMatrix(t *testing.T) {
	type tc struct {
		name     string
		statuses []int
		attempts int   // requests the server must see
		status   int   // 0: success; else the final APIError's status
		sentinel error // what the final error must match, if any
	}
	cases := []tc{
		{"503,503,200", []int{503, 503, 200}, 3, 0, nil},
		{"503x3", []int{503}, 3, 503, apikeys.ErrServer},
	}
	retried := map[int]error{408: nil, 429: apikeys.ErrRateLimited, 500: apikeys.ErrServer,
		502: apikeys.ErrServer, 504: apikeys.ErrServer}
	for _, s := range []int{408, 429, 500, 502, 504} {
		cases = append(cases,
			tc{fmt.Sprintf("%d,200", s), []int{s, 200}, 2, 0, nil},
			tc{fmt.Sprintf("%dx3", s), []int{s}, 3, s, retried[s]})
	}
	notRetried := map[int]error{400: nil, 401: apikeys.ErrUnauthorized, 403: apikeys.ErrForbidden,
		404: apikeys.ErrNotFound, 409: apikeys.ErrConflict, 422: apikeys.ErrInvalidParams}
	for _, s := range []int{400, 401, 403, 404, 409, 422} {
		cases = append(cases, tc{fmt.Sprintf("%d,200", s), []int{s, 200}, 1, s, notRetried[s]})
	}
	for _, c := range cases {
		for _, op := range relOps {
			t.Run(c.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				srv := newRelServer(t, relSequence(c.statuses...))
				err := op.call(t.Context(), relClient(t, srv.URL))
				hits := srv.Hits()
				if len(hits) != c.attempts {
					t.Fatalf("server saw %d requests, want %d", len(hits), c.attempts)
				}
				relSameAttempts(t, hits, op.mutation)
				if c.status == 0 {
					if err != nil {
						t.Fatalf("err = %v, want success", err)
					}
					return
				}
				e := relAPIError(t, err)
				if e.StatusCode != c.status || e.Attempts != c.attempts || e.Code != relCodes[c.status] {
					t.Errorf("APIError{StatusCode: %d, Attempts: %d, Code: %q}, want {%d, %d, %q}",
						e.StatusCode, e.Attempts, e.Code, c.status, c.attempts, relCodes[c.status])
				}
				// The error is the last attempt's, not the first one's.
				if want := "req-" + strconv.Itoa(c.attempts); e.RequestID != want {
					t.Errorf("RequestID = %q, want %q (the last attempt's)", e.RequestID, want)
				}
				if c.sentinel != nil && !errors.Is(err, c.sentinel) {
					t.Errorf("errors.Is(%v, %v) = false", err, c.sentinel)
				}
			})
		}
	}
}

func TestMaxRetries(t *testing.T) {
	for _, c := range []struct {
		name     string
		opts     []apikeys.Option
		attempts int
	}{
		{"WithMaxRetries(0)", []apikeys.Option{apikeys.WithMaxRetries(0)}, 1},
		{"default", nil, 3},
		{"WithMaxRetries(1)", []apikeys.Option{apikeys.WithMaxRetries(1)}, 2},
		{"WithMaxRetries(4)", []apikeys.Option{apikeys.WithMaxRetries(4)}, 5},
	} {
		for _, op := range relOps {
			t.Run(c.name+"/"+op.name, func(t *testing.T) {
				t.Parallel()
				srv := newRelServer(t, relSequence(503))
				err := op.call(t.Context(), relClient(t, srv.URL, c.opts...))
				if e := relAPIError(t, err); e.Attempts != c.attempts || e.StatusCode != 503 {
					t.Errorf("APIError{Attempts: %d, StatusCode: %d}, want {%d, 503}", e.Attempts, e.StatusCode, c.attempts)
				}
				hits := srv.Hits()
				if len(hits) != c.attempts {
					t.Fatalf("server saw %d requests, want %d", len(hits), c.attempts)
				}
				relSameAttempts(t, hits, op.mutation)
			})
		}
	}
}

// Every call gets its own Idempotency-Key: a second call is a new operation.
func TestIdempotencyKeyPerCall(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, relSequence(200))
	c := relClient(t, srv.URL)
	for range 2 {
		if _, err := c.Pause(t.Context(), "key_1"); err != nil {
			t.Fatal(err)
		}
	}
	hits := srv.Hits()
	a, b := hits[0].Header.Get("Idempotency-Key"), hits[1].Header.Get("Idempotency-Key")
	if a == "" || a == b {
		t.Errorf("Idempotency-Keys of two calls: %q and %q, want two different keys", a, b)
	}
}

// With MinRetryDelay 400ms, a backoff wait is 200ms to 600ms (jitter 0.5), so
// the gap between two attempts tells a honoured Retry-After from a backoff.
// Where the Retry-After is 0 the cases take a 4s MinRetryDelay instead (a
// backoff of 2s to 3s, the MaxRetryDelay), so that the bug of backing off
// costs seconds and a 1s bound tells it apart even on a slow machine; the
// same 1s bound is all that "at once" means for an answer not waited.
func TestRetryAfter(t *testing.T) {
	const (
		backoffMin = 200 * time.Millisecond
		slowDelay  = 4 * time.Second // MinRetryDelay where a backoff is the bug
		atOnce     = time.Second     // far below any wait the bugs would make
	)
	type tc struct {
		name     string
		value    func(now time.Time) string
		attempts int           // 1: not waited, the 429 returns at once
		minGap   time.Duration // between attempts 1 and 2
		maxGap   time.Duration
		until    func(now time.Time) time.Time // attempt 2 not before this, if set
		minDelay time.Duration                 // MinRetryDelay; 0: 400ms
	}
	httpDate := func(d time.Duration) func(time.Time) string {
		return func(now time.Time) string { return now.Add(d).UTC().Format(http.TimeFormat) }
	}
	fixed := func(v string) func(time.Time) string { return func(time.Time) string { return v } }
	cases := []tc{
		{name: "seconds 0", value: fixed("0"), attempts: 2, maxGap: atOnce, minDelay: slowDelay},
		{name: "seconds 1", value: fixed("1"), attempts: 2, minGap: time.Second, maxGap: 2 * time.Second},
		{name: "date in the past", value: httpDate(-time.Hour), attempts: 2, maxGap: atOnce, minDelay: slowDelay},
		{
			// A whole second ahead, rounded down: a wait of 0.5s to 1.5s.
			name: "near-future date",
			value: func(now time.Time) string {
				return now.Add(1500 * time.Millisecond).Truncate(time.Second).UTC().Format(http.TimeFormat)
			},
			attempts: 2, maxGap: 2 * time.Second,
			until: func(now time.Time) time.Time { return now.Add(1500 * time.Millisecond).Truncate(time.Second) },
		},
		{name: "negative falls back to backoff", value: fixed("-1"), attempts: 2, minGap: backoffMin, maxGap: 2 * time.Second},
		{name: "garbage falls back to backoff", value: fixed("soon"), attempts: 2, minGap: backoffMin, maxGap: 2 * time.Second},
		{name: "fraction falls back to backoff", value: fixed("0.5"), attempts: 2, minGap: backoffMin, maxGap: 2 * time.Second},
		{name: "huge is not waited", value: fixed("999999"), attempts: 1},
		{name: "beyond int64 is not waited", value: fixed("99999999999999999999999"), attempts: 1},
		{name: "far-future date is not waited", value: httpDate(time.Hour), attempts: 1},
		{name: "above MaxRetryDelay is not waited", value: fixed("4"), attempts: 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			var sentAt time.Time
			srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n == 1 {
					sentAt = time.Now()
					w.Header().Set("Retry-After", c.value(sentAt))
					relFail(w, http.StatusTooManyRequests)
					return
				}
				relOK(w, r)
			})
			minDelay := 400 * time.Millisecond
			if c.minDelay != 0 {
				minDelay = c.minDelay
			}
			cl := relClient(t, srv.URL, apikeys.WithMinRetryDelay(minDelay),
				apikeys.WithMaxRetryDelay(3*time.Second))
			start := time.Now()
			err := relGet(t.Context(), cl)
			elapsed := time.Since(start)
			hits := srv.Hits()
			if len(hits) != c.attempts {
				t.Fatalf("server saw %d requests, want %d (err %v)", len(hits), c.attempts, err)
			}
			if c.attempts == 1 {
				e := relAPIError(t, err)
				if !errors.Is(err, apikeys.ErrRateLimited) || e.Attempts != 1 {
					t.Errorf("err = %v with Attempts %d, want ErrRateLimited after 1 attempt", err, e.Attempts)
				}
				if elapsed > atOnce {
					t.Errorf("returned after %v, want at once (< %v)", elapsed, atOnce)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v, want success on attempt 2", err)
			}
			gap := hits[1].At.Sub(hits[0].At)
			if gap < c.minGap || gap > c.maxGap {
				t.Errorf("attempt 2 came %v after attempt 1, want %v to %v", gap, c.minGap, c.maxGap)
			}
			if c.until != nil {
				if until := c.until(sentAt); hits[1].At.Before(until) {
					t.Errorf("attempt 2 at %v, before the Retry-After date %v", hits[1].At, until)
				}
			}
		})
	}
}

// A wait that would outlast the context's deadline is not started. The
// deadline is 3s away and the wait longer (Retry-After 5s, or a backoff of 5s
// to 15s): the bug, waiting until the deadline, costs 3s, and "at once" is
// checked with a 1s bound a slow machine cannot miss.
func TestWaitPastDeadlineNotWaited(t *testing.T) {
	for _, c := range []struct {
		name       string
		retryAfter string
		opts       []apikeys.Option
	}{
		{"Retry-After", "5", nil},
		{"backoff", "", []apikeys.Option{apikeys.WithMinRetryDelay(10 * time.Second)}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if c.retryAfter != "" {
					w.Header().Set("Retry-After", c.retryAfter)
				}
				relFail(w, http.StatusServiceUnavailable)
			})
			opts := append([]apikeys.Option{apikeys.WithMaxRetryDelay(20 * time.Second)}, c.opts...)
			cl := relClient(t, srv.URL, opts...)
			ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
			defer cancel()
			start := time.Now()
			err := relGet(ctx, cl)
			if d := time.Since(start); d > time.Second {
				t.Errorf("returned after %v, want at once (< 1s), not at the deadline", d)
			}
			if e := relAPIError(t, err); e.StatusCode != 503 || e.Attempts != 1 {
				t.Errorf("APIError{StatusCode: %d, Attempts: %d}, want {503, 1}", e.StatusCode, e.Attempts)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("server saw %d requests, want 1", n)
			}
		})
	}
}

// A backoff wait is capped at MaxRetryDelay, not refused: jitter may take the
// computed interval above the cap, and that must not cost the retry.
func TestBackoffCappedAtMaxRetryDelay(t *testing.T) {
	t.Parallel()
	srv := newRelServer(t, relSequence(503))
	cl := relClient(t, srv.URL, apikeys.WithMinRetryDelay(2*time.Millisecond),
		apikeys.WithMaxRetryDelay(2*time.Millisecond), apikeys.WithRetryBudget(0))
	const calls = 20 // each backoff exceeds the cap half the time
	for i := range calls {
		if e := relAPIError(t, relGet(t.Context(), cl)); e.Attempts != 3 {
			t.Fatalf("call %d: Attempts = %d, want 3", i, e.Attempts)
		}
	}
	if n := srv.count(); n != 3*calls {
		t.Errorf("server saw %d requests, want %d", n, 3*calls)
	}
}

// idemServer applies creates once per Idempotency-Key and replays the stored
// answer, as the reference API does; the first drops answers are lost (the
// connection is closed after the key was created).
type idemServer struct {
	mu      sync.Mutex
	drops   int
	keys    []string
	replies map[string][]byte
}

func (s *idemServer) handle(w http.ResponseWriter, r *http.Request, _ int) {
	if r.Method != http.MethodPost || r.URL.EscapedPath() != relCollection {
		relOK(w, r)
		return
	}
	s.mu.Lock()
	idem := r.Header.Get("Idempotency-Key")
	reply, seen := s.replies[idem]
	if !seen {
		id := fmt.Sprintf("key_%d", len(s.keys)+1)
		s.keys = append(s.keys, id)
		k := relKey(id, "active")
		k["key"] = relSecret
		reply, _ = json.Marshal(k)
		s.replies[idem] = reply
	}
	drop := s.drops > 0
	if drop {
		s.drops--
	}
	s.mu.Unlock()
	if drop {
		relCut(w)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(reply)
}

// relCut closes the connection without an answer.
func relCut(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

func TestLostCreateResponseIsReplayedNotDuplicated(t *testing.T) {
	for _, drops := range []int{1, 2} {
		t.Run(fmt.Sprintf("%d lost", drops), func(t *testing.T) {
			t.Parallel()
			is := &idemServer{drops: drops, replies: map[string][]byte{}}
			srv := newRelServer(t, is.handle)
			ck, err := relClient(t, srv.URL).Create(t.Context(), apikeys.CreateParams{Name: "ci"})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			is.mu.Lock()
			keys := append([]string(nil), is.keys...)
			is.mu.Unlock()
			if len(keys) != 1 || ck.Key.ID != "key_1" {
				t.Errorf("server holds keys %q and the client got %q, want exactly one: key_1", keys, ck.Key.ID)
			}
			if ck.Secret.Reveal() != relSecret {
				t.Error("the replayed secret differs from the one the server created")
			}
			hits := srv.Hits()
			if len(hits) != drops+1 {
				t.Fatalf("server saw %d requests, want %d", len(hits), drops+1)
			}
			relSameAttempts(t, hits, true)
		})
	}
}

func TestTruncatedBodyIsRetried(t *testing.T) {
	for _, op := range relOps {
		t.Run(op.name, func(t *testing.T) {
			t.Parallel()
			srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if n > 1 {
					relOK(w, r)
					return
				}
				conn, _, err := http.NewResponseController(w).Hijack()
				if err != nil {
					panic(err)
				}
				_, _ = io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"+
					"Content-Length: 1000\r\n\r\n{\"id\":\"key_")
				_ = conn.Close()
			})
			if err := op.call(t.Context(), relClient(t, srv.URL)); err != nil {
				t.Fatalf("err = %v, want success on attempt 2", err)
			}
			hits := srv.Hits()
			if len(hits) != 2 {
				t.Fatalf("server saw %d requests, want 2", len(hits))
			}
			relSameAttempts(t, hits, op.mutation)
		})
	}
}

func TestAttemptTimeout(t *testing.T) {
	t.Run("never answers", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) { <-r.Context().Done() })
		cl := relClient(t, srv.URL, apikeys.WithRequestTimeout(50*time.Millisecond))
		start := time.Now()
		err := relGet(t.Context(), cl)
		if d := time.Since(start); d < 150*time.Millisecond || d > 2*time.Second {
			t.Errorf("returned after %v, want about 3 × 50ms", d)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want one wrapping context.DeadlineExceeded", err)
		}
		if e := relTransportError(t, err); e.Attempts != 3 {
			t.Errorf("Attempts = %d, want 3", e.Attempts)
		}
		if n := srv.count(); n != 3 {
			t.Errorf("server saw %d requests, want 3", n)
		}
	})
	t.Run("answers the retry", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n == 1 {
				<-r.Context().Done()
				return
			}
			relOK(w, r)
		})
		cl := relClient(t, srv.URL, apikeys.WithRequestTimeout(50*time.Millisecond))
		if err := relOps[3].call(t.Context(), cl); err != nil { // Update: a mutation with a body
			t.Fatalf("err = %v, want success on attempt 2", err)
		}
		hits := srv.Hits()
		if len(hits) != 2 {
			t.Fatalf("server saw %d requests, want 2", len(hits))
		}
		relSameAttempts(t, hits, true)
	})
	t.Run("stalls in the body", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if n > 1 {
				relOK(w, r)
				return
			}
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"id":`)
			_ = http.NewResponseController(w).Flush()
			<-r.Context().Done()
		})
		cl := relClient(t, srv.URL, apikeys.WithRequestTimeout(50*time.Millisecond))
		if err := relGet(t.Context(), cl); err != nil {
			t.Fatalf("err = %v, want success on attempt 2", err)
		}
		if n := srv.count(); n != 2 {
			t.Errorf("server saw %d requests, want 2", n)
		}
	})
}

func TestCancel(t *testing.T) {
	t.Run("during a backoff wait", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			w.Header().Set("Retry-After", "5")
			relFail(w, http.StatusServiceUnavailable)
		})
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// Cancel 20ms into the 5s wait, however long the first attempt
		// took: the client logs its decision to retry just before waiting.
		var canceledAt atomic.Int64
		onRetry := relOnLog{"apikeys: retrying", func() {
			time.AfterFunc(20*time.Millisecond, func() {
				canceledAt.Store(time.Now().UnixNano())
				cancel()
			})
		}}
		cl := relClient(t, srv.URL, apikeys.WithMaxRetryDelay(10*time.Second), apikeys.WithLogger(slog.New(onRetry)))
		err := relGet(ctx, cl)
		returned := time.Now()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want one wrapping context.Canceled", err)
		}
		// The last answer is not lost: the 503 is still there to branch on.
		if e := relAPIError(t, err); e.StatusCode != http.StatusServiceUnavailable || e.RequestID != "req-1" || !errors.Is(err, apikeys.ErrServer) {
			t.Errorf("last answer: status %d, request %q, ErrServer %v; want 503, req-1, true",
				e.StatusCode, e.RequestID, errors.Is(err, apikeys.ErrServer))
		}
		if d := returned.Sub(time.Unix(0, canceledAt.Load())); canceledAt.Load() == 0 || d > 100*time.Millisecond {
			t.Errorf("returned %v after the cancel, want < 100ms", d)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d requests, want 1", n)
		}
	})
	t.Run("during an attempt", func(t *testing.T) {
		t.Parallel()
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		// Cancel once the request is in the server's hands, however long it
		// took to get there.
		var canceledAt atomic.Int64
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			canceledAt.Store(time.Now().UnixNano())
			cancel()
			<-r.Context().Done()
		})
		cl := relClient(t, srv.URL)
		err := relOps[4].call(ctx, cl) // Pause
		// Not honouring the cancel would cost the 5s attempt timeout.
		if d := time.Since(time.Unix(0, canceledAt.Load())); canceledAt.Load() == 0 || d > time.Second {
			t.Errorf("returned %v after the cancel, want right after it (< 1s)", d)
		}
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want one wrapping context.Canceled", err)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d requests, want 1 (a canceled call is not retried)", n)
		}
	})
	t.Run("deadline during an attempt", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) { <-r.Context().Done() })
		cl := relClient(t, srv.URL) // a 5s attempt timeout: the caller's deadline comes first
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		err := relGet(ctx, cl)
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want one wrapping context.DeadlineExceeded", err)
		}
		if n := srv.count(); n != 1 {
			t.Errorf("server saw %d requests, want 1 (the caller's deadline is not retried)", n)
		}
	})
	t.Run("before the first attempt", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, relSequence(200))
		cl := relClient(t, srv.URL)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		for _, op := range relOps {
			if err := op.call(ctx, cl); !errors.Is(err, context.Canceled) {
				t.Errorf("%s: err = %v, want one wrapping context.Canceled", op.name, err)
			}
		}
		if n := srv.count(); n != 0 {
			t.Errorf("server saw %d requests, want 0", n)
		}
	})
}

// relOnLog is a slog.Handler that calls f on each record with message msg,
// to act at a precise point of a call rather than after a guessed delay.
type relOnLog struct {
	msg string
	f   func()
}

func (h relOnLog) Enabled(context.Context, slog.Level) bool { return true }
func (h relOnLog) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h relOnLog) WithGroup(string) slog.Handler            { return h }
func (h relOnLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message == h.msg {
		h.f()
	}
	return nil
}

// A success body over 4 MiB is an error, not retried, and read with bounded
// memory: the server offers 256 MiB, the client must stop after about 4.
func TestOversizedSuccessBody(t *testing.T) {
	for _, declared := range []bool{false, true} {
		t.Run(fmt.Sprintf("Content-Length declared %v", declared), func(t *testing.T) {
			const offered = 256 << 20
			srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if declared {
					w.Header().Set("Content-Length", strconv.Itoa(offered))
				}
				w.Header().Set("Content-Type", "application/json")
				chunk := bytes.Repeat([]byte(" "), 64<<10)
				for sent := 0; sent < offered; sent += len(chunk) {
					if _, err := w.Write(chunk); err != nil {
						return
					}
				}
			})
			cl := relClient(t, srv.URL)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			err := relGet(t.Context(), cl)
			runtime.ReadMemStats(&after)
			if !errors.Is(err, transport.ErrBodyTooLarge) {
				t.Errorf("err = %v, want ErrBodyTooLarge", err)
			}
			if n := srv.count(); n != 1 {
				t.Errorf("server saw %d requests, want 1 (not retried)", n)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 40<<20 {
				t.Errorf("allocated %d MiB reading the body, want a bound near 4 MiB", alloc>>20)
			}
		})
	}
	// The limit is the documented 4 MiB, written out here rather than taken
	// from transport.MaxBody, so that moving the constant fails this test: a
	// key followed by whitespace, valid JSON of exactly 4 MiB, is accepted,
	// and one byte more is ErrResponseTooLarge after a single attempt.
	for _, c := range []struct {
		size     int
		tooLarge bool
	}{{4 << 20, false}, {4<<20 + 1, true}} {
		for _, declared := range []bool{false, true} {
			t.Run(fmt.Sprintf("%d bytes, Content-Length declared %v", c.size, declared), func(t *testing.T) {
				t.Parallel()
				key, _ := json.Marshal(relKey("key_1", "active"))
				body := append(key, bytes.Repeat([]byte(" "), c.size-len(key))...)
				srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
					w.Header().Set("Content-Type", "application/json")
					if declared {
						w.Header().Set("Content-Length", strconv.Itoa(len(body)))
					}
					_, _ = w.Write(body)
				})
				err := relGet(t.Context(), relClient(t, srv.URL))
				switch {
				case !c.tooLarge && err != nil:
					t.Errorf("err = %v, want success", err)
				case c.tooLarge && !errors.Is(err, apikeys.ErrResponseTooLarge):
					t.Errorf("err = %v, want ErrResponseTooLarge", err)
				case c.tooLarge:
					if e := relTransportError(t, err); e.Attempts != 1 {
						t.Errorf("Attempts = %d, want 1", e.Attempts)
					}
				}
				if n := srv.count(); n != 1 {
					t.Errorf("server saw %d requests, want 1", n)
				}
			})
		}
	}
}

func TestErrorBodies(t *testing.T) {
	html := "<html><head><title>502 Bad Gateway</title></head><body>" +
		strings.Repeat("<p>upstream unavailable</p>", 400) + "</body></html>"
	for _, c := range []struct {
		name        string
		status      int
		contentType string
		body        string
		attempts    int
		sentinel    error
	}{
		{"502 HTML from a proxy", 502, "text/html", html, 3, apikeys.ErrServer},
		{"404 with 10 KiB", 404, "text/plain", strings.Repeat("n", 10<<10), 1, apikeys.ErrNotFound},
		{"empty 500", 500, "", "", 3, apikeys.ErrServer},
		{"truncated envelope", 403, "application/json", `{"success":false,"error":{"code":"INSUFF`, 1, apikeys.ErrForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
				if c.contentType != "" {
					w.Header().Set("Content-Type", c.contentType)
				}
				w.WriteHeader(c.status)
				_, _ = io.WriteString(w, c.body)
			})
			err := relGet(t.Context(), relClient(t, srv.URL))
			e := relAPIError(t, err)
			want := c.body[:min(len(c.body), transport.MaxErrorBody)]
			if e.StatusCode != c.status || e.Attempts != c.attempts || e.Code != "" || string(e.Body) != want {
				t.Errorf("APIError{StatusCode: %d, Attempts: %d, Code: %q, len(Body): %d}, want {%d, %d, \"\", %d} with the body's first bytes",
					e.StatusCode, e.Attempts, e.Code, len(e.Body), c.status, c.attempts, len(want))
			}
			if !errors.Is(err, c.sentinel) {
				t.Errorf("errors.Is(%v, %v) = false", err, c.sentinel)
			}
			if n := srv.count(); n != c.attempts {
				t.Errorf("server saw %d requests, want %d", n, c.attempts)
			}
		})
	}
}

// An endless error body is not read to its end: 4 KiB are kept, a bounded
// amount is drained, and the connection is closed.
func TestEndlessErrorBody(t *testing.T) {
	t.Parallel()
	var written atomic.Int64
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		chunk := bytes.Repeat([]byte("e"), 32<<10)
		for written.Load() < 1<<30 {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			written.Add(int64(len(chunk)))
		}
	})
	start := time.Now()
	e := relAPIError(t, relGet(t.Context(), relClient(t, srv.URL)))
	if e.StatusCode != 404 || len(e.Body) != transport.MaxErrorBody {
		t.Errorf("APIError{StatusCode: %d, len(Body): %d}, want {404, %d}", e.StatusCode, len(e.Body), transport.MaxErrorBody)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("took %v", d)
	}
	// Close waits for the handler, which stops when the client hangs up;
	// socket buffers hold a few MiB at most.
	srv.Close()
	if n := written.Load(); n >= 64<<20 {
		t.Errorf("the server wrote %d MiB before the client hung up", n>>20)
	}
}

// Every body is drained and closed, so a long run of calls, error answers
// included, uses one connection.
func TestConnectionReuse(t *testing.T) {
	t.Parallel()
	big := strings.Repeat("x", 10<<10)
	srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/missing"):
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, big)
		case r.Method == http.MethodPatch:
			relFail(w, http.StatusUnprocessableEntity)
		default:
			relOK(w, r)
		}
	})
	cl := relClient(t, srv.URL)
	ctx := t.Context()
	for i := range 300 {
		var err error
		var want error
		switch i % 3 {
		case 0:
			_, err = cl.Get(ctx, "missing")
			want = apikeys.ErrNotFound
		case 1:
			_, err = cl.Update(ctx, "key_1", apikeys.UpdateParams{Name: apikeys.Ptr("x")})
			want = apikeys.ErrInvalidParams
		default:
			_, err = cl.Get(ctx, "key_1")
		}
		if (want == nil && err != nil) || (want != nil && !errors.Is(err, want)) {
			t.Fatalf("call %d: err = %v, want %v", i, err, want)
		}
	}
	if n := srv.count(); n != 300 {
		t.Errorf("server saw %d requests, want 300", n)
	}
	if n := srv.newConns.Load(); n != 1 {
		t.Errorf("300 calls opened %d connections, want 1", n)
	}
}

// A client that does not trust the server's certificate fails once: another
// attempt cannot fix a certificate.
func TestTLSFailureNotRetried(t *testing.T) {
	t.Parallel()
	srv := startRelServer(t, relSequence(200), true)
	err := relGet(t.Context(), relClient(t, srv.URL))
	var verr *tls.CertificateVerificationError
	if !errors.As(err, &verr) {
		t.Fatalf("err = %v, want a *tls.CertificateVerificationError", err)
	}
	if n := srv.newConns.Load(); n != 1 {
		t.Errorf("%d connections, want 1 (not retried)", n)
	}
	if e := relTransportError(t, err); e.Attempts != 1 {
		t.Errorf("Attempts = %d, want 1", e.Attempts)
	}
	if n := srv.count(); n != 0 {
		t.Errorf("server saw %d requests, want 0", n)
	}
	// The same server through a client that trusts it works.
	if err := relGet(t.Context(), relClient(t, srv.URL, apikeys.WithHTTPClient(srv.Client()))); err != nil {
		t.Errorf("with the server's certificate trusted: %v", err)
	}
}

// A connection refused by the host is retried: it is a network error.
func TestConnectionRefusedRetried(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	err = relGet(t.Context(), relClient(t, "http://"+addr))
	if e := relTransportError(t, err); e.Attempts != 3 {
		t.Errorf("err = %v with Attempts %d, want 3 attempts", err, e.Attempts)
	}
}

// Against a server that fails everything, a bulk job costs about one request
// a call once the default budget (500 tokens, 5 a retry: 100 retries) is
// spent, not three; once the server recovers, successes (1 token each)
// refill it.
func TestRetryBudget(t *testing.T) {
	t.Run("default throttles", func(t *testing.T) {
		t.Parallel()
		var healthy atomic.Bool
		srv := newRelServer(t, func(w http.ResponseWriter, r *http.Request, n int) {
			if healthy.Load() {
				relOK(w, r)
				return
			}
			relFail(w, http.StatusServiceUnavailable)
		})
		cl := relClient(t, srv.URL)
		ctx := t.Context()
		refused := 0
		for i := range 150 {
			err := relGet(ctx, cl)
			if !errors.Is(err, apikeys.ErrServer) {
				t.Fatalf("call %d: err = %v, want ErrServer", i, err)
			}
			if errors.Is(err, apikeys.ErrRetryBudgetExhausted) {
				refused++
			}
		}
		// 50 calls with 2 retries each spend the 500 tokens; the other 100
		// make one request each (time may refill a token a second).
		if n := srv.count(); n < 250 || n >= 260 {
			t.Errorf("150 calls sent %d requests, want about 250 (the budget), not 450", n)
		}
		if refused < 95 {
			t.Errorf("%d errors say the budget refused a retry, want about 100", refused)
		}
		// Still throttled: one 503 ends the call.
		if e := relAPIError(t, relGet(ctx, cl)); e.Attempts != 1 {
			t.Errorf("with the budget spent: Attempts = %d, want 1", e.Attempts)
		}
		// 10 successes earn 10 tokens: two retries.
		healthy.Store(true)
		for i := range 10 {
			if err := relGet(ctx, cl); err != nil {
				t.Fatalf("healthy call %d: %v", i, err)
			}
		}
		healthy.Store(false)
		before := srv.count()
		if e := relAPIError(t, relGet(ctx, cl)); e.Attempts != 3 {
			t.Errorf("after recovery: Attempts = %d, want 3 (retries again)", e.Attempts)
		}
		if n := srv.count() - before; n != 3 {
			t.Errorf("after recovery a failing call sent %d requests, want 3", n)
		}
	})
	t.Run("WithRetryBudget(0) disables it", func(t *testing.T) {
		t.Parallel()
		srv := newRelServer(t, relSequence(503))
		cl := relClient(t, srv.URL, apikeys.WithRetryBudget(0))
		for i := range 100 {
			if e := relAPIError(t, relGet(t.Context(), cl)); e.Attempts != 3 {
				t.Fatalf("call %d: Attempts = %d, want 3", i, e.Attempts)
			}
		}
		if n := srv.count(); n != 300 {
			t.Errorf("100 calls sent %d requests, want 300", n)
		}
	})
}
