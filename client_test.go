package apikeys_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/jarcoal/httpmock"

	"github.com/apikeys-go/apikeys"
)

// The shared fixture of the client's unit tests. Every test that sends a
// request goes through httpmock.ActivateNonDefault on the client's own
// *http.Client (never on http.DefaultClient), so these tests use httpmock's
// package-level mock transport and must not call t.Parallel.
const (
	testBaseURL    = "https://keys.example.com/v1"
	testCredential = "ak_admin_Cr3dential_0123456789abcdef"
	testOrg        = "org_1"
	testUserAgent  = "apikeys-go/" + apikeys.Version

	// collURL is the key collection of testOrg.
	collURL = testBaseURL + "/organizations/" + testOrg + "/api-keys"
)

// recordedRequest is what httpmock received, as it went on the wire.
type recordedRequest struct {
	Method string
	URL    string // scheme://host/escaped-path?raw-query
	Header http.Header
	Body   []byte
}

// reply is one canned answer.
type reply struct {
	status int
	body   string
	header map[string]string // added to Content-Type and X-Request-Id
	err    error             // a transport failure instead of an answer
}

// fakeAPI answers from canned replies keyed by "METHOD URL" and records every
// request. A route with several replies gives them in order and then repeats
// the last. An unknown route answers 418 so the test sees it.
type fakeAPI struct {
	mu     sync.Mutex
	routes map[string][]reply
	reqs   []recordedRequest
	before func(*http.Request) error // optional hook before answering; an error is returned instead
}

// newTestClient returns a client for testBaseURL, testCredential and testOrg
// with fast retries, opts applied last, and the fake answering its requests.
func newTestClient(t *testing.T, opts ...apikeys.Option) (*apikeys.Client, *fakeAPI) {
	t.Helper()
	base := []apikeys.Option{
		apikeys.WithBaseURL(testBaseURL),
		apikeys.WithAPIKey(testCredential),
		apikeys.WithOrganization(testOrg),
		apikeys.WithMinRetryDelay(time.Millisecond),
		apikeys.WithMaxRetryDelay(50 * time.Millisecond),
	}
	c, err := apikeys.New(append(base, opts...)...)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c, activate(t, c)
}

// activate installs the fake on c's own http.Client.
func activate(t *testing.T, c *apikeys.Client) *fakeAPI {
	t.Helper()
	f := &fakeAPI{routes: make(map[string][]reply)}
	httpmock.ActivateNonDefault(c.HTTPClient())
	t.Cleanup(httpmock.DeactivateAndReset)
	httpmock.RegisterNoResponder(f.respond)
	return f
}

func (f *fakeAPI) on(method, url string, replies ...reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[method+" "+url] = replies
}

func (f *fakeAPI) respond(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil {
		body, _ = io.ReadAll(req.Body)
	}
	f.mu.Lock()
	f.reqs = append(f.reqs, recordedRequest{
		Method: req.Method, URL: req.URL.String(), Header: req.Header.Clone(), Body: body,
	})
	route := req.Method + " " + req.URL.String()
	replies, ok := f.routes[route]
	var r reply
	if ok && len(replies) > 0 {
		r = replies[0]
		if len(replies) > 1 {
			f.routes[route] = replies[1:]
		}
	}
	before := f.before
	f.mu.Unlock()
	if before != nil {
		if err := before(req); err != nil {
			return nil, err
		}
	}
	if !ok {
		return httpmock.NewStringResponse(http.StatusTeapot, "no route for "+route), nil
	}
	if r.err != nil {
		return nil, r.err
	}
	resp := httpmock.NewStringResponse(r.status, r.body)
	resp.Header.Set("Content-Type", "application/json")
	resp.Header.Set("X-Request-Id", "req_test")
	for k, v := range r.header {
		resp.Header.Set(k, v)
	}
	return resp, nil
}

func (f *fakeAPI) requests() []recordedRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]recordedRequest(nil), f.reqs...)
}

