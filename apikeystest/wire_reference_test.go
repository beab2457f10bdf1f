package apikeystest

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// designTable is DESIGN.md's transition table, copied by hand so that the
// server's own table is checked against the contract rather than itself.
// "gone" means the key no longer exists; "" means refused.
var designTable = map[string]map[string]string{
	"active":   {"deactivate": "inactive", "pause": "paused", "archive": "archived", "revoke": "revoked"},
	"paused":   {"deactivate": "inactive", "unpause": "active", "archive": "archived", "revoke": "revoked"},
	"inactive": {"activate": "active", "archive": "archived", "revoke": "revoked"},
	"archived": {"reactivate": "active", "revoke": "revoked", "delete": "gone"},
	"revoked":  {"delete": "gone"},
}

var (
	designStatuses = []string{"active", "paused", "inactive", "archived", "revoked"}
	designActions  = []string{"activate", "deactivate", "pause", "unpause", "archive", "reactivate", "revoke", "delete"}
)

func designAvailable(status string) []any {
	out := []any{}
	for _, a := range designActions {
		if designTable[status][a] != "" {
			out = append(out, a)
		}
	}
	return out
}

// actionCall is how the HTTP API spells each action.
func actionCall(org, id, action string) call {
	switch action {
	case "archive":
		return call{method: "DELETE", path: keyPath(org, id)}
	case "delete":
		return call{method: "DELETE", path: keyPath(org, id) + "?permanent=true"}
	}
	return call{method: "POST", path: keyPath(org, id) + "/" + action}
}

// keyIn creates a key and moves it to status through the API.
func keyIn(t *testing.T, s *Server, status string) string {
	t.Helper()
	id := createNamed(t, s, "k-"+status)
	var via string
	switch status {
	case "paused":
		via = "pause"
	case "inactive":
		via = "deactivate"
	case "archived":
		via = "archive"
	case "revoked":
		via = "revoke"
	}
	if via != "" {
		mustDo(t, s, actionCall(s.OrgID, id, via), http.StatusOK)
	}
	return id
}

func TestTransitionTable(t *testing.T) {
	s, clk := newTestServer(t)
	for _, from := range designStatuses {
		for _, action := range designActions {
			t.Run(from+"/"+action, func(t *testing.T) {
				id := keyIn(t, s, from)
				clk.Advance(time.Minute)
				rp := do(t, s, actionCall(s.OrgID, id, action))
				to := designTable[from][action]
				switch to {
				case "":
					if rp.Status != http.StatusBadRequest || rp.errCode(t) != "INVALID_STATE_TRANSITION" {
						t.Fatalf("status %d code %q, want 400 INVALID_STATE_TRANSITION", rp.Status, rp.errCode(t))
					}
					if diff := cmp.Diff(map[string]any{"from": from, "action": action}, rp.errDetails(t)); diff != "" {
						t.Errorf("details (-want +got):\n%s", diff)
					}
					got := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t)
					if got["status"] != from {
						t.Errorf("refused transition changed status to %v", got["status"])
					}
				case "gone":
					if rp.Status != http.StatusNoContent || len(rp.Body) != 0 {
						t.Fatalf("status %d body %q, want 204 and no body", rp.Status, rp.Body)
					}
					rp := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusNotFound)
					if rp.errCode(t) != "API_KEY_NOT_FOUND" {
						t.Errorf("deleted key: code %q", rp.errCode(t))
					}
				default:
					if rp.Status != http.StatusOK {
						t.Fatalf("status %d, want 200; body %s", rp.Status, rp.Body)
					}
					k := rp.obj(t)
					now := formatTime(clk.Now())
					want := map[string]any{
						"status":            to,
						"is_active":         to == "active",
						"available_actions": designAvailable(to),
						"updated_at":        now,
					}
					got := map[string]any{
						"status": k["status"], "is_active": k["is_active"],
						"available_actions": k["available_actions"], "updated_at": k["updated_at"],
					}
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("key (-want +got):\n%s", diff)
					}
					switch action {
					case "archive":
						if k["archived_at"] != now {
							t.Errorf("archived_at = %v, want %v", k["archived_at"], now)
						}
					case "reactivate":
						if k["archived_at"] != nil {
							t.Errorf("archived_at = %v after reactivate", k["archived_at"])
						}
					case "revoke":
						if k["revoked_at"] != now {
							t.Errorf("revoked_at = %v, want %v", k["revoked_at"], now)
						}
					}
				}
			})
		}
	}
}

