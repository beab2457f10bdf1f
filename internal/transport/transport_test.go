package transport

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

func TestSameOrigin(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"https://api.example.com/v1/x", "https://api.example.com/other", true},
		{"https://api.example.com/x", "https://api.example.com:443/y", true},
		{"http://api.example.com/x", "http://api.example.com:80/y", true},
		{"http://127.0.0.1:8080/x", "http://127.0.0.1:8080/y?q=1", true},
		{"http://[::1]:8080/x", "http://[::1]:8080/y", true},
		{"https://api.example.com/x", "http://api.example.com/x", false},
		{"https://api.example.com/x", "https://api.example.com:8443/x", false},
		{"http://api.example.com/x", "http://api.example.com:443/x", false},
		{"https://api.example.com/x", "https://evil.example.com/x", false},
		{"https://api.example.com/x", "https://api.example.com.evil.net/x", false},
		{"http://127.0.0.1:8080/x", "http://localhost:8080/x", false},
		{"http://127.0.0.1:8080/x", "http://127.0.0.1:8081/x", false},
		{"https://api.example.com/x", "https://user@api.example.org/x", false},
	} {
		a, _ := url.Parse(c.a)
		b, _ := url.Parse(c.b)
		if got := sameOrigin(a, b); got != c.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
		if got := sameOrigin(b, a); got != c.want {
			t.Errorf("sameOrigin(%s, %s) = %v, want %v (not symmetric)", c.b, c.a, got, c.want)
		}
	}
}

func TestClassifyStatus(t *testing.T) {
	tr := New(Config{HTTPClient: &http.Client{}})
	retried := map[int]bool{408: true, 429: true, 500: true, 502: true, 503: true, 504: true}
	for _, rule := range []platform.Retry{platform.RetryAlways, platform.RetryDeduplicated, platform.RetryUnsent} {
		for status := 100; status <= 599; status++ {
			resp := &Response{StatusCode: status, Header: http.Header{"X-Request-Id": {"req-9"}}, RequestID: "req-9"}
			retry, reason, cost := tr.classify(context.Background(), rule, resp, nil)
			want := retried[status]
			if rule == platform.RetryUnsent {
				// A request that may apply twice is resent only when the
				// server refused it before applying it.
				want = status == http.StatusTooManyRequests
			}
			if retry != want {
				t.Errorf("rule %d: classify(%d) retry = %v, want %v", rule, status, retry, want)
			}
			if retry && (reason != "req-9 "+http.StatusText(status) || cost != retryCost) {
				t.Errorf("rule %d: classify(%d) reason %q, cost %v; want the request ID and status, and %d", rule, status, reason, cost, retryCost)
			}
			if !retry && cost != 0 {
				t.Errorf("rule %d: classify(%d) costs %v without a retry", rule, status, cost)
			}
		}
	}
}

type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

// clientErr wraps err the way http.Client.Do does.
func clientErr(err error) error {
	return &url.Error{Op: "Get", URL: "https://api.example.com/v1/organizations/o/api-keys?status=paused", Err: err}
}

