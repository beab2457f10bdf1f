package prefactor

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
)

// scanner walks JSON text that json.Valid has accepted, so it checks bounds
// but not grammar. It is how Decode reads an answer in one pass without
// reflection or intermediate maps: members are matched by their exact names
// (encoding/json would match "Token" or "ID" to a struct's token and id) and
// kept as spans of the body until a field is decoded from them.
type scanner struct {
	b []byte
	i int
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
		if !ok {
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
	if s.i >= len(s.b) || s.b[s.i] == closing {
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

// isNull reports whether v is absent or null.
func isNull(v []byte) bool { return v == nil || string(v) == "null" }

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

// is reports whether the JSON string v says word, without allocating for
// the usual unescaped spelling.
func is(v []byte, word string) bool {
	if len(v) == len(word)+2 && v[0] == '"' && string(v[1:len(v)-1]) == word {
		return true
	}
	return isString(v) && bytes.IndexByte(v, '\\') >= 0 && text(v) == word
}
