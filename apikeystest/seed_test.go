package apikeystest_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// now is the server's clock in these tests: fixed, so that seeded times
// are chosen relative to it.
var now = time.Date(2025, 6, 1, 12, 0, 0, 987654321, time.UTC)

func fixed() time.Time { return now }

func ago(d time.Duration) *time.Time { t := now.Add(-d); return &t }

const day = 24 * time.Hour

// startFor is an in-process server of p on the fixed clock, and its client.
func startFor(t *testing.T, p apikeys.Platform, opts ...apikeystest.Option) (*apikeystest.Server, *apikeys.Client) {
	t.Helper()
	base := []apikeystest.Option{apikeystest.WithPlatform(p), apikeystest.WithClock(fixed), apikeystest.WithoutListener()}
	srv := apikeystest.Start(t, append(base, opts...)...)
	client, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	return srv, client
}

// seededKeyOpts compares a seeded key with what the client reads: the
// fields the client derives from the answer are its own business.
var seededKeyOpts = cmp.Options{
	cmpopts.IgnoreUnexported(apikeys.Key{}),
	cmpopts.IgnoreFields(apikeys.Key{}, "PlatformStatus", "AvailableActions"),
	cmpopts.EquateEmpty(),
}

// fullKeys sets, per platform, every field its key object carries, in a
// status other than active.
var fullKeys = map[apikeys.Platform]apikeys.Key{
	apikeys.Reference: {
		Name: "ci deploy", Status: apikeys.StatusPaused, Scopes: []string{"keys:read"},
		UsageLimitCHF: apikeys.Ptr(12.5), PermissionMode: apikeys.PermissionRestricted,
		Access: map[string]string{"keys": "read"}, ProjectID: "proj_1", CreatedBy: "alice", UpdatedBy: "bob",
		CreatedAt: *ago(400 * day), UpdatedAt: *ago(10 * day), LastUsedAt: ago(200 * day), ExpiresAt: ago(-30 * day),
	},
	apikeys.Aitronos: {
		Name: "ci deploy", Status: apikeys.StatusInactive, Scopes: []string{"chat"},
		UsageLimitCHF: apikeys.Ptr(3.0), CreatedBy: "usr_alice", CreatedAt: *ago(400 * day), ExpiresAt: ago(1 * day),
	},
	apikeys.OrqAI: {
		Name: "ci deploy", Status: apikeys.StatusInactive, PermissionMode: apikeys.PermissionRestricted,
		Access: map[string]string{"deployments": "write"}, ProjectID: "proj_1", CreatedBy: "01HQ0000000000000000ALICE0",
		UpdatedBy: "01HQ0000000000000000B0B000", CreatedAt: *ago(400 * day), UpdatedAt: *ago(10 * day),
		LastUsedAt: ago(200 * day), ExpiresAt: ago(-30 * day),
	},
	apikeys.Sysevo: {
		Name: "ci deploy", Status: apikeys.StatusArchived, CreatedAt: *ago(400 * day),
		LastUsedAt: ago(200 * day), ArchivedAt: ago(10 * day),
	},
	apikeys.ConfidentAI: {
		Name: "ci deploy", Status: apikeys.StatusInactive, CreatedAt: *ago(400 * day), LastUsedAt: ago(200 * day),
	},
	apikeys.Prefactor: {
		Status: apikeys.StatusInactive, ProjectID: "env_1", CreatedBy: "adm_alice", CreatedAt: *ago(400 * day),
		UpdatedAt: *ago(10 * day), LastUsedAt: ago(200 * day), ExpiresAt: ago(-30 * day),
	},
}

// TestAddKeyReadBack seeds a key with every field each platform carries and
// reads it back through the client: what AddKey returns is what Get and
// List see, and the key moves through the platform's table like any other.
func TestAddKeyReadBack(t *testing.T) {
	ctx := context.Background()
	for _, p := range apikeys.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			srv, client := startFor(t, p)
			seeded, secret, err := srv.AddKey(fullKeys[p])
			if err != nil {
				t.Fatal(err)
			}
			if secret == "" || seeded.ID == "" {
				t.Fatalf("AddKey = %+v, %q: want an ID and a secret", seeded, secret)
			}
			if p == apikeys.Aitronos {
				// Aitronos shows no status: a deactivated key reads as inactive,
				// which is what was seeded.
				seeded.Status = apikeys.StatusInactive
			}
			got, err := client.Get(ctx, seeded.ID)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if diff := cmp.Diff(seeded, got, seededKeyOpts); diff != "" {
				t.Errorf("Get differs from AddKey's key (-added +got):\n%s", diff)
			}

			var listed []string
			for k, err := range client.List(ctx, apikeys.ListParams{IncludeArchived: seeded.Status == apikeys.StatusArchived}) {
				if err != nil {
					t.Fatalf("List: %v", err)
				}
				listed = append(listed, k.ID)
			}
			if !slices.Contains(listed, seeded.ID) {
				t.Errorf("List = %q, want it to hold %q", listed, seeded.ID)
			}

			actions := p.Actions(seeded.Status)
			if len(actions) == 0 {
				t.Fatalf("%s allows nothing from %s", p, seeded.Status)
			}
			a := actions[0]
			moved, err := client.Transition(ctx, got, a)
			if err != nil {
				t.Fatalf("Transition(%s): %v", a, err)
			}
			if want, _ := p.Next(seeded.Status, a); a != apikeys.ActionDelete && moved.Status != want {
				t.Errorf("after %s: status %q, want %q", a, moved.Status, want)
			}
		})
	}
}

