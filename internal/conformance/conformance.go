// Package conformance is the one scenario every platform passes: its mapping
// (through the public client) against its fake wire in apikeystest. Every
// expectation comes from the platform's Capabilities and transition table,
// never from a branch on the platform's name. conformance_test.go runs it
// for every platform in apikeys.Platforms, so a new platform is tested as
// soon as it exists.
package conformance

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// Run runs the whole suite for p, against a fake built with server (beside
// WithPlatform(p)): a platform that answers in more than one wire generation
// (orq.ai) runs the suite once per generation, from its test file, so the
// scenario itself never branches on the platform.
func Run(t *testing.T, p apikeys.Platform, server ...apikeystest.Option) {
	t.Helper()
	s := &suite{p: p, caps: p.Capabilities(), server: append([]apikeystest.Option{apikeystest.WithPlatform(p)}, server...)}
	t.Run("Capabilities", s.capabilities)
	t.Run("CredentialHeader", s.credentialHeader)
	t.Run("CreateSecretOnce", s.createSecretOnce)
	t.Run("UnsupportedFields", s.unsupportedFields)
	t.Run("UnsupportedOperations", s.unsupportedOperations)
	t.Run("Table", s.table)
	t.Run("ListEveryKeyOnce", s.listEveryKeyOnce)
	t.Run("Errors", s.errors)
	t.Run("IDs", s.ids)
	t.Run("RetrySafety", s.retrySafety)
	t.Run("Suspend", s.suspend)
	t.Run("Rotate", s.rotate)
}

type suite struct {
	p      apikeys.Platform
	caps   apikeys.Capabilities
	server []apikeystest.Option // every fake of the run is built with these
}

// env is one fresh fake server and a client for it.
type env struct {
	t   *testing.T
	srv *apikeystest.Server
	c   *apikeys.Client
	ctx context.Context
}

func (s *suite) env(t *testing.T, opts ...apikeys.Option) *env {
	t.Helper()
	srv := apikeystest.NewServer(s.server...)
	t.Cleanup(srv.Close)
	c, err := srv.Client(opts...)
	if err != nil {
		t.Fatalf("Client: %v", err)
	}
	if c.Platform() != s.p {
		t.Fatalf("Client().Platform() = %q, want %q", c.Platform(), s.p)
	}
	return &env{t: t, srv: srv, c: c, ctx: context.Background()}
}

func (e *env) requests() int { return len(e.srv.Requests()) }

// noRequest fails unless f sends nothing and returns an error matching want.
func (e *env) noRequest(what string, want error, f func() error) {
	e.t.Helper()
	before := e.requests()
	err := f()
	if !errors.Is(err, want) {
		e.t.Errorf("%s: err = %v, want %v", what, err, want)
	}
	if n := e.requests() - before; n != 0 {
		e.t.Errorf("%s: sent %d requests, want none", what, n)
	}
}

// params are create params with every field the platform carries set to a
// value every fake accepts.
func (s *suite) params(name string) apikeys.CreateParams {
	var p apikeys.CreateParams
	for _, f := range s.caps.CreateFields {
		switch f {
		case apikeys.FieldName:
			p.Name = name
		case apikeys.FieldScopes:
			p.Scopes = []string{"keys:read"}
		case apikeys.FieldUsageLimitCHF:
			p.UsageLimitCHF = apikeys.Ptr(25.0)
		case apikeys.FieldExpiresAt:
			p.ExpiresAt = apikeys.Ptr(time.Now().Add(72 * time.Hour).UTC().Truncate(time.Second))
		case apikeys.FieldPermissionMode:
			p.PermissionMode = apikeys.PermissionRestricted
			p.Access = map[string]string{"agents": "read"}
		case apikeys.FieldProjectID:
			p.ProjectID = "proj_conformance"
		}
	}
	return p
}

func (e *env) create(s *suite, name string) *apikeys.CreatedKey {
	e.t.Helper()
	ck, err := e.c.Create(e.ctx, s.params(name))
	if err != nil {
		e.t.Fatalf("Create: %v", err)
	}
	return ck
}

