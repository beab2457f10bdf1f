package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strings"
	"testing"

	"github.com/apikeys-go/apikeys"
)

// The validator is what makes every other test in this package check the
// spec; these tests show that it can fail, one drift at a time, and that it
// passes what is right.

const selfBase = "http://api.example.test/v1"

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func wireKey(status string) map[string]any {
	var actions []string
	for _, a := range apikeys.Status(status).Actions() {
		actions = append(actions, string(a))
	}
	k := map[string]any{
		"id": "key_1", "organization_id": "org_test", "key_name": "n", "key_prefix": "ak_live_1234",
		"status": status, "is_active": status == "active", "scopes": []string{}, "usage_limit_chf": nil,
		"permission_mode": "all", "access": map[string]string{}, "project_scope": map[string]any{"all": map[string]any{}},
		"created_by": "admin", "updated_by": "admin",
		"created_at": "2025-01-02T03:04:05.000000000Z", "updated_at": "2025-01-02T03:04:05.000000000Z",
		"last_used_at": nil, "expires_at": nil, "archived_at": nil, "revoked_at": nil,
		"available_actions": actions,
	}
	switch status {
	case "archived":
		k["archived_at"] = "2025-01-02T03:04:05Z"
	case "revoked":
		k["revoked_at"] = "2025-01-02T03:04:05Z"
	}
	return k
}

func with(m map[string]any, kv ...any) map[string]any {
	out := maps.Clone(m)
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func without(m map[string]any, field string) map[string]any {
	out := maps.Clone(m)
	delete(out, field)
	return out
}

func envelope(status int, code string) map[string]any {
	return map[string]any{"success": false, "error": map[string]any{
		"code": code, "message": "m", "system_message": "s", "type": "t", "status": status,
		"details": map[string]any{}, "trace_id": "req_1", "timestamp": "2025-01-02T03:04:05Z",
	}}
}

type canned struct {
	status int
	header http.Header // X-Request-Id req_1 and JSON Content-Type when nil
	body   any         // JSON-encoded; nil: no body
}

func (c canned) response(req *http.Request) *http.Response {
	h := c.header
	if h == nil {
		h = http.Header{"X-Request-Id": {"req_1"}}
		if c.body != nil {
			h.Set("Content-Type", "application/json")
		}
	}
	var b []byte
	if c.body != nil {
		b, _ = json.Marshal(c.body)
	}
	return &http.Response{StatusCode: c.status, Header: h, Body: io.NopCloser(bytes.NewReader(b)), Request: req}
}

// clientRequest builds a request as the client would send it.
func clientRequest(t *testing.T, method, path string, body string) *http.Request {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, selfBase+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-API-Key", "ak_admin")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "apikeys-go/"+apikeys.Version)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		req.Header.Set("Idempotency-Key", "00112233445566778899aabbccddeeff")
	}
	return req
}

