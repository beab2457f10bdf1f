package prefactor

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
)

func TestSpec(t *testing.T) {
	t.Parallel()
	m := Mapping{}
	want := &platform.Spec{
		Name:           "prefactor",
		DefaultBaseURL: "https://app.prefactorai.com",
		AuthHeader:     "Authorization",
		AuthScheme:     "Bearer",
		Organization:   platform.OrgOptional,
		Get:            true,
		Update:         false,
		Actions:        []string{"activate", "deactivate", "revoke", "delete"},
		Statuses:       []string{"active", "inactive", "revoked"},
		Table: map[string][]string{
			"active":   {"deactivate", "revoke"},
			"inactive": {"activate", "revoke"},
			"revoked":  {"delete"},
		},
		CreateFields: []string{"ExpiresAt", "ProjectID"},
		MaxPageSize:  100,
	}
	if diff := cmp.Diff(want, m.Spec()); diff != "" {
		t.Errorf("Spec (-want +got):\n%s", diff)
	}
	if first, second := m.Spec(), m.Spec(); first != second {
		t.Error("Spec returns a new value on each call, want one package-level value")
	}
	s := m.Spec()
	if len(s.UpdateFields) != 0 || len(s.ServerFilters) != 0 || len(s.RequestIDHeaders) != 0 ||
		s.IntegerIDs || s.Deduplicates {
		t.Errorf("Spec has UpdateFields %v, ServerFilters %v, RequestIDHeaders %v, IntegerIDs %v, Deduplicates %v; want none",
			s.UpdateFields, s.ServerFilters, s.RequestIDHeaders, s.IntegerIDs, s.Deduplicates)
	}
	// Every action in the table is one the platform has, and each target
	// status is one it reports.
	for status, actions := range s.Table {
		for _, a := range actions {
			if !contains(s.Actions, a) {
				t.Errorf("Table[%s] holds %q, which is not in Actions", status, a)
			}
			if tgt := platform.Target(a); tgt != "" && !contains(s.Statuses, tgt) {
				t.Errorf("Table[%s]: %q leads to %q, which is not in Statuses", status, a, tgt)
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

func TestEncode(t *testing.T) {
	t.Parallel()
	expires := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	zurich := time.FixedZone("CET", 3600)
	expiresCET := time.Date(2026, 1, 2, 4, 4, 5, 0, zurich)
	const coll = "/api/v1/api_token"
	const one = coll + "/013xrzp12g3nqk8n7f8f9jbg8d18q7tm"
	post := func(path, body string) platform.Request {
		return platform.Request{Method: "POST", Path: path, Body: []byte(body), Retry: platform.RetryAlways}
	}
	create := func(body string) platform.Request {
		return platform.Request{Method: "POST", Path: coll, Body: []byte(body), Retry: platform.RetryUnsent}
	}
	list := func(q string) platform.Request {
		return platform.Request{Method: "GET", Path: coll, RawQuery: q, Retry: platform.RetryAlways}
	}
	tests := []struct {
		name string
		op   platform.Operation
		want platform.Request
	}{
		{
			name: "create, account: the vendor CLI's account token",
			op:   platform.Operation{Kind: platform.KindCreate, OrgID: "acc_1", Create: &platform.CreateFields{}},
			want: create(`{"details":{"token_scope":"account","account_id":"acc_1"}}`),
		},
		{
			name: "create, every field",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "acc_1", Create: &platform.CreateFields{
				ExpiresAt: &expires, ProjectID: "env_1",
			}},
			want: create(`{"details":{"token_scope":"environment","account_id":"acc_1","environment_id":"env_1","expires_at":"2026-01-02T03:04:05.6Z"}}`),
		},
		{
			name: "create, an expiry in another zone is sent as UTC",
			op:   platform.Operation{Kind: platform.KindCreate, OrgID: "acc_1", Create: &platform.CreateFields{ExpiresAt: &expiresCET}},
			want: create(`{"details":{"token_scope":"account","account_id":"acc_1","expires_at":"2026-01-02T03:04:05Z"}}`),
		},
		{
			name: "create, an idempotency key stays unsent",
			op:   platform.Operation{Kind: platform.KindCreate, OrgID: "acc_1", IdempotencyKey: "idem_1", Create: &platform.CreateFields{}},
			want: create(`{"details":{"token_scope":"account","account_id":"acc_1"}}`),
		},
		{
			name: "create, carry of an environment token fills account and environment",
			op: platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
				Carry: carry{accountID: "acc_old", tokenScope: "environment", environmentID: "env_old"},
			}},
			want: create(`{"details":{"token_scope":"environment","account_id":"acc_old","environment_id":"env_old"}}`),
		},
		{
			name: "create, carry by pointer is read too",
			op: platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
				Carry: &carry{accountID: "acc_old", tokenScope: "environment", environmentID: "env_old"},
			}},
			want: create(`{"details":{"token_scope":"environment","account_id":"acc_old","environment_id":"env_old"}}`),
		},
		{
			name: "create, OrgID and ProjectID win over the carry",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "acc_new", Create: &platform.CreateFields{
				ProjectID: "env_new",
				Carry:     carry{accountID: "acc_old", tokenScope: "environment", environmentID: "env_old"},
			}},
			want: create(`{"details":{"token_scope":"environment","account_id":"acc_new","environment_id":"env_new"}}`),
		},
		{
			name: "create, carry of an account token drops its environment_id",
			op: platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
				Carry: carry{accountID: "acc_old", tokenScope: "account", environmentID: "env_old"},
			}},
			want: create(`{"details":{"token_scope":"account","account_id":"acc_old"}}`),
		},
		{
			name: "create, ProjectID narrows a carried account token",
			op: platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
				ProjectID: "env_new", Carry: carry{accountID: "acc_old", tokenScope: "account"},
			}},
			want: create(`{"details":{"token_scope":"environment","account_id":"acc_old","environment_id":"env_new"}}`),
		},
		{
			name: "create, carry without a scope: the environment decides",
			op: platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
				Carry: carry{accountID: "acc_old", environmentID: "env_old"},
			}},
			want: create(`{"details":{"token_scope":"environment","account_id":"acc_old","environment_id":"env_old"}}`),
		},
		{
			name: "create, a carry of another type is ignored",
			op: platform.Operation{Kind: platform.KindCreate, OrgID: "acc_1", Create: &platform.CreateFields{
				Carry: struct{ accountID string }{"acc_x"},
			}},
			want: create(`{"details":{"token_scope":"account","account_id":"acc_1"}}`),
		},
		{
			name: "create, a nil carry pointer is ignored",
			op:   platform.Operation{Kind: platform.KindCreate, OrgID: "acc_1", Create: &platform.CreateFields{Carry: (*carry)(nil)}},
			want: create(`{"details":{"token_scope":"account","account_id":"acc_1"}}`),
		},
		{
			name: "list, first page",
			op:   platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 100}},
			want: list("pagination%5Boffset%5D=0&pagination%5Bpage_size%5D=100"),
		},
		{
			name: "list, an account and a later offset",
			op:   platform.Operation{Kind: platform.KindList, OrgID: "acc 1&x=y", List: &platform.ListFields{PageSize: 10, Cursor: "110"}},
			want: list("account_id=acc+1%26x%3Dy&pagination%5Boffset%5D=110&pagination%5Bpage_size%5D=10"),
		},
		{
			name: "get",
			op:   platform.Operation{Kind: platform.KindGet, KeyID: "013xrzp12g3nqk8n7f8f9jbg8d18q7tm"},
			want: platform.Request{Method: "GET", Path: one, Retry: platform.RetryAlways},
		},
		{
			name: "get, the ID is path-escaped",
			op:   platform.Operation{Kind: platform.KindGet, KeyID: "a b?c#d%e/f"},
			want: platform.Request{Method: "GET", Path: coll + "/a%20b%3Fc%23d%25e%2Ff", Retry: platform.RetryAlways},
		},
		{
			name: "activate",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "activate", KeyID: "013xrzp12g3nqk8n7f8f9jbg8d18q7tm"},
			want: post(one+"/activate", `{}`),
		},
		{
			name: "deactivate is suspend",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "deactivate", KeyID: "013xrzp12g3nqk8n7f8f9jbg8d18q7tm"},
			want: post(one+"/suspend", `{}`),
		},
		{
			name: "revoke",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "revoke", KeyID: "013xrzp12g3nqk8n7f8f9jbg8d18q7tm"},
			want: post(one+"/revoke", `{}`),
		},
		{
			name: "revoke, escaped ID",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "revoke", KeyID: "k/1"},
			want: post(coll+"/k%2F1/revoke", `{}`),
		},
		{
			name: "delete",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "delete", KeyID: "013xrzp12g3nqk8n7f8f9jbg8d18q7tm", OrgID: "acc_1"},
			want: platform.Request{Method: "DELETE", Path: one, Retry: platform.RetryAlways},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Mapping{}.Encode(tt.op)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Encode (-want +got):\n%s", diff)
			}
			if got.MaxBody != 0 || got.IdempotencyKey != "" {
				t.Errorf("MaxBody %d, IdempotencyKey %q; want 0 and none", got.MaxBody, got.IdempotencyKey)
			}
		})
	}
}

