// Package jsonscan reads JSON answers in one pass, without reflection or
// intermediate maps, for the mappings that decode a vendor's answer field by
// field.
//
// It exists because encoding/json cannot say what these decoders need to
// say. A struct matches member names without regard to case, so a body with
// "Token" or "APIKey" would fill a struct's token or apiKey field: for a
// field that becomes a Secret, only the exact name may count. And decoding a
// whole struct fails as a whole, where a decoder here wants one field of the
// wrong type to cost that field only, never the key's ID or a new key's
// secret. So a Scanner hands out each member under its exact (unescaped)
// name, with its value as a span of the body, and the caller decodes a field
// from its span when it needs it. A repeated name is handed out each time it
// appears; a caller that keeps the last one gets what encoding/json gives
// for a map.
//
// A Scanner does not check grammar: it relies on Valid (encoding/json's
// verdict, reached faster) having accepted the body (New), or finds the
// valid prefix of a body itself (NewPrefix). What it does
// check is every bound, so that text that is not JSON cannot make it panic
// or loop, only stop early.
package jsonscan

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// Scanner walks the values of one JSON text. Its zero value scans nothing;
// make one with New or NewPrefix. Value, Members and Elements move the
// scanner past what they read.
type Scanner struct {
	b []byte
	i int

	// invalid: the body was not valid JSON, so b is (at most) its valid
	// prefix.
	invalid bool
	// cut: b stops before a byte that is not JSON, so a number or literal
	// that reaches the end of b ("12" of "12x") is not known to be whole.
	cut bool
	// ended: the text ran out inside a value, or (in text that is not
	// JSON) something stood where a value or a name belongs.
	ended bool
}

// New returns a scanner of body, which Valid must have accepted. That
// is the caller's promise, not checked here, so that a decoder validates an
// answer once and then scans the spans of it that it reads as often as it
// likes.
func New(body []byte) Scanner { return Scanner{b: body} }

// NewPrefix returns a scanner of body, or of as much of it as is the valid
// start of a JSON text, for a decoder that must keep what a body said before
// it broke off (a created key's secret, say). Invalid reports whether body
// was not valid; Ended whether the scan then ran into the break.
func NewPrefix(body []byte) Scanner {
	if Valid(body) {
		return Scanner{b: body}
	}
	s := Scanner{b: body, invalid: true}
	var se *json.SyntaxError
	// encoding/json has no typed end-of-input error; its message is
	// stable. Where the body just ends, all of it is a valid start.
	if errors.As(json.Unmarshal(body, new(struct{})), &se) && se.Error() != "unexpected end of JSON input" {
		s.b, s.cut = body[:max(se.Offset-1, 0)], true // up to the byte at fault
	}
	return s
}

// Invalid reports whether the body given to NewPrefix was not valid JSON:
// what the scanner read of it may be all of a value, with something that is
// not JSON after it.
func (s *Scanner) Invalid() bool { return s.invalid }

// Ended reports whether the text ran out inside what the scanner was
// reading, so that a value, member or element was not read whole.
func (s *Scanner) Ended() bool { return s.ended }

// space moves past JSON's four whitespace bytes; no other: a Unicode space
// outside a string is not JSON, and a caller that tolerates it around a
// body (as bytes.TrimSpace does) trims it before validating.
func (s *Scanner) space() {
	for s.i < len(s.b) && isSpace[s.b[s.i]] {
		s.i++
	}
}

// Peek returns the first byte of the next value ('{', '[', '"', or the
// first of a number or literal) without moving past it; 0 at the end of
// the text. It lets a walker choose between Members, Elements and Value
// without reading a value twice.
func (s *Scanner) Peek() byte {
	s.space()
	if s.i >= len(s.b) {
		return 0
	}
	return s.b[s.i]
}

// Value moves past the next value and returns its text, with no space
// around it: a span of the body, not a copy. ok is false, and Ended true,
// when the text ends first.
func (s *Scanner) Value() (v []byte, ok bool) {
	s.space()
	start := s.i
	if s.i >= len(s.b) {
		s.ended = true
		return nil, false
	}
	switch s.b[s.i] {
	case '"':
		ok = s.skipString()
	case '{', '[':
		ok = s.skipContainer()
	default: // a number, true, false or null
		for s.i < len(s.b) && !ends(s.b[s.i]) {
			s.i++
		}
		// A delimiter where a value belongs is not JSON: stopping there is
		// what keeps Members and Elements from looping on it. Before a
		// byte that is not JSON, "12" may be the start of "12x". Where the
		// body just ends, encoding/json has cut an unfinished "1." or
		// "tru" already, so what reaches the end is whole ("12"), as for
		// json.Decoder.
		ok = s.i > start && !(s.i == len(s.b) && s.cut)
		s.ended = s.ended || !ok
	}
	if !ok {
		return nil, false
	}
	return s.b[start:s.i], true
}

