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

// calls lists the requests after the first skip as "METHOD path-suffix",
// the path relative to the organization's collection.
func calls(e *env, skip int) []string {
	prefix := "/v1/organizations/" + e.srv.OrgID + "/api-keys"
	var out []string
	for _, r := range e.srv.Requests()[skip:] {
		c := r.Method + " " + strings.TrimPrefix(r.Path, prefix)
		if len(r.Query) > 0 {
			c += "?" + r.Query.Encode()
		}
		out = append(out, c)
	}
	return out
}

func countCreates(e *env, skip int) int {
	n := 0
	for _, c := range calls(e, skip) {
		if c == "POST " {
			n++
		}
	}
	return n
}

var fullParams = apikeys.CreateParams{
	Name: "rotating", Scopes: []string{"keys:read", "keys:write"}, UsageLimitCHF: apikeys.Ptr(250.0),
	PermissionMode: apikeys.PermissionRestricted, Access: map[string]string{"billing": "read"}, ProjectID: "proj_9",
}

func TestRotate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		from      apikeys.Status
		grace     time.Duration
		oldExpiry time.Duration // > 0: the old key already expires after this
		wantOld   apikeys.Status
		wantCalls func(id string) []string
		keepsOld  bool // the old key's earlier expiry is kept
	}{
		{name: "active, grace 0", from: apikeys.StatusActive, wantOld: apikeys.StatusArchived,
			wantCalls: func(id string) []string { return []string{"GET /" + id, "POST ", "DELETE /" + id} }},
		{name: "paused, grace 0", from: apikeys.StatusPaused, wantOld: apikeys.StatusArchived,
			wantCalls: func(id string) []string { return []string{"GET /" + id, "POST ", "DELETE /" + id} }},
		{name: "inactive, grace 0", from: apikeys.StatusInactive, wantOld: apikeys.StatusArchived,
			wantCalls: func(id string) []string { return []string{"GET /" + id, "POST ", "DELETE /" + id} }},
		{name: "active, grace 1h", from: apikeys.StatusActive, grace: time.Hour, wantOld: apikeys.StatusActive,
			wantCalls: func(id string) []string { return []string{"GET /" + id, "POST ", "PATCH /" + id} }},
		{name: "paused, grace 24h", from: apikeys.StatusPaused, grace: 24 * time.Hour, wantOld: apikeys.StatusPaused,
			wantCalls: func(id string) []string { return []string{"GET /" + id, "POST ", "PATCH /" + id} }},
		{name: "later expiry shortened", from: apikeys.StatusActive, grace: time.Hour, oldExpiry: 48 * time.Hour,
			wantOld:   apikeys.StatusActive,
			wantCalls: func(id string) []string { return []string{"GET /" + id, "POST ", "PATCH /" + id} }},
		{name: "earlier expiry kept", from: apikeys.StatusActive, grace: 48 * time.Hour, oldExpiry: time.Hour,
			wantOld: apikeys.StatusActive, keepsOld: true,
			wantCalls: func(id string) []string { return []string{"GET /" + id, "POST "} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			p := fullParams
			var oldExpiry time.Time
			if tt.oldExpiry > 0 {
				oldExpiry = time.Now().Add(tt.oldExpiry)
				p.ExpiresAt = &oldExpiry
			}
			oldCreated := e.create(p)
			old := oldCreated.Key
			for _, a := range paths[tt.from] {
				if _, err := actionMethod(e.c, a)(e.ctx, old.ID); err != nil {
					t.Fatal(err)
				}
			}
			before := e.requests()
			start := time.Now()
			ck, err := e.c.Rotate(e.ctx, old.ID, apikeys.RotateParams{Grace: tt.grace})
			end := time.Now()
			if err != nil {
				t.Fatalf("Rotate: %v", err)
			}
			if diff := cmp.Diff(tt.wantCalls(old.ID), calls(e, before)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			nk := ck.Key
			if diff := cmp.Diff(settingsOf(old), settingsOf(nk), equateEmpty); diff != "" {
				t.Errorf("the replacement's settings (-old +new):\n%s", diff)
			}
			if nk.ID == old.ID || nk.Prefix == old.Prefix || nk.Status != apikeys.StatusActive {
				t.Errorf("replacement %s (prefix %s, %s) for %s (prefix %s)", nk.ID, nk.Prefix, nk.Status, old.ID, old.Prefix)
			}
			// The replacement lives as long as the old key was meant to, from
			// now: RotateParams.ExpiresAt nil is now + (ExpiresAt - CreatedAt),
			// or no expiry if the old key had none.
			switch {
			case old.ExpiresAt == nil && nk.ExpiresAt != nil:
				t.Errorf("replacement expires %v; the old key never did", nk.ExpiresAt)
			case old.ExpiresAt != nil:
				life := old.ExpiresAt.Sub(old.CreatedAt)
				lo, hi := start.Add(life), end.Add(life)
				if nk.ExpiresAt == nil || nk.ExpiresAt.Before(lo) || nk.ExpiresAt.After(hi) {
					t.Errorf("replacement expires %v, want now+%v (between %v and %v)", nk.ExpiresAt, life, lo, hi)
				}
			}
			secret := ck.Secret.Reveal()
			if secret == oldCreated.Secret.Reveal() || !strings.HasPrefix(secret, nk.Prefix) {
				t.Errorf("the replacement's secret is the old one or lacks its prefix %q", nk.Prefix)
			}
			if diff := keyDiff(nk, e.mustGet(nk.ID)); diff != "" {
				t.Errorf("the replacement as stored (-rotate +get):\n%s", diff)
			}
			after := e.mustGet(old.ID)
			if after.Status != tt.wantOld {
				t.Errorf("old key is %s, want %s", after.Status, tt.wantOld)
			}
			switch {
			case tt.grace == 0:
				if after.ArchivedAt == nil {
					t.Errorf("old key archived without ArchivedAt")
				}
			case tt.keepsOld:
				if after.ExpiresAt == nil || !after.ExpiresAt.Equal(oldExpiry) {
					t.Errorf("old key expires %v, want its earlier %v kept", after.ExpiresAt, oldExpiry)
				}
			default:
				lo, hi := start.Add(tt.grace), end.Add(tt.grace)
				if after.ExpiresAt == nil || after.ExpiresAt.Before(lo) || after.ExpiresAt.After(hi) {
					t.Errorf("old key expires %v, want now+%v (between %v and %v)", after.ExpiresAt, tt.grace, lo, hi)
				}
				if after.Expired(time.Now()) || !after.Expired(hi) {
					t.Errorf("Expired(now) = %v, Expired(now+grace) = %v", after.Expired(time.Now()), after.Expired(hi))
				}
			}
		})
	}
}

func TestRotateRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, from := range []apikeys.Status{apikeys.StatusRevoked, apikeys.StatusArchived} {
		k := e.keyIn(from, "not rotatable")
		before := e.requests()
		ck, err := e.c.Rotate(e.ctx, k.ID, apikeys.RotateParams{Grace: time.Hour})
		var te *apikeys.TransitionError
		if ck != nil || !errors.As(err, &te) || te.From != from || !errors.Is(err, apikeys.ErrInvalidTransition) {
			t.Errorf("Rotate of a %s key: %v, %#v; want a *TransitionError from %s", from, ck, err, from)
		}
		if diff := cmp.Diff([]string{"GET /" + k.ID}, calls(e, before)); diff != "" {
			t.Errorf("Rotate of a %s key: requests (-want +got):\n%s", from, diff)
		}
	}
	before := e.requests()
	_, err := e.c.Rotate(e.ctx, "key_missing", apikeys.RotateParams{})
	wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
	if _, err := e.c.Rotate(e.ctx, "key_x", apikeys.RotateParams{Grace: -time.Second}); !errors.Is(err, apikeys.ErrInvalidParams) {
		t.Errorf("negative grace: %v, want ErrInvalidParams", err)
	}
	if n := countCreates(e, before); n != 0 {
		t.Errorf("%d creates, want 0", n)
	}
	if keys := e.listAll(apikeys.ListParams{IncludeArchived: true}); len(keys) != 2 {
		t.Errorf("%d keys, want the revoked and the archived one", len(keys))
	}
}