func TestEncodeRefuses(t *testing.T) {
	t.Parallel()
	far := time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
	createOp := func(c platform.CreateFields) platform.Operation {
		return platform.Operation{Kind: platform.KindCreate, OrgID: "acc_1", Create: &c}
	}
	// noAccount is a create that names no account: no OrgID, no carried one.
	noAccount := func(c platform.CreateFields) platform.Operation {
		return platform.Operation{Kind: platform.KindCreate, Create: &c}
	}
	tests := []struct {
		name        string
		op          platform.Operation
		unsupported string // the Field of a *platform.Unsupported
		invalid     string // the Field of a *platform.Invalid
	}{
		{name: "name", op: createOp(platform.CreateFields{Name: "ci"}), unsupported: "Name"},
		{name: "scopes, even empty", op: createOp(platform.CreateFields{Scopes: []string{}}), unsupported: "Scopes"},
		{name: "usage limit", op: createOp(platform.CreateFields{UsageLimitCHF: ptr(0.0)}), unsupported: "UsageLimitCHF"},
		{name: "permission mode", op: createOp(platform.CreateFields{PermissionMode: "all"}), unsupported: "PermissionMode"},
		{name: "access, even empty", op: createOp(platform.CreateFields{Access: map[string]string{}}), unsupported: "Access"},
		{
			name:        "a carried scope the create cannot spell",
			op:          createOp(platform.CreateFields{Carry: carry{accountID: "a", tokenScope: "agent_deployment", environmentID: "e"}}),
			unsupported: "token_scope",
		},
		{
			name:        "a carried scope the create cannot spell, even with a ProjectID",
			op:          createOp(platform.CreateFields{ProjectID: "env", Carry: carry{tokenScope: "agent_deployment"}}),
			unsupported: "token_scope",
		},
		{
			name:        "a carried environment scope without its environment",
			op:          createOp(platform.CreateFields{Carry: carry{accountID: "a", tokenScope: "environment"}}),
			unsupported: "ProjectID",
		},
		{name: "an expiry JSON cannot write", op: createOp(platform.CreateFields{ExpiresAt: &far}), invalid: "ExpiresAt"},
		// The docs default only the list's account_id; the create's is
		// refused rather than left to a default nobody documents.
		{name: "no account", op: noAccount(platform.CreateFields{}), invalid: "WithOrganization"},
		{name: "no account, with an environment", op: noAccount(platform.CreateFields{ProjectID: "env"}), invalid: "WithOrganization"},
		{name: "no account, nil fields", op: platform.Operation{Kind: platform.KindCreate}, invalid: "WithOrganization"},
		{
			name:    "no account, a carry without one",
			op:      noAccount(platform.CreateFields{Carry: carry{tokenScope: "environment", environmentID: "env_old"}}),
			invalid: "WithOrganization",
		},
		{
			name:    "no account, a carry of another type",
			op:      noAccount(platform.CreateFields{Carry: struct{ accountID string }{"acc_x"}}),
			invalid: "WithOrganization",
		},
		{
			name:    "a cursor this mapping did not return",
			op:      platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 10, Cursor: "-1"}},
			invalid: "Cursor",
		},
		{name: "update", op: platform.Operation{Kind: platform.KindUpdate, KeyID: "k", Update: &platform.UpdateFields{}}},
		{name: "an action Prefactor lacks", op: platform.Operation{Kind: platform.KindTransition, Action: "pause", KeyID: "k"}},
		{name: "an unknown kind", op: platform.Operation{Kind: 99}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, err := Mapping{}.Encode(tt.op)
			if err == nil {
				t.Fatalf("Encode = %+v, want an error", req)
			}
			if req.Method != "" || req.Body != nil {
				t.Errorf("Encode returned a request with its error: %+v", req)
			}
			var u *platform.Unsupported
			var inv *platform.Invalid
			switch {
			case tt.unsupported != "":
				if !errors.As(err, &u) || u.Field != tt.unsupported {
					t.Errorf("error %v, want *platform.Unsupported for %s", err, tt.unsupported)
				}
			case tt.invalid != "":
				if !errors.As(err, &inv) || inv.Field != tt.invalid {
					t.Errorf("error %v, want *platform.Invalid for %s", err, tt.invalid)
				}
			default:
				if errors.As(err, &u) || errors.As(err, &inv) {
					t.Errorf("error %v, want a plain error (the client refuses these first)", err)
				}
			}
		})
	}
}

