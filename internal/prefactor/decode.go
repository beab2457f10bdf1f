package prefactor

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// fieldError names the part of an answer that did not decode, never its
// bytes: a create's answer holds the secret.
type fieldError struct {
	field, problem string
}

func (e *fieldError) Error() string { return "prefactor: " + e.field + " " + e.problem }

var errNotObject = errors.New("prefactor: answer is not a JSON object")

// object decodes a JSON object into its members, matched by exact name (a
// struct would match "Token" or "ID" case-insensitively).
func object(b []byte) (map[string]json.RawMessage, bool) {
	var m map[string]json.RawMessage
	if json.Unmarshal(b, &m) != nil || m == nil {
		return nil, false
	}
	return m, true
}

// member returns m[name] unless it is absent or null.
func member(m map[string]json.RawMessage, name string) (json.RawMessage, bool) {
	raw, ok := m[name]
	if !ok || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, false
	}
	return raw, true
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
func (Mapping) Decode(op *platform.Operation, a *platform.Answer) (platform.Result, error) {
	top, ok := object(a.Body)
	if op.Kind == platform.KindTransition && op.Action == platform.ActionDelete {
		// The body is unused unless it is the failure envelope.
		if ok && isFailure(top) {
			e := envelopeError(top)
			return platform.Result{}, &e
		}
		return platform.Result{}, nil
	}
	if !ok {
		return platform.Result{}, errNotObject
	}
	if isFailure(top) {
		e := envelopeError(top)
		return platform.Result{}, &e
	}
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreate(top)
	case platform.KindList:
		return decodeList(op, top)
	}
	return decodeOne(op, top)
}

