package confidentai

import (
	"bytes"
	"encoding/json"
	"errors"
	"unicode/utf8"
)

// scanner walks JSON text that is valid, or the valid start of a body that
// is not (invalid), so it checks bounds but not grammar. It is how Decode
// reads an answer in one pass without reflection or intermediate maps:
// members are matched by their exact names (encoding/json would match
// "APIKey" to a struct's apiKey) and kept as spans of the body until a field
// is decoded from them. ended records that the text ran out inside a value.
// cut: the text stops before a byte that is not JSON, so a number or
// literal that reaches its end ("12" of "12x") is not known to be whole;
// where the body just ends, it is, as for json.Decoder.
type scanner struct {
	b       []byte
	i       int
	invalid bool
	cut     bool
	ended   bool
}

// newScanner scans body, or as much of it as is valid JSON.
func newScanner(body []byte) *scanner {
	if json.Valid(body) {
		return &scanner{b: body}
	}
	s := &scanner{b: body, invalid: true}
	var se *json.SyntaxError
	// encoding/json has no typed end-of-input error; its message is stable.
	if errors.As(json.Unmarshal(body, new(struct{})), &se) && se.Error() != "unexpected end of JSON input" {
		s.b, s.cut = body[:max(se.Offset-1, 0)], true // up to the byte at fault
	}
	return s
}

func (s *scanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// value moves past one value and returns its text; false if the text ends
// first.
func (s *scanner) value() ([]byte, bool) {
	s.space()
	start := s.i
	if s.i >= len(s.b) {
		s.ended = true
		return nil, false
	}
	switch s.b[s.i] {
	case '"':
		if !s.skipString() {
			return nil, false
		}
	case '{', '[':
		for depth := 0; ; {
			if s.i >= len(s.b) {
				s.ended = true
				return nil, false
			}
			switch s.b[s.i] {
			case '"':
				if !s.skipString() {
					return nil, false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
			}
			s.i++
			if depth == 0 {
				break
			}
		}
	default: // a number, true, false or null
		for s.i < len(s.b) && !ends(s.b[s.i]) {
			s.i++
		}
		if s.i == len(s.b) && s.cut {
			s.ended = true
			return nil, false
		}
	}
	return s.b[start:s.i], true
}

// ends reports whether c ends a number or a literal.
func ends(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ']', '}':
		return true
	}
	return false
}

func (s *scanner) skipString() bool {
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return true
		}
	}
	s.ended = true
	return false
}

// members calls fn with the name of each member of the object at s; fn
// moves past the member's value and reports whether it could. A value that
// is no object is skipped and isObject is false.
func (s *scanner) members(fn func(name []byte) bool) (isObject bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		s.value()
		return false
	}
	s.i++
	for s.more('}') {
		raw, ok := s.value()
		if !ok || !isString(raw) { // a name: only the cut can end it early
			s.ended = true
			return true
		}
		s.space()
		s.i++ // the colon
		if !fn(name(raw)) {
			return true
		}
	}
	return true
}

// elements calls fn with the index of each element of the array at s; fn
// moves past the element. A value that is no array is skipped and isArray
// is false.
func (s *scanner) elements(fn func(i int) bool) (isArray bool) {
	s.space()
	if s.i >= len(s.b) || s.b[s.i] != '[' {
		s.value()
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
// follows, or past the closing delimiter and reports false.
func (s *scanner) more(closing byte) bool {
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

// name is a member name's text without its quotes; escapes are decoded so
// that "\u0069d" is the name id, as encoding/json reads it.
func name(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw[1 : len(raw)-1]
	}
	var n string
	_ = json.Unmarshal(raw, &n) // valid JSON text: cannot fail
	return []byte(n)
}

// isString reports whether v is a JSON string.
func isString(v []byte) bool { return len(v) > 0 && v[0] == '"' }

// isNull reports whether v is null.
func isNull(v []byte) bool { return string(v) == "null" }

// boolOf reports a JSON boolean; ok is false for anything else, null too.
func boolOf(v []byte) (b, ok bool) {
	switch string(v) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	return false, false
}

// stringOf reports a JSON string; ok is false for anything else, null too.
func stringOf(v []byte) (string, bool) {
	if !isString(v) {
		return "", false
	}
	return text(v), true
}

// text decodes a JSON string as encoding/json does (escapes decoded,
// invalid UTF-8 replaced); only then does it take the slow path.
func text(v []byte) string {
	inner := v[1 : len(v)-1]
	if bytes.IndexByte(inner, '\\') < 0 && utf8.Valid(inner) {
		return string(inner)
	}
	var s string
	_ = json.Unmarshal(v, &s) // valid JSON text: cannot fail
	return s
}
