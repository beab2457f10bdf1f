package confidentai_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/apikeys-go/apikeys/internal/confidentai"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// fuzzOps are the operations FuzzDecode reads an answer as, by index.
var fuzzOps = []platform.Operation{
	createOp("CI/CD key"),
	{Kind: platform.KindGet, KeyID: "12"},
	{Kind: platform.KindList, List: &platform.ListFields{}},
	{Kind: platform.KindTransition, Action: "activate", KeyID: "12"},
	deactivate("12"),
	deleteOp("12"),
	{Kind: platform.KindUpdate, KeyID: "12"},
}

// docStrings walks body as JSON tokens, as far as it is JSON, and returns
// the strings under a member named "value" that are not masked (the
// secret-bearing ones) and every other string: member names, other values
// and masked values. Repeated members are all seen.
func docStrings(body []byte) (secrets, others []string) {
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object  bool
		wantKey bool
		key     string
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return secrets, others
		}
		var top *frame
		if len(stack) > 0 {
			top = &stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				if top != nil && top.object {
					top.wantKey = true
				}
				stack = append(stack, frame{object: true, wantKey: true})
			case '[':
				if top != nil && top.object {
					top.wantKey = true
				}
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.object && top.wantKey {
				top.key, top.wantKey = v, false
				others = append(others, v)
				continue
			}
			if top != nil && top.object && top.key == "value" && !strings.HasPrefix(v, "*") {
				secrets = append(secrets, v)
			} else {
				others = append(others, v)
			}
		}
		if top != nil && top.object {
			top.wantKey = true
		}
	}
}

// keyStrings are every string a Key holds.
func keyStrings(k *platform.Key) []string {
	s := []string{k.ID, k.OrganizationID, k.Name, k.Prefix, k.Suffix, k.Status, k.PlatformStatus,
		k.PermissionMode, k.ProjectID, k.CreatedBy, k.UpdatedBy}
	s = append(s, k.Scopes...)
	s = append(s, k.AvailableActions...)
	for a, b := range k.Access {
		s = append(s, a, b)
	}
	if k.Carry != nil {
		s = append(s, "carry") // this mapping never sets one
	}
	return s
}

// constantWords are what the mapping writes of its own into a Key.
const constantWords = "valid=true valid=false active inactive"

