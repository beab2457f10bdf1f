package apikeystest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// specDoc loads api/openapi.yaml once for the whole test binary.
var specDoc = sync.OnceValues(func() (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile("../api/openapi.yaml")
	if err != nil {
		return nil, err
	}
	return doc, doc.Validate(context.Background())
})

func spec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := specDoc()
	if err != nil {
		t.Fatalf("api/openapi.yaml: %v", err)
	}
	return doc
}

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

// do sends c through s.Handler(), checks the response against api/openapi.yaml
// and the invariants every response keeps, and returns it.
func do(t testing.TB, s *Server, c call) reply {
	t.Helper()
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, c.request(s))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	rp := reply{Status: res.StatusCode, Header: res.Header, Body: body}
	checkReply(t, s, c, rp)
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

// checkReply validates a response against the spec and the envelope rules.
func checkReply(t testing.TB, s *Server, c call, rp reply) {
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
	validateAgainstSpec(t, s, c, rp)
}

// validateAgainstSpec checks rp with openapi3filter.ValidateResponse, and for a
// 2xx also the request: what the server accepts, the spec must allow. A path
// or method the spec lacks (a 404 or 405 by design) is checked against the
// ErrorEnvelope schema alone.
func validateAgainstSpec(t testing.TB, s *Server, c call, rp reply) {
	t.Helper()
	doc := spec(t)
	route, params := findRoute(doc, c.method, c.path)
	if route == nil {
		if rp.Status < 400 {
			t.Errorf("%s %s: %d for a path the spec lacks", c.method, c.path, rp.Status)
			return
		}
		var v any
		if err := json.Unmarshal(rp.Body, &v); err != nil {
			t.Errorf("%s %s: %v", c.method, c.path, err)
			return
		}
		if err := doc.Components.Schemas["ErrorEnvelope"].Value.VisitJSON(v); err != nil {
			t.Errorf("%s %s: envelope does not match the spec: %v", c.method, c.path, err)
		}
		return
	}
	opts := &openapi3filter.Options{
		AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true,
		MultiError:            true,
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    c.request(s),
		PathParams: params,
		Route:      route,
		Options:    opts,
	}
	if rp.Status < 300 {
		if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
			t.Errorf("%s %s: the server accepted a request the spec refuses: %v", c.method, c.path, err)
		}
		in.Request = c.request(s)
	}
	err := openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 rp.Status,
		Header:                 rp.Header,
		Body:                   io.NopCloser(bytes.NewReader(rp.Body)),
		Options:                opts,
	})
	if err != nil {
		t.Errorf("%s %s: response %d does not match the spec: %v\nbody: %s", c.method, c.path, rp.Status, err, rp.Body)
	}
}

// findRoute matches an escaped path (relative to /v1) against the spec's path
// templates segment by segment, so escaped IDs match as the server sees them;
// the spec routers match on the decoded path and would split "a%2Fb".
func findRoute(doc *openapi3.T, method, escapedPath string) (*routers.Route, map[string]string) {
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	if i := strings.IndexByte(segs[len(segs)-1], '?'); i >= 0 {
		segs[len(segs)-1] = segs[len(segs)-1][:i]
	}
	for tmpl, item := range doc.Paths.Map() {
		tsegs := strings.Split(strings.TrimPrefix(tmpl, "/"), "/")
		if len(tsegs) != len(segs) {
			continue
		}
		params := map[string]string{}
		ok := true
		for i, ts := range tsegs {
			v, err := url.PathUnescape(segs[i])
			switch {
			case err != nil || v == "":
				ok = false
			case strings.HasPrefix(ts, "{"):
				params[strings.Trim(ts, "{}")] = v
			default:
				ok = ts == v
			}
			if !ok {
				break
			}
		}
		if !ok {
			continue
		}
		op := item.Operations()[method]
		if op == nil {
			return nil, nil
		}
		return &routers.Route{Spec: doc, Path: tmpl, PathItem: item, Method: method, Operation: op}, params
	}
	return nil, nil
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
