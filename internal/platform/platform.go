// Package platform defines what a platform mapping does: it turns an SDK
// operation into an HTTP request and decodes the answers, so that the client
// never knows a platform's paths, field names or envelopes. The types here are
// the client's operations and results in platform-neutral form.
package platform

import (
	"net/http"
	"time"
)

// Kind is the operation a client method asks for.
type Kind uint8

// The operations. A lifecycle action (including archive and permanent delete)
// is KindTransition with Operation.Action set.
const (
	KindCreate Kind = iota + 1
	KindGet
	KindList
	KindUpdate
	KindTransition
)

// Operation is one client call, validated, in platform-neutral form.
type Operation struct {
	Kind   Kind
	Action string // for KindTransition: "pause", "archive", "delete", …
	OrgID  string
	KeyID  string // empty for KindCreate and KindList
	Create *CreateFields
	Update *UpdateFields
	List   *ListFields
}

// CreateFields are the settings of a new key; zero values are omitted.
type CreateFields struct {
	Name           string
	Scopes         []string
	UsageLimitCHF  *float64
	ExpiresAt      *time.Time
	PermissionMode string
	Access         map[string]string
	ProjectID      string
}

// UpdateFields follow the SDK's optional-field rules: nil keeps, a non-nil
// empty slice or map clears, the Clear flags clear.
type UpdateFields struct {
	Name            *string
	Scopes          []string
	UsageLimitCHF   *float64
	ClearUsageLimit bool
	ExpiresAt       *time.Time
	ClearExpiresAt  bool
	PermissionMode  *string
	Access          map[string]string
	ProjectID       *string
}

// ListFields select one page. Cursor is opaque: empty for the first page,
// then whatever the mapping's DecodeList returned.
type ListFields struct {
	Status          string
	IncludeArchived bool
	PageSize        int
	Cursor          string
}

// Request is the HTTP form of an Operation. Path is already escaped and is
// relative to the base URL's path.
type Request struct {
	Method   string
	Path     string
	RawQuery string
	Body     []byte // nil: no body and no Content-Type
}

// Key is a decoded key object.
type Key struct {
	ID               string
	OrganizationID   string
	Name             string
	Prefix           string
	Status           string
	Scopes           []string
	UsageLimitCHF    *float64
	PermissionMode   string
	Access           map[string]string
	ProjectID        string
	CreatedBy        string
	UpdatedBy        string
	CreatedAt        time.Time
	UpdatedAt        time.Time
	LastUsedAt       *time.Time
	ExpiresAt        *time.Time
	ArchivedAt       *time.Time
	RevokedAt        *time.Time
	AvailableActions []string
}

// Error is a decoded error envelope. Fields the platform lacks stay zero.
type Error struct {
	Code          string
	Message       string
	SystemMessage string
	Type          string
	TraceID       string
	Timestamp     time.Time
	Details       map[string]any
}

// Mapping is one platform's wire format.
type Mapping interface {
	// Supports reports whether the platform has the operation; the client
	// answers ErrUnsupported without a request when it does not.
	Supports(k Kind, action string) bool
	// Encode builds the request for op.
	Encode(op *Operation) (Request, error)
	// DecodeKey decodes the answer to a Get, Update or Transition other
	// than a permanent delete, whose answer the client does not decode.
	DecodeKey(op *Operation, body []byte) (Key, error)
	// DecodeCreated decodes the answer to a Create: the key and its secret.
	// With an error, a non-empty secret means the key exists and the Key
	// holds what could be decoded of it (at least its ID).
	DecodeCreated(body []byte) (Key, string, error)
	// DecodeList decodes one page and the cursor of the next ("" at the end).
	DecodeList(op *Operation, body []byte) (keys []Key, next string, err error)
	// DecodeError decodes a non-2xx body; ok is false when the body is not
	// the platform's envelope.
	DecodeError(status int, header http.Header, body []byte) (e Error, ok bool)
}
