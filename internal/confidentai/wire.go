package confidentai

import (
	"bytes"
	"encoding/json"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// decodeError names the part of an answer that failed and how, in words of
// this package only: it never holds the answer's bytes (a create answer
// holds a secret; encoding/json's own errors quote values).
type decodeError struct {
	field   string // "data.apiKey.created_at"; "" for the value itself
	problem string
}

func (e *decodeError) Error() string {
	if e.field == "" {
		return "confident-ai: answer: " + e.problem
	}
	return "confident-ai: answer field " + e.field + ": " + e.problem
}

// at returns e with its field placed under prefix, or a nil error for a nil
// e (so that it never becomes a non-nil interface holding a nil pointer).
func (e *decodeError) at(prefix string) error {
	if e == nil {
		return nil
	}
	f := prefix
	if e.field != "" {
		f += "." + e.field
	}
	return &decodeError{f, e.problem}
}

// The problems a decodeError reports.
const (
	problemSyntax    = "not valid JSON"
	problemObject    = "not a JSON object"
	problemArray     = "not a JSON array"
	problemMissing   = "missing"
	problemString    = "not a string or null"
	problemBool      = "not a boolean or null"
	problemID        = "not a non-negative integer"
	problemTime      = "not an RFC 3339 time or null"
	problemSecret    = "not a string"
	problemEmpty     = "empty"
	problemMasked    = "masked: the answer holds no secret"
	problemNotDelete = "false: the key was not deleted"
)

func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// envelope is what Decode needs of {"success":…,"error":…,"data":{…}}.
// Members are matched by their exact names, and a repeated member replaces
// the earlier one, as encoding/json does for a map.
type envelope struct {
	success *bool  // nil when absent or not a boolean
	message string // "error" when it is a string

	apiKey json.RawMessage // data.apiKey as written; nil when absent or null

	listSet bool           // data.apiKeys was an array (List only)
	listBad bool           // data.apiKeys was present but not an array
	keys    []platform.Key // its keys that have an ID
	listErr error          // the first key that failed, by field

	valid   *bool // data.valid, for an answer that is not a key object
	deleted *bool // data.deleted, the delete answer

	dataBad bool  // "data" was present but not an object
	err     error // the body is not JSON or not an object; what was read before stays
}

// apiKeyError is the error of an answer without data.apiKey (absent or
// null); one that is there but not an object fails in decodeKey.
func (env *envelope) apiKeyError(field string) error {
	if env.dataBad {
		return &decodeError{"data", problemObject}
	}
	return &decodeError{field, problemMissing}
}

func (env *envelope) listError() error {
	switch {
	case env.listBad:
		return &decodeError{"data.apiKeys", problemArray}
	case env.dataBad:
		return &decodeError{"data", problemObject}
	}
	return &decodeError{"data.apiKeys", problemMissing}
}

// readEnvelope reads body as a stream of tokens rather than unmarshaling it
// whole, so a List answer of tens of MiB is decoded key by key, never copied
// into intermediate maps at every level. Only List reads data.apiKeys.
func readEnvelope(body []byte, list bool) (env envelope) {
	dec := json.NewDecoder(bytes.NewReader(body))
	isObject, err := members(dec, func(name string) error {
		switch name {
		case "success":
			raw, err := rawValue(dec)
			if b, ok := boolOf(raw); ok {
				env.success = &b
			} else {
				env.success = nil
			}
			return err
		case "error":
			raw, err := rawValue(dec)
			env.message, _ = stringOf(raw)
			return err
		case "data":
			return env.readData(dec, list)
		}
		return skipValue(dec)
	})
	switch {
	case err != nil:
		env.err = err
	case !isObject:
		env.err = &decodeError{"", problemObject}
	default:
		if _, err := dec.Token(); err != io.EOF { // something after the object
			env.err = &decodeError{"", problemSyntax}
		}
	}
	return env
}

func (env *envelope) readData(dec *json.Decoder, list bool) error {
	// A repeated "data" replaces the earlier one.
	env.apiKey = nil
	env.listSet, env.listBad, env.keys, env.listErr = false, false, nil, nil
	env.valid, env.deleted = nil, nil
	isObject, err := members(dec, func(name string) error {
		switch name {
		case "apiKey":
			raw, err := rawValue(dec)
			env.apiKey = nil
			if !isNull(raw) {
				env.apiKey = raw
			}
			return err
		case "apiKeys":
			if list {
				return env.readList(dec)
			}
		case "valid", "deleted":
			raw, err := rawValue(dec)
			var p *bool
			if b, ok := boolOf(raw); ok {
				p = &b
			}
			if name == "valid" {
				env.valid = p
			} else {
				env.deleted = p
			}
			return err
		}
		return skipValue(dec)
	})
	env.dataBad = err == nil && !isObject
	return err
}

// readList decodes data.apiKeys one element at a time. A key without a
// usable ID is left out (it could not be addressed); a key with another
// field that failed is kept without that field. Either way the first
// failure, by field, is the list's error.
func (env *envelope) readList(dec *json.Decoder) error {
	env.listSet, env.listBad, env.keys, env.listErr = false, false, nil, nil
	tok, err := dec.Token()
	if err != nil {
		return &decodeError{"", problemSyntax}
	}
	if tok != json.Delim('[') {
		env.listBad = true
		if tok == json.Delim('{') {
			return skipRest(dec)
		}
		return nil
	}
	keys := []platform.Key{}
	for i := 0; dec.More(); i++ {
		raw, err := rawValue(dec)
		if err != nil {
			return err
		}
		k, _, kerr := decodeKey(raw, false)
		if kerr != nil && env.listErr == nil {
			env.listErr = kerr.at("data.apiKeys[" + strconv.Itoa(i) + "]")
		}
		if k.ID != "" {
			keys = append(keys, k)
		}
	}
	if _, err := dec.Token(); err != nil {
		return &decodeError{"", problemSyntax}
	}
	env.listSet, env.keys = true, keys
	return nil
}

// members reads one JSON value from dec. When it is an object it calls fn
// with each member's name; fn consumes the member's value. When it is not,
// the value is consumed and isObject is false. Only a syntax error (or fn's
// error) is an error.
func members(dec *json.Decoder, fn func(name string) error) (isObject bool, err error) {
	tok, err := dec.Token()
	if err != nil {
		return false, &decodeError{"", problemSyntax}
	}
	if tok != json.Delim('{') {
		if tok == json.Delim('[') {
			return false, skipRest(dec)
		}
		return false, nil
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return true, &decodeError{"", problemSyntax}
		}
		name, _ := tok.(string)
		if err := fn(name); err != nil {
			return true, err
		}
	}
	if _, err := dec.Token(); err != nil {
		return true, &decodeError{"", problemSyntax}
	}
	return true, nil
}

