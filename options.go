package apikeys

import (
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode"
)

// Option configures a Client in New. An Option that is given an invalid value
// makes New return an error; it never panics later.
type Option func(*settings) error

// settings collects the options before New checks them as a whole.
type settings struct {
	baseURL        string
	apiKey         string
	orgID          string
	httpClient     *http.Client
	userAgent      string
	maxRetries     int
	minRetryDelay  time.Duration
	maxRetryDelay  time.Duration
	requestTimeout time.Duration
	logger         *slog.Logger
	insecureHTTP   bool
	budgetTokens   int
	budgetRatio    float64
}

func defaultSettings() settings {
	return settings{
		maxRetries:     2,
		minRetryDelay:  500 * time.Millisecond,
		maxRetryDelay:  30 * time.Second,
		requestTimeout: 30 * time.Second,
		budgetTokens:   10,
		budgetRatio:    0.1,
	}
}

// WithBaseURL sets the API's base URL, for example
// "https://keys.example.com/v1". Required. It must be absolute, without user
// information, query or fragment; http:// is refused unless the host is
// loopback or WithInsecureHTTP is given.
func WithBaseURL(u string) Option {
	return func(s *settings) error { s.baseURL = u; return nil }
}

// WithAPIKey sets the credential sent as X-API-Key. Required. It is never
// logged, printed in an error, or sent to another origin on a redirect.
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
// Required: every path is organization-scoped.
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
// still apply. Client.HTTPClient returns hc.
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

// WithRequestTimeout bounds each attempt, reading the body included. Default
// 30s; 0 leaves attempts bounded only by the context.
func WithRequestTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return &ValidationError{Field: "WithRequestTimeout", Reason: "must not be negative"}
		}
		s.requestTimeout = d
		return nil
	}
}

// WithRetryBudget sets the retry throttle shared by every call of the client.
// Each retryable failure spends one token, each other outcome earns back
// ratio tokens, every second earns one, and retries are made only while more
// than maxTokens/2 remain. Default (10, 0.1), as in gRPC's retry throttling:
// against a server that fails everything, N quick calls make about N attempts
// rather than 3N. maxTokens 0 disables the throttle (ratio is then ignored).
func WithRetryBudget(maxTokens int, ratio float64) Option {
	return func(s *settings) error {
		if maxTokens < 0 || (maxTokens > 0 && !(ratio >= 0 && ratio <= float64(maxTokens))) {
			return &ValidationError{Field: "WithRetryBudget", Reason: "want maxTokens >= 0 and 0 <= ratio <= maxTokens"}
		}
		s.budgetTokens, s.budgetRatio = maxTokens, ratio
		return nil
	}
}

// WithLogger logs one debug line per attempt (method, path, status, attempt,
// duration, the response's X-Request-Id) and each retry decision. Request
// header values, bodies, queries, secrets and the credential are never
// logged. nil (the default) is silent.
func WithLogger(l *slog.Logger) Option {
	return func(s *settings) error { s.logger = l; return nil }
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
