// Package reference is the mapping of the project's own reference API v2
// (api/openapi.yaml): paths under /organizations/{org}/api-keys, snake_case
// JSON, cursor paging, Idempotency-Key on every mutation and the
// {"success":false,"error":{…}} envelope.
package reference

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// Mapping implements platform.Mapping for the reference API. The zero value
// is ready to use and holds no state.
type Mapping struct{}

var _ platform.Mapping = Mapping{}

var spec = platform.Spec{
	Name:         "reference",
	AuthHeader:   "X-Api-Key",
	Organization: platform.OrgRequired,
	Get:          true,
	Update:       true,
	Actions: []string{
		platform.ActionActivate, platform.ActionDeactivate, platform.ActionPause, platform.ActionUnpause,
		platform.ActionArchive, platform.ActionReactivate, platform.ActionRevoke, platform.ActionDelete,
	},
	Statuses: []string{
		platform.StatusActive, platform.StatusPaused, platform.StatusInactive,
		platform.StatusArchived, platform.StatusRevoked,
	},
	Table: map[string][]string{
		platform.StatusActive:   {platform.ActionDeactivate, platform.ActionPause, platform.ActionArchive, platform.ActionRevoke},
		platform.StatusPaused:   {platform.ActionDeactivate, platform.ActionUnpause, platform.ActionArchive, platform.ActionRevoke},
		platform.StatusInactive: {platform.ActionActivate, platform.ActionArchive, platform.ActionRevoke},
		platform.StatusArchived: {platform.ActionReactivate, platform.ActionRevoke, platform.ActionDelete},
		platform.StatusRevoked:  {platform.ActionDelete},
	},
	CreateFields: []string{
		platform.FieldName, platform.FieldScopes, platform.FieldUsageLimitCHF, platform.FieldExpiresAt,
		platform.FieldPermissionMode, platform.FieldAccess, platform.FieldProjectID, platform.FieldIdempotencyKey,
	},
	UpdateFields: []string{
		platform.FieldName, platform.FieldScopes, platform.FieldUsageLimitCHF, platform.FieldClearUsageLimit,
		platform.FieldExpiresAt, platform.FieldClearExpiresAt, platform.FieldPermissionMode,
		platform.FieldAccess, platform.FieldProjectID,
	},
	ServerFilters:    []string{platform.FieldStatus, platform.FieldIncludeArchived},
	MaxPageSize:      100,
	Deduplicates:     true,
	RequestIDHeaders: []string{"X-Request-Id"},
}

// Spec returns the reference API's capabilities: every operation and field.
func (Mapping) Spec() *platform.Spec { return &spec }

// actionPaths are the transitions that are a POST to /{key}/{action}.
var actionPaths = map[string]bool{
	platform.ActionActivate: true, platform.ActionDeactivate: true, platform.ActionPause: true,
	platform.ActionUnpause: true, platform.ActionReactivate: true, platform.ActionRevoke: true,
}

// Encode builds the request for op. IDs are path-escaped, never joined raw.
// Every mutation carries the call's Idempotency-Key, which the reference API
// honours, so every one of them may be retried.
func (Mapping) Encode(op platform.Operation) (platform.Request, error) {
	org, id := url.PathEscape(op.OrgID), url.PathEscape(op.KeyID)
	coll := "/organizations/" + org + "/api-keys"
	var req platform.Request
	var err error
	switch op.Kind {
	case platform.KindCreate:
		req = platform.Request{Method: http.MethodPost, Path: coll, Retry: platform.RetryDeduplicated}
		req.Body, err = json.Marshal(newCreateBody(op.Create))
	case platform.KindList:
		return platform.Request{Method: http.MethodGet, Path: coll, RawQuery: listQuery(op.List)}, nil
	case platform.KindGet:
		return platform.Request{Method: http.MethodGet, Path: keyPath(org, id, "")}, nil
	case platform.KindUpdate:
		req = platform.Request{Method: http.MethodPatch, Path: keyPath(org, id, "")}
		req.Body, err = json.Marshal(newUpdateBody(op.Update))
	case platform.KindTransition:
		one := keyPath(org, id, "")
		switch {
		case actionPaths[op.Action]:
			req = platform.Request{Method: http.MethodPost, Path: keyPath(org, id, op.Action)}
		case op.Action == platform.ActionArchive:
			req = platform.Request{Method: http.MethodDelete, Path: one}
		case op.Action == platform.ActionDelete:
			req = platform.Request{Method: http.MethodDelete, Path: one, RawQuery: "permanent=true"}
		default:
			return platform.Request{}, fmt.Errorf("reference: no such action %q", op.Action)
		}
	default:
		return platform.Request{}, fmt.Errorf("reference: no such operation %d", op.Kind)
	}
	req.IdempotencyKey = op.IdempotencyKey
	return req, err
}

