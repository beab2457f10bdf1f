package apikeys

import (
	"fmt"
	"log/slog"
)

const redacted = "[REDACTED]"

// Secret is a key's secret value, returned once by Create and Rotate. It
// cannot be printed, marshaled or logged by accident: fmt's verbs (%v %+v %#v
// %s %q …), json.Marshal, encoding.TextMarshaler and slog all show
// "[REDACTED]", after the key's public prefix when it is known. Only Reveal
// returns the value; store it where it belongs and drop the Secret.
type Secret struct {
	// A pointer, so that fmt printing a struct that holds a Secret in an
	// unexported field (where fmt cannot call Format) shows an address.
	s *secretValue
}

// secretValue keeps the value behind a func because fmt, printing a bad verb
// or an unexported field, walks into structs and prints their strings; a func
// it prints only as an address.
type secretValue struct {
	value  func() string
	prefix string
}

func newSecret(value, prefix string) Secret {
	return Secret{s: &secretValue{value: func() string { return value }, prefix: prefix}}
}

// Reveal returns the secret value; "" for the zero Secret.
func (s Secret) Reveal() string {
	if s.s == nil {
		return ""
	}
	return s.s.value()
}

// IsZero reports whether s holds no secret.
func (s Secret) IsZero() bool { return s.Reveal() == "" }

// String returns the redacted form, e.g. "ak_live_1a2b[REDACTED]".
func (s Secret) String() string {
	if s.s == nil {
		return redacted
	}
	return s.s.prefix + redacted
}

// GoString makes %#v redacted too.
func (s Secret) GoString() string { return "apikeys.Secret(" + s.String() + ")" }

// Format makes every fmt verb print the redacted form.
func (s Secret) Format(f fmt.State, verb rune) {
	switch verb {
	case 'q':
		fmt.Fprintf(f, "%q", s.String())
	case 'v':
		if f.Flag('#') {
			_, _ = f.Write([]byte(s.GoString()))
			return
		}
		_, _ = f.Write([]byte(s.String()))
	default:
		_, _ = f.Write([]byte(s.String()))
	}
}

// MarshalText makes encoding/json, encoding/xml and friends write the
// redacted form. There is deliberately no UnmarshalText.
func (s Secret) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// LogValue makes slog log the redacted form.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }
