package apikeystest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
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

// The Confident AI wire, checked against the vendor's own material
// (vendor-docs/confident-ai-update-key.txt, specs/confident-ai-api-keys.yaml
// and PLATFORMS.md), not against the reference API.

func newConfident(t testing.TB) (*Server, *testClock) {
	t.Helper()
	return newTestServer(t, WithPlatform(apikeys.ConfidentAI))
}

// confidentKeyFields are the spec's ApiKey members.
var confidentKeyFields = []string{"id", "name", "valid", "value", "created_at", "lastUsed"}

func confidentKeyPath(id string) string { return confidentPath + "/" + id }

// cdoAs sends one request through the Handler with credential in
// CONFIDENT_API_KEY ("-": none), and Content-Type with a body; header pairs
// override ("-" removes). It checks what every answer keeps.
func cdoAs(t testing.TB, s *Server, credential, method, path, body string, header ...string) reply {
	t.Helper()
	return wireCall(t, s, "CONFIDENT_API_KEY", credential, method, path, body, checkConfidentReply, header...)
}

func cdo(t testing.TB, s *Server, method, path, body string, header ...string) reply {
	t.Helper()
	return cdoAs(t, s, s.AdminKey, method, path, body, header...)
}

func cmust(t testing.TB, s *Server, method, path, body string, want int) reply {
	t.Helper()
	return wantStatus(t, method, path, cdo(t, s, method, path, body), want)
}

// checkConfidentReply checks the invariants of every answer: JSON with
// Content-Type, no request ID (the vendor documents none), and for an error
// exactly the vendor's envelope.
func checkConfidentReply(t testing.TB, what string, rp reply) {
	t.Helper()
	if ct := rp.Header.Get("Content-Type"); ct != "application/json" || len(rp.Body) == 0 {
		t.Errorf("%s: Content-Type %q with %d bytes", what, ct, len(rp.Body))
	}
	if id := rp.Header.Get("X-Request-Id"); id != "" {
		t.Errorf("%s: X-Request-Id %q", what, id)
	}
	if rp.Status < 300 {
		return
	}
	var env map[string]any
	if err := json.Unmarshal(rp.Body, &env); err != nil {
		t.Errorf("%s: %v: %s", what, err, rp.Body)
		return
	}
	msg, _ := env["error"].(string)
	if len(env) != 3 || env["success"] != false || env["deprecated"] != false || msg == "" {
		t.Errorf("%s: not the vendor's envelope: %s", what, rp.Body)
	}
}

// confidentErr is an error answer's message.
func confidentErr(t testing.TB, rp reply) string {
	t.Helper()
	msg, _ := rp.obj(t)["error"].(string)
	return msg
}

func confidentKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// confidentData checks {"success":true,"data":{"apiKey":{…}}} and returns
// the key object, exactly the spec's members.
func confidentData(t testing.TB, rp reply) map[string]any {
	t.Helper()
	m := rp.obj(t)
	data, _ := m["data"].(map[string]any)
	if len(m) != 2 || m["success"] != true || len(data) != 1 {
		t.Fatalf("not the vendor's key answer: %s", rp.Body)
	}
	k, _ := data["apiKey"].(map[string]any)
	if diff := cmp.Diff(sorted(confidentKeyFields), confidentKeys(k)); diff != "" {
		t.Errorf("key members (-want +got):\n%s\nbody %s", diff, rp.Body)
	}
	return k
}

// confidentCreated makes a key and returns its ID and secret.
func confidentCreated(t testing.TB, s *Server, name string) (id, secret string) {
	t.Helper()
	k := confidentData(t, cmust(t, s, "POST", confidentPath, `{"name":"`+name+`"}`, http.StatusOK))
	secret, _ = k["value"].(string)
	return confidentID(t, k), secret
}

func confidentID(t testing.TB, k map[string]any) string {
	t.Helper()
	n, ok := k["id"].(float64)
	if !ok {
		t.Fatalf("id %v is not a JSON number", k["id"])
	}
	return fmt.Sprint(int64(n))
}

// confidentStatus reads a key's status from the store.
func confidentStatus(s *Server, id string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if k := s.keys.get(id); k != nil {
		return k.status
	}
	return "gone"
}

