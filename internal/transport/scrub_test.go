package transport

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
)

// The credential is removed in every form a server might echo it in: raw,
// inside a JSON string (HTML-escaped as Go writes it, plain, and with "\/"
// as PHP writes it), in a query and in a path.
func TestScrubberForms(t *testing.T) {
	const cred = `ak_live/"key"+1 2&x=é\<`
	q, _ := json.Marshal(cred)
	jsonForm := string(q[1 : len(q)-1])
	plainForm := `ak_live/\"key\"+1 2&x=é\\<`
	forms := []string{
		cred, jsonForm, plainForm,
		strings.ReplaceAll(jsonForm, "/", `\/`), strings.ReplaceAll(plainForm, "/", `\/`),
		url.QueryEscape(cred), url.PathEscape(cred),
	}
	s := NewScrubber(cred)
	for _, form := range forms {
		text := "before " + form + " after " + form
		got := s.String(text)
		if want := "before " + Redacted + " after " + Redacted; got != want {
			t.Errorf("String(%q) = %q, want %q", text, got, want)
		}
	}
	if got := s.String("nothing to see"); got != "nothing to see" {
		t.Errorf("String changed text without the credential: %q", got)
	}
	for _, z := range []*Scrubber{nil, NewScrubber("")} {
		if got := z.String("x " + cred); got != "x "+cred {
			t.Errorf("an empty scrubber changed the text: %q", got)
		}
	}
}

// Cut scrubs, keeps at most limit bytes, and removes a tail that is the
// start of the credential (8 bytes or more) cut at the limit.
func TestScrubberCut(t *testing.T) {
	const cred = "ak_admin_0123456789abcdef"
	s := NewScrubber(cred)
	if got := s.Cut(nil, 10); got != nil {
		t.Errorf("Cut(nil) = %q", got)
	}
	body := []byte(`{"error":{"message":"bad key ` + cred + `"}}`)
	got := string(s.Cut(body, 4096))
	if strings.Contains(got, cred) || !strings.Contains(got, Redacted) {
		t.Errorf("Cut = %q", got)
	}
	// The body cut inside the credential: the tail goes.
	head := `{"message":"bad key `
	cut := []byte(head + cred[:12])
	got = string(s.Cut(cut, 4096))
	if strings.Contains(got, cred[:8]) {
		t.Errorf("Cut kept the start of the credential: %q", got)
	}
	if got != head+Redacted {
		t.Errorf("Cut = %q, want %q", got, head+Redacted)
	}
	// A short tail that happens to match is kept: it says nothing.
	short := []byte("ends with ak_admi")
	if got := string(s.Cut(short, 4096)); got != string(short) {
		t.Errorf("Cut(%q) = %q", short, got)
	}
	// Never more than limit bytes, even when the marker is longer than the
	// credential it replaces.
	tiny := NewScrubber("abc")
	if got := tiny.Cut([]byte("abcabcabcabc"), 12); len(got) > 12 || strings.Contains(string(got), "abc") {
		t.Errorf("Cut = %q (%d bytes), want at most 12 without the credential", got, len(got))
	}
}
