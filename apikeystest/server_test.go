package apikeystest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
)

func TestNewServerDefaults(t *testing.T) {
	a, b := NewServer(), NewServer()
	defer a.Close()
	defer b.Close()
	if a.OrgID != "org_test" {
		t.Errorf("OrgID %q", a.OrgID)
	}
	if !regexp.MustCompile(`^ak_admin_[0-9a-f]{32}$`).MatchString(a.AdminKey) || a.AdminKey == b.AdminKey {
		t.Errorf("AdminKeys %q and %q", a.AdminKey, b.AdminKey)
	}
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/v1$`).MatchString(a.URL) || a.URL == b.URL {
		t.Errorf("URLs %q and %q", a.URL, b.URL)
	}
}

func TestOptions(t *testing.T) {
	s, _ := newTestServer(t, WithOrgID("acme"), WithAdminKey("secret-admin"))
	if s.OrgID != "acme" || s.AdminKey != "secret-admin" {
		t.Fatalf("OrgID %q AdminKey %q", s.OrgID, s.AdminKey)
	}
	k := create(t, s, `{"key_name":"x"}`)
	if k["organization_id"] != "acme" {
		t.Errorf("organization_id %v", k["organization_id"])
	}
	// The exported fields are informational: changing them changes nothing.
	s.AdminKey, s.OrgID = "other", "other"
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/v1/organizations/acme/api-keys", nil)
	r.Header.Set("X-API-Key", "secret-admin")
	s.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Errorf("after changing the fields: %d %s", rec.Code, rec.Body)
	}
}

func TestWithClock(t *testing.T) {
	s, clk := newTestServer(t)
	k := create(t, s, `{"key_name":"x","expires_at":"`+formatTime(t0.Add(time.Minute))+`"}`)
	if k["created_at"] != formatTime(t0) {
		t.Errorf("created_at %v, want the clock's %v", k["created_at"], formatTime(t0))
	}
	clk.Advance(time.Hour)
	k = mustDo(t, s, actionCall(s.OrgID, k["id"].(string), "pause"), http.StatusOK).obj(t)
	if k["updated_at"] != formatTime(t0.Add(time.Hour)) || k["created_at"] != formatTime(t0) {
		t.Errorf("created_at %v updated_at %v", k["created_at"], k["updated_at"])
	}
	// The expiry is now in the past for the clock: refused.
	mustDo(t, s, call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x","expires_at":"` + formatTime(t0.Add(time.Minute)) + `"}`}, http.StatusUnprocessableEntity)
	// The error envelope's timestamp is the clock's too.
	rp := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, "nope")}, http.StatusNotFound)
	if ts := rp.obj(t)["error"].(map[string]any)["timestamp"]; ts != formatTime(clk.Now()) {
		t.Errorf("timestamp %v", ts)
	}
}