func (s *suite) capabilities(t *testing.T) {
	c := s.caps
	if !s.p.Valid() || !slices.Contains(apikeys.Platforms(), s.p) {
		t.Fatalf("%q is not a valid platform", s.p)
	}
	for st, allowed := range tableOf(s.p) {
		if !slices.Contains(c.Statuses, st) {
			t.Errorf("the table allows %v from %q, which is not in Statuses", allowed, st)
		}
		for _, a := range allowed {
			if !slices.Contains(c.Actions, a) {
				t.Errorf("the table allows %q from %q, which is not in Actions", a, st)
			}
		}
	}
	for _, a := range c.Actions {
		if target := target(a); target != "" && !slices.Contains(c.Statuses, target) {
			t.Errorf("action %q leads to %q, which is not in Statuses", a, target)
		}
	}
	// Fresh slices: a caller's change must not reach the platform.
	if fresh := s.p.Capabilities(); len(fresh.Actions) > 0 {
		fresh.Actions[0] = "mangled"
		if s.p.Capabilities().Actions[0] == "mangled" {
			t.Error("Capabilities shares its Actions slice")
		}
	}
}

func (s *suite) credentialHeader(t *testing.T) {
	e := s.env(t)
	if _, err := e.c.Create(e.ctx, s.params("header")); err != nil {
		t.Fatalf("Create: %v", err)
	}
	reqs := e.srv.Requests()
	if len(reqs) == 0 {
		t.Fatal("no request recorded")
	}
	name := s.caps.AuthHeader
	if name == "" {
		name = e.srv.AuthHeader()
	}
	want := e.srv.AdminKey
	if s.caps.AuthScheme != "" {
		want = s.caps.AuthScheme + " " + want
	}
	for _, r := range reqs {
		got := headerFold(r.Header, name)
		if len(got) != 1 || got[0] != want {
			t.Errorf("%s %s: %s header = %d values, want exactly the credential", r.Method, r.Path, name, len(got))
		}
		if strings.Contains(r.Path, e.srv.AdminKey) || strings.Contains(r.Query.Encode(), e.srv.AdminKey) {
			t.Errorf("%s %s: the credential is in the URL", r.Method, r.Path)
		}
		if !s.caps.Deduplicates && len(headerFold(r.Header, "Idempotency-Key")) > 0 {
			t.Errorf("%s %s: Idempotency-Key sent to a platform that does not deduplicate (net/http would replay the mutation)", r.Method, r.Path)
		}
	}
}

// headerFold looks a header up case-insensitively, as the server side must
// for names like CONFIDENT_API_KEY.
func headerFold(h map[string][]string, name string) []string {
	var out []string
	for k, v := range h {
		if strings.EqualFold(k, name) {
			out = append(out, v...)
		}
	}
	return out
}

func (s *suite) createSecretOnce(t *testing.T) {
	e := s.env(t)
	ck := e.create(s, "secret-once")
	secret := ck.Secret.Reveal()
	if secret == "" || ck.Key == nil || ck.Key.ID == "" {
		t.Fatalf("Create returned secret %t, key %+v", secret != "", ck.Key)
	}
	if ck.Key.Platform != s.p || ck.Key.Status != apikeys.StatusActive {
		t.Errorf("created key Platform %q Status %q, want %q active", ck.Key.Platform, ck.Key.Status, s.p)
	}
	if s.caps.IntegerIDs && strings.Trim(ck.Key.ID, "0123456789") != "" {
		t.Errorf("ID %q of an integer-ID platform is not decimal", ck.Key.ID)
	}
	for _, out := range []string{fmt.Sprintf("%v %+v %#v %s", ck, ck, ck, ck.Secret), mustJSON(t, ck)} {
		if strings.Contains(out, secret) {
			t.Fatal("the secret is printed or marshaled")
		}
	}
	var seen []*apikeys.Key
	if s.caps.Get {
		k, err := e.c.Get(e.ctx, ck.Key.ID)
		if err != nil {
			t.Fatalf("Get: %v", err)
		}
		seen = append(seen, k)
	}
	for k, err := range e.c.List(e.ctx, apikeys.ListParams{}) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		seen = append(seen, k)
	}
	found := false
	for _, k := range seen {
		found = found || k.ID == ck.Key.ID
		if out := mustJSON(t, k) + fmt.Sprintf("%#v", *k); strings.Contains(out, secret) {
			t.Errorf("key %s read back holds the secret", k.ID)
		}
		if k.Platform != s.p {
			t.Errorf("key read back has Platform %q", k.Platform)
		}
	}
	if !found {
		t.Error("the created key is not listed")
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	return string(b)
}

