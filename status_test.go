package apikeys_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

// columns are the actions of DESIGN.md's transition table, in its order.
var columns = [8]apikeys.Action{
	"activate", "deactivate", "pause", "unpause", "archive", "reactivate", "revoke", "delete",
}

// table is DESIGN.md's transition table, copied cell by cell: "" is a refused
// transition, "gone" is a permanent delete (Next returns the empty Status).
var table = map[apikeys.Status][8]string{
	//            activate  deactivate  pause     unpause   archive     reactivate revoke     delete
	"active":   {"", "inactive", "paused", "", "archived", "", "revoked", ""},
	"paused":   {"", "inactive", "", "active", "archived", "", "revoked", ""},
	"inactive": {"active", "", "", "", "archived", "", "revoked", ""},
	"archived": {"", "", "", "", "", "active", "revoked", "gone"},
	"revoked":  {"", "", "", "", "", "", "", "gone"},
}

// statuses are the table's rows, in its order.
var statuses = []apikeys.Status{"active", "paused", "inactive", "archived", "revoked"}

func TestConstants(t *testing.T) {
	gotStatuses := []apikeys.Status{
		apikeys.StatusActive, apikeys.StatusPaused, apikeys.StatusInactive,
		apikeys.StatusArchived, apikeys.StatusRevoked,
	}
	if diff := cmp.Diff(statuses, gotStatuses); diff != "" {
		t.Errorf("Status constants (-want +got):\n%s", diff)
	}
	gotActions := [8]apikeys.Action{
		apikeys.ActionActivate, apikeys.ActionDeactivate, apikeys.ActionPause, apikeys.ActionUnpause,
		apikeys.ActionArchive, apikeys.ActionReactivate, apikeys.ActionRevoke, apikeys.ActionDelete,
	}
	if diff := cmp.Diff(columns, gotActions); diff != "" {
		t.Errorf("Action constants (-want +got):\n%s", diff)
	}
	modes := []apikeys.PermissionMode{apikeys.PermissionAll, apikeys.PermissionRestricted, apikeys.PermissionReadOnly}
	if diff := cmp.Diff([]apikeys.PermissionMode{"all", "restricted", "read_only"}, modes); diff != "" {
		t.Errorf("PermissionMode constants (-want +got):\n%s", diff)
	}
}

func TestTransitionTable(t *testing.T) {
	t.Parallel()
	cells := 0
	for _, from := range statuses {
		for i, a := range columns {
			cells++
			want := table[from][i]
			t.Run(string(from)+"/"+string(a), func(t *testing.T) {
				t.Parallel()
				if got := from.Can(a); got != (want != "") {
					t.Errorf("%q.Can(%q) = %v, want %v", from, a, got, want != "")
				}
				next, err := from.Next(a)
				switch want {
				case "":
					var te *apikeys.TransitionError
					if !errors.As(err, &te) {
						t.Fatalf("%q.Next(%q) = %q, %v; want a *TransitionError", from, a, next, err)
					}
					if diff := cmp.Diff(apikeys.TransitionError{Platform: apikeys.Reference, From: from, Action: a}, *te); diff != "" {
						t.Errorf("TransitionError (-want +got):\n%s", diff)
					}
					if !errors.Is(err, apikeys.ErrInvalidTransition) {
						t.Errorf("errors.Is(%v, ErrInvalidTransition) = false", err)
					}
					if errors.Is(err, apikeys.ErrInvalidParams) {
						t.Errorf("errors.Is(%v, ErrInvalidParams) = true", err)
					}
				case "gone":
					if err != nil || next != "" {
						t.Errorf("%q.Next(%q) = %q, %v; want \"\" (gone), nil", from, a, next, err)
					}
				default:
					if err != nil || next != apikeys.Status(want) {
						t.Errorf("%q.Next(%q) = %q, %v; want %q, nil", from, a, next, err, want)
					}
				}
			})
		}
	}
	if cells != 40 {
		t.Errorf("tested %d cells, want 40", cells)
	}
}

func TestStatus_Actions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status apikeys.Status
		want   []apikeys.Action
	}{
		{"active", []apikeys.Action{"deactivate", "pause", "archive", "revoke"}},
		{"paused", []apikeys.Action{"deactivate", "unpause", "archive", "revoke"}},
		{"inactive", []apikeys.Action{"activate", "archive", "revoke"}},
		{"archived", []apikeys.Action{"reactivate", "revoke", "delete"}},
		{"revoked", []apikeys.Action{"delete"}},
		{"frozen", nil},
		{"", nil},
	}
	for _, tt := range tests {
		t.Run(string(tt.status), func(t *testing.T) {
			t.Parallel()
			got := tt.status.Actions()
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("%q.Actions() (-want +got):\n%s", tt.status, diff)
			}
			// The caller owns the slice: changing it changes nothing.
			if len(got) > 0 {
				got[0] = "mutated"
				if diff := cmp.Diff(tt.want, tt.status.Actions()); diff != "" {
					t.Errorf("after mutating a result, %q.Actions() (-want +got):\n%s", tt.status, diff)
				}
			}
		})
	}
}

