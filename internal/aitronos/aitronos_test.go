package aitronos_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/aitronos"
	"github.com/apikeys-go/apikeys/internal/platform"
)

func ptr[T any](v T) *T { return &v }

func TestSpec(t *testing.T) {
	t.Parallel()
	want := &platform.Spec{
		Name:           "aitronos",
		DefaultBaseURL: "https://api.aitronos.com/v1",
		AuthHeader:     "X-API-Key",
		AuthScheme:     "",
		Organization:   platform.OrgRequired,
		Get:            true,
		Update:         true,
		Actions:        []string{"activate", "deactivate", "pause", "unpause", "archive"},
		Statuses:       []string{"active", "paused", "inactive", "archived"},
		Table: map[string][]string{
			"active":   {"deactivate", "pause", "archive"},
			"paused":   {"activate", "deactivate", "unpause", "archive"},
			"inactive": {"activate", "unpause", "archive"},
		},
		CreateFields:     []string{"Name", "Scopes", "UsageLimitCHF", "ExpiresAt"},
		UpdateFields:     []string{"Name", "Scopes", "UsageLimitCHF", "ExpiresAt"},
		ServerFilters:    nil,
		MaxPageSize:      100,
		IntegerIDs:       false,
		Deduplicates:     false,
		RequestIDHeaders: []string{"X-Request-Id"},
	}
	var m aitronos.Mapping
	got := m.Spec()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Spec mismatch (-want +got):\n%s", diff)
	}
	if m.Spec() != got {
		t.Error("Spec() returns a different pointer on each call")
	}
	if h := http.CanonicalHeaderKey(got.RequestIDHeaders[0]); h != got.RequestIDHeaders[0] {
		t.Errorf("RequestIDHeaders[0] = %q, not canonical (%q)", got.RequestIDHeaders[0], h)
	}
	// Every action the table allows is one the platform has, leads away from
	// the status it starts from, and every target is a status it reports.
	for from, actions := range got.Table {
		for _, a := range actions {
			if !contains(got.Actions, a) {
				t.Errorf("Table[%s] allows %s, which Actions lacks", from, a)
			}
			if platform.Target(a) == from {
				t.Errorf("Table[%s] allows %s, whose target is the same status", from, a)
			}
			if !contains(got.Statuses, platform.Target(a)) {
				t.Errorf("target of %s is not in Statuses", a)
			}
		}
	}
	if len(got.Table[platform.StatusArchived]) != 0 {
		t.Error("archived allows actions; an Aitronos archive is for good")
	}
}

func contains(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func TestEncode(t *testing.T) {
	t.Parallel()
	zurich := time.FixedZone("CET", 3600)
	expires := time.Date(2026, 1, 2, 4, 4, 5, 600000000, zurich) // 03:04:05.6 UTC
	const coll = "/organizations/org_1/api-keys"
	const one = coll + "/ak_1"
	tests := []struct {
		name string
		op   platform.Operation
		want platform.Request
	}{
		{
			name: "create, name only",
			op:   platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{Name: "ci"}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"key_name":"ci"}`), Retry: platform.RetryUnsent},
		},
		{
			name: "create, every field, time in UTC",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{
				Name: "ci", Scopes: []string{"read:usage", "write:projects"}, UsageLimitCHF: ptr(12.5), ExpiresAt: &expires,
			}},
			want: platform.Request{Method: "POST", Path: coll, Retry: platform.RetryUnsent, Body: []byte(
				`{"key_name":"ci","usage_limit_chf":12.5,"scopes":["read:usage","write:projects"],"expires_at":"2026-01-02T03:04:05.6Z"}`)},
		},
		{
			name: "create, empty scopes are sent, zero limit is sent",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{
				Name: "ci", Scopes: []string{}, UsageLimitCHF: ptr(0.0),
			}},
			want: platform.Request{Method: "POST", Path: coll, Retry: platform.RetryUnsent,
				Body: []byte(`{"key_name":"ci","usage_limit_chf":0,"scopes":[]}`)},
		},
		{
			name: "create, a carry of any type is ignored",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{
				Name: "ci", Carry: struct{ owner string }{"u"},
			}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"key_name":"ci"}`), Retry: platform.RetryUnsent},
		},
		{
			name: "list, first page",
			op:   platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 100}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page=1&page_size=100"},
		},
		{
			name: "list, page 3 of 25",
			op:   platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 25, Cursor: "3"}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "page=3&page_size=25"},
		},
		{
			name: "get",
			op:   platform.Operation{Kind: platform.KindGet, OrgID: "org_1", KeyID: "ak_1"},
			want: platform.Request{Method: "GET", Path: one},
		},
		{
			name: "get, IDs path-escaped",
			op:   platform.Operation{Kind: platform.KindGet, OrgID: "org 1?x", KeyID: "ak#1%2F"},
			want: platform.Request{Method: "GET", Path: "/organizations/org%201%3Fx/api-keys/ak%231%252F"},
		},
		{
			name: "update, every field",
			op: platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "ak_1", Update: &platform.UpdateFields{
				Name: ptr("renamed"), Scopes: []string{"a"}, UsageLimitCHF: ptr(1.25), ExpiresAt: &expires,
			}},
			want: platform.Request{Method: "PATCH", Path: one, Body: []byte(
				`{"key_name":"renamed","usage_limit_chf":1.25,"scopes":["a"],"expires_at":"2026-01-02T03:04:05.6Z"}`)},
		},
		{
			name: "update, only the set fields; empty scopes sent as []",
			op: platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "ak_1", Update: &platform.UpdateFields{
				Scopes: []string{},
			}},
			want: platform.Request{Method: "PATCH", Path: one, Body: []byte(`{"scopes":[]}`)},
		},
		{
			name: "update, name set to empty is sent",
			op: platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "ak_1", Update: &platform.UpdateFields{
				Name: ptr(""), UsageLimitCHF: ptr(0.0),
			}},
			want: platform.Request{Method: "PATCH", Path: one, Body: []byte(`{"key_name":"","usage_limit_chf":0}`)},
		},
		{
			name: "update, nothing set",
			op:   platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "ak_1", Update: &platform.UpdateFields{}},
			want: platform.Request{Method: "PATCH", Path: one, Body: []byte(`{}`)},
		},
		{
			name: "activate",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "activate", OrgID: "org_1", KeyID: "ak_1"},
			want: platform.Request{Method: "POST", Path: one + "/activate"},
		},
		{
			name: "deactivate",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "deactivate", OrgID: "org_1", KeyID: "ak_1"},
			want: platform.Request{Method: "POST", Path: one + "/deactivate"},
		},
		{
			name: "pause",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "pause", OrgID: "org_1", KeyID: "ak_1"},
			want: platform.Request{Method: "POST", Path: one + "/pause"},
		},
		{
			name: "unpause, ID escaped",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "unpause", OrgID: "org_1", KeyID: "a b"},
			want: platform.Request{Method: "POST", Path: coll + "/a%20b/unpause"},
		},
		{
			name: "archive is the soft-delete DELETE",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "archive", OrgID: "org_1", KeyID: "ak_1"},
			want: platform.Request{Method: "DELETE", Path: one},
		},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := m.Encode(tt.op)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			// RetryAlways is the zero value: reads, updates and transitions.
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Encode mismatch (-want +got):\n%s", diff)
			}
			if got.IdempotencyKey != "" || got.MaxBody != 0 {
				t.Errorf("IdempotencyKey = %q, MaxBody = %d; want none, 0", got.IdempotencyKey, got.MaxBody)
			}
			if got.Body != nil && !json.Valid(got.Body) {
				t.Errorf("body is not JSON: %s", got.Body)
			}
		})
	}
}

