package apikeystest

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys"
)

// The orq.ai API, from the vendor's own material: vendor-docs/orq-update-key.txt
// (the seed), specs/orq-api-keys-2026-08-02.yaml (the older wire generation),
// specs/orq-api-keys-2026-08-21.yaml (the newer one) and the orq.ai section of
// vendor-docs/PLATFORMS.md. Requests are the same in both generations; the
// answers differ. Where the material is silent, the choice is written beside
// the code that makes it.

// The two wire generations, by the date of the spec that shows them.
const (
	orqOlder = "2026-08-02" // {"api_key":{…}}, {"object":"list",…}, DELETE 200 {}
	orqNewer = "2026-08-21" // flat ApiKeyRestResponse, bare arrays, DELETE 204
)

// WithOrqAIVersion makes an orq.ai server (WithPlatform(apikeys.OrqAI)) answer
// in the wire generation the vendor published on date: "2026-08-02" for the
// older one (a key wrapped in {"api_key":…}, list pages
// {"object":"list","data":[…],"has_more":…}, DELETE answered 200 {}) or
// "2026-08-21" for the newer one, the default (flat key objects, list pages
// as bare JSON arrays, DELETE answered 204). orq.ai clients meet both, so a
// client's tests should pass against both. Servers of other platforms ignore
// it. NewServer panics for any other date, as for an unknown platform.
func WithOrqAIVersion(date string) Option {
	return func(s *Server) {
		if date != orqOlder && date != orqNewer {
			panic(fmt.Sprintf("apikeystest: NewServer: orq.ai version %q is not served (served: %q, %q)",
				date, orqOlder, orqNewer))
		}
		s.orqVersion = date
	}
}

// orqTable is this wire's own reading of the vendor: the status moves by PATCH
// between ACTIVE and DISABLED; REVOKED "is permanent and cannot be undone";
// DELETE removes a key in any status. A PATCH to the status a key already has
// is refused (the vendor is silent; the strict reading catches a client that
// sends a move it need not).
var orqTable = table{
	statusActive:   {actionDeactivate: statusInactive, actionRevoke: statusRevoked, actionDelete: gone},
	statusInactive: {actionActivate: statusActive, actionRevoke: statusRevoked, actionDelete: gone},
	statusRevoked:  {actionDelete: gone},
}

// The vendor's enum names, and the store's words for them.
var (
	orqStatusWords = map[string]string{
		statusActive: "API_KEY_STATUS_ACTIVE", statusInactive: "API_KEY_STATUS_DISABLED", statusRevoked: "API_KEY_STATUS_REVOKED",
	}
	// orqStatusActions: PATCH {"status":…} is the action that leads there.
	// API_KEY_STATUS_UNSPECIFIED is refused: it names no status to move to.
	orqStatusActions = map[string]string{
		"API_KEY_STATUS_ACTIVE": actionActivate, "API_KEY_STATUS_DISABLED": actionDeactivate, "API_KEY_STATUS_REVOKED": actionRevoke,
	}
	// orqModes: PERMISSION_MODE_UNSPECIFIED is refused, as a client that
	// sends it has not chosen (omitting the member gives the default, ALL).
	orqModes = map[string]string{
		"PERMISSION_MODE_ALL": "all", "PERMISSION_MODE_RESTRICTED": "restricted", "PERMISSION_MODE_READ_ONLY": "read_only",
	}
	// orqLevels: access values travel as AccessLevel names ("Values are
	// AccessLevel enum names on the JSON wire"), although the spec types the
	// map's values as integers; the numbers are not published, so a number
	// is refused rather than guessed.
	orqLevels = map[string]string{
		"ACCESS_LEVEL_NONE": "none", "ACCESS_LEVEL_READ": "read", "ACCESS_LEVEL_WRITE": "write",
	}
)

const (
	orqBase = "" // the vendor's paths start at the root: /v2/api-keys
	// orqActor is created_by_id and updated_by_id: the user behind the admin
	// key, a ULID as the vendor's IDs are.
	orqActor = "01HQ0000000000000000ADM1N0"
	// orqTokenStart is the token's fixed start; the token is
	// "sk-orq-<api_key_id>-<secret>". The secret's form is not published:
	// 64 hex digits here.
	orqTokenStart = "sk-orq-"
	orqTokenLen   = len(orqTokenStart) + 26 + 1 + 64
	// orqPrefixLen: the spec's token_prefix example, "sk-orq-01HXY...", is
	// the token's first 12 characters.
	orqPrefixLen = 12
	orqDefLimit  = 25
	orqMaxLimit  = 200

	orqCodeAuthRequired = "authentication_required"
	orqCodeInvalidKey   = "invalid_api_key"
	orqCodeInvalidBody  = "invalid_request_body"
	// orqCodeNotFound: the vendor documents no not-found code; this one
	// follows its naming.
	orqCodeNotFound = "not_found"
	// orqDocURL is where doc_url points, followed by the code. The vendor
	// shows the member, not its values.
	orqDocURL = "https://docs.orq.ai/reference/errors#"
)

