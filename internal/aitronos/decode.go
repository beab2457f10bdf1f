package aitronos

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// decodeError names the part of an answer that did not decode. It never
// holds the answer's bytes: field is built from this package's own field
// names and indices, problem is a fixed phrase.
type decodeError struct{ field, problem string }

func (e *decodeError) Error() string {
	if e.field == "" {
		return "aitronos: answer " + e.problem
	}
	return "aitronos: answer field " + e.field + ": " + e.problem
}

var (
	errNotJSON   = &decodeError{problem: "is not JSON"}
	errNotObject = &decodeError{problem: "is not a JSON object"}
	errEmpty     = &decodeError{problem: "is empty"}
)

const missing = "missing or not a string"

// object is one JSON object of the answer, its members in document order,
// each value the answer's own bytes with no space around them: a field is
// decoded only when it is read, so one field of an unexpected type costs
// that field, not the key's ID (or a new key's secret). Names compare
// exactly, as a map's keys would, and a repeated name reads as its last
// value. It is built only from bytes that json.Valid accepted, as
// jsonscan.New requires.
type object []member

type member struct {
	name []byte // unescaped
	raw  []byte
}

// get returns the raw value of the field; ok is false when it is absent.
func (o object) get(name string) ([]byte, bool) {
	for i := len(o) - 1; i >= 0; i-- {
		if string(o[i].name) == name {
			return o[i].raw, true
		}
	}
	return nil, false
}

// has reports whether the field is present and not null.
func (o object) has(name string) bool {
	raw, ok := o.get(name)
	return ok && !jsonscan.IsNull(raw)
}

// sub returns the field as an object, if it is one.
func (o object) sub(name string) (object, bool) {
	raw, ok := o.get(name)
	if !ok || raw[0] != '{' {
		return nil, false
	}
	return members(raw, nil), true
}

// parseAnswer reads a 2xx body: nil for an empty body or JSON null (no key
// object), an error for anything else that is not a JSON object. buf is
// storage for the top-level members, so that a caller can keep it on its
// stack.
func parseAnswer(body []byte, buf object) (object, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, nil
	}
	if !json.Valid(body) {
		return nil, errNotJSON
	}
	if string(body) == "null" {
		return nil, nil
	}
	if body[0] != '{' {
		return nil, errNotObject
	}
	return members(body, buf), nil
}

// members appends the members of the object b (which opens with '{') to o.
// b is a value of an answer that json.Valid accepted.
func members(b []byte, o object) object {
	s := jsonscan.New(b)
	s.Members(func(name []byte) bool {
		raw, ok := s.Value()
		if ok {
			o = append(o, member{name: name, raw: raw})
		}
		return ok
	})
	return o
}

// elements calls f with each element of the array b (which opens with '[').
func elements(b []byte, f func(raw []byte)) {
	s := jsonscan.New(b)
	s.Elements(func(int) bool {
		raw, ok := s.Value()
		if ok {
			f(raw)
		}
		return ok
	})
}

// reader decodes fields and keeps the first failure.
type reader struct{ err error }

func (r *reader) fail(field, problem string) {
	if r.err == nil {
		r.err = &decodeError{field: field, problem: problem}
	}
}

func (r *reader) str(o object, path, name string) string {
	raw, ok := o.get(name)
	if !ok || jsonscan.IsNull(raw) {
		return ""
	}
	s, ok := jsonscan.String(raw)
	if !ok {
		r.fail(path+name, "not a string")
	}
	return s
}

// boolean returns the field's value; ok is false when it is absent, null
// or not a boolean.
func (r *reader) boolean(o object, path, name string) (v, ok bool) {
	raw, ok := o.get(name)
	switch {
	case !ok || jsonscan.IsNull(raw):
		return false, false
	case string(raw) == "true":
		return true, true
	case string(raw) == "false":
		return false, true
	}
	r.fail(path+name, "not a boolean")
	return false, false
}

