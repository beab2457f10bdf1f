package apikeystest

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys"
)

// The Aitronos (Freddy) API, from the vendor's own material:
// vendor-docs/aitronos-key-status.txt (the seed) and the Aitronos section of
// vendor-docs/PLATFORMS.md. Where those are silent the choices are written
// in the package documentation.

// aitronosTable is this wire's own reading of the vendor: pause only from
// active (the seed: "API key must be active to be paused"), unpause only from
// paused, activate from inactive or paused, deactivate from active or paused,
// archive (DELETE) from any live status. An archived key is not found.
var aitronosTable = table{
	statusActive: {
		actionDeactivate: statusInactive, actionPause: statusPaused, actionArchive: statusArchived,
	},
	statusPaused: {
		actionActivate: statusActive, actionDeactivate: statusInactive,
		actionUnpause: statusActive, actionArchive: statusArchived,
	},
	statusInactive: {
		actionActivate: statusActive, actionArchive: statusArchived,
	},
}

var aitronosPathActions = map[string]bool{
	actionActivate: true, actionDeactivate: true, actionPause: true, actionUnpause: true,
}

const (
	aitronosBase  = "/v1"
	aitronosActor = "usr_admin" // created_by: the user behind the admin key
	// aitronosPrefixLen: the seed's key_prefix "oak_live_a1b2" is the
	// secret's first 13 characters.
	aitronosPrefixLen   = 13
	aitronosMaxPageSize = 100
	aitronosDefPageSize = 20
)

type aitronosWire struct{ s *Server }

func newAitronosWire(s *Server) wire { return &aitronosWire{s: s} }

func (w *aitronosWire) base() string            { return aitronosBase }
func (w *aitronosWire) requestIDHeader() string { return "X-Request-Id" }
func (w *aitronosWire) authHeader() string      { return "X-Api-Key" }

func (w *aitronosWire) clientOptions() []apikeys.Option {
	return []apikeys.Option{apikeys.WithOrganization(w.s.org)}
}

// aitronosEnvelope is the vendor's error body. The seed's examples carry no
// details; the vendor's error page lists the member, so it is sent when
// there are details (a validation error's field and reason) and left out
// otherwise.
type aitronosEnvelope struct {
	Success bool                 `json:"success"`
	Error   aitronosEnvelopeBody `json:"error"`
}

type aitronosEnvelopeBody struct {
	Code          string         `json:"code"`
	Message       string         `json:"message"`
	SystemMessage string         `json:"system_message"`
	Type          string         `json:"type"`
	Status        int            `json:"status"`
	Details       map[string]any `json:"details,omitempty"`
	TraceID       string         `json:"trace_id"`
	Timestamp     string         `json:"timestamp"`
}

// fail encodes e in the vendor's envelope. Its type is the seed's
// "client_error" for a 4xx and "server_error" for a 5xx; the trace ID is the
// X-Request-Id.
func (w *aitronosWire) fail(x *exchange, e *apiError) *response {
	typ := "client_error"
	if e.status >= 500 {
		typ = "server_error"
	}
	body := mustMarshal(aitronosEnvelope{Error: aitronosEnvelopeBody{
		Code:          e.code,
		Message:       e.message,
		SystemMessage: e.systemMessage(),
		Type:          typ,
		Status:        e.status,
		Details:       e.details,
		TraceID:       x.reqID,
		Timestamp:     formatTime(x.now),
	}})
	resp := &response{status: e.status, body: body}
	if e.status == http.StatusMethodNotAllowed {
		resp.allow, _ = e.details["allow"].(string)
	}
	return resp
}

// serve answers a request: credential, route, size, then the operation.
// Nothing is deduplicated: an Idempotency-Key is ignored.
func (w *aitronosWire) serve(x *exchange) *response {
	if !w.s.authorized(x.header(w.authHeader())) {
		return w.fail(x, &apiError{
			status: http.StatusUnauthorized, code: codeInvalidAPIKey,
			message: "Invalid API key", system: "the X-API-Key header does not hold a valid API key",
		})
	}
	rt, ok := parseOrgRoute(x.req.Path, aitronosBase, aitronosPathActions)
	switch {
	case !ok:
		return w.fail(x, pathNotFound(x.req.Path))
	case !rt.allows(x.req.Method):
		return w.fail(x, methodNotAllowed(x.req.Method, rt.allowed()))
	case x.tooLarge:
		return w.fail(x, bodyTooLarge())
	case x.queryErr != nil:
		return w.fail(x, validationError("query", "malformed query string"))
	case rt.org != w.s.org:
		// The vendor's 403 code for an organization the credential is not in.
		return w.fail(x, &apiError{
			status: http.StatusForbidden, code: "ORGANIZATION_ACCESS_DENIED",
			message: "Access to this organization is denied",
			system:  "the API key does not belong to organization " + quote(rt.org),
		})
	}
	var status int
	var body []byte
	var e *apiError
	switch method := x.req.Method; {
	case rt.key == "" && method == http.MethodPost:
		status, body, e = w.create(x)
	case rt.key == "":
		status, body, e = w.list(x)
	case rt.action != "":
		var k *key
		if k, e = w.transition(x, rt.key, rt.action); e == nil {
			status, body = http.StatusOK, w.json(k) // the bare key object, as the seed shows
		}
	case method == http.MethodGet:
		var k *key
		if k, e = w.find(rt.key); e == nil {
			status, body = http.StatusOK, w.json(k)
		}
	case method == http.MethodPatch:
		status, body, e = w.update(x, rt.key)
	default: // DELETE: the soft delete
		if _, e = w.transition(x, rt.key, actionArchive); e == nil {
			status = http.StatusOK
			body = mustMarshal(aitronosDeleted{Success: true, Message: "API key deleted successfully", ID: rt.key})
		}
	}
	if e != nil {
		return w.fail(x, e)
	}
	return &response{status: status, body: body}
}

