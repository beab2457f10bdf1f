package orqai

import (
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
)

func TestSpec(t *testing.T) {
	m := Mapping{}
	want := &platform.Spec{
		Name:           "orq-ai",
		DefaultBaseURL: "https://api.orq.ai",
		AuthHeader:     "Authorization",
		AuthScheme:     "Bearer",
		Organization:   platform.OrgNone,
		Get:            true,
		Update:         true,
		Actions:        []string{"activate", "deactivate", "revoke", "delete"},
		Statuses:       []string{"active", "inactive", "revoked"},
		Table: map[string][]string{
			"active":   {"deactivate", "revoke", "delete"},
			"inactive": {"activate", "revoke", "delete"},
			"revoked":  {"delete"},
		},
		CreateFields:  []string{"Name", "ExpiresAt", "PermissionMode", "Access", "ProjectID"},
		UpdateFields:  []string{"Name", "ExpiresAt", "ClearExpiresAt", "PermissionMode", "Access", "ProjectID"},
		ServerFilters: []string{"Status"},
		MaxPageSize:   200,
	}
	if diff := cmp.Diff(want, m.Spec()); diff != "" {
		t.Errorf("Spec (-want +got):\n%s", diff)
	}
	if first, again := m.Spec(), m.Spec(); first != again || first != &spec {
		t.Error("Spec returns a different pointer each call")
	}
	if len(m.Spec().RequestIDHeaders) != 0 || m.Spec().IntegerIDs || m.Spec().Deduplicates {
		t.Error("RequestIDHeaders, IntegerIDs or Deduplicates set")
	}
	// Every action in the table is one the platform has, and every status
	// it reports has a row.
	for status, actions := range m.Spec().Table {
		for _, a := range actions {
			if !contains(m.Spec().Actions, a) {
				t.Errorf("table %s allows %s, which is not in Actions", status, a)
			}
			if platform.Target(a) == status {
				t.Errorf("table %s allows %s, whose target is the same status", status, a)
			}
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

func ptr[T any](v T) *T { return &v }

type encodeCase struct {
	name string
	op   platform.Operation
	want platform.Request // Body compared as text; nil Body means none
	err  error            // compared with cmp: *platform.Unsupported / *platform.Invalid
	// anyErr accepts any error (an unknown action or kind).
	anyErr bool
}

var zurich = time.FixedZone("CEST", 2*3600)

func encodeCases() []encodeCase {
	create := func(c platform.CreateFields) platform.Operation {
		return platform.Operation{Kind: platform.KindCreate, Create: &c}
	}
	update := func(id string, u platform.UpdateFields) platform.Operation {
		return platform.Operation{Kind: platform.KindUpdate, KeyID: id, Update: &u}
	}
	list := func(l platform.ListFields) platform.Operation {
		return platform.Operation{Kind: platform.KindList, List: &l}
	}
	action := func(a string) platform.Operation {
		return platform.Operation{Kind: platform.KindTransition, Action: a, KeyID: "01HZXW2K7Y8Q9M0N1P2R3S4T5V"}
	}
	post := func(body string) platform.Request {
		return platform.Request{Method: "POST", Path: "/v2/api-keys", Body: []byte(body), Retry: platform.RetryUnsent}
	}
	patch := func(path, body string) platform.Request {
		return platform.Request{Method: "PATCH", Path: path, Body: []byte(body), Retry: platform.RetryAlways}
	}
	const one = "/v2/api-keys/01HZXW2K7Y8Q9M0N1P2R3S4T5V"
	expires := time.Date(2027, 1, 2, 5, 4, 5, 0, zurich) // sent in UTC
	carried := carry{owner: json.RawMessage(`{"user":{"user_id":"usr_1"}}`),
		mcpAccess: json.RawMessage(`{"deny_all":false,"allowed_mcp_gateway_ids":["mcp_gateway_01J"]}`)}
	budgeted := carry{owner: carried.owner, restriction: &platform.Unsupported{Field: "budget", Reason: "r"}}
	return []encodeCase{
		// create
		{name: "create name only", op: create(platform.CreateFields{Name: "ci"}),
			want: post(`{"name":"ci","project_scope":{"all":{}}}`)},
		{name: "create everything", op: create(platform.CreateFields{
			Name: "ci", ExpiresAt: &expires, PermissionMode: "restricted", ProjectID: "proj_1",
			Access: map[string]string{"deployments": "read", "agents": "write", "files": "none"}}),
			want: post(`{"name":"ci","project_scope":{"single":{"project_id":"proj_1"}},"permission_mode":"PERMISSION_MODE_RESTRICTED",` +
				`"access":{"agents":"ACCESS_LEVEL_WRITE","deployments":"ACCESS_LEVEL_READ","files":"ACCESS_LEVEL_NONE"},"expires_at":"2027-01-02T03:04:05Z"}`)},
		{name: "create read_only", op: create(platform.CreateFields{Name: "ci", PermissionMode: "read_only"}),
			want: post(`{"name":"ci","project_scope":{"all":{}},"permission_mode":"PERMISSION_MODE_READ_ONLY"}`)},
		{name: "create restricted, empty access", op: create(platform.CreateFields{Name: "ci", PermissionMode: "restricted", Access: map[string]string{}}),
			want: post(`{"name":"ci","project_scope":{"all":{}},"permission_mode":"PERMISSION_MODE_RESTRICTED","access":{}}`)},
		{name: "create access level in the vendor's words", op: create(platform.CreateFields{Name: "ci", PermissionMode: "restricted",
			Access: map[string]string{"agents": "ACCESS_LEVEL_ADMIN"}}),
			want: post(`{"name":"ci","project_scope":{"all":{}},"permission_mode":"PERMISSION_MODE_RESTRICTED","access":{"agents":"ACCESS_LEVEL_ADMIN"}}`)},
		{name: "create with carry", op: create(platform.CreateFields{Name: "ci", Carry: carried}),
			want: post(`{"name":"ci","owner":{"user":{"user_id":"usr_1"}},"project_scope":{"all":{}},` +
				`"mcp_access":{"deny_all":false,"allowed_mcp_gateway_ids":["mcp_gateway_01J"]}}`)},
		{name: "create with carry pointer", op: create(platform.CreateFields{Name: "ci", Carry: &carried}),
			want: post(`{"name":"ci","owner":{"user":{"user_id":"usr_1"}},"project_scope":{"all":{}},` +
				`"mcp_access":{"deny_all":false,"allowed_mcp_gateway_ids":["mcp_gateway_01J"]}}`)},
		{name: "create ignores another mapping's carry", op: create(platform.CreateFields{Name: "ci", Carry: struct{ X string }{"x"}}),
			want: post(`{"name":"ci","project_scope":{"all":{}}}`)},
		{name: "create with a budgeted key's carry", op: create(platform.CreateFields{Name: "ci", Carry: budgeted}),
			err: &platform.Unsupported{Field: "budget", Reason: "r"}},
		{name: "create access without a mode", op: create(platform.CreateFields{Name: "ci", Access: map[string]string{"agents": "read"}}),
			err: accessIgnored()},
		{name: "create empty access with mode all", op: create(platform.CreateFields{Name: "ci", PermissionMode: "all", Access: map[string]string{}}),
			err: accessIgnored()},
		{name: "create restricted without access", op: create(platform.CreateFields{Name: "ci", PermissionMode: "restricted"}),
			err: &platform.Invalid{Field: "Access", Reason: "orq.ai requires access when permission_mode is restricted"}},
		{name: "create unknown access level", op: create(platform.CreateFields{Name: "ci", PermissionMode: "restricted", Access: map[string]string{"agents": "admin"}}),
			err: &platform.Invalid{Field: "Access", Reason: `orq.ai has no access level "admin"`}},
		{name: "create bare access prefix", op: create(platform.CreateFields{Name: "ci", PermissionMode: "restricted", Access: map[string]string{"agents": "ACCESS_LEVEL_"}}),
			err: &platform.Invalid{Field: "Access", Reason: `orq.ai has no access level "ACCESS_LEVEL_"`}},
		{name: "create unknown mode", op: create(platform.CreateFields{Name: "ci", PermissionMode: "owner"}),
			err: &platform.Invalid{Field: "PermissionMode", Reason: `orq.ai has no permission mode "owner"`}},
		{name: "create idempotency key is never sent", op: platform.Operation{Kind: platform.KindCreate, IdempotencyKey: "k1",
			Create: &platform.CreateFields{Name: "ci"}},
			want: post(`{"name":"ci","project_scope":{"all":{}}}`)},

		// get and list
		{name: "get", op: platform.Operation{Kind: platform.KindGet, KeyID: "01HZXW2K7Y8Q9M0N1P2R3S4T5V"},
			want: platform.Request{Method: "GET", Path: one, RawQuery: "include_budget=true"}},
		{name: "get escapes the ID", op: platform.Operation{Kind: platform.KindGet, KeyID: "a b/c?d%e#"},
			want: platform.Request{Method: "GET", Path: "/v2/api-keys/a%20b%2Fc%3Fd%25e%23", RawQuery: "include_budget=true"}},
		{name: "list first page", op: list(platform.ListFields{PageSize: 200}),
			want: platform.Request{Method: "GET", Path: "/v2/api-keys", RawQuery: "limit=200"}},
		{name: "list next page", op: list(platform.ListFields{PageSize: 5, Cursor: "01HZ&x=1 y"}),
			want: platform.Request{Method: "GET", Path: "/v2/api-keys", RawQuery: "limit=5&starting_after=01HZ%26x%3D1+y"}},
		{name: "list active", op: list(platform.ListFields{PageSize: 1, Cursor: "01HZ", Status: "active"}),
			want: platform.Request{Method: "GET", Path: "/v2/api-keys", RawQuery: "limit=1&starting_after=01HZ&status=API_KEY_STATUS_ACTIVE"}},
		{name: "list inactive", op: list(platform.ListFields{PageSize: 25, Status: "inactive"}),
			want: platform.Request{Method: "GET", Path: "/v2/api-keys", RawQuery: "limit=25&status=API_KEY_STATUS_DISABLED"}},
		{name: "list revoked", op: list(platform.ListFields{PageSize: 25, Status: "revoked"}),
			want: platform.Request{Method: "GET", Path: "/v2/api-keys", RawQuery: "limit=25&status=API_KEY_STATUS_REVOKED"}},
		{name: "list paused", op: list(platform.ListFields{PageSize: 25, Status: "paused"}),
			err: &platform.Unsupported{Field: "Status", Reason: `orq.ai keys are never "paused"`}},
		{name: "list archived", op: list(platform.ListFields{PageSize: 25, Status: "archived"}),
			err: &platform.Unsupported{Field: "Status", Reason: `orq.ai keys are never "archived"`}},

		// update
		{name: "update nothing", op: update("k", platform.UpdateFields{}), want: patch("/v2/api-keys/k", `{}`)},
		{name: "update name", op: update("k", platform.UpdateFields{Name: ptr("new")}), want: patch("/v2/api-keys/k", `{"name":"new"}`)},
		{name: "update empty name", op: update("k", platform.UpdateFields{Name: ptr("")}), want: patch("/v2/api-keys/k", `{"name":""}`)},
		{name: "update expiry", op: update("k", platform.UpdateFields{ExpiresAt: &expires}),
			want: patch("/v2/api-keys/k", `{"expires_at":"2027-01-02T03:04:05Z"}`)},
		{name: "update clear expiry", op: update("k", platform.UpdateFields{ClearExpiresAt: true}),
			want: patch("/v2/api-keys/k", `{"clear_expires_at":true}`)},
		{name: "update all projects", op: update("k", platform.UpdateFields{ProjectID: ptr("")}),
			want: patch("/v2/api-keys/k", `{"project_scope":{"all":{}}}`)},
		{name: "update one project", op: update("k", platform.UpdateFields{ProjectID: ptr("proj_1")}),
			want: patch("/v2/api-keys/k", `{"project_scope":{"single":{"project_id":"proj_1"}}}`)},
		{name: "update mode all", op: update("k", platform.UpdateFields{PermissionMode: ptr("all")}),
			want: patch("/v2/api-keys/k", `{"permission_mode":"PERMISSION_MODE_ALL"}`)},
		{name: "update restricted with access", op: update("k", platform.UpdateFields{PermissionMode: ptr("restricted"),
			Access: map[string]string{"agents": "read"}}),
			want: patch("/v2/api-keys/k", `{"permission_mode":"PERMISSION_MODE_RESTRICTED","access":{"agents":"ACCESS_LEVEL_READ"}}`)},
		{name: "update restricted clears access", op: update("k", platform.UpdateFields{PermissionMode: ptr("restricted"), Access: map[string]string{}}),
			want: patch("/v2/api-keys/k", `{"permission_mode":"PERMISSION_MODE_RESTRICTED","access":{}}`)},
		{name: "update everything", op: update("k/1", platform.UpdateFields{Name: ptr("n"), ExpiresAt: &expires,
			PermissionMode: ptr("restricted"), Access: map[string]string{"b": "none", "a": "write"}, ProjectID: ptr("p")}),
			want: patch("/v2/api-keys/k%2F1", `{"name":"n","permission_mode":"PERMISSION_MODE_RESTRICTED","access":{"a":"ACCESS_LEVEL_WRITE","b":"ACCESS_LEVEL_NONE"},`+
				`"project_scope":{"single":{"project_id":"p"}},"expires_at":"2027-01-02T03:04:05Z"}`)},
		{name: "update access alone", op: update("k", platform.UpdateFields{Access: map[string]string{"agents": "read"}}),
			err: accessIgnored()},
		{name: "update access with mode read_only", op: update("k", platform.UpdateFields{PermissionMode: ptr("read_only"), Access: map[string]string{}}),
			err: accessIgnored()},
		{name: "update both expiry and clear", op: update("k", platform.UpdateFields{ExpiresAt: &expires, ClearExpiresAt: true}),
			err: &platform.Invalid{Field: "ClearExpiresAt", Reason: "orq.ai refuses clear_expires_at together with expires_at"}},
		{name: "update unknown mode", op: update("k", platform.UpdateFields{PermissionMode: ptr("")}),
			err: &platform.Invalid{Field: "PermissionMode", Reason: `orq.ai has no permission mode ""`}},
		{name: "update unknown access level", op: update("k", platform.UpdateFields{PermissionMode: ptr("restricted"), Access: map[string]string{"a": "READ"}}),
			err: &platform.Invalid{Field: "Access", Reason: `orq.ai has no access level "READ"`}},

		// lifecycle
		{name: "activate", op: action("activate"), want: patch(one, `{"status":"API_KEY_STATUS_ACTIVE"}`)},
		{name: "deactivate", op: action("deactivate"), want: patch(one, `{"status":"API_KEY_STATUS_DISABLED"}`)},
		{name: "revoke", op: action("revoke"), want: patch(one, `{"status":"API_KEY_STATUS_REVOKED"}`)},
		{name: "delete", op: action("delete"), want: platform.Request{Method: "DELETE", Path: one}},
		{name: "pause is no orq.ai action", op: action("pause"), anyErr: true},
		{name: "unpause is no orq.ai action", op: action("unpause"), anyErr: true},
		{name: "reactivate is no orq.ai action", op: action("reactivate"), anyErr: true},
		{name: "archive is no orq.ai action", op: action("archive"), anyErr: true},
		{name: "unknown kind", op: platform.Operation{Kind: 99, KeyID: "k"}, anyErr: true},
	}
}

func TestEncode(t *testing.T) {
	m := Mapping{}
	for _, c := range encodeCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := m.Encode(c.op)
			switch {
			case c.anyErr:
				if err == nil {
					t.Fatalf("Encode = %+v, want an error", got)
				}
				return
			case c.err != nil:
				if diff := cmp.Diff(c.err, err); diff != "" {
					t.Fatalf("Encode error (-want +got):\n%s", diff)
				}
				if !cmp.Equal(got, platform.Request{}) {
					t.Errorf("Encode returned %+v with its error", got)
				}
				return
			case err != nil:
				t.Fatalf("Encode: %v", err)
			}
			if (got.Body == nil) != (c.want.Body == nil) {
				t.Errorf("Body = %q, want %q", got.Body, c.want.Body)
			}
			if diff := cmp.Diff(c.want, got, cmp.Transformer("text", func(b []byte) string { return string(b) })); diff != "" {
				t.Errorf("Encode (-want +got):\n%s", diff)
			}
			if got.Body != nil && !json.Valid(got.Body) {
				t.Errorf("Body %q is not JSON", got.Body)
			}
		})
	}
}

