package jsonscan

// maxDepth is encoding/json's limit on nesting: a text that opens more
// objects and arrays than this at once is not valid to it.
const maxDepth = 10000

// Valid reports whether b is one JSON text, with space around it allowed:
// what encoding/json's Valid reports, to the byte (FuzzValid holds it to
// that, the nesting limit included). It makes one pass with no state
// machine of function values, several times faster than encoding/json's,
// for the decoders that must validate every answer before they scan it.
// As for encoding/json, a string may hold invalid UTF-8, which decoding
// replaces.
func Valid(b []byte) bool {
	var buf [64]byte
	open := buf[:0] // the opening byte of each object and array not yet closed
	i := 0
	for {
		// A value starts at the next byte that is not space.
		i = skipSpace(b, i)
		if i >= len(b) {
			return false
		}
		switch c := b[i]; c {
		case '{', '[':
			if len(open) == maxDepth {
				return false
			}
			i = skipSpace(b, i+1)
			if i < len(b) && b[i] == c+2 { // '}' is '{'+2, ']' is '['+2
				i++
				break // an empty object or array: a whole value
			}
			open = append(open, c)
			if c == '{' {
				if i = memberName(b, i); i < 0 {
					return false
				}
			}
			continue
		case '"':
			i = skipValidString(b, i)
		case 't':
			i = literal(b, i, "true")
		case 'f':
			i = literal(b, i, "false")
		case 'n':
			i = literal(b, i, "null")
		default:
			i = number(b, i)
		}
		if i < 0 {
			return false
		}
		// A value ends at i: close what closes after it, then expect the
		// next element or member, or the end of the text.
		for {
			i = skipSpace(b, i)
			if len(open) == 0 {
				return i == len(b)
			}
			if i >= len(b) {
				return false
			}
			top := open[len(open)-1]
			if b[i] == top+2 {
				open = open[:len(open)-1]
				i++
				continue
			}
			if b[i] != ',' {
				return false
			}
			i++
			if top == '{' {
				if i = memberName(b, skipSpace(b, i)); i < 0 {
					return false
				}
			}
			break
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && isSpace[b[i]] {
		i++
	}
	return i
}

// isSpace marks JSON's four space bytes.
var isSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// memberName reads a member's name and its colon from i; it returns the
// index after the colon, or -1.
func memberName(b []byte, i int) int {
	if i >= len(b) || b[i] != '"' {
		return -1
	}
	if i = skipValidString(b, i); i < 0 {
		return -1
	}
	if i = skipSpace(b, i); i >= len(b) || b[i] != ':' {
		return -1
	}
	return i + 1
}

// skipValidString reads the string that opens at i: no control byte, and
// only JSON's escapes. It returns the index after the closing quote, or -1.
func skipValidString(b []byte, i int) int {
	for i++; i < len(b); {
		// Most bytes of a string are plain: move past them in a tight loop.
		for i < len(b) && plain[b[i]] {
			i++
		}
		if i >= len(b) {
			return -1
		}
		switch c := b[i]; {
		case c == '"':
			return i + 1
		case c == '\\':
			if i+1 >= len(b) {
				return -1
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) {
					return -1
				}
				for _, h := range b[i+2 : i+6] {
					if !isHex(h) {
						return -1
					}
				}
				i += 6
			default:
				return -1
			}
		default: // a control byte
			return -1
		}
	}
	return -1
}

// plain marks the bytes a string holds as they are: not a quote, a
// backslash or a control byte.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// literal reads word at i; it returns the index after it, or -1.
func literal(b []byte, i int, word string) int {
	if len(b)-i < len(word) || string(b[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? at i; it
// returns the index after it, or -1.
func number(b []byte, i int) int {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case isDigit(b, i):
		i = digits(b, i)
	default:
		return -1
	}
	if i < len(b) && b[i] == '.' {
		if i++; !isDigit(b, i) {
			return -1
		}
		i = digits(b, i)
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		if i++; i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if !isDigit(b, i) {
			return -1
		}
		i = digits(b, i)
	}
	return i
}

func isDigit(b []byte, i int) bool { return i < len(b) && '0' <= b[i] && b[i] <= '9' }

// digits moves past the digits at i.
func digits(b []byte, i int) int {
	for isDigit(b, i) {
		i++
	}
	return i
}
