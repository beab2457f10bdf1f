package apikeystest

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apikeys-go/apikeys"
)

// Server is a running fake of one platform's API. Its methods are safe for
// concurrent use. The fields are informational: changing them changes nothing
// in the server.
type Server struct {
	// URL is the base URL a client of the platform appends its paths to:
	// "http://127.0.0.1:PORT/v1" for the reference API and Aitronos, and
	// "http://127.0.0.1:PORT", with no path, for orq.ai, Sysevo, Confident AI
	// and Prefactor, whose documented paths carry their own version. Under
	// WithoutListener the host is "localhost", with no port: a base URL for
	// a client that sends through Transport, not an address to dial.
	URL string
	// OrgID is the one organization the server serves ("org_test" by
	// default). Paths naming any other organization are refused.
	OrgID string
	// AdminKey is the only credential the server accepts (random by
	// default). Any other answers 401.
	AdminKey string

	// Copies of the exported fields, so a test that assigns those cannot
	// change the server's behaviour under a running request.
	org      string
	adminKey string
	platform apikeys.Platform
	now      func() time.Time
	wire     wire
	ts       *httptest.Server // nil under WithoutListener
	// origin is the scheme and host that URL starts with: the listener's,
	// or inProcessOrigin.
	origin string
	// listen is false under WithoutListener.
	listen bool
	// closed is set by Close; Transport then refuses, as a closed
	// listener would.
	closed atomic.Bool

	// orqVersion is the orq.ai wire generation WithOrqAIVersion chose; ""
	// is the newer one.
	orqVersion string

	mu       sync.Mutex // guards everything below, and the wire's own state
	keys     store
	faults   []fault
	targeted []fault // FailOn and DropOn, in the order scheduled
	requests []Request
}

// Option configures a Server in NewServer.
type Option func(*Server)

// WithPlatform makes the server speak platform p's API instead of the
// reference API's. NewServer panics if p is not one it serves.
func WithPlatform(p apikeys.Platform) Option {
	return func(s *Server) { s.platform = p }
}

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
// Close when finished, to shut it down. NewServer panics if WithPlatform
// names a platform it does not serve (see the package documentation).
func NewServer(opts ...Option) *Server {
	s, err := newServer(opts)
	if err != nil {
		panic(err.Error())
	}
	return s
}

// newServer is NewServer with its misuse as an error, so that Start can
// fail the test instead of panicking.
func newServer(opts []Option) (*Server, error) {
	s := &Server{
		OrgID:    "org_test",
		AdminKey: "ak_admin_" + randomHex(16),
		platform: apikeys.Reference,
		now:      time.Now,
		listen:   true,
	}
	for _, opt := range opts {
		opt(s)
	}
	newWire, ok := wires[s.platform]
	if !ok {
		return nil, fmt.Errorf("apikeystest: NewServer: platform %q is not served (served: %q)",
			s.platform, apikeys.Platforms())
	}
	s.org, s.adminKey = s.OrgID, s.AdminKey
	s.wire = newWire(s)
	s.origin = inProcessOrigin
	if s.listen {
		s.ts = httptest.NewServer(s.Handler())
		s.origin = s.ts.URL
	}
	s.URL = s.origin + s.wire.base()
	return s, nil
}

// Close shuts the server down: it stops accepting connections, closes idle
// ones, and blocks until every request being served has finished. From then
// on Transport refuses every request, as a closed listener would. Closing
// twice is harmless.
func (s *Server) Close() {
	s.closed.Store(true)
	if s.ts != nil {
		s.ts.Close()
	}
}

// Platform returns the platform whose API the server speaks.
func (s *Server) Platform() apikeys.Platform { return s.platform }

// AuthHeader returns the name of the header the server reads the credential
// from, in canonical form: the platform's documented header, or for a
// platform that documents none (Sysevo) the one its Client is configured
// with through WithAuthHeader.
func (s *Server) AuthHeader() string { return s.wire.authHeader() }

// Client returns a client for this server: its platform, URL and AdminKey,
// OrgID where the platform has an organization, and a 1 ms first retry delay
// so that tests of retries run fast. The retry budget keeps its default: it
// belongs to the client, so each Client starts full, and failures a test
// injects are refunded by the retries that absorb them, so how many retries a
// test sees does not depend on what earlier tests did. Under WithoutListener it also sends through Transport. opts are applied
// after those, so they override them.
func (s *Server) Client(opts ...apikeys.Option) (*apikeys.Client, error) {
	base := []apikeys.Option{
		apikeys.WithPlatform(s.platform),
		apikeys.WithBaseURL(s.origin + s.wire.base()),
		apikeys.WithAPIKey(s.adminKey),
		apikeys.WithMinRetryDelay(time.Millisecond),
	}
	base = append(base, s.wire.clientOptions()...)
	if !s.listen {
		base = append(base, apikeys.WithHTTPClient(&http.Client{Transport: s.Transport()}))
	}
	return apikeys.New(append(base, opts...)...)
}

// Handler returns the API as an http.Handler, sharing this server's keys,
// faults and recorded requests, for use without a network: with
// httptest.NewRecorder or an httpmock responder. It serves the paths below
// URL's path ("/v1/organizations/…" for the reference API). A request with a
// nil Body, as httpmock makes for a GET, is one without a body.
func (s *Server) Handler() http.Handler {
	return http.HandlerFunc(s.serveHTTP)
}
