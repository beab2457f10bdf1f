package apikeystest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/google/go-cmp/cmp"
)

// The Prefactor wire, checked against the vendor's own material
// (vendor-docs/prefactor-activate-token.txt and PLATFORMS.md), not against
// the SDK's mapping.

const pfTokens = "/api/v1/api_token"

func pfTokenPath(id string) string { return pfTokens + "/" + id }

func newPrefactor(t testing.TB) (*Server, *testClock) {
	t.Helper()
	return newTestServer(t, WithPlatform(apikeys.Prefactor))
}

// pfTokenFields are ApiToken_Details' members (the seed).
var pfTokenFields = []string{
	"account_id", "available_actions", "created_by_admin_user_id", "environment_id",
	"expires_at", "id", "inserted_at", "last_used_at", "status", "token_scope", "type", "updated_at",
}

// pfCodes are the vendor's documented error codes.
var pfCodes = []string{
	"bad_request", "bad_authtoken", "not_authenticated", "not_permitted", "not_found",
	"invalid_action", "validation_errors", "not_implemented", "unknown",
}

var pfIDRe = regexp.MustCompile(`^[0-9a-hjkmnp-tv-z]{32}$`)

// pfdo sends one request through the Handler as the vendor's client would
// (Authorization: Bearer, Content-Type with a body), checks what every
// answer keeps, and returns it. header pairs override; "-" removes.
func pfdo(t testing.TB, s *Server, method, path, body string, header ...string) reply {
	t.Helper()
	return wireCall(t, s, "Authorization", "Bearer "+s.AdminKey, method, path, body, pfCheckReply, header...)
}

func pfmust(t testing.TB, s *Server, method, path, body string, want int) reply {
	t.Helper()
	return wantStatus(t, method, path, pfdo(t, s, method, path, body), want)
}

// pfCheckReply checks every answer: no request ID header (the vendor
// documents none), JSON with Content-Type, and for an error one of the
// doc's two envelopes with a documented code.
func pfCheckReply(t testing.TB, what string, rp reply) {
	t.Helper()
	if v := rp.Header.Get("X-Request-Id"); v != "" {
		t.Errorf("%s: X-Request-Id %q", what, v)
	}
	if ct := rp.Header.Get("Content-Type"); (len(rp.Body) > 0) != (ct == "application/json") {
		t.Errorf("%s: Content-Type %q with %d bytes", what, ct, len(rp.Body))
	}
	if rp.Status < 300 {
		return
	}
	var env map[string]any
	if err := json.Unmarshal(rp.Body, &env); err != nil {
		t.Errorf("%s: %d without a JSON envelope: %s", what, rp.Status, rp.Body)
		return
	}
	want := []string{"code", "message", "status"}
	if env["code"] == "validation_errors" {
		want = append(want, "errors")
		if _, ok := env["errors"].(map[string]any); !ok {
			t.Errorf("%s: errors is not an object: %s", what, rp.Body)
		}
	}
	if diff := cmp.Diff(pfSorted(want), pfSorted(pfKeys(env))); diff != "" {
		t.Errorf("%s: envelope members (-want +got):\n%s", what, diff)
	}
	if code, _ := env["code"].(string); env["status"] != "error" || !slices.Contains(pfCodes, code) {
		t.Errorf("%s: envelope %s", what, rp.Body)
	}
}

func pfCode(t testing.TB, rp reply) string {
	t.Helper()
	c, _ := rp.obj(t)["code"].(string)
	return c
}

// pfErrField is the one member a validation_errors answer names.
func pfErrField(t testing.TB, rp reply) string {
	t.Helper()
	errs, _ := rp.obj(t)["errors"].(map[string]any)
	if len(errs) != 1 {
		return fmt.Sprint(errs)
	}
	return pfKeys(errs)[0]
}

func pfKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func pfSorted(s []string) []string { sort.Strings(s); return s }

// pfDetails checks that an answer is {[status,]details[,token]} with the
// doc's token object, and returns the token object.
func pfDetails(t testing.TB, rp reply, envelope string, withToken bool) map[string]any {
	t.Helper()
	m := rp.obj(t)
	want := []string{"details"}
	if envelope != "" {
		want = append(want, "status")
	}
	if withToken {
		want = append(want, "token")
	}
	if diff := cmp.Diff(pfSorted(want), pfSorted(pfKeys(m))); diff != "" {
		t.Errorf("answer members (-want +got):\n%s\n%s", diff, rp.Body)
	}
	if envelope != "" && m["status"] != envelope {
		t.Errorf("envelope status %v, want %q", m["status"], envelope)
	}
	d, _ := m["details"].(map[string]any)
	if diff := cmp.Diff(pfTokenFields, pfSorted(pfKeys(d))); diff != "" {
		t.Errorf("token members (-want +got):\n%s", diff)
	}
	return d
}

func pfcreate(t testing.TB, s *Server, body string) map[string]any {
	t.Helper()
	rp := pfmust(t, s, "POST", pfTokens, body, http.StatusOK)
	d := pfDetails(t, rp, "success", true)
	d["token"] = rp.obj(t)["token"]
	return d
}

