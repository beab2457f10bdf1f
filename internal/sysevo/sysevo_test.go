package sysevo_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/sysevo"
)

const coll = "/organizations/api-keys"

func TestSpec(t *testing.T) {
	t.Parallel()
	m := sysevo.Mapping{}
	want := platform.Spec{
		Name:         "sysevo",
		Organization: platform.OrgNone,
		Get:          true,
		Actions:      []string{"archive", "reactivate"},
		Statuses:     []string{"active", "archived"},
		Table: map[string][]string{
			"active":   {"archive"},
			"archived": {"reactivate"},
		},
		CreateFields:  []string{"Name"},
		ServerFilters: []string{"IncludeArchived"},
		IntegerIDs:    true,
	}
	if diff := cmp.Diff(want, *m.Spec()); diff != "" {
		t.Errorf("Spec (-want +got):\n%s", diff)
	}
	s, again := m.Spec(), m.Spec()
	if s != again {
		t.Error("Spec returns a different value on each call")
	}
	for _, v := range []string{s.DefaultBaseURL, s.AuthHeader, s.AuthScheme} {
		if v != "" {
			t.Errorf("base URL / auth header / scheme %q: Sysevo documents none", v)
		}
	}
	if s.UpdateFields != nil || s.RequestIDHeaders != nil || s.Update || s.Deduplicates || s.MaxPageSize != 0 {
		t.Errorf("Spec has update, dedup, paging or request-ID headers: %+v", s)
	}
}

type foreignCarry struct{ Owner string }