// TestEncodeDeterministic: the same fields give the same bytes, whatever
// the map order.
func TestEncodeDeterministic(t *testing.T) {
	access := map[string]string{}
	for _, r := range "abcdefghijklmnop" {
		access[string(r)] = []string{"none", "read", "write"}[r%3]
	}
	op := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
		Name: "n", PermissionMode: "restricted", Access: access}}
	first, err := Mapping{}.Encode(*op)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		again, _ := Mapping{}.Encode(*op)
		if string(again.Body) != string(first.Body) {
			t.Fatalf("bodies differ:\n%s\n%s", first.Body, again.Body)
		}
	}
}

// TestEncodeCopiesTheCarriedRefusal: the refusal a key carries is copied, so a
// caller that edits the returned error does not edit the key.
func TestEncodeCopiesTheCarriedRefusal(t *testing.T) {
	c := carry{restriction: &platform.Unsupported{Field: "budget", Reason: "r"}}
	_, err := Mapping{}.Encode(platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "n", Carry: c}})
	var u *platform.Unsupported
	if !errors.As(err, &u) || u == c.restriction {
		t.Fatalf("Encode error = %v, want a copy of the carried *Unsupported", err)
	}
}

// Payloads written from the spec schemas (the vendor publishes no example
// of them): older and newer keys, create answers, pages.
const (
	olderKey = `{"api_key_id":"01J0000000000000000000000A","name":"Support","owner":{"user":{"user_id":"usr_7"}},` +
		`"project_scope":{"single":{"project_id":"proj_1"}},"permission_mode":"PERMISSION_MODE_RESTRICTED",` +
		`"access":{"agents":"ACCESS_LEVEL_WRITE","deployments":"ACCESS_LEVEL_READ","files":"ACCESS_LEVEL_NONE"},` +
		`"token_prefix":"sk-orq-01J0","status":"API_KEY_STATUS_ACTIVE","created_by_id":"usr_1","updated_by_id":"usr_2",` +
		`"created_at":"2026-05-25T10:00:00Z","updated_at":"2026-05-26T11:00:00.123456Z","last_used_at":"2026-05-27T12:00:00+02:00",` +
		`"expires_at":"2027-01-01T00:00:00Z","legacy_token_family":"LEGACY_TOKEN_FAMILY_UNSPECIFIED","legacy_key_id":"abc",` +
		`"mcp_access":{"deny_all":true}}`
	newerKey = `{"id":"01J0000000000000000000000B","name":"Prod","workspace_id":"ws_1",` +
		`"token":"sk-orq-01J0000000000000000000000B-s3cr3tS3cr3tS3cr3t","active":true,"is_legacy":false,"source":"api",` +
		`"status":"API_KEY_STATUS_DISABLED","permission_mode":"PERMISSION_MODE_ALL","project_scope":{"all":{}},"access":{},` +
		`"token_prefix":"sk-orq-01J0","expiration":"2027-02-01T00:00:00Z","created":"2026-08-14T09:00:00Z",` +
		`"updated":"2026-08-15T09:00:00Z","last_used_at":null,"owner":{"service_account":{}},"created_by_id":null,` +
		`"updated_by_id":"usr_3","consumption":1.5,"projects":["proj_1"],"constraints":{"expires_at":"2027-02-01T00:00:00Z"}}`
	newerSecret = "sk-orq-01J0000000000000000000000B-s3cr3tS3cr3tS3cr3t"
	olderSecret = "sk-orq-01J0000000000000000000000A-0ld3rS3cr3t0ld3rS3cr3t"
)

