// Package confidentai is the platform mapping of Confident AI's organization
// API keys: paths under /v1/organization/api-keys, the
// {"success":true,"data":{"apiKey":{…}}} envelope and the
// {"success":false,"error":"<message>"} failure envelope.
//
// Sources: the vendor's page "Update Organization API Key"
// (vendor-docs/confident-ai-update-key.txt), the extract of Confident AI's
// published OpenAPI document (vendor-docs/specs/confident-ai-api-keys.yaml:
// confident-ai/confident-docs, fern/openapi.yaml @ 0d3754db) and the
// Confident AI section of vendor-docs/PLATFORMS.md. Everything the mapping
// does is shown there; what they do not show (update of the name, pause,
// archive, paging, filters, idempotency keys, request IDs) is unsupported.
package confidentai

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/apikeys-go/apikeys/internal/jsonscan"
	"github.com/apikeys-go/apikeys/internal/platform"
)

// Mapping implements platform.Mapping for Confident AI. The zero value is
// ready to use and holds no state.
type Mapping struct{}

var _ platform.Mapping = Mapping{}

// spec is DESIGN.md's capability and transition table for Confident AI.
//
// The "on / off" switch is the key's `valid` flag (PUT {"valid":…}), which
// is reversible, so off is `inactive` (DESIGN.md, status normalization).
// DELETE is permanent — Confident AI calls it "revoke" but keeps no record,
// so it is the SDK's delete, never its revoke (principle 1). The docs are
// silent on whether a deactivated key can be deleted; principle 7 lets the
// server decide, so both statuses allow delete.
var spec = platform.Spec{
	Name:           "confident-ai",
	DefaultBaseURL: "https://api.confident-ai.com",
	// Spelled as the vendor documents it; the transport assigns it to the
	// header map directly, so HTTP/1.1 keeps the underscores and casing.
	AuthHeader:   "CONFIDENT_API_KEY",
	AuthScheme:   "", // the organization key is sent raw
	Organization: platform.OrgNone,
	Get:          true,
	Update:       false, // PUT carries only `valid`: it is a transition, not an update
	Actions:      []string{platform.ActionActivate, platform.ActionDeactivate, platform.ActionDelete},
	Statuses:     []string{platform.StatusActive, platform.StatusInactive},
	Table: map[string][]string{
		platform.StatusActive:   {platform.ActionDeactivate, platform.ActionDelete},
		platform.StatusInactive: {platform.ActionActivate, platform.ActionDelete},
	},
	CreateFields:     []string{platform.FieldName},
	UpdateFields:     nil,
	ServerFilters:    nil,
	MaxPageSize:      0, // List answers every key at once
	IntegerIDs:       true,
	Deduplicates:     false,
	RequestIDHeaders: nil, // the vendor documents none
}

// Spec returns the one package-level Spec.
func (Mapping) Spec() *platform.Spec { return &spec }

// collection is the path PLATFORMS.md shows after the base URL, so the EU
// host (https://eu.api.confident-ai.com) is a drop-in base.
const collection = "/v1/organization/api-keys"

// maxListBody bounds the one List answer that holds every key (DESIGN.md,
// "Bodies").
const maxListBody = 64 << 20

