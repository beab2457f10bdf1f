package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// mutations returns the POST, PATCH and DELETE requests the server received
// after the first skip.
func mutations(e *env, skip int) []apikeystest.Request {
	var out []apikeystest.Request
	for _, r := range e.srv.Requests()[skip:] {
		if r.Method != http.MethodGet {
			out = append(out, r)
		}
	}
	return out
}

// TestDroppedResponseReplayed: the server applies a mutation and cuts the
// connection; the client's retry carries the same Idempotency-Key and the
// same body, gets the stored answer, and the mutation happened once.
func TestDroppedResponseReplayed(t *testing.T) {
	t.Parallel()
	t.Run("create", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withoutKeepAlive())
		e.srv.DropNext(1)
		ck, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: "dropped", Scopes: []string{"a"}})
		if err != nil {
			t.Fatalf("Create after a dropped response: %v", err)
		}
		sent := mutations(e, 0)
		if len(sent) != 2 {
			t.Fatalf("%d POSTs, want 2 (the dropped one and the retry)", len(sent))
		}
		if a, b := sent[0].Header.Get("Idempotency-Key"), sent[1].Header.Get("Idempotency-Key"); a == "" || a != b {
			t.Errorf("Idempotency-Keys %q and %q, want one key on both attempts", a, b)
		}
		if !bytes.Equal(sent[0].Body, sent[1].Body) {
			t.Errorf("retried body differs:\n%s\n%s", sent[0].Body, sent[1].Body)
		}
		// The client retried: the validator saw both attempts, and an answer
		// to the second only.
		if sent, validated := e.v.Counts(); sent != 2 || validated != 1 {
			t.Errorf("validator: %d sent, %d validated; want 2 and 1", sent, validated)
		}
		keys := e.listAll(apikeys.ListParams{IncludeArchived: true})
		if len(keys) != 1 || keys[0].ID != ck.Key.ID {
			t.Fatalf("keys %v after one Create, want exactly [%s]", ids(keys), ck.Key.ID)
		}
		if secret := ck.Secret.Reveal(); !strings.HasPrefix(secret, keys[0].Prefix) || secret == keys[0].Prefix {
			t.Errorf("the replayed secret does not start with the stored key's prefix %q", keys[0].Prefix)
		}
	})
	// A replayed transition answers what the first attempt did, even though
	// doing it again would be refused (pause) or fail (delete).
	for _, a := range []apikeys.Action{apikeys.ActionPause, apikeys.ActionRevoke, apikeys.ActionArchive} {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, withoutKeepAlive())
			k := e.keyIn(apikeys.StatusActive, "dropped "+string(a))
			want, _ := k.Status.Next(a)
			e.srv.DropNext(1)
			got, err := actionMethod(e.c, a)(e.ctx, k.ID)
			if err != nil || got.Status != want {
				t.Fatalf("%s after a dropped response: %v, %v; want a %s key", a, got, err, want)
			}
			if n := len(mutations(e, 1)); n != 2 {
				t.Errorf("%d mutations, want 2", n)
			}
		})
	}
	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withoutKeepAlive())
		k := e.keyIn(apikeys.StatusRevoked, "dropped delete")
		e.srv.DropNext(1)
		if err := e.c.Delete(e.ctx, k.ID); err != nil {
			t.Fatalf("Delete after a dropped response: %v (the retry should get the stored 204)", err)
		}
		_, err := e.c.Get(e.ctx, k.ID)
		wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
	})
	t.Run("update", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withoutKeepAlive())
		k := e.keyIn(apikeys.StatusActive, "dropped update")
		e.srv.DropNext(1)
		got, err := e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{Name: apikeys.Ptr("renamed"), Scopes: []string{"z"}})
		if err != nil || got.Name != "renamed" {
			t.Fatalf("Update after a dropped response: %v, %v", got, err)
		}
	})
}

