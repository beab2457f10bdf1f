package reference_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/reference"
)

// coerce is what encoding/json makes of a string: each byte of invalid
// UTF-8 becomes U+FFFD, as in a conversion to []rune.
func coerce(s string) string { return string([]rune(s)) }

// envelopeOf is the wire envelope of e, written from the API's field names.
// The status member is written only when e has one, as DecodeError gives a
// status back only when the envelope names an error status.
func envelopeOf(e platform.Error) []byte {
	obj := map[string]any{"code": e.Code, "message": e.Message, "system_message": e.SystemMessage,
		"type": e.Type, "trace_id": e.TraceID}
	if e.Status != 0 {
		obj["status"] = e.Status
	}
	if !e.Timestamp.IsZero() {
		obj["timestamp"] = e.Timestamp.Format(time.RFC3339Nano)
	}
	if e.Details != nil {
		obj["details"] = e.Details
	}
	b, err := json.Marshal(map[string]any{"success": false, "error": obj})
	if err != nil {
		panic(err)
	}
	return b
}

func errAnswer(status int, body []byte) *platform.Answer {
	return &platform.Answer{Status: status, Header: http.Header{}, Body: body}
}

// FuzzDecodeError: any body decodes without a panic; a body that gives a
// non-zero error is a JSON object and encodes back to the same error; an
// envelope built from any code and message gives them back; a 2xx body that
// is the envelope is a failure, not a success.
func FuzzDecodeError(f *testing.F) {
	for _, body := range []string{
		`{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"no such key","status":404}}`,
		`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","system_message":"s","type":"validation_error","status":422,"details":{"field":"key_name","n":[1,2.5,null,true]},"trace_id":"t","timestamp":"2025-01-02T03:04:05.123+01:00"}}`,
		`{"error":{"code":1}}`, `{"error":null}`, `{"error":{"timestamp":5,"details":[1]}}`, `{}`, `[]`, `null`,
		`<html>502 Bad Gateway</html>`, ``, `   `, `{"error":{"code":"X"`, "{\"error\":{\"message\":\"\xff\"}}",
		`{"error":{"details":{"a":1e999}}}`, `{"error":{"code":"A","code":"B"}}`, `{"error":{"status":999}}`,
	} {
		f.Add([]byte(body), "INVALID_STATE_TRANSITION", "cannot pause a revoked key")
	}
	m := reference.Mapping{}
	op := &platform.Operation{Kind: platform.KindGet, KeyID: "k"}
	f.Fuzz(func(t *testing.T, body []byte, code, message string) {
		e := m.DecodeError(*op, errAnswer(400, body))
		if !cmp.Equal(e, platform.Error{}) {
			if trimmed := bytes.TrimSpace(body); !json.Valid(trimmed) || trimmed[0] != '{' {
				t.Fatalf("DecodeError(%q) = %+v for a body that is not a JSON object", body, e)
			}
			if e.Status != 0 && (e.Status < 400 || e.Status > 599) {
				t.Fatalf("DecodeError(%q) status %d, not an error status", body, e.Status)
			}
			again := m.DecodeError(*op, errAnswer(400, envelopeOf(e)))
			if diff := cmp.Diff(e, again); diff != "" {
				t.Fatalf("decode, encode, decode differs (-first +second):\n%s", diff)
			}
		}

		want := platform.Error{Code: coerce(code), Message: coerce(message)}
		got := m.DecodeError(*op, errAnswer(422, envelopeOf(platform.Error{Code: code, Message: message})))
		if got.Code != want.Code || got.Message != want.Message {
			t.Fatalf("envelope with code %q, message %q decoded to %+v", code, message, got)
		}
		// The same envelope in a 2xx is a failure.
		_, err := m.Decode(*op, errAnswer(200, envelopeOf(platform.Error{Code: code, Message: message})))
		var pe *platform.Error
		if !errors.As(err, &pe) || pe.Code != want.Code {
			t.Fatalf("a 2xx failure envelope with code %q decoded as %v", code, err)
		}
	})
}

