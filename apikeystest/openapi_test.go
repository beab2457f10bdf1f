package apikeystest

import (
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The spec is valid OpenAPI 3.0 and describes exactly the routes the server has.
func TestOpenAPISpec(t *testing.T) {
	doc := spec(t) // loads and validates
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
	for a := range referencePathActions {
		want = append(want, "POST /organizations/{org}/api-keys/{key}/"+a)
	}
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("operations (-want +got):\n%s", diff)
	}

	// The key object's properties are the server's, and CreatedKey repeats
	// them (plus the secret), as OpenAPI 3.0 has no clean way to extend a
	// closed object.
	var tags []string
	ty := reflect.TypeFor[referenceKey]()
	for i := range ty.NumField() {
		tags = append(tags, strings.Split(ty.Field(i).Tag.Get("json"), ",")[0])
	}
	keyProps := propNames(doc.Components.Schemas["Key"].Value.Properties)
	createdProps := propNames(doc.Components.Schemas["CreatedKey"].Value.Properties)
	sort.Strings(tags)
	if diff := cmp.Diff(tags, createdProps); diff != "" {
		t.Errorf("CreatedKey properties vs referenceKey (-server +spec):\n%s", diff)
	}
	tags = slices.DeleteFunc(tags, func(s string) bool { return s == "key" })
	if diff := cmp.Diff(tags, keyProps); diff != "" {
		t.Errorf("Key properties vs referenceKey (-server +spec):\n%s", diff)
	}
	if diff := cmp.Diff(keyProps, sorted(doc.Components.Schemas["Key"].Value.Required)); diff != "" {
		t.Errorf("Key: every property must be required (-properties +required):\n%s", diff)
	}
}

func propNames[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	sort.Strings(s)
	return s
}
