package apikeystest

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"encoding/json"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys"
)

// The Prefactor API, from the vendor's own material only:
// vendor-docs/prefactor-activate-token.txt (the seed: activate, the token
// object, the error envelope) and the Prefactor section of
// vendor-docs/PLATFORMS.md, where get, revoke and delete are known only from
// the vendor's own client. Each choice made where they are silent carries a
// comment saying so.
//
// Routes, below Server.URL (whose path is empty: the vendor's paths start at
// the root):
//
//	GET    /api/v1/api_token                  list, offset-paged
//	POST   /api/v1/api_token                  create
//	GET    /api/v1/api_token/{id}             get (client only)
//	DELETE /api/v1/api_token/{id}             delete (client only)
//	POST   /api/v1/api_token/{id}/activate    (doc)
//	POST   /api/v1/api_token/{id}/suspend     (doc)
//	POST   /api/v1/api_token/{id}/revoke      (client only)
//
// There is no update endpoint, tokens have no name, and nothing is
// deduplicated: an Idempotency-Key header is ignored, and so is the
// idempotency key an activate or suspend body may be (the vendor does not
// say that the server honours it).

// prefactorTable is the vendor's rules ("Rules [doc]"): suspend only an
// active token, activate only a suspended one, revoke an active or suspended
// one, delete only a revoked one. The store's inactive is the vendor's
// suspended.
var prefactorTable = table{
	statusActive:   {actionDeactivate: statusInactive, actionRevoke: statusRevoked},
	statusInactive: {actionActivate: statusActive, actionRevoke: statusRevoked},
	statusRevoked:  {actionDelete: gone},
}

// prefactorPathActions maps the vendor's action segments to the store's actions.
var prefactorPathActions = map[string]string{
	"activate": actionActivate,
	"suspend":  actionDeactivate,
	"revoke":   actionRevoke,
}

// The vendor's error codes ("Errors [doc]").
const (
	prefactorBadRequest       = "bad_request"
	prefactorBadAuthToken     = "bad_authtoken"
	prefactorNotAuthenticated = "not_authenticated"
	prefactorNotPermitted     = "not_permitted"
	prefactorNotFound         = "not_found"
	prefactorInvalidAction    = "invalid_action"
	prefactorValidation       = "validation_errors"
	prefactorNotImplemented   = "not_implemented"
	prefactorUnknown          = "unknown"
)

// prefactorCodes are the codes this wire's own errors carry; any other
// apiError code is a shared helper's (decodeJSON, FailNext) and fail
// translates it.
var prefactorCodes = map[string]bool{
	prefactorBadRequest: true, prefactorBadAuthToken: true, prefactorNotAuthenticated: true,
	prefactorNotPermitted: true, prefactorNotFound: true, prefactorInvalidAction: true,
	prefactorValidation: true, prefactorNotImplemented: true, prefactorUnknown: true,
}

const (
	prefactorPrefix      = "/api/v1/api_token"
	prefactorMaxPageSize = 100 // the doc: pagination[page_size] 1–100
	// prefactorDefPageSize applies when pagination[offset] comes without
	// pagination[page_size]. The vendor states no default; 10 is its
	// example's page_size.
	prefactorDefPageSize = 10
	// prefactorDefaultLifetime: the doc types a token's expires_at as a
	// date-time, never null (unlike environment_id beside it), while the
	// vendor's CLI creates tokens without one. So the server picks an
	// expiry; the vendor does not say which, and the fake picks a year.
	prefactorDefaultLifetime = 365 * 24 * time.Hour
	// prefactorTimeLayout: the doc's examples ("2024-01-01T00:00:00Z") are
	// whole seconds in UTC.
	prefactorTimeLayout = "2006-01-02T15:04:05Z"
	// prefactorJWTHeader is {"alg":"HS256","typ":"JWT"}: the doc's token
	// starts "eyJhbGciOi…", a JWT's header.
	prefactorJWTHeader = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
	// prefactorScope is where a token's token_scope is kept in key.extra.
	prefactorScope = "token_scope"
)

