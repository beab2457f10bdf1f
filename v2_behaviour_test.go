package apikeys_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
)

// nilCtx is a nil context.Context, held in a variable so that linters let
// the tests pass it.
var nilCtx context.Context

// A nil context is a *ValidationError from every method, never a panic, and
// sends nothing.
func TestNilContext(t *testing.T) {
	want := apikeys.ValidationError{Field: "ctx", Reason: "is nil; use context.Background()"}
	c, f := newTestClient(t)
	calls := map[string]func() error{
		"Create": func() error { _, err := c.Create(nilCtx, apikeys.CreateParams{Name: "n"}); return err },
		"Get":    func() error { _, err := c.Get(nilCtx, "k1"); return err },
		"Update": func() error {
			_, err := c.Update(nilCtx, "k1", apikeys.UpdateParams{Name: apikeys.Ptr("n")})
			return err
		},
		"Delete":  func() error { return c.Delete(nilCtx, "k1") },
		"Suspend": func() error { _, err := c.Suspend(nilCtx, "k1"); return err },
		"Transition": func() error {
			_, err := c.Transition(nilCtx, &apikeys.Key{ID: "k1", Status: apikeys.StatusActive}, apikeys.ActionPause)
			return err
		},
		"Rotate": func() error { _, err := c.Rotate(nilCtx, "k1", apikeys.RotateParams{}); return err },
		"List": func() error {
			for _, err := range c.List(nilCtx, apikeys.ListParams{}) {
				return err
			}
			return nil
		},
	}
	for _, op := range keyOps {
		calls[op.name] = func() error { _, err := op.call(c, nilCtx, "k1"); return err }
	}
	for name, call := range calls {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s(nil ctx) panicked: %v", name, r)
				}
			}()
			err := call()
			var ve *apikeys.ValidationError
			if !errors.As(err, &ve) || *ve != want {
				t.Errorf("%s(nil ctx) = %v, want %+v", name, err, want)
			}
		}()
	}
	results := c.TransitionMany(nilCtx, apikeys.ActionPause, []string{"k1", "k2"}, 2)
	if len(results) != 2 {
		t.Fatalf("TransitionMany(nil ctx) gave %d results, want 2", len(results))
	}
	for i, r := range results {
		var ve *apikeys.ValidationError
		if r.KeyID != []string{"k1", "k2"}[i] || r.Key != nil || !errors.As(r.Err, &ve) || *ve != want {
			t.Errorf("TransitionMany(nil ctx)[%d] = %+v, want the ctx ValidationError", i, r)
		}
	}
	var seen []string
	for r := range c.TransitionEach(nilCtx, apikeys.ActionPause, []string{"k1", "k2", "k3"}, 2) {
		var ve *apikeys.ValidationError
		if !errors.As(r.Err, &ve) || *ve != want {
			t.Errorf("TransitionEach(nil ctx) yielded %+v", r)
		}
		seen = append(seen, r.KeyID)
	}
	slices.Sort(seen)
	if diff := cmp.Diff([]string{"k1", "k2", "k3"}, seen); diff != "" {
		t.Errorf("TransitionEach(nil ctx) keys (-want +got):\n%s", diff)
	}
	for range c.TransitionEach(nilCtx, apikeys.ActionPause, []string{"k1", "k2", "k3"}, 2) {
		break // breaking at once is fine too
	}
	assertNoRequest(t, f)
}

// IDs holding "/" or "\" are refused in bulk too, without a request.
func TestTransitionMany_slashIDs(t *testing.T) {
	c, f := newTestClient(t)
	ids := []string{"a/b", `a\b`, "../k", `..\k`}
	results := c.TransitionMany(t.Context(), apikeys.ActionRevoke, ids, 4)
	for i, r := range results {
		var ve *apikeys.ValidationError
		if r.KeyID != ids[i] || !errors.As(r.Err, &ve) || ve.Field != "keyID" {
			t.Errorf("results[%d] = %+v, want a keyID ValidationError", i, r)
		}
	}
	for r := range c.TransitionEach(t.Context(), apikeys.ActionRevoke, ids, 4) {
		if !errors.Is(r.Err, apikeys.ErrInvalidParams) {
			t.Errorf("TransitionEach %q: %v", r.KeyID, r.Err)
		}
	}
	assertNoRequest(t, f)
}

