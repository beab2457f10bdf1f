package apikeystest

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/apikeys-go/apikeys"
)

// ErrUnrepresentable is what AddKey's error wraps when the key it is given
// is not one the server's platform can hold or show: a status the platform
// does not have, a field its key object lacks, or times out of order.
var ErrUnrepresentable = errors.New("apikeystest: AddKey: the platform cannot represent the key")

// AddKey stores a key as if it had been created through the API and had
// then lived as k describes, and returns it as stored with its secret. It
// sends nothing over the wire and records no request. Tests use it to start
// from keys in any status, with chosen timestamps: a key last used a year
// ago, one that expired yesterday, a revoked one. From then on the key is an
// ordinary one: listed, read, updated and moved through the platform's table
// over the wire like a key made by a create.
//
// k's fields say what the key holds:
//   - Status: "" is active. It must be one the platform has (see
//     apikeys.Capabilities.Statuses); an Aitronos key may be archived, and
//     is then found nowhere, as a soft-deleted key there is.
//   - Name, Scopes, UsageLimitCHF, PermissionMode, Access, ProjectID: as a
//     create would take them, checked as the platform's create checks them.
//     Name is required wherever the platform has names (not on Prefactor).
//     On Prefactor, ProjectID is the environment_id, and the token's
//     token_scope is "environment" with one and "account" without; an orq.ai
//     key is owned by the service account.
//   - CreatedAt: the server's clock when zero. UpdatedAt: when zero, the
//     latest of CreatedAt, ArchivedAt and RevokedAt.
//   - LastUsedAt: when the key last authenticated; nil for never.
//   - ExpiresAt: may lie in the past (the key has expired); nil for never,
//     except on Prefactor, whose tokens always expire: a year after CreatedAt
//     unless set.
//   - ArchivedAt (only with status archived, or revoked after an archive) and
//     RevokedAt (only with status revoked): the server's clock when the
//     status needs them and they are nil.
//   - CreatedBy and UpdatedBy: the server's admin user when empty.
//   - OrganizationID (where the platform shows one) and Platform may be
//     left empty or name the server's.
//
// Times keep the precision the platform's answers show (Sysevo and Prefactor
// whole seconds, Confident AI milliseconds) and must not lie after the
// server's clock, nor any before CreatedAt. Everything the server chooses
// itself must be left empty: ID, Prefix, Suffix, PlatformStatus, Partial,
// AvailableActions.
//
// AddKey refuses, with an error wrapping ErrUnrepresentable, any field the
// platform's key object does not carry (Scopes on orq.ai, LastUsedAt on
// Aitronos, RevokedAt anywhere but the reference API, …): a field silently
// dropped would make a test pass for the wrong reason. Nothing is stored
// then.
//
// The returned key is k with what the server chose or defaulted filled in
// as a client reading it would see it: ID, Platform, Status, the trimmed
// Name, Prefix (or Suffix, on Confident AI) and OrganizationID where the
// platform's answers show them, PermissionMode, CreatedBy, UpdatedBy and
// the times, in UTC at the platform's precision. The secret authenticates
// where the platform's keys do (Confident AI) and never appears in an
// answer. Keys are listed in the order they were added, which is their
// creation order to the server whatever CreatedAt says.
func (s *Server) AddKey(k apikeys.Key) (*apikeys.Key, string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now().UTC()
	rules := s.seedRules()
	out := k
	sk, err := rules.check(&out, s, now)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s: %w", ErrUnrepresentable, s.platform, err)
	}
	secret := s.mint(sk, now)
	out.ID = sk.id
	out.Platform = s.platform
	switch {
	case rules.suffix:
		out.Suffix = secret[len(secret)-confidentShown:]
	case rules.prefix:
		out.Prefix = sk.prefix
	}
	return &out, secret, nil
}

// unrepresentable is AddKey's refusal of one field; AddKey wraps it with
// ErrUnrepresentable and the platform.
func unrepresentable(field, reason string) error {
	return errors.New(field + " " + reason)
}

