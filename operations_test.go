package apikeys_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

// fullKeyJSON is a key object with every field of DESIGN.md set.
const fullKeyJSON = `{
  "id": "key_1",
  "organization_id": "org_1",
  "key_name": "ci deploy",
  "key_prefix": "ak_live_1a2b",
  "status": "active",
  "is_active": true,
  "scopes": ["keys:read", "keys:write"],
  "usage_limit_chf": 12.5,
  "permission_mode": "restricted",
  "access": {"projects": "read", "billing": "none"},
  "project_scope": {"single": {"project_id": "proj_7"}},
  "created_by": "user_1",
  "updated_by": "user_2",
  "created_at": "2025-01-02T03:04:05Z",
  "updated_at": "2025-01-03T04:05:06.123456789Z",
  "last_used_at": "2025-01-04T05:06:07+01:00",
  "expires_at": "2026-01-01T00:00:00Z",
  "archived_at": null,
  "revoked_at": null,
  "available_actions": ["deactivate", "pause", "archive", "revoke"]
}`

func date(y int, m time.Month, d, hh, mm, ss, ns int) time.Time {
	return time.Date(y, m, d, hh, mm, ss, ns, time.UTC)
}

// fullKey is fullKeyJSON decoded, written out by hand.
func fullKey() *apikeys.Key {
	return &apikeys.Key{
		ID:               "key_1",
		OrganizationID:   "org_1",
		Name:             "ci deploy",
		Prefix:           "ak_live_1a2b",
		Status:           apikeys.StatusActive,
		PlatformStatus:   "active",
		Platform:         apikeys.Reference,
		Scopes:           []string{"keys:read", "keys:write"},
		UsageLimitCHF:    apikeys.Ptr(12.5),
		PermissionMode:   apikeys.PermissionRestricted,
		Access:           map[string]string{"projects": "read", "billing": "none"},
		ProjectID:        "proj_7",
		CreatedBy:        "user_1",
		UpdatedBy:        "user_2",
		CreatedAt:        date(2025, 1, 2, 3, 4, 5, 0),
		UpdatedAt:        date(2025, 1, 3, 4, 5, 6, 123456789),
		LastUsedAt:       apikeys.Ptr(date(2025, 1, 4, 4, 6, 7, 0)),
		ExpiresAt:        apikeys.Ptr(date(2026, 1, 1, 0, 0, 0, 0)),
		AvailableActions: []apikeys.Action{"deactivate", "pause", "archive", "revoke"},
	}
}

// keyOp is one client method that names a key by ID.
type keyOp struct {
	name   string
	call   func(c *apikeys.Client, ctx context.Context, id string) (*apikeys.Key, error)
	method string
	suffix string         // after /api-keys/{id}
	body   map[string]any // the JSON body; nil: none
	gone   bool           // answers 204 and returns no key
}

var keyOps = []keyOp{
	{name: "Get", method: http.MethodGet, call: (*apikeys.Client).Get},
	{
		name: "Update", method: http.MethodPatch, body: map[string]any{"key_name": "renamed"},
		call: func(c *apikeys.Client, ctx context.Context, id string) (*apikeys.Key, error) {
			return c.Update(ctx, id, apikeys.UpdateParams{Name: apikeys.Ptr("renamed")})
		},
	},
	{name: "Activate", method: http.MethodPost, suffix: "/activate", call: (*apikeys.Client).Activate},
	{name: "Deactivate", method: http.MethodPost, suffix: "/deactivate", call: (*apikeys.Client).Deactivate},
	{name: "Pause", method: http.MethodPost, suffix: "/pause", call: (*apikeys.Client).Pause},
	{name: "Unpause", method: http.MethodPost, suffix: "/unpause", call: (*apikeys.Client).Unpause},
	{name: "Archive", method: http.MethodDelete, call: (*apikeys.Client).Archive},
	{name: "Reactivate", method: http.MethodPost, suffix: "/reactivate", call: (*apikeys.Client).Reactivate},
	{name: "Revoke", method: http.MethodPost, suffix: "/revoke", call: (*apikeys.Client).Revoke},
	{
		name: "Delete", method: http.MethodDelete, suffix: "?permanent=true", gone: true,
		call: func(c *apikeys.Client, ctx context.Context, id string) (*apikeys.Key, error) {
			return nil, c.Delete(ctx, id)
		},
	},
	{name: "Suspend", method: http.MethodPost, suffix: "/pause", call: (*apikeys.Client).Suspend},
	{
		name: "Transition", method: http.MethodPost, suffix: "/pause",
		call: func(c *apikeys.Client, ctx context.Context, id string) (*apikeys.Key, error) {
			return c.Transition(ctx, &apikeys.Key{ID: id, Status: apikeys.StatusActive}, apikeys.ActionPause)
		},
	},
	{
		name: "Transition delete", method: http.MethodDelete, suffix: "?permanent=true", gone: true,
		call: func(c *apikeys.Client, ctx context.Context, id string) (*apikeys.Key, error) {
			return c.Transition(ctx, &apikeys.Key{ID: id, Status: apikeys.StatusRevoked}, apikeys.ActionDelete)
		},
	},
}