func TestValidatorCatchesDrift(t *testing.T) {
	t.Parallel()
	const coll = "/organizations/org_test/api-keys"
	notFound := canned{status: 404, body: envelope(404, "API_KEY_NOT_FOUND")}
	created := with(wireKey("active"), "key", "ak_live_1234567890abcdef")
	list := func(keys ...any) map[string]any {
		return map[string]any{"api_keys": append([]any{}, keys...), "next_cursor": nil} // [], never null
	}
	key2 := with(wireKey("paused"), "id", "key_2")
	tests := []struct {
		name   string
		req    func(t *testing.T) *http.Request
		resp   canned
		finds  string // "" : no finding expected
		reason string
	}{
		// What is right passes.
		{name: "get", req: get(coll + "/key_1"), resp: canned{status: 200, body: wireKey("active")}},
		{name: "get archived", req: get(coll + "/key_1"), resp: canned{status: 200, body: wireKey("archived")}},
		{name: "create", req: post(coll, `{"key_name":"n","scopes":["a"],"usage_limit_chf":1.5,"project_scope":{"single":{"project_id":"p"}}}`),
			resp: canned{status: 201, body: created}},
		{name: "pause", req: post(coll+"/key_1/pause", ""), resp: canned{status: 200, body: wireKey("paused")}},
		{name: "delete permanent", req: del(coll + "/key_1?permanent=true"), resp: canned{status: 204}},
		{name: "list", req: get(coll + "?page_size=20"), resp: canned{status: 200, body: list(wireKey("active"), key2)}},
		{name: "list, more to come", req: get(coll + "?page_size=2&status=paused"),
			resp: canned{status: 200, body: with(list(with(key2, "id", "key_1"), key2), "next_cursor", "c1")}},
		{name: "list, empty", req: get(coll + "?include_archived=true"), resp: canned{status: 200, body: list()}},
		{name: "error", req: get(coll + "/key_1"), resp: notFound},

		// Responses that drifted from the spec.
		{name: "key without is_active", req: get(coll + "/key_1"), resp: canned{status: 200, body: without(wireKey("active"), "is_active")},
			finds: "does not match the spec"},
		{name: "unknown status", req: get(coll + "/key_1"), resp: canned{status: 200, body: with(wireKey("active"), "status", "frozen")},
			finds: "does not match the spec"},
		{name: "extra field", req: get(coll + "/key_1"), resp: canned{status: 200, body: with(wireKey("active"), "name", "n")},
			finds: "does not match the spec"},
		{name: "project_scope with both", req: get(coll + "/key_1"),
			resp:  canned{status: 200, body: with(wireKey("active"), "project_scope", map[string]any{"all": map[string]any{}, "single": map[string]any{"project_id": "p"}})},
			finds: "does not match the spec"},
		{name: "bad timestamp", req: get(coll + "/key_1"), resp: canned{status: 200, body: with(wireKey("active"), "created_at", "yesterday")},
			finds: "does not match the spec"},
		{name: "no X-Request-Id", req: get(coll + "/key_1"),
			resp:  canned{status: 200, header: http.Header{"Content-Type": {"application/json"}}, body: wireKey("active")},
			finds: "X-Request-Id"},
		{name: "HTML error page", req: get(coll + "/key_1"),
			resp:  canned{status: 502, header: http.Header{"Content-Type": {"text/html"}, "X-Request-Id": {"r"}}, body: "<html>"},
			finds: "does not match the spec"},
		{name: "create without secret", req: post(coll, `{"key_name":"n"}`), resp: canned{status: 201, body: wireKey("active")},
			finds: "does not match the spec"},
		{name: "envelope without details", req: get(coll + "/key_1"),
			resp:  canned{status: 404, body: map[string]any{"success": false, "error": without(envelope(404, "API_KEY_NOT_FOUND")["error"].(map[string]any), "details")}},
			finds: "does not match the spec"},
		{name: "list without next_cursor", req: get(coll), resp: canned{status: 200, body: without(list(wireKey("active")), "next_cursor")},
			finds: "does not match the spec"},
		{name: "list with v1's pagination", req: get(coll), resp: canned{status: 200, body: with(list(wireKey("active")), "pagination", map[string]any{})},
			finds: "does not match the spec"},
		{name: "empty next_cursor", req: get(coll), resp: canned{status: 200, body: with(list(wireKey("active")), "next_cursor", "")},
			finds: "does not match the spec"},

		// Responses that match the schema but not what the spec says in prose.
		{name: "is_active disagrees", req: get(coll + "/key_1"), resp: canned{status: 200, body: with(wireKey("paused"), "is_active", true)},
			finds: "is_active"},
		{name: "available_actions wrong", req: get(coll + "/key_1"),
			resp:  canned{status: 200, body: with(wireKey("active"), "available_actions", []string{"pause", "deactivate", "archive", "revoke"})},
			finds: "available_actions"},
		{name: "secret without its prefix", req: post(coll, `{"key_name":"n"}`),
			resp: canned{status: 201, body: with(created, "key", "sk_other")}, finds: "does not start with key_prefix"},
		{name: "create answered 200", req: post(coll, `{"key_name":"n"}`), resp: canned{status: 200, body: created},
			finds: "want 201"},
		{name: "pause answered an active key", req: post(coll+"/key_1/pause", ""), resp: canned{status: 200, body: wireKey("active")},
			finds: "want paused"},
		{name: "revoked without revoked_at", req: get(coll + "/key_1"), resp: canned{status: 200, body: with(wireKey("revoked"), "revoked_at", nil)},
			finds: "revoked_at"},
		{name: "envelope status disagrees", req: get(coll + "/key_1"), resp: canned{status: 400, body: envelope(404, "API_KEY_NOT_FOUND")},
			finds: "envelope status"},
		{name: "code with the wrong status", req: get(coll + "/key_1"), resp: canned{status: 400, body: envelope(400, "API_KEY_NOT_FOUND")},
			finds: "code API_KEY_NOT_FOUND"},
		{name: "trace_id is not the request ID", req: get(coll + "/key_1"),
			resp:  canned{status: 404, header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_2"}}, body: envelope(404, "API_KEY_NOT_FOUND")},
			finds: "trace_id"},
		{name: "page over page_size", req: get(coll + "?page_size=1"),
			resp: canned{status: 200, body: with(list(wireKey("active"), key2), "next_cursor", "c1")}, finds: "holds 2 keys"},
		{name: "page over the default page_size", req: get(coll),
			resp: canned{status: 200, body: list(func() []any {
				var keys []any
				for i := range 21 {
					keys = append(keys, with(wireKey("active"), "id", fmt.Sprintf("key_%d", i)))
				}
				return keys
			}()...)}, finds: "holds 21 keys"},
		{name: "key twice in a page", req: get(coll), resp: canned{status: 200, body: list(wireKey("active"), wireKey("active"))},
			finds: "listed twice"},
		{name: "next_cursor on an empty page", req: get(coll), resp: canned{status: 200, body: with(list(), "next_cursor", "c1")},
			finds: "on an empty page"},
		{name: "archived listed unasked", req: get(coll), resp: canned{status: 200, body: list(wireKey("archived"))},
			finds: "without include_archived"},
		{name: "wrong status in a filtered list", req: get(coll + "?status=paused"), resp: canned{status: 200, body: list(wireKey("active"))},
			finds: "in a list of paused keys"},

		// Requests that drifted.
		{name: "unknown body field", req: post(coll, `{"key_name":"n","name":"x"}`), resp: notFound, finds: "request does not match"},
		{name: "negative limit", req: post(coll, `{"key_name":"n","usage_limit_chf":-1}`), resp: notFound, finds: "request does not match"},
		{name: "create without name", req: post(coll, `{"scopes":["a"]}`), resp: notFound, finds: "request does not match"},
		{name: "update with a bad mode", req: patch(coll+"/key_1", `{"permission_mode":"root"}`), resp: notFound, finds: "request does not match"},
		{name: "page_size 101", req: get(coll + "?page_size=101"), resp: notFound, finds: "request does not match"},
		{name: "page_size 0", req: get(coll + "?page_size=0"), resp: notFound, finds: "request does not match"},
		{name: "empty cursor", req: get(coll + "?cursor="), resp: notFound, finds: "request does not match"},
		{name: "v1's page", req: get(coll + "?page=2&page_size=20"), resp: notFound, finds: `query parameter "page" is not declared`},
		{name: "cursor never issued", req: get(coll + "?cursor=c1"), resp: canned{status: 200, body: list()}, finds: "was not issued"},
		{name: "unknown status filter", req: get(coll + "?status=deleted"), resp: notFound, finds: "request does not match"},
		{name: "undeclared query parameter", req: get(coll + "?skip=5"), resp: notFound, finds: "not declared"},
		{name: "body on an action", req: post(coll+"/key_1/pause", `{}`), resp: notFound, finds: "takes none"},
		{name: "no such path", req: post(coll+"/key_1/explode", ""), resp: notFound, finds: "no operation in the spec"},
		{name: "no such method", req: func(t *testing.T) *http.Request { return clientRequest(t, http.MethodPut, coll+"/key_1", "") },
			resp: notFound, finds: "no operation in the spec"},
		{name: "no credential", req: func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodGet, coll, "")
			r.Header.Del("X-API-Key")
			return r
		}, resp: notFound, finds: "request does not match"},
		{name: "idempotency key on a GET", req: func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodGet, coll, "")
			r.Header.Set("Idempotency-Key", "00112233445566778899aabbccddeeff")
			return r
		}, resp: notFound, finds: "Idempotency-Key on a GET"},
		{name: "short idempotency key", req: func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodPost, coll+"/key_1/pause", "")
			r.Header.Set("Idempotency-Key", "1")
			return r
		}, resp: notFound, finds: "128 bits"},
		{name: "no User-Agent", req: func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodGet, coll, "")
			r.Header.Set("User-Agent", "Go-http-client/1.1")
			return r
		}, resp: notFound, finds: "User-Agent"},
		{name: "sent as invalid, spec accepts it", req: func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodGet, coll+"?page_size=2", "")
			return r.WithContext(context.WithValue(r.Context(), specInvalid{}, true))
		}, resp: notFound, finds: "the spec accepts it"},
		{name: "sent as invalid, spec refuses it", req: func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodGet, coll+"?page=1", "")
			return r.WithContext(context.WithValue(r.Context(), specInvalid{}, true))
		}, resp: notFound},
		{name: "body without Content-Type", req: func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodPatch, coll+"/key_1", `{"key_name":"n"}`)
			r.Header.Del("Content-Type")
			return r
		}, resp: notFound, finds: "Content-Type"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v, err := newValidator(selfBase, roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return tt.resp.response(r), nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			resp, err := v.RoundTrip(tt.req(t))
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			findings := v.Findings()
			if tt.finds == "" {
				for _, f := range findings {
					t.Errorf("unexpected finding: %s", f)
				}
				return
			}
			for _, f := range findings {
				t.Logf("finding: %.300s", f)
			}
			if !strings.Contains(strings.Join(findings, "\n"), tt.finds) {
				t.Errorf("no finding mentions %q; findings: %q", tt.finds, findings)
			}
		})
	}
}