// seedRules is what one platform's key object carries: the fields of
// apikeys.Key that AddKey may set, and how it shows them.
type seedRules struct {
	statuses  []string        // statuses its keys can be in
	fields    map[string]bool // settable fields of apikeys.Key, by Go name
	org       bool            // its answers show the organization
	prefix    bool            // they show the secret's prefix
	suffix    bool            // they show the secret's last characters
	precision time.Duration   // of its timestamps
	actor     string          // created_by and updated_by by default
	named     bool            // Name is required (else refused)
	lifetime  time.Duration   // a key without ExpiresAt expires this long after CreatedAt; 0: never
}

func fieldSet(names ...string) map[string]bool {
	m := make(map[string]bool, len(names))
	for _, n := range names {
		m[n] = true
	}
	return m
}

// seedRules returns the rules of the server's wire. They restate, per
// platform, what its key object encodes (wire_<platform>.go); a test holds
// them to apikeys.Capabilities.
func (s *Server) seedRules() seedRules {
	switch w := s.wire.(type) {
	case *aitronosWire:
		return seedRules{
			statuses: []string{statusActive, statusPaused, statusInactive, statusArchived},
			fields:   fieldSet("Name", "Scopes", "UsageLimitCHF", "CreatedBy", "ExpiresAt"),
			org:      true, prefix: true, precision: time.Nanosecond, actor: aitronosActor, named: true,
		}
	case *orqWire:
		return seedRules{
			statuses: []string{statusActive, statusInactive, statusRevoked},
			fields: fieldSet("Name", "PermissionMode", "Access", "ProjectID", "CreatedBy", "UpdatedBy",
				"UpdatedAt", "LastUsedAt", "ExpiresAt"),
			org: !w.older, prefix: true, precision: time.Nanosecond, actor: orqActor, named: true,
		}
	case *sysevoWire:
		return seedRules{
			statuses: []string{statusActive, statusArchived},
			fields:   fieldSet("Name", "LastUsedAt", "ArchivedAt"),
			prefix:   true, precision: time.Second, named: true,
		}
	case *confidentWire:
		return seedRules{
			statuses: []string{statusActive, statusInactive},
			fields:   fieldSet("Name", "LastUsedAt"),
			suffix:   true, precision: time.Millisecond, named: true,
		}
	case *prefactorWire:
		return seedRules{
			statuses: []string{statusActive, statusInactive, statusRevoked},
			fields:   fieldSet("ProjectID", "CreatedBy", "UpdatedAt", "LastUsedAt", "ExpiresAt"),
			org:      true, precision: time.Second, actor: w.admin, lifetime: prefactorDefaultLifetime,
		}
	}
	return seedRules{ // the reference API shows everything
		statuses: []string{statusActive, statusPaused, statusInactive, statusArchived, statusRevoked},
		fields: fieldSet("Name", "Scopes", "UsageLimitCHF", "PermissionMode", "Access", "ProjectID",
			"CreatedBy", "UpdatedBy", "UpdatedAt", "LastUsedAt", "ExpiresAt", "ArchivedAt", "RevokedAt"),
		org: true, prefix: true, precision: time.Nanosecond, actor: referenceActor, named: true,
	}
}