// createFields are a set value for every CreateParams field.
var createFields = map[apikeys.Field]func(*apikeys.CreateParams){
	apikeys.FieldName:           func(p *apikeys.CreateParams) { p.Name = "refused" },
	apikeys.FieldScopes:         func(p *apikeys.CreateParams) { p.Scopes = []string{} },
	apikeys.FieldUsageLimitCHF:  func(p *apikeys.CreateParams) { p.UsageLimitCHF = apikeys.Ptr(0.0) },
	apikeys.FieldExpiresAt:      func(p *apikeys.CreateParams) { p.ExpiresAt = apikeys.Ptr(time.Now().Add(time.Hour)) },
	apikeys.FieldPermissionMode: func(p *apikeys.CreateParams) { p.PermissionMode = apikeys.PermissionReadOnly },
	apikeys.FieldAccess:         func(p *apikeys.CreateParams) { p.Access = map[string]string{} },
	apikeys.FieldProjectID:      func(p *apikeys.CreateParams) { p.ProjectID = "proj_refused" },
	apikeys.FieldIdempotencyKey: func(p *apikeys.CreateParams) { p.IdempotencyKey = "conformance-1" },
}

// updateFields are a set value for every UpdateParams field.
var updateFields = map[apikeys.Field]func(*apikeys.UpdateParams){
	apikeys.FieldName:            func(p *apikeys.UpdateParams) { p.Name = apikeys.Ptr("renamed") },
	apikeys.FieldScopes:          func(p *apikeys.UpdateParams) { p.Scopes = []string{} },
	apikeys.FieldUsageLimitCHF:   func(p *apikeys.UpdateParams) { p.UsageLimitCHF = apikeys.Ptr(1.0) },
	apikeys.FieldClearUsageLimit: func(p *apikeys.UpdateParams) { p.ClearUsageLimit = true },
	apikeys.FieldExpiresAt:       func(p *apikeys.UpdateParams) { p.ExpiresAt = apikeys.Ptr(time.Now().Add(time.Hour)) },
	apikeys.FieldClearExpiresAt:  func(p *apikeys.UpdateParams) { p.ClearExpiresAt = true },
	apikeys.FieldPermissionMode:  func(p *apikeys.UpdateParams) { p.PermissionMode = apikeys.Ptr(apikeys.PermissionAll) },
	apikeys.FieldAccess:          func(p *apikeys.UpdateParams) { p.Access = map[string]string{} },
	apikeys.FieldProjectID:       func(p *apikeys.UpdateParams) { p.ProjectID = apikeys.Ptr("") },
}

func (s *suite) unsupportedFields(t *testing.T) {
	e := s.env(t)
	ck := e.create(s, "fields")
	for f, set := range createFields {
		if slices.Contains(s.caps.CreateFields, f) {
			continue
		}
		p := s.params("fields")
		set(&p)
		e.noRequest("Create with "+string(f), apikeys.ErrUnsupported, func() error {
			_, err := e.c.Create(e.ctx, p)
			var ue *apikeys.UnsupportedError
			if errors.As(err, &ue) && ue.Field != string(f) {
				t.Errorf("Create with %s: UnsupportedError.Field = %q", f, ue.Field)
			}
			return err
		})
	}
	for f, set := range updateFields {
		if s.caps.Update && slices.Contains(s.caps.UpdateFields, f) {
			continue
		}
		var p apikeys.UpdateParams
		set(&p)
		e.noRequest("Update with "+string(f), apikeys.ErrUnsupported, func() error {
			_, err := e.c.Update(e.ctx, ck.Key.ID, p)
			return err
		})
	}
	if s.caps.Update {
		// Every field the platform carries goes through, one at a time.
		for _, f := range s.caps.UpdateFields {
			var p apikeys.UpdateParams
			updateFields[f](&p)
			if f == apikeys.FieldAccess || f == apikeys.FieldPermissionMode {
				p.PermissionMode = apikeys.Ptr(apikeys.PermissionRestricted)
				p.Access = map[string]string{"agents": "write"}
			}
			if _, err := e.c.Update(e.ctx, ck.Key.ID, p); err != nil {
				t.Errorf("Update of %s: %v", f, err)
			}
		}
	}
}

