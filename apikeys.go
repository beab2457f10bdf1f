// Package apikeys is a typed client for the whole life of an API key: create
// (the secret is shown once), list, get, update, activate, deactivate, pause,
// unpause, archive, reactivate, revoke and delete.
//
// A Client validates what it can before a request leaves the machine (IDs,
// parameter combinations, state transitions), retries what is safe to retry
// with one Idempotency-Key per call so a mutation is never applied twice, and
// returns errors to branch on with errors.Is and errors.As. Secrets never
// appear in fmt, JSON, slog or error output; only Secret.Reveal returns one.
//
// Package apikeystest is an in-memory server for tests and examples.
package apikeys

import (
	"context"
	"fmt"
	"iter"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// PermissionMode says what a key may do.
type PermissionMode string

// The permission modes.
const (
	PermissionAll        PermissionMode = "all"        // everything its scopes allow
	PermissionRestricted PermissionMode = "restricted" // only what Access lists
	PermissionReadOnly   PermissionMode = "read_only"  // reads only
)

// Valid reports whether m is one of the three known modes.
func (m PermissionMode) Valid() bool {
	return m == PermissionAll || m == PermissionRestricted || m == PermissionReadOnly
}

// Key is an API key's metadata. It never holds the secret: Create and Rotate
// return that once, in CreatedKey. Its JSON form (for your own logs and
// caches) is the SDK's, not any platform's wire format.
type Key struct {
	ID             string         `json:"id"`              // the key's ID, for every per-key call
	OrganizationID string         `json:"organization_id"` // the organization that owns it
	Name           string         `json:"name"`            // the name given at Create or Update
	Prefix         string         `json:"prefix"`          // the secret's public first characters
	Status         Status         `json:"status"`          // where it is in its life; see Status
	Scopes         []string       `json:"scopes,omitempty"`
	UsageLimitCHF  *float64       `json:"usage_limit_chf,omitempty"` // nil: no limit
	PermissionMode PermissionMode `json:"permission_mode,omitempty"`
	// Access maps a resource to the access a restricted key has to it.
	Access    map[string]string `json:"access,omitempty"`
	ProjectID string            `json:"project_id,omitempty"` // "": all projects
	CreatedBy string            `json:"created_by,omitempty"` // who created it, as the server names them
	UpdatedBy string            `json:"updated_by,omitempty"` // who changed it last
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	// The nil times did not happen (or, for ExpiresAt, never will).
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// AvailableActions is what the server says may be done next.
	AvailableActions []Action `json:"available_actions,omitempty"`
}

// Expired reports whether the key has an expiry at or before now.
func (k *Key) Expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// fromPlatform converts p. Its AvailableActions are carved out of *arena when
// that has room: List sizes one for a whole page, so a page costs one
// allocation for them, not one per key. The three-index slice keeps a caller's
// append from writing into the next key's actions.
func fromPlatform(p *platform.Key, arena *[]Action) Key {
	k := Key{
		ID: p.ID, OrganizationID: p.OrganizationID, Name: p.Name, Prefix: p.Prefix,
		Status: Status(p.Status), Scopes: p.Scopes, UsageLimitCHF: p.UsageLimitCHF,
		PermissionMode: PermissionMode(p.PermissionMode), Access: p.Access, ProjectID: p.ProjectID,
		CreatedBy: p.CreatedBy, UpdatedBy: p.UpdatedBy, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
		LastUsedAt: p.LastUsedAt, ExpiresAt: p.ExpiresAt, ArchivedAt: p.ArchivedAt, RevokedAt: p.RevokedAt,
	}
	if p.AvailableActions == nil {
		return k
	}
	var buf []Action
	if arena != nil {
		buf = *arena
	}
	if buf == nil || cap(buf)-len(buf) < len(p.AvailableActions) {
		buf = make([]Action, 0, len(p.AvailableActions))
	}
	start := len(buf)
	for _, a := range p.AvailableActions {
		buf = append(buf, Action(a))
	}
	k.AvailableActions = buf[start:len(buf):len(buf)]
	if arena != nil {
		*arena = buf
	}
	return k
}

// CreatedKey is a new key and its secret, which the API returns only once.
type CreatedKey struct {
	Key    *Key   `json:"key"`
	Secret Secret `json:"secret"` // marshals as the redacted form
}

// CreateParams are the settings of a new key. Only Name is required.
type CreateParams struct {
	Name           string         // required
	Scopes         []string       // what the key may do; none is an empty list
	UsageLimitCHF  *float64       // nil: no limit
	ExpiresAt      *time.Time     // nil: never expires
	PermissionMode PermissionMode // "": the server's default (all)
	// Access is required, and must not be empty, when PermissionMode is
	// PermissionRestricted.
	Access    map[string]string
	ProjectID string // "": all projects
}

func (p *CreateParams) check() error {
	switch {
	case p.Name == "":
		return &ValidationError{Field: "Name", Reason: "is required"}
	case p.PermissionMode != "" && !p.PermissionMode.Valid():
		return &ValidationError{Field: "PermissionMode", Reason: "is not all, restricted or read_only"}
	case p.PermissionMode == PermissionRestricted && len(p.Access) == 0:
		return &ValidationError{Field: "Access", Reason: "is required when PermissionMode is restricted"}
	case p.ExpiresAt != nil && p.ExpiresAt.IsZero():
		return &ValidationError{Field: "ExpiresAt", Reason: "is the zero time; leave it nil for no expiry"}
	case p.ExpiresAt != nil && !rfc3339Year(*p.ExpiresAt):
		return &ValidationError{Field: "ExpiresAt", Reason: "must be within the years 1 to 9999"}
	case slices.Contains(p.Scopes, ""):
		return &ValidationError{Field: "Scopes", Reason: "must not hold an empty scope"}
	}
	return checkLimit(p.UsageLimitCHF)
}

// rfc3339Year reports whether t can be written in RFC 3339, which has four
// digits for the year; json.Marshal fails on any other.
func rfc3339Year(t time.Time) bool {
	y := t.Year()
	return y >= 1 && y <= 9999
}

func checkLimit(limit *float64) error {
	if limit == nil {
		return nil
	}
	if math.IsNaN(*limit) || math.IsInf(*limit, 0) || *limit < 0 {
		return &ValidationError{Field: "UsageLimitCHF", Reason: "must be a finite number >= 0"}
	}
	return nil
}

// UpdateParams changes some of a key's settings. A nil field keeps its value.
// A non-nil empty Scopes or Access clears it. ClearExpiresAt removes the
// expiry and ClearUsageLimit the limit; setting one together with ExpiresAt
// (or UsageLimitCHF) is refused locally with a *ValidationError.
type UpdateParams struct {
	Name            *string           // nil: keep; must not point to ""
	Scopes          []string          // nil: keep; []string{}: clear
	UsageLimitCHF   *float64          // nil: keep
	ClearUsageLimit bool              // remove the limit; not with UsageLimitCHF
	ExpiresAt       *time.Time        // nil: keep
	ClearExpiresAt  bool              // remove the expiry; not with ExpiresAt
	PermissionMode  *PermissionMode   // nil: keep
	Access          map[string]string // nil: keep; map[string]string{}: clear
	ProjectID       *string           // nil: keep; Ptr(""): all projects
}

func (p *UpdateParams) check() error {
	switch {
	case p.Name != nil && *p.Name == "":
		return &ValidationError{Field: "Name", Reason: "must not be empty"}
	case p.ExpiresAt != nil && p.ClearExpiresAt:
		return &ValidationError{Field: "ExpiresAt", Reason: "conflicts with ClearExpiresAt"}
	case p.ExpiresAt != nil && p.ExpiresAt.IsZero():
		return &ValidationError{Field: "ExpiresAt", Reason: "is the zero time; use ClearExpiresAt to remove the expiry"}
	case p.ExpiresAt != nil && !rfc3339Year(*p.ExpiresAt):
		return &ValidationError{Field: "ExpiresAt", Reason: "must be within the years 1 to 9999"}
	case slices.Contains(p.Scopes, ""):
		return &ValidationError{Field: "Scopes", Reason: "must not hold an empty scope"}
	case p.UsageLimitCHF != nil && p.ClearUsageLimit:
		return &ValidationError{Field: "UsageLimitCHF", Reason: "conflicts with ClearUsageLimit"}
	case p.PermissionMode != nil && !p.PermissionMode.Valid():
		return &ValidationError{Field: "PermissionMode", Reason: "is not all, restricted or read_only"}
	case p.PermissionMode != nil && *p.PermissionMode == PermissionRestricted && p.Access != nil && len(p.Access) == 0:
		return &ValidationError{Field: "Access", Reason: "cannot be cleared when PermissionMode is restricted"}
	}
	return checkLimit(p.UsageLimitCHF)
}

// ListParams filter a List. The zero value lists every key that is not
// archived, 100 a page.
type ListParams struct {
	IncludeArchived bool   // also list archived keys
	Status          Status // "": any status
	PageSize        int    // 1..100; 0: 100
}

// Ptr returns a pointer to v, for the optional fields of UpdateParams and
// CreateParams: apikeys.Ptr("new name"), apikeys.Ptr(12.5).
func Ptr[T any](v T) *T { return &v }

// Create makes a new key. The secret in the result is returned by the API
// only this once. If the key was created but part of the answer could not be
// decoded, Create returns the CreatedKey (its ID and Secret at least) together
// with the error: a secret is never lost.
func (c *Client) Create(ctx context.Context, p CreateParams) (*CreatedKey, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	op := &platform.Operation{Kind: platform.KindCreate, Create: &platform.CreateFields{
		Name: p.Name, Scopes: p.Scopes, UsageLimitCHF: p.UsageLimitCHF, ExpiresAt: p.ExpiresAt,
		PermissionMode: string(p.PermissionMode), Access: p.Access, ProjectID: p.ProjectID,
	}}
	resp, err := c.do(ctx, op)
	if err != nil {
		return nil, err
	}
	defer resp.Release()
	pk, secret, err := c.mapping.DecodeCreated(resp.Body)
	if err != nil {
		err = c.decodeErr(op, resp, err)
		if secret == "" {
			return nil, err
		}
	}
	k := fromPlatform(&pk, nil)
	// The prefix is printed in place of the secret and sits in Key, which is
	// printed and marshaled freely, so keep it only if it really is a short
	// prefix: a server echoing the secret as its prefix must not leak it.
	prefix := k.Prefix
	if !strings.HasPrefix(secret, prefix) || len(prefix) > len(secret)/2 {
		prefix, k.Prefix = "", ""
	}
	return &CreatedKey{Key: &k, Secret: newSecret(secret, prefix)}, err
}

// Get returns one key.
func (c *Client) Get(ctx context.Context, keyID string) (*Key, error) {
	return c.keyOp(ctx, &platform.Operation{Kind: platform.KindGet, KeyID: keyID})
}

// Update changes the fields of p that are set; see UpdateParams.
func (c *Client) Update(ctx context.Context, keyID string, p UpdateParams) (*Key, error) {
	if err := p.check(); err != nil {
		return nil, err
	}
	var mode *string
	if p.PermissionMode != nil {
		mode = (*string)(p.PermissionMode)
	}
	return c.keyOp(ctx, &platform.Operation{Kind: platform.KindUpdate, KeyID: keyID, Update: &platform.UpdateFields{
		Name: p.Name, Scopes: p.Scopes, UsageLimitCHF: p.UsageLimitCHF, ClearUsageLimit: p.ClearUsageLimit,
		ExpiresAt: p.ExpiresAt, ClearExpiresAt: p.ClearExpiresAt, PermissionMode: mode,
		Access: p.Access, ProjectID: p.ProjectID,
	}})
}

// List returns every key that p selects, following every page. Iteration
// stops at the first error, which is yielded with a nil key. Pages are
// fetched as the loop reaches them, so memory stays bounded by one page.
// Pages are numbered, so changing the set being listed during the loop
// (creating or deleting keys, or pausing keys listed by Status: active)
// shifts later pages and skips keys: collect the IDs first, then act on them,
// with TransitionMany for instance.
//
//	for key, err := range client.List(ctx, apikeys.ListParams{}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(key.Name)
//	}
func (c *Client) List(ctx context.Context, p ListParams) iter.Seq2[*Key, error] {
	return func(yield func(*Key, error) bool) {
		size := p.PageSize
		switch {
		case size == 0:
			size = 100
		case size < 0 || size > 100:
			yield(nil, &ValidationError{Field: "PageSize", Reason: "must be between 1 and 100"})
			return
		}
		if p.Status != "" && !p.Status.Valid() {
			yield(nil, &ValidationError{Field: "Status", Reason: "is not a known status"})
			return
		}
		op := &platform.Operation{Kind: platform.KindList, List: &platform.ListFields{
			Status: string(p.Status), IncludeArchived: p.IncludeArchived, PageSize: size,
		}}
		for {
			resp, err := c.do(ctx, op)
			if err != nil {
				yield(nil, err)
				return
			}
			keys, next, err := c.mapping.DecodeList(op, resp.Body)
			if err != nil {
				err = c.decodeErr(op, resp, err)
			}
			resp.Release()
			if err != nil {
				yield(nil, err)
				return
			}
			page := make([]Key, len(keys))
			n := 0
			for i := range keys {
				n += len(keys[i].AvailableActions)
			}
			actions := make([]Action, 0, n)
			for i := range keys {
				page[i] = fromPlatform(&keys[i], &actions)
				if !yield(&page[i], nil) {
					return
				}
			}
			if next == "" || next == op.List.Cursor {
				return
			}
			op.List.Cursor = next
		}
	}
}

// Activate makes an inactive key active.
func (c *Client) Activate(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionActivate)
}

