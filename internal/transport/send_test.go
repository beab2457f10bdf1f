package transport

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/google/go-cmp/cmp"
)

// sendOutcome is what an attempt came to, in the terms a caller sees.
type sendOutcome struct {
	Status   int
	Body     string
	Err      string
	Refused  bool // a redirect CheckRedirect refused
	Redirect bool // errors.Is ErrRedirect
	Scheme   bool // errors.Is http.ErrSchemeMismatch
	Unsent   bool // surelyUnsent
	Requests int64
}

// send skips http.Client.Do for an answer that is not a redirect, on the
// own client and on a caller's over net/http's Transport without a Jar or
// Timeout. Every outcome
// must be the one http.Client.Do gives: attempts through those clients
// end as one through a client that Do must handle (it has a Jar) ends,
// redirects followed or refused, bodies replayed, errors shaped, and the
// server sees as many requests.
func TestSendMatchesHTTPClient(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer other.Close()
	var requests atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(http.StatusNoContent)
		case "/200":
			_, _ = io.WriteString(w, `{"id":"k1"}`)
		case "/hop":
			http.Redirect(w, r, "/echo", http.StatusFound)
		case "/keep":
			http.Redirect(w, r, "/echo", http.StatusTemporaryRedirect)
		case "/echo":
			b, _ := io.ReadAll(r.Body)
			_, _ = io.WriteString(w, r.Method+" "+string(b))
		case "/away":
			http.Redirect(w, r, other.URL, http.StatusFound)
		case "/loop":
			http.Redirect(w, r, "/loop", http.StatusFound)
		case "/see-other":
			http.Redirect(w, r, "/echo", http.StatusSeeOther)
		case "/no-location":
			w.WriteHeader(http.StatusFound)
			_, _ = io.WriteString(w, "moved, somewhere")
		case "/auth":
			_, _ = io.WriteString(w, r.Header.Get("Authorization"))
		case "/not-modified":
			w.WriteHeader(http.StatusNotModified)
		default:
			http.Error(w, "no such path", http.StatusNotFound)
		}
	}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + ln.Addr().String()
	_ = ln.Close()

	for _, c := range []struct {
		name, base, method, path string
		body                     []byte
	}{
		{"204", srv.URL, http.MethodDelete, "/204", nil},
		{"200", srv.URL, http.MethodGet, "/200", nil},
		{"404", srv.URL, http.MethodGet, "/nowhere", nil},
		{"304", srv.URL, http.MethodGet, "/not-modified", nil},
		{"302 followed", srv.URL, http.MethodGet, "/hop", nil},
		{"307 keeps the method and body", srv.URL, http.MethodPost, "/keep", []byte(`{"name":"k"}`)},
		{"302 to another origin", srv.URL, http.MethodGet, "/away", nil},
		{"redirect loop", srv.URL, http.MethodGet, "/loop", nil},
		{"303 would change the method", srv.URL, http.MethodDelete, "/see-other", nil},
		{"302 without Location", srv.URL, http.MethodGet, "/no-location", nil},
		{"credentials in the URL", strings.Replace(srv.URL, "http://", "http://user:pw@", 1), http.MethodGet, "/auth", nil},
		{"https to a plain server", strings.Replace(srv.URL, "http:", "https:", 1), http.MethodGet, "/200", nil},
		{"connection refused", closed, http.MethodPost, "/200", []byte(`{}`)},
	} {
		t.Run(c.name, func(t *testing.T) {
			outcome := func(tr *Transport) sendOutcome {
				requests.Store(0)
				resp, err := tr.attempt(context.Background(), platform.Request{Method: c.method, Path: c.path, Body: c.body})
				var o sendOutcome
				if err != nil {
					var r *refusedRedirect
					o.Err, o.Refused, o.Redirect = err.Error(), errors.As(err, &r), errors.Is(err, ErrRedirect)
					o.Scheme, o.Unsent = errors.Is(err, http.ErrSchemeMismatch), surelyUnsent(err)
				} else {
					o.Status, o.Body = resp.StatusCode, string(resp.Body)
					resp.Release()
				}
				o.Requests = requests.Load()
				return o
			}
			// The reference goes through http.Client.Do: a cookie Jar
			// (that keeps nothing) rules out the shortcut.
			want := outcome(New(Config{BaseURL: c.base, RequestTimeout: time.Minute,
				HTTPClient: &http.Client{Transport: ownTransport(), Jar: noJar{}}}))
			own := New(Config{BaseURL: c.base, RequestTimeout: time.Minute})
			if own.direct == nil || own.sender() != own.direct {
				t.Fatal("the own client does not send through direct")
			}
			for name, tr := range map[string]*Transport{
				"own client":      own,
				"caller's client": New(Config{BaseURL: c.base, RequestTimeout: time.Minute, HTTPClient: &http.Client{Transport: ownTransport()}}),
				"caller's client with CheckRedirect": New(Config{BaseURL: c.base, RequestTimeout: time.Minute, HTTPClient: &http.Client{
					Transport: ownTransport(), CheckRedirect: stopAfter10}}),
			} {
				if diff := cmp.Diff(want, outcome(tr)); diff != "" {
					t.Errorf("%s (-http.Client.Do +send):\n%s", name, diff)
				}
			}
			if want.Status == 0 && want.Err == "" {
				t.Fatal("neither an answer nor an error")
			}
		})
	}
}

