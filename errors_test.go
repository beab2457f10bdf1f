package apikeys_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"

	"github.com/apikeys-go/apikeys"
)

// sentinels are every sentinel error, by name.
var sentinels = map[string]error{
	"ErrNotFound":          apikeys.ErrNotFound,
	"ErrInvalidTransition": apikeys.ErrInvalidTransition,
	"ErrUnauthorized":      apikeys.ErrUnauthorized,
	"ErrForbidden":         apikeys.ErrForbidden,
	"ErrRateLimited":       apikeys.ErrRateLimited,
	"ErrConflict":          apikeys.ErrConflict,
	"ErrInvalidParams":     apikeys.ErrInvalidParams,
	"ErrServer":            apikeys.ErrServer,
	"ErrUnsupported":       apikeys.ErrUnsupported,
	"ErrOutcomeUnknown":    apikeys.ErrOutcomeUnknown,
	"ErrRetryBudget":       apikeys.ErrRetryBudgetExhausted,
}

// matching returns the names of the sentinels err matches.
func matching(err error) map[string]bool {
	out := map[string]bool{}
	for name, s := range sentinels {
		if errors.Is(err, s) {
			out[name] = true
		}
	}
	return out
}

func envelope(code string, status int) string {
	return fmt.Sprintf(`{"success":false,"error":{"code":%q,"message":"m","status":%d}}`, code, status)
}

