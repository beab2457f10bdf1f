// Package platform is the contract between the client and one platform's
// wire format. A mapping is data (Spec: what the platform has, checked by the
// client before any request) plus encode and decode. The client never knows a
// platform's paths, field names, envelopes or codes; a mapping never knows
// about retries, timeouts, credentials or the public API types.
//
// Every word here is the SDK's: statuses ("active", "paused", "inactive",
// "archived", "revoked"), actions ("activate" … "delete"), permission modes
// ("all", "restricted", "read_only") and field names (the Go names of
// CreateParams, UpdateParams and ListParams). A mapping translates them to and
// from its vendor's words.
package platform

import (
	"net/http"
	"time"
)

// Organization requirements, as Spec.Organization.
const (
	OrgRequired = "required"
	OrgOptional = "optional"
	OrgNone     = "none"
)

// Spec is what a platform has, as data. The client checks an operation
// against it before encoding: an operation, action or field the Spec lacks is
// refused without a request, and so is an action the Table refuses from a
// known status.
type Spec struct {
	Name           string // the apikeys.Platform value, e.g. "aitronos"
	DefaultBaseURL string // "" where WithBaseURL is required
	// AuthHeader is the credential header as the vendor spells it; "" where
	// the vendor documents none and WithAuthHeader is required. AuthScheme
	// ("Bearer") is written before the credential with one space; "" sends
	// the credential raw.
	AuthHeader, AuthScheme string
	Organization           string // OrgRequired, OrgOptional or OrgNone
	Get, Update            bool   // Create and List exist everywhere
	// Actions the platform has, in the SDK's action order.
	Actions []string
	// Statuses its answers can report, in the SDK's status order.
	Statuses []string
	// Table maps a status to the actions allowed from it, in action order.
	// A status missing here allows nothing.
	Table map[string][]string
	// CreateFields and UpdateFields are the Go field names of CreateParams
	// and UpdateParams the wire carries; ServerFilters those of ListParams
	// the server applies (the client applies the rest).
	CreateFields, UpdateFields, ServerFilters []string
	MaxPageSize                               int  // 0: one answer holds every key
	IntegerIDs                                bool // key IDs are decimal integers
	// Deduplicates: the platform honours an idempotency key, so a retried
	// mutation never applies twice. The client mints one per mutating call
	// only then; Encode places it.
	Deduplicates bool
	// RequestIDHeaders are the answer headers that carry the server's request
	// ID, in canonical form; the first present one wins.
	RequestIDHeaders []string
}

// Kind is the operation a client method asks for.
type Kind uint8

// The operations. A lifecycle action (archive and permanent delete included)
// is KindTransition with Operation.Action set.
const (
	KindCreate Kind = iota + 1
	KindGet
	KindList
	KindUpdate
	KindTransition
)

// Operation is one client call, already checked against the Spec.
type Operation struct {
	Kind   Kind
	Action string // KindTransition: "pause", "archive", "delete", …
	OrgID  string // "" where the platform has none or it is optional and unset
	KeyID  string // "" for KindCreate and KindList; decimal where IntegerIDs
	// IdempotencyKey is minted by the client (or given by the caller) for a
	// mutation on a platform that Deduplicates; "" elsewhere. It is the same
	// on every attempt; Encode puts it where the platform reads it.
	IdempotencyKey string
	Create         *CreateFields
	Update         *UpdateFields
	List           *ListFields
}

// CreateFields are the settings of a new key; a zero value is "not set".
type CreateFields struct {
	Name           string
	Scopes         []string // nil: not set; non-nil empty: no scopes
	UsageLimitCHF  *float64
	ExpiresAt      *time.Time // UTC
	PermissionMode string
	Access         map[string]string
	ProjectID      string
	// Carry holds settings of a key being rotated that the SDK's Key does
	// not model (Key.Carry of the old key); nil for an ordinary create.
	Carry any
}

// UpdateFields follow the SDK's optional-field rules: nil keeps, a non-nil
// empty slice or map clears, the Clear flags clear.
type UpdateFields struct {
	Name            *string
	Scopes          []string
	UsageLimitCHF   *float64
	ClearUsageLimit bool
	ExpiresAt       *time.Time // UTC
	ClearExpiresAt  bool
	PermissionMode  *string
	Access          map[string]string
	ProjectID       *string
}

// ListFields select one page. Status and IncludeArchived are set only when
// they are in Spec.ServerFilters. Cursor is opaque to the client: "" for the
// first page, then whatever Decode returned as Result.Next.
type ListFields struct {
	Status          string
	IncludeArchived bool
	PageSize        int // 1..MaxPageSize; 0 where MaxPageSize is 0
	Cursor          string
}

// Retry says when a request may be sent again after a failed attempt.
type Retry uint8

const (
	// RetryAlways: applying it twice does no harm (a read, an update of
	// field values, a transition to a fixed target).
	RetryAlways Retry = iota
	// RetryDeduplicated: it carries an idempotency key the platform honours,
	// and every attempt sends the same bytes.
	RetryDeduplicated
	// RetryUnsent: only when it surely did not reach the server (a dial or
	// DNS failure, a refused connection, a 429).
	RetryUnsent
)