// orqCrockford is the ULID alphabet.
const orqCrockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

type orqWire struct {
	s     *Server
	older bool
	// The last ID made: its milliseconds and random part, so that IDs made
	// within one millisecond still sort in creation order.
	lastMs   uint64
	lastRand [10]byte
}

func newOrqAIWire(s *Server) wire {
	return &orqWire{s: s, older: s.orqVersion == orqOlder}
}

func (w *orqWire) base() string { return orqBase }

// requestIDHeader is "": the vendor documents no request ID.
func (w *orqWire) requestIDHeader() string { return "" }
func (w *orqWire) authHeader() string      { return "Authorization" }

// clientOptions adds nothing: orq.ai has no organization in its paths, and
// the credential header is documented.
func (w *orqWire) clientOptions() []apikeys.Option { return nil }

// orqEnvelope is the vendor's error body, {"error":{"code","message","doc_url"}}.
type orqEnvelope struct {
	Error orqErrorBody `json:"error"`
}

type orqErrorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	DocURL  string `json:"doc_url"`
}

// fail encodes e in the vendor's envelope, keeping its status. The shared
// helpers and FailNext speak the reference API's upper-case codes, which are
// replaced by the vendor's code for the status; this wire's own errors carry
// the vendor's lower-case codes already.
func (w *orqWire) fail(_ *exchange, e *apiError) *response {
	code := e.code
	if strings.ToLower(code) != code {
		code = orqCodeFor(e.status)
	}
	resp := &response{status: e.status, body: mustMarshal(orqEnvelope{Error: orqErrorBody{
		Code: code, Message: e.message, DocURL: orqDocURL + code,
	}})}
	if e.status == http.StatusMethodNotAllowed {
		resp.allow, _ = e.details["allow"].(string)
	}
	return resp
}

// orqCodeFor is the vendor's code for an HTTP status: those it documents
// (400, 401, 403, 429, 500, 503), and for the rest a name in its style.
func orqCodeFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return orqCodeInvalidKey
	case http.StatusForbidden:
		return "insufficient_scope"
	case http.StatusNotFound:
		return orqCodeNotFound
	case http.StatusMethodNotAllowed:
		return "method_not_allowed"
	case http.StatusRequestTimeout:
		return "request_timeout"
	case http.StatusConflict:
		return "conflict"
	case http.StatusTooManyRequests:
		return "rate_limit_exceeded"
	case http.StatusBadGateway:
		return "bad_gateway"
	case http.StatusServiceUnavailable:
		return "service_unavailable"
	case http.StatusGatewayTimeout:
		return "gateway_timeout"
	}
	if status >= 500 {
		return "internal_error"
	}
	return orqCodeInvalidBody
}

// orqInvalid renders a refusal of the shared validators (their 422 or 415)
// as the vendor's documented error for a request it cannot take: 400
// invalid_request_body. The member and the reason are in the message, as the
// envelope has no details.
func orqInvalid(e *apiError) *apiError {
	return &apiError{status: http.StatusBadRequest, code: orqCodeInvalidBody, message: e.message}
}

func orqBad(field, reason string) *apiError {
	return orqInvalid(validationError(field, reason))
}

// serve answers a request: credential, route, size, then the operation.
// Nothing is deduplicated: an Idempotency-Key is ignored, as the vendor is
// silent on idempotency.
func (w *orqWire) serve(x *exchange) *response {
	if e := w.authenticate(x); e != nil {
		return w.fail(x, e)
	}
	id, ok := orqRoute(x.req.Path)
	allow := "GET, PATCH, DELETE"
	if id == "" {
		allow = "GET, POST"
	}
	switch {
	case !ok:
		return w.fail(x, pathNotFound(x.req.Path))
	case !slices.Contains(strings.Split(allow, ", "), x.req.Method):
		return w.fail(x, methodNotAllowed(x.req.Method, allow))
	case x.tooLarge:
		return w.fail(x, bodyTooLarge())
	case x.queryErr != nil:
		return w.fail(x, orqBad("query", "malformed query string"))
	case (x.req.Method == http.MethodGet || x.req.Method == http.MethodDelete) && x.req.Body != nil:
		// The vendor documents no body here; a client that sends one has a bug.
		return w.fail(x, orqBad("body", "this request takes no body"))
	}
	var status int
	var body []byte
	var e *apiError
	switch {
	case id == "" && x.req.Method == http.MethodPost:
		status, body, e = w.create(x)
	case id == "":
		status, body, e = w.list(x)
	case x.req.Method == http.MethodGet:
		var k *key
		if k, e = w.find(id, x.req.Query); e == nil {
			status, body = http.StatusOK, w.answer(k)
		}
	case x.req.Method == http.MethodPatch:
		status, body, e = w.update(x, id)
	default:
		status, body, e = w.delete(id)
	}
	if e != nil {
		return w.fail(x, e)
	}
	return &response{status: status, body: body}
}

