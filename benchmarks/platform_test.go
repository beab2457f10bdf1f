package benchmarks

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// BenchmarkPlatform runs, for every platform, its read of one key (Get; on a
// platform without a get-one endpoint, Get's own fallback, one List call)
// and one transition, two ways against one loopback server: sdk (apikeys.New
// with that platform's required options only: every default) and raw (a
// hand-written net/http client of that wire). The server answers from bytes
// recorded once from the platform's fake in apikeystest, so both clients
// read the platform's own key object.
func BenchmarkPlatform(b *testing.B) {
	for _, p := range apikeys.Platforms() {
		b.Run(string(p), func(b *testing.B) {
			w := recordWire(b, p)
			ts := httptest.NewServer(w)
			b.Cleanup(ts.Close)
			benchPlatformOps(b, w, w.sdkClient(b, ts.URL), w.rawClient(ts.URL, nil))
		})
	}
}

// BenchmarkPlatformCPU is BenchmarkPlatform with no sockets: both clients
// reach the recorded answers through an in-process RoundTripper (the SDK
// through WithHTTPClient), so what differs is each client's own CPU and
// allocations, not diluted by the loopback round trip.
func BenchmarkPlatformCPU(b *testing.B) {
	for _, p := range apikeys.Platforms() {
		b.Run(string(p), func(b *testing.B) {
			w := recordWire(b, p)
			const origin = "http://127.0.0.1"
			hc := func() *http.Client { return &http.Client{Transport: inProcess{w}} }
			benchPlatformOps(b, w, w.sdkClient(b, origin, apikeys.WithHTTPClient(hc())), w.rawClient(origin, hc()))
		})
	}
}

// benchPlatformOps runs the read and the transition of w, sdk beside raw.
func benchPlatformOps(b *testing.B, w *platformWire, sdk *apikeys.Client, raw *wireClient) {
	for _, op := range []struct {
		name string
		ex   *exchangeRecord
		sdk  func(context.Context) error
	}{
		{"Get", &w.read, func(ctx context.Context) error { _, err := sdk.Get(ctx, w.keyID); return err }},
		{opTitle(w.action), &w.transition, func(ctx context.Context) error {
			_, err := sdk.Transition(ctx, &apikeys.Key{ID: w.keyID, Status: w.from, Platform: w.platform}, w.action)
			return err
		}},
	} {
		b.Run(op.name, func(b *testing.B) {
			runVariants(b, []variant{
				{"sdk", op.sdk},
				{"raw", func(ctx context.Context) error { return raw.replay(ctx, op.ex) }},
			})
		})
	}
}

func opTitle(a apikeys.Action) string {
	s := string(a)
	return string(unicode.ToUpper(rune(s[0]))) + s[1:]
}

// exchangeRecord is one request the SDK sent to a platform's fake and the
// answer it got, kept to be replayed: the raw client sends the same request,
// the fixture server answers it with the same bytes.
type exchangeRecord struct {
	method, path, query string
	header              http.Header // the request's, the credential included
	body                []byte
	answer              answer
	answerHeader        http.Header
	decodeInto          reflect.Type // the raw client's struct for the answer
}

// platformWire is one platform's recorded exchanges and what a client of it
// needs.
type platformWire struct {
	platform      apikeys.Platform
	caps          apikeys.Capabilities
	basePath      string
	org, cred     string
	authHeader    string // as the fake reads it (canonical)
	keyID         string
	from          apikeys.Status
	action        apikeys.Action
	read          exchangeRecord
	transition    exchangeRecord
	needsAuthName bool // the platform documents no credential header
}

// recordWire creates a key on p's fake and records a Get (or the platform's
// read) of it and one transition from its status: pause where it can,
// otherwise the first action its table allows that leaves the key in place.
func recordWire(tb testing.TB, p apikeys.Platform) *platformWire {
	srv := apikeystest.NewServer(apikeystest.WithPlatform(p))
	tb.Cleanup(srv.Close)
	u, err := url.Parse(srv.URL)
	if err != nil {
		tb.Fatal(err)
	}
	w := &platformWire{platform: p, caps: p.Capabilities(), basePath: u.Path, org: srv.OrgID,
		cred: srv.AdminKey, authHeader: srv.AuthHeader()}
	w.needsAuthName = w.caps.AuthHeader == ""
	rec := &recorder{next: http.DefaultTransport}
	cl, err := srv.Client(apikeys.WithHTTPClient(&http.Client{Transport: rec}))
	if err != nil {
		tb.Fatal(err)
	}
	ctx := context.Background()
	var params apikeys.CreateParams
	for _, f := range w.caps.CreateFields {
		if f == apikeys.FieldName {
			params.Name = "bench"
		}
	}
	created, err := cl.Create(ctx, params)
	if err != nil {
		tb.Fatalf("%s: create: %v", p, err)
	}
	w.keyID = created.Key.ID
	rec.last = nil
	k, err := cl.Get(ctx, w.keyID)
	if err != nil {
		tb.Fatalf("%s: get: %v", p, err)
	}
	w.read = *rec.last
	w.from = k.Status
	for _, a := range append([]apikeys.Action{apikeys.ActionPause, apikeys.ActionDeactivate}, p.Actions(k.Status)...) {
		if p.Can(k.Status, a) && a != apikeys.ActionDelete {
			w.action = a
			break
		}
	}
	if w.action == "" {
		tb.Fatalf("%s: no transition from %q", p, k.Status)
	}
	rec.last = nil
	if _, err := cl.Transition(ctx, k, w.action); err != nil {
		tb.Fatalf("%s: %s: %v", p, w.action, err)
	}
	w.transition = *rec.last
	return w
}