// TestAddKeyDefaults: a key given only what is required is active, created
// now, and gets what a create would give it.
func TestAddKeyDefaults(t *testing.T) {
	srv, client := startFor(t, apikeys.Reference)
	seeded, _, err := srv.AddKey(apikeys.Key{Name: "  plain  "})
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.Get(context.Background(), seeded.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := &apikeys.Key{
		ID: seeded.ID, OrganizationID: srv.OrgID, Name: "plain", Prefix: seeded.Prefix,
		Status: apikeys.StatusActive, Platform: apikeys.Reference, PermissionMode: apikeys.PermissionAll,
		CreatedBy: "admin", UpdatedBy: "admin", CreatedAt: now, UpdatedAt: now,
	}
	if diff := cmp.Diff(want, got, seededKeyOpts); diff != "" {
		t.Errorf("Get (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, seeded, seededKeyOpts); diff != "" {
		t.Errorf("AddKey (-want +got):\n%s", diff)
	}
}

// TestAddKeyImpliedTimes: a status that needs a time gets the server's
// clock; Prefactor tokens expire a year after creation; times keep the
// platform's precision.
func TestAddKeyImpliedTimes(t *testing.T) {
	srv, _ := startFor(t, apikeys.Reference)
	k, _, err := srv.AddKey(apikeys.Key{Name: "r", Status: apikeys.StatusRevoked, CreatedAt: *ago(day)})
	if err != nil {
		t.Fatal(err)
	}
	if k.RevokedAt == nil || !k.RevokedAt.Equal(now) || !k.UpdatedAt.Equal(now) || k.ArchivedAt != nil {
		t.Errorf("revoked key: RevokedAt %v, UpdatedAt %v, ArchivedAt %v; want now, now, nil", k.RevokedAt, k.UpdatedAt, k.ArchivedAt)
	}

	pre, _ := startFor(t, apikeys.Prefactor)
	k, _, err = pre.AddKey(apikeys.Key{CreatedAt: *ago(day)})
	if err != nil {
		t.Fatal(err)
	}
	created := now.Add(-day).Truncate(time.Second)
	if want := created.Add(365 * day); k.ExpiresAt == nil || !k.ExpiresAt.Equal(want) || !k.CreatedAt.Equal(created) {
		t.Errorf("Prefactor token: CreatedAt %v ExpiresAt %v, want %v and %v", k.CreatedAt, k.ExpiresAt, created, want)
	}
}

// TestAddKeyRefuses: a key the platform cannot hold or show is an error
// wrapping ErrUnrepresentable, and nothing is stored.
func TestAddKeyRefuses(t *testing.T) {
	tests := []struct {
		name string
		p    apikeys.Platform
		k    apikeys.Key
	}{
		{"no name", apikeys.Reference, apikeys.Key{}},
		{"blank name", apikeys.Sysevo, apikeys.Key{Name: "  "}},
		{"name too long", apikeys.Reference, apikeys.Key{Name: string(make([]byte, 101))}},
		{"name on Prefactor", apikeys.Prefactor, apikeys.Key{Name: "x"}},
		{"ID chosen", apikeys.Reference, apikeys.Key{Name: "x", ID: "key_1"}},
		{"prefix chosen", apikeys.Reference, apikeys.Key{Name: "x", Prefix: "ak_live_"}},
		{"available actions", apikeys.Reference, apikeys.Key{Name: "x", AvailableActions: []apikeys.Action{}}},
		{"other platform", apikeys.Reference, apikeys.Key{Name: "x", Platform: apikeys.OrqAI}},
		{"other organization", apikeys.Reference, apikeys.Key{Name: "x", OrganizationID: "org_other"}},
		{"organization on Sysevo", apikeys.Sysevo, apikeys.Key{Name: "x", OrganizationID: "org_test"}},
		{"unknown status", apikeys.Reference, apikeys.Key{Name: "x", Status: "expired"}},
		{"paused on orq.ai", apikeys.OrqAI, apikeys.Key{Name: "x", Status: apikeys.StatusPaused}},
		{"revoked on Sysevo", apikeys.Sysevo, apikeys.Key{Name: "x", Status: apikeys.StatusRevoked}},
		{"last used on Aitronos", apikeys.Aitronos, apikeys.Key{Name: "x", LastUsedAt: ago(day)}},
		{"scopes on orq.ai", apikeys.OrqAI, apikeys.Key{Name: "x", Scopes: []string{"a"}}},
		{"expiry on Confident AI", apikeys.ConfidentAI, apikeys.Key{Name: "x", ExpiresAt: ago(-day)}},
		{"revoked at on orq.ai", apikeys.OrqAI, apikeys.Key{Name: "x", Status: apikeys.StatusRevoked, RevokedAt: ago(day)}},
		{"archived at on an active key", apikeys.Sysevo, apikeys.Key{Name: "x", ArchivedAt: ago(day)}},
		{"revoked at on an archived key", apikeys.Reference, apikeys.Key{Name: "x", Status: apikeys.StatusArchived, RevokedAt: ago(day)}},
		{"created in the future", apikeys.Reference, apikeys.Key{Name: "x", CreatedAt: now.Add(time.Second)}},
		{"used before created", apikeys.Reference, apikeys.Key{Name: "x", CreatedAt: *ago(day), LastUsedAt: ago(2 * day)}},
		{"used in the future", apikeys.ConfidentAI, apikeys.Key{Name: "x", LastUsedAt: ago(-day)}},
		{"expires before created", apikeys.Reference, apikeys.Key{Name: "x", CreatedAt: *ago(day), ExpiresAt: ago(2 * day)}},
		{"updated before archived", apikeys.Reference, apikeys.Key{Name: "x", Status: apikeys.StatusArchived,
			CreatedAt: *ago(3 * day), ArchivedAt: ago(day), UpdatedAt: *ago(2 * day)}},
		{"restricted without access", apikeys.Reference, apikeys.Key{Name: "x", PermissionMode: apikeys.PermissionRestricted}},
		{"access ignored on orq.ai", apikeys.OrqAI, apikeys.Key{Name: "x", Access: map[string]string{"a": "read"}}},
		{"unknown level on orq.ai", apikeys.OrqAI, apikeys.Key{Name: "x", PermissionMode: apikeys.PermissionRestricted,
			Access: map[string]string{"a": "admin"}}},
		{"unknown mode", apikeys.Reference, apikeys.Key{Name: "x", PermissionMode: "root"}},
		{"blank scope", apikeys.Aitronos, apikeys.Key{Name: "x", Scopes: []string{" "}}},
		{"negative limit", apikeys.Aitronos, apikeys.Key{Name: "x", UsageLimitCHF: apikeys.Ptr(-1.0)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, client := startFor(t, tt.p)
			k, secret, err := srv.AddKey(tt.k)
			if !errors.Is(err, apikeystest.ErrUnrepresentable) {
				t.Fatalf("AddKey = %+v, %q, %v; want ErrUnrepresentable", k, secret, err)
			}
			for k, err := range client.List(context.Background(), apikeys.ListParams{}) {
				t.Errorf("List after a refused AddKey: %+v, %v", k, err)
			}
		})
	}
}

// TestAddKeyStatusesMatchCapabilities holds AddKey to the client's view of
// each platform: every status Capabilities lists can be seeded, and no other.
func TestAddKeyStatusesMatchCapabilities(t *testing.T) {
	all := []apikeys.Status{apikeys.StatusActive, apikeys.StatusPaused, apikeys.StatusInactive,
		apikeys.StatusArchived, apikeys.StatusRevoked}
	for _, p := range apikeys.Platforms() {
		srv, _ := startFor(t, p)
		name := "k"
		if p == apikeys.Prefactor {
			name = ""
		}
		for _, st := range all {
			_, _, err := srv.AddKey(apikeys.Key{Name: name, Status: st})
			if want := slices.Contains(p.Capabilities().Statuses, st); (err == nil) != want {
				t.Errorf("%s: AddKey(status %s): err %v, want success %v", p, st, err, want)
			}
		}
	}
}

// TestAddKeySecretAuthenticates: on Confident AI, where any key of the
// organization authenticates, a seeded key's secret does, and sets its
// last use.
func TestAddKeySecretAuthenticates(t *testing.T) {
	srv, _ := startFor(t, apikeys.ConfidentAI)
	k, secret, err := srv.AddKey(apikeys.Key{Name: "ci", CreatedAt: *ago(day)})
	if err != nil {
		t.Fatal(err)
	}
	client, err := srv.Client(apikeys.WithAPIKey(secret))
	if err != nil {
		t.Fatal(err)
	}
	got, err := client.Get(context.Background(), k.ID)
	if err != nil {
		t.Fatalf("Get with the seeded key's secret: %v", err)
	}
	if got.LastUsedAt == nil || !got.LastUsedAt.Equal(now.Truncate(time.Millisecond)) {
		t.Errorf("LastUsedAt = %v, want the server's clock", got.LastUsedAt)
	}
}