// check validates k against the rules, fills in its defaults, and returns
// the store's key for it (without ID or secret).
func (r seedRules) check(k *apikeys.Key, s *Server, now time.Time) (*key, error) {
	if err := r.checkServerFields(k, s); err != nil {
		return nil, err
	}
	if k.OrganizationID != "" && !r.org {
		return nil, unrepresentable("OrganizationID", "is not part of this platform's key object")
	}
	// In the order of apikeys.Key, so that the first refusal is stable.
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"Name", k.Name != ""}, {"Scopes", k.Scopes != nil}, {"UsageLimitCHF", k.UsageLimitCHF != nil},
		{"PermissionMode", k.PermissionMode != ""}, {"Access", k.Access != nil}, {"ProjectID", k.ProjectID != ""},
		{"CreatedBy", k.CreatedBy != ""}, {"UpdatedBy", k.UpdatedBy != ""}, {"UpdatedAt", !k.UpdatedAt.IsZero()},
		{"LastUsedAt", k.LastUsedAt != nil}, {"ExpiresAt", k.ExpiresAt != nil},
		{"ArchivedAt", k.ArchivedAt != nil}, {"RevokedAt", k.RevokedAt != nil},
	} {
		if f.set && !r.fields[f.name] {
			return nil, unrepresentable(f.name, "is not part of this platform's key object")
		}
	}
	if k.Status == "" {
		k.Status = apikeys.StatusActive
	}
	sk := &key{org: s.org, status: string(k.Status)}
	if !slices.Contains(r.statuses, sk.status) {
		return nil, unrepresentable("Status", fmt.Sprintf("%q is not a status of this platform (it has %q)", k.Status, r.statuses))
	}
	if err := r.checkValues(k, sk, s); err != nil {
		return nil, err
	}
	if err := r.checkTimes(k, sk, now); err != nil {
		return nil, err
	}
	if r.org {
		k.OrganizationID = s.org
	}
	if r.actor != "" {
		sk.createdBy, sk.updatedBy = r.actor, r.actor
		if k.CreatedBy != "" {
			sk.createdBy = k.CreatedBy
		}
		if k.UpdatedBy != "" {
			sk.updatedBy = k.UpdatedBy
		}
		if r.fields["CreatedBy"] {
			k.CreatedBy = sk.createdBy
		}
		if r.fields["UpdatedBy"] {
			k.UpdatedBy = sk.updatedBy
		}
	}
	return sk, nil
}

// checkServerFields refuses what the server chooses itself, and an
// organization or platform other than the server's.
func (r seedRules) checkServerFields(k *apikeys.Key, s *Server) error {
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"ID", k.ID != ""}, {"Prefix", k.Prefix != ""}, {"Suffix", k.Suffix != ""},
		{"PlatformStatus", k.PlatformStatus != ""}, {"Partial", k.Partial},
		{"AvailableActions", k.AvailableActions != nil},
	} {
		if f.set {
			return unrepresentable(f.name, "is chosen by the server: leave it empty")
		}
	}
	if k.Platform != "" && k.Platform != s.platform {
		return unrepresentable("Platform", fmt.Sprintf("%q is not the server's platform", k.Platform))
	}
	if k.OrganizationID != "" && k.OrganizationID != s.org {
		return unrepresentable("OrganizationID", fmt.Sprintf("%q is not the server's organization %q", k.OrganizationID, s.org))
	}
	return nil
}

// checkValues checks the settings as the platform's create would and copies
// them into sk.
func (r seedRules) checkValues(k *apikeys.Key, sk *key, s *Server) error {
	// A wire's own validation answers in its wire words; AddKey's error
	// names the Go field and keeps the reason.
	refuse := func(field string, e *apiError) error {
		reason, _ := e.details["reason"].(string)
		return unrepresentable(field, reason)
	}
	_, isRef := s.wire.(*referenceWire)
	_, isOrq := s.wire.(*orqWire)
	switch {
	case !r.named:
	case k.Name == "" || strings.TrimSpace(k.Name) == "":
		return unrepresentable("Name", "is required on this platform")
	case isRef:
		name, e := validName(&k.Name)
		if e != nil {
			return refuse("Name", e)
		}
		k.Name = name
	}
	sk.name = k.Name
	if _, e := validScopes(k.Scopes); e != nil {
		return refuse("Scopes", e)
	}
	if len(k.Scopes) > 0 {
		sk.scopes = slices.Clone(k.Scopes)
	}
	if p := k.UsageLimitCHF; p != nil {
		if math.IsNaN(*p) || math.IsInf(*p, 0) {
			return unrepresentable("UsageLimitCHF", "must be a finite number")
		}
		if e := validUsageLimit(p); e != nil {
			return refuse("UsageLimitCHF", e)
		}
		v := *p
		sk.usageLimit = &v
	}
	if isRef || isOrq {
		if k.PermissionMode == "" {
			k.PermissionMode = apikeys.PermissionMode(modeAll)
		}
		if e := validMode(string(k.PermissionMode)); e != nil {
			return refuse("PermissionMode", e)
		}
		sk.mode = string(k.PermissionMode)
		if err := r.checkAccess(k, isOrq); err != nil {
			return err
		}
		if len(k.Access) > 0 {
			sk.access = make(map[string]string, len(k.Access))
			for d, l := range k.Access {
				sk.access[d] = l
			}
		}
	}
	if k.ProjectID != "" && strings.TrimSpace(k.ProjectID) == "" {
		return unrepresentable("ProjectID", "must not be blank")
	}
	sk.projectID = k.ProjectID
	switch s.wire.(type) {
	case *orqWire:
		sk.extra = map[string]json.RawMessage{"owner": mustMarshal(orqOwner{ServiceAccount: &struct{}{}})}
	case *prefactorWire:
		scope := "account"
		if k.ProjectID != "" {
			scope = "environment"
		}
		sk.extra = map[string]json.RawMessage{prefactorScope: mustMarshal(scope)}
	}
	return nil
}