// prefactorIDs spells the vendor's IDs ("013xrzp12g3nqk8n7f8f9jbg8d18q7tm"):
// lower-case Crockford base32, 32 characters, which 20 bytes fill exactly.
var prefactorIDs = base32.NewEncoding("0123456789abcdefghjkmnpqrstvwxyz").WithPadding(base32.NoPadding)

func prefactorNewID() string {
	b := make([]byte, 20)
	rand.Read(b) // never fails since Go 1.24
	return prefactorIDs.EncodeToString(b)
}

type prefactorWire struct {
	s *Server
	// admin is every token's created_by_admin_user_id: the admin user behind
	// the server's credential, in the vendor's ID format.
	admin string
}

func newPrefactorWire(s *Server) wire { return &prefactorWire{s: s, admin: prefactorNewID()} }

func (w *prefactorWire) base() string { return "" }

// requestIDHeader: the vendor documents none.
func (w *prefactorWire) requestIDHeader() string { return "" }
func (w *prefactorWire) authHeader() string      { return "Authorization" }

// clientOptions set the account. It is optional on the vendor's API; it is
// set so that the account_id a client sends gets checked.
func (w *prefactorWire) clientOptions() []apikeys.Option {
	return []apikeys.Option{apikeys.WithOrganization(w.s.org)}
}

// prefactorFailure and prefactorInvalid are the doc's two error shapes
// ("default → Error", one of): the second for validation_errors only. The
// doc gives errors no type; it is a map from the member at fault to its
// problems, as the SDK's example payload has it.
type prefactorFailure struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Status  string `json:"status"`
}

type prefactorInvalid struct {
	Code    string              `json:"code"`
	Errors  map[string][]string `json:"errors"`
	Message string              `json:"message"`
	Status  string              `json:"status"`
}

// fail encodes e in the vendor's envelope. The doc gives no HTTP status per
// code; the fake uses the vendor's Python SDK's reading (401 auth, 404 not
// found, 400/422 validation) and, where that is silent too: 403
// not_permitted, 400 invalid_action and bad_request, 422 validation_errors.
// A shared helper's error is translated: a problem with one member is
// validation_errors naming it; one with the body or query as a whole is
// bad_request; a FailNext answer takes its code from its status.
func (w *prefactorWire) fail(x *exchange, e *apiError) *response {
	status, code := e.status, e.code
	field, _ := e.details["field"].(string)
	switch {
	case prefactorCodes[code]:
	case code == codeValidation && status == http.StatusUnprocessableEntity && field != "body" && field != "query":
		code = prefactorValidation
	case code == codeValidation || code == codeUnsupportedMedia || code == codeInvalidRequest:
		code = prefactorBadRequest
		if status == http.StatusUnprocessableEntity {
			status = http.StatusBadRequest
		}
	default:
		code = prefactorCodeFor(status)
	}
	var body []byte
	if code == prefactorValidation {
		errs := map[string][]string{}
		if reason, _ := e.details["reason"].(string); field != "" {
			errs[field] = []string{reason}
		}
		body = mustMarshal(prefactorInvalid{Code: code, Errors: errs, Message: e.message, Status: "error"})
	} else {
		body = mustMarshal(prefactorFailure{Code: code, Message: e.message, Status: "error"})
	}
	resp := &response{status: status, body: body}
	if status == http.StatusMethodNotAllowed {
		resp.allow, _ = e.details["allow"].(string)
	}
	return resp
}

// prefactorCodeFor is the vendor's code for a status FailNext scripts. The
// vendor lists no code for rate limits or outages: those are unknown.
func prefactorCodeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return prefactorBadRequest
	case http.StatusUnauthorized:
		return prefactorNotAuthenticated
	case http.StatusForbidden:
		return prefactorNotPermitted
	case http.StatusNotFound:
		return prefactorNotFound
	case http.StatusUnprocessableEntity:
		return prefactorValidation
	case http.StatusNotImplemented:
		return prefactorNotImplemented
	}
	return prefactorUnknown
}

func prefactorError(status int, code, message string) *apiError {
	return &apiError{status: status, code: code, message: message}
}

// prefactorRoute is a path below /api/v1/api_token, decoded.
type prefactorRoute struct {
	id     string // "" for the collection
	action string // the store's action for …/{id}/{segment}; "" for none
}