// recorder is an http.RoundTripper that keeps the last exchange.
type recorder struct {
	next http.RoundTripper
	last *exchangeRecord
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	ex := &exchangeRecord{method: req.Method, path: req.URL.EscapedPath(), query: req.URL.RawQuery, header: req.Header.Clone()}
	if req.Body != nil {
		ex.body, _ = io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(ex.body))
	}
	resp, err := r.next.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	ex.answer = newAnswer(resp.StatusCode, body)
	ex.answerHeader = http.Header{}
	for name, v := range resp.Header {
		if name != "Content-Length" && name != "Date" {
			ex.answerHeader[name] = v
		}
	}
	ex.decodeInto = structFor(body)
	r.last = ex
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// ServeHTTP answers the two recorded requests from their bytes, routing on
// method, escaped path and query as the reference fixture does.
func (w *platformWire) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	if r.Body != nil {
		_, _ = io.Copy(io.Discard, r.Body)
	}
	for _, ex := range []*exchangeRecord{&w.read, &w.transition} {
		if r.Method == ex.method && r.URL.EscapedPath() == ex.path && r.URL.RawQuery == ex.query {
			h := rw.Header()
			for name, v := range ex.answerHeader {
				h[name] = v
			}
			h["Content-Length"] = ex.answer.length
			rw.WriteHeader(ex.answer.status)
			_, _ = rw.Write(ex.answer.body)
			return
		}
	}
	http.NotFound(rw, r)
}

// sdkClient is the SDK with the platform's required options and every
// default, then extra.
func (w *platformWire) sdkClient(tb testing.TB, origin string, extra ...apikeys.Option) *apikeys.Client {
	opts := []apikeys.Option{apikeys.WithPlatform(w.platform), apikeys.WithBaseURL(origin + w.basePath), apikeys.WithAPIKey(w.cred)}
	if w.caps.Organization != apikeys.RequirementNone {
		opts = append(opts, apikeys.WithOrganization(w.org))
	}
	if w.needsAuthName {
		opts = append(opts, apikeys.WithAuthHeader(w.authHeader, ""))
	}
	c, err := apikeys.New(append(opts, extra...)...)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}

// wireClient is a hand-written client of one platform's wire, as competent
// as rawClient: cleanhttp's pooled transport with 100 idle connections per
// host, the platform's credential header, Accept, User-Agent, Content-Type
// with a body, a fresh Idempotency-Key where the SDK sends one, a
// json.Decoder into a struct of the answer's fields (typed: RFC 3339
// strings as time.Time), the body drained and closed.
type wireClient struct {
	base string
	hc   *http.Client
}

func (w *platformWire) rawClient(origin string, hc *http.Client) *wireClient {
	if hc == nil {
		hc = newRawHTTPClient()
	}
	return &wireClient{base: origin, hc: hc}
}

func (c *wireClient) replay(ctx context.Context, ex *exchangeRecord) error {
	var rd io.Reader
	if ex.body != nil {
		rd = bytes.NewReader(ex.body)
	}
	u := c.base + ex.path
	if ex.query != "" {
		u += "?" + ex.query
	}
	req, err := http.NewRequestWithContext(ctx, ex.method, u, rd)
	if err != nil {
		return err
	}
	h := make(http.Header, len(ex.header))
	for name, v := range ex.header {
		if name == "Idempotency-Key" {
			h.Set(name, newIdempotencyKey())
			continue
		}
		h[name] = []string{v[0]} // the credential header keeps its exact spelling
	}
	req.Header = h
	resp, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
		return fmt.Errorf("%s %s: %d %s", ex.method, ex.path, resp.StatusCode, msg)
	}
	if ex.decodeInto != nil {
		err = json.NewDecoder(resp.Body).Decode(reflect.New(ex.decodeInto).Interface())
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return err
}

// structFor is the struct a hand-written client would declare for body: a
// field per member, typed from its value (objects as structs of their own,
// arrays by their first element, RFC 3339 strings as time.Time, null as a
// pointer). An empty body has none: nothing to decode.
func structFor(body []byte) reflect.Type {
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return nil
	}
	return typeFor(v)
}

func typeFor(v any) reflect.Type {
	switch v := v.(type) {
	case map[string]any:
		fields := make([]reflect.StructField, 0, len(v))
		i := 0
		for name, x := range v {
			fields = append(fields, reflect.StructField{
				Name: "F" + strconv.Itoa(i), Type: typeFor(x),
				Tag: reflect.StructTag(`json:"` + strings.ReplaceAll(name, `"`, ``) + `"`),
			})
			i++
		}
		return reflect.StructOf(fields)
	case []any:
		if len(v) == 0 {
			return reflect.TypeFor[[]string]()
		}
		return reflect.SliceOf(typeFor(v[0]))
	case string:
		if _, err := time.Parse(time.RFC3339Nano, v); err == nil {
			return reflect.TypeFor[time.Time]()
		}
		return reflect.TypeFor[string]()
	case float64:
		return reflect.TypeFor[float64]()
	case bool:
		return reflect.TypeFor[bool]()
	}
	return reflect.TypeFor[*string]() // null
}
