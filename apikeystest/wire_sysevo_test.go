package apikeystest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/google/go-cmp/cmp"
)

// The Sysevo wire, checked against the vendor's own material
// (vendor-docs/sysevo-api-keys.txt, PLATFORMS.md and DESIGN.md) and the
// choices wire_sysevo.go writes down where the vendor is silent.

const sysevoKeys = "/organizations/api-keys"

func sysevoKeyPath(id string) string { return sysevoKeys + "/" + id }

// sysevoListFields and sysevoCreateFields are the seed's members.
var (
	sysevoListFields   = []string{"id", "name", "prefix", "created_at", "last_used_at", "archived_at"}
	sysevoCreateFields = []string{"id", "name", "prefix", "key", "created_at", "last_used_at"}
)

func newSysevo(t testing.TB) (*Server, *testClock) {
	t.Helper()
	return newTestServer(t, WithPlatform(apikeys.Sysevo))
}

// sdo sends one request through the Handler as a Sysevo client configured
// by Server.Client would (the credential raw in X-Sysevo-Key, Content-Type
// with a body), checks what every answer keeps and returns it. header pairs
// override; a value of "-" removes the header.
func sdo(t testing.TB, s *Server, method, path, body string, header ...string) reply {
	t.Helper()
	return wireCall(t, s, "X-Sysevo-Key", s.AdminKey, method, path, body, checkSysevoReply, header...)
}

func smust(t testing.TB, s *Server, method, path, body string, want int) reply {
	t.Helper()
	return wantStatus(t, method, path, sdo(t, s, method, path, body), want)
}

// checkSysevoReply checks the invariants of every answer: no request ID
// (the vendor documents none), 204 with no body, else JSON, and for an
// error exactly {"error": "<message>"}.
func checkSysevoReply(t testing.TB, what string, rp reply) {
	t.Helper()
	if v := rp.Header.Get("X-Request-Id"); v != "" {
		t.Errorf("%s: X-Request-Id %q", what, v)
	}
	ct := rp.Header.Get("Content-Type")
	if rp.Status == http.StatusNoContent {
		if ct != "" || len(rp.Body) != 0 {
			t.Errorf("%s: 204 with Content-Type %q and %d bytes", what, ct, len(rp.Body))
		}
		return
	}
	if ct != "application/json" || len(rp.Body) == 0 {
		t.Errorf("%s: Content-Type %q with %d bytes", what, ct, len(rp.Body))
	}
	if rp.Status < 300 {
		return
	}
	var env map[string]any
	if err := json.Unmarshal(rp.Body, &env); err != nil || len(env) != 1 {
		t.Errorf("%s: not the envelope: %s", what, rp.Body)
		return
	}
	if msg, ok := env["error"].(string); !ok || msg == "" {
		t.Errorf("%s: not the envelope: %s", what, rp.Body)
	}
}

// sysevoErr is an error answer's message.
func sysevoErr(t testing.TB, rp reply) string {
	t.Helper()
	msg, _ := rp.obj(t)["error"].(string)
	return msg
}

func screate(t testing.TB, s *Server, name string) map[string]any {
	t.Helper()
	rp := smust(t, s, "POST", sysevoKeys, `{"name":`+quote(name)+`}`, http.StatusCreated)
	k := rp.obj(t)
	if diff := cmp.Diff(sorted(sysevoCreateFields), sorted(mapKeys(k))); diff != "" {
		t.Fatalf("create answer members (-want +got):\n%s", diff)
	}
	return k
}

// screateID creates a key and returns its ID as the path takes it.
func screateID(t testing.TB, s *Server, name string) string {
	t.Helper()
	return fmt.Sprint(screate(t, s, name)["id"])
}

// slist lists, checks every listed object is the seed's and returns them.
func slist(t testing.TB, s *Server, query string) []map[string]any {
	t.Helper()
	m := smust(t, s, "GET", sysevoKeys+query, "", http.StatusOK).obj(t)
	if diff := cmp.Diff([]string{"api_keys"}, mapKeys(m)); diff != "" {
		t.Fatalf("list members (-want +got):\n%s", diff)
	}
	var out []map[string]any
	for _, v := range m["api_keys"].([]any) {
		k := v.(map[string]any)
		if diff := cmp.Diff(sorted(sysevoListFields), sorted(mapKeys(k))); diff != "" {
			t.Errorf("listed key members (-want +got):\n%s", diff)
		}
		out = append(out, k)
	}
	return out
}