// assertOutcomeUnknown checks that err is a create's *OutcomeUnknownError
// carrying the Idempotency-Key every attempt sent, and returns it.
func assertOutcomeUnknown(t *testing.T, err error, reqs []recordedRequest) *apikeys.OutcomeUnknownError {
	t.Helper()
	var unknown *apikeys.OutcomeUnknownError
	if !errors.As(err, &unknown) || !errors.Is(err, apikeys.ErrOutcomeUnknown) {
		t.Fatalf("err = %T %v, want an *OutcomeUnknownError", err, err)
	}
	if len(reqs) == 0 {
		t.Fatal("no request was sent")
	}
	idem := reqs[0].Header.Get("Idempotency-Key")
	for i, r := range reqs {
		if r.Method != http.MethodPost || r.Header.Get("Idempotency-Key") != idem || string(r.Body) != string(reqs[0].Body) {
			t.Errorf("attempt %d: %s %s key %q, want the same POST as the first", i+1, r.Method, r.URL, r.Header.Get("Idempotency-Key"))
		}
	}
	if unknown.Platform != apikeys.Reference || unknown.Operation != "create" || unknown.KeyID != "" ||
		unknown.IdempotencyKey != idem || !idemKeyRE.MatchString(idem) {
		t.Errorf("OutcomeUnknownError = %+v, want reference create with the Idempotency-Key %q", unknown, idem)
	}
	msg := err.Error()
	if !strings.Contains(msg, "List") || !strings.Contains(msg, idem) {
		t.Errorf("Error() = %q, want it to say the key is found with List, and the key to resume with", msg)
	}
	if unknown.Unwrap() == nil {
		t.Error("Unwrap() = nil, want the cause")
	}
	return unknown
}

