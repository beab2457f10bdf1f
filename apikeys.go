// Package apikeys is a typed client for the whole life of an API key: create
// (the secret is shown once), list, get, update, activate, deactivate, pause,
// unpause, archive, reactivate, revoke and delete, on six platforms: the
// project's reference API and the key-management APIs of Aitronos, orq.ai,
// Sysevo, Confident AI and Prefactor (WithPlatform). The same methods drive
// every one; what a platform lacks is refused locally with an
// *UnsupportedError, without a request.
//
// A Client validates what it can before a request leaves the machine (IDs,
// parameter combinations, the platform's capabilities and transition table),
// retries only what cannot apply twice, and returns errors to branch on with
// errors.Is and errors.As. Secrets never appear in fmt, JSON, slog or error
// output; only Secret.Reveal returns one.
//
// Package apikeystest is an in-memory server of every platform's wire, for
// tests and examples.
package apikeys

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/transport"
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
	ID             string `json:"id"`              // the key's ID, for every per-key call
	OrganizationID string `json:"organization_id"` // the organization that owns it, where the platform has one
	Name           string `json:"name"`            // the name given at Create or Update
	Prefix         string `json:"prefix"`          // the secret's public first characters
	// Suffix is the secret's last characters (at most 6), where the platform
	// shows them (Confident AI).
	Suffix string `json:"suffix,omitempty"`
	// Status is where the key is in its life, in the SDK's words; "" when
	// the platform's answer does not say.
	Status Status `json:"status"`
	// PlatformStatus is the platform's own word for it
	// ("API_KEY_STATUS_DISABLED", "suspended"), or its fields as name=value
	// pairs ("is_active=false", "valid=false", "archived_at=set").
	PlatformStatus string   `json:"platform_status,omitempty"`
	Platform       Platform `json:"platform"` // the platform it lives on
	// Partial: the answer held no key object (an Aitronos archive's
	// {"success":true,…}, an empty Sysevo answer): only ID, Status, Platform
	// and what the answer held are known. Get the key for the rest.
	Partial        bool           `json:"partial,omitempty"`
	Scopes         []string       `json:"scopes,omitempty"`
	UsageLimitCHF  *float64       `json:"usage_limit_chf,omitempty"` // nil: no limit
	PermissionMode PermissionMode `json:"permission_mode,omitempty"`
	// Access maps a resource to the access a restricted key has to it:
	// "none", "read", "write" (or the platform's own words).
	Access    map[string]string `json:"access,omitempty"`
	ProjectID string            `json:"project_id,omitempty"` // "": all projects (Prefactor: the environment)
	CreatedBy string            `json:"created_by,omitempty"` // who created it, as the server names them
	UpdatedBy string            `json:"updated_by,omitempty"` // who changed it last
	CreatedAt time.Time         `json:"created_at"`
	UpdatedAt time.Time         `json:"updated_at"`
	// The nil times did not happen (or, for ExpiresAt, never will), or the
	// platform does not report them.
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	ExpiresAt  *time.Time `json:"expires_at,omitempty"`
	ArchivedAt *time.Time `json:"archived_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
	// AvailableActions is what the server says may be done next (reference,
	// Prefactor); nil where it does not say.
	AvailableActions []Action `json:"available_actions,omitempty"`
}

// Expired reports whether the key has an expiry at or before now.
func (k *Key) Expired(now time.Time) bool {
	return k.ExpiresAt != nil && !now.Before(*k.ExpiresAt)
}

// Can reports whether k.Platform's transition table allows a from k.Status
// (Reference when Platform is empty). A key whose status is unknown allows
// nothing.
func (k *Key) Can(a Action) bool {
	return k.Platform.orDefault().Can(k.Status, a)
}

// fromPlatform converts p. Its AvailableActions are carved out of *arena when
// that has room: List sizes one for a whole page, so a page costs one
// allocation for them, not one per key. The three-index slice keeps a caller's
// append from writing into the next key's actions.
func (c *Client) fromPlatform(p *platform.Key, arena *[]Action) Key {
	k := Key{
		ID: p.ID, OrganizationID: p.OrganizationID, Name: p.Name, Prefix: p.Prefix, Suffix: p.Suffix,
		Status: Status(p.Status), PlatformStatus: p.PlatformStatus, Platform: c.platform, Partial: p.Partial,
		Scopes: p.Scopes, UsageLimitCHF: p.UsageLimitCHF,
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

// keyWithActions is a Key with room for its AvailableActions, at most one of
// each action, so that a key returned alone costs one allocation, not two.
type keyWithActions struct {
	key     Key
	actions [8]Action
}

// newKey converts p into a Key of its own.
func (c *Client) newKey(p *platform.Key) *Key {
	if n := len(p.AvailableActions); n == 0 || n > len(keyWithActions{}.actions) {
		k := c.fromPlatform(p, nil)
		return &k
	}
	kw := new(keyWithActions)
	arena := kw.actions[:0]
	kw.key = c.fromPlatform(p, &arena)
	return &kw.key
}

// CreatedKey is a new key and its secret, which the API returns only once.
type CreatedKey struct {
	Key    *Key   `json:"key"`
	Secret Secret `json:"secret"` // marshals as the redacted form
}

// CreateParams are the settings of a new key. A field is set when it is not
// its zero value (a non-nil empty Scopes or Access is set: it asks for
// none). A set field the platform cannot carry is refused with an
// *UnsupportedError naming it, never silently dropped: see
// Capabilities.CreateFields.
type CreateParams struct {
	// Name is required where the platform names keys (CreateFields holds
	// FieldName) and refused where it does not (Prefactor).
	Name           string
	Scopes         []string       // what the key may do; none is an empty list
	UsageLimitCHF  *float64       // nil: no limit
	ExpiresAt      *time.Time     // nil: never expires
	PermissionMode PermissionMode // "": the platform's default (all)
	// Access is required, and must not be empty, when PermissionMode is
	// PermissionRestricted. On orq.ai it is refused without
	// PermissionRestricted, as orq.ai would ignore it.
	Access    map[string]string
	ProjectID string // "": all projects (Prefactor: the account; set: the environment)
	// IdempotencyKey: "" sends a fresh random key per call where the
	// platform deduplicates (nothing is sent elsewhere). Set your own (1 to
	// 255 visible ASCII bytes) to recover a create whose answer was lost,
	// even from another process: the body is canonical (times in UTC, map
	// keys sorted), so the same params give the same bytes and the server
	// replays its first answer, secret included. Refused on a platform that
	// does not deduplicate.
	IdempotencyKey string
}

// set lists the fields of p that are set, in declaration order.
func (p *CreateParams) set() []string {
	var out []string
	add := func(ok bool, f string) {
		if ok {
			out = append(out, f)
		}
	}
	add(p.Name != "", platform.FieldName)
	add(p.Scopes != nil, platform.FieldScopes)
	add(p.UsageLimitCHF != nil, platform.FieldUsageLimitCHF)
	add(p.ExpiresAt != nil, platform.FieldExpiresAt)
	add(p.PermissionMode != "", platform.FieldPermissionMode)
	add(p.Access != nil, platform.FieldAccess)
	add(p.ProjectID != "", platform.FieldProjectID)
	add(p.IdempotencyKey != "", platform.FieldIdempotencyKey)
	return out
}

func (p *CreateParams) check(c *Client) error {
	for _, f := range p.set() {
		if !slices.Contains(c.spec.CreateFields, f) {
			return &UnsupportedError{Platform: c.platform, Operation: "create", Field: f}
		}
	}
	switch {
	case slices.Contains(c.spec.CreateFields, platform.FieldName) && p.Name == "":
		return &ValidationError{Field: "Name", Reason: "is required"}
	case p.Name != "" && strings.TrimSpace(p.Name) == "":
		return &ValidationError{Field: "Name", Reason: "is only white space"}
	case p.PermissionMode != "" && !p.PermissionMode.Valid():
		return &ValidationError{Field: "PermissionMode", Reason: "is not all, restricted or read_only"}
	case p.PermissionMode == PermissionRestricted && len(p.Access) == 0:
		return &ValidationError{Field: "Access", Reason: "is required when PermissionMode is restricted"}
	case p.IdempotencyKey != "" && !visibleASCII(p.IdempotencyKey, 255):
		return &ValidationError{Field: "IdempotencyKey", Reason: "must be 1 to 255 visible ASCII characters"}
	}
	if err := checkExpiry(p.ExpiresAt, "leave it nil for no expiry"); err != nil {
		return err
	}
	if err := checkScopes(p.Scopes); err != nil {
		return err
	}
	return checkLimit(p.UsageLimitCHF)
}

func checkExpiry(t *time.Time, zeroHint string) error {
	switch {
	case t == nil:
		return nil
	case t.IsZero():
		return &ValidationError{Field: "ExpiresAt", Reason: "is the zero time; " + zeroHint}
	case !rfc3339Year(t.UTC()):
		return &ValidationError{Field: "ExpiresAt", Reason: "must be within the years 1 to 9999"}
	}
	return nil
}

func checkScopes(scopes []string) error {
	for _, s := range scopes {
		if strings.TrimSpace(s) == "" {
			return &ValidationError{Field: "Scopes", Reason: "must not hold an empty or white-space scope"}
		}
	}
	return nil
}

// visibleASCII reports whether s is 1 to max bytes of printable ASCII
// without spaces, as a header value that no proxy rewrites.
func visibleASCII(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
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

// utc returns t in UTC without its monotonic reading, so that the same
// instant always encodes to the same bytes.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC().Round(0)
	return &u
}

// UpdateParams changes some of a key's settings. A nil field keeps its value.
// A non-nil empty Scopes or Access clears it. ClearExpiresAt removes the
// expiry and ClearUsageLimit the limit; setting one together with ExpiresAt
// (or UsageLimitCHF) is refused locally with a *ValidationError. A set field
// the platform cannot carry is refused with an *UnsupportedError naming it:
// see Capabilities.UpdateFields.
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

func (p *UpdateParams) set() []string {
	var out []string
	add := func(ok bool, f string) {
		if ok {
			out = append(out, f)
		}
	}
	add(p.Name != nil, platform.FieldName)
	add(p.Scopes != nil, platform.FieldScopes)
	add(p.UsageLimitCHF != nil, platform.FieldUsageLimitCHF)
	add(p.ClearUsageLimit, platform.FieldClearUsageLimit)
	add(p.ExpiresAt != nil, platform.FieldExpiresAt)
	add(p.ClearExpiresAt, platform.FieldClearExpiresAt)
	add(p.PermissionMode != nil, platform.FieldPermissionMode)
	add(p.Access != nil, platform.FieldAccess)
	add(p.ProjectID != nil, platform.FieldProjectID)
	return out
}

func (p *UpdateParams) check(c *Client) error {
	if !c.spec.Update {
		return &UnsupportedError{Platform: c.platform, Operation: "update"}
	}
	for _, f := range p.set() {
		if !slices.Contains(c.spec.UpdateFields, f) {
			return &UnsupportedError{Platform: c.platform, Operation: "update", Field: f}
		}
	}
	switch {
	case p.Name != nil && strings.TrimSpace(*p.Name) == "":
		return &ValidationError{Field: "Name", Reason: "must not be empty or white space"}
	case p.ExpiresAt != nil && p.ClearExpiresAt:
		return &ValidationError{Field: "ExpiresAt", Reason: "conflicts with ClearExpiresAt"}
	case p.UsageLimitCHF != nil && p.ClearUsageLimit:
		return &ValidationError{Field: "UsageLimitCHF", Reason: "conflicts with ClearUsageLimit"}
	case p.PermissionMode != nil && !p.PermissionMode.Valid():
		return &ValidationError{Field: "PermissionMode", Reason: "is not all, restricted or read_only"}
	case p.PermissionMode != nil && *p.PermissionMode == PermissionRestricted && p.Access != nil && len(p.Access) == 0:
		return &ValidationError{Field: "Access", Reason: "cannot be cleared when PermissionMode is restricted"}
	}
	if err := checkExpiry(p.ExpiresAt, "use ClearExpiresAt to remove the expiry"); err != nil {
		return err
	}
	if err := checkScopes(p.Scopes); err != nil {
		return err
	}
	return checkLimit(p.UsageLimitCHF)
}

// ListParams filter a List. The zero value lists every key that is not
// archived, as many a page as the platform allows.
type ListParams struct {
	IncludeArchived bool   // also list archived keys
	Status          Status // "": any status
	// PageSize is how many keys one request asks for: 1 to the platform's
	// Capabilities.MaxPageSize; 0 is that maximum. Ignored where the
	// platform answers every key at once (MaxPageSize 0).
	PageSize int
}

// RotateParams say how Rotate replaces a key.
type RotateParams struct {
	// Grace 0 retires the old key now; otherwise (at least 1s) it expires at
	// now+Grace (or keeps an earlier expiry it already has).
	Grace time.Duration
	// Name is the replacement's name; nil: the old key's name.
	Name *string
	// ExpiresAt is the replacement's expiry; nil: now plus the old key's
	// lifetime (ExpiresAt-CreatedAt), or none if it had none.
	ExpiresAt *time.Time
}

// Ptr returns a pointer to v, for the optional fields of UpdateParams and
// CreateParams: apikeys.Ptr("new name"), apikeys.Ptr(12.5).
func Ptr[T any](v T) *T { return &v }

// newIdempotencyKey returns 128 random bits in hex.
func newIdempotencyKey() string {
	var raw [16]byte
	_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails since Go 1.24
	return hex.EncodeToString(raw[:])
}

// Create makes a new key. The secret in the result is returned by the API
// only this once. If the key was created but part of the answer could not be
// decoded, Create returns the CreatedKey (its ID and Secret at least)
// together with the error: a secret is never lost.
//
// Create is retried only when it cannot make a second key: always where the
// platform deduplicates (the same Idempotency-Key and bytes on every
// attempt), elsewhere only when the request surely did not reach the server.
// When the key may exist but no answer says so, the error is an
// *OutcomeUnknownError.
func (c *Client) Create(ctx context.Context, p CreateParams) (*CreatedKey, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := p.check(c); err != nil {
		return nil, err
	}
	idem := p.IdempotencyKey
	if idem == "" && c.spec.Deduplicates {
		idem = newIdempotencyKey()
	}
	op := &platform.Operation{Kind: platform.KindCreate, IdempotencyKey: idem, Create: &platform.CreateFields{
		Name: p.Name, Scopes: p.Scopes, UsageLimitCHF: p.UsageLimitCHF, ExpiresAt: utc(p.ExpiresAt),
		PermissionMode: string(p.PermissionMode), Access: p.Access, ProjectID: p.ProjectID,
	}}
	return c.create(ctx, op)
}

func (c *Client) create(ctx context.Context, op *platform.Operation) (*CreatedKey, error) {
	ex, err := c.run(ctx, op)
	if err != nil && ex.res.Secret == "" {
		if mayExist(err) {
			return nil, &OutcomeUnknownError{Platform: c.platform, Operation: "create", IdempotencyKey: op.IdempotencyKey, Err: err}
		}
		return nil, err
	}
	k := c.newKey(&ex.res.Key)
	// The prefix is printed in place of the secret and sits in Key, which is
	// printed and marshaled freely, so keep it only if it really is a short
	// prefix: a server echoing the secret as its prefix must not leak it.
	secret, prefix := ex.res.Secret, k.Prefix
	if !strings.HasPrefix(secret, prefix) || len(prefix) > len(secret)/2 {
		prefix, k.Prefix = "", ""
	}
	if k.Suffix != "" && (len(k.Suffix) > 6 || len(k.Suffix) > len(secret)/2) {
		k.Suffix = ""
	}
	if k.Status == "" && !k.Partial {
		k.Status = StatusActive
	}
	return &CreatedKey{Key: k, Secret: newSecret(secret, prefix)}, err
}

// mayExist reports whether a failed create may have made a key: anything but
// a refusal the server answered (a 4xx other than 408), a request that surely
// never reached it, and a local refusal.
func mayExist(err error) bool {
	var (
		apiErr *APIError
		te     *transport.Error
		ve     *ValidationError
		ue     *UnsupportedError
	)
	switch {
	case errors.As(err, &ve), errors.As(err, &ue):
		return false
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 200 && apiErr.StatusCode <= 299:
		return false // the platform's failure envelope: refused
	case errors.As(err, &apiErr) && apiErr.StatusCode >= 400 && apiErr.StatusCode <= 499:
		return apiErr.StatusCode == http.StatusRequestTimeout
	}
	return !errors.As(err, &te) || !te.Unsent
}

// Get returns one key. On Sysevo, whose docs show no get-one endpoint, it is
// one List call (archived keys included) filtered by ID.
func (c *Client) Get(ctx context.Context, keyID string) (*Key, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if !c.spec.Get {
		return nil, &UnsupportedError{Platform: c.platform, Operation: "get"}
	}
	return c.keyOp(ctx, &platform.Operation{Kind: platform.KindGet, KeyID: keyID}, nil)
}

// Update changes the fields of p that are set; see UpdateParams.
func (c *Client) Update(ctx context.Context, keyID string, p UpdateParams) (*Key, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if err := p.check(c); err != nil {
		return nil, err
	}
	var mode *string
	if p.PermissionMode != nil {
		mode = (*string)(p.PermissionMode)
	}
	op := &platform.Operation{Kind: platform.KindUpdate, KeyID: keyID, Update: &platform.UpdateFields{
		Name: p.Name, Scopes: p.Scopes, UsageLimitCHF: p.UsageLimitCHF, ClearUsageLimit: p.ClearUsageLimit,
		ExpiresAt: utc(p.ExpiresAt), ClearExpiresAt: p.ClearExpiresAt, PermissionMode: mode,
		Access: p.Access, ProjectID: p.ProjectID,
	}}
	if c.spec.Deduplicates {
		op.IdempotencyKey = newIdempotencyKey()
	}
	return c.keyOp(ctx, op, nil)
}

// errNoKeyObject is a read whose 2xx answer holds no key.
var errNoKeyObject = errors.New("the answer holds no key object")

// errListStuck is a server whose paging does not advance.
var errListStuck = errors.New("the server's next page is the page just read: paging does not advance")

// List returns every key that p selects, following every page. Iteration
// stops at the first error, which is yielded with a nil key. Pages are
// fetched as the loop reaches them, so memory stays bounded by one page. A
// filter the platform's server does not apply (Capabilities.ServerFilters)
// is applied by the client.
//
// On the reference API the cursor is stable: creating, deleting or
// transitioning keys during the loop never skips or repeats another key. On
// platforms that page by number or offset (Aitronos, Prefactor), changing
// the set being listed shifts later pages and skips keys: collect the IDs
// first, then act on them (TransitionMany, TransitionEach).
//
//	for key, err := range client.List(ctx, apikeys.ListParams{}) {
//		if err != nil {
//			return err
//		}
//		fmt.Println(key.Name)
//	}
func (c *Client) List(ctx context.Context, p ListParams) iter.Seq2[*Key, error] {
	return func(yield func(*Key, error) bool) {
		op, err := c.listOp(ctx, p)
		if err != nil {
			yield(nil, err)
			return
		}
		localStatus := p.Status != "" && op.List.Status == ""
		var prev []string // the IDs of the page before, to catch a repeat
		for {
			ex, err := c.run(ctx, op)
			if err != nil {
				yield(nil, err)
				return
			}
			keys, next := ex.res.Keys, ex.res.Next
			if next != "" && (next == op.List.Cursor || len(keys) == 0 || samePage(prev, keys)) {
				yield(nil, fmt.Errorf("apikeys: %s: list: %w", c.platform, errListStuck))
				return
			}
			n := 0
			for i := range keys {
				n += len(keys[i].AvailableActions)
			}
			page := make([]Key, len(keys))
			actions := make([]Action, 0, n)
			prev = prev[:0]
			for i := range keys {
				prev = append(prev, keys[i].ID)
				page[i] = c.fromPlatform(&keys[i], &actions)
				k := &page[i]
				if localStatus && k.Status != p.Status || !p.IncludeArchived && p.Status == "" && k.Status == StatusArchived {
					continue
				}
				if !yield(k, nil) {
					return
				}
			}
			if next == "" {
				return
			}
			op.List.Cursor = next
		}
	}
}

// samePage reports whether keys are the page whose IDs are prev.
func samePage(prev []string, keys []platform.Key) bool {
	if len(prev) != len(keys) {
		return false
	}
	for i := range keys {
		if keys[i].ID != prev[i] {
			return false
		}
	}
	return true
}

// listOp checks p against the platform and builds the first page's
// operation.
func (c *Client) listOp(ctx context.Context, p ListParams) (*platform.Operation, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	max := c.spec.MaxPageSize
	size := p.PageSize
	switch {
	case max == 0:
		size = 0
	case size == 0:
		size = max
	case size < 0 || size > max:
		return nil, &ValidationError{Field: "PageSize", Reason: fmt.Sprintf("must be between 1 and %d on %s", max, c.platform)}
	}
	if p.Status != "" && !p.Status.Valid() {
		return nil, &ValidationError{Field: "Status", Reason: "is not a known status"}
	}
	lf := &platform.ListFields{PageSize: size}
	serverStatus := slices.Contains(c.spec.ServerFilters, platform.FieldStatus)
	serverArchived := slices.Contains(c.spec.ServerFilters, platform.FieldIncludeArchived)
	wantArchived := p.IncludeArchived || p.Status == StatusArchived
	switch {
	case !wantArchived:
	case serverArchived:
		lf.IncludeArchived = true
	case !serverStatus && slices.Contains(c.spec.Actions, platform.ActionArchive):
		// Archived keys exist but the server never lists them (Aitronos).
		field := platform.FieldIncludeArchived
		if !p.IncludeArchived {
			field = platform.FieldStatus
		}
		return nil, &UnsupportedError{Platform: c.platform, Operation: "list", Field: field,
			Reason: "the platform does not list archived keys"}
	}
	if serverStatus {
		lf.Status = string(p.Status)
	}
	return &platform.Operation{Kind: platform.KindList, List: lf}, nil
}

// The lifecycle actions. Each one checks first that the platform has the
// action (else *UnsupportedError, no request); the server then applies its
// own table. A key whose status is known is better moved with Transition,
// which checks the platform's table locally too.

// Activate makes an inactive key active.
func (c *Client) Activate(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionActivate)
}

// Deactivate makes an active or paused key inactive.
func (c *Client) Deactivate(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionDeactivate)
}

// Pause refuses an active key's requests until Unpause; the fastest way to
// stop a leaked key without losing it where the platform has it (Reference,
// Aitronos). Suspend picks the mildest stop any platform has.
func (c *Client) Pause(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionPause)
}

// Unpause makes a paused key active again.
func (c *Client) Unpause(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionUnpause)
}

// Archive soft-deletes a key: it stops working and leaves the default List
// while its record is kept. Reactivate brings it back where the platform has
// it (Reference, Sysevo); an Aitronos archive is for good. The answer may be
// a Partial key.
func (c *Client) Archive(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionArchive)
}

// Reactivate makes an archived key active again.
func (c *Client) Reactivate(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionReactivate)
}

// Revoke refuses a key for good, its record kept; only Delete remains
// possible.
func (c *Client) Revoke(ctx context.Context, keyID string) (*Key, error) {
	return c.transition(ctx, keyID, ActionRevoke)
}

// Suspend stops a key with the mildest reversible action the platform has
// (Platform.SuspendAction): pause, else deactivate, else archive where
// reactivate exists. It is the call for incident tooling that must stop a
// leaked key on whichever platform it lives.
func (c *Client) Suspend(ctx context.Context, keyID string) (*Key, error) {
	a, ok := c.platform.SuspendAction()
	if !ok {
		return nil, &UnsupportedError{Platform: c.platform, Operation: "suspend", Reason: "the platform has no reversible way to stop a key"}
	}
	return c.transition(ctx, keyID, a)
}

// Delete removes a key permanently (on the reference API, only an archived
// or revoked one).
func (c *Client) Delete(ctx context.Context, keyID string) error {
	_, err := c.transition(ctx, keyID, ActionDelete)
	return err
}

// Transition applies action a to key. It refuses a key of another platform
// (*ValidationError), an action the platform lacks (*UnsupportedError) and,
// when key.Status is known, one the platform's table refuses from it
// (*TransitionError): a refused transition costs no request. ActionDelete
// returns a nil key on success.
func (c *Client) Transition(ctx context.Context, key *Key, a Action) (*Key, error) {
	if key == nil {
		return nil, &ValidationError{Field: "key", Reason: "is nil"}
	}
	if key.Platform != "" && key.Platform != c.platform {
		return nil, &ValidationError{Field: "key", Reason: fmt.Sprintf("belongs to %s, not to this client's %s", key.Platform, c.platform)}
	}
	if a.Valid() && !c.supports(a) {
		return nil, &UnsupportedError{Platform: c.platform, Operation: string(a)}
	}
	if key.Status != "" && !slices.Contains(c.spec.Table[string(key.Status)], string(a)) {
		return nil, &TransitionError{Platform: c.platform, From: key.Status, Action: a}
	}
	return c.transition(ctx, key.ID, a)
}

// supports is c.platform.Supports(a) from the client's own spec, without
// looking the platform up again.
func (c *Client) supports(a Action) bool { return slices.Contains(c.spec.Actions, string(a)) }

func (c *Client) transition(ctx context.Context, keyID string, a Action) (*Key, error) {
	if err := checkContext(ctx); err != nil {
		return nil, err
	}
	if !a.Valid() {
		return nil, &ValidationError{Field: "action", Reason: fmt.Sprintf("%q is not a known action", string(a))}
	}
	if !c.supports(a) {
		return nil, &UnsupportedError{Platform: c.platform, Operation: string(a)}
	}
	op := &platform.Operation{Kind: platform.KindTransition, Action: string(a), KeyID: keyID}
	if c.spec.Deduplicates {
		op.IdempotencyKey = newIdempotencyKey()
	}
	return c.keyOp(ctx, op, nil)
}

// keyOp runs an operation on one key and decodes the key it answers with.
// When carry is not nil it receives the settings Key does not model, for
// Rotate's replacement: they stay out of Key, which is plain data that
// go-cmp and reflect.DeepEqual compare.
func (c *Client) keyOp(ctx context.Context, op *platform.Operation, carry *any) (*Key, error) {
	if err := c.checkKeyID(op.KeyID); err != nil {
		return nil, err
	}
	ex, err := c.run(ctx, op)
	if err != nil {
		if op.Kind == platform.KindTransition && ex.attempts > 1 {
			return c.confirm(ctx, op, ex, err)
		}
		return nil, err
	}
	if op.Action == platform.ActionDelete {
		return nil, nil
	}
	if ex.res.Key.Partial && op.Kind == platform.KindGet {
		// A read exists to return the key: an answer without one is not one.
		return nil, fmt.Errorf("apikeys: %s: get key %s: %w", c.platform, op.KeyID, errNoKeyObject)
	}
	k := c.newKey(&ex.res.Key)
	if carry != nil {
		*carry = ex.res.Key.Carry
	}
	if k.ID == "" {
		k.ID = op.KeyID
	}
	if target := Status(platform.Target(op.Action)); op.Kind == platform.KindTransition && k.Status == "" {
		k.Status = target
	}
	return k, nil
}

// confirm decides a retried transition whose last answer refused it: the
// first attempt may have been applied and its answer lost. A 404 to a
// DELETE means the key is gone (Delete) or archived for good (an Aitronos or
// Sysevo archive); another refusal is checked by reading the key once. A
// 401, 403, 408 or 429 says nothing of the key, and neither does a transport
// failure: those are returned as they are.
func (c *Client) confirm(ctx context.Context, op *platform.Operation, ex exchange, err error) (*Key, error) {
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode < 400 || apiErr.StatusCode > 499 {
		return nil, err
	}
	switch apiErr.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusRequestTimeout, http.StatusTooManyRequests:
		return nil, err
	}
	target := Status(platform.Target(op.Action))
	if ex.method == http.MethodDelete && apiErr.StatusCode == http.StatusNotFound {
		if op.Action == platform.ActionDelete {
			return nil, nil
		}
		return &Key{ID: op.KeyID, Status: target, Platform: c.platform, Partial: true}, nil
	}
	if !c.spec.Get || op.Action == platform.ActionDelete {
		return nil, err
	}
	k, gerr := c.keyOp(ctx, &platform.Operation{Kind: platform.KindGet, KeyID: op.KeyID}, nil)
	if gerr != nil || k.Status != target {
		return nil, err
	}
	return k, nil
}
