package transport

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// stallServer answers a first request in a way that stalls until the test
// ends, and any later one at once with a small key object.
func stallServer(t *testing.T, midBody bool) *httptest.Server {
	release := make(chan struct{})
	var stalled atomic.Bool
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !stalled.CompareAndSwap(false, true) {
			_, _ = w.Write([]byte(`{"id":"k1"}`))
			return
		}
		if midBody {
			w.Header().Set("Content-Length", "1000")
			_, _ = w.Write([]byte(`{"id":"k1",`))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(ts.Close)
	t.Cleanup(func() { close(release) }) // runs first: unblocks the handler
	return ts
}

// TestAttemptTimeoutFires: the per-attempt timeout (the watchdog) ends an
// attempt whose server stalls before the headers and one that stalls in the
// middle of the body, on the transport's own client and on a caller's, with
// a caller's context that can be canceled and with one that cannot; the
// error wraps context.DeadlineExceeded and the retry that follows succeeds.
// The only timing checked is a generous upper bound.
func TestAttemptTimeoutFires(t *testing.T) {
	for _, own := range []bool{true, false} {
		for _, midBody := range []bool{false, true} {
			// A caller's context that can be canceled gives the attempt a
			// watch of its own; one that cannot puts it in a cohort.
			for _, cancelable := range []bool{true, false} {
				name := map[bool]string{true: "own client", false: "caller's client"}[own] + "/" +
					map[bool]string{false: "stalls before the headers", true: "stalls mid-body"}[midBody] + "/" +
					map[bool]string{true: "cancelable context", false: "background context"}[cancelable]
				t.Run(name, func(t *testing.T) {
					t.Parallel()
					ctx := context.Background()
					if cancelable {
						ctx = t.Context()
					}
					ts := stallServer(t, midBody)
					cfg := Config{BaseURL: ts.URL, RequestTimeout: 100 * time.Millisecond, MaxRetries: 0}
					if !own {
						cfg.HTTPClient = &http.Client{Transport: &http.Transport{}}
					}
					tr := New(cfg)
					start := time.Now()
					_, err := tr.Do(ctx, platform.Request{Method: http.MethodGet, Path: "/k1", Retry: platform.RetryAlways})
					t.Logf("err: %v", err)
					if d := time.Since(start); d > 10*time.Second {
						t.Errorf("returned after %v, want about the 100ms timeout", d)
					}
					if !errors.Is(err, context.DeadlineExceeded) {
						t.Fatalf("err = %v, want one wrapping context.DeadlineExceeded", err)
					}
					if got := tr.sender(); (got == tr.direct) != own {
						t.Errorf("sent through the own client: %v, want %v", got == tr.direct, own)
					}

					// The timed-out attempt is retried, and the retry is answered.
					cfg.MaxRetries, cfg.MinRetryDelay, cfg.MaxRetryDelay = 1, time.Millisecond, time.Millisecond
					ts2 := stallServer(t, midBody)
					cfg.BaseURL = ts2.URL
					resp, err := New(cfg).Do(ctx, platform.Request{Method: http.MethodGet, Path: "/k1", Retry: platform.RetryAlways})
					if err != nil {
						t.Fatalf("with a retry: %v", err)
					}
					defer resp.Release()
					if resp.Attempts != 2 || string(resp.Body) != `{"id":"k1"}` {
						t.Errorf("with a retry: %d attempts, body %q; want 2 and the key", resp.Attempts, resp.Body)
					}
				})
			}
		}
	}
}

// TestOwnClientCancelMidBody: canceling the caller's context ends a body
// read at once, long before the attempt's timeout.
func TestOwnClientCancelMidBody(t *testing.T) {
	ts := stallServer(t, true)
	tr := New(Config{BaseURL: ts.URL, RequestTimeout: time.Minute})
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err := tr.Do(ctx, platform.Request{Method: http.MethodGet, Path: "/k1", Retry: platform.RetryAlways})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want one wrapping context.Canceled", err)
	}
}

// TestOwnClientBoundsBody: on the own client a success body over the limit
// is still refused, and the calls after it are answered.
func TestOwnClientBoundsBody(t *testing.T) {
	big := strings.Repeat("x", 5000)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			_, _ = w.Write([]byte(big))
			return
		}
		_, _ = w.Write([]byte(`{"id":"k1"}`))
	}))
	defer ts.Close()
	tr := New(Config{BaseURL: ts.URL, RequestTimeout: time.Minute})
	if _, err := tr.Do(t.Context(), platform.Request{Method: http.MethodGet, Path: "/big", MaxBody: 4096}); !errors.Is(err, ErrBodyTooLarge) {
		t.Errorf("err = %v, want ErrBodyTooLarge", err)
	}
	for range 3 {
		resp, err := tr.Do(t.Context(), platform.Request{Method: http.MethodGet, Path: "/k1"})
		if err != nil {
			t.Fatal(err)
		}
		if string(resp.Body) != `{"id":"k1"}` {
			t.Errorf("body %q", resp.Body)
		}
		resp.Release()
	}
}

// TestLateHeaders: an answer whose headers come after the attempt's
// deadline is refused even when its context has not yet been canceled: the
// watchdog wakes at the deadline (and a busy process may run it later), a
// cohort's context ends up to one window after it. Under a watch the test
// holds the watchdog's lock from a slow dial until well after the answer;
// in a cohort it widens the window to 500ms; either way only the check
// after the headers can refuse the answer. An empty answer (204) as well
// as one with a body.
func TestLateHeaders(t *testing.T) {
	for _, status := range []int{http.StatusNoContent, http.StatusOK} {
		for _, cohort := range []bool{false, true} {
			t.Run(http.StatusText(status)+map[bool]string{false: "/watch", true: "/cohort"}[cohort], func(t *testing.T) {
				t.Parallel()
				ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(status)
					if status == http.StatusOK {
						_, _ = w.Write([]byte(`{"id":"k1"}`))
					}
				}))
				t.Cleanup(ts.Close)
				tr := New(Config{BaseURL: ts.URL, RequestTimeout: 100 * time.Millisecond})
				ctx := t.Context()
				if cohort {
					ctx = context.Background()
					tr.dog.window = 500 * time.Millisecond
				}
				var d net.Dialer
				tr.own.DialContext = func(dctx context.Context, network, addr string) (net.Conn, error) {
					if !cohort {
						tr.dog.mu.Lock()
						time.AfterFunc(300*time.Millisecond, tr.dog.mu.Unlock)
					}
					time.Sleep(150 * time.Millisecond)
					return d.DialContext(context.WithoutCancel(dctx), network, addr)
				}
				resp, err := tr.Do(ctx, platform.Request{Method: http.MethodGet, Path: "/k1"})
				if err == nil {
					resp.Release()
				}
				if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "headers came after") {
					t.Fatalf("headers after 150ms of a 100ms attempt: err = %v, want the late-headers error", err)
				}
			})
		}
	}
}