// TestEncodeDeterministic: the same fields give the same bytes, whatever the
// location of the time.
func TestEncodeDeterministic(t *testing.T) {
	t.Parallel()
	utc := time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)
	local := utc.In(time.FixedZone("X", -7*3600))
	var m aitronos.Mapping
	a, err1 := m.Encode(platform.Operation{Kind: platform.KindCreate, OrgID: "o", Create: &platform.CreateFields{Name: "n", ExpiresAt: &utc}})
	b, err2 := m.Encode(platform.Operation{Kind: platform.KindCreate, OrgID: "o", Create: &platform.CreateFields{Name: "n", ExpiresAt: &local}})
	if err1 != nil || err2 != nil || !bytes.Equal(a.Body, b.Body) {
		t.Errorf("bodies differ: %s / %s (%v, %v)", a.Body, b.Body, err1, err2)
	}
}

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	create := func(c platform.CreateFields) platform.Operation {
		return platform.Operation{Kind: platform.KindCreate, OrgID: "o", Create: &c}
	}
	update := func(u platform.UpdateFields) platform.Operation {
		return platform.Operation{Kind: platform.KindUpdate, OrgID: "o", KeyID: "k", Update: &u}
	}
	tests := []struct {
		name        string
		op          platform.Operation
		unsupported string // the field of a *platform.Unsupported
		invalid     string // the field of a *platform.Invalid
	}{
		{"create PermissionMode", create(platform.CreateFields{Name: "n", PermissionMode: "all"}), "PermissionMode", ""},
		{"create Access (empty map is set)", create(platform.CreateFields{Name: "n", Access: map[string]string{}}), "Access", ""},
		{"create ProjectID", create(platform.CreateFields{Name: "n", ProjectID: "p"}), "ProjectID", ""},
		{"create NaN limit", create(platform.CreateFields{Name: "n", UsageLimitCHF: ptr(math.NaN())}), "", "UsageLimitCHF"},
		{"create infinite limit", create(platform.CreateFields{Name: "n", UsageLimitCHF: ptr(math.Inf(1))}), "", "UsageLimitCHF"},
		{"create year 10000", create(platform.CreateFields{Name: "n", ExpiresAt: &far}), "", "ExpiresAt"},
		{"update ClearUsageLimit", update(platform.UpdateFields{ClearUsageLimit: true}), "ClearUsageLimit", ""},
		{"update ClearExpiresAt", update(platform.UpdateFields{ClearExpiresAt: true}), "ClearExpiresAt", ""},
		{"update PermissionMode", update(platform.UpdateFields{PermissionMode: ptr("all")}), "PermissionMode", ""},
		{"update Access", update(platform.UpdateFields{Access: map[string]string{}}), "Access", ""},
		{"update ProjectID", update(platform.UpdateFields{ProjectID: ptr("")}), "ProjectID", ""},
		{"update NaN limit", update(platform.UpdateFields{UsageLimitCHF: ptr(math.NaN())}), "", "UsageLimitCHF"},
		{"update year 10000", update(platform.UpdateFields{ExpiresAt: &far}), "", "ExpiresAt"},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := m.Encode(tt.op)
			var u *platform.Unsupported
			var iv *platform.Invalid
			switch {
			case tt.unsupported != "":
				if !errors.As(err, &u) || u.Field != tt.unsupported {
					t.Errorf("err = %v, want *Unsupported for %s", err, tt.unsupported)
				}
			case !errors.As(err, &iv) || iv.Field != tt.invalid:
				t.Errorf("err = %v, want *Invalid for %s", err, tt.invalid)
			}
			if req.Method != "" || req.Body != nil {
				t.Errorf("a refused operation built a request: %+v", req)
			}
		})
	}
}

func TestEncodeErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		op   platform.Operation
	}{
		{"no organization", platform.Operation{Kind: platform.KindGet, KeyID: "k"}},
		{"no key ID", platform.Operation{Kind: platform.KindGet, OrgID: "o"}},
		{"reactivate", platform.Operation{Kind: platform.KindTransition, Action: "reactivate", OrgID: "o", KeyID: "k"}},
		{"revoke", platform.Operation{Kind: platform.KindTransition, Action: "revoke", OrgID: "o", KeyID: "k"}},
		{"delete", platform.Operation{Kind: platform.KindTransition, Action: "delete", OrgID: "o", KeyID: "k"}},
		{"unknown kind", platform.Operation{Kind: 99, OrgID: "o", KeyID: "k"}},
		{"cursor not a number", platform.Operation{Kind: platform.KindList, OrgID: "o", List: &platform.ListFields{PageSize: 1, Cursor: "x&y"}}},
		{"cursor zero", platform.Operation{Kind: platform.KindList, OrgID: "o", List: &platform.ListFields{PageSize: 1, Cursor: "0"}}},
		{"cursor signed", platform.Operation{Kind: platform.KindList, OrgID: "o", List: &platform.ListFields{PageSize: 1, Cursor: "+2"}}},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if req, err := m.Encode(tt.op); err == nil {
				t.Errorf("Encode = %+v, want an error", req)
			}
		})
	}
}

// keyObject is a full key object as the seed shows it, with fields
// overridden or added.
func keyObject(extra string) string {
	base := `"id":"ak_1","key_prefix":"oak_live_a1b2","organization_id":"org_1","key_name":"n",` +
		`"usage_limit_chf":null,"scopes":["read:usage"],"created_by":"usr_1","created_at":"2025-11-05T10:00:00Z","expires_at":null`
	if extra == "" {
		return "{" + base + "}"
	}
	return "{" + base + "," + extra + "}"
}

// fullKey is keyObject's Key with status and platform status.
func fullKey(status, platformStatus string) platform.Key {
	return platform.Key{
		ID: "ak_1", OrganizationID: "org_1", Name: "n", Prefix: "oak_live_a1b2",
		Status: status, PlatformStatus: platformStatus, Scopes: []string{"read:usage"},
		CreatedBy: "usr_1", CreatedAt: seedCreated,
	}
}