// wireKeyOf is the key object of the reference API, written from the
// field names in the API description rather than from the decoder's types.
func wireKeyOf(k platform.Key) map[string]any {
	scope := map[string]any{"all": map[string]any{}}
	if k.ProjectID != "" {
		scope = map[string]any{"single": map[string]any{"project_id": k.ProjectID}}
	}
	w := map[string]any{
		"id": k.ID, "organization_id": k.OrganizationID, "key_name": k.Name, "key_prefix": k.Prefix,
		"status": k.Status, "is_active": k.Status == "active", "scopes": k.Scopes,
		"usage_limit_chf": k.UsageLimitCHF, "permission_mode": k.PermissionMode, "access": k.Access,
		"project_scope": scope, "created_by": k.CreatedBy, "updated_by": k.UpdatedBy,
		"created_at": k.CreatedAt, "updated_at": k.UpdatedAt, "last_used_at": k.LastUsedAt,
		"expires_at": k.ExpiresAt, "archived_at": k.ArchivedAt, "revoked_at": k.RevokedAt,
		"available_actions": k.AvailableActions,
	}
	return w
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// jsonKey is the key object as encoding/json reads it: the oracle that
// FuzzDecodeKey holds the mapping's own field-by-field reading to.
type jsonKey struct {
	ID             string            `json:"id"`
	OrganizationID string            `json:"organization_id"`
	KeyName        string            `json:"key_name"`
	KeyPrefix      string            `json:"key_prefix"`
	Status         string            `json:"status"`
	Scopes         []string          `json:"scopes"`
	UsageLimitCHF  *float64          `json:"usage_limit_chf"`
	PermissionMode string            `json:"permission_mode"`
	Access         map[string]string `json:"access"`
	ProjectScope   *struct {
		Single *struct {
			ProjectID string `json:"project_id"`
		} `json:"single"`
	} `json:"project_scope"`
	CreatedBy        string     `json:"created_by"`
	UpdatedBy        string     `json:"updated_by"`
	CreatedAt        time.Time  `json:"created_at"`
	UpdatedAt        time.Time  `json:"updated_at"`
	LastUsedAt       *time.Time `json:"last_used_at"`
	ExpiresAt        *time.Time `json:"expires_at"`
	ArchivedAt       *time.Time `json:"archived_at"`
	RevokedAt        *time.Time `json:"revoked_at"`
	AvailableActions []string   `json:"available_actions"`
}

// decodeWithJSON reads body with encoding/json; ok is false when it fails.
func decodeWithJSON(body []byte) (platform.Key, bool) {
	var w jsonKey
	if json.Unmarshal(body, &w) != nil {
		return platform.Key{}, false
	}
	k := platform.Key{
		ID: w.ID, OrganizationID: w.OrganizationID, Name: w.KeyName, Prefix: w.KeyPrefix,
		Status: w.Status, PlatformStatus: w.Status, Scopes: w.Scopes, UsageLimitCHF: w.UsageLimitCHF,
		PermissionMode: w.PermissionMode, Access: w.Access, CreatedBy: w.CreatedBy, UpdatedBy: w.UpdatedBy,
		CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt, LastUsedAt: w.LastUsedAt, ExpiresAt: w.ExpiresAt,
		ArchivedAt: w.ArchivedAt, RevokedAt: w.RevokedAt, AvailableActions: w.AvailableActions,
	}
	if w.ProjectScope != nil && w.ProjectScope.Single != nil {
		k.ProjectID = w.ProjectScope.Single.ProjectID
	}
	return k, true
}

// plainNames reports whether every member name in body, outside "access"
// (a map, whose keys encoding/json matches exactly), is lowercase ASCII
// letters, digits and underscores once unescaped: the names for which
// encoding/json's case-insensitive matching ("ID", or "\u212a" for k) is
// exact matching.
func plainNames(body []byte) bool {
	var walk func(v any) bool
	walk = func(v any) bool {
		switch v := v.(type) {
		case map[string]any:
			for name, x := range v {
				if strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789_") != "" {
					return false
				}
				if name != "access" && !walk(x) {
					return false
				}
			}
		case []any:
			for _, x := range v {
				if !walk(x) {
					return false
				}
			}
		}
		return true
	}
	var v any
	return json.Unmarshal(body, &v) == nil && walk(v)
}