// checkAccess checks Access against PermissionMode: a restricted key needs
// some, and on orq.ai, which ignores access otherwise, only a restricted key
// may have any, in the levels it knows.
func (r seedRules) checkAccess(k *apikeys.Key, orq bool) error {
	restricted := k.PermissionMode == apikeys.PermissionMode(modeRestricted)
	switch {
	case restricted && len(k.Access) == 0:
		return unrepresentable("Access", "is required when PermissionMode is restricted")
	case orq && !restricted && len(k.Access) > 0:
		return unrepresentable("Access", "is ignored by orq.ai unless PermissionMode is restricted")
	}
	for d, l := range k.Access {
		if strings.TrimSpace(d) == "" || l == "" {
			return unrepresentable("Access", "must not hold a blank resource or level")
		}
		if orq && l != "none" && l != "read" && l != "write" {
			return unrepresentable("Access", fmt.Sprintf("level %q of %q is not none, read or write", l, d))
		}
	}
	return nil
}

// checkTimes fills in the default times, truncates every time to the
// platform's precision, checks their order and copies them into sk.
func (r seedRules) checkTimes(k *apikeys.Key, sk *key, now time.Time) error {
	trunc := func(t time.Time) time.Time { return t.UTC().Truncate(r.precision) }
	opt := func(p *time.Time) *time.Time {
		if p == nil {
			return nil
		}
		t := trunc(*p)
		return &t
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = now
	}
	k.CreatedAt = trunc(k.CreatedAt)
	k.LastUsedAt, k.ExpiresAt = opt(k.LastUsedAt), opt(k.ExpiresAt)
	k.ArchivedAt, k.RevokedAt = opt(k.ArchivedAt), opt(k.RevokedAt)

	// The times a status implies, and only those.
	archived := k.Status == apikeys.StatusArchived
	revoked := k.Status == apikeys.StatusRevoked
	switch {
	case k.ArchivedAt != nil && !archived && !revoked:
		return unrepresentable("ArchivedAt", fmt.Sprintf("is set but the key is %s, not archived", k.Status))
	case k.RevokedAt != nil && !revoked:
		return unrepresentable("RevokedAt", fmt.Sprintf("is set but the key is %s, not revoked", k.Status))
	}
	sk.archivedAt, sk.revokedAt = timeOrZero(k.ArchivedAt), timeOrZero(k.RevokedAt)
	if archived && sk.archivedAt.IsZero() {
		sk.archivedAt = trunc(now)
	}
	if revoked && sk.revokedAt.IsZero() {
		sk.revokedAt = trunc(now)
	}
	if r.fields["ArchivedAt"] && !sk.archivedAt.IsZero() {
		k.ArchivedAt = opt(&sk.archivedAt)
	}
	if r.fields["RevokedAt"] && !sk.revokedAt.IsZero() {
		k.RevokedAt = opt(&sk.revokedAt)
	}
	if k.ExpiresAt == nil && r.lifetime > 0 {
		t := trunc(k.CreatedAt.Add(r.lifetime))
		k.ExpiresAt = &t
	}
	updated := k.UpdatedAt
	if updated.IsZero() {
		updated = latest(k.CreatedAt, sk.archivedAt, sk.revokedAt)
	}
	updated = trunc(updated)

	if k.CreatedAt.After(now) {
		return unrepresentable("CreatedAt", "lies after the server's clock (see WithClock)")
	}
	for _, t := range []struct {
		name string
		at   time.Time
	}{
		{"UpdatedAt", updated}, {"LastUsedAt", timeOrZero(k.LastUsedAt)},
		{"ArchivedAt", sk.archivedAt}, {"RevokedAt", sk.revokedAt},
	} {
		switch {
		case t.at.IsZero():
		case t.at.Before(k.CreatedAt):
			return unrepresentable(t.name, "lies before CreatedAt")
		case t.at.After(now):
			return unrepresentable(t.name, "lies after the server's clock (see WithClock)")
		}
	}
	if updated.Before(latest(sk.archivedAt, sk.revokedAt)) {
		return unrepresentable("UpdatedAt", "lies before the key's last change of status")
	}
	if k.ExpiresAt != nil && !k.ExpiresAt.After(k.CreatedAt) {
		return unrepresentable("ExpiresAt", "must lie after CreatedAt")
	}
	sk.createdAt, sk.updatedAt = k.CreatedAt, updated
	sk.lastUsedAt, sk.expiresAt = timeOrZero(k.LastUsedAt), timeOrZero(k.ExpiresAt)
	k.UpdatedAt = time.Time{}
	if r.fields["UpdatedAt"] {
		k.UpdatedAt = updated
	}
	return nil
}

