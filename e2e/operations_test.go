package e2e

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

func TestCreate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	expires := time.Now().Add(48 * time.Hour).Round(time.Millisecond)
	tests := []struct {
		name   string
		params apikeys.CreateParams
		want   settings // Name, and PermissionMode "all" when the params leave it out
	}{
		{
			name:   "minimal",
			params: apikeys.CreateParams{Name: "ci"},
			want:   settings{Name: "ci", PermissionMode: apikeys.PermissionAll},
		},
		{
			name: "every field",
			params: apikeys.CreateParams{
				Name:           "billing export",
				Scopes:         []string{"keys:read", "usage:read"},
				UsageLimitCHF:  apikeys.Ptr(12.5),
				ExpiresAt:      &expires,
				PermissionMode: apikeys.PermissionRestricted,
				Access:         map[string]string{"invoices": "read", "exports": "write"},
				ProjectID:      "proj_42",
			},
			want: settings{
				Name: "billing export", Scopes: []string{"keys:read", "usage:read"},
				UsageLimitCHF: apikeys.Ptr(12.5), PermissionMode: apikeys.PermissionRestricted,
				Access: map[string]string{"invoices": "read", "exports": "write"}, ProjectID: "proj_42",
			},
		},
		{
			name:   "read only, zero limit",
			params: apikeys.CreateParams{Name: "dashboards", PermissionMode: apikeys.PermissionReadOnly, UsageLimitCHF: apikeys.Ptr(0.0)},
			want:   settings{Name: "dashboards", PermissionMode: apikeys.PermissionReadOnly, UsageLimitCHF: apikeys.Ptr(0.0)},
		},
		{
			name:   "all modes explicit, unicode name, one project",
			params: apikeys.CreateParams{Name: "Zürich ☃ key", PermissionMode: apikeys.PermissionAll, ProjectID: "p/with slash"},
			want:   settings{Name: "Zürich ☃ key", PermissionMode: apikeys.PermissionAll, ProjectID: "p/with slash"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := time.Now()
			ck, err := e.c.Create(e.ctx, tt.params)
			after := time.Now()
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			k := ck.Key
			if diff := cmp.Diff(tt.want, settingsOf(k), equateEmpty); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
			if k.ID == "" || k.Prefix == "" || k.OrganizationID != e.srv.OrgID {
				t.Errorf("ID %q, Prefix %q, OrganizationID %q (want %q)", k.ID, k.Prefix, k.OrganizationID, e.srv.OrgID)
			}
			if k.Status != apikeys.StatusActive {
				t.Errorf("Status %q, want active", k.Status)
			}
			if diff := cmp.Diff(apikeys.StatusActive.Actions(), k.AvailableActions); diff != "" {
				t.Errorf("AvailableActions (-want +got):\n%s", diff)
			}
			if k.CreatedAt.Before(before.Add(-time.Second)) || k.CreatedAt.After(after.Add(time.Second)) || !k.UpdatedAt.Equal(k.CreatedAt) {
				t.Errorf("CreatedAt %v, UpdatedAt %v; the call ran from %v to %v", k.CreatedAt, k.UpdatedAt, before, after)
			}
			switch {
			case tt.params.ExpiresAt == nil && k.ExpiresAt != nil:
				t.Errorf("ExpiresAt %v, want nil", k.ExpiresAt)
			case tt.params.ExpiresAt != nil && (k.ExpiresAt == nil || !k.ExpiresAt.Equal(*tt.params.ExpiresAt)):
				t.Errorf("ExpiresAt %v, want %v", k.ExpiresAt, tt.params.ExpiresAt)
			}
			if k.LastUsedAt != nil || k.ArchivedAt != nil || k.RevokedAt != nil {
				t.Errorf("LastUsedAt %v, ArchivedAt %v, RevokedAt %v on a new key", k.LastUsedAt, k.ArchivedAt, k.RevokedAt)
			}
			secret := ck.Secret.Reveal()
			if !strings.HasPrefix(secret, k.Prefix) || len(secret) < len(k.Prefix)+16 {
				t.Errorf("secret of %d bytes does not start with the prefix %q", len(secret), k.Prefix)
			}
			if s := ck.Secret.String(); strings.Contains(s, secret) {
				t.Errorf("Secret.String() shows the secret")
			}
			// Get answers the same key Create did.
			if diff := keyDiff(k, e.mustGet(k.ID)); diff != "" {
				t.Errorf("Get after Create (-create +get):\n%s", diff)
			}
		})
	}
}