// confidentList returns the IDs one GET lists, checking every object.
func confidentList(t testing.TB, s *Server, query string) []string {
	t.Helper()
	m := cmust(t, s, "GET", confidentPath+query, "", http.StatusOK).obj(t)
	data, _ := m["data"].(map[string]any)
	keys, ok := data["apiKeys"].([]any)
	if len(m) != 2 || m["success"] != true || len(data) != 1 || !ok {
		t.Fatalf("not the vendor's list answer: %v", m)
	}
	ids := []string{}
	for _, k := range keys {
		ko, _ := k.(map[string]any)
		if diff := cmp.Diff(sorted(confidentKeyFields), confidentKeys(ko)); diff != "" {
			t.Errorf("listed key members (-want +got):\n%s", diff)
		}
		ids = append(ids, confidentID(t, ko))
	}
	return ids
}

func TestConfidentAIWireCreate(t *testing.T) {
	s, clk := newConfident(t)
	rp := cmust(t, s, "POST", confidentPath, `{"name":"CI/CD key"}`, http.StatusOK)
	k := confidentData(t, rp)
	secret, _ := k["value"].(string)
	if !regexp.MustCompile(`^confident_org_[0-9a-f]{32}$`).MatchString(secret) {
		t.Errorf("secret %q", secret)
	}
	want := map[string]any{
		"id": 1.0, "name": "CI/CD key", "valid": true, "value": secret,
		"created_at": "2024-03-01T12:00:00.123Z", "lastUsed": nil,
	}
	if diff := cmp.Diff(want, k); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
	// The spec's member order.
	if !strings.HasPrefix(string(rp.Body), `{"success":true,"data":{"apiKey":{"id":1,"name":"CI/CD key","valid":true,"value":"`) {
		t.Errorf("member order: %s", rp.Body)
	}
	// Every other answer shows the last 6 characters only.
	masked := "***************" + secret[len(secret)-6:]
	want["value"] = masked
	clk.Advance(time.Hour)
	reads := map[string]reply{
		"get":  cmust(t, s, "GET", confidentKeyPath("1"), "", http.StatusOK),
		"put":  cmust(t, s, "PUT", confidentKeyPath("1"), `{"valid":false}`, http.StatusOK),
		"list": cmust(t, s, "GET", confidentPath, "", http.StatusOK),
	}
	for what, rp := range reads {
		if strings.Contains(string(rp.Body), secret[:len(secret)-6]) {
			t.Errorf("%s shows the secret: %s", what, rp.Body)
		}
	}
	if diff := cmp.Diff(want, confidentData(t, reads["get"])); diff != "" {
		t.Errorf("get (-want +got):\n%s", diff)
	}
	want["valid"] = false
	if diff := cmp.Diff(want, confidentData(t, reads["put"])); diff != "" {
		t.Errorf("put (-want +got):\n%s", diff)
	}
	// IDs count up; the secret is random.
	id, secret2 := confidentCreated(t, s, "second")
	if id != "2" || secret2 == secret {
		t.Errorf("second key %s %s", id, secret2)
	}
	// Only the hash is kept: no prefix, and not the secret.
	s.mu.Lock()
	stored := *s.keys.get("1")
	s.mu.Unlock()
	if stored.prefix != "" || stored.secretHash == [32]byte{} || strings.Contains(fmt.Sprintf("%+v %s", stored, stored.extra["value"]), secret[:len(secret)-6]) {
		t.Errorf("stored %+v", stored)
	}
}

