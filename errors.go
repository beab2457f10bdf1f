package apikeys

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/transport"
)

// Sentinel errors to branch on with errors.Is. An *APIError matches the ones
// its status code and error code imply; local errors match ErrInvalidParams,
// ErrInvalidTransition or ErrUnsupported.
var (
	// ErrNotFound: HTTP 404 or code API_KEY_NOT_FOUND.
	ErrNotFound = errors.New("apikeys: not found")
	// ErrInvalidTransition: code INVALID_STATE_TRANSITION, or a *TransitionError
	// refused locally before any request.
	ErrInvalidTransition = errors.New("apikeys: invalid state transition")
	// ErrUnauthorized: HTTP 401, the credential was refused.
	ErrUnauthorized = errors.New("apikeys: unauthorized")
	// ErrForbidden: HTTP 403, the credential lacks a permission.
	ErrForbidden = errors.New("apikeys: forbidden")
	// ErrRateLimited: HTTP 429 after the retries allowed were spent.
	ErrRateLimited = errors.New("apikeys: rate limited")
	// ErrConflict: HTTP 409, for example IDEMPOTENCY_KEY_REUSED.
	ErrConflict = errors.New("apikeys: conflict")
	// ErrInvalidParams: HTTP 422 or code VALIDATION_ERROR, or a *ValidationError
	// refused locally before any request.
	ErrInvalidParams = errors.New("apikeys: invalid parameters")
	// ErrServer: HTTP 5xx after the retries allowed were spent.
	ErrServer = errors.New("apikeys: server error")
	// ErrUnsupported: the platform has no such operation; no request was sent.
	ErrUnsupported = errors.New("apikeys: operation not supported by the platform")
	// ErrRedirect: the server redirected to another scheme, host or port, or
	// in a way that would change the method (a POST answered 302). It is
	// refused before any request reaches the other origin; never retried.
	ErrRedirect = transport.ErrRedirect
	// ErrResponseTooLarge: a success body over 4 MiB; never retried.
	ErrResponseTooLarge = transport.ErrBodyTooLarge
)

// Error codes of the reference API's envelope that map to sentinels.
const (
	codeNotFound          = "API_KEY_NOT_FOUND"
	codeInvalidTransition = "INVALID_STATE_TRANSITION"
	codeValidation        = "VALIDATION_ERROR"
)

// APIError is a non-2xx answer from the API. Every field of the error envelope
// is kept; a body that is not the envelope (an HTML page from a proxy, an empty
// or truncated body) still gives StatusCode and at most 4 KiB of Body.
//
// Error() shows the status, code, message and request ID; it never contains the
// client's credential or a key secret.
type APIError struct {
	StatusCode    int            // HTTP status of the last attempt
	Code          string         // machine-readable code, e.g. "API_KEY_NOT_FOUND"
	Message       string         // human-readable message
	SystemMessage string         // the server's technical detail, if any
	Type          string         // error class, e.g. "validation_error"
	TraceID       string         // the server's trace ID, for support requests
	RequestID     string         // the X-Request-Id response header
	Timestamp     time.Time      // when the server produced the error; zero if absent
	Details       map[string]any // structured detail, e.g. {"field": "key_name"}
	Attempts      int            // how many attempts were made, retries included
	Body          []byte         // the raw body, at most 4 KiB
}

// Error returns a one-line summary that is safe to log.
func (e *APIError) Error() string {
	var b strings.Builder
	b.WriteString("apikeys: ")
	fmt.Fprintf(&b, "%d %s", e.StatusCode, http.StatusText(e.StatusCode))
	if e.Code != "" {
		b.WriteString(": ")
		b.WriteString(e.Code)
	}
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	return b.String()
}

// Is reports whether the error matches target, one of the sentinel errors.
// Both the error code and the status code are consulted, and an error may
// match more than one sentinel: a 409 with code INVALID_STATE_TRANSITION is
// both ErrInvalidTransition and ErrConflict.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.Code == codeNotFound
	case ErrInvalidTransition:
		return e.Code == codeInvalidTransition
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests
	case ErrConflict:
		return e.StatusCode == http.StatusConflict
	case ErrInvalidParams:
		return e.StatusCode == http.StatusUnprocessableEntity || e.Code == codeValidation
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599
	}
	return false
}

// TransitionError is a lifecycle action that the transition table refuses from
// the key's current status. It matches ErrInvalidTransition. Returned by
// Status.Next and by Client.Transition, which sends no request in that case.
type TransitionError struct {
	From   Status // the key's status when the action was refused
	Action Action // the refused action
}

// Error says which action was refused from which status.
func (e *TransitionError) Error() string {
	if !e.Action.Valid() {
		return fmt.Sprintf("apikeys: unknown action %q", string(e.Action))
	}
	return fmt.Sprintf("apikeys: cannot %s a key that is %q", e.Action, string(e.From))
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// ValidationError is a parameter refused locally, before any request was
// sent. Field names the parameter (e.g. "keyID", "ExpiresAt"); Reason says what
// is wrong with it, without repeating the value. It matches ErrInvalidParams.
type ValidationError struct {
	Field  string // the parameter or option, e.g. "ExpiresAt", "keyID", "WithBaseURL"
	Reason string // what is wrong, never the value itself
}

// Error names the field and the reason, never the value.
func (e *ValidationError) Error() string {
	return "apikeys: invalid " + e.Field + ": " + e.Reason
}

// Is makes errors.Is(err, ErrInvalidParams) true.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalidParams }
