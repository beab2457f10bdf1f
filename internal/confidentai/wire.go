package confidentai

import (
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
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

	apiKey []byte // data.apiKey as written; nil when absent or null

	listSet bool           // data.apiKeys was an array (List only)
	listBad bool           // data.apiKeys was present but not an array
	keys    []platform.Key // its keys that have an ID
	listErr error          // the first key that failed, by field

	valid   *bool // data.valid, for an answer that is not a key object
	deleted *bool // data.deleted, the delete answer

	dataBad bool  // "data" was present but not an object
	err     error // the body is not JSON or not an object; what was read before stays
}

// The flags an envelope points at, shared so that reading one does not
// allocate; nothing writes through them.
var (
	flagTrue  = true
	flagFalse = false
)

func flag(v []byte) *bool {
	b, ok := jsonscan.Bool(v)
	switch {
	case !ok:
		return nil
	case b:
		return &flagTrue
	}
	return &flagFalse
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

// readEnvelope reads body in one pass, member by member, never copying it
// into intermediate maps, so a List answer of tens of MiB is decoded key by
// key. A body that breaks off keeps what was read before the break (a
// create's key and secret, say) beside a syntax error. Only List reads
// data.apiKeys.
func readEnvelope(body []byte, list bool) (env envelope) {
	s := jsonscan.NewPrefix(body)
	isObject := s.Members(func(name []byte) bool {
		switch string(name) {
		case "success":
			v, ok := s.Value()
			env.success = flag(v)
			return ok
		case "error":
			v, ok := s.Value()
			env.message, _ = jsonscan.String(v)
			return ok
		case "data":
			return env.readData(&s, list)
		}
		_, ok := s.Value()
		return ok
	})
	switch {
	case s.Ended():
		env.err = &decodeError{"", problemSyntax}
	case !isObject:
		env.err = &decodeError{"", problemObject}
	case s.Invalid(): // something after the object
		env.err = &decodeError{"", problemSyntax}
	}
	return env
}

func (env *envelope) readData(s *jsonscan.Scanner, list bool) bool {
	// A repeated "data" replaces the earlier one.
	env.apiKey = nil
	env.listSet, env.listBad, env.keys, env.listErr = false, false, nil, nil
	env.valid, env.deleted = nil, nil
	isObject := s.Members(func(name []byte) bool {
		switch string(name) {
		case "apiKey":
			v, ok := s.Value()
			env.apiKey = nil
			if ok && !jsonscan.IsNull(v) {
				env.apiKey = v
			}
			return ok
		case "apiKeys":
			if list {
				return env.readList(s)
			}
		case "valid", "deleted":
			v, ok := s.Value()
			if name[0] == 'v' {
				env.valid = flag(v)
			} else {
				env.deleted = flag(v)
			}
			return ok
		}
		_, ok := s.Value()
		return ok
	})
	env.dataBad = !s.Ended() && !isObject
	return !s.Ended()
}

// readList decodes data.apiKeys one element at a time. A key without a
// usable ID is left out (it could not be addressed); a key with another
// field that failed is kept without that field. Either way the first
// failure, by field, is the list's error.
func (env *envelope) readList(s *jsonscan.Scanner) bool {
	env.listSet, env.listBad, env.keys, env.listErr = false, false, nil, nil
	keys := []platform.Key{}
	isArray := s.Elements(func(i int) bool {
		raw, ok := s.Value()
		if !ok {
			return false
		}
		k, _, kerr := decodeKey(raw, false)
		if kerr != nil && env.listErr == nil {
			env.listErr = kerr.at("data.apiKeys[" + strconv.Itoa(i) + "]")
		}
		if k.ID != "" {
			keys = append(keys, k)
		}
		return true
	})
	switch {
	case s.Ended():
		return false
	case !isArray:
		env.listBad = true
	default:
		env.listSet, env.keys = true, keys
	}
	return true
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
func decodeKey(raw []byte, create bool) (k platform.Key, secret string, err *decodeError) {
	var w wireKey
	ks := jsonscan.New(raw) // a value the envelope read whole
	if !ks.Members(w.member(&ks)) {
		return platform.Key{}, "", &decodeError{"", problemObject}
	}
	fail := func(field, problem string) {
		if err == nil {
			err = &decodeError{field, problem}
		}
	}

	if w.id == nil {
		fail("id", problemMissing)
	} else {
		var id platform.IntID // never through float64: 2^53+1 stays exact
		if id.UnmarshalJSON(w.id) != nil {
			fail("id", problemID)
		} else {
			k.ID = string(id)
		}
	}

	v, isString := jsonscan.String(w.value)
	if isString {
		k.Suffix = maskedSuffix(v)
	}
	if create {
		switch {
		case w.value == nil:
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

	if w.name != nil && !jsonscan.IsNull(w.name) {
		if s, ok := jsonscan.String(w.name); ok {
			k.Name = s
		} else {
			fail("name", problemString)
		}
	}
	if w.valid != nil && !jsonscan.IsNull(w.valid) {
		if b, ok := jsonscan.Bool(w.valid); ok {
			k.Status, k.PlatformStatus = status(b)
		} else {
			fail("valid", problemBool)
		}
	}
	if t, ok := timeOf(w.createdAt); ok {
		if t != nil {
			k.CreatedAt = *t
		}
	} else {
		fail("created_at", problemTime)
	}
	if t, ok := timeOf(w.lastUsed); ok {
		k.LastUsedAt = t
	} else {
		fail("lastUsed", problemTime)
	}
	return k, secret, err
}

// wireKey is an ApiKey object member by member, each as its JSON text (nil
// when absent).
type wireKey struct {
	id, value, name, valid, createdAt, lastUsed []byte
}

// member is the scanner callback that fills w.
func (w *wireKey) member(s *jsonscan.Scanner) func(name []byte) bool {
	return func(name []byte) bool {
		v, ok := s.Value()
		switch string(name) {
		case "id":
			w.id = v
		case "value":
			w.value = v
		case "name":
			w.name = v
		case "valid":
			w.valid = v
		case "created_at":
			w.createdAt = v
		case "lastUsed": // sic: the vendor's casing
			w.lastUsed = v
		}
		return ok
	}
}

// status normalizes `valid`: a deactivated key can be switched back on, so
// off is inactive (DESIGN.md, status normalization).
func status(valid bool) (status, platformStatus string) {
	if valid {
		return platform.StatusActive, "valid=true"
	}
	return platform.StatusInactive, "valid=false"
}

// timeOf parses an RFC 3339 time (with or without a fraction) into UTC, as
// every mapping reports times. Absent and null are ok with a nil time;
// anything else is not ok.
func timeOf(raw []byte) (*time.Time, bool) {
	if raw == nil || jsonscan.IsNull(raw) {
		return nil, true
	}
	var t time.Time
	// The strict RFC 3339 of time.Time's own decoding reads the bytes
	// without a copy; what it refuses goes through time.Parse.
	if t.UnmarshalJSON(raw) != nil {
		s, ok := jsonscan.String(raw)
		if !ok {
			return nil, false
		}
		var err error
		if t, err = time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, false
		}
	}
	t = t.UTC()
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
