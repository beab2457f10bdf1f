package apikeystest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apikeys-go/apikeys"
)

// The reference API v2 (DESIGN.md, "Reference API"; api/openapi.yaml).

// referenceTable is DESIGN.md's Reference row, this wire's own copy.
var referenceTable = table{
	statusActive: {
		actionDeactivate: statusInactive, actionPause: statusPaused,
		actionArchive: statusArchived, actionRevoke: statusRevoked,
	},
	statusPaused: {
		actionDeactivate: statusInactive, actionUnpause: statusActive,
		actionArchive: statusArchived, actionRevoke: statusRevoked,
	},
	statusInactive: {
		actionActivate: statusActive, actionArchive: statusArchived, actionRevoke: statusRevoked,
	},
	statusArchived: {
		actionReactivate: statusActive, actionRevoke: statusRevoked, actionDelete: gone,
	},
	statusRevoked: {
		actionDelete: gone,
	},
}

// referencePathActions are the actions reached with POST …/api-keys/{key}/{action};
// archive and delete are reached with DELETE instead.
var referencePathActions = map[string]bool{
	actionActivate: true, actionDeactivate: true, actionPause: true,
	actionUnpause: true, actionReactivate: true, actionRevoke: true,
}

const (
	referenceBase  = "/v1"
	referenceActor = "admin" // created_by and updated_by: the only credential is the admin key

	maxNameLen     = 100 // key_name, in characters after trimming spaces
	maxPageSize    = 100
	defPageSize    = 20
	maxIdemKey     = 255 // bytes of an Idempotency-Key header
	modeAll        = "all"
	modeRestricted = "restricted"
	modeReadOnly   = "read_only"
)

type referenceWire struct {
	s    *Server
	idem idemStore
	// cursorKey signs cursors, so that a cursor this server did not issue
	// (made up, altered, or another server's) is refused.
	cursorKey [32]byte
}

func newReferenceWire(s *Server) wire {
	w := &referenceWire{s: s}
	rand.Read(w.cursorKey[:])
	return w
}

func (w *referenceWire) base() string            { return referenceBase }
func (w *referenceWire) requestIDHeader() string { return "X-Request-Id" }
func (w *referenceWire) authHeader() string      { return "X-Api-Key" }

func (w *referenceWire) clientOptions() []apikeys.Option {
	return []apikeys.Option{apikeys.WithOrganization(w.s.org)}
}

// referenceEnvelope is the reference API's error body. Every field is always
// present so that a client decoding it never has to guess what an absent
// field means.
type referenceEnvelope struct {
	Success bool                  `json:"success"`
	Error   referenceEnvelopeBody `json:"error"`
}

type referenceEnvelopeBody struct {
	Code          string         `json:"code"`
	Message       string         `json:"message"`
	SystemMessage string         `json:"system_message"`
	Type          string         `json:"type"`
	Status        int            `json:"status"`
	Details       map[string]any `json:"details"`
	TraceID       string         `json:"trace_id"`
	Timestamp     string         `json:"timestamp"`
}

// fail encodes e as the envelope. The trace ID is the request ID, so that a
// failure a client reports can be found in Requests().
func (w *referenceWire) fail(x *exchange, e *apiError) *response {
	details := e.details
	if details == nil {
		details = map[string]any{}
	}
	body := mustMarshal(referenceEnvelope{Error: referenceEnvelopeBody{
		Code:          e.code,
		Message:       e.message,
		SystemMessage: e.systemMessage(),
		Type:          e.typ,
		Status:        e.status,
		Details:       details,
		TraceID:       x.reqID,
		Timestamp:     formatTime(x.now),
	}})
	resp := &response{status: e.status, body: body}
	if e.status == http.StatusMethodNotAllowed {
		resp.allow, _ = e.details["allow"].(string)
	}
	return resp
}

