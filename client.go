package apikeys

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/transport"
)

// Version is the SDK's version, sent in the User-Agent.
const Version = "0.2.0"

// Client manages API keys on one platform. Create it with New. A Client is
// safe for concurrent use by many goroutines and should be reused: it holds
// the connection pool and the retry budget.
type Client struct {
	platform Platform
	mapping  platform.Mapping
	spec     *platform.Spec
	orgID    string
	scrub    *transport.Scrubber // removes the credential from errors
	tr       *transport.Transport
	now      func() time.Time // WithClock; time.Now by default
}

// New returns a Client configured by opts. Options apply in order, a later
// one replacing an earlier one; New then checks the whole configuration for
// the chosen platform, so no option's success depends on its position.
// WithAPIKey is always required; WithBaseURL, WithOrganization and
// WithAuthHeader where the platform needs them (see Capabilities). Every
// problem is an error here, so a Client that New returns is ready to use.
func New(opts ...Option) (*Client, error) {
	s := defaultSettings()
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(&s); err != nil {
			return nil, err
		}
	}
	if s.fromEnv {
		if err := s.applyEnv(); err != nil {
			return nil, err
		}
	}
	p := s.platform.orDefault()
	spec := p.spec()
	name := string(p)
	if s.baseURL == "" {
		s.baseURL = spec.DefaultBaseURL
	}
	if s.authHeader == "" {
		s.authHeader, s.authScheme = spec.AuthHeader, spec.AuthScheme
	}
	switch {
	case s.baseURL == "":
		return nil, &ValidationError{Field: "WithBaseURL", Reason: "a base URL is required for " + name + ", which has no default"}
	case s.apiKey == "":
		return nil, &ValidationError{Field: "WithAPIKey", Reason: "a credential is required"}
	case s.authHeader == "":
		return nil, &ValidationError{Field: "WithAuthHeader", Reason: "the " + name + " docs name no credential header: say which with WithAuthHeader"}
	case s.orgID == "" && spec.Organization == platform.OrgRequired:
		return nil, &ValidationError{Field: "WithOrganization", Reason: "an organization is required for " + name}
	case s.orgID != "" && spec.Organization == platform.OrgNone:
		return nil, &ValidationError{Field: "WithOrganization", Reason: name + " has no organization; leave it out"}
	}
	base, err := checkBaseURL(s.baseURL, s.insecureHTTP)
	if err != nil {
		return nil, err
	}
	ua := "apikeys-go/" + Version
	if s.userAgent != "" {
		ua += " " + s.userAgent
	}
	auth := s.apiKey
	if s.authScheme != "" {
		auth = s.authScheme + " " + s.apiKey
	}
	scrub := transport.NewScrubber(s.apiKey)
	return &Client{
		platform: p,
		mapping:  p.mapping(),
		spec:     spec,
		orgID:    s.orgID,
		scrub:    scrub,
		now:      s.now,
		tr: transport.New(transport.Config{
			HTTPClient: s.httpClient, BaseURL: base, // nil: the transport's own pooled client
			AuthHeader: s.authHeader, AuthValue: auth, Scrubber: scrub, UserAgent: ua,
			RequestIDHeaders: spec.RequestIDHeaders,
			MaxRetries:       s.maxRetries, MinRetryDelay: s.minRetryDelay, MaxRetryDelay: s.maxRetryDelay,
			RequestTimeout: s.requestTimeout, Logger: s.logger,
			Budget: transport.NewBudget(s.budgetTokens),
		}),
	}, nil
}

// HTTPClient returns the *http.Client the Client sends with: the one given
// to WithHTTPClient, or the default. Tests hand it to
// httpmock.ActivateNonDefault.
func (c *Client) HTTPClient() *http.Client { return c.tr.HTTPClient() }

// Platform returns the platform the client speaks.
func (c *Client) Platform() Platform { return c.platform }

