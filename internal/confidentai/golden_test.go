package confidentai_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/confidentai"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// The times of the vendor's examples.
var (
	created  = time.Date(2024, 12, 4, 23, 0, 0, 0, time.UTC)
	lastUsed = time.Date(2024, 12, 5, 10, 15, 0, 0, time.UTC)
)

// exampleKey is the key every vendor example shows ("CI/CD key", id 12),
// with a masked value, as read from a non-create answer.
func exampleKey(valid bool) platform.Key {
	k := platform.Key{
		ID: "12", Name: "CI/CD key", Suffix: "a1b2c3",
		Status: "active", PlatformStatus: "valid=true",
		CreatedAt: created, LastUsedAt: ptr(lastUsed),
	}
	if !valid {
		k.Status, k.PlatformStatus = "inactive", "valid=false"
	}
	return k
}

// createdKey is the key of the create examples: the full value goes only to
// Secret, so Suffix stays empty; lastUsed is null.
var createdKey = platform.Result{
	Key: platform.Key{
		ID: "12", Name: "CI/CD key", Status: "active", PlatformStatus: "valid=true", CreatedAt: created,
	},
	Secret: "confident_org_a3f1c9e2b7d84f06a1c2e3d4f5a6b7c8",
}

// goldenAnswers are the vendor's success answers and what Decode makes of
// them, written by hand from the docs.
var goldenAnswers = map[string]struct {
	op   platform.Operation
	want platform.Result
}{
	// The seed's curl targets key 1 and its answer shows key 12: the answer's
	// own id is the key's ID.
	"seed-update-200.json": {deactivate("1"), platform.Result{Key: exampleKey(false)}},
	"spec-list-200.json": {
		platform.Operation{Kind: platform.KindList, List: &platform.ListFields{}},
		platform.Result{Keys: []platform.Key{exampleKey(true)}},
	},
	"spec-create-200.json":      {createOp("CI/CD key"), createdKey},
	"platforms-create-200.json": {createOp("CI/CD key"), createdKey},
	"spec-get-200.json":         {platform.Operation{Kind: platform.KindGet, KeyID: "12"}, platform.Result{Key: exampleKey(true)}},
	"spec-update-200.json":      {deactivate("12"), platform.Result{Key: exampleKey(false)}},
	"spec-delete-200.json":      {deleteOp("12"), platform.Result{}},
	"platforms-delete-200.json": {deleteOp("12"), platform.Result{}},
}

// goldenRequests are the vendor's request examples and the operation whose
// encoding must be those very bytes (once the example's whitespace is
// compacted).
var goldenRequests = map[string]platform.Operation{
	"seed-update-request.json":      deactivate("1"),
	"spec-update-request.json":      deactivate("12"),
	"platforms-update-request.json": deactivate("12"),
	"spec-create-request.json":      createOp("CI/CD key"),
	"platforms-create-request.json": createOp("CI/CD key"),
}

// goldenErrors are the vendor's failure envelopes and the Error they give.
var goldenErrors = map[string]platform.Error{
	"platforms-error.json": {Message: "<message>"},
}

func deactivate(id string) platform.Operation {
	return platform.Operation{Kind: platform.KindTransition, Action: "deactivate", KeyID: id}
}

func deleteOp(id string) platform.Operation {
	return platform.Operation{Kind: platform.KindTransition, Action: "delete", KeyID: id}
}

func createOp(name string) platform.Operation {
	return platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: name}}
}

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGoldenCoverage: every payload in testdata has an expectation, and
// every expectation has its payload.
func TestGoldenCoverage(t *testing.T) {
	t.Parallel()
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sources := string(readTestdata(t, "SOURCES.md"))
	seen := map[string]bool{}
	for _, f := range files {
		name := filepath.Base(f)
		seen[name] = true
		_, a := goldenAnswers[name]
		_, r := goldenRequests[name]
		_, e := goldenErrors[name]
		if !a && !r && !e {
			t.Errorf("testdata/%s has no golden expectation", name)
		}
		if !strings.Contains(sources, "`"+name+"`") {
			t.Errorf("testdata/SOURCES.md does not name %s", name)
		}
	}
	for _, m := range []map[string]bool{keysOf(goldenAnswers), keysOf(goldenRequests), keysOf(goldenErrors)} {
		for name := range m {
			if !seen[name] {
				t.Errorf("golden expectation for missing testdata/%s", name)
			}
		}
	}
}

func keysOf[V any](m map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func TestGoldenAnswers(t *testing.T) {
	t.Parallel()
	for name, tc := range goldenAnswers {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := readTestdata(t, name)
			got, err := confidentai.Mapping{}.Decode(tc.op, &platform.Answer{Status: 200, Body: body})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
}

func TestGoldenRequests(t *testing.T) {
	t.Parallel()
	for name, op := range goldenRequests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var want bytes.Buffer
			if err := json.Compact(&want, readTestdata(t, name)); err != nil {
				t.Fatal(err)
			}
			req, err := confidentai.Mapping{}.Encode(op)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if !bytes.Equal(req.Body, want.Bytes()) {
				t.Errorf("Encode body = %s, want the vendor's %s", req.Body, want.Bytes())
			}
		})
	}
}

// TestGoldenErrors decodes each failure envelope as a non-2xx answer of
// every status the vendor lists, and as a 2xx answer to every operation.
func TestGoldenErrors(t *testing.T) {
	t.Parallel()
	ops := []platform.Operation{
		createOp("CI/CD key"), {Kind: platform.KindGet, KeyID: "12"},
		{Kind: platform.KindList, List: &platform.ListFields{}}, deactivate("12"), deleteOp("12"),
	}
	for name, want := range goldenErrors {
		body := readTestdata(t, name)
		for _, status := range []int{400, 401, 403, 404, 409, 422, 500, 503} {
			got := confidentai.Mapping{}.DecodeError(ops[1], &platform.Answer{Status: status, Body: body})
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("%s: DecodeError(%d) (-want +got):\n%s", name, status, diff)
			}
		}
		for _, op := range ops {
			res, err := confidentai.Mapping{}.Decode(op, &platform.Answer{Status: 200, Body: body})
			var pe *platform.Error
			if !errors.As(err, &pe) {
				t.Errorf("%s: Decode(kind %d %s) as 2xx: error %v, want a *platform.Error", name, op.Kind, op.Action, err)
				continue
			}
			if diff := cmp.Diff(&want, pe); diff != "" {
				t.Errorf("%s: Decode(kind %d %s) as 2xx: error (-want +got):\n%s", name, op.Kind, op.Action, diff)
			}
			if diff := cmp.Diff(platform.Result{}, res); diff != "" {
				t.Errorf("%s: Decode(kind %d %s) as 2xx: result (-want +got):\n%s", name, op.Kind, op.Action, diff)
			}
		}
	}
}
