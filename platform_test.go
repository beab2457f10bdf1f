package apikeys_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

// allPlatforms are the six platforms of DESIGN.md, in its order.
var allPlatforms = []apikeys.Platform{"reference", "aitronos", "orq-ai", "sysevo", "confident-ai", "prefactor"}

func TestPlatformConstants(t *testing.T) {
	t.Parallel()
	got := []apikeys.Platform{apikeys.Reference, apikeys.Aitronos, apikeys.OrqAI, apikeys.Sysevo, apikeys.ConfidentAI, apikeys.Prefactor}
	if diff := cmp.Diff(allPlatforms, got); diff != "" {
		t.Errorf("Platform constants (-want +got):\n%s", diff)
	}
}

// Platforms lists what the client can speak, Reference first, each one
// Valid, in DESIGN.md's order, in a slice the caller owns.
func TestPlatforms(t *testing.T) {
	t.Parallel()
	ps := apikeys.Platforms()
	if len(ps) == 0 || ps[0] != apikeys.Reference {
		t.Fatalf("Platforms() = %q, want Reference first", ps)
	}
	last := -1
	for _, p := range ps {
		if !p.Valid() {
			t.Errorf("Platforms() holds %q, which is not Valid", p)
		}
		i := slices.Index(allPlatforms, p)
		if i <= last {
			t.Errorf("Platforms() = %q: %q is unknown or out of order", ps, p)
		}
		last = i
	}
	for _, p := range allPlatforms {
		if p.Valid() != slices.Contains(ps, p) {
			t.Errorf("%q.Valid() = %v, but Platforms() = %q", p, p.Valid(), ps)
		}
	}
	ps[0] = "mutated"
	if apikeys.Platforms()[0] != apikeys.Reference {
		t.Error("changing the result of Platforms changed the next one")
	}
	for _, p := range []apikeys.Platform{"", "nope", "Reference", "REFERENCE", "reference ", "orq.ai"} {
		if p.Valid() {
			t.Errorf("Platform(%q).Valid() = true, want false", p)
		}
	}
}

// The reference API's capabilities are DESIGN.md's first column.
func TestReferenceCapabilities(t *testing.T) {
	t.Parallel()
	got := apikeys.Reference.Capabilities()
	want := apikeys.Capabilities{
		Get: true, Update: true,
		Actions:  columns[:],
		Statuses: statuses,
		CreateFields: []apikeys.Field{
			apikeys.FieldName, apikeys.FieldScopes, apikeys.FieldUsageLimitCHF, apikeys.FieldExpiresAt,
			apikeys.FieldPermissionMode, apikeys.FieldAccess, apikeys.FieldProjectID, apikeys.FieldIdempotencyKey,
		},
		UpdateFields: []apikeys.Field{
			apikeys.FieldName, apikeys.FieldScopes, apikeys.FieldUsageLimitCHF, apikeys.FieldClearUsageLimit,
			apikeys.FieldExpiresAt, apikeys.FieldClearExpiresAt, apikeys.FieldPermissionMode,
			apikeys.FieldAccess, apikeys.FieldProjectID,
		},
		ServerFilters:  []apikeys.Field{apikeys.FieldStatus, apikeys.FieldIncludeArchived},
		MaxPageSize:    100,
		Organization:   apikeys.RequirementRequired,
		IntegerIDs:     false,
		Deduplicates:   true,
		AuthHeader:     got.AuthHeader, // compared below, without regard to case
		DefaultBaseURL: "",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Reference.Capabilities() (-want +got):\n%s", diff)
	}
	if !strings.EqualFold(got.AuthHeader, "X-API-Key") || got.AuthScheme != "" {
		t.Errorf("credential header %q %q, want X-API-Key without a scheme", got.AuthHeader, got.AuthScheme)
	}
	for f, name := range map[apikeys.Field]string{
		apikeys.FieldName: "Name", apikeys.FieldScopes: "Scopes", apikeys.FieldUsageLimitCHF: "UsageLimitCHF",
		apikeys.FieldClearUsageLimit: "ClearUsageLimit", apikeys.FieldExpiresAt: "ExpiresAt",
		apikeys.FieldClearExpiresAt: "ClearExpiresAt", apikeys.FieldPermissionMode: "PermissionMode",
		apikeys.FieldAccess: "Access", apikeys.FieldProjectID: "ProjectID", apikeys.FieldIdempotencyKey: "IdempotencyKey",
		apikeys.FieldStatus: "Status", apikeys.FieldIncludeArchived: "IncludeArchived",
	} {
		if string(f) != name {
			t.Errorf("Field %q, want the Go field name %q", f, name)
		}
	}
	for r, word := range map[apikeys.Requirement]string{
		apikeys.RequirementRequired: "required", apikeys.RequirementOptional: "optional", apikeys.RequirementNone: "none",
	} {
		if string(r) != word {
			t.Errorf("Requirement %q, want %q", r, word)
		}
	}
}