// authenticate reads "Authorization: Bearer <token>". The scheme matches in
// any case, as RFC 9110 has it. A missing header and a wrong credential get
// the vendor's two 401 codes.
func (w *orqWire) authenticate(x *exchange) *apiError {
	v := x.header("Authorization")
	if v == "" {
		return &apiError{status: http.StatusUnauthorized, code: orqCodeAuthRequired,
			message: "Authentication required: send Authorization: Bearer <API key>"}
	}
	scheme, credential, _ := strings.Cut(v, " ")
	if !strings.EqualFold(scheme, "Bearer") || !w.s.authorized(credential) {
		return &apiError{status: http.StatusUnauthorized, code: orqCodeInvalidKey, message: "Invalid API key"}
	}
	return nil
}

// orqRoute parses /v2/api-keys[/{api_key_id}]; id is "" for the collection.
// /v2/api-keys/capabilities, the vendor's capability catalog, is not served:
// it reads as a key ID that never exists (IDs are ULIDs).
func orqRoute(escapedPath string) (id string, ok bool) {
	segs, ok := segments(escapedPath, orqBase)
	if !ok || len(segs) < 2 || len(segs) > 3 || segs[0] != "v2" || segs[1] != "api-keys" {
		return "", false
	}
	if len(segs) == 3 {
		id = segs[2]
	}
	return id, true
}

// find returns a key, or the 404 the vendor's message in DESIGN.md shows.
// include_budget, the one parameter of a read, must be valid; the fake keeps
// no budgets, so it embeds none.
func (w *orqWire) find(id string, q url.Values) (*key, *apiError) {
	if q != nil {
		if _, e := boolParam(q, "include_budget"); e != nil {
			return nil, orqInvalid(e)
		}
	}
	k := w.s.keys.get(id)
	if k == nil {
		return nil, &apiError{status: http.StatusNotFound, code: orqCodeNotFound, message: "API key not found"}
	}
	return k, nil
}

// orqOwner is ApiKeyOwner, a oneof: exactly one member is set.
type orqOwner struct {
	User           *orqUser  `json:"user,omitempty"`
	ServiceAccount *struct{} `json:"service_account,omitempty"`
}

type orqUser struct {
	UserID *string `json:"user_id"`
}

// orqScope is ProjectScope, a oneof: exactly one member is set.
type orqScope struct {
	All    *struct{}  `json:"all,omitempty"`
	Single *orqSingle `json:"single,omitempty"`
}

type orqSingle struct {
	ProjectID *string `json:"project_id"`
}

// orqMcpAccess is McpAccess. Encoded, its empty members are left out.
type orqMcpAccess struct {
	DenyAll              bool     `json:"deny_all,omitempty"`
	AllowedMcpGatewayIDs []string `json:"allowed_mcp_gateway_ids,omitempty"`
	ToolsetIDs           []string `json:"toolset_ids,omitempty"`
}

// orqCreate is CreateApiKeyRequest. Nothing may be null.
type orqCreate struct {
	Name           *string           `json:"name"`
	Owner          *orqOwner         `json:"owner"`
	ProjectScope   *orqScope         `json:"project_scope"`
	PermissionMode *string           `json:"permission_mode"`
	Access         map[string]string `json:"access"`
	ExpiresAt      *string           `json:"expires_at"`
	McpAccess      *orqMcpAccess     `json:"mcp_access"`
}

