package reference_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/reference"
)

func ptr[T any](v T) *T { return &v }

// The Spec is the reference API's: every operation, action and field, the
// five statuses, cursor paging of at most 100, the organization required,
// and deduplication by Idempotency-Key.
func TestSpec(t *testing.T) {
	t.Parallel()
	s := reference.Mapping{}.Spec()
	if s != (reference.Mapping{}).Spec() {
		t.Error("Spec returns a different value on each call")
	}
	if s.Name != "reference" || !s.Get || !s.Update || s.Organization != platform.OrgRequired ||
		s.MaxPageSize != 100 || !s.Deduplicates || s.IntegerIDs || s.DefaultBaseURL != "" {
		t.Errorf("Spec = %+v", *s)
	}
	wantActions := []string{"activate", "deactivate", "pause", "unpause", "archive", "reactivate", "revoke", "delete"}
	if diff := cmp.Diff(wantActions, s.Actions); diff != "" {
		t.Errorf("Actions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"active", "paused", "inactive", "archived", "revoked"}, s.Statuses); diff != "" {
		t.Errorf("Statuses (-want +got):\n%s", diff)
	}
	// The reference table of DESIGN.md, cell by cell.
	wantTable := map[string][]string{
		"active":   {"deactivate", "pause", "archive", "revoke"},
		"paused":   {"deactivate", "unpause", "archive", "revoke"},
		"inactive": {"activate", "archive", "revoke"},
		"archived": {"reactivate", "revoke", "delete"},
		"revoked":  {"delete"},
	}
	if diff := cmp.Diff(wantTable, s.Table); diff != "" {
		t.Errorf("Table (-want +got):\n%s", diff)
	}
	wantCreate := []string{"Name", "Scopes", "UsageLimitCHF", "ExpiresAt", "PermissionMode", "Access", "ProjectID", "IdempotencyKey"}
	if diff := cmp.Diff(wantCreate, s.CreateFields); diff != "" {
		t.Errorf("CreateFields (-want +got):\n%s", diff)
	}
	wantUpdate := []string{"Name", "Scopes", "UsageLimitCHF", "ClearUsageLimit", "ExpiresAt", "ClearExpiresAt", "PermissionMode", "Access", "ProjectID"}
	if diff := cmp.Diff(wantUpdate, s.UpdateFields); diff != "" {
		t.Errorf("UpdateFields (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"Status", "IncludeArchived"}, s.ServerFilters); diff != "" {
		t.Errorf("ServerFilters (-want +got):\n%s", diff)
	}
	if !strings.EqualFold(s.AuthHeader, "X-API-Key") || s.AuthScheme != "" {
		t.Errorf("credential header %q %q, want X-API-Key without a scheme", s.AuthHeader, s.AuthScheme)
	}
	if len(s.RequestIDHeaders) == 0 || s.RequestIDHeaders[0] != "X-Request-Id" {
		t.Errorf("RequestIDHeaders = %q, want X-Request-Id", s.RequestIDHeaders)
	}
}

const idem = "0123456789abcdef0123456789abcdef"

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
			op:   platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", IdempotencyKey: idem, Create: &platform.CreateFields{Name: "ci"}},
			want: platform.Request{Method: "POST", Path: coll, IdempotencyKey: idem, Body: []byte(`{"key_name":"ci"}`), Retry: platform.RetryDeduplicated},
		},
		{
			name: "create, every field",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", IdempotencyKey: idem, Create: &platform.CreateFields{
				Name: "ci", Scopes: []string{"a", "b"}, UsageLimitCHF: ptr(12.5), ExpiresAt: &expires,
				PermissionMode: "restricted", Access: map[string]string{"z": "read", "a": "write"}, ProjectID: "p1",
			}},
			want: platform.Request{Method: "POST", Path: coll, IdempotencyKey: idem, Retry: platform.RetryDeduplicated, Body: []byte(
				`{"key_name":"ci","scopes":["a","b"],"usage_limit_chf":12.5,"expires_at":"2026-01-02T03:04:05.6Z",` +
					`"permission_mode":"restricted","access":{"a":"write","z":"read"},"project_scope":{"single":{"project_id":"p1"}}}`)},
		},
		{
			name: "create, empty collections and zero limit",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", IdempotencyKey: idem, Create: &platform.CreateFields{
				Name: "ci", Scopes: []string{}, Access: map[string]string{}, UsageLimitCHF: ptr(0.0),
			}},
			want: platform.Request{Method: "POST", Path: coll, IdempotencyKey: idem, Retry: platform.RetryDeduplicated,
				Body: []byte(`{"key_name":"ci","usage_limit_chf":0}`)},
		},
		{
			name: "list, first page",
			op:   platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 100}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page_size=100"},
		},
		{
			name: "list, every filter, a later page",
			op: platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{
				Status: "paused", IncludeArchived: true, PageSize: 25, Cursor: "c_3",
			}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page_size=25&cursor=c_3&include_archived=true&status=paused"},
		},
		{
			name: "list, values are query-escaped",
			op: platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{
				Status: "a b&c=d", PageSize: 1, Cursor: "x&y=+/",
			}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page_size=1&cursor=x%26y%3D%2B%2F&status=a+b%26c%3Dd"},
		},
		{
			name: "get",
			op:   platform.Operation{Kind: platform.KindGet, OrgID: "org_1", KeyID: "k1"},
			want: platform.Request{Method: "GET", Path: coll + "/k1"},
		},
		{
			name: "get, escaped IDs",
			op:   platform.Operation{Kind: platform.KindGet, OrgID: "o 1 ü", KeyID: "a?c%d#e ключ"},
			want: platform.Request{Method: "GET", Path: "/organizations/o%201%20%C3%BC/api-keys/a%3Fc%25d%23e%20%D0%BA%D0%BB%D1%8E%D1%87"},
		},
		{
			name: "get, a slash is escaped, never joined raw",
			op:   platform.Operation{Kind: platform.KindGet, OrgID: "o/1", KeyID: "a/b"},
			want: platform.Request{Method: "GET", Path: "/organizations/o%2F1/api-keys/a%2Fb"},
		},
		{
			name: "update, nothing",
			op:   platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "k1", IdempotencyKey: idem, Update: &platform.UpdateFields{}},
			want: platform.Request{Method: "PATCH", Path: coll + "/k1", IdempotencyKey: idem, Body: []byte(`{}`)},
		},
		{
			name: "update, clears",
			op: platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "k1", IdempotencyKey: idem, Update: &platform.UpdateFields{
				Scopes: []string{}, Access: map[string]string{}, ClearUsageLimit: true, ClearExpiresAt: true, ProjectID: ptr(""),
			}},
			want: platform.Request{Method: "PATCH", Path: coll + "/k1", IdempotencyKey: idem, Body: []byte(
				`{"scopes":[],"clear_usage_limit":true,"clear_expires_at":true,"access":{},"project_scope":{"all":{}}}`)},
		},
		{
			name: "update, every value",
			op: platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "k1", IdempotencyKey: idem, Update: &platform.UpdateFields{
				Name: ptr("n"), Scopes: []string{"s"}, UsageLimitCHF: ptr(0.0), ExpiresAt: &expires,
				PermissionMode: ptr("read_only"), Access: map[string]string{"r": "read"}, ProjectID: ptr("p9"),
			}},
			want: platform.Request{Method: "PATCH", Path: coll + "/k1", IdempotencyKey: idem, Body: []byte(
				`{"key_name":"n","scopes":["s"],"usage_limit_chf":0,"expires_at":"2026-01-02T03:04:05.6Z",` +
					`"permission_mode":"read_only","access":{"r":"read"},"project_scope":{"single":{"project_id":"p9"}}}`)},
		},
		{name: "activate", op: transition("activate"), want: platform.Request{Method: "POST", Path: coll + "/k1/activate", IdempotencyKey: idem}},
		{name: "deactivate", op: transition("deactivate"), want: platform.Request{Method: "POST", Path: coll + "/k1/deactivate", IdempotencyKey: idem}},
		{name: "pause", op: transition("pause"), want: platform.Request{Method: "POST", Path: coll + "/k1/pause", IdempotencyKey: idem}},
		{name: "unpause", op: transition("unpause"), want: platform.Request{Method: "POST", Path: coll + "/k1/unpause", IdempotencyKey: idem}},
		{name: "archive", op: transition("archive"), want: platform.Request{Method: "DELETE", Path: coll + "/k1", IdempotencyKey: idem}},
		{name: "reactivate", op: transition("reactivate"), want: platform.Request{Method: "POST", Path: coll + "/k1/reactivate", IdempotencyKey: idem}},
		{name: "revoke", op: transition("revoke"), want: platform.Request{Method: "POST", Path: coll + "/k1/revoke", IdempotencyKey: idem}},
		{name: "delete", op: transition("delete"), want: platform.Request{Method: "DELETE", Path: coll + "/k1", RawQuery: "permanent=true", IdempotencyKey: idem}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := reference.Mapping{}.Encode(tt.op)
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

// The same create encodes to the same bytes, whatever the map order, so
// that a retry and a caller's own resumption with the same IdempotencyKey
// are byte-identical.
func TestEncodeCreateIsCanonical(t *testing.T) {
	t.Parallel()
	access := map[string]string{}
	for i := range 50 {
		access[strings.Repeat("r", i+1)] = "read"
	}
	op := platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", IdempotencyKey: idem,
		Create: &platform.CreateFields{Name: "n", PermissionMode: "restricted", Access: access}}
	first, err := reference.Mapping{}.Encode(op)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, err := reference.Mapping{}.Encode(op)
		if err != nil || string(again.Body) != string(first.Body) {
			t.Fatalf("Encode gave %s, then %s (%v)", first.Body, again.Body, err)
		}
	}
}