// afterCreate calls hook once a create's response has come back.
type afterCreate struct {
	next http.RoundTripper
	hook func()
}

func (a afterCreate) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := a.next.RoundTrip(req)
	if err == nil && req.Method == http.MethodPost && resp.StatusCode == http.StatusCreated {
		a.hook()
	}
	return resp, err
}

// TestRotateRetireFails: when the old key cannot be retired, the replacement
// and its secret come back with the error; they are never lost.
func TestRotateRetireFails(t *testing.T) {
	t.Parallel()
	for _, grace := range []time.Duration{0, time.Hour} {
		t.Run("grace "+grace.String(), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			old := e.create(fullParams).Key
			c := e.client(func(next http.RoundTripper) http.RoundTripper {
				return afterCreate{next: next, hook: func() { e.srv.FailNext(1, http.StatusInternalServerError, 0) }}
			}, apikeys.WithMaxRetries(0))
			before := e.requests()
			ck, err := c.Rotate(e.ctx, old.ID, apikeys.RotateParams{Grace: grace})
			if ck == nil || ck.Key == nil || ck.Secret.IsZero() {
				t.Fatalf("Rotate returned %v with %v; want the replacement and its secret", ck, err)
			}
			if !errors.Is(err, apikeys.ErrServer) || !strings.Contains(err.Error(), ck.Key.ID) {
				t.Errorf("error %v: want ErrServer naming the replacement %s", err, ck.Key.ID)
			}
			if strings.Contains(err.Error(), ck.Secret.Reveal()) {
				t.Errorf("the error shows the secret")
			}
			retire := "PATCH /" + old.ID
			if grace == 0 {
				retire = "DELETE /" + old.ID
			}
			if diff := cmp.Diff([]string{"GET /" + old.ID, "POST ", retire}, calls(e, before)); diff != "" {
				t.Errorf("requests (-want +got):\n%s", diff)
			}
			if !strings.HasPrefix(ck.Secret.Reveal(), ck.Key.Prefix) {
				t.Errorf("the secret lacks the replacement's prefix")
			}
			if got := e.mustGet(ck.Key.ID); got.Status != apikeys.StatusActive {
				t.Errorf("replacement is %s, want active", got.Status)
			}
			if got := e.mustGet(old.ID); got.Status != apikeys.StatusActive || got.ExpiresAt != nil {
				t.Errorf("old key is %s expiring %v, want untouched", got.Status, got.ExpiresAt)
			}
		})
	}
}

// TestRotateShortGrace: a grace shorter than the round trip to the server
// must not leave a half-done rotation behind (the server would refuse an
// expiry already past after the replacement exists): Rotate refuses it
// before any request, the old key not even read.
func TestRotateShortGrace(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, grace := range []time.Duration{time.Nanosecond, time.Microsecond, time.Millisecond, 999 * time.Millisecond} {
		k := e.create(apikeys.CreateParams{Name: "short grace"}).Key
		before := e.requests()
		ck, err := e.c.Rotate(e.ctx, k.ID, apikeys.RotateParams{Grace: grace})
		var ve *apikeys.ValidationError
		if !errors.As(err, &ve) || ve.Field != "Grace" || ck != nil ||
			err.Error() != "apikeys: invalid Grace: must be 0 or at least 1s" {
			t.Errorf("grace %v: Rotate = %v, %v; want a Grace ValidationError", grace, ck != nil, err)
		}
		if n := e.requests() - before; n != 0 {
			t.Errorf("grace %v: %d requests, want none (refused before reading the key)", grace, n)
		}
		if old := e.mustGet(k.ID); old.Status != apikeys.StatusActive || old.ExpiresAt != nil {
			t.Errorf("grace %v: the old key was touched: %s, expires %v", grace, old.Status, old.ExpiresAt)
		}
	}
}