func pfcreateID(t testing.TB, s *Server) string {
	t.Helper()
	return pfcreate(t, s, `{"details":{"token_scope":"account","account_id":"org_test"}}`)["id"].(string)
}

// pfActions is each status's available_actions under the vendor's rules.
var pfActions = map[string]map[string]any{
	"active":    {"activate": false, "delete": false, "revoke": true, "suspend": true},
	"suspended": {"activate": true, "delete": false, "revoke": true, "suspend": false},
	"revoked":   {"activate": false, "delete": true, "revoke": false, "suspend": false},
}

func TestPrefactorWireCreate(t *testing.T) {
	s, clk := newPrefactor(t)
	exp := clk.Now().Add(48 * time.Hour).Truncate(time.Second)
	for _, tc := range []struct {
		name, body, scope string
		env               any
		expires           string
	}{
		{"cli shape", `{"details":{"token_scope":"account","account_id":"org_test"}}`, "account", nil, prefactorTime(clk.Now().Add(prefactorDefaultLifetime))},
		{"doc shape", fmt.Sprintf(`{"account_id":"org_test","environment_id":"env_1","expires_at":%q,"token_scope":"environment"}`, exp.Format(time.RFC3339)), "environment", "env_1", prefactorTime(exp)},
		{"account scope with an environment", `{"token_scope":"account","account_id":"org_test","environment_id":"env_2"}`, "account", "env_2", prefactorTime(clk.Now().Add(prefactorDefaultLifetime))},
		{"null environment", `{"details":{"token_scope":"account","account_id":"org_test","environment_id":null}}`, "account", nil, prefactorTime(clk.Now().Add(prefactorDefaultLifetime))},
		{"lower-case", `{"token_scope":"account","account_id":"org_test","environment_id":null}`, "account", nil, prefactorTime(clk.Now().Add(prefactorDefaultLifetime))},
		// The SDK's body: the CLI's wrapper holding every member the doc lists.
		{"cli wrapper, doc members", fmt.Sprintf(`{"details":{"token_scope":"environment","account_id":"org_test","environment_id":"env_3","expires_at":%q}}`, exp.Format(time.RFC3339)), "environment", "env_3", prefactorTime(exp)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := pfcreate(t, s, tc.body)
			secret, _ := d["token"].(string)
			id, _ := d["id"].(string)
			if !pfIDRe.MatchString(id) {
				t.Errorf("id %q is not in the vendor's format", id)
			}
			parts := strings.Split(secret, ".")
			if len(parts) != 3 || !strings.HasPrefix(secret, "eyJhbGciOi") {
				t.Fatalf("token %q is not JWT-shaped", secret)
			}
			claims, err := base64.RawURLEncoding.DecodeString(parts[1])
			if err != nil || !strings.Contains(string(claims), id) {
				t.Errorf("claims %q: %v", claims, err)
			}
			created, _ := d["created_by_admin_user_id"].(string)
			if !pfIDRe.MatchString(created) {
				t.Errorf("created_by_admin_user_id %q", created)
			}
			delete(d, "token")
			want := map[string]any{
				"account_id": "org_test", "available_actions": pfActions["active"],
				"created_by_admin_user_id": created, "environment_id": tc.env,
				"expires_at": tc.expires, "id": id, "inserted_at": prefactorTime(clk.Now()),
				"last_used_at": nil, "status": "active", "token_scope": tc.scope,
				"type": "api_token", "updated_at": prefactorTime(clk.Now()),
			}
			if diff := cmp.Diff(want, d); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
			// Never again: not on get, not in the list.
			got := pfmust(t, s, "GET", pfTokenPath(id), "", http.StatusOK)
			if diff := cmp.Diff(want, pfDetails(t, got, "", false)); diff != "" {
				t.Errorf("get (-want +got):\n%s", diff)
			}
			list := pfmust(t, s, "GET", pfTokens, "", http.StatusOK)
			for _, b := range [][]byte{got.Body, list.Body} {
				if strings.Contains(string(b), parts[2]) || strings.Contains(string(b), `"token"`) {
					t.Errorf("the secret is read back: %s", b)
				}
			}
			// Only its hash is kept.
			s.mu.Lock()
			stored := fmt.Sprintf("%+v", *s.keys.get(id))
			s.mu.Unlock()
			if strings.Contains(stored, parts[2]) {
				t.Errorf("stored %s", stored)
			}
		})
	}
}