// aitronosDeleted is DELETE's answer.
type aitronosDeleted struct {
	Success bool   `json:"success"`
	Message string `json:"message"`
	ID      string `json:"id"`
}

// find returns a live key: an archived (soft-deleted) key is kept for the
// record but is not found, as on the vendor's API.
func (w *aitronosWire) find(id string) (*key, *apiError) {
	k := w.s.keys.get(id)
	if k == nil || k.status == statusArchived {
		return nil, &apiError{
			status: http.StatusNotFound, code: codeKeyNotFound,
			message: "API key not found", system: "No API key exists with the provided ID",
		}
	}
	return k, nil
}

// aitronosCreate is the create object. Only usage_limit_chf and expires_at
// may be null (= none), as in the vendor's create answer.
type aitronosCreate struct {
	KeyName       *string  `json:"key_name"`
	UsageLimitCHF *float64 `json:"usage_limit_chf"`
	Scopes        []string `json:"scopes"`
	ExpiresAt     *string  `json:"expires_at"`
}

func (w *aitronosWire) create(x *exchange) (int, []byte, *apiError) {
	var b aitronosCreate
	if e := decodeJSON(x.header("Content-Type"), x.req.Body, &b, "usage_limit_chf", "expires_at"); e != nil {
		return 0, nil, e
	}
	k := &key{org: w.s.org, status: statusActive}
	var e *apiError
	if k.name, e = aitronosName(b.KeyName); e != nil {
		return 0, nil, e
	}
	if e = validUsageLimit(b.UsageLimitCHF); e != nil {
		return 0, nil, e
	}
	k.usageLimit = b.UsageLimitCHF
	if k.scopes, e = validScopes(b.Scopes); e != nil {
		return 0, nil, e
	}
	if b.ExpiresAt != nil {
		if k.expiresAt, e = validExpiry(*b.ExpiresAt, x.now); e != nil {
			return 0, nil, e
		}
	}
	secret := newSecret("oak_live_")
	k.keepSecret(secret, aitronosPrefixLen)
	k.createdBy, k.updatedBy = aitronosActor, aitronosActor
	k.createdAt, k.updatedAt = x.now, x.now
	w.s.keys.add(k, func(uint64) string { return "ak_" + randomHex(8) })
	o := aitronosObject(k)
	o.Key = secret
	return http.StatusCreated, mustMarshal(o), nil
}

// aitronosUpdate is the update object: every field optional, none nullable
// (the vendor does not say what null would mean, so it is refused).
type aitronosUpdate struct {
	KeyName       *string   `json:"key_name"`
	UsageLimitCHF *float64  `json:"usage_limit_chf"`
	Scopes        *[]string `json:"scopes"`
	ExpiresAt     *string   `json:"expires_at"`
}

func (w *aitronosWire) update(x *exchange, id string) (int, []byte, *apiError) {
	var b aitronosUpdate
	if e := decodeJSON(x.header("Content-Type"), x.req.Body, &b); e != nil {
		return 0, nil, e
	}
	var name string
	var scopes []string
	var expires time.Time
	var e *apiError
	if b.KeyName != nil {
		if name, e = aitronosName(b.KeyName); e != nil {
			return 0, nil, e
		}
	}
	if e = validUsageLimit(b.UsageLimitCHF); e != nil {
		return 0, nil, e
	}
	if b.Scopes != nil {
		if scopes, e = validScopes(*b.Scopes); e != nil {
			return 0, nil, e
		}
	}
	if b.ExpiresAt != nil {
		if expires, e = validExpiry(*b.ExpiresAt, x.now); e != nil {
			return 0, nil, e
		}
	}
	k, e := w.find(id)
	if e != nil {
		return 0, nil, e
	}
	if b.KeyName != nil {
		k.name = name
	}
	if b.UsageLimitCHF != nil {
		k.usageLimit = b.UsageLimitCHF
	}
	if b.Scopes != nil {
		k.scopes = scopes
	}
	if b.ExpiresAt != nil {
		k.expiresAt = expires
	}
	k.touch(x.now, aitronosActor)
	return http.StatusOK, w.json(k), nil
}