func TestAuth(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	routes := []call{
		{method: "GET", path: keysPath(s.OrgID)},
		{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"y"}`},
		{method: "GET", path: keyPath(s.OrgID, id)},
		{method: "PATCH", path: keyPath(s.OrgID, id), body: `{}`},
		{method: "DELETE", path: keyPath(s.OrgID, id)},
		{method: "DELETE", path: keyPath(s.OrgID, id) + "?permanent=true"},
		{method: "POST", path: keyPath(s.OrgID, id) + "/pause"},
		{method: "GET", path: "/unknown"},
	}
	// "-" sends no X-API-Key at all.
	for _, cred := range []string{"-", s.AdminKey + "x", s.AdminKey[:len(s.AdminKey)-1], strings.ToUpper(s.AdminKey), "Bearer " + s.AdminKey} {
		for _, c := range routes {
			c.header = hdr("X-API-Key", cred)
			rp := mustDo(t, s, c, http.StatusUnauthorized)
			if e := rp.obj(t)["error"].(map[string]any); e["code"] != "INVALID_API_KEY" || e["type"] != "authentication_error" {
				t.Errorf("%s %s: %s", c.method, c.path, rp.Body)
			}
		}
	}
	// Nothing above changed the key.
	k := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t)
	if k["status"] != "active" || k["key_name"] != "x" {
		t.Errorf("key changed by unauthenticated requests: %v", k)
	}
}

func TestOtherOrganization(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	for _, org := range []string{"org_other", "ORG_TEST", "org_test ", "org"} {
		for _, c := range []call{
			{method: "GET", path: keysPath(org)},
			{method: "POST", path: keysPath(org), body: `{"key_name":"y"}`},
		} {
			if rp := mustDo(t, s, c, http.StatusNotFound); rp.errCode(t) != "ORGANIZATION_NOT_FOUND" {
				t.Errorf("%s %s: %s", c.method, c.path, rp.Body)
			}
		}
		for _, c := range []call{
			{method: "GET", path: keyPath(org, id)},
			{method: "PATCH", path: keyPath(org, id), body: `{"key_name":"z"}`},
			{method: "DELETE", path: keyPath(org, id)},
			{method: "DELETE", path: keyPath(org, id) + "?permanent=true"},
			{method: "POST", path: keyPath(org, id) + "/revoke"},
		} {
			if rp := mustDo(t, s, c, http.StatusNotFound); rp.errCode(t) != "API_KEY_NOT_FOUND" {
				t.Errorf("%s %s: %s", c.method, c.path, rp.Body)
			}
		}
	}
	k := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t)
	if k["status"] != "active" || k["key_name"] != "x" || countKeys(t, s) != 1 {
		t.Errorf("another organization's requests changed this one: %v", k)
	}
}

func TestUnknownPaths(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	for _, p := range []string{
		"", "/", "/organizations", "/organizations/org_test", "/organizations/org_test/keys",
		"/organizations/org_test/api-keys/", "/organizations//api-keys", "/organizations/org_test/api-keys//pause",
		"/organizations/org_test/api-keys/" + id + "/archive", "/organizations/org_test/api-keys/" + id + "/delete",
		"/organizations/org_test/api-keys/" + id + "/", "/organizations/org_test/api-keys/" + id + "/pause/now",
		"/organizations/org_test/api-keys/" + id + "/Pause",
		"/organizations/org_test/api-keys/" + id + "/pa%75se", // an escaped action name is still "pause"
	} {
		rp := do(t, s, call{method: "POST", path: p})
		if strings.HasSuffix(p, "pa%75se") {
			if rp.Status != http.StatusOK {
				t.Errorf("%s: %d %s", p, rp.Status, rp.Body)
			}
			continue
		}
		if rp.Status != http.StatusNotFound || rp.errCode(t) != "NOT_FOUND" {
			t.Errorf("POST %q: %d %s", p, rp.Status, rp.Body)
		}
	}
	// Paths outside /v1 do not exist either.
	rec := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/v2/organizations/org_test/api-keys", nil)
	r.Header.Set("X-API-Key", s.AdminKey)
	s.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusNotFound {
		t.Errorf("/v2: %d", rec.Code)
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	for _, tc := range []struct{ method, path, allow string }{
		{"PUT", keysPath(s.OrgID), "GET, POST"},
		{"DELETE", keysPath(s.OrgID), "GET, POST"},
		{"PATCH", keysPath(s.OrgID), "GET, POST"},
		{"HEAD", keysPath(s.OrgID), "GET, POST"},
		{"POST", keyPath(s.OrgID, id), "GET, PATCH, DELETE"},
		{"PUT", keyPath(s.OrgID, id), "GET, PATCH, DELETE"},
		{"PAT", keyPath(s.OrgID, id), "GET, PATCH, DELETE"},
		{"GET", keyPath(s.OrgID, id) + "/pause", "POST"},
		{"DELETE", keyPath(s.OrgID, id) + "/revoke", "POST"},
	} {
		rp := do(t, s, call{method: tc.method, path: tc.path})
		if rp.Status != http.StatusMethodNotAllowed || rp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d Allow %q", tc.method, tc.path, rp.Status, rp.Header.Get("Allow"))
			continue
		}
		if tc.method != "HEAD" && rp.errCode(t) != "METHOD_NOT_ALLOWED" {
			t.Errorf("%s %s: %s", tc.method, tc.path, rp.Body)
		}
	}
	if k := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t); k["status"] != "active" {
		t.Errorf("status %v", k["status"])
	}
}

// IDs are path-escaped by clients; the server decodes each segment on its own.
func TestEscapedIDs(t *testing.T) {
	for _, org := range []string{"org/with/slashes", "org?q=1#frag", "100%", "org with spaces", "ünï", "a%2Fb"} {
		t.Run(org, func(t *testing.T) {
			s, _ := newTestServer(t, WithOrgID(org))
			k := create(t, s, `{"key_name":"x"}`)
			if k["organization_id"] != org {
				t.Errorf("organization_id %v", k["organization_id"])
			}
			id := k["id"].(string)
			mustDo(t, s, call{method: "GET", path: keyPath(org, id)}, http.StatusOK)
			mustDo(t, s, call{method: "PATCH", path: keyPath(org, id), body: `{"key_name":"y"}`}, http.StatusOK)
			mustDo(t, s, call{method: "POST", path: keyPath(org, id) + "/pause"}, http.StatusOK)
			mustDo(t, s, call{method: "DELETE", path: keyPath(org, id)}, http.StatusOK)
			if ids, _ := listPage(t, s, "?status=archived"); len(ids) != 1 {
				t.Errorf("list: %v", ids)
			}
			mustDo(t, s, call{method: "DELETE", path: keyPath(org, id) + "?permanent=true"}, http.StatusNoContent)
		})
	}
	s, _ := newTestServer(t)
	for _, id := range []string{"a/b", "a?b", "a%b", "../x", "a b", "key_1/pause"} {
		rp := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusNotFound)
		if rp.errCode(t) != "API_KEY_NOT_FOUND" || rp.errDetails(t)["key_id"] != id {
			t.Errorf("%q: %s", id, rp.Body)
		}
	}
	// An unescaped "/" is a path separator, not part of an ID.
	if rp := do(t, s, call{method: "GET", path: "/organizations/org_test/api-keys/a/b/c"}); rp.Status != http.StatusNotFound || rp.errCode(t) != "NOT_FOUND" {
		t.Errorf("raw slash: %d %s", rp.Status, rp.Body)
	}
}

func TestRequestIDsUnique(t *testing.T) {
	s, _ := newTestServer(t)
	seen := map[string]bool{}
	for i := range 200 {
		c := call{method: "GET", path: keysPath(s.OrgID)}
		if i%2 == 1 {
			c = call{method: "GET", path: keyPath(s.OrgID, "missing")}
		}
		id := do(t, s, c).Header.Get("X-Request-Id")
		if seen[id] {
			t.Fatalf("X-Request-Id %q repeated", id)
		}
		seen[id] = true
	}
}

// The real listener: the same API over TCP, escaped IDs included.
func TestListener(t *testing.T) {
	s, _ := newTestServer(t, WithOrgID("team/a"))
	hc := freshClient(t)
	send := func(method, path, body string) (int, http.Header, map[string]any) {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, s.URL+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-API-Key", s.AdminKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if method != "GET" {
			req.Header.Set("Idempotency-Key", randomHex(16))
		}
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		b, _ := io.ReadAll(resp.Body)
		if len(b) > 0 {
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, b)
			}
		}
		return resp.StatusCode, resp.Header, m
	}
	status, h, k := send("POST", keysPath("team/a"), `{"key_name":"x"}`)
	if status != http.StatusCreated || h.Get("Content-Type") != "application/json" || h.Get("X-Request-Id") == "" {
		t.Fatalf("create: %d %v %v", status, h, k)
	}
	id := k["id"].(string)
	if status, _, k = send("POST", keyPath("team/a", id)+"/revoke", ""); status != 200 || k["status"] != "revoked" {
		t.Errorf("revoke: %d %v", status, k)
	}
	if status, h, _ = send("DELETE", keyPath("team/a", id)+"?permanent=true", ""); status != 204 || h.Get("Content-Type") != "" || h.Get("X-Request-Id") == "" {
		t.Errorf("delete: %d %v", status, h)
	}
	if status, _, _ = send("GET", keyPath("team/a", id), ""); status != 404 {
		t.Errorf("get after delete: %d", status)
	}
	if got := s.Requests()[0].Path; got != "/v1/organizations/team%2Fa/api-keys" {
		t.Errorf("recorded path %q", got)
	}
}

func TestClose(t *testing.T) {
	s := NewServer()
	hc := freshClient(t)
	s.Close()
	if resp, err := hc.Get(s.URL + "/organizations/org_test/api-keys"); err == nil {
		resp.Body.Close()
		t.Error("request after Close succeeded")
	}
}

// Close waits for requests in flight, as httptest.Server.Close does.
func TestCloseWaits(t *testing.T) {
	clockEntered := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	s := NewServer(WithClock(func() time.Time {
		once.Do(func() { close(clockEntered); <-release })
		return time.Now()
	}))
	hc := freshClient(t)
	done := make(chan error, 1)
	go func() {
		resp, err := hc.Get(s.URL + "/organizations/org_test/api-keys")
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	<-clockEntered
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
		t.Fatal("Close returned while a request was being served")
	case <-time.After(50 * time.Millisecond):
	}
	close(release)
	<-closed
	if err := <-done; err != nil {
		t.Errorf("request in flight: %v", err)
	}
}

// Client gives an SDK client wired to this server.
func TestClient(t *testing.T) {
	s, _ := newTestServer(t)
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ck, err := c.Create(ctx, apikeys.CreateParams{Name: "from the SDK"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ck.Secret.Reveal(), ck.Key.Prefix) || ck.Key.Status != apikeys.StatusActive {
		t.Errorf("created %+v", ck.Key)
	}
	got, err := c.Get(ctx, ck.Key.ID)
	if err != nil || got.Name != "from the SDK" {
		t.Fatalf("get: %v %+v", err, got)
	}
	// The SDK retries a 503, the 1 ms first delay keeps that fast.
	s.FailNext(1, 503, 0)
	if _, err := c.Pause(ctx, ck.Key.ID); err != nil {
		t.Errorf("pause through one 503: %v", err)
	}
	// Options given to Client override the server's.
	bad, err := s.Client(apikeys.WithAPIKey("wrong"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bad.Get(ctx, ck.Key.ID); !errors.Is(err, apikeys.ErrUnauthorized) {
		t.Errorf("wrong credential: %v", err)
	}
	for _, r := range s.Requests() {
		if r.Method != "GET" && r.Header.Get("Idempotency-Key") == "" {
			t.Errorf("%s %s without Idempotency-Key", r.Method, r.Path)
		}
	}
}

// Client's defaults make injected failures cheap and predictable: no retry
// budget, so every call rides out its FailNext(2, 503) however many came
// before (with the SDK's default budget of 10 tokens, which retries only
// while more than 5 remain, each such call costs 1.9 tokens and the third one
// gives up), and a 1 ms first retry delay, so each logged wait is a few
// milliseconds (the SDK's default is 500 ms, ±50%).
func TestClientRetryDefaults(t *testing.T) {
	s, _ := newTestServer(t)
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := s.Client(apikeys.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ck, err := c.Create(ctx, apikeys.CreateParams{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	// Five rather than the three that suffice: the budget also earns a token
	// a second, which on a slow machine could carry a third call.
	const calls = 5
	for i := range calls {
		before := len(s.Requests())
		s.FailNext(2, http.StatusServiceUnavailable, 0)
		if _, err := c.Get(ctx, ck.Key.ID); err != nil {
			t.Fatalf("call %d through two 503s: %v", i+1, err)
		}
		if n := len(s.Requests()) - before; n != 3 {
			t.Errorf("call %d sent %d requests, want 3", i+1, n)
		}
	}
	retries := 0
	dec := json.NewDecoder(&logs)
	dec.UseNumber()
	for dec.More() {
		var line map[string]any
		if err := dec.Decode(&line); err != nil {
			t.Fatalf("log line: %v", err)
		}
		if line["msg"] != "apikeys: retrying" {
			continue
		}
		retries++
		num, _ := line["wait"].(json.Number)
		ns, err := num.Int64()
		if wait := time.Duration(ns); err != nil || wait > 5*time.Millisecond {
			t.Errorf("retry %d waited %v (%v), want at most 5ms: the first delay is 1ms", retries, wait, err)
		}
	}
	if retries != 2*calls {
		t.Errorf("%d retries logged, want %d", retries, 2*calls)
	}
}

// A dropped mutation through the SDK is applied once: the retry (the SDK's,
// or net/http's own on a reused connection, which it makes for requests with
// an Idempotency-Key) carries the same key and gets the stored answer.
func TestDropNextThroughClient(t *testing.T) {
	s, _ := newTestServer(t)
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ck, err := c.Create(ctx, apikeys.CreateParams{Name: "x"})
	if err != nil {
		t.Fatal(err)
	}
	s.DropNext(1)
	k, err := c.Pause(ctx, ck.Key.ID)
	if err != nil {
		t.Fatalf("pause through a dropped connection: %v", err)
	}
	if k.Status != apikeys.StatusPaused {
		t.Errorf("status %q", k.Status)
	}
	reqs := s.Requests()[1:]
	if len(reqs) != 2 {
		t.Fatalf("%d pause requests, want 2 (dropped, then retried)", len(reqs))
	}
	if a, b := reqs[0].Header.Get("Idempotency-Key"), reqs[1].Header.Get("Idempotency-Key"); a == "" || a != b {
		t.Errorf("Idempotency-Keys %q and %q, want one non-empty key", a, b)
	}
}

// Many clients at once, over TCP: run with -race.
func TestConcurrentUse(t *testing.T) {
	s, _ := newTestServer(t)
	const workers, each = 4, 15
	send := func(hc *http.Client, method, path, body string) (int, string) {
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, _ := http.NewRequest(method, s.URL+path, rd)
		req.Header.Set("X-API-Key", s.AdminKey)
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		req.Header.Set("Idempotency-Key", randomHex(16))
		resp, err := hc.Do(req)
		if err != nil {
			t.Error(err)
			return 0, ""
		}
		defer resp.Body.Close()
		var k struct{ ID string }
		json.NewDecoder(resp.Body).Decode(&k)
		return resp.StatusCode, k.ID
	}
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc := &http.Client{Transport: &http.Transport{}}
			defer hc.CloseIdleConnections()
			for i := range each {
				st, id := send(hc, "POST", keysPath(s.OrgID), fmt.Sprintf(`{"key_name":"w%d-%d"}`, w, i))
				if st != http.StatusCreated {
					t.Errorf("create: %d", st)
					continue
				}
				for _, a := range []string{"/pause", "/unpause", "/revoke"} {
					if st, _ := send(hc, "POST", keyPath(s.OrgID, id)+a, ""); st != http.StatusOK {
						t.Errorf("%s: %d", a, st)
					}
				}
				send(hc, "GET", keysPath(s.OrgID)+"?status=revoked&page_size=5", "")
			}
		}()
	}
	wg.Wait()
	if n := len(walkAll(t, s, "status=revoked")); n != workers*each {
		t.Errorf("%d revoked keys, want %d", n, workers*each)
	}
}

// go test -bench . -cpu 1 ./apikeystest: the fake must not be what slows a
// benchmark of the client (the target is well above 20,000 requests/s).
func BenchmarkHandler(b *testing.B) {
	s := NewServer()
	defer s.Close()
	h := s.Handler()
	var id string
	for i := range 50 {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest("POST", "/v1/organizations/org_test/api-keys", strings.NewReader(fmt.Sprintf(`{"key_name":"k%d"}`, i)))
		r.Header.Set("X-API-Key", s.AdminKey)
		r.Header.Set("Content-Type", "application/json")
		r.Header.Set("Idempotency-Key", fmt.Sprint("seed-", i))
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusCreated {
			b.Fatalf("seeding: %d %s", rec.Code, rec.Body)
		}
		var k struct{ ID string }
		json.Unmarshal(rec.Body.Bytes(), &k)
		id = k.ID
	}
	for _, bc := range []struct{ name, method, path, body string }{
		{"get", "GET", "/v1/organizations/org_test/api-keys/" + id, ""},
		{"list20", "GET", "/v1/organizations/org_test/api-keys", ""},
		{"patch", "PATCH", "/v1/organizations/org_test/api-keys/" + id, `{"key_name":"renamed"}`},
		{"create", "POST", "/v1/organizations/org_test/api-keys", `{"key_name":"new"}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				var body io.Reader
				if bc.body != "" {
					body = strings.NewReader(bc.body)
				}
				r := httptest.NewRequest(bc.method, bc.path, body)
				r.Header.Set("X-API-Key", s.AdminKey)
				r.Header.Set("Content-Type", "application/json")
				r.Header.Set("Idempotency-Key", fmt.Sprint("bench-", bc.name, i))
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code >= 300 {
					b.Fatalf("%d %s", rec.Code, rec.Body)
				}
			}
		})
	}
}