func TestPrefactorWireCreateValidation(t *testing.T) {
	s, clk := newPrefactor(t)
	past := clk.Now().Add(-time.Second).Format(time.RFC3339)
	for _, tc := range []struct {
		body  string
		field string // "" for bad_request
	}{
		{`{}`, "token_scope"},
		{`{"details":{}}`, "token_scope"},
		{`{"token_scope":"org"}`, "token_scope"},
		{`{"token_scope":null}`, "token_scope"},
		{`{"token_scope":5}`, "token_scope"},
		{`{"token_scope":"environment"}`, "environment_id"},
		{`{"token_scope":"environment","environment_id":null}`, "environment_id"},
		{`{"token_scope":"account","environment_id":""}`, "environment_id"},
		{`{"token_scope":"account","expires_at":"` + past + `"}`, "expires_at"},
		{`{"token_scope":"account","expires_at":"tomorrow"}`, "expires_at"},
		{`{"token_scope":"account","expires_at":null}`, "expires_at"},
		{`{"token_scope":"account","account_id":null}`, "account_id"},
		{`{"token_scope":"account","account_id":""}`, "account_id"},
		// No source shows a default account for a create (the doc's is the
		// list's), in either shape.
		{`{"token_scope":"account"}`, "account_id"},
		{`{"details":{"token_scope":"account"}}`, "account_id"},
		{`{"details":{"token_scope":"environment","environment_id":"env_1"}}`, "account_id"},
		{`{"details":{"token_scope":"account","account_id":"org_test","type":"api_token"}}`, "type"},
		{`{"token_scope":"account","name":"x"}`, "name"},
		{`{"token_scope":"account","TOKEN_SCOPE":"account"}`, "TOKEN_SCOPE"},
		{`{"token_scope":"account","token_scope":"account"}`, "token_scope"},
		{`{"details":{"token_scope":"account"},"token_scope":"account"}`, "token_scope"},
		{`{"details":{"token_scope":"account","key_name":"x"}}`, "key_name"},
		{`{"details":{"token_scope":"account","expires_at":"` + past + `"}}`, "expires_at"},
		{`{"details":"account"}`, "details"},
		{`{"details":null}`, "details"},
		{`{`, ""},
		{`[]`, ""},
		{`null`, ""},
		{`{"token_scope":"account"} {}`, ""},
	} {
		rp := pfdo(t, s, "POST", pfTokens, tc.body)
		switch {
		case tc.field == "":
			if rp.Status != http.StatusBadRequest || pfCode(t, rp) != "bad_request" {
				t.Errorf("%s: %d %s, want 400 bad_request", tc.body, rp.Status, rp.Body)
			}
		case rp.Status != http.StatusUnprocessableEntity || pfCode(t, rp) != "validation_errors" || pfErrField(t, rp) != tc.field:
			t.Errorf("%s: %d %s, want 422 naming %s", tc.body, rp.Status, rp.Body, tc.field)
		}
	}
	for _, tc := range []struct{ body, ct string }{
		{`{"token_scope":"account"}`, "text/plain"},
		{``, "application/json"},
	} {
		if rp := pfdo(t, s, "POST", pfTokens, tc.body, "Content-Type", tc.ct); rp.Status/100 != 4 || pfCode(t, rp) != "bad_request" && pfCode(t, rp) != "validation_errors" {
			t.Errorf("body %q as %s: %d %s", tc.body, tc.ct, rp.Status, rp.Body)
		}
	}
	// Another account than the credential's.
	for _, body := range []string{`{"token_scope":"account","account_id":"acc_other"}`, `{"details":{"token_scope":"account","account_id":"acc_other"}}`} {
		if rp := pfmust(t, s, "POST", pfTokens, body, http.StatusForbidden); pfCode(t, rp) != "not_permitted" {
			t.Errorf("%s: %s", body, rp.Body)
		}
	}
	if n := len(pfListAll(t, s, 100)); n != 0 {
		t.Errorf("refused creates made %d tokens", n)
	}
}

// pfTableWant is the vendor's rules, cell by cell ("" is refused with
// invalid_action); the fake's statuses in the vendor's words.
var pfTableWant = map[string]map[string]string{
	"active":    {"suspend": "suspended", "revoke": "revoked"},
	"suspended": {"activate": "active", "revoke": "revoked"},
	"revoked":   {"delete": "gone"},
}

func pfStored(s *Server, id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.keys.get(id); k != nil {
		return prefactorStatus(k.status)
	}
	return "gone"
}

func pfAct(t testing.TB, s *Server, id, action string, body ...string) reply {
	t.Helper()
	if action == "delete" {
		return pfdo(t, s, "DELETE", pfTokenPath(id), "")
	}
	b := "{}"
	if len(body) > 0 {
		b = body[0]
	}
	return pfdo(t, s, "POST", pfTokenPath(id)+"/"+action, b)
}

func pfTokenIn(t testing.TB, s *Server, status string) string {
	t.Helper()
	id := pfcreateID(t, s)
	for _, a := range map[string][]string{"suspended": {"suspend"}, "revoked": {"revoke"}}[status] {
		if rp := pfAct(t, s, id, a); rp.Status != http.StatusOK {
			t.Fatalf("%s: %d %s", a, rp.Status, rp.Body)
		}
	}
	return id
}