// A create whose outcome no answer says (5xx once its retries are spent, a
// cut connection, a timeout, a context canceled in flight) is an
// *OutcomeUnknownError with the Idempotency-Key that was sent, on the
// reference API too; the cause stays reachable.
func TestCreate_outcomeUnknown(t *testing.T) {
	t.Run("5xx after the retries", func(t *testing.T) {
		for _, status := range []int{500, 502, 503, 504, 408} {
			c, f := newTestClient(t, apikeys.WithRetryBudget(0))
			f.on(http.MethodPost, collURL, reply{status: status, body: envelope("INTERNAL_ERROR", status)})
			created, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
			if created != nil {
				t.Errorf("%d: created = %+v", status, created)
			}
			assertOutcomeUnknown(t, err, f.requests())
			var apiErr *apikeys.APIError
			if !errors.As(err, &apiErr) || apiErr.StatusCode != status || apiErr.Attempts != 3 {
				t.Errorf("%d: the cause %v, want the last answer after 3 attempts", status, apiErr)
			}
			if len(f.requests()) != 3 {
				t.Errorf("%d: %d requests, want 3", status, len(f.requests()))
			}
		}
	})
	t.Run("cut connection after the retries", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodPost, collURL, reply{err: io.ErrUnexpectedEOF})
		_, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
		assertOutcomeUnknown(t, err, f.requests())
		if !errors.Is(err, io.ErrUnexpectedEOF) || len(f.requests()) != 3 {
			t.Errorf("err = %v after %d requests, want the cut after 3", err, len(f.requests()))
		}
	})
	t.Run("cut connection, then the replayed answer", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodPost, collURL, reply{err: io.EOF}, reply{status: 201, body: createdJSON})
		created, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
		if err != nil || created.Secret.Reveal() != createdSecret {
			t.Fatalf("Create = %v; want the secret from the retry", err)
		}
		reqs := f.requests()
		if len(reqs) != 2 || reqs[0].Header.Get("Idempotency-Key") != reqs[1].Header.Get("Idempotency-Key") {
			t.Errorf("requests %v, want two with one Idempotency-Key", summarize(reqs))
		}
	})
	t.Run("attempt timeout", func(t *testing.T) {
		c, f := newTestClient(t, apikeys.WithRequestTimeout(20*time.Millisecond), apikeys.WithMaxRetries(0))
		f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
		f.before = func(req *http.Request) error {
			<-req.Context().Done()
			return req.Context().Err()
		}
		_, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
		assertOutcomeUnknown(t, err, f.requests())
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("err = %v, want the timeout as the cause", err)
		}
	})
	t.Run("context canceled in flight", func(t *testing.T) {
		c, f := newTestClient(t)
		ctx, cancel := context.WithCancel(t.Context())
		f.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
		f.before = func(req *http.Request) error {
			cancel()
			<-req.Context().Done()
			return req.Context().Err()
		}
		_, err := c.Create(ctx, apikeys.CreateParams{Name: "ci"})
		assertOutcomeUnknown(t, err, f.requests())
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v, want errors.Is(err, context.Canceled)", err)
		}
		if len(f.requests()) != 1 {
			t.Errorf("%d requests after the cancel, want 1", len(f.requests()))
		}
	})
	t.Run("not when the server refused it", func(t *testing.T) {
		for _, status := range []int{400, 401, 403, 409, 422} {
			c, f := newTestClient(t)
			f.on(http.MethodPost, collURL, reply{status: status, body: envelope("VALIDATION_ERROR", status)})
			_, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
			var apiErr *apikeys.APIError
			if errors.Is(err, apikeys.ErrOutcomeUnknown) || !errors.As(err, &apiErr) || apiErr.StatusCode != status {
				t.Errorf("%d: %v, want the *APIError alone", status, err)
			}
		}
	})
	t.Run("not when it surely never left", func(t *testing.T) {
		c, f := newTestClient(t)
		refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
		f.on(http.MethodPost, collURL, reply{err: refused})
		_, err := c.Create(t.Context(), apikeys.CreateParams{Name: "ci"})
		if err == nil || errors.Is(err, apikeys.ErrOutcomeUnknown) || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("connection refused: %v, want the refusal, not an unknown outcome", err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err = c.Create(ctx, apikeys.CreateParams{Name: "ci"})
		if !errors.Is(err, context.Canceled) || errors.Is(err, apikeys.ErrOutcomeUnknown) {
			t.Errorf("context canceled before sending: %v, want context.Canceled alone", err)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d requests, want 3 (the refused attempts; none once canceled)", n)
		}
	})
}

