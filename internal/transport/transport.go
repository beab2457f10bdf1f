// Package transport sends one platform request over HTTP: headers, per-attempt
// timeouts, retries with backoff and Retry-After, the shared retry budget,
// bounded bodies, same-origin redirects and the debug log. It knows nothing of
// keys; the client and the platform mapping do.
package transport

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
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
	"github.com/hashicorp/go-cleanhttp"

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
	HTTPClient *http.Client // see New; nil: the transport's own
	BaseURL    string       // scheme://host[:port][/path], no trailing slash
	// AuthHeader is the credential header, sent with this exact spelling
	// (map assignment, not Header.Set, which would canonicalize
	// CONFIDENT_API_KEY); AuthValue its value, scheme included.
	AuthHeader, AuthValue string
	Scrubber              *Scrubber // removes the credential from what is logged
	UserAgent             string
	// RequestIDHeaders are the canonical names of the answer headers that
	// may carry the server's request ID; the first present one wins.
	RequestIDHeaders []string
	MaxRetries       int
	MinRetryDelay    time.Duration // the first backoff interval
	MaxRetryDelay    time.Duration // cap on one wait, Retry-After included
	RequestTimeout   time.Duration // per attempt; 0: none
	Logger           *slog.Logger  // nil: silent
	Budget           *Budget       // nil: unthrottled
}

// ErrRetryBudgetExhausted is a retry the client-wide budget refused.
var ErrRetryBudgetExhausted = errors.New("retry budget exhausted")

// Transport is safe for concurrent use.
type Transport struct {
	cfg      Config
	hc       *http.Client
	redirect func(*http.Request, []*http.Request) error // t.checkRedirect, bound once
	auth     []string                                   // header values shared read-only by every request
	accept   []string
	ua       []string
	json     []string
	// fixed are the request headers of an attempt through direct with no
	// Idempotency-Key, without and with a body: built once and shared
	// read-only, where a header map per attempt costs an allocation and
	// four insertions. net/http's Client and Transport read a request's
	// Header and copy it before any change (redirects, credentials in the
	// URL), and direct has no hook of anyone else's (CheckRedirect,
	// RoundTripper) that could write to it. Any other attempt gets headers
	// of its own.
	fixed [2]http.Header
	maker requestMaker // makes each attempt's request from cfg.BaseURL
	// own is the pooled transport of the client New made when Config had
	// none, and direct a private client over it that carries the redirect
	// policy: while hc is as New made it, attempts send through direct,
	// with no copy of hc. Both are nil for a caller's client.
	own    *http.Transport
	direct *http.Client
	copies sync.Pool // *http.Client: shallow copies of a caller's client
	dog    *watchdog // ends attempts at RequestTimeout; nil without one
}

// DefaultIdleConnsPerHost is what the transport's own client keeps idle per
// host: up to 100 goroutines can share one client without opening a
// connection per call (cleanhttp keeps GOMAXPROCS+1).
const DefaultIdleConnsPerHost = 100

// New returns a Transport that sends through cfg.HTTPClient. A caller's
// client is never modified: each attempt goes through a shallow copy
// carrying the redirect policy, so what anyone changes later (its
// Transport, for httpmock; its CheckRedirect) still applies, and the policy
// cannot be switched off by setting the field. With no client, the
// transport makes its own over cleanhttp's pooled transport.
func New(cfg Config) *Transport {
	t := &Transport{
		cfg: cfg, hc: cfg.HTTPClient,
		auth: []string{cfg.AuthValue}, accept: []string{"application/json"},
		ua: []string{cfg.UserAgent}, json: []string{"application/json"},
	}
	t.redirect = t.checkRedirect
	t.maker = newRequestMaker(cfg.BaseURL)
	if cfg.RequestTimeout > 0 {
		t.dog = newWatchdog(cfg.RequestTimeout)
	}
	if t.hc == nil {
		t.own = ownTransport()
		t.hc = &http.Client{Transport: t.own}
		t.direct = &http.Client{Transport: t.own, CheckRedirect: t.redirect}
		for body := range t.fixed {
			t.fixed[body] = make(http.Header, 4)
			t.header("", body == 1, t.fixed[body])
		}
	}
	return t
}

