// Package orqai is the platform mapping of orq.ai's API keys: paths under
// /v2/api-keys, PATCH {"status":"API_KEY_STATUS_…"} for the lifecycle,
// starting_after cursors, and the {"error":{"code","message","doc_url"}}
// envelope.
//
// orq.ai answers in two generations and this mapping reads both, telling
// them apart by shape (requests are the same in both):
//
//   - up to 2026-08-02 a key is wrapped, {"api_key":{…}} (a create adds
//     "token"), a page is {"object":"list","data":[…],"has_more":…} and a
//     delete answers 200 {};
//   - from 2026-08-14 a key is a flat ApiKeyRestResponse (top-level "id",
//     "expiration", "created", "updated", "active", …), a page is a bare
//     JSON array and a delete answers 204.
//
// A bare array says nothing of a next page, so a newer-wire list goes on
// while a page is full (as many keys as asked for) and ends on the first
// short one: at worst, when the last page is full, one more request that
// answers []. The older wire's has_more decides instead.
//
// Rotate copies a key's project_scope and owner into the replacement's
// create only when each is exactly one of the shapes the spec shows
// ({"all":{}} or {"single":{"project_id"}}; {"user":{"user_id"}} or
// {"service_account":{}}) and the newer wire's "projects", if any, agrees;
// otherwise it refuses, as a create left to its defaults (every project, the
// service account) could make a wider key.
//
// Sources: orq.ai's "Disable a key" page (vendor-docs/orq-update-key.txt,
// the older wire), the OpenAPI extracts vendor-docs/specs/
// orq-api-keys-2026-08-02.yaml (older) and orq-api-keys-2026-08-21.yaml
// (newer), the orq.ai section of vendor-docs/PLATFORMS.md, and DESIGN.md v2
// (capabilities, transition table, status words, Rotate).
package orqai

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// Mapping implements platform.Mapping for orq.ai. The zero value is ready to
// use and holds no state.
type Mapping struct{}

var _ platform.Mapping = Mapping{}

// spec is DESIGN.md's orq.ai column. There is no organization on the wire:
// the credential names the workspace. Revoke is permanent (the vendor's
// docs), so a revoked key allows only delete. Nothing says the server
// honours an idempotency key, and no request-ID header is documented.
var spec = platform.Spec{
	Name:           "orq-ai",
	DefaultBaseURL: "https://api.orq.ai",
	AuthHeader:     "Authorization",
	AuthScheme:     "Bearer",
	Organization:   platform.OrgNone,
	Get:            true,
	Update:         true,
	Actions: []string{
		platform.ActionActivate, platform.ActionDeactivate,
		platform.ActionRevoke, platform.ActionDelete,
	},
	Statuses: []string{platform.StatusActive, platform.StatusInactive, platform.StatusRevoked},
	Table: map[string][]string{
		platform.StatusActive:   {platform.ActionDeactivate, platform.ActionRevoke, platform.ActionDelete},
		platform.StatusInactive: {platform.ActionActivate, platform.ActionRevoke, platform.ActionDelete},
		platform.StatusRevoked:  {platform.ActionDelete},
	},
	CreateFields: []string{
		platform.FieldName, platform.FieldExpiresAt, platform.FieldPermissionMode,
		platform.FieldAccess, platform.FieldProjectID,
	},
	UpdateFields: []string{
		platform.FieldName, platform.FieldExpiresAt, platform.FieldClearExpiresAt,
		platform.FieldPermissionMode, platform.FieldAccess, platform.FieldProjectID,
	},
	ServerFilters: []string{platform.FieldStatus},
	MaxPageSize:   200,
}

// Spec returns the one package-level Spec.
func (Mapping) Spec() *platform.Spec { return &spec }

// collection is where every path starts; the default base URL has no path.
const collection = "/v2/api-keys"

// defaultPageSize is the server's page size when limit is unset (the spec).
const defaultPageSize = 25

// The vendor's enum spellings.
const (
	statusPrefix = "API_KEY_STATUS_"
	modePrefix   = "PERMISSION_MODE_"
	accessPrefix = "ACCESS_LEVEL_"
)

// statusWire spells an SDK status as orq.ai's ApiKeyStatus: in a list filter
// and in a transition's PATCH body.
var statusWire = map[string]string{
	platform.StatusActive:   statusPrefix + "ACTIVE",
	platform.StatusInactive: statusPrefix + "DISABLED",
	platform.StatusRevoked:  statusPrefix + "REVOKED",
}

// actionStatus is the status each lifecycle action PATCHes in.
var actionStatus = map[string]string{
	platform.ActionActivate:   statusWire[platform.StatusActive],
	platform.ActionDeactivate: statusWire[platform.StatusInactive],
	platform.ActionRevoke:     statusWire[platform.StatusRevoked],
}