// CreateParams.IdempotencyKey is sent as it is, on every attempt; the same
// params give the same bytes, so a create can be resumed from another
// process and the server replays its first answer.
func TestCreate_callersIdempotencyKey(t *testing.T) {
	const key = "deploy-2025-06-01_ci.key~1"
	zurich := time.FixedZone("CEST", 2*3600)
	params := func(zone *time.Location) apikeys.CreateParams {
		access := map[string]string{}
		for _, r := range []string{"zeta", "alpha", "mu", "beta", "omega", "kappa"} {
			access[r] = "read"
		}
		return apikeys.CreateParams{
			Name: "ci", Scopes: []string{"keys:read"}, PermissionMode: apikeys.PermissionRestricted, Access: access,
			ExpiresAt: apikeys.Ptr(time.Date(2030, 1, 1, 12, 0, 0, 0, time.UTC).In(zone)), IdempotencyKey: key,
		}
	}
	c, f := newTestClient(t)
	f.on(http.MethodPost, collURL, reply{status: 503, body: unavailable}, reply{status: 201, body: createdJSON})
	if _, err := c.Create(t.Context(), params(time.UTC)); err != nil {
		t.Fatal(err)
	}
	// Another process, another zone, another map order: the same request.
	other, g := newTestClient(t)
	g.on(http.MethodPost, collURL, reply{status: 201, body: createdJSON})
	if _, err := other.Create(t.Context(), params(zurich)); err != nil {
		t.Fatal(err)
	}
	reqs := append(f.requests(), g.requests()...)
	if len(reqs) != 3 {
		t.Fatalf("requests %v", summarize(reqs))
	}
	for i, r := range reqs {
		if got := r.Header.Values("Idempotency-Key"); len(got) != 1 || got[0] != key {
			t.Errorf("request %d: Idempotency-Key %q, want exactly %q", i, got, key)
		}
		if string(r.Body) != string(reqs[0].Body) {
			t.Errorf("request %d: body %s, want %s", i, r.Body, reqs[0].Body)
		}
	}
	if !strings.Contains(string(reqs[0].Body), `"expires_at":"2030-01-01T12:00:00Z"`) ||
		!strings.Contains(string(reqs[0].Body), `"access":{"alpha":"read","beta":"read","kappa":"read","mu":"read","omega":"read","zeta":"read"}`) {
		t.Errorf("body %s, want times in UTC and map keys sorted", reqs[0].Body)
	}
	// After an unknown outcome, the key it carries resumes the create.
	c2, h := newTestClient(t, apikeys.WithMaxRetries(0))
	h.on(http.MethodPost, collURL, reply{status: 503, body: unavailable}, reply{status: 201, body: createdJSON})
	p := params(time.UTC)
	p.IdempotencyKey = ""
	_, err := c2.Create(t.Context(), p)
	var unknown *apikeys.OutcomeUnknownError
	if !errors.As(err, &unknown) {
		t.Fatalf("Create = %v, want an unknown outcome", err)
	}
	p.IdempotencyKey = unknown.IdempotencyKey
	created, err := c2.Create(t.Context(), p)
	if err != nil || created.Secret.Reveal() != createdSecret {
		t.Fatalf("resumed Create = %v", err)
	}
	hr := h.requests()
	if hr[0].Header.Get("Idempotency-Key") != hr[1].Header.Get("Idempotency-Key") || string(hr[0].Body) != string(hr[1].Body) {
		t.Errorf("the resumed create differs from the first: %+v then %+v", hr[0], hr[1])
	}
}

// TransitionEach yields each Result as it completes, not in input order.
func TestTransitionEach_asTheyComplete(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithMaxRetries(0))
	for _, id := range []string{"slow", "fast"} {
		f.on(http.MethodPost, collURL+"/"+id+"/pause", reply{status: 200, body: `{"id":"` + id + `","status":"paused"}`})
	}
	release := make(chan struct{})
	f.before = func(req *http.Request) error {
		if strings.Contains(req.URL.Path, "/slow/") {
			select {
			case <-release:
			case <-time.After(5 * time.Second):
			}
		}
		return nil
	}
	var order []string
	for r := range c.TransitionEach(t.Context(), apikeys.ActionPause, []string{"slow", "fast"}, 2) {
		if r.Err != nil || r.Key == nil || r.Key.Status != apikeys.StatusPaused || r.Key.ID != r.KeyID {
			t.Errorf("result %+v, want the key paused", r)
		}
		order = append(order, r.KeyID)
		if r.KeyID == "fast" {
			close(release)
		}
	}
	if diff := cmp.Diff([]string{"fast", "slow"}, order); diff != "" {
		t.Errorf("order of results (-want +got):\n%s", diff)
	}
}