// header puts into h the headers of an attempt: with a body or not, with
// an Idempotency-Key if one is given.
func (t *Transport) header(idempotencyKey string, body bool, h http.Header) {
	if idempotencyKey != "" {
		h["Idempotency-Key"] = []string{idempotencyKey}
	}
	if t.cfg.AuthHeader != "" {
		h[t.cfg.AuthHeader] = t.auth
	}
	h["Accept"] = t.accept
	h["User-Agent"] = t.ua
	if body {
		h["Content-Type"] = t.json
	}
}

// ownTransport is cleanhttp's pooled transport with
// DefaultIdleConnsPerHost. It needs no timeout of its own: an attempt's
// context bounds every phase, dialing included (see attempt).
func ownTransport() *http.Transport {
	tr := cleanhttp.DefaultPooledTransport()
	tr.MaxIdleConnsPerHost = DefaultIdleConnsPerHost
	return tr
}

// sender returns the client an attempt sends with: the transport's own
// client as New made it (no Jar, Timeout or CheckRedirect set on
// HTTPClient(), its Transport not replaced) as it is, else a copy of
// HTTPClient() with the redirect policy. release takes it back once the
// body is read.
func (t *Transport) sender() *http.Client {
	hc := t.hc
	if t.own != nil && hc.Transport == http.RoundTripper(t.own) && hc.CheckRedirect == nil &&
		hc.Jar == nil && hc.Timeout == 0 {
		return t.direct
	}
	c, _ := t.copies.Get().(*http.Client)
	if c == nil {
		c = new(http.Client)
	}
	*c = *hc
	c.CheckRedirect = t.redirect
	return c
}

// release takes back a copy that sender made. net/http keeps no reference
// to the http.Client once Do has returned (the response body holds the
// request's own state, not the client's), so it is free for the next one.
func (t *Transport) release(c *http.Client) {
	if c != t.direct {
		t.copies.Put(c)
	}
}

// checkRedirect follows a redirect only to the same origin and with the same
// method: net/http turns a POST or DELETE answered 301, 302 or 303 into a GET,
// whose 200 would then pass for the mutation's success. It then defers to the
// http.Client's own policy, if any.
func (t *Transport) checkRedirect(req *http.Request, via []*http.Request) error {
	switch {
	case !sameOrigin(req.URL, via[0].URL):
		return errCrossOrigin
	case req.Method != via[0].Method:
		return errMethodChange
	case t.hc.CheckRedirect != nil:
		return t.hc.CheckRedirect(req, via)
	case len(via) >= 10:
		return errors.New("stopped after 10 redirects")
	}
	return nil
}

// send is c.Do(req), asking c's RoundTripper itself where http.Client
// would only pass the request on: the RoundTripper is net/http's own
// *http.Transport (the SDK's client, cleanhttp's, http.DefaultTransport),
// which leaves the request as it found it, c has no cookie Jar and no
// Timeout, and the URL carries no credentials (from which http.Client
// derives an Authorization header). For an answer that is not a redirect,
// http.Client.Do then only returns what the transport gave, after about
// 600 ns and six allocations of bookkeeping kept for redirects (a copy of
// the request's headers among them). Anything else, an error or a
// redirect, goes to a copy of c whose RoundTripper replays that result
// instead of sending the request again, so net/http's own code still
// follows the redirect under the same policy (c's CheckRedirect) and
// shapes the error. Any other RoundTripper (httpmock's, a wrapper) goes
// through c.Do: one that changes the request in place, as some wrappers
// do, would otherwise hand its changes on to a redirect's request, which
// Do copies from the request as it was before.
// TestSendMatchesHTTPClient holds both paths to the same outcomes; the
// texts differ only where a RoundTripper breaks its contract (no answer
// and no error, or a nil Body with a length): net/http's error then names
// the replaying one.
func (t *Transport) send(c *http.Client, req *http.Request) (*http.Response, error) {
	rt := c.Transport
	if rt == nil {
		rt = http.DefaultTransport
	}
	if _, std := rt.(*http.Transport); !std || c.Jar != nil || c.Timeout != 0 || req.URL.User != nil {
		return c.Do(req)
	}
	resp, err := rt.RoundTrip(req)
	if err == nil && resp != nil && resp.Body != nil && !redirectStatus(resp.StatusCode) {
		return resp, nil
	}
	replay := *c
	replay.Transport = &replayed{resp: resp, err: err, next: rt}
	return replay.Do(req)
}

