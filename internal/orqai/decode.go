package orqai

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// carry is what a replacement key's create needs that platform.Key does not
// model: the owner and the MCP-gateway restriction, both accepted by the
// create, as the old key held them (compact JSON). restriction is set when
// the create cannot make a key no wider than the old one: the old key holds
// something the create cannot set (a budget, a rate limit or other
// constraint), or its project scope or owner did not read as one of the
// shapes the vendor documents, so copying it would be a guess (an unread
// scope would become every project, an unread owner the service account).
// Encode then refuses the create. carry holds no secret: owner and
// mcp_access are attribution and gateway IDs.
type carry struct {
	owner, mcpAccess json.RawMessage
	restriction      *platform.Unsupported
}

// What a create cannot carry, so Rotate refuses.
var (
	budgetRefusal = &platform.Unsupported{Field: "budget",
		Reason: "the key has an orq.ai budget, which a create cannot set; rotate it by hand"}
	constraintsRefusal = &platform.Unsupported{Field: "constraints",
		Reason: "the key has orq.ai constraints other than an expiry (a budget or rate limit), which a create cannot set; rotate it by hand"}
	scopeRefusal = &platform.Unsupported{Field: "project_scope",
		Reason: `the key's orq.ai project_scope is missing or neither {"all":{}} nor {"single":{"project_id"}}, so a replacement could reach more projects; rotate it by hand`}
	projectsRefusal = &platform.Unsupported{Field: "projects",
		Reason: "the key's orq.ai projects do not match its project_scope, so a replacement could reach more projects; rotate it by hand"}
	ownerRefusal = &platform.Unsupported{Field: "owner",
		Reason: `the key's orq.ai owner is missing or neither {"user":{"user_id"}} nor {"service_account":{}}, so a replacement's owner would be a guess; rotate it by hand`}
)

// Decode reads a 2xx answer to op, in either wire generation. Each answer is
// decoded once, into a struct that holds the members of both generations;
// what decoded tells the generation (a wrapping "api_key", a "data" page or
// a bare array is the older or the newer shape, see the package doc). A
// member counts only under its exact name: the body is validated once and
// walked with jsonscan, each member's value handed to its field's decoder.
func (Mapping) Decode(op platform.Operation, a *platform.Answer) (platform.Result, error) {
	body := bytes.TrimSpace(a.Body)
	if op.Kind == platform.KindTransition && op.Action == platform.ActionDelete {
		// older: 200 {}; newer: 204 and no body. Only a failure matters.
		var p probe
		if len(body) > 0 && body[0] == '{' && jsonscan.Valid(body) {
			p.fill(body)
			if e := failure(p.held(), p.Error); e != nil {
				return platform.Result{}, e
			}
		}
		return platform.Result{}, nil
	}
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreate(body)
	case platform.KindList:
		return decodeList(&op, body)
	}
	return decodeOne(&op, body)
}

// errInvalidJSON is the whole error for a body that does not parse: the
// parser's own message could quote a byte of it.
var errInvalidJSON = &fieldError{reason: "answer is not valid JSON"}

// fieldError names what did not decode, never the bytes it held.
type fieldError struct{ field, reason string }

func (e *fieldError) Error() string {
	if e.field == "" {
		return "orqai: " + e.reason
	}
	return "orqai: " + e.field + ": " + e.reason
}

// notJSONObject is the error for a body that is not an object: invalid JSON
// says so first, as it says nothing else.
func notJSONObject(body []byte, what string) error {
	if !jsonscan.Valid(body) {
		return errInvalidJSON
	}
	return &fieldError{reason: what + " is not a JSON object"}
}

// state is what a member held, for the member types below: each decodes
// whatever JSON it meets and records it, so one member of the wrong type
// loses only itself and is named afterwards (encoding/json would stop at an
// error an UnmarshalJSON returns).
type state uint8

const (
	stAbsent    state = iota // not there, or null
	stGood                   // the expected type
	stWrongType              // another JSON type
	stEmpty                  // wtime: "", no time
	stBadTime                // wtime: a string that is not an RFC 3339 time
	stBadLevel               // accessMember: a level neither a name nor a number
)

// wstr is a string member.
type wstr struct {
	s     string
	state state
}

func (w *wstr) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case 'n':
		*w = wstr{}
	case '"':
		*w = wstr{s: unquote(b), state: stGood}
	default:
		*w = wstr{state: stWrongType}
	}
	return nil
}

func (w wstr) present() bool { return w.state != stAbsent }