func transition(action string) platform.Operation {
	return platform.Operation{Kind: platform.KindTransition, Action: action, OrgID: "org_1", KeyID: "k1", IdempotencyKey: idem}
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
		_, err := reference.Mapping{}.Encode(tt.op)
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
		ID: "k1", OrganizationID: "org_1", Name: "ci", Prefix: "ak_live_1a2b", Status: "active", PlatformStatus: "active",
		Scopes: []string{"a"}, UsageLimitCHF: ptr(3.5), PermissionMode: "restricted", Access: map[string]string{"p": "read"},
		ProjectID: "p1", CreatedBy: "u1", UpdatedBy: "u2",
		CreatedAt: d(2025, 1, 2, 3, 4, 5), UpdatedAt: d(2025, 1, 2, 3, 4, 6),
		LastUsedAt: ptr(d(2025, 1, 3, 0, 0, 0)), ExpiresAt: ptr(d(2026, 1, 1, 0, 0, 0)),
		AvailableActions: []string{"pause", "revoke"},
	}
}

func answer(status int, body string) *platform.Answer {
	return &platform.Answer{Status: status, Header: http.Header{}, Body: []byte(body)}
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
		{name: "unknown status", body: `{"id":"k1","status":"frozen"}`, want: platform.Key{ID: "k1", Status: "frozen", PlatformStatus: "frozen"}},
		{name: "a success envelope that is not a failure", body: `{"success":true,"id":"k1"}`, want: platform.Key{ID: "k1"}},
		{name: "no id", body: `{"key_name":"ci"}`, wantErr: "reference: the answer holds no key object (no id)"},
		{name: "null", body: `null`, wantErr: "reference: the answer holds no key object (no id)"},
		{name: "a time with an offset, in UTC", body: `{"id":"k1","created_at":"2025-01-02T05:04:05+02:00"}`,
			want: platform.Key{ID: "k1", CreatedAt: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}},
		{name: "an empty time is none", body: `{"id":"k1","expires_at":""}`, want: platform.Key{ID: "k1"}},
		{name: "empty scopes and access", body: `{"id":"k1","scopes":[],"access":{}}`,
			want: platform.Key{ID: "k1", Scopes: []string{}, Access: map[string]string{}}},
		{name: "a repeated member reads as its last", body: `{"id":"k0","id":"k1"}`, want: platform.Key{ID: "k1"}},
		{name: "names count only spelled exactly", body: `{"ID":"k1","Key_Name":"ci"}`, wantErr: "reference: the answer holds no key object (no id)"},
		{name: "not JSON", body: `oops`, wantErr: "reference: answer is not JSON"},
		{name: "empty", body: ``, wantErr: "reference: answer is not JSON"},
		{name: "not an object", body: `["k1"]`, wantErr: "reference: answer is not a JSON object"},
		{name: "bad time", body: `{"id":"k1","created_at":"yesterday"}`, wantErr: "reference: answer field created_at: not an RFC 3339 time"},
		{name: "id not a string", body: `{"id":7}`, wantErr: "reference: answer field id: not a string"},
		{name: "scopes not strings", body: `{"id":"k1","scopes":["a",1]}`, wantErr: "reference: answer field scopes: not an array of strings"},
		{name: "access not strings", body: `{"id":"k1","access":{"p":true}}`, wantErr: "reference: answer field access: not an object of strings"},
		{name: "limit not a number", body: `{"id":"k1","usage_limit_chf":"3"}`, wantErr: "reference: answer field usage_limit_chf: not a number"},
		{name: "project scope not an object", body: `{"id":"k1","project_scope":"p1"}`, wantErr: "reference: answer field project_scope: not an object"},
		{name: "single project not an object", body: `{"id":"k1","project_scope":{"single":[]}}`, wantErr: "reference: answer field project_scope.single: not an object"},
	}
	ops := []*platform.Operation{
		{Kind: platform.KindGet, KeyID: "k1"},
		{Kind: platform.KindUpdate, KeyID: "k1", Update: &platform.UpdateFields{}},
		{Kind: platform.KindTransition, Action: "pause", KeyID: "k1"},
		{Kind: platform.KindTransition, Action: "archive", KeyID: "k1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, op := range ops {
				got, err := reference.Mapping{}.Decode(*op, answer(200, tt.body))
				if tt.wantErr != "" {
					if err == nil || err.Error() != tt.wantErr {
						t.Errorf("kind %d %s: err = %v, want %q", op.Kind, op.Action, err, tt.wantErr)
					}
					if strings.Contains(fmt.Sprint(err), tt.body) && len(tt.body) > 8 {
						t.Errorf("the error repeats the body: %v", err)
					}
					continue
				}
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if diff := cmp.Diff(platform.Result{Key: tt.want}, got); diff != "" {
					t.Errorf("kind %d %s: result (-want +got):\n%s", op.Kind, op.Action, diff)
				}
			}
		})
	}
}