// onlyRequest returns the one request the fake received, failing otherwise.
func (f *fakeAPI) onlyRequest(t *testing.T) recordedRequest {
	t.Helper()
	reqs := f.requests()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1: %+v", len(reqs), summarize(reqs))
	}
	return reqs[0]
}

// summarize lists "METHOD URL" of reqs, for comparisons and messages.
func summarize(reqs []recordedRequest) []string {
	out := make([]string, len(reqs))
	for i, r := range reqs {
		out[i] = r.Method + " " + r.URL
	}
	return out
}

// assertNoRequest checks that nothing reached the mock transport.
func assertNoRequest(t *testing.T, f *fakeAPI) {
	t.Helper()
	if n := httpmock.GetTotalCallCount(); n != 0 {
		t.Errorf("httpmock.GetTotalCallCount() = %d, want 0", n)
	}
	if reqs := f.requests(); len(reqs) != 0 {
		t.Errorf("requests sent: %v, want none", summarize(reqs))
	}
}

// assertValidationError checks that err is exactly want, refused locally, and
// matches ErrInvalidParams.
func assertValidationError(t *testing.T, err error, want apikeys.ValidationError) {
	t.Helper()
	var ve *apikeys.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %T %v, want a *ValidationError", err, err)
	}
	if diff := cmp.Diff(want, *ve); diff != "" {
		t.Errorf("ValidationError (-want +got):\n%s", diff)
	}
	if !errors.Is(err, apikeys.ErrInvalidParams) {
		t.Errorf("errors.Is(%v, ErrInvalidParams) = false", err)
	}
}

// ignoreUnexported lets cmp compare Keys and APIErrors by their exported
// fields (a Key carries a platform's settings for Rotate unexported).
var ignoreUnexported = cmpopts.IgnoreUnexported(apikeys.Key{}, apikeys.APIError{})

var idemKeyRE = regexp.MustCompile(`^[0-9a-f]{32}$`)

// assertHeaders checks the exact header set of a request: the credential,
// Accept, User-Agent, Content-Type only with a body, and an Idempotency-Key
// (32 hex characters) on every method but GET. It returns the
// Idempotency-Key ("" for GET).
func assertHeaders(t *testing.T, r recordedRequest, userAgent string) string {
	t.Helper()
	// Header names are compared case-insensitively: a platform's credential
	// header may be sent as its vendor spells it.
	got := http.Header{}
	for k, v := range r.Header {
		got[http.CanonicalHeaderKey(k)] = append(got[http.CanonicalHeaderKey(k)], v...)
	}
	idem := got.Get("Idempotency-Key")
	delete(got, "Idempotency-Key")
	want := http.Header{
		"X-Api-Key":  {testCredential},
		"Accept":     {"application/json"},
		"User-Agent": {userAgent},
	}
	if len(r.Body) > 0 {
		want["Content-Type"] = []string{"application/json"}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s %s: headers (-want +got):\n%s", r.Method, r.URL, diff)
	}
	switch {
	case r.Method == http.MethodGet && idem != "":
		t.Errorf("GET %s: Idempotency-Key = %q, want none", r.URL, idem)
	case r.Method != http.MethodGet && !idemKeyRE.MatchString(idem):
		t.Errorf("%s %s: Idempotency-Key = %q, want 32 lowercase hex characters", r.Method, r.URL, idem)
	}
	return idem
}

// jsonBody decodes a request body into a map; nil for no body.
func jsonBody(t *testing.T, body []byte) map[string]any {
	t.Helper()
	if len(body) == 0 {
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("request body %q is not a JSON object: %v", body, err)
	}
	return m
}

// The tests of New.

