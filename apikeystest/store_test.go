package apikeystest

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"reflect"
	"regexp"
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
			got, ok := transitions[from][a]
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
	if len(transitions) != len(designStatuses) {
		t.Errorf("%d statuses in the table, want %d", len(transitions), len(designStatuses))
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

// listIDs fetches one page and returns its IDs and pagination.
func listPage(t *testing.T, s *Server, query string) ([]string, map[string]any) {
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
	return ids, m["pagination"].(map[string]any)
}

func TestListPagination(t *testing.T) {
	for _, n := range []int{0, 1, 100, 250} {
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
				pages := (n + size - 1) / size
				var got []string
				for page := 1; page <= pages+1; page++ {
					ids, pg := listPage(t, s, fmt.Sprintf("?page=%d&page_size=%d", page, size))
					want := map[string]any{"page": float64(page), "page_size": float64(size),
						"total_count": float64(n), "total_pages": float64(pages)}
					if diff := cmp.Diff(want, pg); diff != "" {
						t.Fatalf("page %d size %d (-want +got):\n%s", page, size, diff)
					}
					if page > pages && len(ids) != 0 {
						t.Errorf("page %d past the end has %d keys", page, len(ids))
					}
					got = append(got, ids...)
				}
				if diff := cmp.Diff(all, got); diff != "" {
					t.Errorf("size %d: keys across pages (-want +got):\n%s", size, diff)
				}
			}
			// Defaults: page 1, 20 per page.
			ids, pg := listPage(t, s, "")
			if pg["page"] != 1.0 || pg["page_size"] != 20.0 || len(ids) != min(n, 20) {
				t.Errorf("defaults: %v, %d keys", pg, len(ids))
			}
			// A page far past the end is empty, never null.
			ids, _ = listPage(t, s, "?page=2147483647&page_size=100")
			if len(ids) != 0 {
				t.Errorf("last possible page has %d keys", len(ids))
			}
		})
	}
}

func TestListFilters(t *testing.T) {
	s, _ := newTestServer(t)
	byStatus := map[string][]string{}
	var order []string
	for i := range 3 {
		for _, st := range designStatuses {
			id := keyIn(t, s, st)
			byStatus[st] = append(byStatus[st], id)
			order = append(order, id)
			_ = i
		}
	}
	except := func(skip string) []string {
		var out []string
		for _, id := range order {
			if !contains(byStatus[skip], id) {
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
		{"?include_archived=false", except("archived")},
		{"?include_archived=true", order},
		{"?status=active", byStatus["active"]},
		{"?status=paused", byStatus["paused"]},
		{"?status=inactive", byStatus["inactive"]},
		{"?status=revoked", byStatus["revoked"]},
		{"?status=archived", byStatus["archived"]},
		{"?status=archived&include_archived=false", byStatus["archived"]},
		{"?status=active&include_archived=true", byStatus["active"]},
	} {
		sep := "?"
		if tc.query != "" {
			sep = "&"
		}
		ids, pg := listPage(t, s, tc.query+sep+"page_size=100")
		if diff := cmp.Diff(tc.want, ids); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.query, diff)
		}
		if pg["total_count"] != float64(len(tc.want)) {
			t.Errorf("%s: total_count %v, want %d", tc.query, pg["total_count"], len(tc.want))
		}
	}
	// Deleting keeps the order of the rest.
	mustDo(t, s, actionCall(s.OrgID, byStatus["revoked"][1], "delete"), http.StatusNoContent)
	ids, _ := listPage(t, s, "?status=revoked")
	if diff := cmp.Diff([]string{byStatus["revoked"][0], byStatus["revoked"][2]}, ids); diff != "" {
		t.Errorf("after delete (-want +got):\n%s", diff)
	}
}

func contains(ids []string, id string) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestListInvalidQuery(t *testing.T) {
	s, _ := newTestServer(t)
	for _, tc := range []struct{ query, field string }{
		{"?page=0", "page"},
		{"?page=-1", "page"},
		{"?page=x", "page"},
		{"?page=", "page"},
		{"?page=1.5", "page"},
		{"?page=99999999999999999999", "page"},
		{"?page=2147483648", "page"},
		{"?page=1&page=2", "page"},
		{"?page_size=0", "page_size"},
		{"?page_size=101", "page_size"},
		{"?page_size=ten", "page_size"},
		{"?status=deleted", "status"},
		{"?status=", "status"},
		{"?status=ACTIVE", "status"},
		{"?include_archived=yes", "include_archived"},
		{"?include_archived=1", "include_archived"},
		{"?page=%zz", "query"},
	} {
		rp := mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID) + tc.query}, http.StatusUnprocessableEntity)
		if rp.errCode(t) != "VALIDATION_ERROR" || rp.errDetails(t)["field"] != tc.field {
			t.Errorf("%s: %s", tc.query, rp.Body)
		}
	}
	// Unknown parameters are ignored.
	mustDo(t, s, call{method: "GET", path: keysPath(s.OrgID) + "?cursor=abc"}, http.StatusOK)
}