func TestAPIError_envelope(t *testing.T) {
	c, f := newTestClient(t)
	body := `{
  "success": false,
  "error": {
    "code": "VALIDATION_ERROR",
    "message": "key_name is required",
    "system_message": "field key_name: missing",
    "type": "validation_error",
    "status": 422,
    "details": {"field": "key_name", "limits": [1, 2.5], "nested": {"ok": true}},
    "trace_id": "trace_9",
    "timestamp": "2025-06-01T12:30:45.123456789Z"
  }
}`
	f.on(http.MethodPost, collURL, reply{status: 422, body: body, header: map[string]string{"X-Request-Id": "req_42"}})
	_, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
	var apiErr *apikeys.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T %v, want an *APIError", err, err)
	}
	want := &apikeys.APIError{
		Platform:      apikeys.Reference,
		Operation:     "create",
		StatusCode:    422,
		Code:          "VALIDATION_ERROR",
		Message:       "key_name is required",
		SystemMessage: "field key_name: missing",
		Type:          "validation_error",
		TraceID:       "trace_9",
		RequestID:     "req_42",
		Timestamp:     time.Date(2025, 6, 1, 12, 30, 45, 123456789, time.UTC),
		Details: map[string]any{
			"field":  "key_name",
			"limits": []any{1.0, 2.5},
			"nested": map[string]any{"ok": true},
		},
		Attempts: 1,
		Body:     []byte(body),
	}
	if diff := cmp.Diff(want, apiErr, ignoreUnexported); diff != "" {
		t.Errorf("APIError (-want +got):\n%s", diff)
	}
	if got, want := err.Error(), "apikeys: reference: create: 422 VALIDATION_ERROR: key_name is required (request req_42)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestAPIError_sentinels(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		want   []string // every sentinel the error matches, and no other
	}{
		{name: "404 without code", status: 404, body: `{}`, want: []string{"ErrNotFound"}},
		{name: "404 HTML", status: 404, body: `<html>Not Found</html>`, want: []string{"ErrNotFound"}},
		{name: "404 API_KEY_NOT_FOUND", status: 404, body: envelope("API_KEY_NOT_FOUND", 404), want: []string{"ErrNotFound"}},
		{name: "400 API_KEY_NOT_FOUND", status: 400, body: envelope("API_KEY_NOT_FOUND", 400), want: []string{"ErrNotFound"}},
		{name: "400 INVALID_STATE_TRANSITION", status: 400, body: envelope("INVALID_STATE_TRANSITION", 400), want: []string{"ErrInvalidTransition"}},
		{name: "409 INVALID_STATE_TRANSITION", status: 409, body: envelope("INVALID_STATE_TRANSITION", 409), want: []string{"ErrInvalidTransition", "ErrConflict"}},
		{name: "401 INVALID_API_KEY", status: 401, body: envelope("INVALID_API_KEY", 401), want: []string{"ErrUnauthorized"}},
		{name: "401 without body", status: 401, body: ``, want: []string{"ErrUnauthorized"}},
		{name: "403 INSUFFICIENT_PERMISSIONS", status: 403, body: envelope("INSUFFICIENT_PERMISSIONS", 403), want: []string{"ErrForbidden"}},
		{name: "429 RATE_LIMIT_EXCEEDED", status: 429, body: envelope("RATE_LIMIT_EXCEEDED", 429), want: []string{"ErrRateLimited"}},
		{name: "409 IDEMPOTENCY_KEY_REUSED", status: 409, body: envelope("IDEMPOTENCY_KEY_REUSED", 409), want: []string{"ErrConflict"}},
		{name: "422 without code", status: 422, body: `{}`, want: []string{"ErrInvalidParams"}},
		{name: "422 VALIDATION_ERROR", status: 422, body: envelope("VALIDATION_ERROR", 422), want: []string{"ErrInvalidParams"}},
		{name: "400 VALIDATION_ERROR", status: 400, body: envelope("VALIDATION_ERROR", 400), want: []string{"ErrInvalidParams"}},
		{name: "500 INTERNAL_ERROR", status: 500, body: envelope("INTERNAL_ERROR", 500), want: []string{"ErrServer"}},
		{name: "503 SERVICE_UNAVAILABLE", status: 503, body: envelope("SERVICE_UNAVAILABLE", 503), want: []string{"ErrServer"}},
		{name: "502 HTML", status: 502, body: `<html>Bad Gateway</html>`, want: []string{"ErrServer"}},
		{name: "504", status: 504, body: ``, want: []string{"ErrServer"}},
		{name: "501", status: 501, body: ``, want: []string{"ErrServer"}},
		{name: "400 unknown code", status: 400, body: envelope("SOMETHING_NEW", 400), want: nil},
		{name: "418", status: 418, body: ``, want: nil},
		{name: "405", status: 405, body: envelope("METHOD_NOT_ALLOWED", 405), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, apikeys.WithMaxRetries(0))
			f.on(http.MethodGet, collURL+"/k1", reply{status: tt.status, body: tt.body})
			key, err := c.Get(t.Context(), "k1")
			if key != nil {
				t.Errorf("key = %+v, want nil", key)
			}
			var apiErr *apikeys.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want an *APIError", err, err)
			}
			if apiErr.StatusCode != tt.status || apiErr.Attempts != 1 {
				t.Errorf("StatusCode, Attempts = %d, %d; want %d, 1", apiErr.StatusCode, apiErr.Attempts, tt.status)
			}
			want := map[string]bool{}
			for _, name := range tt.want {
				want[name] = true
			}
			if diff := cmp.Diff(want, matching(err)); diff != "" {
				t.Errorf("sentinels matched (-want +got):\n%s", diff)
			}
			// Through one more wrapping, the same.
			if diff := cmp.Diff(want, matching(fmt.Errorf("deploy: %w", err))); diff != "" {
				t.Errorf("sentinels matched through a wrap (-want +got):\n%s", diff)
			}
			if got := len(f.requests()); got != 1 {
				t.Errorf("sent %d requests, want 1", got)
			}
		})
	}
}

func TestAPIError_nonEnvelope(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		wantBody []byte
	}{
		{name: "HTML page", status: 502, body: "<html><body>502 Bad Gateway</body></html>", wantBody: []byte("<html><body>502 Bad Gateway</body></html>")},
		{name: "empty", status: 500, body: "", wantBody: nil},
		{name: "truncated JSON", status: 500, body: `{"success":false,"error":{"code":"INTERNAL_ER`, wantBody: []byte(`{"success":false,"error":{"code":"INTERNAL_ER`)},
		{name: "JSON array", status: 400, body: `[1,2]`, wantBody: []byte(`[1,2]`)},
		{name: "null error", status: 400, body: `{"success":false,"error":null}`, wantBody: []byte(`{"success":false,"error":null}`)},
		{name: "no error member", status: 404, body: `{"detail":"nope"}`, wantBody: []byte(`{"detail":"nope"}`)},
		{name: "error is a string", status: 400, body: `{"error":"bad"}`, wantBody: []byte(`{"error":"bad"}`)},
		{name: "plain text", status: 429, body: "slow down\n", wantBody: []byte("slow down\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, apikeys.WithMaxRetries(0))
			f.on(http.MethodGet, collURL+"/k1", reply{status: tt.status, body: tt.body, header: map[string]string{"X-Request-Id": "req_7"}})
			_, err := c.Get(t.Context(), "k1")
			var apiErr *apikeys.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want an *APIError", err, err)
			}
			want := &apikeys.APIError{Platform: apikeys.Reference, Operation: "get", KeyID: "k1",
				StatusCode: tt.status, RequestID: "req_7", Attempts: 1, Body: tt.wantBody}
			if diff := cmp.Diff(want, apiErr, ignoreUnexported); diff != "" {
				t.Errorf("APIError (-want +got):\n%s", diff)
			}
			text := strings.ToLower(http.StatusText(tt.status))
			if tt.status == http.StatusNotFound { // the reference API's path carries the organization
				text += ` (or organization "org_1" is wrong: the server answers both alike)`
			}
			wantMsg := fmt.Sprintf("apikeys: reference: get key k1: %d: %s (request req_7)", tt.status, text)
			if err.Error() != wantMsg {
				t.Errorf("Error() = %q, want %q", err.Error(), wantMsg)
			}
		})
	}
}