// keyPath is /organizations/{org}/api-keys/{id}[/{action}] from escaped
// parts, built in one allocation: it is on the path of every call on a key.
func keyPath(org, id, action string) string {
	const pre, mid = "/organizations/", "/api-keys/"
	n := len(pre) + len(org) + len(mid) + len(id)
	if action != "" {
		n += 1 + len(action)
	}
	var b strings.Builder
	b.Grow(n)
	b.WriteString(pre)
	b.WriteString(org)
	b.WriteString(mid)
	b.WriteString(id)
	if action != "" {
		b.WriteByte('/')
		b.WriteString(action)
	}
	return b.String()
}

func listQuery(l *platform.ListFields) string {
	q := make([]byte, 0, 64)
	q = append(q, "page_size="...)
	q = strconv.AppendInt(q, int64(l.PageSize), 10)
	if l.Cursor != "" {
		q = append(q, "&cursor="...)
		q = append(q, url.QueryEscape(l.Cursor)...)
	}
	if l.IncludeArchived {
		q = append(q, "&include_archived=true"...)
	}
	if l.Status != "" {
		q = append(q, "&status="...)
		q = append(q, url.QueryEscape(l.Status)...)
	}
	return string(q)
}

// projectScope is {"all":{}} or {"single":{"project_id":"…"}}.
type projectScope struct {
	All    *struct{}      `json:"all,omitempty"`
	Single *singleProject `json:"single,omitempty"`
}

type singleProject struct {
	ProjectID string `json:"project_id"`
}

func scopeFor(projectID string) *projectScope {
	if projectID == "" {
		return &projectScope{All: &struct{}{}}
	}
	return &projectScope{Single: &singleProject{ProjectID: projectID}}
}

type createBody struct {
	KeyName        string            `json:"key_name"`
	Scopes         []string          `json:"scopes,omitempty"`
	UsageLimitCHF  *float64          `json:"usage_limit_chf,omitempty"`
	ExpiresAt      *time.Time        `json:"expires_at,omitempty"`
	PermissionMode string            `json:"permission_mode,omitempty"`
	Access         map[string]string `json:"access,omitempty"`
	ProjectScope   *projectScope     `json:"project_scope,omitempty"`
}

func newCreateBody(c *platform.CreateFields) *createBody {
	b := &createBody{
		KeyName: c.Name, Scopes: c.Scopes, UsageLimitCHF: c.UsageLimitCHF,
		ExpiresAt: c.ExpiresAt, PermissionMode: c.PermissionMode, Access: c.Access,
	}
	if c.ProjectID != "" {
		b.ProjectScope = scopeFor(c.ProjectID)
	}
	return b
}

// updateBody uses omitzero so that a nil slice or map is left out (keep) while
// a non-nil empty one is sent as [] or {} (clear).
type updateBody struct {
	KeyName         *string           `json:"key_name,omitzero"`
	Scopes          []string          `json:"scopes,omitzero"`
	UsageLimitCHF   *float64          `json:"usage_limit_chf,omitzero"`
	ClearUsageLimit bool              `json:"clear_usage_limit,omitzero"`
	ExpiresAt       *time.Time        `json:"expires_at,omitzero"`
	ClearExpiresAt  bool              `json:"clear_expires_at,omitzero"`
	PermissionMode  *string           `json:"permission_mode,omitzero"`
	Access          map[string]string `json:"access,omitzero"`
	ProjectScope    *projectScope     `json:"project_scope,omitzero"`
}

func newUpdateBody(u *platform.UpdateFields) *updateBody {
	b := &updateBody{
		KeyName: u.Name, Scopes: u.Scopes, UsageLimitCHF: u.UsageLimitCHF,
		ClearUsageLimit: u.ClearUsageLimit, ExpiresAt: u.ExpiresAt,
		ClearExpiresAt: u.ClearExpiresAt, PermissionMode: u.PermissionMode, Access: u.Access,
	}
	if u.ProjectID != nil {
		b.ProjectScope = scopeFor(*u.ProjectID)
	}
	return b
}

