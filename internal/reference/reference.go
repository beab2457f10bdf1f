// Package reference is the platform mapping of the reference API v1: paths
// under /organizations/{org}/api-keys, snake_case JSON and the
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
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// Mapping implements platform.Mapping for the reference API. The zero value
// is ready to use and holds no state.
type Mapping struct{}

var _ platform.Mapping = Mapping{}

// Supports reports true for every operation: the reference API has them all.
func (Mapping) Supports(platform.Kind, string) bool { return true }

// actionPaths are the transitions that are a POST to /{key}/{action}.
var actionPaths = map[string]bool{
	"activate": true, "deactivate": true, "pause": true,
	"unpause": true, "reactivate": true, "revoke": true,
}

// Encode builds the request for op. IDs are path-escaped, never joined raw.
func (Mapping) Encode(op *platform.Operation) (platform.Request, error) {
	coll := "/organizations/" + url.PathEscape(op.OrgID) + "/api-keys"
	switch op.Kind {
	case platform.KindCreate:
		body, err := json.Marshal(newCreateBody(op.Create))
		return platform.Request{Method: http.MethodPost, Path: coll, Body: body}, err
	case platform.KindList:
		return platform.Request{Method: http.MethodGet, Path: coll, RawQuery: listQuery(op.List)}, nil
	}
	one := coll + "/" + url.PathEscape(op.KeyID)
	switch op.Kind {
	case platform.KindGet:
		return platform.Request{Method: http.MethodGet, Path: one}, nil
	case platform.KindUpdate:
		body, err := json.Marshal(newUpdateBody(op.Update))
		return platform.Request{Method: http.MethodPatch, Path: one, Body: body}, err
	case platform.KindTransition:
		switch {
		case actionPaths[op.Action]:
			return platform.Request{Method: http.MethodPost, Path: one + "/" + op.Action}, nil
		case op.Action == "archive":
			return platform.Request{Method: http.MethodDelete, Path: one}, nil
		case op.Action == "delete":
			return platform.Request{Method: http.MethodDelete, Path: one, RawQuery: "permanent=true"}, nil
		}
		return platform.Request{}, fmt.Errorf("reference: no such action %q", op.Action)
	}
	return platform.Request{}, fmt.Errorf("reference: no such operation %d", op.Kind)
}

