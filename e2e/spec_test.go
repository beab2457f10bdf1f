package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// These tests lived in apikeystest until kin-openapi left the main module
// (a consumer's go.sum would otherwise carry its whole tree). They see the
// fake only through its exported API and its HTTP answers.

// TestOpenAPISpec: the spec is valid OpenAPI 3.0.3, every operation has a
// default (error) response, its operations are exactly the reference routes
// the client uses, and its Key and CreatedKey objects hold exactly the
// properties the fake sends.
func TestOpenAPISpec(t *testing.T) {
	t.Parallel()
	doc, err := loadSpec() // loads and validates
	if err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.0.3" {
		t.Errorf("openapi %q", doc.OpenAPI)
	}
	var got []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			got = append(got, method+" "+path)
			if _, ok := op.Responses.Map()["default"]; !ok {
				t.Errorf("%s %s: no default (error) response", method, path)
			}
		}
	}
	sort.Strings(got)
	want := []string{
		"DELETE /organizations/{org}/api-keys/{key}",
		"GET /organizations/{org}/api-keys",
		"GET /organizations/{org}/api-keys/{key}",
		"PATCH /organizations/{org}/api-keys/{key}",
		"POST /organizations/{org}/api-keys",
	}
	// Archive and delete are DELETE on the key (DESIGN.md); every other
	// action the reference API has is POST …/{key}/{action}.
	for _, a := range apikeys.Reference.Capabilities().Actions {
		if a != apikeys.ActionArchive && a != apikeys.ActionDelete {
			want = append(want, "POST /organizations/{org}/api-keys/{key}/"+string(a))
		}
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}

	// The key object's properties are the ones the fake sends, and
	// CreatedKey repeats them (plus the secret), as OpenAPI 3.0 has no clean
	// way to extend a closed object.
	e := newEnv(t)
	coll := "/organizations/" + e.srv.OrgID + "/api-keys"
	h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {"spec-props"}}
	code, _, created := e.raw(http.MethodPost, coll, h, []byte(`{"key_name":"props"}`))
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, created)
	}
	createdProps := objectKeys(t, created)
	id, _ := decodeObject(t, created)["id"].(string)
	code, _, fetched := e.raw(http.MethodGet, coll+"/"+url.PathEscape(id), nil, nil)
	if code != http.StatusOK {
		t.Fatalf("get: %d %s", code, fetched)
	}
	keyProps := propNames(doc.Components.Schemas["Key"].Value.Properties)
	if diff := cmp.Diff(objectKeys(t, fetched), keyProps); diff != "" {
		t.Errorf("Key properties (-server +spec):\n%s", diff)
	}
	if diff := cmp.Diff(createdProps, propNames(doc.Components.Schemas["CreatedKey"].Value.Properties)); diff != "" {
		t.Errorf("CreatedKey properties (-server +spec):\n%s", diff)
	}
	if diff := cmp.Diff(keyProps, sorted(doc.Components.Schemas["Key"].Value.Required)); diff != "" {
		t.Errorf("Key: every property must be required (-properties +required):\n%s", diff)
	}
}