func TestStatus_Valid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		status apikeys.Status
		want   bool
	}{
		{"active", true}, {"paused", true}, {"inactive", true}, {"archived", true}, {"revoked", true},
		{"x", false}, {"", false}, {"Active", false}, {"frozen", false}, {"active ", false}, {"gone", false},
	}
	for _, tt := range tests {
		if got := tt.status.Valid(); got != tt.want {
			t.Errorf("Status(%q).Valid() = %v, want %v", tt.status, got, tt.want)
		}
	}
}

func TestStatus_unknownAllowsNothing(t *testing.T) {
	t.Parallel()
	for _, s := range []apikeys.Status{"frozen", "", "ACTIVE"} {
		for _, a := range columns {
			if s.Can(a) {
				t.Errorf("%q.Can(%q) = true, want false", s, a)
			}
			if _, err := s.Next(a); !errors.Is(err, apikeys.ErrInvalidTransition) {
				t.Errorf("%q.Next(%q) error = %v, want ErrInvalidTransition", s, a, err)
			}
		}
	}
	for _, s := range statuses {
		for _, a := range []apikeys.Action{"freeze", "", "Pause", "update"} {
			if s.Can(a) {
				t.Errorf("%q.Can(%q) = true, want false", s, a)
			}
			_, err := s.Next(a)
			var te *apikeys.TransitionError
			if !errors.As(err, &te) || te.From != s || te.Action != a {
				t.Errorf("%q.Next(%q) error = %#v, want *TransitionError{%q, %q}", s, a, err, s, a)
			}
		}
	}
}

func TestAction_Valid(t *testing.T) {
	t.Parallel()
	for _, a := range columns {
		if !a.Valid() {
			t.Errorf("Action(%q).Valid() = false, want true", a)
		}
	}
	for _, a := range []apikeys.Action{"", "freeze", "Delete", "update", "get", "activate "} {
		if a.Valid() {
			t.Errorf("Action(%q).Valid() = true, want false", a)
		}
	}
}

func TestPermissionMode_Valid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		mode apikeys.PermissionMode
		want bool
	}{
		{"all", true}, {"restricted", true}, {"read_only", true},
		{"", false}, {"readonly", false}, {"ALL", false}, {"write", false},
	}
	for _, tt := range tests {
		if got := tt.mode.Valid(); got != tt.want {
			t.Errorf("PermissionMode(%q).Valid() = %v, want %v", tt.mode, got, tt.want)
		}
	}
}

// wantRequest is the request each action is: method and the path after
// .../api-keys/k1, with its query.
var wantRequest = map[apikeys.Action]struct{ method, suffix string }{
	"activate":   {http.MethodPost, "/activate"},
	"deactivate": {http.MethodPost, "/deactivate"},
	"pause":      {http.MethodPost, "/pause"},
	"unpause":    {http.MethodPost, "/unpause"},
	"archive":    {http.MethodDelete, ""},
	"reactivate": {http.MethodPost, "/reactivate"},
	"revoke":     {http.MethodPost, "/revoke"},
	"delete":     {http.MethodDelete, "?permanent=true"},
}

