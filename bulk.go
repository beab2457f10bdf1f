package apikeys

import (
	"context"
	"fmt"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// Result is the outcome of one key in TransitionMany and TransitionEach.
type Result struct {
	KeyID string // the ID as given
	Key   *Key   // the key after the action; nil on error and for ActionDelete
	Err   error  // nil on success
}

// TransitionMany applies action a to every key in keyIDs with at most
// concurrency requests in flight (less than 1 means 1). One failure does not
// stop the others; a canceled context stops them all, and the keys not yet
// started report an error wrapping ctx.Err() without a request. Results are
// in the order of keyIDs. The server enforces the transition table: no key
// is fetched first.
func (c *Client) TransitionMany(ctx context.Context, a Action, keyIDs []string, concurrency int) []Result {
	results := make([]Result, len(keyIDs))
	c.each(ctx, a, keyIDs, concurrency, func(i int, r Result) bool {
		results[i] = r
		return true
	})
	return results
}

// TransitionEach does the work of TransitionMany and yields each Result as it
// completes, for a progress line. Breaking the loop cancels the work not yet
// done (keys in flight may still change) and returns once every worker has
// stopped.
//
//	for r := range client.TransitionEach(ctx, apikeys.ActionPause, ids, 8) {
//		done++
//		fmt.Printf("\r%d/%d", done, len(ids))
//	}
func (c *Client) TransitionEach(ctx context.Context, a Action, keyIDs []string, concurrency int) iter.Seq[Result] {
	return func(yield func(Result) bool) {
		c.each(ctx, a, keyIDs, concurrency, func(_ int, r Result) bool { return yield(r) })
	}
}

// each runs the workers and hands every Result to emit on the calling
// goroutine; emit returning false cancels the rest.
func (c *Client) each(ctx context.Context, a Action, keyIDs []string, concurrency int, emit func(int, Result) bool) {
	if len(keyIDs) == 0 {
		return
	}
	if err := checkContext(ctx); err != nil {
		for i, id := range keyIDs {
			if !emit(i, Result{KeyID: id, Err: err}) {
				return
			}
		}
		return
	}
	// work is canceled when the caller stops listening; ctx alone would not
	// tell that apart from the caller's own cancellation, after which every
	// key must still report.
	work, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := make(chan struct{})
	type done struct {
		i int
		r Result
	}
	out := make(chan done)
	workers := min(max(concurrency, 1), len(keyIDs))
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(keyIDs) {
					return
				}
				r := Result{KeyID: keyIDs[i]}
				if err := ctx.Err(); err != nil {
					r.Err = fmt.Errorf("apikeys: %s: %s key %s: not started: %w", c.platform, a, keyIDs[i], err)
				} else {
					r.Key, r.Err = c.transition(work, keyIDs[i], a)
				}
				select {
				case out <- done{i, r}:
				case <-stop:
					return
				}
			}
		}()
	}
	go func() { wg.Wait(); close(out) }()
	stopped := false
	for d := range out { // drained to the end: every worker has returned
		if !stopped && !emit(d.i, d.r) {
			stopped = true
			close(stop)
			cancel()
		}
	}
}

// Rotate replaces a key: it reads the old key, checks that the platform can
// do the whole rotation, creates the replacement with the old key's settings
// (every one the platform's create accepts, including those Key does not
// model, such as orq.ai's owner), then retires the old key. With Grace 0 it
// is retired now: archived where the platform also has Reactivate, else
// deactivated. Otherwise (at least one second) it expires at now+Grace, or
// keeps an earlier expiry it already has: rotation never extends a key's
// life. The replacement's expiry is p.ExpiresAt, else now plus the old key's
// lifetime (none if it had none).
//
// What the platform cannot do is refused before anything is created
// (*UnsupportedError, or *TransitionError when the old key's status does not
// allow retiring it), so a rotation never leaves two live keys by surprise.
// If retiring fails after the replacement exists, the replacement and its
// secret are returned with the error.
//
// now is the client's clock (time.Now, or the one WithClock sets): against a
// server whose clock runs ahead by more than Grace, the new expiry is already
// past and retiring fails as above.
func (c *Client) Rotate(ctx context.Context, keyID string, p RotateParams) (*CreatedKey, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	// A grace shorter than a round trip would ask the server for an expiry
	// already past, refused after the replacement exists.
	if p.Grace < 0 || (p.Grace > 0 && p.Grace < time.Second) {
		return nil, &ValidationError{Field: "Grace", Reason: "must be 0 or at least 1s"}
	}
	if p.Name != nil && *p.Name == "" {
		return nil, &ValidationError{Field: "Name", Reason: "must not point to an empty name"}
	}
	if !c.spec.Get {
		return nil, &UnsupportedError{Platform: c.platform, Operation: "rotate", Reason: "the platform cannot read a key"}
	}
	for _, f := range [...]struct {
		name string
		set  bool
	}{{platform.FieldName, p.Name != nil}, {platform.FieldExpiresAt, p.ExpiresAt != nil}} {
		if f.set && !slices.Contains(c.spec.CreateFields, f.name) {
			return nil, &UnsupportedError{Platform: c.platform, Operation: "rotate", Field: f.name}
		}
	}
	retire, err := c.retirement(p.Grace)
	if err != nil {
		return nil, err
	}
	var carry any
	old, err := c.keyOp(ctx, &platform.Operation{Kind: platform.KindGet, KeyID: keyID}, &carry)
	if err != nil {
		return nil, err
	}
	if !c.platform.Can(old.Status, retire) {
		return nil, &rotateRefused{keyID: keyID, err: &TransitionError{Platform: c.platform, From: old.Status, Action: retire}}
	}
	// A mode the answer did not give would be left out of the create, which
	// then takes the platform's default (orq.ai: ALL), possibly wider.
	if old.PermissionMode == "" && slices.Contains(c.spec.CreateFields, platform.FieldPermissionMode) {
		return nil, &UnsupportedError{Platform: c.platform, Operation: "rotate", Field: platform.FieldPermissionMode,
			Reason: "the key's permission mode is unknown, and a replacement would get the platform's default"}
	}
	now := c.now()
	params := c.replacement(old, p, now)
	if err := params.check(c); err != nil {
		return nil, err
	}
	op := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
		Name: params.Name, Scopes: params.Scopes, UsageLimitCHF: params.UsageLimitCHF, ExpiresAt: utc(params.ExpiresAt),
		PermissionMode: string(params.PermissionMode), Access: params.Access, ProjectID: params.ProjectID,
		Carry: carry,
	}}
	if c.spec.Deduplicates {
		op.IdempotencyKey = newIdempotencyKey()
	}
	created, err := c.create(ctx, op)
	if err != nil {
		return created, err // a replacement that exists keeps its secret
	}
	switch {
	case p.Grace == 0:
		_, err = c.transition(ctx, keyID, retire)
	default:
		if expires := now.Add(p.Grace); old.ExpiresAt == nil || old.ExpiresAt.After(expires) {
			_, err = c.Update(ctx, keyID, UpdateParams{ExpiresAt: &expires})
		}
	}
	if err != nil {
		return created, fmt.Errorf("apikeys: %s: rotate: replacement %s was created, but retiring %s failed: %w",
			c.platform, created.Key.ID, keyID, err)
	}
	return created, nil
}