func TestAPIError_bodyCutTo4KiB(t *testing.T) {
	tests := []struct {
		name string
		body string
	}{
		{name: "10 KiB of text", body: strings.Repeat("0123456789abcdef", 640)},
		{name: "10 KiB envelope", body: `{"success":false,"error":{"code":"INTERNAL_ERROR","message":"` + strings.Repeat("x", 10<<10) + `"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t, apikeys.WithMaxRetries(0))
			f.on(http.MethodGet, collURL+"/k1", reply{status: 500, body: tt.body})
			_, err := c.Get(t.Context(), "k1")
			var apiErr *apikeys.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want an *APIError", err, err)
			}
			if len(apiErr.Body) != 4096 {
				t.Errorf("len(Body) = %d, want 4096", len(apiErr.Body))
			}
			if !bytes.Equal(apiErr.Body, []byte(tt.body[:4096])) {
				t.Error("Body is not the first 4096 bytes of the response")
			}
			if apiErr.StatusCode != 500 || apiErr.Code != "" {
				t.Errorf("StatusCode, Code = %d, %q; want 500, \"\" (a cut envelope does not decode)", apiErr.StatusCode, apiErr.Code)
			}
		})
	}
}

func TestAPIError_timestamp(t *testing.T) {
	tests := []struct {
		name      string
		timestamp string
		want      time.Time
	}{
		{name: "RFC 3339", timestamp: `"2025-06-01T12:30:45Z"`, want: time.Date(2025, 6, 1, 12, 30, 45, 0, time.UTC)},
		{name: "with offset", timestamp: `"2025-06-01T14:30:45+02:00"`, want: time.Date(2025, 6, 1, 12, 30, 45, 0, time.UTC)},
		{name: "unparsable is dropped", timestamp: `"yesterday"`},
		{name: "a number is dropped", timestamp: `1717245045`},
		{name: "null", timestamp: `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			body := `{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"gone","timestamp":` + tt.timestamp + `}}`
			f.on(http.MethodGet, collURL+"/k1", reply{status: 404, body: body})
			_, err := c.Get(t.Context(), "k1")
			var apiErr *apikeys.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want an *APIError", err, err)
			}
			if !apiErr.Timestamp.Equal(tt.want) {
				t.Errorf("Timestamp = %v, want %v", apiErr.Timestamp, tt.want)
			}
			if apiErr.Code != "API_KEY_NOT_FOUND" || apiErr.Message != "gone" {
				t.Errorf("Code, Message = %q, %q; want the envelope's", apiErr.Code, apiErr.Message)
			}
		})
	}
}