func TestNew_valid(t *testing.T) {
	required := []apikeys.Option{
		apikeys.WithAPIKey(testCredential),
		apikeys.WithOrganization(testOrg),
		apikeys.WithMaxRetries(0),
	}
	tests := []struct {
		name    string
		opts    []apikeys.Option
		wantURL string // where a Get of key "k1" goes
	}{
		{
			name:    "https with path",
			opts:    []apikeys.Option{apikeys.WithBaseURL("https://keys.example.com/v1")},
			wantURL: "https://keys.example.com/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "trailing slash is dropped",
			opts:    []apikeys.Option{apikeys.WithBaseURL("https://keys.example.com/v1/")},
			wantURL: "https://keys.example.com/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "no path",
			opts:    []apikeys.Option{apikeys.WithBaseURL("https://keys.example.com")},
			wantURL: "https://keys.example.com/organizations/org_1/api-keys/k1",
		},
		{
			name:    "port",
			opts:    []apikeys.Option{apikeys.WithBaseURL("https://keys.example.com:8443/api/v1")},
			wantURL: "https://keys.example.com:8443/api/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "the highest port",
			opts:    []apikeys.Option{apikeys.WithBaseURL("https://keys.example.com:65535")},
			wantURL: "https://keys.example.com:65535/organizations/org_1/api-keys/k1",
		},
		{
			name:    "http to 127.0.0.1",
			opts:    []apikeys.Option{apikeys.WithBaseURL("http://127.0.0.1:8080/v1")},
			wantURL: "http://127.0.0.1:8080/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "http to localhost",
			opts:    []apikeys.Option{apikeys.WithBaseURL("http://localhost:8080/v1")},
			wantURL: "http://localhost:8080/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "http to [::1]",
			opts:    []apikeys.Option{apikeys.WithBaseURL("http://[::1]:8080/v1")},
			wantURL: "http://[::1]:8080/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "http to a remote host with WithInsecureHTTP",
			opts:    []apikeys.Option{apikeys.WithBaseURL("http://keys.internal/v1"), apikeys.WithInsecureHTTP()},
			wantURL: "http://keys.internal/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "WithInsecureHTTP before WithBaseURL",
			opts:    []apikeys.Option{apikeys.WithInsecureHTTP(), apikeys.WithBaseURL("http://10.0.0.7:8080")},
			wantURL: "http://10.0.0.7:8080/organizations/org_1/api-keys/k1",
		},
		{
			name:    "nil options are skipped",
			opts:    []apikeys.Option{nil, apikeys.WithBaseURL(testBaseURL), nil},
			wantURL: "https://keys.example.com/v1/organizations/org_1/api-keys/k1",
		},
		{
			name:    "the last WithBaseURL wins",
			opts:    []apikeys.Option{apikeys.WithBaseURL("https://old.example.com"), apikeys.WithBaseURL(testBaseURL)},
			wantURL: "https://keys.example.com/v1/organizations/org_1/api-keys/k1",
		},
		{
			name: "every other option with a valid value",
			opts: []apikeys.Option{
				apikeys.WithBaseURL(testBaseURL),
				apikeys.WithHTTPClient(&http.Client{}),
				apikeys.WithUserAgent("my-app/1.0"),
				apikeys.WithMinRetryDelay(time.Millisecond),
				apikeys.WithMaxRetryDelay(time.Second),
				apikeys.WithRequestTimeout(0),
				apikeys.WithRetryBudget(0),
				apikeys.WithLogger(nil),
			},
			wantURL: "https://keys.example.com/v1/organizations/org_1/api-keys/k1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := apikeys.New(append(append([]apikeys.Option(nil), required...), tt.opts...)...)
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			f := activate(t, c)
			f.on(http.MethodGet, tt.wantURL, reply{status: 200, body: `{"id":"k1","status":"active"}`})
			key, err := c.Get(t.Context(), "k1")
			if err != nil {
				t.Fatalf("Get: %v (requests: %v)", err, summarize(f.requests()))
			}
			if key.ID != "k1" {
				t.Errorf("key.ID = %q, want k1", key.ID)
			}
			if diff := cmp.Diff([]string{"GET " + tt.wantURL}, summarize(f.requests())); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNew_invalid(t *testing.T) {
	const secret = "sk_supersecret_value"
	ok := func(extra ...apikeys.Option) []apikeys.Option {
		return append([]apikeys.Option{
			apikeys.WithBaseURL(testBaseURL),
			apikeys.WithAPIKey(testCredential),
			apikeys.WithOrganization(testOrg),
		}, extra...)
	}
	tests := []struct {
		name      string
		opts      []apikeys.Option
		wantField string // the *ValidationError's Field
		notInErr  string // must not appear in err.Error()
	}{
		{name: "no options", opts: nil, wantField: "WithBaseURL"},
		{name: "missing base URL", opts: []apikeys.Option{apikeys.WithAPIKey(secret), apikeys.WithOrganization(testOrg)}, wantField: "WithBaseURL", notInErr: secret},
		{name: "empty base URL", opts: ok(apikeys.WithBaseURL("")), wantField: "WithBaseURL"},
		{name: "missing credential", opts: []apikeys.Option{apikeys.WithBaseURL(testBaseURL), apikeys.WithOrganization(testOrg)}, wantField: "WithAPIKey"},
		{name: "empty credential", opts: ok(apikeys.WithAPIKey("")), wantField: "WithAPIKey"},
		{name: "missing organization", opts: []apikeys.Option{apikeys.WithBaseURL(testBaseURL), apikeys.WithAPIKey(secret)}, wantField: "WithOrganization", notInErr: secret},
		{name: "empty organization", opts: ok(apikeys.WithOrganization("")), wantField: "orgID"},
		{name: "organization .", opts: ok(apikeys.WithOrganization(".")), wantField: "orgID"},
		{name: "organization ..", opts: ok(apikeys.WithOrganization("..")), wantField: "orgID"},
		{name: "organization with CRLF", opts: ok(apikeys.WithOrganization("a\r\nb")), wantField: "orgID"},
		{name: "organization with NUL", opts: ok(apikeys.WithOrganization("a\x00b")), wantField: "orgID"},
		{name: "organization of 300 bytes", opts: ok(apikeys.WithOrganization(strings.Repeat("o", 300))), wantField: "orgID"},
		{name: "organization of invalid UTF-8", opts: ok(apikeys.WithOrganization("org\xff")), wantField: "orgID"},
		{name: "unparsable URL", opts: ok(apikeys.WithBaseURL("https://keys.example.com:port/v1")), wantField: "WithBaseURL"},
		{name: "unparsable URL with a control character", opts: ok(apikeys.WithBaseURL("https://keys.example.com/\x7f")), wantField: "WithBaseURL"},
		{name: "unparsable URL holding the credential", opts: ok(apikeys.WithBaseURL("https://u:" + secret + "@[::1")), wantField: "WithBaseURL", notInErr: secret},
		{name: "relative URL", opts: ok(apikeys.WithBaseURL("keys.example.com/v1")), wantField: "WithBaseURL"},
		{name: "no host", opts: ok(apikeys.WithBaseURL("https:///v1")), wantField: "WithBaseURL"},
		{name: "port 0", opts: ok(apikeys.WithBaseURL("https://keys.example.com:0/v1")), wantField: "WithBaseURL"},
		{name: "port 99999", opts: ok(apikeys.WithBaseURL("https://keys.example.com:99999/v1")), wantField: "WithBaseURL"},
		{name: "port 65536", opts: ok(apikeys.WithBaseURL("http://127.0.0.1:65536/v1")), wantField: "WithBaseURL"},
		{name: "port with leading zeros over the range", opts: ok(apikeys.WithBaseURL("http://[::1]:0065536")), wantField: "WithBaseURL"},
		{name: "empty port", opts: ok(apikeys.WithBaseURL("https://keys.example.com:/v1")), wantField: "WithBaseURL"},
		{name: "userinfo", opts: ok(apikeys.WithBaseURL("https://admin:" + secret + "@keys.example.com/v1")), wantField: "WithBaseURL", notInErr: secret},
		{name: "user without password", opts: ok(apikeys.WithBaseURL("https://admin@keys.example.com/v1")), wantField: "WithBaseURL"},
		{name: "query", opts: ok(apikeys.WithBaseURL("https://keys.example.com/v1?token=" + secret)), wantField: "WithBaseURL", notInErr: secret},
		{name: "empty query", opts: ok(apikeys.WithBaseURL("https://keys.example.com/v1?")), wantField: "WithBaseURL"},
		{name: "fragment", opts: ok(apikeys.WithBaseURL("https://keys.example.com/v1#top")), wantField: "WithBaseURL"},
		{name: "ftp scheme", opts: ok(apikeys.WithBaseURL("ftp://keys.example.com/v1")), wantField: "WithBaseURL"},
		{name: "ws scheme", opts: ok(apikeys.WithBaseURL("wss://keys.example.com/v1")), wantField: "WithBaseURL"},
		{name: "http to a remote host", opts: ok(apikeys.WithBaseURL("http://keys.example.com/v1")), wantField: "WithBaseURL"},
		{name: "http to a private address", opts: ok(apikeys.WithBaseURL("http://10.0.0.7:8080/v1")), wantField: "WithBaseURL"},
		{name: "http to a name ending in localhost", opts: ok(apikeys.WithBaseURL("http://evil-localhost.example.com/v1")), wantField: "WithBaseURL"},
		{name: "credential with CRLF", opts: ok(apikeys.WithAPIKey(secret + "\r\nX-Evil: 1")), wantField: "WithAPIKey", notInErr: secret},
		{name: "credential with LF", opts: ok(apikeys.WithAPIKey(secret + "\n")), wantField: "WithAPIKey", notInErr: secret},
		{name: "credential with NUL", opts: ok(apikeys.WithAPIKey(secret + "\x00")), wantField: "WithAPIKey", notInErr: secret},
		{name: "credential with DEL", opts: ok(apikeys.WithAPIKey(secret + "\x7f")), wantField: "WithAPIKey", notInErr: secret},
		{name: "user agent with CRLF", opts: ok(apikeys.WithUserAgent("app/1\r\nX-Evil: 1")), wantField: "WithUserAgent"},
		{name: "user agent with LF", opts: ok(apikeys.WithUserAgent("app/1\n")), wantField: "WithUserAgent"},
		{name: "negative retries", opts: ok(apikeys.WithMaxRetries(-1)), wantField: "WithMaxRetries"},
		{name: "zero min retry delay", opts: ok(apikeys.WithMinRetryDelay(0)), wantField: "WithMinRetryDelay"},
		{name: "negative min retry delay", opts: ok(apikeys.WithMinRetryDelay(-time.Second)), wantField: "WithMinRetryDelay"},
		{name: "zero max retry delay", opts: ok(apikeys.WithMaxRetryDelay(0)), wantField: "WithMaxRetryDelay"},
		{name: "negative max retry delay", opts: ok(apikeys.WithMaxRetryDelay(-time.Second)), wantField: "WithMaxRetryDelay"},
		{name: "negative request timeout", opts: ok(apikeys.WithRequestTimeout(-time.Second)), wantField: "WithRequestTimeout"},
		{name: "negative retry budget", opts: ok(apikeys.WithRetryBudget(-1)), wantField: "WithRetryBudget"},
		{name: "nil http client", opts: ok(apikeys.WithHTTPClient(nil)), wantField: "WithHTTPClient"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := apikeys.New(tt.opts...)
			if err == nil {
				t.Fatalf("New returned a client (%p) and no error", c)
			}
			if c != nil {
				t.Errorf("New returned a client with the error %v", err)
			}
			if !errors.Is(err, apikeys.ErrInvalidParams) {
				t.Errorf("errors.Is(%v, ErrInvalidParams) = false, want true", err)
			}
			var ve *apikeys.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("err = %T %v, want a *ValidationError", err, err)
			}
			if ve.Field != tt.wantField {
				t.Errorf("Field = %q, want %q", ve.Field, tt.wantField)
			}
			if ve.Reason == "" {
				t.Error("Reason is empty")
			}
			if want := "apikeys: invalid " + ve.Field + ": " + ve.Reason; err.Error() != want {
				t.Errorf("Error() = %q, want %q", err.Error(), want)
			}
			for _, s := range []string{testCredential, tt.notInErr} {
				if s != "" && strings.Contains(err.Error(), s) {
					t.Errorf("Error() = %q contains the credential %q", err.Error(), s)
				}
			}
		})
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}

// The caller's client is the one in use and is never modified: its later
// changes (httpmock.ActivateNonDefault on it, a new Timeout) take effect.
func TestNew_withHTTPClientIsNotModified(t *testing.T) {
	rt := http.DefaultTransport
	hc := &http.Client{Timeout: 7 * time.Second, Transport: rt}
	c, err := apikeys.New(
		apikeys.WithBaseURL(testBaseURL),
		apikeys.WithAPIKey(testCredential),
		apikeys.WithOrganization(testOrg),
		apikeys.WithHTTPClient(hc),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if got := c.HTTPClient(); got != hc {
		t.Fatalf("HTTPClient() = %p, want the caller's %p", got, hc)
	}
	if hc.CheckRedirect != nil || hc.Timeout != 7*time.Second || hc.Transport != rt {
		t.Errorf("New modified the caller's client: %+v", hc)
	}

	// Mocking the caller's own client after New reaches the SDK's requests.
	f := activate(t, c)
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
	if _, err := c.Get(t.Context(), "k1"); err != nil {
		t.Fatalf("Get: %v", err)
	}
	if n := len(f.requests()); n != 1 {
		t.Errorf("the mock saw %d requests, want 1", n)
	}
	if hc.CheckRedirect != nil {
		t.Error("the caller's CheckRedirect was set after a request")
	}
}

func TestNew_defaultHTTPClient(t *testing.T) {
	c, err := apikeys.New(
		apikeys.WithBaseURL(testBaseURL),
		apikeys.WithAPIKey(testCredential),
		apikeys.WithOrganization(testOrg),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hc := c.HTTPClient()
	switch {
	case hc == nil:
		t.Fatal("HTTPClient() = nil")
	case hc == http.DefaultClient:
		t.Error("HTTPClient() is http.DefaultClient, want a client of its own")
	case hc.Transport == nil || hc.Transport == http.DefaultTransport:
		t.Errorf("HTTPClient().Transport = %v, want a pooled transport of its own", hc.Transport)
	case hc.CheckRedirect != nil:
		// The same-origin policy goes with each attempt (TestRedirects),
		// not into the client, where setting the field would switch it off.
		t.Error("HTTPClient().CheckRedirect is set, want the client unmodified")
	}
	other, err := apikeys.New(
		apikeys.WithBaseURL(testBaseURL),
		apikeys.WithAPIKey(testCredential),
		apikeys.WithOrganization(testOrg),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	if other.HTTPClient() == hc {
		t.Error("two clients share one *http.Client")
	}
}

func TestUserAgent(t *testing.T) {
	tests := []struct {
		name string
		opts []apikeys.Option
		want string
	}{
		{name: "default", want: "apikeys-go/" + apikeys.Version},
		{name: "suffix", opts: []apikeys.Option{apikeys.WithUserAgent("my-app/1.2 (ops)")}, want: "apikeys-go/" + apikeys.Version + " my-app/1.2 (ops)"},
		{name: "empty suffix", opts: []apikeys.Option{apikeys.WithUserAgent("")}, want: "apikeys-go/" + apikeys.Version},
	}
	if apikeys.Version != "0.2.0" {
		t.Errorf("Version = %q, want 0.2.0", apikeys.Version)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, tt.opts...)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
			if _, err := c.Get(t.Context(), "k1"); err != nil {
				t.Fatalf("Get: %v", err)
			}
			assertHeaders(t, f.onlyRequest(t), tt.want)
		})
	}
}