// Deactivate makes an active or paused key inactive.
func (c *Client) Deactivate(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionDeactivate)
}

// Pause refuses an active key's requests until Unpause; the fastest way to
// stop a leaked key without losing it.
func (c *Client) Pause(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionPause)
}

// Unpause makes a paused key active again.
func (c *Client) Unpause(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionUnpause)
}

// Archive soft-deletes a key: it stops working and is hidden from List
// unless ListParams.IncludeArchived; Reactivate brings it back.
func (c *Client) Archive(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionArchive)
}

// Reactivate makes an archived key active again.
func (c *Client) Reactivate(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionReactivate)
}

// Revoke refuses a key for good; only Delete remains possible.
func (c *Client) Revoke(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionRevoke)
}

// Delete removes an archived or revoked key permanently.
func (c *Client) Delete(ctx context.Context, keyID string) error {
	_, err := c.transition(ctx, keyID, ActionDelete)
	return err
}

// Transition applies action a to key, after checking locally that
// key.Status.Can(a): a refused transition returns a *TransitionError and
// costs no request. ActionDelete returns a nil key on success.
func (c *Client) Transition(ctx context.Context, key *Key, a Action) (*Key, error) {
	if key == nil {
		return nil, &ValidationError{Field: "key", Reason: "is nil"}
	}
	if !key.Status.Can(a) {
		return nil, &TransitionError{From: key.Status, Action: a}
	}
	return c.transition(ctx, key.ID, a)
}

func (c *Client) transition(ctx context.Context, keyID string, a Action) (*Key, error) {
	if !a.Valid() {
		return nil, &ValidationError{Field: "action", Reason: fmt.Sprintf("%q is not a known action", string(a))}
	}
	return c.keyOp(ctx, &platform.Operation{Kind: platform.KindTransition, Action: string(a), KeyID: keyID})
}

// keyOp runs an operation on one key and decodes the key it answers with.
func (c *Client) keyOp(ctx context.Context, op *platform.Operation) (*Key, error) {
	if err := checkID("keyID", op.KeyID); err != nil {
		return nil, err
	}
	resp, err := c.do(ctx, op)
	if err != nil {
		return nil, err
	}
	defer resp.Release()
	if op.Action == string(ActionDelete) {
		return nil, nil
	}
	pk, err := c.mapping.DecodeKey(op, resp.Body)
	if err != nil {
		return nil, c.decodeErr(op, resp, err)
	}
	k := fromPlatform(&pk, nil)
	return &k, nil
}