// TestCreateRefusedLocally: what the client refuses costs no request.
func TestCreateRefusedLocally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, p := range []apikeys.CreateParams{
		{},
		{Name: "x", PermissionMode: apikeys.PermissionRestricted},
		{Name: "x", PermissionMode: "admin"},
		{Name: "x", UsageLimitCHF: apikeys.Ptr(-1.0)},
		{Name: "x", ExpiresAt: &time.Time{}},
		{Name: " \t "},
		{Name: "x", Scopes: []string{"a", " "}},
		{Name: "x", Scopes: []string{""}},
	} {
		if _, err := e.c.Create(e.ctx, p); !errors.Is(err, apikeys.ErrInvalidParams) {
			t.Errorf("Create(%+v): %v, want ErrInvalidParams", p, err)
		}
	}
	if n := e.requests(); n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

func TestGet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.create(apikeys.CreateParams{Name: "get me", Scopes: []string{"a"}}).Key
	got := e.mustGet(k.ID)
	if diff := keyDiff(k, got); diff != "" {
		t.Errorf("Get (-create +get):\n%s", diff)
	}
	for _, id := range []string{"key_does_not_exist", "a?c%d#e;f=g", "%2F", "ü ñ", "a b+c"} {
		_, err := e.c.Get(e.ctx, id)
		apiErr := wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
		wantOperation(t, apiErr, "get", id)
		// The server decoded exactly the ID the client was given: the path was escaped.
		if apiErr.Details["key_id"] != id {
			t.Errorf("Get(%q): the server looked for %v", id, apiErr.Details["key_id"])
		}
	}
	// IDs that cannot name a key safely are refused before any request:
	// "/" and "\" too, which a proxy that decodes %2F would turn into a call
	// on another key.
	before := e.requests()
	for _, id := range []string{"", ".", "..", "a\nb", strings.Repeat("k", 257), "a/b?c%d#e", "a\\b", "/", k.ID + "/pause"} {
		_, err := e.c.Get(e.ctx, id)
		var ve *apikeys.ValidationError
		if !errors.As(err, &ve) || ve.Field != "keyID" || !errors.Is(err, apikeys.ErrInvalidParams) {
			t.Errorf("Get(%q): %v, want a keyID *ValidationError", id, err)
		}
		var apiErr *apikeys.APIError
		if errors.As(err, &apiErr) {
			t.Errorf("Get(%q): a server answer %v for a local refusal", id, apiErr)
		}
	}
	if n := e.requests() - before; n != 0 {
		t.Errorf("invalid IDs cost %d requests, want 0", n)
	}
	// Every per-key call refuses them alike.
	for _, id := range []string{"a/b", "a\\b"} {
		calls := map[string]func() error{
			"update": func() error {
				_, err := e.c.Update(e.ctx, id, apikeys.UpdateParams{Name: apikeys.Ptr("x")})
				return err
			},
			"pause":  func() error { _, err := e.c.Pause(e.ctx, id); return err },
			"delete": func() error { return e.c.Delete(e.ctx, id) },
			"rotate": func() error { _, err := e.c.Rotate(e.ctx, id, apikeys.RotateParams{}); return err },
			"transition": func() error {
				_, err := e.c.Transition(e.ctx, &apikeys.Key{ID: id, Status: apikeys.StatusActive}, apikeys.ActionRevoke)
				return err
			},
		}
		for name, call := range calls {
			var ve *apikeys.ValidationError
			if err := call(); !errors.As(err, &ve) || ve.Field != "keyID" {
				t.Errorf("%s(%q): %v, want a keyID *ValidationError", name, id, err)
			}
		}
		if r := e.c.TransitionMany(e.ctx, apikeys.ActionPause, []string{id}, 1); !errors.Is(r[0].Err, apikeys.ErrInvalidParams) {
			t.Errorf("TransitionMany(%q): %v, want ErrInvalidParams", id, r[0].Err)
		}
	}
	if n := e.requests() - before; n != 0 {
		t.Errorf("invalid IDs cost %d requests, want 0", n)
	}
	if got := e.mustGet(k.ID); got.Status != apikeys.StatusActive {
		t.Errorf("key %s is %s after calls on %q, want active", k.ID, got.Status, k.ID+"/pause")
	}
}

