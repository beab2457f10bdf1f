package apikeys_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

const unavailable = `{"success":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"try later","status":503}}`

// attemptsOf returns the Attempts of the *APIError in err.
func attemptsOf(t *testing.T, err error) int {
	t.Helper()
	var apiErr *apikeys.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T %v, want an *APIError", err, err)
	}
	return apiErr.Attempts
}

func TestWithMaxRetries(t *testing.T) {
	tests := []struct {
		name         string
		opts         []apikeys.Option
		wantAttempts int
	}{
		{name: "default is 2 retries", wantAttempts: 3},
		{name: "0 disables retries", opts: []apikeys.Option{apikeys.WithMaxRetries(0)}, wantAttempts: 1},
		{name: "1", opts: []apikeys.Option{apikeys.WithMaxRetries(1)}, wantAttempts: 2},
		{name: "4", opts: []apikeys.Option{apikeys.WithMaxRetries(4)}, wantAttempts: 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]apikeys.Option{apikeys.WithRetryBudget(0)}, tt.opts...)
			c, f := newTestClient(t, opts...)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 503, body: unavailable})
			_, err := c.Get(t.Context(), "k1")
			if !errors.Is(err, apikeys.ErrServer) {
				t.Fatalf("err = %v, want ErrServer", err)
			}
			if got := attemptsOf(t, err); got != tt.wantAttempts {
				t.Errorf("Attempts = %d, want %d", got, tt.wantAttempts)
			}
			if got := len(f.requests()); got != tt.wantAttempts {
				t.Errorf("sent %d requests, want %d", got, tt.wantAttempts)
			}
		})
	}
}

func TestRetry_sameIdempotencyKeyAndBody(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithMaxRetries(2))
	f.on(http.MethodPatch, collURL+"/k1",
		reply{status: 503, body: unavailable},
		reply{status: 502, body: "<html>bad gateway</html>"},
		reply{status: 200, body: `{"id":"k1","key_name":"renamed"}`},
	)
	key, err := c.Update(t.Context(), "k1", apikeys.UpdateParams{Name: apikeys.Ptr("renamed")})
	if err != nil {
		t.Fatalf("Update: %v", err)
	}
	if key.Name != "renamed" {
		t.Errorf("Name = %q, want renamed", key.Name)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("sent %d requests, want 3", len(reqs))
	}
	first := assertHeaders(t, reqs[0], testUserAgent)
	for i, r := range reqs {
		if got := assertHeaders(t, r, testUserAgent); got != first {
			t.Errorf("attempt %d: Idempotency-Key = %q, want %q as on the first", i+1, got, first)
		}
		if string(r.Body) != `{"key_name":"renamed"}` {
			t.Errorf("attempt %d: body = %s, want {\"key_name\":\"renamed\"}", i+1, r.Body)
		}
	}
}

func TestRetry_notOnOther4xx(t *testing.T) {
	for _, status := range []int{400, 401, 403, 404, 409, 422} {
		t.Run(http.StatusText(status), func(t *testing.T) {
			c, f := newTestClient(t, apikeys.WithMaxRetries(3))
			f.on(http.MethodPost, collURL+"/k1/pause", reply{status: status, body: `{}`})
			_, err := c.Pause(t.Context(), "k1")
			if got := attemptsOf(t, err); got != 1 {
				t.Errorf("Attempts = %d, want 1", got)
			}
			if got := len(f.requests()); got != 1 {
				t.Errorf("sent %d requests, want 1", got)
			}
		})
	}
}

func TestWithMaxRetryDelay(t *testing.T) {
	tests := []struct {
		name         string
		retryAfter   string
		maxDelay     time.Duration
		wantAttempts int
	}{
		{name: "Retry-After above the cap is not waited", retryAfter: "5", maxDelay: time.Second, wantAttempts: 1},
		{name: "Retry-After of an hour is not waited", retryAfter: "3600", maxDelay: 30 * time.Second, wantAttempts: 1},
		{name: "Retry-After 0 is retried", retryAfter: "0", maxDelay: time.Second, wantAttempts: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, apikeys.WithMaxRetries(2), apikeys.WithMaxRetryDelay(tt.maxDelay))
			f.on(http.MethodGet, collURL+"/k1", reply{
				status: 429,
				body:   `{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","message":"slow down","status":429}}`,
				header: map[string]string{"Retry-After": tt.retryAfter},
			})
			start := time.Now()
			_, err := c.Get(t.Context(), "k1")
			if elapsed := time.Since(start); elapsed > 2*time.Second {
				t.Errorf("Get took %v, want no long wait", elapsed)
			}
			if !errors.Is(err, apikeys.ErrRateLimited) {
				t.Fatalf("err = %v, want ErrRateLimited", err)
			}
			if got := attemptsOf(t, err); got != tt.wantAttempts {
				t.Errorf("Attempts = %d, want %d", got, tt.wantAttempts)
			}
		})
	}
}

