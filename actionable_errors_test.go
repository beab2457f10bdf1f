package apikeys_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
)

// Errors a person can act on: each says what happened in words that point at
// the fix, not only a status code.

// A 429 or 503 whose Retry-After is longer than WithMaxRetryDelay is not
// waited: the error says the client gave up at once, the wait the server
// asked for, and the limit it exceeded.
func TestRetryAfterOverTheMaximumWait(t *testing.T) {
	for _, tt := range []struct {
		status   int
		code     string
		sentinel error
	}{
		{http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED", apikeys.ErrRateLimited},
		{http.StatusServiceUnavailable, "SERVICE_UNAVAILABLE", apikeys.ErrServer},
	} {
		t.Run(tt.code, func(t *testing.T) {
			c, f := newTestClient(t, apikeys.WithMaxRetryDelay(time.Second))
			f.on(http.MethodGet, collURL+"/key_1", reply{status: tt.status, body: envelope(tt.code, tt.status),
				header: map[string]string{"Retry-After": "120"}})
			_, err := c.Get(t.Context(), "key_1")
			var apiErr *apikeys.APIError
			if !errors.As(err, &apiErr) || !errors.Is(err, tt.sentinel) {
				t.Fatalf("err = %v, want an *APIError matching %v", err, tt.sentinel)
			}
			if apiErr.RetryAfter != 2*time.Minute {
				t.Errorf("RetryAfter = %v, want 2m", apiErr.RetryAfter)
			}
			if n := len(f.requests()); n != 1 {
				t.Errorf("%d requests, want 1: the wait is over the maximum", n)
			}
			for _, want := range []string{"gave up at once", "asked to wait 2m0s (Retry-After)", "maximum wait of 1s (WithMaxRetryDelay)"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q does not say %q", err, want)
				}
			}
		})
	}
	t.Run("past the context's deadline", func(t *testing.T) {
		c, f := newTestClient(t, apikeys.WithMaxRetryDelay(time.Minute))
		f.on(http.MethodGet, collURL+"/key_1", reply{status: 429, body: envelope("RATE_LIMIT_EXCEEDED", 429),
			header: map[string]string{"Retry-After": "30"}})
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := c.Get(ctx, "key_1")
		var apiErr *apikeys.APIError
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != 30*time.Second {
			t.Fatalf("err = %v, want an *APIError with RetryAfter 30s", err)
		}
		for _, want := range []string{"gave up at once", "asked to wait 30s", "left before the context's deadline"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not say %q", err, want)
			}
		}
	})
	// The client's own backoff running past the deadline is not a wait the
	// server asked for: RetryAfter stays zero and the error does not claim it.
	t.Run("backoff past the context's deadline", func(t *testing.T) {
		c, f := newTestClient(t, apikeys.WithMinRetryDelay(20*time.Second), apikeys.WithMaxRetryDelay(time.Minute))
		f.on(http.MethodGet, collURL+"/key_1", reply{status: 503, body: envelope("SERVICE_UNAVAILABLE", 503)})
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		defer cancel()
		_, err := c.Get(ctx, "key_1")
		var apiErr *apikeys.APIError
		if !errors.As(err, &apiErr) {
			t.Fatalf("err = %v, want an *APIError", err)
		}
		if apiErr.RetryAfter != 0 || strings.Contains(err.Error(), "asked to wait") {
			t.Errorf("RetryAfter %v, error %q: the server asked for no wait", apiErr.RetryAfter, err)
		}
	})
}

// Where the path carries the organization (reference, Aitronos), a wrong
// organization and a missing key get the same 404: the error says the
// organization may be wrong, and still matches ErrNotFound. An answer that
// names the organization, or a platform without one in its paths, gets no
// such hint.
func TestNotFoundMayBeTheOrganization(t *testing.T) {
	const hint = `(or organization "org_1" is wrong`
	for _, tt := range []struct {
		name     string
		opts     []apikeys.Option
		url      string
		body     string
		wantHint bool
	}{
		{"reference, key not found", nil, collURL + "/key_1", envelope("API_KEY_NOT_FOUND", 404), true},
		{"reference, a bare 404", nil, collURL + "/key_1", `not found`, true},
		{"reference, organization not found", nil, collURL + "/key_1", envelope("ORGANIZATION_NOT_FOUND", 404), false},
		{"aitronos, key not found", []apikeys.Option{apikeys.WithPlatform(apikeys.Aitronos)}, collURL + "/key_1",
			`{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"API key not found"}}`, true},
		{"orq.ai has no organization", []apikeys.Option{apikeys.WithPlatform(apikeys.OrqAI)},
			testBaseURL + "/v2/api-keys/key_1?include_budget=true", `{"code":"not_found","message":"API key not found"}`, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			opts := []apikeys.Option{apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(testCredential)}
			if tt.wantHint || strings.HasPrefix(tt.name, "reference") {
				opts = append(opts, apikeys.WithOrganization(testOrg))
			}
			c, err := apikeys.New(append(opts, tt.opts...)...)
			if err != nil {
				t.Fatal(err)
			}
			f := activate(t, c)
			f.on(http.MethodGet, tt.url, reply{status: 404, body: tt.body})
			_, err = c.Get(t.Context(), "key_1")
			if !errors.Is(err, apikeys.ErrNotFound) {
				t.Fatalf("err = %v, want ErrNotFound; sent %v", err, summarize(f.requests()))
			}
			if got := strings.Contains(err.Error(), hint); got != tt.wantHint {
				t.Errorf("error %q: hint %v, want %v", err, got, tt.wantHint)
			}
		})
	}
}

// Rotate on a key whose status does not allow retiring it speaks of the
// rotation the caller asked for, not of the archive inside it.
func TestRotateRefusalNamesTheRotation(t *testing.T) {
	for _, tt := range []struct{ status, want string }{
		{"revoked", "cannot rotate a revoked key"},
		{"archived", "cannot rotate an archived key"},
	} {
		t.Run(tt.status, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON(tt.status, nil)})
			_, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{})
			var te *apikeys.TransitionError
			if !errors.As(err, &te) || !errors.Is(err, apikeys.ErrInvalidTransition) {
				t.Fatalf("err = %v, want a *TransitionError", err)
			}
			if msg := err.Error(); !strings.Contains(msg, tt.want) || strings.Contains(msg, "cannot archive") {
				t.Errorf("error %q, want it to say %q and not \"cannot archive\"", msg, tt.want)
			}
		})
	}
}
