// Package transport sends one platform request over HTTP: headers, per-attempt
// timeouts, retries with backoff and Retry-After, the shared retry budget,
// bounded bodies, same-origin redirects and the debug log. It knows nothing of
// keys; the client and the platform mapping do.
package transport

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/cenkalti/backoff/v4"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// Body limits: a success body above MaxBody is an error; an error body is
// kept to MaxErrorBody; whatever a caller does not keep is drained up to
// maxDrain so the connection can be reused, and past that it is closed.
const (
	MaxBody      = 4 << 20
	MaxErrorBody = 4 << 10
	maxDrain     = 64 << 10
)

// ErrBodyTooLarge is a success body over MaxBody.
var ErrBodyTooLarge = errors.New("response body exceeds 4 MiB")

// ErrRedirect is a refused redirect: to another scheme, host or port (refused
// before any request, and so any credential, reaches that origin), or one
// that would change the method.
var ErrRedirect = errors.New("redirect refused")

var (
	errCrossOrigin  = fmt.Errorf("%w: it leads to another origin", ErrRedirect)
	errMethodChange = fmt.Errorf("%w: it would change the method", ErrRedirect)
)

// Config is what a Transport needs; the client fills it from its options.
type Config struct {
	HTTPClient     *http.Client // see New
	OwnsHTTPClient bool         // HTTPClient was made for this Transport alone
	BaseURL        string       // scheme://host[:port][/path], no trailing slash
	APIKey         string
	UserAgent      string
	MaxRetries     int
	MinRetryDelay  time.Duration // the first backoff interval
	MaxRetryDelay  time.Duration // cap on one wait, Retry-After included
	RequestTimeout time.Duration // per attempt; 0: none
	Logger         *slog.Logger  // nil: silent
	Budget         *Budget       // nil: unthrottled
}

// Transport is safe for concurrent use.
type Transport struct {
	cfg      Config
	hc       *http.Client
	redirect func(*http.Request, []*http.Request) error // t.checkRedirect, bound once
	apiKey   []string                                   // header values shared read-only by every request
	accept   []string
	ua       []string
	json     []string
}

// New returns a Transport that sends through cfg.HTTPClient under its own
// redirect policy. A client it owns gets that policy once; a caller's client
// is never modified: each attempt uses a shallow copy carrying the policy, so
// what the caller changes later (its Transport, for httpmock) still applies.
func New(cfg Config) *Transport {
	t := &Transport{
		cfg: cfg, hc: cfg.HTTPClient,
		apiKey: []string{cfg.APIKey}, accept: []string{"application/json"},
		ua: []string{cfg.UserAgent}, json: []string{"application/json"},
	}
	t.redirect = t.checkRedirect
	if cfg.OwnsHTTPClient {
		t.hc.CheckRedirect = t.redirect
	}
	return t
}

