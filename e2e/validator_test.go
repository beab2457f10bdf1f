package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/apikeys-go/apikeys"
)

// specPath is api/openapi.yaml, relative to this package's directory (where
// go test runs).
const specPath = "../api/openapi.yaml"

// spec is the description, read, loaded and validated once per test binary
// (loading it takes about 100 ms under -race).
var spec struct {
	once sync.Once
	doc  *openapi3.T
	err  error
}

func loadSpec() (*openapi3.T, error) {
	spec.once.Do(func() {
		loader := openapi3.NewLoader()
		doc, err := loader.LoadFromFile(specPath)
		if err != nil {
			spec.err = fmt.Errorf("loading %s: %w", specPath, err)
			return
		}
		if err := doc.Validate(loader.Context); err != nil {
			spec.err = fmt.Errorf("%s is not a valid OpenAPI document: %w", specPath, err)
			return
		}
		spec.doc = doc
	})
	return spec.doc, spec.err
}

// newRouter routes requests to serverURL with the spec (whose own server is
// relative, "/v1"). Each router has its own shallow copy of the document with
// its own servers; everything below the copy is shared and only read.
func newRouter(serverURL string) (routers.Router, error) {
	shared, err := loadSpec()
	if err != nil {
		return nil, err
	}
	doc := *shared
	doc.Servers = openapi3.Servers{{URL: serverURL}}
	return gorillamux.NewRouter(&doc)
}

// rawRequest marks, in a request's context, a request a test crafted by hand
// rather than through the client: the spec applies to it, the client's own
// wire contract (User-Agent, Idempotency-Key format…) does not.
type rawRequest struct{}

// specInvalid marks, in a request's context, a request a test sent on purpose
// to see it refused: the spec must refuse it as well.
type specInvalid struct{}

// validator is an http.RoundTripper that validates every request it forwards
// and every response it gets back against api/openapi.yaml (kin-openapi), plus
// the invariants the spec states in prose and DESIGN.md's wire contract. It
// never changes what goes over the wire and never loosens a check: a finding
// is recorded and reported by the test that made the request.
type validator struct {
	router routers.Router
	next   http.RoundTripper
	opts   *openapi3filter.Options

	mu        sync.Mutex
	findings  []string
	requests  int // forwarded to next
	responses int // validated
	// walks are the list walks in progress: what each has listed up to a
	// next_cursor the server issued, by that cursor and the walk's filters.
	walks map[walkKey]*walk
	// mutations counts the POST, PATCH and DELETE requests forwarded;
	// inFlight those not yet answered. A walk uses them to tell whether keys
	// may have left its filters between two of its pages.
	mutations, inFlight int
}

// walkKey names the next page of a list walk: its filters (status and
// include_archived, which the spec says every page of a walk repeats) and
// the cursor the page before issued.
type walkKey struct{ filters, cursor string }

// walk is what a list walk has shown up to one cursor.
type walk struct {
	seen map[string]bool // the IDs listed so far
	// quiet is the mutations count when the page that issued the cursor was
	// asked for, if none was in flight then; -1 otherwise.
	quiet int
}

func newValidator(serverURL string, next http.RoundTripper) (*validator, error) {
	router, err := newRouter(serverURL)
	if err != nil {
		return nil, err
	}
	return &validator{
		router: router,
		next:   next,
		walks:  map[walkKey]*walk{},
		opts: &openapi3filter.Options{
			AuthenticationFunc:    authenticate,
			IncludeResponseStatus: true, // an undocumented status is a finding
			SkipSettingDefaults:   true, // validation must not touch the request
			MultiError:            true,
			// RejectWhenRequestBodyNotSpecified is left off: in v0.135.0 it
			// rejects every body, specified or not. checkRequest does it.
		},
	}, nil
}

// authenticate accepts the spec's one scheme, ApiKeyAuth (X-API-Key), when
// the header is present. Whether the credential is right is the server's
// business: a wrong key is still a well-formed request.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	s := in.SecurityScheme
	if in.SecuritySchemeName != "ApiKeyAuth" || s == nil || s.Type != "apiKey" || s.In != "header" {
		return fmt.Errorf("unexpected security scheme %q", in.SecuritySchemeName)
	}
	if in.RequestValidationInput.Request.Header.Get(s.Name) == "" {
		return fmt.Errorf("missing %s header", s.Name)
	}
	return nil
}

func (v *validator) failf(where, format string, args ...any) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.findings = append(v.findings, where+": "+fmt.Sprintf(format, args...))
}

// Findings returns what the validator found wrong so far.
func (v *validator) Findings() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return slices.Clone(v.findings)
}

// Counts returns how many requests were forwarded and responses validated.
func (v *validator) Counts() (requests, responses int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.requests, v.responses
}