// TestEncodeDeterministic: the same operation gives the same bytes, so a
// resent request is identical.
func TestEncodeDeterministic(t *testing.T) {
	t.Parallel()
	exp := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)
	op := &platform.Operation{Kind: platform.KindCreate, OrgID: "a", Create: &platform.CreateFields{ExpiresAt: &exp, ProjectID: "e"}}
	first, _ := Mapping{}.Encode(*op)
	for range 20 {
		again, _ := Mapping{}.Encode(*op)
		if diff := cmp.Diff(first, again); diff != "" {
			t.Fatalf("Encode differs between calls:\n%s", diff)
		}
	}
}

// token is a token object with the given members over the seed's example.
func token(over map[string]any) map[string]any {
	t := map[string]any{
		"id": exTokenID, "account_id": exAccountID, "status": "active", "token_scope": "account",
		"environment_id": nil, "created_by_admin_user_id": exAdminID,
		"available_actions": map[string]any{"activate": false, "suspend": true, "revoke": true, "delete": false},
		"expires_at":        "2024-01-01T00:00:00Z", "inserted_at": "2024-01-01T00:00:00Z",
		"updated_at": "2024-01-01T00:00:00Z", "last_used_at": nil, "type": "api_token",
	}
	for k, v := range over {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = v
	}
	return t
}