// A permanent delete answers 204 with no body: nothing to decode.
func TestDecodeDelete(t *testing.T) {
	t.Parallel()
	op := &platform.Operation{Kind: platform.KindTransition, Action: "delete", KeyID: "k1"}
	for _, body := range []string{"", "{}"} {
		got, err := reference.Mapping{}.Decode(*op, answer(204, body))
		if err != nil || !cmp.Equal(got, platform.Result{}) {
			t.Errorf("Decode(delete, %q) = %+v, %v; want the zero Result", body, got, err)
		}
	}
}

// A 2xx whose body is the failure envelope is a *platform.Error, whatever
// the operation, with the status the envelope names.
func TestDecodeFailureEnvelope(t *testing.T) {
	t.Parallel()
	body := `{"success":false,"error":{"code":"INVALID_STATE_TRANSITION","message":"no","status":400}}`
	ops := []*platform.Operation{
		{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "n"}},
		{Kind: platform.KindList, List: &platform.ListFields{PageSize: 1}},
		{Kind: platform.KindGet, KeyID: "k1"},
		{Kind: platform.KindTransition, Action: "pause", KeyID: "k1"},
		{Kind: platform.KindTransition, Action: "delete", KeyID: "k1"},
	}
	for _, op := range ops {
		_, err := reference.Mapping{}.Decode(*op, answer(200, body))
		var pe *platform.Error
		if !errors.As(err, &pe) {
			t.Fatalf("kind %d %s: %v, want a *platform.Error", op.Kind, op.Action, err)
		}
		want := platform.Error{Status: 400, Class: platform.ClassInvalidTransition, Code: "INVALID_STATE_TRANSITION", Message: "no"}
		if diff := cmp.Diff(want, *pe); diff != "" {
			t.Errorf("kind %d %s (-want +got):\n%s", op.Kind, op.Action, diff)
		}
	}
	// "success":false without an error object is a failure all the same.
	_, err := reference.Mapping{}.Decode(*ops[2], answer(200, `{"success":false,"id":"k1"}`))
	var pe *platform.Error
	if !errors.As(err, &pe) {
		t.Errorf(`{"success":false} without an error: %v, want a *platform.Error`, err)
	}
}