func slistIDs(t testing.TB, s *Server, query string) []string {
	t.Helper()
	var ids []string
	for _, k := range slist(t, s, query) {
		ids = append(ids, fmt.Sprint(k["id"]))
	}
	return ids
}

func TestSysevoWireCreate(t *testing.T) {
	s, clk := newSysevo(t)
	k := screate(t, s, "Production")
	secret, _ := k["key"].(string)
	if !regexp.MustCompile(`^sk_live_[0-9a-f]{36}$`).MatchString(secret) {
		t.Errorf("secret %q: want the seed's form, sk_live_ and 36 more characters", secret)
	}
	want := map[string]any{
		"id":           1.0, // a JSON number: IDs are integers
		"name":         "Production",
		"prefix":       secret[:12],
		"key":          secret,
		"created_at":   "2024-03-01T12:00:00Z", // the seed's form: whole seconds
		"last_used_at": nil,
	}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	clk.Advance(time.Second)
	if k := screate(t, s, "Staging"); k["id"] != 2.0 || k["created_at"] != "2024-03-01T12:00:01Z" {
		t.Errorf("second key %v", k)
	}
	// The seed's member order, and the ID as a bare number.
	rp := smust(t, s, "POST", sysevoKeys, `{"name":"n8n Production"}`, http.StatusCreated)
	if !strings.HasPrefix(string(rp.Body), `{"id":3,"name":"n8n Production","prefix":"sk_live_`) || !strings.HasSuffix(string(rp.Body), `"last_used_at":null}`) {
		t.Errorf("member order: %s", rp.Body)
	}
	// Only the hash and prefix of the secret are kept.
	s.mu.Lock()
	stored := *s.keys.get("1")
	s.mu.Unlock()
	if stored.prefix != secret[:12] || stored.secretHash == [32]byte{} || strings.Contains(fmt.Sprintf("%+v", stored), secret[12:]) {
		t.Errorf("stored %+v", stored)
	}
	// A long name is fine: the vendor states no limit.
	screate(t, s, strings.Repeat("n", 300))
}

// The secret is in the create answer only: never listed, archived or not.
func TestSysevoWireSecretOnce(t *testing.T) {
	s, _ := newSysevo(t)
	k := screate(t, s, "once")
	secret := k["key"].(string)
	id := fmt.Sprint(k["id"])
	smust(t, s, "DELETE", sysevoKeyPath(id), "", http.StatusNoContent)
	screate(t, s, "other")
	for _, q := range []string{"", "?include_archived=true", "?include_archived=false"} {
		rp := smust(t, s, "GET", sysevoKeys+q, "", http.StatusOK)
		if bytes.Contains(rp.Body, []byte(secret[12:])) || bytes.Contains(rp.Body, []byte(`"key"`)) {
			t.Errorf("list%s holds the secret: %s", q, rp.Body)
		}
	}
}

func TestSysevoWireCreateValidation(t *testing.T) {
	s, _ := newSysevo(t)
	for _, body := range []string{
		`{}`,
		`{"name":null}`,
		`{"name":""}`,
		`{"name":"  "}`,
		`{"name":5}`,
		`{"name":"x","scopes":["a"]}`,
		`{"name":"x","expires_at":"2030-01-01T00:00:00Z"}`,
		`{"key_name":"x"}`,
		`{"Name":"x"}`,
		`{"name":"x","name":"y"}`,
		`{"name":"x"} {}`,
		`["x"]`,
		`null`,
		`{`,
	} {
		rp := smust(t, s, "POST", sysevoKeys, body, http.StatusUnprocessableEntity)
		if sysevoErr(t, rp) == "" {
			t.Errorf("%s: %s", body, rp.Body)
		}
	}
	if rp := sdo(t, s, "POST", sysevoKeys, `{"name":"x"}`, "Content-Type", "text/plain"); rp.Status != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d %s", rp.Status, rp.Body)
	}
	if rp := sdo(t, s, "POST", sysevoKeys, ""); rp.Status != http.StatusUnprocessableEntity {
		t.Errorf("no body: %d %s", rp.Status, rp.Body)
	}
	if rp := sdo(t, s, "POST", sysevoKeys, `{"name":"`+strings.Repeat("x", maxBodySize)+`"}`); rp.Status != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", rp.Status)
	}
	if ids := slistIDs(t, s, "?include_archived=true"); len(ids) != 0 {
		t.Errorf("refused creates made keys %v", ids)
	}
}

