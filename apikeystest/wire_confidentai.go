package apikeystest

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/apikeys-go/apikeys"
)

// The Confident AI API, from the vendor's own material:
// vendor-docs/confident-ai-update-key.txt (the seed),
// vendor-docs/specs/confident-ai-api-keys.yaml (the vendor's OpenAPI
// document) and the Confident AI section of vendor-docs/PLATFORMS.md.
//
// Where those are silent, the fake is the strict reading:
//   - Paths start at the host (base ""), so Server.URL is a drop-in for
//     https://api.confident-ai.com and its EU twin. No request ID header:
//     the vendor documents none.
//   - The credential is the raw CONFIDENT_API_KEY header. The vendor says an
//     organization key authenticates and "a deactivated key is rejected on
//     authentication", and lastUsed is when a key last authenticated; so
//     besides AdminKey (which is not one of the listed keys) every valid key
//     created here authenticates and sets its lastUsed, and an invalid or
//     deleted one gets 401.
//   - Only the vendor's error statuses are used (400, 401, 403, 404, 409,
//     422, 500, 503): an unknown path or a method a path lacks is 404 (no
//     405), a malformed apiKeyId, query string or Content-Type, an oversized
//     body and a body on GET or DELETE are 400, a JSON body that breaks the
//     schema (a missing, null, blank or mistyped field, an unknown member) is
//     422, and a PUT that would not change valid is 409.
//   - apiKeyId is a decimal integer (leading zeros allowed, as a server
//     parsing an integer would read it); IDs count up from 1.
//   - List answers every key in creation order; the vendor has no paging and
//     no filter, so query parameters are ignored like any unknown one.
//   - The masked value is 15 asterisks and the secret's last 6 characters,
//     as in every example; timestamps are JavaScript's toISOString form
//     (milliseconds, "Z"), as in every example.
//   - Nothing is deduplicated: an Idempotency-Key is ignored.

// confidentTable is the PUT valid false / true and DELETE ("revoke") the
// vendor documents, with a PUT that would not change valid refused.
var confidentTable = table{
	statusActive:   {actionDeactivate: statusInactive, actionDelete: gone},
	statusInactive: {actionActivate: statusActive, actionDelete: gone},
}

const (
	confidentPath        = "/v1/organization/api-keys"
	confidentSecretStart = "confident_org_" // + 32 hex digits, as the spec's create example
	confidentMask        = "***************"
	confidentShown       = 6 // "only the last 6 characters are shown"
	confidentTimeLayout  = "2006-01-02T15:04:05.000Z"
)

type confidentWire struct{ s *Server }

func newConfidentWire(s *Server) wire { return &confidentWire{s: s} }

func (w *confidentWire) base() string                    { return "" }
func (w *confidentWire) requestIDHeader() string         { return "" }
func (w *confidentWire) authHeader() string              { return "Confident_api_key" }
func (w *confidentWire) clientOptions() []apikeys.Option { return nil }

// confidentError is the vendor's error body: a message, no machine code.
type confidentError struct {
	Success    bool   `json:"success"`
	Error      string `json:"error"`
	Deprecated bool   `json:"deprecated"`
}

func (w *confidentWire) fail(_ *exchange, e *apiError) *response {
	return &response{status: e.status, body: mustMarshal(confidentError{Error: e.message})}
}

func confidentBadRequest(message string) *apiError {
	return &apiError{status: http.StatusBadRequest, message: message}
}

