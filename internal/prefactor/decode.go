package prefactor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// fieldError names the part of an answer that did not decode, never its
// bytes: a create's answer holds the secret.
type fieldError struct {
	field, problem string
}

func (e *fieldError) Error() string { return "prefactor: " + e.field + " " + e.problem }

var errNotObject = errors.New("prefactor: answer is not a JSON object")

// answer is the members of an answer that the mapping reads, each as its
// JSON text (nil when absent). A repeated member replaces the earlier one,
// as in a map.
type answer struct {
	status, code, message, errors []byte
	details, token                []byte
	summaries, pagination         []byte
}

// readAnswer reads the top-level members of body in one pass; ok is false
// unless body is a JSON object.
func readAnswer(body []byte) (a answer, ok bool) {
	if !jsonscan.Valid(body) {
		return answer{}, false
	}
	s := jsonscan.New(body)
	ok = s.Members(func(name []byte) bool {
		v, more := s.Value()
		switch string(name) {
		case "status":
			a.status = v
		case "code":
			a.code = v
		case "message":
			a.message = v
		case "errors":
			a.errors = v
		case "details":
			a.details = v
		case "token":
			a.token = v
		case "summaries":
			a.summaries = v
		case "pagination":
			a.pagination = v
		}
		return more
	})
	return a, ok
}

// wireToken is ApiToken_Details (or _Summary) member by member, each as its
// JSON text.
type wireToken struct {
	id, accountID, status, tokenScope, environmentID, createdBy []byte
	insertedAt, updatedAt, lastUsedAt, expiresAt                []byte
	availableActions                                            []byte
}

// wireActions is available_actions, flag by flag.
type wireActions struct {
	activate, suspend, revoke, delete []byte
}

// statusWords normalizes the vendor's token statuses; suspended is the
// reversible off state, so inactive. Any other word leaves Status "".
var statusWords = map[string]string{
	"active":    platform.StatusActive,
	"suspended": platform.StatusInactive,
	"revoked":   platform.StatusRevoked,
}

// availableActions are the vendor's available_actions flags in the SDK's
// action order, with the SDK's word for each.
var availableActions = [...]struct{ vendor, sdk string }{
	{"activate", platform.ActionActivate},
	{"suspend", platform.ActionDeactivate},
	{"revoke", platform.ActionRevoke},
	{"delete", platform.ActionDelete},
}

// Decode reads a 2xx answer to op.
func (Mapping) Decode(op platform.Operation, a *platform.Answer) (platform.Result, error) {
	top, ok := readAnswer(a.Body)
	if op.Kind == platform.KindTransition && op.Action == platform.ActionDelete {
		// The body is unused unless it is the failure envelope.
		if ok && top.isFailure() {
			e := top.envelopeError()
			return platform.Result{}, &e
		}
		return platform.Result{}, nil
	}
	if !ok {
		return platform.Result{}, errNotObject
	}
	if top.isFailure() {
		e := top.envelopeError()
		return platform.Result{}, &e
	}
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreate(&top)
	case platform.KindList:
		return decodeList(&op, &top)
	}
	return decodeOne(&op, &top)
}

// decodeOne reads {"status":"success","details":{…}}, the answer of a get
// and of every action. No details is a decode error; details that are an
// object without an id are a Partial key with the requested ID.
func decodeOne(op *platform.Operation, top *answer) (platform.Result, error) {
	if isNull(top.details) {
		return platform.Result{}, &fieldError{"details", "missing"}
	}
	k, isObject, err := decodeToken(top.details, "details", -1)
	if !isObject {
		return platform.Result{}, err
	}
	if k.ID == "" {
		k.ID, k.Partial = op.KeyID, true
	}
	return platform.Result{Key: k}, err
}

// decodeCreate reads {"status":"success","details":{…},"token":"…"}. The
// token now exists on the server, so its ID and secret are decoded on their
// own: a field that fails to decode is reported with them, never instead of
// them. A secret without an ID is returned too: losing it helps nobody.
func decodeCreate(top *answer) (platform.Result, error) {
	var res platform.Result
	var errs []error
	secret, isString := jsonscan.String(top.token)
	switch {
	case isNull(top.token):
		errs = append(errs, &fieldError{"token", "missing"})
	case !isString:
		errs = append(errs, &fieldError{"token", "is not a string"})
	case secret == "":
		errs = append(errs, &fieldError{"token", "is empty"})
	default:
		res.Secret = secret
	}
	if isNull(top.details) {
		errs = append(errs, &fieldError{"details", "missing"})
	} else {
		k, _, err := decodeToken(top.details, "details", -1)
		res.Key = k
		if err != nil {
			errs = append(errs, err)
		} else if k.ID == "" {
			errs = append(errs, &fieldError{"details.id", "missing"})
		}
	}
	return res, errors.Join(errs...)
}

