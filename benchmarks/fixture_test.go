package benchmarks

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/hashicorp/go-cleanhttp"
	"github.com/hashicorp/go-retryablehttp"

	"github.com/apikeys-go/apikeys"
)

// The fixture: one organization, one key, and the answers of a reference API
// server, computed once. Every client under test talks to the same handler.
const (
	benchOrg    = "org_bench"
	benchKeyID  = "key_7f3a9c1e2b4d"
	benchAPIKey = "ak_admin_0123456789abcdef0123456789abcdef"
	userAgent   = "apikeys-go/" + apikeys.Version
	basePath    = "/v1"
	listSize    = 100
)

// rawKey is what a competent hand-written client decodes a key object into:
// every field of the reference key object, typed.
type rawKey struct {
	ID               string            `json:"id"`
	OrganizationID   string            `json:"organization_id"`
	KeyName          string            `json:"key_name"`
	KeyPrefix        string            `json:"key_prefix"`
	Status           string            `json:"status"`
	IsActive         bool              `json:"is_active"`
	Scopes           []string          `json:"scopes"`
	UsageLimitCHF    *float64          `json:"usage_limit_chf"`
	PermissionMode   string            `json:"permission_mode"`
	Access           map[string]string `json:"access"`
	ProjectScope     *rawProjectScope  `json:"project_scope"`
	CreatedBy        string            `json:"created_by"`
	UpdatedBy        string            `json:"updated_by"`
	CreatedAt        time.Time         `json:"created_at"`
	UpdatedAt        time.Time         `json:"updated_at"`
	LastUsedAt       *time.Time        `json:"last_used_at"`
	ExpiresAt        *time.Time        `json:"expires_at"`
	ArchivedAt       *time.Time        `json:"archived_at"`
	RevokedAt        *time.Time        `json:"revoked_at"`
	AvailableActions []string          `json:"available_actions"`
}

type rawProjectScope struct {
	All    *struct{} `json:"all,omitempty"`
	Single *struct {
		ProjectID string `json:"project_id"`
	} `json:"single,omitempty"`
}

// rawCreated is the 201 answer to a create: the key object and its secret.
type rawCreated struct {
	rawKey
	Secret string `json:"key"`
}

type rawPage struct {
	APIKeys    []rawKey `json:"api_keys"`
	NextCursor *string  `json:"next_cursor"`
}

// rawCreateBody and rawUpdateBody are the request bodies a hand-written
// client sends for the same CreateParams and UpdateParams as the SDK.
type rawCreateBody struct {
	KeyName        string            `json:"key_name"`
	Scopes         []string          `json:"scopes,omitempty"`
	UsageLimitCHF  *float64          `json:"usage_limit_chf,omitempty"`
	ExpiresAt      *time.Time        `json:"expires_at,omitempty"`
	PermissionMode string            `json:"permission_mode,omitempty"`
	Access         map[string]string `json:"access,omitempty"`
	ProjectScope   *rawProjectScope  `json:"project_scope,omitempty"`
}

type rawUpdateBody struct {
	KeyName       *string  `json:"key_name,omitempty"`
	Scopes        []string `json:"scopes,omitempty"`
	UsageLimitCHF *float64 `json:"usage_limit_chf,omitempty"`
}

var (
	fixtureCreated  = time.Date(2025, 1, 15, 10, 30, 0, 0, time.UTC)
	fixtureExpires  = time.Date(2026, 1, 15, 10, 30, 0, 0, time.UTC)
	fixtureUpdated  = time.Date(2025, 3, 2, 8, 15, 30, 0, time.UTC)
	fixtureLastUsed = time.Date(2025, 3, 10, 12, 0, 0, 0, time.UTC)
	// The same inputs for every client: the SDK's params, and the raw
	// clients' own (from which they build their request bodies per call, as
	// the SDK does).
	createParams = apikeys.CreateParams{Name: "deploy", Scopes: []string{"keys:read", "keys:write"}, UsageLimitCHF: apikeys.Ptr(250.5), ExpiresAt: &fixtureExpires, PermissionMode: apikeys.PermissionRestricted, Access: map[string]string{"keys": "read"}, ProjectID: "prj_42"}
	updateParams = apikeys.UpdateParams{Name: apikeys.Ptr("deploy-2"), Scopes: []string{"keys:read"}, UsageLimitCHF: apikeys.Ptr(100.0)}
	rawCreateIn  = rawCreateInput{
		Name: createParams.Name, Scopes: createParams.Scopes, UsageLimitCHF: createParams.UsageLimitCHF,
		ExpiresAt: createParams.ExpiresAt, PermissionMode: string(createParams.PermissionMode),
		Access: createParams.Access, ProjectID: createParams.ProjectID,
	}
	rawUpdateIn = rawUpdateInput{Name: updateParams.Name, Scopes: updateParams.Scopes, UsageLimitCHF: updateParams.UsageLimitCHF}
)