// Capabilities returns fresh slices: a caller changing one changes nothing
// for the next caller, nor for the client.
func TestCapabilitiesAreFresh(t *testing.T) {
	// Not parallel: it uses httpmock.
	for _, p := range apikeys.Platforms() {
		a, b := p.Capabilities(), p.Capabilities()
		for name, pair := range map[string][2][]apikeys.Field{
			"CreateFields": {a.CreateFields, b.CreateFields}, "UpdateFields": {a.UpdateFields, b.UpdateFields},
			"ServerFilters": {a.ServerFilters, b.ServerFilters},
		} {
			if len(pair[0]) > 0 && &pair[0][0] == &pair[1][0] {
				t.Errorf("%s: two calls share the %s slice", p, name)
			}
		}
		if len(a.Actions) > 0 && &a.Actions[0] == &b.Actions[0] {
			t.Errorf("%s: two calls share the Actions slice", p)
		}
		if len(a.Statuses) > 0 && &a.Statuses[0] == &b.Statuses[0] {
			t.Errorf("%s: two calls share the Statuses slice", p)
		}
		want := p.Capabilities()
		for i := range a.Actions {
			a.Actions[i] = "mutated"
		}
		for i := range a.Statuses {
			a.Statuses[i] = "mutated"
		}
		for i := range a.CreateFields {
			a.CreateFields[i] = "mutated"
		}
		for i := range a.UpdateFields {
			a.UpdateFields[i] = "mutated"
		}
		for i := range a.ServerFilters {
			a.ServerFilters[i] = "mutated"
		}
		if diff := cmp.Diff(want, p.Capabilities()); diff != "" {
			t.Errorf("%s: after mutating a result (-want +got):\n%s", p, diff)
		}
		for _, s := range want.Statuses {
			if got := p.Actions(s); !slices.Equal(got, p.Actions(s)) {
				t.Errorf("%s.Actions(%q) differs between calls", p, s)
			} else if len(got) > 0 {
				got[0] = "mutated"
				if p.Actions(s)[0] == "mutated" {
					t.Errorf("%s.Actions(%q) returns a shared slice", p, s)
				}
			}
		}
	}
	// The client still works after its platform's slices were mutated.
	caps := apikeys.Reference.Capabilities()
	for i := range caps.Actions {
		caps.Actions[i] = "mutated"
	}
	c, f := newTestClient(t)
	f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 200, body: `{"id":"k1","status":"paused"}`})
	if _, err := c.Pause(t.Context(), "k1"); err != nil {
		t.Errorf("Pause after mutating Capabilities: %v", err)
	}
}

// designTables are DESIGN.md's transition tables, one row a status: the
// actions it allows. Statuses not listed allow nothing.
var designTables = map[apikeys.Platform]map[apikeys.Status][]apikeys.Action{
	"reference": {
		"active":   {"deactivate", "pause", "archive", "revoke"},
		"paused":   {"deactivate", "unpause", "archive", "revoke"},
		"inactive": {"activate", "archive", "revoke"},
		"archived": {"reactivate", "revoke", "delete"},
		"revoked":  {"delete"},
	},
	"aitronos": {
		"active":   {"deactivate", "pause", "archive"},
		"paused":   {"activate", "deactivate", "unpause", "archive"},
		"inactive": {"activate", "unpause", "archive"},
	},
	"orq-ai": {
		"active":   {"deactivate", "revoke", "delete"},
		"inactive": {"activate", "revoke", "delete"},
		"revoked":  {"delete"},
	},
	"sysevo": {
		"active":   {"archive"},
		"archived": {"reactivate"},
	},
	"confident-ai": {
		"active":   {"deactivate", "delete"},
		"inactive": {"activate", "delete"},
	},
	"prefactor": {
		"active":   {"deactivate", "revoke"},
		"inactive": {"activate", "revoke"},
		"revoked":  {"delete"},
	},
}

