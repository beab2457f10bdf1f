package transport

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// requestMaker makes an attempt's http.Request without what
// http.NewRequestWithContext spends on a URL it has seen before: every
// request of a transport is the base URL plus a path and a query, and
// url.Parse of the whole, a Header map the transport replaces, and the
// checks of a method it already knows, are about 250 ns and an allocation
// of a call whose own work is a few hundred nanoseconds more. The base is
// parsed once into a template request; an absolute path and a query that
// url.Parse would take as they are (plainPath, plainQuery: what the
// mappings build from constants and url.PathEscape), under a standard
// method, are set on a copy of it. Anything else goes through
// http.NewRequestWithContext, so the request is the one it would make: a
// fuzz test holds the two to the same fields, URL and body.
type requestMaker struct {
	raw string // the base URL as configured
	// tmpl is http.NewRequest's request for the base URL, without a
	// Header; nil: raw has what the shortcut does not handle. It is only
	// read: each request is a copy (WithContext) with a URL of its own.
	tmpl *http.Request
}

func newRequestMaker(baseURL string) requestMaker {
	tmpl, err := http.NewRequest(http.MethodGet, baseURL, nil)
	// A base that ends in "?" or "#" parses as if it had neither, but
	// joined to a path it puts the path into the query or fragment.
	if err != nil || strings.ContainsAny(baseURL, "?#") {
		return requestMaker{raw: baseURL}
	}
	// Without "?" and "#" there is no query or fragment to check.
	u := tmpl.URL
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.Opaque != "" || u.RawPath != "" ||
		!plainPath(u.Path) {
		return requestMaker{raw: baseURL}
	}
	tmpl.Header = nil
	return requestMaker{raw: baseURL, tmpl: tmpl}
}

// newRequest is http.NewRequestWithContext of the base URL + path (+ "?" +
// query), with body (nil: none) as a *bytes.Reader, and with h as its
// Header.
func (r requestMaker) newRequest(ctx context.Context, method, path, query string, body []byte, h http.Header) (*http.Request, error) {
	if r.tmpl == nil || ctx == nil || !standardMethod(method) || path != "" && path[0] != '/' ||
		!plainPath(path) || !plainQuery(query) {
		target := r.raw + path
		if query != "" {
			target += "?" + query
		}
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequestWithContext(ctx, method, target, rd)
		if err != nil {
			return nil, err
		}
		req.Header = h
		return req, nil
	}
	req := r.tmpl.WithContext(ctx)
	u := new(url.URL)
	*u = *r.tmpl.URL
	u.Path += path
	u.RawQuery = query
	req.URL = u
	req.Method = method
	req.Header = h
	if body != nil {
		// What http.NewRequest does with a *bytes.Reader.
		req.ContentLength = int64(len(body))
		if len(body) == 0 {
			req.Body = http.NoBody
			req.GetBody = func() (io.ReadCloser, error) { return http.NoBody, nil }
		} else {
			req.Body = io.NopCloser(bytes.NewReader(body))
			req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		}
	}
	return req, nil
}

// standardMethod reports whether http.NewRequest takes method as it is:
// the methods the mappings use, spelled as net/http spells them.
func standardMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete:
		return true
	}
	return false
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