func TestPrefactorWireTransitionTable(t *testing.T) {
	s, clk := newPrefactor(t)
	for _, from := range []string{"active", "suspended", "revoked"} {
		for _, action := range []string{"activate", "suspend", "revoke", "delete"} {
			t.Run(from+"/"+action, func(t *testing.T) {
				id := pfTokenIn(t, s, from)
				clk.Advance(time.Minute)
				rp := pfAct(t, s, id, action)
				to := pfTableWant[from][action]
				switch {
				case to == "":
					if rp.Status != http.StatusBadRequest || pfCode(t, rp) != "invalid_action" {
						t.Errorf("refused: %d %s", rp.Status, rp.Body)
					}
					if got := pfStored(s, id); got != from {
						t.Errorf("a refused action moved the token to %s", got)
					}
				case to == "gone":
					if rp.Status != http.StatusNoContent || len(rp.Body) != 0 {
						t.Errorf("delete: %d %q", rp.Status, rp.Body)
					}
					if got := pfdo(t, s, "GET", pfTokenPath(id), ""); got.Status != http.StatusNotFound || pfCode(t, got) != "not_found" {
						t.Errorf("get after delete: %d %s", got.Status, got.Body)
					}
					if rp := pfAct(t, s, id, "delete"); rp.Status != http.StatusNotFound {
						t.Errorf("second delete: %d", rp.Status)
					}
				default:
					if rp.Status != http.StatusOK {
						t.Fatalf("%d %s", rp.Status, rp.Body)
					}
					// revoke answers {"details"}, as the vendor's client reads it;
					// activate and suspend the doc's {"status":"success","details"}.
					envelope := "success"
					if action == "revoke" {
						envelope = ""
					}
					d := pfDetails(t, rp, envelope, false)
					if d["id"] != id || d["status"] != to || d["updated_at"] != prefactorTime(clk.Now()) {
						t.Errorf("details %v, want status %s", d, to)
					}
					if diff := cmp.Diff(pfActions[to], d["available_actions"]); diff != "" {
						t.Errorf("available_actions (-want +got):\n%s", diff)
					}
					if got := pfStored(s, id); got != to {
						t.Errorf("stored %s, want %s", got, to)
					}
				}
			})
		}
	}
	if rp := pfAct(t, s, "013xrzp12g3nqk8n7f8f9jbg8d18q7tm", "activate"); rp.Status != http.StatusNotFound || pfCode(t, rp) != "not_found" {
		t.Errorf("missing token: %d %s", rp.Status, rp.Body)
	}
}

// The server's table is the vendor's rules, cell for cell.
func TestPrefactorWireTableMatchesDoc(t *testing.T) {
	got := map[string]map[string]string{}
	for from, cells := range prefactorTable {
		got[prefactorStatus(from)] = map[string]string{}
		for action, to := range cells {
			name := map[string]string{actionDeactivate: "suspend"}[action]
			if name == "" {
				name = action
			}
			if to == gone {
				to = "gone"
			}
			got[prefactorStatus(from)][name] = prefactorStatus(to)
		}
	}
	if diff := cmp.Diff(pfTableWant, got); diff != "" {
		t.Errorf("table (-doc +server):\n%s", diff)
	}
}

func TestPrefactorWireActionBodies(t *testing.T) {
	s, _ := newPrefactor(t)
	id := pfcreateID(t, s)
	// Activate and suspend: none, {} (the CLI), or the doc's
	// IdempotencyKeyOrNull. Revoke: none or {}.
	for i, body := range []string{"", "{}", "null", `"idem-1"`, ` "idem-1" `} {
		for _, a := range []string{"suspend", "activate"} {
			if rp := pfAct(t, s, id, a, body); rp.Status != http.StatusOK {
				t.Errorf("%d: %s with %q: %d %s", i, a, body, rp.Status, rp.Body)
			}
		}
	}
	for _, tc := range []struct{ action, body, code string }{
		{"suspend", `{"idempotency_key":"x"}`, "validation_errors"},
		{"suspend", `5`, "bad_request"},
		{"suspend", `["x"]`, "bad_request"},
		{"suspend", `"x" "y"`, "bad_request"},
		{"suspend", `{} {}`, "bad_request"},
		{"revoke", `"idem-1"`, "bad_request"},
		{"revoke", `null`, "bad_request"},
		{"revoke", `{"reason":"x"}`, "validation_errors"},
	} {
		if rp := pfAct(t, s, id, tc.action, tc.body); rp.Status/100 != 4 || pfCode(t, rp) != tc.code {
			t.Errorf("%s with %s: %d %s, want %s", tc.action, tc.body, rp.Status, rp.Body, tc.code)
		}
	}
	if rp := pfdo(t, s, "POST", pfTokenPath(id)+"/suspend", `"k"`, "Content-Type", "text/plain"); rp.Status != http.StatusUnsupportedMediaType || pfCode(t, rp) != "bad_request" {
		t.Errorf("text/plain: %d %s", rp.Status, rp.Body)
	}
	if got := pfStored(s, id); got != "active" {
		t.Errorf("refused bodies changed the token: %s", got)
	}
	// revoke with no body at all.
	if rp := pfmust(t, s, "POST", pfTokenPath(id)+"/revoke", "", http.StatusOK); pfDetails(t, rp, "", false)["status"] != "revoked" {
		t.Errorf("revoke: %s", rp.Body)
	}
}