func TestDecodeOne(t *testing.T) {
	t.Parallel()
	get := &platform.Operation{Kind: platform.KindGet, OrgID: "org_1", KeyID: "ak_1"}
	upd := &platform.Operation{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "ak_1", Update: &platform.UpdateFields{}}
	act := func(a string) *platform.Operation {
		return &platform.Operation{Kind: platform.KindTransition, Action: a, OrgID: "org_1", KeyID: "ak_req"}
	}
	partial := func(id, status, ps string) platform.Key {
		return platform.Key{ID: id, Status: status, PlatformStatus: ps, Partial: true}
	}
	withFields := func(k platform.Key, f func(*platform.Key)) platform.Key { f(&k); return k }
	tests := []struct {
		name string
		op   *platform.Operation
		body string
		want platform.Key
	}{
		{"get", get, keyObject(`"is_active":true`), fullKey("active", "is_active=true")},
		{"update", upd, keyObject(`"is_active":false`), fullKey("inactive", "is_active=false")},
		{"get, no status at all", get, keyObject(""), fullKey("", "")},
		{"get, unknown fields ignored", get, keyObject(`"is_active":true,"future":{"x":[1]}`), fullKey("active", "is_active=true")},
		{"get, status wins over booleans", get, keyObject(`"is_active":false,"status":"paused"`), fullKey("paused", "paused")},
		{"get, status word in capitals", get, keyObject(`"status":"Active"`), fullKey("active", "Active")},
		{"get, unknown status word falls back to booleans", get, keyObject(`"is_active":false,"status":"suspended"`),
			fullKey("inactive", "suspended")},
		{"get, is_paused true", get, keyObject(`"is_active":false,"is_paused":true`), fullKey("paused", "is_active=false,is_paused=true")},
		{"get, both booleans", get, keyObject(`"is_active":true,"is_paused":false`), fullKey("active", "is_active=true,is_paused=false")},
		{"get, time with fraction and offset", get, `{"id":"ak_1","created_at":"2025-11-05T12:00:00.25+02:00","updated_at":"2025-11-05T10:00:01Z"}`,
			platform.Key{ID: "ak_1", CreatedAt: seedCreated.Add(250 * time.Millisecond), UpdatedAt: seedCreated.Add(time.Second)}},
		{"get, expiry and limit", get, `{"id":"ak_1","usage_limit_chf":500.0,"expires_at":"2026-01-01T00:00:00Z","scopes":[]}`,
			platform.Key{ID: "ak_1", UsageLimitCHF: ptr(500.0), ExpiresAt: ptr(seedExpires), Scopes: []string{}}},
		{"get, empty body", get, ``, partial("ak_1", "", "")},
		{"get, null", get, `null`, partial("ak_1", "", "")},
		{"get, escaped names and strings", get, `{"i\u0064":"ak_1","key_n\u0061me":"n\"\u00e9","scopes":[null,"a"]}`,
			platform.Key{ID: "ak_1", Name: "n\"é", Scopes: []string{"", "a"}}},
		{"get, names compare exactly", get, `{"ID":"ak_x","id":"ak_1","Key_Name":"x"}`, partial("ak_1", "", "")},
		{"get, key object without id takes the requested one", get, `{"key_name":"n"}`, platform.Key{ID: "ak_1", Name: "n"}},

		{"activate, bare", act("activate"), keyObject(`"is_active":true`), fullKey("active", "is_active=true")},
		{"activate, wrapped in api_key", act("activate"),
			`{"success":true,"message":"API key activated","api_key":` + keyObject(`"is_active":true`) + `}`, fullKey("active", "is_active=true")},
		{"deactivate, wrapped in data", act("deactivate"),
			`{"success":true,"message":"ok","data":` + keyObject(`"is_active":false`) + `}`, fullKey("inactive", "is_active=false")},
		{"unpause, wrapper without a key", act("unpause"), `{"success":true,"message":"API key unpaused"}`, partial("ak_req", "", "")},
		{"unpause, wrapper with null data", act("unpause"), `{"success":true,"data":null}`, partial("ak_req", "", "")},
		{"pause, empty body leaves the status to the client", act("pause"), ``, partial("ak_req", "", "")},
		{"pause, short answer", act("pause"), `{"id":"ak_1","status":"paused","is_paused":true,"updated_at":"2025-11-05T10:00:00Z"}`,
			withFields(partial("ak_1", "paused", "paused"), func(k *platform.Key) { k.UpdatedAt = seedCreated })},
		{"pause, is_active false is a paused key", act("pause"), keyObject(`"is_active":false`), fullKey("paused", "is_active=false")},
		{"pause, is_paused false says it is not paused", act("pause"), keyObject(`"is_active":false,"is_paused":false`),
			fullKey("inactive", "is_active=false,is_paused=false")},
		{"pause, status inactive is the server's word", act("pause"), keyObject(`"is_active":false,"status":"inactive"`),
			fullKey("inactive", "inactive")},
		{"pause, still active is reported", act("pause"), keyObject(`"is_active":true`), fullKey("active", "is_active=true")},
		{"deactivate, inactive stays inactive", act("deactivate"), keyObject(`"is_active":false`), fullKey("inactive", "is_active=false")},
		{"deactivate, server says paused", act("deactivate"), keyObject(`"is_active":false,"is_paused":true`),
			fullKey("paused", "is_active=false,is_paused=true")},
		{"unpause, short answer", act("unpause"), `{"id":"ak_1","status":"active","is_paused":false}`, partial("ak_1", "active", "active")},
		{"archive, DELETE answer", act("archive"), `{"success":true,"message":"API key deleted successfully","id":"ak_9"}`,
			partial("ak_9", "archived", "")},
		{"archive, DELETE answer without id", act("archive"), `{"success":true,"message":"API key deleted successfully"}`,
			partial("ak_req", "archived", "")},
		{"pause, a repeated wrapper: the last", act("pause"), `{"success":true,"api_key":` + keyObject(`"is_active":false`) + `,"api_key":{"id":"ak_2"}}`,
			partial("ak_2", "", "")},
		{"archive, 204", act("archive"), ``, partial("ak_req", "archived", "")},
		{"archive, key object saying inactive", act("archive"), keyObject(`"is_active":false`), fullKey("archived", "is_active=false")},
		{"archive, answer still active is reported", act("archive"), keyObject(`"is_active":true`), fullKey("active", "is_active=true")},
		{"archive, status word kept", act("archive"), `{"id":"ak_1","status":"deleted"}`, partial("ak_1", "archived", "deleted")},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := m.Decode(*tt.op, &platform.Answer{Status: 200, Body: []byte(tt.body)})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(platform.Result{Key: tt.want}, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeCreate(t *testing.T) {
	t.Parallel()
	const secret = "oak_live_a1b2c3d4e5f6789012345678901234567890123456789012345678"
	op := &platform.Operation{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{Name: "n"}}
	tests := []struct {
		name    string
		status  int
		body    string
		want    platform.Result
		wantErr string // substring; "" for none
	}{
		{"201", 201, keyObject(`"is_active":true,"key":"` + secret + `"`),
			platform.Result{Key: fullKey("active", "is_active=true"), Secret: secret}, ""},
		{"wrapped in data", 200, `{"success":true,"data":` + keyObject(`"is_active":true,"key":"`+secret+`"`) + `}`,
			platform.Result{Key: fullKey("active", "is_active=true"), Secret: secret}, ""},
		{"wrapped, secret beside the key", 200, `{"success":true,"key":"` + secret + `","api_key":` + keyObject(`"is_active":true`) + `}`,
			platform.Result{Key: fullKey("active", "is_active=true"), Secret: secret}, ""},
		{"a broken time keeps ID and secret", 201, `{"id":"ak_1","key":"` + secret + `","key_name":"n","created_at":20251105}`,
			platform.Result{Key: platform.Key{ID: "ak_1", Name: "n"}, Secret: secret}, "field created_at: not an RFC 3339 time"},
		{"broken scopes keep ID and secret", 201, `{"id":"ak_1","key":"` + secret + `","scopes":"read:usage","is_active":true}`,
			platform.Result{Key: platform.Key{ID: "ak_1", Status: "active", PlatformStatus: "is_active=true"}, Secret: secret},
			"field scopes: not an array of strings"},
		{"no secret", 201, keyObject(`"is_active":true`), platform.Result{Key: fullKey("active", "is_active=true")}, "field key: missing"},
		{"secret of the wrong type", 201, `{"id":"ak_1","key":12}`, platform.Result{Key: platform.Key{ID: "ak_1", Partial: false}}, "field key:"},
		{"no id", 201, `{"key":"` + secret + `","key_name":"n"}`, platform.Result{Key: platform.Key{Name: "n"}, Secret: secret}, "field id: missing"},
		{"empty", 201, ``, platform.Result{}, "answer is empty"},
		{"null", 201, `null`, platform.Result{}, "answer is empty"},
		{"not JSON", 201, `<html>` + secret, platform.Result{}, "answer is not JSON"},
		{"an array", 201, `[1]`, platform.Result{}, "not a JSON object"},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := m.Decode(*op, &platform.Answer{Status: tt.status, Body: []byte(tt.body)})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "a1b2c3") {
				t.Errorf("error holds the secret: %v", err)
			}
		})
	}
}

