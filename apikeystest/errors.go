package apikeystest

import (
	"encoding/json"
	"net/http"
)

// Error codes. They are the reference API's (DESIGN.md) and Aitronos shares
// them; a wire of another family renders an apiError in its own words, by
// status and code. The second group covers HTTP-level failures the reference
// API has no code for.
const (
	codeValidation        = "VALIDATION_ERROR"
	codeInvalidAPIKey     = "INVALID_API_KEY"
	codeForbidden         = "INSUFFICIENT_PERMISSIONS"
	codeKeyNotFound       = "API_KEY_NOT_FOUND"
	codeInvalidTransition = "INVALID_STATE_TRANSITION"
	codeIdempotencyReused = "IDEMPOTENCY_KEY_REUSED"
	codeRateLimited       = "RATE_LIMIT_EXCEEDED"
	codeInternal          = "INTERNAL_ERROR"
	codeUnavailable       = "SERVICE_UNAVAILABLE"

	codeNotFound         = "NOT_FOUND"
	codeOrgNotFound      = "ORGANIZATION_NOT_FOUND"
	codeMethodNotAllowed = "METHOD_NOT_ALLOWED"
	codeUnsupportedMedia = "UNSUPPORTED_MEDIA_TYPE"
	codeInvalidRequest   = "INVALID_REQUEST"
	codeRequestTimeout   = "REQUEST_TIMEOUT"
	codeConflict         = "CONFLICT"
	codeBadGateway       = "BAD_GATEWAY"
	codeGatewayTimeout   = "GATEWAY_TIMEOUT"

	// Error types (the reference API's): the class of an error, for a client
	// that branches broadly.
	typeValidation     = "validation_error"
	typeAuthentication = "authentication_error"
	typePermission     = "permission_error"
	typeNotFound       = "not_found"
	typeInvalidRequest = "invalid_request"
	typeConflict       = "conflict"
	typeRateLimit      = "rate_limit"
	typeServer         = "server_error"
)

// apiError is one non-2xx answer before a wire encodes it in its platform's
// envelope.
type apiError struct {
	status  int
	code    string
	typ     string
	message string // for people
	system  string // the technical detail; message when empty
	details map[string]any
}

// systemMessage is system, or message when there is none.
func (e *apiError) systemMessage() string {
	if e.system == "" {
		return e.message
	}
	return e.system
}

func validationError(field, reason string) *apiError {
	return &apiError{
		status:  http.StatusUnprocessableEntity,
		code:    codeValidation,
		typ:     typeValidation,
		message: "invalid " + field + ": " + reason,
		details: map[string]any{"field": field, "reason": reason},
	}
}

func bodyTooLarge() *apiError {
	return &apiError{
		status: http.StatusRequestEntityTooLarge, code: codeValidation, typ: typeInvalidRequest,
		message: "the request body is larger than 1 MiB",
		details: map[string]any{"field": "body", "reason": "larger than 1 MiB"},
	}
}

func transitionError(from, action string) *apiError {
	return &apiError{
		status:  http.StatusBadRequest,
		code:    codeInvalidTransition,
		typ:     typeInvalidRequest,
		message: "cannot " + action + " a key that is " + from,
		system:  "transition " + action + " not allowed from status " + from,
		details: map[string]any{"from": from, "action": action},
	}
}

func keyNotFound(id string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		code:    codeKeyNotFound,
		typ:     typeNotFound,
		message: "API key not found",
		system:  "no API key " + quote(id) + " in this organization",
		details: map[string]any{"key_id": id},
	}
}

func orgNotFound(org string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		code:    codeOrgNotFound,
		typ:     typeNotFound,
		message: "organization not found",
		system:  "no organization " + quote(org) + " for this credential",
		details: map[string]any{"organization_id": org},
	}
}

func pathNotFound(path string) *apiError {
	return &apiError{
		status:  http.StatusNotFound,
		code:    codeNotFound,
		typ:     typeNotFound,
		message: "no such endpoint",
		system:  "no route for path " + quote(path),
	}
}

func methodNotAllowed(method, allow string) *apiError {
	return &apiError{
		status:  http.StatusMethodNotAllowed,
		code:    codeMethodNotAllowed,
		typ:     typeInvalidRequest,
		message: "method " + method + " not allowed here",
		details: map[string]any{"allow": allow},
	}
}

func unauthorized() *apiError {
	return &apiError{
		status:  http.StatusUnauthorized,
		code:    codeInvalidAPIKey,
		typ:     typeAuthentication,
		message: "missing or invalid API key",
		system:  "the X-API-Key header does not hold a valid credential",
	}
}

// faultError is the answer FailNext and FailOn script for status. The reference API's own
// codes are used where one fits, so a client maps it as it would a real one.
func faultError(status int) *apiError {
	e := &apiError{status: status, message: "injected failure (apikeystest)"}
	switch status {
	case http.StatusBadRequest:
		e.code, e.typ = codeInvalidRequest, typeInvalidRequest
	case http.StatusUnauthorized:
		e.code, e.typ = codeInvalidAPIKey, typeAuthentication
	case http.StatusForbidden:
		e.code, e.typ = codeForbidden, typePermission
	case http.StatusNotFound:
		e.code, e.typ = codeNotFound, typeNotFound
	case http.StatusRequestTimeout:
		e.code, e.typ = codeRequestTimeout, typeInvalidRequest
	case http.StatusConflict:
		e.code, e.typ = codeConflict, typeConflict
	case http.StatusUnprocessableEntity:
		e.code, e.typ = codeValidation, typeValidation
	case http.StatusTooManyRequests:
		e.code, e.typ = codeRateLimited, typeRateLimit
	case http.StatusBadGateway:
		e.code, e.typ = codeBadGateway, typeServer
	case http.StatusServiceUnavailable:
		e.code, e.typ = codeUnavailable, typeServer
	case http.StatusGatewayTimeout:
		e.code, e.typ = codeGatewayTimeout, typeServer
	default:
		if status >= 500 {
			e.code, e.typ = codeInternal, typeServer
		} else {
			e.code, e.typ = codeInvalidRequest, typeInvalidRequest
		}
	}
	return e
}

// quote keeps user-chosen IDs readable and unambiguous inside messages.
func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
