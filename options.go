package apikeys

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"
	"unicode"
)

// Option configures a Client in New. An Option that is given an invalid value
// makes New return an error; it never panics later.
type Option func(*settings) error

// settings collects the options before New checks them as a whole.
type settings struct {
	platform       Platform
	platformSet    bool // WithPlatform was given
	baseURL        string
	apiKey         string
	orgID          string
	authHeader     string
	authScheme     string
	authSet        bool // WithAuthHeader was given
	fromEnv        bool // FromEnv was given: New reads the environment
	getenv         func(string) string
	httpClient     *http.Client
	userAgent      string
	maxRetries     int
	minRetryDelay  time.Duration
	maxRetryDelay  time.Duration
	requestTimeout time.Duration
	logger         *slog.Logger
	insecureHTTP   bool
	budgetTokens   int
	now            func() time.Time // the clock Rotate reads; WithClock
}

func defaultSettings() settings {
	return settings{
		maxRetries:     2,
		minRetryDelay:  500 * time.Millisecond,
		maxRetryDelay:  30 * time.Second,
		requestTimeout: 30 * time.Second,
		budgetTokens:   500,
		getenv:         os.Getenv,
		now:            time.Now,
	}
}

// WithPlatform chooses the key-management API the client speaks. Default
// Reference. An unknown platform makes New fail with a *ValidationError. The
// platform decides the credential header, the default base URL, whether an
// organization is needed, and which operations and fields exist: see
// Platform.Capabilities and the README's platform table.
func WithPlatform(p Platform) Option {
	return func(s *settings) error {
		if !p.Valid() {
			return &ValidationError{Field: "WithPlatform", Reason: fmt.Sprintf("%q is not a known platform", string(p))}
		}
		s.platform, s.platformSet = p, true
		return nil
	}
}

// WithAuthHeader sets the header that carries the credential, and a scheme
// written before it with one space ("Bearer"); "" sends the credential raw.
// Required for Sysevo, whose docs name no header; elsewhere it replaces the
// platform's documented header (a gateway in front of it, say). The name is
// sent as written.
func WithAuthHeader(name, scheme string) Option {
	return func(s *settings) error {
		if !isToken(name) {
			return &ValidationError{Field: "WithAuthHeader", Reason: "the header name is empty or not an HTTP token"}
		}
		if scheme != "" && !isToken(scheme) {
			return &ValidationError{Field: "WithAuthHeader", Reason: "the scheme is not an HTTP token"}
		}
		if reservedHeaders[http.CanonicalHeaderKey(name)] {
			return &ValidationError{Field: "WithAuthHeader", Reason: "the header name is one the client sets itself"}
		}
		s.authHeader, s.authScheme, s.authSet = name, scheme, true
		return nil
	}
}

// reservedHeaders are the headers the client writes on every request.
var reservedHeaders = map[string]bool{
	"Accept": true, "User-Agent": true, "Content-Type": true, "Content-Length": true,
	"Host": true, "Idempotency-Key": true, "Transfer-Encoding": true,
}

// isToken reports whether s is an RFC 9110 token, as a header name and an
// auth scheme must be.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

// The environment variables FromEnv reads.
const (
	EnvPlatform   = "APIKEYS_PLATFORM"
	EnvBaseURL    = "APIKEYS_BASE_URL"
	EnvAPIKey     = "APIKEYS_API_KEY"
	EnvOrg        = "APIKEYS_ORG"
	EnvAuthHeader = "APIKEYS_AUTH_HEADER" // "Name" or "Name Scheme"
)

// FromEnv configures the client from the environment: APIKEYS_PLATFORM,
// APIKEYS_BASE_URL, APIKEYS_API_KEY, APIKEYS_ORG and APIKEYS_AUTH_HEADER
// ("Name" or "Name Scheme"). An unset or empty variable changes nothing; a
// set one never overrides an explicit option, wherever FromEnv stands among
// the options. An explicit WithPlatform naming another platform than
// APIKEYS_PLATFORM, while any other APIKEYS_ variable is set, is a
// *ValidationError: a credential meant for one platform never goes to
// another.
func FromEnv() Option {
	return func(s *settings) error { s.fromEnv = true; return nil }
}