// TestValidatorCatchesWalkDrift: the list checks that span pages of one
// walk, each case a sequence of exchanges.
func TestValidatorCatchesWalkDrift(t *testing.T) {
	t.Parallel()
	const coll = "/organizations/org_test/api-keys"
	type step struct {
		req  func(*testing.T) *http.Request
		resp canned
	}
	page := func(next any, keys ...any) canned {
		return canned{status: 200, body: map[string]any{"api_keys": append([]any{}, keys...), "next_cursor": next}}
	}
	key1, key2 := wireKey("active"), with(wireKey("active"), "id", "key_2")
	first := step{get(coll + "?page_size=1"), page("c1", key1)}
	rawGet := func(path string) func(*testing.T) *http.Request {
		return func(t *testing.T) *http.Request {
			r := clientRequest(t, http.MethodGet, path, "")
			return r.WithContext(context.WithValue(r.Context(), rawRequest{}, true))
		}
	}
	tests := []struct {
		name  string
		steps []step
		finds string // "": no finding expected
	}{
		{"a right walk", []step{first, {get(coll + "?page_size=1&cursor=c1"), page(nil, key2)}}, ""},
		{"the cursor with another page_size", []step{first, {get(coll + "?page_size=5&cursor=c1"), page(nil, key2)}}, ""},
		{"a key on two pages", []step{first, {get(coll + "?page_size=1&cursor=c1"), page(nil, key1)}}, "listed twice in one walk"},
		{"filters changed mid-walk", []step{
			{get(coll + "?page_size=1&status=active"), page("c1", key1)},
			{get(coll + "?page_size=1&status=paused&cursor=c1"), page(nil)},
		}, "was not issued"},
		{"archived keys asked for mid-walk", []step{first, {get(coll + "?page_size=1&include_archived=true&cursor=c1"), page(nil)}}, "was not issued"},
		{"the last page had a next_cursor", []step{first, {get(coll + "?page_size=1&cursor=c1"), page(nil)}}, "should have been null"},
		{"keys left the walk in between", []step{
			first,
			{del(coll + "/key_2"), canned{status: 200, body: with(wireKey("archived"), "id", "key_2")}},
			{get(coll + "?page_size=1&cursor=c1"), page(nil)},
		}, ""},
		{"the cursor does not advance", []step{first, {get(coll + "?page_size=1&cursor=c1"), page("c1", key2)}}, "does not advance"},
		{"a hand-made walk starts anywhere", []step{{rawGet(coll + "?cursor=c9"), page(nil, key2)}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			n := 0
			v, err := newValidator(selfBase, roundTripFunc(func(r *http.Request) (*http.Response, error) {
				resp := tt.steps[n].resp.response(r)
				n++
				return resp, nil
			}))
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tt.steps {
				resp, err := v.RoundTrip(s.req(t))
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
			}
			findings := v.Findings()
			if tt.finds == "" {
				for _, f := range findings {
					t.Errorf("unexpected finding: %s", f)
				}
				return
			}
			for _, f := range findings {
				t.Logf("finding: %.300s", f)
			}
			if !strings.Contains(strings.Join(findings, "\n"), tt.finds) {
				t.Errorf("no finding mentions %q; findings: %q", tt.finds, findings)
			}
		})
	}
}

