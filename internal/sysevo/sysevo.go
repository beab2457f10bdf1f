// Package sysevo is the platform mapping of Sysevo's organization API keys:
// paths under /organizations/api-keys, integer key IDs, one unpaged list
// answer {"api_keys":[…]}, archive as a soft DELETE and reactivate as a PUT.
//
// Sources: Sysevo's "API Keys" page (vendor-docs/sysevo-api-keys.txt: the
// endpoints, the list and create examples), the Sysevo section of
// vendor-docs/PLATFORMS.md, and DESIGN.md v2 (capabilities, transition table,
// status words). The vendor documents no base URL, no credential header, no
// get-one, no update, no error envelope and no answer of archive or
// reactivate; what the docs do not show is not invented: Get is one List
// call, and the action answers are read as a key only when they hold one.
package sysevo

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// Mapping implements platform.Mapping for Sysevo. The zero value is ready to
// use and holds no state.
type Mapping struct{}

var _ platform.Mapping = Mapping{}

// spec is DESIGN.md's Sysevo column. Base URL and credential header are
// undocumented, so the caller must give both (WithBaseURL, WithAuthHeader).
// An archived key is a soft delete (it leaves the default List), hence
// "archived" rather than "inactive". Nothing documents an idempotency key or
// a request-ID header.
var spec = platform.Spec{
	Name:           "sysevo",
	DefaultBaseURL: "",
	AuthHeader:     "",
	AuthScheme:     "",
	Organization:   platform.OrgNone,
	Get:            true, // by one List call: see Encode
	Update:         false,
	Actions:        []string{platform.ActionArchive, platform.ActionReactivate},
	Statuses:       []string{platform.StatusActive, platform.StatusArchived},
	Table: map[string][]string{
		platform.StatusActive:   {platform.ActionArchive},
		platform.StatusArchived: {platform.ActionReactivate},
	},
	CreateFields:  []string{platform.FieldName},
	ServerFilters: []string{platform.FieldIncludeArchived},
	MaxPageSize:   0, // one answer holds every key
	IntegerIDs:    true,
	Deduplicates:  false,
}

// Spec returns the platform's capabilities: one package-level value that
// nobody modifies.
func (Mapping) Spec() *platform.Spec { return &spec }

// collection is the path after the base URL, which the caller supplies.
const collection = "/organizations/api-keys"

// maxListBody bounds an answer that holds every key of the organization.
const maxListBody = 64 << 20

// Encode builds the request for op. The key ID is path-escaped (the client has
// already checked that it is decimal). Sysevo honours no idempotency key, so
// op.IdempotencyKey stays unsent and a create may be resent only when it
// surely did not arrive.
//
// Get is one List call: Sysevo documents no get-one endpoint, so Get lists
// every key, archived ones included, and Decode picks the one asked for. Its
// answer is the largest list there is, so it gets the List's body bound.
func (Mapping) Encode(op *platform.Operation) (platform.Request, error) {
	switch op.Kind {
	case platform.KindCreate:
		if op.Create == nil {
			return platform.Request{}, errors.New("sysevo: create without fields")
		}
		// Sysevo's create takes a name and nothing else, so no setting of
		// an old key can need carrying: op.Create.Carry is ignored.
		body, err := json.Marshal(createBody{Name: op.Create.Name})
		if err != nil {
			return platform.Request{}, err
		}
		return platform.Request{Method: http.MethodPost, Path: collection, Body: body, Retry: platform.RetryUnsent}, nil
	case platform.KindList:
		req := platform.Request{Method: http.MethodGet, Path: collection, Retry: platform.RetryAlways, MaxBody: maxListBody}
		// The default (false) is not sent: the docs give it as the default.
		if op.List != nil && op.List.IncludeArchived {
			req.RawQuery = "include_archived=true"
		}
		return req, nil
	case platform.KindGet:
		return platform.Request{
			Method: http.MethodGet, Path: collection, RawQuery: "include_archived=true",
			Retry: platform.RetryAlways, MaxBody: maxListBody,
		}, nil
	case platform.KindTransition:
		one := collection + "/" + url.PathEscape(op.KeyID)
		switch op.Action {
		case platform.ActionArchive:
			// "Archive a key (soft delete — reversible)".
			return platform.Request{Method: http.MethodDelete, Path: one, Retry: platform.RetryAlways}, nil
		case platform.ActionReactivate:
			// "No request body required": none is sent.
			return platform.Request{Method: http.MethodPut, Path: one + "/reactivate", Retry: platform.RetryAlways}, nil
		}
		return platform.Request{}, fmt.Errorf("sysevo: no such action %q", op.Action)
	case platform.KindUpdate:
		return platform.Request{}, errors.New("sysevo: update is not documented")
	}
	return platform.Request{}, fmt.Errorf("sysevo: no such operation %d", op.Kind)
}