func (s *suite) unsupportedOperations(t *testing.T) {
	e := s.env(t)
	ck := e.create(s, "ops")
	id := ck.Key.ID
	if !s.caps.Get {
		e.noRequest("Get", apikeys.ErrUnsupported, func() error { _, err := e.c.Get(e.ctx, id); return err })
	}
	if !s.caps.Update {
		e.noRequest("Update", apikeys.ErrUnsupported, func() error {
			_, err := e.c.Update(e.ctx, id, apikeys.UpdateParams{})
			return err
		})
	}
	for _, a := range allActions {
		if s.p.Supports(a) {
			continue
		}
		e.noRequest(string(a), apikeys.ErrUnsupported, func() error {
			_, err := act(e.ctx, e.c, id, a)
			return err
		})
	}
	if _, ok := s.p.SuspendAction(); !ok {
		e.noRequest("Suspend", apikeys.ErrUnsupported, func() error { _, err := e.c.Suspend(e.ctx, id); return err })
	}
}

var allActions = []apikeys.Action{
	apikeys.ActionActivate, apikeys.ActionDeactivate, apikeys.ActionPause, apikeys.ActionUnpause,
	apikeys.ActionArchive, apikeys.ActionReactivate, apikeys.ActionRevoke, apikeys.ActionDelete,
}

// act calls the client's method for a, as a user would.
func act(ctx context.Context, c *apikeys.Client, id string, a apikeys.Action) (*apikeys.Key, error) {
	switch a {
	case apikeys.ActionActivate:
		return c.Activate(ctx, id)
	case apikeys.ActionDeactivate:
		return c.Deactivate(ctx, id)
	case apikeys.ActionPause:
		return c.Pause(ctx, id)
	case apikeys.ActionUnpause:
		return c.Unpause(ctx, id)
	case apikeys.ActionArchive:
		return c.Archive(ctx, id)
	case apikeys.ActionReactivate:
		return c.Reactivate(ctx, id)
	case apikeys.ActionRevoke:
		return c.Revoke(ctx, id)
	case apikeys.ActionDelete:
		return nil, c.Delete(ctx, id)
	}
	return nil, fmt.Errorf("no method for %q", a)
}

// target is where each action leads, on every platform ("" for delete).
func target(a apikeys.Action) apikeys.Status {
	return map[apikeys.Action]apikeys.Status{
		apikeys.ActionActivate: apikeys.StatusActive, apikeys.ActionDeactivate: apikeys.StatusInactive,
		apikeys.ActionPause: apikeys.StatusPaused, apikeys.ActionUnpause: apikeys.StatusActive,
		apikeys.ActionArchive: apikeys.StatusArchived, apikeys.ActionReactivate: apikeys.StatusActive,
		apikeys.ActionRevoke: apikeys.StatusRevoked,
	}[a]
}

// tableOf reads p's table through its public API.
func tableOf(p apikeys.Platform) map[apikeys.Status][]apikeys.Action {
	out := map[apikeys.Status][]apikeys.Action{}
	for _, st := range []apikeys.Status{apikeys.StatusActive, apikeys.StatusPaused, apikeys.StatusInactive, apikeys.StatusArchived, apikeys.StatusRevoked} {
		if a := p.Actions(st); len(a) > 0 {
			out[st] = a
		}
	}
	return out
}

// pathTo is the shortest run of allowed actions from active to st; ok is
// false where st cannot be reached.
func (s *suite) pathTo(st apikeys.Status) (path []apikeys.Action, ok bool) {
	type node struct {
		st   apikeys.Status
		path []apikeys.Action
	}
	queue := []node{{st: apikeys.StatusActive}}
	seen := map[apikeys.Status]bool{apikeys.StatusActive: true}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.st == st {
			return n.path, true
		}
		for _, a := range s.p.Actions(n.st) {
			next := target(a)
			if next == "" || seen[next] {
				continue
			}
			seen[next] = true
			queue = append(queue, node{st: next, path: append(slices.Clone(n.path), a)})
		}
	}
	return nil, false
}