func prefactorParse(escapedPath string) (prefactorRoute, bool) {
	if escapedPath == prefactorPrefix {
		return prefactorRoute{}, true
	}
	segs, ok := segments(escapedPath, prefactorPrefix)
	if !ok || len(segs) > 2 {
		return prefactorRoute{}, false
	}
	rt := prefactorRoute{id: segs[0]}
	if len(segs) == 2 {
		if rt.action = prefactorPathActions[segs[1]]; rt.action == "" {
			return prefactorRoute{}, false
		}
	}
	return rt, true
}

// allowed is the Allow header for the route: the methods it serves.
func (rt prefactorRoute) allowed() string {
	switch {
	case rt.id == "":
		return "GET, POST"
	case rt.action == "":
		return "GET, DELETE"
	}
	return "POST"
}

// authenticate reads "Authorization: Bearer <token>" [client]. The vendor's
// codes are told apart as their names say: no bearer credential at all is
// not_authenticated, a wrong one bad_authtoken; both are 401.
func (w *prefactorWire) authenticate(x *exchange) *apiError {
	scheme, token, ok := strings.Cut(x.header("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return prefactorError(http.StatusUnauthorized, prefactorNotAuthenticated,
			"authentication required: send Authorization: Bearer <token>")
	}
	if !w.s.authorized(token) {
		return prefactorError(http.StatusUnauthorized, prefactorBadAuthToken, "invalid or expired token")
	}
	return nil
}

// serve answers a request: credential, route, size, then the operation.
// Nothing is deduplicated: an Idempotency-Key header is ignored.
func (w *prefactorWire) serve(x *exchange) *response {
	if e := w.authenticate(x); e != nil {
		return w.fail(x, e)
	}
	rt, ok := prefactorParse(x.req.Path)
	switch {
	case !ok:
		return w.fail(x, prefactorError(http.StatusNotFound, prefactorNotFound, "no such endpoint"))
	case !strings.Contains(", "+rt.allowed()+",", ", "+x.req.Method+","):
		// The vendor documents no answer to a wrong method; 405 with Allow.
		e := methodNotAllowed(x.req.Method, rt.allowed())
		e.code = prefactorBadRequest
		return w.fail(x, e)
	case x.tooLarge:
		return w.fail(x, bodyTooLarge())
	case x.queryErr != nil:
		return w.fail(x, validationError("query", "malformed query string"))
	}
	var status int
	var body []byte
	var e *apiError
	switch {
	case rt.id == "" && x.req.Method == http.MethodPost:
		status, body, e = w.create(x)
	case rt.id == "":
		status, body, e = w.list(x)
	case rt.action != "":
		status, body, e = w.transition(x, rt.id, rt.action)
	case x.req.Method == http.MethodGet:
		var k *key
		if k, e = w.find(rt.id); e == nil {
			// {"details":{…}}: what the vendor's client reads; no envelope status.
			status, body = http.StatusOK, w.answer("", k, "")
		}
	default: // DELETE
		status, e = w.delete(rt.id)
	}
	if e != nil {
		return w.fail(x, e)
	}
	return &response{status: status, body: body}
}

func (w *prefactorWire) find(id string) (*key, *apiError) {
	k := w.s.keys.get(id)
	if k == nil {
		return nil, prefactorError(http.StatusNotFound, prefactorNotFound, "API token not found")
	}
	return k, nil
}

// prefactorCreate is the create body's members as the doc lists them:
// {account_id, environment_id, expires_at, token_scope}. Only environment_id
// may be null, as on the token object.
type prefactorCreate struct {
	AccountID     *string `json:"account_id"`
	EnvironmentID *string `json:"environment_id"`
	ExpiresAt     *string `json:"expires_at"`
	TokenScope    *string `json:"token_scope"`
}

// prefactorWrapped is the create body as the vendor's CLI sends it,
// {"details":{…}}.
type prefactorWrapped struct {
	Details json.RawMessage `json:"details"`
}