// Prefactor does not deduplicate: an Idempotency-Key header (and the key an
// activate body may be) is ignored.
func TestPrefactorWireNoDedup(t *testing.T) {
	s, _ := newPrefactor(t)
	var ids []string
	for range 2 {
		rp := pfdo(t, s, "POST", pfTokens, `{"details":{"token_scope":"account","account_id":"org_test"}}`, "Idempotency-Key", "same")
		if rp.Status != http.StatusOK || rp.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("create: %d %v", rp.Status, rp.Header)
		}
		ids = append(ids, pfDetails(t, rp, "success", true)["id"].(string))
	}
	if ids[0] == ids[1] || len(pfListAll(t, s, 10)) != 2 {
		t.Errorf("two creates with one Idempotency-Key: %v", ids)
	}
	pfmust(t, s, "POST", pfTokenPath(ids[0])+"/suspend", `"k1"`, http.StatusOK)
	if rp := pfmust(t, s, "POST", pfTokenPath(ids[0])+"/suspend", `"k1"`, http.StatusBadRequest); pfCode(t, rp) != "invalid_action" {
		t.Errorf("a repeated suspend with the same key was replayed: %s", rp.Body)
	}
}

// pfList reads one page; query is appended to the path.
func pfList(t testing.TB, s *Server, query string) ([]string, any) {
	t.Helper()
	m := pfmust(t, s, "GET", pfTokens+query, "", http.StatusOK).obj(t)
	if diff := cmp.Diff([]string{"pagination", "status", "summaries"}, pfSorted(pfKeys(m))); diff != "" || m["status"] != "success" {
		t.Fatalf("list members (-want +got):\n%s", diff)
	}
	var ids []string
	for _, v := range m["summaries"].([]any) {
		d := v.(map[string]any)
		if diff := cmp.Diff(pfTokenFields, pfSorted(pfKeys(d))); diff != "" {
			t.Errorf("summary members (-want +got):\n%s", diff)
		}
		ids = append(ids, d["id"].(string))
	}
	return ids, m["pagination"]
}

// pfListAll walks every page by next_page_offset.
func pfListAll(t testing.TB, s *Server, size int) []string {
	t.Helper()
	var all []string
	offset := 0
	for range 1000 {
		ids, pg := pfList(t, s, fmt.Sprintf("?pagination[offset]=%d&pagination[page_size]=%d", offset, size))
		all = append(all, ids...)
		next := pg.(map[string]any)["next_page_offset"]
		if next == nil {
			return all
		}
		offset = int(next.(float64))
	}
	t.Fatal("the walk does not end")
	return nil
}

func TestPrefactorWireListPages(t *testing.T) {
	for _, n := range []int{0, 1, 10, 25} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, _ := newPrefactor(t)
			var all []string
			for range n {
				all = append(all, pfcreateID(t, s))
			}
			for _, size := range []int{1, 10, 100} {
				var got []string
				for offset := 0; ; offset += size {
					ids, pg := pfList(t, s, fmt.Sprintf("?pagination[offset]=%d&pagination[page_size]=%d", offset, size))
					var next any
					if offset+size < n {
						next = float64(offset + size)
					}
					want := map[string]any{"item_count": float64(n), "next_page_offset": next, "page_size": float64(size)}
					if diff := cmp.Diff(want, pg); diff != "" {
						t.Fatalf("offset %d size %d (-want +got):\n%s", offset, size, diff)
					}
					got = append(got, ids...)
					if next == nil {
						break
					}
				}
				if !slices.Equal(all, got) {
					t.Errorf("size %d: %v, want %v", size, got, all)
				}
				if walked := pfListAll(t, s, size); !slices.Equal(all, walked) {
					t.Errorf("walk by next_page_offset, size %d: %v", size, walked)
				}
			}
			// Past the end: empty, last page.
			if ids, pg := pfList(t, s, "?pagination[offset]=1000"); len(ids) != 0 || pg.(map[string]any)["next_page_offset"] != nil {
				t.Errorf("past the end: %v %v", ids, pg)
			}
			// Only an offset: the default page size.
			if ids, pg := pfList(t, s, "?pagination[offset]=0"); len(ids) != min(n, 10) || pg.(map[string]any)["page_size"] != 10.0 {
				t.Errorf("offset alone: %d ids, %v", len(ids), pg)
			}
			// No pagination parameter: every token, pagination null.
			ids, pg := pfList(t, s, "?account_id=org_test")
			if !slices.Equal(all, ids) || pg != nil {
				t.Errorf("unpaged: %v %v", ids, pg)
			}
		})
	}
}