// TestFakeAnswersOutsideTheSpec: what a hand-written client can send that the
// spec has no operation for, or that the fake refuses before any operation's
// rules apply, still gets an answer the spec describes: a path or method the
// spec lacks gets the ErrorEnvelope schema, a request on a documented route
// gets one of that operation's responses. These go to the fake's Handler, not
// through the validator, which reports a request with no operation as a
// finding.
func TestFakeAnswersOutsideTheSpec(t *testing.T) {
	t.Parallel()
	doc, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	srv := apikeystest.NewServer()
	t.Cleanup(srv.Close)
	router, err := newRouter(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	live, err := c.Create(ctx, apikeys.CreateParams{Name: "live"})
	if err != nil {
		t.Fatal(err)
	}
	paused, err := c.Create(ctx, apikeys.CreateParams{Name: "paused"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pause(ctx, paused.Key.ID); err != nil {
		t.Fatal(err)
	}
	coll := "/organizations/" + srv.OrgID + "/api-keys"
	one := coll + "/" + url.PathEscape(live.Key.ID)
	big := `{"key_name":"n","scopes":["` + strings.Repeat("a", 1<<20) + `"]}`
	tests := []struct {
		name, method, path, body string
		header                   []string // pairs; "-" removes a default header
		fail                     int      // FailNext before the request
		status                   int
	}{
		{"unknown path", http.MethodGet, "/nowhere", "", nil, 0, http.StatusNotFound},
		{"an action the spec lacks", http.MethodPost, one + "/archive", "", nil, 0, http.StatusNotFound},
		{"a method the spec lacks", http.MethodPut, one, `{"key_name":"n"}`, nil, 0, http.StatusMethodNotAllowed},
		{"a body over 1 MiB", http.MethodPost, coll, big, nil, 0, http.StatusRequestEntityTooLarge},
		{"no credential", http.MethodGet, coll, "", []string{"X-API-Key", "-"}, 0, http.StatusUnauthorized},
		{"a wrong credential", http.MethodGet, coll, "", []string{"X-API-Key", "wrong"}, 0, http.StatusUnauthorized},
		{"another organization", http.MethodGet, "/organizations/org_other/api-keys", "", nil, 0, 0},
		{"an unknown key", http.MethodGet, coll + "/key_nope", "", nil, 0, http.StatusNotFound},
		{"malformed JSON", http.MethodPost, coll, `{"key_name":`, nil, 0, http.StatusUnprocessableEntity},
		{"pause a paused key", http.MethodPost, coll + "/" + url.PathEscape(paused.Key.ID) + "/pause", "", nil, 0, http.StatusBadRequest},
		{"rate limited", http.MethodGet, one, "", nil, http.StatusTooManyRequests, http.StatusTooManyRequests},
		{"unavailable", http.MethodGet, one, "", nil, http.StatusServiceUnavailable, http.StatusServiceUnavailable},
		{"a scripted 500", http.MethodPatch, one, `{"key_name":"n"}`, nil, http.StatusInternalServerError, http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Not parallel: FailNext applies to whichever request comes next.
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req := httptest.NewRequest(tt.method, srv.URL+tt.path, body)
			req.Header.Set("X-API-Key", srv.AdminKey)
			req.Header.Set("Accept", "application/json")
			if tt.body != "" {
				req.Header.Set("Content-Type", "application/json")
			}
			if tt.method != http.MethodGet {
				req.Header.Set("Idempotency-Key", "outside-"+strings.ReplaceAll(tt.name, " ", "-"))
			}
			for i := 0; i+1 < len(tt.header); i += 2 {
				if tt.header[i+1] == "-" {
					req.Header.Del(tt.header[i])
				} else {
					req.Header.Set(tt.header[i], tt.header[i+1])
				}
			}
			if tt.fail != 0 {
				srv.FailNext(1, tt.fail, 2*time.Second)
			}
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			res := rec.Result()
			rb, _ := io.ReadAll(res.Body)
			if tt.status != 0 && res.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", res.StatusCode, tt.status, rb)
			}
			if res.StatusCode < 400 {
				t.Fatalf("status %d: the fake accepted it; body %s", res.StatusCode, rb)
			}
			if tt.fail == http.StatusTooManyRequests && res.Header.Get("Retry-After") == "" {
				t.Errorf("a 429 without Retry-After")
			}

			route, params, err := router.FindRoute(req)
			if err != nil {
				var v any
				if err := json.Unmarshal(rb, &v); err != nil {
					t.Fatalf("body %s: %v", rb, err)
				}
				if err := doc.Components.Schemas["ErrorEnvelope"].Value.VisitJSON(v); err != nil {
					t.Errorf("envelope does not match the spec: %v\nbody: %s", err, rb)
				}
				return
			}
			opts := &openapi3filter.Options{
				AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
				IncludeResponseStatus: true,
				MultiError:            true,
			}
			in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
			err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
				RequestValidationInput: in,
				Status:                 res.StatusCode,
				Header:                 res.Header,
				Body:                   io.NopCloser(bytes.NewReader(rb)),
				Options:                opts,
			})
			if err != nil {
				t.Errorf("response %d does not match the spec: %v\nbody: %s", res.StatusCode, err, rb)
			}
		})
	}
}

func decodeObject(t *testing.T, body []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatalf("body %s: %v", body, err)
	}
	return m
}

// objectKeys are the property names of a JSON object, sorted.
func objectKeys(t *testing.T, body []byte) []string {
	t.Helper()
	return slices.Sorted(maps.Keys(decodeObject(t, body)))
}

func propNames[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