func TestEncode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		op   platform.Operation
		want platform.Request
	}{
		{
			name: "create",
			op:   platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "Production"}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"name":"Production"}`), Retry: platform.RetryUnsent},
		},
		{
			name: "create, characters JSON escapes",
			op:   platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: `<n8n & "Prod"> ключ`}},
			want: platform.Request{Method: "POST", Path: coll, Retry: platform.RetryUnsent,
				Body: []byte(`{"name":"\u003cn8n \u0026 \"Prod\"\u003e ключ"}`)},
		},
		{
			name: "create, another platform's carry and an idempotency key are not sent",
			op: platform.Operation{Kind: platform.KindCreate, IdempotencyKey: "idem-1",
				Create: &platform.CreateFields{Name: "ci", Carry: foreignCarry{Owner: "u1"}}},
			want: platform.Request{Method: "POST", Path: coll, Body: []byte(`{"name":"ci"}`), Retry: platform.RetryUnsent},
		},
		{
			name: "list, active keys (the default is not sent)",
			op:   platform.Operation{Kind: platform.KindList, List: &platform.ListFields{}},
			want: platform.Request{Method: "GET", Path: coll, MaxBody: 64 << 20},
		},
		{
			name: "list, archived too",
			op:   platform.Operation{Kind: platform.KindList, List: &platform.ListFields{IncludeArchived: true}},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "include_archived=true", MaxBody: 64 << 20},
		},
		{
			name: "list, no fields",
			op:   platform.Operation{Kind: platform.KindList},
			want: platform.Request{Method: "GET", Path: coll, MaxBody: 64 << 20},
		},
		{
			name: "get is one list call, archived keys included",
			op:   platform.Operation{Kind: platform.KindGet, KeyID: "42"},
			want: platform.Request{Method: "GET", Path: coll, RawQuery: "include_archived=true", MaxBody: 64 << 20},
		},
		{
			name: "archive",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "archive", KeyID: "42"},
			want: platform.Request{Method: "DELETE", Path: coll + "/42"},
		},
		{
			name: "reactivate, no body",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "reactivate", KeyID: "42"},
			want: platform.Request{Method: "PUT", Path: coll + "/42/reactivate"},
		},
		{
			name: "archive, the ID as given, idempotency key unsent",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "archive", KeyID: "0042", IdempotencyKey: "idem-2"},
			want: platform.Request{Method: "DELETE", Path: coll + "/0042"},
		},
		{
			name: "reactivate, the ID is path-escaped",
			op:   platform.Operation{Kind: platform.KindTransition, Action: "reactivate", KeyID: "4 2/?"},
			want: platform.Request{Method: "PUT", Path: coll + "/4%202%2F%3F/reactivate"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := sysevo.Mapping{}.Encode(tt.op)
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("request (-want +got):\n%s", diff)
			}
			if tt.want.Body == nil && got.Body != nil {
				t.Errorf("body = %q, want none (nil)", got.Body)
			}
		})
	}
}

func TestEncode_refused(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		op      platform.Operation
		wantErr string
	}{
		{name: "update", op: platform.Operation{Kind: platform.KindUpdate, KeyID: "42", Update: &platform.UpdateFields{Name: ptr("n")}},
			wantErr: "sysevo: update is not documented"},
		{name: "delete", op: platform.Operation{Kind: platform.KindTransition, Action: "delete", KeyID: "42"},
			wantErr: `sysevo: no such action "delete"`},
		{name: "deactivate", op: platform.Operation{Kind: platform.KindTransition, Action: "deactivate", KeyID: "42"},
			wantErr: `sysevo: no such action "deactivate"`},
		{name: "empty action", op: platform.Operation{Kind: platform.KindTransition, KeyID: "42"},
			wantErr: `sysevo: no such action ""`},
		{name: "kind", op: platform.Operation{Kind: 99}, wantErr: "sysevo: no such operation 99"},
		{name: "create without fields", op: platform.Operation{Kind: platform.KindCreate}, wantErr: "sysevo: create without fields"},
	}
	for _, tt := range tests {
		req, err := sysevo.Mapping{}.Encode(tt.op)
		if err == nil || err.Error() != tt.wantErr {
			t.Errorf("%s: Encode error = %v, want %q", tt.name, err, tt.wantErr)
		}
		if diff := cmp.Diff(platform.Request{}, req); diff != "" {
			t.Errorf("%s: request with the error (-want +got):\n%s", tt.name, diff)
		}
	}
}

const secret = "sk_live_abc1SECRETSECRETSECRET0000000000000"

func decode(op *platform.Operation, body string) (platform.Result, error) {
	return sysevo.Mapping{}.Decode(*op, &platform.Answer{Status: 200, Header: http.Header{}, Body: []byte(body)})
}

func TestDecodeCreate(t *testing.T) {
	t.Parallel()
	base := platform.Key{ID: "42", Name: "Production", Prefix: "sk_live_abc1", CreatedAt: at("2026-06-26T10:00:00Z")}
	with := func(f func(*platform.Key)) platform.Key { k := base; f(&k); return k }
	tests := []struct {
		name    string
		body    string
		want    platform.Result
		wantErr string
	}{
		{
			name: "documented answer",
			body: `{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"` + secret + `","created_at":"2026-06-26T10:00:00Z","last_used_at":null}`,
			want: platform.Result{Key: base, Secret: secret},
		},
		{
			name: "archived_at null says active; unknown fields ignored",
			body: `{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"` + secret + `","created_at":"2026-06-26T10:00:00Z","archived_at":null,"scopes":["x"],"org":{"id":1}}`,
			want: platform.Result{Key: with(func(k *platform.Key) {
				k.Status, k.PlatformStatus = "active", "archived_at=null"
			}), Secret: secret},
		},
		{
			name: "times with a fraction and an offset are UTC",
			body: `{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"` + secret + `","created_at":"2026-06-26T12:00:00.123456+02:00","last_used_at":"2026-06-26T10:00:01.5Z"}`,
			want: platform.Result{Key: with(func(k *platform.Key) {
				k.CreatedAt = time.Date(2026, 6, 26, 10, 0, 0, 123456000, time.UTC)
				k.LastUsedAt = ptr(time.Date(2026, 6, 26, 10, 0, 1, 500000000, time.UTC))
			}), Secret: secret},
		},
		{
			name: "an ID beyond float64 stays exact",
			body: `{"id":9007199254740993,"key":"` + secret + `"}`,
			want: platform.Result{Key: platform.Key{ID: "9007199254740993"}, Secret: secret},
		},
		{
			name: "an ID as a string of digits",
			body: `{"id":"42","key":"` + secret + `"}`,
			want: platform.Result{Key: platform.Key{ID: "42"}, Secret: secret},
		},
		{
			name:    "a time of the wrong type keeps the ID and secret",
			body:    `{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"` + secret + `","created_at":1719396000,"last_used_at":"2026-06-26T14:22:00Z"}`,
			want:    platform.Result{Key: platform.Key{ID: "42", Name: "Production", Prefix: "sk_live_abc1", LastUsedAt: ptr(at("2026-06-26T14:22:00Z"))}, Secret: secret},
			wantErr: "sysevo: created_at is not an RFC 3339 time",
		},
		{
			name:    "an unparsable time keeps the ID and secret",
			body:    `{"id":42,"key":"` + secret + `","last_used_at":"yesterday"}`,
			want:    platform.Result{Key: platform.Key{ID: "42"}, Secret: secret},
			wantErr: "sysevo: last_used_at is not an RFC 3339 time",
		},
		{
			name:    "a name of the wrong type keeps the ID and secret",
			body:    `{"id":42,"name":{"en":"x"},"prefix":"sk_live_abc1","key":"` + secret + `"}`,
			want:    platform.Result{Key: platform.Key{ID: "42", Prefix: "sk_live_abc1"}, Secret: secret},
			wantErr: "sysevo: name is not a string",
		},
		{
			name:    "no secret: the ID is returned with the error",
			body:    `{"id":42,"name":"Production"}`,
			want:    platform.Result{Key: platform.Key{ID: "42", Name: "Production"}},
			wantErr: `sysevo: the create answer has no "key"`,
		},
		{
			name:    "a repeated secret, null last",
			body:    `{"id":42,"key":"` + secret + `","key":null}`,
			want:    platform.Result{Key: platform.Key{ID: "42"}},
			wantErr: `sysevo: the create answer has no "key"`,
		},
		{
			name:    "a null secret",
			body:    `{"id":42,"key":null}`,
			want:    platform.Result{Key: platform.Key{ID: "42"}},
			wantErr: `sysevo: the create answer has no "key"`,
		},
		{
			name:    "a secret of the wrong type",
			body:    `{"id":42,"key":["sk_live_abc1SECRET"]}`,
			want:    platform.Result{Key: platform.Key{ID: "42"}},
			wantErr: "sysevo: key is not a string",
		},
		{
			name:    "no ID: the secret is returned with the error",
			body:    `{"name":"Production","key":"` + secret + `"}`,
			want:    platform.Result{Key: platform.Key{Name: "Production"}, Secret: secret},
			wantErr: "sysevo: id is missing",
		},
		{
			name:    "a fractional ID",
			body:    `{"id":42.5,"key":"` + secret + `"}`,
			want:    platform.Result{Secret: secret},
			wantErr: "sysevo: id is not an integer",
		},
		{
			name:    "an ID holding the secret is not quoted",
			body:    `{"id":"` + secret + `","key":"` + secret + `"}`,
			want:    platform.Result{Secret: secret},
			wantErr: "sysevo: id is not an integer",
		},
		{name: "null", body: `null`, wantErr: "sysevo: id is missing"},
		{name: "not JSON, the secret is not quoted", body: secret, wantErr: "sysevo: the answer is not a JSON object"},
		{name: "truncated", body: `{"id":42,"key":"` + secret[:20], wantErr: "sysevo: the answer is not a JSON object"},
		{name: "an array", body: `[{"id":42,"key":"` + secret + `"}]`, wantErr: "sysevo: the answer is not a JSON object"},
		{name: "empty", body: ``, wantErr: "sysevo: the answer is not a JSON object"},
	}
	op := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "Production"}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decode(op, tt.body)
			checkErr(t, err, tt.wantErr)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			checkNoSecret(t, got.Key, err)
		})
	}
}