// The retry budget is a quota: a first attempt is free, a retry costs 5
// tokens, so against a server that fails every request a bucket of N tokens
// pays for N/5 retries; a refused retry is visible in the error.
func TestWithRetryBudget(t *testing.T) {
	tests := []struct {
		name         string
		opts         []apikeys.Option
		wantAttempts int
		wantRefused  bool
	}{
		{name: "0 tokens disables the budget", opts: []apikeys.Option{apikeys.WithRetryBudget(0)}, wantAttempts: 6},
		{name: "4 tokens pay for no retry", opts: []apikeys.Option{apikeys.WithRetryBudget(4)}, wantAttempts: 1, wantRefused: true},
		{name: "12 tokens pay for two retries", opts: []apikeys.Option{apikeys.WithRetryBudget(12)}, wantAttempts: 3, wantRefused: true},
		{name: "the default 500 tokens pay for every retry of one call", wantAttempts: 6},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := append([]apikeys.Option{apikeys.WithMaxRetries(5)}, tt.opts...)
			c, f := newTestClient(t, opts...)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 500, body: `{}`})
			_, err := c.Get(t.Context(), "k1")
			if !errors.Is(err, apikeys.ErrServer) {
				t.Fatalf("err = %v, want ErrServer", err)
			}
			if got := attemptsOf(t, err); got != tt.wantAttempts {
				t.Errorf("Attempts = %d, want %d", got, tt.wantAttempts)
			}
			if got := len(f.requests()); got != tt.wantAttempts {
				t.Errorf("sent %d requests, want %d", got, tt.wantAttempts)
			}
			if got := errors.Is(err, apikeys.ErrRetryBudgetExhausted); got != tt.wantRefused {
				t.Errorf("errors.Is(%v, ErrRetryBudgetExhausted) = %v, want %v", err, got, tt.wantRefused)
			}
			if got := strings.Contains(err.Error(), "retry budget"); got != tt.wantRefused {
				t.Errorf("Error() = %q; mentions the retry budget: %v, want %v", err, got, tt.wantRefused)
			}
		})
	}
}

// Retries that succeed are refunded, so a flaky server never exhausts even a
// small budget; and the budget is the client's, shared by every call.
func TestWithRetryBudget_flakyServerNeverExhausts(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithRetryBudget(5), apikeys.WithMaxRetries(1))
	for i := range 50 {
		f.on(http.MethodGet, collURL+"/k1", reply{status: 503, body: unavailable}, reply{status: 200, body: `{"id":"k1"}`})
		if _, err := c.Get(t.Context(), "k1"); err != nil {
			t.Fatalf("call %d: %v; a refunded retry was refused", i, err)
		}
	}
	if got := len(f.requests()); got != 100 {
		t.Errorf("sent %d requests, want 100", got)
	}
	// Against a dead server the 5 tokens pay for one retry, for the whole
	// client: the next call makes one attempt.
	f.on(http.MethodGet, collURL+"/k1", reply{status: 500, body: `{}`})
	for i, want := range []int{2, 1, 1} {
		_, err := c.Get(t.Context(), "k1")
		if got := attemptsOf(t, err); got != want {
			t.Errorf("dead server, call %d: %d attempts, want %d", i, got, want)
		}
	}
}

// From an exhausted budget, a 429 or 503 with Retry-After is still retried
// (the server steers it), and so is a create on the reference API, whose
// retry recovers the secret; a refused retry is logged.
func TestWithRetryBudget_exemptions(t *testing.T) {
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, f := newTestClient(t, apikeys.WithRetryBudget(1), apikeys.WithMaxRetries(2), apikeys.WithLogger(logger))
	f.on(http.MethodGet, collURL+"/k0", reply{status: 500, body: `{}`})
	if _, err := c.Get(t.Context(), "k0"); !errors.Is(err, apikeys.ErrRetryBudgetExhausted) {
		t.Fatalf("Get = %v, want the budget exhausted", err)
	}
	if !strings.Contains(logs.String(), "retry budget") {
		t.Errorf("no log line names the retry budget:\n%s", logs.String())
	}
	for _, status := range []int{429, 503} {
		f.on(http.MethodGet, collURL+"/k1",
			reply{status: status, body: `{}`, header: map[string]string{"Retry-After": "0"}},
			reply{status: 200, body: `{"id":"k1"}`})
		if _, err := c.Get(t.Context(), "k1"); err != nil {
			t.Errorf("%d with Retry-After from an exhausted budget: %v, want a retry", status, err)
		}
	}
	f.on(http.MethodPost, collURL,
		reply{status: 500, body: `{}`}, reply{status: 503, body: `{}`},
		reply{status: 201, body: createdJSON})
	created, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
	if err != nil || created.Secret.Reveal() != createdSecret {
		t.Fatalf("Create from an exhausted budget: %v, want the retries that recover the secret", err)
	}
	reqs := f.requests()
	posts := reqs[len(reqs)-3:]
	for _, r := range posts {
		if r.Method != http.MethodPost || r.Header.Get("Idempotency-Key") != posts[0].Header.Get("Idempotency-Key") {
			t.Errorf("create attempts: %v", summarize(posts))
		}
	}
}