// checkBaseURL returns the base URL without a trailing slash.
func checkBaseURL(raw string, insecure bool) (string, error) {
	bad := func(reason string) error { return &ValidationError{Field: "WithBaseURL", Reason: reason} }
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return "", bad("not a URL") // url.Error would repeat the raw text
	case u.Scheme != "https" && u.Scheme != "http":
		return "", bad("scheme must be https or http")
	case u.Host == "" || u.Hostname() == "":
		return "", bad("host is missing")
	case !validPort(u.Port(), u.Host):
		return "", bad("port must be a number from 1 to 65535")
	case u.User != nil:
		return "", bad("user information is not allowed; use WithAPIKey")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", bad("query and fragment are not allowed")
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		return "", bad("http:// to a non-loopback host sends the credential in clear text; use https or WithInsecureHTTP")
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

// validPort accepts no port, or a decimal from 1 to 65535: url.Parse lets
// through ":0", which dials a random port, and ":99999", which fails only
// at the first request.
func validPort(port, host string) bool {
	if port == "" {
		return !strings.HasSuffix(host, ":") // "host:" is a port left out
	}
	n, err := strconv.Atoi(port)
	return err == nil && n >= 1 && n <= 65535 && port[0] != '+'
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkID refuses IDs that cannot name a key or organization safely: empty,
// "." and ".." (a path walk once unescaped by a proxy), "/" and "\" (a
// proxy that decodes %2F would turn a call on one key into a call on
// another), control characters, invalid UTF-8, and more than 256 bytes.
// Everything else is path-escaped.
func checkID(field, id string) error {
	var reason string
	switch {
	case id == "":
		reason = "is empty"
	case id == "." || id == "..":
		reason = `must not be "." or ".."`
	case len(id) > 256:
		reason = "is longer than 256 bytes"
	case !utf8.ValidString(id):
		reason = "is not valid UTF-8"
	case hasControl(id):
		reason = "contains control characters"
	case strings.ContainsAny(id, `/\`):
		reason = `must not contain "/" or "\"`
	default:
		return nil
	}
	return &ValidationError{Field: field, Reason: reason}
}

// checkKeyID is checkID for a key, plus the platform's ID syntax.
func (c *Client) checkKeyID(id string) error {
	if err := checkID("keyID", id); err != nil {
		return err
	}
	if c.spec.IntegerIDs && !platform.IsDecimal(id) {
		return &ValidationError{Field: "keyID", Reason: string(c.platform) + " key IDs are decimal integers, without leading zeros"}
	}
	return nil
}

// checkContext refuses a nil context before anything can dereference it.
func checkContext(ctx context.Context) error {
	if ctx == nil {
		return &ValidationError{Field: "ctx", Reason: "is nil; use context.Background()"}
	}
	return nil
}

// exchange is one operation's round trip, as run returns it.
type exchange struct {
	res      platform.Result
	method   string // of the request, for the rules that follow from it
	attempts int
}

// run encodes op, sends it and decodes the answer. Every failure is returned
// in the SDK's types: an Encode refusal as *UnsupportedError or
// *ValidationError (nothing sent), an answer that reports a failure as
// *APIError, a transport failure wrapped with the operation's name. A Create
// whose answer decodes only in part returns what decoded with the error.
func (c *Client) run(ctx context.Context, op *platform.Operation) (exchange, error) {
	op.OrgID = c.orgID
	req, err := c.mapping.Encode(*op)
	if err != nil {
		return exchange{}, c.encodeErr(op, err)
	}
	ex := exchange{method: req.Method}
	resp, err := c.tr.Do(ctx, req)
	if err != nil {
		var te *transport.Error
		if errors.As(err, &te) {
			ex.attempts = te.Attempts
		}
		if resp != nil {
			apiErr := c.apiError(op, resp, resp.StatusCode)
			resp.Release()
			return ex, fmt.Errorf("%s: %w; last answer: %w", c.where(op), err, apiErr)
		}
		return ex, fmt.Errorf("%s: %w", c.where(op), err)
	}
	defer resp.Release()
	ex.attempts = resp.Attempts
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return ex, c.apiError(op, resp, resp.StatusCode)
	}
	ex.res, err = c.mapping.Decode(*op, resp.Answer())
	if err == nil {
		return ex, nil
	}
	// Declared past the success return: errors.As takes its address, which
	// moves it to the heap, an allocation on every call if declared above.
	var failure *platform.Error
	if errors.As(err, &failure) {
		status := resp.StatusCode
		if failure.Status != 0 {
			status = failure.Status
		}
		e := c.apiError(op, resp, status)
		e.Body = nil // a 2xx body is a success body: it may hold a secret
		c.fill(e, *failure)
		return ex, e
	}
	// The body is left out: it may hold a secret.
	return ex, fmt.Errorf("%s: decoding the %d answer (request %s): %w",
		c.where(op), resp.StatusCode, resp.RequestID, err)
}

// encodeErr turns a mapping's refusal into the SDK's error types.
func (c *Client) encodeErr(op *platform.Operation, err error) error {
	var (
		unsupported *platform.Unsupported
		invalid     *platform.Invalid
	)
	switch {
	case errors.As(err, &unsupported):
		return &UnsupportedError{Platform: c.platform, Operation: opName(op), Field: unsupported.Field, Reason: unsupported.Reason}
	case errors.As(err, &invalid):
		return &ValidationError{Field: invalid.Field, Reason: invalid.Reason}
	}
	return fmt.Errorf("%s: %w", c.where(op), err)
}

// apiError turns an answer that reports a failure into an *APIError.
func (c *Client) apiError(op *platform.Operation, resp *transport.Response, status int) *APIError {
	e := &APIError{
		Platform: c.platform, Operation: opName(op), KeyID: op.KeyID,
		StatusCode: status, RequestID: resp.RequestID, Attempts: resp.Attempts,
		RetryAfter: resp.LongWait, budgetRefused: resp.BudgetRefused,
		waitLimit: resp.WaitLimit, waitDeadline: resp.WaitLimitDeadline,
		Body: c.scrub.Cut(resp.Body, transport.MaxErrorBody),
	}
	if status < 200 || status > 299 {
		c.fill(e, c.mapping.DecodeError(*op, resp.Answer()))
	}
	// Where the path carries the organization, a wrong one and a missing key
	// get the same 404: without a word on it, a typo in the organization
	// reads as "key not found". An answer that names the organization
	// (ORGANIZATION_NOT_FOUND) already tells them apart.
	if status == http.StatusNotFound && c.spec.Organization == platform.OrgRequired &&
		!strings.Contains(strings.ToUpper(e.Code), "ORGANIZATION") {
		e.orgHint = c.orgID
	}
	return e
}

// fill copies a decoded envelope into e, the credential scrubbed from every
// string.
func (c *Client) fill(e *APIError, pe platform.Error) {
	e.class = pe.Class
	e.Code, e.Message, e.SystemMessage = c.scrub.String(pe.Code), c.scrub.String(pe.Message), c.scrub.String(pe.SystemMessage)
	e.Type, e.TraceID, e.Timestamp = c.scrub.String(pe.Type), c.scrub.String(pe.TraceID), pe.Timestamp
	if pe.Details != nil {
		e.Details, _ = c.scrubValue(pe.Details).(map[string]any)
	}
}

// scrubValue replaces the credential in every string of a decoded JSON
// value, map keys included, however deep.
func (c *Client) scrubValue(v any) any {
	switch v := v.(type) {
	case string:
		return c.scrub.String(v)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[c.scrub.String(k)] = c.scrubValue(x)
		}
		return out
	case []any:
		for i, x := range v {
			v[i] = c.scrubValue(x)
		}
	}
	return v
}

// where is the start of an error's text, as APIError.Error writes it: the
// platform, the operation and the key it was on.
func (c *Client) where(op *platform.Operation) string {
	var b strings.Builder
	writeWhere(&b, c.platform, opName(op), op.KeyID)
	return b.String()
}

// opName is the operation as errors name it.
func opName(op *platform.Operation) string {
	switch op.Kind {
	case platform.KindCreate:
		return "create"
	case platform.KindList:
		return "list"
	case platform.KindGet:
		return "get"
	case platform.KindUpdate:
		return "update"
	}
	return op.Action
}