// TestCreateResumed: a create whose every answer was lost is applied once,
// and the caller gets its key and secret back by calling Create again with
// the Idempotency-Key the *OutcomeUnknownError names: the server replays
// the answer it kept.
func TestCreateResumed(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withoutKeepAlive())
	params := apikeys.CreateParams{
		Name: "lost", Scopes: []string{"b", "a"}, PermissionMode: apikeys.PermissionRestricted,
		Access: map[string]string{"z": "read", "a": "write", "m": "none"}, ExpiresAt: apikeys.Ptr(time.Now().Add(time.Hour)),
	}
	e.srv.DropNext(3) // the first attempt is applied; it and both retries lose their answer
	ck, err := e.c.Create(e.ctx, params)
	var unknown *apikeys.OutcomeUnknownError
	if ck != nil || !errors.As(err, &unknown) || unknown.IdempotencyKey == "" {
		t.Fatalf("Create with every answer lost: %v, %v; want an *OutcomeUnknownError with an Idempotency-Key", ck, err)
	}
	keys := e.listAll(apikeys.ListParams{})
	if len(keys) != 1 || keys[0].Name != "lost" {
		t.Fatalf("keys %v, want the one key the lost create made", ids(keys))
	}
	before := e.requests()
	// Another process would build the params anew: the same values, the
	// expiry in another time zone, the map built in another order.
	params.ExpiresAt = apikeys.Ptr(params.ExpiresAt.In(time.FixedZone("UTC+5", 5*3600)))
	params.Access = map[string]string{"m": "none", "a": "write", "z": "read"}
	params.IdempotencyKey = unknown.IdempotencyKey
	ck, err = e.c.Create(e.ctx, params)
	if err != nil {
		t.Fatalf("resumed Create: %v", err)
	}
	if ck.Key.ID != keys[0].ID || !strings.HasPrefix(ck.Secret.Reveal(), keys[0].Prefix) {
		t.Errorf("resumed Create answered key %s, want the replay of %s with its secret", ck.Key.ID, keys[0].ID)
	}
	sent := mutations(e, 0)
	if !bytes.Equal(sent[len(sent)-1].Body, sent[0].Body) {
		t.Errorf("the resumed body differs from the first:\n%s\n%s", sent[0].Body, sent[len(sent)-1].Body)
	}
	if n := e.requests() - before; n != 1 {
		t.Errorf("%d requests to resume, want 1", n)
	}
	if keys := e.listAll(apikeys.ListParams{}); len(keys) != 1 {
		t.Errorf("%d keys after resuming, want 1", len(keys))
	}
}

// pinIdempotencyKey makes every mutation carry the same Idempotency-Key, as a
// buggy caller reusing one would.
type pinIdempotencyKey struct {
	next http.RoundTripper
	key  string
}

func (p pinIdempotencyKey) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Header.Get("Idempotency-Key") != "" {
		req = req.Clone(req.Context())
		req.Header.Set("Idempotency-Key", p.key)
	}
	return p.next.RoundTrip(req)
}