// Every platform the client speaks follows its DESIGN.md table, cell by
// cell, through Can, Actions, Next and Key.Can.
func TestPlatformTables(t *testing.T) {
	t.Parallel()
	for _, p := range apikeys.Platforms() {
		table, ok := designTables[p]
		if !ok {
			t.Errorf("%s has no table in DESIGN.md", p)
			continue
		}
		for _, s := range append(statuses, "frozen", "") {
			want := table[s]
			if got := p.Actions(s); !slices.Equal(got, want) {
				t.Errorf("%s.Actions(%q) = %q, want %q", p, s, got, want)
			}
			for _, a := range columns {
				allowed := slices.Contains(want, a)
				if got := p.Can(s, a); got != allowed {
					t.Errorf("%s.Can(%q, %q) = %v, want %v", p, s, a, got, allowed)
				}
				key := &apikeys.Key{ID: "k", Status: s, Platform: p}
				if got := key.Can(a); got != allowed {
					t.Errorf("Key{%s, %q}.Can(%q) = %v, want %v", p, s, a, got, allowed)
				}
				next, err := p.Next(s, a)
				var te *apikeys.TransitionError
				var ue *apikeys.UnsupportedError
				switch {
				case allowed:
					target := map[apikeys.Action]apikeys.Status{
						"activate": "active", "deactivate": "inactive", "pause": "paused", "unpause": "active",
						"archive": "archived", "reactivate": "active", "revoke": "revoked", "delete": "",
					}[a]
					if err != nil || next != target {
						t.Errorf("%s.Next(%q, %q) = %q, %v; want %q", p, s, a, next, err, target)
					}
				case !p.Supports(a):
					if !errors.As(err, &ue) || !errors.Is(err, apikeys.ErrUnsupported) || ue.Platform != p || ue.Operation != string(a) {
						t.Errorf("%s.Next(%q, %q) = %v, want an *UnsupportedError", p, s, a, err)
					}
				default:
					if !errors.As(err, &te) || *te != (apikeys.TransitionError{Platform: p, From: s, Action: a}) {
						t.Errorf("%s.Next(%q, %q) = %v, want a *TransitionError", p, s, a, err)
					}
				}
			}
		}
	}
}

// What every platform's capabilities must say of themselves.
func TestCapabilitiesConsistent(t *testing.T) {
	t.Parallel()
	targets := map[apikeys.Action]apikeys.Status{
		"activate": "active", "deactivate": "inactive", "pause": "paused", "unpause": "active",
		"archive": "archived", "reactivate": "active", "revoke": "revoked",
	}
	for _, p := range apikeys.Platforms() {
		caps := p.Capabilities()
		// Actions in Action order, and exactly what Supports says.
		var supported []apikeys.Action
		for _, a := range columns {
			if p.Supports(a) {
				supported = append(supported, a)
			}
		}
		if !slices.Equal(caps.Actions, supported) {
			t.Errorf("%s: Actions %q, Supports %q", p, caps.Actions, supported)
		}
		for _, a := range []apikeys.Action{"", "freeze", "Pause"} {
			if p.Supports(a) {
				t.Errorf("%s.Supports(%q) = true", p, a)
			}
		}
		for _, s := range statuses {
			for _, a := range columns {
				if p.Can(s, a) && !p.Supports(a) {
					t.Errorf("%s.Can(%q, %q) without Supports", p, s, a)
				}
				// An action whose target is the current status is refused
				// everywhere.
				if p.Can(s, a) && targets[a] == s {
					t.Errorf("%s.Can(%q, %q): the action leads where the key already is", p, s, a)
				}
			}
		}
		switch caps.Organization {
		case apikeys.RequirementRequired, apikeys.RequirementOptional, apikeys.RequirementNone:
		default:
			t.Errorf("%s: Organization %q", p, caps.Organization)
		}
		// SuspendAction: pause, else deactivate, else archive where
		// reactivate exists.
		a, ok := p.SuspendAction()
		var want apikeys.Action
		switch {
		case p.Supports(apikeys.ActionPause):
			want = apikeys.ActionPause
		case p.Supports(apikeys.ActionDeactivate):
			want = apikeys.ActionDeactivate
		case p.Supports(apikeys.ActionArchive) && p.Supports(apikeys.ActionReactivate):
			want = apikeys.ActionArchive
		}
		if a != want || ok != (want != "") {
			t.Errorf("%s.SuspendAction() = %q, %v; want %q", p, a, ok, want)
		}
	}
	if a, ok := apikeys.Reference.SuspendAction(); a != apikeys.ActionPause || !ok {
		t.Errorf("Reference.SuspendAction() = %q, %v; want pause", a, ok)
	}
}