// redirectStatus reports whether http.Client may follow an answer with
// this status.
func redirectStatus(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// replayed is a RoundTripper that answers its first request with the
// result it holds, the one the request already got, and sends the next
// ones (a redirect's) through next. One http.Client.Do uses it, from one
// goroutine.
type replayed struct {
	resp *http.Response
	err  error
	next http.RoundTripper
	used bool
}

func (r *replayed) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.used {
		return r.next.RoundTrip(req)
	}
	r.used = true
	return r.resp, r.err
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
	RequestID  string // from Config.RequestIDHeaders, scrubbed; "" when none
	// BudgetRefused: a retry was due but the retry budget refused it.
	BudgetRefused bool
	// LongWait is the wait the server asked for (Retry-After) when it was
	// longer than the maximum retry delay or the context's time left, and so
	// not waited. WaitLimit is the limit it exceeded, and WaitLimitDeadline
	// says that limit was the context's time left, so an error can tell the
	// user which knob to turn.
	LongWait          time.Duration
	WaitLimit         time.Duration
	WaitLimitDeadline bool

	buf    *bytes.Buffer // the body's; nil once released
	spare  *bytes.Buffer // a released Response's buffer, for its next use
	answer platform.Answer
}

// Answer returns the response as a mapping decodes it. It points into r,
// which is on the heap already, so handing it to a Mapping through its
// interface costs no allocation of its own; it is valid until Release.
func (r *Response) Answer() *platform.Answer {
	r.answer = platform.Answer{Status: r.StatusCode, Header: r.Header, Body: r.Body}
	return &r.answer
}

// Release hands the Response and its body buffer back to be reused: neither
// r nor anything read from it (Body, Answer) may be used afterwards. A second
// Release is a no-op only until the pool hands r to another call, after
// which it would release that call's answer: release once.
func (r *Response) Release() {
	buf := r.buf
	if buf == nil {
		return // released already, or never had a body
	}
	*r = Response{}
	if buf.Cap() <= 256<<10 { // keep huge buffers out of the pool
		buf.Reset()
		r.spare = buf
		respPool.Put(r)
	}
}

// respPool holds released Responses, each with its body buffer kept aside
// in spare, so that a call's answer costs neither allocation.
var respPool = sync.Pool{New: func() any { return &Response{spare: new(bytes.Buffer)} }}

// newResponse is a Response from the pool, with an empty body buffer.
func newResponse(status int, h http.Header) *Response {
	r := respPool.Get().(*Response)
	r.StatusCode, r.Header, r.buf, r.spare = status, h, r.spare, nil
	return r
}