var (
	olderWant = platform.Key{
		ID: "01J0000000000000000000000A", Name: "Support", Prefix: "sk-orq-01J0",
		Status: "active", PlatformStatus: "API_KEY_STATUS_ACTIVE", PermissionMode: "restricted",
		Access:    map[string]string{"agents": "write", "deployments": "read", "files": "none"},
		ProjectID: "proj_1", CreatedBy: "usr_1", UpdatedBy: "usr_2",
		CreatedAt: *at("2026-05-25T10:00:00Z"), UpdatedAt: *at("2026-05-26T11:00:00.123456Z"),
		LastUsedAt: at("2026-05-27T10:00:00Z"), ExpiresAt: at("2027-01-01T00:00:00Z"),
		Carry: carry{owner: json.RawMessage(`{"user":{"user_id":"usr_7"}}`), mcpAccess: json.RawMessage(`{"deny_all":true}`)},
	}
	newerWant = platform.Key{
		ID: "01J0000000000000000000000B", OrganizationID: "ws_1", Name: "Prod", Prefix: "sk-orq-01J0",
		Status: "inactive", PlatformStatus: "API_KEY_STATUS_DISABLED", PermissionMode: "all",
		UpdatedBy: "usr_3", CreatedAt: *at("2026-08-14T09:00:00Z"), UpdatedAt: *at("2026-08-15T09:00:00Z"),
		ExpiresAt: at("2027-02-01T00:00:00Z"),
		// "projects" names a project its all-projects scope does not: a
		// replacement could reach more, so Rotate refuses it.
		Carry: carry{owner: json.RawMessage(`{"service_account":{}}`), restriction: projectsRefusal},
	}
	// unscoped is what a key without a project_scope carries: a refusal,
	// since a replacement would reach every project.
	unscoped = carry{restriction: scopeRefusal}
	sa       = json.RawMessage(`{"service_account":{}}`)
)