// An unknown platform has nothing and allows nothing.
func TestUnknownPlatform(t *testing.T) {
	t.Parallel()
	p := apikeys.Platform("nope")
	if diff := cmp.Diff(apikeys.Capabilities{}, p.Capabilities()); diff != "" {
		t.Errorf("Capabilities of an unknown platform (-want +got):\n%s", diff)
	}
	if a, ok := p.SuspendAction(); ok || a != "" {
		t.Errorf("SuspendAction() = %q, %v", a, ok)
	}
	for _, a := range columns {
		if p.Supports(a) || p.Can(apikeys.StatusActive, a) {
			t.Errorf("an unknown platform allows %q", a)
		}
		if _, err := p.Next(apikeys.StatusActive, a); !errors.Is(err, apikeys.ErrUnsupported) {
			t.Errorf("Next(active, %q) = %v, want ErrUnsupported", a, err)
		}
	}
	if got := p.Actions(apikeys.StatusActive); len(got) != 0 {
		t.Errorf("Actions(active) = %q", got)
	}
}

// Key.Can reads the key's platform's table, Reference when Platform is
// empty; a key whose status is unknown allows nothing.
func TestKey_Can(t *testing.T) {
	// Not parallel: it uses httpmock.
	for _, c := range []struct {
		key  apikeys.Key
		a    apikeys.Action
		want bool
	}{
		{apikeys.Key{Status: apikeys.StatusActive}, apikeys.ActionPause, true},
		{apikeys.Key{Status: apikeys.StatusActive, Platform: apikeys.Reference}, apikeys.ActionPause, true},
		{apikeys.Key{Status: apikeys.StatusActive}, apikeys.ActionActivate, false},
		{apikeys.Key{Status: apikeys.StatusRevoked}, apikeys.ActionDelete, true},
		{apikeys.Key{Status: apikeys.StatusRevoked}, apikeys.ActionReactivate, false},
		{apikeys.Key{Status: apikeys.StatusArchived}, apikeys.ActionReactivate, true},
		{apikeys.Key{Status: ""}, apikeys.ActionPause, false},
		{apikeys.Key{Status: "frozen"}, apikeys.ActionPause, false},
		{apikeys.Key{Status: apikeys.StatusActive}, "freeze", false},
		{apikeys.Key{Status: apikeys.StatusActive, Platform: "nope"}, apikeys.ActionPause, false},
	} {
		if got := c.key.Can(c.a); got != c.want {
			t.Errorf("Key{%q, %q}.Can(%q) = %v, want %v", c.key.Platform, c.key.Status, c.a, got, c.want)
		}
	}
	// A key the client returns carries its platform.
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"paused"}`})
	k, err := c.Get(t.Context(), "k1")
	if err != nil {
		t.Fatal(err)
	}
	if k.Platform != apikeys.Reference || !k.Can(apikeys.ActionUnpause) || k.Can(apikeys.ActionPause) {
		t.Errorf("Key %+v: Platform %q, Can(unpause) %v, Can(pause) %v", k, k.Platform, k.Can(apikeys.ActionUnpause), k.Can(apikeys.ActionPause))
	}
	if c.Platform() != apikeys.Reference {
		t.Errorf("Client.Platform() = %q, want reference", c.Platform())
	}
}