func TestDecodeList(t *testing.T) {
	t.Parallel()
	list := func(cursor string) *platform.Operation {
		return &platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 2, Cursor: cursor}}
	}
	k := keyObject(`"is_active":true`)
	one := []platform.Key{fullKey("active", "is_active=true")}
	tests := []struct {
		name     string
		op       *platform.Operation
		body     string
		wantKeys []platform.Key
		wantNext string
	}{
		{"page 1 of 3", list(""), `{"api_keys":[` + k + `],"pagination":{"page":1,"page_size":2,"total_count":5,"total_pages":3}}`, one, "2"},
		{"page 2 of 3", list("2"), `{"api_keys":[` + k + `],"pagination":{"page":2,"total_pages":3}}`, one, "3"},
		{"last page", list("3"), `{"api_keys":[` + k + `],"pagination":{"page":3,"total_pages":3}}`, one, ""},
		{"page not echoed: the one asked for", list("2"), `{"api_keys":[` + k + `],"pagination":{"total_pages":3}}`, one, "3"},
		{"page echoed as 0: the one asked for", list("2"), `{"api_keys":[` + k + `],"pagination":{"page":0,"total_pages":3}}`, one, "3"},
		{"an empty page ends the walk", list("2"), `{"api_keys":[],"pagination":{"page":2,"total_pages":9}}`, []platform.Key{}, ""},
		{"no pagination ends the walk", list(""), `{"api_keys":[` + k + `]}`, one, ""},
		{"null pagination ends the walk", list(""), `{"api_keys":[` + k + `],"pagination":null}`, one, ""},
		{"no total_pages ends the walk", list(""), `{"api_keys":[` + k + `],"pagination":{"page":1}}`, one, ""},
		{"total_pages as 3.0", list(""), `{"api_keys":[` + k + `],"pagination":{"page":1,"total_pages":3.0}}`, one, "2"},
		{"inactive and paused keys", list(""), `{"api_keys":[` + keyObject(`"is_active":false`) + `,` +
			strings.Replace(keyObject(`"is_paused":true`), `"ak_1"`, `"ak_2"`, 1) + `]}`,
			[]platform.Key{fullKey("inactive", "is_active=false"), func() platform.Key {
				k := fullKey("paused", "is_paused=true")
				k.ID = "ak_2"
				return k
			}()}, ""},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := m.Decode(*tt.op, &platform.Answer{Status: 200, Body: []byte(tt.body)})
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(platform.Result{Keys: tt.wantKeys, Next: tt.wantNext}, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecodeListErrors(t *testing.T) {
	t.Parallel()
	op := &platform.Operation{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 2}}
	tests := []struct {
		name, body, wantErr string
		wantKeys            int
	}{
		{"empty object", `{}`, "field api_keys: missing", 0},
		{"null", `null`, "field api_keys: missing", 0},
		{"empty body", ``, "field api_keys: missing", 0},
		{"status ok", `{"status":"ok"}`, "field api_keys: missing", 0},
		{"api_keys null", `{"api_keys":null}`, "field api_keys: missing", 0},
		{"api_keys an object", `{"api_keys":{"id":"ak_1"}}`, "field api_keys: not an array", 0},
		{"not JSON", `{"api_keys":[`, "answer is not JSON", 0},
		{"an array", `[` + keyObject("") + `]`, "not a JSON object", 0},
		{"an element not an object", `{"api_keys":[` + keyObject("") + `,7]}`, "field api_keys[1]: not a key object", 1},
		{"an element without id", `{"api_keys":[{"key_name":"n"},` + keyObject("") + `]}`, "field api_keys[0].id: missing", 1},
		{"an element with a bad time", `{"api_keys":[{"id":"ak_1","created_at":"yesterday"}]}`, "field api_keys[0].created_at: not an RFC 3339 time", 1},
		{"pagination not an object", `{"api_keys":[],"pagination":[1]}`, "field pagination: not an object", 0},
		{"total_pages a fraction", `{"api_keys":[],"pagination":{"total_pages":1.5}}`, "field pagination.total_pages: not an integer", 0},
		{"page a string", `{"api_keys":[],"pagination":{"page":"1"}}`, "field pagination.page: not a number", 0},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := m.Decode(*op, &platform.Answer{Status: 200, Body: []byte(tt.body)})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want one containing %q", err, tt.wantErr)
			}
			if len(got.Keys) != tt.wantKeys || got.Next != "" {
				t.Errorf("Keys = %d, Next = %q; want %d, \"\"", len(got.Keys), got.Next, tt.wantKeys)
			}
		})
	}
}