// TransitionEach does the work of TransitionMany: every key once, the same
// outcomes, refused IDs without a request.
func TestTransitionEach_sameAsMany(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithMaxRetries(0))
	for _, id := range []string{"k1", "k2", "k4"} {
		f.on(http.MethodPost, collURL+"/"+id+"/revoke", reply{status: 200, body: `{"id":"` + id + `","status":"revoked"}`})
	}
	f.on(http.MethodPost, collURL+"/k3/revoke", reply{status: 404, body: envelope("API_KEY_NOT_FOUND", 404)})
	ids := []string{"k1", "k2", "k3", "", "k4"}
	var got []resultSummary
	for r := range c.TransitionEach(t.Context(), apikeys.ActionRevoke, ids, 3) {
		got = append(got, summarizeResults([]apikeys.Result{r})[0])
	}
	slices.SortFunc(got, func(a, b resultSummary) int { return strings.Compare(a.KeyID, b.KeyID) })
	want := []resultSummary{
		{KeyID: "", Err: "ErrInvalidParams"}, {KeyID: "k1", Status: "revoked"}, {KeyID: "k2", Status: "revoked"},
		{KeyID: "k3", Err: "ErrNotFound"}, {KeyID: "k4", Status: "revoked"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	if n := len(f.requests()); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
	for range c.TransitionEach(t.Context(), apikeys.ActionRevoke, nil, 3) {
		t.Error("TransitionEach of no keys yielded")
	}
}

// Breaking the loop cancels the work not yet done, and TransitionEach
// returns only once every worker has stopped: nothing is sent afterwards and
// no goroutine is left behind.
func TestTransitionEach_breakCancelsTheRest(t *testing.T) {
	c, f := newTestClient(t, apikeys.WithMaxRetries(0))
	ids := make([]string, 40)
	for i := range ids {
		ids[i] = fmt.Sprintf("k%d", i)
		f.on(http.MethodPost, collURL+"/"+ids[i]+"/pause", reply{status: 200, body: `{"id":"` + ids[i] + `","status":"paused"}`})
	}
	f.before = func(req *http.Request) error {
		select { // slow enough that breaking finds work in flight
		case <-req.Context().Done():
			return req.Context().Err()
		case <-time.After(20 * time.Millisecond):
			return nil
		}
	}
	n := 0
	for range c.TransitionEach(t.Context(), apikeys.ActionPause, ids, 4) {
		n++
		if n == 2 {
			break
		}
	}
	sent := len(f.requests())
	if sent > 2+4+1 {
		t.Errorf("%d requests sent after breaking at the second result, want the few in flight", sent)
	}
	// httpmock gives up on a canceled request at once and lets its responder
	// finish on its own goroutine, so what shows that the workers stopped is
	// that no request starts afterwards and that no SDK goroutine remains.
	time.Sleep(50 * time.Millisecond)
	if later := len(f.requests()); later != sent {
		t.Errorf("%d requests after TransitionEach returned, %d before: work went on", later, sent)
	}
	checkNoLeak(t)
}

// A canceled context: every key yields, the ones not started with
// context.Canceled and no request.
func TestTransitionEach_canceled(t *testing.T) {
	c, f := newTestClient(t)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var got []resultSummary
	for r := range c.TransitionEach(ctx, apikeys.ActionPause, []string{"k1", "k2", "k3"}, 2) {
		got = append(got, summarizeResults([]apikeys.Result{r})[0])
	}
	slices.SortFunc(got, func(a, b resultSummary) int { return strings.Compare(a.KeyID, b.KeyID) })
	want := []resultSummary{{KeyID: "k1", Err: "context.Canceled"}, {KeyID: "k2", Err: "context.Canceled"}, {KeyID: "k3", Err: "context.Canceled"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("results (-want +got):\n%s", diff)
	}
	assertNoRequest(t, f)
}

// Suspend is the platform's mildest reversible stop: pause on the reference
// API.
func TestSuspend(t *testing.T) {
	c, f := newTestClient(t)
	f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 200, body: `{"id":"k1","status":"paused"}`})
	k, err := c.Suspend(t.Context(), "k1")
	if err != nil || k.Status != apikeys.StatusPaused || k.ID != "k1" {
		t.Fatalf("Suspend = %+v, %v", k, err)
	}
	assertHeaders(t, f.onlyRequest(t), testUserAgent)
	// Refused by the server: the error, as for Pause.
	f.on(http.MethodPost, collURL+"/k2/pause", reply{status: 400, body: envelope("INVALID_STATE_TRANSITION", 400)})
	if _, err := c.Suspend(t.Context(), "k2"); !errors.Is(err, apikeys.ErrInvalidTransition) {
		t.Errorf("Suspend of a revoked key = %v, want ErrInvalidTransition", err)
	}
}