// actionBody is the PATCH body of each action, {"status":"…"}, marshaled
// once: the same bytes on every call, as a Request's Body is never written
// to.
var actionBody = func() map[string][]byte {
	m := make(map[string][]byte, len(actionStatus))
	for action, status := range actionStatus {
		b, err := json.Marshal(statusBody{Status: status})
		if err != nil {
			panic(err) // a struct of one string always marshals
		}
		m[action] = b
	}
	return m
}()

// modeWire and accessWire spell the SDK's permission modes and access levels.
var (
	modeWire = map[string]string{
		"all":        modePrefix + "ALL",
		"restricted": modePrefix + "RESTRICTED",
		"read_only":  modePrefix + "READ_ONLY",
	}
	accessWire = map[string]string{
		"none":  accessPrefix + "NONE",
		"read":  accessPrefix + "READ",
		"write": accessPrefix + "WRITE",
	}
)

// Encode builds the request for op. IDs are path-escaped, never joined raw.
// Nothing here sends an Idempotency-Key: orq.ai does not document one, so a
// create is retried only when it surely was not sent.
func (Mapping) Encode(op platform.Operation) (platform.Request, error) {
	switch op.Kind {
	case platform.KindCreate:
		b, err := newCreateBody(op.Create)
		if err != nil {
			return platform.Request{}, err
		}
		return jsonRequest(http.MethodPost, collection, b, platform.RetryUnsent)
	case platform.KindList:
		q, err := listQuery(op.List)
		if err != nil {
			return platform.Request{}, err
		}
		return platform.Request{Method: http.MethodGet, Path: collection, RawQuery: q}, nil
	}
	one := collection + "/" + url.PathEscape(op.KeyID)
	switch op.Kind {
	case platform.KindGet:
		// include_budget makes the answer carry the key's budget, which
		// Rotate must see to refuse copying a budgeted key into an
		// unbudgeted one (the older wire omits it otherwise).
		return platform.Request{Method: http.MethodGet, Path: one, RawQuery: "include_budget=true"}, nil
	case platform.KindUpdate:
		b, err := newUpdateBody(op.Update)
		if err != nil {
			return platform.Request{}, err
		}
		return jsonRequest(http.MethodPatch, one, b, platform.RetryAlways)
	case platform.KindTransition:
		if op.Action == platform.ActionDelete {
			return platform.Request{Method: http.MethodDelete, Path: one}, nil
		}
		body, ok := actionBody[op.Action]
		if !ok {
			return platform.Request{}, fmt.Errorf("orqai: no such action %q", op.Action)
		}
		return platform.Request{Method: http.MethodPatch, Path: one, Body: body, Retry: platform.RetryAlways}, nil
	}
	return platform.Request{}, fmt.Errorf("orqai: no such operation %d", op.Kind)
}

func jsonRequest(method, path string, v any, retry platform.Retry) (platform.Request, error) {
	body, err := json.Marshal(v)
	if err != nil {
		return platform.Request{}, err
	}
	return platform.Request{Method: method, Path: path, Body: body, Retry: retry}, nil
}

// listQuery is limit, then the cursor, then the status filter. A status
// orq.ai has no word for (paused, archived) cannot be asked of the server;
// it is refused rather than answered with an empty page the server never gave.
func listQuery(l *platform.ListFields) (string, error) {
	if l == nil {
		l = &platform.ListFields{}
	}
	var q []string
	if l.PageSize > 0 {
		q = append(q, "limit="+strconv.Itoa(l.PageSize))
	}
	if l.Cursor != "" {
		q = append(q, "starting_after="+url.QueryEscape(l.Cursor))
	}
	if l.Status != "" {
		s, ok := statusWire[l.Status]
		if !ok {
			return "", &platform.Unsupported{Field: platform.FieldStatus,
				Reason: "orq.ai keys are never " + strconv.Quote(l.Status)}
		}
		q = append(q, "status="+s)
	}
	return strings.Join(q, "&"), nil
}

type statusBody struct {
	Status string `json:"status"`
}

// projectScope is {"all":{}} or {"single":{"project_id":"…"}}.
type projectScope struct {
	All    *struct{}      `json:"all,omitempty"`
	Single *singleProject `json:"single,omitempty"`
}

type singleProject struct {
	ProjectID string `json:"project_id"`
}

// scopeFor spells the SDK's ProjectID: "" is every project.
func scopeFor(projectID string) *projectScope {
	if projectID == "" {
		return &projectScope{All: &struct{}{}}
	}
	return &projectScope{Single: &singleProject{ProjectID: projectID}}
}