// The server's table must be the design's, cell for cell (white box: the
// HTTP test above proves behaviour, this one proves nothing extra hides).
func TestTransitionsMatchDesign(t *testing.T) {
	for _, from := range designStatuses {
		for _, a := range designActions {
			want := designTable[from][a]
			got, ok := referenceTable[from][a]
			switch {
			case want == "" && ok:
				t.Errorf("%s/%s allowed, want refused", from, a)
			case want == "gone" && (!ok || got != gone):
				t.Errorf("%s/%s = %q, %v; want gone", from, a, got, ok)
			case want != "" && want != "gone" && got != want:
				t.Errorf("%s/%s = %q, want %q", from, a, got, want)
			}
		}
	}
	if len(referenceTable) != len(designStatuses) {
		t.Errorf("%d statuses in the table, want %d", len(referenceTable), len(designStatuses))
	}
}

func TestCreateKeyObject(t *testing.T) {
	s, clk := newTestServer(t)
	exp := clk.Now().Add(48 * time.Hour)
	body := fmt.Sprintf(`{"key_name":"  ci deploy  ","scopes":["keys:read","keys:write"],"usage_limit_chf":12.5,
		"expires_at":%q,"permission_mode":"restricted","access":{"projects":"read"},
		"project_scope":{"single":{"project_id":"prj_1"}}}`, exp.In(time.FixedZone("CET", 3600)).Format(time.RFC3339Nano))
	k := create(t, s, body)

	secret, _ := k["key"].(string)
	if !regexp.MustCompile(`^ak_live_[0-9a-f]{64}$`).MatchString(secret) {
		t.Errorf("secret %q", secret)
	}
	id, _ := k["id"].(string)
	if !regexp.MustCompile(`^key_[0-9a-f]{24}$`).MatchString(id) {
		t.Errorf("id %q", id)
	}
	now := formatTime(clk.Now())
	want := map[string]any{
		"id":                id,
		"key":               secret,
		"organization_id":   "org_test",
		"key_name":          "ci deploy",
		"key_prefix":        secret[:12],
		"status":            "active",
		"is_active":         true,
		"scopes":            []any{"keys:read", "keys:write"},
		"usage_limit_chf":   12.5,
		"permission_mode":   "restricted",
		"access":            map[string]any{"projects": "read"},
		"project_scope":     map[string]any{"single": map[string]any{"project_id": "prj_1"}},
		"created_by":        "admin",
		"updated_by":        "admin",
		"created_at":        now,
		"updated_at":        now,
		"last_used_at":      nil,
		"expires_at":        formatTime(exp),
		"archived_at":       nil,
		"revoked_at":        nil,
		"available_actions": []any{"deactivate", "pause", "archive", "revoke"},
	}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("created key (-want +got):\n%s", diff)
	}

	// GET gives the same object without the secret.
	got := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t)
	delete(want, "key")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("GET (-want +got):\n%s", diff)
	}

	// Only the hash and prefix of the secret are kept.
	s.mu.Lock()
	stored := *s.keys.byID[id]
	s.mu.Unlock()
	if stored.secretHash != sha256.Sum256([]byte(secret)) {
		t.Errorf("stored hash %x is not SHA-256 of the secret", stored.secretHash)
	}
	v := reflect.ValueOf(stored)
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() == reflect.String && strings.Contains(f.String(), secret[12:]) {
			t.Errorf("field %s holds the secret", v.Type().Field(i).Name)
		}
		if f.Kind() == reflect.Slice && f.Type().Elem().Kind() == reflect.Uint8 && strings.Contains(string(f.Bytes()), secret[12:]) {
			t.Errorf("field %s holds the secret", v.Type().Field(i).Name)
		}
	}
	if strings.Contains(hex.EncodeToString(stored.secretHash[:]), secret[12:]) {
		t.Error("hash holds the secret")
	}
}

