package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/go-cleanhttp"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// env is one test's fake server, the validating transport in front of it and
// a client that sends through that transport.
type env struct {
	t   *testing.T
	ctx context.Context
	srv *apikeystest.Server
	v   *validator
	c   *apikeys.Client
	tr  *http.Transport
}

type envConfig struct {
	server      []apikeystest.Option
	client      []apikeys.Option
	wrap        func(http.RoundTripper) http.RoundTripper
	noKeepAlive bool
}

type envOption func(*envConfig)

// withClientOptions adds options to the env's client (after srv.Client's).
func withClientOptions(opts ...apikeys.Option) envOption {
	return func(c *envConfig) { c.client = append(c.client, opts...) }
}

// withWrap puts a RoundTripper of the test's between the client and the
// validator, so that whatever it changes is still validated.
func withWrap(wrap func(http.RoundTripper) http.RoundTripper) envOption {
	return func(c *envConfig) { c.wrap = wrap }
}

// withoutKeepAlive gives every request a new connection. DropNext tests need
// it: on a reused connection net/http itself silently resends a request that
// carries an Idempotency-Key when the connection is cut, which would hide the
// client's own retry and make the server see requests the validator did not.
func withoutKeepAlive() envOption {
	return func(c *envConfig) { c.noKeepAlive = true }
}

func newEnv(t *testing.T, opts ...envOption) *env {
	t.Helper()
	var cfg envConfig
	for _, o := range opts {
		o(&cfg)
	}
	srv := apikeystest.NewServer(cfg.server...)
	tr := cleanhttp.DefaultPooledTransport()
	tr.DisableKeepAlives = cfg.noKeepAlive
	v, err := newValidator(srv.URL, tr)
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 25*time.Second)
	e := &env{t: t, ctx: ctx, srv: srv, v: v, tr: tr}
	t.Cleanup(func() {
		cancel()
		for _, f := range v.Findings() {
			t.Errorf("spec validation: %s", f)
		}
		// Every request the server received went through the validator, and
		// every answer it got was validated.
		sent, validated := v.Counts()
		if got := len(srv.Requests()); got != sent {
			t.Errorf("the server received %d requests, the validator forwarded %d", got, sent)
		}
		if !cfg.noKeepAlive && validated != sent {
			t.Errorf("%d requests forwarded, %d responses validated", sent, validated)
		}
		srv.Close()
		tr.CloseIdleConnections()
	})
	e.c = e.client(cfg.wrap, cfg.client...)
	return e
}

// client returns another client of the env's server, sending through wrap (if
// not nil) and then the validator.
func (e *env) client(wrap func(http.RoundTripper) http.RoundTripper, opts ...apikeys.Option) *apikeys.Client {
	e.t.Helper()
	var rt http.RoundTripper = e.v
	if wrap != nil {
		rt = wrap(rt)
	}
	all := append([]apikeys.Option{apikeys.WithHTTPClient(&http.Client{Transport: rt})}, opts...)
	c, err := e.srv.Client(all...)
	if err != nil {
		e.t.Fatalf("srv.Client: %v", err)
	}
	return c
}

// raw sends a request built by hand (through the validator) and returns the
// status, headers and body. The spec applies to it; the client's wire
// contract does not.
func (e *env) raw(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	e.t.Helper()
	return e.send(context.WithValue(e.ctx, rawRequest{}, true), method, path, header, body)
}

// rawInvalid is raw for a request the spec must refuse, as the server should.
func (e *env) rawInvalid(method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	e.t.Helper()
	ctx := context.WithValue(context.WithValue(e.ctx, rawRequest{}, true), specInvalid{}, true)
	return e.send(ctx, method, path, header, body)
}

func (e *env) send(ctx context.Context, method, path string, header http.Header, body []byte) (int, http.Header, []byte) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	req.Header.Set("X-API-Key", e.srv.AdminKey)
	resp, err := (&http.Client{Transport: e.v}).Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// requests is how many requests the server has received.
func (e *env) requests() int { return len(e.srv.Requests()) }

// create makes a key or fails the test.
func (e *env) create(p apikeys.CreateParams) *apikeys.CreatedKey {
	e.t.Helper()
	ck, err := e.c.Create(e.ctx, p)
	if err != nil {
		e.t.Fatalf("Create(%q): %v", p.Name, err)
	}
	return ck
}

// paths lead a new key to each status with allowed actions.
var paths = map[apikeys.Status][]apikeys.Action{
	apikeys.StatusActive:   nil,
	apikeys.StatusPaused:   {apikeys.ActionPause},
	apikeys.StatusInactive: {apikeys.ActionDeactivate},
	apikeys.StatusArchived: {apikeys.ActionArchive},
	apikeys.StatusRevoked:  {apikeys.ActionRevoke},
}

// keyIn creates a key and brings it into status s; the result is what the
// server answered to the last step.
func (e *env) keyIn(s apikeys.Status, name string) *apikeys.Key {
	e.t.Helper()
	k := e.create(apikeys.CreateParams{Name: name}).Key
	for _, a := range paths[s] {
		next, err := actionMethod(e.c, a)(e.ctx, k.ID)
		if err != nil {
			e.t.Fatalf("bringing %s to %s: %s: %v", k.ID, s, a, err)
		}
		k = next
	}
	if k.Status != s {
		e.t.Fatalf("key %s is %s, want %s", k.ID, k.Status, s)
	}
	return k
}