func checkErr(t *testing.T, err error, want string) {
	t.Helper()
	switch {
	case want == "" && err != nil:
		t.Errorf("err = %v, want none", err)
	case want != "" && (err == nil || err.Error() != want):
		t.Errorf("err = %v, want %q", err, want)
	}
}

// checkNoSecret fails when the test secret (or its distinctive middle) is in
// v or err.
func checkNoSecret(t *testing.T, v any, err error) {
	t.Helper()
	for _, s := range []string{secret, "SECRET"} {
		if path, ok := holds(reflect.ValueOf(v), s, ""); ok {
			t.Errorf("the secret is in %T%s", v, path)
		}
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("the secret is in the error %q", err)
		}
	}
}

var timeType = reflect.TypeFor[time.Time]()

// holds reports whether any string reachable from v (fields, unexported ones
// too, elements, map keys and values, interfaces) contains s, and where.
func holds(v reflect.Value, s, path string) (string, bool) {
	if !v.IsValid() || v.Type() == timeType {
		return "", false
	}
	switch v.Kind() {
	case reflect.String:
		return path, strings.Contains(v.String(), s)
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return "", false
		}
		return holds(v.Elem(), s, path)
	case reflect.Struct:
		for i := range v.NumField() {
			if p, ok := holds(v.Field(i), s, path+"."+v.Type().Field(i).Name); ok {
				return p, true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if p, ok := holds(v.Index(i), s, path+"[]"); ok {
				return p, true
			}
		}
	case reflect.Map:
		for it := v.MapRange(); it.Next(); {
			if p, ok := holds(it.Key(), s, path+"{key}"); ok {
				return p, true
			}
			if p, ok := holds(it.Value(), s, path+"{}"); ok {
				return p, true
			}
		}
	}
	return "", false
}