// applyEnv fills what no explicit option set from the environment.
func (s *settings) applyEnv() error {
	get := func(name string) string { return strings.TrimSpace(s.getenv(name)) }
	envPlatform := Platform(get(EnvPlatform))
	others := get(EnvBaseURL) != "" || get(EnvAPIKey) != "" || get(EnvOrg) != "" || get(EnvAuthHeader) != ""
	if s.platformSet && others && envPlatform.orDefault() != s.platform.orDefault() {
		return &ValidationError{Field: EnvPlatform, Reason: fmt.Sprintf(
			"WithPlatform(%s) differs from the environment's platform while other %s variables are set; unset them or make the platforms agree",
			s.platform.orDefault(), "APIKEYS_")}
	}
	var opts []Option
	if envPlatform != "" && !s.platformSet {
		opts = append(opts, WithPlatform(envPlatform))
	}
	if v := get(EnvBaseURL); v != "" && s.baseURL == "" {
		opts = append(opts, WithBaseURL(v))
	}
	if v := get(EnvAPIKey); v != "" && s.apiKey == "" {
		opts = append(opts, WithAPIKey(v))
	}
	if v := get(EnvOrg); v != "" && s.orgID == "" {
		opts = append(opts, WithOrganization(v))
	}
	if v := get(EnvAuthHeader); v != "" && !s.authSet {
		name, scheme, _ := strings.Cut(v, " ")
		opts = append(opts, WithAuthHeader(name, strings.TrimSpace(scheme)))
	}
	for _, o := range opts {
		if err := o(s); err != nil {
			var ve *ValidationError
			if errors.As(err, &ve) {
				ve.Reason = "from the environment: " + ve.Reason
			}
			return err
		}
	}
	return nil
}

// WithBaseURL sets the API's base URL, for example
// "https://keys.example.com/v1". Required for Reference and Sysevo; for the
// other platforms it replaces the vendor's default (Confident AI's EU host,
// "https://eu.api.confident-ai.com", for one). The platform's paths are
// appended to it. It must be absolute, without user information, query or
// fragment; http:// is refused unless the host is loopback or
// WithInsecureHTTP is given.
func WithBaseURL(u string) Option {
	return func(s *settings) error { s.baseURL = u; return nil }
}

// WithAPIKey sets the credential, sent in the platform's credential header
// (X-API-Key, Authorization: Bearer, CONFIDENT_API_KEY; see WithAuthHeader).
// Required. It is never logged, printed in an error, or sent to another
// origin on a redirect.
func WithAPIKey(credential string) Option {
	return func(s *settings) error {
		if credential == "" {
			return &ValidationError{Field: "WithAPIKey", Reason: "credential is empty"}
		}
		if hasControl(credential) {
			return &ValidationError{Field: "WithAPIKey", Reason: "credential contains control characters"}
		}
		s.apiKey = credential
		return nil
	}
}

// WithOrganization sets the organization whose keys the client manages.
// Required for Reference and Aitronos, whose paths are organization-scoped;
// optional for Prefactor, where it is the account_id; refused (New fails)
// where the platform has no organization.
func WithOrganization(orgID string) Option {
	return func(s *settings) error {
		if err := checkID("orgID", orgID); err != nil {
			return err
		}
		s.orgID = orgID
		return nil
	}
}

// WithHTTPClient sets the http.Client to send requests with. The default is a
// pooled transport from go-cleanhttp that keeps up to 100 idle connections per
// host, so many goroutines can share one Client. hc is used as it is and never
// modified: each attempt goes through a shallow copy of it whose CheckRedirect
// refuses other origins and method changes before deferring to hc's own, so
// later changes to hc (httpmock.ActivateNonDefault(hc), a new Transport)
// still apply. Every request reaches hc's Transport. When that is net/http's
// *http.Transport (or nil) and hc has no Jar and no Timeout, an answer that
// is not a redirect is taken from it without http.Client.Do's redirect
// bookkeeping; redirects, errors and every other client go through Do.
// Client.HTTPClient returns hc.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return &ValidationError{Field: "WithHTTPClient", Reason: "is nil"}
		}
		s.httpClient = hc
		return nil
	}
}

// WithUserAgent appends suffix to the User-Agent "apikeys-go/<Version>", so a
// server's logs can tell your program apart.
func WithUserAgent(suffix string) Option {
	return func(s *settings) error {
		if hasControl(suffix) {
			return &ValidationError{Field: "WithUserAgent", Reason: "suffix contains control characters"}
		}
		s.userAgent = suffix
		return nil
	}
}