func (r *reader) number(o object, path, name string) (float64, bool) {
	raw, ok := o.get(name)
	if !ok || jsonscan.IsNull(raw) {
		return 0, false
	}
	if c := raw[0]; c == '-' || c >= '0' && c <= '9' {
		// json.Unmarshal's own conversion: out of range fails the same way.
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return f, true
		}
	}
	r.fail(path+name, "not a number")
	return 0, false
}

func (r *reader) integer(o object, path, name string) (int, bool) {
	f, ok := r.number(o, path, name)
	if !ok {
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		r.fail(path+name, "not an integer")
		return 0, false
	}
	return int(f), true
}

// strs reads an array of strings; a null element is "", as json.Unmarshal
// has it, and an empty array is an empty, non-nil slice.
func (r *reader) strs(o object, path, name string) []string {
	raw, ok := o.get(name)
	if !ok || jsonscan.IsNull(raw) {
		return nil
	}
	if raw[0] != '[' {
		r.fail(path+name, "not an array of strings")
		return nil
	}
	n, bad := 0, false
	elements(raw, func(e []byte) {
		n++
		bad = bad || e[0] != '"' && !jsonscan.IsNull(e)
	})
	if bad {
		r.fail(path+name, "not an array of strings")
		return nil
	}
	s := make([]string, 0, n)
	elements(raw, func(e []byte) {
		v, _ := jsonscan.String(e) // null is ""
		s = append(s, v)
	})
	return s
}

// time reads an RFC 3339 time, with or without a fraction, in UTC; null,
// absent or "" is none. A time without escapes is parsed from its bytes
// (time's strict RFC 3339 reading, which accepts nothing time.Parse
// refuses); anything that reading refuses gets time.Parse's own verdict.
func (r *reader) time(o object, path, name string) (time.Time, bool) {
	raw, ok := o.get(name)
	if !ok || jsonscan.IsNull(raw) {
		return time.Time{}, false
	}
	if raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		var t time.Time
		if t.UnmarshalText(raw[1:len(raw)-1]) == nil {
			return t.UTC(), true
		}
	}
	s, ok := jsonscan.String(raw)
	if !ok {
		r.fail(path+name, "not an RFC 3339 time")
		return time.Time{}, false
	}
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		r.fail(path+name, "not an RFC 3339 time")
		return time.Time{}, false
	}
	return t.UTC(), true
}

// keyFields are the fields of the full key object that the short action
// answer ({"id","status","is_paused","updated_at"}) and the DELETE answer
// ({"success","message","id"}) lack: any of them makes a key object.
var keyFields = []string{
	"key_name", "key_prefix", "organization_id", "created_at",
	"created_by", "scopes", "usage_limit_chf", "expires_at",
}

func isKeyObject(o object) bool {
	for _, f := range keyFields {
		if _, ok := o.get(f); ok {
			return true
		}
	}
	return false
}

// unwrap finds the key object of an action answer: the object itself when
// it has an id (bare key, short answer, DELETE answer), else the "api_key"
// or "data" object of the {"success":true,"message":…} wrapper.
func unwrap(o object) (object, string) {
	if _, ok := o.get("id"); ok {
		return o, ""
	}
	if in, ok := o.sub("api_key"); ok {
		return in, "api_key."
	}
	if in, ok := o.sub("data"); ok {
		return in, "data."
	}
	return o, ""
}

// keyStatus is what an answer said about a key's state.
type keyStatus struct {
	fromWord   bool // Status came from the vendor's status string
	pausedSaid bool // is_paused was present
}

// sdkStatus maps a vendor status string that is one of Aitronos's SDK
// statuses; other words stay only in PlatformStatus.
func sdkStatus(s string) string {
	for _, w := range spec.Statuses {
		if strings.EqualFold(s, w) {
			return w
		}
	}
	return ""
}