// create answers 200, as both specs do, with the token once.
func (w *orqWire) create(x *exchange) (int, []byte, *apiError) {
	var b orqCreate
	if e := decodeJSON(x.header("Content-Type"), x.req.Body, &b); e != nil {
		return 0, nil, orqInvalid(e)
	}
	if b.Name == nil {
		return 0, nil, orqBad("name", "is required")
	}
	k := &key{org: w.s.org, status: statusActive, mode: "all", extra: map[string]json.RawMessage{}}
	var e *apiError
	if k.name, e = orqName(*b.Name); e != nil {
		return 0, nil, e
	}
	if k.extra["owner"], e = orqOwnerJSON(b.Owner); e != nil {
		return 0, nil, e
	}
	if b.ProjectScope != nil {
		if k.projectID, e = orqProject(b.ProjectScope); e != nil {
			return 0, nil, e
		}
	}
	if b.PermissionMode != nil {
		if k.mode, e = orqMode(*b.PermissionMode); e != nil {
			return 0, nil, e
		}
	}
	access, e := orqAccess(b.Access)
	if e != nil {
		return 0, nil, e
	}
	if k.mode == "restricted" {
		// "Required when permission_mode = PERMISSION_MODE_RESTRICTED"; a
		// protobuf map cannot tell empty from absent, so empty is refused too.
		if len(access) == 0 {
			return 0, nil, orqBad("access", "is required when permission_mode is PERMISSION_MODE_RESTRICTED")
		}
		k.access = access
	} // else the access map is ignored, as the vendor ignores it
	if b.ExpiresAt != nil {
		if k.expiresAt, e = validExpiry(*b.ExpiresAt, x.now); e != nil {
			return 0, nil, orqInvalid(e)
		}
	}
	if b.McpAccess != nil {
		mcp, e := orqMcp(b.McpAccess)
		if e != nil {
			return 0, nil, e
		}
		if mcp != nil {
			k.extra["mcp_access"] = mcp
		}
	}
	id := w.newID(x.now)
	token := orqTokenStart + id + "-" + randomHex(32)
	k.keepSecret(token, orqPrefixLen)
	k.createdBy, k.updatedBy = orqActor, orqActor
	k.createdAt, k.updatedAt = x.now, x.now
	w.s.keys.add(k, func(uint64) string { return id })
	if w.older {
		return http.StatusOK, mustMarshal(struct {
			APIKey json.RawMessage `json:"api_key"`
			Token  string          `json:"token"`
		}{w.json(k), token}), nil
	}
	o := w.newerObject(k)
	o.Token = token
	return http.StatusOK, mustMarshal(o), nil
}

// orqUpdate is UpdateApiKeyRequest: every member optional, none nullable.
type orqUpdate struct {
	Name           *string           `json:"name"`
	Status         *string           `json:"status"`
	PermissionMode *string           `json:"permission_mode"`
	Access         map[string]string `json:"access"`
	ProjectScope   *orqScope         `json:"project_scope"`
	ExpiresAt      *string           `json:"expires_at"`
	ClearExpiresAt *bool             `json:"clear_expires_at"`
	McpAccess      *orqMcpAccess     `json:"mcp_access"`
}

// update applies a PATCH: the body is checked whole, then the key's status
// move, and only then is anything changed. Fields of a revoked key may still
// change (the vendor forbids only undoing the revocation); its status may not.
func (w *orqWire) update(x *exchange, id string) (int, []byte, *apiError) {
	var b orqUpdate
	if e := decodeJSON(x.header("Content-Type"), x.req.Body, &b); e != nil {
		return 0, nil, orqInvalid(e)
	}
	var name, mode, projectID, action string
	var expires time.Time
	var mcp json.RawMessage
	var e *apiError
	if b.Name != nil {
		if name, e = orqName(*b.Name); e != nil {
			return 0, nil, e
		}
	}
	if b.Status != nil {
		var ok bool
		if action, ok = orqStatusActions[*b.Status]; !ok {
			return 0, nil, orqBad("status", "must be one of API_KEY_STATUS_ACTIVE, API_KEY_STATUS_DISABLED, API_KEY_STATUS_REVOKED")
		}
	}
	if b.PermissionMode != nil {
		if mode, e = orqMode(*b.PermissionMode); e != nil {
			return 0, nil, e
		}
	}
	access, e := orqAccess(b.Access)
	if e != nil {
		return 0, nil, e
	}
	if b.ProjectScope != nil {
		if projectID, e = orqProject(b.ProjectScope); e != nil {
			return 0, nil, e
		}
	}
	clearExpiry := b.ClearExpiresAt != nil && *b.ClearExpiresAt
	if b.ExpiresAt != nil {
		if clearExpiry {
			return 0, nil, orqBad("clear_expires_at", "is mutually exclusive with expires_at")
		}
		if expires, e = validExpiry(*b.ExpiresAt, x.now); e != nil {
			return 0, nil, orqInvalid(e)
		}
	}
	if b.McpAccess != nil {
		if mcp, e = orqMcp(b.McpAccess); e != nil {
			return 0, nil, e
		}
	}
	k, e := w.find(id, nil)
	if e != nil {
		return 0, nil, e
	}
	to := k.status
	if b.Status != nil {
		var ok bool
		if to, ok = orqTable.allows(k.status, action); !ok {
			return 0, nil, orqRefusal(k.status, *b.Status)
		}
	}
	newMode := k.mode
	if b.PermissionMode != nil {
		newMode = mode
	}
	// access is "Required when changing to PERMISSION_MODE_RESTRICTED;
	// ignored otherwise"; on a key that stays restricted it replaces the map,
	// and an empty one clears it.
	switch {
	case newMode != "restricted":
		access = nil
	case k.mode != "restricted" && len(access) == 0:
		return 0, nil, orqBad("access", "is required when changing permission_mode to PERMISSION_MODE_RESTRICTED")
	case b.Access == nil:
		access = k.access
	}
	if b.Name != nil {
		k.name = name
	}
	k.mode, k.access = newMode, access
	if b.ProjectScope != nil {
		k.projectID = projectID
	}
	switch {
	case b.ExpiresAt != nil:
		k.expiresAt = expires
	case clearExpiry:
		k.expiresAt = time.Time{}
	}
	if b.McpAccess != nil {
		// "an explicitly-set McpAccess replaces it — including an empty one
		// […], which clears any existing restriction"
		if mcp == nil {
			delete(k.extra, "mcp_access")
		} else {
			k.extra["mcp_access"] = mcp
		}
	}
	if to != k.status {
		k.moveTo(to, x.now, orqActor)
	}
	k.touch(x.now, orqActor)
	return http.StatusOK, w.answer(k), nil
}

