package apikeystest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// methodsAndPaths is what a server received, as "METHOD path" lines.
func methodsAndPaths(srv *apikeystest.Server) []string {
	var out []string
	for _, r := range srv.Requests() {
		out = append(out, r.Method+" "+r.Path)
	}
	return out
}

// TestFailOnHitsOnlyItsRequest: a fault aimed at pause leaves the reads
// before it alone, fails the pause once, and is then used up.
func TestFailOnHitsOnlyItsRequest(t *testing.T) {
	ctx := context.Background()
	srv, _ := startFor(t, apikeys.Reference)
	client, err := srv.Client(apikeys.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := srv.AddKey(apikeys.Key{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailOn(http.MethodPost, "/v1/organizations/*/api-keys/*/pause", 1, http.StatusServiceUnavailable, 0)

	if _, err := client.Get(ctx, k.ID); err != nil {
		t.Fatalf("Get before the targeted request: %v", err)
	}
	if _, err := client.Pause(ctx, k.ID); !errors.Is(err, apikeys.ErrServer) {
		t.Fatalf("first Pause: %v, want ErrServer", err)
	}
	got, err := client.Pause(ctx, k.ID)
	if err != nil || got.Status != apikeys.StatusPaused {
		t.Fatalf("second Pause: %+v, %v; want paused", got, err)
	}
}

// TestFailOnRotateRetireStep fails the last step of a rotation, the one a
// "whichever comes next" fault cannot reach without counting requests: the
// replacement is returned with the error.
func TestFailOnRotateRetireStep(t *testing.T) {
	srv, _ := startFor(t, apikeys.Aitronos)
	client, err := srv.Client(apikeys.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	old, _, err := srv.AddKey(apikeys.Key{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailOn(http.MethodPost, "/v1/organizations/*/api-keys/*/deactivate", 1, http.StatusServiceUnavailable, 0)
	created, err := client.Rotate(context.Background(), old.ID, apikeys.RotateParams{})
	if !errors.Is(err, apikeys.ErrServer) || created == nil || created.Secret.IsZero() {
		t.Fatalf("Rotate = %+v, %v; want the replacement with ErrServer", created, err)
	}
	want := []string{
		"GET /v1/organizations/org_test/api-keys/" + old.ID,
		"POST /v1/organizations/org_test/api-keys",
		"POST /v1/organizations/org_test/api-keys/" + old.ID + "/deactivate",
	}
	if diff := cmp.Diff(want, methodsAndPaths(srv)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

// TestFailOnRetryAfter: the targeted answer carries Retry-After and the
// platform's envelope, as FailNext's does.
func TestFailOnRetryAfter(t *testing.T) {
	srv, _ := startFor(t, apikeys.Reference)
	client, err := srv.Client(apikeys.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	srv.FailOn("", "/v1/organizations/*/api-keys", 1, http.StatusTooManyRequests, 1500*time.Millisecond)
	_, err = client.Create(context.Background(), apikeys.CreateParams{Name: "x"})
	var apiErr *apikeys.APIError
	if !errors.As(err, &apiErr) || apiErr.Code != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("Create: %v; want RATE_LIMIT_EXCEEDED", err)
	}
	if got := srv.Requests(); len(got) != 1 {
		t.Fatalf("%d requests, want 1", len(got))
	}

	// The header itself, which the client keeps only when it gives up on a wait.
	srv.FailOn("", "/v1/organizations/*/api-keys", 1, http.StatusServiceUnavailable, 1500*time.Millisecond)
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/organizations/org_test/api-keys", nil)
	resp, err := srv.Transport().RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "2" {
		t.Errorf("answer %d with Retry-After %q, want 503 with 2", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
}

// TestFailOnBeforeQueue: a targeted fault takes its request, and the
// FailNext queue waits for the next one.
func TestFailOnBeforeQueue(t *testing.T) {
	ctx := context.Background()
	srv, _ := startFor(t, apikeys.Reference)
	client, err := srv.Client(apikeys.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	k, _, err := srv.AddKey(apikeys.Key{Name: "a"})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailNext(1, http.StatusServiceUnavailable, 0)
	srv.FailOn(http.MethodGet, "/v1/organizations/*/api-keys/"+k.ID, 1, http.StatusNotFound, 0)
	if _, err := client.Get(ctx, k.ID); !errors.Is(err, apikeys.ErrNotFound) {
		t.Errorf("Get: %v, want the targeted 404", err)
	}
	if _, err := client.Get(ctx, k.ID); !errors.Is(err, apikeys.ErrServer) {
		t.Errorf("second Get: %v, want the queued 503", err)
	}
	if _, err := client.Get(ctx, k.ID); err != nil {
		t.Errorf("third Get: %v, want success", err)
	}
}

// TestDropOnCreate cuts the connection after a create is applied, with a
// listener and in process: the reference API's replay recovers the secret
// and no second key is made.
func TestDropOnCreate(t *testing.T) {
	for _, listen := range []bool{true, false} {
		name := "listener"
		opts := []apikeystest.Option{}
		if !listen {
			name, opts = "in process", []apikeystest.Option{apikeystest.WithoutListener()}
		}
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			srv := apikeystest.Start(t, opts...)
			client, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			srv.DropOn(http.MethodPost, "/v1/organizations/org_test/api-keys", 1)
			created, err := client.Create(ctx, apikeys.CreateParams{Name: "x"})
			if err != nil || created.Secret.IsZero() {
				t.Fatalf("Create: %+v, %v; want the replayed answer", created, err)
			}
			n := 0
			for _, err := range client.List(ctx, apikeys.ListParams{}) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			posts := 0
			for _, r := range srv.Requests() {
				if r.Method == http.MethodPost {
					posts++
				}
			}
			if n != 1 || posts != 2 {
				t.Errorf("%d keys after %d POSTs; want 1 key after 2", n, posts)
			}
		})
	}
}

// TestFailOnMisuse: what cannot be meant panics at the call, as FailNext does.
func TestFailOnMisuse(t *testing.T) {
	srv, _ := startFor(t, apikeys.Reference)
	for name, f := range map[string]func(){
		"bad pattern":    func() { srv.FailOn("GET", "/v1/[", 1, 503, 0) },
		"not an error":   func() { srv.FailOn("GET", "/v1/*", 1, 200, 0) },
		"negative count": func() { srv.FailOn("GET", "/v1/*", -1, 503, 0) },
		"drop pattern":   func() { srv.DropOn("GET", "[", 1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			f()
		}()
	}
}

// TestTransportInProcess: under WithoutListener the URL names no listener
// and a plain http.Client reaches the server through Transport.
func TestTransportInProcess(t *testing.T) {
	srv := apikeystest.Start(t, apikeystest.WithoutListener())
	if !strings.HasPrefix(srv.URL, "http://localhost/") {
		t.Errorf("URL = %q, want http://localhost/…", srv.URL)
	}
	hc := &http.Client{Transport: srv.Transport()}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/organizations/org_test/api-keys", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Set by assignment, not canonicalized, as a client in process may.
	req.Header["x-api-key"] = []string{srv.AdminKey}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/json" ||
		resp.Request != req || string(body) != `{"api_keys":[],"next_cursor":null}` {
		t.Errorf("GET = %d %q %s", resp.StatusCode, resp.Header, body)
	}
}

// closeRecorder is a request body that reports being closed.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

// TestTransportFailures: a closed server refuses, as a closed listener
// does; a done context is not served; the body is closed either way.
func TestTransportFailures(t *testing.T) {
	srv := apikeystest.NewServer()
	tr := srv.Transport()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	body := &closeRecorder{Reader: strings.NewReader("{}")}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/organizations/org_test/api-keys", body)
	if _, err := tr.RoundTrip(req); !errors.Is(err, context.Canceled) || !body.closed {
		t.Errorf("canceled: err %v, body closed %v; want context.Canceled, true", err, body.closed)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("a canceled request was served: %d recorded", n)
	}

	srv.Close()
	body = &closeRecorder{Reader: strings.NewReader("{}")}
	req, _ = http.NewRequest(http.MethodPost, srv.URL+"/organizations/org_test/api-keys", body)
	if _, err := tr.RoundTrip(req); !errors.Is(err, syscall.ECONNREFUSED) || !body.closed {
		t.Errorf("closed: err %v, body closed %v; want ECONNREFUSED, true", err, body.closed)
	}
}

// TestStartClosesOnCleanup: the server Start returns is closed when its
// test ends.
func TestStartClosesOnCleanup(t *testing.T) {
	var srv *apikeystest.Server
	t.Run("inner", func(t *testing.T) { srv = apikeystest.Start(t) })
	resp, err := http.Get(srv.URL + "/organizations/org_test/api-keys")
	if err == nil {
		resp.Body.Close()
		t.Fatalf("GET after the test ended: %s, want a refused connection", resp.Status)
	}
}

// fatalTB records Fatal and stops its goroutine, as testing does.
type fatalTB struct {
	testing.TB
	mu  sync.Mutex
	msg string
}

func (f *fatalTB) Helper()           {}
func (f *fatalTB) Cleanup(fn func()) {}
func (f *fatalTB) Fatal(args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range args {
		f.msg += a.(error).Error()
	}
	runtime.Goexit()
}

// TestStartFailsTest: a platform the fake does not serve fails the test at
// Start, where NewServer would panic.
func TestStartFailsTest(t *testing.T) {
	tb := &fatalTB{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		apikeystest.Start(tb, apikeystest.WithPlatform("nope"))
		t.Error("Start returned")
	}()
	<-done
	tb.mu.Lock()
	defer tb.mu.Unlock()
	if !strings.Contains(tb.msg, `platform "nope" is not served`) {
		t.Errorf("Fatal(%q), want it to name the platform", tb.msg)
	}
}