// serve answers a request: credential, route, then the operation.
func (w *confidentWire) serve(x *exchange) *response {
	if !w.authenticate(x) {
		return w.fail(x, &apiError{status: http.StatusUnauthorized, message: "Invalid CONFIDENT_API_KEY"})
	}
	id, e := confidentRoute(x)
	if e == nil {
		switch {
		case x.tooLarge:
			e = confidentBadRequest("the request body is larger than 1 MiB")
		case x.queryErr != nil:
			e = confidentBadRequest("malformed query string")
		case x.req.Body != nil && (x.req.Method == http.MethodGet || x.req.Method == http.MethodDelete):
			e = confidentBadRequest("this request takes no body")
		}
	}
	if e != nil {
		return w.fail(x, e)
	}
	var body []byte
	switch x.req.Method {
	case http.MethodPost:
		body, e = w.create(x)
	case http.MethodPut:
		body, e = w.update(x, id)
	case http.MethodDelete:
		body, e = w.delete(x, id)
	case http.MethodGet:
		if id == "" {
			body = w.list()
			break
		}
		var k *key
		if k, e = w.find(id); e == nil {
			body = w.answer(w.json(k))
		}
	}
	if e != nil {
		return w.fail(x, e)
	}
	return &response{status: http.StatusOK, body: body} // "every answer 200"
}

// authenticate accepts AdminKey and, as the vendor does, any valid
// organization key, whose lastUsed it sets.
func (w *confidentWire) authenticate(x *exchange) bool {
	credential := x.header(w.authHeader())
	if w.s.authorized(credential) {
		return true
	}
	if credential == "" {
		return false
	}
	sum := sha256.Sum256([]byte(credential))
	for _, k := range w.s.keys.all() {
		if subtle.ConstantTimeCompare(sum[:], k.secretHash[:]) == 1 {
			if k.status != statusActive {
				return false
			}
			k.lastUsedAt = x.now
			k.encoded = nil
			return true
		}
	}
	return false
}

// confidentRoute returns the key ID of the path ("" for the collection), or
// the 404 or 400 that refuses it. A method the path does not serve is 404,
// as an unknown path is: the vendor lists no 405.
func confidentRoute(x *exchange) (string, *apiError) {
	noRoute := &apiError{status: http.StatusNotFound, message: "Cannot " + x.req.Method + " " + x.req.Path}
	segs, ok := segments(x.req.Path, "")
	if !ok || len(segs) < 3 || len(segs) > 4 || "/"+strings.Join(segs[:3], "/") != confidentPath {
		return "", noRoute
	}
	if len(segs) == 3 {
		if x.req.Method != http.MethodGet && x.req.Method != http.MethodPost {
			return "", noRoute
		}
		return "", nil
	}
	if x.req.Method != http.MethodGet && x.req.Method != http.MethodPut && x.req.Method != http.MethodDelete {
		return "", noRoute
	}
	raw := segs[3]
	n, err := strconv.ParseInt(raw, 10, 64)
	if err != nil || strings.Trim(raw, "0123456789") != "" {
		return "", confidentBadRequest("apiKeyId must be an integer")
	}
	return strconv.FormatInt(n, 10), nil
}

func (w *confidentWire) find(id string) (*key, *apiError) {
	if k := w.s.keys.get(id); k != nil {
		return k, nil
	}
	return nil, &apiError{status: http.StatusNotFound, message: "API key not found"}
}

// confidentDecode is decodeJSON with its 415 turned into a 400: the vendor
// lists no 415.
func confidentDecode(x *exchange, v any) *apiError {
	e := decodeJSON(x.header("Content-Type"), x.req.Body, v)
	if e != nil && e.status == http.StatusUnsupportedMediaType {
		e.status = http.StatusBadRequest
	}
	return e
}

// confidentCreate is the spec's CreateApiKey: name, required, alone.
type confidentCreate struct {
	Name *string `json:"name"`
}

func (w *confidentWire) create(x *exchange) ([]byte, *apiError) {
	var b confidentCreate
	if e := confidentDecode(x, &b); e != nil {
		return nil, e
	}
	switch {
	case b.Name == nil:
		return nil, validationError("name", "is required")
	case strings.TrimSpace(*b.Name) == "":
		return nil, validationError("name", "must not be blank")
	}
	secret := confidentSecretStart + randomHex(16)
	k := &key{org: w.s.org, name: *b.Name, status: statusActive, createdAt: x.now, updatedAt: x.now}
	k.keepSecret(secret, 0) // the vendor shows no prefix, only the last characters
	k.extra = map[string]json.RawMessage{"value": mustMarshal(confidentMask + secret[len(secret)-confidentShown:])}
	w.s.keys.add(k, func(seq uint64) string { return strconv.FormatUint(seq, 10) })
	o := confidentObject(k)
	o.Value = mustMarshal(secret) // the one answer that carries it
	return w.answer(mustMarshal(o)), nil
}