func jsonOf(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tokenKey is token(nil) as a Key.
func tokenKey() platform.Key {
	k := exampleToken()
	k.Carry = carry{accountID: exAccountID, tokenScope: "account"}
	return k
}

func TestDecode(t *testing.T) {
	t.Parallel()
	get := platform.Operation{Kind: platform.KindGet, KeyID: exTokenID}
	suspend := platform.Operation{Kind: platform.KindTransition, Action: "deactivate", KeyID: exTokenID}
	create := platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{}}
	list := func(cursor string) platform.Operation {
		return platform.Operation{Kind: platform.KindList, List: &platform.ListFields{PageSize: 10, Cursor: cursor}}
	}
	del := platform.Operation{Kind: platform.KindTransition, Action: "delete", KeyID: exTokenID}
	with := func(f func(*platform.Key)) platform.Key {
		k := tokenKey()
		f(&k)
		return k
	}
	tests := []struct {
		name    string
		op      platform.Operation
		body    any // marshaled unless a string
		want    platform.Result
		wantErr string // a substring of the error; "" for none
	}{
		{
			name: "get, wrapped",
			op:   get, body: map[string]any{"status": "success", "details": token(nil)},
			want: platform.Result{Key: tokenKey()},
		},
		{
			name: "get, bare details as the vendor client shows it",
			op:   get, body: map[string]any{"details": token(nil)},
			want: platform.Result{Key: tokenKey()},
		},
		{
			name: "suspend answer: suspended is inactive",
			op:   suspend,
			body: map[string]any{"status": "success", "details": token(map[string]any{
				"status":            "suspended",
				"available_actions": map[string]any{"activate": true, "suspend": false, "revoke": true, "delete": false},
			})},
			want: platform.Result{Key: with(func(k *platform.Key) {
				k.Status, k.PlatformStatus = "inactive", "suspended"
				k.AvailableActions = []string{"activate", "revoke"}
			})},
		},
		{
			name: "an action answer without a status leaves Status empty",
			op:   suspend, body: map[string]any{"details": token(map[string]any{"status": nil})},
			want: platform.Result{Key: with(func(k *platform.Key) { k.Status, k.PlatformStatus = "", "" })},
		},
		{
			name: "an unknown status word keeps only PlatformStatus",
			op:   get, body: map[string]any{"details": token(map[string]any{"status": "expired"})},
			want: platform.Result{Key: with(func(k *platform.Key) { k.Status, k.PlatformStatus = "", "expired" })},
		},
		{
			name: "environment scope gives the project",
			op:   get,
			body: map[string]any{"details": token(map[string]any{"token_scope": "environment", "environment_id": "env_1"})},
			want: platform.Result{Key: with(func(k *platform.Key) {
				k.ProjectID = "env_1"
				k.Carry = carry{accountID: exAccountID, tokenScope: "environment", environmentID: "env_1"}
			})},
		},
		{
			name: "times with a fraction and an offset; every action allowed",
			op:   get,
			body: map[string]any{"details": token(map[string]any{
				"inserted_at": "2025-02-03T04:05:06.789+02:00", "last_used_at": "2025-02-03T04:05:07Z",
				"expires_at": "", "available_actions": map[string]any{"delete": true, "revoke": true, "suspend": true, "activate": true, "archive": true},
			})},
			want: platform.Result{Key: with(func(k *platform.Key) {
				k.CreatedAt = time.Date(2025, 2, 3, 2, 5, 6, 789000000, time.UTC)
				k.LastUsedAt = ptr(time.Date(2025, 2, 3, 4, 5, 7, 0, time.UTC))
				k.ExpiresAt = nil
				k.AvailableActions = []string{"activate", "deactivate", "revoke", "delete"}
			})},
		},
		{
			name: "no actions allowed is an empty list, absent actions nil",
			op:   get,
			body: map[string]any{"details": token(map[string]any{"available_actions": map[string]any{}, "account_id": nil})},
			want: platform.Result{Key: with(func(k *platform.Key) {
				k.AvailableActions = []string{}
				k.OrganizationID = ""
				k.Carry = carry{tokenScope: "account"}
			})},
		},
		{
			name: "a bare token without scope, account or environment has no carry",
			op:   get, body: `{"details":{"id":"k1"}}`,
			want: platform.Result{Key: platform.Key{ID: "k1"}},
		},
		{
			name: "unknown members are ignored; Token and token never reach the key",
			op:   get,
			body: map[string]any{"token": "tok_SECRET", "details": token(map[string]any{
				"token": "tok_SECRET", "Token": "tok_SECRET", "name": "n", "new_field": []int{1},
			})},
			want: platform.Result{Key: tokenKey()},
		},
		{
			name: "details without an id: Partial with the requested ID",
			op:   suspend, body: map[string]any{"status": "success", "details": map[string]any{"status": "suspended"}},
			want: platform.Result{Key: platform.Key{ID: exTokenID, Partial: true, Status: "inactive", PlatformStatus: "suspended"}},
		},
		{
			name: "empty details: Partial",
			op:   get, body: `{"status":"success","details":{}}`,
			want: platform.Result{Key: platform.Key{ID: exTokenID, Partial: true}},
		},
		{name: "no details", op: suspend, body: `{"status":"success"}`, wantErr: "details missing"},
		{name: "null details", op: get, body: `{"details":null}`, wantErr: "details missing"},
		{name: "details not an object", op: get, body: `{"details":[1]}`, wantErr: "details is not an object"},
		{name: "empty object", op: get, body: `{}`, wantErr: "details missing"},
		{name: "null", op: get, body: `null`, wantErr: "not a JSON object"},
		{name: "empty body", op: suspend, body: ``, wantErr: "not a JSON object"},
		{name: "html", op: get, body: `<html>ok</html>`, wantErr: "not a JSON object"},
		{
			name: "a time of the wrong type keeps the ID and names the field",
			op:   get, body: map[string]any{"details": token(map[string]any{"updated_at": 5})},
			want:    platform.Result{Key: with(func(k *platform.Key) { k.UpdatedAt = time.Time{} })},
			wantErr: "details.updated_at is not a string",
		},
		{
			name: "a malformed time names the field",
			op:   get, body: map[string]any{"details": token(map[string]any{"expires_at": "tomorrow-ish"})},
			want:    platform.Result{Key: with(func(k *platform.Key) { k.ExpiresAt = nil })},
			wantErr: "details.expires_at is not an RFC 3339 time",
		},
		{
			name: "an action flag of the wrong type",
			op:   get, body: map[string]any{"details": token(map[string]any{"available_actions": map[string]any{"suspend": "yes", "revoke": true}})},
			want:    platform.Result{Key: with(func(k *platform.Key) { k.AvailableActions = []string{"revoke"} })},
			wantErr: "details.available_actions.suspend is not a boolean",
		},
		{
			name: "an id of the wrong type: Partial with the requested ID, and the error",
			op:   get, body: `{"details":{"id":42,"status":"revoked"}}`,
			want:    platform.Result{Key: platform.Key{ID: exTokenID, Partial: true, Status: "revoked", PlatformStatus: "revoked"}},
			wantErr: "details.id is not a string",
		},

		// Create.
		{
			name: "create",
			op:   create, body: map[string]any{"status": "success", "details": token(nil), "token": "eyJ.secret"},
			want: platform.Result{Key: tokenKey(), Secret: "eyJ.secret"},
		},
		{
			name: "create, a bad member keeps ID and secret",
			op:   create, body: map[string]any{"details": token(map[string]any{"inserted_at": []int{1}}), "token": "eyJ.secret"},
			want:    platform.Result{Key: with(func(k *platform.Key) { k.CreatedAt = time.Time{} }), Secret: "eyJ.secret"},
			wantErr: "details.inserted_at is not a string",
		},
		{
			name: "create, no token",
			op:   create, body: map[string]any{"details": token(nil)},
			want: platform.Result{Key: tokenKey()}, wantErr: "token missing",
		},
		{
			name: "create, empty token",
			op:   create, body: map[string]any{"details": token(nil), "token": ""},
			want: platform.Result{Key: tokenKey()}, wantErr: "token is empty",
		},
		{
			name: "create, token not a string",
			op:   create, body: map[string]any{"details": token(nil), "token": map[string]any{"jwt": "x"}},
			want: platform.Result{Key: tokenKey()}, wantErr: "token is not a string",
		},
		{
			name: "create, no details: the secret is still returned",
			op:   create, body: `{"status":"success","token":"eyJ.secret"}`,
			want: platform.Result{Secret: "eyJ.secret"}, wantErr: "details missing",
		},
		{
			name: "create, details without an id",
			op:   create, body: `{"details":{"status":"active"},"token":"eyJ.secret"}`,
			want:    platform.Result{Key: platform.Key{Status: "active", PlatformStatus: "active"}, Secret: "eyJ.secret"},
			wantErr: "details.id missing",
		},
		{name: "create, not JSON", op: create, body: `{"token":"eyJ.sec`, wantErr: "not a JSON object"},

		// List.
		{
			name: "list, first page",
			op:   list(""),
			body: map[string]any{"status": "success", "summaries": []any{token(nil), token(map[string]any{"id": "k2"})},
				"pagination": map[string]any{"next_page_offset": 2, "page_size": 2}},
			want: platform.Result{Keys: []platform.Key{tokenKey(), with(func(k *platform.Key) { k.ID = "k2" })}, Next: "2"},
		},
		{
			name: "list, next offset as a string",
			op:   list("10"),
			body: map[string]any{"summaries": []any{token(nil)}, "pagination": map[string]any{"next_page_offset": "20"}},
			want: platform.Result{Keys: []platform.Key{tokenKey()}, Next: "20"},
		},
		{
			name: "list, next offset null: last page",
			op:   list("10"),
			body: map[string]any{"summaries": []any{token(nil)}, "pagination": map[string]any{"next_page_offset": nil, "previous_page_offset": 0}},
			want: platform.Result{Keys: []platform.Key{tokenKey()}},
		},
		{
			name: "list, no pagination: last page",
			op:   list(""), body: map[string]any{"summaries": []any{token(nil)}},
			want: platform.Result{Keys: []platform.Key{tokenKey()}},
		},
		{
			name: "list, empty",
			op:   list(""), body: `{"status":"success","summaries":[],"pagination":null}`,
			want: platform.Result{Keys: []platform.Key{}},
		},
		{
			name: "list, an empty page ends the list whatever the offset says",
			op:   list("100"), body: `{"summaries":[],"pagination":{"next_page_offset":110}}`,
			want: platform.Result{Keys: []platform.Key{}},
		},
		{
			name: "list, an offset that does not advance",
			op:   list("10"), body: map[string]any{"summaries": []any{token(nil)}, "pagination": map[string]any{"next_page_offset": 10}},
			want: platform.Result{Keys: []platform.Key{tokenKey()}}, wantErr: "does not advance",
		},
		{
			name: "list, offset 0 after the first page does not advance",
			op:   list(""), body: map[string]any{"summaries": []any{token(nil)}, "pagination": map[string]any{"next_page_offset": 0}},
			want: platform.Result{Keys: []platform.Key{tokenKey()}}, wantErr: "does not advance",
		},
		{
			name: "list, a negative offset",
			op:   list(""), body: map[string]any{"summaries": []any{token(nil)}, "pagination": map[string]any{"next_page_offset": -5}},
			want: platform.Result{Keys: []platform.Key{tokenKey()}}, wantErr: "pagination.next_page_offset is not a non-negative integer",
		},
		{
			name: "list, a fractional offset",
			op:   list(""), body: `{"summaries":[{"id":"k"}],"pagination":{"next_page_offset":1.5}}`,
			want: platform.Result{Keys: []platform.Key{{ID: "k"}}}, wantErr: "pagination.next_page_offset",
		},
		{
			name: "list, pagination not an object",
			op:   list(""), body: `{"summaries":[{"id":"k"}],"pagination":"next"}`,
			want: platform.Result{Keys: []platform.Key{{ID: "k"}}}, wantErr: "pagination is not an object",
		},
		{
			name: "list, a summary without an id",
			op:   list(""), body: `{"summaries":[{"id":"k"},{"status":"active"}]}`,
			want:    platform.Result{Keys: []platform.Key{{ID: "k"}, {Status: "active", PlatformStatus: "active"}}},
			wantErr: "summaries[1].id missing",
		},
		{
			name: "list, a summary that is not an object",
			op:   list(""), body: `{"summaries":[{"id":"k"},"k2"]}`,
			want: platform.Result{Keys: []platform.Key{{ID: "k"}, {}}}, wantErr: "summaries[1] is not an object",
		},
		{
			name: "list, a bad member names the summary",
			op:   list(""), body: map[string]any{"summaries": []any{token(map[string]any{"last_used_at": true})}},
			want:    platform.Result{Keys: []platform.Key{tokenKey()}},
			wantErr: "summaries[0].last_used_at is not a string",
		},
		{name: "list, no summaries", op: list(""), body: `{"status":"success","pagination":null}`, wantErr: "summaries missing"},
		{name: "list, null summaries", op: list(""), body: `{"summaries":null}`, wantErr: "summaries missing"},
		{name: "list, {}", op: list(""), body: `{}`, wantErr: "summaries missing"},
		{name: "list, null", op: list(""), body: `null`, wantErr: "not a JSON object"},
		{name: "list, status ok", op: list(""), body: `{"status":"ok"}`, wantErr: "summaries missing"},
		{name: "list, summaries an object", op: list(""), body: `{"summaries":{"id":"k"}}`, wantErr: "summaries is not an array"},
		{name: "list, a details answer", op: list(""), body: map[string]any{"details": token(nil)}, wantErr: "summaries missing"},

		// Delete: the body is unused.
		{name: "delete, empty body", op: del, body: ``},
		{name: "delete, a token", op: del, body: map[string]any{"details": token(nil)}},
		{name: "delete, not JSON", op: del, body: `<html>`},
		{name: "delete, success status", op: del, body: `{"status":"success"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var body []byte
			if s, ok := tt.body.(string); ok {
				body = []byte(s)
			} else {
				body = jsonOf(t, tt.body)
			}
			got, err := Mapping{}.Decode(tt.op, &platform.Answer{Status: http.StatusOK, Body: body})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Decode: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("Decode error = %v, want one containing %q", err, tt.wantErr)
			}
			var pe *platform.Error
			if errors.As(err, &pe) {
				t.Errorf("Decode error %v is a *platform.Error; this answer is no failure envelope", err)
			}
			if diff := cmp.Diff(tt.want, got, cmpOpts); diff != "" {
				t.Errorf("Decode (-want +got):\n%s", diff)
			}
		})
	}
}

// TestDecodeErrorsHoldNoBody: no decode error repeats any string of the
// answer (the secret, or whatever a broken field held).
func TestDecodeErrorsHoldNoBody(t *testing.T) {
	t.Parallel()
	const marker = "ZZsecretZZ"
	bodies := []string{
		`{"details":{"id":"ZZsecretZZ","inserted_at":"ZZsecretZZ"},"token":"ZZsecretZZ"}`,
		`{"details":{"id":"ZZsecretZZ","expires_at":"2024-13-01TZZsecretZZ"},"token":"ZZsecretZZ"}`,
		`{"details":"ZZsecretZZ","token":"ZZsecretZZ"}`,
		`{"details":{"id":"k","available_actions":{"suspend":"ZZsecretZZ"}},"token":["ZZsecretZZ"]}`,
		`{"details":{"id":["ZZsecretZZ"]},"token":{"ZZsecretZZ":1}}`,
		`{"token":"ZZsecretZZ"`,
		`ZZsecretZZ`,
		`{"summaries":"ZZsecretZZ"}`,
		`{"summaries":[{"id":"k","status":{"ZZsecretZZ":1}}]}`,
		`{"summaries":[{"id":"k"}],"pagination":{"next_page_offset":"ZZsecretZZ"}}`,
		`{"summaries":[{"id":"k"}],"pagination":"ZZsecretZZ"}`,
	}
	ops := []platform.Operation{
		{Kind: platform.KindCreate, Create: &platform.CreateFields{}},
		{Kind: platform.KindGet, KeyID: "k"},
		{Kind: platform.KindList, List: &platform.ListFields{PageSize: 10}},
		{Kind: platform.KindTransition, Action: "revoke", KeyID: "k"},
	}
	for _, b := range bodies {
		for _, op := range ops {
			_, err := Mapping{}.Decode(op, &platform.Answer{Status: 200, Body: []byte(b)})
			if err != nil && strings.Contains(err.Error(), marker) {
				t.Errorf("Decode(kind %d, %s) error holds the body: %v", op.Kind, b, err)
			}
		}
	}
}

func TestDecodeError(t *testing.T) {
	t.Parallel()
	classes := map[string]platform.Class{
		"not_found":         platform.ClassNotFound,
		"invalid_action":    platform.ClassInvalidTransition,
		"validation_errors": platform.ClassInvalidParams,
		"bad_request":       platform.ClassInvalidParams,
		"not_authenticated": platform.ClassUnauthorized,
		"bad_authtoken":     platform.ClassUnauthorized,
		"not_permitted":     platform.ClassForbidden,
		"not_implemented":   platform.ClassNone,
		"unknown":           platform.ClassNone,
		"unexpected":        platform.ClassNone,
		"NOT_FOUND":         platform.ClassNone, // codes are matched exactly
	}
	op := &platform.Operation{Kind: platform.KindTransition, Action: "activate", KeyID: "k"}
	for code, class := range classes {
		body := jsonOf(t, map[string]any{"status": "error", "code": code, "message": "m " + code})
		got := Mapping{}.DecodeError(*op, &platform.Answer{Status: 400, Body: body})
		want := platform.Error{Class: class, Code: code, Message: "m " + code}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("DecodeError(%s) (-want +got):\n%s", code, diff)
		}
	}

	tests := []struct {
		name string
		body string
		want platform.Error
	}{
		{
			name: "validation errors of any shape are kept",
			body: `{"status":"error","code":"validation_errors","message":"bad","errors":[{"field":"expires_at","n":1}]}`,
			want: platform.Error{Class: platform.ClassInvalidParams, Code: "validation_errors", Message: "bad",
				Details: map[string]any{"errors": []any{map[string]any{"field": "expires_at", "n": 1.0}}}},
		},
		{
			name: "null errors: no details",
			body: `{"status":"error","code":"validation_errors","errors":null}`,
			want: platform.Error{Class: platform.ClassInvalidParams, Code: "validation_errors"},
		},
		{
			name: "members of the wrong type are dropped, the rest kept",
			body: `{"status":"error","code":"not_found","message":7}`,
			want: platform.Error{Class: platform.ClassNotFound, Code: "not_found"},
		},
		{
			name: "a code of the wrong type",
			body: `{"status":"error","code":404,"message":"gone"}`,
			want: platform.Error{Message: "gone"},
		},
		{name: "not the envelope: no status", body: `{"code":"not_found","message":"x"}`},
		{name: "not the envelope: success", body: `{"status":"success","details":{"id":"k"}}`},
		{name: "not the envelope: status not a string", body: `{"status":500,"code":"unknown"}`},
		{name: "html", body: `<html>502 Bad Gateway</html>`},
		{name: "empty", body: ``},
		{name: "null", body: `null`},
		{name: "array", body: `[{"status":"error"}]`},
		{name: "truncated", body: `{"status":"error","code":"not_fo`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Mapping{}.DecodeError(*op, &platform.Answer{Status: 502, Body: []byte(tt.body)})
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("DecodeError (-want +got):\n%s", diff)
			}
		})
	}
}