func get(path string) func(*testing.T) *http.Request {
	return func(t *testing.T) *http.Request { return clientRequest(t, http.MethodGet, path, "") }
}

func post(path, body string) func(*testing.T) *http.Request {
	return func(t *testing.T) *http.Request { return clientRequest(t, http.MethodPost, path, body) }
}

func patch(path, body string) func(*testing.T) *http.Request {
	return func(t *testing.T) *http.Request { return clientRequest(t, http.MethodPatch, path, body) }
}

func del(path string) func(*testing.T) *http.Request {
	return func(t *testing.T) *http.Request { return clientRequest(t, http.MethodDelete, path, "") }
}

// TestValidatorPassesBodiesThrough: validating changes nothing on the wire.
func TestValidatorPassesBodiesThrough(t *testing.T) {
	t.Parallel()
	body := `{"key_name":"n","scopes":["a"]}`
	var seen string
	v, err := newValidator(selfBase, roundTripFunc(func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		seen = string(b)
		return canned{status: 201, body: with(wireKey("active"), "key", "ak_live_1234567890abcdef")}.response(r), nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := v.RoundTrip(clientRequest(t, http.MethodPost, "/organizations/org_test/api-keys", body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, _ := io.ReadAll(resp.Body)
	if seen != body || !strings.Contains(string(got), `"key":"ak_live_1234567890abcdef"`) {
		t.Errorf("forwarded %q, answered %q", seen, got)
	}
	if f := v.Findings(); len(f) != 0 {
		t.Errorf("findings: %q", f)
	}
}
