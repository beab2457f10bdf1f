package aitronos

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
	"github.com/apikeys-go/apikeys/internal/platform"
)

var (
	errNotJSON   = &jsonscan.FieldError{Source: "aitronos", Problem: "is not JSON"}
	errNotObject = &jsonscan.FieldError{Source: "aitronos", Problem: "is not a JSON object"}
	errEmpty     = &jsonscan.FieldError{Source: "aitronos", Problem: "is empty"}
)

const missing = "missing or not a string"

// fieldError is a decode failure at field.
func fieldError(field, problem string) error {
	return &jsonscan.FieldError{Source: "aitronos", Field: field, Problem: problem}
}

// newReader reads fields and keeps the first failure.
func newReader() *jsonscan.Reader { return &jsonscan.Reader{Source: "aitronos"} }

// parseAnswer reads a 2xx body: nil for an empty body or JSON null (no key
// object), an error for anything else that is not a JSON object. buf is
// storage for the top-level members, so that a caller can keep it on its
// stack.
func parseAnswer(body []byte, buf jsonscan.Object) (jsonscan.Object, error) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return nil, nil
	}
	if !jsonscan.Valid(body) {
		return nil, errNotJSON
	}
	if string(body) == "null" {
		return nil, nil
	}
	if body[0] != '{' {
		return nil, errNotObject
	}
	return jsonscan.ObjectOf(body, buf), nil
}

// keyFields are the fields of the full key object that the short action
// answer ({"id","status","is_paused","updated_at"}) and the DELETE answer
// ({"success","message","id"}) lack: any of them makes a key object.
var keyFields = []string{
	"key_name", "key_prefix", "organization_id", "created_at",
	"created_by", "scopes", "usage_limit_chf", "expires_at",
}

func isKeyObject(o jsonscan.Object) bool {
	for _, f := range keyFields {
		if _, ok := o.Get(f); ok {
			return true
		}
	}
	return false
}