// BenchmarkListener measures whole requests over loopback TCP, the setting of
// a client benchmark.
func BenchmarkListener(b *testing.B) {
	s := NewServer()
	defer s.Close()
	tr := &http.Transport{MaxIdleConnsPerHost: 64}
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr}
	u, _ := url.Parse(s.URL + "/organizations/org_test/api-keys?page_size=1")
	req := &http.Request{Method: "GET", URL: u, Header: http.Header{"X-Api-Key": {s.AdminKey}}}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := hc.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	})
}

// httpmock hands a handler requests with a nil Body (for a GET, say); the
// server takes those as requests without a body.
func TestNilBody(t *testing.T) {
	for _, p := range []apikeys.Platform{apikeys.Reference, apikeys.Aitronos} {
		t.Run(string(p), func(t *testing.T) {
			s, _ := newTestServer(t, WithPlatform(p))
			send := func(method, path string) *httptest.ResponseRecorder {
				t.Helper()
				r := httptest.NewRequest(method, "/v1"+path, nil)
				r.Body = nil
				r.Header.Set("X-API-Key", s.AdminKey)
				r.Header.Set("Idempotency-Key", randomHex(16))
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, r)
				return rec
			}
			if rec := send("GET", keysPath(s.OrgID)); rec.Code != http.StatusOK {
				t.Errorf("GET: %d %s", rec.Code, rec.Body)
			}
			rec := send("POST", keysPath(s.OrgID))
			if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), `"field":"body"`) {
				t.Errorf("POST without a body: %d %s", rec.Code, rec.Body)
			}
			if rec := send("POST", keyPath(s.OrgID, "missing")+"/pause"); rec.Code != http.StatusNotFound {
				t.Errorf("pause: %d %s", rec.Code, rec.Body)
			}
			for _, r := range s.Requests() {
				if r.Body != nil {
					t.Errorf("%s %s recorded body %q, want nil", r.Method, r.Path, r.Body)
				}
			}
		})
	}
}