// orqRefusal answers a status move the table refuses. The vendor documents
// no error for it; it is its one documented 400, a body the server will not
// apply, naming both statuses.
func orqRefusal(from, to string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: orqCodeInvalidBody,
		message: "cannot change the status of an API key from " + orqStatusWords[from] + " to " + to}
}

// delete removes a key for good, from any status (orqTable allows it from
// every one): 200 {} on the older wire, 204 on the newer.
func (w *orqWire) delete(id string) (int, []byte, *apiError) {
	k, e := w.find(id, nil)
	if e != nil {
		return 0, nil, e
	}
	w.s.keys.remove(k)
	if w.older {
		return http.StatusOK, []byte("{}"), nil
	}
	return http.StatusNoContent, nil, nil
}

// orqFilter is a list request's query.
type orqFilter struct {
	limit     int
	after     string // starting_after: keys older than this ID
	before    string // ending_before: keys newer than this ID
	status    string // the store's word; "" = any
	projectID string // "" = any
	search    string // lower case; "" = any
	modes     []string
}

func (f *orqFilter) match(k *key) bool {
	return (f.status == "" || k.status == f.status) &&
		(f.projectID == "" || k.projectID == f.projectID) &&
		(f.search == "" || strings.Contains(strings.ToLower(k.name), f.search)) &&
		(f.modes == nil || slices.Contains(f.modes, k.mode))
}

// list answers one page, newest first. The cursors are key IDs, compared as
// ULIDs, which sort by creation: a cursor keeps its place even when its key
// is deleted during a walk, and keys created during a walk are never met
// going forward.
func (w *orqWire) list(x *exchange) (int, []byte, *apiError) {
	f, e := orqListQuery(x.req.Query)
	if e != nil {
		return 0, nil, e
	}
	all := w.s.keys.all() // ascending ID
	var page []*key
	more := false
	take := func(k *key) bool { // false: the page is full
		if !f.match(k) {
			return true
		}
		if len(page) == f.limit {
			more = true
			return false
		}
		page = append(page, k)
		return true
	}
	if f.before == "" {
		i := len(all)
		if f.after != "" {
			i = sort.Search(len(all), func(i int) bool { return all[i].id >= f.after })
		}
		for i--; i >= 0 && take(all[i]); i-- {
		}
	} else {
		// The page is the keys nearest above the cursor, still newest first.
		i := sort.Search(len(all), func(i int) bool { return all[i].id > f.before })
		for ; i < len(all) && take(all[i]); i++ {
		}
		slices.Reverse(page)
	}
	buf := make([]byte, 0, 64+len(page)*600)
	if w.older {
		buf = append(buf, `{"object":"list","data":`...)
	}
	buf = append(buf, '[')
	for i, k := range page {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, w.json(k)...)
	}
	buf = append(buf, ']')
	if w.older {
		buf = append(buf, `,"has_more":`...)
		buf = strconv.AppendBool(buf, more)
		buf = append(buf, '}')
	}
	return http.StatusOK, buf, nil
}

