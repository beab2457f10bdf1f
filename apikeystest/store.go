package apikeystest

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"time"
)

// Statuses and actions in the SDK's words. The store speaks only these; each
// wire translates them to and from its platform's.
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
	actionUpdate     = "update" // a field change; in no table, named in refusals

	// gone is where actionDelete leads: the key no longer exists.
	gone = ""
)

// actionOrder is the SDK's order of actions, for lists of them.
var actionOrder = [...]string{
	actionActivate, actionDeactivate, actionPause, actionUnpause,
	actionArchive, actionReactivate, actionRevoke, actionDelete,
}

// table is one platform's transition table: status → action → the status it
// leads to (gone for a permanent delete). A missing cell is refused. Each wire
// keeps its own, copied from DESIGN.md or the vendor's material, and never the
// client's: a fake sharing the client's table could not catch a wrong cell.
type table map[string]map[string]string

// allows reports whether action is allowed from status, and where it leads.
func (t table) allows(status, action string) (to string, ok bool) {
	to, ok = t[status][action]
	return to, ok
}

// actions lists what status allows, in the SDK's action order.
func (t table) actions(status string) []string {
	out := make([]string, 0, 4)
	for _, a := range actionOrder {
		if _, ok := t[status][a]; ok {
			out = append(out, a)
		}
	}
	return out
}

// key is one stored API key, in the SDK's words whatever wire serves it. Of
// its secret only the hash and the public prefix are kept, as a real server
// would: the secret itself exists only in the create answer.
//
// A key may be in any status with any timestamps: the store checks nothing;
// the wires enforce their platform's rules on what arrives over HTTP.
type key struct {
	seq        uint64 // creation order: the list order, and what cursors point at
	id         string // made by the wire: "key_…", "ak_…" or a decimal integer
	org        string
	name       string
	prefix     string
	secretHash [sha256.Size]byte
	status     string // statusActive … statusRevoked
	scopes     []string
	usageLimit *float64 // CHF; nil = none
	mode       string   // permission mode: "all", "restricted", "read_only"; "" where the platform has none
	access     map[string]string
	projectID  string // "" = all projects
	createdBy  string
	updatedBy  string
	createdAt  time.Time
	updatedAt  time.Time
	lastUsedAt time.Time // zero = never, and so below: zero = none
	expiresAt  time.Time
	archivedAt time.Time
	revokedAt  time.Time
	// extra holds a vendor's fields the SDK does not model (orq.ai owner,
	// Prefactor token_scope, …), by the vendor's name, as the vendor encodes them.
	extra map[string]json.RawMessage

	// encoded caches the key's JSON in the server's wire format: a list page
	// re-sends mostly unchanged keys, and encoding dominates its cost. Every
	// change to a key goes through touch or moveTo, which drop it.
	encoded []byte
}

// keepSecret records the hash of secret and its first prefixLen bytes.
func (k *key) keepSecret(secret string, prefixLen int) {
	k.prefix = secret[:prefixLen]
	k.secretHash = sha256.Sum256([]byte(secret))
}

// touch records a change: the time, who made it, and a stale cache.
func (k *key) touch(now time.Time, actor string) {
	k.updatedAt = now
	k.updatedBy = actor
	k.encoded = nil
}

// moveTo sets the status and the times that go with it: entering archived
// sets archivedAt and leaving it for a live status clears it; entering
// revoked sets revokedAt. The caller has checked its table.
func (k *key) moveTo(status string, now time.Time, actor string) {
	switch {
	case status == statusArchived:
		k.archivedAt = now
	case status == statusRevoked:
		k.revokedAt = now
	case k.status == statusArchived:
		k.archivedAt = time.Time{}
	}
	k.status = status
	k.touch(now, actor)
}

// store holds the keys of the one organization a server serves, in creation
// order. The server's lock guards it.
type store struct {
	byID    map[string]*key
	ordered []*key // ascending seq, so lists need no sort
	lastSeq uint64 // monotonic: a removed key's number is never reused
}

// add stores k as the newest key. It numbers k, then asks newID for its ID,
// given that number (an integer-ID platform may use it as is).
func (st *store) add(k *key, newID func(seq uint64) string) {
	if st.byID == nil {
		st.byID = make(map[string]*key)
	}
	st.lastSeq++
	k.seq = st.lastSeq
	k.id = newID(k.seq)
	st.byID[k.id] = k
	st.ordered = append(st.ordered, k)
}

// get returns the key with the ID, or nil.
func (st *store) get(id string) *key { return st.byID[id] }

// remove deletes k for good.
func (st *store) remove(k *key) {
	delete(st.byID, k.id)
	if i, ok := st.index(k.seq); ok {
		st.ordered = slices.Delete(st.ordered, i, i+1)
	}
}

// after returns the keys created after seq, oldest first (all of them for 0).
// The slice is the store's own: read it, under the lock, before any change.
func (st *store) after(seq uint64) []*key {
	i, found := st.index(seq)
	if found {
		i++
	}
	return st.ordered[i:]
}

// all returns every key, oldest first, as after does.
func (st *store) all() []*key { return st.ordered }

// index finds seq in ordered: its position, or where it would be.
func (st *store) index(seq uint64) (int, bool) {
	return slices.BinarySearchFunc(st.ordered, seq, func(k *key, seq uint64) int {
		switch {
		case k.seq < seq:
			return -1
		case k.seq > seq:
			return 1
		}
		return 0
	})
}

// newSecret returns start followed by 64 random hex digits.
func newSecret(start string) string { return start + randomHex(32) }

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
		// Only strings, finite numbers, raw JSON and string maps are encoded here.
		panic("apikeystest: encoding response: " + err.Error())
	}
	return b
}
