package apikeys

import (
	"slices"

	"github.com/apikeys-go/apikeys/internal/aitronos"
	"github.com/apikeys-go/apikeys/internal/confidentai"
	"github.com/apikeys-go/apikeys/internal/orqai"
	"github.com/apikeys-go/apikeys/internal/platform"
	"github.com/apikeys-go/apikeys/internal/prefactor"
	"github.com/apikeys-go/apikeys/internal/reference"
	"github.com/apikeys-go/apikeys/internal/sysevo"
)

// Platform names a key-management API the client can speak. Choose one with
// WithPlatform; the zero value means Reference.
type Platform string

// The platforms. Each one's capabilities, transition table and wire details
// are in its Capabilities and in the README's platform table.
const (
	Reference   Platform = "reference"    // the project's own reference API (apikeystest serves it); the default
	Aitronos    Platform = "aitronos"     // Aitronos (Freddy), api.aitronos.com/v1
	OrqAI       Platform = "orq-ai"       // orq.ai, api.orq.ai
	Sysevo      Platform = "sysevo"       // Sysevo; its docs give no base URL or credential header
	ConfidentAI Platform = "confident-ai" // Confident AI, api.confident-ai.com
	Prefactor   Platform = "prefactor"    // Prefactor, app.prefactorai.com
)

// mappings holds one wire format per platform. It is data, written once here
// and never modified: adding a platform is one line.
var mappings = map[Platform]platform.Mapping{
	Reference:   reference.Mapping{},
	Aitronos:    aitronos.Mapping{},
	OrqAI:       orqai.Mapping{},
	Sysevo:      sysevo.Mapping{},
	ConfidentAI: confidentai.Mapping{},
	Prefactor:   prefactor.Mapping{},
}

// order is the order Platforms reports them in.
var order = [...]Platform{Reference, Aitronos, OrqAI, Sysevo, ConfidentAI, Prefactor}

// Platforms returns every platform the client can speak, Reference first.
// The caller owns the slice.
func Platforms() []Platform {
	out := make([]Platform, 0, len(order))
	for _, p := range order {
		if p.Valid() {
			out = append(out, p)
		}
	}
	return out
}

// Valid reports whether the client can speak p.
func (p Platform) Valid() bool {
	_, ok := mappings[p]
	return ok
}

// mapping returns p's mapping; the zero Platform is Reference, and an
// unknown one is nil.
func (p Platform) mapping() platform.Mapping {
	if p == "" {
		p = Reference
	}
	return mappings[p]
}

func (p Platform) spec() *platform.Spec {
	if m := p.mapping(); m != nil {
		return m.Spec()
	}
	return nil
}

func (p Platform) orDefault() Platform {
	if p == "" {
		return Reference
	}
	return p
}

// Supports reports whether p has action a at all. An unknown platform or
// action has nothing.
func (p Platform) Supports(a Action) bool {
	s := p.spec()
	return s != nil && slices.Contains(s.Actions, string(a))
}

// Can reports whether p's transition table allows a from s. An action p does
// not support, an unknown status, and a status only the client's own
// transition produces (an archived Aitronos key) allow nothing.
func (p Platform) Can(s Status, a Action) bool {
	sp := p.spec()
	return sp != nil && slices.Contains(sp.Table[string(s)], string(a))
}

// Next returns the status a leads to from s on p. An action p lacks is an
// *UnsupportedError; one its table refuses from s, a *TransitionError.
// ActionDelete leads to the empty Status: the key no longer exists.
func (p Platform) Next(s Status, a Action) (Status, error) {
	if !p.Supports(a) {
		return s, &UnsupportedError{Platform: p.orDefault(), Operation: string(a)}
	}
	if !p.Can(s, a) {
		return s, &TransitionError{Platform: p.orDefault(), From: s, Action: a}
	}
	return Status(platform.Target(string(a))), nil
}

// Actions returns what Can allows from s, in the order of the Action
// constants. The caller owns the slice.
func (p Platform) Actions(s Status) []Action {
	var out []Action
	for _, a := range allActions {
		if p.Can(s, a) {
			out = append(out, a)
		}
	}
	return out
}