func TestCreateDefaults(t *testing.T) {
	s, _ := newTestServer(t)
	k := create(t, s, `{"key_name":"x"}`)
	want := map[string]any{
		"scopes": []any{}, "usage_limit_chf": nil, "permission_mode": "all",
		"access": map[string]any{}, "project_scope": map[string]any{"all": map[string]any{}},
		"expires_at": nil,
	}
	got := map[string]any{}
	for f := range want {
		got[f] = k[f]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("defaults (-want +got):\n%s", diff)
	}
	if k1, k2 := create(t, s, `{"key_name":"x"}`), k; k1["id"] == k2["id"] || k1["key"] == k2["key"] {
		t.Error("two keys share an id or a secret")
	}
}

func TestUpdate(t *testing.T) {
	s, clk := newTestServer(t)
	exp := formatTime(clk.Now().Add(time.Hour))
	id := create(t, s, `{"key_name":"orig","scopes":["a"],"usage_limit_chf":5,"expires_at":"`+exp+`",
		"permission_mode":"restricted","access":{"p":"read"},"project_scope":{"single":{"project_id":"prj"}}}`)["id"].(string)
	path := keyPath(s.OrgID, id)
	patch := func(body string) map[string]any {
		t.Helper()
		clk.Advance(time.Second)
		return mustDo(t, s, call{method: "PATCH", path: path, body: body}, http.StatusOK).obj(t)
	}
	pick := func(k map[string]any, fields ...string) map[string]any {
		out := map[string]any{}
		for _, f := range fields {
			out[f] = k[f]
		}
		return out
	}
	all := []string{"key_name", "scopes", "usage_limit_chf", "expires_at", "permission_mode", "access", "project_scope"}
	orig := map[string]any{
		"key_name": "orig", "scopes": []any{"a"}, "usage_limit_chf": 5.0, "expires_at": exp,
		"permission_mode": "restricted", "access": map[string]any{"p": "read"},
		"project_scope": map[string]any{"single": map[string]any{"project_id": "prj"}},
	}

	// An empty patch keeps everything.
	k := patch(`{}`)
	if diff := cmp.Diff(orig, pick(k, all...)); diff != "" {
		t.Errorf("empty patch (-want +got):\n%s", diff)
	}
	if k["updated_at"] != formatTime(clk.Now()) || k["updated_by"] != "admin" {
		t.Errorf("updated_at %v updated_by %v", k["updated_at"], k["updated_by"])
	}

	exp2 := formatTime(clk.Now().Add(2 * time.Hour))
	k = patch(`{"key_name":" renamed ","scopes":["b","c"],"usage_limit_chf":0,"expires_at":"` + exp2 + `",
		"access":{"q":"write"},"project_scope":{"all":{}}}`)
	want := map[string]any{
		"key_name": "renamed", "scopes": []any{"b", "c"}, "usage_limit_chf": 0.0, "expires_at": exp2,
		"permission_mode": "restricted", "access": map[string]any{"q": "write"},
		"project_scope": map[string]any{"all": map[string]any{}},
	}
	if diff := cmp.Diff(want, pick(k, all...)); diff != "" {
		t.Errorf("patch (-want +got):\n%s", diff)
	}

	// Clearing: [] and {} clear, the two flags clear the others.
	k = patch(`{"permission_mode":"all","access":{},"scopes":[],"clear_expires_at":true,"clear_usage_limit":true}`)
	want = map[string]any{
		"key_name": "renamed", "scopes": []any{}, "usage_limit_chf": nil, "expires_at": nil,
		"permission_mode": "all", "access": map[string]any{},
		"project_scope": map[string]any{"all": map[string]any{}},
	}
	if diff := cmp.Diff(want, pick(k, all...)); diff != "" {
		t.Errorf("clearing patch (-want +got):\n%s", diff)
	}
	// A flag set to false clears nothing.
	k = patch(`{"usage_limit_chf":3,"clear_usage_limit":false,"expires_at":"` + exp2 + `","clear_expires_at":false}`)
	if k["usage_limit_chf"] != 3.0 || k["expires_at"] != exp2 {
		t.Errorf("got %v %v", k["usage_limit_chf"], k["expires_at"])
	}
	// A restricted mode needs access, in the same patch or already there.
	rp := mustDo(t, s, call{method: "PATCH", path: path, body: `{"permission_mode":"restricted"}`}, http.StatusUnprocessableEntity)
	if d := rp.errDetails(t); d["field"] != "access" {
		t.Errorf("details %v", d)
	}
	k = patch(`{"permission_mode":"restricted","access":{"x":"read"}}`)
	if k["permission_mode"] != "restricted" {
		t.Errorf("mode %v", k["permission_mode"])
	}
	mustDo(t, s, call{method: "PATCH", path: path, body: `{"access":{}}`}, http.StatusUnprocessableEntity)
	k = patch(`{"permission_mode":"read_only"}`)
	if k["permission_mode"] != "read_only" || k["access"].(map[string]any)["x"] != "read" {
		t.Errorf("mode %v access %v", k["permission_mode"], k["access"])
	}
	// A refused patch changes nothing.
	got := mustDo(t, s, call{method: "GET", path: path}, http.StatusOK).obj(t)
	if diff := cmp.Diff(k, got); diff != "" {
		t.Errorf("after refused patches (-want +got):\n%s", diff)
	}
}