// readStatus normalizes per DESIGN.md: status when it is an SDK word, else
// is_paused:true → paused, else is_active → active / inactive.
// PlatformStatus is the status string, else the booleans as name=value.
func readStatus(r *reader, o object, path string, k *platform.Key) keyStatus {
	word := r.str(o, path, "status")
	active, activeSaid := r.boolean(o, path, "is_active")
	paused, pausedSaid := r.boolean(o, path, "is_paused")
	if word != "" {
		k.PlatformStatus = word
	} else {
		k.PlatformStatus = flagWords[flagIndex(active, activeSaid)][flagIndex(paused, pausedSaid)]
	}
	st := keyStatus{pausedSaid: pausedSaid}
	switch w := sdkStatus(word); {
	case w != "":
		k.Status, st.fromWord = w, true
	case pausedSaid && paused:
		k.Status = platform.StatusPaused
	case activeSaid && active:
		k.Status = platform.StatusActive
	case activeSaid:
		k.Status = platform.StatusInactive
	}
	return st
}

// flagWords[a][p] is the PlatformStatus of is_active and is_paused, each
// indexed by flagIndex, built once so that no answer allocates it:
// "is_active=false,is_paused=true", "is_active=true", "".
var flagWords = func() (w [3][3]string) {
	value := [3]string{"", "true", "false"}
	for a := range w {
		for p := range w[a] {
			var pairs []string
			if a > 0 {
				pairs = append(pairs, "is_active="+value[a])
			}
			if p > 0 {
				pairs = append(pairs, "is_paused="+value[p])
			}
			w[a][p] = strings.Join(pairs, ",")
		}
	}
	return w
}()

// flagIndex is 0 for a boolean the answer did not hold, 1 for true, 2 for
// false.
func flagIndex(v, said bool) int {
	switch {
	case !said:
		return 0
	case v:
		return 1
	}
	return 2
}

// readKey decodes a key object (or the short answer) field by field.
// Secret-bearing fields ("key") are never read here.
func readKey(r *reader, o object, path string) (platform.Key, keyStatus) {
	k := platform.Key{
		ID:             r.str(o, path, "id"),
		OrganizationID: r.str(o, path, "organization_id"),
		Name:           r.str(o, path, "key_name"),
		Prefix:         r.str(o, path, "key_prefix"), // public by the vendor's docs
		Scopes:         r.strs(o, path, "scopes"),
	}
	if f, ok := r.number(o, path, "usage_limit_chf"); ok {
		k.UsageLimitCHF = &f
	}
	k.CreatedBy = r.str(o, path, "created_by")
	if t, ok := r.time(o, path, "expires_at"); ok {
		k.ExpiresAt = &t
	}
	k.CreatedAt, _ = r.time(o, path, "created_at")
	k.UpdatedAt, _ = r.time(o, path, "updated_at")
	st := readStatus(r, o, path, &k)
	return k, st
}

// settle applies DESIGN.md's rule for the client's own transition: a status
// consistent with but less precise than the target becomes the target. The
// key object cannot say paused or archived, so is_active=false (with no
// is_paused or status) after a pause is paused, and any state but active
// after an archive is archived; an answer without a status after an archive
// (the DELETE answer, a 204) is archived too, as documented. Other
// transitions without a status leave "" for the client to fill.
func settle(action string, k *platform.Key, st keyStatus) {
	switch action {
	case platform.ActionPause:
		if k.Status == platform.StatusInactive && !st.fromWord && !st.pausedSaid {
			k.Status = platform.StatusPaused
		}
	case platform.ActionArchive:
		if k.Status != platform.StatusActive {
			k.Status = platform.StatusArchived
		}
	}
}

// Decode reads a 2xx answer. A {"success":false,…} body is the vendor's
// failure envelope and returns a *platform.Error.
func (Mapping) Decode(op *platform.Operation, a *platform.Answer) (platform.Result, error) {
	var buf [16]member // the top-level members: a key object has 11
	o, perr := parseAnswer(a.Body, buf[:0])
	if o != nil && isFailure(o) {
		return platform.Result{}, failureOf(o, secretValues(a.Body))
	}
	if op.Kind == platform.KindTransition && op.Action == platform.ActionDelete {
		return platform.Result{}, nil // Delete's result is ignored
	}
	if perr != nil {
		return platform.Result{}, perr
	}
	var secrets []string
	if o != nil {
		secrets = secretValues(a.Body)
	}
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreate(o, secrets)
	case platform.KindList:
		return decodeList(op, o, secrets)
	case platform.KindGet, platform.KindUpdate, platform.KindTransition:
		return decodeOne(op, o, secrets)
	}
	return platform.Result{}, errors.New("aitronos: unknown operation")
}