// serve answers a request. The order of checks is a real API's: credential,
// route, size, idempotency, then the operation (which validates its body
// before it looks the key up).
func (w *referenceWire) serve(x *exchange) *response {
	credential := x.header(w.authHeader())
	if !w.s.authorized(credential) {
		return w.fail(x, unauthorized())
	}
	rt, ok := parseOrgRoute(x.req.Path, referenceBase, referencePathActions)
	switch {
	case !ok:
		return w.fail(x, pathNotFound(x.req.Path))
	case !rt.allows(x.req.Method):
		return w.fail(x, methodNotAllowed(x.req.Method, rt.allowed()))
	case x.tooLarge:
		return w.fail(x, bodyTooLarge())
	case x.queryErr != nil:
		return w.fail(x, validationError("query", "malformed query string"))
	case !idempotent(x.req.Method):
		return w.operate(x, rt)
	}

	idemKey := x.header("Idempotency-Key")
	switch {
	case idemKey == "":
		return w.fail(x, validationError("Idempotency-Key", "is required on POST, PATCH and DELETE"))
	case len(idemKey) > maxIdemKey:
		return w.fail(x, validationError("Idempotency-Key", "must be at most 255 bytes"))
	}
	scope := idemScope(credential, idemKey)
	fp := fingerprint(x.req.Method, x.req.Path, x.r.URL.RawQuery, x.req.Body)
	if prev := w.idem.lookup(scope, x.now); prev != nil {
		if prev.request != fp {
			return w.fail(x, &apiError{
				status: http.StatusConflict, code: codeIdempotencyReused, typ: typeConflict,
				message: "this Idempotency-Key was used for a different request",
				system:  "Idempotency-Key reused with a different method, path, query or body",
			})
		}
		replay := prev.resp
		replay.replayed = true
		return &replay
	}
	resp := w.operate(x, rt)
	w.idem.store(scope, &idemRecord{request: fp, resp: *resp, at: x.now})
	return resp
}

// operate runs the operation a route and method name.
func (w *referenceWire) operate(x *exchange, rt orgRoute) *response {
	var status int
	var body []byte
	var e *apiError
	switch method := x.req.Method; {
	case rt.key == "" && method == http.MethodPost:
		status, body, e = w.create(x, rt)
	case rt.key == "":
		status, body, e = w.list(x, rt)
	case rt.action != "":
		status, body, e = w.transition(x, rt, rt.action)
	case method == http.MethodGet:
		var k *key
		if k, e = w.find(rt); e == nil {
			status, body = http.StatusOK, w.json(k)
		}
	case method == http.MethodPatch:
		status, body, e = w.update(x, rt)
	default: // DELETE
		var permanent bool
		if permanent, e = boolParam(x.req.Query, "permanent"); e == nil {
			action := actionArchive
			if permanent {
				action = actionDelete
			}
			status, body, e = w.transition(x, rt, action)
		}
	}
	if e != nil {
		return w.fail(x, e)
	}
	return &response{status: status, body: body}
}

// find returns the key a route names, or the 404 for it. Keys of another
// organization do not exist as far as this credential is concerned.
func (w *referenceWire) find(rt orgRoute) (*key, *apiError) {
	k := w.s.keys.get(rt.key)
	if rt.org != w.s.org || k == nil {
		return nil, keyNotFound(rt.key)
	}
	return k, nil
}

func (w *referenceWire) create(x *exchange, rt orgRoute) (int, []byte, *apiError) {
	if rt.org != w.s.org {
		return 0, nil, orgNotFound(rt.org)
	}
	var b referenceCreate
	if e := decodeJSON(x.header("Content-Type"), x.req.Body, &b, "expires_at", "usage_limit_chf"); e != nil {
		return 0, nil, e
	}
	k, e := b.key(x.now)
	if e != nil {
		return 0, nil, e
	}
	secret := newSecret("ak_live_")
	k.keepSecret(secret, 12)
	k.org = w.s.org
	k.status = statusActive
	k.createdBy, k.updatedBy = referenceActor, referenceActor
	k.createdAt, k.updatedAt = x.now, x.now
	w.s.keys.add(k, func(uint64) string { return "key_" + randomHex(12) })
	o := referenceObject(k)
	o.Key = secret
	return http.StatusCreated, mustMarshal(o), nil
}

// update refuses revoked keys: a revoked key can never authenticate again,
// so editing it is a mistake worth reporting (as action "update").
func (w *referenceWire) update(x *exchange, rt orgRoute) (int, []byte, *apiError) {
	var b referenceUpdate
	if e := decodeJSON(x.header("Content-Type"), x.req.Body, &b); e != nil {
		return 0, nil, e
	}
	p, e := b.validate(x.now)
	if e != nil {
		return 0, nil, e
	}
	k, e := w.find(rt)
	if e != nil {
		return 0, nil, e
	}
	if k.status == statusRevoked {
		return 0, nil, transitionError(k.status, actionUpdate)
	}
	if e := p.apply(k, x.now); e != nil {
		return 0, nil, e
	}
	return http.StatusOK, w.json(k), nil
}

