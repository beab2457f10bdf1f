package sysevo_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/sysevo"
)

// golden reads one of the vendor's own payloads (testdata/SOURCES.md).
func golden(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

// The key of the docs' list example, written by hand from the page: id 42,
// archived_at null (so active, "archived_at=null").
var goldenListKey = platform.Key{
	ID: "42", Name: "Production", Prefix: "sk_live_abc1",
	Status: platform.StatusActive, PlatformStatus: "archived_at=null",
	CreatedAt:  at("2026-06-01T10:00:00Z"),
	LastUsedAt: ptr(at("2026-06-26T14:22:00Z")),
}

func TestGoldenList(t *testing.T) {
	t.Parallel()
	for _, archived := range []bool{false, true} {
		op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{IncludeArchived: archived}}
		got, err := sysevo.Mapping{}.Decode(*op, &platform.Answer{Status: 200, Body: golden(t, "list-response.json")})
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		want := platform.Result{Keys: []platform.Key{goldenListKey}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("list (include_archived %v) (-want +got):\n%s", archived, diff)
		}
	}
}

// TestGoldenGet: Get is one List call; the docs' list answer holds key 42.
func TestGoldenGet(t *testing.T) {
	t.Parallel()
	body := golden(t, "list-response.json")
	for _, id := range []string{"42", "042"} {
		got, err := sysevo.Mapping{}.Decode(platform.Operation{Kind: platform.KindGet, KeyID: id},
			&platform.Answer{Status: 200, Body: body})
		if err != nil {
			t.Fatalf("Decode(get %s): %v", id, err)
		}
		if diff := cmp.Diff(platform.Result{Key: goldenListKey}, got); diff != "" {
			t.Errorf("get %s (-want +got):\n%s", id, diff)
		}
	}
	got, err := sysevo.Mapping{}.Decode(platform.Operation{Kind: platform.KindGet, KeyID: "43"},
		&platform.Answer{Status: 200, Body: body})
	var perr *platform.Error
	if !errors.As(err, &perr) {
		t.Fatalf("get 43: err = %v, want *platform.Error", err)
	}
	want := platform.Error{Status: 404, Class: platform.ClassNotFound, Message: "API key not found"}
	if diff := cmp.Diff(want, *perr); diff != "" {
		t.Errorf("get 43 error (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(platform.Result{}, got); diff != "" {
		t.Errorf("get 43 result (-want +got):\n%s", diff)
	}
}

// TestGoldenCreate: the docs' create answer gives the secret in "key" and the
// public "prefix"; it has no archived_at, so it does not say the status.
func TestGoldenCreate(t *testing.T) {
	t.Parallel()
	op := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "Production"}}
	got, err := sysevo.Mapping{}.Decode(*op, &platform.Answer{Status: 201, Body: golden(t, "create-response.json")})
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	want := platform.Result{
		Key: platform.Key{
			ID: "42", Name: "Production", Prefix: "sk_live_abc1",
			CreatedAt: at("2026-06-26T10:00:00Z"),
		},
		Secret: "sk_live_abc1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("create (-want +got):\n%s", diff)
	}
}

// TestGoldenCreateRequest: Encode sends the docs' request body, byte for
// byte once the docs' layout spaces are removed.
func TestGoldenCreateRequest(t *testing.T) {
	t.Parallel()
	var want bytes.Buffer
	if err := json.Compact(&want, golden(t, "create-request.json")); err != nil {
		t.Fatal(err)
	}
	op := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "Production"}}
	req, err := sysevo.Mapping{}.Encode(*op)
	if err != nil {
		t.Fatalf("Encode: %v", err)
	}
	if !bytes.Equal(req.Body, want.Bytes()) {
		t.Errorf("body = %s, want %s", req.Body, want.Bytes())
	}
}

// TestGoldenErrors: Sysevo documents no error body; DecodeError gives a zero
// Error for each of the vendor's payloads sent back with an error status.
func TestGoldenErrors(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"list-response.json", "create-response.json", "create-request.json"} {
		for _, status := range []int{400, 401, 404, 409, 422, 500} {
			got := sysevo.Mapping{}.DecodeError(platform.Operation{Kind: platform.KindGet, KeyID: "42"},
				&platform.Answer{Status: status, Body: golden(t, name)})
			if diff := cmp.Diff(platform.Error{}, got); diff != "" {
				t.Errorf("%s with %d (-want +got):\n%s", name, status, diff)
			}
		}
	}
}