func TestUpdateByStatus(t *testing.T) {
	s, _ := newTestServer(t)
	for _, status := range designStatuses {
		id := keyIn(t, s, status)
		rp := do(t, s, call{method: "PATCH", path: keyPath(s.OrgID, id), body: `{"key_name":"new"}`})
		if status == "revoked" {
			if rp.Status != http.StatusBadRequest || rp.errCode(t) != "INVALID_STATE_TRANSITION" {
				t.Errorf("PATCH revoked: %d %s", rp.Status, rp.Body)
			}
			if diff := cmp.Diff(map[string]any{"from": "revoked", "action": "update"}, rp.errDetails(t)); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
			continue
		}
		if rp.Status != http.StatusOK || rp.obj(t)["status"] != status {
			t.Errorf("PATCH %s: %d %s", status, rp.Status, rp.Body)
		}
	}
}

func TestNotFound(t *testing.T) {
	s, _ := newTestServer(t)
	for _, c := range []call{
		{method: "GET", path: keyPath(s.OrgID, "key_missing")},
		{method: "PATCH", path: keyPath(s.OrgID, "key_missing"), body: `{}`},
		{method: "DELETE", path: keyPath(s.OrgID, "key_missing")},
		{method: "DELETE", path: keyPath(s.OrgID, "key_missing") + "?permanent=true"},
		{method: "POST", path: keyPath(s.OrgID, "key_missing") + "/revoke"},
	} {
		rp := mustDo(t, s, c, http.StatusNotFound)
		if rp.errCode(t) != "API_KEY_NOT_FOUND" || rp.errDetails(t)["key_id"] != "key_missing" {
			t.Errorf("%s %s: %s", c.method, c.path, rp.Body)
		}
	}
}

func TestDeleteParam(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	for _, q := range []string{"?permanent=yes", "?permanent=", "?permanent=true&permanent=true"} {
		rp := mustDo(t, s, call{method: "DELETE", path: keyPath(s.OrgID, id) + q}, http.StatusUnprocessableEntity)
		if rp.errDetails(t)["field"] != "permanent" {
			t.Errorf("%s: %s", q, rp.Body)
		}
	}
	// permanent=false is the soft delete.
	k := mustDo(t, s, call{method: "DELETE", path: keyPath(s.OrgID, id) + "?permanent=false"}, http.StatusOK).obj(t)
	if k["status"] != "archived" {
		t.Errorf("status %v", k["status"])
	}
}

