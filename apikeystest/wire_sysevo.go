package apikeystest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys"
)

// The Sysevo API, from the vendor's own material only:
// vendor-docs/sysevo-api-keys.txt (the seed), the Sysevo section of
// vendor-docs/PLATFORMS.md and DESIGN.md. The vendor documents four
// endpoints and three payloads (list answer, create request, create answer).
// Everything else below is this fake's choice where the vendor is silent,
// written where it is made; the strict reading wins, to catch client bugs.

// sysevoTable is DESIGN.md's Sysevo row, this wire's own copy: DELETE
// archives a live key, PUT …/reactivate restores an archived one, and
// nothing else exists.
var sysevoTable = table{
	statusActive:   {actionArchive: statusArchived},
	statusArchived: {actionReactivate: statusActive},
}

const (
	// sysevoAuthHeader is THIS FAKE'S CHOICE, not the vendor's: Sysevo's
	// docs name no credential header, so the SDK requires WithAuthHeader
	// and clientOptions configures it for this name, with no scheme.
	sysevoAuthHeader = "X-Sysevo-Key"
	// sysevoSecretStart and sysevoPrefixLen: the seed's secret is
	// "sk_live_" and 36 more characters (44 in all), and its prefix
	// "sk_live_abc1" is the secret's first 12.
	sysevoSecretStart = "sk_live_"
	sysevoPrefixLen   = 12
)

type sysevoWire struct{ s *Server }

func newSysevoWire(s *Server) wire { return &sysevoWire{s: s} }

// base is "": the vendor names no base URL, and the mapping appends
// /organizations/api-keys to whatever it is given.
func (w *sysevoWire) base() string { return "" }

// requestIDHeader is "": the vendor documents no request ID, so none is sent.
func (w *sysevoWire) requestIDHeader() string { return "" }

func (w *sysevoWire) authHeader() string { return sysevoAuthHeader }

// clientOptions: the fake's own credential header (see sysevoAuthHeader);
// Sysevo has no organization (DESIGN.md), so WithOrganization is not given.
func (w *sysevoWire) clientOptions() []apikeys.Option {
	return []apikeys.Option{apikeys.WithAuthHeader(sysevoAuthHeader, "")}
}

// sysevoError is the error body. The vendor documents none; the fake sends
// the smallest plausible one, a message under "error", for every non-2xx.
type sysevoError struct {
	Error string `json:"error"`
}

func (w *sysevoWire) fail(_ *exchange, e *apiError) *response {
	resp := &response{status: e.status, body: mustMarshal(sysevoError{Error: e.message})}
	if e.status == http.StatusMethodNotAllowed {
		resp.allow, _ = e.details["allow"].(string)
	}
	return resp
}

// sysevoRoute is a decoded path: the collection, a key, or a key's
// reactivate endpoint.
type sysevoRoute struct {
	id         string // "" for the collection
	reactivate bool
}

// sysevoParse accepts only the vendor's paths, from the root.
func sysevoParse(escapedPath string) (sysevoRoute, bool) {
	segs, ok := segments(escapedPath, "")
	if !ok || len(segs) < 2 || len(segs) > 4 || segs[0] != "organizations" || segs[1] != "api-keys" {
		return sysevoRoute{}, false
	}
	var rt sysevoRoute
	if len(segs) >= 3 {
		rt.id = segs[2]
	}
	if len(segs) == 4 {
		if segs[3] != actionReactivate {
			return sysevoRoute{}, false
		}
		rt.reactivate = true
	}
	return rt, true
}

// allowed is the Allow header: the documented methods of each path. There is
// no get-one and no update, so a key's path takes DELETE only.
func (rt sysevoRoute) allowed() string {
	switch {
	case rt.id == "":
		return "GET, POST"
	case rt.reactivate:
		return http.MethodPut
	}
	return http.MethodDelete
}

// serve answers a request: credential, route, size, then the operation.
// Nothing is deduplicated: an Idempotency-Key is ignored.
func (w *sysevoWire) serve(x *exchange) *response {
	if !w.s.authorized(x.header(sysevoAuthHeader)) {
		// The seed says only that an archived key's requests "fail with 401".
		return w.fail(x, &apiError{status: http.StatusUnauthorized, message: "Invalid API key"})
	}
	rt, ok := sysevoParse(x.req.Path)
	switch {
	case !ok:
		return w.fail(x, pathNotFound(x.req.Path))
	case !slices.Contains(strings.Split(rt.allowed(), ", "), x.req.Method):
		return w.fail(x, methodNotAllowed(x.req.Method, rt.allowed()))
	case x.tooLarge:
		return w.fail(x, bodyTooLarge())
	case x.queryErr != nil:
		return w.fail(x, validationError("query", "malformed query string"))
	}
	var resp *response
	var e *apiError
	switch {
	case rt.id == "" && x.req.Method == http.MethodPost:
		resp, e = w.create(x)
	case rt.id == "":
		resp, e = w.list(x)
	case rt.reactivate:
		resp, e = w.transition(x, rt.id, actionReactivate)
	default:
		resp, e = w.transition(x, rt.id, actionArchive)
	}
	if e != nil {
		return w.fail(x, e)
	}
	return resp
}