// keyStrings are the Key's strings taken from the answer (Status and
// AvailableActions hold only the SDK's fixed words).
func keyStrings(k platform.Key) []string {
	s := []string{k.ID, k.OrganizationID, k.Name, k.Prefix, k.Suffix, k.PlatformStatus,
		k.PermissionMode, k.ProjectID, k.CreatedBy, k.UpdatedBy}
	s = append(s, k.Scopes...)
	for a, b := range k.Access {
		s = append(s, a, b)
	}
	if c, ok := carryOf(k.Carry); ok {
		s = append(s, c.accountID, c.tokenScope, c.environmentID)
	}
	return s
}

// secretsAndOthers walks any JSON value and splits its strings into the
// values of secret-bearing members ("token", "key", "value") and all other
// strings (member names included).
func secretsAndOthers(v any, secrets, others *[]string) {
	switch v := v.(type) {
	case map[string]any:
		for name, m := range v {
			*others = append(*others, name)
			if s, ok := m.(string); ok && (name == "token" || name == "key" || name == "value") {
				*secrets = append(*secrets, s)
				continue
			}
			secretsAndOthers(m, secrets, others)
		}
	case []any:
		for _, m := range v {
			secretsAndOthers(m, secrets, others)
		}
	case string:
		*others = append(*others, v)
	}
}