type decodeCase struct {
	name string
	op   platform.Operation
	body string
	want platform.Result
	// err: "" none; else a substring of the error (the field it names).
	err string
	// apiErr: the error is this *platform.Error.
	apiErr *platform.Error
}

func opGet() platform.Operation { return platform.Operation{Kind: platform.KindGet, KeyID: "01HASKED"} }
func opAct(a string) platform.Operation {
	return platform.Operation{Kind: platform.KindTransition, Action: a, KeyID: "01HASKED"}
}
func opList(size int) platform.Operation {
	return platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: size}}
}
func opCreate() platform.Operation {
	return platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "n"}}
}

var failureBody = `{"error":{"code":"insufficient_scope","message":"missing api_keys.write","doc_url":"https://docs.orq.ai/errors#insufficient_scope"}}`
var failureWant = &platform.Error{Class: platform.ClassForbidden, Code: "insufficient_scope", Message: "missing api_keys.write",
	Details: map[string]any{"doc_url": "https://docs.orq.ai/errors#insufficient_scope"}}

func decodeCases() []decodeCase {
	return []decodeCase{
		// create
		{name: "create older", op: opCreate(), body: `{"api_key":` + olderKey + `,"token":"` + olderSecret + `"}`,
			want: platform.Result{Key: olderWant, Secret: olderSecret}},
		{name: "create newer", op: opCreate(), body: newerKey,
			want: platform.Result{Key: newerWant, Secret: newerSecret}},
		{name: "create older, a time of the wrong type", op: opCreate(),
			body: `{"api_key":{"api_key_id":"01K","name":"n","created_at":12,"status":"API_KEY_STATUS_ACTIVE"},"token":"sk-orq-01K-abc"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Name: "n", Status: "active", PlatformStatus: "API_KEY_STATUS_ACTIVE", Carry: unscoped},
				Secret: "sk-orq-01K-abc"}, err: "api_key.created_at"},
		{name: "create newer, an unparsable time", op: opCreate(),
			body: `{"id":"01K","token":"sk-orq-01K-abc","expiration":"tomorrow"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}, Secret: "sk-orq-01K-abc"}, err: "expiration"},
		{name: "create without a key object: the ID from the token", op: opCreate(),
			body: `{"api_key":"x","token":"sk-orq-01KABC-abc-def"}`,
			want: platform.Result{Key: platform.Key{ID: "01KABC", Carry: unscoped}, Secret: "sk-orq-01KABC-abc-def"}, err: "api_key_id"},
		{name: "create with a key of the wrong shape", op: opCreate(),
			body: `{"api_key":{"api_key_id":7},"token":"sk-orq-01KABC-abc"}`,
			want: platform.Result{Key: platform.Key{ID: "01KABC", Carry: unscoped}, Secret: "sk-orq-01KABC-abc"}, err: "api_key_id"},
		{name: "create without a token", op: opCreate(), body: `{"api_key":{"api_key_id":"01K"}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}, err: "token"},
		{name: "create token of the wrong type", op: opCreate(), body: `{"id":"01K","token":["sk-orq-01K-abc"]}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}, err: "token: not a string"},
		{name: "create failure envelope in a 200", op: opCreate(), body: failureBody, apiErr: failureWant},
		// A member counts only under its exact name: "Token" is not the
		// secret, "ID" not the ID, "Name" not the name.
		{name: "create: names count only spelled exactly", op: opCreate(),
			body: `{"id":"01K","ID":"01X","Name":"x","name":"n","Token":"sk-orq-01K-abc"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Name: "n", Carry: unscoped}}, err: "token"},
		{name: "create not JSON", op: opCreate(), body: `{"token":"sk-orq-01K-abc"`, err: "not valid JSON"},
		{name: "create empty", op: opCreate(), body: ``, err: "not valid JSON"},
		{name: "create array", op: opCreate(), body: `[]`, err: "not a JSON object"},

		// get, update, transitions
		{name: "get older", op: opGet(), body: `{"api_key":` + olderKey + `}`, want: platform.Result{Key: olderWant}},
		{name: "get older, bare", op: opGet(), body: olderKey, want: platform.Result{Key: olderWant}},
		{name: "get newer: the raw token is dropped", op: opGet(), body: newerKey, want: platform.Result{Key: newerWant}},
		{name: "update newer", op: platform.Operation{Kind: platform.KindUpdate, KeyID: "01J0000000000000000000000B",
			Update: &platform.UpdateFields{Name: ptr("Prod")}}, body: newerKey, want: platform.Result{Key: newerWant}},
		{name: "get newer, active only", op: opGet(), body: `{"id":"01K","active":false}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "inactive", PlatformStatus: "active=false", Carry: unscoped}}},
		{name: "get newer, active only, true", op: opGet(), body: `{"id":"01K","active":true,"status":""}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "active", PlatformStatus: "active=true", Carry: unscoped}}},
		{name: "get status wins over active", op: opGet(), body: `{"id":"01K","active":true,"status":"API_KEY_STATUS_REVOKED"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "revoked", PlatformStatus: "API_KEY_STATUS_REVOKED", Carry: unscoped}}},
		{name: "get unspecified status leaves active to speak", op: opGet(), body: `{"id":"01K","active":true,"status":"API_KEY_STATUS_UNSPECIFIED"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "active", PlatformStatus: "API_KEY_STATUS_UNSPECIFIED", Carry: unscoped}}},
		{name: "get bare status word", op: opGet(), body: `{"id":"01K","status":"disabled"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "inactive", PlatformStatus: "disabled", Carry: unscoped}}},
		{name: "get unknown words kept", op: opGet(),
			body: `{"id":"01K","status":"API_KEY_STATUS_EXPIRED","permission_mode":"PERMISSION_MODE_OWNER","access":{"a":"ACCESS_LEVEL_ADMIN","b":2,"c":null}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", PlatformStatus: "API_KEY_STATUS_EXPIRED",
				PermissionMode: "PERMISSION_MODE_OWNER", Access: map[string]string{"a": "ACCESS_LEVEL_ADMIN", "b": "2"}, Carry: unscoped}}},
		{name: "get unspecified mode", op: opGet(), body: `{"id":"01K","permission_mode":"PERMISSION_MODE_UNSPECIFIED"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}},
		{name: "get a time of the wrong type keeps the ID", op: opGet(), body: `{"api_key":{"api_key_id":"01K","name":"n","updated_at":true}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Name: "n", Carry: unscoped}}, err: "api_key.updated_at"},
		{name: "get access of the wrong type", op: opGet(), body: `{"id":"01K","access":{"a":true}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}, err: "access"},
		{name: "get project scope of the wrong type", op: opGet(), body: `{"id":"01K","project_scope":{"single":"p"}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}, err: "project_scope.single"},
		{name: "get owner of the wrong type", op: opGet(), body: `{"id":"01K","owner":"usr_1"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}, err: "owner"},
		{name: "get empty: partial", op: opGet(), body: ``,
			want: platform.Result{Key: platform.Key{ID: "01HASKED", Partial: true}}},
		{name: "get null: partial", op: opGet(), body: `null`,
			want: platform.Result{Key: platform.Key{ID: "01HASKED", Partial: true}}},
		{name: "get {}: partial", op: opGet(), body: `{}`,
			want: platform.Result{Key: platform.Key{ID: "01HASKED", Partial: true, Carry: unscoped}}},
		{name: "get null key: partial", op: opGet(), body: `{"api_key":null}`,
			want: platform.Result{Key: platform.Key{ID: "01HASKED", Partial: true, Carry: unscoped}}},
		{name: "get a key without its ID: partial", op: opGet(), body: `{"api_key":{"name":"n","status":"API_KEY_STATUS_DISABLED"}}`,
			want: platform.Result{Key: platform.Key{ID: "01HASKED", Partial: true, Name: "n", Status: "inactive", PlatformStatus: "API_KEY_STATUS_DISABLED", Carry: unscoped}}},
		{name: "get a status only: partial", op: opGet(), body: `{"status":"API_KEY_STATUS_ACTIVE"}`,
			want: platform.Result{Key: platform.Key{ID: "01HASKED", Partial: true, Status: "active", PlatformStatus: "API_KEY_STATUS_ACTIVE", Carry: unscoped}}},
		{name: "get failure envelope in a 200", op: opGet(), body: failureBody, apiErr: failureWant},
		{name: "get failure envelope with an unknown code", op: opGet(), body: `{"error":{"code":"api_key_not_found","message":"gone"}}`,
			apiErr: &platform.Error{Code: "api_key_not_found", Message: "gone"}},
		{name: "get an error member beside a key is a key", op: opGet(), body: `{"id":"01K","error":{"code":"internal_error"}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}},
		{name: "get array", op: opGet(), body: `[{"id":"01K"}]`, err: "not a JSON object"},
		{name: "get not JSON", op: opGet(), body: `<html>`, err: "not valid JSON"},
		{name: "revoke, active false only: revoked", op: opAct("revoke"), body: `{"id":"01K","active":false}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "revoked", PlatformStatus: "active=false", Carry: unscoped}}},
		{name: "deactivate, active false only: inactive", op: opAct("deactivate"), body: `{"id":"01K","active":false}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "inactive", PlatformStatus: "active=false", Carry: unscoped}}},
		{name: "revoke, the server says disabled: kept", op: opAct("revoke"), body: `{"api_key":{"api_key_id":"01K","status":"API_KEY_STATUS_DISABLED"}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "inactive", PlatformStatus: "API_KEY_STATUS_DISABLED", Carry: unscoped}}},
		{name: "revoke, active true only: kept", op: opAct("revoke"), body: `{"id":"01K","active":true}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "active", PlatformStatus: "active=true", Carry: unscoped}}},
		{name: "activate, no status: left to the client", op: opAct("activate"), body: `{"api_key":{"api_key_id":"01K"}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: unscoped}}},
		{name: "activate, empty answer: partial", op: opAct("activate"), body: ``,
			want: platform.Result{Key: platform.Key{ID: "01HASKED", Partial: true}}},

		// delete
		{name: "delete older 200 {}", op: opAct("delete"), body: `{}`},
		{name: "delete newer 204", op: opAct("delete"), body: ``},
		{name: "delete with a key", op: opAct("delete"), body: newerKey},
		{name: "delete garbage", op: opAct("delete"), body: `<html>ok</html>`},
		{name: "delete failure envelope", op: opAct("delete"), body: failureBody, apiErr: failureWant},

		// list
		{name: "list older, more", op: opList(2),
			body: `{"object":"list","data":[` + olderKey + `,{"api_key_id":"01J9","name":"x"}],"has_more":true}`,
			want: platform.Result{Keys: []platform.Key{olderWant, {ID: "01J9", Name: "x", Carry: unscoped}}, Next: "01J9"}},
		{name: "list older, last page", op: opList(2),
			body: `{"object":"list","data":[` + olderKey + `,{"api_key_id":"01J9"}],"has_more":false}`,
			want: platform.Result{Keys: []platform.Key{olderWant, {ID: "01J9", Carry: unscoped}}}},
		{name: "list older, more but a short page", op: opList(50),
			body: `{"object":"list","data":[{"api_key_id":"01J9"}],"has_more":true}`,
			want: platform.Result{Keys: []platform.Key{{ID: "01J9", Carry: unscoped}}, Next: "01J9"}},
		{name: "list older, empty", op: opList(50), body: `{"object":"list","data":[],"has_more":false}`,
			want: platform.Result{Keys: []platform.Key{}}},
		{name: "list older, no has_more: by page size", op: opList(1), body: `{"data":[{"api_key_id":"01J9"}]}`,
			want: platform.Result{Keys: []platform.Key{{ID: "01J9", Carry: unscoped}}, Next: "01J9"}},
		{name: "list older, more announced, none given", op: opList(5), body: `{"object":"list","data":[],"has_more":true}`,
			want: platform.Result{Keys: []platform.Key{}}, err: "no last key ID"},
		{name: "list newer, full page", op: opList(2),
			body: `[` + newerKey + `,{"id":"01J8","token":"sk-orq-01J8-****************wxyz","active":true}]`,
			want: platform.Result{Keys: []platform.Key{newerWant, {ID: "01J8", Status: "active", PlatformStatus: "active=true", Carry: unscoped}}, Next: "01J8"}},
		{name: "list newer, short page", op: opList(3), body: `[` + newerKey + `]`,
			want: platform.Result{Keys: []platform.Key{newerWant}}},
		{name: "list newer, empty", op: opList(3), body: `[]`, want: platform.Result{Keys: []platform.Key{}}},
		{name: "list newer, a bad item", op: opList(3), body: `[{"id":"01J1"},{"id":"01J2","created":5},7]`,
			want: platform.Result{Keys: []platform.Key{{ID: "01J1", Carry: unscoped}, {ID: "01J2", Carry: unscoped}}}, err: "[1].created"},
		{name: "list newer, a key without ID", op: opList(3), body: `[{"name":"x"}]`,
			want: platform.Result{Keys: []platform.Key{{Name: "x", Carry: unscoped}}}, err: "[0].id"},
		{name: "list {}", op: opList(3), body: `{}`, err: "data: missing"},
		{name: "list data null", op: opList(3), body: `{"data":null,"has_more":false}`, err: "data: missing"},
		{name: "list status ok", op: opList(3), body: `{"status":"ok"}`, err: "data: missing"},
		{name: "list null", op: opList(3), body: `null`, err: "neither an array nor an object"},
		{name: "list empty body", op: opList(3), body: ``, err: "not valid JSON"},
		{name: "list data not an array", op: opList(3), body: `{"data":{"api_key_id":"01K"}}`, err: "data: not an array"},
		{name: "list has_more not a boolean", op: opList(3), body: `{"data":[],"has_more":"yes"}`, err: "has_more"},
		{name: "list failure envelope", op: opList(3), body: failureBody, apiErr: failureWant},

		// carry
		{name: "carry: a budget is a restriction", op: opGet(),
			body: `{"id":"01K","budget":{"amount":0,"period":"monthly"}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: budgetRefusal}}}},
		{name: "carry: an empty budget is none", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"service_account":{}},"budget":{"amount":null,"limits":[]},"constraints":{"expiration":"2027-01-01T00:00:00Z","rate_limit":null}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: json.RawMessage(`{"service_account":{}}`)}}}},
		{name: "carry: a rate limit is a restriction", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"constraints":{"expires_at":"2027-01-01T00:00:00Z","rate_limit":{"requests_per_minute":60}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: json.RawMessage(`{"service_account":{}}`), restriction: constraintsRefusal}}}},
		{name: "carry: constraints of unknown shape are a restriction", op: opGet(),
			body: `{"id":"01K","constraints":"strict"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: constraintsRefusal}}}},
		{name: "carry: a budget of empty strings is none", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"service_account":{}},"budget":{"currency":"","limits":[{"amount":null}]}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: json.RawMessage(`{"service_account":{}}`)}}}},
		{name: "carry: a budget of false is a restriction", op: opGet(),
			body: `{"id":"01K","budget":{"enabled":false}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: budgetRefusal}}}},
		{name: "carry: an empty owner is none, and refused", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{},"mcp_access":null,"budget":null,"constraints":{}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "carry: owner is compacted", op: opGet(),
			body: "{\"id\":\"01K\",\"project_scope\":{\"all\":{}},\"owner\": { \"user\" : {\"user_id\": \"u\"} } }",
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: json.RawMessage(`{"user":{"user_id":"u"}}`)}}}},

		// Only {"all":{}} means every project, and only a non-empty
		// single.project_id one project: any other scope, or none, would
		// become every project in a replacement, so it is refused.
		{name: "scope: none is refused", op: opGet(), body: `{"id":"01K","owner":{"service_account":{}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: null is refused", op: opGet(), body: `{"id":"01K","owner":{"service_account":{}},"project_scope":null}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: {} is refused", op: opGet(), body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: single without a project is refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"single":{}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: single with an empty project is refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"single":{"project_id":""}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: an unknown shape is refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"multi":{"project_ids":["p1","p2"]}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: all beside an unknown member is refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"all":{},"except":{"project_id":"p"}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: all holding something is refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"all":{"but":"p"}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: scopeRefusal}}}},
		{name: "scope: all, spaced, with a null single", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{ "all" : { }, "single": null }}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa}}}},
		{name: "scope: projects naming the single project", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"single":{"project_id":"p"}},"projects":["p"]}`,
			want: platform.Result{Key: platform.Key{ID: "01K", ProjectID: "p", Carry: carry{owner: sa}}}},
		{name: "scope: no projects beside all", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"all":{}},"projects":[]}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa}}}},
		{name: "scope: projects naming another project are refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"single":{"project_id":"p"}},"projects":["q"]}`,
			want: platform.Result{Key: platform.Key{ID: "01K", ProjectID: "p", Carry: carry{owner: sa, restriction: projectsRefusal}}}},
		{name: "scope: projects naming more are refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"single":{"project_id":"p"}},"projects":["p","q"]}`,
			want: platform.Result{Key: platform.Key{ID: "01K", ProjectID: "p", Carry: carry{owner: sa, restriction: projectsRefusal}}}},
		{name: "scope: projects beside all are refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"all":{}},"projects":["p"]}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: projectsRefusal}}}},
		{name: "scope: projects of another shape are refused", op: opGet(),
			body: `{"id":"01K","owner":{"service_account":{}},"project_scope":{"all":{}},"projects":{"p":true}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa, restriction: projectsRefusal}}}},

		// An owner is carried only as exactly one of the oneof's members.
		{name: "owner: none is refused", op: opGet(), body: `{"id":"01K","project_scope":{"all":{}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "owner: both members are refused", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"user":{"user_id":"u"},"service_account":{}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "owner: an unknown member is refused", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"team":{"team_id":"t"}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "owner: a user with more than its ID is refused", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"user":{"user_id":"u","role":"admin"}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "owner: a user without an ID is refused", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"user":{"user_id":""}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "owner: a user ID of the wrong type is refused", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"user":{"user_id":7}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "owner: a service account holding something is refused", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{"service_account":{"id":"s"}}}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{restriction: ownerRefusal}}}},
		{name: "owner: a spaced service account is carried", op: opGet(),
			body: `{"id":"01K","project_scope":{"all":{}},"owner":{ "service_account" : { } }}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Carry: carry{owner: sa}}}},

		// A status word that says nothing leaves the "active" boolean to
		// speak; the word is kept.
		{name: "status: an unknown word beside active", op: opGet(),
			body: `{"id":"01K","status":"API_KEY_STATUS_EXPIRED","active":false}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "inactive", PlatformStatus: "API_KEY_STATUS_EXPIRED", Carry: unscoped}}},
		{name: "status: an unknown word beside active, after a revoke", op: opAct("revoke"),
			body: `{"id":"01K","status":"gone","active":false}`,
			want: platform.Result{Key: platform.Key{ID: "01K", Status: "revoked", PlatformStatus: "gone", Carry: unscoped}}},
		{name: "status: an unknown word beside an active of the wrong type", op: opGet(),
			body: `{"id":"01K","status":"gone","active":"no"}`,
			want: platform.Result{Key: platform.Key{ID: "01K", PlatformStatus: "gone", Carry: unscoped}}, err: "active"},
	}
}