// A retried transition whose later answer refuses it may have been applied
// by an attempt whose answer was lost: the client reads the key once and
// returns it when it is in the target state. A 404 to a retried DELETE
// means the key is gone.
func TestTransition_confirmByReading(t *testing.T) {
	const refusal = `{"success":false,"error":{"code":"INVALID_STATE_TRANSITION","message":"already paused","status":400}}`
	t.Run("confirmed by a read showing the target", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 503, body: unavailable}, reply{status: 400, body: refusal})
		f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"paused","key_name":"read"}`})
		k, err := c.Pause(t.Context(), "k1")
		if err != nil || k == nil || k.Status != apikeys.StatusPaused || k.Name != "read" {
			t.Fatalf("Pause = %+v, %v; want the key read back, paused", k, err)
		}
		want := []string{"POST " + collURL + "/k1/pause", "POST " + collURL + "/k1/pause", "GET " + collURL + "/k1"}
		if diff := cmp.Diff(want, summarize(f.requests())); diff != "" {
			t.Errorf("requests (-want +got):\n%s", diff)
		}
	})
	t.Run("a read showing another status returns the refusal", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 502, body: ""}, reply{status: 400, body: refusal})
		f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"revoked"}`})
		k, err := c.Pause(t.Context(), "k1")
		if k != nil || !errors.Is(err, apikeys.ErrInvalidTransition) {
			t.Errorf("Pause = %+v, %v; want the refusal", k, err)
		}
		if n := len(f.requests()); n != 3 {
			t.Errorf("%d requests, want 3", n)
		}
	})
	t.Run("a read that fails returns the refusal", func(t *testing.T) {
		c, f := newTestClient(t, apikeys.WithMaxRetries(1))
		f.on(http.MethodPost, collURL+"/k1/revoke", reply{status: 500, body: ""}, reply{status: 400, body: refusal})
		f.on(http.MethodGet, collURL+"/k1", reply{status: 500, body: ""})
		if _, err := c.Revoke(t.Context(), "k1"); !errors.Is(err, apikeys.ErrInvalidTransition) {
			t.Errorf("Revoke = %v, want the refusal", err)
		}
	})
	t.Run("a first attempt's refusal is not read back", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 400, body: refusal})
		if _, err := c.Pause(t.Context(), "k1"); !errors.Is(err, apikeys.ErrInvalidTransition) {
			t.Errorf("Pause = %v, want the refusal", err)
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%d requests, want 1 (no read)", n)
		}
	})
	t.Run("401, 403, 408 and 429 say nothing of the key", func(t *testing.T) {
		for _, status := range []int{401, 403} {
			c, f := newTestClient(t)
			f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 503, body: unavailable}, reply{status: status, body: envelope("X", status)})
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"paused"}`})
			if k, err := c.Pause(t.Context(), "k1"); err == nil || k != nil {
				t.Errorf("%d: Pause = %+v, %v; want the error", status, k, err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d: %d requests, want 2 (no read)", status, n)
			}
		}
		for _, status := range []int{408, 429} {
			c, f := newTestClient(t, apikeys.WithMaxRetries(1))
			f.on(http.MethodPost, collURL+"/k1/pause", reply{status: 503, body: unavailable}, reply{status: status, body: envelope("X", status)})
			f.on(http.MethodGet, collURL+"/k1", reply{status: 200, body: `{"id":"k1","status":"paused"}`})
			if k, err := c.Pause(t.Context(), "k1"); err == nil || k != nil {
				t.Errorf("%d: Pause = %+v, %v; want the error", status, k, err)
			}
			if n := len(f.requests()); n != 2 {
				t.Errorf("%d: %d requests, want 2 (no read)", status, n)
			}
		}
	})
	t.Run("a retried permanent delete answered 404 is success", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodDelete, collURL+"/k1?permanent=true", reply{err: io.EOF},
			reply{status: 404, body: envelope("API_KEY_NOT_FOUND", 404)})
		if err := c.Delete(t.Context(), "k1"); err != nil {
			t.Errorf("Delete = %v, want nil: the first attempt deleted it", err)
		}
		for _, r := range f.requests() {
			if r.Method != http.MethodDelete {
				t.Errorf("request %s %s, want only the DELETEs", r.Method, r.URL)
			}
		}
	})
	t.Run("a first delete answered 404 is not found", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodDelete, collURL+"/k1?permanent=true", reply{status: 404, body: envelope("API_KEY_NOT_FOUND", 404)})
		if err := c.Delete(t.Context(), "k1"); !errors.Is(err, apikeys.ErrNotFound) {
			t.Errorf("Delete = %v, want ErrNotFound", err)
		}
	})
	t.Run("a retried delete refused otherwise is an error, not read", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodDelete, collURL+"/k1?permanent=true", reply{status: 503, body: unavailable}, reply{status: 400, body: refusal})
		if err := c.Delete(t.Context(), "k1"); !errors.Is(err, apikeys.ErrInvalidTransition) {
			t.Errorf("Delete = %v, want the refusal", err)
		}
		if n := len(f.requests()); n != 2 {
			t.Errorf("%d requests, want 2", n)
		}
	})
	t.Run("an update is not a transition", func(t *testing.T) {
		c, f := newTestClient(t)
		f.on(http.MethodPatch, collURL+"/k1", reply{status: 503, body: unavailable}, reply{status: 400, body: refusal})
		if _, err := c.Update(t.Context(), "k1", apikeys.UpdateParams{Name: apikeys.Ptr("n")}); !errors.Is(err, apikeys.ErrInvalidTransition) {
			t.Errorf("Update = %v, want the refusal", err)
		}
		if n := len(f.requests()); n != 2 {
			t.Errorf("%d requests, want 2 (no read)", n)
		}
	})
}

// The credential is scrubbed from every part of an error in every form a
// server might echo it in: raw, JSON-escaped (by Go, which writes "/" as
// is, and by servers such as PHP's json_encode, which write "\/"),
// URL-encoded (query and path), and as a key of Details.
func TestCredentialScrubbedInEveryForm(t *testing.T) {
	const cred = `ak_live/Ab+c="d"`
	forms := map[string]string{
		"raw":               cred,
		"JSON-escaped":      `ak_live/Ab+c=\"d\"`,
		"JSON-escaped, \\/": `ak_live\/Ab+c=\"d\"`,
		"query":             "ak_live%2FAb%2Bc%3D%22d%22",
		"path":              "ak_live%2FAb+c=%22d%22",
	}
	body := `{"success":false,"error":{"code":"INVALID_API_KEY",` +
		`"message":"key ak_live/Ab+c=\"d\" refused",` +
		`"system_message":"GET /x?api_key=ak_live%2FAb%2Bc%3D%22d%22 and /keys/ak_live%2FAb+c=%22d%22",` +
		`"trace_id":"ak_live\/Ab+c=\"d\"",` +
		`"details":{"ak_live/Ab+c=\"d\"":"as a key","nested":{"ak_live%2FAb%2Bc%3D%22d%22":["ak_live\/Ab+c=\"d\""]}}}}`
	c, f := newTestClient(t, apikeys.WithAPIKey(cred), apikeys.WithMaxRetries(0))
	f.on(http.MethodGet, collURL+"/k1", reply{status: 401, body: body,
		header: map[string]string{"X-Request-Id": "req-ak_live%2FAb%2Bc%3D%22d%22"}})
	_, err := c.Get(t.Context(), "k1")
	var apiErr *apikeys.APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, apikeys.ErrUnauthorized) {
		t.Fatalf("err = %v, want an *APIError", err)
	}
	parts := map[string]string{
		"Error()": err.Error(), "%+v": fmt.Sprintf("%+v", err), "Message": apiErr.Message,
		"SystemMessage": apiErr.SystemMessage, "TraceID": apiErr.TraceID, "RequestID": apiErr.RequestID,
		"Body": string(apiErr.Body), "Details": fmt.Sprintf("%v", apiErr.Details),
	}
	for k := range apiErr.Details {
		parts["Details key "+k] = k
	}
	for part, text := range parts {
		for name, form := range forms {
			if strings.Contains(text, form) {
				t.Errorf("%s holds the credential %s: %q", part, name, text)
			}
		}
		for _, piece := range []string{"Ab+c", "Ab%2Bc"} {
			if strings.Contains(text, piece) {
				t.Errorf("%s holds part of the credential %q: %q", part, piece, text)
			}
		}
	}
	if _, ok := apiErr.Details["[REDACTED]"]; !ok {
		t.Errorf("Details = %v, want the credential key replaced by [REDACTED]", apiErr.Details)
	}
	if !strings.Contains(apiErr.Message, "[REDACTED]") || apiErr.Code != "INVALID_API_KEY" {
		t.Errorf("Message %q, Code %q: want the text kept around [REDACTED]", apiErr.Message, apiErr.Code)
	}
}