type createBody struct {
	Name string `json:"name"`
}

// wireKey is Sysevo's key object, each field kept raw so that it is decoded
// on its own: a field of the wrong type costs that field (and names it in
// the error), never the key's ID. It is the reading of an answer that the
// fast path (typedKey) does not fit. The secret-bearing "key" is not here: only
// a create answer's is read (createdKey).
type wireKey struct {
	ID         json.RawMessage `json:"id"`
	Name       json.RawMessage `json:"name"`
	Prefix     json.RawMessage `json:"prefix"`
	CreatedAt  json.RawMessage `json:"created_at"`
	LastUsedAt json.RawMessage `json:"last_used_at"`
	ArchivedAt json.RawMessage `json:"archived_at"`
}

// createdKey is the create answer: the key object and the raw secret, shown
// once.
type createdKey struct {
	wireKey
	Secret json.RawMessage `json:"key"`
}

// typedKey is the key object as the common answer holds it, decoded in one
// json.Unmarshal with no field kept raw: the fast path. An answer it does not
// fit (a field of another type, an escaped or non-RFC 3339 time, a key
// without an ID) fails it, and that answer is read again field by field
// (wireKey), which names the field. typedKey matches names as wireKey does,
// so whenever it decodes, both read the same key.
type typedKey struct {
	ID         platform.IntID `json:"id"`
	Name       typedString    `json:"name"`
	Prefix     typedString    `json:"prefix"`
	CreatedAt  typedTime      `json:"created_at"`
	LastUsedAt typedTime      `json:"last_used_at"`
	ArchivedAt typedTime      `json:"archived_at"`
}

// typedCreated is the create answer on the fast path.
type typedCreated struct {
	typedKey
	Secret typedString `json:"key"`
}

// typedString is a string field on the fast path. A null sets it to "",
// where json.Unmarshal leaves a plain string as it was: a repeated field
// then reads as its last value, as wireKey's does.
type typedString string

func (s *typedString) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*s = ""
		return nil
	}
	// Most strings have neither escapes nor invalid UTF-8: a copy of their
	// bytes is what json.Unmarshal would give.
	if b[0] == '"' {
		if in := b[1 : len(b)-1]; bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
			*s = typedString(in)
			return nil
		}
	}
	var v string
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*s = typedString(v)
	return nil
}

// typedTime is a time field on the fast path: absent, null, or an RFC 3339
// time that time's strict reading accepts (which time.Parse, the field by
// field reading, accepts with the same instant). Anything else is an error
// that sends the answer to the field by field reading.
type typedTime struct {
	set, null bool
	t         time.Time
}

func (tt *typedTime) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*tt = typedTime{set: true, null: true}
		return nil
	}
	var t time.Time
	if err := t.UnmarshalJSON(b); err != nil {
		return err
	}
	*tt = typedTime{set: true, t: t.UTC()}
	return nil
}