// unquote is a JSON string's value: the bytes between the quotes when they
// need no decoding (the common case: one allocation, as encoding/json
// makes), else what encoding/json makes of them. b is a valid JSON string:
// the decode that called UnmarshalJSON checked the whole body first.
func unquote(b []byte) string {
	inner := b[1 : len(b)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(b, &s)
	return s
}

// wenum is a string member that is usually one of the vendor's enum names
// (status, permission_mode): a known name is held without a copy of its own.
type wenum struct{ wstr }

// enumWords are the ApiKeyStatus and PermissionMode names orq.ai sends.
var enumWords = slices.Concat(slices.Collect(maps.Values(statusWire)), slices.Collect(maps.Values(modeWire)))

func (w *wenum) UnmarshalJSON(b []byte) error {
	if b[0] == '"' {
		for _, word := range enumWords {
			if string(b[1:len(b)-1]) == word {
				w.wstr = wstr{s: word, state: stGood}
				return nil
			}
		}
	}
	return w.wstr.UnmarshalJSON(b)
}

// seen is a member that is there and not null, never read: "token" outside
// a create, which on the newer wire is the raw secret on a Get.
type seen bool

func (s *seen) UnmarshalJSON(b []byte) error {
	*s = b[0] != 'n'
	return nil
}

func (s seen) present() bool { return bool(s) }

// wtime is an RFC 3339 time member (with or without a fraction), in UTC;
// "" is none.
type wtime struct {
	t     time.Time
	state state
}

func (w *wtime) UnmarshalJSON(b []byte) error {
	*w = wtime{}
	switch {
	case b[0] == 'n':
	case b[0] != '"':
		w.state = stWrongType
	case len(b) == 2:
		w.state = stEmpty
	default:
		// time.Time's own decode reads the bytes without a copy; the rarer
		// forms it refuses (escapes, looser RFC 3339) get time.Parse.
		if w.t.UnmarshalJSON(b) != nil {
			t, err := time.Parse(time.RFC3339Nano, unquote(b))
			if err != nil {
				w.state = stBadTime
				return nil
			}
			w.t = t
		}
		w.t, w.state = w.t.UTC(), stGood
	}
	return nil
}

// wbool is a boolean member.
type wbool struct {
	b     bool
	state state
}

func (w *wbool) UnmarshalJSON(b []byte) error {
	switch b[0] {
	case 'n':
		*w = wbool{}
	case 't', 'f':
		*w = wbool{b: b[0] == 't', state: stGood}
	default:
		*w = wbool{state: stWrongType}
	}
	return nil
}

// accessMember is the access map. Levels are AccessLevel names on the wire
// (the older schema types them as integer enums while its prose says
// names): a name is normalized, an unknown name or a number is kept as the
// vendor wrote it. An empty map is nil: it grants nothing and is what a
// non-restricted key answers, so a Rotate does not read it as set.
type accessMember struct {
	m     map[string]string
	state state
}

func (w *accessMember) UnmarshalJSON(b []byte) error {
	*w = accessMember{}
	switch b[0] {
	case 'n':
		return nil
	case '{':
	default:
		w.state = stWrongType
		return nil
	}
	var levels map[string]json.RawMessage
	_ = json.Unmarshal(b, &levels) // an object of any values: it decodes
	w.state = stGood
	for resource, raw := range levels {
		switch raw[0] {
		case 'n':
			continue
		case '"':
			w.set(resource, levelWord(unquote(raw)))
		case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
			w.set(resource, string(raw))
		default:
			w.state = stBadLevel
		}
	}
	return nil
}

func (w *accessMember) set(resource, level string) {
	if w.m == nil {
		w.m = map[string]string{}
	}
	w.m[resource] = level
}

func levelWord(s string) string {
	switch strings.ToUpper(strings.TrimPrefix(s, accessPrefix)) {
	case "NONE":
		return "none"
	case "READ":
		return "read"
	case "WRITE":
		return "write"
	}
	return s
}

// Project scopes, as wireScope reads them.
const (
	scopeAbsent    = iota // not there, or null
	scopeAll              // exactly {"all":{}}
	scopeSingle           // {"single":{"project_id":"…"}}
	scopeNotObject        // not a JSON object
	scopeBadSingle        // single is not an object with a string project_id
	scopeUnknown          // any other object
)

// allProjects is the one spelling of every project.
var allProjects = []byte(`{"all":{}}`)

// wireScope is project_scope. Only {"all":{}} means every project; a single
// project needs a non-empty project_id. A scope holding both (the seed
// page's rendered example does) reads as the single project: the narrower
// reading, so a replacement is never scoped wider than the key. Anything
// else, an unknown member included (the newer schema allows more), is
// unknown: ProjectID stays "" and a Rotate refuses.
type wireScope struct {
	projectID string
	state     uint8
}

func (w *wireScope) UnmarshalJSON(b []byte) error {
	*w = wireScope{}
	switch {
	case b[0] == 'n':
		return nil
	case b[0] != '{':
		w.state = scopeNotObject
		return nil
	case bytes.Equal(b, allProjects):
		w.state = scopeAll // the common answer, without a second decode
		return nil
	}
	var members map[string]json.RawMessage
	_ = json.Unmarshal(b, &members)
	w.state = scopeUnknown
	var all, single json.RawMessage
	for name, raw := range members {
		switch {
		case isNull(raw):
		case name == "all":
			all = raw
		case name == "single":
			single = raw
		default:
			return nil
		}
	}
	if single != nil {
		var s struct {
			ProjectID *string `json:"project_id"`
		}
		if single[0] != '{' || json.Unmarshal(single, &s) != nil {
			w.state = scopeBadSingle
			return nil
		}
		if s.ProjectID != nil && *s.ProjectID != "" {
			w.projectID, w.state = *s.ProjectID, scopeSingle
		}
		return nil
	}
	if isEmptyObject(all) {
		w.state = scopeAll
	}
	return nil
}

// wireProjects is the newer wire's "projects", an array of strings the
// spec says nothing more of.
type wireProjects struct {
	ids   []string
	state state
}

func (w *wireProjects) UnmarshalJSON(b []byte) error {
	*w = wireProjects{}
	if b[0] == 'n' {
		return nil
	}
	w.state = stWrongType
	if json.Unmarshal(b, &w.ids) == nil {
		w.state = stGood
	}
	return nil
}

// agrees reports that projects, read as the projects the key reaches, says
// what scope says: nothing (absent), none beside every project, or exactly
// the single project. Anything else could mean a key narrower than its
// scope, which a replacement would widen.
func (w *wireProjects) agrees(scope *wireScope) bool {
	switch w.state {
	case stAbsent:
		return true
	case stGood:
		switch scope.state {
		case scopeAll:
			return len(w.ids) == 0
		case scopeSingle:
			return len(w.ids) == 1 && w.ids[0] == scope.projectID
		}
	}
	return false
}

// serviceAccount is the service-account owner, as a create takes it.
var serviceAccount = json.RawMessage(`{"service_account":{}}`)

// wireOwner is owner, kept as a create takes it when it is exactly one of
// the shapes the vendor documents, {"user":{"user_id":"…"}} or
// {"service_account":{}}. Anything else (both, neither, another member) is
// unknown and not carried: lifecycle hangs on it (a user's key dies with the
// user, a service account's does not), so it is never guessed.
type wireOwner struct {
	raw   json.RawMessage
	state state // stAbsent, stGood, stWrongType (not an object), else unknown
}

const stUnknownOwner = stBadLevel + 1

func (w *wireOwner) UnmarshalJSON(b []byte) error {
	*w = wireOwner{}
	switch {
	case b[0] == 'n':
		return nil
	case b[0] != '{':
		w.state = stWrongType
		return nil
	case bytes.Equal(b, serviceAccount):
		w.raw, w.state = serviceAccount, stGood // the common answer, without a second decode
		return nil
	}
	w.state = stUnknownOwner
	var members map[string]json.RawMessage
	if json.Unmarshal(b, &members) != nil || len(members) != 1 {
		return nil
	}
	if sa, ok := members["service_account"]; ok {
		if isEmptyObject(sa) {
			w.raw, w.state = serviceAccount, stGood
		}
		return nil
	}
	var user map[string]json.RawMessage
	var id string
	if json.Unmarshal(members["user"], &user) != nil || len(user) != 1 ||
		json.Unmarshal(user["user_id"], &id) != nil || strings.TrimSpace(id) == "" {
		return nil
	}
	type userOwner struct {
		UserID string `json:"user_id"`
	}
	w.raw, _ = json.Marshal(struct {
		User userOwner `json:"user"`
	}{userOwner{id}})
	w.state = stGood
	return nil
}

// wireObject is a member a create takes as it is (mcp_access), kept as
// compact JSON; an empty object is none.
type wireObject struct {
	raw   json.RawMessage
	state state
}

func (w *wireObject) UnmarshalJSON(b []byte) error {
	*w = wireObject{}
	switch b[0] {
	case 'n':
		return nil
	case '{':
	default:
		w.state = stWrongType
		return nil
	}
	var buf bytes.Buffer
	_ = json.Compact(&buf, b)
	if buf.Len() > 2 { // not {}
		w.raw, w.state = buf.Bytes(), stGood
	}
	return nil
}

// budget and constraints are read for whether they restrict, whatever
// their shape: the budget is managed by the Budgets API; constraints hold
// "budget / rate limit / expiry" per the update's description, the expiry
// being ExpiresAt. The older wire shows a budget only when the read sets
// include_budget, which Encode's Get does.
type (
	budget      bool
	constraints bool
)

func (m *budget) UnmarshalJSON(b []byte) error {
	*m = budget(meaningful(b))
	return nil
}

func (m *constraints) UnmarshalJSON(b []byte) error {
	*m = constraints(restrictiveConstraints(b))
	return nil
}

// wireKey is a key object of either generation: the older member names
// (api_key_id, created_at, updated_at, expires_at) beside the newer ones
// (id, created, updated, expiration), the older one read where both are
// there. It has no "token": on the newer wire that is the raw secret on a
// Get, and a Key never holds a secret.
type wireKey struct {
	APIKeyID       wstr         `json:"api_key_id"`
	ID             wstr         `json:"id"`
	WorkspaceID    wstr         `json:"workspace_id"`
	Name           wstr         `json:"name"`
	TokenPrefix    wstr         `json:"token_prefix"`
	CreatedByID    wstr         `json:"created_by_id"`
	UpdatedByID    wstr         `json:"updated_by_id"`
	CreatedAt      wtime        `json:"created_at"`
	Created        wtime        `json:"created"`
	UpdatedAt      wtime        `json:"updated_at"`
	Updated        wtime        `json:"updated"`
	LastUsedAt     wtime        `json:"last_used_at"`
	ExpiresAt      wtime        `json:"expires_at"`
	Expiration     wtime        `json:"expiration"`
	Status         wenum        `json:"status"`
	Active         wbool        `json:"active"`
	PermissionMode wenum        `json:"permission_mode"`
	Access         accessMember `json:"access"`
	ProjectScope   wireScope    `json:"project_scope"`
	Projects       wireProjects `json:"projects"`
	Owner          wireOwner    `json:"owner"`
	MCPAccess      wireObject   `json:"mcp_access"`
	Budget         budget       `json:"budget"`
	Constraints    constraints  `json:"constraints"`
}

// eachMember calls f with each member of the object b (valid JSON, opening
// with '{'), its exact unescaped name and its value's text, in document
// order: a repeated member is decoded again, so its last value counts.
func eachMember(b []byte, f func(name, raw []byte)) {
	s := jsonscan.New(b)
	s.Members(func(name []byte) bool {
		raw, ok := s.Value()
		if ok {
			f(name, raw)
		}
		return ok
	})
}

// fill decodes the key object b (valid JSON, opening with '{') into w.
// Every member type decodes whatever value it meets, null included, and
// records what it was.
func (w *wireKey) fill(b []byte) {
	eachMember(b, w.member)
}

// member decodes one member of a key object, if it is one.
func (w *wireKey) member(name, raw []byte) {
	var m json.Unmarshaler
	switch string(name) {
	case "api_key_id":
		m = &w.APIKeyID
	case "id":
		m = &w.ID
	case "workspace_id":
		m = &w.WorkspaceID
	case "name":
		m = &w.Name
	case "token_prefix":
		m = &w.TokenPrefix
	case "created_by_id":
		m = &w.CreatedByID
	case "updated_by_id":
		m = &w.UpdatedByID
	case "created_at":
		m = &w.CreatedAt
	case "created":
		m = &w.Created
	case "updated_at":
		m = &w.UpdatedAt
	case "updated":
		m = &w.Updated
	case "last_used_at":
		m = &w.LastUsedAt
	case "expires_at":
		m = &w.ExpiresAt
	case "expiration":
		m = &w.Expiration
	case "status":
		m = &w.Status
	case "active":
		m = &w.Active
	case "permission_mode":
		m = &w.PermissionMode
	case "access":
		m = &w.Access
	case "project_scope":
		m = &w.ProjectScope
	case "projects":
		m = &w.Projects
	case "owner":
		m = &w.Owner
	case "mcp_access":
		m = &w.MCPAccess
	case "budget":
		m = &w.Budget
	case "constraints":
		m = &w.Constraints
	default:
		return
	}
	_ = m.UnmarshalJSON(raw) // each records a value of another type; none fails
}

// answer is a one-key answer of either generation: the older
// {"api_key":{…}} (a create adds "token"), or the newer flat key (with
// "token" in it), or the failure envelope. T is wstr for a create, whose
// token is the secret, and seen for anything else, whose token is never
// read.
type answer[T any, PT interface {
	*T
	present() bool
	json.Unmarshaler
}] struct {
	wireKey
	APIKey *wireKey // nil: absent or null
	Token  T
	Error  []byte // the "error" member's text, a span of the body
}

// decode reads body into a and returns its key object and the path errors
// name it by. A failure envelope in a body that holds no key is the error.
func (a *answer[T, PT]) decode(body []byte, what string) (*wireKey, string, error) {
	if body[0] != '{' {
		return nil, "", notJSONObject(body, what)
	}
	if !jsonscan.Valid(body) {
		return nil, "", errInvalidJSON
	}
	notWrapper := false // an api_key that is not an object
	eachMember(body, func(name, raw []byte) {
		switch string(name) {
		case "api_key":
			switch raw[0] {
			case 'n':
				a.APIKey = nil
			case '{':
				a.APIKey = new(wireKey)
				a.APIKey.fill(raw)
			default:
				notWrapper = true
			}
		case "token":
			_ = PT(&a.Token).UnmarshalJSON(raw)
		case "error":
			a.Error = raw
		default:
			a.wireKey.member(name, raw)
		}
	})
	if notWrapper {
		// It is not the older wrapper, and the answer is read as the key.
		// It was there, so the answer holds a key, not a failure.
		return &a.wireKey, "", nil
	}
	held := a.APIKey != nil || a.APIKeyID.present() || a.ID.present() || PT(&a.Token).present()
	if e := failure(held, a.Error); e != nil {
		return nil, "", e
	}
	if a.APIKey != nil {
		return a.APIKey, "api_key.", nil
	}
	return &a.wireKey, "", nil
}

// probe is what tells a failure from a key in an answer read for nothing
// else (a delete's, a list page's).
type probe struct {
	APIKey, APIKeyID, ID, Token seen
	Error                       []byte // the "error" member's text
}

func (p *probe) held() bool { return bool(p.APIKey || p.APIKeyID || p.ID || p.Token) }

// member decodes one member of an answer, if it is one a probe reads.
func (p *probe) member(name, raw []byte) {
	switch string(name) {
	case "api_key":
		_ = p.APIKey.UnmarshalJSON(raw)
	case "api_key_id":
		_ = p.APIKeyID.UnmarshalJSON(raw)
	case "id":
		_ = p.ID.UnmarshalJSON(raw)
	case "token":
		_ = p.Token.UnmarshalJSON(raw)
	case "error":
		p.Error = raw
	}
}

// fill reads the object b (valid JSON, opening with '{').
func (p *probe) fill(b []byte) { eachMember(b, p.member) }

// failure is the error envelope of a body that holds no key (a body with a
// token or a key is a key, whatever else it holds: a secret is never
// dropped for an "error" member).
func failure(held bool, errMember []byte) *platform.Error {
	if held {
		return nil
	}
	e, ok := envelope(errMember)
	if !ok {
		return nil
	}
	return &e
}

// envelope reads the "error" member's {"code","message","doc_url"}. A member
// of the wrong type is dropped rather than failing the envelope, which would
// lose the code that classifies it.
func envelope(errMember []byte) (platform.Error, bool) {
	if len(errMember) == 0 || errMember[0] != '{' {
		return platform.Error{}, false
	}
	var code, message, doc wstr
	eachMember(errMember, func(name, raw []byte) {
		switch string(name) {
		case "code":
			_ = code.UnmarshalJSON(raw)
		case "message":
			_ = message.UnmarshalJSON(raw)
		case "doc_url":
			_ = doc.UnmarshalJSON(raw)
		}
	})
	e := platform.Error{Code: code.s, Message: message.s}
	if e.Code == "" && e.Message == "" {
		return platform.Error{}, false
	}
	e.Class = classes[e.Code]
	if doc.s != "" {
		e.Details = map[string]any{"doc_url": doc.s}
	}
	return e, true
}

// classes are orq.ai's documented codes. It has no key-specific not-found
// code: a 404's status classifies it.
var classes = map[string]platform.Class{
	"invalid_request_body":    platform.ClassInvalidParams,
	"authentication_required": platform.ClassUnauthorized,
	"invalid_api_key":         platform.ClassUnauthorized,
	"expired_api_key":         platform.ClassUnauthorized,
	"insufficient_scope":      platform.ClassForbidden,
	"wrong_project":           platform.ClassForbidden,
	"rate_limit_exceeded":     platform.ClassRateLimited,
	"internal_error":          platform.ClassServer,
	"service_unavailable":     platform.ClassServer,
}

// DecodeError reads a non-2xx answer's envelope; anything else is the zero
// Error and the HTTP status classifies it. orq.ai documents no request-ID
// header or trace ID.
func (Mapping) DecodeError(_ platform.Operation, a *platform.Answer) platform.Error {
	body := bytes.TrimSpace(a.Body)
	var p probe
	if len(body) == 0 || body[0] != '{' || !jsonscan.Valid(body) {
		return platform.Error{}
	}
	p.fill(body)
	e, _ := envelope(p.Error)
	return e
}

// decodeOne reads a Get, Update or transition answer. A 2xx that holds no
// key object (empty, null, {}, a key without its ID) is a Partial key with
// the operation's ID and whatever it held.
func decodeOne(op *platform.Operation, body []byte) (platform.Result, error) {
	if len(body) == 0 || bytes.Equal(body, []byte("null")) {
		return platform.Result{Key: partial(op, platform.Key{})}, nil
	}
	var a answer[seen, *seen]
	w, path, err := a.decode(body, "answer")
	if err != nil {
		return platform.Result{}, err
	}
	k, byActive, err := w.key(path, -1)
	if k.ID == "" {
		k = partial(op, k)
	}
	if op.Kind == platform.KindTransition && byActive {
		// "active":false is all the newer wire may say after a revoke:
		// consistent with the target, only less precise.
		if target := platform.Target(op.Action); k.Status == platform.StatusInactive && target == platform.StatusRevoked {
			k.Status = target
		}
	}
	return platform.Result{Key: k}, err
}

func partial(op *platform.Operation, k platform.Key) platform.Key {
	k.ID, k.Partial = op.KeyID, true
	return k
}

// decodeCreate reads a create answer: older {"api_key":{…},"token":…},
// newer a flat key with "token". The key exists on the server now, so the
// ID and the secret are read on their own: a field that fails to decode
// costs neither, and they come back with the error.
func decodeCreate(body []byte) (platform.Result, error) {
	if len(body) == 0 {
		return platform.Result{}, errInvalidJSON
	}
	var a answer[wstr, *wstr]
	w, path, err := a.decode(body, "create answer")
	if err != nil {
		return platform.Result{}, err
	}
	var res platform.Result
	var tokenErr error
	switch a.Token.state {
	case stGood:
		res.Secret = a.Token.s
	case stWrongType:
		tokenErr = &fieldError{field: "token", reason: "not a string"}
	}
	k, _, err := w.key(path, -1)
	if k.ID == "" {
		// The token is sk-orq-<api_key_id>-<secret>: the ID is still
		// known, so the key can be found and revoked.
		k.ID = idFromToken(res.Secret)
		err = &fieldError{field: path + "api_key_id", reason: "missing from the create answer"}
	}
	switch {
	case tokenErr != nil:
		err = tokenErr
	case res.Secret == "":
		err = &fieldError{field: "token", reason: "missing from the create answer"}
	}
	res.Key = k
	return res, err
}

// idFromToken is the <api_key_id> of sk-orq-<api_key_id>-<secret>, or "".
func idFromToken(token string) string {
	rest, ok := strings.CutPrefix(token, "sk-orq-")
	if !ok {
		return ""
	}
	id, secret, ok := strings.Cut(rest, "-")
	if !ok || id == "" || secret == "" {
		return ""
	}
	for _, c := range id {
		if (c < '0' || c > '9') && (c < 'A' || c > 'Z') && (c < 'a' || c > 'z') {
			return ""
		}
	}
	return id
}

// decodeList reads a page: older {"object":"list","data":[…],"has_more":…}
// (the next page while has_more), newer a bare array. The array says
// nothing of what follows, so the walk goes on while a page is full (as
// many keys as asked for, or the server's default of 25) and ends on the
// first short one: a server that answered fewer than asked with more to
// come would end it early, which nothing in the spec suggests it does, and
// a full last page costs one more request, answered []. The cursor is the
// last key's ID, which is what starting_after takes.
func decodeList(op *platform.Operation, body []byte) (platform.Result, error) {
	if len(body) == 0 {
		return platform.Result{}, errInvalidJSON
	}
	if !jsonscan.Valid(body) {
		return platform.Result{}, errInvalidJSON
	}
	var items []*wireKey
	var hasMore *bool
	path := "data"
	switch body[0] {
	case '[':
		path = ""
		items = itemsOf(body)
	case '{':
		// The older page, {"object":"list","data":[…],"has_more":…}.
		var p probe
		var data []byte
		var more wbool
		eachMember(body, func(name, raw []byte) {
			switch string(name) {
			case "data":
				data = raw
			case "has_more":
				_ = more.UnmarshalJSON(raw)
			default:
				p.member(name, raw)
			}
		})
		if e := failure(p.held(), p.Error); e != nil {
			return platform.Result{}, e
		}
		switch {
		case data == nil || jsonscan.IsNull(data):
			return platform.Result{}, &fieldError{field: "data", reason: "missing from the list answer"}
		case data[0] != '[':
			return platform.Result{}, &fieldError{field: "data", reason: "not an array"}
		}
		items = itemsOf(data)
		switch more.state {
		case stGood:
			hasMore = &more.b
		case stWrongType:
			return platform.Result{}, &fieldError{field: "has_more", reason: "not a boolean"}
		}
	default:
		return platform.Result{}, &fieldError{reason: "list answer is neither an array nor an object"}
	}

	var firstErr error
	keep := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	keys := make([]platform.Key, 0, len(items))
	lastID := "" // the last item's, which starting_after takes
	for i, w := range items {
		if w == nil {
			keep(&fieldError{field: path + "[" + strconv.Itoa(i) + "]", reason: "not a key object"})
			lastID = ""
			continue
		}
		k, _, err := w.key(path, i)
		if err == nil && k.ID == "" {
			err = &fieldError{field: path + "[" + strconv.Itoa(i) + "].id", reason: "missing"}
		}
		keep(err)
		keys = append(keys, k)
		lastID = k.ID
	}

	more := false
	if hasMore != nil {
		more = *hasMore
	} else {
		size := defaultPageSize
		if op.List != nil && op.List.PageSize > 0 {
			size = op.List.PageSize
		}
		more = len(items) >= size
	}
	res := platform.Result{Keys: keys}
	switch {
	case !more:
	case lastID == "":
		keep(&fieldError{field: path, reason: "more keys announced but no last key ID to page from"})
	default:
		res.Next = lastID
	}
	return res, firstErr
}

// itemsOf decodes the items of the array data (valid JSON), nil for an item
// that is not a key object (null included).
func itemsOf(data []byte) []*wireKey {
	var items []*wireKey
	jsonscan.EachElement(data, func(raw []byte) {
		var w *wireKey
		if raw[0] == '{' {
			w = new(wireKey)
			w.fill(raw)
		}
		items = append(items, w)
	})
	return items
}

// keyReader turns a decoded key object into a Key, keeping the first member
// that did not decode, named by its path: path, then "[item]." in a list.
type keyReader struct {
	path string
	item int // -1: not a list item
	err  error
}

func (r *keyReader) fail(name, reason string) {
	if r.err != nil {
		return
	}
	at := r.path
	if r.item >= 0 {
		at += "[" + strconv.Itoa(r.item) + "]."
	}
	r.err = &fieldError{field: at + name, reason: reason}
}

func (r *keyReader) str(name string, w *wstr) string {
	if w.state == stWrongType {
		r.fail(name, "not a string")
	}
	return w.s
}

// either is the older-named member where it is there, else the newer one.
func either[T interface{ *wstr | *wtime }](older, newer T, olderName, newerName string, present bool) (string, T) {
	if present {
		return olderName, older
	}
	return newerName, newer
}

func (r *keyReader) time(name string, w *wtime) (time.Time, bool) {
	switch w.state {
	case stWrongType:
		r.fail(name, "not a string")
	case stBadTime:
		r.fail(name, "not an RFC 3339 time")
	case stGood:
		return w.t, true
	}
	return time.Time{}, false
}

func (r *keyReader) timePtr(name string, w *wtime) *time.Time {
	t, ok := r.time(name, w)
	if !ok {
		return nil // before new: a &t would move t to the heap on every call
	}
	p := new(time.Time)
	*p = t
	return p
}

// key is the Key of w. byActive reports that Status came from the newer
// "active" boolean.
func (w *wireKey) key(path string, item int) (k platform.Key, byActive bool, err error) {
	r := &keyReader{path: path, item: item}
	idName, id := either(&w.APIKeyID, &w.ID, "api_key_id", "id", w.APIKeyID.state != stAbsent)
	k.ID = r.str(idName, id)
	k.OrganizationID = r.str("workspace_id", &w.WorkspaceID)
	k.Name = r.str("name", &w.Name)
	k.Prefix = r.str("token_prefix", &w.TokenPrefix)
	k.CreatedBy = r.str("created_by_id", &w.CreatedByID)
	k.UpdatedBy = r.str("updated_by_id", &w.UpdatedByID)
	if t, ok := r.time(either(&w.CreatedAt, &w.Created, "created_at", "created", w.CreatedAt.state != stAbsent)); ok {
		k.CreatedAt = t
	}
	if t, ok := r.time(either(&w.UpdatedAt, &w.Updated, "updated_at", "updated", w.UpdatedAt.state != stAbsent)); ok {
		k.UpdatedAt = t
	}
	k.LastUsedAt = r.timePtr("last_used_at", &w.LastUsedAt)
	k.ExpiresAt = r.timePtr(either(&w.ExpiresAt, &w.Expiration, "expires_at", "expiration", w.ExpiresAt.state != stAbsent))

	// A status word says what it says; one that says nothing (unknown, or
	// UNSPECIFIED) is kept in PlatformStatus and leaves the newer "active"
	// boolean to speak.
	if s := r.str("status", &w.Status.wstr); s != "" {
		k.Status, k.PlatformStatus = statusWord(s), s
	}
	if k.Status == "" {
		switch w.Active.state {
		case stWrongType:
			r.fail("active", "not a boolean")
		case stGood:
			k.Status, byActive = platform.StatusInactive, true
			if w.Active.b {
				k.Status = platform.StatusActive
			}
			if k.PlatformStatus == "" {
				k.PlatformStatus = "active=" + strconv.FormatBool(w.Active.b)
			}
		}
	}
	k.PermissionMode = modeWord(r.str("permission_mode", &w.PermissionMode.wstr))
	switch w.Access.state {
	case stWrongType:
		r.fail("access", "not an object")
	case stBadLevel:
		r.fail("access", "a level is neither a name nor a number")
	}
	k.Access = w.Access.m
	switch w.ProjectScope.state {
	case scopeNotObject:
		r.fail("project_scope", "not an object")
	case scopeBadSingle:
		r.fail("project_scope.single", "not an object with a string project_id")
	}
	k.ProjectID = w.ProjectScope.projectID
	if w.Owner.state == stWrongType {
		r.fail("owner", "not an object")
	}
	if w.MCPAccess.state == stWrongType {
		r.fail("mcp_access", "not an object")
	}
	k.Carry = w.carry()
	return k, byActive, r.err
}

// carry keeps owner and mcp_access, which the create accepts, and the first
// reason a create could not make a key as narrow as this one.
func (w *wireKey) carry() carry {
	c := carry{mcpAccess: w.MCPAccess.raw}
	if w.Owner.state == stGood {
		c.owner = w.Owner.raw
	}
	switch s := w.ProjectScope.state; {
	case bool(w.Budget):
		c.restriction = budgetRefusal
	case bool(w.Constraints):
		c.restriction = constraintsRefusal
	case s != scopeAll && s != scopeSingle:
		c.restriction = scopeRefusal
	case !w.Projects.agrees(&w.ProjectScope):
		c.restriction = projectsRefusal
	case w.Owner.state != stGood:
		c.restriction = ownerRefusal
	}
	return c
}

// statusWord normalizes ApiKeyStatus. The enum name is what both specs
// show; the bare word (any case) is accepted because the newer schema types
// status only as a string. UNSPECIFIED and unknown words say nothing.
func statusWord(s string) string {
	switch strings.ToUpper(strings.TrimPrefix(s, statusPrefix)) {
	case "ACTIVE":
		return platform.StatusActive
	case "DISABLED":
		return platform.StatusInactive
	case "REVOKED":
		return platform.StatusRevoked
	}
	return ""
}

// modeWord normalizes PermissionMode; UNSPECIFIED says nothing and an
// unknown word is kept as the vendor wrote it.
func modeWord(s string) string {
	switch strings.ToUpper(strings.TrimPrefix(s, modePrefix)) {
	case "ALL":
		return "all"
	case "RESTRICTED":
		return "restricted"
	case "READ_ONLY":
		return "read_only"
	case "UNSPECIFIED", "":
		return ""
	}
	return s
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// isEmptyObject is {} (whitespace aside).
func isEmptyObject(raw json.RawMessage) bool {
	var m map[string]json.RawMessage
	return len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &m) == nil && len(m) == 0
}

// restrictiveConstraints reports a constraints object with a member that
// holds something and is not the expiry (a name with "expir" in it).
func restrictiveConstraints(raw json.RawMessage) bool {
	var obj map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &obj) != nil {
		return meaningful(raw) // not an object but not empty: unknown, so refuse
	}
	for name, v := range obj {
		if !strings.Contains(strings.ToLower(name), "expir") && meaningful(v) {
			return true
		}
	}
	return false
}

// meaningful is a JSON value that holds something: not absent, null, "",
// {} or [], nor an object or array of only such. A zero or false counts: a
// zero budget is a restriction. Unknown is taken as a restriction, so a
// rotation errs towards refusing rather than a more powerful key.
func meaningful(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || isNull(raw) {
		return false
	}
	switch raw[0] {
	case '{':
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return true
		}
		for _, v := range obj {
			if meaningful(v) {
				return true
			}
		}
		return false
	case '[':
		var arr []json.RawMessage
		if json.Unmarshal(raw, &arr) != nil {
			return true
		}
		for _, v := range arr {
			if meaningful(v) {
				return true
			}
		}
		return false
	case '"':
		return !bytes.Equal(raw, []byte(`""`))
	}
	return true
}