func TestIdempotencyKeyReuse(t *testing.T) {
	t.Parallel()
	const pinned = "0123456789abcdef0123456789abcdef"
	t.Run("raw", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		path := "/organizations/" + e.srv.OrgID + "/api-keys"
		h := http.Header{"Content-Type": {"application/json"}, "Idempotency-Key": {pinned}}
		code, h1, body1 := e.raw(http.MethodPost, path, h, []byte(`{"key_name":"first"}`))
		if code != http.StatusCreated {
			t.Fatalf("first POST: %d %s", code, body1)
		}
		// Same key, same request: the first response, replayed.
		code, h2, body2 := e.raw(http.MethodPost, path, h, []byte(`{"key_name":"first"}`))
		if code != http.StatusCreated || !bytes.Equal(body1, body2) || h2.Get("Idempotent-Replayed") != "true" {
			t.Errorf("replay: %d, replayed %q, same body %v", code, h2.Get("Idempotent-Replayed"), bytes.Equal(body1, body2))
		}
		if h1.Get("Idempotent-Replayed") != "" {
			t.Errorf("the first response says Idempotent-Replayed")
		}
		// Same key, another body: 409.
		code, _, body := e.raw(http.MethodPost, path, h, []byte(`{"key_name":"second"}`))
		var env struct {
			Success *bool `json:"success"`
			Error   struct {
				Code string `json:"code"`
			} `json:"error"`
		}
		if err := json.Unmarshal(body, &env); err != nil || code != http.StatusConflict ||
			env.Error.Code != "IDEMPOTENCY_KEY_REUSED" || env.Success == nil || *env.Success {
			t.Errorf("reuse with another body: %d %s", code, body)
		}
		// Same key, another path: 409 too.
		code, _, _ = e.raw(http.MethodPatch, path+"/key_x", h, []byte(`{"key_name":"first"}`))
		if code != http.StatusConflict {
			t.Errorf("reuse on another path: %d, want 409", code)
		}
		if keys := e.listAll(apikeys.ListParams{}); len(keys) != 1 {
			t.Errorf("%d keys, want 1", len(keys))
		}
	})
	t.Run("client", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withWrap(func(next http.RoundTripper) http.RoundTripper {
			return pinIdempotencyKey{next: next, key: pinned}
		}))
		first, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: "first"})
		if err != nil {
			t.Fatal(err)
		}
		// The identical call is answered from the record: the same key and
		// secret, no second key.
		again, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: "first"})
		if err != nil {
			t.Fatal(err)
		}
		if again.Key.ID != first.Key.ID || again.Secret.Reveal() != first.Secret.Reveal() {
			t.Errorf("replayed create: key %s, want %s (and the same secret)", again.Key.ID, first.Key.ID)
		}
		_, err = e.c.Create(e.ctx, apikeys.CreateParams{Name: "second"})
		apiErr := wantAPIError(t, err, apikeys.ErrConflict, http.StatusConflict, "IDEMPOTENCY_KEY_REUSED")
		if apiErr.Attempts != 1 {
			t.Errorf("a 409 was attempted %d times, want 1", apiErr.Attempts)
		}
		if errors.Is(err, apikeys.ErrServer) || errors.Is(err, apikeys.ErrInvalidParams) {
			t.Errorf("%v matches another sentinel", err)
		}
		_, err = e.c.Pause(e.ctx, first.Key.ID)
		wantAPIError(t, err, apikeys.ErrConflict, http.StatusConflict, "IDEMPOTENCY_KEY_REUSED")
		if keys := e.listAll(apikeys.ListParams{}); len(keys) != 1 || keys[0].Status != apikeys.StatusActive {
			t.Errorf("keys after the refused calls: %v, want the one active key", ids(keys))
		}
	})
}

// TestIdempotencyKeysAreFresh: distinct calls never share a key.
func TestIdempotencyKeysAreFresh(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.create(apikeys.CreateParams{Name: "a"}).Key
	e.create(apikeys.CreateParams{Name: "a"}) // the same body: a second key, not a replay
	for _, a := range []apikeys.Action{apikeys.ActionPause, apikeys.ActionUnpause, apikeys.ActionPause} {
		if _, err := actionMethod(e.c, a)(e.ctx, k.ID); err != nil {
			t.Fatal(err)
		}
	}
	seen := map[string]bool{}
	for _, r := range mutations(e, 0) {
		key := r.Header.Get("Idempotency-Key")
		if seen[key] {
			t.Errorf("Idempotency-Key %q used by two calls", key)
		}
		seen[key] = true
	}
	if len(seen) != 5 {
		t.Errorf("%d distinct keys, want 5", len(seen))
	}
	if keys := e.listAll(apikeys.ListParams{}); len(keys) != 2 {
		t.Errorf("%d keys, want 2", len(keys))
	}
}