func TestWithRequestTimeout(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithRequestTimeout(20*time.Millisecond), apikeys.WithMaxRetries(0))
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
	f.before = func(req *http.Request) error {
		select { // a server that never answers in time
		case <-req.Context().Done():
			return req.Context().Err()
		case <-time.After(5 * time.Second):
			return nil
		}
	}
	start := time.Now()
	_, err := c.Get(t.Context(), "k1")
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Errorf("Get took %v, want the 20ms attempt timeout", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want one wrapping context.DeadlineExceeded", err)
	}
	var apiErr *apikeys.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("err is an *APIError %v, want a transport error", apiErr)
	}
	if t.Context().Err() != nil {
		t.Error("the test's context was canceled")
	}
}

func TestCanceledContext(t *testing.T) {
	c, f := newTestClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	_, err := c.Get(ctx, "k1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want one wrapping context.Canceled", err)
	}
	assertNoRequest(t, f)
}

func TestWithInsecureHTTP_request(t *testing.T) {
	c, err := apikeys.New(
		apikeys.WithBaseURL("http://keys.internal:8080/v1"),
		apikeys.WithAPIKey(testCredential),
		apikeys.WithOrganization(testOrg),
		apikeys.WithInsecureHTTP(),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f := activate(t, c)
	const url = "http://keys.internal:8080/v1/organizations/org_1/api-keys/k1/pause"
	f.on(http.MethodPost, url, reply{status: 200, body: `{"id":"k1","status":"paused"}`})
	key, err := c.Pause(t.Context(), "k1")
	if err != nil {
		t.Fatalf("Pause: %v", err)
	}
	if key.Status != apikeys.StatusPaused {
		t.Errorf("Status = %q, want paused", key.Status)
	}
	r := f.onlyRequest(t)
	if r.Method != http.MethodPost || r.URL != url {
		t.Errorf("request = %s %s, want POST %s", r.Method, r.URL, url)
	}
	assertHeaders(t, r, testUserAgent)
}

func TestWithLogger(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey || a.Key == "duration" || a.Key == "wait" {
				return slog.Attr{} // vary from run to run
			}
			return a
		},
	}))
	c, f := newTestClient(t, apikeys.WithLogger(logger), apikeys.WithMaxRetries(1))
	f.on(http.MethodPost, collURL+"/k1/revoke",
		reply{status: 503, body: `{"success":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"echo ` + testCredential + `"}}`,
			header: map[string]string{"X-Request-Id": "req_a"}},
		reply{status: 200, body: `{"id":"k1","status":"revoked"}`, header: map[string]string{"X-Request-Id": "req_b"}},
	)
	if _, err := c.Revoke(t.Context(), "k1"); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	want := strings.Join([]string{
		`level=DEBUG msg="apikeys: attempt" method=POST path=/organizations/org_1/api-keys/k1/revoke attempt=1 status=503 request_id=req_a`,
		`level=DEBUG msg="apikeys: retrying" method=POST path=/organizations/org_1/api-keys/k1/revoke attempt=1 reason="req_a Service Unavailable"`,
		`level=DEBUG msg="apikeys: attempt" method=POST path=/organizations/org_1/api-keys/k1/revoke attempt=2 status=200 request_id=req_b`,
		``,
	}, "\n")
	if diff := cmp.Diff(want, buf.String()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
	if strings.Contains(buf.String(), testCredential) {
		t.Error("the log contains the credential")
	}
}

func TestWithLogger_nilIsSilent(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithLogger(nil), apikeys.WithMaxRetries(1))
	f.on(http.MethodGet, collURL+"/k1", reply{status: 503, body: unavailable}, reply{status: 200, body: `{"id":"k1"}`})
	if _, err := c.Get(t.Context(), "k1"); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got := len(f.requests()); got != 2 {
		t.Errorf("sent %d requests, want 2", got)
	}
}