func TestDecodeList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		body     string
		wantKeys []platform.Key
		wantErr  string
	}{
		{
			name: "active and archived; a secret-bearing field is discarded",
			body: `{"api_keys":[
				{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"` + secret + `","created_at":"2026-06-01T10:00:00Z","last_used_at":"2026-06-26T14:22:00Z","archived_at":null},
				{"id":7,"name":"Staging","prefix":"sk_live_zz99","created_at":"2026-05-01T10:00:00Z","last_used_at":null,"archived_at":"2026-06-02T08:30:00.25Z","token":"` + secret + `"}
			],"total":2}`,
			wantKeys: []platform.Key{
				goldenListKey,
				{ID: "7", Name: "Staging", Prefix: "sk_live_zz99", Status: "archived", PlatformStatus: "archived_at=set",
					CreatedAt: at("2026-05-01T10:00:00Z"), ArchivedAt: ptr(time.Date(2026, 6, 2, 8, 30, 0, 250000000, time.UTC))},
			},
		},
		{
			name:     "no archived_at: the answer does not say the status",
			body:     `{"api_keys":[{"id":1}]}`,
			wantKeys: []platform.Key{{ID: "1"}},
		},
		{name: "empty", body: `{"api_keys":[]}`, wantKeys: []platform.Key{}},
		{name: "null list is empty", body: `{"api_keys":null}`, wantKeys: []platform.Key{}},
		{name: "no list field", body: `{}`, wantErr: `sysevo: the list answer has no "api_keys" field`},
		{name: "null", body: `null`, wantErr: `sysevo: the list answer has no "api_keys" field`},
		{name: "status ok", body: `{"status":"ok"}`, wantErr: `sysevo: the list answer has no "api_keys" field`},
		{name: "a failure-looking 2xx", body: `{"success":false,"error":{"message":"nope"}}`, wantErr: `sysevo: the list answer has no "api_keys" field`},
		{name: "a bare array", body: `[{"id":1}]`, wantErr: "sysevo: the answer is not a JSON object"},
		{name: "not JSON", body: `<html>` + secret, wantErr: "sysevo: the answer is not a JSON object"},
		{name: "empty body", body: ``, wantErr: "sysevo: the answer is not a JSON object"},
		{name: "list is an object", body: `{"api_keys":{"42":{"id":42}}}`, wantErr: "sysevo: api_keys is not an array"},
		{name: "an element that is not an object", body: `{"api_keys":[{"id":1},"` + secret + `"]}`,
			wantKeys: []platform.Key{{ID: "1"}, {}}, wantErr: "sysevo: api_keys[1] is not a key object"},
		{name: "a null element", body: `{"api_keys":[null]}`,
			wantKeys: []platform.Key{{}}, wantErr: "sysevo: api_keys[0] is not a key object"},
		{name: "an element without an ID", body: `{"api_keys":[{"id":1},{"name":"x"}]}`,
			wantKeys: []platform.Key{{ID: "1"}, {Name: "x"}}, wantErr: "sysevo: api_keys[1].id is missing"},
		{name: "a negative ID", body: `{"api_keys":[{"id":-1,"name":"x"}]}`,
			wantKeys: []platform.Key{{Name: "x"}}, wantErr: "sysevo: api_keys[0].id is not an integer"},
		{name: "a bad archived_at still says archived, and keeps the ID", body: `{"api_keys":[{"id":3,"archived_at":true}]}`,
			wantKeys: []platform.Key{{ID: "3", Status: "archived", PlatformStatus: "archived_at=set"}},
			wantErr:  "sysevo: api_keys[0].archived_at is not an RFC 3339 time"},
		{name: "an empty archived_at is not a time", body: `{"api_keys":[{"id":3,"archived_at":""}]}`,
			wantKeys: []platform.Key{{ID: "3", Status: "archived", PlatformStatus: "archived_at=set"}},
			wantErr:  "sysevo: api_keys[0].archived_at is not an RFC 3339 time"},
		// The last of a repeated member is what counts, a null included;
		// a name counts only spelled exactly.
		{name: "a repeated list: the last", body: `{"api_keys":[{"id":1,"name":"a"}],"api_keys":[{"id":2}]}`,
			wantKeys: []platform.Key{{ID: "2"}}},
		{name: "a list in capitals is not the list", body: `{"api_keys":[{"id":1,"name":"a"}],"API_KEYS":[{"id":2}]}`,
			wantKeys: []platform.Key{{ID: "1", Name: "a"}}},
		{name: "a name in capitals is not the name", body: `{"api_keys":[{"id":1,"Name":"a","ID":2}]}`,
			wantKeys: []platform.Key{{ID: "1"}}},
		{name: "a repeated list, escaped: the last", body: `{"api_keys":[{"id":1,"name":"a"}],"api_\u006beys":[{"id":1}]}`,
			wantKeys: []platform.Key{{ID: "1"}}},
		{name: "a repeated field, null last", body: `{"api_keys":[{"id":1,"name":"x","name":null,"prefix":"p"}]}`,
			wantKeys: []platform.Key{{ID: "1", Prefix: "p"}}},
		{name: "the first failure is named", body: `{"api_keys":[{"id":1,"prefix":5},{"id":2,"created_at":"x"}]}`,
			wantKeys: []platform.Key{{ID: "1"}, {ID: "2"}}, wantErr: "sysevo: api_keys[0].prefix is not a string"},
	}
	for _, incl := range []bool{false, true} {
		op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{IncludeArchived: incl}}
		for _, tt := range tests {
			got, err := decode(op, tt.body)
			checkErr(t, err, tt.wantErr)
			if diff := cmp.Diff(platform.Result{Keys: tt.wantKeys}, got); diff != "" {
				t.Errorf("%s: result (-want +got):\n%s", tt.name, diff)
			}
			checkNoSecret(t, got, err)
		}
	}
}