// listPage fetches one page and returns its IDs and next_cursor ("" for null).
func listPage(t testing.TB, s *Server, query string) ([]string, string) {
	t.Helper()
	rp := mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID) + query}, http.StatusOK)
	if !strings.HasPrefix(string(rp.Body), `{"api_keys":[`) {
		t.Fatalf("body %s", rp.Body)
	}
	m := rp.obj(t)
	var ids []string
	for _, k := range m["api_keys"].([]any) {
		ids = append(ids, k.(map[string]any)["id"].(string))
	}
	next, present := m["next_cursor"]
	if !present {
		t.Fatalf("no next_cursor: %s", rp.Body)
	}
	cur, _ := next.(string)
	if next != nil && cur == "" {
		t.Fatalf("next_cursor %v", next)
	}
	return ids, cur
}

// walk follows next_cursor from the first page to the last and returns the
// IDs of every page. query holds the other parameters ("" or "a=b&c=d").
func walk(t testing.TB, s *Server, query string) (pages [][]string) {
	t.Helper()
	cursor := ""
	for {
		q := query
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		ids, next := listPage(t, s, "?"+strings.TrimPrefix(q, "&"))
		pages = append(pages, ids)
		if next == "" {
			return pages
		}
		if len(pages) > 10000 {
			t.Fatal("the walk does not end")
		}
		cursor = next
	}
}

func walkAll(t testing.TB, s *Server, query string) []string {
	t.Helper()
	var ids []string
	for _, p := range walk(t, s, query) {
		ids = append(ids, p...)
	}
	return ids
}

func TestListPagination(t *testing.T) {
	for _, n := range []int{0, 1, 20, 100, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, clk := newTestServer(t)
			var all []string
			for i := range n {
				all = append(all, createNamed(t, s, fmt.Sprint("k", i)))
				if i%7 == 0 {
					clk.Advance(time.Millisecond) // order must not come from times
				}
			}
			for _, size := range []int{1, 20, 100} {
				if n > 100 && size == 1 {
					continue // 250 one-key pages prove nothing that 20 does not
				}
				pages := walk(t, s, fmt.Sprintf("page_size=%d", size))
				// Every page but the last is full, and the last is the one
				// that holds the last key: no empty page after a full one.
				if want := max(1, (n+size-1)/size); len(pages) != want {
					t.Errorf("size %d: %d pages, want %d", size, len(pages), want)
				}
				var got []string
				for i, p := range pages {
					if i < len(pages)-1 && len(p) != size {
						t.Errorf("size %d: page %d has %d keys", size, i+1, len(p))
					}
					got = append(got, p...)
				}
				if diff := cmp.Diff(all, got); diff != "" {
					t.Errorf("size %d: keys across pages (-want +got):\n%s", size, diff)
				}
			}
			// Default: 20 per page.
			ids, next := listPage(t, s, "")
			if len(ids) != min(n, 20) || (next == "") != (n <= 20) {
				t.Errorf("defaults: %d keys, next_cursor %q", len(ids), next)
			}
		})
	}
}

// The last page says so with "next_cursor":null, never by leaving it out.
func TestListLastPage(t *testing.T) {
	s, _ := newTestServer(t)
	rp := mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID)}, http.StatusOK)
	if string(rp.Body) != `{"api_keys":[],"next_cursor":null}` {
		t.Errorf("empty list: %s", rp.Body)
	}
	createNamed(t, s, "a")
	createNamed(t, s, "b")
	ids, next := listPage(t, s, "?page_size=1")
	if len(ids) != 1 || next == "" {
		t.Fatalf("first page %v, next_cursor %q", ids, next)
	}
	ids2, next2 := listPage(t, s, "?page_size=1&cursor="+next)
	if len(ids2) != 1 || ids2[0] == ids[0] || next2 != "" {
		t.Errorf("second page %v, next_cursor %q; want the other key and null", ids2, next2)
	}
	// A cursor past every key gives an empty last page.
	ids3, next3 := listPage(t, s, "?page_size=2&cursor="+next)
	if len(ids3) != 1 || next3 != "" {
		t.Errorf("page after the first: %v %q", ids3, next3)
	}
}

