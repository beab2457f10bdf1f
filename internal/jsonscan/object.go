package jsonscan

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"time"
)

// Object is one JSON object of an answer, its members in document order,
// each value the answer's own bytes with no space around them: a field is
// decoded only when it is read, so one field of an unexpected type costs
// that field, not the key's ID (or a new key's secret). Names compare
// exactly, as a map's keys would, and a repeated name reads as its last
// value. It is built only from bytes that Valid accepted, as New
// requires.
type Object []Member

// Member is one member of an Object: its unescaped name and its value's text.
type Member struct{ Name, Raw []byte }

// The errors of ParseObject.
var (
	ErrNotJSON   = errors.New("not JSON")
	ErrNotObject = errors.New("not a JSON object")
)

// ParseObject reads a body that must be one JSON object (space around it
// allowed): its members, appended to buf, or nil for JSON null; ErrNotJSON
// or ErrNotObject for anything else, an empty body included.
func ParseObject(body []byte, buf Object) (Object, error) {
	body = bytes.TrimSpace(body)
	switch {
	case !Valid(body):
		return nil, ErrNotJSON
	case string(body) == "null":
		return nil, nil
	case body[0] != '{':
		return nil, ErrNotObject
	}
	return ObjectOf(body, buf), nil
}

// ObjectOf appends the members of the object b (which opens with '{', and
// is a value of a text Valid accepted) to o and returns it: o is
// storage a caller can keep on its stack or reuse from one object to the
// next.
func ObjectOf(b []byte, o Object) Object {
	s := New(b)
	s.Members(func(name []byte) bool {
		raw, ok := s.Value()
		if ok {
			o = append(o, Member{Name: name, Raw: raw})
		}
		return ok
	})
	return o
}

// EachElement calls f with the text of each element of the array b (which
// opens with '[', and is a value of a text Valid accepted).
func EachElement(b []byte, f func(raw []byte)) {
	s := New(b)
	s.Elements(func(int) bool {
		raw, ok := s.Value()
		if ok {
			f(raw)
		}
		return ok
	})
}

// Get returns the text of the named member's value; ok is false when it is
// absent.
func (o Object) Get(name string) ([]byte, bool) {
	for i := len(o) - 1; i >= 0; i-- {
		if string(o[i].Name) == name {
			return o[i].Raw, true
		}
	}
	return nil, false
}

// Has reports whether the named member is present and not null.
func (o Object) Has(name string) bool {
	raw, ok := o.Get(name)
	return ok && !IsNull(raw)
}

// Sub returns the named member as an Object, if it is one.
func (o Object) Sub(name string) (Object, bool) {
	raw, ok := o.Get(name)
	if !ok || raw[0] != '{' {
		return nil, false
	}
	return ObjectOf(raw, nil), true
}

// FieldError names the part of an answer that did not decode. It never
// holds the answer's bytes: Field is built from the decoder's own field
// names and indices, Problem is a fixed phrase.
type FieldError struct {
	Source  string // the decoder's name: "aitronos", "reference"
	Field   string // a path such as "api_keys[3].created_at"; "" for the whole answer
	Problem string
}

// Error reads "<source>: answer field <field>: <problem>", or "<source>:
// answer <problem>" for the whole answer.
func (e *FieldError) Error() string {
	if e.Field == "" {
		return e.Source + ": answer " + e.Problem
	}
	return e.Source + ": answer field " + e.Field + ": " + e.Problem
}

// Reader decodes an Object's members by type and keeps the first failure in
// Err as a *FieldError from Source. Each method takes the member's path
// prefix ("" or "api_keys[2].") and name: a member absent or null reads as
// the type's zero value and is no failure.
type Reader struct {
	Source string
	Err    error
}

// Fail records a failure at field unless one is recorded already.
func (r *Reader) Fail(field, problem string) {
	if r.Err == nil {
		r.Err = &FieldError{Source: r.Source, Field: field, Problem: problem}
	}
}

// String reads a string member.
func (r *Reader) String(o Object, path, name string) string {
	raw, ok := o.Get(name)
	if !ok || IsNull(raw) {
		return ""
	}
	s, ok := String(raw)
	if !ok {
		r.Fail(path+name, "not a string")
	}
	return s
}

