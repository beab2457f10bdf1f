// Package aitronos is the platform mapping of Aitronos (Freddy) API keys:
// https://api.aitronos.com/v1, paths under /organizations/{org_id}/api-keys,
// the credential raw in X-API-Key, snake_case JSON and the
// {"success":false,"error":{…}} envelope.
//
// Sources: the vendor's "Manage API key status" page
// (shared/vendor-docs/aitronos-key-status.txt, the seed: actions, their key
// object answers and the 400/404 envelopes) and the Aitronos section of
// shared/vendor-docs/PLATFORMS.md (list, get, create, update, DELETE, the
// short action answer and the error codes, from the vendor's other pages).
// An older API generation on the same site (api.freddy.aitronos.com, /api/…
// paths, Bearer, camelCase) is marked "in development" and is not targeted.
//
// What the docs leave open, and how this package reads it:
//   - The key object has no status word, only is_active; other page variants
//     add is_paused or status ("active"|"paused"). A paused key cannot be
//     told from a deactivated one by is_active alone, so after the client's
//     own pause an is_active=false answer is taken as paused.
//   - DELETE is a soft delete "preserved for audit purposes" with no
//     undelete: it is the SDK's archive, and archived allows nothing.
//   - Action answers are documented three ways (the bare key object, a
//     {"success","message","api_key"|"data"} wrapper, and a short
//     {"id","status","is_paused","updated_at"}); all three are accepted.
//   - Clearing a field on update (null) is silent, so no Clear flag is
//     carried. skip/take on List are listed beside page/page_size with their
//     interplay silent; only page/page_size are sent.
//   - Aitronos's create takes nothing Key does not model, so Key.Carry is
//     never set and CreateFields.Carry is ignored.
package aitronos

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// Mapping implements platform.Mapping for Aitronos. The zero value is ready
// to use and holds no state.
type Mapping struct{}

var _ platform.Mapping = Mapping{}

// spec is DESIGN.md's Aitronos column and transition row. Aitronos allows
// unpause from inactive and activate from paused because its key object
// cannot tell the two apart: the server decides. archived is a status only
// the client's own archive produces, and nothing comes back from it.
var spec = platform.Spec{
	Name:           "aitronos",
	DefaultBaseURL: "https://api.aitronos.com/v1",
	AuthHeader:     "X-API-Key", // raw: the vendor's examples send no scheme
	Organization:   platform.OrgRequired,
	Get:            true,
	Update:         true,
	Actions: []string{
		platform.ActionActivate, platform.ActionDeactivate,
		platform.ActionPause, platform.ActionUnpause, platform.ActionArchive,
	},
	Statuses: []string{
		platform.StatusActive, platform.StatusPaused,
		platform.StatusInactive, platform.StatusArchived,
	},
	Table: map[string][]string{
		platform.StatusActive: {platform.ActionDeactivate, platform.ActionPause, platform.ActionArchive},
		platform.StatusPaused: {
			platform.ActionActivate, platform.ActionDeactivate,
			platform.ActionUnpause, platform.ActionArchive,
		},
		platform.StatusInactive: {platform.ActionActivate, platform.ActionUnpause, platform.ActionArchive},
	},
	CreateFields: []string{
		platform.FieldName, platform.FieldScopes,
		platform.FieldUsageLimitCHF, platform.FieldExpiresAt,
	},
	UpdateFields: []string{
		platform.FieldName, platform.FieldScopes,
		platform.FieldUsageLimitCHF, platform.FieldExpiresAt,
	},
	ServerFilters:    nil, // the docs name no list filter
	MaxPageSize:      100,
	IntegerIDs:       false,
	Deduplicates:     false, // idempotency is silent in the docs
	RequestIDHeaders: []string{"X-Request-Id"},
}

// Spec returns the one package-level Spec; callers must not modify it.
func (Mapping) Spec() *platform.Spec { return &spec }

// actionPaths are the transitions that are a POST to /{key_id}/{action}
// with no body; archive is the DELETE.
var actionPaths = map[string]bool{
	platform.ActionActivate: true, platform.ActionDeactivate: true,
	platform.ActionPause: true, platform.ActionUnpause: true,
}

// Encode builds the request for op. Every ID is path-escaped. Nothing
// carries an Idempotency-Key: Aitronos documents none, so a create is
// retried only when it surely was not sent.
func (Mapping) Encode(op platform.Operation) (platform.Request, error) {
	if op.OrgID == "" {
		return platform.Request{}, errors.New("aitronos: an organization is required")
	}
	coll := "/organizations/" + url.PathEscape(op.OrgID) + "/api-keys"
	switch op.Kind {
	case platform.KindCreate:
		body, err := createBodyOf(op.Create)
		if err != nil {
			return platform.Request{}, err
		}
		return platform.Request{Method: http.MethodPost, Path: coll, Body: body, Retry: platform.RetryUnsent}, nil
	case platform.KindList:
		q, err := listQuery(op.List)
		if err != nil {
			return platform.Request{}, err
		}
		return platform.Request{Method: http.MethodGet, Path: coll, RawQuery: q, Retry: platform.RetryAlways}, nil
	case platform.KindGet, platform.KindUpdate, platform.KindTransition:
	default:
		return platform.Request{}, errors.New("aitronos: unknown operation")
	}
	if op.KeyID == "" {
		return platform.Request{}, errors.New("aitronos: a key ID is required")
	}
	one := coll + "/" + url.PathEscape(op.KeyID)
	switch op.Kind {
	case platform.KindGet:
		return platform.Request{Method: http.MethodGet, Path: one, Retry: platform.RetryAlways}, nil
	case platform.KindUpdate:
		body, err := updateBodyOf(op.Update)
		if err != nil {
			return platform.Request{}, err
		}
		// An update sets field values: sending it twice does no harm.
		return platform.Request{Method: http.MethodPatch, Path: one, Body: body, Retry: platform.RetryAlways}, nil
	}
	switch {
	case actionPaths[op.Action]:
		return platform.Request{Method: http.MethodPost, Path: one + "/" + op.Action, Retry: platform.RetryAlways}, nil
	case op.Action == platform.ActionArchive:
		// DELETE is Aitronos's soft delete: by meaning, the SDK's archive.
		return platform.Request{Method: http.MethodDelete, Path: one, Retry: platform.RetryAlways}, nil
	}
	return platform.Request{}, errors.New("aitronos: the platform has no such action")
}