// skipContainer moves past the object or array that opens at s.i; false,
// and ended, when the text ends inside it. Strings are skipped whole, so
// that a bracket inside one does not count; valid text closes every
// container it opens.
func (s *Scanner) skipContainer() bool {
	for depth := 0; s.i < len(s.b); {
		switch s.b[s.i] {
		case '"':
			if !s.skipString() {
				return false
			}
			continue
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		}
		if s.i++; depth == 0 {
			return true
		}
	}
	s.ended = true
	return false
}

// ends reports whether c ends a number or a literal.
func ends(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ']', '}':
		return true
	}
	return false
}

// skipString moves past the string that opens at s.i; false, and ended,
// when the text ends inside it.
func (s *Scanner) skipString() bool {
	b := s.b
	for i := s.i + 1; i < len(b); i++ {
		for i < len(b) && !quoteOrEscape[b[i]] { // most bytes: a tight loop
			i++
		}
		if i >= len(b) {
			break
		}
		if b[i] == '"' {
			s.i = i + 1
			return true
		}
		i++ // past the escaped byte
	}
	s.i = len(b)
	s.ended = true
	return false
}

// quoteOrEscape marks the two bytes that end a run of a string's text.
var quoteOrEscape = [256]bool{'"': true, '\\': true}

// Members calls fn with the name of each member of the object that is the
// next value, in document order, until fn returns false. fn must move past
// the member's value (with Value, Members or Elements) and report whether
// it could, which Value's ok does. name is the member's name unescaped, as
// encoding/json reads it ("\u0069d" is id); it may be a span of the body,
// so fn must not change it. When the next value is not an object,
// Members moves past it, calls nothing and returns false.
func (s *Scanner) Members(fn func(name []byte) bool) (isObject bool) {
	if s.Peek() != '{' {
		s.Value()
		return false
	}
	s.i++
	for s.more('}') {
		raw, ok := s.Value()
		if !ok || raw[0] != '"' { // in a valid prefix, only the end can do this
			s.ended = true
			return true
		}
		s.space()
		if s.i < len(s.b) { // a prefix may end before the colon
			s.i++ // the colon
		}
		if !fn(name(raw)) {
			return true
		}
	}
	return true
}

// Elements calls fn with the index of each element of the array that is the
// next value, until fn returns false; fn must move past the element and
// report whether it could, as for Members. When the next value is not an
// array, Elements moves past it, calls nothing and returns false.
func (s *Scanner) Elements(fn func(i int) bool) (isArray bool) {
	if s.Peek() != '[' {
		s.Value()
		return false
	}
	s.i++
	for i := 0; s.more(']'); i++ {
		if !fn(i) {
			return true
		}
	}
	return true
}

// more moves past a comma and reports whether another member or element
// follows, or moves past the closing delimiter and reports false.
func (s *Scanner) more(closing byte) bool {
	s.space()
	if s.i < len(s.b) && s.b[s.i] == ',' {
		s.i++
		s.space()
	}
	if s.i >= len(s.b) {
		s.ended = true
		return false
	}
	if s.b[s.i] == closing {
		s.i++
		return false
	}
	return true
}

// name is a member name's text without its quotes, decoded as encoding/json
// decodes a map key: escapes decoded and invalid UTF-8 replaced, so that a
// name compares as it would in a map. Only a name that needs either is
// copied.
func name(raw []byte) []byte {
	in := raw[1 : len(raw)-1]
	for _, c := range in {
		if c == '\\' || c >= utf8.RuneSelf { // names are short: one pass, no calls
			return []byte(decode(raw))
		}
	}
	return in
}

// IsString reports whether v, a value's text, is a JSON string.
func IsString(v []byte) bool { return len(v) > 0 && v[0] == '"' }

// IsNull reports whether v, a value's text, is null. An absent value (nil)
// is not null: a caller that treats both alike says so.
func IsNull(v []byte) bool { return string(v) == "null" }

// Bool returns a JSON boolean; ok is false for anything else, null too.
func Bool(v []byte) (b, ok bool) {
	switch string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// String returns a JSON string decoded as encoding/json does (escapes
// decoded, invalid UTF-8 replaced by U+FFFD); ok is false for anything
// else, null too. Most strings need neither and are one copy of their
// bytes.
func String(v []byte) (string, bool) {
	if !IsString(v) || len(v) < 2 {
		return "", false
	}
	if in := v[1 : len(v)-1]; bytes.IndexByte(in, '\\') < 0 && utf8.Valid(in) {
		return string(in), true
	}
	return decode(v), true
}

// decode is encoding/json's reading of the string v, for the strings that
// have escapes or invalid UTF-8.
func decode(v []byte) string {
	var s string
	_ = json.Unmarshal(v, &s) // a string of valid JSON text cannot fail
	return s
}