func TestDecodeGet(t *testing.T) {
	t.Parallel()
	list := `{"api_keys":[
		1, null, {"name":"no id"}, {"id":"abc"}, {"id":7,"created_at":5},
		{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"` + secret + `","created_at":"2026-06-01T10:00:00Z","last_used_at":"2026-06-26T14:22:00Z","archived_at":null},
		{"id":42,"name":"a duplicate"}
	]}`
	archived := platform.Key{ID: "9", Name: "old", Status: "archived", PlatformStatus: "archived_at=set",
		ArchivedAt: ptr(at("2026-06-02T00:00:00Z"))}
	notFound := &platform.Error{Status: 404, Class: platform.ClassNotFound, Message: "API key not found"}
	tests := []struct {
		name    string
		id      string
		body    string
		want    platform.Key
		wantErr error
	}{
		{name: "among malformed keys, the first match", id: "42", body: list, want: goldenListKey},
		{name: "leading zeros", id: "00042", body: list, want: goldenListKey},
		{name: "archived", id: "9", body: `{"api_keys":[{"id":9,"name":"old","archived_at":"2026-06-02T00:00:00Z"}]}`, want: archived},
		{name: "an ID as a string, leading zeros dropped", id: "9", body: `{"api_keys":[{"id":"009","name":"old","archived_at":"2026-06-02T00:00:00Z"}]}`,
			want: platform.Key{ID: "9", Name: "old", Status: "archived", PlatformStatus: "archived_at=set", ArchivedAt: ptr(at("2026-06-02T00:00:00Z"))}},
		{name: "zero", id: "000", body: `{"api_keys":[{"id":0}]}`, want: platform.Key{ID: "0"}},
		{name: "a malformed key asked for", id: "7", body: list, want: platform.Key{ID: "7"},
			wantErr: errors.New("sysevo: created_at is not an RFC 3339 time")},
		{name: "not in the list", id: "43", body: list, wantErr: notFound},
		{name: "empty list", id: "42", body: `{"api_keys":[]}`, wantErr: notFound},
		{name: "no list field", id: "42", body: `{"id":42}`, wantErr: errors.New(`sysevo: the list answer has no "api_keys" field`)},
		{name: "not JSON", id: "42", body: secret, wantErr: errors.New("sysevo: the answer is not a JSON object")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decode(&platform.Operation{Kind: platform.KindGet, KeyID: tt.id}, tt.body)
			if tt.wantErr == nil {
				checkErr(t, err, "")
			} else {
				checkErr(t, err, tt.wantErr.Error())
			}
			var want, perr *platform.Error
			if errors.As(tt.wantErr, &want) {
				if !errors.As(err, &perr) {
					t.Fatalf("err = %T, want *platform.Error", err)
				}
				if diff := cmp.Diff(*want, *perr); diff != "" {
					t.Errorf("error (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(platform.Result{Key: tt.want}, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			checkNoSecret(t, got, err)
		})
	}
}

func TestDecodeTransition(t *testing.T) {
	t.Parallel()
	partial := func(status string) platform.Key { return platform.Key{ID: "42", Status: status, Partial: true} }
	tests := []struct {
		name    string
		action  string
		body    string
		want    platform.Key
		wantErr string
	}{
		{name: "archive, empty body", action: "archive", body: ``, want: partial("archived")},
		{name: "archive, whitespace", action: "archive", body: " \n", want: partial("archived")},
		{name: "archive, {}", action: "archive", body: `{}`, want: partial("archived")},
		{name: "archive, null", action: "archive", body: `null`, want: partial("archived")},
		{name: "archive, a message", action: "archive", body: `{"message":"API key archived"}`, want: partial("archived")},
		{name: "archive, a bare string", action: "archive", body: `"archived"`, want: partial("archived")},
		{name: "archive, text", action: "archive", body: `OK`, want: partial("archived")},
		{name: "archive, an array", action: "archive", body: `[{"id":42}]`, want: partial("archived")},
		{name: "archive, no envelope is documented", action: "archive", body: `{"success":false,"error":"nope"}`, want: partial("archived")},
		{name: "archive, a null id", action: "archive", body: `{"id":null}`, want: partial("archived")},
		{name: "archive, an id that is not an integer", action: "archive", body: `{"id":"k42"}`, want: partial("archived")},
		{name: "archive, another key's object", action: "archive", body: `{"id":43,"name":"other","archived_at":null}`, want: partial("archived")},
		{name: "reactivate, empty body", action: "reactivate", body: ``, want: partial("active")},
		{name: "reactivate, {}", action: "reactivate", body: `{}`, want: partial("active")},
		{
			name: "archive, the key object", action: "archive",
			body: `{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"` + secret + `","created_at":"2026-06-01T10:00:00Z","archived_at":"2026-06-27T09:00:00Z"}`,
			want: platform.Key{ID: "42", Name: "Production", Prefix: "sk_live_abc1", Status: "archived", PlatformStatus: "archived_at=set",
				CreatedAt: at("2026-06-01T10:00:00Z"), ArchivedAt: ptr(at("2026-06-27T09:00:00Z"))},
		},
		{
			name: "reactivate, the key object", action: "reactivate",
			body: `{"id":"42","name":"Production","value":"` + secret + `","archived_at":null}`,
			want: platform.Key{ID: "42", Name: "Production", Status: "active", PlatformStatus: "archived_at=null"},
		},
		{
			name: "the key object without archived_at: status left to the client", action: "reactivate",
			body: `{"id":42,"name":"Production"}`,
			want: platform.Key{ID: "42", Name: "Production"},
		},
		{
			name: "the key object with a bad field", action: "archive",
			body:    `{"id":42,"name":"Production","created_at":"` + secret + `"}`,
			want:    platform.Key{ID: "42", Name: "Production"},
			wantErr: "sysevo: created_at is not an RFC 3339 time",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := decode(&platform.Operation{Kind: platform.KindTransition, Action: tt.action, KeyID: "42"}, tt.body)
			checkErr(t, err, tt.wantErr)
			if diff := cmp.Diff(platform.Result{Key: tt.want}, got); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
			checkNoSecret(t, got, err)
		})
	}

	// The key asked for with leading zeros is the wire's key 42.
	got, err := decode(&platform.Operation{Kind: platform.KindTransition, Action: "archive", KeyID: "042"},
		`{"id":42,"archived_at":"2026-06-27T09:00:00Z"}`)
	want := platform.Key{ID: "42", Status: "archived", PlatformStatus: "archived_at=set", ArchivedAt: ptr(at("2026-06-27T09:00:00Z"))}
	if diff := cmp.Diff(platform.Result{Key: want}, got); err != nil || diff != "" {
		t.Errorf("archive 042: err %v, result (-want +got):\n%s", err, diff)
	}
}

// TestDecode_other: a delete (which Sysevo lacks) has nothing to decode; an
// update is not an operation Sysevo has.
func TestDecode_other(t *testing.T) {
	t.Parallel()
	got, err := decode(&platform.Operation{Kind: platform.KindTransition, Action: "delete", KeyID: "42"}, `{"id":42,"key":"`+secret+`"}`)
	if err != nil || !cmp.Equal(platform.Result{}, got) {
		t.Errorf("delete: %+v, %v; want a zero Result", got, err)
	}
	got, err = decode(&platform.Operation{Kind: platform.KindUpdate, KeyID: "42"}, `{"id":42}`)
	if err == nil || err.Error() != "sysevo: no such operation 4" || !cmp.Equal(platform.Result{}, got) {
		t.Errorf("update: %+v, %v; want an error", got, err)
	}
}

// TestDecodeError: Sysevo documents no error envelope, so whatever the body
// holds, the HTTP status alone classifies the failure.
func TestDecodeError(t *testing.T) {
	t.Parallel()
	bodies := []string{
		``, `{}`, `null`, `{"message":"API key not found"}`, `{"error":"not_found","message":"x","code":"API_KEY_NOT_FOUND"}`,
		`{"detail":"Not authenticated"}`, `{"success":false,"error":{"code":"INVALID_STATE_TRANSITION","message":"m"}}`,
		`<html><body>502 Bad Gateway</body></html>`, `{"key":"` + secret + `"}`,
	}
	ops := []platform.Operation{
		{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "n"}},
		{Kind: platform.KindList, List: &platform.ListFields{}},
		{Kind: platform.KindGet, KeyID: "42"},
		{Kind: platform.KindTransition, Action: "archive", KeyID: "42"},
		{Kind: platform.KindTransition, Action: "reactivate", KeyID: "42"},
	}
	for _, status := range []int{400, 401, 403, 404, 409, 422, 429, 500, 503} {
		for _, body := range bodies {
			for i := range ops {
				got := sysevo.Mapping{}.DecodeError(ops[i], &platform.Answer{Status: status, Body: []byte(body)})
				if diff := cmp.Diff(platform.Error{}, got); diff != "" {
					t.Errorf("%d %s (-want +got):\n%s", status, body, diff)
				}
			}
		}
	}
}

