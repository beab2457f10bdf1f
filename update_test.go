package apikeys_test

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

func TestUpdate_body(t *testing.T) {
	expires := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
	tests := []struct {
		name    string
		params  apikeys.UpdateParams
		want    map[string]any // the decoded body
		wantRaw string         // the exact body, when it matters
	}{
		{name: "nothing set sends an empty object", params: apikeys.UpdateParams{}, want: map[string]any{}, wantRaw: `{}`},
		{name: "name", params: apikeys.UpdateParams{Name: apikeys.Ptr("renamed")}, want: map[string]any{"key_name": "renamed"}},
		{name: "nil scopes are kept", params: apikeys.UpdateParams{Scopes: nil, Name: apikeys.Ptr("n")}, want: map[string]any{"key_name": "n"}},
		{name: "empty scopes clear", params: apikeys.UpdateParams{Scopes: []string{}}, want: map[string]any{"scopes": []any{}}, wantRaw: `{"scopes":[]}`},
		{name: "scopes", params: apikeys.UpdateParams{Scopes: []string{"keys:read"}}, want: map[string]any{"scopes": []any{"keys:read"}}},
		{name: "nil access is kept", params: apikeys.UpdateParams{Access: nil}, want: map[string]any{}},
		{name: "empty access clears", params: apikeys.UpdateParams{Access: map[string]string{}}, want: map[string]any{"access": map[string]any{}}, wantRaw: `{"access":{}}`},
		{name: "access", params: apikeys.UpdateParams{Access: map[string]string{"projects": "write"}}, want: map[string]any{"access": map[string]any{"projects": "write"}}},
		{name: "usage limit", params: apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(99.95)}, want: map[string]any{"usage_limit_chf": json.Number("99.95")}},
		{name: "zero usage limit is sent", params: apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(0.0)}, want: map[string]any{"usage_limit_chf": json.Number("0")}},
		{name: "clear usage limit", params: apikeys.UpdateParams{ClearUsageLimit: true}, want: map[string]any{"clear_usage_limit": true}, wantRaw: `{"clear_usage_limit":true}`},
		{name: "expires at", params: apikeys.UpdateParams{ExpiresAt: &expires}, want: map[string]any{"expires_at": "2026-03-04T05:06:07Z"}},
		{name: "clear expires at", params: apikeys.UpdateParams{ClearExpiresAt: true}, want: map[string]any{"clear_expires_at": true}, wantRaw: `{"clear_expires_at":true}`},
		{name: "permission mode", params: apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionReadOnly)}, want: map[string]any{"permission_mode": "read_only"}},
		{
			name:   "restricted with access",
			params: apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionRestricted), Access: map[string]string{"projects": "read"}},
			want:   map[string]any{"permission_mode": "restricted", "access": map[string]any{"projects": "read"}},
		},
		{
			name:   "restricted keeping the access",
			params: apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionRestricted)},
			want:   map[string]any{"permission_mode": "restricted"},
		},
		{
			name:    "all projects",
			params:  apikeys.UpdateParams{ProjectID: apikeys.Ptr("")},
			want:    map[string]any{"project_scope": map[string]any{"all": map[string]any{}}},
			wantRaw: `{"project_scope":{"all":{}}}`,
		},
		{
			name:    "one project",
			params:  apikeys.UpdateParams{ProjectID: apikeys.Ptr("p1")},
			want:    map[string]any{"project_scope": map[string]any{"single": map[string]any{"project_id": "p1"}}},
			wantRaw: `{"project_scope":{"single":{"project_id":"p1"}}}`,
		},
		{
			name: "everything",
			params: apikeys.UpdateParams{
				Name: apikeys.Ptr("n"), Scopes: []string{"a", "b"}, ClearUsageLimit: true,
				ExpiresAt: &expires, PermissionMode: apikeys.Ptr(apikeys.PermissionAll),
				Access: map[string]string{}, ProjectID: apikeys.Ptr("p2"),
			},
			want: map[string]any{
				"key_name": "n", "scopes": []any{"a", "b"}, "clear_usage_limit": true,
				"expires_at": "2026-03-04T05:06:07Z", "permission_mode": "all", "access": map[string]any{},
				"project_scope": map[string]any{"single": map[string]any{"project_id": "p2"}},
			},
		},
		{
			name:   "clear both",
			params: apikeys.UpdateParams{ClearUsageLimit: true, ClearExpiresAt: true, Scopes: []string{}, Access: map[string]string{}},
			want: map[string]any{
				"clear_usage_limit": true, "clear_expires_at": true, "scopes": []any{}, "access": map[string]any{},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodPatch, collURL+"/key_1", reply{status: 200, body: fullKeyJSON})
			key, err := c.Update(t.Context(), "key_1", tt.params)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if diff := cmp.Diff(fullKey(), key, ignoreUnexported); diff != "" {
				t.Errorf("key (-want +got):\n%s", diff)
			}
			r := f.onlyRequest(t)
			if diff := cmp.Diff("PATCH "+collURL+"/key_1", r.Method+" "+r.URL); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			assertHeaders(t, r, testUserAgent)
			if diff := cmp.Diff(tt.want, jsonBody(t, r.Body)); diff != "" {
				t.Errorf("body (-want +got):\n%s", diff)
			}
			if tt.wantRaw != "" && string(r.Body) != tt.wantRaw {
				t.Errorf("body = %s, want %s", r.Body, tt.wantRaw)
			}
		})
	}
}

