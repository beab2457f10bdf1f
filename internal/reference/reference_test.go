package reference_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/reference"
)

func ptr[T any](v T) *T { return &v }

func TestSupports(t *testing.T) {
	t.Parallel()
	var m reference.Mapping
	kinds := []platform.Kind{platform.KindCreate, platform.KindGet, platform.KindList, platform.KindUpdate}
	for _, k := range kinds {
		if !m.Supports(k, "") {
			t.Errorf("Supports(%d) = false, want true", k)
		}
	}
	for _, a := range []string{"activate", "deactivate", "pause", "unpause", "archive", "reactivate", "revoke", "delete"} {
		if !m.Supports(platform.KindTransition, a) {
			t.Errorf("Supports(KindTransition, %q) = false, want true", a)
		}
	}
}

func TestEncode(t *testing.T) {
	t.Parallel()
	expires := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	const coll = "/organizations/org_1/api-keys"
	tests := []struct {
		name string
		op   platform.Operation
		want platform.Request
	}{
		{
			name: "create, name only",
			op:   platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{Name: "ci"}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"key_name":"ci"}`)},
		},
		{
			name: "create, every field",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{
				Name: "ci", Scopes: []string{"a", "b"}, UsageLimitCHF: ptr(12.5), ExpiresAt: &expires,
				PermissionMode: "restricted", Access: map[string]string{"z": "read", "a": "write"}, ProjectID: "p1",
			}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(
				`{"key_name":"ci","scopes":["a","b"],"usage_limit_chf":12.5,"expires_at":"2026-01-02T03:04:05.6Z",` +
					`"permission_mode":"restricted","access":{"a":"write","z":"read"},"project_scope":{"single":{"project_id":"p1"}}}`)},
		},
		{
			name: "create, empty collections and zero limit",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{
				Name: "ci", Scopes: []string{}, Access: map[string]string{}, UsageLimitCHF: ptr(0.0),
			}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"key_name":"ci","usage_limit_chf":0}`)},
		},
		{
			name: "list, first page",
			op:   platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 100}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page=1&page_size=100"},
		},
		{
			name: "list, every filter, page 3",
			op: platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{
				Status: "paused", IncludeArchived: true, PageSize: 25, Cursor: "3",
			}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page=3&page_size=25&include_archived=true&status=paused"},
		},
		{
			name: "list, values are query-escaped",
			op: platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{
				Status: "a b&c=d", PageSize: 1, Cursor: "x&y",
			}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page=x%26y&page_size=1&status=a+b%26c%3Dd"},
		},
		{
			name: "get",
			op:   platform.Operation{Kind: platform.KindGet, OrgID: "org_1", KeyID: "k1"},
			want: platform.Request{Method: "GET", Path: coll + "/k1"},
		},
		{
			name: "get, escaped IDs",
			op:   platform.Operation{Kind: platform.KindGet, OrgID: "o/1 ü", KeyID: "a/b?c%d#e ключ"},
			want: platform.Request{Method: "GET", Path: "/organizations/o%2F1%20%C3%BC/api-keys/a%2Fb%3Fc%25d%23e%20%D0%BA%D0%BB%D1%8E%D1%87"},
		},
		{
			name: "update, nothing",
			op:   platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "k1", Update: &platform.UpdateFields{}},
			want: platform.Request{Method: "PATCH", Path: coll + "/k1", Body: []byte(`{}`)},
		},
		{
			name: "update, clears",
			op: platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "k1", Update: &platform.UpdateFields{
				Scopes: []string{}, Access: map[string]string{}, ClearUsageLimit: true, ClearExpiresAt: true, ProjectID: ptr(""),
			}},
			want: platform.Request{Method: "PATCH", Path: coll + "/k1", Body: []byte(
				`{"scopes":[],"clear_usage_limit":true,"clear_expires_at":true,"access":{},"project_scope":{"all":{}}}`)},
		},
		{
			name: "update, every value",
			op: platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "k1", Update: &platform.UpdateFields{
				Name: ptr("n"), Scopes: []string{"s"}, UsageLimitCHF: ptr(0.0), ExpiresAt: &expires,
				PermissionMode: ptr("read_only"), Access: map[string]string{"r": "read"}, ProjectID: ptr("p9"),
			}},
			want: platform.Request{Method: "PATCH", Path: coll + "/k1", Body: []byte(
				`{"key_name":"n","scopes":["s"],"usage_limit_chf":0,"expires_at":"2026-01-02T03:04:05.6Z",` +
					`"permission_mode":"read_only","access":{"r":"read"},"project_scope":{"single":{"project_id":"p9"}}}`)},
		},
		{name: "activate", op: transition("activate"), want: platform.Request{Method: "POST", Path: coll + "/k1/activate"}},
		{name: "deactivate", op: transition("deactivate"), want: platform.Request{Method: "POST", Path: coll + "/k1/deactivate"}},
		{name: "pause", op: transition("pause"), want: platform.Request{Method: "POST", Path: coll + "/k1/pause"}},
		{name: "unpause", op: transition("unpause"), want: platform.Request{Method: "POST", Path: coll + "/k1/unpause"}},
		{name: "archive", op: transition("archive"), want: platform.Request{Method: "DELETE", Path: coll + "/k1"}},
		{name: "reactivate", op: transition("reactivate"), want: platform.Request{Method: "POST", Path: coll + "/k1/reactivate"}},
		{name: "revoke", op: transition("revoke"), want: platform.Request{Method: "POST", Path: coll + "/k1/revoke"}},
		{name: "delete", op: transition("delete"), want: platform.Request{Method: "DELETE", Path: coll + "/k1", RawQuery: "permanent=true"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := reference.Mapping{}.Encode(&tt.op)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if tt.want.Body != nil && string(got.Body) != string(tt.want.Body) {
				t.Errorf("body = %s, want %s", got.Body, tt.want.Body)
			}
		})
	}
}

