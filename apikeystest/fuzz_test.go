package apikeystest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// fuzzAdminKey is the credential of every fuzzed server, fixed so that the
// seed corpus's requests authenticate and the fuzzer starts past the 401.
const fuzzAdminKey = "ak_admin_fuzz"

// fuzzServer is a fresh in-process server of p on the fixed clock: one per
// input, so that a failing input fails again on its own.
func fuzzServer(tb testing.TB, p apikeys.Platform) *apikeystest.Server {
	tb.Helper()
	return apikeystest.Start(tb, apikeystest.WithPlatform(p), apikeystest.WithClock(fixed),
		apikeystest.WithAdminKey(fuzzAdminKey), apikeystest.WithoutListener())
}

// createParams is a create every platform takes.
func createParams(p apikeys.Platform) apikeys.CreateParams {
	if slices.Contains(p.Capabilities().CreateFields, apikeys.FieldName) {
		return apikeys.CreateParams{Name: "fuzz"}
	}
	return apikeys.CreateParams{}
}

// exercise drives every operation p has through the client, so that
// Requests holds a real request of each kind for the seed corpus.
func exercise(tb testing.TB, srv *apikeystest.Server, p apikeys.Platform) {
	tb.Helper()
	ctx := context.Background()
	client, err := srv.Client(apikeys.WithMaxRetries(0))
	if err != nil {
		tb.Fatal(err)
	}
	caps := p.Capabilities()
	for range 3 {
		if _, err := client.Create(ctx, createParams(p)); err != nil {
			tb.Fatalf("%s: Create: %v", p, err)
		}
	}
	for _, err := range client.List(ctx, apikeys.ListParams{PageSize: min(1, caps.MaxPageSize)}) {
		if err != nil {
			tb.Fatalf("%s: List: %v", p, err)
		}
	}
	name := "fuzz"
	if p == apikeys.Prefactor {
		name = ""
	}
	for _, a := range caps.Actions {
		// A key in a status the action is allowed from.
		for _, st := range caps.Statuses {
			if !p.Can(st, a) {
				continue
			}
			k, _, err := srv.AddKey(apikeys.Key{Name: name, Status: st})
			if err != nil {
				tb.Fatalf("%s: AddKey(%s): %v", p, st, err)
			}
			if _, err := client.Transition(ctx, k, a); err != nil {
				tb.Fatalf("%s: %s from %s: %v", p, a, st, err)
			}
			break
		}
	}
	k, _, err := srv.AddKey(apikeys.Key{Name: name})
	if err != nil {
		tb.Fatal(err)
	}
	if caps.Get {
		if _, err := client.Get(ctx, k.ID); err != nil {
			tb.Fatalf("%s: Get: %v", p, err)
		}
	}
	if caps.Update {
		if _, err := client.Update(ctx, k.ID, apikeys.UpdateParams{Name: apikeys.Ptr("renamed")}); err != nil {
			tb.Fatalf("%s: Update: %v", p, err)
		}
	}
}

// headerLines and parseHeaderLines carry a header through the fuzzer as
// "Name: value" lines.
func headerLines(h http.Header) string {
	var b strings.Builder
	for name, vs := range h {
		for _, v := range vs {
			b.WriteString(name + ": " + v + "\n")
		}
	}
	return b.String()
}

func parseHeaderLines(s string) http.Header {
	h := http.Header{}
	for _, line := range strings.Split(s, "\n") {
		if name, v, ok := strings.Cut(line, ": "); ok {
			h[name] = append(h[name], v) // as sent: the fake matches names case-insensitively
		}
	}
	return h
}

// FuzzHandler sends arbitrary requests to every platform's Handler, after a
// create: it must never panic or answer 5xx, every answer but a 204 carries
// one JSON value as application/json, and no answer repeats the secret of a
// key created or added before it.
func FuzzHandler(f *testing.F) {
	platforms := apikeys.Platforms()
	for i, p := range platforms {
		srv := fuzzServer(f, p)
		exercise(f, srv, p)
		for _, r := range srv.Requests() {
			f.Add(uint8(i), r.Method, r.Path, r.Query.Encode(), headerLines(r.Header), r.Body)
		}
	}
	f.Add(uint8(0), "GET", "/v1/organizations/org_test/api-keys/%zz", "page_size=&cursor=%", "X-Api-Key: "+fuzzAdminKey, []byte(nil))
	f.Add(uint8(1), "DELETE", "/v1/organizations/org_test/api-keys/ak_0", "", "x-api-key: "+fuzzAdminKey, []byte("{"))

	f.Fuzz(func(t *testing.T, pi uint8, method, rawPath, rawQuery, header string, body []byte) {
		p := platforms[int(pi)%len(platforms)]
		srv := fuzzServer(t, p)
		client, err := srv.Client(apikeys.WithMaxRetries(0))
		if err != nil {
			t.Fatal(err)
		}
		created, err := client.Create(context.Background(), createParams(p))
		if err != nil {
			t.Fatal(err)
		}
		name := "added"
		if p == apikeys.Prefactor {
			name = ""
		}
		_, added, err := srv.AddKey(apikeys.Key{Name: name})
		if err != nil {
			t.Fatal(err)
		}
		secrets := []string{created.Secret.Reveal(), added}

		path, err := url.PathUnescape(rawPath)
		if err != nil {
			path = rawPath // EscapedPath then escapes it afresh
		}
		req := &http.Request{
			Method:     method,
			URL:        &url.URL{Path: path, RawPath: rawPath, RawQuery: rawQuery},
			Header:     parseHeaderLines(header),
			Proto:      "HTTP/1.1",
			ProtoMajor: 1,
			ProtoMinor: 1,
		}
		if len(body) > 0 { // else a nil Body, as httpmock sends
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.ContentLength = int64(len(body))
		}
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, req)

		got := rec.Body.Bytes()
		switch {
		case rec.Code >= 500:
			t.Fatalf("%s %s %q: %d %s", method, rawPath, rawQuery, rec.Code, got)
		case rec.Code == http.StatusNoContent:
			if len(got) != 0 {
				t.Fatalf("%s %s: 204 with a body: %q", method, rawPath, got)
			}
		case !json.Valid(got):
			t.Fatalf("%s %s: %d answer is not JSON: %q", method, rawPath, rec.Code, got)
		default:
			if mt, _, _ := mime.ParseMediaType(rec.Header().Get("Content-Type")); mt != "application/json" {
				t.Fatalf("%s %s: %d answer with Content-Type %q", method, rawPath, rec.Code, rec.Header().Get("Content-Type"))
			}
		}
		for _, secret := range secrets {
			if bytes.Contains(got, []byte(secret)) || strings.Contains(headerLines(rec.Header()), secret) {
				t.Fatalf("%s %s: %d answer holds a secret: %s", method, rawPath, rec.Code, got)
			}
		}
	})
}
