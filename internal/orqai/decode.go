package orqai

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// carry is what a replacement key's create needs that platform.Key does not
// model: the owner and the MCP-gateway restriction, both accepted by the
// create, as the old key held them (compact JSON). restriction is set when
// the old key holds something the create cannot set (a budget, a rate limit
// or other constraint); Encode then refuses the create. carry holds no
// secret: owner and mcp_access are attribution and gateway IDs.
type carry struct {
	owner, mcpAccess json.RawMessage
	restriction      *platform.Unsupported
}

// Decode reads a 2xx answer to op, in either wire generation.
func (Mapping) Decode(op *platform.Operation, a *platform.Answer) (platform.Result, error) {
	body := bytes.TrimSpace(a.Body)
	if op.Kind == platform.KindTransition && op.Action == platform.ActionDelete {
		// older: 200 {}; newer: 204 and no body. Only a failure matters.
		if obj, ok := parseObject(body); ok {
			if e := failure(obj); e != nil {
				return platform.Result{}, e
			}
		}
		return platform.Result{}, nil
	}
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreate(body)
	case platform.KindList:
		return decodeList(op, body)
	}
	return decodeOne(op, body)
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

type object map[string]json.RawMessage

// parseObject reads a JSON object; false for anything else, invalid JSON
// included.
func parseObject(body []byte) (object, bool) {
	if len(body) == 0 || body[0] != '{' {
		return nil, false
	}
	var obj object
	if json.Unmarshal(body, &obj) != nil {
		return nil, false
	}
	return obj, true
}

