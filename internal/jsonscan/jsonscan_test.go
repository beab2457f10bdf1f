package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// trace walks the next value as a decoder would and writes what it was
// handed: {name=value;…} for an object, [value,…] for an array, a value's
// text otherwise, and ! where the scanner said it could not go on. Names
// are written as the scanner unescaped them.
func trace(s *Scanner, w *strings.Builder) bool {
	switch s.Peek() {
	case '{':
		w.WriteByte('{')
		n := 0
		s.Members(func(name []byte) bool {
			if n++; n > 1 {
				w.WriteByte(';')
			}
			w.Write(name)
			w.WriteByte('=')
			return trace(s, w)
		})
		w.WriteByte('}')
	case '[':
		w.WriteByte('[')
		s.Elements(func(i int) bool {
			if i > 0 {
				w.WriteByte(',')
			}
			return trace(s, w)
		})
		w.WriteByte(']')
	default:
		v, ok := s.Value()
		w.Write(v)
		if !ok {
			w.WriteByte('!')
		}
		return ok
	}
	if s.Ended() {
		w.WriteByte('!')
	}
	return !s.Ended()
}

func traceOf(s Scanner) string {
	var w strings.Builder
	trace(&s, &w)
	return w.String()
}

// TestNew covers bodies that json.Valid accepts, as New requires: the
// scanner hands out every member under its exact, unescaped name, in
// order, repeats included, with values as written and no space around them.
func TestNew(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"object", `{"a":1,"b":"x","c":null,"d":true}`, `{a=1;b="x";c=null;d=true}`},
		{"empty object", `{}`, `{}`},
		{"empty object with space", "{ \n}", `{}`},
		{"array", `[1,"a",null,false]`, `[1,"a",null,false]`},
		{"empty array", `[ ]`, `[]`},
		{"nested", `{"a":{"b":[1,{"c":2}]},"d":[],"e":{}}`, `{a={b=[1,{c=2}]};d=[];e={}}`},
		{"scalar", `"x"`, `"x"`},
		{"number", `-1.5e+3`, `-1.5e+3`},
		{"escaped name", `{"\u0069d":1}`, `{id=1}`},
		{"escaped quote in name", `{"a\"b":1}`, `{a"b=1}`},
		{"backslash name", `{"\\":1}`, `{\=1}`},
		{"brackets in a string", `{"a":"}]\"{[","b":2}`, `{a="}]\"{[";b=2}`},
		{"escaped backslash before quote", `{"a":"x\\","b":2}`, `{a="x\\";b=2}`},
		{"invalid UTF-8 name", "{\"\xff\":1}", "{\uFFFD=1}"},
		{"repeated name", `{"a":1,"a":2}`, `{a=1;a=2}`},
		{"names are exact", `{"id":1,"ID":2,"Id":3}`, `{id=1;ID=2;Id=3}`},
		{"whitespace", " \t\r\n{ \"a\" :\t1 ,\n\"b\" :[ 1 , 2 ] } \r\n", `{a=1;b=[1,2]}`},
		{"Unicode space in a string", "{\"a\":\"\u00a0\u0085\"}", "{a=\"\u00a0\u0085\"}"},
		{"number at the end", `{"a":[1,22]}`, `{a=[1,22]}`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !json.Valid([]byte(tc.body)) {
				t.Fatalf("the case's body is not valid JSON")
			}
			s := New([]byte(tc.body))
			if got := traceOf(s); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
			if p := NewPrefix([]byte(tc.body)); p.Invalid() || traceOf(p) != tc.want {
				t.Errorf("NewPrefix reads a valid body otherwise: invalid %v, %s", p.Invalid(), traceOf(p))
			}
		})
	}
}