// checkRedirect follows a redirect only to the same origin and with the same
// method: net/http turns a POST or DELETE answered 301, 302 or 303 into a GET,
// whose 200 would then pass for the mutation's success. It then defers to the
// caller's own policy, if any.
func (t *Transport) checkRedirect(req *http.Request, via []*http.Request) error {
	switch {
	case !sameOrigin(req.URL, via[0].URL):
		return errCrossOrigin
	case req.Method != via[0].Method:
		return errMethodChange
	case !t.cfg.OwnsHTTPClient && t.hc.CheckRedirect != nil:
		return t.hc.CheckRedirect(req, via)
	case len(via) >= 10:
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// HTTPClient is the client every request goes through.
func (t *Transport) HTTPClient() *http.Client { return t.hc }

func sameOrigin(a, b *url.URL) bool {
	return a.Scheme == b.Scheme && strings.EqualFold(a.Hostname(), b.Hostname()) && port(a) == port(b)
}

func port(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// Response is the final answer: a 2xx, or a non-2xx that was not retried or
// whose retries ran out. Release returns its body buffer to the pool.
type Response struct {
	StatusCode int
	Header     http.Header
	Body       []byte
	Attempts   int
	buf        *bytes.Buffer
}

// Release hands the body buffer back; Body must not be used afterwards.
func (r *Response) Release() {
	if r.buf != nil && r.buf.Cap() <= 256<<10 { // keep huge buffers out of the pool
		r.buf.Reset()
		bufPool.Put(r.buf)
	}
	r.buf, r.Body = nil, nil
}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// Error is a failure with no HTTP answer to show for it: the network, a
// canceled context, a refused redirect, an oversized body. It wraps the cause.
type Error struct {
	Attempts int
	Err      error
}

// Error shows the cause and, after retries, how many attempts were made.
func (e *Error) Error() string {
	if e.Attempts > 1 {
		return fmt.Sprintf("%v (after %d attempts)", e.Err, e.Attempts)
	}
	return e.Err.Error()
}

// Unwrap gives errors.Is and errors.As the cause, ctx.Err() included.
func (e *Error) Unwrap() error { return e.Err }

// Do sends req, retrying what may be retried. Mutations (every method but GET
// and HEAD) carry one Idempotency-Key on every attempt, and every attempt
// sends the same body bytes. A non-2xx answer is a Response, not an error.
// When the context ends during a wait between attempts, Do returns both the
// error and the last Response (still to be Released).
func (t *Transport) Do(ctx context.Context, req platform.Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Err: err}
	}
	target := t.cfg.BaseURL + req.Path
	if req.RawQuery != "" {
		target += "?" + req.RawQuery
	}
	var idemKey []string
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		idemKey = []string{newIdempotencyKey()}
	}
	var bo *backoff.ExponentialBackOff // made on the first retry only
	for attempt := 1; ; attempt++ {
		start := time.Now()
		resp, err := t.attempt(ctx, req, target, idemKey)
		retry, reason := t.classify(ctx, resp, err)
		if ctx.Err() == nil { // a canceled call says nothing of the server
			t.cfg.Budget.record(retry)
		}
		t.logAttempt(ctx, req, resp, err, attempt, time.Since(start))
		if resp != nil {
			resp.Attempts = attempt
		}
		if !retry {
			return finish(ctx, resp, err, attempt)
		}
		if attempt > t.cfg.MaxRetries || !t.cfg.Budget.allowRetry() {
			t.logGiveUp(ctx, req, attempt, "retries exhausted")
			return finish(ctx, resp, err, attempt)
		}
		wait, fromHeader := time.Duration(0), false
		if resp != nil {
			wait, fromHeader = ParseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
		}
		if !fromHeader {
			if bo == nil {
				bo = t.newBackoff()
			}
			// Jitter can take an interval up to half again above the
			// backoff's cap; that is not the server asking for a long wait.
			wait = min(bo.NextBackOff(), t.cfg.MaxRetryDelay)
		}
		if wait > t.cfg.MaxRetryDelay {
			t.logGiveUp(ctx, req, attempt, "wait above the maximum retry delay")
			return finish(ctx, resp, err, attempt)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			t.logGiveUp(ctx, req, attempt, "wait past the context deadline")
			return finish(ctx, resp, err, attempt)
		}
		t.logRetry(ctx, req, attempt, wait, reason)
		if cerr := sleep(ctx, wait); cerr != nil {
			// The last answer goes back with the error, so the caller
			// still sees what the server said.
			if err != nil {
				cerr = fmt.Errorf("%w (waiting to retry after: %w)", cerr, err)
			}
			return resp, &Error{Attempts: attempt, Err: cerr}
		}
		if resp != nil {
			resp.Release()
		}
	}
}

func finish(ctx context.Context, resp *Response, err error, attempts int) (*Response, error) {
	if err == nil {
		return resp, nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return nil, &Error{Attempts: attempts, Err: err}
}

func (t *Transport) newBackoff() *backoff.ExponentialBackOff {
	return backoff.NewExponentialBackOff(
		backoff.WithInitialInterval(t.cfg.MinRetryDelay),
		backoff.WithMaxInterval(t.cfg.MaxRetryDelay),
		backoff.WithMaxElapsedTime(0),
	)
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-timer.C:
		return nil
	}
}

// attempt makes one request and reads its body within the attempt's timeout.
func (t *Transport) attempt(ctx context.Context, req platform.Request, target string, idemKey []string) (*Response, error) {
	actx := ctx
	// A caller's deadline that comes first bounds the attempt already, and
	// saves the timer context's allocations on every call.
	if d := t.cfg.RequestTimeout; d > 0 {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > d {
			var cancel context.CancelFunc
			actx, cancel = context.WithTimeout(ctx, d)
			defer cancel()
		}
	}
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hreq, err := http.NewRequestWithContext(actx, req.Method, target, body)
	if err != nil {
		return nil, err
	}
	h := hreq.Header
	h["X-Api-Key"] = t.apiKey
	h["Accept"] = t.accept
	h["User-Agent"] = t.ua
	if req.Body != nil {
		h["Content-Type"] = t.json
	}
	if idemKey != nil {
		h["Idempotency-Key"] = idemKey
	}
	hc := t.hc
	if !t.cfg.OwnsHTTPClient {
		c := *t.hc
		c.CheckRedirect = t.redirect
		hc = &c
	}
	hresp, err := hc.Do(hreq)
	if err != nil {
		if hresp != nil { // Do returns both only when CheckRedirect refused
			err = &refusedRedirect{err}
		}
		return nil, err
	}
	defer hresp.Body.Close()
	ok := hresp.StatusCode >= 200 && hresp.StatusCode <= 299
	limit := int64(MaxErrorBody)
	if ok {
		limit = MaxBody
	}
	buf := bufPool.Get().(*bytes.Buffer)
	if n := hresp.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n))
	}
	_, err = buf.ReadFrom(io.LimitReader(hresp.Body, limit+1))
	resp := &Response{StatusCode: hresp.StatusCode, Header: hresp.Header, buf: buf}
	if err != nil {
		resp.Release()
		return nil, err
	}
	if int64(buf.Len()) > limit {
		if ok {
			resp.Release()
			return nil, ErrBodyTooLarge
		}
		buf.Truncate(MaxErrorBody)
	}
	// Drain what is left so the connection goes back to the pool; a body
	// larger than maxDrain costs a new connection rather than unbounded reads.
	_, _ = io.CopyN(io.Discard, hresp.Body, maxDrain)
	resp.Body = buf.Bytes()
	return resp, nil
}

