package apikeystest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCreateValidation(t *testing.T) {
	s, clk := newTestServer(t)
	past := formatTime(clk.Now().Add(-time.Second))
	now := formatTime(clk.Now())
	future := formatTime(clk.Now().Add(time.Second))
	long := strings.Repeat("n", 101)
	for _, tc := range []struct {
		name   string
		body   string
		status int    // 422 unless set
		field  string // details.field; "" when the status is not 422
	}{
		{"missing name", `{}`, 0, "key_name"},
		{"null name", `{"key_name":null}`, 0, "key_name"},
		{"empty name", `{"key_name":""}`, 0, "key_name"},
		{"blank name", `{"key_name":"   "}`, 0, "key_name"},
		{"long name", `{"key_name":"` + long + `"}`, 0, "key_name"},
		{"name not a string", `{"key_name":5}`, 0, "key_name"},
		{"empty scope", `{"key_name":"x","scopes":["a",""]}`, 0, "scopes"},
		{"scopes not a list", `{"key_name":"x","scopes":"a"}`, 0, "scopes"},
		{"negative limit", `{"key_name":"x","usage_limit_chf":-0.01}`, 0, "usage_limit_chf"},
		{"past expiry", `{"key_name":"x","expires_at":"` + past + `"}`, 0, "expires_at"},
		{"expiry now", `{"key_name":"x","expires_at":"` + now + `"}`, 0, "expires_at"},
		{"expiry not RFC 3339", `{"key_name":"x","expires_at":"tomorrow"}`, 0, "expires_at"},
		{"expiry without zone", `{"key_name":"x","expires_at":"2030-01-01T00:00:00"}`, 0, "expires_at"},
		{"unknown mode", `{"key_name":"x","permission_mode":"admin"}`, 0, "permission_mode"},
		{"empty mode", `{"key_name":"x","permission_mode":""}`, 0, "permission_mode"},
		{"restricted without access", `{"key_name":"x","permission_mode":"restricted"}`, 0, "access"},
		{"restricted with empty access", `{"key_name":"x","permission_mode":"restricted","access":{}}`, 0, "access"},
		{"access with empty value", `{"key_name":"x","access":{"p":""}}`, 0, "access"},
		{"access not strings", `{"key_name":"x","access":{"p":1}}`, 0, "access"},
		{"scope both", `{"key_name":"x","project_scope":{"all":{},"single":{"project_id":"p"}}}`, 0, "project_scope"},
		{"scope neither", `{"key_name":"x","project_scope":{}}`, 0, "project_scope"},
		{"scope empty project", `{"key_name":"x","project_scope":{"single":{"project_id":""}}}`, 0, "project_scope"},
		{"scope unknown kind", `{"key_name":"x","project_scope":{"some":{}}}`, 0, "some"},
		{"unknown field", `{"key_name":"x","owner":"me"}`, 0, "owner"},
		{"update-only field", `{"key_name":"x","clear_expires_at":true}`, 0, "clear_expires_at"},
		{"null scopes", `{"key_name":"x","scopes":null}`, 0, "scopes"},
		{"null access", `{"key_name":"x","access":null}`, 0, "access"},
		{"null mode", `{"key_name":"x","permission_mode":null}`, 0, "permission_mode"},
		{"null project scope", `{"key_name":"x","project_scope":null}`, 0, "project_scope"},
		{"null all", `{"key_name":"x","project_scope":{"all":null}}`, 0, "project_scope"},
		{"null scope item", `{"key_name":"x","scopes":[null]}`, 0, "scopes"},
		{"null access value", `{"key_name":"x","access":{"p":null}}`, 0, "access"},
		{"null body", `null`, 0, "body"},
		{"malformed", `{"key_name":`, 0, "body"},
		{"trailing data", `{"key_name":"x"} {}`, 0, "body"},
		{"array", `[{"key_name":"x"}]`, 0, "body"},
		{"string", `"x"`, 0, "body"},
		{"no body", ``, 0, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := do(t, s, call{method: "POST", path: keysPath(s.OrgID), body: tc.body})
			if rp.Status != http.StatusUnprocessableEntity || rp.errCode(t) != "VALIDATION_ERROR" {
				t.Fatalf("status %d, body %s; want 422 VALIDATION_ERROR", rp.Status, rp.Body)
			}
			d := rp.errDetails(t)
			if d["field"] != tc.field || d["reason"] == "" || d["reason"] == nil {
				t.Errorf("details %v, want field %q and a reason", d, tc.field)
			}
		})
	}
	if n := countKeys(t, s); n != 0 {
		t.Errorf("refused creates made %d keys", n)
	}

	// The edges that are allowed.
	for _, body := range []string{
		`{"key_name":"` + strings.Repeat("é", 100) + `"}`,
		`{"key_name":"  ` + strings.Repeat("n", 100) + `  "}`,
		`{"key_name":"x","expires_at":"` + future + `"}`,
		`{"key_name":"x","expires_at":null,"usage_limit_chf":null}`,
		`{"key_name":"x","usage_limit_chf":0}`,
		`{"key_name":"x","permission_mode":"read_only"}`,
		`{"key_name":"x","permission_mode":"all","access":{"a":"b"}}`,
	} {
		create(t, s, body)
	}
}