// TestIdempotencyKeyOnlyWhereDeduplicated: the reference API honours
// Idempotency-Key, so every mutation carries one (the validator checks it on
// every request of this package). A platform that does not deduplicate gets
// none, and a caller's own key is refused there before any request, as it
// would be silently ignored. This runs on an Aitronos fake without the
// validator, which knows the reference API only.
func TestIdempotencyKeyOnlyWhereDeduplicated(t *testing.T) {
	t.Parallel()
	if !apikeys.Reference.Capabilities().Deduplicates || apikeys.Aitronos.Capabilities().Deduplicates {
		t.Fatal("the reference API should deduplicate and Aitronos not")
	}
	srv := apikeystest.NewServer(apikeystest.WithPlatform(apikeys.Aitronos))
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	ck, err := c.Create(ctx, apikeys.CreateParams{Name: "no dedup"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Update(ctx, ck.Key.ID, apikeys.UpdateParams{Name: apikeys.Ptr("renamed")}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pause(ctx, ck.Key.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Archive(ctx, ck.Key.ID); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 4 {
		t.Fatalf("%d requests, want 4", len(reqs))
	}
	for _, r := range reqs {
		if v := r.Header.Values("Idempotency-Key"); len(v) != 0 {
			t.Errorf("%s %s carries Idempotency-Key %q; Aitronos does not deduplicate", r.Method, r.Path, v)
		}
	}
	_, err = c.Create(ctx, apikeys.CreateParams{Name: "mine", IdempotencyKey: "0123456789abcdef0123456789abcdef"})
	var ue *apikeys.UnsupportedError
	if !errors.As(err, &ue) || ue.Field != "IdempotencyKey" || !errors.Is(err, apikeys.ErrUnsupported) {
		t.Errorf("Create with an Idempotency-Key on Aitronos: %v, want an *UnsupportedError on IdempotencyKey", err)
	}
	if n := len(srv.Requests()); n != 4 {
		t.Errorf("%d requests, want no new one", n)
	}
}

func TestAuthFailure(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.create(apikeys.CreateParams{Name: "target"}).Key
	wrong := e.client(nil, apikeys.WithAPIKey("ak_wrong_"+strings.Repeat("0", 32)))
	calls := map[string]func() error{
		"get":    func() error { _, err := wrong.Get(e.ctx, k.ID); return err },
		"create": func() error { _, err := wrong.Create(e.ctx, apikeys.CreateParams{Name: "x"}); return err },
		"update": func() error {
			_, err := wrong.Update(e.ctx, k.ID, apikeys.UpdateParams{Name: apikeys.Ptr("x")})
			return err
		},
		"pause":  func() error { _, err := wrong.Pause(e.ctx, k.ID); return err },
		"delete": func() error { return wrong.Delete(e.ctx, k.ID) },
		"list": func() error {
			for _, err := range wrong.List(e.ctx, apikeys.ListParams{}) {
				return err
			}
			return errors.New("List yielded nothing")
		},
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			before := e.requests()
			err := call()
			apiErr := wantAPIError(t, err, apikeys.ErrUnauthorized, http.StatusUnauthorized, "INVALID_API_KEY")
			reqs := e.srv.Requests()[before:]
			if len(reqs) != 1 || apiErr.Attempts != 1 {
				t.Errorf("%d requests, Attempts %d; a 401 is not retried", len(reqs), apiErr.Attempts)
			}
			if apiErr.TraceID != apiErr.RequestID {
				t.Errorf("TraceID %q, RequestID %q", apiErr.TraceID, apiErr.RequestID)
			}
			if strings.Contains(err.Error(), "ak_wrong_") || strings.Contains(string(apiErr.Body), "ak_wrong_") {
				t.Errorf("the error shows the credential: %v", err)
			}
		})
	}
	if got := e.mustGet(k.ID); got.Name != "target" || got.Status != apikeys.StatusActive {
		t.Errorf("refused calls changed the key: %+v", got)
	}
	if keys := e.listAll(apikeys.ListParams{}); len(keys) != 1 {
		t.Errorf("%d keys, want 1", len(keys))
	}
}

func TestOtherOrganization(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k := e.create(apikeys.CreateParams{Name: "ours"}).Key
	other := e.client(nil, apikeys.WithOrganization("other"))
	_, err := other.Get(e.ctx, k.ID)
	wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
	_, err = other.Pause(e.ctx, k.ID)
	wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
	_, err = other.Update(e.ctx, k.ID, apikeys.UpdateParams{Name: apikeys.Ptr("theirs")})
	wantAPIError(t, err, apikeys.ErrNotFound, http.StatusNotFound, "API_KEY_NOT_FOUND")
	if err := other.Delete(e.ctx, k.ID); !errors.Is(err, apikeys.ErrNotFound) {
		t.Errorf("Delete from another org: %v, want ErrNotFound", err)
	}
	_, err = other.Create(e.ctx, apikeys.CreateParams{Name: "x"})
	if !errors.Is(err, apikeys.ErrNotFound) {
		t.Errorf("Create in another org: %v, want ErrNotFound", err)
	}
	for _, err := range other.List(e.ctx, apikeys.ListParams{}) {
		if !errors.Is(err, apikeys.ErrNotFound) {
			t.Errorf("List of another org: %v, want ErrNotFound", err)
		}
	}
	if got := e.mustGet(k.ID); got.Name != "ours" || got.Status != apikeys.StatusActive {
		t.Errorf("another org's calls changed the key: %+v", got)
	}
	if keys := e.listAll(apikeys.ListParams{}); len(keys) != 1 {
		t.Errorf("%d keys, want 1", len(keys))
	}
	// The org ID is path-escaped like a key ID: sent raw, "org_test?x" would
	// end the path at org_test and find the key.
	for _, org := range []string{"org_test?x", "org_test%2F..", "org_test#"} {
		weird := e.client(nil, apikeys.WithOrganization(org))
		if _, err := weird.Get(e.ctx, k.ID); !errors.Is(err, apikeys.ErrNotFound) {
			t.Errorf("Get through org %q: %v, want ErrNotFound", org, err)
		}
	}
	// One that cannot name an organization safely is refused by New, so
	// nothing is ever sent with it.
	before := e.requests()
	for _, org := range []string{"org/../org_test", `org\..\org_test`, "..", ""} {
		c, err := e.srv.Client(apikeys.WithOrganization(org))
		var ve *apikeys.ValidationError
		if c != nil || !errors.As(err, &ve) || ve.Field != "orgID" || !errors.Is(err, apikeys.ErrInvalidParams) {
			t.Errorf("a client of org %q: %v, %v; want an orgID *ValidationError", org, c, err)
		}
	}
	if n := e.requests() - before; n != 0 {
		t.Errorf("%d requests, want 0", n)
	}
}

func TestRetries(t *testing.T) {
	t.Parallel()
	t.Run("503 then success", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		k := e.create(apikeys.CreateParams{Name: "r"}).Key
		before := e.requests()
		e.srv.FailNext(1, http.StatusServiceUnavailable, 0)
		got, err := e.c.Get(e.ctx, k.ID)
		if err != nil || got.ID != k.ID {
			t.Fatalf("Get after one 503: %v, %v", got, err)
		}
		reqs := e.srv.Requests()[before:]
		if len(reqs) != 2 || reqs[0].Path != reqs[1].Path {
			t.Errorf("%d attempts, want 2 of the same request", len(reqs))
		}
	})
	t.Run("503 then success, create", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.srv.FailNext(1, http.StatusServiceUnavailable, 0)
		ck, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: "once"})
		if err != nil {
			t.Fatal(err)
		}
		sent := mutations(e, 0)
		if len(sent) != 2 || sent[0].Header.Get("Idempotency-Key") != sent[1].Header.Get("Idempotency-Key") ||
			!bytes.Equal(sent[0].Body, sent[1].Body) {
			t.Errorf("%d attempts; want 2 with one Idempotency-Key and one body", len(sent))
		}
		if keys := e.listAll(apikeys.ListParams{}); len(keys) != 1 || keys[0].ID != ck.Key.ID {
			t.Errorf("keys %v, want [%s]", ids(keys), ck.Key.ID)
		}
	})
	t.Run("429 with Retry-After above the max delay", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withClientOptions(apikeys.WithMaxRetryDelay(500*time.Millisecond)))
		k := e.create(apikeys.CreateParams{Name: "r"}).Key
		before := e.requests()
		e.srv.FailNext(1, http.StatusTooManyRequests, time.Second)
		start := time.Now()
		_, err := e.c.Get(e.ctx, k.ID)
		elapsed := time.Since(start)
		apiErr := wantAPIError(t, err, apikeys.ErrRateLimited, http.StatusTooManyRequests, "RATE_LIMIT_EXCEEDED")
		if elapsed > 900*time.Millisecond {
			t.Errorf("returned after %v; a 1s Retry-After above a 500ms cap is not waited", elapsed)
		}
		if n := e.requests() - before; n != 1 || apiErr.Attempts != 1 {
			t.Errorf("%d requests, Attempts %d; want 1", n, apiErr.Attempts)
		}
		// The fault is spent: the next call succeeds.
		if _, err := e.c.Get(e.ctx, k.ID); err != nil {
			t.Errorf("Get after the 429: %v", err)
		}
	})
	t.Run("500 until retries run out", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		e.srv.FailNext(3, http.StatusInternalServerError, 0)
		ck, err := e.c.Create(e.ctx, apikeys.CreateParams{Name: "never"})
		// A 5xx says nothing of whether the create was applied: the outcome
		// is unknown, with the cause and the Idempotency-Key to resume with.
		var unknown *apikeys.OutcomeUnknownError
		if ck != nil || !errors.As(err, &unknown) || !errors.Is(err, apikeys.ErrOutcomeUnknown) {
			t.Fatalf("Create after 3 500s: %v, %v; want an *OutcomeUnknownError", ck, err)
		}
		apiErr := wantAPIError(t, err, apikeys.ErrServer, http.StatusInternalServerError, "INTERNAL_ERROR")
		if apiErr.Attempts != 3 || e.requests() != 3 {
			t.Errorf("Attempts %d, requests %d; want 3 and 3", apiErr.Attempts, e.requests())
		}
		sent := mutations(e, 0)
		if unknown.Operation != "create" || unknown.IdempotencyKey == "" || unknown.IdempotencyKey != sent[0].Header.Get("Idempotency-Key") ||
			!strings.Contains(err.Error(), unknown.IdempotencyKey) {
			t.Errorf("OutcomeUnknownError %q: operation %q, Idempotency-Key %q; want create and the key sent, %q",
				err, unknown.Operation, unknown.IdempotencyKey, sent[0].Header.Get("Idempotency-Key"))
		}
		if keys := e.listAll(apikeys.ListParams{}); len(keys) != 0 {
			t.Errorf("%d keys after a failed create, want 0", len(keys))
		}
		// Resuming with that key makes the one key the call was for.
		ck, err = e.c.Create(e.ctx, apikeys.CreateParams{Name: "never", IdempotencyKey: unknown.IdempotencyKey})
		if err != nil {
			t.Fatalf("resumed Create: %v", err)
		}
		if got := mutations(e, 0)[3].Header.Get("Idempotency-Key"); got != unknown.IdempotencyKey {
			t.Errorf("resumed with Idempotency-Key %q, want %q", got, unknown.IdempotencyKey)
		}
		if keys := e.listAll(apikeys.ListParams{}); len(keys) != 1 || keys[0].ID != ck.Key.ID {
			t.Errorf("keys %v, want [%s]", ids(keys), ck.Key.ID)
		}
	})
	t.Run("no retries", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, withClientOptions(apikeys.WithMaxRetries(0)))
		e.srv.FailNext(1, http.StatusBadGateway, 0)
		_, err := e.c.Get(e.ctx, "key_x")
		apiErr := asAPIError(t, err)
		if !errors.Is(err, apikeys.ErrServer) || apiErr.StatusCode != http.StatusBadGateway || apiErr.Attempts != 1 || e.requests() != 1 {
			t.Errorf("%v: Attempts %d, %d requests; want one 502", err, apiErr.Attempts, e.requests())
		}
	})
	t.Run("4xx not retried", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		for _, status := range []int{http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound, http.StatusConflict, http.StatusUnprocessableEntity} {
			before := e.requests()
			e.srv.FailNext(1, status, 0)
			_, err := e.c.Pause(e.ctx, "key_x")
			if apiErr := asAPIError(t, err); apiErr.StatusCode != status || apiErr.Attempts != 1 {
				t.Errorf("FailNext %d: got %d after %d attempts", status, apiErr.StatusCode, apiErr.Attempts)
			}
			if n := e.requests() - before; n != 1 {
				t.Errorf("FailNext %d: %d requests, want 1", status, n)
			}
		}
		if _, err := e.c.Get(e.ctx, "key_x"); !errors.Is(err, apikeys.ErrNotFound) {
			t.Errorf("after the faults: %v, want the real 404", err)
		}
	})
	t.Run("408 and 504 retried", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		k := e.create(apikeys.CreateParams{Name: "r"}).Key
		before := e.requests()
		e.srv.FailNext(1, http.StatusRequestTimeout, 0)
		e.srv.FailNext(1, http.StatusGatewayTimeout, 0)
		got, err := e.c.Pause(e.ctx, k.ID)
		if err != nil || got.Status != apikeys.StatusPaused {
			t.Fatalf("Pause after 408 and 504: %v, %v", got, err)
		}
		var keys []string
		for _, r := range e.srv.Requests()[before:] {
			keys = append(keys, r.Header.Get("Idempotency-Key"))
		}
		if len(keys) != 3 || keys[0] != keys[1] || keys[1] != keys[2] {
			t.Errorf("Idempotency-Keys %q, want 3 attempts with one key", keys)
		}
	})
}