// Bodies that decode but lack what the operation must return.
var (
	errNoKey    = errors.New("reference: the answer holds no key object (no id)")
	errNoSecret = errors.New(`reference: the create answer holds no secret ("key")`)
	errNoID     = errors.New(`reference: the create answer holds a secret but no "id"`)
	errNoList   = errors.New(`reference: the list answer has no "api_keys" field`)

	errNotJSON   = &jsonscan.FieldError{Source: "reference", Problem: "is not JSON"}
	errNotObject = &jsonscan.FieldError{Source: "reference", Problem: "is not a JSON object"}
)

// Decode reads a 2xx answer field by field: a member counts only under its
// exact name, and a field of the wrong type is an error that names the
// field, never the bytes.
func (Mapping) Decode(op platform.Operation, a *platform.Answer) (platform.Result, error) {
	if e := failureEnvelope(a.Body); e != nil {
		return platform.Result{}, e
	}
	if op.Kind == platform.KindTransition && op.Action == platform.ActionDelete {
		return platform.Result{}, nil
	}
	var buf [24]jsonscan.Member // the top-level members: a key object has 20
	o, err := parseObject(a.Body, buf[:0])
	if err != nil {
		return platform.Result{}, err
	}
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreated(o)
	case platform.KindList:
		return decodeList(o)
	}
	r := newReader()
	k := readKey(r, o, "")
	if r.Err != nil {
		return platform.Result{}, r.Err
	}
	if k.ID == "" {
		return platform.Result{}, errNoKey
	}
	return platform.Result{Key: k}, nil
}

// parseObject reads a body that must be a JSON object, or null (nil).
func parseObject(body []byte, buf jsonscan.Object) (jsonscan.Object, error) {
	o, err := jsonscan.ParseObject(body, buf)
	switch {
	case errors.Is(err, jsonscan.ErrNotJSON):
		return nil, errNotJSON
	case err != nil:
		return nil, errNotObject
	}
	return o, nil
}

func newReader() *jsonscan.Reader { return &jsonscan.Reader{Source: "reference"} }

// readKey reads the key object at path. is_active is not kept: status says
// more.
func readKey(r *jsonscan.Reader, o jsonscan.Object, path string) platform.Key {
	k := platform.Key{
		ID:               r.String(o, path, "id"),
		OrganizationID:   r.String(o, path, "organization_id"),
		Name:             r.String(o, path, "key_name"),
		Prefix:           r.String(o, path, "key_prefix"),
		Status:           r.String(o, path, "status"),
		Scopes:           r.Strings(o, path, "scopes"),
		PermissionMode:   r.String(o, path, "permission_mode"),
		Access:           r.StringMap(o, path, "access"),
		ProjectID:        projectOf(r, o, path),
		CreatedBy:        r.String(o, path, "created_by"),
		UpdatedBy:        r.String(o, path, "updated_by"),
		LastUsedAt:       r.TimePtr(o, path, "last_used_at"),
		ExpiresAt:        r.TimePtr(o, path, "expires_at"),
		ArchivedAt:       r.TimePtr(o, path, "archived_at"),
		RevokedAt:        r.TimePtr(o, path, "revoked_at"),
		AvailableActions: r.Strings(o, path, "available_actions"),
	}
	k.PlatformStatus = k.Status
	if f, ok := r.Number(o, path, "usage_limit_chf"); ok {
		k.UsageLimitCHF = &f
	}
	k.CreatedAt, _ = r.Time(o, path, "created_at")
	k.UpdatedAt, _ = r.Time(o, path, "updated_at")
	return k
}

// projectOf reads project_scope: {"all":{}}, or null, is every project ("");
// {"single":{"project_id":"…"}} is that one.
func projectOf(r *jsonscan.Reader, o jsonscan.Object, path string) string {
	scope, ok := r.Object(o, path, "project_scope")
	if !ok {
		return ""
	}
	single, ok := r.Object(scope, path+"project_scope.", "single")
	if !ok {
		return ""
	}
	return r.String(single, path+"project_scope.single.", "project_id")
}

// decodeCreated decodes a key object with the secret in "key". The key now
// exists on the server: a field of the wrong type costs that field only,
// and what did decode (the ID and the secret above all) goes back with the
// error.
func decodeCreated(o jsonscan.Object) (platform.Result, error) {
	r := newReader()
	res := platform.Result{Secret: r.String(o, "", "key")}
	switch {
	case res.Secret == "":
		return platform.Result{}, errNoSecret
	case r.String(o, "", "id") == "":
		return res, errNoID
	}
	res.Key = readKey(r, o, "")
	return res, r.Err
}