// Error is a failure with no HTTP answer to show for it: the network, a
// canceled context, a refused redirect, an oversized body. It wraps the cause.
type Error struct {
	Attempts int
	Err      error
	// Unsent: the last attempt surely did not reach the server (a dial or
	// DNS failure, a refused connection), nor did any before it.
	Unsent bool
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

// Do sends req, retrying what req.Retry allows. Every attempt sends the same
// body bytes and headers. A non-2xx answer is a Response, not an error. When
// the context ends during a wait between attempts, Do returns both the error
// and the last Response (still to be Released).
func (t *Transport) Do(ctx context.Context, req platform.Request) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, &Error{Err: err, Unsent: true}
	}
	var (
		bo     *backoff.ExponentialBackOff // made on the first retry only
		paid   float64                     // what the retry now in flight cost the budget
		unsent = true                      // no attempt so far can have reached the server
	)
	for attempt := 1; ; attempt++ {
		var start time.Time
		if t.cfg.Logger != nil {
			start = time.Now()
		}
		resp, err := t.attempt(ctx, req)
		unsent = unsent && (err != nil && surelyUnsent(err) ||
			resp != nil && resp.StatusCode == http.StatusTooManyRequests)
		if t.cfg.Logger != nil {
			t.logAttempt(ctx, req, resp, err, attempt, time.Since(start))
		}
		if resp != nil {
			resp.Attempts = attempt
		}
		retry, reason, cost := t.classify(ctx, req.Retry, resp, err)
		if !retry {
			if resp != nil && resp.StatusCode >= 200 && resp.StatusCode <= 299 {
				if attempt == 1 {
					t.cfg.Budget.release(successReward)
				} else {
					t.cfg.Budget.release(paid)
				}
			}
			return finish(ctx, resp, err, attempt, unsent)
		}
		if attempt > t.cfg.MaxRetries {
			t.logGiveUp(ctx, req, attempt, "retries exhausted")
			return finish(ctx, resp, err, attempt, unsent)
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
			if resp != nil {
				resp.LongWait, resp.WaitLimit = wait, t.cfg.MaxRetryDelay
			}
			return finish(ctx, resp, err, attempt, unsent)
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < wait {
			t.logGiveUp(ctx, req, attempt, "wait past the context deadline")
			// Only a wait the server asked for is reported as one: a
			// backoff wait past the deadline is the client's own.
			if resp != nil && fromHeader {
				resp.LongWait, resp.WaitLimit, resp.WaitLimitDeadline = wait, time.Until(dl), true
			}
			return finish(ctx, resp, err, attempt, unsent)
		}
		// A wait the server steered costs nothing; a deduplicated create's
		// retry is the one that recovers its secret, and is never refused.
		if fromHeader && resp != nil && (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) {
			cost = 0
		}
		if req.Retry == platform.RetryDeduplicated && req.Method == http.MethodPost {
			cost = 0
		}
		if !t.cfg.Budget.acquire(cost) {
			t.logGiveUp(ctx, req, attempt, "retry budget exhausted")
			if resp != nil {
				resp.BudgetRefused = true
				return resp, nil
			}
			return nil, &Error{Attempts: attempt, Err: fmt.Errorf("%w (%w)", ErrRetryBudgetExhausted, err), Unsent: unsent}
		}
		paid = cost
		t.logRetry(ctx, req, attempt, wait, reason)
		if cerr := sleep(ctx, wait); cerr != nil {
			t.cfg.Budget.release(paid) // the retry was never made
			// The last answer goes back with the error, so the caller
			// still sees what the server said.
			if err != nil {
				cerr = fmt.Errorf("%w (waiting to retry after: %w)", cerr, err)
			}
			return resp, &Error{Attempts: attempt, Err: cerr, Unsent: unsent}
		}
		if resp != nil {
			resp.Release()
		}
	}
}

