package orqai_test

import (
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/apikeys-go/apikeys"
)

// Rotate through the public client against canned answers: the fake
// (apikeystest) always answers a key with a documented owner, project scope
// and permission mode, so the shapes the vendor leaves open (the newer
// schema's project_scope and owner are any objects, permission_mode any
// string or none) are answered here by hand.

const rotateID = "01J0000000000000000000000R"

// rotatable is a newer-wire key Rotate can copy: every member a create
// needs is in a shape the spec shows.
func rotatable() map[string]any {
	return map[string]any{
		"id": rotateID, "name": "Support", "workspace_id": "ws_1",
		"token": "sk-orq-" + rotateID + "-****************", "active": true,
		"status": "API_KEY_STATUS_ACTIVE", "permission_mode": "PERMISSION_MODE_READ_ONLY",
		"project_scope": map[string]any{"single": map[string]any{"project_id": "proj_1"}},
		"owner":         map[string]any{"user": map[string]any{"user_id": "usr_7"}},
		"token_prefix":  "sk-orq-01J0", "created": "2026-08-14T09:00:00Z", "updated": "2026-08-14T09:00:00Z",
	}
}

// cannedOrq answers GET and PATCH with key and a create with a new key and
// its token, in the newer wire's shape or, when older, the older one's
// ({"api_key":…} and a create's "token" beside it); it records every
// request.
type cannedOrq struct {
	key   map[string]any
	older bool

	mu       sync.Mutex
	requests []string // "METHOD path"
	created  []byte   // the create's body
}

func (c *cannedOrq) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	c.mu.Lock()
	c.requests = append(c.requests, r.Method+" "+r.URL.Path)
	if r.Method == http.MethodPost {
		c.created = body
	}
	c.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	k := maps.Clone(c.key)
	var token string
	if r.Method == http.MethodPost {
		k["id"], token = "01J0000000000000000000000N", "sk-orq-01J0000000000000000000000N-s3cr3t"
		k["token"] = token
	}
	answer := map[string]any(k)
	if c.older { // the key wrapped, without a token; a create's beside it
		delete(k, "token")
		answer = map[string]any{"api_key": k}
		if token != "" {
			answer["token"] = token
		}
	}
	_ = json.NewEncoder(w).Encode(answer)
}

func (c *cannedOrq) rotate(t *testing.T) (*apikeys.CreatedKey, error) {
	t.Helper()
	ts := httptest.NewServer(c)
	t.Cleanup(ts.Close)
	client, err := apikeys.New(apikeys.WithPlatform(apikeys.OrqAI), apikeys.WithBaseURL(ts.URL),
		apikeys.WithAPIKey("sk-orq-01HQ0000000000000000ADM1N0-admin"))
	if err != nil {
		t.Fatal(err)
	}
	return client.Rotate(t.Context(), rotateID, apikeys.RotateParams{})
}

// TestRotateRefusesWhatItCannotCopy: an old key whose project scope, owner
// or permission mode did not read as a shape the vendor documents is not
// replaced: the create would leave it to the server's default (every
// project, the service account, PERMISSION_MODE_ALL), possibly a wider key.
func TestRotateRefusesWhatItCannotCopy(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(k map[string]any)
		field string
	}{
		{"no project_scope", func(k map[string]any) { delete(k, "project_scope") }, "project_scope"},
		{"an empty project_scope", func(k map[string]any) { k["project_scope"] = map[string]any{} }, "project_scope"},
		{"a single scope without a project", func(k map[string]any) {
			k["project_scope"] = map[string]any{"single": map[string]any{}}
		}, "project_scope"},
		{"a project_scope of another shape", func(k map[string]any) {
			k["project_scope"] = map[string]any{"projects": []string{"proj_1", "proj_2"}}
		}, "project_scope"},
		{"projects disagreeing with the scope", func(k map[string]any) { k["projects"] = []string{"proj_2"} }, "projects"},
		{"no owner", func(k map[string]any) { delete(k, "owner") }, "owner"},
		{"an owner with both members", func(k map[string]any) {
			k["owner"] = map[string]any{"user": map[string]any{"user_id": "usr_7"}, "service_account": map[string]any{}}
		}, "owner"},
		{"an owner of another shape", func(k map[string]any) { k["owner"] = map[string]any{"kind": "user", "id": "usr_7"} }, "owner"},
		{"no permission_mode", func(k map[string]any) { delete(k, "permission_mode") }, string(apikeys.FieldPermissionMode)},
		{"an unspecified permission_mode", func(k map[string]any) { k["permission_mode"] = "PERMISSION_MODE_UNSPECIFIED" }, string(apikeys.FieldPermissionMode)},
	} {
		for _, older := range []bool{false, true} {
			name := c.name
			if older {
				name += "/older"
			}
			t.Run(name, func(t *testing.T) {
				k := rotatable()
				c.edit(k)
				srv := &cannedOrq{key: k, older: older}
				created, err := srv.rotate(t)
				var ue *apikeys.UnsupportedError
				if !errors.As(err, &ue) || ue.Field != c.field {
					t.Fatalf("Rotate = %v, %v; want an *UnsupportedError for %s", created, err, c.field)
				}
				if created != nil {
					t.Errorf("Rotate returned a key: %+v", created)
				}
				for _, r := range srv.requests {
					if !strings.HasPrefix(r, http.MethodGet+" ") {
						t.Errorf("sent %s; want only the read", r)
					}
				}
			})
		}
	}
}

// TestRotateCopiesWhatItCan: a key in the documented shapes is replaced by
// one with its scope, owner and mode, each spelled as the spec shows.
func TestRotateCopiesWhatItCan(t *testing.T) {
	for _, older := range []bool{false, true} {
		srv := &cannedOrq{key: rotatable(), older: older}
		if _, err := srv.rotate(t); err != nil {
			t.Fatalf("older %v: Rotate: %v", older, err)
		}
		var got map[string]any
		if err := json.Unmarshal(srv.created, &got); err != nil {
			t.Fatalf("older %v: create body %s: %v", older, srv.created, err)
		}
		want := map[string]any{
			"name":            "Support",
			"owner":           map[string]any{"user": map[string]any{"user_id": "usr_7"}},
			"project_scope":   map[string]any{"single": map[string]any{"project_id": "proj_1"}},
			"permission_mode": "PERMISSION_MODE_READ_ONLY",
		}
		gotJSON, _ := json.Marshal(got)
		wantJSON, _ := json.Marshal(want)
		if string(gotJSON) != string(wantJSON) {
			t.Errorf("older %v: create body %s, want %s", older, gotJSON, wantJSON)
		}
	}
}