func TestDecode(t *testing.T) {
	m := Mapping{}
	for _, c := range decodeCases() {
		t.Run(c.name, func(t *testing.T) {
			got, err := m.Decode(c.op, &platform.Answer{Status: 200, Header: http.Header{}, Body: []byte(c.body)})
			switch {
			case c.apiErr != nil:
				var e *platform.Error
				if !errors.As(err, &e) {
					t.Fatalf("Decode error = %v, want *platform.Error", err)
				}
				if diff := cmp.Diff(c.apiErr, e); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			case c.err != "":
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("Decode error = %v, want one naming %q", err, c.err)
				}
				if !strings.HasPrefix(err.Error(), "orqai: ") {
					t.Errorf("error %q does not name the mapping", err)
				}
			case err != nil:
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(c.want, got, cmpKeys); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
			if err != nil && c.apiErr == nil { // an envelope's code and message are its point
				assertNoBodyBytes(t, err.Error(), c.body)
			}
			for _, k := range append([]platform.Key{got.Key}, got.Keys...) {
				assertUTC(t, k)
			}
			if c.op.Kind != platform.KindCreate {
				for _, secret := range []string{newerSecret, olderSecret, "s3cr3t", "wxyz"} {
					assertNotInKeys(t, got, secret)
				}
			}
		})
	}
}

// assertUTC: times are in UTC, not only equal to it (cmp uses Equal).
func assertUTC(t *testing.T, k platform.Key) {
	t.Helper()
	for _, tm := range []*time.Time{&k.CreatedAt, &k.UpdatedAt, k.LastUsedAt, k.ExpiresAt, k.ArchivedAt, k.RevokedAt} {
		if tm != nil && !tm.IsZero() && tm.Location() != time.UTC {
			t.Errorf("time %v is not in UTC", tm)
		}
	}
}

// assertNoBodyBytes: an error names fields, never values. Every string
// value of the body that is not also a member name is looked for.
func assertNoBodyBytes(t *testing.T, msg, body string) {
	t.Helper()
	var v any
	if json.Unmarshal([]byte(body), &v) != nil {
		for _, frag := range []string{"<html", "sk-orq", "token\":"} {
			if strings.Contains(body, frag) && strings.Contains(msg, frag) {
				t.Errorf("error %q holds body bytes %q", msg, frag)
			}
		}
		return
	}
	values, names := map[string]bool{}, map[string]bool{}
	walkJSON(v, "", func(name string, s string) {
		names[name] = true
		if s != "" {
			values[s] = true
		}
	})
	for s := range values {
		if !names[s] && len(s) >= 3 && strings.Contains(msg, s) {
			t.Errorf("error %q holds the body's value %q", msg, s)
		}
	}
}