// SuspendAction is the mildest way p has to stop a key and later restore it:
// pause, else deactivate, else archive where p also has reactivate. ok is
// false where p has none (then only revoke or delete remain).
func (p Platform) SuspendAction() (a Action, ok bool) {
	switch {
	case p.Supports(ActionPause):
		return ActionPause, true
	case p.Supports(ActionDeactivate):
		return ActionDeactivate, true
	case p.Supports(ActionArchive) && p.Supports(ActionReactivate):
		return ActionArchive, true
	}
	return "", false
}

// Field names a field of CreateParams, UpdateParams or ListParams: its Go
// name.
type Field string

// The fields, as Capabilities lists them.
const (
	FieldName            Field = platform.FieldName
	FieldScopes          Field = platform.FieldScopes
	FieldUsageLimitCHF   Field = platform.FieldUsageLimitCHF
	FieldClearUsageLimit Field = platform.FieldClearUsageLimit
	FieldExpiresAt       Field = platform.FieldExpiresAt
	FieldClearExpiresAt  Field = platform.FieldClearExpiresAt
	FieldPermissionMode  Field = platform.FieldPermissionMode
	FieldAccess          Field = platform.FieldAccess
	FieldProjectID       Field = platform.FieldProjectID
	FieldIdempotencyKey  Field = platform.FieldIdempotencyKey
	FieldStatus          Field = platform.FieldStatus
	FieldIncludeArchived Field = platform.FieldIncludeArchived
)

// Requirement says whether an option must, may or must not be given.
type Requirement string

// The requirements.
const (
	RequirementRequired Requirement = platform.OrgRequired
	RequirementOptional Requirement = platform.OrgOptional
	RequirementNone     Requirement = platform.OrgNone
)

// Capabilities is what a platform has. What it lacks is refused locally,
// with an *UnsupportedError and no request.
type Capabilities struct {
	Get, Update bool     // Create and List exist on every platform
	Actions     []Action // the lifecycle actions it has, in Action order
	Statuses    []Status // the statuses its answers can report
	// CreateFields are the CreateParams fields it carries; FieldName here
	// means Name is required, and its absence that Name is refused.
	CreateFields  []Field
	UpdateFields  []Field // the UpdateParams fields it carries
	ServerFilters []Field // ListParams fields the server applies; the client applies the rest
	MaxPageSize   int     // 0: one answer holds every key
	Organization  Requirement
	IntegerIDs    bool   // key IDs are decimal integers; others are refused locally
	Deduplicates  bool   // a retried mutation can never apply twice
	AuthHeader    string // the credential header ("" where WithAuthHeader is required)
	AuthScheme    string // written before the credential ("Bearer"), or ""
	// DefaultBaseURL is "" where WithBaseURL is required.
	DefaultBaseURL string
}

// Capabilities returns what p has, in fresh slices on every call. An
// unknown platform has nothing.
func (p Platform) Capabilities() Capabilities {
	s := p.spec()
	if s == nil {
		return Capabilities{}
	}
	return Capabilities{
		Get: s.Get, Update: s.Update,
		Actions:        convert[Action](s.Actions),
		Statuses:       convert[Status](s.Statuses),
		CreateFields:   convert[Field](s.CreateFields),
		UpdateFields:   convert[Field](s.UpdateFields),
		ServerFilters:  convert[Field](s.ServerFilters),
		MaxPageSize:    s.MaxPageSize,
		Organization:   Requirement(s.Organization),
		IntegerIDs:     s.IntegerIDs,
		Deduplicates:   s.Deduplicates,
		AuthHeader:     s.AuthHeader,
		AuthScheme:     s.AuthScheme,
		DefaultBaseURL: s.DefaultBaseURL,
	}
}

func convert[T ~string](in []string) []T {
	out := make([]T, len(in))
	for i, v := range in {
		out[i] = T(v)
	}
	return out
}
