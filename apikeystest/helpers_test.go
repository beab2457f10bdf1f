package apikeystest

import (
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// testClock is a clock a test moves by hand.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

// t0 is the tests' start of time: well in the past, so that a server reading
// the real clock by mistake would refuse the tests' expiry times.
var t0 = time.Date(2024, 3, 1, 12, 0, 0, 123456789, time.UTC)

func newClock() *testClock { return &testClock{t: t0} }

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// newTestServer is a server on the test clock, closed when the test ends.
func newTestServer(t testing.TB, opts ...Option) (*Server, *testClock) {
	t.Helper()
	clk := newClock()
	s := NewServer(append([]Option{WithClock(clk.Now)}, opts...)...)
	t.Cleanup(s.Close)
	return s, clk
}

// reply is a response as a test sees it.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

// obj decodes the body as a JSON object.
func (r reply) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body %q: %v", r.Body, err)
	}
	return m
}

// errCode returns the envelope's code.
func (r reply) errCode(t testing.TB) string {
	t.Helper()
	e, _ := r.obj(t)["error"].(map[string]any)
	code, _ := e["code"].(string)
	return code
}

func (r reply) errDetails(t testing.TB) map[string]any {
	t.Helper()
	e, _ := r.obj(t)["error"].(map[string]any)
	d, _ := e["details"].(map[string]any)
	return d
}

// call is one request to a server's Handler.
type call struct {
	method string
	path   string // escaped, relative to /v1
	body   string // raw; "" for none
	header []string
}

// hdr makes header pairs; a value of "-" removes a default header.
func hdr(kv ...string) []string { return kv }

func (c call) request(s *Server) *http.Request {
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	r := httptest.NewRequest(c.method, referenceBase+c.path, body)
	r.Header.Set("X-API-Key", s.AdminKey)
	r.Header.Set("Accept", "application/json")
	if c.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	if idempotent(c.method) { // as every client must; "-" in c.header removes it
		r.Header.Set("Idempotency-Key", rand.Text())
	}
	for i := 0; i+1 < len(c.header); i += 2 {
		if c.header[i+1] == "-" {
			r.Header.Del(c.header[i])
		} else {
			r.Header.Set(c.header[i], c.header[i+1])
		}
	}
	return r
}

// do sends c through s.Handler(), checks the invariants every response
// keeps, and returns it. Validation against api/openapi.yaml lives in the e2e
// module, which alone may depend on kin-openapi (so that it never enters a
// consumer's go.sum).
func do(t testing.TB, s *Server, c call) reply {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, c.request(s))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	rp := reply{Status: res.StatusCode, Header: res.Header, Body: body}
	checkReply(t, c, rp)
	return rp
}

// wireCall sends one request through s.Handler() as a client of a vendor's
// wire would: the credential in authName (authValue "-": none), and
// Content-Type with a body. header pairs override; a value of "-" removes
// the header. check asserts what every answer of that wire keeps.
func wireCall(t testing.TB, s *Server, authName, authValue, method, path, body string,
	check func(testing.TB, string, reply), header ...string) reply {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	r := httptest.NewRequest(method, path, rd)
	if authValue != "-" {
		r.Header.Set(authName, authValue)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "-" {
			r.Header.Del(header[i])
		} else {
			r.Header.Set(header[i], header[i+1])
		}
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, r)
	rp := reply{Status: rec.Code, Header: rec.Result().Header, Body: rec.Body.Bytes()}
	check(t, method+" "+path, rp)
	return rp
}

// wantStatus fails the test unless rp has status want, and returns rp.
func wantStatus(t testing.TB, method, path string, rp reply, want int) reply {
	t.Helper()
	if rp.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, rp.Status, want, rp.Body)
	}
	return rp
}

func mustDo(t testing.TB, s *Server, c call, want int) reply {
	t.Helper()
	rp := do(t, s, c)
	if rp.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", c.method, c.path, rp.Status, want, rp.Body)
	}
	return rp
}

// checkReply checks a response against the envelope rules.
func checkReply(t testing.TB, c call, rp reply) {
	t.Helper()
	reqID := rp.Header.Get("X-Request-Id")
	if !strings.HasPrefix(reqID, "req_") {
		t.Errorf("%s %s: X-Request-Id %q", c.method, c.path, reqID)
	}
	if ct := rp.Header.Get("Content-Type"); (len(rp.Body) > 0) != (ct == "application/json") {
		t.Errorf("%s %s: Content-Type %q with a %d-byte body", c.method, c.path, ct, len(rp.Body))
	}
	if rp.Status >= 300 {
		var env struct {
			Success *bool `json:"success"`
			Error   struct {
				Status  int    `json:"status"`
				TraceID string `json:"trace_id"`
			} `json:"error"`
		}
		if err := json.Unmarshal(rp.Body, &env); err != nil || env.Success == nil || *env.Success {
			t.Errorf("%s %s: %d without the envelope: %s", c.method, c.path, rp.Status, rp.Body)
		}
		if env.Error.Status != rp.Status {
			t.Errorf("%s %s: envelope status %d, HTTP %d", c.method, c.path, env.Error.Status, rp.Status)
		}
		if env.Error.TraceID != reqID && rp.Header.Get("Idempotent-Replayed") == "" {
			t.Errorf("%s %s: trace_id %q, X-Request-Id %q", c.method, c.path, env.Error.TraceID, reqID)
		}
	}
}

// Path helpers, relative to /v1 (the reference API and Aitronos).
func keysPath(org string) string { return "/organizations/" + url.PathEscape(org) + "/api-keys" }
func keyPath(org, id string) string {
	return keysPath(org) + "/" + url.PathEscape(id)
}

// create makes a key through the API and returns its object.
func create(t testing.TB, s *Server, body string) map[string]any {
	t.Helper()
	return mustDo(t, s, call{method: "POST", path: keysPath(s.OrgID), body: body}, http.StatusCreated).obj(t)
}

func createNamed(t testing.TB, s *Server, name string) string {
	t.Helper()
	return create(t, s, `{"key_name":"`+name+`"}`)["id"].(string)
}

// sorted returns a sorted copy of s.
func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}