// classify decides whether an attempt's outcome is worth another attempt.
func (t *Transport) classify(ctx context.Context, resp *Response, err error) (retry bool, reason string) {
	if err == nil {
		switch resp.StatusCode {
		case http.StatusRequestTimeout, http.StatusTooManyRequests, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return true, strings.TrimSpace(resp.Header.Get("X-Request-Id") + " " + http.StatusText(resp.StatusCode))
		}
		return false, ""
	}
	if ctx.Err() != nil { // the caller's context, not an attempt timeout
		return false, ""
	}
	if retryableError(err) {
		return true, errText(err)
	}
	return false, ""
}

// retryableError accepts connection failures and attempt timeouts, and
// refuses what another attempt cannot fix: TLS and certificate problems, a
// refused redirect, an invalid URL, an oversized body.
func retryableError(err error) bool {
	var (
		certInvalid  x509.CertificateInvalidError
		hostErr      x509.HostnameError
		unknownAuth  x509.UnknownAuthorityError
		verifyErr    *tls.CertificateVerificationError
		recordHeader tls.RecordHeaderError
		alert        tls.AlertError
		refused      *refusedRedirect
		urlErr       *url.Error
	)
	switch {
	case errors.As(err, &refused), errors.Is(err, ErrBodyTooLarge),
		errors.As(err, &urlErr) && urlErr.Op == "parse",
		errors.As(err, &certInvalid), errors.As(err, &hostErr), errors.As(err, &unknownAuth),
		errors.As(err, &verifyErr), errors.As(err, &recordHeader), errors.As(err, &alert):
		return false
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, io.EOF),
		errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EPIPE):
		return true
	}
	// Everything else http.Client.Do returns is a *url.Error, itself a
	// net.Error, so a failure of HTTP/2 (GOAWAY, a reset stream) is retried
	// like one of TCP.
	var netErr net.Error
	return errors.As(err, &netErr)
}

// refusedRedirect is a redirect that a CheckRedirect refused: ours (another
// origin), the caller's own, or the limit of ten. Another attempt would meet
// the same redirect.
type refusedRedirect struct{ err error }

func (e *refusedRedirect) Error() string { return e.err.Error() }
func (e *refusedRedirect) Unwrap() error { return e.err }

func newIdempotencyKey() string {
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails since Go 1.24
	return hex.EncodeToString(raw[:])
}

// The debug log names the method, path, status, attempt, duration and request
// ID: never a header value, a body or a query (which could hold a filter a
// caller considers private), and never the credential.
func (t *Transport) logAttempt(ctx context.Context, req platform.Request, resp *Response, err error, attempt int, d time.Duration) {
	l := t.cfg.Logger
	if l == nil || !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("method", req.Method), slog.String("path", req.Path),
		slog.Int("attempt", attempt), slog.Duration("duration", d),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode),
			slog.String("request_id", resp.Header.Get("X-Request-Id")))
	} else if err != nil {
		attrs = append(attrs, slog.String("error", errText(err)))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "apikeys: attempt", attrs...)
}

// errText is err for the log: a *url.Error's text without the URL, which
// would show the query.
func errText(err error) string {
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return urlErr.Op + ": " + urlErr.Err.Error()
	}
	return err.Error()
}

func (t *Transport) logRetry(ctx context.Context, req platform.Request, attempt int, wait time.Duration, reason string) {
	if l := t.cfg.Logger; l != nil {
		l.LogAttrs(ctx, slog.LevelDebug, "apikeys: retrying",
			slog.String("method", req.Method), slog.String("path", req.Path),
			slog.Int("attempt", attempt), slog.Duration("wait", wait), slog.String("reason", reason))
	}
}

func (t *Transport) logGiveUp(ctx context.Context, req platform.Request, attempt int, why string) {
	if l := t.cfg.Logger; l != nil {
		l.LogAttrs(ctx, slog.LevelDebug, "apikeys: not retrying",
			slog.String("method", req.Method), slog.String("path", req.Path),
			slog.Int("attempt", attempt), slog.String("why", why))
	}
}
