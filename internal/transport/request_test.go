package transport

import (
	"context"
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
		"http://h:/p", "http://h/a b", "HTTP://H.example/V1",
	}
	requestURLPaths = []string{
		"", "/api-keys", "/api-keys/k_1-2.3~", "/orgs/o1/keys/42/pause", "/api-keys/a%2Fb", "/k/a!b", "/k/a b",
		"/k/é", "/k/\x00", "/k?x", "/k#x", "/k/$&+,;=:@",
	}
	requestURLQueries = []string{
		"", "include_archived=true", "pagination%5Boffset%5D=0&pagination%5Bpage_size%5D=100", "a=1&b=%20",
		"x#y", "x\x7f", "a=[1]", "?", "a b",
	}
)

// newRequest makes the request http.NewRequestWithContext makes of the
// whole URL: the same URL, Host and error or not, for bases, paths and
// queries the shortcut takes and for those it leaves to url.Parse; and
// the mappings' own paths and queries take the shortcut.
func TestRequestURL(t *testing.T) {
	for _, base := range requestURLBases {
		for _, path := range requestURLPaths {
			for _, query := range requestURLQueries {
				checkRequestURL(t, base, path, query)
			}
		}
	}
	for _, c := range []struct{ base, path, query string }{
		{"http://127.0.0.1:8080", "/api-keys/k1", ""},
		{"https://api.example.com/v1", "/orgs/o1/keys/42/pause", "include_archived=true"},
		{"https://app.prefactorai.com", "/api/v1/api_token", "pagination%5Boffset%5D=0&pagination%5Bpage_size%5D=100"},
	} {
		r := newRequestURL(c.base)
		if r.base == nil || !plainPath(c.path) || !plainQuery(c.query) {
			t.Errorf("%s %s?%s does not take the shortcut", c.base, c.path, c.query)
		}
	}
}

func checkRequestURL(t *testing.T, base, path, query string) {
	t.Helper()
	ctx := context.Background()
	target := base + path
	if query != "" {
		target += "?" + query
	}
	want, wantErr := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	got, gotErr := newRequestURL(base).newRequest(ctx, http.MethodGet, path, query, nil)
	if (wantErr == nil) != (gotErr == nil) {
		t.Fatalf("%q + %q + %q: error %v, http.NewRequest's %v", base, path, query, gotErr, wantErr)
	}
	if wantErr != nil {
		return
	}
	if !reflect.DeepEqual(got.URL, want.URL) || got.Host != want.Host || got.URL.String() != want.URL.String() {
		t.Fatalf("%q + %q + %q:\n got %#v host %q\nwant %#v host %q", base, path, query, got.URL, got.Host, want.URL, want.Host)
	}
}

func FuzzRequestURL(f *testing.F) {
	for i, base := range requestURLBases {
		f.Add(base, requestURLPaths[i%len(requestURLPaths)], requestURLQueries[i%len(requestURLQueries)])
	}
	f.Fuzz(checkRequestURL)
}