// errorCases are failures without an answer: retry says whether another
// attempt may fix it, unsent whether the request surely never reached the
// server, timeout whether its retry costs the timeout price.
var errorCases = []struct {
	name                   string
	err                    error
	retry, unsent, timeout bool
}{
	{"EOF", clientErr(io.EOF), true, false, false},
	{"unexpected EOF reading the body", io.ErrUnexpectedEOF, true, false, false},
	{"connection reset", clientErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), true, false, false},
	{"connection refused", clientErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true, true, false},
	{"dial timeout", clientErr(&net.OpError{Op: "dial", Net: "tcp", Err: timeoutError{}}), true, true, false},
	{"broken pipe", clientErr(&net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}), true, false, false},
	{"read deadline", clientErr(&net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}), true, false, false},
	{"attempt timeout", clientErr(context.DeadlineExceeded), true, false, true},
	{"awaiting headers", clientErr(fmt.Errorf("net/http: timeout awaiting response headers: %w", context.DeadlineExceeded)), true, false, true},
	{"temporary DNS failure", clientErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}}), true, true, false},
	{"DNS timeout", &net.DNSError{Err: "timeout", Name: "x", IsTimeout: true}, true, true, false},
	// No such host: surely unsent, and no retry will make it exist.
	{"DNS not found", clientErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}), false, true, false},
	// Only real network failures are retried: a bare error from an
	// http.RoundTripper (httpmock's "no responder found", a proxy library's
	// own refusal) or a net.Error that is no *net.OpError (net/http's TLS
	// handshake timeout) is not.
	{"net.Error that is no OpError", clientErr(timeoutError{}), false, false, false},
	{"HTTP/2 failure text", clientErr(errors.New("http2: server sent GOAWAY and closed the connection")), false, false, false},
	{"RoundTripper failure", clientErr(errors.New("no responder found")), false, false, false},
	{"protocol mismatch", clientErr(errors.New("http: server gave HTTP response to HTTPS client")), false, false, false},
	{"refused redirect", &refusedRedirect{clientErr(ErrRedirect)}, false, false, false},
	{"redirect loop", &refusedRedirect{clientErr(errors.New("stopped after 10 redirects"))}, false, false, false},
	{"caller's CheckRedirect", &refusedRedirect{clientErr(errors.New("no redirects, please"))}, false, false, false},
	{"invalid URL", &url.Error{Op: "parse", URL: "http://a b", Err: url.InvalidHostError(" ")}, false, false, false},
	{"body too large", ErrBodyTooLarge, false, false, false},
	{"unknown authority", clientErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false, false, false},
	{"bare unknown authority", clientErr(x509.UnknownAuthorityError{}), false, false, false},
	{"hostname", clientErr(x509.HostnameError{Host: "x"}), false, false, false},
	{"expired", clientErr(x509.CertificateInvalidError{Reason: x509.Expired}), false, false, false},
	{"not TLS", clientErr(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), false, false, false},
	{"TLS alert", clientErr(tls.AlertError(40)), false, false, false},
	{"plain error", errors.New("something else"), false, false, false},
}

func TestRetryableError(t *testing.T) {
	for _, c := range errorCases {
		// attempt hands on a *url.Error without its URL; both forms count.
		for _, err := range []error{c.err, withoutURL(c.err), fmt.Errorf("wrapped: %w", c.err)} {
			if got := retryableError(err); got != c.retry {
				t.Errorf("%s: retryableError(%v) = %v, want %v", c.name, err, got, c.retry)
			}
			if got := surelyUnsent(err); got != c.unsent {
				t.Errorf("%s: surelyUnsent(%v) = %v, want %v", c.name, err, got, c.unsent)
			}
		}
	}
}

func TestClassifyError(t *testing.T) {
	tr := New(Config{HTTPClient: &http.Client{}})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range errorCases {
		for _, rule := range []platform.Retry{platform.RetryAlways, platform.RetryDeduplicated, platform.RetryUnsent} {
			want := c.retry && (rule != platform.RetryUnsent || c.unsent)
			retry, reason, cost := tr.classify(context.Background(), rule, nil, withoutURL(c.err))
			if retry != want {
				t.Errorf("%s, rule %d: classify retry = %v, want %v", c.name, rule, retry, want)
			}
			wantCost := 0.0
			switch {
			case want && c.timeout:
				wantCost = timeoutCost
			case want:
				wantCost = retryCost
			}
			if cost != wantCost {
				t.Errorf("%s, rule %d: cost %v, want %v", c.name, rule, cost, wantCost)
			}
			if retry && reason == "" {
				t.Errorf("%s: no reason for the retry", c.name)
			}
			if strings.Contains(reason, "api.example.com") || strings.Contains(reason, "status=paused") {
				t.Errorf("%s: the reason repeats the URL: %q", c.name, reason)
			}
			// Once the caller's context is done nothing is retried.
			if retry, _, _ := tr.classify(canceled, rule, nil, c.err); retry {
				t.Errorf("%s: retried after the caller's context was canceled", c.name)
			}
		}
	}
}