// decodeCreate reads the key object plus "key", the secret shown once. The
// key exists on the server by now, so the ID and the secret are read on
// their own: a field that fails to decode costs that field only, and the
// Result goes back with the error.
func decodeCreate(o object, secrets []string) (platform.Result, error) {
	if o == nil {
		return platform.Result{}, errEmpty
	}
	r := &reader{}
	ko, path := unwrap(o)
	secret := r.str(ko, path, "key")
	if secret == "" && path != "" {
		secret = r.str(o, "", "key")
	}
	k, _ := readKey(r, ko, path)
	scrub(&k, secrets)
	res := platform.Result{Key: k, Secret: secret}
	switch {
	case k.ID == "":
		return res, &decodeError{field: path + "id", problem: missing}
	case secret == "":
		return res, &decodeError{field: path + "key", problem: missing}
	}
	return res, r.err
}

// decodeOne reads the answer to Get, Update or a transition. An answer with
// no key object (the DELETE answer, the short action answer, a wrapper
// without a key, an empty body) is a Partial key with what it held; its ID is
// the answer's, else the requested one.
func decodeOne(op *platform.Operation, o object, secrets []string) (platform.Result, error) {
	r := &reader{}
	var k platform.Key
	var st keyStatus
	full := false
	if o != nil {
		ko, path := unwrap(o)
		k, st = readKey(r, ko, path)
		full = isKeyObject(ko)
	}
	k.Partial = !full
	if k.ID == "" {
		k.ID = op.KeyID
	}
	if op.Kind == platform.KindTransition {
		settle(op.Action, &k, st)
	}
	scrub(&k, secrets)
	return platform.Result{Key: k}, r.err
}

// decodeList reads one page. The next cursor is the next page number while
// pagination.page < pagination.total_pages and this page was not empty;
// without pagination the walk stops here. A missing api_keys is an error,
// never an empty page.
func decodeList(op *platform.Operation, o object, secrets []string) (platform.Result, error) {
	if o == nil || !o.has("api_keys") {
		return platform.Result{}, &decodeError{field: "api_keys", problem: "missing"}
	}
	items, _ := o.get("api_keys")
	if items[0] != '[' {
		return platform.Result{}, &decodeError{field: "api_keys", problem: "not an array"}
	}
	n := 0
	elements(items, func([]byte) { n++ })
	r := &reader{}
	keys := make([]platform.Key, 0, n)
	var ko object // reused: each element's members replace the last's
	i := 0
	elements(items, func(item []byte) {
		path := "api_keys[" + strconv.Itoa(i) + "]"
		i++
		if item[0] != '{' {
			r.fail(path, "not a key object")
			return
		}
		ko = members(item, ko[:0])
		k, _ := readKey(r, ko, path+".")
		if k.ID == "" {
			r.fail(path+".id", missing) // a key without an ID cannot be acted on
			return
		}
		scrub(&k, secrets)
		keys = append(keys, k)
	})
	page := 1
	if op.List != nil {
		if n, err := strconv.Atoi(op.List.Cursor); err == nil && n > 1 {
			page = n
		}
	}
	next := ""
	if o.has("pagination") {
		p, ok := o.sub("pagination")
		if !ok {
			r.fail("pagination", "not an object")
		} else {
			// A server that does not echo the page is trusted to have
			// served the one asked for.
			if n, ok := r.integer(p, "pagination.", "page"); ok && n >= 1 {
				page = n
			}
			if total, ok := r.integer(p, "pagination.", "total_pages"); ok && n > 0 && page < total {
				next = strconv.Itoa(page + 1)
			}
		}
	}
	return platform.Result{Keys: keys, Next: next}, r.err
}