// rawCreateInput and rawUpdateInput are the raw clients' parameters.
type rawCreateInput struct {
	Name           string
	Scopes         []string
	UsageLimitCHF  *float64
	ExpiresAt      *time.Time
	PermissionMode string
	Access         map[string]string
	ProjectID      string
}

type rawUpdateInput struct {
	Name          *string
	Scopes        []string
	UsageLimitCHF *float64
}

func singleProject(id string) *rawProjectScope {
	ps := &rawProjectScope{Single: &struct {
		ProjectID string `json:"project_id"`
	}{id}}
	return ps
}

// fixtureKey is the realistic key object every answer is built from: every
// field of the reference key object is present.
func fixtureKey(id, status string) rawKey {
	actions := map[string][]string{
		"active": {"deactivate", "pause", "archive", "revoke"},
		"paused": {"deactivate", "unpause", "archive", "revoke"},
	}[status]
	return rawKey{
		ID: id, OrganizationID: benchOrg, KeyName: "deploy", KeyPrefix: "ak_7f3a9c",
		Status: status, IsActive: status == "active", Scopes: []string{"keys:read", "keys:write"},
		UsageLimitCHF: apikeys.Ptr(250.5), PermissionMode: "restricted",
		Access: map[string]string{"keys": "read"}, ProjectScope: singleProject("prj_42"),
		CreatedBy: "usr_alice", UpdatedBy: "usr_bob", CreatedAt: fixtureCreated, UpdatedAt: fixtureUpdated,
		LastUsedAt: &fixtureLastUsed, ExpiresAt: &fixtureExpires, AvailableActions: actions,
	}
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// answer is a precomputed response: status, body and its Content-Length.
type answer struct {
	status int
	body   []byte
	length []string
}

func newAnswer(status int, body []byte) answer {
	return answer{status: status, body: body, length: []string{strconv.Itoa(len(body))}}
}

var (
	hdrJSON      = []string{"application/json"}
	hdrRequestID = []string{"req_0123456789abcdef01234567"}
)

func (a *answer) write(w http.ResponseWriter) {
	h := w.Header()
	h["Content-Type"] = hdrJSON
	h["Content-Length"] = a.length
	h["X-Request-Id"] = hdrRequestID
	w.WriteHeader(a.status)
	_, _ = w.Write(a.body)
}

// fixtureServer answers the five benchmarked requests from precomputed
// bytes. It routes on method and exact escaped path, and drains the request
// body: the same small cost for every client.
type fixtureServer struct {
	collPath, keyPath, pausePath        string
	get, updated, paused, created, list answer
	notFound                            answer
	onRequest                           func(*http.Request, []byte) // tests only
}

func newFixtureServer() *fixtureServer {
	coll := basePath + "/organizations/" + benchOrg + "/api-keys"
	page := rawPage{APIKeys: make([]rawKey, listSize)}
	for i := range page.APIKeys {
		page.APIKeys[i] = fixtureKey(fmt.Sprintf("key_%012x", i), "active")
	}
	upd := fixtureKey(benchKeyID, "active")
	upd.KeyName, upd.Scopes, upd.UsageLimitCHF = "deploy-2", []string{"keys:read"}, apikeys.Ptr(100.0)
	created := rawCreated{rawKey: fixtureKey(benchKeyID, "active"), Secret: "ak_7f3a9c_" + "s3cr3t5ecret0123456789abcdefABCDEF"}
	return &fixtureServer{
		collPath: coll, keyPath: coll + "/" + benchKeyID, pausePath: coll + "/" + benchKeyID + "/pause",
		get:      newAnswer(http.StatusOK, mustJSON(fixtureKey(benchKeyID, "active"))),
		updated:  newAnswer(http.StatusOK, mustJSON(upd)),
		paused:   newAnswer(http.StatusOK, mustJSON(fixtureKey(benchKeyID, "paused"))),
		created:  newAnswer(http.StatusCreated, mustJSON(created)),
		list:     newAnswer(http.StatusOK, mustJSON(page)),
		notFound: newAnswer(http.StatusNotFound, []byte(`{"success":false,"error":{"code":"API_KEY_NOT_FOUND","message":"not found","status":404}}`)),
	}
}

func (f *fixtureServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var body []byte
	switch {
	case f.onRequest != nil:
		if r.Body != nil {
			body, _ = io.ReadAll(r.Body)
		}
		f.onRequest(r, body)
	case r.Body != nil: // nil only in process, for a client's GET
		_, _ = io.Copy(io.Discard, r.Body)
	}
	a := &f.notFound
	switch p := r.URL.EscapedPath(); {
	case p == f.keyPath && r.Method == http.MethodGet:
		a = &f.get
	case p == f.keyPath && r.Method == http.MethodPatch:
		a = &f.updated
	case p == f.pausePath && r.Method == http.MethodPost:
		a = &f.paused
	case p == f.collPath && r.Method == http.MethodPost:
		a = &f.created
	case p == f.collPath && r.Method == http.MethodGet && r.URL.RawQuery == "page_size=100":
		a = &f.list
	}
	a.write(w)
}

// startFixture starts the loopback server for one benchmark.
func startFixture(tb testing.TB) (*fixtureServer, *httptest.Server) {
	f := newFixtureServer()
	ts := httptest.NewServer(f)
	tb.Cleanup(ts.Close)
	return f, ts
}

// newSDK is the SDK as a user gets it: the default HTTP client (cleanhttp's
// pooled transport, 100 idle connections per host), default retries and
// timeouts, no logger.
func newSDK(tb testing.TB, baseURL, org, credential string, opts ...apikeys.Option) *apikeys.Client {
	c, err := apikeys.New(append([]apikeys.Option{
		apikeys.WithBaseURL(baseURL), apikeys.WithAPIKey(credential), apikeys.WithOrganization(org),
	}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// doer sends one prepared request: net/http directly, or go-retryablehttp.
type doer func(ctx context.Context, method, url string, body []byte, h http.Header) (*http.Response, error)

// rawClient is the fair, competent hand-written client: the same transport
// as the SDK's default (cleanhttp's pooled transport keeping 100 idle
// connections per host), the same headers, path escaping, a fresh
// 128-bit Idempotency-Key from crypto/rand on every mutation, json.Marshal
// for bodies and a json.Decoder on the response, which it drains and closes.
type rawClient struct {
	base, org, credential string
	send                  doer
}

func newRawClient(baseURL, org, credential string, hc *http.Client) *rawClient {
	if hc == nil {
		hc = newRawHTTPClient()
	}
	return &rawClient{base: baseURL, org: org, credential: credential,
		send: func(ctx context.Context, method, u string, body []byte, h http.Header) (*http.Response, error) {
			var rd io.Reader
			if body != nil {
				rd = bytes.NewReader(body)
			}
			req, err := http.NewRequestWithContext(ctx, method, u, rd)
			if err != nil {
				return nil, err
			}
			req.Header = h
			return hc.Do(req)
		}}
}

// newRawHTTPClient is the hand-written clients' http.Client: cleanhttp's
// pooled transport keeping 100 idle connections per host, as the SDK's
// default client does.
func newRawHTTPClient() *http.Client {
	tr := cleanhttp.DefaultPooledTransport()
	tr.MaxIdleConnsPerHost = tr.MaxIdleConns
	return &http.Client{Transport: tr}
}

// newRetryableClient is the same client over go-retryablehttp: NewClient
// (cleanhttp's pooled client inside), no logger, two retries.
func newRetryableClient(baseURL, org, credential string, hc *http.Client) *rawClient {
	rc := retryablehttp.NewClient()
	rc.Logger = nil
	rc.RetryMax = 2
	if hc != nil {
		rc.HTTPClient = hc
	}
	return &rawClient{base: baseURL, org: org, credential: credential,
		send: func(ctx context.Context, method, u string, body []byte, h http.Header) (*http.Response, error) {
			var rb any
			if body != nil {
				rb = body
			}
			req, err := retryablehttp.NewRequestWithContext(ctx, method, u, rb)
			if err != nil {
				return nil, err
			}
			req.Header = h
			return rc.Do(req)
		}}
}

func newIdempotencyKey() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// do sends one request and decodes a 2xx answer into out.
func (c *rawClient) do(ctx context.Context, method, path string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	h := make(http.Header, 6)
	h.Set("X-API-Key", c.credential)
	h.Set("Accept", "application/json")
	h.Set("User-Agent", userAgent)
	if body != nil {
		h.Set("Content-Type", "application/json")
	}
	if method != http.MethodGet {
		h.Set("Idempotency-Key", newIdempotencyKey())
	}
	resp, err := c.send(ctx, method, c.base+path, body, h)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, msg)
	}
	err = json.NewDecoder(resp.Body).Decode(out)
	_, _ = io.Copy(io.Discard, resp.Body)
	return err
}

func (c *rawClient) coll() string {
	return "/organizations/" + url.PathEscape(c.org) + "/api-keys"
}

func (c *rawClient) Get(ctx context.Context, id string) (*rawKey, error) {
	var k rawKey
	return &k, c.do(ctx, http.MethodGet, c.coll()+"/"+url.PathEscape(id), nil, &k)
}

func (c *rawClient) Update(ctx context.Context, id string, in rawUpdateInput) (*rawKey, error) {
	var k rawKey
	body := &rawUpdateBody{KeyName: in.Name, Scopes: in.Scopes, UsageLimitCHF: in.UsageLimitCHF}
	return &k, c.do(ctx, http.MethodPatch, c.coll()+"/"+url.PathEscape(id), body, &k)
}

func (c *rawClient) Transition(ctx context.Context, id, action string) (*rawKey, error) {
	var k rawKey
	return &k, c.do(ctx, http.MethodPost, c.coll()+"/"+url.PathEscape(id)+"/"+action, nil, &k)
}

func (c *rawClient) Create(ctx context.Context, in rawCreateInput) (*rawCreated, error) {
	var k rawCreated
	body := &rawCreateBody{
		KeyName: in.Name, Scopes: in.Scopes, UsageLimitCHF: in.UsageLimitCHF, ExpiresAt: in.ExpiresAt,
		PermissionMode: in.PermissionMode, Access: in.Access,
	}
	if in.ProjectID != "" {
		body.ProjectScope = singleProject(in.ProjectID)
	}
	return &k, c.do(ctx, http.MethodPost, c.coll(), body, &k)
}

// ListPage fetches the page at cursor ("" for the first); a caller follows
// NextCursor until it is null.
func (c *rawClient) ListPage(ctx context.Context, cursor string, size int) (*rawPage, error) {
	var p rawPage
	q := "?page_size=" + strconv.Itoa(size)
	if cursor != "" {
		q += "&cursor=" + url.QueryEscape(cursor)
	}
	return &p, c.do(ctx, http.MethodGet, c.coll()+q, nil, &p)
}

// clients is the three ways of making the same calls against one server,
// plus twin: a second SDK client built exactly as sdk is, so that sdk/twin
// shows how far two measurements of identical work drift apart on this
// machine, the floor under every other ratio.
type clients struct {
	sdk       *apikeys.Client
	twin      *apikeys.Client
	raw       *rawClient
	retryable *rawClient
	// cancelable is a context that can be canceled (as a server request's
	// or signal.NotifyContext's can), made once: the sdkcancel variant
	// calls the SDK under it, which then gives each attempt a context of
	// its own, where under context.Background an attempt shares its
	// window's.
	cancelable context.Context
}

// newClients gives each client its own default pooled HTTP client.
func newClients(tb testing.TB, baseURL, org, credential string) clients {
	return clients{
		sdk:        newSDK(tb, baseURL, org, credential),
		twin:       newSDK(tb, baseURL, org, credential),
		raw:        newRawClient(baseURL, org, credential, nil),
		retryable:  newRetryableClient(baseURL, org, credential, nil),
		cancelable: cancelable(tb),
	}
}

// newClientsOver makes all three send through hc (one per client).
func newClientsOver(tb testing.TB, baseURL, org, credential string, hc func() *http.Client) clients {
	return clients{
		sdk:        newSDK(tb, baseURL, org, credential, apikeys.WithHTTPClient(hc())),
		twin:       newSDK(tb, baseURL, org, credential, apikeys.WithHTTPClient(hc())),
		raw:        newRawClient(baseURL, org, credential, hc()),
		retryable:  newRetryableClient(baseURL, org, credential, hc()),
		cancelable: cancelable(tb),
	}
}

func cancelable(tb testing.TB) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	tb.Cleanup(cancel)
	return ctx
}

// inProcess is an http.RoundTripper that serves a request with a handler
// directly: no sockets, no kernel, no server goroutines, so what remains is
// each client's own work (plus the handler's and the recorder's, the same for
// all three).
type inProcess struct{ h http.Handler }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	rec := httptest.NewRecorder()
	t.h.ServeHTTP(rec, r)
	if r.Body != nil {
		_ = r.Body.Close()
	}
	resp := rec.Result()
	resp.Request = r
	return resp, nil
}