func TestKeyOperations(t *testing.T) {
	for _, op := range keyOps {
		t.Run(op.name, func(t *testing.T) {
			c, f := newTestClient(t)
			url := collURL + "/key_1" + op.suffix
			if op.gone {
				f.on(op.method, url, reply{status: http.StatusNoContent})
			} else {
				f.on(op.method, url, reply{status: http.StatusOK, body: fullKeyJSON})
			}
			key, err := op.call(c, t.Context(), "key_1")
			if err != nil {
				t.Fatalf("%s: %v", op.name, err)
			}
			var want *apikeys.Key
			if !op.gone {
				want = fullKey()
			}
			if diff := cmp.Diff(want, key, ignoreUnexported); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
			r := f.onlyRequest(t)
			if diff := cmp.Diff(op.method+" "+url, r.Method+" "+r.URL); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			assertHeaders(t, r, testUserAgent)
			if diff := cmp.Diff(op.body, jsonBody(t, r.Body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDelete_200IsAlsoSuccess(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodDelete, collURL+"/k1?permanent=true", reply{status: 200, body: `{"deleted":true}`})
	if err := c.Delete(t.Context(), "k1"); err != nil {
		t.Errorf("Delete = %v, want nil", err)
	}
}

func TestKeyOperations_escapeIDs(t *testing.T) {
	ids := []struct{ id, escaped string }{
		{"a?b", "a%3Fb"},
		{"a%b", "a%25b"},
		{"ключ", "%D0%BA%D0%BB%D1%8E%D1%87"},
		{" sp", "%20sp"},
		{"a#b", "a%23b"},
		{"...", "..."},
		{"a;b=c&d+e", "a%3Bb=c&d+e"},
		{strings.Repeat("k", 256), strings.Repeat("k", 256)},
	}
	for _, op := range keyOps {
		for _, tt := range ids {
			t.Run(op.name+"/"+tt.id[:min(len(tt.id), 12)], func(t *testing.T) {
				c, f := newTestClient(t)
				url := collURL + "/" + tt.escaped + op.suffix
				if op.gone {
					f.on(op.method, url, reply{status: http.StatusNoContent})
				} else {
					f.on(op.method, url, reply{status: http.StatusOK, body: `{"id":"x"}`})
				}
				if _, err := op.call(c, t.Context(), tt.id); err != nil {
					t.Errorf("%s: %v", op.name, err)
				}
				r := f.onlyRequest(t)
				if diff := cmp.Diff(op.method+" "+url, r.Method+" "+r.URL); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
			})
		}
	}
}

func TestOrganizationIDIsEscaped(t *testing.T) {
	c, err := apikeys.New(
		apikeys.WithBaseURL(testBaseURL),
		apikeys.WithAPIKey(testCredential),
		apikeys.WithOrganization("acme eu ü?#%"),
	)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	f := activate(t, c)
	const org = testBaseURL + "/organizations/acme%20eu%20%C3%BC%3F%23%25/api-keys"
	f.on(http.MethodGet, org+"/k1", reply{status: 200, body: `{"id":"k1"}`})
	f.on(http.MethodGet, org+"?page_size=100", reply{status: 200, body: `{"api_keys":[],"next_cursor":null}`})
	f.on(http.MethodPost, org, reply{status: 201, body: `{"id":"k2","key":"s"}`})
	if _, err := c.Get(t.Context(), "k1"); err != nil {
		t.Errorf("Get: %v", err)
	}
	for _, err := range c.List(t.Context(), apikeys.ListParams{}) {
		t.Errorf("List yielded %v", err)
	}
	if _, err := c.Create(t.Context(), apikeys.CreateParams{Name: "n"}); err != nil {
		t.Errorf("Create: %v", err)
	}
	want := []string{"GET " + org + "/k1", "GET " + org + "?page_size=100", "POST " + org}
	if diff := cmp.Diff(want, summarize(f.requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}

func TestKeyOperations_invalidIDs(t *testing.T) {
	ids := []struct{ name, id, reason string }{
		{"empty", "", "is empty"},
		{"dot", ".", `must not be "." or ".."`},
		{"dot dot", "..", `must not be "." or ".."`},
		{"CRLF", "a\r\nb", "contains control characters"},
		{"NUL", "a\x00b", "contains control characters"},
		{"tab", "a\tb", "contains control characters"},
		{"DEL", "a\x7fb", "contains control characters"},
		{"C1 control", "a\u0085b", "contains control characters"},
		{"257 bytes", strings.Repeat("k", 257), "is longer than 256 bytes"},
		{"300 bytes", strings.Repeat("k", 300), "is longer than 256 bytes"},
		{"invalid UTF-8", "k\xff\xfe", "is not valid UTF-8"},
		// A proxy that decodes %2F would turn a call on one key into a call
		// on another: "/" and "\" are refused, never escaped.
		{"slash", "a/b", `must not contain "/" or "\"`},
		{"path walk", "../x", `must not contain "/" or "\"`},
		{"leading slash", "/k1", `must not contain "/" or "\"`},
		{"backslash", `a\b`, `must not contain "/" or "\"`},
		{"backslash walk", `..\x`, `must not contain "/" or "\"`},
	}
	for _, op := range keyOps {
		for _, tt := range ids {
			t.Run(op.name+"/"+tt.name, func(t *testing.T) {
				c, f := newTestClient(t)
				key, err := op.call(c, t.Context(), tt.id)
				if key != nil {
					t.Errorf("key = %+v, want nil", key)
				}
				assertValidationError(t, err, apikeys.ValidationError{Field: "keyID", Reason: tt.reason})
				assertNoRequest(t, f)
			})
		}
	}
}

func TestKeyDecoding(t *testing.T) {
	tests := []struct {
		name string
		body string
		want *apikeys.Key
	}{
		{name: "every field, one project", body: fullKeyJSON, want: fullKey()},
		{
			name: "all projects, archived",
			body: `{"id":"k2","organization_id":"org_1","key_name":"old","key_prefix":"ak_live_9z","status":"archived","is_active":false,
				"scopes":["keys:read"],"usage_limit_chf":null,"permission_mode":"all","access":null,"project_scope":{"all":{}},
				"created_by":"u","updated_by":"u","created_at":"2024-02-29T23:59:59Z","updated_at":"2024-03-01T00:00:00Z",
				"last_used_at":null,"expires_at":null,"archived_at":"2024-03-01T00:00:00Z","revoked_at":null,
				"available_actions":["reactivate","revoke","delete"]}`,
			want: &apikeys.Key{
				ID: "k2", OrganizationID: "org_1", Name: "old", Prefix: "ak_live_9z", Status: apikeys.StatusArchived,
				PlatformStatus: "archived", Platform: apikeys.Reference,
				Scopes: []string{"keys:read"}, PermissionMode: apikeys.PermissionAll,
				CreatedBy: "u", UpdatedBy: "u",
				CreatedAt: date(2024, 2, 29, 23, 59, 59, 0), UpdatedAt: date(2024, 3, 1, 0, 0, 0, 0),
				ArchivedAt:       apikeys.Ptr(date(2024, 3, 1, 0, 0, 0, 0)),
				AvailableActions: []apikeys.Action{"reactivate", "revoke", "delete"},
			},
		},
		{
			name: "revoked, empty collections, zero limit",
			body: `{"id":"k3","status":"revoked","scopes":[],"access":{},"usage_limit_chf":0,"permission_mode":"read_only",
				"revoked_at":"2025-05-05T05:05:05.5Z","available_actions":["delete"]}`,
			want: &apikeys.Key{
				ID: "k3", Status: apikeys.StatusRevoked, PlatformStatus: "revoked", Platform: apikeys.Reference,
				Scopes: []string{}, Access: map[string]string{},
				UsageLimitCHF: apikeys.Ptr(0.0), PermissionMode: apikeys.PermissionReadOnly,
				RevokedAt:        apikeys.Ptr(date(2025, 5, 5, 5, 5, 5, 500000000)),
				AvailableActions: []apikeys.Action{"delete"},
			},
		},
		{name: "only an ID", body: `{"id":"k4"}`, want: &apikeys.Key{ID: "k4", Platform: apikeys.Reference}},
		{
			name: "unknown status, action, mode and fields",
			body: `{"id":"k5","status":"frozen","permission_mode":"write","available_actions":["thaw"],"colour":"blue","is_active":false,"available_actions_v2":[1]}`,
			want: &apikeys.Key{ID: "k5", Status: "frozen", PlatformStatus: "frozen", Platform: apikeys.Reference,
				PermissionMode: "write", AvailableActions: []apikeys.Action{"thaw"}},
		},
		{
			name: "empty available actions",
			body: `{"id":"k6","status":"active","available_actions":[]}`,
			want: &apikeys.Key{ID: "k6", Status: apikeys.StatusActive, PlatformStatus: "active", Platform: apikeys.Reference,
				AvailableActions: []apikeys.Action{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: tt.body})
			key, err := c.Get(t.Context(), "k1")
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(tt.want, key, ignoreUnexported); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
		})
	}
}

func TestKeyDecoding_unknownStatusIsNotValid(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"frozen"}`})
	key, err := c.Get(t.Context(), "k1")
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if key.Status != "frozen" || key.Status.Valid() {
		t.Errorf("Status = %q, Valid() = %v; want frozen, false", key.Status, key.Status.Valid())
	}
}

func TestKeyDecoding_failures(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		wantErr string
	}{
		// The error names the platform, the operation and the key, and the
		// field that failed, never the bytes.
		{name: "empty object", body: `{}`, wantErr: "apikeys: reference: get key k1: decoding the 200 answer (request req_test): reference: the answer holds no key object (no id)"},
		{name: "empty body", body: ``, wantErr: "apikeys: reference: get key k1: decoding the 200 answer (request req_test): reference: answer is not JSON"},
		{name: "not JSON", body: `<html>ok</html>`, wantErr: "apikeys: reference: get key k1: decoding the 200 answer (request req_test): reference: answer is not JSON"},
		{name: "wrong type", body: `{"id":7}`, wantErr: "apikeys: reference: get key k1: decoding the 200 answer (request req_test): reference: answer field id: not a string"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: tt.body})
			key, err := c.Get(t.Context(), "k1")
			if key != nil {
				t.Errorf("key = %+v, want nil", key)
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			var apiErr *apikeys.APIError
			if errors.As(err, &apiErr) {
				t.Errorf("err is an *APIError, want a decoding error")
			}
		})
	}
}

const createdJSON = `{"id":"key_new","organization_id":"org_1","key_name":"ci","key_prefix":"ak_live_5e6f","status":"active",
"scopes":["keys:read"],"permission_mode":"all","project_scope":{"all":{}},"created_at":"2025-01-02T03:04:05Z",
"updated_at":"2025-01-02T03:04:05Z","available_actions":["deactivate","pause","archive","revoke"],
"key":"ak_live_5e6f_TOPSECRET_0123456789abcdef"}`

const createdSecret = "ak_live_5e6f_TOPSECRET_0123456789abcdef"

func createdKey() *apikeys.Key {
	return &apikeys.Key{
		ID: "key_new", OrganizationID: "org_1", Name: "ci", Prefix: "ak_live_5e6f", Status: apikeys.StatusActive,
		PlatformStatus: "active", Platform: apikeys.Reference,
		Scopes: []string{"keys:read"}, PermissionMode: apikeys.PermissionAll,
		CreatedAt: date(2025, 1, 2, 3, 4, 5, 0), UpdatedAt: date(2025, 1, 2, 3, 4, 5, 0),
		AvailableActions: []apikeys.Action{"deactivate", "pause", "archive", "revoke"},
	}
}

func TestCreate(t *testing.T) {
	expires := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name     string
		params   apikeys.CreateParams
		wantBody map[string]any
	}{
		{
			name:     "name only",
			params:   apikeys.CreateParams{Name: "ci"},
			wantBody: map[string]any{"key_name": "ci"},
		},
		{
			name: "every field, one project",
			params: apikeys.CreateParams{
				Name: "ci", Scopes: []string{"keys:read", "keys:write"}, UsageLimitCHF: apikeys.Ptr(12.5),
				ExpiresAt: &expires, PermissionMode: apikeys.PermissionRestricted,
				Access: map[string]string{"projects": "read"}, ProjectID: "p1",
			},
			wantBody: map[string]any{
				"key_name": "ci", "scopes": []any{"keys:read", "keys:write"}, "usage_limit_chf": json.Number("12.5"),
				"expires_at": "2026-01-01T00:00:00Z", "permission_mode": "restricted",
				"access": map[string]any{"projects": "read"}, "project_scope": map[string]any{"single": map[string]any{"project_id": "p1"}},
			},
		},
		{
			name:     "zero usage limit is sent",
			params:   apikeys.CreateParams{Name: "ci", UsageLimitCHF: apikeys.Ptr(0.0), PermissionMode: apikeys.PermissionReadOnly},
			wantBody: map[string]any{"key_name": "ci", "usage_limit_chf": json.Number("0"), "permission_mode": "read_only"},
		},
		{
			// The body is canonical: times in UTC, so the same params give
			// the same bytes wherever they are sent from.
			name:     "expiry in another zone is sent in UTC",
			params:   apikeys.CreateParams{Name: "ci", ExpiresAt: apikeys.Ptr(time.Date(2026, 1, 1, 1, 30, 0, 0, time.FixedZone("CET", 3600)))},
			wantBody: map[string]any{"key_name": "ci", "expires_at": "2026-01-01T00:30:00Z"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodPost, collURL, reply{status: http.StatusCreated, body: createdJSON})
			created, err := c.Create(t.Context(), tt.params)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if diff := cmp.Diff(createdKey(), created.Key, ignoreUnexported); diff != "" {
				t.Errorf("Key (-want +got):\n%s", diff)
			}
			if got := created.Secret.Reveal(); got != createdSecret {
				t.Errorf("Secret.Reveal() = %q, want %q", got, createdSecret)
			}
			if created.Secret.IsZero() {
				t.Error("Secret.IsZero() = true")
			}
			r := f.onlyRequest(t)
			if diff := cmp.Diff("POST "+collURL, r.Method+" "+r.URL); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			assertHeaders(t, r, testUserAgent)
			if diff := cmp.Diff(tt.wantBody, jsonBody(t, r.Body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCreate_secretIsRedacted(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodPost, collURL, reply{status: http.StatusCreated, body: createdJSON})
	created, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	s := created.Secret
	exact := []struct{ format, want string }{
		{"%v", "ak_live_5e6f[REDACTED]"},
		{"%+v", "ak_live_5e6f[REDACTED]"},
		{"%s", "ak_live_5e6f[REDACTED]"},
		{"%q", `"ak_live_5e6f[REDACTED]"`},
		{"%#v", "apikeys.Secret(ak_live_5e6f[REDACTED])"},
		{"%x", "ak_live_5e6f[REDACTED]"},
		{"%d", "ak_live_5e6f[REDACTED]"},
	}
	for _, tt := range exact {
		if got := fmt.Sprintf(tt.format, s); got != tt.want {
			t.Errorf("Sprintf(%q, secret) = %q, want %q", tt.format, got, tt.want)
		}
	}
	if got := s.String(); got != "ak_live_5e6f[REDACTED]" {
		t.Errorf("String() = %q", got)
	}
	js, err := json.Marshal(created)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	var logBuf strings.Builder
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("created", "secret", s, "created", created)
	for _, out := range []string{
		fmt.Sprint(s), fmt.Sprintf("%v", *created), fmt.Sprintf("%+v", *created), fmt.Sprintf("%#v", *created),
		fmt.Sprintf("%v", []apikeys.Secret{s}), string(js), logBuf.String(),
	} {
		if strings.Contains(out, createdSecret) || strings.Contains(out, "TOPSECRET") {
			t.Errorf("output %q contains the secret", out)
		}
		if !strings.Contains(out, "[REDACTED]") {
			t.Errorf("output %q does not show [REDACTED]", out)
		}
	}
	var zero apikeys.Secret
	if !zero.IsZero() || zero.Reveal() != "" || zero.String() != "[REDACTED]" {
		t.Errorf("zero Secret: IsZero %v, Reveal %q, String %q; want true, \"\", [REDACTED]", zero.IsZero(), zero.Reveal(), zero.String())
	}
}

func TestCreate_refusedLocally(t *testing.T) {
	tests := []struct {
		name   string
		params apikeys.CreateParams
		want   apikeys.ValidationError
	}{
		{name: "empty name", params: apikeys.CreateParams{}, want: apikeys.ValidationError{Field: "Name", Reason: "is required"}},
		{
			name:   "restricted without access",
			params: apikeys.CreateParams{Name: "ci", PermissionMode: apikeys.PermissionRestricted},
			want:   apikeys.ValidationError{Field: "Access", Reason: "is required when PermissionMode is restricted"},
		},
		{
			name:   "restricted with empty access",
			params: apikeys.CreateParams{Name: "ci", PermissionMode: apikeys.PermissionRestricted, Access: map[string]string{}},
			want:   apikeys.ValidationError{Field: "Access", Reason: "is required when PermissionMode is restricted"},
		},
		{
			name:   "white-space name",
			params: apikeys.CreateParams{Name: " \t "},
			want:   apikeys.ValidationError{Field: "Name", Reason: "is only white space"},
		},
		{
			name:   "white-space scope",
			params: apikeys.CreateParams{Name: "ci", Scopes: []string{"keys:read", "\t"}},
			want:   apikeys.ValidationError{Field: "Scopes", Reason: "must not hold an empty or white-space scope"},
		},
		{
			name:   "empty scope",
			params: apikeys.CreateParams{Name: "ci", Scopes: []string{""}},
			want:   apikeys.ValidationError{Field: "Scopes", Reason: "must not hold an empty or white-space scope"},
		},
		{
			name:   "idempotency key with a space",
			params: apikeys.CreateParams{Name: "ci", IdempotencyKey: "a b"},
			want:   apikeys.ValidationError{Field: "IdempotencyKey", Reason: "must be 1 to 255 visible ASCII characters"},
		},
		{
			name:   "idempotency key of 256 bytes",
			params: apikeys.CreateParams{Name: "ci", IdempotencyKey: strings.Repeat("k", 256)},
			want:   apikeys.ValidationError{Field: "IdempotencyKey", Reason: "must be 1 to 255 visible ASCII characters"},
		},
		{
			name:   "idempotency key with a control character",
			params: apikeys.CreateParams{Name: "ci", IdempotencyKey: "k\r\nX-Evil: 1"},
			want:   apikeys.ValidationError{Field: "IdempotencyKey", Reason: "must be 1 to 255 visible ASCII characters"},
		},
		{
			name:   "idempotency key that is not ASCII",
			params: apikeys.CreateParams{Name: "ci", IdempotencyKey: "clé"},
			want:   apikeys.ValidationError{Field: "IdempotencyKey", Reason: "must be 1 to 255 visible ASCII characters"},
		},
		{
			name:   "unknown permission mode",
			params: apikeys.CreateParams{Name: "ci", PermissionMode: "write"},
			want:   apikeys.ValidationError{Field: "PermissionMode", Reason: "is not all, restricted or read_only"},
		},
		{
			name:   "zero ExpiresAt",
			params: apikeys.CreateParams{Name: "ci", ExpiresAt: &time.Time{}},
			want:   apikeys.ValidationError{Field: "ExpiresAt", Reason: "is the zero time; leave it nil for no expiry"},
		},
		{
			name:   "NaN limit",
			params: apikeys.CreateParams{Name: "ci", UsageLimitCHF: apikeys.Ptr(nan())},
			want:   apikeys.ValidationError{Field: "UsageLimitCHF", Reason: "must be a finite number >= 0"},
		},
		{
			name:   "negative limit",
			params: apikeys.CreateParams{Name: "ci", UsageLimitCHF: apikeys.Ptr(-0.01)},
			want:   apikeys.ValidationError{Field: "UsageLimitCHF", Reason: "must be a finite number >= 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			created, err := c.Create(t.Context(), tt.params)
			if created != nil {
				t.Errorf("created = %+v, want nil", created)
			}
			assertValidationError(t, err, tt.want)
			assertNoRequest(t, f)
		})
	}
}

// A create answer that does not decode: the key may exist, and no secret
// came back. That is an *OutcomeUnknownError carrying the Idempotency-Key
// that was sent, so the call can be resumed; a secret that did decode comes
// back with the error. No error holds the secret.
func TestCreate_decodeFailures(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		wantUnknown bool   // an *OutcomeUnknownError
		wantSecret  bool   // the CreatedKey comes back with the secret
		wantCause   string // the cause's message
	}{
		{
			name:        "no secret",
			body:        `{"id":"k1","key_name":"ci"}`,
			wantUnknown: true,
			wantCause:   `apikeys: reference: create: decoding the 201 answer (request req_test): reference: the create answer holds no secret ("key")`,
		},
		{
			name:       "secret but no id",
			body:       `{"key":"` + createdSecret + `"}`,
			wantSecret: true,
			wantCause:  `apikeys: reference: create: decoding the 201 answer (request req_test): reference: the create answer holds a secret but no "id"`,
		},
		{
			name:        "truncated after the secret",
			body:        `{"id":"k1","key":"` + createdSecret + `","scopes":[`,
			wantUnknown: true,
			wantCause:   "apikeys: reference: create: decoding the 201 answer (request req_test): reference: answer is not JSON",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodPost, collURL, reply{status: 201, body: tt.body})
			created, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
			if tt.wantSecret != (created != nil) {
				t.Fatalf("created = %+v, want a CreatedKey: %v", created, tt.wantSecret)
			}
			if created != nil && created.Secret.Reveal() != createdSecret {
				t.Errorf("created secret lost")
			}
			var unknown *apikeys.OutcomeUnknownError
			if errors.As(err, &unknown) != tt.wantUnknown || errors.Is(err, apikeys.ErrOutcomeUnknown) != tt.wantUnknown {
				t.Fatalf("err = %v; an *OutcomeUnknownError: %v", err, tt.wantUnknown)
			}
			cause := err
			if unknown != nil {
				idem := f.onlyRequest(t).Header.Get("Idempotency-Key")
				if unknown.IdempotencyKey != idem || idem == "" || unknown.Platform != apikeys.Reference || unknown.Operation != "create" {
					t.Errorf("OutcomeUnknownError = %+v, want the Idempotency-Key %q that was sent", unknown, idem)
				}
				cause = unknown.Err
			}
			if cause == nil || cause.Error() != tt.wantCause {
				t.Errorf("cause = %v, want %q", cause, tt.wantCause)
			}
			if f := fmt.Sprintf("%v %+v", err, err); strings.Contains(f, "TOPSECRET") {
				t.Errorf("error %q contains the secret", f)
			}
		})
	}
}

func TestIdempotencyKeys_differPerCall(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
	f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 200, body: `{"id":"k1"}`})
	f.on(http.MethodPatch, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
	f.on(http.MethodDelete, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
	f.on(http.MethodDelete, collURL+"/k1?permanent=true", reply{status: 204})
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1"}`})
	ctx := t.Context()
	for range 2 {
		if _, err := c.Create(ctx, apikeys.CreateParams{Name: "ci"}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Pause(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Update(ctx, "k1", apikeys.UpdateParams{Name: apikeys.Ptr("n")}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Archive(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if err := c.Delete(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Get(ctx, "k1"); err != nil {
			t.Fatal(err)
		}
	}
	reqs := f.requests()
	if len(reqs) != 12 {
		t.Fatalf("sent %d requests, want 12", len(reqs))
	}
	seen := map[string]string{}
	for _, r := range reqs {
		idem := assertHeaders(t, r, testUserAgent)
		if r.Method == http.MethodGet {
			continue
		}
		if prev, dup := seen[idem]; dup {
			t.Errorf("Idempotency-Key %s of %s %s was already used by %s", idem, r.Method, r.URL, prev)
		}
		seen[idem] = r.Method + " " + r.URL
	}
	if len(seen) != 10 {
		t.Errorf("%d distinct Idempotency-Keys, want 10", len(seen))
	}
}

func TestKey_Expired(t *testing.T) {
	t.Parallel()
	now := date(2025, 6, 1, 12, 0, 0, 0)
	tests := []struct {
		name    string
		expires *time.Time
		want    bool
	}{
		{name: "no expiry", expires: nil, want: false},
		{name: "in the future", expires: apikeys.Ptr(now.Add(time.Nanosecond)), want: false},
		{name: "exactly now", expires: apikeys.Ptr(now), want: true},
		{name: "exactly now in another zone", expires: apikeys.Ptr(now.In(time.FixedZone("X", -7*3600))), want: true},
		{name: "in the past", expires: apikeys.Ptr(now.Add(-time.Hour)), want: true},
	}
	for _, tt := range tests {
		k := &apikeys.Key{ExpiresAt: tt.expires}
		if got := k.Expired(now); got != tt.want {
			t.Errorf("%s: Expired = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestPtr(t *testing.T) {
	t.Parallel()
	p := apikeys.Ptr("x")
	q := apikeys.Ptr("x")
	if *p != "x" || p == q {
		t.Errorf("Ptr: %q, distinct %v; want x, true", *p, p != q)
	}
	if f := apikeys.Ptr(12.5); *f != 12.5 {
		t.Errorf("*Ptr(12.5) = %v", *f)
	}
}

// TransitionMany.

// resultSummary makes Results comparable: the key's status and which
// sentinel the error matches.
type resultSummary struct {
	KeyID  string
	Status apikeys.Status // "" for no key
	Err    string         // "" for none; else the sentinel name or "other"
}

func summarizeResults(rs []apikeys.Result) []resultSummary {
	out := make([]resultSummary, len(rs))
	for i, r := range rs {
		out[i].KeyID = r.KeyID
		if r.Key != nil {
			out[i].Status = r.Key.Status
		}
		switch {
		case r.Err == nil:
		case errors.Is(r.Err, apikeys.ErrNotFound):
			out[i].Err = "ErrNotFound"
		case errors.Is(r.Err, apikeys.ErrInvalidTransition):
			out[i].Err = "ErrInvalidTransition"
		case errors.Is(r.Err, apikeys.ErrInvalidParams):
			out[i].Err = "ErrInvalidParams"
		case errors.Is(r.Err, context.Canceled):
			out[i].Err = "context.Canceled"
		default:
			out[i].Err = "other: " + r.Err.Error()
		}
	}
	return out
}

func TestTransitionMany(t *testing.T) {
	for _, concurrency := range []int{-3, 0, 1, 2, 5, 100} {
		t.Run(fmt.Sprint("concurrency ", concurrency), func(t *testing.T) {
			c, f := newTestClient(t, apikeys.WithMaxRetries(0))
			for _, id := range []string{"k1", "k2", "k4", "k5"} {
				f.on(http.MethodPost, collURL+"/"+id+"/pause", reply{status: 200, body: `{"id":"` + id + `","status":"paused"}`})
			}
			f.on(http.MethodPost, collURL+"/k3/pause", reply{status: 404, body: envelope("API_KEY_NOT_FOUND", 404)})
			f.on(http.MethodPost, collURL+"/k6/pause", reply{status: 400, body: envelope("INVALID_STATE_TRANSITION", 400)})
			ids := []string{"k1", "k2", "k3", "k4", "..", "k5", "k6"}
			results := c.TransitionMany(t.Context(), apikeys.ActionPause, ids, concurrency)
			want := []resultSummary{
				{KeyID: "k1", Status: "paused"},
				{KeyID: "k2", Status: "paused"},
				{KeyID: "k3", Err: "ErrNotFound"},
				{KeyID: "k4", Status: "paused"},
				{KeyID: "..", Err: "ErrInvalidParams"},
				{KeyID: "k5", Status: "paused"},
				{KeyID: "k6", Err: "ErrInvalidTransition"},
			}
			if diff := cmp.Diff(want, summarizeResults(results)); diff != "" {
				t.Errorf("results (-want +got):\n%s", diff)
			}
			got := summarize(f.requests())
			slices.Sort(got)
			wantReqs := []string{
				"POST " + collURL + "/k1/pause", "POST " + collURL + "/k2/pause", "POST " + collURL + "/k3/pause",
				"POST " + collURL + "/k4/pause", "POST " + collURL + "/k5/pause", "POST " + collURL + "/k6/pause",
			}
			if diff := cmp.Diff(wantReqs, got); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
}

func TestTransitionMany_concurrency(t *testing.T) {
	tests := []struct {
		concurrency int
		want        int // requests in flight at most
	}{
		{concurrency: -1, want: 1},
		{concurrency: 0, want: 1},
		{concurrency: 1, want: 1},
		{concurrency: 3, want: 3},
		{concurrency: 50, want: 6}, // never more workers than keys
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.concurrency), func(t *testing.T) {
			c, f := newTestClient(t)
			ids := []string{"a", "b", "c", "d", "e", "f"}
			for _, id := range ids {
				f.on(http.MethodPost, collURL+"/"+id+"/revoke", reply{status: 200, body: `{"id":"` + id + `","status":"revoked"}`})
			}
			var inFlight, peak atomic.Int32
			reached := make(chan struct{})
			var once sync.Once
			f.before = func(*http.Request) error {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for {
					old := peak.Load()
					if n <= old || peak.CompareAndSwap(old, n) {
						break
					}
				}
				if int(n) >= tt.want {
					once.Do(func() { close(reached) })
				}
				// Hold the request until the expected parallelism is seen
				// once, so that a wrong worker count shows in the peak.
				select {
				case <-reached:
					time.Sleep(time.Millisecond)
				case <-time.After(2 * time.Second):
				}
				return nil
			}
			results := c.TransitionMany(t.Context(), apikeys.ActionRevoke, ids, tt.concurrency)
			for i, r := range results {
				if r.Err != nil || r.KeyID != ids[i] || r.Key == nil || r.Key.ID != ids[i] {
					t.Errorf("results[%d] = %+v, want key %s revoked", i, r, ids[i])
				}
			}
			if got := int(peak.Load()); got != tt.want {
				t.Errorf("peak requests in flight = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestTransitionMany_edgeCases(t *testing.T) {
	t.Run("no keys", func(t *testing.T) {
		c, f := newTestClient(t)
		results := c.TransitionMany(t.Context(), apikeys.ActionPause, nil, 4)
		if len(results) != 0 {
			t.Errorf("results = %+v, want none", results)
		}
		assertNoRequest(t, f)
	})
	t.Run("canceled context", func(t *testing.T) {
		c, f := newTestClient(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		results := c.TransitionMany(ctx, apikeys.ActionPause, []string{"k1", "k2", "k3"}, 2)
		want := []resultSummary{
			{KeyID: "k1", Err: "context.Canceled"}, {KeyID: "k2", Err: "context.Canceled"}, {KeyID: "k3", Err: "context.Canceled"},
		}
		if diff := cmp.Diff(want, summarizeResults(results)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		assertNoRequest(t, f)
	})
	t.Run("delete returns no keys", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodDelete, collURL+"/k1?permanent=true", reply{status: 204})
		f.on(http.MethodDelete, collURL+"/k2?permanent=true", reply{status: 204})
		results := c.TransitionMany(t.Context(), apikeys.ActionDelete, []string{"k1", "k2"}, 2)
		want := []resultSummary{{KeyID: "k1"}, {KeyID: "k2"}}
		if diff := cmp.Diff(want, summarizeResults(results)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		for i, r := range results {
			if r.Key != nil {
				t.Errorf("results[%d].Key = %+v, want nil", i, r.Key)
			}
		}
	})
	t.Run("unknown action", func(t *testing.T) {
		c, f := newTestClient(t)
		results := c.TransitionMany(t.Context(), "freeze", []string{"k1"}, 1)
		want := []resultSummary{{KeyID: "k1", Err: "ErrInvalidParams"}}
		if diff := cmp.Diff(want, summarizeResults(results)); diff != "" {
			t.Errorf("results (-want +got):\n%s", diff)
		}
		assertNoRequest(t, f)
	})
}

// Rotate.

// rotatedKeyJSON is the key that Rotate replaces.
func rotatedKeyJSON(status string, expires *time.Time) string {
	exp := "null"
	if expires != nil {
		exp = `"` + expires.UTC().Format(time.RFC3339Nano) + `"`
	}
	return `{"id":"k1","organization_id":"org_1","key_name":"ci","key_prefix":"ak_live_0ld0","status":"` + status + `",
"scopes":["keys:read","keys:write"],"usage_limit_chf":5,"permission_mode":"restricted","access":{"projects":"read"},
"project_scope":{"single":{"project_id":"p1"}},"created_at":"2025-01-01T00:00:00Z","updated_at":"2025-01-01T00:00:00Z",
"expires_at":` + exp + `}`
}

// wantRotateCreate is the create body Rotate sends for rotatedKeyJSON.
var wantRotateCreate = map[string]any{
	"key_name": "ci", "scopes": []any{"keys:read", "keys:write"}, "usage_limit_chf": json.Number("5"),
	"permission_mode": "restricted", "access": map[string]any{"projects": "read"},
	"project_scope": map[string]any{"single": map[string]any{"project_id": "p1"}},
}

func TestRotate_graceZeroArchives(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON("paused", nil)})
	f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
	f.on(http.MethodDelete, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"archived"}`})
	created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{})
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if diff := cmp.Diff(createdKey(), created.Key, ignoreUnexported); diff != "" {
		t.Errorf("Key (-want +got):\n%s", diff)
	}
	if created.Secret.Reveal() != createdSecret {
		t.Errorf("Secret.Reveal() = %q, want %q", created.Secret.Reveal(), createdSecret)
	}
	reqs := f.requests()
	want := []string{"GET " + collURL + "/k1", "POST " + collURL, "DELETE " + collURL + "/k1"}
	if diff := cmp.Diff(want, summarize(reqs)); diff != "" {
		t.Fatalf("requests (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(wantRotateCreate, jsonBody(t, reqs[1].Body)); diff != "" {
		t.Errorf("create body (-want +got):\n%s", diff)
	}
	if len(reqs[2].Body) != 0 {
		t.Errorf("archive body = %q, want none", reqs[2].Body)
	}
}

func TestRotate_graceSetsExpiry(t *testing.T) {
	const grace = time.Hour
	tests := []struct {
		name      string
		oldExpiry *time.Time
		wantPatch bool
	}{
		{name: "no expiry yet", oldExpiry: nil, wantPatch: true},
		{name: "later expiry is brought forward", oldExpiry: apikeys.Ptr(time.Now().Add(48 * time.Hour)), wantPatch: true},
		{name: "earlier expiry is kept", oldExpiry: apikeys.Ptr(time.Now().Add(time.Minute)), wantPatch: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON("active", tt.oldExpiry)})
			f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
			f.on(http.MethodPatch, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"active"}`})
			before := time.Now()
			created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{Grace: grace})
			after := time.Now()
			if err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			if created.Key.ID != "key_new" || created.Secret.Reveal() != createdSecret {
				t.Errorf("created = %s %q, want key_new and its secret", created.Key.ID, created.Secret.Reveal())
			}
			reqs := f.requests()
			want := []string{"GET " + collURL + "/k1", "POST " + collURL}
			if tt.wantPatch {
				want = append(want, "PATCH "+collURL+"/k1")
			}
			if diff := cmp.Diff(want, summarize(reqs)); diff != "" {
				t.Fatalf("requests (-want +got):\n%s", diff)
			}
			// The replacement lives as long as the old key did: now plus
			// ExpiresAt-CreatedAt; none without an expiry.
			createBody := jsonBody(t, reqs[1].Body)
			if tt.oldExpiry != nil {
				lifetime := tt.oldExpiry.Sub(date(2025, 1, 1, 0, 0, 0, 0))
				assertTimeBetween(t, "replacement expires_at", createBody["expires_at"], before.Add(lifetime), after.Add(lifetime))
				delete(createBody, "expires_at")
			}
			if diff := cmp.Diff(wantRotateCreate, createBody); diff != "" {
				t.Errorf("create body (-want +got):\n%s", diff)
			}
			if !tt.wantPatch {
				return
			}
			body := jsonBody(t, reqs[2].Body)
			if len(body) != 1 {
				t.Errorf("patch body = %s, want only expires_at", reqs[2].Body)
			}
			s, _ := body["expires_at"].(string)
			exp, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				t.Fatalf("expires_at %q: %v", s, err)
			}
			if exp.Before(before.Add(grace).Truncate(time.Second)) || exp.After(after.Add(grace)) {
				t.Errorf("expires_at = %v, want between %v and %v", exp, before.Add(grace), after.Add(grace))
			}
		})
	}
}

func TestRotate_failures(t *testing.T) {
	t.Run("retiring fails: the new key is still returned", func(t *testing.T) {
		c, f := newTestClient(t, apikeys.WithMaxRetries(0))
		f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON("active", nil)})
		f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
		f.on(http.MethodDelete, collURL+"/k1", reply{status: 500, body: envelope("INTERNAL_ERROR", 500)})
		created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{})
		if created == nil {
			t.Fatalf("created = nil (err %v), want the new key", err)
		}
		if created.Key.ID != "key_new" || created.Secret.Reveal() != createdSecret {
			t.Errorf("created = %s %q, want key_new and its secret", created.Key.ID, created.Secret.Reveal())
		}
		if !errors.Is(err, apikeys.ErrServer) {
			t.Errorf("err = %v, want ErrServer", err)
		}
		const wantMsg = "apikeys: reference: rotate: replacement key_new was created, but retiring k1 failed: " +
			"apikeys: reference: archive key k1: 500 INTERNAL_ERROR: m (request req_test)"
		if err == nil || err.Error() != wantMsg {
			t.Errorf("err = %v, want %q", err, wantMsg)
		}
	})
	t.Run("retiring with a grace fails", func(t *testing.T) {
		c, f := newTestClient(t, apikeys.WithMaxRetries(0))
		f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON("active", nil)})
		f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
		f.on(http.MethodPatch, collURL+"/k1", reply{status: 404, body: envelope("API_KEY_NOT_FOUND", 404)})
		created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{Grace: time.Minute})
		if created == nil || created.Secret.Reveal() != createdSecret {
			t.Errorf("created = %v, want the new key and its secret", created)
		}
		if !errors.Is(err, apikeys.ErrNotFound) {
			t.Errorf("err = %v, want ErrNotFound", err)
		}
	})
	t.Run("create fails", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON("active", nil)})
		f.on(http.MethodPost, collURL, reply{status: 422, body: envelope("VALIDATION_ERROR", 422)})
		created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{})
		if created != nil {
			t.Errorf("created = %+v, want nil", created)
		}
		if !errors.Is(err, apikeys.ErrInvalidParams) {
			t.Errorf("err = %v, want ErrInvalidParams", err)
		}
		want := []string{"GET " + collURL + "/k1", "POST " + collURL}
		if diff := cmp.Diff(want, summarize(f.requests())); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
	t.Run("get fails", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodGet, collURL+"/k1", reply{status: 404, body: envelope("API_KEY_NOT_FOUND", 404)})
		created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{})
		if created != nil || !errors.Is(err, apikeys.ErrNotFound) {
			t.Errorf("Rotate = %+v, %v; want nil, ErrNotFound", created, err)
		}
		if got := len(f.requests()); got != 1 {
			t.Errorf("sent %d requests, want 1", got)
		}
	})
	for _, status := range []string{"archived", "revoked"} {
		t.Run("old key is "+status, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON(status, nil)})
			created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{})
			if created != nil {
				t.Errorf("created = %+v, want nil", created)
			}
			var te *apikeys.TransitionError
			if !errors.As(err, &te) {
				t.Fatalf("err = %v, want a *TransitionError", err)
			}
			want := apikeys.TransitionError{Platform: apikeys.Reference, From: apikeys.Status(status), Action: apikeys.ActionArchive}
			if diff := cmp.Diff(want, *te); diff != "" {
				t.Errorf("TransitionError (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"GET " + collURL + "/k1"}, summarize(f.requests())); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("negative grace", func(t *testing.T) {
		c, f := newTestClient(t)
		created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{Grace: -time.Second})
		var ve *apikeys.ValidationError
		if created != nil || !errors.As(err, &ve) || ve.Field != "Grace" {
			t.Errorf("Rotate = %+v, %v; want nil, *ValidationError for Grace", created, err)
		}
		assertNoRequest(t, f)
	})
	t.Run("grace under a second", func(t *testing.T) {
		c, f := newTestClient(t)
		_, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{Grace: 999 * time.Millisecond})
		assertValidationError(t, err, apikeys.ValidationError{Field: "Grace", Reason: "must be 0 or at least 1s"})
		assertNoRequest(t, f)
	})
	t.Run("name pointing to an empty name", func(t *testing.T) {
		c, f := newTestClient(t)
		_, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{Name: apikeys.Ptr("")})
		var ve *apikeys.ValidationError
		if !errors.As(err, &ve) || ve.Field != "Name" {
			t.Errorf("Rotate = %v, want a *ValidationError for Name", err)
		}
		assertNoRequest(t, f)
	})
	t.Run("key ID with a slash", func(t *testing.T) {
		c, f := newTestClient(t)
		_, err := c.Rotate(t.Context(), "a/b", apikeys.RotateParams{})
		assertValidationError(t, err, apikeys.ValidationError{Field: "keyID", Reason: `must not contain "/" or "\"`})
		assertNoRequest(t, f)
	})
	t.Run("invalid key ID", func(t *testing.T) {
		c, f := newTestClient(t)
		created, err := c.Rotate(t.Context(), "a\nb", apikeys.RotateParams{})
		var ve *apikeys.ValidationError
		if created != nil || !errors.As(err, &ve) || ve.Field != "keyID" {
			t.Errorf("Rotate = %+v, %v; want nil, *ValidationError for keyID", created, err)
		}
		assertNoRequest(t, f)
	})
}