// orqListQuery reads the documented parameters; others are ignored. A
// parameter that takes one value and arrives twice is refused, and so is
// owner_type: its OwnerType values are not published, so the fake cannot
// tell a good one. project_id matches single-project keys of that project
// only (the vendor's "belonging to this project" does not say whether an
// all-projects key belongs).
func orqListQuery(q url.Values) (orqFilter, *apiError) {
	f := orqFilter{}
	if _, ok := q["owner_type"]; ok {
		return f, orqBad("owner_type", "its values are not published; the fake does not guess them")
	}
	var e *apiError
	if f.limit, e = intParam(q, "limit", 1, orqDefLimit, orqMaxLimit); e != nil {
		return f, orqInvalid(e)
	}
	if _, e = boolParam(q, "include_budget"); e != nil {
		return f, orqInvalid(e)
	}
	one := func(name string) (string, bool, *apiError) {
		vs, ok := q[name]
		if ok && len(vs) != 1 {
			return "", false, orqBad(name, "must be given once")
		}
		if !ok {
			return "", false, nil
		}
		return vs[0], true, nil
	}
	for _, c := range []struct {
		name string
		to   *string
	}{{"starting_after", &f.after}, {"ending_before", &f.before}} {
		v, ok, e := one(c.name)
		switch {
		case e != nil:
			return f, e
		case ok && !orqIsULID(v):
			return f, orqBad(c.name, "must be an API key ID")
		}
		*c.to = v
	}
	if f.after != "" && f.before != "" {
		return f, orqBad("ending_before", "cannot be combined with starting_after")
	}
	v, ok, e := one("status")
	if e != nil {
		return f, e
	}
	if ok {
		action, known := orqStatusActions[v]
		if !known {
			return f, orqBad("status", "must be one of API_KEY_STATUS_ACTIVE, API_KEY_STATUS_DISABLED, API_KEY_STATUS_REVOKED")
		}
		f.status = orqTarget(action)
	}
	if v, ok, e = one("project_id"); e != nil {
		return f, e
	}
	if ok && strings.TrimSpace(v) == "" {
		return f, orqBad("project_id", "must not be empty")
	}
	f.projectID = v
	if v, _, e = one("search"); e != nil { // "Empty means no name filter."
		return f, e
	}
	f.search = strings.ToLower(v)
	for _, m := range q["permission_mode"] {
		mode, e := orqMode(m)
		if e != nil {
			return f, e
		}
		f.modes = append(f.modes, mode)
	}
	return f, nil
}

// orqTarget is where an action leads in this wire's table.
func orqTarget(action string) string {
	for _, row := range orqTable {
		if to, ok := row[action]; ok {
			return to
		}
	}
	return gone
}

// orqName requires a name that is not blank. The vendor states no length
// limit, so none is enforced.
func orqName(s string) (string, *apiError) {
	if strings.TrimSpace(s) == "" {
		return "", orqBad("name", "must not be blank")
	}
	return s, nil
}

// orqOwnerJSON checks an owner and returns it as stored; none is
// "Defaults to service_account when omitted".
func orqOwnerJSON(o *orqOwner) (json.RawMessage, *apiError) {
	if o == nil {
		o = &orqOwner{ServiceAccount: &struct{}{}}
	}
	if (o.User == nil) == (o.ServiceAccount == nil) {
		return nil, orqBad("owner", "must set exactly one of user and service_account")
	}
	if o.User != nil && (o.User.UserID == nil || strings.TrimSpace(*o.User.UserID) == "") {
		return nil, orqBad("owner", "user.user_id is required")
	}
	return mustMarshal(o), nil
}

// orqProject checks a project scope and returns its project ID, "" for all.
func orqProject(p *orqScope) (string, *apiError) {
	if (p.All == nil) == (p.Single == nil) {
		return "", orqBad("project_scope", "must set exactly one of all and single")
	}
	if p.All != nil {
		return "", nil
	}
	if p.Single.ProjectID == nil || strings.TrimSpace(*p.Single.ProjectID) == "" {
		return "", orqBad("project_scope", "single.project_id is required")
	}
	return *p.Single.ProjectID, nil
}

func orqMode(s string) (string, *apiError) {
	if m, ok := orqModes[s]; ok {
		return m, nil
	}
	return "", orqBad("permission_mode", "must be one of PERMISSION_MODE_ALL, PERMISSION_MODE_RESTRICTED, PERMISSION_MODE_READ_ONLY")
}

// orqAccess checks an access map and returns it in the store's words; nil
// stays nil (absent), empty stays empty. Its keys are the capability
// catalog's domain IDs, which are not published: any non-blank one is taken.
func orqAccess(m map[string]string) (map[string]string, *apiError) {
	if m == nil {
		return nil, nil
	}
	out := make(map[string]string, len(m))
	for domain, level := range m {
		if strings.TrimSpace(domain) == "" {
			return nil, orqBad("access", "must not hold a blank domain")
		}
		l, ok := orqLevels[level]
		if !ok {
			return nil, orqBad("access", "the level of "+quote(domain)+" must be one of ACCESS_LEVEL_NONE, ACCESS_LEVEL_READ, ACCESS_LEVEL_WRITE")
		}
		out[domain] = l
	}
	return out, nil
}