func TestConfidentAIWireValidation(t *testing.T) {
	s, _ := newConfident(t)
	id, _ := confidentCreated(t, s, "x")
	for _, tc := range []struct {
		method, body, field string
	}{
		{"POST", `{}`, "name"},
		{"POST", `{"name":null}`, "name"},
		{"POST", `{"name":""}`, "name"},
		{"POST", `{"name":"  "}`, "name"},
		{"POST", `{"name":5}`, "name"},
		{"POST", `{"Name":"x"}`, "Name"},
		{"POST", `{"name":"x","name":"y"}`, "name"},
		{"POST", `{"name":"x","scopes":[]}`, "scopes"},
		{"POST", `{"name":"x","valid":true}`, "valid"},
		{"POST", `{"name":"x","expires_at":"2030-01-01T00:00:00Z"}`, "expires_at"},
		{"POST", `[]`, "body"},
		{"POST", `{`, "body"},
		{"PUT", `{}`, "valid"},
		{"PUT", `{"valid":null}`, "valid"},
		{"PUT", `{"valid":"false"}`, "valid"},
		{"PUT", `{"valid":0}`, "valid"},
		{"PUT", `{"valid":false,"name":"y"}`, "name"},
		{"PUT", `{"VALID":false}`, "VALID"},
		{"PUT", `null`, "body"},
	} {
		path := confidentPath
		if tc.method == "PUT" {
			path = confidentKeyPath(id)
		}
		rp := cmust(t, s, tc.method, path, tc.body, http.StatusUnprocessableEntity)
		if msg := confidentErr(t, rp); !strings.HasPrefix(msg, "invalid "+tc.field+": ") {
			t.Errorf("%s %s: message %q, want it to name %q", tc.method, tc.body, msg, tc.field)
		}
	}
	// HTTP-level refusals are 400: the vendor lists no 413 or 415.
	for _, tc := range []struct {
		method, path, body string
		header             []string
	}{
		{"POST", confidentPath, `{"name":"x"}`, []string{"Content-Type", "text/plain"}},
		{"POST", confidentPath, `{"name":"x"}`, []string{"Content-Type", "-"}},
		{"PUT", confidentKeyPath(id), `{"valid":false}`, []string{"Content-Type", "application/xml"}},
		{"POST", confidentPath, `{"name":"` + strings.Repeat("n", maxBodySize) + `"}`, nil},
		{"GET", confidentKeyPath(id), `{}`, nil},
		{"GET", confidentPath, `{}`, nil},
		{"DELETE", confidentKeyPath(id), `{}`, nil},
		{"GET", confidentPath + "?a=%zz", "", nil},
	} {
		rp := cdo(t, s, tc.method, tc.path, tc.body, tc.header...)
		if rp.Status != http.StatusBadRequest {
			t.Errorf("%s %s %v: %d %s", tc.method, tc.path, tc.header, rp.Status, rp.Body)
		}
	}
	if ids := confidentList(t, s, ""); !slices.Equal(ids, []string{id}) || confidentStatus(s, id) != statusActive {
		t.Errorf("refused requests changed the store: %v, %s", ids, confidentStatus(s, id))
	}
	// A long name is fine: the vendor states no limit.
	confidentCreated(t, s, strings.Repeat("n", 300))
}

func TestConfidentAIWireRoutes(t *testing.T) {
	s, _ := newConfident(t)
	id, _ := confidentCreated(t, s, "x")
	// Every documented route and method.
	cmust(t, s, "GET", confidentPath, "", http.StatusOK)
	cmust(t, s, "GET", confidentKeyPath(id), "", http.StatusOK)
	cmust(t, s, "PUT", confidentKeyPath(id), `{"valid":false}`, http.StatusOK)
	// The path parameter is an integer, read as one: leading zeros and
	// escaped digits name the same key.
	for _, p := range []string{"0" + id, "%3" + id} {
		if k := confidentData(t, cmust(t, s, "GET", confidentKeyPath(p), "", http.StatusOK)); confidentID(t, k) != id {
			t.Errorf("%s: key %v", p, k["id"])
		}
	}
	// Anything else is 404, wrong methods included: the vendor lists no 405.
	for _, c := range [][2]string{
		{"GET", "/"},
		{"GET", "/v1/organization"},
		{"GET", "/v1/api-keys"},
		{"GET", "/v2/organization/api-keys"},
		{"GET", "/v1/organizations/api-keys"},
		{"GET", confidentPath + "/"},
		{"GET", confidentKeyPath(id) + "/valid"},
		{"POST", confidentKeyPath(id) + "/revoke"},
		{"PUT", confidentPath},
		{"PATCH", confidentPath},
		{"DELETE", confidentPath},
		{"POST", confidentKeyPath(id)},
		{"PATCH", confidentKeyPath(id)},
		{"PATCH", confidentKeyPath("abc")},
	} {
		rp := cmust(t, s, c[0], c[1], "", http.StatusNotFound)
		if rp.Header.Get("Allow") != "" || confidentErr(t, rp) != "Cannot "+c[0]+" "+c[1] {
			t.Errorf("%s %s: %v %s", c[0], c[1], rp.Header, rp.Body)
		}
	}
	// A missing key is 404; a malformed ID is 400.
	for _, m := range [][2]string{{"GET", ""}, {"PUT", `{"valid":true}`}, {"DELETE", ""}} {
		rp := cmust(t, s, m[0], confidentKeyPath("987654321"), m[1], http.StatusNotFound)
		if confidentErr(t, rp) != "API key not found" {
			t.Errorf("%s missing: %s", m[0], rp.Body)
		}
		for _, bad := range []string{"abc", "key_1", "-1", "+1", "1.0", "1e3", "0x1", "99999999999999999999"} {
			rp := cmust(t, s, m[0], confidentKeyPath(bad), m[1], http.StatusBadRequest)
			if confidentErr(t, rp) != "apiKeyId must be an integer" {
				t.Errorf("%s %s: %s", m[0], bad, rp.Body)
			}
		}
	}
	cmust(t, s, "DELETE", confidentKeyPath(id), "", http.StatusOK)
}