func TestDecodeCreated(t *testing.T) {
	t.Parallel()
	create := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "ci"}}
	body := strings.TrimSuffix(keyJSON, "}") + `,"key":"ak_live_1a2b_secret"}`
	got, err := reference.Mapping{}.Decode(*create, answer(201, body))
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	if diff := cmp.Diff(platform.Result{Key: wantKey(), Secret: "ak_live_1a2b_secret"}, got); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	// No secret: an error, and nothing returned.
	for _, bad := range []string{`{"id":"k1"}`, `{"id":"k1","key":""}`, `{}`, `null`, `{"id":"k1","key":null}`} {
		res, err := reference.Mapping{}.Decode(*create, answer(201, bad))
		if err == nil || res.Secret != "" || err.Error() != `reference: the create answer holds no secret ("key")` {
			t.Errorf("Decode(%s) = %+v, %v; want the no-secret error", bad, res, err)
		}
	}
	// A secret without an ID: the secret comes back with the error.
	res, err := reference.Mapping{}.Decode(*create, answer(201, `{"key":"s3cr3t_value"}`))
	if err == nil || res.Secret != "s3cr3t_value" || err.Error() != `reference: the create answer holds a secret but no "id"` {
		t.Errorf("secret without ID: %+v, %v", res, err)
	}
	// A key whose other fields do not decode keeps its ID, name, prefix and
	// secret, and the error names the field, not the bytes.
	partial := `{"id":"k9","key_name":"n","key_prefix":"ak_p","key":"ak_p_s3cr3t_value","created_at":"yesterday","scopes":"x"}`
	res, err = reference.Mapping{}.Decode(*create, answer(201, partial))
	if err == nil {
		t.Fatal("a create answer with a bad field decoded without an error")
	}
	want := platform.Result{Key: platform.Key{ID: "k9", Name: "n", Prefix: "ak_p"}, Secret: "ak_p_s3cr3t_value"}
	if !cmp.Equal(want, res) {
		t.Errorf("partial create: %s", cmp.Diff(want, res))
	}
	if strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("the decode error repeats the secret: %v", err)
	}
	// Not JSON at all: an error and nothing else.
	if res, err := (reference.Mapping{}).Decode(*create, answer(201, `<html>`)); err == nil || res.Secret != "" {
		t.Errorf("HTML create answer: %+v, %v", res, err)
	}
}

