package platform

import (
	"bytes"
	"errors"
	"strconv"
)

// The SDK's statuses, in their fixed order.
const (
	StatusActive   = "active"
	StatusPaused   = "paused"
	StatusInactive = "inactive"
	StatusArchived = "archived"
	StatusRevoked  = "revoked"
)

// The SDK's actions, in their fixed order.
const (
	ActionActivate   = "activate"
	ActionDeactivate = "deactivate"
	ActionPause      = "pause"
	ActionUnpause    = "unpause"
	ActionArchive    = "archive"
	ActionReactivate = "reactivate"
	ActionRevoke     = "revoke"
	ActionDelete     = "delete"
)

// The Go field names of CreateParams, UpdateParams and ListParams, as
// Spec.CreateFields, UpdateFields and ServerFilters list them.
const (
	FieldName            = "Name"
	FieldScopes          = "Scopes"
	FieldUsageLimitCHF   = "UsageLimitCHF"
	FieldClearUsageLimit = "ClearUsageLimit"
	FieldExpiresAt       = "ExpiresAt"
	FieldClearExpiresAt  = "ClearExpiresAt"
	FieldPermissionMode  = "PermissionMode"
	FieldAccess          = "Access"
	FieldProjectID       = "ProjectID"
	FieldIdempotencyKey  = "IdempotencyKey"
	FieldStatus          = "Status"
	FieldIncludeArchived = "IncludeArchived"
)

// Target is the status an action leads to on every platform; "" for delete
// (the key is gone) and for an unknown action.
func Target(action string) string {
	switch action {
	case ActionActivate, ActionUnpause, ActionReactivate:
		return StatusActive
	case ActionDeactivate:
		return StatusInactive
	case ActionPause:
		return StatusPaused
	case ActionArchive:
		return StatusArchived
	case ActionRevoke:
		return StatusRevoked
	}
	return ""
}

// IntID decodes a JSON integer ID ("id": 12) into its decimal text without
// going through float64, so 2^53+1 stays exact. A JSON string of digits is
// accepted too, leading zeros dropped so that the ID is the one a caller can
// pass back; anything else (a fraction, an exponent, a sign, null) is an
// error.
type IntID string

var errIntID = errors.New("id is not a non-negative integer")

// UnmarshalJSON implements json.Unmarshaler.
func (id *IntID) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
		for len(b) > 1 && b[0] == '0' {
			b = b[1:]
		}
	}
	if !IsDecimal(string(b)) {
		return errIntID
	}
	*id = IntID(b)
	return nil
}

// IsDecimal reports whether s is an integer ID in its one canonical form:
// ASCII digits without leading zeros that fit an int64. "042" is refused,
// not read as 42: a platform that compares IDs as text would take it for
// another key.
func IsDecimal(s string) bool {
	if s == "" || len(s) > 19 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	_, err := strconv.ParseInt(s, 10, 64)
	return err == nil
}