func TestUpdate(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	start := apikeys.CreateParams{
		Name: "before", Scopes: []string{"a", "b"}, UsageLimitCHF: apikeys.Ptr(10.0),
		PermissionMode: apikeys.PermissionRestricted, Access: map[string]string{"r": "read"}, ProjectID: "p1",
	}
	startSettings := settings{
		Name: "before", Scopes: []string{"a", "b"}, UsageLimitCHF: apikeys.Ptr(10.0),
		PermissionMode: apikeys.PermissionRestricted, Access: map[string]string{"r": "read"}, ProjectID: "p1",
	}
	tests := []struct {
		name   string
		params apikeys.UpdateParams
		want   func(*settings)
	}{
		{"nothing", apikeys.UpdateParams{}, func(*settings) {}},
		{"name", apikeys.UpdateParams{Name: apikeys.Ptr("after")}, func(s *settings) { s.Name = "after" }},
		{"scopes", apikeys.UpdateParams{Scopes: []string{"c"}}, func(s *settings) { s.Scopes = []string{"c"} }},
		{"clear scopes", apikeys.UpdateParams{Scopes: []string{}}, func(s *settings) { s.Scopes = nil }},
		{"usage limit", apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(99.95)}, func(s *settings) { s.UsageLimitCHF = apikeys.Ptr(99.95) }},
		{"zero usage limit", apikeys.UpdateParams{UsageLimitCHF: apikeys.Ptr(0.0)}, func(s *settings) { s.UsageLimitCHF = apikeys.Ptr(0.0) }},
		{"clear usage limit", apikeys.UpdateParams{ClearUsageLimit: true}, func(s *settings) { s.UsageLimitCHF = nil }},
		{"mode read only", apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionReadOnly)},
			func(s *settings) { s.PermissionMode = apikeys.PermissionReadOnly }},
		{"access", apikeys.UpdateParams{Access: map[string]string{"w": "write", "r": "read"}},
			func(s *settings) { s.Access = map[string]string{"w": "write", "r": "read"} }},
		{"mode all and clear access", apikeys.UpdateParams{PermissionMode: apikeys.Ptr(apikeys.PermissionAll), Access: map[string]string{}},
			func(s *settings) { s.PermissionMode, s.Access = apikeys.PermissionAll, nil }},
		{"project", apikeys.UpdateParams{ProjectID: apikeys.Ptr("p2")}, func(s *settings) { s.ProjectID = "p2" }},
		{"all projects", apikeys.UpdateParams{ProjectID: apikeys.Ptr("")}, func(s *settings) { s.ProjectID = "" }},
		{"everything at once", apikeys.UpdateParams{
			Name: apikeys.Ptr("all new"), Scopes: []string{"x"}, UsageLimitCHF: apikeys.Ptr(1.5),
			PermissionMode: apikeys.Ptr(apikeys.PermissionReadOnly), Access: map[string]string{}, ProjectID: apikeys.Ptr("p3"),
		}, func(s *settings) {
			*s = settings{Name: "all new", Scopes: []string{"x"}, UsageLimitCHF: apikeys.Ptr(1.5),
				PermissionMode: apikeys.PermissionReadOnly, ProjectID: "p3"}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k := e.create(start).Key
			got, err := e.c.Update(e.ctx, k.ID, tt.params)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			want := startSettings
			tt.want(&want)
			if diff := cmp.Diff(want, settingsOf(got), equateEmpty); diff != "" {
				t.Errorf("after Update (-want +got):\n%s", diff)
			}
			// Nothing else changed: identity, status, times other than UpdatedAt.
			if diff := keyDiff(k, got, "Name", "Scopes", "UsageLimitCHF", "PermissionMode", "Access", "ProjectID", "UpdatedAt"); diff != "" {
				t.Errorf("other fields changed (-before +after):\n%s", diff)
			}
			if got.UpdatedAt.Before(k.UpdatedAt) {
				t.Errorf("UpdatedAt went back from %v to %v", k.UpdatedAt, got.UpdatedAt)
			}
			if diff := keyDiff(got, e.mustGet(k.ID)); diff != "" {
				t.Errorf("Get after Update (-update +get):\n%s", diff)
			}
		})
	}

	t.Run("set then clear expiry", func(t *testing.T) {
		k := e.create(apikeys.CreateParams{Name: "expiring"}).Key
		at := time.Now().Add(72 * time.Hour).Truncate(time.Microsecond)
		got, err := e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{ExpiresAt: &at})
		if err != nil {
			t.Fatal(err)
		}
		if got.ExpiresAt == nil || !got.ExpiresAt.Equal(at) {
			t.Fatalf("ExpiresAt %v, want %v", got.ExpiresAt, at)
		}
		if got.Expired(time.Now()) || !got.Expired(at) {
			t.Errorf("Expired is wrong for ExpiresAt %v", got.ExpiresAt)
		}
		got, err = e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{ClearExpiresAt: true})
		if err != nil {
			t.Fatal(err)
		}
		if got.ExpiresAt != nil {
			t.Errorf("ExpiresAt %v after ClearExpiresAt, want nil", got.ExpiresAt)
		}
		if k := e.mustGet(k.ID); k.ExpiresAt != nil {
			t.Errorf("Get: ExpiresAt %v after ClearExpiresAt, want nil", k.ExpiresAt)
		}
	})

	t.Run("clear access of a restricted key", func(t *testing.T) {
		k := e.create(start).Key
		_, err := e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{Access: map[string]string{}})
		wantAPIError(t, err, apikeys.ErrInvalidParams, http.StatusUnprocessableEntity, "VALIDATION_ERROR")
		if diff := keyDiff(k, e.mustGet(k.ID)); diff != "" {
			t.Errorf("a refused update changed the key (-before +after):\n%s", diff)
		}
	})

	t.Run("revoked key", func(t *testing.T) {
		k := e.keyIn(apikeys.StatusRevoked, "revoked")
		_, err := e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{Name: apikeys.Ptr("new")})
		apiErr := wantAPIError(t, err, apikeys.ErrInvalidTransition, http.StatusBadRequest, "INVALID_STATE_TRANSITION")
		if apiErr.Details["action"] != "update" || apiErr.Details["from"] != "revoked" {
			t.Errorf("Details %v, want action update from revoked", apiErr.Details)
		}
	})

	t.Run("unknown key", func(t *testing.T) {
		_, err := e.c.Update(e.ctx, "key_nope", apikeys.UpdateParams{Name: apikeys.Ptr("x")})
		apiErr := wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
		wantOperation(t, apiErr, "update", "key_nope")
	})

	t.Run("refused locally", func(t *testing.T) {
		at := time.Now().Add(time.Hour)
		before := e.requests()
		for _, p := range []apikeys.UpdateParams{
			{Name: apikeys.Ptr("")},
			{Name: apikeys.Ptr(" \t ")},
			{Scopes: []string{" "}},
			{ExpiresAt: &at, ClearExpiresAt: true},
			{UsageLimitCHF: apikeys.Ptr(1.0), ClearUsageLimit: true},
			{PermissionMode: apikeys.Ptr(apikeys.PermissionMode("root"))},
			{PermissionMode: apikeys.Ptr(apikeys.PermissionRestricted), Access: map[string]string{}},
		} {
			if _, err := e.c.Update(e.ctx, "key_x", p); !errors.Is(err, apikeys.ErrInvalidParams) {
				t.Errorf("Update(%+v): %v, want ErrInvalidParams", p, err)
			}
		}
		if n := e.requests() - before; n != 0 {
			t.Errorf("%d requests, want 0", n)
		}
	})
}

