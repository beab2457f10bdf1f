package apikeys

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/go-cleanhttp"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/reference"
	"github.com/apikeys-go/apikeys/internal/transport"
)

// Version is the SDK's version, sent in the User-Agent.
const Version = "0.1.0"

// defaultIdleConnsPerHost lets up to 100 goroutines share one client without
// opening a connection per call.
const defaultIdleConnsPerHost = 100

// Client manages the API keys of one organization. Create it with New. A
// Client is safe for concurrent use by many goroutines and should be reused:
// it holds the connection pool and the retry budget.
type Client struct {
	orgID   string
	apiKey  string // kept only to scrub it from error bodies
	mapping platform.Mapping
	tr      *transport.Transport
}

// New returns a Client configured by opts. WithBaseURL, WithAPIKey and
// WithOrganization are required. Every problem with the options is an error
// here, so a Client that New returns is ready to use.
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
	switch {
	case s.baseURL == "":
		return nil, &ValidationError{Field: "WithBaseURL", Reason: "a base URL is required"}
	case s.apiKey == "":
		return nil, &ValidationError{Field: "WithAPIKey", Reason: "a credential is required"}
	case s.orgID == "":
		return nil, &ValidationError{Field: "WithOrganization", Reason: "an organization is required"}
	}
	base, err := checkBaseURL(s.baseURL, s.insecureHTTP)
	if err != nil {
		return nil, err
	}
	hc, owned := s.httpClient, s.httpClient == nil
	if owned {
		tr := cleanhttp.DefaultPooledTransport()
		// cleanhttp keeps GOMAXPROCS+1 idle connections per host; a bulk job
		// with more goroutines than that would dial on almost every call.
		tr.MaxIdleConnsPerHost = defaultIdleConnsPerHost
		hc = &http.Client{Transport: tr}
	}
	ua := "apikeys-go/" + Version
	if s.userAgent != "" {
		ua += " " + s.userAgent
	}
	return &Client{
		orgID:   s.orgID,
		apiKey:  s.apiKey,
		mapping: reference.Mapping{},
		tr: transport.New(transport.Config{
			HTTPClient: hc, OwnsHTTPClient: owned, BaseURL: base, APIKey: s.apiKey, UserAgent: ua,
			MaxRetries: s.maxRetries, MinRetryDelay: s.minRetryDelay, MaxRetryDelay: s.maxRetryDelay,
			RequestTimeout: s.requestTimeout, Logger: s.logger,
			Budget: transport.NewBudget(s.budgetTokens, s.budgetRatio),
		}),
	}, nil
}

// HTTPClient returns the *http.Client the Client sends with: the one given
// to WithHTTPClient, or the default. Tests hand it to
// httpmock.ActivateNonDefault.
func (c *Client) HTTPClient() *http.Client { return c.tr.HTTPClient() }

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
	case u.User != nil:
		return "", bad("user information is not allowed; use WithAPIKey")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", bad("query and fragment are not allowed")
	case u.Scheme == "http" && !insecure && !isLoopback(u.Hostname()):
		return "", bad("http:// to a non-loopback host sends the credential in clear text; use https or WithInsecureHTTP")
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// checkID refuses IDs that cannot name a key or organization safely: empty,
// "." and ".." (a path walk once unescaped by a proxy), control characters,
// invalid UTF-8, and more than 256 bytes. Everything else is path-escaped.
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
	default:
		return nil
	}
	return &ValidationError{Field: field, Reason: reason}
}

// do sends op and returns the final 2xx response; the caller decodes it and
// must Release it. Any other outcome is an error: *APIError for an HTTP
// answer, ErrUnsupported, or a transport failure (joined with the last
// answer's *APIError when the context ended while waiting to retry).
func (c *Client) do(ctx context.Context, op *platform.Operation) (*transport.Response, error) {
	op.OrgID = c.orgID
	if !c.mapping.Supports(op.Kind, op.Action) {
		return nil, fmt.Errorf("%w: %s", ErrUnsupported, opName(op))
	}
	req, err := c.mapping.Encode(op)
	if err != nil {
		return nil, fmt.Errorf("apikeys: %s: %w", opName(op), err)
	}
	resp, err := c.tr.Do(ctx, req)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("apikeys: %s: %w; last answer: %w", opName(op), err, c.apiError(resp))
		}
		return nil, fmt.Errorf("apikeys: %s: %w", opName(op), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, c.apiError(resp)
	}
	return resp, nil
}

// apiError turns a non-2xx answer into an *APIError and releases it.
func (c *Client) apiError(resp *transport.Response) *APIError {
	defer resp.Release()
	e := &APIError{
		StatusCode: resp.StatusCode,
		RequestID:  c.scrubString(resp.Header.Get("X-Request-Id")),
		Attempts:   resp.Attempts,
		Body:       c.scrub(resp.Body),
	}
	if env, ok := c.mapping.DecodeError(resp.StatusCode, resp.Header, resp.Body); ok {
		e.Code, e.Message, e.SystemMessage = c.scrubString(env.Code), c.scrubString(env.Message), c.scrubString(env.SystemMessage)
		e.Type, e.TraceID = c.scrubString(env.Type), c.scrubString(env.TraceID)
		e.Timestamp, e.Details = env.Timestamp, c.scrubDetails(env.Details)
	}
	return e
}

// scrubDetails replaces the credential in every string of an envelope's
// details, however deep.
func (c *Client) scrubDetails(d map[string]any) map[string]any {
	var walk func(v any) any
	walk = func(v any) any {
		switch v := v.(type) {
		case string:
			return c.scrubString(v)
		case map[string]any:
			for k, x := range v {
				v[k] = walk(x)
			}
		case []any:
			for i, x := range v {
				v[i] = walk(x)
			}
		}
		return v
	}
	walk(d)
	return d
}

// scrub copies an error body, replacing the credential if a server echoed
// it. The body may have been cut inside the credential, so a tail that is the
// credential's beginning (8 bytes or more) goes too.
func (c *Client) scrub(body []byte) []byte {
	if len(body) == 0 {
		return nil
	}
	s := c.scrubString(string(body))
	for n := len(c.apiKey) - 1; n >= 8; n-- {
		if strings.HasSuffix(s, c.apiKey[:n]) {
			s = s[:len(s)-n] + redacted
			break
		}
	}
	// A credential shorter than the marker makes the text grow: keep the
	// promise of at most MaxErrorBody bytes.
	return []byte(s[:min(len(s), transport.MaxErrorBody)])
}

func (c *Client) scrubString(s string) string {
	if strings.Contains(s, c.apiKey) {
		return strings.ReplaceAll(s, c.apiKey, redacted)
	}
	return s
}

// decodeErr reports a 2xx body the mapping could not read. The body itself is
// left out: it may hold a secret.
func (c *Client) decodeErr(op *platform.Operation, resp *transport.Response, err error) error {
	return fmt.Errorf("apikeys: %s: decoding the %d response (request %s): %w",
		opName(op), resp.StatusCode, c.scrubString(resp.Header.Get("X-Request-Id")), err)
}

func opName(op *platform.Operation) string {
	switch op.Kind {
	case platform.KindCreate:
		return "create key"
	case platform.KindList:
		return "list keys"
	case platform.KindGet:
		return "get key " + op.KeyID
	case platform.KindUpdate:
		return "update key " + op.KeyID
	}
	return op.Action + " key " + op.KeyID
}