// create takes either body the vendor shows, the doc's flat object or its
// CLI's {"details":{…}}, each with any of the doc's four members (the CLI
// shows two of them, token_scope and account_id, inside its wrapper): the
// two disagree, and both are the vendor's. A body mixing them, or naming
// any other member, is refused. The vendor marks no member required; the
// fake requires token_scope, which names the kind of token, and account_id,
// whose default the doc gives for the list only (the CLI always sends one).
// It defaults environment_id to null and expires_at to a year from now (see
// prefactorDefaultLifetime). An environment-scoped token needs an
// environment_id; an account-scoped one may have one, as the doc's example
// token does. The fake has no environments, so any environment_id names one.
func (w *prefactorWire) create(x *exchange) (int, []byte, *apiError) {
	ct := x.header("Content-Type")
	body := x.req.Body
	var b prefactorCreate
	if prefactorHasDetails(body) {
		var wrapped prefactorWrapped
		if e := decodeJSON(ct, body, &wrapped); e != nil {
			return 0, nil, e
		}
		if t := bytes.TrimSpace(wrapped.Details); len(t) == 0 || t[0] != '{' {
			return 0, nil, validationError("details", "must be a JSON object")
		}
		body = wrapped.Details
	}
	if e := decodeJSON(ct, body, &b, "environment_id"); e != nil {
		return 0, nil, e
	}
	k := &key{org: w.s.org, status: statusActive, expiresAt: x.now.Add(prefactorDefaultLifetime)}
	if b.AccountID != nil {
		if *b.AccountID == "" {
			return 0, nil, validationError("account_id", "can't be blank")
		}
		if *b.AccountID != w.s.org {
			return 0, nil, prefactorError(http.StatusForbidden, prefactorNotPermitted, "not permitted on account "+quote(*b.AccountID))
		}
	}
	switch {
	case b.TokenScope == nil:
		return 0, nil, validationError("token_scope", "can't be blank")
	case *b.TokenScope != "account" && *b.TokenScope != "environment":
		return 0, nil, validationError("token_scope", `must be "account" or "environment"`)
	}
	if b.EnvironmentID != nil {
		if *b.EnvironmentID == "" {
			return 0, nil, validationError("environment_id", "can't be blank")
		}
		k.projectID = *b.EnvironmentID
	} else if *b.TokenScope == "environment" {
		return 0, nil, validationError("environment_id", `is required when token_scope is "environment"`)
	}
	if b.ExpiresAt != nil {
		var e *apiError
		if k.expiresAt, e = validExpiry(*b.ExpiresAt, x.now); e != nil {
			return 0, nil, e
		}
	}
	if b.AccountID == nil {
		return 0, nil, validationError("account_id", "is required: only the list's account_id has a documented default")
	}
	k.extra = map[string]json.RawMessage{prefactorScope: mustMarshal(*b.TokenScope)}
	k.createdBy, k.updatedBy = w.admin, w.admin
	k.createdAt, k.updatedAt = x.now, x.now
	id := prefactorNewID()
	secret := prefactorSecret(id, x.now)
	k.keepSecret(secret, 0) // the vendor shows no public part of a token
	w.s.keys.add(k, func(uint64) string { return id })
	return http.StatusOK, w.answer("success", k, secret), nil
}

// prefactorHasDetails reports whether body is an object with a top-level
// "details" member: the CLI's shape.
func prefactorHasDetails(body []byte) bool {
	var top map[string]json.RawMessage
	if json.Unmarshal(body, &top) != nil {
		return false // decodeJSON reports it
	}
	_, ok := top["details"]
	return ok
}