// createBody is CreateApiKeyRequest in the spec's field order. project_scope
// is always sent: the SDK's "" means every project, and saying so does not
// lean on the server's default. permission_mode is sent only when set, so
// an unset mode is the server's default (ALL), as the SDK's zero means.
// owner and mcp_access come only from a rotated key's Carry.
type createBody struct {
	Name           string            `json:"name"`
	Owner          json.RawMessage   `json:"owner,omitempty"`
	ProjectScope   *projectScope     `json:"project_scope"`
	PermissionMode string            `json:"permission_mode,omitempty"`
	Access         map[string]string `json:"access,omitzero"`
	ExpiresAt      *time.Time        `json:"expires_at,omitempty"`
	MCPAccess      json.RawMessage   `json:"mcp_access,omitempty"`
}

func newCreateBody(c *platform.CreateFields) (*createBody, error) {
	if c == nil {
		c = &platform.CreateFields{}
	}
	carried, _ := c.Carry.(carry)
	if p, ok := c.Carry.(*carry); ok && p != nil {
		carried = *p
	}
	if carried.restriction != nil {
		refused := *carried.restriction // the caller may keep the error; the key keeps its own
		return nil, &refused
	}
	restricted := c.PermissionMode == "restricted"
	if c.Access != nil && !restricted {
		return nil, accessIgnored()
	}
	if restricted && c.Access == nil {
		return nil, &platform.Invalid{Field: platform.FieldAccess,
			Reason: "orq.ai requires access when permission_mode is restricted"}
	}
	b := &createBody{
		Name:         c.Name,
		Owner:        carried.owner,
		ProjectScope: scopeFor(c.ProjectID),
		ExpiresAt:    utc(c.ExpiresAt),
		MCPAccess:    carried.mcpAccess,
	}
	var err error
	if c.PermissionMode != "" {
		if b.PermissionMode, err = wireMode(c.PermissionMode); err != nil {
			return nil, err
		}
	}
	if b.Access, err = wireAccess(c.Access); err != nil {
		return nil, err
	}
	return b, nil
}

// updateBody is UpdateApiKeyRequest: omitted keeps, "access":{} clears,
// clear_expires_at removes the expiry. omitzero keeps a nil map out and a
// non-nil empty one in.
type updateBody struct {
	Name           *string           `json:"name,omitzero"`
	PermissionMode string            `json:"permission_mode,omitzero"`
	Access         map[string]string `json:"access,omitzero"`
	ProjectScope   *projectScope     `json:"project_scope,omitzero"`
	ExpiresAt      *time.Time        `json:"expires_at,omitzero"`
	ClearExpiresAt bool              `json:"clear_expires_at,omitzero"`
}

func newUpdateBody(u *platform.UpdateFields) (*updateBody, error) {
	if u == nil {
		u = &platform.UpdateFields{}
	}
	if u.Access != nil && (u.PermissionMode == nil || *u.PermissionMode != "restricted") {
		return nil, accessIgnored()
	}
	if u.ClearExpiresAt && u.ExpiresAt != nil {
		return nil, &platform.Invalid{Field: platform.FieldClearExpiresAt,
			Reason: "orq.ai refuses clear_expires_at together with expires_at"}
	}
	b := &updateBody{Name: u.Name, ExpiresAt: utc(u.ExpiresAt), ClearExpiresAt: u.ClearExpiresAt}
	var err error
	if u.PermissionMode != nil {
		if b.PermissionMode, err = wireMode(*u.PermissionMode); err != nil {
			return nil, err
		}
	}
	if b.Access, err = wireAccess(u.Access); err != nil {
		return nil, err
	}
	if u.ProjectID != nil {
		b.ProjectScope = scopeFor(*u.ProjectID)
	}
	return b, nil
}

// accessIgnored refuses what the vendor would silently drop: "access" is
// "ignored otherwise" than with PERMISSION_MODE_RESTRICTED.
func accessIgnored() error {
	return &platform.Unsupported{Field: platform.FieldAccess,
		Reason: "orq.ai ignores access unless permission_mode is restricted"}
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func wireMode(mode string) (string, error) {
	if w, ok := modeWire[mode]; ok {
		return w, nil
	}
	return "", &platform.Invalid{Field: platform.FieldPermissionMode,
		Reason: "orq.ai has no permission mode " + strconv.Quote(mode)}
}

// wireAccess spells each level in the vendor's words. A level already in
// them (ACCESS_LEVEL_…, as a decoded key keeps a level it does not know) is
// passed on as it is, so a key read back can be written again.
func wireAccess(access map[string]string) (map[string]string, error) {
	if access == nil {
		return nil, nil
	}
	out := make(map[string]string, len(access))
	for resource, level := range access {
		switch w, ok := accessWire[level]; {
		case ok:
			out[resource] = w
		case strings.HasPrefix(level, accessPrefix) && len(level) > len(accessPrefix):
			out[resource] = level
		default:
			return nil, &platform.Invalid{Field: platform.FieldAccess,
				Reason: "orq.ai has no access level " + strconv.Quote(level)}
		}
	}
	return out, nil
}