// TestDecodeFailureEnvelope: a 2xx that says success:false is the failure
// it reports, for every operation, with the class of its code.
func TestDecodeFailureEnvelope(t *testing.T) {
	t.Parallel()
	ops := []*platform.Operation{
		{Kind: platform.KindCreate, OrgID: "o", Create: &platform.CreateFields{Name: "n"}},
		{Kind: platform.KindGet, OrgID: "o", KeyID: "k"},
		{Kind: platform.KindList, OrgID: "o", List: &platform.ListFields{PageSize: 1}},
		{Kind: platform.KindUpdate, OrgID: "o", KeyID: "k", Update: &platform.UpdateFields{}},
		{Kind: platform.KindTransition, Action: "pause", OrgID: "o", KeyID: "k"},
		{Kind: platform.KindTransition, Action: "archive", OrgID: "o", KeyID: "k"},
		{Kind: platform.KindTransition, Action: "delete", OrgID: "o", KeyID: "k"},
	}
	tests := []struct {
		name, body string
		want       platform.Error
	}{
		{"known code", `{"success":false,"error":{"code":"INVALID_STATE_TRANSITION","message":"Cannot pause","status":400}}`,
			platform.Error{Status: 400, Class: platform.ClassInvalidTransition, Code: "INVALID_STATE_TRANSITION", Message: "Cannot pause"}},
		{"known code, no status", `{"success":false,"error":{"code":"API_KEY_NOT_FOUND"}}`,
			platform.Error{Class: platform.ClassNotFound, Code: "API_KEY_NOT_FOUND"}},
		{"unknown code, status classifies", `{"success":false,"error":{"code":"RATE_LIMIT_EXCEEDED","status":429}}`,
			platform.Error{Status: 429, Class: platform.ClassRateLimited, Code: "RATE_LIMIT_EXCEEDED"}},
		{"status out of range is dropped", `{"success":false,"error":{"code":"X","status":200}}`,
			platform.Error{Class: platform.ClassServer, Code: "X"}},
		{"nothing known: a server failure", `{"success":false,"message":"something went wrong"}`,
			platform.Error{Class: platform.ClassServer, Message: "something went wrong"}},
		{"details and timestamp kept", `{"success":false,"error":{"code":"VALIDATION_ERROR","details":{"field":"key_name"},"timestamp":"2025-11-05T10:00:00Z","trace_id":"t"}}`,
			platform.Error{Class: platform.ClassInvalidParams, Code: "VALIDATION_ERROR", Details: map[string]any{"field": "key_name"},
				Timestamp: seedCreated, TraceID: "t"}},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		for _, op := range ops {
			t.Run(tt.name+"/"+op.Action+string(rune('0'+op.Kind)), func(t *testing.T) {
				t.Parallel()
				got, err := m.Decode(*op, &platform.Answer{Status: 200, Body: []byte(tt.body)})
				var pe *platform.Error
				if !errors.As(err, &pe) {
					t.Fatalf("err = %v, want *platform.Error", err)
				}
				if diff := cmp.Diff(&tt.want, pe); diff != "" {
					t.Errorf("error mismatch (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(platform.Result{}, got); diff != "" {
					t.Errorf("Result not zero:\n%s", diff)
				}
			})
		}
	}
}

// TestDecodeDelete: Aitronos has no permanent delete, but the contract asks
// a zero Result of any answer to one that is not a failure envelope.
func TestDecodeDelete(t *testing.T) {
	t.Parallel()
	op := &platform.Operation{Kind: platform.KindTransition, Action: "delete", OrgID: "o", KeyID: "k"}
	var m aitronos.Mapping
	for _, body := range []string{``, `{}`, `null`, `<html>`, `[1]`, keyObject(`"is_active":true`), `{"success":true,"id":"k"}`} {
		got, err := m.Decode(*op, &platform.Answer{Status: 200, Body: []byte(body)})
		if err != nil || !cmp.Equal(platform.Result{}, got) {
			t.Errorf("Decode(%q) = %+v, %v; want zero, nil", body, got, err)
		}
	}
}

// TestDecodeErrorsHoldNoBody: a decode error names the field, never the
// answer's bytes.
func TestDecodeErrorsHoldNoBody(t *testing.T) {
	t.Parallel()
	const mark = "Zq9MARK"
	ops := []*platform.Operation{
		{Kind: platform.KindCreate, OrgID: "o", Create: &platform.CreateFields{Name: "n"}},
		{Kind: platform.KindGet, OrgID: "o", KeyID: "k"},
		{Kind: platform.KindList, OrgID: "o", List: &platform.ListFields{PageSize: 1}},
		{Kind: platform.KindTransition, Action: "pause", OrgID: "o", KeyID: "k"},
	}
	bodies := []string{
		`<html>` + mark + `</html>`,
		`{"id":"` + mark + `","key":"x","created_at":"` + mark + `"}`,
		`{"id":"ak_1","key":"x","created_at":123456789}`,
		`{"id":123456789,"key":"` + mark + `"}`,
		`{"id":"ak_1","key":"x","usage_limit_chf":"` + mark + `"}`,
		`{"id":"ak_1","key":"x","scopes":[1,"` + mark + `"]}`,
		`{"id":"ak_1","key":"x","is_active":"` + mark + `"}`,
		`{"api_keys":"` + mark + `"}`,
		`{"api_keys":[{"id":"a","expires_at":"` + mark + `"}],"pagination":{"page":"` + mark + `"}}`,
		`{"api_keys":[123456789]}`,
		`"` + mark + `"`,
		`{"` + mark + `":1`,
	}
	var m aitronos.Mapping
	for _, op := range ops {
		for _, body := range bodies {
			_, err := m.Decode(*op, &platform.Answer{Status: 200, Body: []byte(body)})
			if err != nil && (strings.Contains(err.Error(), mark) || strings.Contains(err.Error(), "123456789")) {
				t.Errorf("Decode(%d, %q) error holds body bytes: %v", op.Kind, body, err)
			}
		}
	}
}

// TestSecretsNeverInKey: "key", "token" and "value" reach Result.Secret only
// on a create, and never a Key field.
func TestSecretsNeverInKey(t *testing.T) {
	t.Parallel()
	const s = "oak_live_SECRETa1b2c3d4e5"
	get := &platform.Operation{Kind: platform.KindGet, OrgID: "o", KeyID: "k"}
	create := &platform.Operation{Kind: platform.KindCreate, OrgID: "o", Create: &platform.CreateFields{Name: "n"}}
	list := &platform.Operation{Kind: platform.KindList, OrgID: "o", List: &platform.ListFields{PageSize: 1}}
	pause := &platform.Operation{Kind: platform.KindTransition, Action: "pause", OrgID: "o", KeyID: "k"}
	tests := []struct {
		name       string
		op         *platform.Operation
		body       string
		wantSecret string
		wantPrefix string
	}{
		{"get with key", get, `{"id":"ak_1","key":"` + s + `","key_prefix":"oak_live_a1b2"}`, "", "oak_live_a1b2"},
		{"get echoing the secret as prefix", get, `{"id":"ak_1","key":"` + s + `","key_prefix":"` + s + `","key_name":"` + s + `"}`, "", ""},
		{"get with an escaped secret name", get, `{"id":"ak_1","k\u0065y":"` + s + `","key_prefix":"` + s + `"}`, "", ""},
		{"get after leading Unicode space", get, "\u00a0" + `{"id":"ak_1","key":"` + s + `","key_prefix":"` + s + `"}`, "", ""},
		{"get with token and value", get, `{"id":"ak_1","token":"` + s + `","value":"x` + s + `","created_by":"` + s + `"}`, "", ""},
		{"list with key", list, `{"api_keys":[{"id":"ak_1","key":"` + s + `","key_name":"` + s + `","scopes":["` + s + `","ok"]}]}`, "", ""},
		{"pause wrapped with key", pause, `{"success":true,"key":"` + s + `","api_key":{"id":"ak_1","key_prefix":"` + s + `"}}`, "", ""},
		{"pause short with secret as status", pause, `{"id":"ak_1","status":"` + s + `","value":"` + s + `"}`, "", ""},
		{"create", create, `{"id":"ak_1","key":"` + s + `","key_prefix":"oak_live_SECRET"}`, s, "oak_live_SECRET"},
		{"create echoing the secret as prefix", create, `{"id":"ak_1","key":"` + s + `","key_prefix":"` + s + `"}`, s, ""},
		{"create with a second secret", create, `{"id":"ak_1","key":"` + s + `","key":"other","key_name":"` + s + `"}`, "other", ""},
	}
	var m aitronos.Mapping
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, _ := m.Decode(*tt.op, &platform.Answer{Status: 200, Body: []byte(tt.body)})
			if got.Secret != tt.wantSecret {
				t.Errorf("Secret = %q, want %q", got.Secret, tt.wantSecret)
			}
			keys := append([]platform.Key{got.Key}, got.Keys...)
			for _, k := range keys {
				for _, f := range keyStrings(k) {
					if strings.Contains(f, "SECRETa1b2") {
						t.Errorf("Key holds the secret: %+v", k)
					}
				}
			}
			if got.Key.ID == "" && len(got.Keys) == 0 {
				t.Errorf("the key's ID was lost: %+v", got)
			}
			if tt.op.Kind != platform.KindList && got.Key.Prefix != tt.wantPrefix {
				t.Errorf("Prefix = %q, want %q", got.Key.Prefix, tt.wantPrefix)
			}
		})
	}
}