// Sysevo does not deduplicate: an Idempotency-Key is ignored, and a create
// sent twice makes two keys.
func TestSysevoWireNoDedup(t *testing.T) {
	s, _ := newSysevo(t)
	var ids []string
	for range 2 {
		rp := sdo(t, s, "POST", sysevoKeys, `{"name":"twice"}`, "Idempotency-Key", "same-key")
		if rp.Status != http.StatusCreated || rp.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("create: %d %v %s", rp.Status, rp.Header, rp.Body)
		}
		ids = append(ids, fmt.Sprint(rp.obj(t)["id"]))
	}
	if got := slistIDs(t, s, ""); ids[0] == ids[1] || !slices.Equal(got, ids) {
		t.Errorf("list %v, creates %v", got, ids)
	}
	// Nor is one needed for a transition, nor replayed.
	for _, want := range []int{http.StatusNoContent, http.StatusConflict} {
		if rp := sdo(t, s, "DELETE", sysevoKeyPath(ids[0]), "", "Idempotency-Key", "k"); rp.Status != want {
			t.Errorf("DELETE: %d, want %d", rp.Status, want)
		}
	}
}

// sysevoTableWant is DESIGN.md's Sysevo row, cell by cell: "" is refused.
var sysevoTableWant = map[string]map[string]string{
	"active":   {"archive": "archived"},
	"archived": {"reactivate": "active"},
}

func TestSysevoWireTableMatchesDoc(t *testing.T) {
	if diff := cmp.Diff(sysevoTableWant, map[string]map[string]string(sysevoTable)); diff != "" {
		t.Errorf("table (-doc +server):\n%s", diff)
	}
}

// saction runs archive (DELETE) or reactivate (PUT …/reactivate).
func saction(t *testing.T, s *Server, id, action string) reply {
	t.Helper()
	if action == "archive" {
		return sdo(t, s, "DELETE", sysevoKeyPath(id), "")
	}
	return sdo(t, s, "PUT", sysevoKeyPath(id)+"/reactivate", "")
}

func TestSysevoWireTransitionTable(t *testing.T) {
	for _, from := range []string{"active", "archived"} {
		for _, action := range []string{"archive", "reactivate"} {
			t.Run(from+"/"+action, func(t *testing.T) {
				s, clk := newSysevo(t)
				id := screateID(t, s, "k")
				if from == "archived" {
					saction(t, s, id, "archive")
				}
				clk.Advance(time.Minute)
				rp := saction(t, s, id, action)
				to := sysevoTableWant[from][action]
				if to == "" {
					want := map[string]string{"archive": "API key is already archived", "reactivate": "API key is not archived"}[action]
					if rp.Status != http.StatusConflict || sysevoErr(t, rp) != want {
						t.Errorf("refused: %d %s", rp.Status, rp.Body)
					}
					to = from
				} else if rp.Status != http.StatusNoContent {
					t.Errorf("allowed: %d %s", rp.Status, rp.Body)
				}
				if got := storedStatus(s, id); got != to {
					t.Errorf("status %s, want %s", got, to)
				}
				// The status shows as archived_at, set at the archive's time.
				ks := slist(t, s, "?include_archived=true")
				wantAt := any(nil)
				if to == "archived" {
					wantAt = "2024-03-01T12:00:00Z" // a refused archive keeps the first one's time
					if from == "active" {
						wantAt = "2024-03-01T12:01:00Z"
					}
				}
				if len(ks) != 1 || ks[0]["archived_at"] != wantAt {
					t.Errorf("listed %v, want archived_at %v", ks, wantAt)
				}
			})
		}
	}
}