// transition runs an action on the key. The four POST actions take no body.
func (w *aitronosWire) transition(x *exchange, id, action string) (*key, *apiError) {
	if action != actionArchive && x.req.Body != nil {
		return nil, validationError("body", "this action takes no body")
	}
	k, e := w.find(id)
	if e != nil {
		return nil, e
	}
	to, ok := aitronosTable.allows(k.status, action)
	if !ok {
		return nil, aitronosRefusal(k.status, action)
	}
	k.moveTo(to, x.now, aitronosActor)
	return k, nil
}

// aitronosRefusal is the seed's 400, worded for each action.
func aitronosRefusal(from, action string) *apiError {
	e := &apiError{status: http.StatusBadRequest, code: codeInvalidTransition}
	switch action {
	case actionPause:
		e.message, e.system = "Cannot pause an already inactive API key", "API key must be active to be paused"
	case actionUnpause:
		e.message, e.system = "Cannot unpause an API key that is not paused", "API key must be paused to be unpaused"
	case actionActivate:
		e.message, e.system = "Cannot activate an already active API key", "API key must be inactive or paused to be activated"
	case actionDeactivate:
		e.message, e.system = "Cannot deactivate an already inactive API key", "API key must be active or paused to be deactivated"
	default:
		e.message = "Cannot " + action + " an API key that is " + from
	}
	return e
}

// list answers one page by page number: a list-then-mutate loop can shift
// keys between pages, as on the real thing. Archived keys never appear, and
// the vendor has no filter.
func (w *aitronosWire) list(x *exchange) (int, []byte, *apiError) {
	q := x.req.Query
	for _, name := range []string{"skip", "take"} {
		if _, ok := q[name]; ok {
			return 0, nil, validationError(name, "is listed by the vendor without its meaning beside page; the fake does not guess it: use page and page_size")
		}
	}
	page, e := intParam(q, "page", 1, 1, 1<<31-1)
	if e != nil {
		return 0, nil, e
	}
	size, e := intParam(q, "page_size", 1, aitronosDefPageSize, aitronosMaxPageSize)
	if e != nil {
		return 0, nil, e
	}
	first := -1 // past every key: an empty page
	if page-1 <= len(w.s.keys.all())/size {
		first = (page - 1) * size // cannot overflow inside this bound
	}
	buf := make([]byte, 0, 256+size*400)
	buf = append(buf, `{"api_keys":[`...)
	total, n := 0, 0
	for _, k := range w.s.keys.all() {
		if k.status == statusArchived {
			continue
		}
		if first >= 0 && total >= first && n < size {
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, w.json(k)...)
			n++
		}
		total++
	}
	buf = append(buf, `],"pagination":{"page":`...)
	buf = strconv.AppendInt(buf, int64(page), 10)
	buf = append(buf, `,"page_size":`...)
	buf = strconv.AppendInt(buf, int64(size), 10)
	buf = append(buf, `,"total_count":`...)
	buf = strconv.AppendInt(buf, int64(total), 10)
	buf = append(buf, `,"total_pages":`...)
	buf = strconv.AppendInt(buf, int64((total+size-1)/size), 10)
	return http.StatusOK, append(buf, "}}"...), nil
}

// aitronosKey is the seed's key object, field for field and in its order:
// no status and no is_paused, so a paused key looks like an inactive one.
type aitronosKey struct {
	ID             string   `json:"id"`
	Key            string   `json:"key,omitempty"` // the secret; create only
	KeyPrefix      string   `json:"key_prefix"`
	OrganizationID string   `json:"organization_id"`
	KeyName        string   `json:"key_name"`
	IsActive       bool     `json:"is_active"`
	UsageLimitCHF  *float64 `json:"usage_limit_chf"`
	Scopes         []string `json:"scopes"`
	CreatedBy      string   `json:"created_by"`
	CreatedAt      string   `json:"created_at"`
	ExpiresAt      *string  `json:"expires_at"`
}

func aitronosObject(k *key) aitronosKey {
	o := aitronosKey{
		ID:             k.id,
		KeyPrefix:      k.prefix,
		OrganizationID: k.org,
		KeyName:        k.name,
		IsActive:       k.status == statusActive,
		UsageLimitCHF:  k.usageLimit,
		Scopes:         k.scopes,
		CreatedBy:      k.createdBy,
		CreatedAt:      formatTime(k.createdAt),
		ExpiresAt:      optionalTime(k.expiresAt),
	}
	if o.Scopes == nil {
		o.Scopes = []string{}
	}
	return o
}

func (w *aitronosWire) json(k *key) []byte {
	if k.encoded == nil {
		k.encoded = mustMarshal(aitronosObject(k))
	}
	return k.encoded
}

// aitronosName requires a key_name that is not blank. The vendor states no
// length limit, so none is enforced; the name is kept as sent.
func aitronosName(p *string) (string, *apiError) {
	if p == nil {
		return "", validationError("key_name", "is required")
	}
	if strings.TrimSpace(*p) == "" {
		return "", validationError("key_name", "must not be blank")
	}
	return *p, nil
}
