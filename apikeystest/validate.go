package apikeystest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"math"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Limits the server enforces; each breach is a 422 naming the field.
const (
	maxNameLen  = 100 // key_name, in characters after trimming spaces
	maxPageSize = 100
	defPageSize = 20
	maxBodySize = 1 << 20 // bytes; a larger body is refused with 413
	maxIdemKey  = 255     // bytes of an Idempotency-Key header
)

const (
	modeAll        = "all"
	modeRestricted = "restricted"
	modeReadOnly   = "read_only"
)

// createBody is the create object. Pointers tell an omitted field from a zero
// one, so that an explicit "" is refused rather than defaulted. Only
// expires_at and usage_limit_chf may be null (= none).
type createBody struct {
	KeyName        *string           `json:"key_name"`
	Scopes         []string          `json:"scopes"`
	UsageLimitCHF  *float64          `json:"usage_limit_chf"`
	ExpiresAt      *string           `json:"expires_at"`
	PermissionMode *string           `json:"permission_mode"`
	Access         map[string]string `json:"access"`
	ProjectScope   *projectScope     `json:"project_scope"`
}

// updateBody is the update object. A nil field (omitted; null is refused)
// keeps the key's value; a non-nil empty scopes or access clears it.
type updateBody struct {
	KeyName         *string            `json:"key_name"`
	Scopes          *[]string          `json:"scopes"`
	UsageLimitCHF   *float64           `json:"usage_limit_chf"`
	ClearUsageLimit bool               `json:"clear_usage_limit"`
	ExpiresAt       *string            `json:"expires_at"`
	ClearExpiresAt  bool               `json:"clear_expires_at"`
	PermissionMode  *string            `json:"permission_mode"`
	Access          *map[string]string `json:"access"`
	ProjectScope    *projectScope      `json:"project_scope"`
}

// decodeJSON decodes exactly one JSON object into v, refusing unknown fields,
// trailing data and a missing or non-JSON Content-Type, each as the 422 (or
// 415) a client should see for it. A top-level null is refused too, except
// for the fields named in nullable: encoding/json would take null for
// "omitted", and an omitted field and a null one mean different things to a
// client (keep the value, or clear it?), so only the object's own nullable
// fields may be null.
func decodeJSON(header http.Header, body []byte, v any, nullable ...string) *apiError {
	if len(body) == 0 {
		return validationError("body", "a JSON object is required")
	}
	if mt, _, err := mime.ParseMediaType(header.Get("Content-Type")); err != nil || mt != "application/json" {
		return &apiError{
			status:  http.StatusUnsupportedMediaType,
			code:    codeUnsupportedMedia,
			typ:     typeInvalidRequest,
			message: "the request body must be sent as Content-Type: application/json",
			details: map[string]any{"content_type": header.Get("Content-Type")},
		}
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return validationError("body", "unexpected data after the JSON object")
		}
		return refuseNulls(body, nullable)
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return validationError("body", "must be a JSON object")
		}
		return validationError(field, "must not be a JSON "+typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this; its message is stable.
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = "body"
		}
		return validationError(name, "unknown field")
	default:
		return validationError("body", "malformed JSON")
	}
}

// refuseNulls finds a top-level null in an object that decoded already.
func refuseNulls(body []byte, nullable []string) *apiError {
	if !bytes.Contains(body, []byte("null")) {
		return nil // the common case costs no second decode
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return validationError("body", "must be a JSON object")
	}
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if string(fields[name]) == "null" && !slices.Contains(nullable, name) {
			return validationError(name, "must not be null; omit the field to keep its value")
		}
	}
	return nil
}

func validName(p *string) (string, *apiError) {
	if p == nil {
		return "", validationError("key_name", "is required")
	}
	name := strings.TrimSpace(*p)
	if n := utf8.RuneCountInString(name); n < 1 || n > maxNameLen {
		return "", validationError("key_name", "must be 1 to 100 characters")
	}
	return name, nil
}

