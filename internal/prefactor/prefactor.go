// Package prefactor is the platform mapping of Prefactor's API tokens: paths
// under /api/v1/api_token, answers wrapped in {"status":"success",…} with the
// token in "details" (one) or "summaries" (a page), offset paging, and the
// {"status":"error","code",…} failure envelope.
//
// Sources: Prefactor's "Activate a suspended API token" page (the token
// schema and the error shapes; vendor-docs/prefactor-activate-token.txt), the
// Prefactor section of vendor-docs/PLATFORMS.md (the other doc pages, and
// what the vendor's own SDK and CLI send), and DESIGN.md v2 (capabilities,
// transition table, status words). Get, revoke and delete are known only from
// the vendor's client, not its docs.
//
// The create body combines the two sources, and no source shows the
// combination: the {"details":{…}} wrapper is the vendor CLI's (which is what
// the server demonstrably accepts), token_scope and account_id inside it are
// the CLI's too, while environment_id and expires_at are the docs' flat
// field names, placed in the CLI's wrapper. Whether the server reads those
// two there is unverified. account_id is always sent: the docs give a
// default (the credential's account) only for the list's account_id, and
// the CLI sends one, so a create without an organization (WithOrganization,
// or the old token's account on a rotation) is refused before sending.
//
// Activate, suspend and revoke send {}, as the vendor's CLI does. The docs
// type the activate and suspend body as "IdempotencyKeyOrNull" (a JSON string
// or null) and do not say the server honours the key, so the mapping places
// no key (Spec.Deduplicates is false) and sends the CLI's body, not the
// docs' type: whether the server accepts {} rests on the CLI alone.
package prefactor

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/apikeys-go/apikeys/internal/platform"
)

// Mapping implements platform.Mapping for Prefactor. The zero value is ready
// to use and holds no state.
type Mapping struct{}

var _ platform.Mapping = Mapping{}

// spec is DESIGN.md's Prefactor column. Organization is optional because the
// list's account_id defaults to the credential's own account; the create's
// has no documented default, and Spec has no per-operation requirement, so
// encodeCreate refuses a create without one. Tokens have no
// name and no update endpoint is documented. Whether the server honours an
// idempotency key is undocumented (the activate body is typed
// "IdempotencyKeyOrNull", but nothing says it deduplicates), so it does not
// count as deduplicating. No request-ID header is documented.
var spec = platform.Spec{
	Name:           "prefactor",
	DefaultBaseURL: "https://app.prefactorai.com",
	AuthHeader:     "Authorization",
	AuthScheme:     "Bearer",
	Organization:   platform.OrgOptional,
	Get:            true,
	Update:         false,
	Actions: []string{
		platform.ActionActivate, platform.ActionDeactivate,
		platform.ActionRevoke, platform.ActionDelete,
	},
	Statuses: []string{platform.StatusActive, platform.StatusInactive, platform.StatusRevoked},
	// The docs' rules: suspend only an active token, activate only a
	// suspended one, revoke either, delete only a revoked one.
	Table: map[string][]string{
		platform.StatusActive:   {platform.ActionDeactivate, platform.ActionRevoke},
		platform.StatusInactive: {platform.ActionActivate, platform.ActionRevoke},
		platform.StatusRevoked:  {platform.ActionDelete},
	},
	CreateFields: []string{platform.FieldExpiresAt, platform.FieldProjectID},
	MaxPageSize:  100,
}

// Spec returns the platform's capabilities: one package-level value that
// nobody modifies.
func (Mapping) Spec() *platform.Spec { return &spec }

// collection is the path after the base URL (which defaults to the host only).
const collection = "/api/v1/api_token"

// The token scopes the vendor's create accepts.
const (
	scopeAccount     = "account"
	scopeEnvironment = "environment"
)

// actionPaths are the lifecycle actions that are a POST to /{id}/{verb}, in
// the vendor's verbs: deactivate is Prefactor's "suspend".
var actionPaths = map[string]string{
	platform.ActionActivate:   "/activate",
	platform.ActionDeactivate: "/suspend",
	platform.ActionRevoke:     "/revoke",
}

// Encode builds the request for op. IDs are path-escaped, never joined raw.
func (Mapping) Encode(op platform.Operation) (platform.Request, error) {
	switch op.Kind {
	case platform.KindCreate:
		return encodeCreate(&op)
	case platform.KindList:
		return encodeList(&op)
	}
	one := collection + "/" + url.PathEscape(op.KeyID)
	switch op.Kind {
	case platform.KindGet:
		return platform.Request{Method: http.MethodGet, Path: one, Retry: platform.RetryAlways}, nil
	case platform.KindTransition:
		if suffix, ok := actionPaths[op.Action]; ok {
			// The CLI's {}, not the docs' string-or-null: see the package doc.
			return platform.Request{
				Method: http.MethodPost, Path: one + suffix,
				Body: []byte("{}"), Retry: platform.RetryAlways,
			}, nil
		}
		if op.Action == platform.ActionDelete {
			// The answer's body is unused; a retried DELETE that meets a 404
			// is the client's success.
			return platform.Request{Method: http.MethodDelete, Path: one, Retry: platform.RetryAlways}, nil
		}
		return platform.Request{}, fmt.Errorf("prefactor: no such action %q", op.Action)
	case platform.KindUpdate:
		return platform.Request{}, fmt.Errorf("prefactor: tokens cannot be updated")
	}
	return platform.Request{}, fmt.Errorf("prefactor: no such operation %d", op.Kind)
}