func TestSysevoWireList(t *testing.T) {
	s, _ := newSysevo(t)
	if ks := slist(t, s, ""); len(ks) != 0 {
		t.Errorf("empty store lists %v", ks)
	}
	a, b, c := screateID(t, s, "a"), screateID(t, s, "b"), screateID(t, s, "c")
	smust(t, s, "DELETE", sysevoKeyPath(b), "", http.StatusNoContent)
	for q, want := range map[string][]string{
		"":                        {a, c},
		"?include_archived=false": {a, c},
		"?include_archived=true":  {a, b, c},
		// No paging and no filters: such parameters are ignored.
		"?page=2&page_size=1&limit=1&status=archived&cursor=x": {a, c},
	} {
		if got := slistIDs(t, s, q); !slices.Equal(got, want) {
			t.Errorf("list%s: %v, want %v", q, got, want)
		}
	}
	smust(t, s, "PUT", sysevoKeyPath(b)+"/reactivate", "", http.StatusNoContent)
	if ks := slist(t, s, ""); len(ks) != 3 || ks[1]["id"] != 2.0 || ks[1]["archived_at"] != nil {
		t.Errorf("after reactivate: %v", ks)
	}
	for _, q := range []string{"?include_archived=", "?include_archived=1", "?include_archived=yes",
		"?include_archived=TRUE", "?include_archived=true&include_archived=false"} {
		rp := smust(t, s, "GET", sysevoKeys+q, "", http.StatusUnprocessableEntity)
		if !strings.Contains(sysevoErr(t, rp), "include_archived") {
			t.Errorf("%s: %s", q, rp.Body)
		}
	}
	smust(t, s, "GET", sysevoKeys+"?include_archived=%zz", "", http.StatusUnprocessableEntity)
}

// Every key in one answer, however many: the vendor has no paging.
func TestSysevoWireListUnpaged(t *testing.T) {
	s, _ := newSysevo(t)
	var want []string
	for i := range 250 {
		want = append(want, screateID(t, s, fmt.Sprint("k", i)))
	}
	if got := slistIDs(t, s, ""); !slices.Equal(got, want) {
		t.Errorf("listed %d keys, want all %d once, in creation order", len(got), len(want))
	}
}

func TestSysevoWireRoutes(t *testing.T) {
	s, _ := newSysevo(t)
	id := screateID(t, s, "x")
	// Paths the vendor does not have.
	for _, c := range [][2]string{
		{"GET", "/v1" + sysevoKeys},
		{"GET", "/organizations/org_test/api-keys"},
		{"GET", "/organizations"},
		{"GET", sysevoKeys + "/"},
		{"POST", sysevoKeyPath(id) + "/archive"},
		{"POST", sysevoKeyPath(id) + "/revoke"},
		{"PUT", sysevoKeyPath(id) + "/reactivate/x"},
	} {
		smust(t, s, c[0], c[1], "", http.StatusNotFound)
	}
	// IDs the fake never issued, in forms it never issues too.
	for _, c := range [][2]string{
		{"DELETE", sysevoKeyPath("999")},
		{"DELETE", sysevoKeyPath("abc")},
		{"DELETE", sysevoKeyPath("0" + id)},
		{"DELETE", sysevoKeyPath("-1")},
		{"PUT", sysevoKeyPath("999") + "/reactivate"},
	} {
		if rp := smust(t, s, c[0], c[1], "", http.StatusNotFound); sysevoErr(t, rp) != "API key not found" {
			t.Errorf("%s %s: %s", c[0], c[1], rp.Body)
		}
	}
	// No get-one, no update, no hard delete: a key's path takes DELETE only.
	for _, c := range [][3]string{
		{"GET", sysevoKeyPath(id), "DELETE"},
		{"PATCH", sysevoKeyPath(id), "DELETE"},
		{"PUT", sysevoKeyPath(id), "DELETE"},
		{"POST", sysevoKeyPath(id), "DELETE"},
		{"GET", sysevoKeyPath(id) + "/reactivate", "PUT"},
		{"POST", sysevoKeyPath(id) + "/reactivate", "PUT"},
		{"DELETE", sysevoKeys, "GET, POST"},
		{"PUT", sysevoKeys, "GET, POST"},
		{"HEAD", sysevoKeys, "GET, POST"},
	} {
		rp := sdo(t, s, c[0], c[1], "")
		if rp.Status != http.StatusMethodNotAllowed || rp.Header.Get("Allow") != c[2] {
			t.Errorf("%s %s: %d, Allow %q", c[0], c[1], rp.Status, rp.Header.Get("Allow"))
		}
	}
	// The transitions take no body.
	for _, c := range [][2]string{{"DELETE", sysevoKeyPath(id)}, {"PUT", sysevoKeyPath(id) + "/reactivate"}} {
		rp := smust(t, s, c[0], c[1], `{}`, http.StatusUnprocessableEntity)
		if !strings.Contains(sysevoErr(t, rp), "body") {
			t.Errorf("%s with a body: %s", c[0], rp.Body)
		}
	}
	if storedStatus(s, id) != "active" || len(slistIDs(t, s, "?include_archived=true")) != 1 {
		t.Error("refused requests changed the store")
	}
}