func TestAPIError_credentialIsScrubbed(t *testing.T) {
	tests := []struct {
		name     string
		body     string
		header   map[string]string
		wantErr  *apikeys.APIError
		checkErr bool // also check the whole Error() string
	}{
		{
			name: "echoed in message and system_message",
			body: `{"success":false,"error":{"code":"INVALID_API_KEY","message":"bad key ` + testCredential + `","system_message":"X-API-Key=` + testCredential + ` refused"}}`,
			wantErr: &apikeys.APIError{
				StatusCode: 401, Code: "INVALID_API_KEY", RequestID: "req_test", Attempts: 1,
				Message:       "bad key [REDACTED]",
				SystemMessage: "X-API-Key=[REDACTED] refused",
				Body:          []byte(`{"success":false,"error":{"code":"INVALID_API_KEY","message":"bad key [REDACTED]","system_message":"X-API-Key=[REDACTED] refused"}}`),
			},
		},
		{
			name: "echoed in an HTML page",
			body: `<html>Your key ` + testCredential + ` is invalid</html>`,
			wantErr: &apikeys.APIError{
				StatusCode: 401, RequestID: "req_test", Attempts: 1,
				Body: []byte(`<html>Your key [REDACTED] is invalid</html>`),
			},
		},
		{
			name: "echoed in details, however deep",
			body: `{"success":false,"error":{"code":"INVALID_API_KEY","details":{"header":"` + testCredential + `","seen":[{"value":"x ` + testCredential + `"}],"n":3}}}`,
			wantErr: &apikeys.APIError{
				StatusCode: 401, Code: "INVALID_API_KEY", RequestID: "req_test", Attempts: 1,
				Details: map[string]any{"header": "[REDACTED]", "seen": []any{map[string]any{"value": "x [REDACTED]"}}, "n": 3.0},
				Body:    []byte(`{"success":false,"error":{"code":"INVALID_API_KEY","details":{"header":"[REDACTED]","seen":[{"value":"x [REDACTED]"}],"n":3}}}`),
			},
		},
		{
			name:   "echoed in code and X-Request-Id",
			body:   `{"success":false,"error":{"code":"` + testCredential + `","message":"m"}}`,
			header: map[string]string{"X-Request-Id": testCredential},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := newTestClient(t)
			f.on(http.MethodGet, collURL+"/k1", reply{status: 401, body: tt.body, header: tt.header})
			_, err := c.Get(t.Context(), "k1")
			var apiErr *apikeys.APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("err = %T %v, want an *APIError", err, err)
			}
			if tt.wantErr != nil {
				tt.wantErr.Platform, tt.wantErr.Operation, tt.wantErr.KeyID = apikeys.Reference, "get", "k1"
				if diff := cmp.Diff(tt.wantErr, apiErr, ignoreUnexported); diff != "" {
					t.Errorf("APIError (-want +got):\n%s", diff)
				}
			}
			for _, s := range []string{err.Error(), fmt.Sprintf("%v", err), fmt.Sprintf("%+v", err), fmt.Sprint(apiErr.Details), apiErr.Message, apiErr.SystemMessage, string(apiErr.Body)} {
				if strings.Contains(s, testCredential) {
					t.Errorf("%q contains the credential", s)
				}
			}
			if !errors.Is(err, apikeys.ErrUnauthorized) {
				t.Errorf("errors.Is(err, ErrUnauthorized) = false")
			}
		})
	}
}

// A body cut at 4 KiB inside an echoed credential leaves the credential's
// beginning at the end of Body, where a whole-credential replace cannot see
// it: that tail is scrubbed too.
func TestAPIError_credentialCutAt4KiBIsScrubbed(t *testing.T) {
	const pad = 4096 - 20 // the cut falls 20 bytes into the credential
	c, f := newTestClient(t)
	f.on(http.MethodGet, collURL+"/k1", reply{status: 401, body: strings.Repeat("x", pad) + testCredential})
	_, err := c.Get(t.Context(), "k1")
	var apiErr *apikeys.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %T %v, want an *APIError", err, err)
	}
	body := string(apiErr.Body)
	if len(body) > 4096 {
		t.Errorf("len(Body) = %d, want at most 4096", len(body))
	}
	if !strings.HasSuffix(body, "[REDACTED]") || !strings.HasPrefix(body, strings.Repeat("x", pad)) {
		t.Errorf("Body ends %q, want the padding and then [REDACTED]", body[max(0, len(body)-40):])
	}
	for what, s := range map[string]string{"Body": body, "Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err)} {
		if strings.Contains(s, testCredential[:12]) {
			t.Errorf("%s holds the credential's beginning %q: ...%s", what, testCredential[:12], s[max(0, len(s)-40):])
		}
	}
	if apiErr.StatusCode != 401 || !errors.Is(err, apikeys.ErrUnauthorized) {
		t.Errorf("StatusCode %d, ErrUnauthorized %v; want 401, true", apiErr.StatusCode, errors.Is(err, apikeys.ErrUnauthorized))
	}
}