func TestListFilters(t *testing.T) {
	s, _ := newTestServer(t)
	byStatus := map[string][]string{}
	var order []string
	for range 3 {
		for _, st := range designStatuses {
			id := keyIn(t, s, st)
			byStatus[st] = append(byStatus[st], id)
			order = append(order, id)
		}
	}
	except := func(skip string) []string {
		var out []string
		for _, id := range order {
			if !slices.Contains(byStatus[skip], id) {
				out = append(out, id)
			}
		}
		return out
	}
	for _, tc := range []struct {
		query string
		want  []string
	}{
		{"", except("archived")},
		{"include_archived=false", except("archived")},
		{"include_archived=true", order},
		{"status=active", byStatus["active"]},
		{"status=paused", byStatus["paused"]},
		{"status=inactive", byStatus["inactive"]},
		{"status=revoked", byStatus["revoked"]},
		{"status=archived", byStatus["archived"]},
		{"status=archived&include_archived=false", byStatus["archived"]},
		{"status=active&include_archived=true", byStatus["active"]},
	} {
		for _, size := range []string{"100", "2"} {
			ids := walkAll(t, s, tc.query+"&page_size="+size)
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("%s, page_size %s (-want +got):\n%s", tc.query, size, diff)
			}
		}
	}
	// Deleting keeps the order of the rest.
	mustDo(t, s, actionCall(s.OrgID, byStatus["revoked"][1], "delete"), http.StatusNoContent)
	ids, _ := listPage(t, s, "?status=revoked")
	if diff := cmp.Diff([]string{byStatus["revoked"][0], byStatus["revoked"][2]}, ids); diff != "" {
		t.Errorf("after delete (-want +got):\n%s", diff)
	}
}

func TestListInvalidQuery(t *testing.T) {
	s, _ := newTestServer(t)
	createNamed(t, s, "a")
	createNamed(t, s, "b")
	_, good := listPage(t, s, "?page_size=1")
	raw, _ := base64.RawURLEncoding.DecodeString(good)
	tampered := slices.Clone(raw)
	tampered[7]++ // another key's number, with the old check
	other := NewServer()
	defer other.Close()
	otherCursor := other.wire.(*referenceWire).cursor(1) // another server's
	for _, tc := range []struct{ query, field string }{
		{"?page=1", "page"},
		{"?page=2&page_size=10", "page"},
		{"?page_size=0", "page_size"},
		{"?page_size=101", "page_size"},
		{"?page_size=ten", "page_size"},
		{"?page_size=", "page_size"},
		{"?page_size=1&page_size=2", "page_size"},
		{"?cursor=", "cursor"},
		{"?cursor=abc", "cursor"},
		{"?cursor=" + good + "x", "cursor"},
		{"?cursor=" + good[:len(good)-1], "cursor"},
		{"?cursor=" + base64.RawURLEncoding.EncodeToString(tampered), "cursor"},
		{"?cursor=" + base64.StdEncoding.EncodeToString(raw), "cursor"},
		{"?cursor=" + otherCursor, "cursor"},
		{"?cursor=" + good + "&cursor=" + good, "cursor"},
		{"?status=deleted", "status"},
		{"?status=", "status"},
		{"?status=ACTIVE", "status"},
		{"?include_archived=yes", "include_archived"},
		{"?include_archived=1", "include_archived"},
		{"?page_size=%zz", "query"},
	} {
		rp := mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID) + tc.query}, http.StatusUnprocessableEntity)
		if rp.errCode(t) != "VALIDATION_ERROR" || rp.errDetails(t)["field"] != tc.field {
			t.Errorf("%s: %s", tc.query, rp.Body)
		}
	}
	// Unknown parameters are ignored.
	mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID) + "?limit=5&offset=abc"}, http.StatusOK)
}