// Encode builds the request for op. The client has checked op against the
// Spec; the checks repeated here are the ones whose failure would send a
// request that means something else (an empty key ID turns DELETE /{id} into
// DELETE on the collection) or drop a setting silently.
func (Mapping) Encode(op platform.Operation) (platform.Request, error) {
	switch op.Kind {
	case platform.KindCreate:
		return encodeCreate(&op)
	case platform.KindList:
		// No query: the vendor has no paging or filters.
		return platform.Request{Method: http.MethodGet, Path: collection, Retry: platform.RetryAlways, MaxBody: maxListBody}, nil
	case platform.KindUpdate:
		return platform.Request{}, &platform.Unsupported{Reason: "confident-ai: a key's fields cannot be updated"}
	case platform.KindGet, platform.KindTransition:
	default:
		return platform.Request{}, &platform.Unsupported{Reason: "confident-ai: unknown operation"}
	}
	if !platform.IsDecimal(op.KeyID) {
		return platform.Request{}, &platform.Invalid{Field: "KeyID", Reason: "confident-ai key IDs are decimal integers"}
	}
	one := collection + "/" + url.PathEscape(op.KeyID)
	if op.Kind == platform.KindGet {
		return platform.Request{Method: http.MethodGet, Path: one, Retry: platform.RetryAlways}, nil
	}
	switch op.Action {
	case platform.ActionActivate, platform.ActionDeactivate:
		// PUT {"valid":…} sets a fixed target, so a repeat does no harm.
		return platform.Request{Method: http.MethodPut, Path: one, Body: actionBody[op.Action], Retry: platform.RetryAlways}, nil
	case platform.ActionDelete:
		return platform.Request{Method: http.MethodDelete, Path: one, Retry: platform.RetryAlways}, nil
	}
	return platform.Request{}, &platform.Unsupported{Reason: "confident-ai has no " + op.Action + " action"}
}

// createBody is CreateApiKey: `name` is required and the only field.
type createBody struct {
	Name string `json:"name"`
}

// validBody is UpdateApiKey: `valid` is required and the only field.
type validBody struct {
	Valid bool `json:"valid"`
}

// actionBody is the PUT body of Activate, {"valid":true}, and of
// Deactivate, {"valid":false}, marshaled once: the same bytes on every
// call, as a Request's Body is never written to.
var actionBody = func() map[string][]byte {
	m := map[string][]byte{}
	for action, valid := range map[string]bool{platform.ActionActivate: true, platform.ActionDeactivate: false} {
		b, err := json.Marshal(validBody{Valid: valid})
		if err != nil {
			panic(err) // a struct of one bool always marshals
		}
		m[action] = b
	}
	return m
}()

// encodeCreate refuses every set field but Name (principle 3: a dropped
// Scopes or ExpiresAt would make the key more powerful or longer-lived than
// asked). No idempotency key is placed: the vendor documents none, and the
// create is resent only when it surely was not sent. Confident AI's create
// accepts nothing Key does not model, so there is no Carry: op.Create.Carry
// is ignored whatever it holds.
func encodeCreate(op *platform.Operation) (platform.Request, error) {
	c := op.Create
	if c == nil || c.Name == "" {
		return platform.Request{}, &platform.Invalid{Field: platform.FieldName, Reason: "required by confident-ai"}
	}
	unsupported := func(field string) (platform.Request, error) {
		return platform.Request{}, &platform.Unsupported{Field: field, Reason: "confident-ai's create takes only a name"}
	}
	switch {
	case c.Scopes != nil:
		return unsupported(platform.FieldScopes)
	case c.UsageLimitCHF != nil:
		return unsupported(platform.FieldUsageLimitCHF)
	case c.ExpiresAt != nil:
		return unsupported(platform.FieldExpiresAt)
	case c.PermissionMode != "":
		return unsupported(platform.FieldPermissionMode)
	case c.Access != nil:
		return unsupported(platform.FieldAccess)
	case c.ProjectID != "":
		return unsupported(platform.FieldProjectID)
	case op.IdempotencyKey != "":
		return platform.Request{}, &platform.Unsupported{Field: platform.FieldIdempotencyKey, Reason: "confident-ai does not deduplicate requests"}
	}
	body, err := json.Marshal(createBody{Name: c.Name})
	return platform.Request{Method: http.MethodPost, Path: collection, Body: body, Retry: platform.RetryUnsent}, err
}