// table runs every cell: each status the platform reports (reached from
// active by its own allowed actions) against every action.
func (s *suite) table(t *testing.T) {
	for _, st := range s.caps.Statuses {
		path, ok := s.pathTo(st)
		if !ok {
			continue // a status the platform reports but no action of the SDK reaches
		}
		for _, a := range allActions {
			t.Run(fmt.Sprintf("%s/%s", st, a), func(t *testing.T) {
				e := s.env(t)
				ck := e.create(s, "cell")
				key := ck.Key
				for _, step := range path {
					k, err := e.c.Transition(e.ctx, key, step)
					if err != nil {
						t.Fatalf("reaching %s by %s: %v", st, step, err)
					}
					key = k
				}
				key.Status = st
				before := e.requests()
				got, err := e.c.Transition(e.ctx, key, a)
				sent := e.requests() - before
				switch {
				case !s.p.Supports(a):
					if !errors.Is(err, apikeys.ErrUnsupported) || sent != 0 {
						t.Errorf("unsupported: err = %v, %d requests; want ErrUnsupported and none", err, sent)
					}
				case !s.p.Can(st, a):
					var te *apikeys.TransitionError
					if !errors.As(err, &te) || te.From != st || te.Action != a || te.Platform != s.p || sent != 0 {
						t.Errorf("refused: err = %v, %d requests; want *TransitionError and none", err, sent)
					}
				default:
					s.allowed(t, e, st, a, key.ID, got, err, sent)
				}
			})
		}
	}
}

// allowed checks a cell the table allows: one request, and the action's
// target. Where the platform's key object cannot tell two statuses apart
// (Aitronos paused and inactive), the table allows both readings and the
// server decides: its refusal is ErrInvalidTransition, never from active.
func (s *suite) allowed(t *testing.T, e *env, st apikeys.Status, a apikeys.Action, id string, got *apikeys.Key, err error, sent int) {
	t.Helper()
	if sent != 1 {
		t.Errorf("allowed: %d requests, want 1", sent)
	}
	if err != nil {
		if st != apikeys.StatusActive && errors.Is(err, apikeys.ErrInvalidTransition) {
			return // the server decided
		}
		t.Fatalf("allowed: %v", err)
	}
	if a == apikeys.ActionDelete {
		if got != nil {
			t.Errorf("Delete returned a key")
		}
		if s.caps.Get {
			if _, err := e.c.Get(e.ctx, id); !errors.Is(err, apikeys.ErrNotFound) {
				t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
			}
		}
		return
	}
	if got == nil || got.ID != id || got.Status != target(a) || got.Platform != s.p {
		t.Fatalf("allowed: key %+v, want ID %s status %s", got, id, target(a))
	}
}

