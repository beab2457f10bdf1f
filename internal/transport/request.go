package transport

import (
	"context"
	"io"
	"net/http"
	"net/url"
)

// requestURL makes an attempt's http.Request without parsing its URL
// again: every request of a transport is the base URL plus a path and a
// query, and url.Parse of the whole, which http.NewRequest does, is about
// 250 ns of a call whose own work is a few hundred more. The base is
// parsed once; an absolute path and a query that url.Parse would take as
// they are (plainPath, plainQuery: what the mappings build from constants
// and url.PathEscape) are set on a copy of it. Anything else goes through
// url.Parse, so the request is the one http.NewRequest would make: a fuzz
// test holds the two to the same *url.URL.
type requestURL struct {
	raw  string   // the base URL as configured
	base *url.URL // nil: raw has what the shortcut does not handle
	host string   // the Request.Host that http.NewRequest sets for base
}

func newRequestURL(baseURL string) requestURL {
	// The URL and Host as http.NewRequest leaves them (it also drops an
	// empty port).
	probe, err := http.NewRequest(http.MethodGet, baseURL, nil)
	if err != nil {
		return requestURL{raw: baseURL}
	}
	u := probe.URL
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" || u.RawPath != "" ||
		u.ForceQuery || u.RawQuery != "" || u.Fragment != "" || u.RawFragment != "" || !plainPath(u.Path) {
		return requestURL{raw: baseURL}
	}
	return requestURL{raw: baseURL, base: u, host: probe.Host}
}

// newRequest is http.NewRequestWithContext of the base URL + path (+ "?" +
// query).
func (r requestURL) newRequest(ctx context.Context, method, path, query string, body io.Reader) (*http.Request, error) {
	if r.base == nil || path != "" && path[0] != '/' || !plainPath(path) || !plainQuery(query) {
		target := r.raw + path
		if query != "" {
			target += "?" + query
		}
		return http.NewRequestWithContext(ctx, method, target, body)
	}
	req, err := http.NewRequestWithContext(ctx, method, "", body)
	if err != nil {
		return nil, err
	}
	*req.URL = *r.base // the URL NewRequest made for "", reused
	req.URL.Path = r.base.Path + path
	req.URL.RawQuery = query
	req.Host = r.host
	return req, nil
}

// plainPath reports whether url.Parse keeps p as it is: no escapes to
// undo (%) and no byte that URL.EscapedPath would escape, so Path is p
// and RawPath is empty.
func plainPath(p string) bool {
	for i := 0; i < len(p); i++ {
		if !pathByte[p[i]] {
			return false
		}
	}
	return true
}

// pathByte holds the bytes net/url leaves unescaped in a path: letters,
// digits, the unreserved marks and the reserved characters a path may
// carry as they are.
var pathByte = func() (t [256]bool) {
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for _, c := range "-_.~$&+,/:;=@" {
		t[c] = true
	}
	return t
}()

// plainQuery reports whether url.Parse takes q as the RawQuery as it is:
// no fragment (#) to split off, no control byte it refuses.
func plainQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if c := q[i]; c < 0x20 || c == 0x7f || c == '#' {
			return false
		}
	}
	return true
}