// assertTimeBetween checks that v is an RFC 3339 string in UTC between lo
// and hi (lo cut to the second, as the wire may be).
func assertTimeBetween(t *testing.T, what string, v any, lo, hi time.Time) {
	t.Helper()
	s, _ := v.(string)
	got, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Errorf("%s = %v: %v", what, v, err)
		return
	}
	if !strings.HasSuffix(s, "Z") {
		t.Errorf("%s = %q, want UTC", what, s)
	}
	if got.Before(lo.Truncate(time.Second)) || got.After(hi) {
		t.Errorf("%s = %v, want between %v and %v", what, got, lo, hi)
	}
}

// RotateParams: Name replaces the old name; ExpiresAt sets the
// replacement's expiry instead of the old key's lifetime.
func TestRotate_params(t *testing.T) {
	created := date(2025, 1, 1, 0, 0, 0, 0)
	oldExpiry := apikeys.Ptr(time.Now().Add(30 * 24 * time.Hour))
	explicit := time.Date(2030, 6, 1, 12, 0, 0, 0, time.FixedZone("X", 7200))
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON("active", oldExpiry)})
	f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
	f.on(http.MethodDelete, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"archived"}`})
	if _, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{Name: apikeys.Ptr("ci v2"), ExpiresAt: &explicit}); err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	reqs := f.requests()
	if len(reqs) != 3 {
		t.Fatalf("requests %v", summarize(reqs))
	}
	want := map[string]any{"expires_at": "2030-06-01T10:00:00Z"}
	for k, v := range wantRotateCreate {
		want[k] = v
	}
	want["key_name"] = "ci v2"
	if diff := cmp.Diff(want, jsonBody(t, reqs[1].Body)); diff != "" {
		t.Errorf("create body (-want +got):\n%s", diff)
	}
	_ = created
}

// A created key whose answer has one field that does not decode still exists
// on the server: its ID and secret come back with the error.
func TestCreate_partialDecodeKeepsTheSecret(t *testing.T) {
	for name, body := range map[string]string{
		"bad time":   `{"id":"k1","key_name":"ci","key_prefix":"sk_top","key":"` + createdSecret + `","last_used_at":"yesterday"}`,
		"wrong type": `{"id":"k1","key_name":"ci","key_prefix":"sk_top","key":"` + createdSecret + `","scopes":"not a list"}`,
		"odd status": `{"id":"k1","key_name":"ci","key_prefix":"sk_top","key":"` + createdSecret + `","created_at":7}`,
	} {
		t.Run(name, func(t *testing.T) { createPartial(t, body) })
	}
}

func createPartial(t *testing.T, body string) {
	t.Helper()
	c, f := newTestClient(t)
	f.on(http.MethodPost, collURL, reply{status: 201, body: body})
	created, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
	if err == nil || !strings.Contains(err.Error(), "decoding the 201 answer") {
		t.Errorf("err = %v, want the decoding error", err)
	}
	if created == nil {
		t.Fatalf("created = nil with %v: the secret of a key that exists is lost", err)
	}
	if created.Key.ID != "k1" || created.Key.Name != "ci" || created.Secret.Reveal() != createdSecret {
		t.Errorf("created = {ID %q, Name %q}, secret ok %v; want k1, ci, true",
			created.Key.ID, created.Key.Name, created.Secret.Reveal() == createdSecret)
	}
	if s := fmt.Sprintf("%v %+v", err, created); strings.Contains(s, createdSecret) {
		t.Errorf("printed %q contains the secret", s)
	}
}

// A replacement whose answer decodes only in part is returned with its
// secret, and the old key is left alone: retiring it could leave the caller
// with no working key if the secret were then mishandled.
func TestRotate_partialCreateKeepsOldKey(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: rotatedKeyJSON("active", nil)})
	f.on(http.MethodPost, collURL, reply{status: 201,
		body: `{"id":"key_new","key_name":"ci","key":"` + createdSecret + `","created_at":"yesterday"}`})
	created, err := c.Rotate(t.Context(), "k1", apikeys.RotateParams{})
	if err == nil || created == nil || created.Key.ID != "key_new" || created.Secret.Reveal() != createdSecret {
		t.Fatalf("Rotate = %v, %v; want key_new with its secret and the decoding error", created, err)
	}
	want := []string{"GET " + collURL + "/k1", "POST " + collURL}
	if diff := cmp.Diff(want, summarize(f.requests())); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
}
