package apikeystest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"time"
)

// Statuses and actions of the reference API, spelled as on the wire.
const (
	statusActive   = "active"
	statusPaused   = "paused"
	statusInactive = "inactive"
	statusArchived = "archived"
	statusRevoked  = "revoked"

	actionActivate   = "activate"
	actionDeactivate = "deactivate"
	actionPause      = "pause"
	actionUnpause    = "unpause"
	actionArchive    = "archive"
	actionReactivate = "reactivate"
	actionRevoke     = "revoke"
	actionDelete     = "delete"
	actionUpdate     = "update" // PATCH; not in the table, refused only on revoked keys

	// gone is where actionDelete leads: the key no longer exists.
	gone = ""

	// actor fills created_by and updated_by: the only credential is the admin key.
	actor = "admin"
)

// actionOrder is the fixed order of available_actions.
var actionOrder = [...]string{
	actionActivate, actionDeactivate, actionPause, actionUnpause,
	actionArchive, actionReactivate, actionRevoke, actionDelete,
}

// transitions is DESIGN.md's table, kept apart from the client's own copy on
// purpose: a fake that shared the client's table could not catch a wrong cell.
// A missing cell is a refused transition. Nothing writes it.
var transitions = map[string]map[string]string{
	statusActive: {
		actionDeactivate: statusInactive, actionPause: statusPaused,
		actionArchive: statusArchived, actionRevoke: statusRevoked,
	},
	statusPaused: {
		actionDeactivate: statusInactive, actionUnpause: statusActive,
		actionArchive: statusArchived, actionRevoke: statusRevoked,
	},
	statusInactive: {
		actionActivate: statusActive, actionArchive: statusArchived, actionRevoke: statusRevoked,
	},
	statusArchived: {
		actionReactivate: statusActive, actionRevoke: statusRevoked, actionDelete: gone,
	},
	statusRevoked: {
		actionDelete: gone,
	},
}

// pathActions are the actions reached with POST .../api-keys/{key}/{action};
// archive and delete are reached with DELETE instead.
var pathActions = map[string]bool{
	actionActivate: true, actionDeactivate: true, actionPause: true,
	actionUnpause: true, actionReactivate: true, actionRevoke: true,
}

func availableActions(status string) []string {
	out := make([]string, 0, 4)
	for _, a := range actionOrder {
		if _, ok := transitions[status][a]; ok {
			out = append(out, a)
		}
	}
	return out
}

// key is one stored API key. Only the hash and prefix of its secret are kept,
// as a real server would: the secret exists only in the create response.
type key struct {
	seq        uint64 // creation order; the list order
	id         string
	org        string
	name       string
	prefix     string
	secretHash [sha256.Size]byte
	status     string
	scopes     []string
	usageLimit *float64
	mode       string
	access     map[string]string
	projectID  string // "" = all projects
	createdBy  string
	updatedBy  string
	createdAt  time.Time
	updatedAt  time.Time
	expiresAt  time.Time // zero = none, and so below
	archivedAt time.Time
	revokedAt  time.Time

	// encoded caches the key object's JSON: a list page re-sends mostly
	// unchanged keys, and encoding dominates its cost. Whatever changes a key
	// sets it to nil.
	encoded []byte
}

// keyObject is the wire form of a key (DESIGN.md, "Key object").
type keyObject struct {
	ID               string            `json:"id"`
	OrganizationID   string            `json:"organization_id"`
	KeyName          string            `json:"key_name"`
	KeyPrefix        string            `json:"key_prefix"`
	Status           string            `json:"status"`
	IsActive         bool              `json:"is_active"`
	Scopes           []string          `json:"scopes"`
	UsageLimitCHF    *float64          `json:"usage_limit_chf"`
	PermissionMode   string            `json:"permission_mode"`
	Access           map[string]string `json:"access"`
	ProjectScope     projectScope      `json:"project_scope"`
	CreatedBy        string            `json:"created_by"`
	UpdatedBy        string            `json:"updated_by"`
	CreatedAt        string            `json:"created_at"`
	UpdatedAt        string            `json:"updated_at"`
	LastUsedAt       *string           `json:"last_used_at"`
	ExpiresAt        *string           `json:"expires_at"`
	ArchivedAt       *string           `json:"archived_at"`
	RevokedAt        *string           `json:"revoked_at"`
	AvailableActions []string          `json:"available_actions"`
	Key              string            `json:"key,omitempty"` // the secret; create only
}

// projectScope is {"all":{}} or {"single":{"project_id":"…"}}, on the wire and
// in request bodies alike.
type projectScope struct {
	All    *struct{}      `json:"all,omitempty"`
	Single *singleProject `json:"single,omitempty"`
}

type singleProject struct {
	ProjectID string `json:"project_id"`
}

