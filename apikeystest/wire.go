package apikeystest

import (
	"crypto/subtle"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys"
)

// wire is one platform's HTTP API over the server's platform-neutral store.
// It routes, authenticates, decodes, operates on the store and encodes the
// answer, all in that platform's terms: paths, credential header, envelopes,
// status codes, transition table (its own copy), validation and paging.
//
// What is the same for every platform stays in the Server: reading the body
// (up to maxBodySize), recording it for Requests, the lock every request runs
// under, FailNext and DropNext, the request ID and writing the answer.
//
// Adding a platform is one file, wire_<platform>.go, with a type that
// implements wire and a constructor, plus one line in wires.
type wire interface {
	// base is the path of Server.URL, which the platform's mapping appends
	// its paths to: "/v1" where the vendor's base URL ends in /v1, "" where
	// its paths start at the root.
	base() string
	// requestIDHeader names the header that carries each answer's request
	// ID, in canonical form; "" for a platform that sends none.
	requestIDHeader() string
	// authHeader names the header the platform reads the credential from,
	// in canonical form.
	authHeader() string
	// clientOptions configure an apikeys.Client for the platform beyond the
	// options every platform gets (WithPlatform, WithBaseURL, WithAPIKey and
	// the retry settings): WithOrganization where the platform has an
	// organization, WithAuthHeader where the vendor documents no credential
	// header (a Sysevo wire would read "X-Sysevo-Key", raw, and say so).
	clientOptions() []apikeys.Option
	// serve answers x; the caller holds the server's lock. x has been
	// recorded and no fault applies to it: serve authenticates first.
	serve(x *exchange) *response
	// fail encodes e in the platform's error envelope. The server calls it
	// for FailNext's answers and for a body it could not read.
	fail(x *exchange, e *apiError) *response
}

// wires are the platforms a Server can speak: one line each.
var wires = map[apikeys.Platform]func(*Server) wire{
	apikeys.Reference:   newReferenceWire,
	apikeys.Aitronos:    newAitronosWire,
	apikeys.OrqAI:       newOrqAIWire,
	apikeys.Sysevo:      newSysevoWire,
	apikeys.ConfidentAI: newConfidentWire,
	apikeys.Prefactor:   newPrefactorWire,
}

// exchange is one request being answered.
type exchange struct {
	r        *http.Request
	req      Request   // the record; r.Body is consumed, req.Body holds it
	reqID    string    // this answer's request ID, fresh for every request
	now      time.Time // the server's clock, read once per request, in UTC
	tooLarge bool      // the body is over maxBodySize; req.Body holds its start
	queryErr error     // the query string is malformed
}

// header returns a request header. Names match case-insensitively, also
// where a client in the same process (httpmock) set a name that is not in
// canonical form by assigning to the map: net/http canonicalizes only the
// names it reads off a connection.
func (x *exchange) header(name string) string {
	if v := x.req.Header.Get(name); v != "" {
		return v
	}
	for k, vs := range x.req.Header {
		if strings.EqualFold(k, name) && len(vs) > 0 {
			return vs[0]
		}
	}
	return ""
}

// response is an answer before it is written, so that it can be stored for an
// idempotent replay or thrown away when DropNext cuts the connection.
type response struct {
	status     int
	body       []byte // nil: no body, and no Content-Type
	retryAfter string
	allow      string
	replayed   bool
}

func (resp *response) write(w http.ResponseWriter, reqIDHeader, reqID string) {
	// The names are written in canonical form, which saves Set's work.
	h := w.Header()
	if reqIDHeader != "" {
		h[reqIDHeader] = []string{reqID}
	}
	if resp.body != nil {
		h["Content-Type"] = []string{"application/json"}
		h["Content-Length"] = []string{strconv.Itoa(len(resp.body))}
	}
	if resp.retryAfter != "" {
		h["Retry-After"] = []string{resp.retryAfter}
	}
	if resp.allow != "" {
		h["Allow"] = []string{resp.allow}
	}
	if resp.replayed {
		h["Idempotent-Replayed"] = []string{"true"}
	}
	w.WriteHeader(resp.status)
	w.Write(resp.body) // a failure here is the client's disconnect; nothing to do
}