func timeOrZero(p *time.Time) time.Time {
	if p == nil {
		return time.Time{}
	}
	return *p
}

func latest(ts ...time.Time) time.Time {
	var out time.Time
	for _, t := range ts {
		if t.After(out) {
			out = t
		}
	}
	return out
}

// mint gives sk an ID and a secret in the server's platform's forms, as its
// create does, and adds it to the store. The caller holds s.mu.
func (s *Server) mint(sk *key, now time.Time) string {
	var secret string
	newID := func(uint64) string { return "key_" + randomHex(12) }
	decimal := func(seq uint64) string { return strconv.FormatUint(seq, 10) }
	switch w := s.wire.(type) {
	case *aitronosWire:
		secret = newSecret("oak_live_")
		sk.keepSecret(secret, aitronosPrefixLen)
		newID = func(uint64) string { return "ak_" + randomHex(8) }
	case *orqWire:
		// From the server's clock, not CreatedAt: orq.ai's list needs IDs
		// that sort in the store's order.
		id := w.newID(now)
		secret = orqTokenStart + id + "-" + randomHex(32)
		sk.keepSecret(secret, orqPrefixLen)
		newID = func(uint64) string { return id }
	case *sysevoWire:
		secret = sysevoSecretStart + randomHex(18)
		sk.keepSecret(secret, sysevoPrefixLen)
		newID = decimal
	case *confidentWire:
		secret = confidentSecretStart + randomHex(16)
		sk.keepSecret(secret, 0)
		sk.extra = map[string]json.RawMessage{"value": mustMarshal(confidentMask + secret[len(secret)-confidentShown:])}
		newID = decimal
	case *prefactorWire:
		id := prefactorNewID()
		secret = prefactorSecret(id, sk.createdAt)
		sk.keepSecret(secret, 0)
		newID = func(uint64) string { return id }
	default:
		secret = newSecret("ak_live_")
		sk.keepSecret(secret, 12)
	}
	s.keys.add(sk, newID)
	return secret
}