func transition(action string) platform.Operation {
	return platform.Operation{Kind: platform.KindTransition, Action: action, OrgID: "org_1", KeyID: "k1"}
}

func TestEncode_unknown(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		op      platform.Operation
		wantErr string
	}{
		{name: "action", op: transition("freeze"), wantErr: `reference: no such action "freeze"`},
		{name: "empty action", op: transition(""), wantErr: `reference: no such action ""`},
		{name: "kind", op: platform.Operation{Kind: 99, OrgID: "o", KeyID: "k"}, wantErr: "reference: no such operation 99"},
	}
	for _, tt := range tests {
		_, err := reference.Mapping{}.Encode(&tt.op)
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("%s: Encode error = %v, want %q", tt.name, err, tt.wantErr)
		}
	}
}

const keyJSON = `{"id":"k1","organization_id":"org_1","key_name":"ci","key_prefix":"ak_live_1a2b","status":"active",
"is_active":true,"scopes":["a"],"usage_limit_chf":3.5,"permission_mode":"restricted","access":{"p":"read"},
"project_scope":{"single":{"project_id":"p1"}},"created_by":"u1","updated_by":"u2",
"created_at":"2025-01-02T03:04:05Z","updated_at":"2025-01-02T03:04:06Z","last_used_at":"2025-01-03T00:00:00Z",
"expires_at":"2026-01-01T00:00:00Z","archived_at":null,"revoked_at":null,"available_actions":["pause","revoke"]}`

func wantKey() platform.Key {
	d := func(y int, m time.Month, day, h, mi, s int) time.Time {
		return time.Date(y, m, day, h, mi, s, 0, time.UTC)
	}
	return platform.Key{
		ID: "k1", OrganizationID: "org_1", Name: "ci", Prefix: "ak_live_1a2b", Status: "active",
		Scopes: []string{"a"}, UsageLimitCHF: ptr(3.5), PermissionMode: "restricted", Access: map[string]string{"p": "read"},
		ProjectID: "p1", CreatedBy: "u1", UpdatedBy: "u2",
		CreatedAt: d(2025, 1, 2, 3, 4, 5), UpdatedAt: d(2025, 1, 2, 3, 4, 6),
		LastUsedAt: ptr(d(2025, 1, 3, 0, 0, 0)), ExpiresAt: ptr(d(2026, 1, 1, 0, 0, 0)),
		AvailableActions: []string{"pause", "revoke"},
	}
}

func TestDecodeKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		body    string
		want    platform.Key
		wantErr string
	}{
		{name: "every field", body: keyJSON, want: wantKey()},
		{name: "all projects", body: `{"id":"k1","project_scope":{"all":{}}}`, want: platform.Key{ID: "k1"}},
		{name: "no project scope", body: `{"id":"k1","project_scope":null}`, want: platform.Key{ID: "k1"}},
		{name: "unknown status", body: `{"id":"k1","status":"frozen"}`, want: platform.Key{ID: "k1", Status: "frozen"}},
		{name: "no id", body: `{"key_name":"ci"}`, wantErr: "reference: response holds no key object"},
		{name: "null", body: `null`, wantErr: "reference: response holds no key object"},
		{name: "not JSON", body: `oops`, wantErr: "invalid character 'o' looking for beginning of value"},
		{name: "bad time", body: `{"id":"k1","created_at":"yesterday"}`, wantErr: `parsing time "yesterday" as "2006-01-02T15:04:05Z07:00": cannot parse "yesterday" as "2006"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := reference.Mapping{}.DecodeKey(&platform.Operation{Kind: platform.KindGet}, []byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("DecodeKey: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCreated(t *testing.T) {
	t.Parallel()
	body := strings.TrimSuffix(keyJSON, "}") + `,"key":"ak_live_1a2b_secret"}`
	key, secret, err := reference.Mapping{}.DecodeCreated([]byte(body))
	if err != nil {
		t.Fatalf("DecodeCreated: %v", err)
	}
	if diff := cmp.Diff(wantKey(), key); diff != "" {
		t.Errorf("key (-want +got):\n%s", diff)
	}
	if secret != "ak_live_1a2b_secret" {
		t.Errorf("secret = %q, want ak_live_1a2b_secret", secret)
	}
	for _, bad := range []string{`{"id":"k1"}`, `{"key":"s"}`, `{"id":"k1","key":""}`, `{}`} {
		if _, s, err := (reference.Mapping{}).DecodeCreated([]byte(bad)); err == nil || s != "" ||
			err.Error() != "reference: create response holds no key or no secret" {
			t.Errorf("DecodeCreated(%s) = %q, %v; want the no-secret error", bad, s, err)
		}
	}
}

func TestDecodeList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cursor   string
		body     string
		wantIDs  []string
		wantNext string
	}{
		{name: "first of three", body: `{"api_keys":[{"id":"a"},{"id":"b"}],"pagination":{"page":1,"page_size":2,"total_count":5,"total_pages":3}}`, wantIDs: []string{"a", "b"}, wantNext: "2"},
		{name: "second of three", cursor: "2", body: `{"api_keys":[{"id":"c"}],"pagination":{"page":2,"total_pages":3}}`, wantIDs: []string{"c"}, wantNext: "3"},
		{name: "last", cursor: "3", body: `{"api_keys":[{"id":"e"}],"pagination":{"page":3,"total_pages":3}}`, wantIDs: []string{"e"}, wantNext: ""},
		{name: "beyond the last", cursor: "4", body: `{"api_keys":[{"id":"e"}],"pagination":{"page":4,"total_pages":3}}`, wantIDs: []string{"e"}, wantNext: ""},
		{name: "empty page with more announced", body: `{"api_keys":[],"pagination":{"page":1,"total_pages":9}}`, wantIDs: []string{}, wantNext: ""},
		{name: "no pagination", body: `{"api_keys":[{"id":"a"}]}`, wantIDs: []string{"a"}, wantNext: ""},
		{name: "page not echoed: the cursor counts", cursor: "2", body: `{"api_keys":[{"id":"a"}],"pagination":{"total_pages":3}}`, wantIDs: []string{"a"}, wantNext: "3"},
		{name: "page not echoed on the first page", body: `{"api_keys":[{"id":"a"}],"pagination":{"total_pages":2}}`, wantIDs: []string{"a"}, wantNext: "2"},
		{name: "null list", body: `{"api_keys":null,"pagination":{"page":1,"total_pages":1}}`, wantIDs: []string{}, wantNext: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 2, Cursor: tt.cursor}}
			keys, next, err := reference.Mapping{}.DecodeList(op, []byte(tt.body))
			if err != nil {
				t.Fatalf("DecodeList: %v", err)
			}
			ids := make([]string, len(keys))
			for i, k := range keys {
				ids[i] = k.ID
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if next != tt.wantNext {
				t.Errorf("next = %q, want %q", next, tt.wantNext)
			}
		})
	}
	op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 2}}
	if _, _, err := (reference.Mapping{}).DecodeList(op, []byte(`{"api_keys":{}}`)); err == nil {
		t.Error("DecodeList of an object in api_keys succeeded, want an error")
	}
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		body   string
		want   platform.Error
		wantOK bool
	}{
		{
			name: "full envelope",
			body: `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"no key","system_message":"sys","type":"not_found",
				"status":404,"details":{"id":"k1","n":2},"trace_id":"tr","timestamp":"2025-01-02T03:04:05.5+01:00"}}`,
			want: platform.Error{
				Code: "API_KEY_NOT_FOUND", Message: "no key", SystemMessage: "sys", Type: "not_found", TraceID: "tr",
				Timestamp: time.Date(2025, 1, 2, 2, 4, 5, 500000000, time.UTC), Details: map[string]any{"id": "k1", "n": 2.0},
			},
			wantOK: true,
		},
		{name: "leading whitespace", body: "\n  {\"error\":{\"code\":\"X\"}}", want: platform.Error{Code: "X"}, wantOK: true},
		{name: "status as a string", body: `{"error":{"code":"X","status":"404"}}`, want: platform.Error{Code: "X"}, wantOK: true},
		{name: "unparsable timestamp is dropped", body: `{"error":{"code":"X","timestamp":"soon"}}`, want: platform.Error{Code: "X"}, wantOK: true},
		{name: "numeric timestamp is dropped", body: `{"error":{"code":"X","message":"m","timestamp":1735787045}}`, want: platform.Error{Code: "X", Message: "m"}, wantOK: true},
		{name: "details that are not an object are dropped", body: `{"error":{"code":"X","message":"m","details":[{"field":"key_name"}]}}`, want: platform.Error{Code: "X", Message: "m"}, wantOK: true},
		{name: "empty error object", body: `{"error":{}}`, want: platform.Error{}, wantOK: true},
		{name: "empty", body: ``},
		{name: "whitespace", body: " \n"},
		{name: "HTML", body: `<html>502</html>`},
		{name: "array", body: `[{"error":{"code":"X"}}]`},
		{name: "no error member", body: `{"success":false}`},
		{name: "null error", body: `{"error":null}`},
		{name: "error is a string", body: `{"error":"X"}`},
		{name: "truncated", body: `{"error":{"code":"X"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := reference.Mapping{}.DecodeError(400, http.Header{}, []byte(tt.body))
			if ok != tt.wantOK {
				t.Fatalf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}
