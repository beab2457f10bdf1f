package apikeystest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestFailNext(t *testing.T) {
	s, _ := newTestServer(t)
	create := call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`}
	s.FailNext(2, http.StatusTooManyRequests, 1500*time.Millisecond)
	for range 2 {
		rp := mustDo(t, s, create, http.StatusTooManyRequests)
		if rp.errCode(t) != "RATE_LIMIT_EXCEEDED" || rp.Header.Get("Retry-After") != "2" {
			t.Errorf("code %q Retry-After %q", rp.errCode(t), rp.Header.Get("Retry-After"))
		}
	}
	if n := countKeys(t, s); n != 0 {
		t.Errorf("failed requests were applied: %v keys", n)
	}
	mustDo(t, s, create, http.StatusCreated)
}

func TestFailNextCodes(t *testing.T) {
	s, _ := newTestServer(t)
	for _, tc := range []struct {
		status     int
		retryAfter time.Duration
		code, typ  string
		header     string
	}{
		{429, 0, "RATE_LIMIT_EXCEEDED", "rate_limit", ""},
		{429, time.Second, "RATE_LIMIT_EXCEEDED", "rate_limit", "1"},
		{429, time.Nanosecond, "RATE_LIMIT_EXCEEDED", "rate_limit", "1"},
		{500, 0, "INTERNAL_ERROR", "server_error", ""},
		{503, 30 * time.Second, "SERVICE_UNAVAILABLE", "server_error", "30"},
		{502, 0, "BAD_GATEWAY", "server_error", ""},
		{504, 0, "GATEWAY_TIMEOUT", "server_error", ""},
		{599, 0, "INTERNAL_ERROR", "server_error", ""},
		{400, 0, "INVALID_REQUEST", "invalid_request", ""},
		{401, 0, "INVALID_API_KEY", "authentication_error", ""},
		{403, 0, "INSUFFICIENT_PERMISSIONS", "permission_error", ""},
		{404, 0, "NOT_FOUND", "not_found", ""},
		{408, 0, "REQUEST_TIMEOUT", "invalid_request", ""},
		{409, 0, "CONFLICT", "conflict", ""},
		{418, 0, "INVALID_REQUEST", "invalid_request", ""},
		{422, 0, "VALIDATION_ERROR", "validation_error", ""},
	} {
		s.FailNext(1, tc.status, tc.retryAfter)
		rp := mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID)}, tc.status)
		e := rp.obj(t)["error"].(map[string]any)
		if e["code"] != tc.code || e["type"] != tc.typ || rp.Header.Get("Retry-After") != tc.header {
			t.Errorf("%d: code %v type %v Retry-After %q", tc.status, e["code"], e["type"], rp.Header.Get("Retry-After"))
		}
	}
}

func TestFailNextPanics(t *testing.T) {
	s, _ := newTestServer(t)
	for _, f := range []func(){
		func() { s.FailNext(1, 200, 0) },
		func() { s.FailNext(1, 399, 0) },
		func() { s.FailNext(1, 600, 0) },
		func() { s.FailNext(-1, 500, 0) },
		func() { s.DropNext(-1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
	s.FailNext(0, 500, 0) // schedules nothing
	mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID)}, http.StatusOK)
}

// Faults queue up in the order they were scheduled, and count every request.
func TestFaultQueue(t *testing.T) {
	s, _ := newTestServer(t)
	s.FailNext(1, 503, 0)
	s.FailNext(2, 429, time.Second)
	s.DropNext(1)
	s.FailNext(1, 500, 0)
	var got []int
	for range 6 {
		status := func() (status int) {
			defer func() {
				if r := recover(); r != nil {
					if r != http.ErrAbortHandler {
						panic(r)
					}
					status = -1 // dropped
				}
			}()
			// Through Handler, unauthenticated and to a bad path: faults come first.
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/v1/anything", nil))
			return rec.Code
		}()
		got = append(got, status)
	}
	if diff := cmp.Diff([]int{503, 429, 429, -1, 500, 401}, got); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

// freshClient never reuses a connection, so a cut connection surfaces as an
// error instead of the transport's own silent retry on a reused one.
func freshClient(t *testing.T) *http.Client {
	tr := &http.Transport{DisableKeepAlives: true}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr}
}

func TestDropNextListener(t *testing.T) {
	s, _ := newTestServer(t)
	hc := freshClient(t)
	send := func() (*http.Response, error) {
		req, _ := http.NewRequest("POST", s.URL+"/organizations/"+s.OrgID+"/api-keys", strings.NewReader(`{"key_name":"dropped"}`))
		req.Header.Set("X-API-Key", s.AdminKey)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", "drop-1")
		return hc.Do(req)
	}
	s.DropNext(1)
	resp, err := send()
	if err == nil {
		resp.Body.Close()
		t.Fatalf("got %d, want a connection error", resp.StatusCode)
	}
	if !errors.Is(err, io.EOF) {
		t.Errorf("error %v, want one wrapping io.EOF: the server closed without answering", err)
	}
	// The create was applied...
	ids, _ := listPage(t, s, "")
	if len(ids) != 1 {
		t.Fatalf("%d keys after a dropped create, want 1", len(ids))
	}
	// ...and a retry with the same Idempotency-Key gets the stored answer.
	resp, err = send()
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || resp.Header.Get("Idempotent-Replayed") != "true" || !strings.Contains(string(body), ids[0]) {
		t.Errorf("retry: %d %q %s", resp.StatusCode, resp.Header.Get("Idempotent-Replayed"), body)
	}
	if n := len(s.Requests()); n != 3 {
		t.Errorf("%d requests recorded, want 3", n)
	}
}

func TestDropNextHandler(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	s.DropNext(1)
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Errorf("recovered %v, want http.ErrAbortHandler", r)
			}
		}()
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, actionCall(s.OrgID, id, "revoke").request(s))
	}()
	k := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t)
	if k["status"] != "revoked" {
		t.Errorf("dropped revoke not applied: %v", k["status"])
	}
}

func TestRequests(t *testing.T) {
	s, _ := newTestServer(t)
	if got := s.Requests(); len(got) != 0 {
		t.Fatalf("new server has %d requests", len(got))
	}
	id := createNamed(t, s, "x")
	idem := s.Requests()[0].Header.Get("Idempotency-Key")
	s.FailNext(1, 500, 0)
	mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id) + "?a=1&a=2"}, 500)
	mustDo(t, s, call{method: "PATCH", path: "/organizations/o%2Fx/api-keys/k%3F", body: `{}`, header: hdr("X-API-Key", "nope", "Idempotency-Key", "idem-3")}, 401)

	got := s.Requests()
	type short struct {
		Method, Path string
		Query        url.Values
		Body         string
		Key, Idem    string
	}
	var shorts []short
	for _, r := range got {
		shorts = append(shorts, short{r.Method, r.Path, r.Query, string(r.Body), r.Header.Get("X-API-Key"), r.Header.Get("Idempotency-Key")})
	}
	want := []short{
		{"POST", "/v1/organizations/org_test/api-keys", url.Values{}, `{"key_name":"x"}`, s.AdminKey, idem},
		{"GET", "/v1/organizations/org_test/api-keys/" + id, url.Values{"a": {"1", "2"}}, "", s.AdminKey, ""},
		{"PATCH", "/v1/organizations/o%2Fx/api-keys/k%3F", url.Values{}, `{}`, "nope", "idem-3"},
	}
	if diff := cmp.Diff(want, shorts); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	if got[1].Body != nil {
		t.Errorf("GET body %q, want nil", got[1].Body)
	}
	// The result is a copy.
	got[0].Header.Set("X-API-Key", "changed")
	got[0].Body[0] = 'X'
	got[0].Query.Set("z", "1")
	again := s.Requests()
	if again[0].Header.Get("X-API-Key") != s.AdminKey || again[0].Body[0] != '{' || again[0].Query.Has("z") {
		t.Error("changing Requests' result changed the server's record")
	}
}