// ptr is the time, nil when absent or null.
func (tt *typedTime) ptr() *time.Time {
	if !tt.set || tt.null {
		return nil
	}
	t := tt.t
	return &t
}

// key is wireKey.key for an answer that decoded on the fast path, where no
// field can fail.
func (w *typedKey) key() platform.Key {
	k := platform.Key{ID: string(w.ID), Name: string(w.Name), Prefix: string(w.Prefix), CreatedAt: w.CreatedAt.t, LastUsedAt: w.LastUsedAt.ptr()}
	switch {
	case !w.ArchivedAt.set:
	case w.ArchivedAt.null:
		k.Status, k.PlatformStatus = platform.StatusActive, "archived_at=null"
	default:
		k.Status, k.PlatformStatus = platform.StatusArchived, "archived_at=set"
		k.ArchivedAt = w.ArchivedAt.ptr()
	}
	return k
}

// typedList decodes the list answer on the fast path; ok is false when the
// answer must be read field by field (including an answer without
// "api_keys" or with "api_keys": null, which that reading names or reads as
// empty).
func typedList(body []byte) (keys []typedKey, ok bool) {
	if !listNamedOnce(body) {
		return nil, false
	}
	var w struct {
		APIKeys []typedKey `json:"api_keys"`
	}
	if json.Unmarshal(body, &w) != nil || w.APIKeys == nil {
		return nil, false
	}
	for i := range w.APIKeys {
		if w.APIKeys[i].ID == "" { // absent, or a null element: the reading names it
			return nil, false
		}
	}
	return w.APIKeys, true
}

// listNamedOnce reports that body names "api_keys" at most once, as
// json.Unmarshal matches names: ASCII case folded, escapes undone, and the
// Kelvin sign and long s folded to k and s. A repeated "api_keys" would be
// decoded into the first one's elements, keeping the fields the second
// lacks, where wireKey keeps only the last; such a body (or one with an
// escape or either sign anywhere) takes the field by field reading.
func listNamedOnce(body []byte) bool {
	if bytes.IndexByte(body, '\\') >= 0 || bytes.Contains(body, []byte("\u212a")) || bytes.Contains(body, []byte("\u017f")) {
		return false
	}
	n := 0
	for i := 0; ; i++ {
		j := bytes.IndexByte(body[i:], '_')
		if j < 0 {
			return n <= 1
		}
		i += j
		if i >= 3 && i+5 <= len(body) && strings.EqualFold(string(body[i-3:i+5]), "api_keys") {
			n++
		}
	}
}

// fieldError names the part of the answer that did not decode, never its
// bytes (a create answer holds the secret).
type fieldError struct {
	path    string // "created_at", "api_keys[3].id"
	problem string // "is not an integer", "is missing", …
}

func (e *fieldError) Error() string { return "sysevo: " + e.path + " " + e.problem }

// Bodies that decode but lack what the operation must return.
var (
	errNotObject = errors.New("sysevo: the answer is not a JSON object")
	errNoList    = errors.New(`sysevo: the list answer has no "api_keys" field`)
	errNoSecret  = errors.New(`sysevo: the create answer has no "key"`)
)

// fields decodes the fields of one key object, keeping the first failure.
type fields struct {
	path string // "" or "api_keys[3]."
	err  error
}