func (w *referenceWire) transition(x *exchange, rt orgRoute, action string) (int, []byte, *apiError) {
	k, e := w.find(rt)
	if e != nil {
		return 0, nil, e
	}
	to, ok := referenceTable.allows(k.status, action)
	switch {
	case !ok:
		return 0, nil, transitionError(k.status, action)
	case to == gone:
		w.s.keys.remove(k)
		return http.StatusNoContent, nil, nil
	}
	k.moveTo(to, x.now, referenceActor)
	return http.StatusOK, w.json(k), nil
}

// Listing: GET …/api-keys?page_size=M[&cursor=C][&include_archived=true][&status=S]
// answers {"api_keys":[…],"next_cursor":"…"|null}. A cursor names the last
// key of the page before by its creation number; the next page holds the
// keys created after it that match the filters as they stand now. So keys
// created, deleted or transitioned during a walk never make it skip or repeat
// another key, unlike page numbers.

// referenceQuery is a validated list query.
type referenceQuery struct {
	after           uint64 // the cursor's creation number; 0 = from the start
	pageSize        int
	status          string // "" = any
	includeArchived bool
}

func (q *referenceQuery) matches(k *key) bool {
	if q.status != "" {
		// Asking for archived keys by status shows them without include_archived.
		return k.status == q.status
	}
	return q.includeArchived || k.status != statusArchived
}

func (w *referenceWire) list(x *exchange, rt orgRoute) (int, []byte, *apiError) {
	if rt.org != w.s.org {
		return 0, nil, orgNotFound(rt.org)
	}
	q, e := w.listQuery(x.req.Query)
	if e != nil {
		return 0, nil, e
	}
	buf := make([]byte, 0, 256+q.pageSize*700)
	buf = append(buf, `{"api_keys":[`...)
	n, last, more := 0, uint64(0), false
	for _, k := range w.s.keys.after(q.after) {
		if !q.matches(k) {
			continue
		}
		if n == q.pageSize {
			more = true
			break
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, w.json(k)...)
		n, last = n+1, k.seq
	}
	buf = append(buf, `],"next_cursor":`...)
	if more {
		buf = strconv.AppendQuote(buf, w.cursor(last))
	} else {
		buf = append(buf, "null"...)
	}
	return http.StatusOK, append(buf, '}'), nil
}

// listQuery parses the list query. A parameter that is present must be valid.
// Unknown parameters are ignored, as they always were, except page: v1's
// page numbers are gone, and a v1 client walking pages would be served the
// first page again and again.
func (w *referenceWire) listQuery(q url.Values) (referenceQuery, *apiError) {
	lq := referenceQuery{pageSize: defPageSize}
	var e *apiError
	if _, ok := q["page"]; ok {
		return lq, validationError("page", "is not supported since v2: follow next_cursor with cursor")
	}
	if lq.pageSize, e = intParam(q, "page_size", 1, lq.pageSize, maxPageSize); e != nil {
		return lq, e
	}
	if vs, ok := q["cursor"]; ok {
		var valid bool
		if lq.after, valid = w.parseCursor(vs[0]); !valid || len(vs) > 1 {
			return lq, validationError("cursor", "is not a cursor this server issued: pass next_cursor as it came")
		}
	}
	if vs, ok := q["status"]; ok {
		if _, known := referenceTable[vs[0]]; !known || len(vs) > 1 {
			return lq, validationError("status", "must be one of active, paused, inactive, archived, revoked")
		}
		lq.status = vs[0]
	}
	if lq.includeArchived, e = boolParam(q, "include_archived"); e != nil {
		return lq, e
	}
	return lq, nil
}

// cursor encodes a creation number with a check: base64url of the number's
// 8 bytes and the first 8 of their HMAC under the server's cursorKey.
func (w *referenceWire) cursor(seq uint64) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], seq)
	copy(b[8:], w.cursorMAC(b[:8]))
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func (w *referenceWire) parseCursor(s string) (uint64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != 16 || !hmac.Equal(b[8:], w.cursorMAC(b[:8])) {
		return 0, false
	}
	return binary.BigEndian.Uint64(b[:8]), true
}

func (w *referenceWire) cursorMAC(seq []byte) []byte {
	m := hmac.New(sha256.New, w.cursorKey[:])
	m.Write(seq)
	return m.Sum(nil)[:8]
}

