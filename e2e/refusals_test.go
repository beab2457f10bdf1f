package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
)

// TestServerRefusesWhatTheSpecRefuses: requests that api/openapi.yaml refuses
// (the validator checks that it does) are refused by the fake too, with the
// envelope naming the field, and change nothing. The client never sends
// these; a hand-written or other-language client might.
func TestServerRefusesWhatTheSpecRefuses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.create(apikeys.CreateParams{Name: "target", UsageLimitCHF: apikeys.Ptr(3.0)}).Key
	coll := "/organizations/" + e.srv.OrgID + "/api-keys"
	one := coll + "/" + k.ID
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string // details.field of a VALIDATION_ERROR
	}{
		{"create without key_name", http.MethodPost, coll, `{"scopes":["a"]}`, 422, "key_name"},
		{"create with an empty key_name", http.MethodPost, coll, `{"key_name":""}`, 422, "key_name"},
		{"create with an unknown field", http.MethodPost, coll, `{"key_name":"n","name":"n"}`, 422, "name"},
		{"create with a negative limit", http.MethodPost, coll, `{"key_name":"n","usage_limit_chf":-0.5}`, 422, "usage_limit_chf"},
		{"create with an unknown mode", http.MethodPost, coll, `{"key_name":"n","permission_mode":"root"}`, 422, "permission_mode"},
		{"create with an empty scope", http.MethodPost, coll, `{"key_name":"n","scopes":[""]}`, 422, "scopes"},
		{"create with an empty access value", http.MethodPost, coll, `{"key_name":"n","access":{"r":""}}`, 422, "access"},
		{"create with both project scopes", http.MethodPost, coll, `{"key_name":"n","project_scope":{"all":{},"single":{"project_id":"p"}}}`, 422, "project_scope"},
		{"create with an empty project scope", http.MethodPost, coll, `{"key_name":"n","project_scope":{}}`, 422, "project_scope"},
		{"create with a bad expiry", http.MethodPost, coll, `{"key_name":"n","expires_at":"tomorrow"}`, 422, "expires_at"},
		{"create with a number for a name", http.MethodPost, coll, `{"key_name":7}`, 422, "key_name"},
		{"update with an unknown field", http.MethodPatch, one, `{"status":"active"}`, 422, "status"},
		{"update with a null name", http.MethodPatch, one, `{"key_name":null}`, 422, "key_name"},
		{"update with a null limit", http.MethodPatch, one, `{"usage_limit_chf":null}`, 422, "usage_limit_chf"},
		{"update with a null expiry", http.MethodPatch, one, `{"expires_at":null}`, 422, "expires_at"},
		{"update with an unknown mode", http.MethodPatch, one, `{"permission_mode":"root"}`, 422, "permission_mode"},
		{"update with a string flag", http.MethodPatch, one, `{"clear_usage_limit":"yes"}`, 422, "clear_usage_limit"},
		{"delete with a bad permanent", http.MethodDelete, one + "?permanent=maybe", ``, 422, "permanent"},
		{"list with v1's page", http.MethodGet, coll + "?page=1", ``, 422, "page"},
		{"list page_size 0", http.MethodGet, coll + "?page_size=0", ``, 422, "page_size"},
		{"list an empty cursor", http.MethodGet, coll + "?cursor=", ``, 422, "cursor"},
		{"list page_size 101", http.MethodGet, coll + "?page_size=101", ``, 422, "page_size"},
		{"list an unknown status", http.MethodGet, coll + "?status=gone", ``, 422, "status"},
		{"list include_archived yes", http.MethodGet, coll + "?include_archived=yes", ``, 422, "include_archived"},
		{"create as text/plain", http.MethodPost, coll, `{"key_name":"n"}`, 415, ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {fmt.Sprintf("refusal-%d", i)}}
			var body []byte
			if tt.body != "" {
				body = []byte(tt.body)
			} else {
				h.Del("Content-Type")
			}
			if tt.status == http.StatusUnsupportedMediaType {
				h.Set("Content-Type", "text/plain")
			}
			if tt.method == http.MethodGet {
				h.Del("Idempotency-Key")
			}
			code, _, resp := e.rawInvalid(tt.method, tt.path, h, body)
			var env struct {
				Error struct {
					Code    string         `json:"code"`
					Details map[string]any `json:"details"`
				} `json:"error"`
			}
			if err := json.Unmarshal(resp, &env); err != nil || code != tt.status {
				t.Fatalf("%d %s, want %d", code, resp, tt.status)
			}
			if tt.field != "" && (env.Error.Code != "VALIDATION_ERROR" || env.Error.Details["field"] != tt.field) {
				t.Errorf("code %s details %v, want VALIDATION_ERROR on %s", env.Error.Code, env.Error.Details, tt.field)
			}
		})
	}
	if keys := e.listAll(apikeys.ListParams{IncludeArchived: true}); len(keys) != 1 {
		t.Errorf("%d keys after refused requests, want 1", len(keys))
	}
	if got := e.mustGet(k.ID); got.Name != "target" || got.UsageLimitCHF == nil || *got.UsageLimitCHF != 3 || got.Status != apikeys.StatusActive {
		t.Errorf("refused requests changed the key: %+v", got)
	}
}