// Offsets shift under a list-then-delete loop, as on any offset-paged API.
func TestPrefactorWireListShifts(t *testing.T) {
	s, _ := newPrefactor(t)
	for range 6 {
		pfTokenIn(t, s, "revoked")
	}
	deleted := 0
	for offset := 0; ; {
		ids, pg := pfList(t, s, fmt.Sprintf("?pagination[offset]=%d&pagination[page_size]=2", offset))
		for _, id := range ids {
			pfmust(t, s, "DELETE", pfTokenPath(id), "", http.StatusNoContent)
			deleted++
		}
		next := pg.(map[string]any)["next_page_offset"]
		if next == nil {
			break
		}
		offset = int(next.(float64))
	}
	if left := len(pfListAll(t, s, 100)); deleted == 6 || left+deleted != 6 {
		t.Errorf("deleted %d, %d left: offsets did not shift", deleted, left)
	}
}

func TestPrefactorWireListQuery(t *testing.T) {
	s, _ := newPrefactor(t)
	for _, tc := range []struct{ query, field string }{
		{"?pagination[page_size]=0", "pagination[page_size]"},
		{"?pagination[page_size]=101", "pagination[page_size]"},
		{"?pagination[page_size]=", "pagination[page_size]"},
		{"?pagination[page_size]=x", "pagination[page_size]"},
		{"?pagination[offset]=-1", "pagination[offset]"},
		{"?pagination[offset]=1&pagination[offset]=2", "pagination[offset]"},
		{"?pagination[page]=2", "pagination[page]"},
		{"?pagination[limit]=2", "pagination[limit]"},
		{"?sorting=inserted_at", "sorting"},
		{"?sorting[inserted_at]=desc", "sorting[inserted_at]"},
		{"?account_id=", "account_id"},
	} {
		rp := pfmust(t, s, "GET", pfTokens+tc.query, "", http.StatusUnprocessableEntity)
		if pfCode(t, rp) != "validation_errors" || pfErrField(t, rp) != tc.field {
			t.Errorf("%s: %s, want %s", tc.query, rp.Body, tc.field)
		}
	}
	if rp := pfmust(t, s, "GET", pfTokens+"?pagination[offset]=%zz", "", http.StatusBadRequest); pfCode(t, rp) != "bad_request" {
		t.Errorf("malformed query: %s", rp.Body)
	}
	if rp := pfmust(t, s, "GET", pfTokens+"?account_id=acc_other", "", http.StatusForbidden); pfCode(t, rp) != "not_permitted" {
		t.Errorf("other account: %s", rp.Body)
	}
	// No server filters: unknown parameters are ignored, revoked tokens listed.
	a, r := pfcreateID(t, s), pfTokenIn(t, s, "revoked")
	if ids, _ := pfList(t, s, "?status=active&pagination[page_size]=100"); !slices.Equal(ids, []string{a, r}) {
		t.Errorf("list %v", ids)
	}
}

func TestPrefactorWireAuth(t *testing.T) {
	s, _ := newPrefactor(t)
	id := pfcreateID(t, s)
	routes := [][3]string{
		{"GET", pfTokens, ""},
		{"POST", pfTokens, `{"token_scope":"account"}`},
		{"GET", pfTokenPath(id), ""},
		{"DELETE", pfTokenPath(id), ""},
		{"POST", pfTokenPath(id) + "/suspend", "{}"},
		{"POST", pfTokenPath(id) + "/activate", "{}"},
		{"POST", pfTokenPath(id) + "/revoke", "{}"},
		{"GET", "/nowhere", ""},
	}
	for _, tc := range []struct{ auth, code string }{
		{"-", "not_authenticated"},
		{s.AdminKey, "not_authenticated"},
		{"Basic " + s.AdminKey, "not_authenticated"},
		{"Bearer ", "not_authenticated"},
		{"Bearer " + s.AdminKey + "x", "bad_authtoken"},
		{"Bearer  " + s.AdminKey, "bad_authtoken"},
	} {
		for _, c := range routes {
			rp := pfdo(t, s, c[0], c[1], c[2], "Authorization", tc.auth)
			if rp.Status != http.StatusUnauthorized || pfCode(t, rp) != tc.code {
				t.Errorf("%s %s with %q: %d %s", c[0], c[1], tc.auth, rp.Status, rp.Body)
			}
			if strings.Contains(string(rp.Body), s.AdminKey) {
				t.Errorf("the credential is echoed")
			}
		}
	}
	// The scheme is case-insensitive; X-API-Key is not the vendor's header.
	pfmust(t, s, "GET", pfTokens, "", http.StatusOK)
	if rp := pfdo(t, s, "GET", pfTokens, "", "Authorization", "bearer "+s.AdminKey); rp.Status != http.StatusOK {
		t.Errorf("lower-case scheme: %d", rp.Status)
	}
	if rp := pfdo(t, s, "GET", pfTokens, "", "Authorization", "-", "X-API-Key", s.AdminKey); rp.Status != http.StatusUnauthorized {
		t.Errorf("X-API-Key: %d", rp.Status)
	}
	if pfStored(s, id) != "active" || len(pfListAll(t, s, 100)) != 1 {
		t.Error("refused requests changed the store")
	}
}