// decodeList reads {"status":"success","summaries":[…],"pagination":{…}|null}.
// The next cursor is next_page_offset as decimal text; null (or a null
// pagination, or an empty page) ends the list. An offset that does not pass
// the current one is an error, so a confused server cannot make List loop.
func decodeList(op *platform.Operation, top *answer) (platform.Result, error) {
	if isNull(top.summaries) {
		return platform.Result{}, &fieldError{"summaries", "missing"}
	}
	if top.summaries[0] != '[' {
		return platform.Result{}, &fieldError{"summaries", "is not an array"}
	}
	res := platform.Result{Keys: []platform.Key{}}
	var firstErr error
	s := jsonscan.New(top.summaries)
	s.Elements(func(i int) bool {
		item, more := s.Value()
		k, _, err := decodeToken(item, "summaries", i)
		if err == nil && k.ID == "" {
			err = &fieldError{"summaries[" + strconv.Itoa(i) + "].id", "missing"}
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		res.Keys = append(res.Keys, k)
		return more
	})
	if firstErr != nil {
		return res, firstErr
	}
	next, err := nextOffset(top.pagination)
	if err != nil {
		return res, err
	}
	if next < 0 || len(res.Keys) == 0 {
		return res, nil
	}
	var current int64
	if op.List != nil {
		current, _ = cursorOffset(op.List.Cursor)
	}
	if next <= current {
		return res, &fieldError{"pagination.next_page_offset", "does not advance past the requested offset"}
	}
	res.Next = strconv.FormatInt(next, 10)
	return res, nil
}

// nextOffset is pagination.next_page_offset, or -1 on the last page.
func nextOffset(pagination []byte) (int64, error) {
	if isNull(pagination) {
		return -1, nil
	}
	var raw []byte
	s := jsonscan.New(pagination)
	isObject := s.Members(func(name []byte) bool {
		v, more := s.Value()
		if string(name) == "next_page_offset" {
			raw = v
		}
		return more
	})
	if !isObject {
		return -1, &fieldError{"pagination", "is not an object"}
	}
	if isNull(raw) {
		return -1, nil
	}
	var id platform.IntID
	if id.UnmarshalJSON(raw) != nil {
		return -1, &fieldError{"pagination.next_page_offset", "is not a non-negative integer"}
	}
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil {
		return -1, &fieldError{"pagination.next_page_offset", "is not a non-negative integer"}
	}
	return n, nil
}

// tokenFields decodes the members of one token one by one, so that a
// member of the wrong type costs only itself; the first failure is kept,
// named by its path. The path is built only then: index is the summary's,
// or -1 for details.
type tokenFields struct {
	where string
	index int
	err   error
}

func (f *tokenFields) path() string {
	if f.index < 0 {
		return f.where
	}
	return f.where + "[" + strconv.Itoa(f.index) + "]"
}

func (f *tokenFields) fail(name, problem string) {
	if f.err == nil {
		f.err = &fieldError{f.path() + "." + name, problem}
	}
}

func (f *tokenFields) str(v []byte, name string) string {
	s, isString := jsonscan.String(v)
	if !isString && !isNull(v) {
		f.fail(name, "is not a string")
	}
	return s
}

// word is str for a member whose usual values are the vendor's words, which
// it returns without allocating.
func (f *tokenFields) word(v []byte, name string) string {
	for _, w := range [...]string{"active", "suspended", "revoked", scopeAccount, scopeEnvironment} {
		if is(v, w) {
			return w
		}
	}
	return f.str(v, name)
}

// time parses an RFC 3339 time, with or without a fraction, into UTC as
// every mapping reports times; absent, null or "" is nil.
func (f *tokenFields) time(v []byte, name string) *time.Time {
	if isNull(v) {
		return nil
	}
	var t time.Time
	// The strict RFC 3339 of time.Time's own decoding reads the bytes
	// without a copy; what it refuses goes through time.Parse, as before.
	if t.UnmarshalJSON(v) != nil {
		s := f.str(v, name)
		if s == "" {
			return nil
		}
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			f.fail(name, "is not an RFC 3339 time")
			return nil
		}
	}
	t = t.UTC()
	return &t
}

// actions turns the available_actions flags into SDK actions in SDK order.
// A present object gives a non-nil slice, empty when nothing is allowed;
// absent gives nil (unknown).
func (f *tokenFields) actions(v []byte, name string) []string {
	if isNull(v) {
		return nil
	}
	var w wireActions
	s := jsonscan.New(v)
	isObject := s.Members(func(flag []byte) bool {
		b, more := s.Value()
		switch string(flag) {
		case "activate":
			w.activate = b
		case "suspend":
			w.suspend = b
		case "revoke":
			w.revoke = b
		case "delete":
			w.delete = b
		}
		return more
	})
	if !isObject {
		f.fail(name, "is not an object")
		return nil
	}
	out := make([]string, 0, len(availableActions))
	for i, b := range [...][]byte{w.activate, w.suspend, w.revoke, w.delete} {
		switch {
		case isNull(b):
		case string(b) == "true":
			out = append(out, availableActions[i].sdk)
		case string(b) != "false":
			f.fail(name+"."+availableActions[i].vendor, "is not a boolean")
		}
	}
	return out
}