// FuzzDecode: no body panics Decode or DecodeError for any kind, and a
// secret-bearing member's value reaches a Key only where the same text is
// also in a member that is not secret-bearing. A second body, built around
// the fuzzed secret, checks the same with the secret placed in the token,
// beside it and inside it.
func FuzzDecode(f *testing.F) {
	for _, seed := range []string{
		`{"status":"success","details":{"id":"k","status":"active","token":"eyJ"},"token":"eyJ"}`,
		`{"status":"success","summaries":[{"id":"a","token":"t"},{"id":"b"}],"pagination":{"next_page_offset":2}}`,
		`{"summaries":[],"pagination":null}`, `{"details":{}}`, `{"details":null}`, `{}`, `null`, ``, `[]`,
		`{"status":"error","code":"not_found","message":"m"}`,
		`{"status":"error","code":"validation_errors","errors":{"a":[1e999]}}`,
		`{"details":{"id":1,"inserted_at":5,"available_actions":{"suspend":"x"}},"token":7}`,
		`{"summaries":[{"id":"k"}],"pagination":{"next_page_offset":"99999999999999999999"}}`,
		"{\"details\":{\"id\":\"\xff\",\"token\":\"\xff\"}}",
	} {
		f.Add([]byte(seed), "eyJhbGciOi", "10")
	}
	ops := []platform.Operation{
		{Kind: platform.KindCreate, Create: &platform.CreateFields{}},
		{Kind: platform.KindGet, KeyID: "k"},
		{Kind: platform.KindUpdate, KeyID: "k", Update: &platform.UpdateFields{}},
		{Kind: platform.KindList, List: &platform.ListFields{PageSize: 10}},
		{Kind: platform.KindTransition, Action: "activate", KeyID: "k"},
		{Kind: platform.KindTransition, Action: "deactivate", KeyID: "k"},
		{Kind: platform.KindTransition, Action: "revoke", KeyID: "k"},
		{Kind: platform.KindTransition, Action: "delete", KeyID: "k"},
	}
	f.Fuzz(func(t *testing.T, body []byte, secret, cursor string) {
		var generic any
		var secrets, others []string
		if json.Unmarshal(body, &generic) == nil {
			secretsAndOthers(generic, &secrets, &others)
		}
		for _, op := range ops {
			if op.Kind == platform.KindList {
				op.List = &platform.ListFields{PageSize: 10, Cursor: cursor}
			}
			res, err := Mapping{}.Decode(op, &platform.Answer{Status: 200, Body: body})
			_ = Mapping{}.DecodeError(op, &platform.Answer{Status: 400, Body: body})
			var pe *platform.Error
			if errors.As(err, &pe) && pe == nil {
				t.Fatalf("Decode(kind %d) returned a nil *platform.Error", op.Kind)
			}
			if op.Kind == platform.KindTransition && op.Action == "delete" && err == nil {
				if diff := cmp.Diff(platform.Result{}, res, cmpOpts); diff != "" {
					t.Fatalf("delete gave a non-zero Result:\n%s", diff)
				}
			}
			if op.Kind == platform.KindList && err == nil && res.Next != "" && (res.Next == op.List.Cursor || len(res.Keys) == 0) {
				t.Fatalf("list from cursor %q gave %d keys and next %q", cursor, len(res.Keys), res.Next)
			}
			if op.Kind != platform.KindCreate && res.Secret != "" {
				t.Fatalf("Decode(kind %d) set Secret", op.Kind)
			}
			keys := append([]platform.Key{res.Key}, res.Keys...)
			for _, s := range secrets {
				if s == "" {
					continue
				}
				explained := false
				for _, o := range others {
					if strings.Contains(o, s) {
						explained = true
						break
					}
				}
				if explained {
					continue
				}
				for _, k := range keys {
					for _, v := range keyStrings(k) {
						if strings.Contains(v, s) {
							t.Fatalf("Decode(kind %d): a secret-bearing value reached the key (%q in %q)", op.Kind, s, v)
						}
					}
				}
			}
		}

		// The fuzzed secret in a well-formed answer of each shape.
		mark := "SECRET!" + secret
		tok := map[string]any{"id": "k", "status": "active", "token": mark, "key": mark, "value": mark,
			"account_id": "acc", "token_scope": "environment", "environment_id": "env"}
		for _, op := range ops {
			var b []byte
			if op.Kind == platform.KindList {
				b = jsonOf(t, map[string]any{"summaries": []any{tok}, "token": mark})
			} else {
				b = jsonOf(t, map[string]any{"details": tok, "token": mark})
			}
			res, err := Mapping{}.Decode(op, &platform.Answer{Status: 200, Body: b})
			if err != nil {
				t.Fatalf("Decode(kind %d) of a well-formed answer: %v", op.Kind, err)
			}
			if op.Kind == platform.KindCreate {
				var want string
				_ = json.Unmarshal(jsonOf(t, mark), &want) // as JSON coerces invalid UTF-8
				if res.Secret != want {
					t.Fatalf("create Secret = %q, want the token", res.Secret)
				}
			} else if res.Secret != "" {
				t.Fatalf("Decode(kind %d) set Secret", op.Kind)
			}
			for _, k := range append([]platform.Key{res.Key}, res.Keys...) {
				for _, v := range keyStrings(k) {
					if strings.Contains(v, "SECRET!") {
						t.Fatalf("Decode(kind %d): the secret reached the key (%q)", op.Kind, v)
					}
				}
			}
		}
	})
}

