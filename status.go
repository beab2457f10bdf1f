package apikeys

import "slices"

// Status is the lifecycle state of a key. The five known states are the
// Status constants; a server may report others, which decode unchanged and
// report Valid() == false.
type Status string

// The lifecycle states of the reference API.
const (
	StatusActive   Status = "active"   // the key authenticates requests
	StatusPaused   Status = "paused"   // temporarily refused; Unpause restores it
	StatusInactive Status = "inactive" // deactivated; Activate restores it
	StatusArchived Status = "archived" // soft-deleted; Reactivate restores it
	StatusRevoked  Status = "revoked"  // permanently refused; only Delete remains
)

// Action is a lifecycle operation on a key.
type Action string

// The lifecycle actions, in the fixed order Status.Actions reports them.
const (
	ActionActivate   Action = "activate"
	ActionDeactivate Action = "deactivate"
	ActionPause      Action = "pause"
	ActionUnpause    Action = "unpause"
	ActionArchive    Action = "archive"
	ActionReactivate Action = "reactivate"
	ActionRevoke     Action = "revoke"
	ActionDelete     Action = "delete" // permanent; only from archived or revoked
)

// allActions fixes the order of Status.Actions and Key.AvailableActions.
var allActions = [...]Action{
	ActionActivate, ActionDeactivate, ActionPause, ActionUnpause,
	ActionArchive, ActionReactivate, ActionRevoke, ActionDelete,
}

// gone is the target of ActionDelete: the key no longer exists.
const gone Status = ""

// transitions is the reference API's transition table; a missing cell is a
// refused transition. It is a package-level value, not state: nothing writes it.
var transitions = map[Status]map[Action]Status{
	StatusActive: {
		ActionDeactivate: StatusInactive, ActionPause: StatusPaused,
		ActionArchive: StatusArchived, ActionRevoke: StatusRevoked,
	},
	StatusPaused: {
		ActionDeactivate: StatusInactive, ActionUnpause: StatusActive,
		ActionArchive: StatusArchived, ActionRevoke: StatusRevoked,
	},
	StatusInactive: {
		ActionActivate: StatusActive, ActionArchive: StatusArchived, ActionRevoke: StatusRevoked,
	},
	StatusArchived: {
		ActionReactivate: StatusActive, ActionRevoke: StatusRevoked, ActionDelete: gone,
	},
	StatusRevoked: {
		ActionDelete: gone,
	},
}

// Valid reports whether s is one of the five known states.
func (s Status) Valid() bool {
	_, ok := transitions[s]
	return ok
}

// Can reports whether the transition table allows action a from s. An unknown
// status or action allows nothing.
func (s Status) Can(a Action) bool {
	_, ok := transitions[s][a]
	return ok
}

// Next returns the state that action a leads to from s. ActionDelete leads to
// the empty Status: the key no longer exists. A refused transition returns a
// *TransitionError, which matches ErrInvalidTransition.
func (s Status) Next(a Action) (Status, error) {
	next, ok := transitions[s][a]
	if !ok {
		return s, &TransitionError{From: s, Action: a}
	}
	return next, nil
}

// Actions returns the actions Can allows from s, in the order of the Action
// constants. The caller owns the returned slice.
func (s Status) Actions() []Action {
	var out []Action
	for _, a := range allActions {
		if s.Can(a) {
			out = append(out, a)
		}
	}
	return out
}

// Valid reports whether a is one of the eight known actions.
func (a Action) Valid() bool {
	return slices.Contains(allActions[:], a)
}