func TestWithPlatform(t *testing.T) {
	// Every platform the client speaks is served.
	for _, p := range apikeys.Platforms() {
		s := NewServer(WithPlatform(p))
		if s.Platform() != p || !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+(/[a-z0-9]+)*$`).MatchString(s.URL) {
			t.Errorf("%s: Platform %q URL %q", p, s.Platform(), s.URL)
		}
		s.Close()
	}
	if s := NewServer(); s.Platform() != apikeys.Reference {
		t.Errorf("default platform %q", s.Platform())
	} else {
		s.Close()
	}
	// A platform the server does not speak is a test's mistake: it panics,
	// naming the platform, as httptest does for a misuse.
	for _, p := range []apikeys.Platform{"", "nope", "Reference", "orq.ai"} {
		func() {
			defer func() {
				msg, _ := recover().(string)
				if !strings.Contains(msg, "apikeystest") || !strings.Contains(msg, fmt.Sprintf("%q", p)) {
					t.Errorf("%q: recovered %q", p, msg)
				}
			}()
			s := NewServer(WithPlatform(p))
			s.Close()
		}()
	}
}

// Header names match case-insensitively, also when a client in the same
// process sets them by map assignment, in a form net/http would not produce.
func TestHeaderNamesInProcess(t *testing.T) {
	for _, p := range []apikeys.Platform{apikeys.Reference, apikeys.Aitronos} {
		t.Run(string(p), func(t *testing.T) {
			s, _ := newTestServer(t, WithPlatform(p))
			r := httptest.NewRequest("POST", "/v1"+keysPath(s.OrgID), strings.NewReader(`{"key_name":"x"}`))
			r.Header = http.Header{
				"x-api-key":       {s.AdminKey},
				"CONTENT-TYPE":    {"application/json"},
				"idempotency-key": {"k1"},
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, r)
			if rec.Code != http.StatusCreated {
				t.Errorf("%d %s", rec.Code, rec.Body)
			}
		})
	}
}