func (v *validator) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		b, err := io.ReadAll(req.Body)
		req.Body.Close()
		if err != nil {
			return nil, err
		}
		body = b
	}
	where := req.Method + " " + req.URL.RequestURI()
	in := v.checkRequest(where, req, body)

	out := req.Clone(req.Context())
	setBody(out, body)
	mutation := req.Method != http.MethodGet
	v.mu.Lock()
	v.requests++
	quiet := -1
	if v.inFlight == 0 {
		quiet = v.mutations
	}
	if mutation {
		v.mutations++
		v.inFlight++
	}
	v.mu.Unlock()
	resp, err := v.next.RoundTrip(out)
	if mutation {
		v.mu.Lock()
		v.inFlight--
		v.mu.Unlock()
	}
	if err != nil {
		return nil, err
	}
	rb, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(rb))
	resp.ContentLength = int64(len(rb))
	if in != nil {
		raw := req.Context().Value(rawRequest{}) != nil
		v.checkResponse(where, in, resp, rb, raw, quiet)
	}
	v.mu.Lock()
	v.responses++
	v.mu.Unlock()
	return resp, nil
}

func setBody(r *http.Request, body []byte) {
	if body == nil {
		r.Body, r.GetBody = http.NoBody, nil
		return
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
}

// checkRequest validates req against the spec and returns the validation
// input that its response is validated with (nil when no route matched).
func (v *validator) checkRequest(where string, req *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	vr := req.Clone(context.Background())
	setBody(vr, body)
	route, params, err := v.router.FindRoute(vr)
	if err != nil {
		v.failf(where, "request: no operation in the spec: %v", err)
		return nil
	}
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route, Options: v.opts}
	op := route.Operation.OperationID
	var problems []string
	if err := openapi3filter.ValidateRequest(context.Background(), in); err != nil {
		problems = append(problems, fmt.Sprintf("request does not match the spec (%s): %v", op, err))
	}
	if route.Operation.RequestBody == nil && len(body) > 0 {
		problems = append(problems, fmt.Sprintf("request: a body on %s, which takes none", op))
	}
	// kin-openapi ignores query parameters the operation does not declare.
	declared := map[string]bool{}
	for _, ps := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, p := range ps {
			if p.Value != nil && p.Value.In == openapi3.ParameterInQuery {
				declared[p.Value.Name] = true
			}
		}
	}
	for name := range req.URL.Query() {
		if !declared[name] {
			problems = append(problems, fmt.Sprintf("request: query parameter %q is not declared by %s", name, op))
		}
	}
	if req.Context().Value(specInvalid{}) != nil {
		// A test sent it to see the server refuse it: the spec must refuse it too.
		if len(problems) == 0 {
			v.failf(where, "request: sent as invalid, but the spec accepts it")
		}
	} else {
		for _, p := range problems {
			v.failf(where, "%s", p)
		}
	}
	if req.Context().Value(rawRequest{}) == nil {
		v.checkClientWire(where, req, body)
	}
	return in
}

var idemKeyRE = regexp.MustCompile(`^[0-9a-f]{32,}$`)

// checkClientWire checks DESIGN.md's "Every request" rules, which the spec
// leaves open: Accept, User-Agent, Content-Type with a body, and an
// Idempotency-Key of at least 128 random bits on every POST, PATCH and DELETE
// (and none on a GET).
func (v *validator) checkClientWire(where string, req *http.Request, body []byte) {
	h := req.Header
	if got := h.Get("Accept"); got != "application/json" {
		v.failf(where, "request: Accept %q, want application/json", got)
	}
	if ua := h.Get("User-Agent"); !strings.HasPrefix(ua, "apikeys-go/"+apikeys.Version) {
		v.failf(where, "request: User-Agent %q, want apikeys-go/%s…", ua, apikeys.Version)
	}
	switch ct := h.Get("Content-Type"); {
	case body != nil && ct != "application/json":
		v.failf(where, "request: a body with Content-Type %q", ct)
	case body == nil && ct != "":
		v.failf(where, "request: Content-Type %q without a body", ct)
	}
	idem := h.Values("Idempotency-Key")
	switch req.Method {
	case http.MethodPost, http.MethodPatch, http.MethodDelete:
		if len(idem) != 1 || !idemKeyRE.MatchString(idem[0]) {
			v.failf(where, "request: Idempotency-Key %q, want one of at least 32 hex digits (128 bits)", idem)
		}
	default:
		if len(idem) != 0 {
			v.failf(where, "request: Idempotency-Key on a %s", req.Method)
		}
	}
}