// A list-then-pause loop pauses every key: the walk asks for status=active
// only, and each key it lists is paused at once, which takes it out of the
// filter. With page numbers, the keys of the next page would move up into
// the page just read, and half of them would be skipped; the cursor skips none.
func TestCursorListThenPause(t *testing.T) {
	s, _ := newTestServer(t)
	var all []string
	for i := range 200 {
		all = append(all, createNamed(t, s, fmt.Sprint("k", i)))
	}
	seen := map[string]int{}
	cursor := ""
	for pages := 1; ; pages++ {
		q := "?status=active&page_size=7"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		ids, next := listPage(t, s, q)
		for _, id := range ids {
			seen[id]++
			mustDo(t, s, actionCall(s.OrgID, id, "pause"), http.StatusOK)
		}
		if next == "" {
			break
		}
		if pages > 200 {
			t.Fatal("the walk does not end")
		}
		cursor = next
	}
	for _, id := range all {
		if seen[id] != 1 {
			t.Errorf("%s listed %d times", id, seen[id])
		}
	}
	if left := walkAll(t, s, "status=active"); len(left) != 0 {
		t.Errorf("%d keys still active", len(left))
	}
	if paused := walkAll(t, s, "status=paused&page_size=100"); len(paused) != 200 {
		t.Errorf("%d keys paused, want 200", len(paused))
	}
}

// Keys created, deleted and transitioned during a walk, behind the cursor and
// ahead of it, never make it skip or repeat another key.
func TestCursorStableUnderChanges(t *testing.T) {
	s, _ := newTestServer(t)
	var initial []string
	for i := range 100 {
		initial = append(initial, createNamed(t, s, fmt.Sprint("k", i)))
	}
	seen := map[string]int{}
	hidden := map[string]bool{} // archived ahead of the cursor: the default filter leaves them out
	var created []string
	cursor := ""
	for pages := 1; ; pages++ {
		q := "?page_size=10"
		if cursor != "" {
			q += "&cursor=" + cursor
		}
		ids, next := listPage(t, s, q)
		for _, id := range ids {
			seen[id]++
		}
		if len(ids) > 0 { // behind the cursor: delete one key for good, revoke another
			mustDo(t, s, actionCall(s.OrgID, ids[0], "archive"), http.StatusOK)
			mustDo(t, s, actionCall(s.OrgID, ids[0], "delete"), http.StatusNoContent)
		}
		if len(ids) > 1 {
			mustDo(t, s, actionCall(s.OrgID, ids[1], "revoke"), http.StatusOK)
		}
		// Ahead of it: a new key, one key archived, one deactivated.
		created = append(created, createNamed(t, s, fmt.Sprint("new", pages)))
		if len(ids) > 0 {
			if j := slices.Index(initial, ids[len(ids)-1]) + 3; j >= 3 && j+1 < len(initial) {
				mustDo(t, s, actionCall(s.OrgID, initial[j], "archive"), http.StatusOK)
				hidden[initial[j]] = true
				mustDo(t, s, actionCall(s.OrgID, initial[j+1], "deactivate"), http.StatusOK)
			}
		}
		if next == "" {
			break
		}
		if pages > 100 {
			t.Fatal("the walk does not end")
		}
		cursor = next
	}
	if len(hidden) < 5 {
		t.Fatalf("only %d keys archived ahead of the cursor", len(hidden))
	}
	for _, id := range initial {
		if want := map[bool]int{false: 1, true: 0}[hidden[id]]; seen[id] != want {
			t.Errorf("key %s (archived ahead: %v) listed %d times, want %d", id, hidden[id], seen[id], want)
		}
	}
	// A key created during the walk comes after the cursor of its time, so
	// the walk reaches it; all but the last, made after the last page.
	for i, id := range created {
		if want := map[bool]int{false: 1, true: 0}[i == len(created)-1]; seen[id] != want {
			t.Errorf("key %s created during the walk listed %d times, want %d", id, seen[id], want)
		}
	}
}