func TestConfidentAIWireAuth(t *testing.T) {
	s, _ := newConfident(t)
	id, secret := confidentCreated(t, s, "x")
	routes := [][3]string{
		{"GET", confidentPath, ""},
		{"POST", confidentPath, `{"name":"y"}`},
		{"GET", confidentKeyPath(id), ""},
		{"PUT", confidentKeyPath(id), `{"valid":false}`},
		{"DELETE", confidentKeyPath(id), ""},
		{"GET", "/nowhere", ""},
		{"GET", confidentKeyPath("abc"), ""},
	}
	refused := func(what string, rp reply) {
		t.Helper()
		if rp.Status != http.StatusUnauthorized || confidentErr(t, rp) != "Invalid CONFIDENT_API_KEY" {
			t.Errorf("%s: %d %s", what, rp.Status, rp.Body)
		}
	}
	for _, cred := range []string{"-", "", s.AdminKey + "x", "Bearer " + s.AdminKey, strings.ToUpper(s.AdminKey), " " + s.AdminKey} {
		for _, c := range routes {
			refused(fmt.Sprintf("%s %s with %q", c[0], c[1], cred), cdoAs(t, s, cred, c[0], c[1], c[2]))
		}
	}
	// Another header does not carry the credential.
	for _, h := range []string{"Authorization", "X-API-Key", "Confident-Api-Key"} {
		refused(h, cdoAs(t, s, "-", "GET", confidentPath, "", h, s.AdminKey))
	}
	if confidentStatus(s, id) != statusActive || len(confidentList(t, s, "")) != 1 {
		t.Error("refused requests changed the store")
	}
	// The header name matches in any case, also as a client in the same
	// process assigns it to the map, uncanonicalized.
	for _, name := range []string{"CONFIDENT_API_KEY", "confident_api_key", "Confident_Api_Key"} {
		r := httptest.NewRequest("GET", confidentPath, nil)
		r.Header[name] = []string{s.AdminKey}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		if rec.Code != http.StatusOK {
			t.Errorf("%s: %d %s", name, rec.Code, rec.Body)
		}
	}
	// An organization key authenticates while valid, and sets its lastUsed.
	clk := s.now
	if k := confidentData(t, cmust(t, s, "GET", confidentKeyPath(id), "", http.StatusOK)); k["lastUsed"] != nil {
		t.Errorf("lastUsed %v before any use", k["lastUsed"])
	}
	if rp := cdoAs(t, s, secret, "GET", confidentPath, ""); rp.Status != http.StatusOK {
		t.Fatalf("a valid organization key: %d %s", rp.Status, rp.Body)
	}
	k := confidentData(t, cmust(t, s, "GET", confidentKeyPath(id), "", http.StatusOK))
	if k["lastUsed"] != clk().UTC().Format(confidentTimeLayout) {
		t.Errorf("lastUsed %v", k["lastUsed"])
	}
	// "A deactivated key is rejected on authentication."
	cmust(t, s, "PUT", confidentKeyPath(id), `{"valid":false}`, http.StatusOK)
	refused("a deactivated key", cdoAs(t, s, secret, "GET", confidentPath, ""))
	cmust(t, s, "PUT", confidentKeyPath(id), `{"valid":true}`, http.StatusOK)
	if rp := cdoAs(t, s, secret, "PUT", confidentKeyPath(id), `{"valid":false}`); rp.Status != http.StatusOK {
		t.Errorf("a reactivated key deactivating itself: %d %s", rp.Status, rp.Body)
	}
	cmust(t, s, "DELETE", confidentKeyPath(id), "", http.StatusOK)
	refused("a deleted key", cdoAs(t, s, secret, "GET", confidentPath, ""))
}