func (f *fields) fail(name, problem string) {
	if f.err == nil {
		f.err = &fieldError{path: f.path + name, problem: problem}
	}
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// id decodes an integer ID through platform.IntID, never through float64.
func (f *fields) id(raw json.RawMessage) string {
	if raw == nil {
		f.fail("id", "is missing")
		return ""
	}
	var id platform.IntID
	if id.UnmarshalJSON(raw) != nil {
		f.fail("id", "is not an integer")
		return ""
	}
	return string(id)
}

func (f *fields) str(raw json.RawMessage, name string) string {
	if raw == nil || isNull(raw) {
		return ""
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		f.fail(name, "is not a string")
	}
	return s
}

// time parses an RFC 3339 time, with or without a fraction, into UTC;
// absent or null is nil.
func (f *fields) time(raw json.RawMessage, name string) *time.Time {
	if raw == nil || isNull(raw) {
		return nil
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		f.fail(name, "is not an RFC 3339 time")
		return nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		f.fail(name, "is not an RFC 3339 time")
		return nil
	}
	t = t.UTC()
	return &t
}

// key decodes w. The status comes from archived_at alone (DESIGN.md: null is
// active, set is archived); an answer without the field does not say, so
// Status stays "" (the create answer is one). A set archived_at of the wrong
// type still reads as archived, with the error.
func (w *wireKey) key(path string) (platform.Key, error) {
	f := fields{path: path}
	k := platform.Key{
		ID:     f.id(w.ID),
		Name:   f.str(w.Name, "name"),
		Prefix: f.str(w.Prefix, "prefix"), // public: "prefix" is presented beside the secret
	}
	if t := f.time(w.CreatedAt, "created_at"); t != nil {
		k.CreatedAt = *t
	}
	k.LastUsedAt = f.time(w.LastUsedAt, "last_used_at")
	switch {
	case w.ArchivedAt == nil:
	case isNull(w.ArchivedAt):
		k.Status, k.PlatformStatus = platform.StatusActive, "archived_at=null"
	default:
		k.Status, k.PlatformStatus = platform.StatusArchived, "archived_at=set"
		k.ArchivedAt = f.time(w.ArchivedAt, "archived_at")
	}
	return k, f.err
}

// Decode reads a 2xx answer. Sysevo documents no failure envelope, so no 2xx
// body is read as one. json's own errors are never passed on: a syntax error
// quotes the body's bytes.
func (Mapping) Decode(op *platform.Operation, a *platform.Answer) (platform.Result, error) {
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreated(a.Body)
	case platform.KindList:
		keys, err := decodeList(a.Body)
		return platform.Result{Keys: keys}, err // no paging: Next stays ""
	case platform.KindGet:
		return decodeGet(op.KeyID, a.Body)
	case platform.KindTransition:
		if op.Action == platform.ActionDelete {
			return platform.Result{}, nil // no failure envelope to look for
		}
		return decodeTransition(op, a.Body)
	}
	return platform.Result{}, fmt.Errorf("sysevo: no such operation %d", op.Kind)
}

// decodeCreated decodes the create answer. The key now exists on the server,
// so the ID and secret are decoded on their own and returned with any error
// in the rest.
func decodeCreated(body []byte) (platform.Result, error) {
	var t typedCreated
	if json.Unmarshal(body, &t) == nil && t.ID != "" && t.Secret != "" {
		return platform.Result{Key: t.key(), Secret: string(t.Secret)}, nil
	}
	var w createdKey
	if json.Unmarshal(body, &w) != nil {
		return platform.Result{}, errNotObject
	}
	var res platform.Result
	var err error
	res.Key, err = w.key("") // the ID is decoded first: its failure is err
	f := fields{}
	res.Secret = f.str(w.Secret, "key")
	switch {
	case res.Key.ID == "":
		return res, err
	case f.err != nil:
		return res, f.err
	case res.Secret == "":
		return res, errNoSecret
	}
	return res, err
}

// decodeList decodes the one answer that holds every key. An answer without
// "api_keys" is an error, never an empty list; "api_keys": null is the empty
// list a server's nil slice gives.
func decodeList(body []byte) ([]platform.Key, error) {
	if typed, ok := typedList(body); ok {
		keys := make([]platform.Key, len(typed))
		for i := range typed {
			keys[i] = typed[i].key()
		}
		return keys, nil
	}
	elems, err := listElems(body)
	if err != nil {
		return nil, err
	}
	keys := make([]platform.Key, len(elems))
	var first error
	for i, raw := range elems {
		path := "api_keys[" + strconv.Itoa(i) + "]"
		var w wireKey
		if json.Unmarshal(raw, &w) != nil || isNull(raw) {
			if first == nil {
				first = &fieldError{path: path, problem: "is not a key object"}
			}
			continue
		}
		var kerr error
		keys[i], kerr = w.key(path + ".")
		if first == nil {
			first = kerr
		}
	}
	return keys, first
}