// fuzzOps are every operation Sysevo has, as the client would send them.
var fuzzOps = []platform.Operation{
	{Kind: platform.KindCreate, Create: &platform.CreateFields{Name: "n"}},
	{Kind: platform.KindList, List: &platform.ListFields{}},
	{Kind: platform.KindList, List: &platform.ListFields{IncludeArchived: true}},
	{Kind: platform.KindGet, KeyID: "42"},
	{Kind: platform.KindTransition, Action: "archive", KeyID: "42"},
	{Kind: platform.KindTransition, Action: "reactivate", KeyID: "42"},
}

// decodeErr is every error Decode may return: fixed words, field names and
// indexes, never the body's bytes. "API key not found" is Get's *platform.Error
// (404) when the list does not hold the key: its Message, with no "sysevo: "
// prefix, as the client shows it after the status.
var decodeErr = regexp.MustCompile(`^(sysevo: (the answer is not a JSON object|the list answer has no "api_keys" field|` +
	`the create answer has no "key"|api_keys is not an array|api_keys\[\d+\] is not a key object|` +
	`(api_keys\[\d+\]\.)?(id|name|prefix|created_at|last_used_at|archived_at|key) ` +
	`(is missing|is not an integer|is not a string|is not an RFC 3339 time))|API key not found)$`)

