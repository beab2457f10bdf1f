package apikeystest

import (
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"time"
)

// Request is one request as it arrived at the server, recorded by Requests.
type Request struct {
	// Method is the HTTP method.
	Method string
	// Path is the escaped request path, as sent: "/v1/organizations/org_test/api-keys/a%2Fb".
	Path string
	// Query is the parsed query string; empty when there was none.
	Query url.Values
	// Header holds the request headers, X-API-Key and Idempotency-Key included.
	Header http.Header
	// Body is the request body, nil when there was none. A body over the
	// server's 1 MiB limit is recorded cut at the limit.
	Body []byte
}

func (r Request) clone() Request {
	r.Query = cloneValues(r.Query)
	r.Header = r.Header.Clone()
	if r.Body != nil {
		r.Body = append([]byte(nil), r.Body...)
	}
	return r
}

func cloneValues(v url.Values) url.Values {
	out := make(url.Values, len(v))
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// fault is a run of n requests that fail or are dropped. Faults form a queue:
// each FailNext or DropNext call schedules its requests after those already
// scheduled, so a test can script "503, then 429, then drop, then success".
// A targeted fault (FailOn, DropOn) also names the requests it hits.
type fault struct {
	n          int
	drop       bool
	status     int
	retryAfter time.Duration
	method     string // targeted: the method to hit; "" for any
	pattern    string // targeted: a path.Match pattern for Request.Path
}

// hits reports whether a targeted fault applies to r.
func (f *fault) hits(r Request) bool {
	if f.method != "" && f.method != r.Method {
		return false
	}
	ok, _ := path.Match(f.pattern, r.Path) // FailOn checked the pattern
	return ok
}

// FailNext makes each of the next n requests answer status, 400 to 599, with
// the platform's error envelope; the request is not applied and no
// idempotency record is kept, as if a proxy in front of the API had answered.
// The code follows the status: 429 RATE_LIMIT_EXCEEDED, 500 INTERNAL_ERROR,
// 503 SERVICE_UNAVAILABLE, 401 INVALID_API_KEY, 404 NOT_FOUND, 422
// VALIDATION_ERROR, and so on (on the reference API and Aitronos, whose codes
// are these). If retryAfter > 0, the answer carries Retry-After in whole
// seconds, rounded up.
//
// The requests are counted from the end of what earlier FailNext and DropNext
// calls scheduled. Every request counts, whatever its path or credential,
// except one that a FailOn or DropOn fault hits.
// FailNext panics if status is outside 400 to 599 or n is negative.
func (s *Server) FailNext(n, status int, retryAfter time.Duration) {
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("apikeystest: FailNext status %d is not an HTTP error status", status))
	}
	s.schedule(fault{n: n, status: status, retryAfter: retryAfter})
}

// FailOn is FailNext for chosen requests: each of the next n requests whose
// method is method ("" for any) and whose path matches pattern fails with
// status in the platform's error envelope, as FailNext's do; other requests
// pass by untouched. So a test can fail the third step of a rotation, not
// whichever request comes next:
//
//	srv.FailOn(http.MethodPost, "/v1/organizations/*/api-keys/*/deactivate", 1, 503, 0)
//
// pattern is matched with path.Match against Request.Path, the escaped path
// as Requests records it, base path included: "*" stands for one segment.
// The query is not matched. Targeted faults are checked before FailNext's
// and DropNext's queue, in the order they were scheduled, and a request they
// hit takes one of theirs and none from the queue.
//
// FailOn panics if status is outside 400 to 599, n is negative or pattern is
// malformed.
func (s *Server) FailOn(method, pattern string, n, status int, retryAfter time.Duration) {
	if status < 400 || status > 599 {
		panic(fmt.Sprintf("apikeystest: FailOn status %d is not an HTTP error status", status))
	}
	s.target(fault{n: n, status: status, retryAfter: retryAfter, method: method, pattern: pattern})
}

// DropOn is DropNext for chosen requests: each of the next n requests whose
// method is method ("" for any) and whose path matches pattern is applied,
// then its connection is cut, as DropNext's are. Requests are matched and
// counted as for FailOn. DropOn panics if n is negative or pattern is
// malformed.
func (s *Server) DropOn(method, pattern string, n int) {
	s.target(fault{n: n, drop: true, method: method, pattern: pattern})
}

func (s *Server) target(f fault) {
	if _, err := path.Match(f.pattern, ""); err != nil {
		panic(fmt.Sprintf("apikeystest: path pattern %q: %v", f.pattern, err))
	}
	if f.n < 0 {
		panic("apikeystest: negative request count")
	}
	if f.n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.targeted = append(s.targeted, f)
}

// DropNext makes each of the next n requests be applied as usual (the key
// changes and any idempotency record is stored) and then answered by closing
// the connection without a response, as a network failure after the server
// did the work would. A client sees a connection error; a retry with the same
// Idempotency-Key gets the stored response. (On a reused connection, net/http's
// Transport makes that retry itself for a GET or a request that carries an
// Idempotency-Key, so a Go client may see only the replay; Requests shows both.)
//
// Through Handler, where the connection cannot be taken over (an
// httptest.ResponseRecorder, for one), the handler panics with
// http.ErrAbortHandler instead, which net/http turns into a cut connection.
//
// The requests are counted as for FailNext. DropNext panics if n is negative.
func (s *Server) DropNext(n int) {
	s.schedule(fault{n: n, drop: true})
}

func (s *Server) schedule(f fault) {
	if f.n < 0 {
		panic("apikeystest: negative request count")
	}
	if f.n == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, f)
}

// nextFault takes the fault for the request r now arriving: the first
// targeted fault that hits it, else the head of the queue; ok is false when
// none applies. The caller holds s.mu.
func (s *Server) nextFault(r Request) (f fault, ok bool) {
	for i := range s.targeted {
		if t := &s.targeted[i]; t.hits(r) {
			f = *t
			if t.n--; t.n == 0 {
				s.targeted = slices.Delete(s.targeted, i, i+1)
			}
			return f, true
		}
	}
	if len(s.faults) == 0 {
		return fault{}, false
	}
	f = s.faults[0]
	if s.faults[0].n--; s.faults[0].n == 0 {
		s.faults = s.faults[1:]
	}
	return f, true
}

// retryAfterHeader is the Retry-After a FailNext answer carries: whole
// seconds, rounded up; "" for none.
func (f fault) retryAfterHeader() string {
	if f.retryAfter <= 0 {
		return ""
	}
	secs := (f.retryAfter + time.Second - 1) / time.Second
	return strconv.FormatInt(int64(secs), 10)
}

// Requests returns a copy of every request the server has received, through
// its URL, Handler or Transport, in the order they arrived: failed, dropped and refused
// ones included. Changing the result changes nothing in the server. The
// server keeps every request for its lifetime, so a long benchmark holds them
// all in memory.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Request, len(s.requests))
	for i, r := range s.requests {
		out[i] = r.clone()
	}
	return out
}