// mustGet returns a key or fails the test.
func (e *env) mustGet(id string) *apikeys.Key {
	e.t.Helper()
	k, err := e.c.Get(e.ctx, id)
	if err != nil {
		e.t.Fatalf("Get(%s): %v", id, err)
	}
	return k
}

// listAll collects a List or fails the test.
func (e *env) listAll(p apikeys.ListParams) []*apikeys.Key {
	e.t.Helper()
	var out []*apikeys.Key
	for k, err := range e.c.List(e.ctx, p) {
		if err != nil {
			e.t.Fatalf("List(%+v): %v", p, err)
		}
		out = append(out, k)
	}
	return out
}

// actionMethod is the public per-action method of c for a; delete answers a
// nil key, as Transition does.
func actionMethod(c *apikeys.Client, a apikeys.Action) func(context.Context, string) (*apikeys.Key, error) {
	switch a {
	case apikeys.ActionActivate:
		return c.Activate
	case apikeys.ActionDeactivate:
		return c.Deactivate
	case apikeys.ActionPause:
		return c.Pause
	case apikeys.ActionUnpause:
		return c.Unpause
	case apikeys.ActionArchive:
		return c.Archive
	case apikeys.ActionReactivate:
		return c.Reactivate
	case apikeys.ActionRevoke:
		return c.Revoke
	case apikeys.ActionDelete:
		return func(ctx context.Context, id string) (*apikeys.Key, error) { return nil, c.Delete(ctx, id) }
	}
	panic("no method for action " + string(a))
}

// asAPIError returns err's *APIError or fails the test.
func asAPIError(t *testing.T, err error) *apikeys.APIError {
	t.Helper()
	var apiErr *apikeys.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("error %v (%T) is not an *apikeys.APIError", err, err)
	}
	return apiErr
}

// wantAPIError checks err against a sentinel, a status and a code.
func wantAPIError(t *testing.T, err, sentinel error, status int, code string) *apikeys.APIError {
	t.Helper()
	if !errors.Is(err, sentinel) {
		t.Errorf("error %v: errors.Is(%v) = false", err, sentinel)
	}
	apiErr := asAPIError(t, err)
	if apiErr.StatusCode != status || apiErr.Code != code {
		t.Errorf("APIError status %d code %q, want %d %q", apiErr.StatusCode, apiErr.Code, status, code)
	}
	// Every field of the envelope made it through.
	if apiErr.RequestID == "" || apiErr.TraceID != apiErr.RequestID {
		t.Errorf("APIError RequestID %q, TraceID %q; want the same, non-empty", apiErr.RequestID, apiErr.TraceID)
	}
	if apiErr.Message == "" || apiErr.SystemMessage == "" || apiErr.Type == "" || apiErr.Details == nil {
		t.Errorf("APIError lost envelope fields: %#v", apiErr)
	}
	if d := time.Since(apiErr.Timestamp); d < -time.Minute || d > time.Minute {
		t.Errorf("APIError Timestamp %v, want about now", apiErr.Timestamp)
	}
	if len(apiErr.Body) == 0 || len(apiErr.Body) > 4<<10 {
		t.Errorf("APIError Body of %d bytes", len(apiErr.Body))
	}
	// The text names the platform, the operation and the key:
	// "apikeys: reference: <operation>[ key <id>]: <status> <code>: …".
	where := "apikeys: reference: " + apiErr.Operation
	if apiErr.KeyID != "" {
		where += " key " + apiErr.KeyID
	}
	if apiErr.Platform != apikeys.Reference || apiErr.Operation == "" ||
		!strings.HasPrefix(apiErr.Error(), fmt.Sprintf("%s: %d %s: ", where, status, code)) {
		t.Errorf("APIError %q (platform %q, operation %q, key %q); want it to start with %q",
			apiErr.Error(), apiErr.Platform, apiErr.Operation, apiErr.KeyID, fmt.Sprintf("%s: %d %s: ", where, status, code))
	}
	return apiErr
}

// wantOperation checks that an *APIError names the operation and key it was
// on.
func wantOperation(t *testing.T, apiErr *apikeys.APIError, op, keyID string) {
	t.Helper()
	if apiErr.Operation != op || apiErr.KeyID != keyID {
		t.Errorf("APIError on %q key %q, want %q key %q", apiErr.Operation, apiErr.KeyID, op, keyID)
	}
}

// settings is what Rotate copies and Create echoes: a key's settings
// without its identity, status or times.
type settings struct {
	Name           string
	Scopes         []string
	UsageLimitCHF  *float64
	PermissionMode apikeys.PermissionMode
	Access         map[string]string
	ProjectID      string
}

func settingsOf(k *apikeys.Key) settings {
	return settings{k.Name, k.Scopes, k.UsageLimitCHF, k.PermissionMode, k.Access, k.ProjectID}
}

// equateEmpty treats nil and empty slices and maps alike: the wire sends
// [] and {} where the params may hold nil.
var equateEmpty = cmpopts.EquateEmpty()

// keyDiff compares two keys, ignoring the given fields.
func keyDiff(want, got *apikeys.Key, ignore ...string) string {
	return cmp.Diff(want, got, equateEmpty, cmpopts.IgnoreFields(apikeys.Key{}, ignore...))
}