// A credential shorter than "[REDACTED]" makes the scrubbed body longer;
// Body still keeps to 4 KiB.
func TestAPIError_shortCredentialKeepsBodyBounded(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithAPIKey("e"))
	f.on(http.MethodGet, collURL+"/k1", reply{status: 404, body: strings.Repeat("e", 10_000)})
	_, err := c.Get(t.Context(), "k1")
	var apiErr *apikeys.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	if len(apiErr.Body) != 4096 || !strings.HasPrefix(string(apiErr.Body), "[REDACTED][REDACTED]") {
		t.Errorf("Body is %d bytes starting %.30q, want 4096 bytes of [REDACTED]", len(apiErr.Body), apiErr.Body)
	}
}

// Error() is "apikeys: <platform>: <operation>[ key <id>]: <status>[ <code>]:
// <message>[ (request <id>)]", then what the client did about it.
func TestAPIError_Error(t *testing.T) {
	t.Parallel()
	tests := []struct {
		err  *apikeys.APIError
		want string
	}{
		{&apikeys.APIError{StatusCode: 404}, "apikeys: 404: not found"},
		{&apikeys.APIError{Platform: apikeys.Reference, Operation: "get", KeyID: "k1", StatusCode: 404},
			"apikeys: reference: get key k1: 404: not found"},
		{&apikeys.APIError{Platform: apikeys.Reference, Operation: "get", KeyID: "k1", StatusCode: 404, Code: "API_KEY_NOT_FOUND"},
			"apikeys: reference: get key k1: 404 API_KEY_NOT_FOUND: not found"},
		{&apikeys.APIError{Platform: apikeys.OrqAI, Operation: "deactivate", KeyID: "01HZ", StatusCode: 404, Message: "API key not found"},
			"apikeys: orq-ai: deactivate key 01HZ: 404: API key not found"},
		{&apikeys.APIError{Platform: apikeys.Reference, Operation: "pause", KeyID: "k1", StatusCode: 404, Code: "API_KEY_NOT_FOUND",
			Message: "no key k1", RequestID: "req_1", Attempts: 1},
			"apikeys: reference: pause key k1: 404 API_KEY_NOT_FOUND: no key k1 (request req_1)"},
		{&apikeys.APIError{Platform: apikeys.Reference, Operation: "list", StatusCode: 503, Code: "SERVICE_UNAVAILABLE",
			Message: "down", RequestID: "req_2", Attempts: 3},
			"apikeys: reference: list: 503 SERVICE_UNAVAILABLE: down (request req_2) after 3 attempts"},
		{&apikeys.APIError{Platform: apikeys.Reference, Operation: "create", StatusCode: 500, Message: "boom", SystemMessage: "stack", TraceID: "t", Body: []byte("raw")},
			"apikeys: reference: create: 500: boom"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
	// A wait the server asked for and the client did not make is said.
	e := &apikeys.APIError{Platform: apikeys.Reference, Operation: "get", KeyID: "k1", StatusCode: 429, RetryAfter: time.Hour}
	if got := e.Error(); !strings.HasPrefix(got, "apikeys: reference: get key k1: 429: too many requests") || !strings.Contains(got, "1h0m0s") {
		t.Errorf("Error() = %q, want the format and the wait", got)
	}
}

func TestLocalErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		err     error
		wantMsg string
		want    []string
	}{
		{
			name:    "ValidationError",
			err:     &apikeys.ValidationError{Field: "Name", Reason: "is required"},
			wantMsg: "apikeys: invalid Name: is required",
			want:    []string{"ErrInvalidParams"},
		},
		{
			name:    "TransitionError",
			err:     &apikeys.TransitionError{From: apikeys.StatusRevoked, Action: apikeys.ActionPause},
			wantMsg: `apikeys: cannot pause a key that is "revoked"`,
			want:    []string{"ErrInvalidTransition"},
		},
		{
			name:    "TransitionError with an unknown action",
			err:     &apikeys.TransitionError{From: apikeys.StatusActive, Action: "freeze"},
			wantMsg: `apikeys: unknown action "freeze"`,
			want:    []string{"ErrInvalidTransition"},
		},
		{
			name:    "TransitionError of another platform",
			err:     &apikeys.TransitionError{Platform: apikeys.OrqAI, From: apikeys.StatusRevoked, Action: apikeys.ActionActivate},
			wantMsg: `apikeys: orq-ai: cannot activate a key that is "revoked"`,
			want:    []string{"ErrInvalidTransition"},
		},
		{
			name:    "UnsupportedError of a field",
			err:     &apikeys.UnsupportedError{Platform: apikeys.Sysevo, Operation: "create", Field: "Scopes"},
			wantMsg: "apikeys: sysevo: create: Scopes is not supported",
			want:    []string{"ErrUnsupported"},
		},
		{
			name:    "UnsupportedError of an operation, with a reason",
			err:     &apikeys.UnsupportedError{Platform: apikeys.Sysevo, Operation: "pause", Reason: "why"},
			wantMsg: "apikeys: sysevo: pause is not supported: why",
			want:    []string{"ErrUnsupported"},
		},
		{
			name: "OutcomeUnknownError of a create, with its cause",
			err: &apikeys.OutcomeUnknownError{Platform: apikeys.Reference, Operation: "create", IdempotencyKey: "idem-1",
				Err: &apikeys.APIError{Platform: apikeys.Reference, Operation: "create", StatusCode: 503}},
			wantMsg: "apikeys: reference: create: outcome unknown: the key may exist without a usable secret; find it with List, " +
				"or resume with CreateParams.IdempotencyKey idem-1: apikeys: reference: create: 503: service unavailable",
			want: []string{"ErrOutcomeUnknown", "ErrServer"},
		},
		{
			name:    "OutcomeUnknownError where nothing deduplicates",
			err:     &apikeys.OutcomeUnknownError{Platform: apikeys.OrqAI, Operation: "create", Err: context.Canceled},
			wantMsg: "apikeys: orq-ai: create: outcome unknown: the key may exist without a usable secret; find it with List: context canceled",
			want:    []string{"ErrOutcomeUnknown"},
		},
		{
			name:    "wrapped ValidationError",
			err:     fmt.Errorf("setup: %w", &apikeys.ValidationError{Field: "keyID", Reason: "is empty"}),
			wantMsg: "setup: apikeys: invalid keyID: is empty",
			want:    []string{"ErrInvalidParams"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", got, tt.wantMsg)
			}
			want := map[string]bool{}
			for _, name := range tt.want {
				want[name] = true
			}
			if diff := cmp.Diff(want, matching(tt.err)); diff != "" {
				t.Errorf("sentinels matched (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSentinels_distinct(t *testing.T) {
	t.Parallel()
	want := map[string]string{
		"ErrNotFound":          "apikeys: not found",
		"ErrInvalidTransition": "apikeys: invalid state transition",
		"ErrUnauthorized":      "apikeys: unauthorized",
		"ErrForbidden":         "apikeys: forbidden",
		"ErrRateLimited":       "apikeys: rate limited",
		"ErrConflict":          "apikeys: conflict",
		"ErrInvalidParams":     "apikeys: invalid parameters",
		"ErrServer":            "apikeys: server error",
		"ErrUnsupported":       "apikeys: operation not supported by the platform",
		"ErrOutcomeUnknown":    "apikeys: outcome unknown",
		"ErrRetryBudget":       "retry budget exhausted",
	}
	got := map[string]string{}
	for name, s := range sentinels {
		got[name] = s.Error()
		if diff := cmp.Diff(map[string]bool{name: true}, matching(s)); diff != "" {
			t.Errorf("%s matches (-want +got):\n%s", name, diff)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sentinel messages (-want +got):\n%s", diff)
	}
}

func TestTransportError(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithMaxRetries(0))
	f.on(http.MethodGet, collURL+"/k1", reply{err: httpmock.ErrSubmatchNotFound})
	_, err := c.Get(t.Context(), "k1")
	if err == nil {
		t.Fatal("Get succeeded, want the transport failure")
	}
	if !errors.Is(err, httpmock.ErrSubmatchNotFound) {
		t.Errorf("err = %v, want one wrapping the transport's error", err)
	}
	var apiErr *apikeys.APIError
	if errors.As(err, &apiErr) {
		t.Errorf("err is an *APIError (%v), want a transport error", apiErr)
	}
	if diff := cmp.Diff(map[string]bool{}, matching(err)); diff != "" {
		t.Errorf("sentinels matched (-want +got):\n%s", diff)
	}
	// The error names the platform, the operation and the key.
	if want := "apikeys: reference: get key k1: "; !strings.HasPrefix(err.Error(), want) {
		t.Errorf("Error() = %q, want the prefix %q", err.Error(), want)
	}
}