// walkJSON calls f with each member name (s "") and each string value.
func walkJSON(v any, name string, f func(name, s string)) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			f(k, "")
			walkJSON(e, k, f)
		}
	case []any:
		for _, e := range v {
			walkJSON(e, name, f)
		}
	case string:
		f(name, v)
	case json.Number:
		f(name, v.String())
	}
}

// keyStrings is every string a Key holds, Carry's raw JSON and a carried
// refusal included.
func keyStrings(k platform.Key) []string {
	out := []string{k.ID, k.OrganizationID, k.Name, k.Prefix, k.Suffix, k.Status, k.PlatformStatus,
		k.PermissionMode, k.ProjectID, k.CreatedBy, k.UpdatedBy}
	out = append(out, k.Scopes...)
	out = append(out, k.AvailableActions...)
	for r, l := range k.Access {
		out = append(out, r, l)
	}
	switch c := k.Carry.(type) {
	case carry:
		// The carried JSON's names and values, decoded: its raw bytes may
		// spell a value in escapes the body's decoded strings do not.
		for _, raw := range []json.RawMessage{c.owner, c.mcpAccess} {
			var v any
			if json.Unmarshal(raw, &v) == nil {
				walkJSON(v, "", func(name, s string) { out = append(out, name, s) })
			}
		}
		if c.restriction != nil {
			out = append(out, c.restriction.Error())
		}
	case nil:
	default:
		out = append(out, "unexpected carry type "+reflect.TypeOf(c).String())
	}
	return out
}

func assertNotInKeys(t *testing.T, r platform.Result, secret string) {
	t.Helper()
	keys := append([]platform.Key{r.Key}, r.Keys...)
	for _, k := range keys {
		for _, s := range keyStrings(k) {
			if strings.Contains(s, secret) {
				t.Errorf("Key field %q holds the secret %q", s, secret)
			}
		}
	}
	if r.Secret != "" {
		t.Errorf("Secret %q set outside a create", r.Secret)
	}
}