func finish(ctx context.Context, resp *Response, err error, attempts int, unsent bool) (*Response, error) {
	if err == nil {
		return resp, nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		err = fmt.Errorf("%w: %w", cerr, err)
	}
	return nil, &Error{Attempts: attempts, Err: err, Unsent: unsent}
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
// Unless the caller's context ends first anyway, the attempt runs under a
// context that the watchdog cancels at the timeout (see watchdog): it
// bounds connecting, the wait for the headers, reading the body and
// draining it, on any http.Client. A timed-out attempt's error wraps
// context.DeadlineExceeded.
func (t *Transport) attempt(ctx context.Context, req platform.Request) (*Response, error) {
	c := t.sender()
	defer t.release(c)
	actx := ctx
	var gd guard // zero: no watch, the caller's deadline comes first
	if t.dog != nil {
		if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > t.dog.timeout {
			actx, gd = t.dog.start(ctx, t.dog.now())
			defer t.dog.stop(gd)
		}
	}
	var h http.Header
	if c == t.direct && req.IdempotencyKey == "" {
		h = t.fixed[btoi(req.Body != nil)]
	} else {
		h = make(http.Header, 5)
		t.header(req.IdempotencyKey, req.Body != nil, h)
	}
	hreq, err := t.maker.newRequest(actx, req.Method, req.Path, req.RawQuery, req.Body, h)
	if err != nil {
		return nil, err
	}
	hresp, err := t.send(c, hreq)
	if err != nil {
		err = withoutURL(err)
		if hresp != nil { // Do returns both only when CheckRedirect refused
			err = &refusedRedirect{err}
		}
		if timedOut(ctx, gd, err) {
			err = fmt.Errorf("%w: no answer within the attempt's timeout of %v", context.DeadlineExceeded, t.dog.timeout)
		}
		return nil, err
	}
	defer hresp.Body.Close()
	// The watchdog wakes at the deadline, not before it: headers that came
	// in between are late all the same.
	if gd != (guard{}) && t.dog.now() >= gd.deadline {
		return nil, fmt.Errorf("%w: the answer's headers came after the attempt's timeout of %v", context.DeadlineExceeded, t.dog.timeout)
	}
	ok := hresp.StatusCode >= 200 && hresp.StatusCode <= 299
	limit := int64(MaxErrorBody)
	if ok {
		limit = MaxBody
		if req.MaxBody > 0 {
			limit = req.MaxBody
		}
	}
	resp := newResponse(hresp.StatusCode, hresp.Header)
	buf := resp.buf
	if n := hresp.ContentLength; n > 0 && n <= limit {
		buf.Grow(int(n) + 1) // the byte over lets the read that meets EOF go without growing
	}
	eof, err := readBody(buf, hresp.Body, limit)
	if err != nil && timedOut(ctx, gd, err) {
		err = fmt.Errorf("%w while reading the answer's body", context.DeadlineExceeded)
	}
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
	if !eof {
		// Drain what is left so the connection goes back to the pool; a
		// body larger than maxDrain costs a new connection rather than
		// unbounded reads. A body read to EOF needs none.
		_, _ = io.CopyN(io.Discard, hresp.Body, maxDrain)
	}
	resp.Body = buf.Bytes()
	for _, name := range t.cfg.RequestIDHeaders {
		if v := hresp.Header[name]; len(v) > 0 && v[0] != "" {
			resp.RequestID = t.cfg.Scrubber.String(v[0])
			break
		}
	}
	return resp, nil
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// timedOut reports whether err is the end of an attempt that the watchdog
// canceled: the attempt expired, the caller's context did not end, and err
// is a context's (Canceled, or the cause, DeadlineExceeded), not a failure
// of its own that happened to come as the deadline passed (a certificate,
// a refused redirect), which keeps its own error and retry rule.
func timedOut(ctx context.Context, gd guard, err error) bool {
	return gd.expired() && ctx.Err() == nil &&
		(errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded))
}

// readBody appends r to buf until EOF (eof true) or until buf holds more
// than limit bytes. It reads into buf's spare capacity, so a buffer from the
// pool that is large enough costs no allocation (an io.LimitReader and
// bytes.Buffer.ReadFrom would cost one, and grow the buffer before the read
// that meets EOF).
func readBody(buf *bytes.Buffer, r io.Reader, limit int64) (eof bool, err error) {
	for int64(buf.Len()) <= limit {
		if buf.Available() == 0 {
			buf.Grow(bytes.MinRead)
		}
		p := buf.AvailableBuffer()
		p = p[:min(int64(cap(p)), limit+1-int64(buf.Len()))]
		n, err := r.Read(p)
		buf.Write(p[:n]) // p is buf's own spare capacity: this only extends it
		switch {
		case err == io.EOF:
			return true, nil
		case err != nil:
			return false, err
		}
	}
	return false, nil
}

// withoutURL replaces a *url.Error by its operation and cause: its text
// repeats the URL, which after a redirect is whatever Location the server
// sent (a credential it echoed included).
func withoutURL(err error) error {
	var urlErr *url.Error
	if !errors.As(err, &urlErr) {
		return err
	}
	return &opError{op: urlErr.Op, err: urlErr.Err}
}

// opError is a *url.Error without the URL.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// classify decides whether an attempt's outcome is worth another attempt,
// and what that retry costs the budget.
func (t *Transport) classify(ctx context.Context, rule platform.Retry, resp *Response, err error) (retry bool, reason string, cost float64) {
	if err == nil {
		switch resp.StatusCode {
		case http.StatusTooManyRequests:
			// Refused before it was applied: safe whatever the request.
		case http.StatusRequestTimeout, http.StatusInternalServerError,
			http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			if rule == platform.RetryUnsent {
				return false, "", 0
			}
		default:
			return false, "", 0
		}
		return true, strings.TrimSpace(resp.RequestID + " " + http.StatusText(resp.StatusCode)), retryCost
	}
	if ctx.Err() != nil { // the caller's context, not an attempt timeout
		return false, "", 0
	}
	if rule == platform.RetryUnsent && !surelyUnsent(err) {
		return false, "", 0
	}
	if !retryableError(err) {
		return false, "", 0
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true, errText(err), timeoutCost
	}
	return true, errText(err), retryCost
}

// surelyUnsent reports a failure that happened before any byte of the
// request reached the server: the connection was never made.
func surelyUnsent(err error) bool {
	var (
		opErr  *net.OpError
		dnsErr *net.DNSError
	)
	switch {
	case errors.As(err, &dnsErr), errors.Is(err, syscall.ECONNREFUSED):
		return true
	case errors.As(err, &opErr):
		return opErr.Op == "dial"
	}
	return false
}

// retryableError accepts real network failures and attempt timeouts, and
// refuses what another attempt cannot fix: TLS and certificate problems, a
// refused redirect, an invalid URL, an oversized body, a protocol mismatch
// ("server gave HTTP response to HTTPS client") and a RoundTripper's own
// errors.
func retryableError(err error) bool {
	var (
		certInvalid  x509.CertificateInvalidError
		hostErr      x509.HostnameError
		unknownAuth  x509.UnknownAuthorityError
		verifyErr    *tls.CertificateVerificationError
		recordHeader tls.RecordHeaderError
		alert        tls.AlertError
		refused      *refusedRedirect
		opErr        *net.OpError
		dnsErr       *net.DNSError
	)
	switch {
	case errors.As(err, &refused), errors.Is(err, ErrBodyTooLarge),
		errors.As(err, &certInvalid), errors.As(err, &hostErr), errors.As(err, &unknownAuth),
		errors.As(err, &verifyErr), errors.As(err, &recordHeader), errors.As(err, &alert):
		return false
	case errors.As(err, &dnsErr):
		return dnsErr.IsTemporary || dnsErr.IsTimeout
	}
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) ||
		errors.As(err, &opErr) || strings.HasSuffix(err.Error(), errServerClosedIdle)
}

// errServerClosedIdle is the text of net/http's unexported error for a
// connection the server closed before answering: a network failure, which
// net/http exports no value or type for.
const errServerClosedIdle = "http: server closed idle connection"

// refusedRedirect is a redirect that a CheckRedirect refused: ours (another
// origin), the caller's own, or the limit of ten. Another attempt would meet
// the same redirect.
type refusedRedirect struct{ err error }

func (e *refusedRedirect) Error() string { return e.err.Error() }
func (e *refusedRedirect) Unwrap() error { return e.err }

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
			slog.String("request_id", resp.RequestID))
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