func TestDecodeErrorClasses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code string
		want platform.Class
	}{
		{"API_KEY_NOT_FOUND", platform.ClassNotFound},
		{"INVALID_STATE_TRANSITION", platform.ClassInvalidTransition},
		{"VALIDATION_ERROR", platform.ClassInvalidParams},
		{"INVALID_API_KEY", platform.ClassUnauthorized},
		{"API_KEY_EXPIRED", platform.ClassUnauthorized},
		{"API_KEY_DEACTIVATED", platform.ClassUnauthorized},
		{"API_KEY_PAUSED", platform.ClassUnauthorized},
		{"AUTHENTICATION_REQUIRED", platform.ClassUnauthorized},
		{"INSUFFICIENT_PERMISSIONS", platform.ClassForbidden},
		{"ORGANIZATION_ACCESS_DENIED", platform.ClassForbidden},
		{"OPERATION_NOT_ALLOWED", platform.ClassForbidden},
		{"api_key_not_found", platform.ClassNotFound},
		{"RATE_LIMIT_EXCEEDED", platform.ClassNone}, // undocumented: the HTTP status classifies
		{"SOMETHING_NEW", platform.ClassNone},
		{"", platform.ClassNone},
	}
	var m aitronos.Mapping
	op := &platform.Operation{Kind: platform.KindGet, OrgID: "o", KeyID: "k"}
	for _, tt := range tests {
		body := `{"success":false,"error":{"code":"` + tt.code + `","message":"m","status":404}}`
		got := m.DecodeError(*op, &platform.Answer{Status: 404, Body: []byte(body)})
		want := platform.Error{Class: tt.want, Code: tt.code, Message: "m"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("code %q mismatch (-want +got):\n%s", tt.code, diff)
		}
	}
}