// Object reads a member that is an object; ok is false when it is absent,
// null or (a failure) not an object.
func (r *Reader) Object(o Object, path, name string) (sub Object, ok bool) {
	raw, ok := o.Get(name)
	switch {
	case !ok || IsNull(raw):
		return nil, false
	case raw[0] != '{':
		r.Fail(path+name, "not an object")
		return nil, false
	}
	return ObjectOf(raw, nil), true
}

// Bool reads a boolean member; ok is false when it is absent, null or not a
// boolean.
func (r *Reader) Bool(o Object, path, name string) (v, ok bool) {
	raw, ok := o.Get(name)
	if !ok || IsNull(raw) {
		return false, false
	}
	if v, ok = Bool(raw); !ok {
		r.Fail(path+name, "not a boolean")
	}
	return v, ok
}

// Number reads a number member; ok is false when it is absent, null or not
// a number that fits a float64.
func (r *Reader) Number(o Object, path, name string) (float64, bool) {
	raw, ok := o.Get(name)
	if !ok || IsNull(raw) {
		return 0, false
	}
	if c := raw[0]; c == '-' || c >= '0' && c <= '9' {
		// json.Unmarshal's own conversion: out of range fails the same way.
		if f, err := strconv.ParseFloat(string(raw), 64); err == nil {
			return f, true
		}
	}
	r.Fail(path+name, "not a number")
	return 0, false
}

// Integer reads a number member that is a whole number of at most 2^53 in
// magnitude.
func (r *Reader) Integer(o Object, path, name string) (int, bool) {
	f, ok := r.Number(o, path, name)
	if !ok {
		return 0, false
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		r.Fail(path+name, "not an integer")
		return 0, false
	}
	return int(f), true
}

// Strings reads an array of strings; a null element is "", as json.Unmarshal
// has it, and an empty array is an empty, non-nil slice.
func (r *Reader) Strings(o Object, path, name string) []string {
	raw, ok := o.Get(name)
	if !ok || IsNull(raw) {
		return nil
	}
	if raw[0] != '[' {
		r.Fail(path+name, "not an array of strings")
		return nil
	}
	n, bad := 0, false
	EachElement(raw, func(e []byte) {
		n++
		bad = bad || e[0] != '"' && !IsNull(e)
	})
	if bad {
		r.Fail(path+name, "not an array of strings")
		return nil
	}
	s := make([]string, 0, n)
	EachElement(raw, func(e []byte) {
		v, _ := String(e) // null is ""
		s = append(s, v)
	})
	return s
}

// StringMap reads an object whose values are strings; a null value is "",
// as json.Unmarshal has it, and an empty object is an empty, non-nil map.
func (r *Reader) StringMap(o Object, path, name string) map[string]string {
	raw, ok := o.Get(name)
	if !ok || IsNull(raw) {
		return nil
	}
	if raw[0] != '{' {
		r.Fail(path+name, "not an object of strings")
		return nil
	}
	var buf [8]Member
	members := ObjectOf(raw, buf[:0])
	m := make(map[string]string, len(members))
	for _, mb := range members {
		if mb.Raw[0] != '"' && !IsNull(mb.Raw) {
			r.Fail(path+name, "not an object of strings")
			return nil
		}
		m[string(mb.Name)], _ = String(mb.Raw)
	}
	return m
}

// Time reads an RFC 3339 time, with or without a fraction, in UTC; null,
// absent or "" is none. A time without escapes is parsed from its bytes
// (time's strict RFC 3339 reading, which accepts nothing time.Parse
// refuses); anything that reading refuses gets time.Parse's own verdict.
func (r *Reader) Time(o Object, path, name string) (time.Time, bool) {
	raw, ok := o.Get(name)
	if !ok || IsNull(raw) {
		return time.Time{}, false
	}
	if raw[0] == '"' && bytes.IndexByte(raw, '\\') < 0 {
		var t time.Time
		if t.UnmarshalText(raw[1:len(raw)-1]) == nil {
			return t.UTC(), true
		}
	}
	s, ok := String(raw)
	if !ok {
		r.Fail(path+name, "not an RFC 3339 time")
		return time.Time{}, false
	}
	if s == "" {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		r.Fail(path+name, "not an RFC 3339 time")
		return time.Time{}, false
	}
	return t.UTC(), true
}

// TimePtr is Time as a pointer: nil for none.
func (r *Reader) TimePtr(o Object, path, name string) *time.Time {
	if t, ok := r.Time(o, path, name); ok {
		return &t
	}
	return nil
}