// The credential goes raw in X-Sysevo-Key, the fake's choice: anything else
// is 401 on every path, before routing.
func TestSysevoWireAuth(t *testing.T) {
	s, _ := newSysevo(t)
	if s.AuthHeader() != "X-Sysevo-Key" {
		t.Errorf("AuthHeader %q", s.AuthHeader())
	}
	id := screateID(t, s, "x")
	routes := [][3]string{
		{"GET", sysevoKeys, ""},
		{"POST", sysevoKeys, `{"name":"y"}`},
		{"DELETE", sysevoKeyPath(id), ""},
		{"PUT", sysevoKeyPath(id) + "/reactivate", ""},
		{"GET", "/nowhere", ""},
	}
	for _, h := range [][]string{
		{"X-Sysevo-Key", "-"},
		{"X-Sysevo-Key", s.AdminKey + "x"},
		{"X-Sysevo-Key", "Bearer " + s.AdminKey},
		{"X-Sysevo-Key", "-", "X-API-Key", s.AdminKey},
		{"X-Sysevo-Key", "-", "Authorization", "Bearer " + s.AdminKey},
	} {
		for _, c := range routes {
			rp := sdo(t, s, c[0], c[1], c[2], h...)
			if rp.Status != http.StatusUnauthorized || sysevoErr(t, rp) != "Invalid API key" {
				t.Errorf("%s %s with %q: %d %s", c[0], c[1], h, rp.Status, rp.Body)
			}
		}
	}
	if storedStatus(s, id) != "active" || len(slistIDs(t, s, "")) != 1 {
		t.Error("unauthorized requests changed the store")
	}
	// Header names match in any case, also a name set by map assignment.
	r := httptest.NewRequest("GET", sysevoKeys, nil)
	r.Header["x-sysevo-key"] = []string{s.AdminKey}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, r)
	if rec.Code != http.StatusOK {
		t.Errorf("lower-case header name: %d %s", rec.Code, rec.Body)
	}
}

// FailNext answers in the fake's envelope; DropNext applies, then cuts.
func TestSysevoWireFailNext(t *testing.T) {
	s, _ := newSysevo(t)
	s.FailNext(1, http.StatusTooManyRequests, 2*time.Second)
	s.FailNext(1, http.StatusServiceUnavailable, 0)
	rp := smust(t, s, "POST", sysevoKeys, `{"name":"x"}`, http.StatusTooManyRequests)
	if rp.Header.Get("Retry-After") != "2" || sysevoErr(t, rp) == "" {
		t.Errorf("429: %v %s", rp.Header, rp.Body)
	}
	if rp := smust(t, s, "GET", sysevoKeys, "", http.StatusServiceUnavailable); rp.Header.Get("Retry-After") != "" {
		t.Errorf("503: %v", rp.Header)
	}
	if ids := slistIDs(t, s, ""); len(ids) != 0 {
		t.Errorf("a failed create was applied: %v", ids)
	}
	// With no deduplication, a retried create after a cut makes a second key.
	s.DropNext(1)
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Errorf("recovered %v", r)
			}
		}()
		sdo(t, s, "POST", sysevoKeys, `{"name":"x"}`)
	}()
	screate(t, s, "x")
	if n := len(slistIDs(t, s, "")); n != 2 {
		t.Errorf("%d keys after a dropped create and its retry, want 2", n)
	}
}

