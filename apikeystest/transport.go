package apikeystest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"syscall"
)

// inProcessOrigin is the scheme and host of URL under WithoutListener.
// "localhost" passes the client's check for plain http:// without
// WithInsecureHTTP, and a client that is sent there over the network by
// mistake meets a refused connection on almost every machine, not another
// service.
const inProcessOrigin = "http://localhost"

// WithoutListener makes NewServer open no socket: the server answers only in
// process, through Transport, Handler and Client (which then sends through
// Transport). URL is then "http://localhost" followed by the platform's base
// path; it names no listener and serves only as the base URL a client joins
// its paths to. Unit tests use it to run without the network, as fast as a
// function call, with the same wire, faults and recorded requests.
func WithoutListener() Option {
	return func(s *Server) { s.listen = false }
}

// Transport returns an http.RoundTripper that answers every request in
// process with the server's Handler, whatever the request's host: hand it
// to a client as &http.Client{Transport: srv.Transport()} (Client does so
// under WithoutListener). It behaves as the network would where a client can
// tell: the request is read and its body closed, the answer is a complete
// *http.Response whose Body the caller closes, and a request is not served
// once its context is done.
//
// Faults keep their meaning: a DropNext request is applied, then RoundTrip
// returns an error wrapping io.EOF, as a cut connection gives; after Close,
// RoundTrip returns an error wrapping syscall.ECONNREFUSED without serving
// the request, as a closed listener gives. A panic in the handler other
// than DropNext's is not recovered: in a test it is a bug of the fake, best
// seen with its stack.
func (s *Server) Transport() http.RoundTripper { return inProcess{s} }

// inProcess is the RoundTripper Transport returns.
type inProcess struct{ s *Server }

// RoundTrip serves req with the server's Handler. Like every RoundTripper it
// closes req.Body, even on an error, and does not modify req.
func (t inProcess) RoundTrip(req *http.Request) (resp *http.Response, err error) {
	if req.Body != nil {
		defer req.Body.Close()
	}
	switch {
	case req.URL == nil:
		return nil, fmt.Errorf("apikeystest: Transport: request has no URL")
	case t.s.closed.Load():
		return nil, fmt.Errorf("apikeystest: Transport: server closed: %w", syscall.ECONNREFUSED)
	}
	if err := req.Context().Err(); err != nil {
		return nil, err
	}
	rec := httptest.NewRecorder()
	if dropped := t.serve(rec, serverSide(req)); dropped {
		return nil, fmt.Errorf("apikeystest: Transport: connection cut by DropNext: %w", io.EOF)
	}
	resp = rec.Result()
	resp.Request = req
	return resp, nil
}

// serve runs the handler; dropped reports that it cut the connection
// (DropNext), which through a recorder is a panic with http.ErrAbortHandler.
func (t inProcess) serve(w http.ResponseWriter, r *http.Request) (dropped bool) {
	defer func() {
		if v := recover(); v != nil {
			if v != http.ErrAbortHandler { // the sentinel itself, as net/http compares it
				panic(v)
			}
			dropped = true
		}
	}()
	t.s.serveHTTP(w, r)
	return false
}

// serverSide makes the request a handler would receive for req off a
// connection: only the path and query in URL, RequestURI and Host set, and
// header names in canonical form (net/http canonicalizes those it reads; a
// client in process may have set others by assigning to the map). The body
// is req's own, which the handler reads.
func serverSide(req *http.Request) *http.Request {
	r := req.Clone(req.Context())
	r.URL = &url.URL{Path: req.URL.Path, RawPath: req.URL.RawPath, RawQuery: req.URL.RawQuery}
	r.RequestURI = r.URL.RequestURI()
	if r.Host == "" {
		r.Host = req.URL.Host
	}
	r.Header = make(http.Header, len(req.Header))
	for name, vs := range req.Header {
		name = http.CanonicalHeaderKey(name)
		r.Header[name] = append(r.Header[name], vs...)
	}
	r.Body = req.Body
	if r.Body == nil {
		r.Body = http.NoBody
	}
	r.RemoteAddr = "127.0.0.1:0"
	return r
}
