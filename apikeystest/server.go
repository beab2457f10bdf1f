// Package apikeystest runs an in-memory fake of the reference API for tests,
// in the spirit of net/http/httptest.
//
//	srv := apikeystest.NewServer()
//	defer srv.Close()
//	client, err := srv.Client()
//
// A Server keeps the keys of one organization and answers as the reference
// API v1 does (api/openapi.yaml in this module describes it): the same paths,
// key objects and error envelopes, the transition table, validation,
// pagination and Idempotency-Key replay, so that a test passing against it
// means something. Of each secret it keeps only the SHA-256 hash and the
// public prefix, as a real server should, with one exception a real server
// shares: a create's response, secret included, is kept for 24 hours to replay
// it to a retry with the same Idempotency-Key. FailNext and DropNext script
// failures; Requests shows what a client sent.
//
// Where a real server could reasonably go either way, the fake is the strict
// one, to catch client bugs:
//   - X-API-Key is checked first: a bad credential gets 401 on any path.
//   - A JSON body needs Content-Type: application/json (else 415), must be one
//     object with no unknown fields, and may not hold null except for a
//     create's expires_at and usage_limit_chf (else 422 VALIDATION_ERROR).
//     Bodies over 1 MiB get 413 with code VALIDATION_ERROR.
//   - A present query parameter must be valid: "page=" is refused, not
//     defaulted.
//   - POST, PATCH and DELETE without an Idempotency-Key get 422
//     VALIDATION_ERROR (field "Idempotency-Key"): every mutation the SDK
//     sends carries one, and a client that forgets it could apply a retry twice.
//   - A revoked key cannot be updated: PATCH answers 400
//     INVALID_STATE_TRANSITION with details {"from":"revoked","action":"update"}.
//   - Every successful PATCH sets updated_at, even one that changes nothing.
//   - last_used_at is always null: the fake's keys authenticate nothing.
package apikeystest

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"time"

	"github.com/apikeys-go/apikeys"
)

// basePath is the path part of Server.URL; Handler serves the API under it.
const basePath = "/v1"

// Server is a running fake of the reference API. Its methods are safe for
// concurrent use. The fields are informational: changing them changes nothing
// in the server.
type Server struct {
	// URL is the base URL for a client, with the API's path:
	// "http://127.0.0.1:PORT/v1".
	URL string
	// OrgID is the one organization the server serves ("org_test" by
	// default). Paths naming any other organization answer 404.
	OrgID string
	// AdminKey is the only credential the server accepts in X-API-Key
	// (random by default). Any other answers 401 INVALID_API_KEY.
	AdminKey string

	// Copies of the exported fields, so a test that assigns those cannot
	// change the server's behaviour under a running request.
	org      string
	adminKey string
	now      func() time.Time
	ts       *httptest.Server

	mu       sync.Mutex // guards everything below
	keys     store
	idem     idemStore
	faults   []fault
	requests []Request
}

// Option configures a Server in NewServer.
type Option func(*Server)

// WithClock makes the server read the time from now instead of time.Now: for
// created_at and the other timestamps, for refusing an expires_at in the past,
// and for the 24-hour life of idempotency records. now is called once per
// request, with the server's lock held; a nil now keeps time.Now.
func WithClock(now func() time.Time) Option {
	return func(s *Server) {
		if now != nil {
			s.now = now
		}
	}
}

// WithOrgID sets the organization the server serves instead of "org_test".
func WithOrgID(orgID string) Option {
	return func(s *Server) { s.OrgID = orgID }
}

// WithAdminKey sets the credential the server accepts instead of a random one.
func WithAdminKey(credential string) Option {
	return func(s *Server) { s.AdminKey = credential }
}

// NewServer starts a Server on a loopback address. The caller should call
// Close when finished, to shut it down.
func NewServer(opts ...Option) *Server {
	s := &Server{
		OrgID:    "org_test",
		AdminKey: "ak_admin_" + randomHex(16),
		now:      time.Now,
	}
	for _, opt := range opts {
		opt(s)
	}
	s.org, s.adminKey = s.OrgID, s.AdminKey
	s.ts = httptest.NewServer(s.Handler())
	s.URL = s.ts.URL + basePath
	return s
}

// Close shuts the server down: it stops accepting connections, closes idle
// ones, and blocks until every request being served has finished.
func (s *Server) Close() {
	s.ts.Close()
}

// Client returns a client for this server: its URL, AdminKey and OrgID, a
// 1 ms first retry delay so that tests of retries run fast, and no retry
// budget, so that how many retries a test sees never depends on the failures
// earlier tests injected. opts are applied after those, so they override them.
func (s *Server) Client(opts ...apikeys.Option) (*apikeys.Client, error) {
	base := []apikeys.Option{
		apikeys.WithBaseURL(s.ts.URL + basePath),
		apikeys.WithAPIKey(s.adminKey),
		apikeys.WithOrganization(s.org),
		apikeys.WithMinRetryDelay(time.Millisecond),
		apikeys.WithRetryBudget(0, 0),
	}
	return apikeys.New(append(base, opts...)...)
}

// Handler returns the API as an http.Handler, sharing this server's keys,
// faults and recorded requests, for use without a network: with
// httptest.NewRecorder or an httpmock responder. It serves paths that begin
// with URL's path, "/v1/organizations/…".
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}