// orqMcp checks an MCP access restriction and returns it as stored; nil
// where it restricts nothing ("absent, or deny_all=false with an empty
// allowed_mcp_gateway_ids: no restriction").
func orqMcp(m *orqMcpAccess) (json.RawMessage, *apiError) {
	for _, id := range m.AllowedMcpGatewayIDs {
		if rest, ok := strings.CutPrefix(id, "mcp_gateway_"); !ok || !orqIsULID(rest) {
			return nil, orqBad("mcp_access", "allowed_mcp_gateway_ids: "+quote(id)+" does not look like mcp_gateway_<ULID>")
		}
	}
	for _, id := range m.ToolsetIDs {
		if strings.TrimSpace(id) == "" {
			return nil, orqBad("mcp_access", "toolset_ids must not hold a blank ID")
		}
	}
	if !m.DenyAll && len(m.AllowedMcpGatewayIDs) == 0 && len(m.ToolsetIDs) == 0 {
		return nil, nil
	}
	return mustMarshal(m), nil
}

// newID returns a ULID for a key made at now: 48 bits of Unix milliseconds,
// then 80 random bits. Within one millisecond, or when the clock goes back,
// it is the last ID's random part plus one, so that IDs sort in creation
// order as the list's cursors need.
func (w *orqWire) newID(now time.Time) string {
	if ms := uint64(now.UnixMilli()) & (1<<48 - 1); ms > w.lastMs {
		w.lastMs = ms
		rand.Read(w.lastRand[:])
	} else {
		i := len(w.lastRand) - 1
		for ; i >= 0; i-- {
			if w.lastRand[i]++; w.lastRand[i] != 0 {
				break
			}
		}
		if i < 0 { // the random part wrapped around
			w.lastMs++
		}
	}
	r := w.lastRand
	hi := w.lastMs<<16 | uint64(binary.BigEndian.Uint16(r[:2]))
	lo := binary.BigEndian.Uint64(r[2:])
	var out [26]byte
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = orqCrockford[lo&31]
		lo = lo>>5 | hi<<59
		hi >>= 5
	}
	return string(out[:])
}

// orqIsULID reports whether s is a ULID as newID writes them: 26 characters
// of the upper-case alphabet, the first at most 7.
func orqIsULID(s string) bool {
	if len(s) != 26 || s[0] > '7' {
		return false
	}
	for i := range len(s) {
		if strings.IndexByte(orqCrockford, s[i]) < 0 {
			return false
		}
	}
	return true
}

// orqTime writes a time as protobuf's JSON does, as the vendor's examples
// show: RFC 3339 in UTC with 0, 3, 6 or 9 fraction digits.
func orqTime(t time.Time) string {
	t = t.UTC()
	switch ns := t.Nanosecond(); {
	case ns == 0:
		return t.Format("2006-01-02T15:04:05Z")
	case ns%1e6 == 0:
		return t.Format("2006-01-02T15:04:05.000Z")
	case ns%1e3 == 0:
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t.Format("2006-01-02T15:04:05.000000000Z")
}

func orqOptionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := orqTime(t)
	return &s
}

// orqKeyOlder is the older generation's ApiKey, members in the spec's order.
// Unset optional members are left out, as protobuf's JSON leaves them;
// access is set only for a restricted key ("Only populated when
// permission_mode is PERMISSION_MODE_RESTRICTED"). The fake has no legacy
// keys and no budgets, so legacy_* and budget never appear.
type orqKeyOlder struct {
	APIKeyID       string            `json:"api_key_id"`
	Name           string            `json:"name"`
	Owner          json.RawMessage   `json:"owner"`
	ProjectScope   orqScope          `json:"project_scope"`
	PermissionMode string            `json:"permission_mode"`
	Access         map[string]string `json:"access,omitempty"`
	TokenPrefix    string            `json:"token_prefix"`
	Status         string            `json:"status"`
	CreatedByID    string            `json:"created_by_id,omitempty"`
	UpdatedByID    string            `json:"updated_by_id,omitempty"`
	CreatedAt      string            `json:"created_at"`
	UpdatedAt      string            `json:"updated_at"`
	LastUsedAt     *string           `json:"last_used_at,omitempty"`
	ExpiresAt      *string           `json:"expires_at,omitempty"`
	McpAccess      json.RawMessage   `json:"mcp_access,omitempty"`
}