func TestPrefactorWireRoutes(t *testing.T) {
	s, _ := newPrefactor(t)
	id := pfcreateID(t, s)
	for _, c := range [][2]string{
		{"GET", "/api/v1/api_tokens"},
		{"GET", "/api/v2/api_token"},
		{"GET", "/v1/api_token"},
		{"GET", pfTokens + "/"},
		{"POST", pfTokenPath(id) + "/deactivate"},
		{"POST", pfTokenPath(id) + "/pause"},
		{"POST", pfTokenPath(id) + "/reactivate"},
		{"POST", pfTokenPath(id) + "/revoke/x"},
		{"GET", pfTokenPath("missing")},
		{"DELETE", pfTokenPath("missing")},
		{"POST", pfTokenPath("missing") + "/revoke"},
	} {
		if rp := pfmust(t, s, c[0], c[1], "", http.StatusNotFound); pfCode(t, rp) != "not_found" {
			t.Errorf("%s %s: %s", c[0], c[1], rp.Body)
		}
	}
	// No update endpoint, and each route's methods.
	for _, c := range [][3]string{
		{"PATCH", pfTokenPath(id), "GET, DELETE"},
		{"PUT", pfTokenPath(id), "GET, DELETE"},
		{"POST", pfTokenPath(id), "GET, DELETE"},
		{"DELETE", pfTokens, "GET, POST"},
		{"PATCH", pfTokens, "GET, POST"},
		{"GET", pfTokenPath(id) + "/revoke", "POST"},
		{"DELETE", pfTokenPath(id) + "/suspend", "POST"},
	} {
		rp := pfmust(t, s, c[0], c[1], "", http.StatusMethodNotAllowed)
		if rp.Header.Get("Allow") != c[2] || pfCode(t, rp) != "bad_request" {
			t.Errorf("%s %s: Allow %q %s", c[0], c[1], rp.Header.Get("Allow"), rp.Body)
		}
	}
	// An ID holding an escaped "/" is one segment.
	if rp := pfmust(t, s, "GET", pfTokens+"/a%2Fb", "", http.StatusNotFound); pfCode(t, rp) != "not_found" {
		t.Errorf("escaped id: %s", rp.Body)
	}
	big := `{"token_scope":"` + strings.Repeat("a", maxBodySize) + `"}`
	if rp := pfmust(t, s, "POST", pfTokens, big, http.StatusRequestEntityTooLarge); pfCode(t, rp) != "bad_request" {
		t.Errorf("too large: %s", rp.Body)
	}
}

// FailNext and DropNext answer through fail, in the vendor's envelope.
func TestPrefactorWireFailNext(t *testing.T) {
	s, _ := newPrefactor(t)
	for _, tc := range []struct {
		status int
		code   string
	}{
		{400, "bad_request"}, {401, "not_authenticated"}, {403, "not_permitted"},
		{404, "not_found"}, {422, "validation_errors"}, {429, "unknown"},
		{500, "unknown"}, {501, "not_implemented"}, {503, "unknown"},
	} {
		s.FailNext(1, tc.status, 2*time.Second)
		rp := pfmust(t, s, "POST", pfTokens, `{"token_scope":"account"}`, tc.status)
		if pfCode(t, rp) != tc.code || rp.Header.Get("Retry-After") != "2" {
			t.Errorf("%d: %v %s, want %s", tc.status, rp.Header, rp.Body, tc.code)
		}
	}
	if n := len(pfListAll(t, s, 100)); n != 0 {
		t.Errorf("failed creates made %d tokens", n)
	}
	// DropNext applies the request, then cuts the connection; with no
	// deduplication the retried create makes a second token.
	s.DropNext(1)
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Errorf("recovered %v", r)
			}
		}()
		pfdo(t, s, "POST", pfTokens, `{"token_scope":"account","account_id":"org_test"}`)
	}()
	pfcreateID(t, s)
	if n := len(pfListAll(t, s, 100)); n != 2 {
		t.Errorf("%d tokens after a dropped create and its retry, want 2", n)
	}
}

// pfShape maps every member path of a JSON value to its JSON type; array
// elements share the path "…[]".
func pfShape(v any, path string, out map[string]string) {
	switch v := v.(type) {
	case map[string]any:
		out[path] = "object"
		for k, e := range v {
			pfShape(e, path+"."+k, out)
		}
	case []any:
		out[path] = "array"
		for _, e := range v {
			pfShape(e, path+"[]", out)
		}
	case string:
		out[path] = "string"
	case float64:
		out[path] = "number"
	case bool:
		out[path] = "boolean"
	case nil:
		out[path] = "null"
	}
}

// pfNullable are the members the vendor documents as null or a value
// (environment_id, created_by_admin_user_id: "One of … Null"; last_used_at,
// which its examples show both ways; pagination "…|null" and
// next_page_offset "null on the last page"). There, null and the value's
// type are the same shape.
var pfNullable = []string{"environment_id", "created_by_admin_user_id", "last_used_at", "pagination", "next_page_offset"}