func listElems(body []byte) ([]json.RawMessage, error) {
	var w struct {
		APIKeys json.RawMessage `json:"api_keys"`
	}
	if json.Unmarshal(body, &w) != nil {
		return nil, errNotObject
	}
	if w.APIKeys == nil {
		return nil, errNoList
	}
	var elems []json.RawMessage
	if json.Unmarshal(w.APIKeys, &elems) != nil {
		return nil, &fieldError{path: "api_keys", problem: "is not an array"}
	}
	return elems, nil
}

// errNotFound is Get's answer when the list does not hold the key: what a
// get-one endpoint would have answered with a 404.
func errNotFound() error {
	return &platform.Error{Status: http.StatusNotFound, Class: platform.ClassNotFound, Message: "API key not found"}
}

// decodeGet picks op.KeyID out of the list answer that Get's one List call
// asked for. Other entries are read for their ID only: one malformed key
// must not hide the one asked for.
func decodeGet(keyID string, body []byte) (platform.Result, error) {
	want := canonicalID(keyID)
	if typed, ok := typedList(body); ok {
		for i := range typed {
			if canonicalID(string(typed[i].ID)) == want {
				return platform.Result{Key: typed[i].key()}, nil
			}
		}
		return platform.Result{}, errNotFound()
	}
	elems, err := listElems(body)
	if err != nil {
		return platform.Result{}, err
	}
	for _, raw := range elems {
		var w wireKey
		if json.Unmarshal(raw, &w) != nil || w.ID == nil {
			continue
		}
		var id platform.IntID
		if id.UnmarshalJSON(w.ID) != nil || canonicalID(string(id)) != want {
			continue
		}
		k, err := w.key("")
		return platform.Result{Key: k}, err
	}
	return platform.Result{}, errNotFound()
}

// decodeTransition reads the answer of archive or reactivate, which Sysevo
// does not document. A body that holds this key (an object whose "id" is the
// key's) is decoded; anything else (an empty body, {}, a message, another
// key's object) is a Partial key in the action's target status, which the 2xx
// confirms.
func decodeTransition(op *platform.Operation, body []byte) (platform.Result, error) {
	partial := platform.Result{Key: platform.Key{ID: op.KeyID, Status: platform.Target(op.Action), Partial: true}}
	// The documented answer is empty (204): no JSON to decode.
	if len(bytes.TrimSpace(body)) == 0 {
		return partial, nil
	}
	var t typedKey
	if json.Unmarshal(body, &t) == nil {
		if t.ID == "" || canonicalID(string(t.ID)) != canonicalID(op.KeyID) {
			return partial, nil
		}
		return platform.Result{Key: t.key()}, nil
	}
	var w wireKey
	if json.Unmarshal(body, &w) == nil && w.ID != nil {
		var id platform.IntID
		if id.UnmarshalJSON(w.ID) == nil && canonicalID(string(id)) == canonicalID(op.KeyID) {
			k, err := w.key("")
			return platform.Result{Key: k}, err
		}
	}
	return partial, nil
}

// canonicalID drops leading zeros, so that "042" asked for is the key 42.
func canonicalID(id string) string {
	if t := strings.TrimLeft(id, "0"); t != "" {
		return t
	}
	if id == "" {
		return ""
	}
	return "0"
}

// DecodeError reads a non-2xx answer. Sysevo documents no error envelope: the
// HTTP status alone classifies the failure (the client keeps the body), so
// the Error is always zero.
func (Mapping) DecodeError(*platform.Operation, *platform.Answer) platform.Error {
	return platform.Error{}
}