// A *url.Error loses its URL, which after a redirect is the server's
// Location, and keeps its cause for errors.Is and errors.As.
func TestWithoutURL(t *testing.T) {
	cause := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	err := withoutURL(&url.Error{Op: "Post", URL: "https://evil.example.com/?token=s3cr3t", Err: cause})
	if strings.Contains(err.Error(), "evil") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("withoutURL kept the URL: %v", err)
	}
	if !strings.HasPrefix(err.Error(), "Post: ") || !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("withoutURL = %v, want the operation and the cause", err)
	}
	var opErr *net.OpError
	if !errors.As(err, &opErr) || opErr != cause {
		t.Errorf("errors.As lost the *net.OpError")
	}
	if plain := errors.New("x"); withoutURL(plain) != plain {
		t.Error("withoutURL changed an error that is no *url.Error")
	}
}

// attempt marks a redirect that CheckRedirect refused, whoever refused it,
// and only that: a redirect that is followed, or a plain failure, is not.
func TestAttemptMarksRefusedRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer other.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/away":
			http.Redirect(w, r, other.URL, http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/hop":
			http.Redirect(w, r, "/ok", http.StatusFound)
		}
	}))
	defer srv.Close()
	tr := New(Config{HTTPClient: srv.Client(), BaseURL: srv.URL})
	for path, refused := range map[string]bool{"/away": true, "/loop": true, "/hop": false} {
		resp, err := tr.attempt(context.Background(), platform.Request{Method: http.MethodGet, Path: path})
		var r *refusedRedirect
		if errors.As(err, &r) != refused || (err == nil) == refused {
			t.Errorf("%s: %+v, %v; want refused %v", path, resp, err, refused)
		}
		if path == "/away" && !errors.Is(err, ErrRedirect) {
			t.Errorf("%s: %v, want ErrRedirect", path, err)
		}
		if err != nil && (strings.Contains(err.Error(), other.URL) || strings.Contains(err.Error(), srv.URL)) {
			t.Errorf("%s: the error repeats a URL: %v", path, err)
		}
	}
	// A connection failure is not a refused redirect.
	srv.Close()
	_, err := tr.attempt(context.Background(), platform.Request{Method: http.MethodGet, Path: "/"})
	var r *refusedRedirect
	if err == nil || errors.As(err, &r) || !retryableError(err) || !surelyUnsent(err) {
		t.Errorf("connection refused: %v, want a retryable error that surely was not sent", err)
	}
	if strings.Contains(err.Error(), "http://") {
		t.Errorf("connection refused: the error repeats the URL: %v", err)
	}
}

func TestNewKeepsCallersClient(t *testing.T) {
	calls := 0
	check := func(*http.Request, []*http.Request) error { calls++; return nil }
	hc := &http.Client{CheckRedirect: check, Timeout: time.Minute}
	tr := New(Config{HTTPClient: hc})
	if reflect.ValueOf(hc.CheckRedirect).Pointer() != reflect.ValueOf(check).Pointer() {
		t.Fatal("New replaced the caller's CheckRedirect")
	}
	if got := tr.HTTPClient(); got != hc || got.Timeout != time.Minute {
		t.Fatalf("HTTPClient() = %p (Timeout %v), want the caller's %p", got, got.Timeout, hc)
	}
	req := func(method, u string) *http.Request {
		r, _ := http.NewRequest(method, u, nil)
		return r
	}
	via := []*http.Request{req(http.MethodGet, "https://api.example.com/v1/x")}
	if err := tr.checkRedirect(req(http.MethodGet, "https://evil.example.com/x"), via); !errors.Is(err, ErrRedirect) || calls != 0 {
		t.Errorf("cross-origin: %v with %d calls to the caller's check, want ErrRedirect and 0", err, calls)
	}
	if err := tr.checkRedirect(req(http.MethodGet, "https://api.example.com/v2/y"), via); err != nil || calls != 1 {
		t.Errorf("same origin: %v with %d calls to the caller's check, want nil and 1", err, calls)
	}
	// A POST that a 302 turned into a GET is refused, before the caller's check.
	post := []*http.Request{req(http.MethodPost, "https://api.example.com/v1/x")}
	if err := tr.checkRedirect(req(http.MethodGet, "https://api.example.com/v1/x"), post); !errors.Is(err, ErrRedirect) || calls != 1 {
		t.Errorf("method change: %v with %d calls to the caller's check, want ErrRedirect and still 1", err, calls)
	}
	// The client is not modified: the policy goes with each attempt. Ten
	// redirects are the limit.
	own := &http.Client{}
	owned := New(Config{HTTPClient: own})
	if own.CheckRedirect != nil {
		t.Fatal("New set CheckRedirect on the client")
	}
	for n := 1; n <= 10; n++ {
		via := make([]*http.Request, n)
		for i := range via {
			via[i] = req(http.MethodGet, "https://api.example.com/v1/x")
		}
		if err := owned.checkRedirect(req(http.MethodGet, "https://api.example.com/y"), via); (err != nil) != (n == 10) {
			t.Errorf("after %d redirects: %v", n, err)
		}
	}
}