// noJar is a cookie jar that keeps nothing.
type noJar struct{}

func (noJar) SetCookies(*url.URL, []*http.Cookie) {}
func (noJar) Cookies(*url.URL) []*http.Cookie     { return nil }

// stopAfter10 is a caller's CheckRedirect that says what net/http's
// default policy says.
func stopAfter10(_ *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// A caller's client with a cookie Jar, a Timeout, or a RoundTripper that is
// not net/http's Transport goes through its own Do: the jar sends back
// what the server set, the client's Timeout ends an attempt long before
// the attempt's own timeout would, and a redirect's request has the
// headers of the request as it was before a wrapper changed it in place.
func TestSendLeavesOtherClientsToDo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/set":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "s1"})
		case "/get":
			_, _ = io.WriteString(w, r.Header.Get("Cookie"))
		case "/stall":
			<-r.Context().Done()
		case "/hop":
			http.Redirect(w, r, "/hops", http.StatusFound)
		case "/hops":
			_, _ = io.WriteString(w, strings.Join(r.Header.Values("X-Hop"), ","))
		}
	}))
	defer srv.Close()

	// A wrapper that adds a header in place (which RoundTripper's contract
	// forbids, and some wrappers do): each request, the redirect's too,
	// carries one.
	own := ownTransport()
	adds := rtFunc(func(r *http.Request) (*http.Response, error) {
		r.Header.Add("X-Hop", "1")
		return own.RoundTrip(r)
	})
	tr := New(Config{BaseURL: srv.URL, RequestTimeout: time.Minute, HTTPClient: &http.Client{Transport: adds}})
	resp, err := tr.attempt(context.Background(), platform.Request{Method: http.MethodGet, Path: "/hop"})
	if err != nil {
		t.Fatal(err)
	}
	if string(resp.Body) != "1" {
		t.Errorf("the redirect's request carried X-Hop %q, want the wrapper's one", resp.Body)
	}
	resp.Release()

	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	tr = New(Config{BaseURL: srv.URL, RequestTimeout: time.Minute, HTTPClient: &http.Client{Jar: jar}})
	for _, path := range []string{"/set", "/get"} {
		resp, err := tr.attempt(context.Background(), platform.Request{Method: http.MethodGet, Path: path})
		if err != nil {
			t.Fatal(err)
		}
		if path == "/get" && string(resp.Body) != "session=s1" {
			t.Errorf("the server saw cookies %q, want the jar's session=s1", resp.Body)
		}
		resp.Release()
	}

	tr = New(Config{BaseURL: srv.URL, RequestTimeout: 5 * time.Second, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
	_, err = tr.attempt(context.Background(), platform.Request{Method: http.MethodGet, Path: "/stall"})
	if err == nil || !strings.Contains(err.Error(), "Client.Timeout exceeded") {
		t.Errorf("a stalled attempt under the client's 50ms Timeout: %v, want http.Client's timeout", err)
	}
}

type rtFunc func(*http.Request) (*http.Response, error)

func (f rtFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