// confidentUpdate is the spec's UpdateApiKey: valid, required, alone.
type confidentUpdate struct {
	Valid *bool `json:"valid"`
}

func (w *confidentWire) update(x *exchange, id string) ([]byte, *apiError) {
	var b confidentUpdate
	if e := confidentDecode(x, &b); e != nil {
		return nil, e
	}
	if b.Valid == nil {
		return nil, validationError("valid", "is required")
	}
	action := actionDeactivate
	if *b.Valid {
		action = actionActivate
	}
	k, e := w.transition(x, id, action)
	if e != nil {
		return nil, e
	}
	return w.answer(w.json(k)), nil
}

// transition runs action on the key through the table; a refusal is 409,
// the vendor's status for a request that conflicts with the key's state.
func (w *confidentWire) transition(x *exchange, id, action string) (*key, *apiError) {
	k, e := w.find(id)
	if e != nil {
		return nil, e
	}
	to, ok := confidentTable.allows(k.status, action)
	if !ok {
		valid := map[bool]string{true: "valid", false: "invalid"}[k.status == statusActive]
		return nil, &apiError{status: http.StatusConflict, message: "cannot " + action + " an API key that is " + valid}
	}
	if to == gone {
		w.s.keys.remove(k)
	} else {
		k.moveTo(to, x.now, "")
	}
	return k, nil
}

// confidentDeleted is DELETE's data: the vendor's answer holds no key.
type confidentDeleted struct {
	Success bool `json:"success"`
	Data    struct {
		ID      json.Number `json:"id"`
		Deleted bool        `json:"deleted"`
	} `json:"data"`
}

func (w *confidentWire) delete(x *exchange, id string) ([]byte, *apiError) {
	k, e := w.transition(x, id, actionDelete)
	if e != nil {
		return nil, e
	}
	d := confidentDeleted{Success: true}
	d.Data.ID, d.Data.Deleted = json.Number(k.id), true
	return mustMarshal(d), nil
}

// list answers every key in one page: the vendor has no paging.
func (w *confidentWire) list() []byte {
	keys := w.s.keys.all()
	buf := make([]byte, 0, 64+len(keys)*160)
	buf = append(buf, `{"success":true,"data":{"apiKeys":[`...)
	for i, k := range keys {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, w.json(k)...)
	}
	return append(buf, "]}}"...)
}

// answer wraps one key object as the vendor's get, create and update do.
func (w *confidentWire) answer(obj []byte) []byte {
	buf := make([]byte, 0, len(obj)+40)
	buf = append(buf, `{"success":true,"data":{"apiKey":`...)
	buf = append(buf, obj...)
	return append(buf, "}}"...)
}

// confidentKey is the spec's ApiKey, in its order.
type confidentKey struct {
	ID        json.Number     `json:"id"`
	Name      string          `json:"name"`
	Valid     bool            `json:"valid"`
	Value     json.RawMessage `json:"value"`
	CreatedAt string          `json:"created_at"`
	LastUsed  *string         `json:"lastUsed"`
}

func confidentObject(k *key) confidentKey {
	o := confidentKey{
		ID:        json.Number(k.id),
		Name:      k.name,
		Valid:     k.status == statusActive,
		Value:     k.extra["value"],
		CreatedAt: k.createdAt.UTC().Format(confidentTimeLayout),
	}
	if !k.lastUsedAt.IsZero() {
		s := k.lastUsedAt.UTC().Format(confidentTimeLayout)
		o.LastUsed = &s
	}
	return o
}

func (w *confidentWire) json(k *key) []byte {
	if k.encoded == nil {
		k.encoded = mustMarshal(confidentObject(k))
	}
	return k.encoded
}