// TestNewPrefix covers bodies that are not valid JSON: the scanner reads
// their valid start and says where it ran out.
func TestNewPrefix(t *testing.T) {
	for _, tc := range []struct {
		name, body, want string
		cut              bool // the body goes on past a byte that is not JSON
	}{
		{"empty", ``, `!`, false},
		{"only space", " \n", `!`, false},
		{"truncated object", `{"a":1,"b":"xy`, `{a=1;b=!}!`, false},
		{"truncated before a value", `{"a":`, `{a=!}!`, false},
		{"truncated after a name", `{"a"`, `{a=!}!`, false},
		{"truncated in a name", `{"a`, `{}!`, false},
		{"open object", `{`, `{}!`, false},
		{"truncated nested", `{"a":{"b":1`, `{a={b=1}!}!`, false},
		{"truncated array", `[1,2`, `[1,2]!`, false},
		{"truncated after a comma", `{"a":1,`, `{a=1}!`, false},
		// Where the body just ends, a number there is whole, as for
		// json.Decoder; before a byte that is not JSON it may not be.
		{"number at the end", `{"a":12`, `{a=12}!`, false},
		{"number before junk", `{"a":12x}`, `{a=!}!`, true},
		{"top-level number before junk", `12x`, `!`, true},
		{"element before junk", `[1,2x]`, `[1,!]!`, true},
		// A literal that the body ends in is cut: encoding/json finds
		// it unfinished, not the input.
		{"literal at the end", `{"a":tru`, `{a=!}!`, true},
		{"fraction at the end", `{"a":1.`, `{a=!}!`, true},
		{"sign at the end", `[-`, `[]!`, true},
		{"exponent at the end", `[1e`, `[!]!`, true},
		{"literal before junk", `{"a":trux`, `{a=!}!`, true},
		{"junk after a string", `{"a":"x"y}`, `{a="x"}!`, true},
		{"junk where a name belongs", `{"a":1,2}`, `{a=1}!`, true},
		{"something after the object", `{"a":1} {}`, `{a=1}`, true},
		{"something after a number", `1 2`, `1`, true},
		{"Unicode space before", "\u00a0{\"a\":1}", `!`, true},
		{"Unicode space after", "{\"a\":1}\u0085", `{a=1}`, true},
		{"closing the wrong container", `{"a":[1}`, `{a=[!]!}!`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if json.Valid([]byte(tc.body)) {
				t.Fatalf("the case's body is valid JSON")
			}
			s := NewPrefix([]byte(tc.body))
			if !s.Invalid() {
				t.Errorf("Invalid is false")
			}
			if s.cut != tc.cut {
				t.Errorf("cut = %v, want %v", s.cut, tc.cut)
			}
			if got := traceOf(s); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

// TestNotJSON gives New text it must not be given: the scanner may read it
// any way, but must stop without a panic.
func TestNotJSON(t *testing.T) {
	for _, body := range []string{
		`[1 }`, `{"a":1 ]`, `{1:2}`, `}`, `]]]`, `{"a"`, `{"a":}`, `[,]`, `{,}`,
		`"`, `"\`, `{"\`, `[`, `{"a":"b`, `:`, `{"a"::::}`, `[}}}}`, `{"a":1,"b"`,
	} {
		s := New([]byte(body))
		traceOf(s) // no panic, no endless loop
	}
}

// TestMembersOfOther: Members and Elements move past a value of another
// kind, so a decoder can go on with the next member.
func TestMembersOfOther(t *testing.T) {
	s := New([]byte(`[[1,2],{"a":3},"x"]`))
	var got []string
	s.Elements(func(i int) bool {
		switch i {
		case 0:
			got = append(got, "object", fmtBool(s.Members(func([]byte) bool { t.Error("called"); return false })))
		case 1:
			got = append(got, "array", fmtBool(s.Elements(func(int) bool { t.Error("called"); return false })))
		default:
			v, _ := s.Value()
			got = append(got, string(v))
		}
		return !s.Ended()
	})
	if want := `object false array false "x"`; strings.Join(got, " ") != want {
		t.Errorf("got %q, want %q", strings.Join(got, " "), want)
	}
	if s.Ended() || s.Peek() != 0 {
		t.Errorf("ended %v, next %q", s.Ended(), s.Peek())
	}
}

func fmtBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// TestStop: a callback that returns false stops the walk there.
func TestStop(t *testing.T) {
	s := New([]byte(`{"a":1,"b":2}`))
	var names []string
	s.Members(func(name []byte) bool {
		names = append(names, string(name))
		s.Value()
		return false
	})
	if len(names) != 1 || names[0] != "a" {
		t.Errorf("got %q", names)
	}
}

func TestValues(t *testing.T) {
	for _, tc := range []struct {
		v              string
		isString, null bool
		str            string
		strOK          bool
		b, bOK         bool
	}{
		{v: `"abc"`, isString: true, str: "abc", strOK: true},
		{v: `""`, isString: true, strOK: true},
		{v: `"a\nb\u00e9"`, isString: true, str: "a\nb\u00e9", strOK: true},
		{v: "\"\xffx\"", isString: true, str: "\uFFFDx", strOK: true},
		{v: `null`, null: true},
		{v: `true`, b: true, bOK: true},
		{v: `false`, bOK: true},
		{v: `1`},
		{v: `"true"`, isString: true, str: "true", strOK: true},
		{v: ``},
	} {
		v := []byte(tc.v)
		if tc.v == "" {
			v = nil
		}
		if IsString(v) != tc.isString || IsNull(v) != tc.null {
			t.Errorf("%s: IsString %v, IsNull %v", tc.v, IsString(v), IsNull(v))
		}
		if s, ok := String(v); s != tc.str || ok != tc.strOK {
			t.Errorf("%s: String = %q, %v", tc.v, s, ok)
		}
		if b, ok := Bool(v); b != tc.b || ok != tc.bOK {
			t.Errorf("%s: Bool = %v, %v", tc.v, b, ok)
		}
	}
}

// FuzzScan: on any body, neither scanner panics or loops, and every span
// it hands out lies within the body. On a body json.Valid accepts, every
// object's members are what encoding/json decodes into
// map[string]json.RawMessage (the last of a repeated name winning), every
// array's elements what it decodes into []json.RawMessage, and NewPrefix
// reads what New reads. On any other body, every value NewPrefix hands out
// whole is valid JSON.
func FuzzScan(f *testing.F) {
	for _, seed := range []string{
		`{"a":1,"b":"x","c":null,"d":true}`, `{}`, `[]`, `[1,"a",null,false]`,
		`{"a":{"b":[1,{"c":2}]},"d":[],"e":{}}`, `{"\u0069d":1,"id":2}`,
		`{"a":"}]\"{[","b":2}`, "{\"\xff\":1}", `{"a":1,"a":2}`,
		" \t\r\n{ \"a\" :\t1 ,\n\"b\" :[ 1 , 2 ] } \r\n", "\u00a0{}", "{}\u0085",
		`{"a":1,"b":"xy`, `{"a":12`, `{"a":12x}`, `[1,2x]`, `{"a":tru`, `1 2`,
		`{"a":[1}`, `[1 }`, `{"a":1 ]`, `"\`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(scanCheck)
}

// scanCheck is FuzzScan's check of one body.
func scanCheck(t *testing.T, body []byte) {
	{
		valid := json.Valid(body)
		n := New(body)
		p := NewPrefix(body)
		check := &checker{t: t, body: body, valid: valid}
		check.walk(&n)
		check.prefix = true
		check.walk(&p)
		check.within(p.b)
		for _, s := range []Scanner{New(body), NewPrefix(body)} {
			v, ok := s.Value()
			check.within(v)
			if valid && (!ok || !bytes.Equal(v, bytes.TrimSpace(body))) {
				t.Errorf("Value of a valid body: %q, %v", v, ok)
			}
		}
		if valid {
			if p.Invalid() || n.Ended() || p.Ended() {
				t.Errorf("valid body: invalid %v, ended %v %v", p.Invalid(), n.Ended(), p.Ended())
			}
			if a, b := traceOf(New(body)), traceOf(NewPrefix(body)); a != b {
				t.Errorf("New read %s, NewPrefix %s", a, b)
			}
			if n.Peek() != 0 {
				t.Errorf("text left after the value")
			}
		} else if !p.Invalid() {
			t.Errorf("invalid body, Invalid false")
		}
	}
}

type checker struct {
	t      *testing.T
	body   []byte
	valid  bool // json.Valid(body)
	prefix bool // the scanner is NewPrefix's
}

// within fails unless v is a span of the body.
func (c *checker) within(v []byte) {
	if len(v) == 0 {
		return
	}
	// A span of body shares its array: its start is where its capacity
	// says, and there it is the same memory.
	at := cap(c.body) - cap(v)
	if at < 0 || at+len(v) > len(c.body) || &c.body[at] != &v[0] {
		c.t.Fatalf("span %q is not within the body", v)
	}
}

// walk reads the next value as trace does, checking each span.
func (c *checker) walk(s *Scanner) bool {
	switch s.Peek() {
	case '{':
		start := s.i
		got := map[string][]byte{}
		s.Members(func(name []byte) bool {
			at := s.i
			ok := c.walk(s)
			if ok {
				got[string(name)] = bytes.TrimSpace(s.b[at:s.i])
			}
			return ok
		})
		if c.valid && !s.Ended() {
			var want map[string]json.RawMessage
			if err := json.Unmarshal(s.b[start:s.i], &want); err != nil {
				c.t.Fatalf("encoding/json: %v", err)
			}
			if len(got) != len(want) {
				c.t.Fatalf("members %q, encoding/json %q", got, want)
			}
			for name, v := range want {
				if !bytes.Equal(got[name], v) {
					c.t.Fatalf("member %q is %q, encoding/json %q", name, got[name], v)
				}
			}
		}
	case '[':
		start := s.i
		var got [][]byte
		s.Elements(func(int) bool {
			at := s.i
			ok := c.walk(s)
			if ok {
				got = append(got, bytes.TrimSpace(s.b[at:s.i]))
			}
			return ok
		})
		if c.valid && !s.Ended() {
			var want []json.RawMessage
			if err := json.Unmarshal(s.b[start:s.i], &want); err != nil {
				c.t.Fatalf("encoding/json: %v", err)
			}
			if len(got) != len(want) {
				c.t.Fatalf("elements %q, encoding/json %q", got, want)
			}
			for i := range want {
				if !bytes.Equal(got[i], want[i]) {
					c.t.Fatalf("element %d is %q, encoding/json %q", i, got[i], want[i])
				}
			}
		}
	default:
		v, ok := s.Value()
		c.within(v)
		if ok && c.prefix && !json.Valid(v) {
			c.t.Fatalf("NewPrefix read %q whole", v)
		}
		if ok && c.valid && !json.Valid(v) {
			c.t.Fatalf("read %q of a valid body", v)
		}
		return ok
	}
	return !s.Ended()
}