// TestRotateParams: RotateParams.Name and ExpiresAt replace the old key's
// name and lifetime on the replacement; everything else is copied.
func TestRotateParams(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	oldExpiry := time.Now().Add(24 * time.Hour)
	p := fullParams
	p.ExpiresAt = &oldExpiry
	old := e.create(p).Key
	expires := time.Now().Add(90 * 24 * time.Hour).Round(time.Millisecond)
	before := e.requests()
	ck, err := e.c.Rotate(e.ctx, old.ID, apikeys.RotateParams{Name: apikeys.Ptr("rotated"), ExpiresAt: &expires})
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if diff := cmp.Diff([]string{"GET /" + old.ID, "POST ", "DELETE /" + old.ID}, calls(e, before)); diff != "" {
		t.Errorf("requests (-want +got):\n%s", diff)
	}
	want := settingsOf(old)
	want.Name = "rotated"
	if diff := cmp.Diff(want, settingsOf(ck.Key), equateEmpty); diff != "" {
		t.Errorf("the replacement's settings (-want +got):\n%s", diff)
	}
	if ck.Key.ExpiresAt == nil || !ck.Key.ExpiresAt.Equal(expires) {
		t.Errorf("replacement expires %v, want %v", ck.Key.ExpiresAt, expires)
	}
	if got := e.mustGet(old.ID); got.Status != apikeys.StatusArchived || got.Name != old.Name {
		t.Errorf("old key is %s named %q, want archived and still %q", got.Status, got.Name, old.Name)
	}

	// An empty name is refused before anything is read.
	k := e.create(apikeys.CreateParams{Name: "keep"}).Key
	before = e.requests()
	var ve *apikeys.ValidationError
	if _, err := e.c.Rotate(e.ctx, k.ID, apikeys.RotateParams{Name: apikeys.Ptr("")}); !errors.As(err, &ve) || ve.Field != "Name" {
		t.Errorf("Rotate with an empty name: %v, want a Name *ValidationError", err)
	}
	if n := e.requests() - before; n != 0 {
		t.Errorf("Rotate with an empty name sent %d requests, want 0", n)
	}
	// A blank name is refused as Create refuses it, before any create.
	if _, err := e.c.Rotate(e.ctx, k.ID, apikeys.RotateParams{Name: apikeys.Ptr(" \t")}); !errors.As(err, &ve) || ve.Field != "Name" {
		t.Errorf("Rotate with a blank name: %v, want a Name *ValidationError", err)
	}
	// An expiry the server refuses creates nothing and leaves the old key be.
	past := time.Now().Add(-time.Hour)
	ck, err = e.c.Rotate(e.ctx, k.ID, apikeys.RotateParams{ExpiresAt: &past})
	apiErr := wantAPIError(t, err, apikeys.ErrInvalidParams, http.StatusUnprocessableEntity, "VALIDATION_ERROR")
	if ck != nil || apiErr.Details["field"] != "expires_at" {
		t.Errorf("Rotate with a past expiry: %v, details %v; want no replacement, expires_at refused", ck, apiErr.Details)
	}
	if n := countCreates(e, before); n != 1 {
		t.Errorf("%d creates sent, want the 1 the server refused", n)
	}
	if got := e.mustGet(k.ID); got.Status != apikeys.StatusActive || got.ExpiresAt != nil {
		t.Errorf("old key is %s expiring %v, want untouched", got.Status, got.ExpiresAt)
	}
	if keys := e.listAll(apikeys.ListParams{}); len(keys) != 2 {
		t.Errorf("%d unarchived keys, want the replacement and %q", len(keys), "keep")
	}
}
