package reference_test

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"strconv"
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
func envelopeOf(e platform.Error, status int) []byte {
	obj := map[string]any{"code": e.Code, "message": e.Message, "system_message": e.SystemMessage,
		"type": e.Type, "trace_id": e.TraceID, "status": status}
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

// FuzzDecodeError: any body decodes without a panic; a body that decodes
// is JSON and encodes back to the same error; an envelope built from any
// code and message gives them back.
func FuzzDecodeError(f *testing.F) {
	for _, body := range []string{
		`{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"no such key","status":404}}`,
		`{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","system_message":"s","type":"validation_error","status":422,"details":{"field":"key_name","n":[1,2.5,null,true]},"trace_id":"t","timestamp":"2025-01-02T03:04:05.123+01:00"}}`,
		`{"error":{"code":1}}`, `{"error":null}`, `{"error":{"timestamp":5,"details":[1]}}`, `{}`, `[]`, `null`,
		`<html>502 Bad Gateway</html>`, ``, `   `, `{"error":{"code":"X"`, "{\"error\":{\"message\":\"\xff\"}}",
		`{"error":{"details":{"a":1e999}}}`, `{"error":{"code":"A","code":"B"}}`,
	} {
		f.Add([]byte(body), "INVALID_STATE_TRANSITION", "cannot pause a revoked key")
	}
	m := reference.Mapping{}
	f.Fuzz(func(t *testing.T, body []byte, code, message string) {
		e, ok := m.DecodeError(400, http.Header{}, body)
		if ok {
			if !json.Valid(bytes.TrimSpace(body)) || bytes.TrimSpace(body)[0] != '{' {
				t.Fatalf("DecodeError(%q) ok for a body that is not a JSON object", body)
			}
			again, ok := m.DecodeError(400, http.Header{}, envelopeOf(e, 400))
			if !ok {
				t.Fatalf("the envelope of %+v does not decode", e)
			}
			if diff := cmp.Diff(e, again); diff != "" {
				t.Fatalf("decode, encode, decode differs (-first +second):\n%s", diff)
			}
		} else if e.Code != "" || e.Message != "" || e.Details != nil || !e.Timestamp.IsZero() {
			t.Fatalf("DecodeError(%q) = %+v with ok false, want the zero Error", body, e)
		}

		want := platform.Error{Code: coerce(code), Message: coerce(message)}
		got, ok := m.DecodeError(422, http.Header{}, envelopeOf(platform.Error{Code: code, Message: message}, 422))
		if !ok || got.Code != want.Code || got.Message != want.Message {
			t.Fatalf("envelope with code %q, message %q decoded to %+v, %v", code, message, got, ok)
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

// FuzzDecodeKey: the key decoders never panic on any body and keep their
// promises (a key has an ID, a created key a secret, a page's cursor is the
// next page); a key marshaled in the wire format decodes back equal.
func FuzzDecodeKey(f *testing.F) {
	f.Add([]byte(`{"id":"k1","key_name":"n","status":"active","created_at":"2025-01-02T03:04:05Z","key":"sk_1"}`),
		"key_1", "ci", "sk_live_ab", "active", "proj_1", "keys:read", 12.5, int64(1735787045000000000), 3)
	f.Add([]byte(`{"api_keys":[{"id":"a"},{"id":"b"}],"pagination":{"page":1,"total_pages":3}}`),
		"a/b", "", "", "paused", "", "", 0.0, int64(0), 1)
	f.Add([]byte(`{"api_keys":[],"pagination":{"page":-5,"total_pages":99}}`), "é🔑", "\xff", "p", "", "", "s", -1.0, int64(-1), 0)
	f.Add([]byte(`{"id":5}`), "x", "y", "z", "revoked", "p", "", math.Inf(1), int64(math.MaxInt64), -2)
	f.Add([]byte(`{"api_keys":null,"pagination":{"page":9223372036854775807,"total_pages":9223372036854775807}}`),
		"k", "n", "p", "archived", "", "", math.NaN(), int64(math.MinInt64), 100)
	f.Add([]byte(`{"project_scope":{"single":null},"id":"k","scopes":"x"}`), "k", "", "", "", "", "", 0.1, int64(1), 7)
	m := reference.Mapping{}
	f.Fuzz(func(t *testing.T, body []byte, id, name, prefix, status, projectID, scope string,
		limit float64, unixNano int64, page int) {
		page %= 1 << 20 // room for page+1
		listOp := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 100}}
		if page > 0 {
			listOp.List.Cursor = strconv.Itoa(page)
		}

		// Any body: no panic, and the documented promises.
		if k, err := m.DecodeKey(&platform.Operation{Kind: platform.KindGet}, body); err == nil && k.ID == "" {
			t.Fatalf("DecodeKey(%q) gave a key without an ID", body)
		}
		if k, secret, err := m.DecodeCreated(body); err == nil && (k.ID == "" || secret == "") {
			t.Fatalf("DecodeCreated(%q) gave ID %q and a secret of %d bytes", body, k.ID, len(secret))
		}
		if keys, next, err := m.DecodeList(listOp, body); err == nil && next != "" {
			n, cerr := strconv.Atoi(next)
			if len(keys) == 0 || cerr != nil || n < 2 || next == listOp.List.Cursor {
				t.Fatalf("DecodeList(%q) from cursor %q: %d keys, next %q", body, listOp.List.Cursor, len(keys), next)
			}
		}

		// A key in the wire format decodes back equal.
		at := time.Unix(0, unixNano).UTC()
		want := platform.Key{
			ID: coerce(id), OrganizationID: "org_1", Name: coerce(name), Prefix: coerce(prefix),
			Status: coerce(status), Scopes: []string{coerce(scope)}, PermissionMode: "restricted",
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
		got, err := m.DecodeKey(&platform.Operation{Kind: platform.KindGet, KeyID: want.ID}, mustJSON(t, obj))
		if err != nil {
			t.Fatalf("DecodeKey: %v", err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("DecodeKey round trip (-want +got):\n%s", diff)
		}

		obj["key"] = "sk_" + want.ID
		got, secret, err := m.DecodeCreated(mustJSON(t, obj))
		if err != nil || secret != "sk_"+want.ID {
			t.Fatalf("DecodeCreated: %v (secret matches: %v)", err, secret == "sk_"+want.ID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("DecodeCreated round trip (-want +got):\n%s", diff)
		}

		// A page: the keys in order, and the next page while there is one.
		delete(obj, "key")
		cur := max(page, 1)
		total := cur + page%2 // a last page, or one more to come
		listBody := mustJSON(t, map[string]any{
			"api_keys":   []any{obj, obj},
			"pagination": map[string]any{"page": cur, "page_size": 2, "total_count": 2 * total, "total_pages": total},
		})
		keys, next, err := m.DecodeList(listOp, listBody)
		if err != nil {
			t.Fatalf("DecodeList: %v", err)
		}
		if diff := cmp.Diff([]platform.Key{want, want}, keys); diff != "" {
			t.Fatalf("DecodeList round trip (-want +got):\n%s", diff)
		}
		wantNext := ""
		if total > cur {
			wantNext = strconv.Itoa(cur + 1)
		}
		if next != wantNext {
			t.Fatalf("page %d of %d: next %q, want %q", cur, total, next, wantNext)
		}
	})
}
