package apikeystest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits every wire shares.
const (
	maxBodySize = 1 << 20 // bytes; a larger body is refused with 413
)

// decodeJSON decodes exactly one JSON object into v, a pointer to a struct
// whose json tags name the object's fields, as strictly as a test deserves.
// It refuses, each as the 422 VALIDATION_ERROR (or 415) a client should see:
//   - a missing body, or a Content-Type other than application/json (415);
//   - anything but one object, or data after it;
//   - an unknown field, and a field whose name matches only when case is
//     ignored ("KEY_NAME"), which encoding/json would take as key_name;
//   - a name that appears twice in one object, of which encoding/json would
//     keep the last;
//   - a top-level null, except for the fields named in nullable: encoding/json
//     would take null for "omitted", and the two mean different things to a
//     client (keep the value, or clear it?);
//   - a value of the wrong JSON type.
//
// The field named is the member as sent; a repeated key inside a map (such
// as access) names the map's member.
func decodeJSON(contentType string, body []byte, v any, nullable ...string) *apiError {
	if len(body) == 0 {
		return validationError("body", "a JSON object is required")
	}
	if mt, _, err := mime.ParseMediaType(contentType); err != nil || mt != "application/json" {
		return &apiError{
			status:  http.StatusUnsupportedMediaType,
			code:    codeUnsupportedMedia,
			typ:     typeInvalidRequest,
			message: "the request body must be sent as Content-Type: application/json",
			details: map[string]any{"content_type": contentType},
		}
	}
	if e := checkNames(body, reflect.TypeOf(v), nullable); e != nil {
		return e
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields() // checkNames has refused them; kept as a guard
	err := dec.Decode(v)
	if err == nil {
		if _, terr := dec.Token(); terr != io.EOF {
			return validationError("body", "unexpected data after the JSON object")
		}
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typeErr):
		field := typeErr.Field
		if field == "" {
			return validationError("body", "must be a JSON object")
		}
		field, _, _ = strings.Cut(field, ".") // the member the client sent
		return validationError(field, "must not be a JSON "+typeErr.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// encoding/json has no typed error for this; its message is stable.
		name, uerr := strconv.Unquote(strings.TrimPrefix(err.Error(), "json: unknown field "))
		if uerr != nil {
			name = "body"
		}
		return validationError(name, "unknown field")
	default:
		return validationError("body", "malformed JSON")
	}
}

// checkNames walks the JSON text against the Go type it will be decoded into
// and refuses what encoding/json would accept silently: unknown, case-folded
// and repeated names, and top-level nulls outside nullable. Malformed JSON
// passes: the decoder that follows reports it.
func checkNames(body []byte, t reflect.Type, nullable []string) *apiError {
	dec := json.NewDecoder(bytes.NewReader(body))
	tok, err := dec.Token()
	switch {
	case err != nil:
		return nil
	case tok != json.Delim('{'):
		return validationError("body", "must be a JSON object")
	}
	return walkObject(dec, t, "", nullable)
}

// walkObject reads the members of an object whose "{" has been read, and its
// "}". t is the type it decodes into (nil: unknown); parent is the member it
// is the value of, "" for the top-level object, whose members may be null
// only if nullable names them.
func walkObject(dec *json.Decoder, t reflect.Type, parent string, nullable []string) *apiError {
	t = deref(t)
	var fields map[string]reflect.Type
	isMap := t != nil && t.Kind() == reflect.Map
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := make(map[string]bool)
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		name, _ := tok.(string)
		if seen[name] {
			if isMap && parent != "" {
				return validationError(parent, "holds the key "+quote(name)+" twice")
			}
			return validationError(name, "appears twice")
		}
		seen[name] = true
		var vt reflect.Type
		switch {
		case fields != nil:
			ft, ok := fields[name]
			if !ok {
				for known := range fields {
					if strings.EqualFold(known, name) {
						return validationError(name, "unknown field; names are case-sensitive: "+quote(known))
					}
				}
				return validationError(name, "unknown field")
			}
			vt = ft
		case isMap:
			vt = t.Elem()
		}
		member := name
		if isMap && parent != "" {
			member = parent
		}
		nullOK := parent != "" || slices.Contains(nullable, name)
		if e := walkValue(dec, vt, member, nullOK); e != nil {
			return e
		}
	}
	dec.Token() // "}"
	return nil
}

// walkValue reads one value that decodes into t (nil: unknown), the value of
// member.
func walkValue(dec *json.Decoder, t reflect.Type, member string, nullOK bool) *apiError {
	tok, err := dec.Token()
	if err != nil {
		return nil
	}
	switch tok {
	case nil:
		if !nullOK {
			return validationError(member, "must not be null; omit the field to keep its value")
		}
	case json.Delim('{'):
		return walkObject(dec, t, member, nil)
	case json.Delim('['):
		var et reflect.Type
		if t = deref(t); t != nil && t.Kind() == reflect.Slice {
			et = t.Elem()
		}
		for dec.More() {
			if e := walkValue(dec, et, member, true); e != nil {
				return e
			}
		}
		dec.Token() // "]"
	}
	return nil
}

func deref(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// jsonFields maps a struct's JSON member names, as its tags spell them, to
// the fields' types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := make(map[string]reflect.Type, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if !f.IsExported() || name == "-" {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}

// validScopes refuses a blank scope.
func validScopes(scopes []string) ([]string, *apiError) {
	for _, s := range scopes {
		if strings.TrimSpace(s) == "" {
			return nil, validationError("scopes", "must not contain an empty scope")
		}
	}
	return scopes, nil
}

func validUsageLimit(p *float64) *apiError {
	if p != nil && *p < 0 {
		return validationError("usage_limit_chf", "must not be negative")
	}
	return nil
}

// validExpiry parses expires_at, which must lie after now: a key that is
// expired when made is almost certainly a caller's mistake.
func validExpiry(s string, now time.Time) (time.Time, *apiError) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, validationError("expires_at", "must be an RFC 3339 time")
	}
	if !t.After(now) {
		return time.Time{}, validationError("expires_at", "must be in the future")
	}
	return t.UTC(), nil
}

// intParam reads an integer query parameter from lo to hi; absent, it is def.
// A parameter that is present must be valid: "page_size=" is refused, not
// defaulted, as a client that sends it has a bug.
func intParam(q url.Values, name string, lo, def, hi int) (int, *apiError) {
	vs, ok := q[name]
	if !ok {
		return def, nil
	}
	n, err := strconv.Atoi(vs[0])
	if err != nil || len(vs) > 1 || n < lo || n > hi {
		return 0, validationError(name, "must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

// boolParam reads a "true" or "false" query parameter; absent, it is false.
func boolParam(q url.Values, name string) (bool, *apiError) {
	vs, ok := q[name]
	if !ok {
		return false, nil
	}
	if len(vs) == 1 && (vs[0] == "true" || vs[0] == "false") {
		return vs[0] == "true", nil
	}
	return false, validationError(name, `must be "true" or "false"`)
}