// isFailure reports the failure envelope: "success" is false.
func isFailure(o object) bool {
	raw, ok := o.get("success")
	return ok && string(raw) == "false"
}

// failureOf is the *platform.Error of a 2xx failure envelope. Its Status is
// the envelope's own (the HTTP status said success). Its Class comes from the
// code, else from the envelope's status, else it is a server failure: the
// server said the call failed without saying why.
func failureOf(o object, secrets []string) *platform.Error {
	e, _ := envelopeError(o)
	if eo, ok := o.sub("error"); ok {
		r := &reader{}
		if n, ok := r.integer(eo, "", "status"); ok && n >= 400 && n <= 599 {
			e.Status = n
		}
	} else if e.Message == "" {
		e.Message = (&reader{}).str(o, "", "message")
	}
	if e.Class == platform.ClassNone {
		e.Class = classOfStatus(e.Status)
	}
	if e.Class == platform.ClassNone {
		e.Class = platform.ClassServer
	}
	scrubError(&e, secrets)
	return &e
}

// DecodeError reads a non-2xx answer's {"success":false,"error":{…}}
// envelope. Each field is read on its own: a details that is not an object
// or a timestamp that does not parse is dropped, never the code. A body that
// is not the envelope gives a zero Error and the HTTP status classifies it.
func (Mapping) DecodeError(_ *platform.Operation, a *platform.Answer) platform.Error {
	var buf [16]member
	o, err := parseAnswer(a.Body, buf[:0])
	if err != nil || o == nil {
		return platform.Error{}
	}
	if raw, ok := o.get("success"); ok && string(raw) == "true" {
		return platform.Error{}
	}
	e, _ := envelopeError(o)
	return e
}

// envelopeError reads the "error" object; ok is false when there is none.
func envelopeError(o object) (platform.Error, bool) {
	eo, ok := o.sub("error")
	if !ok {
		return platform.Error{}, false
	}
	r := &reader{} // a field of the wrong type is dropped, not fatal
	e := platform.Error{
		Code:          r.str(eo, "", "code"),
		Message:       r.str(eo, "", "message"),
		SystemMessage: r.str(eo, "", "system_message"),
		Type:          r.str(eo, "", "type"),
		TraceID:       r.str(eo, "", "trace_id"),
	}
	e.Timestamp, _ = r.time(eo, "", "timestamp")
	if raw, ok := eo.get("details"); ok && !jsonscan.IsNull(raw) {
		var d map[string]any
		if json.Unmarshal(raw, &d) == nil {
			e.Details = d
		}
	}
	e.Class = classOfCode(e.Code)
	return e, true
}

// classOfCode maps the codes Aitronos documents (the seed's 400 and 404,
// and the 401, 403 and 422 codes of its errors page).
func classOfCode(code string) platform.Class {
	switch strings.ToUpper(code) {
	case "API_KEY_NOT_FOUND":
		return platform.ClassNotFound
	case "INVALID_STATE_TRANSITION":
		return platform.ClassInvalidTransition
	case "VALIDATION_ERROR":
		return platform.ClassInvalidParams
	case "INVALID_API_KEY", "API_KEY_EXPIRED", "API_KEY_DEACTIVATED", "API_KEY_PAUSED", "AUTHENTICATION_REQUIRED":
		return platform.ClassUnauthorized
	case "INSUFFICIENT_PERMISSIONS", "ORGANIZATION_ACCESS_DENIED", "OPERATION_NOT_ALLOWED":
		return platform.ClassForbidden
	}
	return platform.ClassNone
}