// confidentTableWant is DESIGN.md's Confident AI row, cell by cell, with
// delete leading to "" (gone); a missing cell is refused with 409.
var confidentTableWant = map[string]map[string]string{
	"active":   {"deactivate": "inactive", "delete": ""},
	"inactive": {"activate": "active", "delete": ""},
}

func TestConfidentAIWireTableMatchesDoc(t *testing.T) {
	if diff := cmp.Diff(confidentTableWant, map[string]map[string]string(confidentTable)); diff != "" {
		t.Errorf("table (-doc +server):\n%s", diff)
	}
}

// confidentAction sends an action as the vendor's request for it.
func confidentAction(t *testing.T, s *Server, id, action string) reply {
	t.Helper()
	switch action {
	case "activate":
		return cdo(t, s, "PUT", confidentKeyPath(id), `{"valid":true}`)
	case "deactivate":
		return cdo(t, s, "PUT", confidentKeyPath(id), `{"valid":false}`)
	}
	return cdo(t, s, "DELETE", confidentKeyPath(id), "")
}

func TestConfidentAIWireTable(t *testing.T) {
	s, _ := newConfident(t)
	for _, from := range []string{"active", "inactive"} {
		for _, action := range []string{"activate", "deactivate", "delete"} {
			t.Run(from+"/"+action, func(t *testing.T) {
				id, _ := confidentCreated(t, s, "k-"+from)
				if from == "inactive" {
					confidentAction(t, s, id, "deactivate")
				}
				to, allowed := confidentTableWant[from][action]
				rp := confidentAction(t, s, id, action)
				switch {
				case !allowed:
					want := map[string]string{"activate": "cannot activate an API key that is valid", "deactivate": "cannot deactivate an API key that is invalid"}[action]
					if rp.Status != http.StatusConflict || confidentErr(t, rp) != want {
						t.Errorf("refusal: %d %s", rp.Status, rp.Body)
					}
					if got := confidentStatus(s, id); got != from {
						t.Errorf("refused transition changed the status to %s", got)
					}
				case action == "delete":
					if rp.Status != http.StatusOK {
						t.Fatalf("DELETE: %d %s", rp.Status, rp.Body)
					}
					if diff := cmp.Diff(map[string]any{"success": true, "data": map[string]any{"id": json.Number(id), "deleted": true}}, confidentNumbers(t, rp.Body)); diff != "" {
						t.Errorf("DELETE answer (-want +got):\n%s", diff)
					}
					if got := confidentStatus(s, id); got != "gone" {
						t.Errorf("status %s after a permanent delete", got)
					}
					cmust(t, s, "GET", confidentKeyPath(id), "", http.StatusNotFound)
					cmust(t, s, "DELETE", confidentKeyPath(id), "", http.StatusNotFound)
				default:
					if rp.Status != http.StatusOK {
						t.Fatalf("%d %s", rp.Status, rp.Body)
					}
					if k := confidentData(t, rp); confidentID(t, k) != id || k["valid"] != (to == "active") {
						t.Errorf("answer %v, want valid %v", k, to == "active")
					}
					if got := confidentStatus(s, id); got != to {
						t.Errorf("status %s, want %s", got, to)
					}
				}
			})
		}
	}
}

// confidentNumbers decodes a body keeping numbers as written.
func confidentNumbers(t testing.TB, body []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return m
}

// The vendor has no paging: one answer holds every key, in creation order,
// whatever the query asks.
func TestConfidentAIWireList(t *testing.T) {
	for _, n := range []int{0, 1, 7, 250} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			s, _ := newConfident(t)
			all := []string{}
			for i := range n {
				id, _ := confidentCreated(t, s, fmt.Sprint("k", i))
				all = append(all, id)
			}
			for _, q := range []string{"", "?page=2&page_size=2", "?limit=1&offset=3", "?starting_after=1", "?valid=true&status=active"} {
				if got := confidentList(t, s, q); !slices.Equal(got, all) {
					t.Errorf("%q: %v, want %v", q, got, all)
				}
			}
			if n == 0 {
				if body := cmust(t, s, "GET", confidentPath, "", http.StatusOK).Body; string(body) != `{"success":true,"data":{"apiKeys":[]}}` {
					t.Errorf("empty list %s", body)
				}
				return
			}
			// Invalid keys are listed; deleted ones are gone.
			confidentAction(t, s, all[0], "deactivate")
			confidentAction(t, s, all[n-1], "delete")
			if got := confidentList(t, s, ""); !slices.Equal(got, all[:n-1]) {
				t.Errorf("after delete: %v, want %v", got, all[:n-1])
			}
		})
	}
}