// Request is the HTTP form of an Operation. Path is escaped and relative to
// the base URL.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	// IdempotencyKey, when set, goes out as the Idempotency-Key header on
	// every attempt: only to a platform that deduplicates by it, as Go's
	// net/http replays a request that carries one.
	IdempotencyKey string
	Body           []byte // nil: no body and no Content-Type; only read, so a mapping may share one
	Retry          Retry
	// MaxBody bounds a success answer; 0 is the client's default (4 MiB).
	MaxBody int64
}

// Answer is an HTTP answer, its body read (success bodies whole, error bodies
// up to 4 KiB).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Result is a decoded success answer.
type Result struct {
	Key    Key    // Create, Get, Update, Transition (not Delete)
	Secret string // Create: the secret, shown once
	Keys   []Key  // List: one page
	Next   string // List: the next page's cursor; "" after the last page
}

// Key is a decoded key, in the SDK's words.
type Key struct {
	ID, OrganizationID, Name, Prefix string
	Suffix                           string // the secret's last characters, at most 6
	Status                           string // "" when the answer does not say
	PlatformStatus                   string // the vendor's own word, or name=value pairs
	// Partial: the answer held no key object; only ID, Status and what the
	// answer held are known.
	Partial              bool
	Scopes               []string
	UsageLimitCHF        *float64
	PermissionMode       string
	Access               map[string]string
	ProjectID            string
	CreatedBy, UpdatedBy string
	CreatedAt, UpdatedAt time.Time
	LastUsedAt           *time.Time
	ExpiresAt            *time.Time
	ArchivedAt           *time.Time
	RevokedAt            *time.Time
	AvailableActions     []string // in action order
	// Carry is what a create of a replacement needs that the fields above
	// do not hold (orq.ai's owner, Prefactor's token scope); the mapping that
	// set it reads it back from CreateFields.Carry.
	Carry any
}

// Class is the kind of failure an answer reports, as the platform's own
// codes say; the HTTP status gives a class of its own besides.
type Class uint8

// The classes; each matches one of the SDK's sentinel errors.
const (
	ClassNone Class = iota
	ClassNotFound
	ClassInvalidTransition
	ClassUnauthorized
	ClassForbidden
	ClassRateLimited
	ClassConflict
	ClassInvalidParams
	ClassServer
)

// Error is a decoded failure: a non-2xx answer's envelope, or a 2xx whose
// body is the platform's failure envelope (Decode returns it as an error).
// Fields the platform lacks stay zero.
type Error struct {
	// Status replaces the HTTP status as the error's StatusCode when set:
	// a 2xx failure envelope that names its own status.
	Status        int
	Class         Class
	Code          string
	Message       string
	SystemMessage string
	Type          string
	TraceID       string
	Timestamp     time.Time
	Details       map[string]any
}

// Error makes *Error usable as Decode's error for a 2xx failure envelope.
func (e *Error) Error() string {
	switch {
	case e.Code == "":
		return e.Message
	case e.Message == "":
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// Mapping is one platform's wire format. Implementations hold no mutable
// state and are safe for concurrent use.
type Mapping interface {
	// Spec returns the platform's capabilities; the same value every call,
	// never modified by anyone.
	Spec() *Spec
	// Encode builds the request for op. IDs are path-escaped, never joined
	// raw. op has passed the Spec's checks. Operations go by value: a
	// pointer passed through an interface method escapes, which costs
	// every call an allocation.
	Encode(op Operation) (Request, error)
	// Decode reads a 2xx answer to op. A body that is the platform's failure
	// envelope returns a *Error. A 2xx that holds no key object returns a
	// Key with Partial set (and no error). For a Create, a key that decodes
	// only in part returns the Result (ID and Secret at least) with the
	// error. Delete's answer is decoded too (for a failure envelope); its
	// Result is ignored. An error never holds the body's bytes.
	Decode(op Operation, a *Answer) (Result, error)
	// DecodeError reads a non-2xx answer. A body that is not the platform's
	// envelope gives a zero Error: the HTTP status still classifies it.
	DecodeError(op Operation, a *Answer) Error
}

// Unsupported is Encode's error for a value the platform cannot carry that
// the Spec's field lists cannot express (orq.ai ignores Access unless the
// mode is restricted; a rotated key holds a restriction the vendor's create
// cannot set). The client returns it as an *apikeys.UnsupportedError and
// sends nothing.
type Unsupported struct {
	Field  string // the Go field name, e.g. "Access"
	Reason string
}

func (e *Unsupported) Error() string { return e.Field + ": " + e.Reason }

// Invalid is Encode's error for a value the platform's wire cannot spell (an
// access level orq.ai has no word for). The client returns it as an
// *apikeys.ValidationError and sends nothing.
type Invalid struct {
	Field  string
	Reason string
}

func (e *Invalid) Error() string { return e.Field + ": " + e.Reason }