// The redirect guard goes with every attempt: setting the http.Client's
// CheckRedirect later, even to one that allows everything, cannot switch it
// off. The refused redirect's
// error does not repeat the Location, which may hold what the server echoed.
func TestRedirectGuardCannotBeSwitchedOff(t *testing.T) {
	var reached atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached.Add(1) }))
	defer other.Close()
	location := other.URL + "/steal?key=s3cr3t-cred"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, location, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	hc := &http.Client{Transport: srv.Client().Transport}
	tr := New(Config{HTTPClient: hc, BaseURL: srv.URL, AuthHeader: "X-Api-Key", AuthValue: "s3cr3t-cred",
		Scrubber: NewScrubber("s3cr3t-cred"), MaxRetries: 2, MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond})
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return nil }
	resp, err := tr.Do(context.Background(), platform.Request{Method: http.MethodGet, Path: "/k"})
	if resp != nil || !errors.Is(err, ErrRedirect) {
		t.Fatalf("Do = %+v, %v; want ErrRedirect", resp, err)
	}
	var te *Error
	if !errors.As(err, &te) || te.Attempts != 1 {
		t.Errorf("%v; a refused redirect was retried", err)
	}
	for _, leak := range []string{other.URL, "steal", "s3cr3t"} {
		if strings.Contains(err.Error(), leak) {
			t.Errorf("the error repeats %q: %v", leak, err)
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the other origin got %d requests", n)
	}
}

// Do sends the credential in the configured header, the headers of every
// request, and the request's own headers (its Idempotency-Key) unchanged on
// every attempt, with the same body. It mints nothing itself: a request
// without an Idempotency-Key goes without one, before and after one with
// a key. Through a caller's client and through the transport's own, whose
// attempts share one header map.
func TestDoHeaders(t *testing.T) {
	for _, own := range []bool{false, true} {
		t.Run(map[bool]string{false: "callers", true: "own"}[own], func(t *testing.T) { testDoHeaders(t, own) })
	}
}