func (s *suite) listEveryKeyOnce(t *testing.T) {
	e := s.env(t)
	size := 0
	n := 7
	if s.caps.MaxPageSize > 0 {
		size = 2
	}
	want := map[string]bool{}
	for i := range n {
		want[e.create(s, fmt.Sprintf("list-%d", i)).Key.ID] = true
	}
	got := map[string]int{}
	for k, err := range e.c.List(e.ctx, apikeys.ListParams{PageSize: size}) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		got[k.ID]++
	}
	for id := range want {
		if got[id] != 1 {
			t.Errorf("key %s listed %d times, want once", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("listed %d keys, want %d", len(got), len(want))
	}
	if s.caps.MaxPageSize > 0 {
		lists := 0
		for _, r := range e.srv.Requests() {
			if r.Method == "GET" && len(r.Query) > 0 {
				lists++
			}
		}
		if lists < 3 {
			t.Errorf("%d list requests for %d keys at 2 a page, want at least 3", lists, n)
		}
		e.noRequest("List with PageSize above the maximum", apikeys.ErrInvalidParams, func() error {
			for _, err := range e.c.List(e.ctx, apikeys.ListParams{PageSize: s.caps.MaxPageSize + 1}) {
				return err
			}
			return nil
		})
	}
	// A filter by status, applied by the server or the client, holds.
	if a, ok := s.p.SuspendAction(); ok && a != apikeys.ActionArchive {
		var first string
		for id := range want {
			first = id
			break
		}
		if _, err := act(e.ctx, e.c, first, a); err != nil {
			t.Fatalf("%s: %v", a, err)
		}
		count := 0
		for k, err := range e.c.List(e.ctx, apikeys.ListParams{Status: apikeys.StatusActive, PageSize: size}) {
			if err != nil {
				t.Fatalf("List active: %v", err)
			}
			if k.Status != apikeys.StatusActive {
				t.Errorf("List(Status: active) yielded a %q key", k.Status)
			}
			count++
		}
		if count != n-1 {
			t.Errorf("List(Status: active) yielded %d keys, want %d", count, n-1)
		}
	}
}

func (s *suite) errors(t *testing.T) {
	e := s.env(t)
	missing := "key_does_not_exist"
	if s.caps.IntegerIDs {
		missing = "987654321"
	}
	if s.caps.Get {
		_, err := e.c.Get(e.ctx, missing)
		var apiErr *apikeys.APIError
		if !errors.Is(err, apikeys.ErrNotFound) || !errors.As(err, &apiErr) {
			t.Errorf("Get of a missing key: err = %v, want an *APIError matching ErrNotFound", err)
		} else if apiErr.Platform != s.p || apiErr.Operation != "get" || apiErr.KeyID != missing {
			t.Errorf("APIError names platform %q operation %q key %q", apiErr.Platform, apiErr.Operation, apiErr.KeyID)
		}
	}
	if a, ok := s.p.SuspendAction(); ok {
		if _, err := act(e.ctx, e.c, missing, a); !errors.Is(err, apikeys.ErrNotFound) {
			t.Errorf("%s of a missing key: err = %v, want ErrNotFound", a, err)
		}
	}
	bad, err := e.srv.Client(apikeys.WithAPIKey("not-the-credential"))
	if err != nil {
		t.Fatal(err)
	}
	for _, err := range bad.List(e.ctx, apikeys.ListParams{}) {
		if !errors.Is(err, apikeys.ErrUnauthorized) {
			t.Errorf("List with a wrong credential: err = %v, want ErrUnauthorized", err)
		}
		if err != nil && strings.Contains(err.Error(), "not-the-credential") {
			t.Error("the error repeats the credential")
		}
		break
	}
}

func (s *suite) ids(t *testing.T) {
	e := s.env(t)
	for _, id := range []string{"", "..", "a/b", `a\b`, "a\x00b", strings.Repeat("9", 300)} {
		e.noRequest(fmt.Sprintf("Get(%q)", id), apikeys.ErrInvalidParams, func() error {
			if !s.caps.Get {
				_, err := act(e.ctx, e.c, id, s.caps.Actions[0])
				return err
			}
			_, err := e.c.Get(e.ctx, id)
			return err
		})
	}
	if s.caps.IntegerIDs {
		// "042" is not key 42 to a server that compares IDs as text.
		for _, id := range []string{"key_abc", "042", "-1", "99999999999999999999"} {
			e.noRequest(fmt.Sprintf("the non-canonical integer ID %q", id), apikeys.ErrInvalidParams, func() error {
				_, err := act(e.ctx, e.c, id, s.caps.Actions[0])
				return err
			})
		}
	}
}

func (s *suite) retrySafety(t *testing.T) {
	t.Run("429 before a create is retried", func(t *testing.T) {
		e := s.env(t)
		e.srv.FailNext(1, 429, 0)
		if _, err := e.c.Create(e.ctx, s.params("after-429")); err != nil {
			t.Fatalf("Create after a 429: %v", err)
		}
		if n := s.count(t, e); n != 1 {
			t.Errorf("%d keys, want 1", n)
		}
	})
	t.Run("a cut create never makes two keys", func(t *testing.T) {
		e := s.env(t)
		e.srv.DropNext(1)
		ck, err := e.c.Create(e.ctx, s.params("cut"))
		if s.caps.Deduplicates {
			if err != nil || ck.Secret.Reveal() == "" {
				t.Fatalf("deduplicated Create after a cut answer: %v", err)
			}
		} else {
			var oe *apikeys.OutcomeUnknownError
			if !errors.As(err, &oe) || !errors.Is(err, apikeys.ErrOutcomeUnknown) || oe.IdempotencyKey != "" {
				t.Fatalf("Create after a cut answer: err = %v, want *OutcomeUnknownError without an idempotency key", err)
			}
		}
		if n := s.count(t, e); n != 1 {
			t.Errorf("%d keys, want exactly 1", n)
		}
	})
	t.Run("a 503 on a create", func(t *testing.T) {
		e := s.env(t)
		e.srv.FailNext(1, 503, 0)
		_, err := e.c.Create(e.ctx, s.params("503"))
		if s.caps.Deduplicates {
			if err != nil {
				t.Fatalf("deduplicated Create after a 503: %v", err)
			}
		} else if !errors.Is(err, apikeys.ErrOutcomeUnknown) || !errors.Is(err, apikeys.ErrServer) {
			t.Fatalf("Create after a 503: err = %v, want ErrOutcomeUnknown wrapping ErrServer", err)
		}
	})
	t.Run("a transition is retried", func(t *testing.T) {
		a, ok := s.p.SuspendAction()
		if !ok {
			t.Skip("no reversible stop")
		}
		e := s.env(t)
		ck := e.create(s, "retried")
		e.srv.FailNext(1, 503, 0)
		k, err := act(e.ctx, e.c, ck.Key.ID, a)
		if err != nil || k.Status != target(a) {
			t.Fatalf("%s after a 503: key %+v err %v", a, k, err)
		}
	})
}

// count is the number of keys the server lists, archived included.
func (s *suite) count(t *testing.T, e *env) int {
	t.Helper()
	n := 0
	for _, err := range e.c.List(e.ctx, apikeys.ListParams{}) {
		if err != nil {
			t.Fatalf("List: %v", err)
		}
		n++
	}
	return n
}

func (s *suite) suspend(t *testing.T) {
	a, ok := s.p.SuspendAction()
	if !ok {
		return // unsupportedOperations covers it
	}
	e := s.env(t)
	ck := e.create(s, "suspend")
	k, err := e.c.Suspend(e.ctx, ck.Key.ID)
	if err != nil || k.Status != target(a) {
		t.Fatalf("Suspend: key %+v err %v, want status %s", k, err, target(a))
	}
}

func (s *suite) rotate(t *testing.T) {
	e := s.env(t)
	ck := e.create(s, "rotate")
	before := e.requests()
	created, err := e.c.Rotate(e.ctx, ck.Key.ID, apikeys.RotateParams{})
	canRetire := s.p.Supports(apikeys.ActionDeactivate) || s.p.Supports(apikeys.ActionArchive) && s.p.Supports(apikeys.ActionReactivate)
	if !s.caps.Get || !canRetire {
		if !errors.Is(err, apikeys.ErrUnsupported) {
			t.Fatalf("Rotate: err = %v, want ErrUnsupported", err)
		}
		if n := e.requests() - before; n != 0 {
			t.Errorf("refused Rotate sent %d requests", n)
		}
		return
	}
	if err != nil {
		t.Fatalf("Rotate: %v", err)
	}
	if created.Secret.Reveal() == "" || created.Key.ID == ck.Key.ID {
		t.Fatalf("Rotate returned %+v", created.Key)
	}
	old, err := e.c.Get(e.ctx, ck.Key.ID)
	if err != nil {
		if s.p.Supports(apikeys.ActionArchive) && errors.Is(err, apikeys.ErrNotFound) {
			return
		}
		t.Fatalf("Get old: %v", err)
	}
	if old.Status == apikeys.StatusActive {
		t.Errorf("the old key is still active after Rotate")
	}
	if s.caps.Get {
		if _, err := e.c.Get(e.ctx, created.Key.ID); err != nil {
			t.Errorf("Get replacement: %v", err)
		}
	}
	// A grace period needs an expiry the platform can set.
	before = e.requests()
	_, err = e.c.Rotate(e.ctx, created.Key.ID, apikeys.RotateParams{Grace: time.Hour})
	switch {
	case s.caps.Update && slices.Contains(s.caps.UpdateFields, apikeys.FieldExpiresAt):
		if err != nil {
			t.Errorf("Rotate with a grace: %v", err)
		}
	case !errors.Is(err, apikeys.ErrUnsupported) || e.requests() != before:
		t.Errorf("Rotate with a grace on a platform that cannot set an expiry: err = %v, %d requests", err, e.requests()-before)
	}
}