// FuzzDecode: no answer panics Decode or DecodeError; an error is either
// the vendor's envelope or a decode error in the package's own words; a
// secret-bearing value never reaches a Key (nor, for a create, does the
// secret); the invariants of each Kind hold.
func FuzzDecode(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.json"))
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		for i := range fuzzOps {
			f.Add(b, uint8(i))
		}
	}
	for _, s := range []string{
		``, `null`, `{}`, `[]`, `{"status":"ok"}`, `<html>`, `{"success":false}`,
		`{"success":false,"error":"x"}`, `{"data":{"apiKey":"` + canarySecret + `"}}`,
		keyJSON(`"id":12,"value":"` + canarySecret + `"`),
		keyJSON(`"id":12,"value":"` + canarySecret + `","created_at":7`),
		keyJSON(`"id":12,"value":"***` + canarySecret + `"`),
		keyJSON(`"id":1e3,"value":"x"`), keyJSON(`"id":"9007199254740993"`),
		`{"data":{"apiKeys":[{"id":1,"value":"` + canarySecret + `"},{"id":2},null,7]}}`,
		`{"data":{"apiKeys":[{"id":1}],"apiKeys":{}}}`, `{"data":{"id":12,"deleted":false,"valid":true}}`,
		`{"data":{"apiKey":{"id":1}}}{"data":{}}`, `{"data":{"apiKey":{"id":1,"value":"abc`,
	} {
		for i := range fuzzOps {
			f.Add([]byte(s), uint8(i))
		}
	}
	m := confidentai.Mapping{}
	f.Fuzz(func(t *testing.T, body []byte, which uint8) {
		op := fuzzOps[int(which)%len(fuzzOps)]
		a := &platform.Answer{Status: 200, Body: body}
		res, err := m.Decode(op, a)
		e := m.DecodeError(op, &platform.Answer{Status: 404, Body: body})

		// DecodeError: the message as the envelope has it, nothing more.
		if e.Status != 0 || e.Class != platform.ClassNone || e.Code != "" || e.Details != nil || e.TraceID != "" {
			t.Fatalf("DecodeError = %#v, want only a Message", e)
		}
		if e.Message != "" {
			// A map, not a struct: encoding/json matches struct fields
			// without regard to case, and the vendor's key is "error"
			// exactly ({"error":"0","ERROR":0} is a failure envelope).
			var env map[string]any
			if json.Unmarshal(body, &env) != nil || env["error"] != e.Message {
				t.Fatalf("DecodeError message %q is not the body's \"error\"", e.Message)
			}
		}

		secrets, others := docStrings(body)
		others = append(others, constantWords)
		isOther := func(s string) bool {
			for _, o := range others {
				if strings.Contains(o, s) {
					return true
				}
			}
			return false
		}

		var pe *platform.Error
		switch {
		case err == nil:
		case errors.As(err, &pe):
			if pe.Status != 0 || pe.Class != platform.ClassNone || pe.Code != "" {
				t.Fatalf("failure envelope error = %#v, want only a Message", pe)
			}
			if res.Secret != "" || res.Keys != nil || res.Key.ID != "" {
				t.Fatalf("a failure envelope returned a Result: %+v", res)
			}
		default:
			if !errorForm.MatchString(err.Error()) {
				t.Fatalf("Decode error %q is not in the package's own words", err)
			}
		}

		keys := append([]platform.Key{res.Key}, res.Keys...)
		// The secret-bearing values of this answer (and, for a create, the
		// secret itself) reach no Key, wherever they are not also written
		// elsewhere in the answer.
		watch := secrets
		if op.Kind == platform.KindCreate && res.Secret != "" {
			watch = append(watch, res.Secret)
		}
		for _, s := range watch {
			if len(s) < 4 || isOther(s) {
				continue
			}
			for i := range keys {
				for _, v := range keyStrings(&keys[i]) {
					if strings.Contains(v, s) {
						t.Fatalf("secret-bearing value %q reached a Key: %+v", s, keys[i])
					}
				}
			}
		}

		for i := range keys {
			if n := len([]rune(keys[i].Suffix)); n > 6 {
				t.Fatalf("Suffix %q has %d characters, want at most 6", keys[i].Suffix, n)
			}
			if keys[i].Status != "" && keys[i].Status != "active" && keys[i].Status != "inactive" {
				t.Fatalf("Status %q is not one the Spec lists", keys[i].Status)
			}
		}
		if res.Next != "" {
			t.Fatalf("Next = %q, want none: one answer holds every key", res.Next)
		}
		switch {
		case op.Kind == platform.KindCreate:
			if (res.Key.ID == "") != (res.Secret == "") {
				t.Fatalf("create: ID %q and secret set %t: want both or neither", res.Key.ID, res.Secret != "")
			}
			if err == nil && res.Secret == "" {
				t.Fatal("create: no error and no secret")
			}
			if strings.HasPrefix(res.Secret, "*") {
				t.Fatal("create: a masked value became the secret")
			}
		case res.Secret != "":
			t.Fatalf("Secret set outside a create (kind %d)", op.Kind)
		case op.Kind == platform.KindList:
			if err == nil && res.Keys == nil {
				t.Fatal("list: no error and no list")
			}
		case op.Action == "delete":
			if res.Key.ID != "" || res.Keys != nil {
				t.Fatalf("delete returned a Result: %+v", res)
			}
		case op.Kind == platform.KindTransition:
			if pe == nil && (err != nil || res.Key.ID == "") {
				t.Fatalf("transition: Result %+v, error %v; want a key or a Partial key and no error", res, err)
			}
			if res.Key.Partial && res.Key.ID != op.KeyID {
				t.Fatalf("transition: Partial key ID %q, want %q", res.Key.ID, op.KeyID)
			}
		default: // get
			if err == nil && res.Key.ID == "" {
				t.Fatal("get: no error and no key")
			}
			if res.Key.Partial {
				t.Fatal("get: a Partial key")
			}
		}
	})
}
