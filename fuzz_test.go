package apikeys_test

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
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
// empty, "." and "..", "/" or "\", control characters, invalid UTF-8, over
// 256 bytes.
func wantIDRefused(id string) bool {
	return id == "" || id == "." || id == ".." || len(id) > 256 || !utf8.ValidString(id) ||
		strings.ContainsFunc(id, unicode.IsControl) || strings.ContainsAny(id, `/\`)
}

// FuzzIDs: for any organization and key ID, the client either refuses the ID
// locally with a *ValidationError and sends nothing, or sends a request whose
// path segments unescape back exactly to the IDs.
func FuzzIDs(f *testing.F) {
	for _, seed := range [][2]string{
		{"org_1", "key_1"}, {"org_1", ""}, {"", "key_1"}, {".", ".."}, {"org", "."}, {"org", "..."},
		{"org/../admin", "../../etc/passwd"}, {"org", "a/b"}, {"org", "a%2Fb"}, {"org", "%"},
		{"org", "a\\b"}, {"org", "a?b=c#d"}, {"org", "a;b,c"}, {"org", "spa ce"}, {"org", "tab\tkey"}, {"org", "nl\nkey"},
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
		if strings.ContainsAny(keyID, `/\`) {
			// Refused, never escaped: a proxy that decodes %2F would turn a
			// call on one key into a call on another.
			if err == nil || len(rt.urls) != 0 {
				t.Fatalf("Get(%q) = %v after %d requests; a slash went out", keyID, err, len(rt.urls))
			}
		}
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

// fuzzCredential is the credential of FuzzAnswers' clients: no answer may
// bring it back into an error.
const fuzzCredential = "cred_FUZZ_s3cr3t_0123456789"

// scriptedTransport answers every request with one status and body.
type scriptedTransport struct {
	status int
	body   []byte
}

func (st *scriptedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	return &http.Response{
		StatusCode: st.status, Header: http.Header{"Content-Type": {"application/json"}, "X-Request-Id": {"req_" + fuzzCredential}},
		Body:    io.NopCloser(strings.NewReader(string(st.body))),
		Request: req,
	}, nil
}

// FuzzAnswers: whatever a server answers to whichever operation on whichever
// platform, the client returns without a panic, with either a result or an
// error (never both missing), and no error repeats the credential, however
// the answer echoes it.
func FuzzAnswers(f *testing.F) {
	for _, seed := range []struct {
		status int
		body   string
	}{
		{200, `{"id":"k1","status":"active"}`}, {201, `{"id":"k1","key":"sk_x"}`}, {200, `{"api_keys":[{"id":"k1"}],"next_cursor":"c"}`},
		{200, `[]`}, {200, `{}`}, {200, `null`}, {204, ``}, {400, `{"error":{"code":"INVALID_STATE_TRANSITION","message":"` + fuzzCredential + `"}}`},
		{401, `{"success":false,"error":{"code":"INVALID_API_KEY","details":{"` + fuzzCredential + `":1}}}`},
		{404, `{"error":"API key not found"}`}, {422, `{"status":"error","code":"validation_errors","errors":{"a":["b"]}}`},
		{500, `<html>` + fuzzCredential + `</html>`}, {302, ``}, {200, `{"success":true,"data":[{"id":1}]}`},
		{200, `{"status":"success","details":{"id":"t"},"summaries":[],"pagination":null}`},
	} {
		for op := range uint8(7) {
			f.Add(uint8(0), op, seed.status, []byte(seed.body))
		}
	}
	platforms := apikeys.Platforms()
	f.Fuzz(func(t *testing.T, pi, op uint8, status int, body []byte) {
		if status < 100 || status > 599 {
			return
		}
		p := platforms[int(pi)%len(platforms)]
		caps := p.Capabilities()
		opts := []apikeys.Option{
			apikeys.WithPlatform(p), apikeys.WithBaseURL("https://keys.example.com/v1"), apikeys.WithAPIKey(fuzzCredential),
			apikeys.WithHTTPClient(&http.Client{Transport: &scriptedTransport{status: status, body: body}}),
			apikeys.WithMaxRetries(0),
		}
		if caps.Organization == apikeys.RequirementRequired {
			opts = append(opts, apikeys.WithOrganization("org_1"))
		}
		if caps.AuthHeader == "" {
			opts = append(opts, apikeys.WithAuthHeader("X-Key", ""))
		}
		c, err := apikeys.New(opts...)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		ctx := t.Context()
		var nilr bool // no result where one is due
		switch op % 7 {
		case 0:
			k, e := c.Get(ctx, "1")
			nilr, err = k == nil, e
		case 1:
			params := apikeys.CreateParams{}
			if slices.Contains(caps.CreateFields, apikeys.FieldName) {
				params.Name = "ci"
			}
			ck, e := c.Create(ctx, params)
			nilr, err = ck == nil, e
		case 2:
			n := 0
			for _, e := range c.List(ctx, apikeys.ListParams{}) {
				if e != nil {
					err = e
				}
				if n++; n > 1000 {
					t.Fatal("List did not end")
				}
			}
		default:
			a := caps.Actions[int(op)%len(caps.Actions)]
			k, e := c.Transition(ctx, &apikeys.Key{ID: "1", Status: apikeys.StatusActive, Platform: p}, a)
			nilr, err = k == nil && a != apikeys.ActionDelete, e
			if errors.Is(e, apikeys.ErrInvalidTransition) {
				return // refused locally from the guessed status
			}
		}
		if err == nil && nilr {
			t.Fatalf("%s op %d: no result and no error", p, op%7)
		}
		if err != nil {
			for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(text, fuzzCredential) {
					t.Fatalf("%s op %d: the error repeats the credential: %s", p, op%7, text)
				}
			}
		}
	})
}