// Confident AI does not deduplicate: an Idempotency-Key is ignored, and a
// create sent twice makes two keys.
func TestConfidentAIWireNoDedup(t *testing.T) {
	s, _ := newConfident(t)
	var ids []string
	for range 2 {
		rp := cdo(t, s, "POST", confidentPath, `{"name":"twice"}`, "Idempotency-Key", "same-key")
		if rp.Status != http.StatusOK || rp.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("create: %d %v %s", rp.Status, rp.Header, rp.Body)
		}
		ids = append(ids, confidentID(t, confidentData(t, rp)))
	}
	if got := confidentList(t, s, ""); ids[0] == ids[1] || !slices.Equal(got, ids) {
		t.Errorf("list %v after creates %v", got, ids)
	}
	rp := cdo(t, s, "PUT", confidentKeyPath(ids[0]), `{"valid":false}`, "Idempotency-Key", "k2")
	rp2 := cdo(t, s, "PUT", confidentKeyPath(ids[0]), `{"valid":false}`, "Idempotency-Key", "k2")
	if rp.Status != http.StatusOK || rp2.Status != http.StatusConflict {
		t.Errorf("the same PUT twice: %d then %d, want 200 then 409", rp.Status, rp2.Status)
	}
}

// FailNext answers in the vendor's envelope; DropNext applies, then cuts.
func TestConfidentAIWireFaults(t *testing.T) {
	s, _ := newConfident(t)
	s.FailNext(1, http.StatusTooManyRequests, 2*time.Second)
	s.FailNext(1, http.StatusServiceUnavailable, 0)
	s.FailNext(1, http.StatusUnauthorized, 0)
	rp := cdo(t, s, "POST", confidentPath, `{"name":"x"}`)
	if rp.Status != http.StatusTooManyRequests || rp.Header.Get("Retry-After") != "2" {
		t.Errorf("429: %d %v %s", rp.Status, rp.Header, rp.Body)
	}
	if rp := cdo(t, s, "GET", confidentPath, ""); rp.Status != http.StatusServiceUnavailable || rp.Header.Get("Retry-After") != "" {
		t.Errorf("503: %d %v", rp.Status, rp.Header)
	}
	if rp := cdo(t, s, "GET", confidentPath, ""); rp.Status != http.StatusUnauthorized {
		t.Errorf("401: %d", rp.Status)
	}
	if ids := confidentList(t, s, ""); len(ids) != 0 {
		t.Errorf("a failed create was applied: %v", ids)
	}
	// DropNext applies the request, then cuts the connection; with no
	// deduplication a retried create makes a second key.
	s.DropNext(1)
	func() {
		defer func() {
			if r := recover(); r != http.ErrAbortHandler {
				t.Errorf("recovered %v", r)
			}
		}()
		cdo(t, s, "POST", confidentPath, `{"name":"x"}`)
	}()
	confidentCreated(t, s, "x")
	if ids := confidentList(t, s, ""); len(ids) != 2 {
		t.Errorf("%d keys after a dropped create and its retry, want 2", len(ids))
	}
}

// Over a real connection: Server.URL is the host (paths start at the root,
// as the vendor's base URL has none), CONFIDENT_API_KEY arrives as sent over
// HTTP/1.1, and a dropped request is a cut connection.
func TestConfidentAIWireNet(t *testing.T) {
	s, _ := newConfident(t)
	if strings.Count(s.URL, "/") != 2 || s.AuthHeader() != "Confident_api_key" || s.wire.clientOptions() != nil {
		t.Fatalf("URL %q, AuthHeader %q", s.URL, s.AuthHeader())
	}
	send := func(method, path, body string) (*http.Response, error) {
		req, _ := http.NewRequest(method, s.URL+path, strings.NewReader(body))
		req.Header["CONFIDENT_API_KEY"] = []string{s.AdminKey} // as the vendor spells it
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		return http.DefaultClient.Do(req)
	}
	res, err := send("POST", confidentPath, `{"name":"net"}`)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("create: %d", res.StatusCode)
	}
	s.DropNext(1)
	if res, err := send("DELETE", confidentKeyPath("1"), ""); err == nil {
		res.Body.Close()
		t.Fatalf("a dropped request answered %d", res.StatusCode)
	}
	if confidentStatus(s, "1") != "gone" {
		t.Error("the dropped DELETE was not applied")
	}
	reqs := s.Requests()
	if len(reqs) != 2 || reqs[0].Header.Get("Confident_api_key") != s.AdminKey || reqs[1].Path != "/v1/organization/api-keys/1" {
		t.Errorf("requests %+v", reqs)
	}
}

