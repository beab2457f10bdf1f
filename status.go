package apikeys

import "slices"

// Status is the lifecycle state of a key. The five known states are the
// Status constants; a server may report others, which decode unchanged and
// report Valid() == false.
type Status string

// The lifecycle states, in the SDK's words on every platform: a platform's
// own word for a status is in Key.PlatformStatus.
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

// Valid reports whether s is one of the five known states.
func (s Status) Valid() bool {
	switch s {
	case StatusActive, StatusPaused, StatusInactive, StatusArchived, StatusRevoked:
		return true
	}
	return false
}

// Can reports whether the reference API's transition table allows action a
// from s. For another platform use Platform.Can or Key.Can. An unknown
// status or action allows nothing.
func (s Status) Can(a Action) bool { return Reference.Can(s, a) }

// Next returns the state that action a leads to from s on the reference
// API. ActionDelete leads to the empty Status: the key no longer exists. A
// refused transition returns a *TransitionError, which matches
// ErrInvalidTransition.
func (s Status) Next(a Action) (Status, error) {
	if !s.Can(a) {
		return s, &TransitionError{Platform: Reference, From: s, Action: a}
	}
	return Reference.Next(s, a)
}

// Actions returns the actions Can allows from s, in the order of the Action
// constants. The caller owns the returned slice.
func (s Status) Actions() []Action { return Reference.Actions(s) }

// Valid reports whether a is one of the eight known actions.
func (a Action) Valid() bool {
	return slices.Contains(allActions[:], a)
}