// WithMaxRetries sets how many times a failed attempt is retried. Default 2
// (three attempts in all); 0 disables retries.
func WithMaxRetries(n int) Option {
	return func(s *settings) error {
		if n < 0 {
			return &ValidationError{Field: "WithMaxRetries", Reason: "must not be negative"}
		}
		s.maxRetries = n
		return nil
	}
}

// WithMinRetryDelay sets the first backoff interval; later ones grow
// exponentially with jitter up to WithMaxRetryDelay. Default 500ms. Tests can
// set a millisecond to run retries fast.
func WithMinRetryDelay(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return &ValidationError{Field: "WithMinRetryDelay", Reason: "must be positive"}
		}
		s.minRetryDelay = d
		return nil
	}
}

// WithMaxRetryDelay caps one wait between attempts, Retry-After included.
// Default 30s. A server that asks for a longer wait, or one that would outlast
// the context's deadline, is not waited for: the last error returns at once.
func WithMaxRetryDelay(d time.Duration) Option {
	return func(s *settings) error {
		if d <= 0 {
			return &ValidationError{Field: "WithMaxRetryDelay", Reason: "must be positive"}
		}
		s.maxRetryDelay = d
		return nil
	}
}

// WithRequestTimeout bounds each attempt, from dialing to the last byte of
// the body, on any http.Client. Default 30s; 0 leaves attempts bounded only
// by the context. An attempt that times out wraps context.DeadlineExceeded
// and is retried; an answer whose headers come after d is a timeout too.
//
// The bound costs no timer per attempt: the client's watchdog, one
// goroutine while calls are in flight (gone within 100ms of the last),
// cancels each attempt's context at its deadline. Under a context that
// cannot be canceled (context.Background, or one with values only), the
// attempts that start within d/16 (at most 100ms) of each other share one
// context, canceled after the last of their deadlines: an attempt then ends
// at most that much after d, and costs one small allocation. When the
// caller's context ends within d anyway, the attempt simply runs under it.
func WithRequestTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return &ValidationError{Field: "WithRequestTimeout", Reason: "must not be negative"}
		}
		s.requestTimeout = d
		return nil
	}
}

// WithRetryBudget sets the retry quota shared by every call of the client,
// in tokens. Default 500; 0 disables it. A first attempt is free; a retry
// costs 5 tokens (10 after an attempt's timeout) and gets them back when it
// succeeds; a call that succeeds at once earns 1; each second earns 1. A 429
// or 503 with Retry-After is the server steering the client and costs
// nothing, and the retry of a create that would recover its secret is never
// refused. So retries absorb a flaky server however long it stays flaky,
// while against a dead one a bulk job makes about one request per call, not
// 1+WithMaxRetries. A refused retry returns the last error wrapped with
// ErrRetryBudgetExhausted.
func WithRetryBudget(tokens int) Option {
	return func(s *settings) error {
		if tokens < 0 {
			return &ValidationError{Field: "WithRetryBudget", Reason: "must not be negative"}
		}
		s.budgetTokens = tokens
		return nil
	}
}

// WithLogger logs one debug line per attempt (method, path, status, attempt,
// duration, the platform's request ID) and each retry decision, a refusal by
// the retry budget included. Request
// header values, bodies, queries, secrets and the credential are never
// logged. nil (the default) is silent.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { s.logger = l; return nil }
}

// WithClock makes the client read the time from now instead of time.Now
// where it computes a time of its own: Rotate's "now", from which a Grace
// period and the replacement's lifetime are counted. Tests pass a fixed or
// hand-moved clock, so that the expiry Rotate sends is known in advance
// (apikeystest.WithClock sets the fake server's clock the same way). Retry
// waits, timeouts and the retry budget keep the real clock: they measure
// time passing, not the calendar. A nil now makes New fail with a
// *ValidationError.
func WithClock(now func() time.Time) Option {
	return func(s *settings) error {
		if now == nil {
			return &ValidationError{Field: "WithClock", Reason: "the clock func must not be nil"}
		}
		s.now = now
		return nil
	}
}

// WithInsecureHTTP allows an http:// base URL whose host is not loopback.
// The credential then crosses the network in clear text: use it only on a
// network you trust.
func WithInsecureHTTP() Option {
	return func(s *settings) error { s.insecureHTTP = true; return nil }
}

// hasControl reports control characters, which no header value, key ID or
// organization ID may hold.
func hasControl(s string) bool {
	return strings.ContainsFunc(s, unicode.IsControl)
}
