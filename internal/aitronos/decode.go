package aitronos

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"strconv"
	"strings"
	"time"

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

// object is a JSON object whose fields are decoded one by one, so that one
// field of an unexpected type costs that field, not the key's ID (or a new
// key's secret).
type object map[string]json.RawMessage

func isNull(r json.RawMessage) bool {
	r = bytes.TrimSpace(r)
	return len(r) == 0 || string(r) == "null"
}

// has reports whether the field is present and not null.
func (o object) has(name string) bool {
	r, ok := o[name]
	return ok && !isNull(r)
}

// sub returns the field as an object, if it is one.
func (o object) sub(name string) (object, bool) {
	r, ok := o[name]
	if !ok || isNull(r) {
		return nil, false
	}
	var s object
	if json.Unmarshal(r, &s) != nil {
		return nil, false
	}
	return s, true
}

// parseAnswer reads a 2xx body: nil for an empty body or JSON null (no key
// object), an error for anything else that is not a JSON object.
func parseAnswer(body []byte) (object, error) {
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
	var o object
	if json.Unmarshal(body, &o) != nil {
		return nil, errNotObject
	}
	return o, nil
}

// reader decodes fields and keeps the first failure.
type reader struct{ err error }

func (r *reader) fail(field, problem string) {
	if r.err == nil {
		r.err = &decodeError{field: field, problem: problem}
	}
}

func (r *reader) str(o object, path, name string) string {
	raw, ok := o[name]
	if !ok || isNull(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		r.fail(path+name, "not a string")
		return ""
	}
	return s
}

func (r *reader) boolean(o object, path, name string) *bool {
	raw, ok := o[name]
	if !ok || isNull(raw) {
		return nil
	}
	var b bool
	if json.Unmarshal(raw, &b) != nil {
		r.fail(path+name, "not a boolean")
		return nil
	}
	return &b
}

func (r *reader) number(o object, path, name string) *float64 {
	raw, ok := o[name]
	if !ok || isNull(raw) {
		return nil
	}
	var f float64
	if json.Unmarshal(raw, &f) != nil {
		r.fail(path+name, "not a number")
		return nil
	}
	return &f
}

func (r *reader) integer(o object, path, name string) (int, bool) {
	f := r.number(o, path, name)
	if f == nil {
		return 0, false
	}
	if *f != math.Trunc(*f) || math.Abs(*f) > 1<<53 {
		r.fail(path+name, "not an integer")
		return 0, false
	}
	return int(*f), true
}

func (r *reader) strs(o object, path, name string) []string {
	raw, ok := o[name]
	if !ok || isNull(raw) {
		return nil
	}
	var s []string
	if json.Unmarshal(raw, &s) != nil {
		r.fail(path+name, "not an array of strings")
		return nil
	}
	return s
}

// time reads an RFC 3339 time, with or without a fraction, in UTC; null,
// absent or "" is none.
func (r *reader) time(o object, path, name string) *time.Time {
	raw, ok := o[name]
	if !ok || isNull(raw) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		r.fail(path+name, "not an RFC 3339 time")
		return nil
	}
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		r.fail(path+name, "not an RFC 3339 time")
		return nil
	}
	t = t.UTC()
	return &t
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
		if _, ok := o[f]; ok {
			return true
		}
	}
	return false
}

// unwrap finds the key object of an action answer: the object itself when
// it has an id (bare key, short answer, DELETE answer), else the "api_key"
// or "data" object of the {"success":true,"message":…} wrapper.
func unwrap(o object) (object, string) {
	if _, ok := o["id"]; ok {
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
	active := r.boolean(o, path, "is_active")
	paused := r.boolean(o, path, "is_paused")
	if word != "" {
		k.PlatformStatus = word
	} else {
		var pairs []string
		if active != nil {
			pairs = append(pairs, "is_active="+strconv.FormatBool(*active))
		}
		if paused != nil {
			pairs = append(pairs, "is_paused="+strconv.FormatBool(*paused))
		}
		k.PlatformStatus = strings.Join(pairs, ",")
	}
	st := keyStatus{pausedSaid: paused != nil}
	switch w := sdkStatus(word); {
	case w != "":
		k.Status, st.fromWord = w, true
	case paused != nil && *paused:
		k.Status = platform.StatusPaused
	case active != nil && *active:
		k.Status = platform.StatusActive
	case active != nil:
		k.Status = platform.StatusInactive
	}
	return st
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
		UsageLimitCHF:  r.number(o, path, "usage_limit_chf"),
		CreatedBy:      r.str(o, path, "created_by"),
		ExpiresAt:      r.time(o, path, "expires_at"),
	}
	if t := r.time(o, path, "created_at"); t != nil {
		k.CreatedAt = *t
	}
	if t := r.time(o, path, "updated_at"); t != nil {
		k.UpdatedAt = *t
	}
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
	o, perr := parseAnswer(a.Body)
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
	var items []json.RawMessage
	if json.Unmarshal(o["api_keys"], &items) != nil {
		return platform.Result{}, &decodeError{field: "api_keys", problem: "not an array"}
	}
	r := &reader{}
	keys := make([]platform.Key, 0, len(items))
	for i, item := range items {
		path := "api_keys[" + strconv.Itoa(i) + "]"
		var ko object
		if isNull(item) || json.Unmarshal(item, &ko) != nil {
			r.fail(path, "not a key object")
			continue
		}
		k, _ := readKey(r, ko, path+".")
		if k.ID == "" {
			r.fail(path+".id", missing) // a key without an ID cannot be acted on
			continue
		}
		scrub(&k, secrets)
		keys = append(keys, k)
	}
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
			if total, ok := r.integer(p, "pagination.", "total_pages"); ok && len(items) > 0 && page < total {
				next = strconv.Itoa(page + 1)
			}
		}
	}
	return platform.Result{Keys: keys, Next: next}, r.err
}

// isFailure reports the failure envelope: "success" is false.
func isFailure(o object) bool {
	raw, ok := o["success"]
	return ok && string(bytes.TrimSpace(raw)) == "false"
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
	o, err := parseAnswer(a.Body)
	if err != nil || o == nil {
		return platform.Error{}
	}
	if raw, ok := o["success"]; ok && string(bytes.TrimSpace(raw)) == "true" {
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
	if t := r.time(eo, "", "timestamp"); t != nil {
		e.Timestamp = *t
	}
	if raw, ok := eo["details"]; ok && !isNull(raw) {
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

// secretFields are the vendors' secret-bearing field names.
var secretFields = map[string]bool{"key": true, "token": true, "value": true}

// secretValues collects every non-empty string that a secret-bearing field
// holds anywhere in body, duplicates included (the token stream sees every
// occurrence, where a map keeps the last). body must be valid JSON.
func secretValues(body []byte) []string {
	type frame struct {
		obj, wantKey bool
		key          string
	}
	var out []string
	var stack []frame
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil { // io.EOF at the end
			return out
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		if top != nil && top.obj && top.wantKey {
			if s, ok := tok.(string); ok {
				top.key, top.wantKey = s, false
			} else { // '}'
				stack = stack[:len(stack)-1]
			}
			continue
		}
		if top != nil && top.obj {
			top.wantKey = true // after this value (or container), a key
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, frame{obj: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default: // ']'
				stack = stack[:len(stack)-1]
			}
		case string:
			if top != nil && top.obj && secretFields[top.key] && v != "" {
				out = append(out, v)
			}
		}
	}
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