// TestDecodeTimesInUTC: every time is reported in UTC, as the other
// mappings report them, whatever offset the answer wrote.
func TestDecodeTimesInUTC(t *testing.T) {
	t.Parallel()
	body := jsonOf(t, map[string]any{"details": token(map[string]any{
		"inserted_at": "2025-02-03T04:05:06+02:00", "updated_at": "2025-02-03T04:05:06.5-05:00",
		"last_used_at": "2025-02-03T04:05:06+00:00", "expires_at": "2026-02-03T04:05:06+01:00",
	})})
	got, err := Mapping{}.Decode(platform.Operation{Kind: platform.KindGet, KeyID: exTokenID}, &platform.Answer{Status: 200, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	k := got.Key
	for name, tm := range map[string]time.Time{"CreatedAt": k.CreatedAt, "UpdatedAt": k.UpdatedAt, "LastUsedAt": *k.LastUsedAt, "ExpiresAt": *k.ExpiresAt} {
		if tm.Location() != time.UTC {
			t.Errorf("%s = %v, in %v; want UTC", name, tm, tm.Location())
		}
	}
	if want := time.Date(2025, 2, 3, 2, 5, 6, 0, time.UTC); !k.CreatedAt.Equal(want) {
		t.Errorf("CreatedAt = %v, want %v", k.CreatedAt, want)
	}
}

// TestDecodeExactNames: members are matched by their exact names, never
// case-insensitively: a "Token" is no secret and an "ID" no ID.
func TestDecodeExactNames(t *testing.T) {
	t.Parallel()
	create := platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{}}
	res, err := Mapping{}.Decode(create, &platform.Answer{Status: 200, Body: []byte(`{"details":{"id":"k"},"Token":"eyJ.secret","TOKEN":"eyJ.secret"}`)})
	if res.Secret != "" || err == nil || !strings.Contains(err.Error(), "token missing") {
		t.Errorf("create with only Token: Secret %q, error %v; want none and token missing", res.Secret, err)
	}
	get := platform.Operation{Kind: platform.KindGet, KeyID: exTokenID}
	res, err = Mapping{}.Decode(get, &platform.Answer{Status: 200, Body: []byte(`{"Details":{"id":"x"},"details":{"ID":"k2","Status":"revoked","Account_ID":"a"}}`)})
	if err != nil {
		t.Fatal(err)
	}
	if want := (platform.Key{ID: exTokenID, Partial: true}); !cmp.Equal(want, res.Key, cmpOpts) {
		t.Errorf("Key = %+v, want %+v", res.Key, want)
	}
	// An escaped name is the name it spells, as encoding/json reads it.
	res, err = Mapping{}.Decode(get, &platform.Answer{Status: 200, Body: []byte(`{"details":{"\u0069d":"k3"}}`)})
	if err != nil || res.Key.ID != "k3" {
		t.Errorf("escaped id: %+v, %v", res.Key, err)
	}
}