func TestClient_Transition(t *testing.T) {
	for _, from := range statuses {
		for i, a := range columns {
			want := table[from][i]
			t.Run(string(from)+"/"+string(a), func(t *testing.T) {
				c, f := newTestClient(t)
				wr := wantRequest[a]
				url := collURL + "/k1" + wr.suffix
				switch want {
				case "gone":
					f.on(wr.method, url, reply{status: http.StatusNoContent})
				case "":
					// Nothing answers: the transition must be refused locally.
				default:
					f.on(wr.method, url, reply{status: 200, body: `{"id":"k1","status":"` + want + `"}`})
				}
				// A key of the client's platform, named or left empty, is the same.
				keyPlatform := apikeys.Platform("")
				if i%2 == 0 {
					keyPlatform = apikeys.Reference
				}
				key, err := c.Transition(t.Context(), &apikeys.Key{ID: "k1", Status: from, Platform: keyPlatform}, a)
				switch want {
				case "":
					var te *apikeys.TransitionError
					if !errors.As(err, &te) {
						t.Fatalf("Transition = %v, %v; want a *TransitionError", key, err)
					}
					if diff := cmp.Diff(apikeys.TransitionError{Platform: apikeys.Reference, From: from, Action: a}, *te); diff != "" {
						t.Errorf("TransitionError (-want +got):\n%s", diff)
					}
					if !errors.Is(err, apikeys.ErrInvalidTransition) {
						t.Errorf("errors.Is(%v, ErrInvalidTransition) = false", err)
					}
					if key != nil {
						t.Errorf("key = %+v, want nil", key)
					}
					assertNoRequest(t, f)
					return
				case "gone":
					if err != nil || key != nil {
						t.Fatalf("Transition = %+v, %v; want nil, nil", key, err)
					}
				default:
					if err != nil {
						t.Fatalf("Transition: %v", err)
					}
					wantKey := &apikeys.Key{ID: "k1", Status: apikeys.Status(want), PlatformStatus: want, Platform: apikeys.Reference}
					if diff := cmp.Diff(wantKey, key, ignoreUnexported); diff != "" {
						t.Errorf("key (-want +got):\n%s", diff)
					}
				}
				r := f.onlyRequest(t)
				if diff := cmp.Diff(wr.method+" "+url, r.Method+" "+r.URL); diff != "" {
					t.Errorf("request (-want +got):\n%s", diff)
				}
				if len(r.Body) != 0 {
					t.Errorf("body = %q, want none", r.Body)
				}
				assertHeaders(t, r, testUserAgent)
			})
		}
	}
}

func TestClient_Transition_refusedLocally(t *testing.T) {
	tests := []struct {
		name      string
		key       *apikeys.Key
		action    apikeys.Action
		wantErr   error
		wantField string // for a *ValidationError
		wantMsg   string
	}{
		{
			name: "nil key", key: nil, action: apikeys.ActionPause,
			wantErr: apikeys.ErrInvalidParams, wantField: "key", wantMsg: "apikeys: invalid key: is nil",
		},
		{
			name: "unknown action", key: &apikeys.Key{ID: "k1", Status: apikeys.StatusActive}, action: "freeze",
			wantErr: apikeys.ErrInvalidTransition, wantMsg: `apikeys: unknown action "freeze"`,
		},
		{
			name: "unknown status", key: &apikeys.Key{ID: "k1", Status: "frozen"}, action: apikeys.ActionPause,
			wantErr: apikeys.ErrInvalidTransition, wantMsg: `apikeys: cannot pause a key that is "frozen"`,
		},
		{
			name: "refused cell", key: &apikeys.Key{ID: "k1", Status: apikeys.StatusRevoked}, action: apikeys.ActionReactivate,
			wantErr: apikeys.ErrInvalidTransition, wantMsg: `apikeys: cannot reactivate a key that is "revoked"`,
		},
		{
			name: "key of another platform", key: &apikeys.Key{ID: "k1", Status: apikeys.StatusActive, Platform: apikeys.OrqAI}, action: apikeys.ActionDeactivate,
			wantErr: apikeys.ErrInvalidParams, wantField: "key", wantMsg: "apikeys: invalid key: belongs to orq-ai, not to this client's reference",
		},
		{
			name: "allowed cell but key ID with a slash", key: &apikeys.Key{ID: "a/b", Status: apikeys.StatusActive}, action: apikeys.ActionPause,
			wantErr: apikeys.ErrInvalidParams, wantField: "keyID", wantMsg: `apikeys: invalid keyID: must not contain "/" or "\"`,
		},
		{
			name: "allowed cell but empty key ID", key: &apikeys.Key{Status: apikeys.StatusActive}, action: apikeys.ActionPause,
			wantErr: apikeys.ErrInvalidParams, wantField: "keyID", wantMsg: "apikeys: invalid keyID: is empty",
		},
		{
			name: "allowed cell but key ID ..", key: &apikeys.Key{ID: "..", Status: apikeys.StatusArchived}, action: apikeys.ActionDelete,
			wantErr: apikeys.ErrInvalidParams, wantField: "keyID", wantMsg: `apikeys: invalid keyID: must not be "." or ".."`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			key, err := c.Transition(t.Context(), tt.key, tt.action)
			if key != nil {
				t.Errorf("key = %+v, want nil", key)
			}
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("err = %v, want %v", err, tt.wantErr)
			}
			if err == nil || err.Error() != tt.wantMsg {
				t.Errorf("err = %v, want %q", err, tt.wantMsg)
			}
			if tt.wantField != "" {
				var ve *apikeys.ValidationError
				if !errors.As(err, &ve) || ve.Field != tt.wantField {
					t.Errorf("err = %#v, want *ValidationError with Field %q", err, tt.wantField)
				}
			}
			assertNoRequest(t, f)
		})
	}
}