func testDoHeaders(t *testing.T, own bool) {
	type seen struct {
		header http.Header
		body   string
	}
	got := make(chan seen, 10)
	posts := 0 // the handler runs for one request at a time here
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.Header.Clone(), string(b)}
		if r.Method == http.MethodPost {
			if posts++; posts == 1 {
				w.WriteHeader(http.StatusServiceUnavailable)
				return
			}
		}
		_, _ = io.WriteString(w, "{}")
	}))
	defer srv.Close()
	var hc *http.Client
	if !own {
		hc = srv.Client()
	}
	tr := New(Config{
		HTTPClient: hc, BaseURL: srv.URL + "/v1", AuthHeader: "X-Api-Key", AuthValue: "cred", UserAgent: "apikeys-go/test",
		MaxRetries: 2, MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond,
	})
	if (tr.own != nil) != own {
		t.Fatalf("own transport: %v, want %v", tr.own != nil, own)
	}
	ctx := context.Background()
	resp, err := tr.Do(ctx, platform.Request{Method: http.MethodGet, Path: "/a"})
	if err != nil || resp.StatusCode != 200 || resp.Attempts != 1 || string(resp.Body) != "{}" {
		t.Fatalf("GET = %+v, %v", resp, err)
	}
	resp.Release()
	g := <-got
	for k, want := range map[string]string{"X-Api-Key": "cred", "Accept": "application/json",
		"User-Agent": "apikeys-go/test", "Idempotency-Key": "", "Content-Type": ""} {
		if v := g.header.Get(k); v != want {
			t.Errorf("GET %s = %q, want %q", k, v, want)
		}
	}
	// A mutation without a key of its own gets none.
	posts = 1
	resp, err = tr.Do(ctx, platform.Request{Method: http.MethodPost, Path: "/p", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	resp.Release()
	if g := <-got; g.header.Get("Idempotency-Key") != "" {
		t.Errorf("Do minted an Idempotency-Key: %q", g.header.Get("Idempotency-Key"))
	}
	posts = 0
	const key = "caller-chosen_key.1"
	resp, err = tr.Do(ctx, platform.Request{Method: http.MethodPost, Path: "/b", Body: []byte(`{"a":1}`),
		IdempotencyKey: key, Retry: platform.RetryDeduplicated})
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("POST = %+v, %v; want success on attempt 2", resp, err)
	}
	resp.Release()
	first, second := <-got, <-got
	if first.header.Get("Idempotency-Key") != key || second.header.Get("Idempotency-Key") != key ||
		first.body != `{"a":1}` || second.body != first.body ||
		first.header.Get("Content-Type") != "application/json" || second.header.Get("X-Api-Key") != "cred" {
		t.Errorf("attempts differ or lost the key: %+v then %+v", first, second)
	}
	// The key stayed with its request.
	posts = 1
	resp, err = tr.Do(ctx, platform.Request{Method: http.MethodPost, Path: "/p", Body: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	resp.Release()
	if g := <-got; g.header.Get("Idempotency-Key") != "" || g.header.Get("Content-Type") != "application/json" {
		t.Errorf("the next mutation: Idempotency-Key %q, Content-Type %q", g.header.Get("Idempotency-Key"), g.header.Get("Content-Type"))
	}
}

// roundTripFunc is an http.RoundTripper from a func.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// The credential header goes out spelled as configured (Confident AI's
// CONFIDENT_API_KEY, which Header.Set would turn into Confident_api_key),
// with the scheme in its value.
func TestDoAuthHeaderSpelling(t *testing.T) {
	var header http.Header
	hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		header = r.Header.Clone()
		return &http.Response{StatusCode: 200, Header: http.Header{}, Body: io.NopCloser(strings.NewReader("{}")), Request: r}, nil
	})}
	for _, c := range []struct{ name, value string }{
		{"CONFIDENT_API_KEY", "cred"},
		{"Authorization", "Bearer cred"},
		{"X-Api-Key", "cred"},
	} {
		tr := New(Config{HTTPClient: hc, BaseURL: "https://api.example.com", AuthHeader: c.name, AuthValue: c.value})
		resp, err := tr.Do(context.Background(), platform.Request{Method: http.MethodGet, Path: "/k"})
		if err != nil {
			t.Fatal(err)
		}
		resp.Release()
		if got := header[c.name]; len(got) != 1 || got[0] != c.value {
			t.Errorf("header %q = %q, want exactly %q (headers %v)", c.name, got, c.value, header)
		}
	}
}

