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
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
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
func (Mapping) Encode(op platform.Operation) (platform.Request, error) {
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

// parseObject reads a body that must be one JSON object. null reads as an
// object without members, as json.Unmarshal reads it into a struct; ok is
// false for anything else that is not an object, or not JSON.
func parseObject(body []byte, buf jsonscan.Object) (o jsonscan.Object, ok bool) {
	o, err := jsonscan.ParseObject(body, buf)
	return o, err == nil
}

// id decodes an integer ID through platform.IntID, never through float64.
func (f *fields) id(raw []byte) string {
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

func (f *fields) str(raw []byte, name string) string {
	if raw == nil || jsonscan.IsNull(raw) {
		return ""
	}
	s, ok := jsonscan.String(raw)
	if !ok {
		f.fail(name, "is not a string")
	}
	return s
}

// time parses an RFC 3339 time, with or without a fraction, into UTC;
// absent or null is nil.
func (f *fields) time(raw []byte, name string) *time.Time {
	if raw == nil || jsonscan.IsNull(raw) {
		return nil
	}
	s, ok := jsonscan.String(raw)
	if !ok {
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

// get is the raw value of the member name, nil when absent.
func get(o jsonscan.Object, name string) []byte {
	raw, _ := o.Get(name)
	return raw
}

// keyOf decodes the key object o field by field: a field of the wrong type
// costs that field (and names it in the error), never the key's ID. The
// status comes from archived_at alone (DESIGN.md: null is active, set is
// archived); an answer without the field does not say, so Status stays ""
// (the create answer is one). A set archived_at of the wrong type still
// reads as archived, with the error. The secret-bearing "key" is not read
// here: only a create answer's is (decodeCreated).
func keyOf(o jsonscan.Object, path string) (platform.Key, error) {
	f := fields{path: path}
	k := platform.Key{
		ID:     f.id(get(o, "id")),
		Name:   f.str(get(o, "name"), "name"),
		Prefix: f.str(get(o, "prefix"), "prefix"), // public: "prefix" is presented beside the secret
	}
	if t := f.time(get(o, "created_at"), "created_at"); t != nil {
		k.CreatedAt = *t
	}
	k.LastUsedAt = f.time(get(o, "last_used_at"), "last_used_at")
	switch archived := get(o, "archived_at"); {
	case archived == nil:
	case jsonscan.IsNull(archived):
		k.Status, k.PlatformStatus = platform.StatusActive, "archived_at=null"
	default:
		k.Status, k.PlatformStatus = platform.StatusArchived, "archived_at=set"
		k.ArchivedAt = f.time(archived, "archived_at")
	}
	return k, f.err
}

// Decode reads a 2xx answer, each member by its exact name. Sysevo documents
// no failure envelope, so no 2xx body is read as one. No error repeats the
// body's bytes.
func (Mapping) Decode(op platform.Operation, a *platform.Answer) (platform.Result, error) {
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
		return decodeTransition(&op, a.Body)
	}
	return platform.Result{}, fmt.Errorf("sysevo: no such operation %d", op.Kind)
}

// decodeCreated decodes the create answer. The key now exists on the server,
// so the ID and secret are decoded on their own and returned with any error
// in the rest.
func decodeCreated(body []byte) (platform.Result, error) {
	var buf [8]jsonscan.Member
	o, ok := parseObject(body, buf[:0])
	if !ok {
		return platform.Result{}, errNotObject
	}
	var res platform.Result
	var err error
	res.Key, err = keyOf(o, "") // the ID is decoded first: its failure is err
	f := fields{}
	res.Secret = f.str(get(o, "key"), "key")
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

// listItems returns the "api_keys" array of the list answer. An answer
// without it is an error, never an empty list; "api_keys": null is the
// empty list a server's nil slice gives (nil items, no error).
func listItems(body []byte) ([]byte, error) {
	var buf [4]jsonscan.Member
	o, ok := parseObject(body, buf[:0])
	if !ok {
		return nil, errNotObject
	}
	items, ok := o.Get("api_keys")
	switch {
	case !ok:
		return nil, errNoList
	case jsonscan.IsNull(items):
		return nil, nil
	case items[0] != '[':
		return nil, &fieldError{path: "api_keys", problem: "is not an array"}
	}
	return items, nil
}

// decodeList decodes the one answer that holds every key: one Key for each
// element, and the first failure among them.
func decodeList(body []byte) ([]platform.Key, error) {
	items, err := listItems(body)
	if err != nil {
		return nil, err
	}
	n := 0
	if items != nil {
		jsonscan.EachElement(items, func([]byte) { n++ })
	}
	keys := make([]platform.Key, 0, n)
	var first error
	var ko jsonscan.Object // reused: each element's members replace the last's
	jsonscan.EachElement(items, func(raw []byte) {
		i := len(keys)
		keys = append(keys, platform.Key{})
		if raw[0] != '{' {
			if first == nil {
				first = &fieldError{path: "api_keys[" + strconv.Itoa(i) + "]", problem: "is not a key object"}
			}
			return
		}
		ko = jsonscan.ObjectOf(raw, ko[:0])
		k, kerr := keyOf(ko, "")
		keys[i] = k
		if fe, ok := kerr.(*fieldError); ok && first == nil {
			// Read with no path, which would cost two strings a key; a
			// failure is given its place here.
			first = &fieldError{path: "api_keys[" + strconv.Itoa(i) + "]." + fe.path, problem: fe.problem}
		}
	})
	return keys, first
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
	items, err := listItems(body)
	if err != nil {
		return platform.Result{}, err
	}
	want := canonicalID(keyID)
	var found jsonscan.Object
	var ko jsonscan.Object
	jsonscan.EachElement(items, func(raw []byte) {
		if found != nil || raw[0] != '{' {
			return
		}
		ko = jsonscan.ObjectOf(raw, ko[:0])
		if isKey(ko, want) {
			found = ko
		}
	})
	if found == nil {
		return platform.Result{}, errNotFound()
	}
	k, err := keyOf(found, "")
	return platform.Result{Key: k}, err
}

// isKey reports whether the key object o has the ID want (canonical).
func isKey(o jsonscan.Object, want string) bool {
	raw, ok := o.Get("id")
	var id platform.IntID
	return ok && id.UnmarshalJSON(raw) == nil && canonicalID(string(id)) == want
}

// decodeTransition reads the answer of archive or reactivate, which Sysevo
// does not document. A body that holds this key (an object whose "id" is the
// key's) is decoded; anything else (an empty body, {}, a message, another
// key's object) is a Partial key in the action's target status, which the 2xx
// confirms.
func decodeTransition(op *platform.Operation, body []byte) (platform.Result, error) {
	partial := platform.Result{Key: platform.Key{ID: op.KeyID, Status: platform.Target(op.Action), Partial: true}}
	var buf [8]jsonscan.Member
	o, ok := parseObject(body, buf[:0])
	if !ok || !isKey(o, canonicalID(op.KeyID)) {
		return partial, nil
	}
	k, err := keyOf(o, "")
	return platform.Result{Key: k}, err
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
func (Mapping) DecodeError(platform.Operation, *platform.Answer) platform.Error {
	return platform.Error{}
}