// present is a member that is there and not null.
func (o object) present(name string) bool {
	raw, ok := o[name]
	return ok && !isNull(raw)
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// failure is the error envelope in a body that holds no key (a body with
// a token or a key is a key, whatever else it holds: a secret is never
// dropped for an "error" member).
func failure(obj object) *platform.Error {
	for _, name := range []string{"api_key", "api_key_id", "id", "token"} {
		if obj.present(name) {
			return nil
		}
	}
	e, ok := envelope(obj)
	if !ok {
		return nil
	}
	return &e
}

// envelope reads {"error":{"code","message","doc_url"}}. A member of the
// wrong type is dropped rather than failing the envelope, which would lose
// the code that classifies it.
func envelope(obj object) (platform.Error, bool) {
	var inner object
	if raw, ok := obj["error"]; !ok || json.Unmarshal(raw, &inner) != nil || inner == nil {
		return platform.Error{}, false
	}
	str := func(name string) string {
		var s string
		_ = json.Unmarshal(inner[name], &s) // not a string: ""
		return s
	}
	e := platform.Error{Code: str("code"), Message: str("message")}
	if e.Code == "" && e.Message == "" {
		return platform.Error{}, false
	}
	e.Class = classes[e.Code]
	if doc := str("doc_url"); doc != "" {
		e.Details = map[string]any{"doc_url": doc}
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
func (Mapping) DecodeError(_ *platform.Operation, a *platform.Answer) platform.Error {
	obj, ok := parseObject(bytes.TrimSpace(a.Body))
	if !ok {
		return platform.Error{}
	}
	e, _ := envelope(obj)
	return e
}

// wrapped is the key object of an answer: the older generation's
// {"api_key":{…}}, else the answer itself (the newer flat key).
func wrapped(obj object) (object, string) {
	var inner object
	if raw, ok := obj["api_key"]; ok && len(raw) > 0 && raw[0] == '{' && json.Unmarshal(raw, &inner) == nil {
		return inner, "api_key."
	}
	return obj, ""
}

// decodeOne reads a Get, Update or transition answer. A 2xx that holds no
// key object (empty, null, {}, a key without its ID) is a Partial key with
// the operation's ID and whatever it held.
func decodeOne(op *platform.Operation, body []byte) (platform.Result, error) {
	if len(body) == 0 || bytes.Equal(body, []byte("null")) {
		return platform.Result{Key: partial(op, platform.Key{})}, nil
	}
	if !json.Valid(body) {
		return platform.Result{}, errInvalidJSON
	}
	obj, ok := parseObject(body)
	if !ok {
		return platform.Result{}, &fieldError{reason: "answer is not a JSON object"}
	}
	if e := failure(obj); e != nil {
		return platform.Result{}, e
	}
	k, byActive, err := keyFrom(wrapped(obj))
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
	if !json.Valid(body) {
		return platform.Result{}, errInvalidJSON
	}
	obj, ok := parseObject(body)
	if !ok {
		return platform.Result{}, &fieldError{reason: "create answer is not a JSON object"}
	}
	if e := failure(obj); e != nil {
		return platform.Result{}, e
	}
	var res platform.Result
	var tokenErr error
	if raw, ok := obj["token"]; ok && !isNull(raw) {
		if json.Unmarshal(raw, &res.Secret) != nil {
			tokenErr = &fieldError{field: "token", reason: "not a string"}
		}
	}
	inner, path := wrapped(obj)
	k, _, err := keyFrom(inner, path)
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
// (the next page while has_more), newer a bare array (the next page while
// the page is full: the array says nothing else). The cursor is the last
// key's ID, which is what starting_after takes.
func decodeList(op *platform.Operation, body []byte) (platform.Result, error) {
	if !json.Valid(body) {
		return platform.Result{}, errInvalidJSON
	}
	var items []json.RawMessage
	var hasMore *bool
	path := "data"
	switch body[0] {
	case '[':
		path = ""
		if err := json.Unmarshal(body, &items); err != nil {
			return platform.Result{}, errInvalidJSON
		}
	case '{':
		obj, _ := parseObject(body)
		if e := failure(obj); e != nil {
			return platform.Result{}, e
		}
		raw, ok := obj["data"]
		if !ok || isNull(raw) {
			return platform.Result{}, &fieldError{field: "data", reason: "missing from the list answer"}
		}
		if json.Unmarshal(raw, &items) != nil {
			return platform.Result{}, &fieldError{field: "data", reason: "not an array"}
		}
		if raw, ok := obj["has_more"]; ok && !isNull(raw) {
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				return platform.Result{}, &fieldError{field: "has_more", reason: "not a boolean"}
			}
			hasMore = &b
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
	for i, raw := range items {
		at := path + "[" + strconv.Itoa(i) + "]."
		obj, ok := parseObject(raw)
		if !ok {
			keep(&fieldError{field: at[:len(at)-1], reason: "not a key object"})
			lastID = ""
			continue
		}
		k, _, err := keyFrom(obj, at)
		if err == nil && k.ID == "" {
			err = &fieldError{field: at + "id", reason: "missing"}
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

// reader decodes one key object member by member, so one member of the
// wrong type loses only itself; the first failure is kept, named by path.
type reader struct {
	obj  object
	path string
	err  error
}

func (r *reader) fail(name, reason string) {
	if r.err == nil {
		r.err = &fieldError{field: r.path + name, reason: reason}
	}
}

// str is the first of names present, as a string.
func (r *reader) str(names ...string) string {
	for _, name := range names {
		if raw, ok := r.obj[name]; ok && !isNull(raw) {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				r.fail(name, "not a string")
			}
			return s
		}
	}
	return ""
}

// time is the first of names present, as an RFC 3339 time in UTC (with or
// without a fraction); null, absent or "" is none.
func (r *reader) time(names ...string) *time.Time {
	for _, name := range names {
		if raw, ok := r.obj[name]; ok && !isNull(raw) {
			var s string
			if json.Unmarshal(raw, &s) != nil {
				r.fail(name, "not a string")
				return nil
			}
			if s == "" {
				return nil
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				r.fail(name, "not an RFC 3339 time")
				return nil
			}
			t = t.UTC()
			return &t
		}
	}
	return nil
}

func (r *reader) boolean(name string) *bool {
	raw, ok := r.obj[name]
	if !ok || isNull(raw) {
		return nil
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		r.fail(name, "not a boolean")
		return nil
	}
	return &b
}

// object is a member that must be a JSON object; nil when absent or null.
func (r *reader) object(name string) object {
	raw, ok := r.obj[name]
	if !ok || isNull(raw) {
		return nil
	}
	var o object
	if json.Unmarshal(raw, &o) != nil {
		r.fail(name, "not an object")
		return nil
	}
	return o
}

// keyFrom decodes a key object of either generation: older names first
// (api_key_id, created_at, updated_at, expires_at), then the newer ones
// (id, created, updated, expiration). "token" is never read here: on the
// newer wire it is the raw secret on Get, and a Key never holds a secret.
// byActive reports that Status came from the newer "active" boolean.
func keyFrom(obj object, path string) (k platform.Key, byActive bool, err error) {
	r := &reader{obj: obj, path: path}
	k.ID = r.str("api_key_id", "id")
	k.OrganizationID = r.str("workspace_id")
	k.Name = r.str("name")
	k.Prefix = r.str("token_prefix")
	k.CreatedBy = r.str("created_by_id")
	k.UpdatedBy = r.str("updated_by_id")
	if t := r.time("created_at", "created"); t != nil {
		k.CreatedAt = *t
	}
	if t := r.time("updated_at", "updated"); t != nil {
		k.UpdatedAt = *t
	}
	k.LastUsedAt = r.time("last_used_at")
	k.ExpiresAt = r.time("expires_at", "expiration")

	if s := r.str("status"); s != "" {
		k.Status, k.PlatformStatus = statusWord(s), s
	} else if active := r.boolean("active"); active != nil {
		k.Status, k.PlatformStatus, byActive = platform.StatusInactive, "active=false", true
		if *active {
			k.Status, k.PlatformStatus = platform.StatusActive, "active=true"
		}
	}
	k.PermissionMode = modeWord(r.str("permission_mode"))
	k.Access = accessFrom(r)
	if scope := r.object("project_scope"); scope != nil {
		k.ProjectID = projectFrom(r, scope)
	}
	if c := carryFrom(r); c != nil {
		k.Carry = *c
	}
	return k, byActive, r.err
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

// accessFrom reads the access map. Levels are AccessLevel names on the wire
// (the older schema types them as integer enums while its prose says
// names): a name is normalized, an unknown name or a number is kept as the
// vendor wrote it. An empty map is nil: it grants nothing and is what a
// non-restricted key answers, so a Rotate does not read it as set.
func accessFrom(r *reader) map[string]string {
	obj := r.object("access")
	if len(obj) == 0 {
		return nil
	}
	out := make(map[string]string, len(obj))
	for resource, raw := range obj {
		if isNull(raw) {
			continue
		}
		var s string
		var n json.Number
		switch {
		case json.Unmarshal(raw, &s) == nil:
			out[resource] = levelWord(s)
		case json.Unmarshal(raw, &n) == nil:
			out[resource] = n.String()
		default:
			r.fail("access", "a level is neither a name nor a number")
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
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

// projectFrom is single.project_id, "" for {"all":{}}. A scope holding both
// (the seed page's rendered example does) reads as the single project: the
// narrower reading, so a replacement is never scoped wider than the key.
func projectFrom(r *reader, scope object) string {
	var single struct {
		ProjectID *string `json:"project_id"`
	}
	raw, ok := scope["single"]
	if !ok || isNull(raw) {
		return ""
	}
	if json.Unmarshal(raw, &single) != nil {
		r.fail("project_scope.single", "not an object with a string project_id")
		return ""
	}
	if single.ProjectID == nil {
		return ""
	}
	return *single.ProjectID
}

// carryFrom keeps owner and mcp_access, which the create accepts, and
// records a budget or a constraint other than the expiry, which it does not
// (the budget is managed by the Budgets API; constraints hold "budget / rate
// limit / expiry" per the update's description, the expiry being ExpiresAt).
// The older wire shows a budget only when the read sets include_budget,
// which Encode's Get does. nil when there is nothing to carry.
func carryFrom(r *reader) *carry {
	var c carry
	for _, m := range []struct {
		name string
		to   *json.RawMessage
	}{{"owner", &c.owner}, {"mcp_access", &c.mcpAccess}} {
		o := r.object(m.name)
		if len(o) == 0 {
			continue // absent, null, {} or not an object: nothing to copy
		}
		var buf bytes.Buffer
		if json.Compact(&buf, r.obj[m.name]) == nil {
			*m.to = buf.Bytes()
		}
	}
	switch {
	case meaningful(r.obj["budget"]):
		c.restriction = &platform.Unsupported{Field: "budget",
			Reason: "the key has an orq.ai budget, which a create cannot set; rotate it by hand"}
	case restrictiveConstraints(r.obj["constraints"]):
		c.restriction = &platform.Unsupported{Field: "constraints",
			Reason: "the key has orq.ai constraints other than an expiry (a budget or rate limit), which a create cannot set; rotate it by hand"}
	}
	if c.owner == nil && c.mcpAccess == nil && c.restriction == nil {
		return nil
	}
	return &c
}

// restrictiveConstraints reports a constraints object with a member that
// holds something and is not the expiry (a name with "expir" in it).
func restrictiveConstraints(raw json.RawMessage) bool {
	var obj object
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
		var obj object
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