// sysevoCreate is the create request: the seed's {"name": …}, nothing else.
type sysevoCreate struct {
	Name *string `json:"name"`
}

// create answers 201 (the vendor does not say 200 or 201) with the seed's
// create answer: no archived_at member, and the secret under "key". The
// name is required and must not be blank (the vendor states no rule; a
// nameless key is surely a client's bug); there is no length limit.
func (w *sysevoWire) create(x *exchange) (*response, *apiError) {
	var b sysevoCreate
	if e := decodeJSON(x.header("Content-Type"), x.req.Body, &b); e != nil {
		return nil, e
	}
	switch {
	case b.Name == nil:
		return nil, validationError("name", "is required")
	case strings.TrimSpace(*b.Name) == "":
		return nil, validationError("name", "must not be blank")
	}
	k := &key{org: w.s.org, name: *b.Name, status: statusActive, createdAt: x.now, updatedAt: x.now}
	secret := sysevoSecretStart + randomHex(18)
	k.keepSecret(secret, sysevoPrefixLen)
	// IDs are integers [doc]: the store's creation number, from 1.
	w.s.keys.add(k, func(seq uint64) string { return strconv.FormatUint(seq, 10) })
	body := mustMarshal(sysevoCreated{
		ID:         json.Number(k.id),
		Name:       k.name,
		Prefix:     k.prefix,
		Key:        secret,
		CreatedAt:  sysevoTime(k.createdAt),
		LastUsedAt: sysevoOptionalTime(k.lastUsedAt),
	})
	return &response{status: http.StatusCreated, body: body}, nil
}

// transition runs DELETE (archive) or PUT …/reactivate. Neither takes a
// body: the seed says reactivate needs none and shows none for DELETE, and
// the fake refuses one rather than guess what it would mean. Both answer
// 204 with no body, as the vendor shows no answer (DESIGN.md: "an empty
// Sysevo answer").
//
// An ID is matched as the decimal text the fake issued: "abc" or "042" is
// not found (404), not a validation error. A refused transition (archiving
// an archived key, reactivating a live one) is 409 Conflict: the vendor
// documents no refusal, and 409 is HTTP's word for a request that conflicts
// with the resource's state.
func (w *sysevoWire) transition(x *exchange, id, action string) (*response, *apiError) {
	if x.req.Body != nil {
		return nil, validationError("body", "this endpoint takes no body")
	}
	k := w.s.keys.get(id)
	if k == nil {
		return nil, &apiError{status: http.StatusNotFound, message: "API key not found"}
	}
	to, ok := sysevoTable.allows(k.status, action)
	if !ok {
		msg := "API key is already archived"
		if action == actionReactivate {
			msg = "API key is not archived"
		}
		return nil, &apiError{status: http.StatusConflict, message: msg}
	}
	k.moveTo(to, x.now, "")
	return &response{status: http.StatusNoContent}, nil
}

// list answers every key in one array, in creation order: the vendor has
// no pagination, so paging parameters are ignored like any unknown one.
// include_archived must be "true" or "false" (the seed's boolean); absent,
// archived keys are left out.
func (w *sysevoWire) list(x *exchange) (*response, *apiError) {
	archived, e := boolParam(x.req.Query, "include_archived")
	if e != nil {
		return nil, e
	}
	all := w.s.keys.all()
	buf := make([]byte, 0, 16+len(all)*160)
	buf = append(buf, `{"api_keys":[`...)
	n := 0
	for _, k := range all {
		if k.status == statusArchived && !archived {
			continue
		}
		if n > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, w.json(k)...)
		n++
	}
	return &response{status: http.StatusOK, body: append(buf, "]}"...)}, nil
}

// sysevoKey is the seed's listed key object, field for field and in its
// order. It has no status: archived_at set means archived.
type sysevoKey struct {
	ID         json.Number `json:"id"`
	Name       string      `json:"name"`
	Prefix     string      `json:"prefix"`
	CreatedAt  string      `json:"created_at"`
	LastUsedAt *string     `json:"last_used_at"`
	ArchivedAt *string     `json:"archived_at"`
}

// sysevoCreated is the seed's create answer, field for field and in its order.
type sysevoCreated struct {
	ID         json.Number `json:"id"`
	Name       string      `json:"name"`
	Prefix     string      `json:"prefix"`
	Key        string      `json:"key"`
	CreatedAt  string      `json:"created_at"`
	LastUsedAt *string     `json:"last_used_at"`
}

func (w *sysevoWire) json(k *key) []byte {
	if k.encoded == nil {
		k.encoded = mustMarshal(sysevoKey{
			ID:         json.Number(k.id),
			Name:       k.name,
			Prefix:     k.prefix,
			CreatedAt:  sysevoTime(k.createdAt),
			LastUsedAt: sysevoOptionalTime(k.lastUsedAt),
			ArchivedAt: sysevoOptionalTime(k.archivedAt),
		})
	}
	return k.encoded
}

// sysevoTime is the seed's timestamp form: whole seconds, UTC, "Z".
func sysevoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func sysevoOptionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := sysevoTime(t)
	return &s
}