// decodeList decodes one page. A next_cursor that is absent or null ends the
// walk; the client refuses one that does not advance. A key without an ID
// cannot be acted on: it fails the page.
func decodeList(o jsonscan.Object) (platform.Result, error) {
	items, ok := o.Get("api_keys")
	if !ok || jsonscan.IsNull(items) {
		return platform.Result{}, errNoList
	}
	if items[0] != '[' {
		return platform.Result{}, &jsonscan.FieldError{Source: "reference", Field: "api_keys", Problem: "not an array"}
	}
	n := 0
	jsonscan.EachElement(items, func([]byte) { n++ })
	r := newReader()
	keys := make([]platform.Key, 0, n)
	var ko jsonscan.Object // reused: each element's members replace the last's
	i := -1
	jsonscan.EachElement(items, func(item []byte) {
		i++
		if item[0] != '{' {
			r.Fail("api_keys["+strconv.Itoa(i)+"]", "not a key object")
			return
		}
		ko = jsonscan.ObjectOf(item, ko[:0])
		// Read with no path, which would cost two strings a key; a
		// failure is given its place afterwards.
		kr := jsonscan.Reader{Source: "reference"}
		k := readKey(&kr, ko, "")
		if k.ID == "" {
			kr.Fail("id", "missing or not a string")
		}
		if fe, ok := kr.Err.(*jsonscan.FieldError); ok {
			r.Fail("api_keys["+strconv.Itoa(i)+"]."+fe.Field, fe.Problem)
		}
		keys = append(keys, k)
	})
	res := platform.Result{Keys: keys, Next: r.String(o, "", "next_cursor")}
	if r.Err != nil {
		return platform.Result{}, r.Err
	}
	return res, nil
}

type envelope struct {
	Success *bool `json:"success"`
	Error   *struct {
		Code          string          `json:"code"`
		Message       string          `json:"message"`
		SystemMessage string          `json:"system_message"`
		Type          string          `json:"type"`
		Status        json.RawMessage `json:"status"`
		TraceID       string          `json:"trace_id"`
		Timestamp     json.RawMessage `json:"timestamp"`
		Details       json.RawMessage `json:"details"`
	} `json:"error"`
}

// classes maps the reference API's codes to the SDK's failure classes.
var classes = map[string]platform.Class{
	"API_KEY_NOT_FOUND":        platform.ClassNotFound,
	"INVALID_STATE_TRANSITION": platform.ClassInvalidTransition,
	"VALIDATION_ERROR":         platform.ClassInvalidParams,
	"IDEMPOTENCY_KEY_REUSED":   platform.ClassConflict,
	"INVALID_API_KEY":          platform.ClassUnauthorized,
	"INSUFFICIENT_PERMISSIONS": platform.ClassForbidden,
	"RATE_LIMIT_EXCEEDED":      platform.ClassRateLimited,
	"INTERNAL_ERROR":           platform.ClassServer,
	"SERVICE_UNAVAILABLE":      platform.ClassServer,
}

// DecodeError decodes the error envelope. A timestamp or details of an
// unexpected type are dropped rather than failing the whole envelope, which
// would lose the code that errors.Is needs.
func (Mapping) DecodeError(_ platform.Operation, a *platform.Answer) platform.Error {
	e, _ := decodeEnvelope(a.Body)
	return e
}

func decodeEnvelope(body []byte) (platform.Error, bool) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 || body[0] != '{' {
		return platform.Error{}, false
	}
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil || env.Error == nil {
		return platform.Error{}, false
	}
	e := env.Error
	out := platform.Error{
		Class: classes[e.Code], Code: e.Code, Message: e.Message, SystemMessage: e.SystemMessage,
		Type: e.Type, TraceID: e.TraceID,
	}
	var ts string
	if json.Unmarshal(e.Timestamp, &ts) == nil {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			out.Timestamp = t
		}
	}
	_ = json.Unmarshal(e.Details, &out.Details) // not an object: dropped
	_ = json.Unmarshal(e.Status, &out.Status)   // not a number: the HTTP status stands
	if out.Status < 400 || out.Status > 599 {
		out.Status = 0
	}
	return out, true
}

// failureEnvelope returns the failure a 2xx body reports, if it is one:
// {"success":false,"error":{…}}.
func failureEnvelope(body []byte) *platform.Error {
	if !bytes.Contains(body, []byte(`"success"`)) {
		return nil // the common case costs no second decode
	}
	var env envelope
	if json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success {
		return nil
	}
	e, ok := decodeEnvelope(body)
	if !ok {
		e = platform.Error{Message: "the answer reports a failure"}
	}
	return &e
}