// TestSentinelsAreExclusive: an error from the server matches the sentinels
// its status and code imply and no others.
func TestSentinelsAreExclusive(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withClientOptions(apikeys.WithMaxRetries(0)))
	sentinels := []error{
		apikeys.ErrNotFound, apikeys.ErrInvalidTransition, apikeys.ErrUnauthorized, apikeys.ErrForbidden,
		apikeys.ErrRateLimited, apikeys.ErrConflict, apikeys.ErrInvalidParams, apikeys.ErrServer, apikeys.ErrUnsupported,
	}
	tests := []struct {
		status int
		want   error
	}{
		{http.StatusUnauthorized, apikeys.ErrUnauthorized},
		{http.StatusForbidden, apikeys.ErrForbidden},
		{http.StatusNotFound, apikeys.ErrNotFound},
		{http.StatusConflict, apikeys.ErrConflict},
		{http.StatusUnprocessableEntity, apikeys.ErrInvalidParams},
		{http.StatusTooManyRequests, apikeys.ErrRateLimited},
		{http.StatusInternalServerError, apikeys.ErrServer},
		{http.StatusServiceUnavailable, apikeys.ErrServer},
	}
	for _, tt := range tests {
		e.srv.FailNext(1, tt.status, 0)
		_, err := e.c.Get(e.ctx, "key_x")
		var got []error
		for _, s := range sentinels {
			if errors.Is(err, s) {
				got = append(got, s)
			}
		}
		if diff := cmp.Diff([]error{tt.want}, got, cmp.Comparer(func(a, b error) bool { return a == b })); diff != "" {
			t.Errorf("%d: sentinels matched (-want +got):\n%s", tt.status, diff)
		}
	}
}
