package transport

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"
)

// Redacted replaces a credential wherever a server echoed it.
const Redacted = "[REDACTED]"

// Scrubber removes one credential from text a server sent back, in every
// form a server would plausibly echo it: raw, JSON-escaped (inside a JSON
// string: as Go writes it, with "<", ">" and "&" as \u003c…, and with "/"
// as "\/" the way PHP's json_encode writes it) and URL-encoded (in a query
// or a path). The zero or nil Scrubber removes nothing.
type Scrubber struct {
	forms []string // longest first, so a form containing another goes whole
}

// NewScrubber returns a Scrubber for secret.
func NewScrubber(secret string) *Scrubber {
	if secret == "" {
		return &Scrubber{}
	}
	q, _ := json.Marshal(secret) // a string always marshals
	quoted := string(q[1 : len(q)-1])
	var plain strings.Builder
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	enc.Encode(secret) // a string always encodes
	unescaped := strings.TrimSuffix(plain.String(), "\n")
	unescaped = unescaped[1 : len(unescaped)-1]
	forms := []string{
		secret, quoted, unescaped,
		strings.ReplaceAll(quoted, "/", `\/`), strings.ReplaceAll(unescaped, "/", `\/`),
		url.QueryEscape(secret), url.PathEscape(secret),
	}
	// Equal forms must end up side by side for Compact.
	slices.SortFunc(forms, func(a, b string) int {
		if len(a) != len(b) {
			return len(b) - len(a)
		}
		return strings.Compare(a, b)
	})
	return &Scrubber{forms: slices.Compact(forms)}
}

// String returns s with every form of the secret replaced by Redacted.
func (s *Scrubber) String(v string) string {
	if s == nil {
		return v
	}
	for _, f := range s.forms {
		if strings.Contains(v, f) {
			v = strings.ReplaceAll(v, f, Redacted)
		}
	}
	return v
}

// Cut returns b scrubbed and kept to limit bytes. A body cut at the limit may
// end inside a form of the secret: a tail that is the start of one (8 bytes
// or more) goes too.
func (s *Scrubber) Cut(b []byte, limit int) []byte {
	if len(b) == 0 {
		return nil
	}
	v := s.String(string(b))
	if s != nil {
	tail:
		for _, f := range s.forms {
			for n := len(f) - 1; n >= 8; n-- {
				if strings.HasSuffix(v, f[:n]) {
					v = v[:len(v)-n] + Redacted
					break tail
				}
			}
		}
	}
	// A secret shorter than the marker makes the text grow: keep the
	// promise of at most limit bytes.
	return []byte(v[:min(len(v), limit)])
}