// encodeList asks for one page by offset. The cursor is the offset as
// decimal text, as Decode returns it; "" is the first page. url.Values
// escapes the brackets (pagination%5Boffset%5D) and sorts the names, so the
// query is deterministic.
func encodeList(op *platform.Operation) (platform.Request, error) {
	l := op.List
	if l == nil {
		l = &platform.ListFields{}
	}
	offset, ok := cursorOffset(l.Cursor)
	if !ok {
		return platform.Request{}, &platform.Invalid{Field: "Cursor", Reason: "not an offset this mapping returned"}
	}
	q := url.Values{
		"pagination[offset]":    {strconv.FormatInt(offset, 10)},
		"pagination[page_size]": {strconv.Itoa(l.PageSize)},
	}
	if op.OrgID != "" {
		q.Set("account_id", op.OrgID)
	}
	return platform.Request{
		Method: http.MethodGet, Path: collection, RawQuery: q.Encode(), Retry: platform.RetryAlways,
	}, nil
}

// cursorOffset reads a list cursor: "" is offset 0, else decimal digits.
func cursorOffset(cursor string) (int64, bool) {
	if cursor == "" {
		return 0, true
	}
	if !platform.IsDecimal(cursor) {
		return 0, false
	}
	n, err := strconv.ParseInt(cursor, 10, 64)
	return n, err == nil
}

// createBody is the vendor CLI's wrapper around token_scope and account_id
// (always set: encodeCreate refuses a create without it), with the docs'
// environment_id and expires_at beside them (see the package doc).
// environment_id goes only with token_scope "environment".
type createBody struct {
	Details createDetails `json:"details"`
}

type createDetails struct {
	TokenScope    string     `json:"token_scope"`
	AccountID     string     `json:"account_id"`
	EnvironmentID string     `json:"environment_id,omitempty"`
	ExpiresAt     *time.Time `json:"expires_at,omitempty"`
}

// carry is what a replacement token needs from the old one that Key does not
// model: the account, the scope and the environment as the vendor wrote
// them. None of it is secret.
type carry struct {
	accountID, tokenScope, environmentID string
}

// carryOf accepts the carry this package set in Key.Carry (by value, or by
// pointer if someone took its address); anything else is ignored.
func carryOf(v any) (carry, bool) {
	switch c := v.(type) {
	case carry:
		return c, true
	case *carry:
		if c != nil {
			return *c, true
		}
	}
	return carry{}, false
}

// encodeCreate builds POST /api/v1/api_token. What the caller set
// explicitly (op.OrgID, ProjectID) wins; a rotated token's carry fills only
// what is unset, so a rotation keeps the old token's account and environment
// unless the caller names others. With no account from either, it is
// refused as a missing WithOrganization (the client's *ValidationError). A scope the vendor's create cannot spell,
// or an environment scope whose environment is unknown, is refused: sending
// "account" instead would make the replacement more powerful.
func encodeCreate(op *platform.Operation) (platform.Request, error) {
	c := op.Create
	if c == nil {
		c = &platform.CreateFields{}
	}
	if err := refuseUncarried(c); err != nil {
		return platform.Request{}, err
	}
	d := createDetails{AccountID: op.OrgID, EnvironmentID: c.ProjectID}
	if old, ok := carryOf(c.Carry); ok {
		switch old.tokenScope {
		case "", scopeAccount, scopeEnvironment:
		default:
			return platform.Request{}, &platform.Unsupported{Field: "token_scope", Reason: fmt.Sprintf(
				"the old token's scope %q is not one Prefactor's create accepts (account, environment)", old.tokenScope)}
		}
		if d.AccountID == "" {
			d.AccountID = old.accountID
		}
		// An account-scoped token's environment_id (if any) is no restriction.
		if d.EnvironmentID == "" && old.tokenScope != scopeAccount {
			d.EnvironmentID = old.environmentID
		}
		if old.tokenScope == scopeEnvironment && d.EnvironmentID == "" {
			return platform.Request{}, &platform.Unsupported{Field: platform.FieldProjectID,
				Reason: "the old token is environment-scoped but names no environment"}
		}
	}
	if d.AccountID == "" {
		// Only the list's account_id has a documented default; a create
		// that leaves it out would rest on a default nobody shows.
		return platform.Request{}, &platform.Invalid{Field: "WithOrganization",
			Reason: "Prefactor's create needs the account_id: set WithOrganization (its default is documented for the list only)"}
	}
	d.TokenScope = scopeAccount
	if d.EnvironmentID != "" {
		d.TokenScope = scopeEnvironment
	}
	if c.ExpiresAt != nil {
		t := c.ExpiresAt.UTC()
		d.ExpiresAt = &t
	}
	body, err := json.Marshal(createBody{Details: d})
	if err != nil { // only a time outside years 0–9999 fails to marshal
		return platform.Request{}, &platform.Invalid{Field: platform.FieldExpiresAt, Reason: "not a time JSON can carry"}
	}
	// Prefactor does not deduplicate: a create is resent only when it surely
	// was not sent.
	return platform.Request{Method: http.MethodPost, Path: collection, Body: body, Retry: platform.RetryUnsent}, nil
}

// refuseUncarried repeats the client's field check for the fields Prefactor's
// create has no place for: a set field is refused, never dropped.
func refuseUncarried(c *platform.CreateFields) error {
	field := ""
	switch {
	case c.Name != "":
		field = platform.FieldName
	case c.Scopes != nil:
		field = platform.FieldScopes
	case c.UsageLimitCHF != nil:
		field = platform.FieldUsageLimitCHF
	case c.PermissionMode != "":
		field = platform.FieldPermissionMode
	case c.Access != nil:
		field = platform.FieldAccess
	default:
		return nil
	}
	return &platform.Unsupported{Field: field, Reason: "Prefactor's create has no such setting"}
}