// A redirect refused for leading to another origin says so without
// repeating the Location, which may hold whatever the server put there.
func TestRefusedRedirectDoesNotRepeatLocation(t *testing.T) {
	const location = "https://evil.example.com/collect?stolen=" + testCredential + "&session=s3ss10n"
	for _, status := range []int{301, 302, 303, 307, 308} {
		c, f := newTestClient(t)
		f.on(http.MethodGet, collURL+"/k1", reply{status: status, header: map[string]string{"Location": location}})
		_, err := c.Get(t.Context(), "k1")
		if !errors.Is(err, apikeys.ErrRedirect) {
			t.Fatalf("%d: err = %v, want ErrRedirect", status, err)
		}
		for _, leak := range []string{"evil", "collect", "s3ss10n", testCredential, "https://"} {
			if strings.Contains(err.Error(), leak) || strings.Contains(fmt.Sprintf("%+v", err), leak) {
				t.Errorf("%d: the error repeats %q: %v", status, leak, err)
			}
		}
		if n := len(f.requests()); n != 1 {
			t.Errorf("%d: %d requests, want 1 (not followed, not retried)", status, n)
		}
	}
}

// Many goroutines may share one client, including TransitionEach loops.
func TestTransitionEach_concurrentLoops(t *testing.T) {
	c, f := newTestClient(t)
	for i := range 10 {
		id := fmt.Sprintf("k%d", i)
		f.on(http.MethodPost, collURL+"/"+id+"/pause", reply{status: 200, body: `{"id":"` + id + `","status":"paused"}`})
	}
	ids := make([]string, 10)
	for i := range ids {
		ids[i] = fmt.Sprintf("k%d", i)
	}
	var wg sync.WaitGroup
	var total atomic.Int32
	for range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range c.TransitionEach(t.Context(), apikeys.ActionPause, ids, 3) {
				if r.Err == nil {
					total.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if total.Load() != 50 {
		t.Errorf("%d successes, want 50", total.Load())
	}
}

// Rotate refuses a Name or ExpiresAt for the replacement that the platform's
// create cannot carry before it sends anything, instead of dropping it.
func TestRotate_refusesWhatCreateCannotCarry(t *testing.T) {
	for _, p := range apikeys.Platforms() {
		caps := p.Capabilities()
		opts := baseFor(p)
		if caps.Organization == apikeys.RequirementRequired {
			opts = append(opts, apikeys.WithOrganization(testOrg))
		}
		c, err := apikeys.New(opts...)
		if err != nil {
			t.Fatalf("%s: New: %v", p, err)
		}
		f := activate(t, c)
		for field, params := range map[apikeys.Field]apikeys.RotateParams{
			apikeys.FieldName:      {Name: apikeys.Ptr("next")},
			apikeys.FieldExpiresAt: {ExpiresAt: apikeys.Ptr(time.Now().Add(time.Hour))},
		} {
			if slices.Contains(caps.CreateFields, field) {
				continue
			}
			_, err := c.Rotate(t.Context(), "1", params)
			var ue *apikeys.UnsupportedError
			// A platform that cannot rotate at all says so first.
			if !errors.As(err, &ue) || (ue.Field != string(field) && ue.Field != "") {
				t.Errorf("%s: Rotate with %s = %v, want an *UnsupportedError", p, field, err)
			}
		}
		if n := len(f.requests()); n != 0 {
			t.Errorf("%s: %d requests sent, want none", p, n)
		}
	}
}
