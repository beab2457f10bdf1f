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
	"regexp"
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
	for status := 100; status <= 599; status++ {
		resp := &Response{StatusCode: status, Header: http.Header{"X-Request-Id": {"req-9"}}}
		retry, reason := tr.classify(context.Background(), resp, nil)
		if retry != retried[status] {
			t.Errorf("classify(%d) retry = %v, want %v", status, retry, retried[status])
		}
		if retry && reason != "req-9 "+http.StatusText(status) {
			t.Errorf("classify(%d) reason = %q", status, reason)
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

var errorCases = []struct {
	name  string
	err   error
	retry bool
}{
	{"EOF", clientErr(io.EOF), true},
	{"unexpected EOF reading the body", io.ErrUnexpectedEOF, true},
	{"connection reset", clientErr(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), true},
	{"connection refused", clientErr(&net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}), true},
	{"broken pipe", clientErr(&net.OpError{Op: "write", Net: "tcp", Err: syscall.EPIPE}), true},
	{"attempt timeout", clientErr(context.DeadlineExceeded), true},
	{"net timeout", clientErr(timeoutError{}), true},
	{"DNS", clientErr(&net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true}}), true},
	{"HTTP/2 failure", clientErr(errors.New("http2: server sent GOAWAY and closed the connection")), true},
	{"RoundTripper failure", clientErr(errors.New("no responder found")), true},
	{"refused redirect", &refusedRedirect{clientErr(ErrRedirect)}, false},
	{"redirect loop", &refusedRedirect{clientErr(errors.New("stopped after 10 redirects"))}, false},
	{"caller's CheckRedirect", &refusedRedirect{clientErr(errors.New("no redirects, please"))}, false},
	{"invalid URL", &url.Error{Op: "parse", URL: "http://a b", Err: url.InvalidHostError(" ")}, false},
	{"body too large", ErrBodyTooLarge, false},
	{"unknown authority", clientErr(&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}), false},
	{"bare unknown authority", clientErr(x509.UnknownAuthorityError{}), false},
	{"hostname", clientErr(x509.HostnameError{Host: "x"}), false},
	{"expired", clientErr(x509.CertificateInvalidError{Reason: x509.Expired}), false},
	{"not TLS", clientErr(tls.RecordHeaderError{Msg: "first record does not look like a TLS handshake"}), false},
	{"TLS alert", clientErr(tls.AlertError(40)), false},
	{"plain error", errors.New("something else"), false},
}

func TestRetryableError(t *testing.T) {
	for _, c := range errorCases {
		if got := retryableError(c.err); got != c.retry {
			t.Errorf("%s: retryableError(%v) = %v, want %v", c.name, c.err, got, c.retry)
		}
		if got := retryableError(fmt.Errorf("wrapped: %w", c.err)); got != c.retry {
			t.Errorf("%s wrapped: retryableError = %v, want %v", c.name, got, c.retry)
		}
	}
}

func TestClassifyError(t *testing.T) {
	tr := New(Config{HTTPClient: &http.Client{}})
	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	for _, c := range errorCases {
		retry, reason := tr.classify(context.Background(), nil, c.err)
		if retry != c.retry {
			t.Errorf("%s: classify retry = %v, want %v", c.name, retry, c.retry)
		}
		if retry && reason == "" {
			t.Errorf("%s: no reason for the retry", c.name)
		}
		// Once the caller's context is done nothing is retried.
		if retry, _ := tr.classify(canceled, nil, c.err); retry {
			t.Errorf("%s: retried after the caller's context was canceled", c.name)
		}
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
		resp, err := tr.attempt(context.Background(), platform.Request{Method: http.MethodGet, Path: path}, srv.URL+path, nil)
		var r *refusedRedirect
		if errors.As(err, &r) != refused || (err == nil) == refused {
			t.Errorf("%s: %+v, %v; want refused %v", path, resp, err, refused)
		}
		if path == "/away" && !errors.Is(err, ErrRedirect) {
			t.Errorf("%s: %v, want ErrRedirect", path, err)
		}
	}
	// A connection failure is not a refused redirect.
	addr := srv.Listener.Addr().String()
	srv.Close()
	_, err := tr.attempt(context.Background(), platform.Request{Method: http.MethodGet, Path: "/"}, "http://"+addr+"/", nil)
	var r *refusedRedirect
	if err == nil || errors.As(err, &r) || !retryableError(err) {
		t.Errorf("connection refused: %v, want a retryable error", err)
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
	// A client the Transport owns gets the policy itself; ten redirects are
	// the limit.
	own := &http.Client{}
	New(Config{HTTPClient: own, OwnsHTTPClient: true})
	if own.CheckRedirect == nil {
		t.Fatal("an owned client has no CheckRedirect")
	}
	for n := 1; n <= 10; n++ {
		via := make([]*http.Request, n)
		for i := range via {
			via[i] = req(http.MethodGet, "https://api.example.com/v1/x")
		}
		if err := own.CheckRedirect(req(http.MethodGet, "https://api.example.com/y"), via); (err != nil) != (n == 10) {
			t.Errorf("after %d redirects: %v", n, err)
		}
	}
}

// Do sends the headers of the reference API and one Idempotency-Key per call.
func TestDoHeaders(t *testing.T) {
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
	tr := New(Config{
		HTTPClient: srv.Client(), BaseURL: srv.URL + "/v1", APIKey: "cred", UserAgent: "apikeys-go/test",
		MaxRetries: 2, MinRetryDelay: time.Millisecond, MaxRetryDelay: time.Millisecond,
	})
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
	resp, err = tr.Do(ctx, platform.Request{Method: http.MethodPost, Path: "/b", Body: []byte(`{"a":1}`)})
	if err != nil || resp.Attempts != 2 {
		t.Fatalf("POST = %+v, %v; want success on attempt 2", resp, err)
	}
	first, second := <-got, <-got
	key := first.header.Get("Idempotency-Key")
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(key) {
		t.Errorf("Idempotency-Key %q, want 128 random bits in hex", key)
	}
	if second.header.Get("Idempotency-Key") != key || first.body != `{"a":1}` || second.body != first.body ||
		first.header.Get("Content-Type") != "application/json" {
		t.Errorf("attempts differ: %+v then %+v", first, second)
	}
}