func validScopes(scopes []string) ([]string, *apiError) {
	for _, s := range scopes {
		if strings.TrimSpace(s) == "" {
			return nil, validationError("scopes", "must not contain an empty scope")
		}
	}
	return scopes, nil
}

func validUsageLimit(p *float64) *apiError {
	if p != nil && *p < 0 {
		return validationError("usage_limit_chf", "must not be negative")
	}
	return nil
}

// validExpiry parses expires_at, which must lie after now: a key that is
// expired when made is almost certainly a caller's mistake.
func validExpiry(s string, now time.Time) (time.Time, *apiError) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, validationError("expires_at", "must be an RFC 3339 time")
	}
	if !t.After(now) {
		return time.Time{}, validationError("expires_at", "must be in the future")
	}
	return t.UTC(), nil
}

func validMode(s string) *apiError {
	switch s {
	case modeAll, modeRestricted, modeReadOnly:
		return nil
	}
	return validationError("permission_mode", `must be "all", "restricted" or "read_only"`)
}

func validAccess(m map[string]string) *apiError {
	for k, v := range m {
		if k == "" || v == "" {
			return validationError("access", "keys and values must not be empty")
		}
	}
	return nil
}

// validProjectScope returns the project ID ("" = all projects).
func validProjectScope(ps *projectScope) (string, *apiError) {
	switch {
	case ps.All != nil && ps.Single == nil:
		return "", nil
	case ps.Single != nil && ps.All == nil:
		if ps.Single.ProjectID == "" {
			return "", validationError("project_scope", "single.project_id must not be empty")
		}
		return ps.Single.ProjectID, nil
	}
	return "", validationError("project_scope", `must be {"all":{}} or {"single":{"project_id":"…"}}`)
}

// validCreate checks a create object field by field, in the order of the
// wire format, and returns the key it describes (without ID or secret).
func validCreate(b *createBody, now time.Time) (*key, *apiError) {
	k := &key{mode: modeAll}
	var e *apiError
	if k.name, e = validName(b.KeyName); e != nil {
		return nil, e
	}
	if k.scopes, e = validScopes(b.Scopes); e != nil {
		return nil, e
	}
	if e = validUsageLimit(b.UsageLimitCHF); e != nil {
		return nil, e
	}
	k.usageLimit = b.UsageLimitCHF
	if b.ExpiresAt != nil {
		if k.expiresAt, e = validExpiry(*b.ExpiresAt, now); e != nil {
			return nil, e
		}
	}
	if b.PermissionMode != nil {
		if e = validMode(*b.PermissionMode); e != nil {
			return nil, e
		}
		k.mode = *b.PermissionMode
	}
	if e = validAccess(b.Access); e != nil {
		return nil, e
	}
	if k.mode == modeRestricted && len(b.Access) == 0 {
		return nil, validationError("access", "is required when permission_mode is restricted")
	}
	if len(b.Access) > 0 {
		k.access = b.Access
	}
	if b.ProjectScope != nil {
		if k.projectID, e = validProjectScope(b.ProjectScope); e != nil {
			return nil, e
		}
	}
	return k, nil
}

// patch is a validated update object, ready to apply to any key.
type patch struct {
	body      *updateBody
	name      string
	expiresAt time.Time
	projectID string
}