// raw marks a request a test built by hand; quiet is the mutations count
// when the request was forwarded, -1 if a mutation was in flight then.
func (v *validator) checkResponse(where string, in *openapi3filter.RequestValidationInput, resp *http.Response, body []byte, raw bool, quiet int) {
	op := in.Route.Operation.OperationID
	rin := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                v.opts,
	}
	if err := openapi3filter.ValidateResponse(context.Background(), rin); err != nil {
		v.failf(where, "%d response does not match the spec (%s): %v", resp.StatusCode, op, err)
	}
	where = fmt.Sprintf("%s → %d", where, resp.StatusCode)
	if resp.StatusCode >= 400 {
		v.checkEnvelope(where, resp, body)
		return
	}
	query := in.Request.URL.Query()
	wantStatus := http.StatusOK
	switch {
	case op == "createApiKey":
		wantStatus = http.StatusCreated
	case op == "deleteApiKey" && query.Get("permanent") == "true":
		wantStatus = http.StatusNoContent
	}
	if resp.StatusCode != wantStatus {
		v.failf(where, "%s answered %d, want %d", op, resp.StatusCode, wantStatus)
		return
	}
	if resp.StatusCode == http.StatusNoContent {
		if len(body) != 0 {
			v.failf(where, "a 204 with a body")
		}
		return
	}
	var obj map[string]any
	if err := json.Unmarshal(body, &obj); err != nil {
		v.failf(where, "body is not a JSON object: %v", err)
		return
	}
	if op == "listApiKeys" {
		v.checkList(where, query, obj, raw, quiet)
		return
	}
	v.checkKey(where, obj, op == "createApiKey")
	// The operation summaries name the status each action leads to.
	after := map[string]string{
		"activateApiKey": "active", "deactivateApiKey": "inactive", "pauseApiKey": "paused",
		"unpauseApiKey": "active", "reactivateApiKey": "active", "revokeApiKey": "revoked",
		"deleteApiKey": "archived", "createApiKey": "active",
	}
	if want, ok := after[op]; ok && obj["status"] != want {
		v.failf(where, "%s left the key %v, want %s", op, obj["status"], want)
	}
}

// checkKey checks what the spec says of a key object in prose: is_active is
// true exactly when status is active, available_actions is what the
// transition table allows in the order of Action (compared with the client's
// own table, so the fake's copy and the client's cannot disagree), the secret
// starts with key_prefix, and the timestamps agree with the status.
func (v *validator) checkKey(where string, obj map[string]any, created bool) {
	status, _ := obj["status"].(string)
	if active, _ := obj["is_active"].(bool); active != (status == "active") {
		v.failf(where, "key %v: is_active %v with status %q", obj["id"], obj["is_active"], status)
	}
	var got []string
	if list, ok := obj["available_actions"].([]any); ok {
		for _, a := range list {
			s, _ := a.(string)
			got = append(got, s)
		}
	}
	var want []string
	for _, a := range apikeys.Status(status).Actions() {
		want = append(want, string(a))
	}
	if !slices.Equal(got, want) {
		v.failf(where, "key %v (%s): available_actions %q, want %q", obj["id"], status, got, want)
	}
	if created {
		secret, _ := obj["key"].(string)
		prefix, _ := obj["key_prefix"].(string)
		if prefix == "" || !strings.HasPrefix(secret, prefix) || len(secret) <= len(prefix) {
			v.failf(where, "created key %v: the secret does not start with key_prefix %q", obj["id"], prefix)
		}
	} else if _, ok := obj["key"]; ok {
		v.failf(where, "key %v: a secret outside the create response", obj["id"])
	}
	createdAt, err1 := time.Parse(time.RFC3339Nano, fmt.Sprint(obj["created_at"]))
	updatedAt, err2 := time.Parse(time.RFC3339Nano, fmt.Sprint(obj["updated_at"]))
	if err1 == nil && err2 == nil && updatedAt.Before(createdAt) {
		v.failf(where, "key %v: updated_at %v before created_at %v", obj["id"], updatedAt, createdAt)
	}
	if (status == "revoked") != (obj["revoked_at"] != nil) {
		v.failf(where, "key %v: status %q with revoked_at %v", obj["id"], status, obj["revoked_at"])
	}
	if status == "archived" && obj["archived_at"] == nil {
		v.failf(where, "key %v: archived without archived_at", obj["id"])
	}
}