func listQuery(l *platform.ListFields) string {
	page := l.Cursor
	if page == "" {
		page = "1"
	}
	q := make([]byte, 0, 64)
	q = append(q, "page="...)
	q = append(q, url.QueryEscape(page)...)
	q = append(q, "&page_size="...)
	q = strconv.AppendInt(q, int64(l.PageSize), 10)
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

func (p *projectScope) projectID() string {
	if p == nil || p.Single == nil {
		return ""
	}
	return p.Single.ProjectID
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

// wireKey is the key object. is_active is not kept: status says more.
type wireKey struct {
	ID               string            `json:"id"`
	OrganizationID   string            `json:"organization_id"`
	KeyName          string            `json:"key_name"`
	KeyPrefix        string            `json:"key_prefix"`
	Status           string            `json:"status"`
	Scopes           []string          `json:"scopes"`
	UsageLimitCHF    *float64          `json:"usage_limit_chf"`
	PermissionMode   string            `json:"permission_mode"`
	Access           map[string]string `json:"access"`
	ProjectScope     *projectScope     `json:"project_scope"`
	CreatedBy        string            `json:"created_by"`
	UpdatedBy        string            `json:"updated_by"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	LastUsedAt       *time.Time        `json:"last_used_at"`
	ExpiresAt        *time.Time        `json:"expires_at"`
	ArchivedAt       *time.Time        `json:"archived_at"`
	RevokedAt        *time.Time        `json:"revoked_at"`
	AvailableActions []string          `json:"available_actions"`
}

func (w *wireKey) key() platform.Key {
	return platform.Key{
		ID: w.ID, OrganizationID: w.OrganizationID, Name: w.KeyName, Prefix: w.KeyPrefix,
		Status: w.Status, Scopes: w.Scopes, UsageLimitCHF: w.UsageLimitCHF,
		PermissionMode: w.PermissionMode, Access: w.Access, ProjectID: w.ProjectScope.projectID(),
		CreatedBy: w.CreatedBy, UpdatedBy: w.UpdatedBy, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
		LastUsedAt: w.LastUsedAt, ExpiresAt: w.ExpiresAt, ArchivedAt: w.ArchivedAt,
		RevokedAt: w.RevokedAt, AvailableActions: w.AvailableActions,
	}
}

// Bodies that decode but lack what the operation must return.
var (
	errNoKey    = errors.New("reference: response holds no key object")
	errNoSecret = errors.New("reference: create response holds no key or no secret")
)

// DecodeKey decodes a key object.
func (Mapping) DecodeKey(_ *platform.Operation, body []byte) (platform.Key, error) {
	var w wireKey
	if err := json.Unmarshal(body, &w); err != nil {
		return platform.Key{}, err
	}
	if w.ID == "" {
		return platform.Key{}, errNoKey
	}
	return w.key(), nil
}

// DecodeCreated decodes a key object with the secret in "key". The key now
// exists on the server, so a field that fails to decode must not cost its
// secret: then the ID, name, prefix and secret are returned with the error.
func (Mapping) DecodeCreated(body []byte) (platform.Key, string, error) {
	var w struct {
		wireKey
		Secret string `json:"key"`
	}
	err := json.Unmarshal(body, &w)
	if err != nil {
		var least struct {
			ID     string `json:"id"`
			Name   string `json:"key_name"`
			Prefix string `json:"key_prefix"`
			Secret string `json:"key"`
		}
		if json.Unmarshal(body, &least) != nil || least.ID == "" || least.Secret == "" {
			return platform.Key{}, "", err
		}
		return platform.Key{ID: least.ID, Name: least.Name, Prefix: least.Prefix}, least.Secret, err
	}
	if w.ID == "" || w.Secret == "" {
		return platform.Key{}, "", errNoSecret
	}
	return w.key(), w.Secret, nil
}

// DecodeList decodes one page; the next cursor is the next page number while
// the server reports more pages and this one was not empty.
func (Mapping) DecodeList(op *platform.Operation, body []byte) ([]platform.Key, string, error) {
	var w struct {
		APIKeys    []wireKey `json:"api_keys"`
		Pagination struct {
			Page       int `json:"page"`
			TotalPages int `json:"total_pages"`
		} `json:"pagination"`
	}
	if err := json.Unmarshal(body, &w); err != nil {
		return nil, "", err
	}
	keys := make([]platform.Key, len(w.APIKeys))
	for i := range w.APIKeys {
		keys[i] = w.APIKeys[i].key()
	}
	page := w.Pagination.Page
	if page < 1 { // a server that does not echo the page: trust the request
		page, _ = strconv.Atoi(op.List.Cursor)
		page = max(page, 1)
	}
	if len(keys) == 0 || page >= w.Pagination.TotalPages {
		return keys, "", nil
	}
	return keys, strconv.Itoa(page + 1), nil
}

type envelope struct {
	Error *struct {
		Code          string          `json:"code"`
		Message       string          `json:"message"`
		SystemMessage string          `json:"system_message"`
		Type          string          `json:"type"`
		TraceID       string          `json:"trace_id"`
		Timestamp     json.RawMessage `json:"timestamp"`
		Details       json.RawMessage `json:"details"`
	} `json:"error"`
}

// DecodeError decodes the error envelope. A timestamp or details of an
// unexpected type are dropped rather than failing the whole envelope, which
// would lose the code that errors.Is needs.
func (Mapping) DecodeError(_ int, _ http.Header, body []byte) (platform.Error, bool) {
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
		Code: e.Code, Message: e.Message, SystemMessage: e.SystemMessage,
		Type: e.Type, TraceID: e.TraceID,
	}
	var ts string
	if json.Unmarshal(e.Timestamp, &ts) == nil {
		if t, err := time.Parse(time.RFC3339Nano, ts); err == nil {
			out.Timestamp = t
		}
	}
	_ = json.Unmarshal(e.Details, &out.Details) // not an object: dropped
	return out, true
}