func TestDecodeList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantIDs  []string
		wantNext string
	}{
		{name: "a page with more", body: `{"api_keys":[{"id":"a"},{"id":"b"}],"next_cursor":"c_b"}`, wantIDs: []string{"a", "b"}, wantNext: "c_b"},
		{name: "the last page", body: `{"api_keys":[{"id":"e"}],"next_cursor":null}`, wantIDs: []string{"e"}, wantNext: ""},
		{name: "no cursor member", body: `{"api_keys":[{"id":"e"}]}`, wantIDs: []string{"e"}, wantNext: ""},
		{name: "empty cursor", body: `{"api_keys":[{"id":"e"}],"next_cursor":""}`, wantIDs: []string{"e"}, wantNext: ""},
		{name: "empty", body: `{"api_keys":[],"next_cursor":null}`, wantIDs: []string{}, wantNext: ""},
		{name: "opaque cursor kept as it is", body: `{"api_keys":[{"id":"a"}],"next_cursor":"x&y=+/%"}`, wantIDs: []string{"a"}, wantNext: "x&y=+/%"},
		{name: "v1 pagination is ignored", body: `{"api_keys":[{"id":"a"}],"pagination":{"page":1,"total_pages":3}}`, wantIDs: []string{"a"}, wantNext: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 2, Cursor: "c_0"}}
			res, err := reference.Mapping{}.Decode(*op, answer(200, tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			ids := make([]string, len(res.Keys))
			for i, k := range res.Keys {
				ids[i] = k.ID
			}
			if diff := cmp.Diff(tt.wantIDs, ids); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if res.Next != tt.wantNext {
				t.Errorf("next = %q, want %q", res.Next, tt.wantNext)
			}
		})
	}
	// A key that does not decode fails the page, and the error says where.
	for _, tt := range []struct{ body, want string }{
		{`{"api_keys":[{"id":"a"},{"id":"b","created_at":5}]}`, "reference: answer field api_keys[1].created_at: not an RFC 3339 time"},
		{`{"api_keys":[{"id":"a"},{"key_name":"b"}]}`, "reference: answer field api_keys[1].id: missing or not a string"},
		{`{"api_keys":[null]}`, "reference: answer field api_keys[0]: not a key object"},
		{`{"api_keys":[],"next_cursor":7}`, "reference: answer field next_cursor: not a string"},
	} {
		op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 2}}
		if res, err := (reference.Mapping{}).Decode(*op, answer(200, tt.body)); err == nil || err.Error() != tt.want {
			t.Errorf("Decode(list, %s) = %+v, %v; want %q", tt.body, res, err, tt.want)
		}
	}
	// An answer without the list is an error, not an empty list.
	op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 2}}
	for _, bad := range []string{`{"api_keys":{}}`, `{}`, `{"keys":[]}`, `[]`, `oops`} {
		if res, err := (reference.Mapping{}).Decode(*op, answer(200, bad)); err == nil {
			t.Errorf("Decode(list, %s) = %+v, want an error", bad, res)
		}
	}
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want platform.Error
	}{
		{
			name: "full envelope",
			body: `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"no key","system_message":"sys","type":"not_found",
				"status":404,"details":{"id":"k1","n":2},"trace_id":"tr","timestamp":"2025-01-02T03:04:05.5+01:00"}}`,
			want: platform.Error{
				Status: 404, Class: platform.ClassNotFound,
				Code: "API_KEY_NOT_FOUND", Message: "no key", SystemMessage: "sys", Type: "not_found", TraceID: "tr",
				Timestamp: time.Date(2025, 1, 2, 2, 4, 5, 500000000, time.UTC), Details: map[string]any{"id": "k1", "n": 2.0},
			},
		},
		{name: "leading whitespace", body: "\n  {\"error\":{\"code\":\"X\"}}", want: platform.Error{Code: "X"}},
		{name: "status as a string", body: `{"error":{"code":"X","status":"404"}}`, want: platform.Error{Code: "X"}},
		{name: "status that is no error status", body: `{"error":{"code":"X","status":200}}`, want: platform.Error{Code: "X"}},
		{name: "unparsable timestamp is dropped", body: `{"error":{"code":"X","timestamp":"soon"}}`, want: platform.Error{Code: "X"}},
		{name: "numeric timestamp is dropped", body: `{"error":{"code":"X","message":"m","timestamp":1735787045}}`, want: platform.Error{Code: "X", Message: "m"}},
		{name: "details that are not an object are dropped", body: `{"error":{"code":"X","message":"m","details":[{"field":"key_name"}]}}`, want: platform.Error{Code: "X", Message: "m"}},
		{name: "empty error object", body: `{"error":{}}`, want: platform.Error{}},
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
			got := reference.Mapping{}.DecodeError(platform.Operation{Kind: platform.KindGet}, answer(400, tt.body))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
		})
	}
}

// Every code of the reference API has its class, so errors.Is works on it
// whatever the HTTP status a proxy put in front of it.
func TestDecodeErrorClasses(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]platform.Class{
		"API_KEY_NOT_FOUND":        platform.ClassNotFound,
		"INVALID_STATE_TRANSITION": platform.ClassInvalidTransition,
		"VALIDATION_ERROR":         platform.ClassInvalidParams,
		"IDEMPOTENCY_KEY_REUSED":   platform.ClassConflict,
		"INVALID_API_KEY":          platform.ClassUnauthorized,
		"INSUFFICIENT_PERMISSIONS": platform.ClassForbidden,
		"RATE_LIMIT_EXCEEDED":      platform.ClassRateLimited,
		"INTERNAL_ERROR":           platform.ClassServer,
		"SERVICE_UNAVAILABLE":      platform.ClassServer,
		"SOMETHING_NEW":            platform.ClassNone,
	} {
		got := reference.Mapping{}.DecodeError(platform.Operation{Kind: platform.KindGet},
			answer(400, `{"success":false,"error":{"code":"`+code+`"}}`))
		if got.Class != want || got.Code != code {
			t.Errorf("%s: class %d, code %q; want %d", code, got.Class, got.Code, want)
		}
	}
}