// Decode reads a 2xx answer to op. Every Confident AI answer is 200 with
// "success"; one whose "success" is false is the failure envelope and
// becomes a *platform.Error.
func (Mapping) Decode(op platform.Operation, a *platform.Answer) (platform.Result, error) {
	env := readEnvelope(a.Body, op.Kind == platform.KindList)
	if env.success != nil && !*env.success {
		// The envelope has a message and no code. Its HTTP status (2xx) says
		// nothing either, so Status stays 0 and Class ClassNone: the message
		// is free text, and guessing a class from it would be inventing one.
		return platform.Result{}, &platform.Error{Message: env.message}
	}
	switch op.Kind {
	case platform.KindCreate:
		return decodeCreate(&env)
	case platform.KindList:
		return decodeList(&env)
	case platform.KindTransition:
		if op.Action == platform.ActionDelete {
			// {"success":true,"data":{"id":12,"deleted":true}}: nothing to return,
			// but an answer that says outright that nothing was deleted must
			// not pass for a deleted key that still authenticates.
			if env.deleted != nil && !*env.deleted {
				return platform.Result{}, &decodeError{"data.deleted", problemNotDelete}
			}
			return platform.Result{}, nil
		}
		return decodeTransition(&op, &env), nil
	}
	return decodeOne(&env) // KindGet (and KindUpdate, which Encode refuses)
}

func decodeCreate(env *envelope) (platform.Result, error) {
	if env.apiKey == nil {
		return platform.Result{}, firstError(env.err, env.apiKeyError("data.apiKey"))
	}
	k, secret, err := decodeKey(env.apiKey, true)
	if k.ID == "" || secret == "" {
		// The key may exist, but without its ID and secret there is nothing
		// the caller can use; the error names the field that failed.
		return platform.Result{}, firstError(err.at("data.apiKey"), env.err)
	}
	// Suffix stays "": it comes only from a masked value, and the create
	// answer holds the full one, which goes to Secret alone.
	return platform.Result{Key: k, Secret: secret}, firstError(err.at("data.apiKey"), env.err)
}

func decodeOne(env *envelope) (platform.Result, error) {
	if env.err != nil {
		return platform.Result{}, env.err
	}
	if env.apiKey == nil {
		return platform.Result{}, env.apiKeyError("data.apiKey")
	}
	k, _, err := decodeKey(env.apiKey, false)
	if k.ID == "" {
		return platform.Result{}, err.at("data.apiKey")
	}
	return platform.Result{Key: k}, err.at("data.apiKey")
}

// decodeTransition reads the answer to activate or deactivate: the key
// object the docs show, else a Partial key. The action was applied (the
// answer is 2xx), so an answer that is no key object is not an error.
func decodeTransition(op *platform.Operation, env *envelope) platform.Result {
	if env.apiKey != nil {
		k, _, err := decodeKey(env.apiKey, false)
		if err == nil || k.ID != "" {
			// A field that failed (say created_at) costs only that field:
			// the transition itself succeeded.
			return platform.Result{Key: k}
		}
		if err.field != "" { // an object without a usable id: keep what it held
			k.ID, k.Partial = op.KeyID, true
			return platform.Result{Key: k}
		}
	}
	k := platform.Key{ID: op.KeyID, Partial: true}
	if env.valid != nil {
		k.Status, k.PlatformStatus = status(*env.valid)
	}
	return platform.Result{Key: k}
}

func decodeList(env *envelope) (platform.Result, error) {
	if env.err != nil {
		return platform.Result{}, env.err
	}
	if !env.listSet {
		return platform.Result{}, env.listError()
	}
	// Every key is in this one answer: Next stays "".
	return platform.Result{Keys: env.keys}, env.listErr
}

// DecodeError reads a non-2xx answer: {"success":false,"error":"<message>",
// "deprecated":false}. The vendor has no machine codes, so Code and Class
// stay empty and the HTTP status classifies; the message is kept as the
// envelope has it. A body whose "error" is not a string is not the envelope.
func (Mapping) DecodeError(_ platform.Operation, a *platform.Answer) platform.Error {
	var m map[string]json.RawMessage
	if json.Unmarshal(a.Body, &m) != nil {
		return platform.Error{}
	}
	msg, isString := jsonscan.String(m["error"])
	if !isString {
		return platform.Error{}
	}
	if ok, isBool := jsonscan.Bool(m["success"]); isBool && ok {
		return platform.Error{} // says it succeeded: not the failure envelope
	}
	return platform.Error{Message: msg}
}