// prefactorSecret is a JWT-shaped token, as the doc's "eyJhbGciOi…" is: a
// header, claims naming the token, and a random signature.
func prefactorSecret(id string, now time.Time) string {
	claims := mustMarshal(map[string]any{"sub": id, "iat": now.Unix(), "typ": "api_token"})
	sig := make([]byte, 32)
	rand.Read(sig)
	return prefactorJWTHeader + "." + base64.RawURLEncoding.EncodeToString(claims) + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// transition runs activate, suspend or revoke. The doc types the activate
// and suspend body as "IdempotencyKeyOrNull" (a JSON string or null) and
// does not mark it required; the vendor's CLI sends {} for all three. So a
// body may be absent, {}, or for activate and suspend a string or null.
// Anything else is refused. The answers are the doc's
// {"status":"success","details":{…}} for activate and suspend, and for
// revoke {"details":{…}}, all the vendor's client shows.
func (w *prefactorWire) transition(x *exchange, id, action string) (int, []byte, *apiError) {
	if e := prefactorActionBody(x, action != actionRevoke); e != nil {
		return 0, nil, e
	}
	k, e := w.find(id)
	if e != nil {
		return 0, nil, e
	}
	to, ok := prefactorTable.allows(k.status, action)
	if !ok {
		return 0, nil, prefactorRefusal(k.status, action)
	}
	k.moveTo(to, x.now, w.admin)
	envelope := "success"
	if action == actionRevoke {
		envelope = ""
	}
	return http.StatusOK, w.answer(envelope, k, ""), nil
}

func prefactorActionBody(x *exchange, keyAllowed bool) *apiError {
	body := bytes.TrimSpace(x.req.Body)
	if len(body) == 0 {
		return nil
	}
	if body[0] == '{' || !keyAllowed {
		return decodeJSON(x.header("Content-Type"), body, &struct{}{})
	}
	if mt, _, err := mime.ParseMediaType(x.header("Content-Type")); err != nil || mt != "application/json" {
		return prefactorError(http.StatusUnsupportedMediaType, prefactorBadRequest,
			"the request body must be sent as Content-Type: application/json")
	}
	var idemKey *string // read and ignored: the vendor does not say it is honoured
	if json.Unmarshal(body, &idemKey) != nil {
		return prefactorError(http.StatusBadRequest, prefactorBadRequest,
			"the body must be an idempotency key (a JSON string), null or {}")
	}
	return nil
}

// prefactorRefusal is invalid_action, worded by the vendor's rules.
func prefactorRefusal(from, action string) *apiError {
	var msg string
	switch action {
	case actionDeactivate:
		msg = "only an active token can be suspended"
	case actionActivate:
		msg = "only a suspended token can be activated"
	case actionRevoke:
		msg = "only an active or suspended token can be revoked"
	default:
		msg = "only a revoked token can be deleted"
	}
	return prefactorError(http.StatusBadRequest, prefactorInvalidAction,
		msg+"; this token is "+prefactorStatus(from))
}

// delete removes a revoked token for good. Its answer's body is unused by
// the vendor's client and shown nowhere: the fake sends none (204). The
// request body is not read.
func (w *prefactorWire) delete(id string) (int, *apiError) {
	k, e := w.find(id)
	if e != nil {
		return 0, e
	}
	if _, ok := prefactorTable.allows(k.status, actionDelete); !ok {
		return 0, prefactorRefusal(k.status, actionDelete)
	}
	w.s.keys.remove(k)
	return http.StatusNoContent, nil
}

// list answers one page by offset, in creation order: keys created or
// deleted during a walk shift the offsets, as on any offset-paged API.
// account_id defaults to the credential's account (the doc); another one is
// not_permitted. The doc names a sorting parameter without its syntax: the
// fake refuses it rather than guess. Without any pagination[…] parameter the
// answer holds every token and "pagination": null (the doc's "|null"); with
// one, a page and its pagination, whose next_page_offset is null on the
// last page. Unknown pagination[…] members are refused.
func (w *prefactorWire) list(x *exchange) (int, []byte, *apiError) {
	q := x.req.Query
	paged := false
	for name := range q {
		switch {
		case name == "sorting" || strings.HasPrefix(name, "sorting["):
			return 0, nil, validationError(name, "is documented without its syntax; the fake does not guess it")
		case name == "pagination[offset]" || name == "pagination[page_size]":
			paged = true
		case strings.HasPrefix(name, "pagination"):
			return 0, nil, validationError(name, "unknown pagination parameter: use pagination[offset] and pagination[page_size]")
		}
	}
	if vs, ok := q["account_id"]; ok {
		switch {
		case len(vs) != 1 || vs[0] == "":
			return 0, nil, validationError("account_id", "must be one account ID")
		case vs[0] != w.s.org:
			return 0, nil, prefactorError(http.StatusForbidden, prefactorNotPermitted, "not permitted on account "+quote(vs[0]))
		}
	}
	offset, e := intParam(q, "pagination[offset]", 0, 0, 1<<31-1)
	if e != nil {
		return 0, nil, e
	}
	size, e := intParam(q, "pagination[page_size]", 1, prefactorDefPageSize, prefactorMaxPageSize)
	if e != nil {
		return 0, nil, e
	}
	all := w.s.keys.all()
	page := all
	if paged {
		page = all[min(offset, len(all)):min(offset+size, len(all))]
	}
	buf := make([]byte, 0, 256+len(page)*600)
	buf = append(buf, `{"status":"success","summaries":[`...)
	for i, k := range page {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, w.json(k)...)
	}
	buf = append(buf, `],"pagination":`...)
	if !paged {
		return http.StatusOK, append(buf, "null}"...), nil
	}
	buf = append(buf, `{"item_count":`...)
	buf = strconv.AppendInt(buf, int64(len(all)), 10)
	buf = append(buf, `,"next_page_offset":`...)
	if next := offset + size; next < len(all) {
		buf = strconv.AppendInt(buf, int64(next), 10)
	} else {
		buf = append(buf, "null"...)
	}
	buf = append(buf, `,"page_size":`...)
	buf = strconv.AppendInt(buf, int64(size), 10)
	return http.StatusOK, append(buf, "}}"...), nil
}

