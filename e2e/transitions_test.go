package e2e

import (
	"encoding/json"
	"errors"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

var (
	allStatuses = []apikeys.Status{
		apikeys.StatusActive, apikeys.StatusPaused, apikeys.StatusInactive,
		apikeys.StatusArchived, apikeys.StatusRevoked,
	}
	allActions = []apikeys.Action{
		apikeys.ActionActivate, apikeys.ActionDeactivate, apikeys.ActionPause, apikeys.ActionUnpause,
		apikeys.ActionArchive, apikeys.ActionReactivate, apikeys.ActionRevoke, apikeys.ActionDelete,
	}
)

// gone is where delete leads.
const gone apikeys.Status = "(gone)"

// designTable is DESIGN.md's transition table, written out here on its own so
// that it checks the client's table and the fake's rather than trusting
// either. A missing cell is a refused transition.
var designTable = map[apikeys.Status]map[apikeys.Action]apikeys.Status{
	apikeys.StatusActive: {
		apikeys.ActionDeactivate: apikeys.StatusInactive, apikeys.ActionPause: apikeys.StatusPaused,
		apikeys.ActionArchive: apikeys.StatusArchived, apikeys.ActionRevoke: apikeys.StatusRevoked,
	},
	apikeys.StatusPaused: {
		apikeys.ActionDeactivate: apikeys.StatusInactive, apikeys.ActionUnpause: apikeys.StatusActive,
		apikeys.ActionArchive: apikeys.StatusArchived, apikeys.ActionRevoke: apikeys.StatusRevoked,
	},
	apikeys.StatusInactive: {
		apikeys.ActionActivate: apikeys.StatusActive, apikeys.ActionArchive: apikeys.StatusArchived,
		apikeys.ActionRevoke: apikeys.StatusRevoked,
	},
	apikeys.StatusArchived: {
		apikeys.ActionReactivate: apikeys.StatusActive, apikeys.ActionRevoke: apikeys.StatusRevoked,
		apikeys.ActionDelete: gone,
	},
	apikeys.StatusRevoked: {
		apikeys.ActionDelete: gone,
	},
}

// TestTransitionMatrix drives every one of the 40 status × action cells
// through the real server with the public per-action methods, which (unlike
// Transition) leave the table to the server.
func TestTransitionMatrix(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	cells := 0
	for _, from := range allStatuses {
		for _, action := range allActions {
			cells++
			want, allowed := designTable[from][action]
			t.Run(string(from)+"/"+string(action), func(t *testing.T) {
				k := e.keyIn(from, "matrix "+string(from)+" "+string(action))
				if got := from.Can(action); got != allowed {
					t.Errorf("client table: %s.Can(%s) = %v, DESIGN.md says %v", from, action, got, allowed)
				}
				got, err := actionMethod(e.c, action)(e.ctx, k.ID)
				switch {
				case !allowed:
					if got != nil {
						t.Errorf("a refused %s returned key %+v", action, got)
					}
					apiErr := wantAPIError(t, err, apikeys.ErrInvalidTransition, http.StatusBadRequest, "INVALID_STATE_TRANSITION")
					wantOperation(t, apiErr, string(action), k.ID)
					if apiErr.Details["from"] != string(from) || apiErr.Details["action"] != string(action) {
						t.Errorf("Details %v, want from %s action %s", apiErr.Details, from, action)
					}
					if apiErr.Attempts != 1 {
						t.Errorf("a 400 was attempted %d times, want 1", apiErr.Attempts)
					}
					if errors.Is(err, apikeys.ErrNotFound) || errors.Is(err, apikeys.ErrInvalidParams) {
						t.Errorf("%v matches another sentinel too", err)
					}
					if after := e.mustGet(k.ID); after.Status != from {
						t.Errorf("a refused %s moved the key from %s to %s", action, from, after.Status)
					}
				case want == gone:
					if err != nil || got != nil {
						t.Fatalf("Delete from %s: key %v, error %v", from, got, err)
					}
					_, err := e.c.Get(e.ctx, k.ID)
					wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
				default:
					if err != nil {
						t.Fatalf("%s from %s: %v", action, from, err)
					}
					if got.Status != want || got.ID != k.ID {
						t.Errorf("%s from %s: key %s is %s, want %s", action, from, got.ID, got.Status, want)
					}
					if next, err := from.Next(action); err != nil || next != want {
						t.Errorf("client table: %s.Next(%s) = %s, %v; want %s", from, action, next, err, want)
					}
					if diff := cmp.Diff(want.Actions(), got.AvailableActions); diff != "" {
						t.Errorf("AvailableActions of a %s key (-Status.Actions +server):\n%s", want, diff)
					}
					// is_active is not part of Key; read it from the wire.
					code, _, body := e.raw(http.MethodGet, "/organizations/"+e.srv.OrgID+"/api-keys/"+k.ID, nil, nil)
					var wire struct {
						Status   string `json:"status"`
						IsActive bool   `json:"is_active"`
					}
					if err := json.Unmarshal(body, &wire); code != http.StatusOK || err != nil {
						t.Fatalf("raw GET: %d %v", code, err)
					}
					if wire.Status != string(want) || wire.IsActive != (want == apikeys.StatusActive) {
						t.Errorf("wire: status %q is_active %v after %s from %s", wire.Status, wire.IsActive, action, from)
					}
				}
			})
		}
	}
	if cells != 40 {
		t.Errorf("%d cells, want 40", cells)
	}
}

// TestTransitionRefusedLocally: Transition checks the table before sending,
// so a refused cell costs no request; an allowed one goes to the server.
func TestTransitionRefusedLocally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, from := range allStatuses {
		k := e.keyIn(from, "local "+string(from))
		for _, action := range allActions {
			if _, allowed := designTable[from][action]; allowed {
				continue
			}
			before := e.requests()
			got, err := e.c.Transition(e.ctx, k, action)
			if got != nil || !errors.Is(err, apikeys.ErrInvalidTransition) {
				t.Errorf("Transition(%s key, %s) = %v, %v; want ErrInvalidTransition", from, action, got, err)
			}
			var te *apikeys.TransitionError
			if !errors.As(err, &te) || te.From != from || te.Action != action {
				t.Errorf("Transition(%s key, %s): %#v, want *TransitionError{%s, %s}", from, action, err, from, action)
			}
			var apiErr *apikeys.APIError
			if errors.As(err, &apiErr) {
				t.Errorf("Transition(%s key, %s): a server answer %v for a local refusal", from, action, apiErr)
			}
			if n := e.requests() - before; n != 0 {
				t.Errorf("Transition(%s key, %s) sent %d requests, want 0", from, action, n)
			}
		}
	}
	// A stale local status is the server's to refuse: the key is revoked on
	// the server but the caller's copy still says active.
	k := e.keyIn(apikeys.StatusActive, "stale")
	if _, err := e.c.Revoke(e.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	before := e.requests()
	_, err := e.c.Transition(e.ctx, k, apikeys.ActionPause)
	wantAPIError(t, err, apikeys.ErrInvalidTransition, http.StatusBadRequest, "INVALID_STATE_TRANSITION")
	if n := e.requests() - before; n != 1 {
		t.Errorf("a locally allowed Transition sent %d requests, want 1", n)
	}
	// Nil keys and unknown actions are refused without a request too.
	before = e.requests()
	if _, err := e.c.Transition(e.ctx, nil, apikeys.ActionPause); !errors.Is(err, apikeys.ErrInvalidParams) {
		t.Errorf("Transition(nil): %v, want ErrInvalidParams", err)
	}
	if _, err := e.c.Transition(e.ctx, k, apikeys.Action("explode")); !errors.Is(err, apikeys.ErrInvalidTransition) {
		t.Errorf("Transition(explode): %v, want ErrInvalidTransition", err)
	}
	if n := e.requests() - before; n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}