// rotateRefused is Rotate's refusal of a key whose status does not allow
// retiring it. Its text speaks of the rotation the caller asked for ("cannot
// rotate a revoked key"), not of the retiring action inside it ("cannot
// archive"), which would read as if the caller had asked to archive; it
// unwraps to the *TransitionError, so errors.As and ErrInvalidTransition
// still work.
type rotateRefused struct {
	keyID string
	err   *TransitionError
}

func (e *rotateRefused) Error() string {
	from := e.err.From
	what := "a key whose status is unknown"
	switch {
	case from == StatusActive || from == StatusInactive || from == StatusArchived:
		what = "an " + string(from) + " key"
	case from != "":
		what = "a " + string(from) + " key"
	}
	return fmt.Sprintf("apikeys: %s: rotate key %s: cannot rotate %s (retiring it needs %s)", e.err.Platform, e.keyID, what, e.err.Action)
}

func (e *rotateRefused) Unwrap() error { return e.err }

// retirement is how Rotate retires the old key, if the platform can: the
// action whose table cell Rotate checks (for a grace period, the one that
// would retire it now, which says the key is live).
func (c *Client) retirement(grace time.Duration) (Action, error) {
	now := ActionDeactivate
	if c.platform.Supports(ActionArchive) && c.platform.Supports(ActionReactivate) {
		now = ActionArchive
	}
	switch {
	case grace > 0 && !(c.spec.Update && slices.Contains(c.spec.UpdateFields, platform.FieldExpiresAt)):
		return "", &UnsupportedError{Platform: c.platform, Operation: "rotate", Field: "Grace",
			Reason: "the platform cannot set a key's expiry"}
	case !c.platform.Supports(now):
		return "", &UnsupportedError{Platform: c.platform, Operation: "rotate",
			Reason: "the platform can neither archive-and-reactivate nor deactivate a key"}
	}
	return now, nil
}

// replacement is the create of Rotate: every setting of old that the
// platform's create carries.
func (c *Client) replacement(old *Key, p RotateParams, now time.Time) CreateParams {
	carries := func(f string) bool { return slices.Contains(c.spec.CreateFields, f) }
	var out CreateParams
	if carries(platform.FieldName) {
		out.Name = old.Name
	}
	if p.Name != nil { // where the platform names no key, check refuses it
		out.Name = *p.Name
	}
	if carries(platform.FieldScopes) && old.Scopes != nil {
		out.Scopes = old.Scopes
	}
	if carries(platform.FieldUsageLimitCHF) {
		out.UsageLimitCHF = old.UsageLimitCHF
	}
	if carries(platform.FieldPermissionMode) {
		out.PermissionMode = old.PermissionMode
	}
	// Access means something only in restricted mode, and orq.ai refuses it
	// in any other.
	if carries(platform.FieldAccess) && len(old.Access) > 0 &&
		(old.PermissionMode == PermissionRestricted || !carries(platform.FieldPermissionMode)) {
		out.Access = old.Access
	}
	if carries(platform.FieldProjectID) {
		out.ProjectID = old.ProjectID
	}
	switch {
	case p.ExpiresAt != nil: // where the platform sets no expiry, check refuses it
		out.ExpiresAt = p.ExpiresAt
	case old.ExpiresAt != nil && !old.CreatedAt.IsZero() && carries(platform.FieldExpiresAt):
		out.ExpiresAt = Ptr(now.Add(old.ExpiresAt.Sub(old.CreatedAt)))
	}
	return out
}
