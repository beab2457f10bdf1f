package apikeys

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/transport"
)

// Sentinel errors to branch on with errors.Is. An *APIError matches the ones
// its status code and error code imply; local errors match ErrInvalidParams,
// ErrInvalidTransition or ErrUnsupported.
var (
	// ErrNotFound: HTTP 404 or the platform's not-found code
	// (API_KEY_NOT_FOUND, not_found).
	ErrNotFound = errors.New("apikeys: not found")
	// ErrInvalidTransition: the platform's code for a refused transition
	// (INVALID_STATE_TRANSITION, invalid_action), or a *TransitionError
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
	// ErrInvalidParams: HTTP 422 or the platform's validation code, or a
	// *ValidationError refused locally before any request.
	ErrInvalidParams = errors.New("apikeys: invalid parameters")
	// ErrServer: HTTP 5xx after the retries allowed were spent.
	ErrServer = errors.New("apikeys: server error")
	// ErrUnsupported: the platform has no such operation, action, field or
	// option; an *UnsupportedError, and no request was sent.
	ErrUnsupported = errors.New("apikeys: operation not supported by the platform")
	// ErrRedirect: the server redirected to another scheme, host or port, or
	// in a way that would change the method (a POST answered 302). It is
	// refused before any request reaches the other origin; never retried.
	ErrRedirect = transport.ErrRedirect
	// ErrResponseTooLarge: a success body over its bound (4 MiB; 64 MiB for
	// a list that comes in one answer); never retried.
	ErrResponseTooLarge = transport.ErrBodyTooLarge
	// ErrOutcomeUnknown: a mutation may or may not have been applied; see
	// *OutcomeUnknownError.
	ErrOutcomeUnknown = errors.New("apikeys: outcome unknown")
	// ErrRetryBudgetExhausted: a retry was due but the client-wide retry
	// budget refused it (a server failing most requests); see
	// WithRetryBudget.
	ErrRetryBudgetExhausted = transport.ErrRetryBudgetExhausted
)

// APIError is an answer from the API that reports a failure: a non-2xx, or a
// 2xx whose body is the platform's failure envelope. Every field of the
// platform's error envelope is kept; a body that is not the envelope (an HTML
// page from a proxy, an empty or truncated body) still gives StatusCode and at
// most 4 KiB of Body.
//
// Error() names the platform, the operation and the key; it never contains
// the client's credential or a key secret.
type APIError struct {
	Platform   Platform // the platform that answered
	Operation  string   // the client's operation: "create", "get", "pause", …
	KeyID      string   // the key operated on; "" for create and list
	StatusCode int      // HTTP status of the last attempt (or the one a 2xx envelope names)
	// Code is the platform's machine-readable code, e.g. "API_KEY_NOT_FOUND",
	// "invalid_request_body", "not_found"; "" where it has none.
	Code          string
	Message       string         // human-readable message
	SystemMessage string         // the server's technical detail, if any
	Type          string         // error class, e.g. "client_error"
	TraceID       string         // the server's trace ID, for support requests
	RequestID     string         // the platform's request-ID header (X-Request-Id)
	Timestamp     time.Time      // when the server produced the error; zero if absent
	Details       map[string]any // structured detail, e.g. {"field": "key_name"}; orq.ai's doc_url
	// RetryAfter is the wait the server asked for (Retry-After) when the
	// client did not wait it: longer than WithMaxRetryDelay or the context's
	// time left. Zero otherwise.
	RetryAfter time.Duration
	Attempts   int    // how many attempts were made, retries included
	Body       []byte // the raw body, at most 4 KiB, credential scrubbed

	class         platform.Class
	budgetRefused bool
	// waitLimit is the limit RetryAfter exceeded: WithMaxRetryDelay, or the
	// context's time left when waitDeadline.
	waitLimit    time.Duration
	waitDeadline bool
	// orgHint is the client's organization when the answer, a 404, cannot
	// tell a wrong organization from a missing key.
	orgHint string
}

// writeWhere writes the start every error of a call shares,
// "apikeys: <platform>: <operation>[ key <id>]", leaving out what is empty.
func writeWhere(b *strings.Builder, p Platform, op, keyID string) {
	b.WriteString("apikeys: ")
	if p != "" {
		b.WriteString(string(p))
		b.WriteString(": ")
	}
	if op != "" {
		b.WriteString(op)
		if keyID != "" {
			b.WriteString(" key ")
			b.WriteString(keyID)
		}
	}
}

// Error returns a one-line summary that is safe to log:
// "apikeys: <platform>: <operation>[ key <id>]: <status>[ <code>]: <message>[ (request <id>)]".
func (e *APIError) Error() string {
	var b strings.Builder
	writeWhere(&b, e.Platform, e.Operation, e.KeyID)
	if e.Operation != "" {
		b.WriteString(": ")
	}
	b.WriteString(strconv.Itoa(e.StatusCode))
	if e.Code != "" {
		b.WriteString(" ")
		b.WriteString(e.Code)
	}
	b.WriteString(": ")
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		b.WriteString(strings.ToLower(http.StatusText(e.StatusCode)))
	}
	if e.orgHint != "" {
		fmt.Fprintf(&b, " (or organization %q is wrong: the server answers both alike)", e.orgHint)
	}
	if e.RequestID != "" {
		b.WriteString(" (request ")
		b.WriteString(e.RequestID)
		b.WriteString(")")
	}
	if e.Attempts > 1 {
		fmt.Fprintf(&b, " after %d attempts", e.Attempts)
	}
	if e.RetryAfter > 0 {
		// Said in full: without it a 429 that returns at once reads as if
		// the client never honoured Retry-After.
		fmt.Fprintf(&b, "; gave up at once: the server asked to wait %v (Retry-After)", e.RetryAfter)
		switch {
		case e.waitDeadline:
			fmt.Fprintf(&b, ", more than the %v left before the context's deadline", e.waitLimit.Round(time.Millisecond))
		case e.waitLimit > 0:
			fmt.Fprintf(&b, ", more than the maximum wait of %v (WithMaxRetryDelay)", e.waitLimit)
		default:
			b.WriteString(", more than the client may wait")
		}
	}
	if e.budgetRefused {
		b.WriteString("; a retry was refused by the retry budget")
	}
	return b.String()
}