func TestDecodeErrorLenient(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, body string
		want       platform.Error
	}{
		{"every field", `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","system_message":"s","type":"validation_error",` +
			`"status":422,"details":{"field":"key_name","n":[1,2.5,null,true]},"trace_id":"t","timestamp":"2025-11-05T11:00:00.5+01:00"}}`,
			platform.Error{Class: platform.ClassInvalidParams, Code: "VALIDATION_ERROR", Message: "bad", SystemMessage: "s",
				Type: "validation_error", TraceID: "t", Timestamp: seedCreated.Add(500 * time.Millisecond),
				Details: map[string]any{"field": "key_name", "n": []any{1.0, 2.5, nil, true}}}},
		{"details an array: dropped", `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","details":[1]}}`,
			platform.Error{Class: platform.ClassNotFound, Code: "API_KEY_NOT_FOUND"}},
		{"details a string: dropped", `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","details":"x"}}`,
			platform.Error{Class: platform.ClassNotFound, Code: "API_KEY_NOT_FOUND"}},
		{"timestamp unparsable: dropped", `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","timestamp":"yesterday"}}`,
			platform.Error{Class: platform.ClassNotFound, Code: "API_KEY_NOT_FOUND"}},
		{"timestamp a number: dropped", `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","timestamp":1730800800}}`,
			platform.Error{Class: platform.ClassNotFound, Code: "API_KEY_NOT_FOUND"}},
		{"message of the wrong type: dropped", `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":{"en":"x"}}}`,
			platform.Error{Class: platform.ClassNotFound, Code: "API_KEY_NOT_FOUND"}},
		{"no success field", `{"error":{"code":"INVALID_API_KEY"}}`,
			platform.Error{Class: platform.ClassUnauthorized, Code: "INVALID_API_KEY"}},
		{"unknown fields ignored", `{"success":false,"error":{"code":"INSUFFICIENT_PERMISSIONS","doc_url":"u"},"x":1}`,
			platform.Error{Class: platform.ClassForbidden, Code: "INSUFFICIENT_PERMISSIONS"}},
	}
	var m aitronos.Mapping
	op := &platform.Operation{Kind: platform.KindGet, OrgID: "o", KeyID: "k"}
	for _, tt := range tests {
		got := m.DecodeError(*op, &platform.Answer{Status: 422, Body: []byte(tt.body)})
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%s: mismatch (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestDecodeErrorNotEnvelope(t *testing.T) {
	t.Parallel()
	var m aitronos.Mapping
	op := &platform.Operation{Kind: platform.KindGet, OrgID: "o", KeyID: "k"}
	for _, body := range []string{
		``, `   `, `<html>502 Bad Gateway</html>`, `[]`, `null`, `{}`, `"error"`, `{"error":"x"}`, `{"error":null}`,
		`{"error":[1]}`, `{"success":true,"error":{"code":"API_KEY_NOT_FOUND"}}`, `{"success":false,"error":{"code":`,
		`{"message":"Not Found"}`,
	} {
		if got := m.DecodeError(*op, &platform.Answer{Status: 502, Body: []byte(body)}); !cmp.Equal(platform.Error{}, got) {
			t.Errorf("DecodeError(%q) = %+v, want zero", body, got)
		}
	}
}

// keyStrings lists every string a Key holds.
func keyStrings(k platform.Key) []string {
	s := []string{k.ID, k.OrganizationID, k.Name, k.Prefix, k.Suffix, k.Status, k.PlatformStatus,
		k.PermissionMode, k.ProjectID, k.CreatedBy, k.UpdatedBy}
	s = append(s, k.Scopes...)
	s = append(s, k.AvailableActions...)
	for n, v := range k.Access {
		s = append(s, n, v)
	}
	return s
}

var secretNames = map[string]bool{"key": true, "token": true, "value": true}

// secretsIn walks a JSON value token by token (so a duplicated field is seen
// every time) and collects the non-empty strings of secret-bearing fields.
func secretsIn(dec *json.Decoder, field string, out *[]string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		switch v {
		case '{':
			for dec.More() {
				name, err := dec.Token()
				if err != nil {
					return err
				}
				if err := secretsIn(dec, name.(string), out); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case '[':
			for dec.More() {
				if err := secretsIn(dec, "", out); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
	case string:
		if secretNames[field] && v != "" {
			*out = append(*out, v)
		}
	}
	return nil
}

// decodeErrorText is the only form a decode error (not a failure envelope)
// may take: this package's field names and fixed phrases, no body bytes.
var decodeErrorText = regexp.MustCompile(`^aitronos: answer (field [a-z_]+(\[[0-9]+\])?(\.[a-z_]+)?: )?[A-Za-z0-9 ]+$`)

func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		``, `null`, `{}`, `[]`, `"x"`, `<html>`, `{"success":true}`,
		keyObject(`"is_active":true,"key":"oak_live_x"`),
		`{"id":"ak_1","status":"paused","is_paused":true,"updated_at":"2025-11-05T10:00:00Z"}`,
		`{"success":true,"message":"API key deleted successfully","id":"ak_…"}`,
		`{"success":true,"api_key":{"id":"ak_1","key":"s","key_prefix":"s"}}`,
		`{"success":true,"data":{"id":"ak_1","token":"tt","key_name":"tt!"}}`,
		`{"api_keys":[{"id":"a","value":"v","created_by":"v"}],"pagination":{"page":1,"total_pages":2}}`,
		`{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"m","status":404,"details":{"a":1},"timestamp":"2025-11-05T10:00:00Z"}}`,
		`{"success":false,"key":"m","error":{"code":"X","message":"m!"}}`,
		`{"id":"ak_1","key":"a","key":"b","key_prefix":"a"}`,
		`{"id":"ak_1","created_at":5,"scopes":[1],"usage_limit_chf":"x","is_active":"y","pagination":1}`,
		"{\"id\":\"\xff\",\"key\":\"\xfe\"}",
		`1E700`, `{"usage_limit_chf":1E700,"id":"ak_1"}`,
	} {
		f.Add([]byte(seed))
	}
	ops := []*platform.Operation{
		{Kind: platform.KindCreate, OrgID: "org_1", Create: &platform.CreateFields{Name: "n"}},
		{Kind: platform.KindGet, OrgID: "org_1", KeyID: "ak_req"},
		{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 100}},
		{Kind: platform.KindList, OrgID: "org_1", List: &platform.ListFields{PageSize: 100, Cursor: "7"}},
		{Kind: platform.KindUpdate, OrgID: "org_1", KeyID: "ak_req", Update: &platform.UpdateFields{}},
	}
	for _, a := range []string{"activate", "deactivate", "pause", "unpause", "archive", "delete"} {
		ops = append(ops, &platform.Operation{Kind: platform.KindTransition, Action: a, OrgID: "org_1", KeyID: "ak_req"})
	}
	var m aitronos.Mapping
	f.Fuzz(func(t *testing.T, body []byte) {
		var secrets []string
		if json.Valid(body) {
			dec := json.NewDecoder(bytes.NewReader(body))
			dec.UseNumber() // a valid number may not fit a float64: 1E700
			if err := secretsIn(dec, "", &secrets); err != nil {
				t.Fatalf("walking a valid body: %v", err)
			}
		}
		leak := func(s string) bool {
			for _, x := range secrets {
				if s != "" && strings.Contains(s, x) {
					return true
				}
			}
			return false
		}
		for _, op := range ops {
			res, err := m.Decode(*op, &platform.Answer{Status: 200, Body: body})
			_ = m.DecodeError(*op, &platform.Answer{Status: 400, Body: body})
			if op.Kind != platform.KindCreate && res.Secret != "" {
				t.Fatalf("op %d/%s: Secret set outside a create", op.Kind, op.Action)
			}
			for _, k := range append([]platform.Key{res.Key}, res.Keys...) {
				if k.Carry != nil {
					t.Fatalf("Carry set: %#v", k.Carry)
				}
				for _, s := range keyStrings(k) {
					if leak(s) {
						t.Fatalf("op %d/%s: a secret-bearing value appears in Key field %q", op.Kind, op.Action, s)
					}
				}
			}
			if res.Secret != "" && !contains(secrets, res.Secret) {
				t.Fatalf("Secret %q is not a secret-bearing field's value", res.Secret)
			}
			var pe *platform.Error
			switch {
			case err == nil:
			case errors.As(err, &pe):
				for _, s := range []string{pe.Code, pe.Message, pe.SystemMessage, pe.Type, pe.TraceID} {
					if leak(s) {
						t.Fatalf("failure envelope error holds a secret-bearing value: %+v", pe)
					}
				}
				if pe.Class == platform.ClassNone {
					t.Fatalf("failure envelope without a class: %+v", pe)
				}
			case !decodeErrorText.MatchString(err.Error()):
				t.Fatalf("decode error %q is not of the fixed form", err)
			}
			if op.Kind == platform.KindList && err == nil && res.Next != "" && len(res.Keys) == 0 {
				t.Fatalf("Next %q after an empty page", res.Next)
			}
		}
	})
}