// FuzzDecode: any body, for every operation, decodes without a panic into
// what the contract promises, with an error of the fixed forms; DecodeError
// is always zero; and a secret-bearing field ("key", "token", "value")
// placed anywhere in the body reaches Result.Secret of a create at most,
// never a Key, a list, a cursor or an error.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"api_keys":[{"id":42,"name":"Production","prefix":"sk_live_abc1","created_at":"2026-06-01T10:00:00Z","last_used_at":"2026-06-26T14:22:00Z","archived_at":null}]}`,
		`{"id":42,"name":"Production","prefix":"sk_live_abc1","key":"sk_live_abc1xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx","created_at":"2026-06-26T10:00:00Z","last_used_at":null}`,
		`{"api_keys":[{"id":"0042","archived_at":"2026-06-02T08:30:00.25+02:00","key":"k"},{"id":42,"name":{}},1,null]}`,
		`{"id":42,"archived_at":"x"}`, `{"id":9007199254740993}`, `{"id":1e2}`, `{"api_keys":null}`, `{"api_keys":{}}`,
		``, `{}`, `null`, `[]`, `"s"`, `{"id":42,"key":null}`, "{\"name\":\"\xff\",\"id\":42}", `{"ID":42,"Key":"x"}`,
	} {
		f.Add([]byte(s))
	}
	m := sysevo.Mapping{}
	f.Fuzz(func(t *testing.T, body []byte) {
		for i := range fuzzOps {
			op := &fuzzOps[i]
			res, err := m.Decode(*op, &platform.Answer{Status: 200, Body: body})
			checkPromises(t, op, res, err)
			if e := m.DecodeError(*op, &platform.Answer{Status: 400, Body: body}); !cmp.Equal(platform.Error{}, e) {
				t.Fatalf("DecodeError = %+v, want zero", e)
			}
		}

		var v any
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.UseNumber()
		if dec.Decode(&v) != nil {
			return
		}
		sentinel := "sk_SENTINEL_"
		for containsString(v, sentinel) {
			sentinel += "z"
		}
		injected, err := json.Marshal(inject(v, sentinel))
		if err != nil {
			return
		}
		for i := range fuzzOps {
			op := &fuzzOps[i]
			res, err := m.Decode(*op, &platform.Answer{Status: 200, Body: injected})
			checkPromises(t, op, res, err)
			if op.Kind == platform.KindCreate {
				res.Secret = "" // the one place the secret belongs
			}
			if path, ok := holds(reflect.ValueOf(res), sentinel, ""); ok {
				t.Fatalf("op %d: the secret leaked into Result%s from %s", i, path, injected)
			}
			if err != nil && strings.Contains(err.Error(), sentinel) {
				t.Fatalf("op %d: the secret leaked into the error %q", i, err)
			}
		}
	})
}