// validUpdate checks what can be checked without the key; patch.apply checks
// the rest (a restricted mode needs access, whichever of the two changed).
func validUpdate(b *updateBody, now time.Time) (*patch, *apiError) {
	p := &patch{body: b}
	var e *apiError
	if b.KeyName != nil {
		if p.name, e = validName(b.KeyName); e != nil {
			return nil, e
		}
	}
	if b.Scopes != nil {
		if _, e = validScopes(*b.Scopes); e != nil {
			return nil, e
		}
	}
	if b.UsageLimitCHF != nil && b.ClearUsageLimit {
		return nil, validationError("usage_limit_chf", "cannot be combined with clear_usage_limit")
	}
	if e = validUsageLimit(b.UsageLimitCHF); e != nil {
		return nil, e
	}
	if b.ExpiresAt != nil && b.ClearExpiresAt {
		return nil, validationError("expires_at", "cannot be combined with clear_expires_at")
	}
	if b.ExpiresAt != nil {
		if p.expiresAt, e = validExpiry(*b.ExpiresAt, now); e != nil {
			return nil, e
		}
	}
	if b.PermissionMode != nil {
		if e = validMode(*b.PermissionMode); e != nil {
			return nil, e
		}
	}
	if b.Access != nil {
		if e = validAccess(*b.Access); e != nil {
			return nil, e
		}
	}
	if b.ProjectScope != nil {
		if p.projectID, e = validProjectScope(b.ProjectScope); e != nil {
			return nil, e
		}
	}
	return p, nil
}

// apply changes k, or nothing if the result would be invalid.
func (p *patch) apply(k *key, now time.Time) *apiError {
	b := p.body
	mode, access := k.mode, k.access
	if b.PermissionMode != nil {
		mode = *b.PermissionMode
	}
	if b.Access != nil {
		access = *b.Access
		if len(access) == 0 {
			access = nil
		}
	}
	if mode == modeRestricted && len(access) == 0 {
		return validationError("access", "is required when permission_mode is restricted")
	}
	k.mode, k.access = mode, access
	if b.KeyName != nil {
		k.name = p.name
	}
	if b.Scopes != nil {
		k.scopes = *b.Scopes
		if len(k.scopes) == 0 {
			k.scopes = nil
		}
	}
	switch {
	case b.UsageLimitCHF != nil:
		k.usageLimit = b.UsageLimitCHF
	case b.ClearUsageLimit:
		k.usageLimit = nil
	}
	switch {
	case b.ExpiresAt != nil:
		k.expiresAt = p.expiresAt
	case b.ClearExpiresAt:
		k.expiresAt = time.Time{}
	}
	if b.ProjectScope != nil {
		k.projectID = p.projectID
	}
	k.changed(now)
	return nil
}

// validList parses the list query. A parameter that is present must be valid:
// "page=" is refused, not defaulted, as a client that sends it has a bug.
func validList(q url.Values) (listQuery, *apiError) {
	lq := listQuery{page: 1, pageSize: defPageSize}
	var e *apiError
	if lq.page, e = intParam(q, "page", 1, lq.page, math.MaxInt32); e != nil {
		return lq, e
	}
	if lq.pageSize, e = intParam(q, "page_size", 1, lq.pageSize, maxPageSize); e != nil {
		return lq, e
	}
	if vs, ok := q["status"]; ok {
		if _, known := transitions[vs[0]]; !known || len(vs) > 1 {
			return lq, validationError("status", "must be one of active, paused, inactive, archived, revoked")
		}
		lq.status = vs[0]
	}
	if vs, ok := q["include_archived"]; ok {
		switch {
		case len(vs) == 1 && vs[0] == "true":
			lq.includeArchived = true
		case len(vs) == 1 && vs[0] == "false":
		default:
			return lq, validationError("include_archived", `must be "true" or "false"`)
		}
	}
	return lq, nil
}

func intParam(q url.Values, name string, lo, def, hi int) (int, *apiError) {
	vs, ok := q[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || len(vs) > 1 || n < lo || n > hi {
		return 0, validationError(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

// permanentParam reads DELETE's ?permanent=: "true" deletes, "false" or absent
// archives, anything else is refused rather than guessed.
func permanentParam(q url.Values) (bool, *apiError) {
	vs, ok := q["permanent"]
	if !ok {
		return false, nil
	}
	if len(vs) == 1 && (vs[0] == "true" || vs[0] == "false") {
		return vs[0] == "true", nil
	}
	return false, validationError("permanent", `must be "true" or "false"`)
}