// decodeToken decodes a token object (ApiToken_Details or _Summary), at
// where (with its index in a list, else -1). It reports whether raw was an
// object at all; for an object the Key holds every member that decoded,
// with the first member that did not as the error. The vendor's token has
// no name, prefix or secret-bearing member; a "token" member anywhere here
// is ignored.
func decodeToken(raw []byte, where string, index int) (platform.Key, bool, error) {
	f := tokenFields{where: where, index: index}
	var w wireToken
	s := jsonscan.New(raw)
	isObject := s.Members(func(name []byte) bool {
		v, more := s.Value()
		switch string(name) {
		case "id":
			w.id = v
		case "account_id":
			w.accountID = v
		case "status":
			w.status = v
		case "token_scope":
			w.tokenScope = v
		case "environment_id":
			w.environmentID = v
		case "created_by_admin_user_id":
			w.createdBy = v
		case "inserted_at":
			w.insertedAt = v
		case "updated_at":
			w.updatedAt = v
		case "last_used_at":
			w.lastUsedAt = v
		case "expires_at":
			w.expiresAt = v
		case "available_actions":
			w.availableActions = v
		}
		return more
	})
	if !isObject {
		return platform.Key{}, false, &fieldError{f.path(), "is not an object"}
	}
	var k platform.Key
	k.ID = f.str(w.id, "id")
	k.OrganizationID = f.str(w.accountID, "account_id")
	k.PlatformStatus = f.word(w.status, "status")
	k.Status = statusWords[k.PlatformStatus]
	scope, env := f.word(w.tokenScope, "token_scope"), f.str(w.environmentID, "environment_id")
	if scope == scopeEnvironment {
		// An environment_id on an account-scoped token restricts nothing,
		// so only an environment-scoped token has a project.
		k.ProjectID = env
	}
	k.CreatedBy = f.str(w.createdBy, "created_by_admin_user_id")
	if t := f.time(w.insertedAt, "inserted_at"); t != nil {
		k.CreatedAt = *t
	}
	if t := f.time(w.updatedAt, "updated_at"); t != nil {
		k.UpdatedAt = *t
	}
	k.LastUsedAt = f.time(w.lastUsedAt, "last_used_at")
	k.ExpiresAt = f.time(w.expiresAt, "expires_at")
	k.AvailableActions = f.actions(w.availableActions, "available_actions")
	if k.OrganizationID != "" || scope != "" || env != "" {
		k.Carry = carry{accountID: k.OrganizationID, tokenScope: scope, environmentID: env}
	}
	return k, true, f.err
}

// isNull reports whether v is absent (nil) or null: for every member this
// mapping reads, the two mean the same.
func isNull(v []byte) bool { return v == nil || jsonscan.IsNull(v) }

// is reports whether the JSON string v says word, without allocating for
// the usual unescaped spelling.
func is(v []byte, word string) bool {
	if len(v) == len(word)+2 && v[0] == '"' && string(v[1:len(v)-1]) == word {
		return true
	}
	if bytes.IndexByte(v, '\\') < 0 {
		return false
	}
	s, _ := jsonscan.String(v)
	return s == word
}

// isFailure reports whether an answer is the failure envelope, which both
// documented error shapes mark with "status":"error".
func (a *answer) isFailure() bool { return is(a.status, "error") }

// classes maps the vendor's error codes to the SDK's classes; other codes
// (not_implemented, unknown, …) leave the HTTP status to classify.
var classes = map[string]platform.Class{
	"not_found":         platform.ClassNotFound,
	"invalid_action":    platform.ClassInvalidTransition,
	"validation_errors": platform.ClassInvalidParams,
	"bad_request":       platform.ClassInvalidParams,
	"not_authenticated": platform.ClassUnauthorized,
	"bad_authtoken":     platform.ClassUnauthorized,
	"not_permitted":     platform.ClassForbidden,
}

// envelopeError reads {"status":"error","code","message"} and its
// validation form, whose "errors" (of undocumented shape) is kept as
// Details["errors"]. A member of the wrong type is dropped rather than
// losing the code. The envelope names no HTTP status, so Status stays 0.
func (a *answer) envelopeError() platform.Error {
	var e platform.Error
	// Not a string is "": the code and message are read on their own.
	e.Code, _ = jsonscan.String(a.code)
	e.Message, _ = jsonscan.String(a.message)
	if !isNull(a.errors) {
		var v any
		if json.Unmarshal(a.errors, &v) == nil {
			e.Details = map[string]any{"errors": v}
		}
	}
	e.Class = classes[e.Code]
	return e
}

// DecodeError reads a non-2xx answer. Only the vendor's envelope (an object
// with "status":"error") is decoded; anything else is the zero Error and the
// HTTP status classifies it.
func (Mapping) DecodeError(_ platform.Operation, a *platform.Answer) platform.Error {
	top, ok := readAnswer(a.Body)
	if !ok || !top.isFailure() {
		return platform.Error{}
	}
	return top.envelopeError()
}
