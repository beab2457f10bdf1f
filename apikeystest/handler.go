package apikeystest

import (
	"crypto/subtle"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// response is an answer before it is written, so that it can be stored for an
// idempotent replay or thrown away when DropNext cuts the connection.
type response struct {
	status     int
	body       []byte // nil: no body, and no Content-Type
	retryAfter string
	allow      string
	replayed   bool
}

func (resp *response) write(w http.ResponseWriter, reqID string) {
	// The names are written in canonical form, which saves Set's work.
	h := w.Header()
	h["X-Request-Id"] = []string{reqID}
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

// incoming is a request read and recorded, before it is answered.
type incoming struct {
	r        *http.Request
	rec      Request // the record; r's body is consumed, rec.Body holds it
	reqID    string
	readErr  error // reading the body failed
	queryErr error // the query string is malformed
	tooLarge bool  // the body is over maxBodySize; rec.Body holds its start
}

// serveHTTP reads the request, then answers it under one lock: the store is
// small and in memory, and one lock makes every request atomic, idempotency
// checks included.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	in := incoming{r: r, reqID: "req_" + randomHex(12)}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBodySize+1))
	in.readErr = err
	if in.tooLarge = len(body) > maxBodySize; in.tooLarge {
		body = body[:maxBodySize]
	}
	if len(body) == 0 {
		body = nil
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	in.queryErr = err
	in.rec = Request{
		Method: r.Method,
		Path:   r.URL.EscapedPath(),
		Query:  query,
		Header: r.Header.Clone(),
		Body:   body,
	}

	resp, drop := s.answer(&in)
	if drop {
		cut(w)
		return
	}
	resp.write(w, in.reqID)
}

// answer records the request and computes the response; drop reports that
// DropNext wants the connection cut instead.
func (s *Server) answer(in *incoming) (resp *response, drop bool) {
	// Deferred: a panicking clock must not leave the server locked.
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, in.rec) // nothing below modifies in.rec
	now := s.now().UTC()
	f, faulty := s.nextFault()
	switch {
	case faulty && !f.drop:
		return f.response(in.reqID, now), false
	case in.readErr != nil:
		return (&apiError{
			status: http.StatusBadRequest, code: codeInvalidRequest, typ: typeInvalidRequest,
			message: "the request body could not be read",
		}).response(in.reqID, now), false
	}
	return s.handle(in, now), faulty && f.drop
}

// cut closes the connection without a response.
func cut(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}

// route is a request path of the API, decoded.
type route struct {
	org    string
	key    string // "" for the collection
	action string // "" unless POST …/{key}/{action}
}

// parseRoute splits the escaped path and decodes each segment on its own, so
// that an ID holding an escaped "/" stays one segment.
func parseRoute(escapedPath string) (route, bool) {
	rest, ok := strings.CutPrefix(escapedPath, basePath+"/")
	if !ok {
		return route{}, false
	}
	segs := strings.Split(rest, "/")
	if len(segs) < 3 || len(segs) > 5 || segs[0] != "organizations" || segs[2] != "api-keys" {
		return route{}, false
	}
	var rt route
	var err error
	if rt.org, err = url.PathUnescape(segs[1]); err != nil || rt.org == "" {
		return route{}, false
	}
	if len(segs) >= 4 {
		if rt.key, err = url.PathUnescape(segs[3]); err != nil || rt.key == "" {
			return route{}, false
		}
	}
	if len(segs) == 5 {
		if rt.action, err = url.PathUnescape(segs[4]); err != nil || !pathActions[rt.action] {
			return route{}, false
		}
	}
	return rt, true
}

// allowed is the Allow header for a route: the methods it serves.
func (rt route) allowed() string {
	switch {
	case rt.key == "":
		return "GET, POST"
	case rt.action == "":
		return "GET, PATCH, DELETE"
	}
	return "POST"
}

func (rt route) allows(method string) bool {
	return slices.Contains(strings.Split(rt.allowed(), ", "), method)
}

// handle answers a request; the caller holds s.mu. The order of checks is a
// real API's: credential, route, size, idempotency, then the operation (which
// validates its body before it looks the key up).
func (s *Server) handle(in *incoming, now time.Time) *response {
	r, rec, reqID := in.r, &in.rec, in.reqID
	credential := r.Header.Get("X-API-Key")
	if subtle.ConstantTimeCompare([]byte(credential), []byte(s.adminKey)) != 1 {
		return unauthorized().response(reqID, now)
	}
	rt, ok := parseRoute(rec.Path)
	if !ok {
		return pathNotFound(rec.Path).response(reqID, now)
	}
	if !rt.allows(r.Method) {
		allow := rt.allowed()
		resp := methodNotAllowed(r.Method, allow).response(reqID, now)
		resp.allow = allow
		return resp
	}
	if in.tooLarge {
		return (&apiError{
			status: http.StatusRequestEntityTooLarge, code: codeValidation, typ: typeInvalidRequest,
			message: "the request body is larger than 1 MiB",
			details: map[string]any{"field": "body", "reason": "larger than 1 MiB"},
		}).response(reqID, now)
	}
	if in.queryErr != nil {
		return validationError("query", "malformed query string").response(reqID, now)
	}

	if !idempotent(r.Method) {
		return s.operate(r.Method, rt, rec, now).response(reqID, now)
	}
	idemKey := r.Header.Get("Idempotency-Key")
	switch {
	case idemKey == "":
		return validationError("Idempotency-Key", "is required on POST, PATCH and DELETE").response(reqID, now)
	case len(idemKey) > maxIdemKey:
		return validationError("Idempotency-Key", "must be at most 255 bytes").response(reqID, now)
	}
	scope := idemScope(credential, idemKey)
	fp := fingerprint(r.Method, rec.Path, r.URL.RawQuery, rec.Body)
	if prev := s.idem.lookup(scope, now); prev != nil {
		if prev.request != fp {
			return (&apiError{
				status: http.StatusConflict, code: codeIdempotencyReused, typ: typeConflict,
				message: "this Idempotency-Key was used for a different request",
				system:  "Idempotency-Key reused with a different method, path, query or body",
			}).response(reqID, now)
		}
		replay := prev.resp
		replay.replayed = true
		return &replay
	}
	resp := s.operate(r.Method, rt, rec, now).response(reqID, now)
	s.idem.store(scope, &idemRecord{request: fp, resp: *resp, at: now})
	return resp
}

// result is an operation's outcome: a success or an error envelope.
type result struct {
	status int
	body   []byte
	err    *apiError
}

func (res result) response(reqID string, now time.Time) *response {
	if res.err != nil {
		return res.err.response(reqID, now)
	}
	return &response{status: res.status, body: res.body}
}

func failed(e *apiError) result { return result{err: e} }

// operate runs the operation a route and method name.
func (s *Server) operate(method string, rt route, rec *Request, now time.Time) result {
	switch {
	case rt.key == "" && method == http.MethodPost:
		return s.create(rt, rec, now)
	case rt.key == "":
		return s.list(rt, rec.Query)
	case rt.action != "":
		return s.transition(rt, rt.action, now)
	case method == http.MethodGet:
		return s.get(rt)
	case method == http.MethodPatch:
		return s.update(rt, rec, now)
	}
	permanent, e := permanentParam(rec.Query)
	if e != nil {
		return failed(e)
	}
	if permanent {
		return s.transition(rt, actionDelete, now)
	}
	return s.transition(rt, actionArchive, now)
}

// find returns the key a route names, or the 404 for it. Keys of another
// organization do not exist as far as this credential is concerned.
func (s *Server) find(rt route) (*key, *apiError) {
	k := s.keys.byID[rt.key]
	if rt.org != s.org || k == nil {
		return nil, keyNotFound(rt.key)
	}
	return k, nil
}

func (s *Server) create(rt route, rec *Request, now time.Time) result {
	if rt.org != s.org {
		return failed(orgNotFound(rt.org))
	}
	var b createBody
	if e := decodeJSON(rec.Header, rec.Body, &b, "expires_at", "usage_limit_chf"); e != nil {
		return failed(e)
	}
	k, e := validCreate(&b, now)
	if e != nil {
		return failed(e)
	}
	var secret string
	secret, k.prefix, k.secretHash = newSecret()
	k.id = "key_" + randomHex(12)
	k.org = s.org
	k.status = statusActive
	k.createdBy, k.updatedBy = actor, actor
	k.createdAt, k.updatedAt = now, now
	s.keys.add(k)
	o := k.object()
	o.Key = secret
	return result{status: http.StatusCreated, body: mustMarshal(o)}
}

func (s *Server) list(rt route, q url.Values) result {
	if rt.org != s.org {
		return failed(orgNotFound(rt.org))
	}
	lq, e := validList(q)
	if e != nil {
		return failed(e)
	}
	return result{status: http.StatusOK, body: s.keys.list(lq)}
}

func (s *Server) get(rt route) result {
	k, e := s.find(rt)
	if e != nil {
		return failed(e)
	}
	return result{status: http.StatusOK, body: k.json()}
}

// update refuses revoked keys: a revoked key can never authenticate again,
// so editing it is a mistake worth reporting (as action "update").
func (s *Server) update(rt route, rec *Request, now time.Time) result {
	var b updateBody
	if e := decodeJSON(rec.Header, rec.Body, &b); e != nil {
		return failed(e)
	}
	p, e := validUpdate(&b, now)
	if e != nil {
		return failed(e)
	}
	k, e := s.find(rt)
	if e != nil {
		return failed(e)
	}
	if k.status == statusRevoked {
		return failed(transitionError(k.status, actionUpdate))
	}
	if e := p.apply(k, now); e != nil {
		return failed(e)
	}
	return result{status: http.StatusOK, body: k.json()}
}

func (s *Server) transition(rt route, action string, now time.Time) result {
	k, e := s.find(rt)
	if e != nil {
		return failed(e)
	}
	if _, ok := transitions[k.status][action]; !ok {
		return failed(transitionError(k.status, action))
	}
	if action == actionDelete {
		s.keys.remove(k)
		return result{status: http.StatusNoContent}
	}
	k.apply(action, now)
	return result{status: http.StatusOK, body: k.json()}
}