// skipRest consumes the rest of an object or array whose opening delimiter
// was just read.
func skipRest(dec *json.Decoder) error {
	for depth := 1; depth > 0; {
		tok, err := dec.Token()
		if err != nil {
			return &decodeError{"", problemSyntax}
		}
		switch tok {
		case json.Delim('{'), json.Delim('['):
			depth++
		case json.Delim('}'), json.Delim(']'):
			depth--
		}
	}
	return nil
}

// discard consumes a JSON value without keeping it.
type discard struct{}

func (*discard) UnmarshalJSON([]byte) error { return nil }

func skipValue(dec *json.Decoder) error {
	if dec.Decode(&discard{}) != nil {
		return &decodeError{"", problemSyntax}
	}
	return nil
}

func rawValue(dec *json.Decoder) (json.RawMessage, error) {
	var raw json.RawMessage
	if dec.Decode(&raw) != nil {
		return nil, &decodeError{"", problemSyntax}
	}
	return bytes.TrimSpace(raw), nil
}

func isNull(raw json.RawMessage) bool { return string(bytes.TrimSpace(raw)) == "null" }

// boolOf reports a JSON boolean; ok is false for anything else, null too.
func boolOf(raw json.RawMessage) (b, ok bool) {
	switch string(bytes.TrimSpace(raw)) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// stringOf reports a JSON string; ok is false for anything else, null too.
func stringOf(raw json.RawMessage) (s string, ok bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || raw[0] != '"' {
		return "", false
	}
	if json.Unmarshal(raw, &s) != nil {
		return "", false
	}
	return s, true
}

// decodeKey decodes an ApiKey object field by field, so that one field of
// an unexpected type costs only that field: the ID and (for a create) the
// secret are decoded on their own. It returns the first failure; the ID and
// the value are looked at first, so a failure of either is the one named.
//
// value is secret-bearing. For a create, the full value is returned as
// secret and nothing of it goes into the Key. Elsewhere the value is masked
// ("***************a1b2c3") and only its shown characters, at most 6, become
// Suffix; an unmasked value outside a create is discarded.
func decodeKey(raw json.RawMessage, create bool) (k platform.Key, secret string, err *decodeError) {
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil || m == nil {
		return platform.Key{}, "", &decodeError{"", problemObject}
	}
	fail := func(field, problem string) {
		if err == nil {
			err = &decodeError{field, problem}
		}
	}

	if r, ok := m["id"]; !ok {
		fail("id", problemMissing)
	} else {
		var id platform.IntID // never through float64: 2^53+1 stays exact
		if id.UnmarshalJSON(r) != nil {
			fail("id", problemID)
		} else {
			k.ID = string(id)
		}
	}

	r, present := m["value"]
	v, isString := stringOf(r)
	if isString {
		k.Suffix = maskedSuffix(v)
	}
	if create {
		switch {
		case !present:
			fail("value", problemMissing)
		case !isString:
			fail("value", problemSecret)
		case v == "":
			fail("value", problemEmpty)
		case strings.HasPrefix(v, "*"):
			fail("value", problemMasked)
		default:
			secret = v
		}
	}

	if r, ok := m["name"]; ok && !isNull(r) {
		if s, ok := stringOf(r); ok {
			k.Name = s
		} else {
			fail("name", problemString)
		}
	}
	if r, ok := m["valid"]; ok && !isNull(r) {
		if b, ok := boolOf(r); ok {
			k.Status, k.PlatformStatus = status(b)
		} else {
			fail("valid", problemBool)
		}
	}
	if t, ok := timeOf(m["created_at"]); ok {
		if t != nil {
			k.CreatedAt = *t
		}
	} else {
		fail("created_at", problemTime)
	}
	if t, ok := timeOf(m["lastUsed"]); ok { // sic: the vendor's casing
		k.LastUsedAt = t
	} else {
		fail("lastUsed", problemTime)
	}
	return k, secret, err
}

// status normalizes `valid`: a deactivated key can be switched back on, so
// off is inactive (DESIGN.md, status normalization).
func status(valid bool) (status, platformStatus string) {
	if valid {
		return platform.StatusActive, "valid=true"
	}
	return platform.StatusInactive, "valid=false"
}

// timeOf parses an RFC 3339 time (with or without a fraction). Absent and
// null are ok with a nil time; anything else is not ok.
func timeOf(raw json.RawMessage) (*time.Time, bool) {
	if raw == nil || isNull(raw) {
		return nil, true
	}
	s, ok := stringOf(raw)
	if !ok {
		return nil, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, false
	}
	return &t, true
}

// maskedSuffix is what a masked value shows: the characters after the run
// of asterisks, at most the last 6. A value that is not masked (it does not
// start with '*') shows nothing, since it is the secret itself.
func maskedSuffix(v string) string {
	if !strings.HasPrefix(v, "*") {
		return ""
	}
	r := []rune(strings.TrimLeft(v, "*"))
	if len(r) > 6 {
		r = r[len(r)-6:]
	}
	return string(r)
}