func TestCreateContentType(t *testing.T) {
	s, _ := newTestServer(t)
	for _, ct := range []string{"-", "text/plain", "application/x-www-form-urlencoded", "application/json-seq"} {
		rp := mustDo(t, s, call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`,
			header: hdr("Content-Type", ct)}, http.StatusUnsupportedMediaType)
		if rp.errCode(t) != "UNSUPPORTED_MEDIA_TYPE" {
			t.Errorf("%s: %s", ct, rp.Body)
		}
	}
	mustDo(t, s, call{method: "POST", path: keysPath(s.OrgID), body: `{"key_name":"x"}`,
		header: hdr("Content-Type", "application/json; charset=utf-8")}, http.StatusCreated)
}

func TestBodyTooLarge(t *testing.T) {
	s, _ := newTestServer(t)
	big := `{"key_name":"x","scopes":["` + strings.Repeat("s", maxBodySize) + `"]}`
	rp := mustDo(t, s, call{method: "POST", path: keysPath(s.OrgID), body: big}, http.StatusRequestEntityTooLarge)
	if rp.errCode(t) != "VALIDATION_ERROR" || rp.errDetails(t)["field"] != "body" {
		t.Errorf("body %s", rp.Body)
	}
	reqs := s.Requests()
	if got := len(reqs[len(reqs)-1].Body); got != maxBodySize {
		t.Errorf("recorded %d bytes, want the first %d", got, maxBodySize)
	}
}

func TestUpdateValidation(t *testing.T) {
	s, clk := newTestServer(t)
	id := createNamed(t, s, "x")
	future := formatTime(clk.Now().Add(time.Hour))
	for _, tc := range []struct {
		name, body, field string
	}{
		{"expiry and clear", `{"expires_at":"` + future + `","clear_expires_at":true}`, "expires_at"},
		{"limit and clear", `{"usage_limit_chf":1,"clear_usage_limit":true}`, "usage_limit_chf"},
		{"restricted without access", `{"permission_mode":"restricted"}`, "access"},
		{"restricted with empty access", `{"permission_mode":"restricted","access":{}}`, "access"},
		{"past expiry", `{"expires_at":"` + formatTime(clk.Now().Add(-time.Hour)) + `"}`, "expires_at"},
		{"blank name", `{"key_name":" "}`, "key_name"},
		{"long name", `{"key_name":"` + strings.Repeat("x", 101) + `"}`, "key_name"},
		{"negative limit", `{"usage_limit_chf":-1}`, "usage_limit_chf"},
		{"bad mode", `{"permission_mode":"none"}`, "permission_mode"},
		{"bad scope", `{"project_scope":{"single":{}}}`, "project_scope"},
		{"flag not bool", `{"clear_expires_at":"yes"}`, "clear_expires_at"},
		{"unknown field", `{"status":"active"}`, "status"},
		{"null name", `{"key_name":null}`, "key_name"},
		{"null scopes", `{"scopes":null}`, "scopes"},
		{"null access", `{"access":null}`, "access"},
		{"null expiry", `{"expires_at":null}`, "expires_at"},
		{"null limit", `{"usage_limit_chf":null}`, "usage_limit_chf"},
		{"null flag", `{"clear_usage_limit":null}`, "clear_usage_limit"},
		{"null body", `null`, "body"},
		{"malformed", `{`, "body"},
		{"no body", ``, "body"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := mustDo(t, s, call{method: "PATCH", path: keyPath(s.OrgID, id), body: tc.body}, http.StatusUnprocessableEntity)
			if d := rp.errDetails(t); rp.errCode(t) != "VALIDATION_ERROR" || d["field"] != tc.field {
				t.Errorf("body %s, want field %q", rp.Body, tc.field)
			}
		})
	}
	// An invalid body is refused before the key is looked up.
	mustDo(t, s, call{method: "PATCH", path: keyPath(s.OrgID, "key_missing"), body: `{`}, http.StatusUnprocessableEntity)
	k := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t)
	if k["updated_at"] != k["created_at"] {
		t.Errorf("refused patches changed the key: %v", k)
	}
}

// A time's wire form is RFC 3339 in UTC with nine fraction digits, whatever
// zone the clock or the client used.
func TestTimeFormat(t *testing.T) {
	loc := time.FixedZone("X", -7*3600)
	s, _ := newTestServer(t, WithClock(func() time.Time { return time.Date(2030, 1, 2, 3, 4, 5, 0, loc) }))
	exp := time.Date(2031, 1, 1, 0, 0, 0, 5, loc)
	k := create(t, s, fmt.Sprintf(`{"key_name":"x","expires_at":%q}`, exp.Format(time.RFC3339Nano)))
	if k["created_at"] != "2030-01-02T10:04:05.000000000Z" || k["expires_at"] != "2031-01-01T07:00:00.000000005Z" {
		t.Errorf("created_at %v expires_at %v", k["created_at"], k["expires_at"])
	}
}

// encoding/json matches names case-insensitively and keeps the last of a
// repeated name; the server refuses both, naming the field.
func TestStrictFieldNames(t *testing.T) {
	s, _ := newTestServer(t)
	id := createNamed(t, s, "x")
	for _, tc := range []struct {
		name, method, body, field string
	}{
		{"upper case", "POST", `{"KEY_NAME":"x"}`, "KEY_NAME"},
		{"title case", "POST", `{"Key_Name":"x"}`, "Key_Name"},
		{"folded second field", "POST", `{"key_name":"x","Scopes":["a"]}`, "Scopes"},
		{"folded nested", "POST", `{"key_name":"x","project_scope":{"Single":{"project_id":"p"}}}`, "Single"},
		{"folded deep", "POST", `{"key_name":"x","project_scope":{"single":{"Project_ID":"p"}}}`, "Project_ID"},
		{"duplicate", "POST", `{"key_name":"x","key_name":"y"}`, "key_name"},
		{"duplicate, other case", "POST", `{"key_name":"x","KEY_NAME":"y"}`, "KEY_NAME"},
		{"duplicate null", "POST", `{"expires_at":null,"key_name":"x","expires_at":null}`, "expires_at"},
		{"duplicate in map", "POST", `{"key_name":"x","access":{"p":"read","p":"write"}}`, "access"},
		{"duplicate nested", "POST", `{"key_name":"x","project_scope":{"all":{},"all":{}}}`, "all"},
		{"patch upper case", "PATCH", `{"KEY_NAME":"y"}`, "KEY_NAME"},
		{"patch folded flag", "PATCH", `{"Clear_Expires_At":true}`, "Clear_Expires_At"},
		{"patch duplicate", "PATCH", `{"key_name":"y","key_name":"z"}`, "key_name"},
		{"patch duplicate scopes", "PATCH", `{"scopes":["a"],"scopes":[]}`, "scopes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := keysPath(s.OrgID)
			if tc.method == "PATCH" {
				path = keyPath(s.OrgID, id)
			}
			rp := mustDo(t, s, call{method: tc.method, path: path, body: tc.body}, http.StatusUnprocessableEntity)
			d := rp.errDetails(t)
			if rp.errCode(t) != "VALIDATION_ERROR" || d["field"] != tc.field || d["reason"] == "" {
				t.Errorf("body %s, want field %q", rp.Body, tc.field)
			}
			reason, _ := d["reason"].(string)
			if folded := tc.field != strings.ToLower(tc.field); folded && !strings.Contains(reason, "case-sensitive") {
				t.Errorf("reason %q does not say names are case-sensitive", reason)
			}
		})
	}
	if n := countKeys(t, s); n != 1 {
		t.Errorf("%d keys, want 1: a refused create was applied", n)
	}
	if k := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, id)}, http.StatusOK).obj(t); k["key_name"] != "x" || k["updated_at"] != k["created_at"] {
		t.Errorf("a refused patch was applied: %v", k)
	}
	// Names that only look alike are fine as map keys, which are data.
	k := create(t, s, `{"key_name":"x","access":{"p":"read","P":"write"}}`)
	if diff := cmp.Diff(map[string]any{"p": "read", "P": "write"}, k["access"]); diff != "" {
		t.Errorf("access (-want +got):\n%s", diff)
	}
}
