package jsonscan

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// Each Reader method reads its type, treats absent and null as none, and
// records the first failure only, naming the field and never the bytes.
func TestReader(t *testing.T) {
	body := []byte(`{"s":"a\u0062","n":-1.5e1,"i":42,"f":4.5,"b":false,"l":["x",null],"m":{"k":"v","z":null},` +
		`"t":"2025-01-02T05:04:05+02:00","e":"","nil":null,"dup":1,"dup":"two","obj":{"s":"in"}}`)
	o := ObjectOf(body, nil)
	r := &Reader{Source: "test"}
	got := map[string]any{}
	got["s"] = r.String(o, "", "s")
	got["dup"] = r.String(o, "", "dup")
	got["absent"] = r.String(o, "", "absent")
	got["nil"] = r.String(o, "", "nil")
	got["n"], _ = r.Number(o, "", "n")
	got["i"], _ = r.Integer(o, "", "i")
	got["b"], got["b said"] = r.Bool(o, "", "b")
	got["l"] = r.Strings(o, "", "l")
	got["m"] = r.StringMap(o, "", "m")
	got["t"], _ = r.Time(o, "", "t")
	got["e"] = r.TimePtr(o, "", "e")
	sub, _ := o.Sub("obj")
	got["obj.s"] = r.String(sub, "obj.", "s")
	want := map[string]any{
		"s": "ab", "dup": "two", "absent": "", "nil": "", "n": -15.0, "i": 42, "b": false, "b said": true,
		"l": []string{"x", ""}, "m": map[string]string{"k": "v", "z": ""},
		"t": time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC), "e": (*time.Time)(nil), "obj.s": "in",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("read (-want +got):\n%s", diff)
	}
	if r.Err != nil {
		t.Fatalf("Err = %v after reading valid fields", r.Err)
	}
	if !o.Has("s") || o.Has("nil") || o.Has("absent") {
		t.Error("Has: want true for a value, false for null and absent")
	}

	bad := ObjectOf([]byte(`{"s":1,"n":"1","i":1.5,"b":"yes","l":"x","m":{"k":1},"t":"soon"}`), nil)
	for _, tt := range []struct {
		name, want string
		read       func(r *Reader)
	}{
		{"s", "test: answer field p.s: not a string", func(r *Reader) { r.String(bad, "p.", "s") }},
		{"n", "test: answer field n: not a number", func(r *Reader) { r.Number(bad, "", "n") }},
		{"i", "test: answer field i: not an integer", func(r *Reader) { r.Integer(bad, "", "i") }},
		{"b", "test: answer field b: not a boolean", func(r *Reader) { r.Bool(bad, "", "b") }},
		{"l", "test: answer field l: not an array of strings", func(r *Reader) { r.Strings(bad, "", "l") }},
		{"m", "test: answer field m: not an object of strings", func(r *Reader) { r.StringMap(bad, "", "m") }},
		{"t", "test: answer field t: not an RFC 3339 time", func(r *Reader) { r.Time(bad, "", "t") }},
	} {
		r := &Reader{Source: "test"}
		tt.read(r)
		r.String(bad, "", "s") // a second failure does not replace the first
		if r.Err == nil || r.Err.Error() != tt.want {
			t.Errorf("%s: Err = %v, want %q", tt.name, r.Err, tt.want)
		}
	}
	if got := (&FieldError{Source: "test", Problem: "is empty"}).Error(); got != "test: answer is empty" {
		t.Errorf("FieldError without a field = %q", got)
	}
}

var keyObject = []byte(`{"id":"k1","organization_id":"org_1","key_name":"ci","key_prefix":"ak_live_1a2b","status":"active",` +
	`"is_active":true,"scopes":["a"],"usage_limit_chf":3.5,"permission_mode":"restricted","access":{"p":"read"},` +
	`"project_scope":{"single":{"project_id":"p1"}},"created_by":"u1","updated_by":"u2","created_at":"2025-01-02T03:04:05Z",` +
	`"updated_at":"2025-01-02T03:04:06Z","last_used_at":"2025-01-03T00:00:00Z","expires_at":"2026-01-01T00:00:00Z",` +
	`"archived_at":null,"revoked_at":null,"available_actions":["pause","revoke"]}`)

// BenchmarkObjectOf: the members of a 20-member key object, as a decoder
// reads them.
func BenchmarkObjectOf(b *testing.B) {
	var buf [24]Member
	for b.Loop() {
		if o := ObjectOf(keyObject, buf[:0]); len(o) != 20 {
			b.Fatalf("%d members", len(o))
		}
	}
}

func TestParseObject(t *testing.T) {
	for _, tt := range []struct {
		body    string
		members int
		err     error
	}{
		{` {"a":1,"b":{}} `, 2, nil}, {`{}`, 0, nil}, {` null `, 0, nil},
		{``, 0, ErrNotJSON}, {`{"a":}`, 0, ErrNotJSON}, {`[1]`, 0, ErrNotObject}, {`"x"`, 0, ErrNotObject},
	} {
		o, err := ParseObject([]byte(tt.body), nil)
		if err != tt.err || len(o) != tt.members {
			t.Errorf("ParseObject(%q) = %d members, %v; want %d, %v", tt.body, len(o), err, tt.members, tt.err)
		}
	}
	r := &Reader{Source: "test"}
	o, _ := ParseObject([]byte(`{"s":{"a":"b"},"n":null,"x":[]}`), nil)
	if sub, ok := r.Object(o, "", "s"); !ok || r.String(sub, "s.", "a") != "b" {
		t.Error("Object did not read a nested object")
	}
	if _, ok := r.Object(o, "", "n"); ok || r.Err != nil {
		t.Errorf("Object(null) = ok %v, err %v; want neither", ok, r.Err)
	}
	if _, ok := r.Object(o, "p.", "x"); ok || r.Err == nil || r.Err.Error() != "test: answer field p.x: not an object" {
		t.Errorf("Object([]) = ok %v, err %v; want the failure", ok, r.Err)
	}
}
