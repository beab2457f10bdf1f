package jsonscan

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

var validCases = []string{
	``, ` `, `{}`, `[]`, ` { } `, `[ ]`, `{"a":1}`, `{"a":1,}`, `{"a" 1}`, `{1:1}`, `{"a":}`, `[1,]`, `[,1]`, `[1 2]`,
	`"x"`, `"\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"`, `"\x"`, `"\u12"`, `"\u12G4"`, "\"a\x01\"", "\"\xff\xfe\"", `"`, `"\`,
	`0`, `-0`, `01`, `-`, `1.`, `.1`, `1.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e-10`, `12x`, `1 2`, `+1`,
	`true`, `false`, `null`, `tru`, `nul`, `truex`, `True`, `[true,false,null]`,
	`{"a":{"b":[1,{"c":"d"}]}}`, `{"a":{"b":[1,{"c":"d"}]}`, `{"a":{"b":[1,{"c":"d"}]}}}`, `[}`, `{]`,
	"\ufeff{}", "{}\x00", " \t\r\n1\n", "\v1",
}

// Valid agrees with encoding/json's on each case.
func TestValid(t *testing.T) {
	for _, c := range validCases {
		if got, want := Valid([]byte(c)), json.Valid([]byte(c)); got != want {
			t.Errorf("Valid(%q) = %v, encoding/json says %v", c, got, want)
		}
	}
}

// Nesting: encoding/json refuses more than 10,000 open at once, an empty
// object or array at the limit included.
func TestValidDepth(t *testing.T) {
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		for _, inner := range []string{"", "1", "[]", "{}", `{"a":1}`} {
			b := []byte(strings.Repeat("[", depth) + inner + strings.Repeat("]", depth))
			if got, want := Valid(b), json.Valid(b); got != want {
				t.Errorf("depth %d around %q: Valid = %v, encoding/json says %v", depth, inner, got, want)
			}
			o := []byte(strings.Repeat(`{"k":`, depth) + "1" + strings.Repeat("}", depth))
			if got, want := Valid(o), json.Valid(o); got != want {
				t.Errorf("%d nested objects: Valid = %v, encoding/json says %v", depth, got, want)
			}
		}
	}
}

// FuzzValid holds Valid to encoding/json's Valid on any bytes.
func FuzzValid(f *testing.F) {
	for _, c := range validCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Valid(b), json.Valid(b); got != want {
			t.Fatalf("Valid(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}

var validBody = bytes.Repeat([]byte(`{"id":"k1","key_name":"ci \u00e9","scopes":["a","b"],"usage_limit_chf":-3.5e2,"on":true,"x":null},`), 6)

func BenchmarkValid(b *testing.B) {
	body := append(append([]byte("["), validBody[:len(validBody)-1]...), ']')
	b.SetBytes(int64(len(body)))
	for _, v := range []struct {
		name  string
		valid func([]byte) bool
	}{{"jsonscan", Valid}, {"encoding_json", json.Valid}} {
		b.Run(v.name, func(b *testing.B) {
			for b.Loop() {
				if !v.valid(body) {
					b.Fatal("invalid")
				}
			}
		})
	}
}