// decodeOne reads {"status":"success","details":{…}}, the answer of a get
// and of every action. No details is a decode error; details that are an
// object without an id are a Partial key with the requested ID.
func decodeOne(op *platform.Operation, top map[string]json.RawMessage) (platform.Result, error) {
	raw, ok := member(top, "details")
	if !ok {
		return platform.Result{}, &fieldError{"details", "missing"}
	}
	k, isObject, err := decodeToken(raw, "details")
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
func decodeCreate(top map[string]json.RawMessage) (platform.Result, error) {
	var res platform.Result
	var errs []error
	if raw, ok := member(top, "token"); !ok {
		errs = append(errs, &fieldError{"token", "missing"})
	} else if json.Unmarshal(raw, &res.Secret) != nil {
		res.Secret = ""
		errs = append(errs, &fieldError{"token", "is not a string"})
	} else if res.Secret == "" {
		errs = append(errs, &fieldError{"token", "is empty"})
	}
	if raw, ok := member(top, "details"); !ok {
		errs = append(errs, &fieldError{"details", "missing"})
	} else {
		k, _, err := decodeToken(raw, "details")
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
func decodeList(op *platform.Operation, top map[string]json.RawMessage) (platform.Result, error) {
	raw, ok := member(top, "summaries")
	if !ok {
		return platform.Result{}, &fieldError{"summaries", "missing"}
	}
	var items []json.RawMessage
	if json.Unmarshal(raw, &items) != nil {
		return platform.Result{}, &fieldError{"summaries", "is not an array"}
	}
	var res platform.Result
	var firstErr error
	res.Keys = make([]platform.Key, 0, len(items))
	for i, item := range items {
		where := "summaries[" + strconv.Itoa(i) + "]"
		k, _, err := decodeToken(item, where)
		if err == nil && k.ID == "" {
			err = &fieldError{where + ".id", "missing"}
		}
		if err != nil && firstErr == nil {
			firstErr = err
		}
		res.Keys = append(res.Keys, k)
	}
	if firstErr != nil {
		return res, firstErr
	}
	next, err := nextOffset(top)
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
func nextOffset(top map[string]json.RawMessage) (int64, error) {
	raw, ok := member(top, "pagination")
	if !ok {
		return -1, nil
	}
	p, ok := object(raw)
	if !ok {
		return -1, &fieldError{"pagination", "is not an object"}
	}
	raw, ok = member(p, "next_page_offset")
	if !ok {
		return -1, nil
	}
	var id platform.IntID
	if json.Unmarshal(raw, &id) != nil {
		return -1, &fieldError{"pagination.next_page_offset", "is not a non-negative integer"}
	}
	n, err := strconv.ParseInt(string(id), 10, 64)
	if err != nil {
		return -1, &fieldError{"pagination.next_page_offset", "is not a non-negative integer"}
	}
	return n, nil
}

// tokenFields decodes the members of one token object one by one, so that a
// member of the wrong type costs only itself; the first failure is kept,
// named by its path.
type tokenFields struct {
	m     map[string]json.RawMessage
	where string
	err   error
}

func (f *tokenFields) fail(name, problem string) {
	if f.err == nil {
		f.err = &fieldError{f.where + "." + name, problem}
	}
}

func (f *tokenFields) str(name string) string {
	raw, ok := member(f.m, name)
	if !ok {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		f.fail(name, "is not a string")
		return ""
	}
	return s
}

// time parses an RFC 3339 time, with or without a fraction; absent, null or
// "" is nil.
func (f *tokenFields) time(name string) *time.Time {
	s := f.str(name)
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		f.fail(name, "is not an RFC 3339 time")
		return nil
	}
	return &t
}

// actions turns the available_actions flags into SDK actions in SDK order.
// A present object gives a non-nil slice, empty when nothing is allowed;
// absent gives nil (unknown).
func (f *tokenFields) actions(name string) []string {
	raw, ok := member(f.m, name)
	if !ok {
		return nil
	}
	flags, ok := object(raw)
	if !ok {
		f.fail(name, "is not an object")
		return nil
	}
	out := []string{}
	for _, a := range availableActions {
		raw, ok := member(flags, a.vendor)
		if !ok {
			continue
		}
		var allowed bool
		if json.Unmarshal(raw, &allowed) != nil {
			f.fail(name+"."+a.vendor, "is not a boolean")
			continue
		}
		if allowed {
			out = append(out, a.sdk)
		}
	}
	return out
}

// decodeToken decodes a token object (ApiToken_Details or _Summary). It
// reports whether raw was an object at all; for an object the Key holds
// every member that decoded, with the first member that did not as the
// error. The vendor's token has no name, prefix or secret-bearing member;
// a "token" member anywhere here is ignored.
func decodeToken(raw json.RawMessage, where string) (platform.Key, bool, error) {
	m, ok := object(raw)
	if !ok {
		return platform.Key{}, false, &fieldError{where, "is not an object"}
	}
	f := tokenFields{m: m, where: where}
	var k platform.Key
	k.ID = f.str("id")
	k.OrganizationID = f.str("account_id")
	k.PlatformStatus = f.str("status")
	k.Status = statusWords[k.PlatformStatus]
	scope, env := f.str("token_scope"), f.str("environment_id")
	if scope == scopeEnvironment {
		// An environment_id on an account-scoped token restricts nothing,
		// so only an environment-scoped token has a project.
		k.ProjectID = env
	}
	k.CreatedBy = f.str("created_by_admin_user_id")
	if t := f.time("inserted_at"); t != nil {
		k.CreatedAt = *t
	}
	if t := f.time("updated_at"); t != nil {
		k.UpdatedAt = *t
	}
	k.LastUsedAt = f.time("last_used_at")
	k.ExpiresAt = f.time("expires_at")
	k.AvailableActions = f.actions("available_actions")
	if k.OrganizationID != "" || scope != "" || env != "" {
		k.Carry = carry{accountID: k.OrganizationID, tokenScope: scope, environmentID: env}
	}
	return k, true, f.err
}

// isFailure reports whether an answer is the failure envelope, which both
// documented error shapes mark with "status":"error".
func isFailure(top map[string]json.RawMessage) bool {
	raw, ok := member(top, "status")
	if !ok {
		return false
	}
	var s string
	return json.Unmarshal(raw, &s) == nil && s == "error"
}

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
func envelopeError(top map[string]json.RawMessage) platform.Error {
	var e platform.Error
	if raw, ok := member(top, "code"); ok {
		_ = json.Unmarshal(raw, &e.Code) // not a string: no code
	}
	if raw, ok := member(top, "message"); ok {
		_ = json.Unmarshal(raw, &e.Message)
	}
	if raw, ok := member(top, "errors"); ok {
		var v any
		if json.Unmarshal(raw, &v) == nil {
			e.Details = map[string]any{"errors": v}
		}
	}
	e.Class = classes[e.Code]
	return e
}

// DecodeError reads a non-2xx answer. Only the vendor's envelope (an object
// with "status":"error") is decoded; anything else is the zero Error and the
// HTTP status classifies it.
func (Mapping) DecodeError(_ *platform.Operation, a *platform.Answer) platform.Error {
	top, ok := object(a.Body)
	if !ok || !isFailure(top) {
		return platform.Error{}
	}
	return envelopeError(top)
}