// TestRotateCarry: what a key read back carries is what the replacement's
// create sends; a key with a restriction the create cannot set refuses.
func TestRotateCarry(t *testing.T) {
	m := Mapping{}
	got, err := m.Decode(platform.Operation{Kind: platform.KindGet, KeyID: "k"},
		&platform.Answer{Status: 200, Body: []byte(`{"api_key":` + olderKey + `}`)})
	if err != nil {
		t.Fatal(err)
	}
	k := got.Key
	req, err := m.Encode(platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
		Name: k.Name, ExpiresAt: k.ExpiresAt, PermissionMode: k.PermissionMode, Access: k.Access,
		ProjectID: k.ProjectID, Carry: k.Carry}})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"name":"Support","owner":{"user":{"user_id":"usr_7"}},"project_scope":{"single":{"project_id":"proj_1"}},` +
		`"permission_mode":"PERMISSION_MODE_RESTRICTED","access":{"agents":"ACCESS_LEVEL_WRITE","deployments":"ACCESS_LEVEL_READ",` +
		`"files":"ACCESS_LEVEL_NONE"},"expires_at":"2027-01-01T00:00:00Z","mcp_access":{"deny_all":true}}`
	if string(req.Body) != want {
		t.Errorf("create body\n got %s\nwant %s", req.Body, want)
	}

	got, err = m.Decode(platform.Operation{Kind: platform.KindGet, KeyID: "k"},
		&platform.Answer{Status: 200, Body: []byte(`{"id":"01K","name":"n","budget":{"limit_usd":5}}`)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = m.Encode(platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "n", Carry: got.Key.Carry}})
	if diff := cmp.Diff(error(budgetRefusal), err); diff != "" {
		t.Errorf("create of a budgeted key (-want +got):\n%s", diff)
	}
}

func TestDecodeError(t *testing.T) {
	for _, c := range []struct {
		status int
		body   string
		want   platform.Error
	}{
		{400, `{"error":{"code":"invalid_request_body","message":"name is required","doc_url":"https://docs.orq.ai/e"}}`,
			platform.Error{Class: platform.ClassInvalidParams, Code: "invalid_request_body", Message: "name is required",
				Details: map[string]any{"doc_url": "https://docs.orq.ai/e"}}},
		{401, `{"error":{"code":"authentication_required","message":"m"}}`, platform.Error{Class: platform.ClassUnauthorized, Code: "authentication_required", Message: "m"}},
		{401, `{"error":{"code":"invalid_api_key","message":"m"}}`, platform.Error{Class: platform.ClassUnauthorized, Code: "invalid_api_key", Message: "m"}},
		{401, `{"error":{"code":"expired_api_key","message":"m"}}`, platform.Error{Class: platform.ClassUnauthorized, Code: "expired_api_key", Message: "m"}},
		{403, `{"error":{"code":"insufficient_scope","message":"m"}}`, platform.Error{Class: platform.ClassForbidden, Code: "insufficient_scope", Message: "m"}},
		{403, `{"error":{"code":"wrong_project","message":"m"}}`, platform.Error{Class: platform.ClassForbidden, Code: "wrong_project", Message: "m"}},
		{429, `{"error":{"code":"rate_limit_exceeded","message":"m"}}`, platform.Error{Class: platform.ClassRateLimited, Code: "rate_limit_exceeded", Message: "m"}},
		{500, `{"error":{"code":"internal_error","message":"m"}}`, platform.Error{Class: platform.ClassServer, Code: "internal_error", Message: "m"}},
		{503, `{"error":{"code":"service_unavailable","message":"m"}}`, platform.Error{Class: platform.ClassServer, Code: "service_unavailable", Message: "m"}},
		// No not-found code is documented: the 404 classifies it.
		{404, `{"error":{"code":"not_found","message":"API key not found"}}`, platform.Error{Code: "not_found", Message: "API key not found"}},
		{404, `{"error":{"message":"API key not found"}}`, platform.Error{Message: "API key not found"}},
		{400, `{"error":{"code":"invalid_request_body","message":5,"doc_url":false}}`, platform.Error{Class: platform.ClassInvalidParams, Code: "invalid_request_body"}},
		{400, "  \n{\"error\":{\"code\":\"invalid_api_key\"}}\n", platform.Error{Class: platform.ClassUnauthorized, Code: "invalid_api_key"}},
		// Not the envelope.
		{502, `<html>Bad Gateway</html>`, platform.Error{}},
		{500, ``, platform.Error{}},
		{500, `[]`, platform.Error{}},
		{500, `{}`, platform.Error{}},
		{500, `{"error":"boom"}`, platform.Error{}},
		{500, `{"error":{}}`, platform.Error{}},
		{500, `{"error":{"doc_url":"https://docs.orq.ai/e"}}`, platform.Error{}},
		{500, `{"error":{"code":"internal_error"`, platform.Error{}},
	} {
		got := Mapping{}.DecodeError(platform.Operation{Kind: platform.KindGet, KeyID: "k"},
			&platform.Answer{Status: c.status, Header: http.Header{}, Body: []byte(c.body)})
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("DecodeError(%d, %s) (-want +got):\n%s", c.status, c.body, diff)
		}
	}
}

// FuzzDecode: any body, for any operation, decodes without a panic; outside
// a create no token value reaches a Key, the Secret or an error; an error
// never quotes the body.
func FuzzDecode(f *testing.F) {
	seeds := []string{``, `{}`, `null`, `[]`, `{"status":"ok"}`, failureBody, newerKey, olderKey,
		`{"api_key":` + olderKey + `,"token":"` + olderSecret + `"}`,
		`{"object":"list","data":[` + olderKey + `],"has_more":true}`, `[` + newerKey + `]`,
		`{"id":"01K","active":false,"token":"tok3n-v4lue-1234567890"}`,
		`{"api_key":{"api_key_id":"01K","token":"tok3n-v4lue-1234567890"},"token":"tok3n-v4lue-1234567890"}`,
		`{"data":[{"id":"01K","token":"sk-orq-01K-****9999"}]}`, `{"api_key":"sk-orq-01K-s3cr3t99","id":1}`,
		`{"id":"01K","budget":{"x":[null,{}]},"constraints":{"expiry":1,"rpm":2}}`,
		`{"id":"01K","access":{"a":1e999}}`, "{\"id\":\"\xff\"}",
	}
	ops := []platform.Operation{opCreate(), opGet(), opList(2),
		{Kind: platform.KindUpdate, KeyID: "01HASKED", Update: &platform.UpdateFields{}},
		opAct("activate"), opAct("deactivate"), opAct("revoke"), opAct("delete")}
	for _, s := range seeds {
		for i := range ops {
			f.Add([]byte(s), uint8(i))
		}
	}
	m := Mapping{}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		op := ops[int(which)%len(ops)]
		res, err := m.Decode(op, &platform.Answer{Status: 200, Header: http.Header{}, Body: body})
		e := m.DecodeError(op, &platform.Answer{Status: 400, Header: http.Header{}, Body: body})
		if e.Code == "" && e.Message == "" && !cmp.Equal(e, platform.Error{}) {
			t.Fatalf("DecodeError without code or message is not zero: %+v", e)
		}
		if op.Kind == platform.KindTransition && op.Action == platform.ActionDelete &&
			!cmp.Equal(res, platform.Result{}, cmpKeys) {
			t.Fatalf("Delete returned %+v", res)
		}
		if op.Kind != platform.KindCreate && res.Secret != "" {
			t.Fatalf("Secret set for a %s", kindName(&op))
		}

		tokens, others := secretsOf(body)
		for _, tok := range tokens {
			if isPlainElsewhere(tok, others) {
				continue
			}
			if err != nil && strings.Contains(err.Error(), tok) {
				t.Fatalf("error %q holds the token %q", err, tok)
			}
			if op.Kind == platform.KindCreate {
				continue // the secret's own field, and its ID part, are the point
			}
			for _, k := range append([]platform.Key{res.Key}, res.Keys...) {
				for _, s := range keyStrings(k) {
					if strings.Contains(s, tok) {
						t.Fatalf("%s: Key string %q holds the token %q", kindName(&op), s, tok)
					}
				}
			}
		}
	})
}

// secretsOf is every string under a secret-bearing member ("token",
// "api_key" when a string), at any depth, and every other string, member
// name and number of the body.
func secretsOf(body []byte) (tokens, others []string) {
	d := json.NewDecoder(strings.NewReader(string(body)))
	d.UseNumber()
	var v any
	if d.Decode(&v) != nil {
		return nil, nil
	}
	walkJSON(v, "", func(name, s string) {
		switch {
		case s == "":
			others = append(others, name)
		case name == "token" || name == "api_key":
			tokens = append(tokens, s)
		default:
			others = append(others, s)
		}
	})
	return tokens, others
}

// isPlainElsewhere skips a token a Key may hold for another reason: too
// short or too plain to tell from a field name or a status word (a secret
// has a digit and at least 8 characters), or also present in the body as
// another field's value or a member name.
func isPlainElsewhere(tok string, others []string) bool {
	if len(tok) < 8 || !strings.ContainsAny(tok, "0123456789") {
		return true
	}
	for _, c := range tok {
		if !(c == '-' || c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return true
		}
	}
	for _, o := range others {
		if strings.Contains(o, tok) {
			return true
		}
	}
	return false
}