// checkList checks a page against the query that asked for it, and against
// the walk it continues (listApiKeys in the spec): a page holds at most
// page_size keys (20 when absent), only keys the filters select, no key an
// earlier page of the walk listed, and a next_cursor only where a next page
// has keys. A page is asked for without a cursor (a new walk) or with the
// next_cursor of the page before and the same filters; the client never
// sends a cursor the server did not issue for those filters. raw marks a
// request built by hand, whose walk may start anywhere; quiet is the
// mutations count when the page was asked for (-1: a mutation was in flight).
func (v *validator) checkList(where string, q map[string][]string, obj map[string]any, raw bool, quiet int) {
	first := func(name string) string {
		if vs := q[name]; len(vs) > 0 {
			return vs[0]
		}
		return ""
	}
	size := 20 // the spec's default
	if s := first("page_size"); s != "" {
		size, _ = strconv.Atoi(s)
	}
	status := first("status")
	archivedToo := first("include_archived") == "true"
	keys, _ := obj["api_keys"].([]any)
	next, _ := obj["next_cursor"].(string) // "" for null: the schema refuses ""
	if len(keys) > size {
		v.failf(where, "a page of page_size %d holds %d keys", size, len(keys))
	}
	var page []string
	for _, k := range keys {
		obj, _ := k.(map[string]any)
		v.checkKey(where, obj, false)
		id, _ := obj["id"].(string)
		page = append(page, id)
		switch s := obj["status"]; {
		case status != "" && s != status:
			v.failf(where, "key %v with status %v in a list of %s keys", obj["id"], s, status)
		case status == "" && !archivedToo && s == "archived":
			v.failf(where, "archived key %v listed without include_archived", obj["id"])
		}
	}
	cursor := first("cursor")
	if next != "" && len(keys) == 0 {
		v.failf(where, "next_cursor %q on an empty page: there is no last key for it to follow", next)
	}
	if next != "" && next == cursor {
		v.failf(where, "next_cursor is the cursor this page was asked with: the walk does not advance")
	}

	filters := fmt.Sprintf("status=%s include_archived=%v", status, archivedToo)
	v.mu.Lock()
	defer v.mu.Unlock()
	// failf takes the lock too.
	var found []string
	seen := map[string]bool{}
	if cursor != "" {
		w, ok := v.walks[walkKey{filters, cursor}]
		switch {
		case ok:
			maps.Copy(seen, w.seen)
			if len(keys) == 0 && w.quiet >= 0 && w.quiet == v.mutations {
				// Nothing changed since the page before was asked for, so it
				// was the last page and should have said so.
				found = append(found, "an empty page after a next_cursor, with no change in between: "+
					"the page before was the last and its next_cursor should have been null")
			}
		case !raw:
			found = append(found, fmt.Sprintf("request: cursor %q was not issued by a page with the filters %s", cursor, filters))
		}
	}
	for _, id := range page {
		if seen[id] {
			found = append(found, fmt.Sprintf("key %s listed twice in one walk", id))
		}
		seen[id] = true
	}
	if next != "" {
		v.walks[walkKey{filters, next}] = &walk{seen: seen, quiet: quiet}
	}
	for _, f := range found {
		v.findings = append(v.findings, where+": "+f)
	}
}

// designCodes are DESIGN.md's error codes and their HTTP statuses.
var designCodes = map[string]int{
	"VALIDATION_ERROR": 422, "INVALID_API_KEY": 401, "INSUFFICIENT_PERMISSIONS": 403,
	"API_KEY_NOT_FOUND": 404, "INVALID_STATE_TRANSITION": 400, "IDEMPOTENCY_KEY_REUSED": 409,
	"RATE_LIMIT_EXCEEDED": 429, "INTERNAL_ERROR": 500, "SERVICE_UNAVAILABLE": 503,
}

// checkEnvelope checks what the spec says of the error envelope in prose:
// status is the HTTP status, trace_id is the X-Request-Id of the response that
// first carried it, and the codes go with their statuses.
func (v *validator) checkEnvelope(where string, resp *http.Response, body []byte) {
	var env struct {
		Error struct {
			Code    string         `json:"code"`
			Status  int            `json:"status"`
			TraceID string         `json:"trace_id"`
			Details map[string]any `json:"details"`
		} `json:"error"`
	}
	if err := json.Unmarshal(body, &env); err != nil {
		v.failf(where, "error body is not the envelope: %v", err)
		return
	}
	e := env.Error
	if e.Status != resp.StatusCode {
		v.failf(where, "envelope status %d on a %d", e.Status, resp.StatusCode)
	}
	if resp.Header.Get("Idempotent-Replayed") != "true" && e.TraceID != resp.Header.Get("X-Request-Id") {
		v.failf(where, "trace_id %q, X-Request-Id %q", e.TraceID, resp.Header.Get("X-Request-Id"))
	}
	if want, ok := designCodes[e.Code]; ok && want != resp.StatusCode {
		v.failf(where, "code %s with status %d, want %d", e.Code, resp.StatusCode, want)
	}
	if e.Code == "INVALID_STATE_TRANSITION" {
		if _, ok := e.Details["from"].(string); !ok {
			v.failf(where, "INVALID_STATE_TRANSITION without details.from: %v", e.Details)
		}
		if _, ok := e.Details["action"].(string); !ok {
			v.failf(where, "INVALID_STATE_TRANSITION without details.action: %v", e.Details)
		}
	}
}
