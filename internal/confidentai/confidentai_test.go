package confidentai_test

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/confidentai"
	"github.com/apikeys-go/apikeys/internal/platform"
)

func ptr[T any](v T) *T { return &v }

func TestSpec(t *testing.T) {
	t.Parallel()
	var m confidentai.Mapping
	want := &platform.Spec{
		Name:           "confident-ai",
		DefaultBaseURL: "https://api.confident-ai.com",
		AuthHeader:     "CONFIDENT_API_KEY",
		AuthScheme:     "",
		Organization:   platform.OrgNone,
		Get:            true,
		Update:         false,
		Actions:        []string{"activate", "deactivate", "delete"},
		Statuses:       []string{"active", "inactive"},
		Table: map[string][]string{
			"active":   {"deactivate", "delete"},
			"inactive": {"activate", "delete"},
		},
		CreateFields:     []string{"Name"},
		UpdateFields:     nil,
		ServerFilters:    nil,
		MaxPageSize:      0,
		IntegerIDs:       true,
		Deduplicates:     false,
		RequestIDHeaders: nil,
	}
	if diff := cmp.Diff(want, m.Spec()); diff != "" {
		t.Errorf("Spec (-want +got):\n%s", diff)
	}
	if first, again := m.Spec(), (confidentai.Mapping{}).Spec(); first != again {
		t.Error("Spec returns a different value on each call, want one package-level Spec")
	}
	// Every action in the table is one the platform has, and every status
	// the answers report has a row.
	s := m.Spec()
	for _, st := range s.Statuses {
		for _, a := range s.Table[st] {
			if !contains(s.Actions, a) {
				t.Errorf("Table[%s] allows %s, which is not in Actions", st, a)
			}
			if platform.Target(a) == st {
				t.Errorf("Table[%s] allows %s, whose target is the current status", st, a)
			}
		}
		if _, ok := s.Table[st]; !ok {
			t.Errorf("status %s has no row in Table", st)
		}
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

type stranger struct{ Owner string }

func TestEncode(t *testing.T) {
	t.Parallel()
	const coll = "/v1/organization/api-keys"
	tests := []struct {
		name string
		op   platform.Operation
		want platform.Request
	}{
		{
			name: "create",
			op:   createOp("CI/CD key"),
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"name":"CI/CD key"}`), Retry: platform.RetryUnsent},
		},
		{
			name: "create, a name JSON must escape",
			op:   createOp("a \"b\" <c> é\n"),
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"name":"a \"b\" \u003cc\u003e é\n"}`), Retry: platform.RetryUnsent},
		},
		{
			name: "create, another mapping's Carry is ignored",
			op: platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
				Name: "ci", Carry: stranger{Owner: "someone"},
			}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"name":"ci"}`), Retry: platform.RetryUnsent},
		},
		{
			name: "list: no query, the whole-answer body limit",
			op:   platform.Operation{Kind: platform.KindList, List: &platform.ListFields{}},
			want: platform.Request{Method: "GET", Path: coll, Retry: platform.RetryAlways, MaxBody: 64 << 20},
		},
		{
			name: "list without ListFields",
			op:   platform.Operation{Kind: platform.KindList},
			want: platform.Request{Method: "GET", Path: coll, Retry: platform.RetryAlways, MaxBody: 64 << 20},
		},
		{
			name: "get",
			op:   platform.Operation{Kind: platform.KindGet, KeyID: "12"},
			want: platform.Request{Method: "GET", Path: coll + "/12", Retry: platform.RetryAlways},
		},
		{
			name: "get, the largest int64",
			op:   platform.Operation{Kind: platform.KindGet, KeyID: "9223372036854775807"},
			want: platform.Request{Method: "GET", Path: coll + "/9223372036854775807", Retry: platform.RetryAlways},
		},
		{
			name: "activate",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "activate", KeyID: "12"},
			want: platform.Request{Method: "PUT", Path: coll + "/12", Body: []byte(`{"valid":true}`), Retry: platform.RetryAlways},
		},
		{
			name: "deactivate",
			op:   deactivate("12"),
			want: platform.Request{Method: "PUT", Path: coll + "/12", Body: []byte(`{"valid":false}`), Retry: platform.RetryAlways},
		},
		{
			name: "delete (the vendor's revoke): no body",
			op:   deleteOp("12"),
			want: platform.Request{Method: "DELETE", Path: coll + "/12", Retry: platform.RetryAlways},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := confidentai.Mapping{}.Encode(tc.op)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Encode (-want +got):\n%s", diff)
			}
		})
	}
}

// TestEncodeRefuses: what the Spec already refuses is refused again here,
// never encoded as something else; every set field but Name is named.
func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	create := func(f func(*platform.CreateFields)) platform.Operation {
		c := &platform.CreateFields{Name: "ci"}
		f(c)
		return platform.Operation{Kind: platform.KindCreate, Create: c}
	}
	tr := func(action, id string) platform.Operation {
		return platform.Operation{Kind: platform.KindTransition, Action: action, KeyID: id}
	}
	unsupported := func(field string) error { return &platform.Unsupported{Field: field} }
	invalid := func(field string) error { return &platform.Invalid{Field: field} }
	tests := []struct {
		name string
		op   platform.Operation
		want error // compared by type and Field
	}{
		{"update", platform.Operation{Kind: platform.KindUpdate, KeyID: "12", Update: &platform.UpdateFields{Name: ptr("x")}}, unsupported("")},
		{"unknown kind", platform.Operation{Kind: 99, KeyID: "12"}, unsupported("")},
		{"pause", tr("pause", "12"), unsupported("")},
		{"unpause", tr("unpause", "12"), unsupported("")},
		{"archive", tr("archive", "12"), unsupported("")},
		{"reactivate", tr("reactivate", "12"), unsupported("")},
		{"revoke", tr("revoke", "12"), unsupported("")},
		{"empty action", tr("", "12"), unsupported("")},
		{"leading zeros: not the canonical ID", platform.Operation{Kind: platform.KindGet, KeyID: "007"}, invalid("KeyID")},
		{"create without a name", createOp(""), invalid("Name")},
		{"create without fields", platform.Operation{Kind: platform.KindCreate}, invalid("Name")},
		{"create, empty Scopes", create(func(c *platform.CreateFields) { c.Scopes = []string{} }), unsupported("Scopes")},
		{"create, UsageLimitCHF", create(func(c *platform.CreateFields) { c.UsageLimitCHF = ptr(0.0) }), unsupported("UsageLimitCHF")},
		{"create, ExpiresAt", create(func(c *platform.CreateFields) { c.ExpiresAt = ptr(time.Unix(0, 0).UTC()) }), unsupported("ExpiresAt")},
		{"create, PermissionMode", create(func(c *platform.CreateFields) { c.PermissionMode = "all" }), unsupported("PermissionMode")},
		{"create, empty Access", create(func(c *platform.CreateFields) { c.Access = map[string]string{} }), unsupported("Access")},
		{"create, ProjectID", create(func(c *platform.CreateFields) { c.ProjectID = "p" }), unsupported("ProjectID")},
		{"create, IdempotencyKey", func() platform.Operation {
			op := createOp("ci")
			op.IdempotencyKey = "k"
			return op
		}(), unsupported("IdempotencyKey")},
		{"get, empty ID", platform.Operation{Kind: platform.KindGet}, invalid("KeyID")},
		{"get, letters", platform.Operation{Kind: platform.KindGet, KeyID: "key_12"}, invalid("KeyID")},
		{"get, slash", platform.Operation{Kind: platform.KindGet, KeyID: "1/2"}, invalid("KeyID")},
		{"get, dot-dot", platform.Operation{Kind: platform.KindGet, KeyID: ".."}, invalid("KeyID")},
		{"get, negative", platform.Operation{Kind: platform.KindGet, KeyID: "-1"}, invalid("KeyID")},
		{"get, over int64", platform.Operation{Kind: platform.KindGet, KeyID: "9223372036854775808"}, invalid("KeyID")},
		// DELETE on the collection itself must never go out.
		{"delete, empty ID", tr("delete", ""), invalid("KeyID")},
		{"deactivate, query in ID", tr("deactivate", "12?x=1"), invalid("KeyID")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := confidentai.Mapping{}.Encode(tc.op)
			if diff := cmp.Diff(platform.Request{}, got); diff != "" {
				t.Errorf("Encode request (-want +got):\n%s", diff)
			}
			switch want := tc.want.(type) {
			case *platform.Unsupported:
				var u *platform.Unsupported
				if !errors.As(err, &u) || u.Field != want.Field || u.Reason == "" {
					t.Errorf("Encode error = %#v, want *platform.Unsupported{Field: %q} with a reason", err, want.Field)
				}
			case *platform.Invalid:
				var v *platform.Invalid
				if !errors.As(err, &v) || v.Field != want.Field || v.Reason == "" {
					t.Errorf("Encode error = %#v, want *platform.Invalid{Field: %q} with a reason", err, want.Field)
				}
			}
		})
	}
}

// The bodies below use "canary" only inside secret-bearing values, and
// "html"/"secret-ish" text in bodies that are not JSON: no error and no Key
// may show them.
const (
	canarySecret = "confident_org_canary0123456789abcdef"
	maskedValue  = "***************a1b2c3"
)

// errorForm is the only shape a decode error may have: the package's own
// words and a field path, never a byte of the answer.
var errorForm = regexp.MustCompile(`^confident-ai: answer( field data(\.apiKeys?(\[\d+\])?)?(\.(id|name|valid|value|created_at|lastUsed|deleted))?)?: ` +
	`(not valid JSON|not a JSON object|not a JSON array|missing|not a string or null|not a boolean or null|` +
	`not a non-negative integer|not an RFC 3339 time or null|not a string|empty|masked: the answer holds no secret|` +
	`false: the key was not deleted)$`)

func keyJSON(fields string) string {
	return `{"success":true,"data":{"apiKey":{` + fields + `}}}`
}

const fullFields = `"id":12,"name":"CI/CD key","valid":true,"value":"` + maskedValue + `",` +
	`"created_at":"2024-12-04T23:00:00.000Z","lastUsed":"2024-12-05T10:15:00.000Z"`

type decodeCase struct {
	name    string
	op      platform.Operation
	body    string
	want    platform.Result
	wantErr string          // the error's text; "" for none
	failure *platform.Error // a 2xx failure envelope
}

func runDecode(t *testing.T, tests []decodeCase) {
	t.Helper()
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := confidentai.Mapping{}.Decode(tc.op, &platform.Answer{Status: 200, Header: http.Header{}, Body: []byte(tc.body)})
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Decode result (-want +got):\n%s", diff)
			}
			checkDecodeError(t, err, tc.wantErr, tc.failure)
			checkNoSecretInKeys(t, &tc.op, got)
		})
	}
}

func checkDecodeError(t *testing.T, err error, wantErr string, failure *platform.Error) {
	t.Helper()
	if failure != nil {
		var pe *platform.Error
		if !errors.As(err, &pe) {
			t.Fatalf("Decode error = %v, want a *platform.Error", err)
		}
		if diff := cmp.Diff(failure, pe); diff != "" {
			t.Errorf("Decode error (-want +got):\n%s", diff)
		}
		return
	}
	switch {
	case wantErr == "" && err != nil:
		t.Errorf("Decode error = %v, want none", err)
	case wantErr != "" && err == nil:
		t.Errorf("Decode error = nil, want %q", wantErr)
	case err != nil:
		if err.Error() != wantErr {
			t.Errorf("Decode error = %q, want %q", err, wantErr)
		}
		if !errorForm.MatchString(err.Error()) {
			t.Errorf("Decode error %q is not in the package's own words", err)
		}
		for _, s := range []string{"canary", "html", "secret-ish", "CI/CD"} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("Decode error %q holds answer bytes %q", err, s)
			}
		}
	}
}

// checkNoSecretInKeys: the canary, a full value, reaches only Result.Secret,
// and only for a create.
func checkNoSecretInKeys(t *testing.T, op *platform.Operation, r platform.Result) {
	t.Helper()
	keys := fmt.Sprintf("%#v %#v", r.Key, r.Keys)
	if strings.Contains(keys, "canary") {
		t.Errorf("a secret-bearing value reached a Key: %s", keys)
	}
	if op.Kind != platform.KindCreate && r.Secret != "" {
		t.Errorf("Secret = %q outside a create", r.Secret)
	}
}

var (
	getOp  = platform.Operation{Kind: platform.KindGet, KeyID: "12"}
	listOp = platform.Operation{Kind: platform.KindList, List: &platform.ListFields{}}
)

func TestDecodeGet(t *testing.T) {
	t.Parallel()
	full := exampleKey(true)
	const prefix = "confident-ai: answer field data.apiKey"
	runDecode(t, []decodeCase{
		{name: "the key", op: getOp, body: keyJSON(fullFields), want: platform.Result{Key: full}},
		{
			name: "an unmasked value is discarded",
			op:   getOp,
			body: keyJSON(`"id":12,"valid":true,"value":"` + canarySecret + `"`),
			want: platform.Result{Key: platform.Key{ID: "12", Status: "active", PlatformStatus: "valid=true"}},
		},
		{
			name: "a short masked value",
			op:   getOp, body: keyJSON(`"id":12,"value":"***abc"`),
			want: platform.Result{Key: platform.Key{ID: "12", Suffix: "abc"}},
		},
		{
			name: "only asterisks",
			op:   getOp, body: keyJSON(`"id":12,"value":"******"`),
			want: platform.Result{Key: platform.Key{ID: "12"}},
		},
		{
			name: "a masked value showing more than 6: the last 6",
			op:   getOp, body: keyJSON(`"id":12,"value":"**abcdefghij"`),
			want: platform.Result{Key: platform.Key{ID: "12", Suffix: "efghij"}},
		},
		{
			name: "a masked value, multibyte characters counted as characters",
			op:   getOp, body: keyJSON(`"id":12,"value":"***ééééééé"`),
			want: platform.Result{Key: platform.Key{ID: "12", Suffix: "éééééé"}},
		},
		{
			name: "value of another type, or null, is ignored outside a create",
			op:   getOp, body: keyJSON(`"id":12,"value":{"canary":1}`),
			want: platform.Result{Key: platform.Key{ID: "12"}},
		},
		{
			name: "value null",
			op:   getOp, body: keyJSON(`"id":12,"value":null`),
			want: platform.Result{Key: platform.Key{ID: "12"}},
		},
		{
			name: "name and lastUsed null",
			op:   getOp, body: keyJSON(`"id":12,"name":null,"valid":false,"lastUsed":null,"created_at":"2024-12-04T23:00:00Z"`),
			want: platform.Result{Key: platform.Key{ID: "12", Status: "inactive", PlatformStatus: "valid=false", CreatedAt: created}},
		},
		{
			name: "no valid: no status",
			op:   getOp, body: keyJSON(`"id":12,"valid":null`),
			want: platform.Result{Key: platform.Key{ID: "12"}},
		},
		{
			name: "unknown members anywhere are ignored",
			op:   getOp,
			body: `{"success":true,"deprecated":true,"link":"https://www.confident-ai.com/docs","data":{"extra":[1,{"a":null}],"apiKey":{` +
				fullFields + `,"organizationId":"o","scopes":["x"],"nested":{"value":"` + canarySecret + `"}}},"meta":{}}`,
			want: platform.Result{Key: full},
		},
		{
			name: "created_at with an offset and no fraction",
			op:   getOp, body: keyJSON(`"id":12,"created_at":"2024-12-05T00:00:00+01:00"`),
			want: platform.Result{Key: platform.Key{ID: "12", CreatedAt: created}},
		},
		{
			name: "success absent",
			op:   getOp, body: `{"data":{"apiKey":{` + fullFields + `}}}`,
			want: platform.Result{Key: full},
		},
		{
			name: `"success" not a boolean is not the failure envelope`,
			op:   getOp, body: `{"success":"false","data":{"apiKey":{` + fullFields + `}}}`,
			want: platform.Result{Key: full},
		},
		{
			name: "a repeated data member replaces the earlier one",
			op:   getOp, body: `{"data":{"apiKey":{"id":1}},"data":{"apiKey":{"id":2}}}`,
			want: platform.Result{Key: platform.Key{ID: "2"}},
		},
		{
			name: "the id as a string of digits",
			op:   getOp, body: keyJSON(`"id":"42"`),
			want: platform.Result{Key: platform.Key{ID: "42"}},
		},
		{
			name: "an id above 2^53 stays exact",
			op:   getOp, body: keyJSON(`"id":9007199254740993`),
			want: platform.Result{Key: platform.Key{ID: "9007199254740993"}},
		},
		// A field of the wrong type costs that field only, and is named.
		{
			name: "created_at a number", op: getOp,
			body:    keyJSON(`"id":12,"name":"CI/CD key","valid":true,"created_at":1733353200`),
			want:    platform.Result{Key: platform.Key{ID: "12", Name: "CI/CD key", Status: "active", PlatformStatus: "valid=true"}},
			wantErr: prefix + ".created_at: not an RFC 3339 time or null",
		},
		{
			name: "created_at not RFC 3339", op: getOp,
			body:    keyJSON(`"id":12,"created_at":"secret-ish 04/12/2024"`),
			want:    platform.Result{Key: platform.Key{ID: "12"}},
			wantErr: prefix + ".created_at: not an RFC 3339 time or null",
		},
		{
			name: "lastUsed an object", op: getOp,
			body:    keyJSON(`"id":12,"lastUsed":{}`),
			want:    platform.Result{Key: platform.Key{ID: "12"}},
			wantErr: prefix + ".lastUsed: not an RFC 3339 time or null",
		},
		{
			name: "valid a string", op: getOp,
			body:    keyJSON(`"id":12,"valid":"true"`),
			want:    platform.Result{Key: platform.Key{ID: "12"}},
			wantErr: prefix + ".valid: not a boolean or null",
		},
		{
			name: "name a number", op: getOp,
			body:    keyJSON(`"id":12,"name":7,"valid":true`),
			want:    platform.Result{Key: platform.Key{ID: "12", Status: "active", PlatformStatus: "valid=true"}},
			wantErr: prefix + ".name: not a string or null",
		},
		{
			name: "the first failing field is named", op: getOp,
			body:    keyJSON(`"id":12,"name":7,"lastUsed":7`),
			want:    platform.Result{Key: platform.Key{ID: "12"}},
			wantErr: prefix + ".name: not a string or null",
		},
		// Without an ID there is no key.
		{name: "id missing", op: getOp, body: keyJSON(`"name":"CI/CD key","valid":true`), wantErr: prefix + ".id: missing"},
		{name: "id null", op: getOp, body: keyJSON(`"id":null`), wantErr: prefix + ".id: not a non-negative integer"},
		{name: "id a fraction", op: getOp, body: keyJSON(`"id":12.0`), wantErr: prefix + ".id: not a non-negative integer"},
		{name: "id an exponent", op: getOp, body: keyJSON(`"id":1e3`), wantErr: prefix + ".id: not a non-negative integer"},
		{name: "id negative", op: getOp, body: keyJSON(`"id":-1`), wantErr: prefix + ".id: not a non-negative integer"},
		{name: "id not digits", op: getOp, body: keyJSON(`"id":"12a"`), wantErr: prefix + ".id: not a non-negative integer"},
		{name: "id a boolean", op: getOp, body: keyJSON(`"id":true`), wantErr: prefix + ".id: not a non-negative integer"},
		// An answer without the key object is an error, not an empty key.
		{name: "data without apiKey", op: getOp, body: `{"success":true,"data":{}}`, wantErr: prefix + ": missing"},
		{name: "apiKey null", op: getOp, body: `{"success":true,"data":{"apiKey":null}}`, wantErr: prefix + ": missing"},
		{name: "apiKey a string", op: getOp, body: `{"success":true,"data":{"apiKey":"canary"}}`, wantErr: prefix + ": not a JSON object"},
		{name: "apiKey an array", op: getOp, body: `{"success":true,"data":{"apiKey":[{"id":12}]}}`, wantErr: prefix + ": not a JSON object"},
		{name: "member names are exact", op: getOp, body: `{"success":true,"Data":{"APIKey":{"id":12}}}`, wantErr: prefix + ": missing"},
		{name: "a list answer", op: getOp, body: `{"success":true,"data":{"apiKeys":[{"id":12}]}}`, wantErr: prefix + ": missing"},
		{name: "data an array", op: getOp, body: `{"success":true,"data":[]}`, wantErr: "confident-ai: answer field data: not a JSON object"},
		{name: "data null", op: getOp, body: `{"success":true,"data":null}`, wantErr: "confident-ai: answer field data: not a JSON object"},
		{name: "empty object", op: getOp, body: `{}`, wantErr: prefix + ": missing"},
		{name: "status ok", op: getOp, body: `{"status":"ok"}`, wantErr: prefix + ": missing"},
		{name: "null", op: getOp, body: `null`, wantErr: "confident-ai: answer: not a JSON object"},
		{name: "an array", op: getOp, body: `[{"id":12}]`, wantErr: "confident-ai: answer: not a JSON object"},
		{name: "empty body", op: getOp, body: ``, wantErr: "confident-ai: answer: not valid JSON"},
		{name: "html", op: getOp, body: `<html>secret-ish</html>`, wantErr: "confident-ai: answer: not valid JSON"},
		{name: "truncated", op: getOp, body: keyJSON(fullFields)[:40], wantErr: "confident-ai: answer: not valid JSON"},
		{name: "trailing bytes", op: getOp, body: keyJSON(fullFields) + `html`, wantErr: "confident-ai: answer: not valid JSON"},
		{name: "a second value", op: getOp, body: keyJSON(fullFields) + `{}`, wantErr: "confident-ai: answer: not valid JSON"},
		// The failure envelope in a 2xx.
		{
			name: "failure envelope", op: getOp,
			body:    `{"success":false,"error":"API key not found","deprecated":false}`,
			failure: &platform.Error{Message: "API key not found"},
		},
		{
			name: "failure envelope after the data", op: getOp,
			body:    `{"data":{"apiKey":{` + fullFields + `}},"success":false,"error":"no"}`,
			failure: &platform.Error{Message: "no"},
		},
		{name: "failure without a message", op: getOp, body: `{"success":false}`, failure: &platform.Error{}},
		{
			name: "failure with an error object: no message", op: getOp,
			body: `{"success":false,"error":{"message":"x"}}`, failure: &platform.Error{},
		},
	})
}

func TestDecodeList(t *testing.T) {
	t.Parallel()
	const prefix = "confident-ai: answer field data.apiKeys"
	second := platform.Key{ID: "13", Name: "", Status: "inactive", PlatformStatus: "valid=false", Suffix: "ffffff", CreatedAt: created}
	secondJSON := `{"id":13,"name":null,"valid":false,"value":"****************ffffff","created_at":"2024-12-04T23:00:00Z","lastUsed":null}`
	list := func(elems ...string) string {
		return `{"success":true,"data":{"apiKeys":[` + strings.Join(elems, ",") + `]}}`
	}
	runDecode(t, []decodeCase{
		{
			name: "two keys, in the answer's order", op: listOp,
			body: list(`{`+fullFields+`}`, secondJSON),
			want: platform.Result{Keys: []platform.Key{exampleKey(true), second}},
		},
		{name: "no keys", op: listOp, body: list(), want: platform.Result{Keys: []platform.Key{}}},
		{
			name: "unmasked values are discarded", op: listOp,
			body: list(`{"id":1,"value":"` + canarySecret + `"}`),
			want: platform.Result{Keys: []platform.Key{{ID: "1"}}},
		},
		{
			name: "a key without an ID is left out and named", op: listOp,
			body:    list(`{"name":"x"}`, secondJSON),
			want:    platform.Result{Keys: []platform.Key{second}},
			wantErr: prefix + "[0].id: missing",
		},
		{
			name: "an element that is not an object", op: listOp,
			body:    list(secondJSON, `"canary"`, `null`),
			want:    platform.Result{Keys: []platform.Key{second}},
			wantErr: prefix + "[1]: not a JSON object",
		},
		{
			name: "a field that fails keeps the key", op: listOp,
			body:    list(secondJSON, `{"id":14,"created_at":false}`),
			want:    platform.Result{Keys: []platform.Key{second, {ID: "14"}}},
			wantErr: prefix + "[1].created_at: not an RFC 3339 time or null",
		},
		{
			name: "a repeated apiKeys replaces the earlier one", op: listOp,
			body: `{"data":{"apiKeys":[{"id":1}],"apiKeys":[{"id":2}]}}`,
			want: platform.Result{Keys: []platform.Key{{ID: "2"}}},
		},
		{
			name: "unknown members beside the list", op: listOp,
			body: `{"link":"x","data":{"total":1,"apiKeys":[` + secondJSON + `],"next":{"a":[1]}},"deprecated":false}`,
			want: platform.Result{Keys: []platform.Key{second}},
		},
		// Without the list field an answer is an error, never an empty list.
		{name: "empty object", op: listOp, body: `{}`, wantErr: prefix + ": missing"},
		{name: "null", op: listOp, body: `null`, wantErr: "confident-ai: answer: not a JSON object"},
		{name: "status ok", op: listOp, body: `{"status":"ok"}`, wantErr: prefix + ": missing"},
		{name: "success only", op: listOp, body: `{"success":true}`, wantErr: prefix + ": missing"},
		{name: "data empty", op: listOp, body: `{"success":true,"data":{}}`, wantErr: prefix + ": missing"},
		{name: "apiKeys null", op: listOp, body: `{"success":true,"data":{"apiKeys":null}}`, wantErr: prefix + ": not a JSON array"},
		{name: "apiKeys an object", op: listOp, body: `{"success":true,"data":{"apiKeys":{"0":{"id":1}}}}`, wantErr: prefix + ": not a JSON array"},
		{name: "a get answer", op: listOp, body: keyJSON(fullFields), wantErr: prefix + ": missing"},
		{name: "data a string", op: listOp, body: `{"data":"canary"}`, wantErr: "confident-ai: answer field data: not a JSON object"},
		{name: "truncated in a key", op: listOp, body: list(secondJSON)[:60], wantErr: "confident-ai: answer: not valid JSON"},
		{name: "html", op: listOp, body: `<html>`, wantErr: "confident-ai: answer: not valid JSON"},
		{
			name: "failure envelope", op: listOp,
			body:    `{"success":false,"error":"Unauthorized","deprecated":false}`,
			failure: &platform.Error{Message: "Unauthorized"},
		},
	})
}

// TestDecodeListLarge: one answer holds every key; all come back in order,
// and Next stays "".
func TestDecodeListLarge(t *testing.T) {
	t.Parallel()
	const n = 20000
	var b strings.Builder
	b.WriteString(`{"success":true,"data":{"apiKeys":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"id":%d,"name":"k%d","valid":%t,"value":"***************%06d","created_at":"2024-12-04T23:00:00.000Z","lastUsed":null}`, i+1, i, i%2 == 0, i)
	}
	b.WriteString(`]}}`)
	got, err := confidentai.Mapping{}.Decode(listOp, &platform.Answer{Status: 200, Body: []byte(b.String())})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Keys) != n || got.Next != "" {
		t.Fatalf("got %d keys, Next %q; want %d keys and no Next", len(got.Keys), got.Next, n)
	}
	for i, k := range got.Keys {
		if k.ID != strconv.Itoa(i+1) || k.Suffix != fmt.Sprintf("%06d", i) {
			t.Fatalf("key %d = %+v", i, k)
		}
	}
}

func TestDecodeCreate(t *testing.T) {
	t.Parallel()
	op := createOp("CI/CD key")
	const prefix = "confident-ai: answer field data.apiKey"
	createdFields := `"id":12,"name":"CI/CD key","valid":true,"value":"` + canarySecret + `","created_at":"2024-12-04T23:00:00.000Z","lastUsed":null`
	key := platform.Key{ID: "12", Name: "CI/CD key", Status: "active", PlatformStatus: "valid=true", CreatedAt: created}
	without := func(f func(*platform.Key)) platform.Key {
		k := key
		f(&k)
		return k
	}
	runDecode(t, []decodeCase{
		{name: "the key and its secret", op: op, body: keyJSON(createdFields), want: platform.Result{Key: key, Secret: canarySecret}},
		// A field that fails does not cost the ID and the secret.
		{
			name: "created_at of the wrong type", op: op,
			body:    keyJSON(`"created_at":{"t":1},"id":12,"name":"CI/CD key","valid":true,"value":"` + canarySecret + `"`),
			want:    platform.Result{Key: without(func(k *platform.Key) { k.CreatedAt = time.Time{} }), Secret: canarySecret},
			wantErr: prefix + ".created_at: not an RFC 3339 time or null",
		},
		{
			name: "name and valid of the wrong type", op: op,
			body:    keyJSON(`"id":12,"name":["x"],"valid":1,"value":"` + canarySecret + `"`),
			want:    platform.Result{Key: platform.Key{ID: "12"}, Secret: canarySecret},
			wantErr: prefix + ".name: not a string or null",
		},
		{
			name: "the body breaks off after the key", op: op,
			body:    keyJSON(createdFields)[:len(keyJSON(createdFields))-2] + `,"link":`,
			want:    platform.Result{Key: key, Secret: canarySecret},
			wantErr: "confident-ai: answer: not valid JSON",
		},
		{
			name: "the body goes on after the answer", op: op,
			body:    keyJSON(createdFields) + "\n<html>",
			want:    platform.Result{Key: key, Secret: canarySecret},
			wantErr: "confident-ai: answer: not valid JSON",
		},
		{
			name: "the id as a string", op: op,
			body: keyJSON(`"id":"12","value":"` + canarySecret + `"`),
			want: platform.Result{Key: platform.Key{ID: "12"}, Secret: canarySecret},
		},
		// Without the ID or the secret nothing is returned.
		{name: "a masked value: no secret", op: op, body: keyJSON(fullFields), wantErr: prefix + ".value: masked: the answer holds no secret"},
		{name: "no value", op: op, body: keyJSON(`"id":12,"valid":true`), wantErr: prefix + ".value: missing"},
		{name: "value null", op: op, body: keyJSON(`"id":12,"value":null`), wantErr: prefix + ".value: not a string"},
		{name: "value a number", op: op, body: keyJSON(`"id":12,"value":1234567`), wantErr: prefix + ".value: not a string"},
		{name: "value empty", op: op, body: keyJSON(`"id":12,"value":""`), wantErr: prefix + ".value: empty"},
		{name: "no id", op: op, body: keyJSON(`"value":"` + canarySecret + `"`), wantErr: prefix + ".id: missing"},
		{name: "id a fraction", op: op, body: keyJSON(`"id":12.5,"value":"` + canarySecret + `"`), wantErr: prefix + ".id: not a non-negative integer"},
		{name: "no key object", op: op, body: `{"success":true,"data":{"id":12}}`, wantErr: prefix + ": missing"},
		{name: "key object a string", op: op, body: `{"success":true,"data":{"apiKey":"` + canarySecret + `"}}`, wantErr: prefix + ": not a JSON object"},
		{name: "broken inside the key", op: op, body: keyJSON(createdFields)[:90], wantErr: "confident-ai: answer: not valid JSON"},
		{name: "empty body", op: op, body: ``, wantErr: "confident-ai: answer: not valid JSON"},
		{name: "null", op: op, body: `null`, wantErr: "confident-ai: answer: not a JSON object"},
		{
			name: "failure envelope", op: op,
			body:    `{"success":false,"error":"Name is required","deprecated":false}`,
			failure: &platform.Error{Message: "Name is required"},
		},
	})
}

func TestDecodeTransition(t *testing.T) {
	t.Parallel()
	activate := platform.Operation{Kind: platform.KindTransition, Action: "activate", KeyID: "12"}
	runDecode(t, []decodeCase{
		{name: "activate: the key", op: activate, body: keyJSON(fullFields), want: platform.Result{Key: exampleKey(true)}},
		{
			name: "deactivate: the answer's status is reported as it is", op: deactivate("12"),
			body: keyJSON(fullFields), want: platform.Result{Key: exampleKey(true)},
		},
		{
			name: "an unmasked value is discarded", op: activate,
			body: keyJSON(`"id":12,"valid":true,"value":"` + canarySecret + `"`),
			want: platform.Result{Key: platform.Key{ID: "12", Status: "active", PlatformStatus: "valid=true"}},
		},
		{
			name: "a field that fails costs only that field", op: activate,
			body: keyJSON(`"id":12,"valid":true,"created_at":"soon"`),
			want: platform.Result{Key: platform.Key{ID: "12", Status: "active", PlatformStatus: "valid=true"}},
		},
		// Not a key object: Partial, the requested ID, no status unless the
		// answer held one.
		{name: "success only", op: activate, body: `{"success":true}`, want: platform.Result{Key: platform.Key{ID: "12", Partial: true}}},
		{name: "empty body", op: activate, body: ``, want: platform.Result{Key: platform.Key{ID: "12", Partial: true}}},
		{name: "not JSON", op: activate, body: `OK`, want: platform.Result{Key: platform.Key{ID: "12", Partial: true}}},
		{name: "apiKey a string", op: activate, body: `{"data":{"apiKey":"canary"}}`, want: platform.Result{Key: platform.Key{ID: "12", Partial: true}}},
		{
			name: "data with valid", op: deactivate("12"), body: `{"success":true,"data":{"id":12,"valid":false}}`,
			want: platform.Result{Key: platform.Key{ID: "12", Partial: true, Status: "inactive", PlatformStatus: "valid=false"}},
		},
		{
			name: "a key object without an id keeps what it held", op: deactivate("12"),
			body: keyJSON(`"name":"CI/CD key","valid":false,"value":"` + maskedValue + `"`),
			want: platform.Result{Key: platform.Key{ID: "12", Partial: true, Name: "CI/CD key", Status: "inactive", PlatformStatus: "valid=false", Suffix: "a1b2c3"}},
		},
		{
			name: "failure envelope", op: activate,
			body:    `{"success":false,"error":"API key not found","deprecated":false}`,
			failure: &platform.Error{Message: "API key not found"},
		},
	})
}

func TestDecodeDelete(t *testing.T) {
	t.Parallel()
	del := deleteOp("12")
	runDecode(t, []decodeCase{
		{name: "the vendor's answer", op: del, body: `{"success":true,"data":{"id":12,"deleted":true}}`},
		{name: "empty body", op: del, body: ``},
		{name: "empty object", op: del, body: `{}`},
		{name: "not JSON", op: del, body: `<html>secret-ish</html>`},
		{name: "a key object", op: del, body: keyJSON(`"id":12,"value":"` + canarySecret + `"`)},
		{name: "deleted not a boolean", op: del, body: `{"success":true,"data":{"id":12,"deleted":"no"}}`},
		{
			name: "deleted false", op: del, body: `{"success":true,"data":{"id":12,"deleted":false}}`,
			wantErr: "confident-ai: answer field data.deleted: false: the key was not deleted",
		},
		{
			name: "failure envelope", op: del,
			body:    `{"success":false,"error":"API key not found","deprecated":false}`,
			failure: &platform.Error{Message: "API key not found"},
		},
	})
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want platform.Error
	}{
		{"the envelope", `{"success":false,"error":"API key not found","deprecated":false}`, platform.Error{Message: "API key not found"}},
		{"success absent", `{"error":"Forbidden"}`, platform.Error{Message: "Forbidden"}},
		{"escapes decoded", `{"success":false,"error":"bad \"name\" \u00e9\n"}`, platform.Error{Message: "bad \"name\" é\n"}},
		{"unknown members", `{"success":false,"error":"x","link":"https://x","deprecated":true,"extra":{}}`, platform.Error{Message: "x"}},
		{"an empty message", `{"success":false,"error":""}`, platform.Error{}},
		// Not the envelope: the HTTP status alone classifies.
		{"success true", `{"success":true,"error":"x"}`, platform.Error{}},
		{"error an object", `{"success":false,"error":{"code":"NOT_FOUND","message":"x"}}`, platform.Error{}},
		{"error null", `{"success":false,"error":null}`, platform.Error{}},
		{"no error", `{"success":false,"message":"x"}`, platform.Error{}},
		{"truncated at 4 KiB", `{"success":false,"error":"` + strings.Repeat("x", 4090), platform.Error{}},
		{"html", `<html><body>502 Bad Gateway</body></html>`, platform.Error{}},
		{"empty", ``, platform.Error{}},
		{"null", `null`, platform.Error{}},
		{"an array", `[{"error":"x"}]`, platform.Error{}},
		{"a string", `"x"`, platform.Error{}},
	}
	for _, tc := range tests {
		for _, status := range []int{400, 401, 403, 404, 409, 422, 429, 500, 503} {
			t.Run(fmt.Sprintf("%s/%d", tc.name, status), func(t *testing.T) {
				t.Parallel()
				// The same envelope whatever the operation.
				for _, op := range []platform.Operation{getOp, listOp, createOp("x"), deleteOp("1")} {
					got := confidentai.Mapping{}.DecodeError(op, &platform.Answer{Status: status, Header: http.Header{}, Body: []byte(tc.body)})
					if diff := cmp.Diff(tc.want, got); diff != "" {
						t.Errorf("DecodeError (-want +got):\n%s", diff)
					}
				}
			})
		}
	}
}

// TestDecodeTimesInUTC: times are reported in UTC, as the other mappings
// report them, whatever offset the answer wrote.
func TestDecodeTimesInUTC(t *testing.T) {
	t.Parallel()
	body := keyJSON(`"id":12,"created_at":"2024-12-05T00:00:00+01:00","lastUsed":"2024-12-05T10:15:00.000-05:00"`)
	got, err := confidentai.Mapping{}.Decode(getOp, &platform.Answer{Status: 200, Body: []byte(body)})
	if err != nil {
		t.Fatal(err)
	}
	if got.Key.CreatedAt.Location() != time.UTC || got.Key.LastUsedAt == nil || got.Key.LastUsedAt.Location() != time.UTC {
		t.Errorf("CreatedAt %v, LastUsedAt %v; want both in UTC", got.Key.CreatedAt, got.Key.LastUsedAt)
	}
	if !got.Key.CreatedAt.Equal(created) {
		t.Errorf("CreatedAt = %v, want %v", got.Key.CreatedAt, created)
	}
}