// classOfStatus is DESIGN.md's HTTP table, for a 2xx envelope whose code is
// unknown but which names its own status.
func classOfStatus(status int) platform.Class {
	switch {
	case status == 401:
		return platform.ClassUnauthorized
	case status == 403:
		return platform.ClassForbidden
	case status == 404:
		return platform.ClassNotFound
	case status == 409:
		return platform.ClassConflict
	case status == 422:
		return platform.ClassInvalidParams
	case status == 429:
		return platform.ClassRateLimited
	case status >= 500 && status <= 599:
		return platform.ClassServer
	}
	return platform.ClassNone
}

// secretValues collects every non-empty string that a secret-bearing field
// ("key", "token", "value") holds anywhere in body, duplicates included (a
// map would keep only the last). body must be valid JSON once trimmed, as
// parseAnswer found it. One pass, so the cost is linear however deep the
// nesting; nothing is allocated but the values found.
func secretValues(body []byte) []string {
	var out []string
	s := jsonscan.New(bytes.TrimSpace(body))
	scanSecrets(&s, false, &out)
	return out
}

// scanSecrets moves s past the next value, appending it to out when secret
// and a non-empty string, and every such value within it. It reads each
// container once, however deep: an object's members and an array's
// elements are walked where they stand, never read whole first.
func scanSecrets(s *jsonscan.Scanner, secret bool, out *[]string) bool {
	switch s.Peek() {
	case '{':
		s.Members(func(name []byte) bool {
			isSecret := string(name) == "key" || string(name) == "token" || string(name) == "value"
			return scanSecrets(s, isSecret, out)
		})
	case '[':
		// An array under a secret-bearing name holds no secret of its own.
		s.Elements(func(int) bool { return scanSecrets(s, false, out) })
	default:
		raw, ok := s.Value()
		if secret {
			if v, _ := jsonscan.String(raw); v != "" {
				*out = append(*out, v)
			}
		}
		return ok
	}
	return !s.Ended()
}

func leaks(s string, secrets []string) bool {
	if s == "" {
		return false
	}
	for _, x := range secrets {
		if strings.Contains(s, x) {
			return true
		}
	}
	return false
}

// scrub drops any Key string that holds a secret-bearing value of the
// answer: a server that echoed a secret into key_prefix or key_name must not
// put it into a Key, which is printed and logged.
func scrub(k *platform.Key, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	for _, s := range []*string{
		&k.ID, &k.OrganizationID, &k.Name, &k.Prefix, &k.Suffix, &k.Status,
		&k.PlatformStatus, &k.PermissionMode, &k.ProjectID, &k.CreatedBy, &k.UpdatedBy,
	} {
		if leaks(*s, secrets) {
			*s = ""
		}
	}
	k.Scopes = scrubList(k.Scopes, secrets)
	k.AvailableActions = scrubList(k.AvailableActions, secrets)
	for name, v := range k.Access {
		if leaks(name, secrets) || leaks(v, secrets) {
			delete(k.Access, name)
		}
	}
}

func scrubList(l []string, secrets []string) []string {
	if l == nil {
		return nil
	}
	out := make([]string, 0, len(l))
	for _, s := range l {
		if !leaks(s, secrets) {
			out = append(out, s)
		}
	}
	return out
}

// scrubError does the same for a 2xx failure envelope, which becomes an
// error that is printed.
func scrubError(e *platform.Error, secrets []string) {
	if len(secrets) == 0 {
		return
	}
	for _, s := range []*string{&e.Code, &e.Message, &e.SystemMessage, &e.Type, &e.TraceID} {
		if leaks(*s, secrets) {
			*s = ""
		}
	}
	if e.Details != nil && anyLeaks(e.Details, secrets) {
		e.Details = nil
	}
}

// anyLeaks walks a decoded JSON value for a secret in any key or string.
func anyLeaks(v any, secrets []string) bool {
	switch v := v.(type) {
	case string:
		return leaks(v, secrets)
	case map[string]any:
		for name, x := range v {
			if leaks(name, secrets) || anyLeaks(x, secrets) {
				return true
			}
		}
	case []any:
		for _, x := range v {
			if anyLeaks(x, secrets) {
				return true
			}
		}
	}
	return false
}