// unwrap finds the key object of an action answer: the object itself when
// it has an id (bare key, short answer, DELETE answer), else the "api_key"
// or "data" object of the {"success":true,"message":…} wrapper.
func unwrap(o jsonscan.Object) (jsonscan.Object, string) {
	if _, ok := o.Get("id"); ok {
		return o, ""
	}
	if in, ok := o.Sub("api_key"); ok {
		return in, "api_key."
	}
	if in, ok := o.Sub("data"); ok {
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
func readStatus(r *jsonscan.Reader, o jsonscan.Object, path string, k *platform.Key) keyStatus {
	word := r.String(o, path, "status")
	active, activeSaid := r.Bool(o, path, "is_active")
	paused, pausedSaid := r.Bool(o, path, "is_paused")
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
func readKey(r *jsonscan.Reader, o jsonscan.Object, path string) (platform.Key, keyStatus) {
	k := platform.Key{
		ID:             r.String(o, path, "id"),
		OrganizationID: r.String(o, path, "organization_id"),
		Name:           r.String(o, path, "key_name"),
		Prefix:         r.String(o, path, "key_prefix"), // public by the vendor's docs
		Scopes:         r.Strings(o, path, "scopes"),
	}
	if f, ok := r.Number(o, path, "usage_limit_chf"); ok {
		k.UsageLimitCHF = &f
	}
	k.CreatedBy = r.String(o, path, "created_by")
	if t, ok := r.Time(o, path, "expires_at"); ok {
		k.ExpiresAt = &t
	}
	k.CreatedAt, _ = r.Time(o, path, "created_at")
	k.UpdatedAt, _ = r.Time(o, path, "updated_at")
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
func (Mapping) Decode(op platform.Operation, a *platform.Answer) (platform.Result, error) {
	var buf [16]jsonscan.Member // the top-level members: a key object has 11
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
		return decodeList(&op, o, secrets)
	case platform.KindGet, platform.KindUpdate, platform.KindTransition:
		return decodeOne(&op, o, secrets)
	}
	return platform.Result{}, errors.New("aitronos: unknown operation")
}

// decodeCreate reads the key object plus "key", the secret shown once. The
// key exists on the server by now, so the ID and the secret are read on
// their own: a field that fails to decode costs that field only, and the
// Result goes back with the error.
func decodeCreate(o jsonscan.Object, secrets []string) (platform.Result, error) {
	if o == nil {
		return platform.Result{}, errEmpty
	}
	r := newReader()
	ko, path := unwrap(o)
	secret := r.String(ko, path, "key")
	if secret == "" && path != "" {
		secret = r.String(o, "", "key")
	}
	k, _ := readKey(r, ko, path)
	scrub(&k, secrets)
	res := platform.Result{Key: k, Secret: secret}
	switch {
	case k.ID == "":
		return res, fieldError(path+"id", missing)
	case secret == "":
		return res, fieldError(path+"key", missing)
	}
	return res, r.Err
}

// decodeOne reads the answer to Get, Update or a transition. An answer with
// no key object (the DELETE answer, the short action answer, a wrapper
// without a key, an empty body) is a Partial key with what it held; its ID is
// the answer's, else the requested one.
func decodeOne(op *platform.Operation, o jsonscan.Object, secrets []string) (platform.Result, error) {
	r := newReader()
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
	return platform.Result{Key: k}, r.Err
}

// decodeList reads one page. The next cursor is the next page number while
// pagination.page < pagination.total_pages and this page was not empty;
// without pagination the walk stops here. A missing api_keys is an error,
// never an empty page.
func decodeList(op *platform.Operation, o jsonscan.Object, secrets []string) (platform.Result, error) {
	if o == nil || !o.Has("api_keys") {
		return platform.Result{}, fieldError("api_keys", "missing")
	}
	items, _ := o.Get("api_keys")
	if items[0] != '[' {
		return platform.Result{}, fieldError("api_keys", "not an array")
	}
	n := 0
	jsonscan.EachElement(items, func([]byte) { n++ })
	r := newReader()
	keys := make([]platform.Key, 0, n)
	var ko jsonscan.Object // reused: each element's members replace the last's
	i := 0
	jsonscan.EachElement(items, func(item []byte) {
		path := "api_keys[" + strconv.Itoa(i) + "]"
		i++
		if item[0] != '{' {
			r.Fail(path, "not a key object")
			return
		}
		ko = jsonscan.ObjectOf(item, ko[:0])
		k, _ := readKey(r, ko, path+".")
		if k.ID == "" {
			r.Fail(path+".id", missing) // a key without an ID cannot be acted on
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
	if o.Has("pagination") {
		p, ok := o.Sub("pagination")
		if !ok {
			r.Fail("pagination", "not an object")
		} else {
			// A server that does not echo the page is trusted to have
			// served the one asked for.
			if n, ok := r.Integer(p, "pagination.", "page"); ok && n >= 1 {
				page = n
			}
			if total, ok := r.Integer(p, "pagination.", "total_pages"); ok && n > 0 && page < total {
				next = strconv.Itoa(page + 1)
			}
		}
	}
	return platform.Result{Keys: keys, Next: next}, r.Err
}

// isFailure reports the failure envelope: "success" is false.
func isFailure(o jsonscan.Object) bool {
	raw, ok := o.Get("success")
	return ok && string(raw) == "false"
}

// failureOf is the *platform.Error of a 2xx failure envelope. Its Status is
// the envelope's own (the HTTP status said success). Its Class comes from the
// code, else from the envelope's status, else it is a server failure: the
// server said the call failed without saying why.
func failureOf(o jsonscan.Object, secrets []string) *platform.Error {
	e, _ := envelopeError(o)
	if eo, ok := o.Sub("error"); ok {
		r := newReader()
		if n, ok := r.Integer(eo, "", "status"); ok && n >= 400 && n <= 599 {
			e.Status = n
		}
	} else if e.Message == "" {
		e.Message = newReader().String(o, "", "message")
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
func (Mapping) DecodeError(_ platform.Operation, a *platform.Answer) platform.Error {
	var buf [16]jsonscan.Member
	o, err := parseAnswer(a.Body, buf[:0])
	if err != nil || o == nil {
		return platform.Error{}
	}
	if raw, ok := o.Get("success"); ok && string(raw) == "true" {
		return platform.Error{}
	}
	e, _ := envelopeError(o)
	return e
}

// envelopeError reads the "error" object; ok is false when there is none.
func envelopeError(o jsonscan.Object) (platform.Error, bool) {
	eo, ok := o.Sub("error")
	if !ok {
		return platform.Error{}, false
	}
	r := newReader() // a field of the wrong type is dropped, not fatal
	e := platform.Error{
		Code:          r.String(eo, "", "code"),
		Message:       r.String(eo, "", "message"),
		SystemMessage: r.String(eo, "", "system_message"),
		Type:          r.String(eo, "", "type"),
		TraceID:       r.String(eo, "", "trace_id"),
	}
	e.Timestamp, _ = r.Time(eo, "", "timestamp")
	if raw, ok := eo.Get("details"); ok && !jsonscan.IsNull(raw) {
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
	if !mayNameSecret(body) {
		return nil
	}
	var out []string
	s := jsonscan.New(bytes.TrimSpace(body))
	scanSecrets(&s, false, &out)
	return out
}

// mayNameSecret reports whether body could name a secret-bearing field: it
// holds "key", "token" or "value" in quotes, or an escape, behind which a
// name could hide ("\u006bey"). Most answers do not, and skip the walk.
func mayNameSecret(body []byte) bool {
	return bytes.IndexByte(body, '\\') >= 0 || bytes.Contains(body, []byte(`"key"`)) ||
		bytes.Contains(body, []byte(`"token"`)) || bytes.Contains(body, []byte(`"value"`))
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