// Is reports whether the error matches target, one of the sentinel errors.
// Both the platform's error code and the HTTP status are consulted, and an
// error may match more than one sentinel: a 409 with code
// INVALID_STATE_TRANSITION is both ErrInvalidTransition and ErrConflict.
func (e *APIError) Is(target error) bool {
	switch target {
	case ErrNotFound:
		return e.StatusCode == http.StatusNotFound || e.class == platform.ClassNotFound
	case ErrInvalidTransition:
		return e.class == platform.ClassInvalidTransition
	case ErrUnauthorized:
		return e.StatusCode == http.StatusUnauthorized || e.class == platform.ClassUnauthorized
	case ErrForbidden:
		return e.StatusCode == http.StatusForbidden || e.class == platform.ClassForbidden
	case ErrRateLimited:
		return e.StatusCode == http.StatusTooManyRequests || e.class == platform.ClassRateLimited
	case ErrConflict:
		return e.StatusCode == http.StatusConflict || e.class == platform.ClassConflict
	case ErrInvalidParams:
		return e.StatusCode == http.StatusUnprocessableEntity || e.class == platform.ClassInvalidParams
	case ErrServer:
		return e.StatusCode >= 500 && e.StatusCode <= 599 || e.class == platform.ClassServer
	case ErrRetryBudgetExhausted:
		return e.budgetRefused
	}
	return false
}

// TransitionError is a lifecycle action that a platform's transition table
// refuses from the key's current status. It matches ErrInvalidTransition.
// Returned by Platform.Next, Status.Next, Client.Transition and Rotate, which
// send no request in that case.
type TransitionError struct {
	Platform Platform // whose table refused it
	From     Status   // the key's status when the action was refused
	Action   Action   // the refused action
}

// Error says which action was refused from which status, and where.
func (e *TransitionError) Error() string {
	if !e.Action.Valid() {
		return fmt.Sprintf("apikeys: unknown action %q", string(e.Action))
	}
	if e.Platform == "" || e.Platform == Reference {
		return fmt.Sprintf("apikeys: cannot %s a key that is %q", e.Action, string(e.From))
	}
	return fmt.Sprintf("apikeys: %s: cannot %s a key that is %q", e.Platform, e.Action, string(e.From))
}

// Is makes errors.Is(err, ErrInvalidTransition) true.
func (e *TransitionError) Is(target error) bool { return target == ErrInvalidTransition }

// ValidationError is a parameter or option refused locally, before any
// request was sent. Field names it (e.g. "keyID", "ExpiresAt", "WithBaseURL");
// Reason says what is wrong with it, without repeating the value. It matches
// ErrInvalidParams.
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

// UnsupportedError is an operation, action, field or option the platform
// does not have (its vendor documents none). Nothing was sent. It matches
// ErrUnsupported.
type UnsupportedError struct {
	Platform  Platform // the client's platform
	Operation string   // "create", "update", "pause", "list", "rotate", "New", …
	Field     string   // the refused field or option, e.g. "Scopes", "WithOrganization"; "" for a whole operation
	Reason    string   // why, where more can be said than "not supported"
}

// Error names the platform, the operation and the field.
func (e *UnsupportedError) Error() string {
	var b strings.Builder
	writeWhere(&b, e.Platform, e.Operation, "")
	if e.Field != "" {
		b.WriteString(": ")
		b.WriteString(e.Field)
	}
	b.WriteString(" is not supported")
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrUnsupported }

// OutcomeUnknownError is a mutation that may or may not have been applied:
// its request was sent and no answer that says which came back (a cut
// connection, a timeout, a 5xx, an answer that does not decode), and it could
// not safely be sent again. After a Create the key may exist without anyone
// holding its secret: find it with List (by name) and retire it, or, where
// the platform deduplicates, call Create again with the same params and
// CreateParams.IdempotencyKey set to IdempotencyKey to get the answer the
// server kept. It matches ErrOutcomeUnknown, and Unwrap returns the cause, so
// errors.Is(err, context.Canceled) or ErrServer still hold.
type OutcomeUnknownError struct {
	Platform       Platform
	Operation      string // "create", …
	KeyID          string // "" for a create
	IdempotencyKey string // the key that was sent; "" where the platform does not deduplicate
	Err            error  // the cause
}

// Error says that the outcome is unknown, what to do, and the cause.
func (e *OutcomeUnknownError) Error() string {
	var b strings.Builder
	writeWhere(&b, e.Platform, e.Operation, e.KeyID)
	b.WriteString(": outcome unknown")
	if e.Operation == "create" {
		b.WriteString(": the key may exist without a usable secret; find it with List")
		if e.IdempotencyKey != "" {
			b.WriteString(", or resume with CreateParams.IdempotencyKey ")
			b.WriteString(e.IdempotencyKey)
		}
	}
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrOutcomeUnknown) true.
func (e *OutcomeUnknownError) Is(target error) bool { return target == ErrOutcomeUnknown }

// Unwrap returns the cause.
func (e *OutcomeUnknownError) Unwrap() error { return e.Err }