// sysevoShape is a JSON value's shape: member names at every level and JSON
// types, values dropped. An array's shape is its first element's, after
// checking every element has it.
func sysevoShape(t *testing.T, v any) any {
	t.Helper()
	switch v := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range v {
			out[k] = sysevoShape(t, e)
		}
		return out
	case []any:
		if len(v) == 0 {
			return []any{}
		}
		first := sysevoShape(t, v[0])
		for _, e := range v[1:] {
			if diff := cmp.Diff(first, sysevoShape(t, e)); diff != "" {
				t.Errorf("array elements differ in shape:\n%s", diff)
			}
		}
		return []any{first}
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}

func sysevoGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "sysevo", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sysevoShapeOf(t *testing.T, b []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	return sysevoShape(t, v)
}

// The fake answers in the shape of the vendor's own examples
// (internal/sysevo/testdata, whose SOURCES.md names the seed): same members
// at every level, same JSON types. The vendor documents no error body and no
// archive or reactivate answer, so there is nothing to compare those with.
func TestSysevoWireGolden(t *testing.T) {
	s, clk := newSysevo(t)
	// The vendor's own create request is accepted as is.
	rp := smust(t, s, "POST", sysevoKeys, string(sysevoGolden(t, "create-request.json")), http.StatusCreated)
	if diff := cmp.Diff(sysevoShapeOf(t, sysevoGolden(t, "create-response.json")), sysevoShapeOf(t, rp.Body)); diff != "" {
		t.Errorf("create answer shape (-vendor +fake):\n%s", diff)
	}
	if rp.obj(t)["name"] != "Production" {
		t.Errorf("create %s", rp.Body)
	}
	// The vendor's list example shows a key that has been used: the fake
	// serves no traffic with its keys, so the test marks one as used.
	screateID(t, s, "Staging")
	s.mu.Lock()
	for _, k := range s.keys.all() {
		k.lastUsedAt = clk.Now().Add(time.Hour)
		k.encoded = nil
	}
	s.mu.Unlock()
	rp = smust(t, s, "GET", sysevoKeys, "", http.StatusOK)
	if diff := cmp.Diff(sysevoShapeOf(t, sysevoGolden(t, "list-response.json")), sysevoShapeOf(t, rp.Body)); diff != "" {
		t.Errorf("list answer shape (-vendor +fake):\n%s", diff)
	}
	if ks := slist(t, s, ""); len(ks) != 2 || ks[0]["last_used_at"] != "2024-03-01T13:00:00Z" {
		t.Errorf("listed %v", ks)
	}
}

// Server.Client drives the Sysevo wire through the SDK's Sysevo mapping,
// with the fake's credential header.
func TestSysevoWireClient(t *testing.T) {
	s, _ := newSysevo(t)
	c, err := s.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ck, err := c.Create(ctx, apikeys.CreateParams{Name: "sdk"})
	if err != nil {
		t.Fatal(err)
	}
	if ck.Key.Prefix == "" || !strings.HasPrefix(ck.Secret.Reveal(), ck.Key.Prefix) || ck.Key.Status != apikeys.StatusActive {
		t.Errorf("created %+v", ck.Key)
	}
	if k, err := c.Archive(ctx, ck.Key.ID); err != nil || k.Status != apikeys.StatusArchived {
		t.Errorf("archive: %v %+v", err, k)
	}
	for k, err := range c.List(ctx, apikeys.ListParams{}) {
		t.Errorf("listed %+v %v after archiving the only key", k, err)
	}
	if k, err := c.Reactivate(ctx, ck.Key.ID); err != nil || k.Status != apikeys.StatusActive {
		t.Errorf("reactivate: %v %+v", err, k)
	}
	for _, r := range s.Requests() {
		if r.Header.Get("X-Sysevo-Key") != s.AdminKey || r.Header.Get("Idempotency-Key") != "" || !strings.HasPrefix(r.Path, sysevoKeys) {
			t.Errorf("%s %s: header %v", r.Method, r.Path, r.Header)
		}
	}
}
