package apikeystest

import (
	"bytes"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// countKeys counts the keys, archived ones included, through the API.
func countKeys(t *testing.T, s *Server) int {
	t.Helper()
	return len(walkAll(t, s, "include_archived=true&page_size=100"))
}

func TestIdempotentReplay(t *testing.T) {
	s, _ := newTestServer(t)
	c := call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`, header: hdr("Idempotency-Key", "idem-1")}
	first := mustDo(t, s, c, http.StatusCreated)
	second := mustDo(t, s, c, http.StatusCreated)
	if !bytes.Equal(first.Body, second.Body) {
		t.Errorf("replay body differs:\n%s\n%s", first.Body, second.Body)
	}
	if first.Header.Get("Idempotent-Replayed") != "" || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("Idempotent-Replayed: first %q, replay %q",
			first.Header.Get("Idempotent-Replayed"), second.Header.Get("Idempotent-Replayed"))
	}
	if first.Header.Get("X-Request-Id") == second.Header.Get("X-Request-Id") {
		t.Error("replay reused the X-Request-Id")
	}
	if n := countKeys(t, s); n != 1 {
		t.Errorf("%v keys after a replayed create", n)
	}

	// Every mutation replays, a 204 included.
	id := first.obj(t)["id"].(string)
	for _, c := range []call{
		{method: "PATCH", path: keyPath(s.OrgID, id), body: `{"key_name":"y"}`},
		{method: "POST", path: keyPath(s.OrgID, id) + "/pause"},
		{method: "DELETE", path: keyPath(s.OrgID, id)},
		{method: "DELETE", path: keyPath(s.OrgID, id) + "?permanent=true"},
	} {
		c.header = hdr("Idempotency-Key", "idem-"+c.method+c.path)
		a, b := do(t, s, c), do(t, s, c)
		if a.Status >= 300 || a.Status != b.Status || !bytes.Equal(a.Body, b.Body) || b.Header.Get("Idempotent-Replayed") != "true" {
			t.Errorf("%s %s: %d %s then %d %s", c.method, c.path, a.Status, a.Body, b.Status, b.Body)
		}
	}
	// Without replay, the second pause would have been refused.
	mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusNotFound)
}

func TestIdempotencyKeyReused(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	base := call{method: "DELETE", path: keyPath(s.OrgID, id), header: hdr("Idempotency-Key", "k1")}
	mustDo(t, s, base, http.StatusOK)
	for _, c := range []call{
		{method: "DELETE", path: keyPath(s.OrgID, id) + "?permanent=true"},                  // other query
		{method: "POST", path: keyPath(s.OrgID, id) + "/revoke"},                            // other path
		{method: "PATCH", path: keyPath(s.OrgID, id), body: `{}`},                           // other method
		{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`},                 // other everything
		{method: "DELETE", path: keyPath(s.OrgID, id), body: `{"x":1}`},                     // other body
		{method: "DELETE", path: "/organizations/org_test/api-keys/" + strings.ToUpper(id)}, // other ID
	} {
		c.header = base.header
		rp := mustDo(t, s, c, http.StatusConflict)
		if rp.errCode(t) != "IDEMPOTENCY_KEY_REUSED" {
			t.Errorf("%s %s: %s", c.method, c.path, rp.Body)
		}
	}
	// The refusals were not stored: the original still replays.
	rp := mustDo(t, s, base, http.StatusOK)
	if rp.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("original request no longer replays")
	}
}

func TestIdempotencyStoresErrors(t *testing.T) {
	s, _ := newTestServer(t)
	c := call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":""}`, header: hdr("Idempotency-Key", "bad")}
	first := mustDo(t, s, c, http.StatusUnprocessableEntity)
	second := mustDo(t, s, c, http.StatusUnprocessableEntity)
	if !bytes.Equal(first.Body, second.Body) || second.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("validation error not replayed:\n%s\n%s", first.Body, second.Body)
	}
	// A refused transition is stored too, even after the key's state changed.
	id := keyIn(t, s, "inactive")
	pause := call{method: "POST", path: keyPath(s.OrgID, id) + "/pause", header: hdr("Idempotency-Key", "p")}
	mustDo(t, s, pause, http.StatusBadRequest)
	mustDo(t, s, actionCall(s.OrgID, id, "activate"), http.StatusOK)
	if rp := mustDo(t, s, pause, http.StatusBadRequest); rp.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("refused transition not replayed")
	}
}