// The request ID comes from the first configured header present, scrubbed
// of the credential a server may echo in it.
func TestDoRequestID(t *testing.T) {
	for _, c := range []struct {
		header http.Header
		want   string
	}{
		{http.Header{"X-Request-Id": {"req-1"}}, "req-1"},
		{http.Header{"X-Trace-Id": {"tr-2"}}, "tr-2"},
		{http.Header{"X-Request-Id": {""}, "X-Trace-Id": {"tr-3"}}, "tr-3"},
		{http.Header{"X-Request-Id": {"req-4"}, "X-Trace-Id": {"tr-4"}}, "req-4"},
		{http.Header{"X-Request-Id": {"echo-s3cr3t-cred"}}, "echo-" + Redacted},
		{http.Header{"X-Other": {"x"}}, ""},
	} {
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: 404, Header: c.header, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
		})}
		tr := New(Config{HTTPClient: hc, BaseURL: "https://api.example.com", AuthHeader: "X-Api-Key", AuthValue: "s3cr3t-cred",
			Scrubber: NewScrubber("s3cr3t-cred"), RequestIDHeaders: []string{"X-Request-Id", "X-Trace-Id"}})
		resp, err := tr.Do(context.Background(), platform.Request{Method: http.MethodGet, Path: "/k"})
		if err != nil {
			t.Fatal(err)
		}
		if resp.RequestID != c.want {
			t.Errorf("headers %v: RequestID %q, want %q", c.header, resp.RequestID, c.want)
		}
		resp.Release()
	}
}

// A request that may apply twice (RetryUnsent: a create on a platform that
// does not deduplicate) is resent only when it surely was not applied: a
// refused connection or a 429. A 5xx or a cut connection after it was
// written returns at once, with Unsent false.
func TestDoRetryUnsent(t *testing.T) {
	create := platform.Request{Method: http.MethodPost, Path: "/keys", Body: []byte(`{"name":"n"}`), Retry: platform.RetryUnsent}
	newTr := func(base string, hc *http.Client) *Transport {
		return New(Config{HTTPClient: hc, BaseURL: base, MaxRetries: 3,
			MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond})
	}
	for _, status := range []int{500, 502, 503, 504, 408} {
		var n atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			n.Add(1)
			w.WriteHeader(status)
		}))
		resp, err := newTr(srv.URL, srv.Client()).Do(context.Background(), create)
		if err != nil || resp.StatusCode != status || resp.Attempts != 1 || n.Load() != 1 {
			t.Errorf("%d: %+v, %v after %d requests; want the %d at once", status, resp, err, n.Load(), status)
		}
		srv.Close()
	}
	// 429 is a refusal before anything was applied: resent.
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			w.Header().Set("Retry-After", "0")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		w.WriteHeader(http.StatusCreated)
	}))
	resp, err := newTr(srv.URL, srv.Client()).Do(context.Background(), create)
	if err != nil || resp.StatusCode != 201 || resp.Attempts != 2 {
		t.Errorf("429 then 201: %+v, %v", resp, err)
	}
	srv.Close()

	// A connection cut after the request arrived: not resent, not unsent.
	n.Store(0)
	cut := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		_, _ = io.ReadAll(r.Body)
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			_ = conn.Close()
		}
	}))
	defer cut.Close()
	noReuse := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err = newTr(cut.URL, noReuse).Do(context.Background(), create)
	var te *Error
	if resp != nil || !errors.As(err, &te) || te.Unsent || te.Attempts != 1 || n.Load() != 1 {
		t.Errorf("cut connection: %+v, %v after %d requests; want one attempt, not unsent", resp, err, n.Load())
	}
	// The same cut on a request that may be retried is retried.
	n.Store(0)
	resp, err = newTr(cut.URL, noReuse).Do(context.Background(), platform.Request{Method: http.MethodGet, Path: "/k"})
	if resp != nil || !errors.As(err, &te) || te.Unsent || te.Attempts != 4 || n.Load() != 4 {
		t.Errorf("cut connection on a GET: %+v, %v after %d requests; want 4 attempts", resp, err, n.Load())
	}

	// A refused connection never reached anyone: resent, and unsent.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	resp, err = newTr("http://"+addr, noReuse).Do(context.Background(), create)
	if resp != nil || !errors.As(err, &te) || !te.Unsent || te.Attempts != 4 {
		t.Errorf("refused connection: %+v, %v; want 4 attempts, unsent", resp, err)
	}
}