// prefactorToken is the doc's ApiToken_Details, member for member, in its
// (alphabetical) order.
type prefactorToken struct {
	AccountID        string                 `json:"account_id"`
	AvailableActions prefactorActionsObject `json:"available_actions"`
	CreatedBy        *string                `json:"created_by_admin_user_id"`
	EnvironmentID    *string                `json:"environment_id"`
	ExpiresAt        string                 `json:"expires_at"`
	ID               string                 `json:"id"`
	InsertedAt       string                 `json:"inserted_at"`
	LastUsedAt       *string                `json:"last_used_at"`
	Status           string                 `json:"status"`
	TokenScope       json.RawMessage        `json:"token_scope"`
	Type             string                 `json:"type"`
	UpdatedAt        string                 `json:"updated_at"`
}

type prefactorActionsObject struct {
	Activate bool `json:"activate"`
	Delete   bool `json:"delete"`
	Revoke   bool `json:"revoke"`
	Suspend  bool `json:"suspend"`
}

func (w *prefactorWire) json(k *key) []byte {
	if k.encoded == nil {
		can := func(a string) bool { _, ok := prefactorTable.allows(k.status, a); return ok }
		o := prefactorToken{
			AccountID: k.org,
			AvailableActions: prefactorActionsObject{
				Activate: can(actionActivate), Delete: can(actionDelete),
				Revoke: can(actionRevoke), Suspend: can(actionDeactivate),
			},
			CreatedBy:  &k.createdBy,
			ExpiresAt:  prefactorTime(k.expiresAt),
			ID:         k.id,
			InsertedAt: prefactorTime(k.createdAt),
			Status:     prefactorStatus(k.status),
			TokenScope: k.extra[prefactorScope],
			Type:       "api_token",
			UpdatedAt:  prefactorTime(k.updatedAt),
		}
		if k.projectID != "" {
			o.EnvironmentID = &k.projectID
		}
		if !k.lastUsedAt.IsZero() {
			t := prefactorTime(k.lastUsedAt)
			o.LastUsedAt = &t
		}
		k.encoded = mustMarshal(o)
	}
	return k.encoded
}

// answer wraps a token: {"status":…,"details":{…},"token":…}, leaving out
// status when envelope is "" and token when secret is "".
func (w *prefactorWire) answer(envelope string, k *key, secret string) []byte {
	buf := make([]byte, 0, 700)
	buf = append(buf, '{')
	if envelope != "" {
		buf = append(buf, `"status":`...)
		buf = append(buf, mustMarshal(envelope)...)
		buf = append(buf, ',')
	}
	buf = append(buf, `"details":`...)
	buf = append(buf, w.json(k)...)
	if secret != "" {
		buf = append(buf, `,"token":`...)
		buf = append(buf, mustMarshal(secret)...)
	}
	return append(buf, '}')
}

// prefactorStatus is the vendor's word for a store status.
func prefactorStatus(s string) string {
	if s == statusInactive {
		return "suspended"
	}
	return s // active, revoked
}

func prefactorTime(t time.Time) string { return t.UTC().Format(prefactorTimeLayout) }