// TestServerOnlyRules: what the spec allows but the server refuses, by rules
// the spec states in prose (or cannot state): each is a 422 naming the field.
func TestServerOnlyRules(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.create(apikeys.CreateParams{Name: "r", PermissionMode: apikeys.PermissionRestricted, Access: map[string]string{"a": "read"}}).Key
	past := time.Now().Add(-time.Minute)
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"name over 100 characters", func() error {
			_, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: strings.Repeat("ü", 101)})
			return err
		}, "key_name"},
		{"expiry in the past", func() error {
			_, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: "n", ExpiresAt: &past})
			return err
		}, "expires_at"},
		{"update expiry in the past", func() error {
			_, err := e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{ExpiresAt: &past})
			return err
		}, "expires_at"},
		{"restricted, access cleared", func() error {
			_, err := e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{Access: map[string]string{}})
			return err
		}, "access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			apiErr := wantAPIError(t, tt.call(), apikeys.ErrInvalidParams, http.StatusUnprocessableEntity, "VALIDATION_ERROR")
			if apiErr.Details["field"] != tt.field {
				t.Errorf("details %v, want field %s", apiErr.Details, tt.field)
			}
		})
	}
	// A blank name or scope is one the spec's schema allows and the server
	// refuses once trimmed. The client refuses both before sending (see
	// TestCreateRefusedLocally), so they are sent by hand.
	coll := "/organizations/" + e.srv.OrgID + "/api-keys"
	h := http.Header{"Content-Type": {"application/json"}}
	for i, tt := range []struct{ name, method, path, body, field string }{
		{"blank name", http.MethodPost, coll, `{"key_name":" \t "}`, "key_name"},
		{"blank scope", http.MethodPost, coll, `{"key_name":"n","scopes":[" "]}`, "scopes"},
		{"update to a blank name", http.MethodPatch, coll + "/" + k.ID, `{"key_name":"  "}`, "key_name"},
	} {
		h.Set("Idempotency-Key", fmt.Sprintf("blank-%d", i))
		code, _, body := e.raw(tt.method, tt.path, h, []byte(tt.body))
		wantValidation(t, tt.name, code, body, tt.field)
	}
	if keys := e.listAll(apikeys.ListParams{IncludeArchived: true}); len(keys) != 1 {
		t.Errorf("%d keys after refused creates, want 1", len(keys))
	}
	if got := e.mustGet(k.ID); got.Name != "r" {
		t.Errorf("a refused update renamed the key to %q", got.Name)
	}
	// A name is trimmed, and 100 characters after trimming is fine.
	name := strings.Repeat("ü", 100)
	ck, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: "  " + name + " "})
	if err != nil || ck.Key.Name != name {
		t.Errorf("Create with a padded 100-character name: %v, %v", ck, err)
	}
}