// The golden test: the fake's answers have the shape of the vendor's own
// examples (internal/confidentai/testdata, sources in its SOURCES.md), and
// the vendor's example requests are accepted.
func TestConfidentAIWireGolden(t *testing.T) {
	s, _ := newConfident(t)
	var created reply
	for _, f := range []string{"spec-create-request.json", "platforms-create-request.json"} {
		created = cmust(t, s, "POST", confidentPath, confidentGolden(t, f), http.StatusOK)
		// Keys that have authenticated, as in the examples, so lastUsed is set.
		cdoAs(t, s, confidentData(t, created)["value"].(string), "GET", confidentPath, "")
	}
	id := confidentID(t, confidentData(t, created))
	got := map[string]reply{"create": created}
	got["get"] = cmust(t, s, "GET", confidentKeyPath(id), "", http.StatusOK)
	got["list"] = cmust(t, s, "GET", confidentPath, "", http.StatusOK)
	for _, f := range []string{"spec-update-request.json", "seed-update-request.json", "platforms-update-request.json"} {
		got["update"] = cmust(t, s, "PUT", confidentKeyPath(id), confidentGolden(t, f), http.StatusOK)
		cmust(t, s, "PUT", confidentKeyPath(id), `{"valid":true}`, http.StatusOK)
	}
	got["delete"] = cmust(t, s, "DELETE", confidentKeyPath(id), "", http.StatusOK)
	got["error"] = cmust(t, s, "GET", confidentKeyPath(id), "", http.StatusNotFound)
	for _, tc := range []struct{ file, kind string }{
		{"spec-create-200.json", "create"},
		{"platforms-create-200.json", "create"},
		{"spec-get-200.json", "get"},
		{"spec-list-200.json", "list"},
		{"spec-update-200.json", "update"},
		{"seed-update-200.json", "update"},
		{"spec-delete-200.json", "delete"},
		{"platforms-delete-200.json", "delete"},
		{"platforms-error.json", "error"},
	} {
		var want, have any
		if err := json.Unmarshal([]byte(confidentGolden(t, tc.file)), &want); err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if err := json.Unmarshal(got[tc.kind].Body, &have); err != nil {
			t.Fatalf("%s: %v", tc.kind, err)
		}
		for _, d := range confidentShape("", want, have) {
			t.Errorf("%s vs %s: %s", tc.kind, tc.file, d)
		}
	}
}

func confidentGolden(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "confidentai", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// confidentShape lists where have differs from want in member names or JSON
// types, at every level; an array's elements are each held to want's first.
func confidentShape(at string, want, have any) []string {
	kind := func(v any) string {
		switch v.(type) {
		case nil:
			return "null"
		case bool:
			return "boolean"
		case float64:
			return "number"
		case string:
			return "string"
		case []any:
			return "array"
		}
		return "object"
	}
	if kind(want) != kind(have) {
		return []string{fmt.Sprintf("%s: %s, want %s", at, kind(have), kind(want))}
	}
	var out []string
	switch w := want.(type) {
	case map[string]any:
		h := have.(map[string]any)
		if diff := cmp.Diff(confidentKeys(w), confidentKeys(h)); diff != "" {
			return []string{fmt.Sprintf("%s: members (-want +got):\n%s", at, diff)}
		}
		for name, v := range w {
			out = append(out, confidentShape(at+"."+name, v, h[name])...)
		}
	case []any:
		h := have.([]any)
		if len(w) > 0 && len(h) == 0 {
			return []string{at + ": empty array, want elements"}
		}
		for i, v := range h {
			out = append(out, confidentShape(fmt.Sprintf("%s[%d]", at, i), w[0], v)...)
		}
	}
	return out
}