func (k *key) object() keyObject {
	o := keyObject{
		ID:               k.id,
		OrganizationID:   k.org,
		KeyName:          k.name,
		KeyPrefix:        k.prefix,
		Status:           k.status,
		IsActive:         k.status == statusActive,
		Scopes:           k.scopes,
		UsageLimitCHF:    k.usageLimit,
		PermissionMode:   k.mode,
		Access:           k.access,
		CreatedBy:        k.createdBy,
		UpdatedBy:        k.updatedBy,
		CreatedAt:        formatTime(k.createdAt),
		UpdatedAt:        formatTime(k.updatedAt),
		ExpiresAt:        optionalTime(k.expiresAt),
		ArchivedAt:       optionalTime(k.archivedAt),
		RevokedAt:        optionalTime(k.revokedAt),
		AvailableActions: availableActions(k.status),
	}
	// Empty collections go out as [] and {}, never null.
	if o.Scopes == nil {
		o.Scopes = []string{}
	}
	if o.Access == nil {
		o.Access = map[string]string{}
	}
	if k.projectID == "" {
		o.ProjectScope.All = &struct{}{}
	} else {
		o.ProjectScope.Single = &singleProject{ProjectID: k.projectID}
	}
	return o
}

func (k *key) json() []byte {
	if k.encoded == nil {
		k.encoded = mustMarshal(k.object())
	}
	return k.encoded
}

// changed records a modification: the time, the actor, and a stale cache.
func (k *key) changed(now time.Time) {
	k.updatedAt = now
	k.updatedBy = actor
	k.encoded = nil
}

// apply performs a transition the table allows; the caller has checked it.
func (k *key) apply(action string, now time.Time) {
	switch action {
	case actionArchive:
		k.archivedAt = now
	case actionReactivate:
		k.archivedAt = time.Time{}
	case actionRevoke:
		k.revokedAt = now
	}
	k.status = transitions[k.status][action]
	k.changed(now)
}

// store holds the keys of the one organization the server serves.
type store struct {
	byID    map[string]*key
	ordered []*key // ascending seq, so lists need no sort
	nextSeq uint64
}

func (st *store) add(k *key) {
	if st.byID == nil {
		st.byID = make(map[string]*key)
	}
	st.nextSeq++
	k.seq = st.nextSeq
	st.byID[k.id] = k
	st.ordered = append(st.ordered, k)
}

func (st *store) remove(k *key) {
	delete(st.byID, k.id)
	if i, ok := slices.BinarySearchFunc(st.ordered, k.seq, func(e *key, seq uint64) int {
		switch {
		case e.seq < seq:
			return -1
		case e.seq > seq:
			return 1
		}
		return 0
	}); ok {
		st.ordered = slices.Delete(st.ordered, i, i+1)
	}
}

// listQuery is a validated GET .../api-keys query.
type listQuery struct {
	page, pageSize  int
	status          string // "" = any
	includeArchived bool
}

func (q *listQuery) matches(k *key) bool {
	if q.status != "" {
		// Asking for archived keys by status shows them without include_archived.
		return k.status == q.status
	}
	return q.includeArchived || k.status != statusArchived
}

// list encodes one page of the keys q selects, in creation order. Only the
// keys on the page are encoded; the rest are only counted.
func (st *store) list(q listQuery) []byte {
	first := len(st.ordered) // past every key: an empty page
	if q.page-1 <= len(st.ordered)/q.pageSize {
		first = (q.page - 1) * q.pageSize // cannot overflow inside this bound
	}
	total, n := 0, 0
	buf := make([]byte, 0, 256+q.pageSize*700)
	buf = append(buf, `{"api_keys":[`...)
	for _, k := range st.ordered {
		if !q.matches(k) {
			continue
		}
		if total >= first && n < q.pageSize {
			if n > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, k.json()...)
			n++
		}
		total++
	}
	pages := (total + q.pageSize - 1) / q.pageSize
	buf = append(buf, `],"pagination":{"page":`...)
	buf = strconv.AppendInt(buf, int64(q.page), 10)
	buf = append(buf, `,"page_size":`...)
	buf = strconv.AppendInt(buf, int64(q.pageSize), 10)
	buf = append(buf, `,"total_count":`...)
	buf = strconv.AppendInt(buf, int64(total), 10)
	buf = append(buf, `,"total_pages":`...)
	buf = strconv.AppendInt(buf, int64(pages), 10)
	return append(buf, "}}"...)
}

// newSecret returns a fresh secret and the two things kept of it.
func newSecret() (secret, prefix string, hash [sha256.Size]byte) {
	secret = "ak_live_" + randomHex(32)
	return secret, secret[:12], sha256.Sum256([]byte(secret))
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails since Go 1.24; it crashes the program instead
	return hex.EncodeToString(b)
}

// timeLayout is RFC 3339 with all nine fraction digits, so every timestamp has
// the same width and sorts as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func optionalTime(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := formatTime(t)
	return &s
}

func mustMarshal(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only strings, finite numbers and string maps are encoded here.
		panic("apikeystest: encoding response: " + err.Error())
	}
	return b
}
