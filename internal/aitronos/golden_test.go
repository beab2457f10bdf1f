package aitronos_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/aitronos"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// The expected values below are written by hand from the vendor's pages
// (testdata/SOURCES.md names each payload's source), not produced by the
// code under test.

var (
	seedCreated = time.Date(2025, 11, 5, 10, 0, 0, 0, time.UTC)
	seedExpires = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

const (
	seedOrg = "org_123abc"
	seedKey = "ak_123abc456def789"
)

// activateKey is the seed's "200 OK (Activate)" object in the SDK's words.
func activateKey() platform.Key {
	return platform.Key{
		ID: seedKey, OrganizationID: seedOrg, Name: "Production API Key", Prefix: "oak_live_a1b2",
		Status: platform.StatusActive, PlatformStatus: "is_active=true",
		Scopes: []string{"read:usage", "write:projects"}, UsageLimitCHF: ptr(500.0),
		CreatedBy: "usr_456def", CreatedAt: seedCreated, ExpiresAt: ptr(seedExpires),
	}
}

// deactivateKey is the seed's "200 OK (Deactivate)" object.
func deactivateKey() platform.Key {
	return platform.Key{
		ID: seedKey, OrganizationID: seedOrg, Name: "Production API Key", Prefix: "oak_live_a1b2",
		Status: platform.StatusInactive, PlatformStatus: "is_active=false",
		Scopes: []string{"read:usage", "write:projects"}, UsageLimitCHF: ptr(500.0),
		CreatedBy: "usr_456def", CreatedAt: seedCreated, ExpiresAt: ptr(seedExpires),
	}
}

func transition(action string) *platform.Operation {
	return &platform.Operation{Kind: platform.KindTransition, Action: action, OrgID: seedOrg, KeyID: seedKey}
}

func TestGoldenDecode(t *testing.T) {
	t.Parallel()
	pausedKey := deactivateKey()
	pausedKey.Status = platform.StatusPaused // is_active=false is consistent with the pause asked for
	archivedSnapshot := deactivateKey()
	archivedSnapshot.Status = platform.StatusArchived

	tests := []struct {
		file string
		name string
		op   *platform.Operation
		want platform.Result
	}{
		{"activate.json", "activate", transition(platform.ActionActivate), platform.Result{Key: activateKey()}},
		{"activate.json", "get", &platform.Operation{Kind: platform.KindGet, OrgID: seedOrg, KeyID: seedKey},
			platform.Result{Key: activateKey()}},
		{"activate.json", "unpause", transition(platform.ActionUnpause), platform.Result{Key: activateKey()}},
		{"deactivate.json", "deactivate", transition(platform.ActionDeactivate), platform.Result{Key: deactivateKey()}},
		{"deactivate.json", "get", &platform.Operation{Kind: platform.KindGet, OrgID: seedOrg, KeyID: seedKey},
			platform.Result{Key: deactivateKey()}},
		{"deactivate.json", "after pause", transition(platform.ActionPause), platform.Result{Key: pausedKey}},
		{"deactivate.json", "after archive", transition(platform.ActionArchive), platform.Result{Key: archivedSnapshot}},
		{"create.json", "create", &platform.Operation{Kind: platform.KindCreate, OrgID: seedOrg, Create: &platform.CreateFields{Name: "Production API Key"}},
			platform.Result{
				Key: platform.Key{
					ID: seedKey, OrganizationID: seedOrg, Name: "Production API Key", Prefix: "oak_live_a1b2",
					Status: platform.StatusActive, PlatformStatus: "is_active=true",
					Scopes: []string{"read:usage"}, CreatedBy: "usr_456def", CreatedAt: seedCreated,
				},
				Secret: "oak_live_a1b2c3d4e5f6789012345678901234567890123456789012345678",
			}},
		{"list.json", "first page", &platform.Operation{Kind: platform.KindList, OrgID: seedOrg, List: &platform.ListFields{PageSize: 20}},
			platform.Result{Keys: []platform.Key{activateKey()}, Next: ""}},
		{"delete.json", "archive", transition(platform.ActionArchive),
			platform.Result{Key: platform.Key{ID: "ak_…", Status: platform.StatusArchived, Partial: true}}},
		{"action-short.json", "activate", transition(platform.ActionActivate),
			platform.Result{Key: platform.Key{
				ID: seedKey, Status: platform.StatusActive, PlatformStatus: "active", Partial: true,
				UpdatedAt: seedCreated,
			}}},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.file+"/"+tt.name, func(t *testing.T) {
			t.Parallel()
			body := readGolden(t, tt.file)
			got, err := m.Decode(*tt.op, &platform.Answer{Status: 200, Body: body})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGoldenDecodeError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file string
		want platform.Error
	}{
		{"error-400.json", platform.Error{
			Class: platform.ClassInvalidTransition, Code: "INVALID_STATE_TRANSITION",
			Message: "Cannot pause an already inactive API key", SystemMessage: "API key must be active to be paused",
			Type: "client_error", TraceID: "trace_123abc", Timestamp: seedCreated,
		}},
		{"error-404.json", platform.Error{
			Class: platform.ClassNotFound, Code: "API_KEY_NOT_FOUND",
			Message: "API key not found", SystemMessage: "No API key exists with the provided ID",
			Type: "client_error", TraceID: "trace_123abc", Timestamp: seedCreated,
		}},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body := readGolden(t, tt.file)
			status := map[string]int{"error-400.json": 400, "error-404.json": 404}[tt.file]
			got := m.DecodeError(*transition(platform.ActionPause), &platform.Answer{Status: status, Body: body})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeError mismatch (-want +got):\n%s", diff)
			}
			// The same envelope in a 2xx is the failure it says, with its own status.
			_, err := m.Decode(*transition(platform.ActionPause), &platform.Answer{Status: 200, Body: body})
			var pe *platform.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Decode of the envelope in a 2xx: err = %v, want *platform.Error", err)
			}
			want := tt.want
			want.Status = status // the envelope's own, since the HTTP status said success
			if diff := cmp.Diff(&want, pe); diff != "" {
				t.Errorf("Decode(2xx envelope) mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestGoldenFilesCovered keeps testdata and the tests above in step.
func TestGoldenFilesCovered(t *testing.T) {
	t.Parallel()
	covered := map[string]bool{
		"activate.json": true, "deactivate.json": true, "create.json": true, "list.json": true,
		"delete.json": true, "action-short.json": true, "error-400.json": true, "error-404.json": true,
	}
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(covered) {
		t.Errorf("testdata holds %d payloads, the golden tests cover %d", len(files), len(covered))
	}
	for _, f := range files {
		if !covered[filepath.Base(f)] {
			t.Errorf("%s has no golden test", f)
		}
	}
}

func readGolden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
