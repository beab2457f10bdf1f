package apikeys_test

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/apikeys-go/apikeys"
)

// recordingTransport answers every request with one key and keeps the URLs.
type recordingTransport struct {
	mu   sync.Mutex
	urls []*url.URL
}

func (rt *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	rt.mu.Lock()
	rt.urls = append(rt.urls, req.URL)
	rt.mu.Unlock()
	return &http.Response{
		StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body:    io.NopCloser(strings.NewReader(`{"id":"k","status":"active"}`)),
		Request: req,
	}, nil
}

// wantIDRefused is the documented rule, written independently of the code:
// empty, "." and "..", control characters, invalid UTF-8, over 256 bytes.
func wantIDRefused(id string) bool {
	return id == "" || id == "." || id == ".." || len(id) > 256 || !utf8.ValidString(id) ||
		strings.ContainsFunc(id, unicode.IsControl)
}

// FuzzIDs: for any organization and key ID, the client either refuses the ID
// locally with a *ValidationError and sends nothing, or sends a request whose
// path segments unescape back exactly to the IDs.
func FuzzIDs(f *testing.F) {
	for _, seed := range [][2]string{
		{"org_1", "key_1"}, {"org_1", ""}, {"", "key_1"}, {".", ".."}, {"org", "."}, {"org", "..."},
		{"org/../admin", "../../etc/passwd"}, {"org", "a/b"}, {"org", "a%2Fb"}, {"org", "%"},
		{"org", "a?b=c#d"}, {"org", "a;b,c"}, {"org", "spa ce"}, {"org", "tab\tkey"}, {"org", "nl\nkey"},
		{"org", "del\x7f"}, {"org", "c1\u0085"}, {"org", "é🔑"}, {"org", "\xff\xfe"}, {"org", "\u202e"},
		{"org", strings.Repeat("k", 256)}, {"org", strings.Repeat("k", 257)}, {"org", strings.Repeat("é", 128)},
		{"org", "+&=:@$!'()*"}, {"org", "[::1]"}, {"org", "\\..\\"}, {"org", "%2e%2e"}, {"org", "\x00"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, orgID, keyID string) {
		rt := &recordingTransport{}
		cl, err := apikeys.New(apikeys.WithBaseURL("http://127.0.0.1/v1"), apikeys.WithAPIKey("cred"),
			apikeys.WithOrganization(orgID), apikeys.WithHTTPClient(&http.Client{Transport: rt}),
			apikeys.WithMaxRetries(0))
		var verr *apikeys.ValidationError
		if wantIDRefused(orgID) {
			if !errors.As(err, &verr) || cl != nil {
				t.Fatalf("New with org %q = %v, %v; want a *ValidationError", orgID, cl, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("New with org %q: %v", orgID, err)
		}
		_, err = cl.Get(t.Context(), keyID)
		if wantIDRefused(keyID) {
			if !errors.As(err, &verr) || len(rt.urls) != 0 {
				t.Fatalf("Get(%q) = %v after %d requests; want a *ValidationError and none", keyID, err, len(rt.urls))
			}
			return
		}
		if err != nil || len(rt.urls) != 1 {
			t.Fatalf("Get(%q) = %v after %d requests; want success after 1", keyID, err, len(rt.urls))
		}
		u := rt.urls[0]
		segs := strings.Split(u.EscapedPath(), "/")
		if len(segs) != 6 || segs[0] != "" || segs[1] != "v1" || segs[2] != "organizations" || segs[4] != "api-keys" {
			t.Fatalf("path %q is not /v1/organizations/{org}/api-keys/{key}", u.EscapedPath())
		}
		for _, c := range []struct{ seg, id string }{{segs[3], orgID}, {segs[5], keyID}} {
			if got, err := url.PathUnescape(c.seg); err != nil || got != c.id {
				t.Errorf("segment %q unescapes to %q (%v), want %q", c.seg, got, err, c.id)
			}
		}
		if u.RawQuery != "" || u.Fragment != "" || u.Host != "127.0.0.1" {
			t.Errorf("URL %s gained a query, fragment or host", u)
		}
	})
}