// serveHTTP reads and records the request, then answers it under one lock:
// the store is small and in memory, and one lock makes every request atomic,
// idempotency checks included.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	x := &exchange{r: r, reqID: "req_" + randomHex(12)}
	var body []byte
	var readErr error
	if r.Body != nil { // a server's requests always have one; httpmock's GETs do not
		body, readErr = io.ReadAll(io.LimitReader(r.Body, maxBodySize+1))
	}
	if x.tooLarge = len(body) > maxBodySize; x.tooLarge {
		body = body[:maxBodySize]
	}
	if len(body) == 0 {
		body = nil
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	x.queryErr = err
	x.req = Request{
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  query,
		Header: r.Header.Clone(),
		Body:   body,
	}

	resp, drop := s.answer(x, readErr)
	if drop {
		cut(w)
		return
	}
	resp.write(w, s.wire.requestIDHeader(), x.reqID)
}

// answer records the request and computes the answer; drop reports that
// DropNext wants the connection cut instead.
func (s *Server) answer(x *exchange, readErr error) (resp *response, drop bool) {
	// Deferred: a panicking clock must not leave the server locked.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, x.req) // nothing below modifies x.req
	x.now = s.now().UTC()
	f, faulty := s.nextFault(x.req)
	switch {
	case faulty && !f.drop:
		resp := s.wire.fail(x, faultError(f.status))
		resp.retryAfter = f.retryAfterHeader()
		return resp, false
	case readErr != nil:
		return s.wire.fail(x, &apiError{
			status: http.StatusBadRequest, code: codeInvalidRequest, typ: typeInvalidRequest,
			message: "the request body could not be read",
		}), false
	}
	return s.wire.serve(x), faulty && f.drop
}

// cut closes the connection without an answer.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// authorized reports whether credential is the server's admin key, in
// constant time.
func (s *Server) authorized(credential string) bool {
	return subtle.ConstantTimeCompare([]byte(credential), []byte(s.adminKey)) == 1
}

// segments splits the escaped path below base into its decoded segments.
// Each is decoded on its own, so that an ID holding an escaped "/" stays one
// segment. A path outside base, a bad escape or an empty segment fails.
func segments(escapedPath, base string) ([]string, bool) {
	rest, ok := strings.CutPrefix(escapedPath, base+"/")
	if !ok {
		return nil, false
	}
	segs := strings.Split(rest, "/")
	for i, seg := range segs {
		v, err := url.PathUnescape(seg)
		if err != nil || v == "" {
			return nil, false
		}
		segs[i] = v
	}
	return segs, true
}

// orgRoute is a path of the shape the reference API and Aitronos share,
// organizations/{org}/api-keys[/{key}[/{action}]], decoded.
type orgRoute struct {
	org    string
	key    string // "" for the collection
	action string // "" unless …/{key}/{action}
}

// parseOrgRoute parses a path below base; actions are the names the
// platform serves as …/{key}/{action}.
func parseOrgRoute(escapedPath, base string, actions map[string]bool) (orgRoute, bool) {
	segs, ok := segments(escapedPath, base)
	if !ok || len(segs) < 3 || len(segs) > 5 || segs[0] != "organizations" || segs[2] != "api-keys" {
		return orgRoute{}, false
	}
	rt := orgRoute{org: segs[1]}
	if len(segs) >= 4 {
		rt.key = segs[3]
	}
	if len(segs) == 5 {
		if rt.action = segs[4]; !actions[rt.action] {
			return orgRoute{}, false
		}
	}
	return rt, true
}

// allowed is the Allow header for the route: the methods it serves.
func (rt orgRoute) allowed() string {
	switch {
	case rt.key == "":
		return "GET, POST"
	case rt.action == "":
		return "GET, PATCH, DELETE"
	}
	return "POST"
}

func (rt orgRoute) allows(method string) bool {
	for _, m := range strings.Split(rt.allowed(), ", ") {
		if m == method {
			return true
		}
	}
	return false
}