// Do's error never repeats the URL: its query may hold a filter, and after
// a redirect it is whatever the server sent.
func TestDoErrorWithoutURL(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	tr := New(Config{HTTPClient: &http.Client{}, BaseURL: "http://" + addr + "/v1"})
	_, err = tr.Do(context.Background(), platform.Request{Method: http.MethodGet, Path: "/organizations/o/api-keys", RawQuery: "status=paused"})
	if err == nil || strings.Contains(err.Error(), "status=paused") || strings.Contains(err.Error(), "/organizations") {
		t.Errorf("Do error = %v, want one without the URL", err)
	}
}

// A server that closes a fresh connection without answering has failed on
// the network: a read is retried. Depending on timing net/http reports it as
// an EOF, a reset, or "http: server closed idle connection" (often under the
// race detector); each round tries again.
func TestDoRetriesClosedConnection(t *testing.T) {
	for round := range 30 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var conns atomic.Int32
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "{}")
		})}
		go func() { _ = srv.Serve(&closeFirst{Listener: ln, n: &conns}) }()
		tr := New(Config{HTTPClient: &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}, BaseURL: "http://" + ln.Addr().String(),
			MaxRetries: 2, MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond})
		resp, err := tr.Do(context.Background(), platform.Request{Method: http.MethodGet, Path: "/k"})
		_ = srv.Close()
		if err != nil {
			t.Fatalf("round %d: GET after a closed connection: %v, want a retry that succeeds", round, err)
		}
		if resp.StatusCode != 200 || resp.Attempts != 2 {
			t.Errorf("round %d: GET = %d after %d attempts, want 200 after 2", round, resp.StatusCode, resp.Attempts)
		}
		resp.Release()
	}
}

// closeFirst closes the first connection it accepts at once.
type closeFirst struct {
	net.Listener
	n *atomic.Int32
}

func (l *closeFirst) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.n.Add(1) == 1 {
			_ = c.Close()
			continue
		}
		return c, nil
	}
}

// TestReleasedResponseLeavesNothingBehind: Responses are pooled, so a
// released one must not lend its request ID, body or attempt count to the
// next call's answer.
func TestReleasedResponseLeavesNothingBehind(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/first" {
			w.Header().Set("X-Request-Id", "req-first")
			_, _ = io.WriteString(w, `{"first":"a long body of the first answer"}`)
			return
		}
		_, _ = io.WriteString(w, `{}`)
	}))
	defer srv.Close()
	tr := New(Config{HTTPClient: srv.Client(), BaseURL: srv.URL, AuthHeader: "X-Api-Key", AuthValue: "cred",
		RequestIDHeaders: []string{"X-Request-Id"}})
	ctx := context.Background()
	for i := range 50 { // sync.Pool may drop an item (always may under -race): try often
		first, err := tr.Do(ctx, platform.Request{Method: http.MethodGet, Path: "/first"})
		if err != nil || first.RequestID != "req-first" {
			t.Fatalf("first = %+v, %v", first, err)
		}
		first.Release()
		first.Release() // a second Release of the same answer changes nothing
		second, err := tr.Do(ctx, platform.Request{Method: http.MethodGet, Path: "/second"})
		if err != nil {
			t.Fatal(err)
		}
		third, err := tr.Do(ctx, platform.Request{Method: http.MethodGet, Path: "/second"})
		if err != nil {
			t.Fatal(err)
		}
		if second == third {
			t.Fatalf("round %d: two answers held at once share one Response: released twice into the pool", i)
		}
		if second.RequestID != "" || string(second.Body) != "{}" || second.Attempts != 1 || second.StatusCode != 200 {
			t.Fatalf("round %d: second answer = status %d, request ID %q, body %q, %d attempts; want 200, none, {}, 1",
				i, second.StatusCode, second.RequestID, second.Body, second.Attempts)
		}
		third.Release()
		second.Release()
	}
}