// orqKeyNewer is the newer generation's ApiKeyRestResponse, members in the
// spec's order, with those whose meaning the spec leaves open (is_legacy,
// source, projects, the consumption counters, constraints) left out.
// status, permission_mode and access carry the same enum names as the
// requests. token is required: it is the raw token in a create's answer and
// masked everywhere else. (The spec says "Raw on create/retrieve", while its
// GET says "The raw secret is never returned"; the fake keeps only a hash, so
// a GET shows the masked token.)
type orqKeyNewer struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	WorkspaceID    string            `json:"workspace_id"`
	Token          string            `json:"token"`
	Active         bool              `json:"active"`
	Expiration     *string           `json:"expiration,omitempty"`
	CreatedByID    string            `json:"created_by_id"`
	UpdatedByID    string            `json:"updated_by_id"`
	Created        string            `json:"created"`
	Updated        string            `json:"updated"`
	Owner          json.RawMessage   `json:"owner"`
	ProjectScope   orqScope          `json:"project_scope"`
	PermissionMode string            `json:"permission_mode"`
	Access         map[string]string `json:"access,omitempty"`
	TokenPrefix    string            `json:"token_prefix"`
	Status         string            `json:"status"`
	McpAccess      json.RawMessage   `json:"mcp_access,omitempty"`
	LastUsedAt     *string           `json:"last_used_at,omitempty"`
}

func orqScopeOf(k *key) orqScope {
	if k.projectID == "" {
		return orqScope{All: &struct{}{}}
	}
	return orqScope{Single: &orqSingle{ProjectID: &k.projectID}}
}

// orqModeWord and orqAccessWords turn the store's words back into the vendor's.
func orqModeWord(mode string) string {
	for word, m := range orqModes {
		if m == mode {
			return word
		}
	}
	return "PERMISSION_MODE_UNSPECIFIED"
}

func orqAccessWords(access map[string]string) map[string]string {
	if access == nil {
		return nil
	}
	out := make(map[string]string, len(access))
	for domain, level := range access {
		for word, l := range orqLevels {
			if l == level {
				out[domain] = word
			}
		}
	}
	return out
}

func (w *orqWire) olderObject(k *key) orqKeyOlder {
	return orqKeyOlder{
		APIKeyID:       k.id,
		Name:           k.name,
		Owner:          k.extra["owner"],
		ProjectScope:   orqScopeOf(k),
		PermissionMode: orqModeWord(k.mode),
		Access:         orqAccessWords(k.access),
		TokenPrefix:    k.prefix,
		Status:         orqStatusWords[k.status],
		CreatedByID:    k.createdBy,
		UpdatedByID:    k.updatedBy,
		CreatedAt:      orqTime(k.createdAt),
		UpdatedAt:      orqTime(k.updatedAt),
		LastUsedAt:     orqOptionalTime(k.lastUsedAt),
		ExpiresAt:      orqOptionalTime(k.expiresAt),
		McpAccess:      k.extra["mcp_access"],
	}
}

// newerObject is the key with its token masked: the prefix, then one "*" for
// each character the fake does not keep.
func (w *orqWire) newerObject(k *key) orqKeyNewer {
	return orqKeyNewer{
		ID:             k.id,
		Name:           k.name,
		WorkspaceID:    k.org,
		Token:          k.prefix + strings.Repeat("*", orqTokenLen-len(k.prefix)),
		Active:         k.status == statusActive,
		Expiration:     orqOptionalTime(k.expiresAt),
		CreatedByID:    k.createdBy,
		UpdatedByID:    k.updatedBy,
		Created:        orqTime(k.createdAt),
		Updated:        orqTime(k.updatedAt),
		Owner:          k.extra["owner"],
		ProjectScope:   orqScopeOf(k),
		PermissionMode: orqModeWord(k.mode),
		Access:         orqAccessWords(k.access),
		TokenPrefix:    k.prefix,
		Status:         orqStatusWords[k.status],
		McpAccess:      k.extra["mcp_access"],
		LastUsedAt:     orqOptionalTime(k.lastUsedAt),
	}
}

// json is the key object of the server's generation, as GET, PATCH and
// list pages carry it (without the token).
func (w *orqWire) json(k *key) []byte {
	if k.encoded == nil {
		if w.older {
			k.encoded = mustMarshal(w.olderObject(k))
		} else {
			k.encoded = mustMarshal(w.newerObject(k))
		}
	}
	return k.encoded
}

// answer is GET's and PATCH's body: the key, wrapped on the older wire.
func (w *orqWire) answer(k *key) []byte {
	if !w.older {
		return w.json(k)
	}
	return mustMarshal(struct {
		APIKey json.RawMessage `json:"api_key"`
	}{w.json(k)})
}