func TestUpdate_refusedLocally(t *testing.T) {
	expires := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		params apikeys.UpdateParams
		want   apikeys.ValidationError
	}{
		{
			name:   "ExpiresAt with ClearExpiresAt",
			params: apikeys.UpdateParams{ExpiresAt: &expires, ClearExpiresAt: true},
			want:   apikeys.ValidationError{Field: "ExpiresAt", Reason: "conflicts with ClearExpiresAt"},
		},
		{
			name:   "zero ExpiresAt",
			params: apikeys.UpdateParams{ExpiresAt: &time.Time{}},
			want:   apikeys.ValidationError{Field: "ExpiresAt", Reason: "is the zero time; use ClearExpiresAt to remove the expiry"},
		},
		{
			name:   "UsageLimitCHF with ClearUsageLimit",
			params: apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(1.0), ClearUsageLimit: true},
			want:   apikeys.ValidationError{Field: "UsageLimitCHF", Reason: "conflicts with ClearUsageLimit"},
		},
		{
			name:   "empty name",
			params: apikeys.UpdateParams{Name: apikeys.Ptr("")},
			want:   apikeys.ValidationError{Field: "Name", Reason: "must not be empty or white space"},
		},
		{
			name:   "white-space name",
			params: apikeys.UpdateParams{Name: apikeys.Ptr(" \t\n ")},
			want:   apikeys.ValidationError{Field: "Name", Reason: "must not be empty or white space"},
		},
		{
			name:   "white-space scope",
			params: apikeys.UpdateParams{Scopes: []string{"keys:read", "  "}},
			want:   apikeys.ValidationError{Field: "Scopes", Reason: "must not hold an empty or white-space scope"},
		},
		{
			name:   "empty scope",
			params: apikeys.UpdateParams{Scopes: []string{""}},
			want:   apikeys.ValidationError{Field: "Scopes", Reason: "must not hold an empty or white-space scope"},
		},
		{
			name:   "invalid permission mode",
			params: apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionMode("write"))},
			want:   apikeys.ValidationError{Field: "PermissionMode", Reason: "is not all, restricted or read_only"},
		},
		{
			name:   "empty permission mode",
			params: apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionMode(""))},
			want:   apikeys.ValidationError{Field: "PermissionMode", Reason: "is not all, restricted or read_only"},
		},
		{
			name:   "restricted while clearing access",
			params: apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionRestricted), Access: map[string]string{}},
			want:   apikeys.ValidationError{Field: "Access", Reason: "cannot be cleared when PermissionMode is restricted"},
		},
		{
			name:   "NaN limit",
			params: apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(math.NaN())},
			want:   apikeys.ValidationError{Field: "UsageLimitCHF", Reason: "must be a finite number >= 0"},
		},
		{
			name:   "+Inf limit",
			params: apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(math.Inf(1))},
			want:   apikeys.ValidationError{Field: "UsageLimitCHF", Reason: "must be a finite number >= 0"},
		},
		{
			name:   "-Inf limit",
			params: apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(math.Inf(-1))},
			want:   apikeys.ValidationError{Field: "UsageLimitCHF", Reason: "must be a finite number >= 0"},
		},
		{
			name:   "negative limit",
			params: apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(-1.0)},
			want:   apikeys.ValidationError{Field: "UsageLimitCHF", Reason: "must be a finite number >= 0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			key, err := c.Update(t.Context(), "k1", tt.params)
			if key != nil {
				t.Errorf("key = %+v, want nil", key)
			}
			assertValidationError(t, err, tt.want)
			assertNoRequest(t, f)
		})
	}
}

func TestUpdate_invalidParamsBeforeInvalidID(t *testing.T) {
	// Both are local: either way nothing is sent.
	c, f := newTestClient(t)
	_, err := c.Update(t.Context(), "", apikeys.UpdateParams{ClearExpiresAt: true, ExpiresAt: apikeys.Ptr(time.Now())})
	if !errors.Is(err, apikeys.ErrInvalidParams) {
		t.Errorf("err = %v, want ErrInvalidParams", err)
	}
	assertNoRequest(t, f)
}

// Times json.Marshal cannot write are refused locally, as invalid parameters,
// not as an encoding failure after the call began.
func TestExpiresAtOutsideRFC3339(t *testing.T) {
	want := apikeys.ValidationError{Field: "ExpiresAt", Reason: "must be within the years 1 to 9999"}
	c, f := newTestClient(t)
	for _, y := range []int{0, 10000} {
		when := time.Date(y, 6, 1, 0, 0, 0, 0, time.UTC)
		_, err := c.Update(t.Context(), "k1", apikeys.UpdateParams{ExpiresAt: &when})
		assertValidationError(t, err, want)
		_, err = c.Create(t.Context(), apikeys.CreateParams{Name: "n", ExpiresAt: &when})
		assertValidationError(t, err, want)
	}
	assertNoRequest(t, f)
}