// TestLifecycle walks one key through every per-action method, in the order a
// user would, and then deletes it.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.create(apikeys.CreateParams{Name: "lifecycle"}).Key
	steps := []struct {
		action apikeys.Action
		want   apikeys.Status
	}{
		{apikeys.ActionPause, apikeys.StatusPaused},
		{apikeys.ActionUnpause, apikeys.StatusActive},
		{apikeys.ActionDeactivate, apikeys.StatusInactive},
		{apikeys.ActionActivate, apikeys.StatusActive},
		{apikeys.ActionArchive, apikeys.StatusArchived},
		{apikeys.ActionReactivate, apikeys.StatusActive},
		{apikeys.ActionRevoke, apikeys.StatusRevoked},
	}
	for _, s := range steps {
		got, err := actionMethod(e.c, s.action)(e.ctx, k.ID)
		if err != nil {
			t.Fatalf("%s from %s: %v", s.action, k.Status, err)
		}
		if got.Status != s.want || got.ID != k.ID {
			t.Fatalf("%s from %s: key %s is %s, want %s", s.action, k.Status, got.ID, got.Status, s.want)
		}
		switch s.want {
		case apikeys.StatusArchived:
			if got.ArchivedAt == nil {
				t.Errorf("archived without ArchivedAt")
			}
		case apikeys.StatusRevoked:
			if got.RevokedAt == nil {
				t.Errorf("revoked without RevokedAt")
			}
		}
		if diff := keyDiff(got, e.mustGet(k.ID)); diff != "" {
			t.Errorf("Get after %s (-action +get):\n%s", s.action, diff)
		}
		k = got
	}
	// Transition does the same as the methods when the table allows it.
	if _, err := e.c.Transition(e.ctx, k, apikeys.ActionDelete); err != nil {
		t.Fatalf("Transition(delete) of a revoked key: %v", err)
	}
	_, err := e.c.Get(e.ctx, k.ID)
	wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
	err = e.c.Delete(e.ctx, k.ID)
	apiErr := wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
	wantOperation(t, apiErr, "delete", k.ID)
}