// The vendor's own example payloads (internal/prefactor/testdata, whose
// SOURCES.md names where each part comes from) and the fake's answers of
// the same kind have the same shape: member names at every level and JSON
// types.
func TestPrefactorWireGolden(t *testing.T) {
	s, clk := newPrefactor(t)
	exp := clk.Now().Add(time.Hour).Format(time.RFC3339)
	created := pfmust(t, s, "POST", pfTokens, `{"details":{"token_scope":"account","account_id":"org_test"}}`, http.StatusOK)
	id := created.obj(t)["details"].(map[string]any)["id"].(string)
	envID := pfcreate(t, s, `{"token_scope":"environment","account_id":"org_test","environment_id":"env_1","expires_at":"`+exp+`"}`)["id"].(string)
	withEnv := pfcreate(t, s, `{"token_scope":"account","account_id":"org_test","environment_id":"env_2"}`)["id"].(string)
	pfmust(t, s, "POST", pfTokenPath(withEnv)+"/suspend", "{}", http.StatusOK)
	activated := pfmust(t, s, "POST", pfTokenPath(withEnv)+"/activate", "null", http.StatusOK)
	pfmust(t, s, "POST", pfTokenPath(envID)+"/suspend", "{}", http.StatusOK)
	got := pfmust(t, s, "GET", pfTokenPath(envID), "", http.StatusOK)
	revoked := pfmust(t, s, "POST", pfTokenPath(id)+"/revoke", "{}", http.StatusOK)
	for range 3 {
		pfcreateID(t, s)
	}
	page := pfmust(t, s, "GET", pfTokens+"?pagination[offset]=0&pagination[page_size]=2", "", http.StatusOK)
	last := pfmust(t, s, "GET", pfTokens, "", http.StatusOK)
	badRequest := pfmust(t, s, "POST", pfTokens, `{"token_scope":`, http.StatusBadRequest)
	invalid := pfmust(t, s, "POST", pfTokens, `{"token_scope":"account","expires_at":"soon"}`, http.StatusUnprocessableEntity)

	for _, tc := range []struct {
		file string
		rp   reply
	}{
		{"create-success.json", created},
		{"activate-success.json", activated},
		{"get-environment-suspended.json", got},
		{"revoke-success.json", revoked},
		{"list-page.json", page},
		{"list-last-page.json", last},
		{"error-bad-request.json", badRequest},
		{"error-validation.json", invalid},
	} {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join("..", "internal", "prefactor", "testdata", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			var vendor, fake any
			if err := json.Unmarshal(raw, &vendor); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(tc.rp.Body, &fake); err != nil {
				t.Fatal(err)
			}
			want, have := map[string]string{}, map[string]string{}
			pfShape(vendor, "", want)
			pfShape(fake, "", have)
			for path, typ := range want {
				member := path[strings.LastIndexByte(path, '.')+1:]
				if (typ == "null" || have[path] == "null") && have[path] != "" && slices.Contains(pfNullable, member) {
					have[path] = typ
				}
			}
			if diff := cmp.Diff(want, have); diff != "" {
				t.Errorf("shape (-vendor +fake):\n%s\nfake: %s", diff, tc.rp.Body)
			}
		})
	}
}

// TestPrefactorClientWithoutAccount: with no WithOrganization, the SDK's
// create is refused before sending (the docs default only the list's
// account_id), while list and the rotation of an existing token, whose
// replacement carries the old token's account_id, still work.
func TestPrefactorClientWithoutAccount(t *testing.T) {
	s, _ := newPrefactor(t)
	ctx := t.Context()
	withOrg, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	old, err := withOrg.Create(ctx, apikeys.CreateParams{})
	if err != nil {
		t.Fatalf("create with the organization: %v", err)
	}
	c, err := apikeys.New(apikeys.WithPlatform(apikeys.Prefactor), apikeys.WithAPIKey(s.AdminKey),
		apikeys.WithBaseURL(s.URL), apikeys.WithHTTPClient(&http.Client{Transport: s.Transport()}))
	if err != nil {
		t.Fatal(err)
	}
	before := len(s.Requests())
	_, err = c.Create(ctx, apikeys.CreateParams{})
	var ve *apikeys.ValidationError
	if !errors.As(err, &ve) || ve.Field != "WithOrganization" || !errors.Is(err, apikeys.ErrInvalidParams) {
		t.Fatalf("create without an organization: %v, want a *ValidationError for WithOrganization", err)
	}
	if n := len(s.Requests()) - before; n != 0 {
		t.Errorf("the refused create sent %d requests", n)
	}
	for _, err := range c.List(ctx, apikeys.ListParams{}) {
		if err != nil {
			t.Errorf("list without an organization: %v", err)
		}
	}
	rotated, err := c.Rotate(ctx, old.Key.ID, apikeys.RotateParams{})
	if err != nil {
		t.Fatalf("rotate without an organization: %v", err)
	}
	if rotated.Key.OrganizationID != s.OrgID {
		t.Errorf("replacement in account %q, want %q", rotated.Key.OrganizationID, s.OrgID)
	}
}