func canonical(id string) string {
	if t := strings.TrimLeft(id, "0"); t != "" {
		return t
	}
	return "0"
}

func checkPromises(t *testing.T, op *platform.Operation, res platform.Result, err error) {
	t.Helper()
	if err != nil && !decodeErr.MatchString(err.Error()) {
		t.Fatalf("op %v: error %q is not of a fixed form", op.Kind, err)
	}
	keys := append([]platform.Key{res.Key}, res.Keys...)
	for _, k := range keys {
		if k.Status != "" && k.Status != "active" && k.Status != "archived" {
			t.Fatalf("status %q", k.Status)
		}
		if k.ID != "" && !platform.IsDecimal(k.ID) {
			t.Fatalf("ID %q is not decimal", k.ID)
		}
	}
	if res.Next != "" {
		t.Fatalf("Next %q: Sysevo has no paging", res.Next)
	}
	switch op.Kind {
	case platform.KindCreate:
		if err == nil && (res.Key.ID == "" || res.Secret == "") {
			t.Fatalf("create without an error: ID %q, secret of %d bytes", res.Key.ID, len(res.Secret))
		}
	case platform.KindList:
		if err == nil && res.Keys == nil {
			t.Fatal("list without an error and without a list")
		}
		for _, k := range res.Keys {
			if err == nil && k.ID == "" {
				t.Fatal("list without an error holds a key without an ID")
			}
		}
	case platform.KindGet:
		var perr *platform.Error
		if errors.As(err, &perr) && (perr.Status != 404 || perr.Class != platform.ClassNotFound) {
			t.Fatalf("get: %+v", perr)
		}
		if err == nil && (canonical(res.Key.ID) != canonical(op.KeyID) || res.Key.Partial) {
			t.Fatalf("get %s gave %+v", op.KeyID, res.Key)
		}
	case platform.KindTransition:
		if res.Key.ID == "" || canonical(res.Key.ID) != canonical(op.KeyID) {
			t.Fatalf("%s %s gave key %q", op.Action, op.KeyID, res.Key.ID)
		}
		if res.Key.Partial && (err != nil || res.Key.ID != op.KeyID || res.Key.Status != platform.Target(op.Action)) {
			t.Fatalf("%s: partial %+v, %v", op.Action, res.Key, err)
		}
	}
}

// inject sets every secret-bearing field of every object in v to s.
func inject(v any, s string) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = inject(e, s)
		}
		for _, k := range []string{"key", "token", "value"} {
			v[k] = s
		}
	case []any:
		for i := range v {
			v[i] = inject(v[i], s)
		}
	}
	return v
}

// containsString reports whether any string or object name in v contains s.
func containsString(v any, s string) bool {
	switch v := v.(type) {
	case string:
		return strings.Contains(v, s)
	case json.Number:
		return strings.Contains(string(v), s)
	case map[string]any:
		for k, e := range v {
			if strings.Contains(k, s) || containsString(e, s) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if containsString(e, s) {
				return true
			}
		}
	}
	return false
}