// referenceKey is the key object (DESIGN.md, "Key object").
type referenceKey struct {
	ID               string            `json:"id"`
	OrganizationID   string            `json:"organization_id"`
	KeyName          string            `json:"key_name"`
	KeyPrefix        string            `json:"key_prefix"`
	Status           string            `json:"status"`
	IsActive         bool              `json:"is_active"`
	Scopes           []string          `json:"scopes"`
	UsageLimitCHF    *float64          `json:"usage_limit_chf"`
	PermissionMode   string            `json:"permission_mode"`
	Access           map[string]string `json:"access"`
	ProjectScope     projectScope      `json:"project_scope"`
	CreatedBy        string            `json:"created_by"`
	UpdatedBy        string            `json:"updated_by"`
	CreatedAt        string            `json:"created_at"`
	UpdatedAt        string            `json:"updated_at"`
	LastUsedAt       *string           `json:"last_used_at"`
	ExpiresAt        *string           `json:"expires_at"`
	ArchivedAt       *string           `json:"archived_at"`
	RevokedAt        *string           `json:"revoked_at"`
	AvailableActions []string          `json:"available_actions"`
	Key              string            `json:"key,omitempty"` // the secret; create only
}

// projectScope is {"all":{}} or {"single":{"project_id":"…"}}, in answers and
// request bodies alike.
type projectScope struct {
	All    *struct{}      `json:"all,omitempty"`
	Single *singleProject `json:"single,omitempty"`
}

type singleProject struct {
	ProjectID string `json:"project_id"`
}

func referenceObject(k *key) referenceKey {
	o := referenceKey{
		ID:               k.id,
		OrganizationID:   k.org,
		KeyName:          k.name,
		KeyPrefix:        k.prefix,
		Status:           k.status,
		IsActive:         k.status == statusActive,
		Scopes:           k.scopes,
		UsageLimitCHF:    k.usageLimit,
		PermissionMode:   k.mode,
		Access:           k.access,
		CreatedBy:        k.createdBy,
		UpdatedBy:        k.updatedBy,
		CreatedAt:        formatTime(k.createdAt),
		UpdatedAt:        formatTime(k.updatedAt),
		LastUsedAt:       optionalTime(k.lastUsedAt),
		ExpiresAt:        optionalTime(k.expiresAt),
		ArchivedAt:       optionalTime(k.archivedAt),
		RevokedAt:        optionalTime(k.revokedAt),
		AvailableActions: referenceTable.actions(k.status),
	}
	// Empty collections go out as [] and {}, never null.
	if o.Scopes == nil {
		o.Scopes = []string{}
	}
	if o.Access == nil {
		o.Access = map[string]string{}
	}
	if o.PermissionMode == "" {
		o.PermissionMode = modeAll
	}
	if k.projectID == "" {
		o.ProjectScope.All = &struct{}{}
	} else {
		o.ProjectScope.Single = &singleProject{ProjectID: k.projectID}
	}
	return o
}

func (w *referenceWire) json(k *key) []byte {
	if k.encoded == nil {
		k.encoded = mustMarshal(referenceObject(k))
	}
	return k.encoded
}

// referenceCreate is the create object. Pointers tell an omitted field from
// a zero one, so that an explicit "" is refused rather than defaulted. Only
// expires_at and usage_limit_chf may be null (= none).
type referenceCreate struct {
	KeyName        *string           `json:"key_name"`
	Scopes         []string          `json:"scopes"`
	UsageLimitCHF  *float64          `json:"usage_limit_chf"`
	ExpiresAt      *string           `json:"expires_at"`
	PermissionMode *string           `json:"permission_mode"`
	Access         map[string]string `json:"access"`
	ProjectScope   *projectScope     `json:"project_scope"`
}

// key checks a create object field by field, in the order of the wire
// format, and returns the key it describes (without ID or secret).
func (b *referenceCreate) key(now time.Time) (*key, *apiError) {
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

// referenceUpdate is the update object. A nil field (omitted; null is
// refused) keeps the key's value; a non-nil empty scopes or access clears it.
type referenceUpdate struct {
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

// patch is a validated update object, ready to apply to any key.
type patch struct {
	body      *referenceUpdate
	name      string
	expiresAt time.Time
	projectID string
}

// validate checks what can be checked without the key; patch.apply checks
// the rest (a restricted mode needs access, whichever of the two changed).
func (b *referenceUpdate) validate(now time.Time) (*patch, *apiError) {
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
	k.touch(now, referenceActor)
	return nil
}

// validName trims key_name and checks its length.
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