// FuzzDecodeKey: Decode never panics on any body and keeps its promises (a
// key has an ID, a created key a secret, an error never holds the body); a
// key marshaled in the wire format decodes back equal, alone, as a create's
// answer and in a page with its cursor.
func FuzzDecodeKey(f *testing.F) {
	f.Add([]byte(`{"id":"k1","key_name":"n","status":"active","created_at":"2025-01-02T03:04:05Z","key":"sk_1"}`),
		"key_1", "ci", "sk_live_ab", "active", "proj_1", "keys:read", 12.5, int64(1735787045000000000), "c_1")
	f.Add([]byte(`{"api_keys":[{"id":"a"},{"id":"b"}],"next_cursor":"c2"}`),
		"a/b", "", "", "paused", "", "", 0.0, int64(0), "")
	f.Add([]byte(`{"api_keys":[],"next_cursor":null}`), "é🔑", "\xff", "p", "", "", "s", -1.0, int64(-1), "x&y")
	f.Add([]byte(`{"id":5}`), "x", "y", "z", "revoked", "p", "", math.Inf(1), int64(math.MaxInt64), "\x00")
	f.Add([]byte(`{"api_keys":null,"next_cursor":5}`),
		"k", "n", "p", "archived", "", "", math.NaN(), int64(math.MinInt64), "")
	f.Add([]byte(`{"project_scope":{"single":null},"id":"k","scopes":"x"}`), "k", "", "", "", "", "", 0.1, int64(1), "z")
	f.Add([]byte(`{"success":false}`), "k", "", "", "", "", "", 0.1, int64(1), "z")
	f.Add([]byte(`{"id":"k","scopes":[null,"a"],"access":{"X":null},"created_at":"2025-01-02T05:04:05.5+02:00",`+
		`"project_scope":{"single":{"project_id":"p"},"all":{}},"usage_limit_chf":-0,"revoked_at":null}`),
		"k", "", "", "", "", "", 0.1, int64(1), "z")
	m := reference.Mapping{}
	get := &platform.Operation{Kind: platform.KindGet, KeyID: "k"}
	create := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "n"}}
	list := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 100}}
	ok := func(body []byte) *platform.Answer {
		return &platform.Answer{Status: 200, Header: http.Header{}, Body: body}
	}
	f.Fuzz(func(t *testing.T, body []byte, id, name, prefix, status, projectID, scope string,
		limit float64, unixNano int64, cursor string) {
		// Any body: no panic, and the documented promises.
		if res, err := m.Decode(*get, ok(body)); err == nil && res.Key.ID == "" {
			t.Fatalf("Decode(get, %q) gave a key without an ID", body)
		}
		if res, err := m.Decode(*create, ok(body)); err == nil && (res.Key.ID == "" || res.Secret == "") {
			t.Fatalf("Decode(create, %q) gave ID %q and a secret of %d bytes", body, res.Key.ID, len(res.Secret))
		} else if err != nil && len(body) > 16 && strings.Contains(err.Error(), string(body)) {
			t.Fatalf("Decode(create) error repeats the body: %v", err)
		}
		if res, err := m.Decode(*list, ok(body)); err == nil && res.Keys == nil {
			t.Fatalf("Decode(list, %q) succeeded without a list", body)
		}
		// Beside encoding/json: a key object that it decodes, with member
		// names its case-insensitive matching cannot confuse, decodes the
		// same here.
		if want, jok := decodeWithJSON(body); jok && want.ID != "" && plainNames(body) {
			res, err := m.Decode(*get, ok(body))
			if err != nil {
				t.Fatalf("Decode(get, %q): %v; encoding/json decodes it", body, err)
			}
			if diff := cmp.Diff(want, res.Key); diff != "" {
				t.Fatalf("Decode(get, %q) differs from encoding/json (-json +Decode):\n%s", body, diff)
			}
		}

		// A key in the wire format decodes back equal.
		at := time.Unix(0, unixNano).UTC()
		want := platform.Key{
			ID: coerce(id), OrganizationID: "org_1", Name: coerce(name), Prefix: coerce(prefix),
			Status: coerce(status), PlatformStatus: coerce(status), Scopes: []string{coerce(scope)}, PermissionMode: "restricted",
			Access: map[string]string{coerce(scope): coerce(name)}, ProjectID: coerce(projectID),
			CreatedBy: "u", UpdatedBy: "v", CreatedAt: at, UpdatedAt: at.Add(time.Second),
			LastUsedAt: &at, AvailableActions: []string{coerce(status)},
		}
		if !math.IsNaN(limit) && !math.IsInf(limit, 0) {
			want.UsageLimitCHF = &limit
		}
		if want.ID == "" {
			want.ID = "k"
		}
		obj := wireKeyOf(want)
		res, err := m.Decode(*get, ok(mustJSON(t, obj)))
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if diff := cmp.Diff(want, res.Key); diff != "" {
			t.Fatalf("Decode round trip (-want +got):\n%s", diff)
		}

		obj["key"] = "sk_" + want.ID
		res, err = m.Decode(*create, ok(mustJSON(t, obj)))
		if err != nil || res.Secret != "sk_"+want.ID {
			t.Fatalf("Decode(create): %v (secret matches: %v)", err, res.Secret == "sk_"+want.ID)
		}
		if diff := cmp.Diff(want, res.Key); diff != "" {
			t.Fatalf("Decode(create) round trip (-want +got):\n%s", diff)
		}

		// A page: the keys in order, and the cursor as the server sent it.
		delete(obj, "key")
		page := map[string]any{"api_keys": []any{obj, obj}, "next_cursor": nil}
		if cursor != "" {
			page["next_cursor"] = cursor
		}
		res, err = m.Decode(*list, ok(mustJSON(t, page)))
		if err != nil {
			t.Fatalf("Decode(list): %v", err)
		}
		if diff := cmp.Diff([]platform.Key{want, want}, res.Keys); diff != "" {
			t.Fatalf("Decode(list) round trip (-want +got):\n%s", diff)
		}
		if res.Next != coerce(cursor) {
			t.Fatalf("next %q, want %q", res.Next, coerce(cursor))
		}
	})
}