// listQuery asks for one page by number. The cursor is the page number this
// package's Decode returned as text; "" is page 1.
func listQuery(l *platform.ListFields) (string, error) {
	page, size := 1, spec.MaxPageSize
	if l != nil {
		if l.Cursor != "" {
			n, err := strconv.Atoi(l.Cursor)
			if err != nil || n < 1 || !platform.IsDecimal(l.Cursor) {
				return "", errors.New("aitronos: list cursor is not a page number")
			}
			page = n
		}
		if l.PageSize > 0 {
			size = l.PageSize
		}
	}
	return "page=" + strconv.Itoa(page) + "&page_size=" + strconv.Itoa(size), nil
}

// wireTime marshals as RFC 3339 in UTC, so the same instant gives the same
// bytes whatever the caller's location.
type wireTime time.Time

func (t wireTime) MarshalJSON() ([]byte, error) { return time.Time(t).UTC().MarshalJSON() }

func wireTimeOf(field string, t *time.Time) (*wireTime, error) {
	if t == nil {
		return nil, nil
	}
	if y := t.UTC().Year(); y < 0 || y > 9999 {
		return nil, &platform.Invalid{Field: field, Reason: "year outside 0000-9999 cannot be sent as RFC 3339"}
	}
	w := wireTime(*t)
	return &w, nil
}

func checkLimit(v *float64) error {
	if v != nil && (math.IsNaN(*v) || math.IsInf(*v, 0)) {
		return &platform.Invalid{Field: platform.FieldUsageLimitCHF, Reason: "not a finite number"}
	}
	return nil
}

// createBody is the vendor's create object in its documented order. A nil
// Scopes is left out; a non-nil empty one is sent as [] (no scopes asked).
type createBody struct {
	KeyName       string    `json:"key_name,omitempty"`
	UsageLimitCHF *float64  `json:"usage_limit_chf,omitempty"`
	Scopes        []string  `json:"scopes,omitzero"`
	ExpiresAt     *wireTime `json:"expires_at,omitempty"`
}

func createBodyOf(c *platform.CreateFields) ([]byte, error) {
	if c == nil {
		c = &platform.CreateFields{}
	}
	// The client refuses these by the Spec; a set field the wire cannot
	// carry is refused here too rather than dropped.
	switch {
	case c.PermissionMode != "":
		return nil, unsupported(platform.FieldPermissionMode)
	case c.Access != nil:
		return nil, unsupported(platform.FieldAccess)
	case c.ProjectID != "":
		return nil, unsupported(platform.FieldProjectID)
	}
	if err := checkLimit(c.UsageLimitCHF); err != nil {
		return nil, err
	}
	exp, err := wireTimeOf(platform.FieldExpiresAt, c.ExpiresAt)
	if err != nil {
		return nil, err
	}
	return json.Marshal(createBody{KeyName: c.Name, UsageLimitCHF: c.UsageLimitCHF, Scopes: c.Scopes, ExpiresAt: exp})
}

// updateBody holds the set fields only: a nil pointer or slice keeps the
// value, a non-nil empty Scopes is sent as [].
type updateBody struct {
	KeyName       *string   `json:"key_name,omitempty"`
	UsageLimitCHF *float64  `json:"usage_limit_chf,omitempty"`
	Scopes        []string  `json:"scopes,omitzero"`
	ExpiresAt     *wireTime `json:"expires_at,omitempty"`
}

func updateBodyOf(u *platform.UpdateFields) ([]byte, error) {
	if u == nil {
		u = &platform.UpdateFields{}
	}
	// Clearing with null is silent in the docs, so it is not guessed at.
	switch {
	case u.ClearUsageLimit:
		return nil, unsupported(platform.FieldClearUsageLimit)
	case u.ClearExpiresAt:
		return nil, unsupported(platform.FieldClearExpiresAt)
	case u.PermissionMode != nil:
		return nil, unsupported(platform.FieldPermissionMode)
	case u.Access != nil:
		return nil, unsupported(platform.FieldAccess)
	case u.ProjectID != nil:
		return nil, unsupported(platform.FieldProjectID)
	}
	if err := checkLimit(u.UsageLimitCHF); err != nil {
		return nil, err
	}
	exp, err := wireTimeOf(platform.FieldExpiresAt, u.ExpiresAt)
	if err != nil {
		return nil, err
	}
	return json.Marshal(updateBody{KeyName: u.Name, UsageLimitCHF: u.UsageLimitCHF, Scopes: u.Scopes, ExpiresAt: exp})
}

func unsupported(field string) error {
	return &platform.Unsupported{Field: field, Reason: "Aitronos's API has no such setting"}
}
