package transport

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"testing"
)

// requestURLCases are bases, paths and queries as the mappings make them,
// and some that the shortcut must leave to url.Parse.
var (
	requestURLBases = []string{
		"http://127.0.0.1:8080", "https://api.example.com/v1", "https://api.example.com:443/v1/", "http://h",
		"https://user:pw@h/b", "http://h/a%2Fb", "http://[::1]:80/x", "http://h?q=1", "http://h/#f", "mailto:x",
		"http://h:/p", "http://h/a b", "HTTP://H.example/V1", "http://h/v1#", "http://h/v1?",
	}
	requestURLPaths = []string{
		"", "/api-keys", "/api-keys/k_1-2.3~", "/orgs/o1/keys/42/pause", "/api-keys/a%2Fb", "/k/a!b", "/k/a b",
		"/k/é", "/k/\x00", "/k?x", "/k#x", "/k/$&+,;=:@",
	}
	requestURLQueries = []string{
		"", "include_archived=true", "pagination%5Boffset%5D=0&pagination%5Bpage_size%5D=100", "a=1&b=%20",
		"x#y", "x\x7f", "a=[1]", "?", "a b",
	}

	requestMethods = []string{http.MethodGet, http.MethodDelete, http.MethodPost, "get", "PROPFIND", "BAD METHOD", ""}
	requestBodies  = [][]byte{nil, {}, []byte(`{"name":"k"}`)}
)

// newRequest makes the request http.NewRequestWithContext makes of the
// whole URL: the same fields, URL, Host, body and error or not, for
// bases, paths, queries and methods the shortcut takes and for those it
// leaves to NewRequest; and the mappings' own paths and queries take the
// shortcut.
func TestNewRequest(t *testing.T) {
	for _, base := range requestURLBases {
		for _, path := range requestURLPaths {
			for _, query := range requestURLQueries {
				checkNewRequest(t, base, http.MethodGet, path, query, nil)
			}
		}
	}
	for i, method := range requestMethods {
		for j, body := range requestBodies {
			checkNewRequest(t, requestURLBases[(i+j)%len(requestURLBases)], method, requestURLPaths[i%len(requestURLPaths)], "", body)
			checkNewRequest(t, "https://api.example.com/v1", method, "/api-keys/k1", "a=1", body)
		}
	}
	for _, c := range []struct{ base, path, query string }{
		{"http://127.0.0.1:8080", "/api-keys/k1", ""},
		{"https://api.example.com/v1", "/orgs/o1/keys/42/pause", "include_archived=true"},
		{"https://app.prefactorai.com", "/api/v1/api_token", "pagination%5Boffset%5D=0&pagination%5Bpage_size%5D=100"},
	} {
		r := newRequestMaker(c.base)
		if r.tmpl == nil || !plainPath(c.path) || !plainQuery(c.query) {
			t.Errorf("%s %s?%s does not take the shortcut", c.base, c.path, c.query)
		}
	}
}

func checkNewRequest(t *testing.T, base, method, path, query string, body []byte) {
	t.Helper()
	ctx := context.Background()
	target := base + path
	if query != "" {
		target += "?" + query
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	h := http.Header{"Accept": {"application/json"}}
	want, wantErr := http.NewRequestWithContext(ctx, method, target, rd)
	got, gotErr := newRequestMaker(base).newRequest(ctx, method, path, query, body, h)
	where := fmt.Sprintf("%s %q + %q + %q, body %q", method, base, path, query, body)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%s: error %v, http.NewRequest's %v", where, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if got.Context() != ctx {
		t.Fatalf("%s: not under the context given", where)
	}
	if reflect.ValueOf(got.Header).Pointer() != reflect.ValueOf(h).Pointer() {
		t.Fatalf("%s: the Header is not the map given", where)
	}
	want.Header = h
	if (got.Body == http.NoBody) != (want.Body == http.NoBody) {
		t.Fatalf("%s: Body %T, http.NewRequest's %T", where, got.Body, want.Body)
	}
	if g, w := readAll(t, got.Body), readAll(t, want.Body); g != w {
		t.Fatalf("%s: Body reads %q, http.NewRequest's %q", where, g, w)
	}
	if (got.GetBody == nil) != (want.GetBody == nil) {
		t.Fatalf("%s: GetBody %v, http.NewRequest's %v", where, got.GetBody != nil, want.GetBody != nil)
	}
	if got.GetBody != nil {
		for range 2 { // each call a body of its own, from the start
			g, _ := got.GetBody()
			w, _ := want.GetBody()
			if gs, ws := readAll(t, g), readAll(t, w); gs != ws {
				t.Fatalf("%s: GetBody reads %q, http.NewRequest's %q", where, gs, ws)
			}
		}
	}
	g, w := *got, *want
	g.Body, g.GetBody, w.Body, w.GetBody = nil, nil, nil, nil
	if !reflect.DeepEqual(g, w) || got.URL.String() != want.URL.String() {
		t.Fatalf("%s:\n got %#v\n URL %#v\nwant %#v\n URL %#v", where, g, g.URL, w, w.URL)
	}
}

// readAll is what r reads, "<nil>" for none.
func readAll(t *testing.T, r io.ReadCloser) string {
	t.Helper()
	if r == nil {
		return "<nil>"
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func FuzzNewRequest(f *testing.F) {
	for i, base := range requestURLBases {
		f.Add(base, requestMethods[i%len(requestMethods)], requestURLPaths[i%len(requestURLPaths)],
			requestURLQueries[i%len(requestURLQueries)], requestBodies[i%len(requestBodies)])
	}
	f.Fuzz(func(t *testing.T, base, method, path, query string, body []byte) {
		checkNewRequest(t, base, method, path, query, body)
	})
}