func TestIdempotencyNotStored(t *testing.T) {
	s, _ := newTestServer(t)
	c := call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`, header: hdr("Idempotency-Key", "k")}

	// A failure injected by FailNext was never applied, so it is not stored.
	s.FailNext(1, http.StatusServiceUnavailable, 0)
	mustDo(t, s, c, http.StatusServiceUnavailable)
	// Nor is an unauthenticated request, nor a 404 path.
	bad := c
	bad.header = hdr("Idempotency-Key", "k", "X-API-Key", "wrong")
	mustDo(t, s, bad, http.StatusUnauthorized)
	mustDo(t, s, call{method: "POST", path: "/nowhere", body: `{}`, header: c.header}, http.StatusNotFound)

	rp := mustDo(t, s, c, http.StatusCreated)
	if rp.Header.Get("Idempotent-Replayed") != "" {
		t.Error("first real attempt was a replay")
	}
	// GET carries no idempotency: both answers are fresh.
	g := call{method: "GET", path: keysPath(s.OrgID), header: hdr("Idempotency-Key", "k")}
	if rp := mustDo(t, s, g, http.StatusOK); rp.Header.Get("Idempotent-Replayed") != "" {
		t.Error("GET was replayed")
	}
}

func TestIdempotencyExpiry(t *testing.T) {
	s, clk := newTestServer(t)
	c := call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`, header: hdr("Idempotency-Key", "k")}
	mustDo(t, s, c, http.StatusCreated)
	clk.Advance(idempotencyTTL - time.Nanosecond)
	if rp := mustDo(t, s, c, http.StatusCreated); rp.Header.Get("Idempotent-Replayed") != "true" {
		t.Error("not replayed just inside 24 h")
	}
	clk.Advance(time.Nanosecond)
	if rp := mustDo(t, s, c, http.StatusCreated); rp.Header.Get("Idempotent-Replayed") != "" {
		t.Error("replayed after 24 h")
	}
	if n := countKeys(t, s); n != 2 {
		t.Errorf("%v keys, want 2", n)
	}
	// Expired records are dropped as new ones come in.
	clk.Advance(idempotencyTTL)
	for _, k := range []string{"a", "b"} {
		mustDo(t, s, call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`, header: hdr("Idempotency-Key", k)}, http.StatusCreated)
	}
	s.mu.Lock()
	n := len(s.wire.(*referenceWire).idem.records)
	s.mu.Unlock()
	if n != 2 {
		t.Errorf("%d records kept, want 2", n)
	}
}

func TestIdempotencyKeyTooLong(t *testing.T) {
	s, _ := newTestServer(t)
	rp := mustDo(t, s, call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`,
		header: hdr("Idempotency-Key", strings.Repeat("k", 256))}, http.StatusUnprocessableEntity)
	if rp.errDetails(t)["field"] != "Idempotency-Key" {
		t.Errorf("body %s", rp.Body)
	}
}

// Concurrent retries of one call create one key: the check and the store
// happen under one lock.
func TestIdempotencyConcurrent(t *testing.T) {
	s, _ := newTestServer(t)
	c := call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`, header: hdr("Idempotency-Key", "same")}
	var wg sync.WaitGroup
	bodies := make([][]byte, 16)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rp := do(t, s, c)
			if rp.Status != http.StatusCreated {
				t.Errorf("status %d: %s", rp.Status, rp.Body)
			}
			bodies[i] = rp.Body
		}()
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if !bytes.Equal(b, bodies[0]) {
			t.Errorf("bodies differ:\n%s\n%s", bodies[0], b)
		}
	}
	if n := countKeys(t, s); n != 1 {
		t.Errorf("%v keys, want 1", n)
	}
}

// A mutation without an Idempotency-Key is refused and not applied: a retry
// of it could otherwise be applied twice.
func TestIdempotencyKeyRequired(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "k")
	for _, c := range []call{
		{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`},
		{method: "PATCH", path: keyPath(s.OrgID, id), body: `{"key_name":"y"}`},
		{method: "POST", path: keyPath(s.OrgID, id) + "/pause"},
		{method: "DELETE", path: keyPath(s.OrgID, id)},
	} {
		c.header = hdr("Idempotency-Key", "-")
		rp := mustDo(t, s, c, http.StatusUnprocessableEntity)
		if got := rp.errDetails(t)["field"]; got != "Idempotency-Key" {
			t.Errorf("%s %s: details.field = %v, want Idempotency-Key", c.method, c.path, got)
		}
	}
	get := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK)
	if o := get.obj(t); o["key_name"] != "k" || o["status"] != "active" {
		t.Errorf("the refused requests changed the key: %v", o)
	}
	if n := len(mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID)}, http.StatusOK).obj(t)["api_keys"].([]any)); n != 1 {
		t.Errorf("%d keys, want 1: the refused create was applied", n)
	}
}
