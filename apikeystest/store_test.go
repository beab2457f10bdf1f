package apikeystest

import (
	"crypto/sha256"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func seqs(ks []*key) []uint64 {
	out := []uint64{}
	for _, k := range ks {
		out = append(out, k.seq)
	}
	return out
}

func TestStoreOrder(t *testing.T) {
	var st store
	var ks []*key
	for range 5 {
		k := &key{}
		st.add(k, func(seq uint64) string { return strconv.FormatUint(seq, 10) })
		ks = append(ks, k)
	}
	if ks[2].id != "3" || st.get("3") != ks[2] || st.get("9") != nil {
		t.Fatalf("IDs from numbers: %q, get %v", ks[2].id, st.get("3"))
	}
	st.remove(ks[1])
	st.remove(ks[4])
	k := &key{}
	st.add(k, func(uint64) string { return "x" })
	// Numbers are never reused: a removed key's number stays a valid
	// position for a cursor, between its neighbours.
	for _, tc := range []struct {
		after uint64
		want  []uint64
	}{
		{0, []uint64{1, 3, 4, 6}},
		{1, []uint64{3, 4, 6}},
		{2, []uint64{3, 4, 6}}, // removed
		{4, []uint64{6}},
		{5, []uint64{6}}, // removed, and the last before it
		{6, []uint64{}},
		{99, []uint64{}},
	} {
		if diff := cmp.Diff(tc.want, seqs(st.after(tc.after))); diff != "" {
			t.Errorf("after(%d) (-want +got):\n%s", tc.after, diff)
		}
	}
	if st.get("2") != nil || len(st.all()) != 4 {
		t.Errorf("after removals: %v", seqs(st.all()))
	}
}

func TestKeyMoveTo(t *testing.T) {
	t1, t2, t3 := t0.Add(time.Hour), t0.Add(2*time.Hour), t0.Add(3*time.Hour)
	k := &key{status: statusActive, encoded: []byte("stale")}
	k.moveTo(statusArchived, t1, "me")
	if k.status != statusArchived || k.archivedAt != t1 || k.updatedAt != t1 || k.updatedBy != "me" || k.encoded != nil {
		t.Fatalf("archive: %+v", k)
	}
	k.moveTo(statusRevoked, t2, "me") // a revoked archived key stays archived
	if k.archivedAt != t1 || k.revokedAt != t2 {
		t.Fatalf("revoke: %+v", k)
	}
	k = &key{status: statusArchived, archivedAt: t1}
	k.moveTo(statusActive, t3, "me")
	if !k.archivedAt.IsZero() || k.status != statusActive {
		t.Fatalf("reactivate: %+v", k)
	}
}

func TestKeepSecret(t *testing.T) {
	k := &key{}
	k.keepSecret("oak_live_a1b2c3d4", 13)
	if k.prefix != "oak_live_a1b2" || k.secretHash != sha256.Sum256([]byte("oak_live_a1b2c3d4")) {
		t.Errorf("prefix %q hash %x", k.prefix, k.secretHash)
	}
}

// The store holds a key in any status with any times, which the wire shows as
// they are: a seeded key (the way test helpers will add them) has a
// last_used_at.
func TestStoreSeededKey(t *testing.T) {
	s, _ := newTestServer(t)
	used := t0.Add(-time.Hour)
	s.mu.Lock()
	s.keys.add(&key{
		org: s.org, name: "seeded", prefix: "ak_live_0000", status: statusPaused,
		createdBy: "admin", updatedBy: "admin",
		createdAt: t0.Add(-48 * time.Hour), updatedAt: t0.Add(-2 * time.Hour), lastUsedAt: used,
	}, func(uint64) string { return "key_seeded" })
	s.mu.Unlock()
	k := mustDo(t, s, call{method: "GET", path: keyPath(s.OrgID, "key_seeded")}, http.StatusOK).obj(t)
	if k["status"] != "paused" || k["last_used_at"] != formatTime(used) || k["permission_mode"] != "all" {
		t.Errorf("seeded key: %v", k)
	}
	mustDo(t, s, actionCall(s.OrgID, "key_seeded", "unpause"), http.StatusOK)
}
