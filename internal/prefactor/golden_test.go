package prefactor

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// The seed's example values (testdata/SOURCES.md).
const (
	exTokenID   = "013xrzp12g3nqk8n7f8f9jbg8d18q7tm"
	exAccountID = "013xrzp12g3nqk8ngskn1wtxgka5b0nf"
	exAdminID   = "013xrzp12g3nqk8nh0qrc2b1jfanmvb9"
	exEnvID     = "013xrzp12g3nqk8nzxvq7jm2arsfg5h1"
)

var exTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

// cmpOpts lets go-cmp look into carry, which the expected values spell out.
var cmpOpts = cmp.AllowUnexported(carry{})

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// exampleToken is the token of activate-success.json as the SDK sees it,
// written by hand from the seed: an account-scoped token has no project even
// though the example names an environment, which Carry keeps as written.
func exampleToken() platform.Key {
	return platform.Key{
		ID: exTokenID, OrganizationID: exAccountID,
		Status: platform.StatusActive, PlatformStatus: "active",
		CreatedBy: exAdminID, CreatedAt: exTime, UpdatedAt: exTime, ExpiresAt: ptr(exTime),
		AvailableActions: []string{platform.ActionDeactivate, platform.ActionRevoke},
		Carry:            carry{accountID: exAccountID, tokenScope: "account", environmentID: exEnvID},
	}
}

func TestGoldenDecode(t *testing.T) {
	t.Parallel()
	created := exampleToken()
	created.Carry = carry{accountID: exAccountID, tokenScope: "account"}

	suspended := platform.Key{
		ID: exTokenID, OrganizationID: exAccountID,
		Status: platform.StatusInactive, PlatformStatus: "suspended", ProjectID: exEnvID,
		CreatedAt: exTime, UpdatedAt: exTime, LastUsedAt: ptr(exTime), ExpiresAt: ptr(exTime),
		AvailableActions: []string{platform.ActionActivate, platform.ActionRevoke},
		Carry:            carry{accountID: exAccountID, tokenScope: "environment", environmentID: exEnvID},
	}

	revoked := exampleToken()
	revoked.Status, revoked.PlatformStatus = platform.StatusRevoked, "revoked"
	revoked.AvailableActions = []string{platform.ActionDelete}
	revoked.Carry = carry{accountID: exAccountID, tokenScope: "account"}

	tests := []struct {
		file string
		op   platform.Operation
		want platform.Result
	}{
		{
			file: "activate-success.json",
			op:   platform.Operation{Kind: platform.KindTransition, Action: platform.ActionActivate, KeyID: exTokenID},
			want: platform.Result{Key: exampleToken()},
		},
		{
			file: "create-success.json",
			op:   platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{}},
			want: platform.Result{Key: created, Secret: "eyJhbGciOi…"},
		},
		{
			file: "get-environment-suspended.json",
			op:   platform.Operation{Kind: platform.KindGet, KeyID: exTokenID},
			want: platform.Result{Key: suspended},
		},
		{
			file: "revoke-success.json",
			op:   platform.Operation{Kind: platform.KindTransition, Action: platform.ActionRevoke, KeyID: exTokenID},
			want: platform.Result{Key: revoked},
		},
		{
			file: "list-page.json",
			op:   platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 10, Cursor: "100"}},
			want: platform.Result{Keys: []platform.Key{exampleToken()}, Next: "110"},
		},
		{
			file: "list-last-page.json",
			op:   platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 10, Cursor: "190"}},
			want: platform.Result{Keys: []platform.Key{exampleToken()}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			got, err := Mapping{}.Decode(tt.op, &platform.Answer{Status: http.StatusOK, Body: readTestdata(t, tt.file)})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGoldenErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		status int
		want   platform.Error
	}{
		{
			file: "error-bad-request.json", status: http.StatusBadRequest,
			want: platform.Error{Class: platform.ClassInvalidParams, Code: "bad_request", Message: "bad request"},
		},
		{
			file: "error-validation.json", status: http.StatusUnprocessableEntity,
			want: platform.Error{
				Class: platform.ClassInvalidParams, Code: "validation_errors", Message: "validation errors",
				Details: map[string]any{"errors": map[string]any{"expires_at": []any{"is invalid"}}},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			body := readTestdata(t, tt.file)
			op := &platform.Operation{Kind: platform.KindGet, KeyID: exTokenID}
			got := Mapping{}.DecodeError(*op, &platform.Answer{Status: tt.status, Body: body})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeError (-want +got):\n%s", diff)
			}
			// The same envelope in a 2xx is Decode's *platform.Error.
			for _, op := range []*platform.Operation{
				op,
				{Kind: platform.KindCreate, Create: &platform.CreateFields{}},
				{Kind: platform.KindList, List: &platform.ListFields{PageSize: 10}},
				{Kind: platform.KindTransition, Action: platform.ActionDelete, KeyID: exTokenID},
			} {
				res, err := Mapping{}.Decode(*op, &platform.Answer{Status: http.StatusOK, Body: body})
				e, ok := err.(*platform.Error)
				if !ok {
					t.Fatalf("Decode(kind %d) error = %v, want *platform.Error", op.Kind, err)
				}
				if diff := cmp.Diff(tt.want, *e); diff != "" {
					t.Errorf("Decode(kind %d) error (-want +got):\n%s", op.Kind, diff)
				}
				if diff := cmp.Diff(platform.Result{}, res); diff != "" {
					t.Errorf("Decode(kind %d) result not zero:\n%s", op.Kind, diff)
				}
			}
		})
	}
}
