package apikeystest

import (
	"crypto/sha256"
	"net/http"
	"time"
)

// The reference API's Idempotency-Key replay, kept by its wire (the only
// platform that deduplicates).

// idempotencyTTL is how long a stored response is replayed (per the clock).
const idempotencyTTL = 24 * time.Hour

// idempotent reports whether method takes an Idempotency-Key. GET needs none:
// it changes nothing, so a retry is already safe.
func idempotent(method string) bool {
	return method == http.MethodPost || method == http.MethodPatch || method == http.MethodDelete
}

// idemRecord is the first response to one Idempotency-Key.
type idemRecord struct {
	request [sha256.Size]byte // what was asked: method, escaped path, query, body
	resp    response
	at      time.Time
}

// idemStore keeps records by credential and key, so two callers with
// different credentials can never see each other's responses.
type idemStore struct {
	records map[string]*idemRecord
	// byAge lists the stored keys oldest first, so that expired records are
	// dropped as new ones arrive instead of growing the map for ever.
	byAge []string
}

func idemScope(credential, idemKey string) string {
	sum := sha256.Sum256([]byte(credential))
	return string(sum[:]) + idemKey
}

// fingerprint identifies a request for the "same request" test. The escaped
// path is used, not the decoded one, as it is what the client sent.
func fingerprint(method, escapedPath, rawQuery string, body []byte) [sha256.Size]byte {
	h := sha256.New()
	h.Write([]byte(method))
	h.Write([]byte{0})
	h.Write([]byte(escapedPath))
	h.Write([]byte{'?'})
	h.Write([]byte(rawQuery))
	h.Write([]byte{0})
	h.Write(body)
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return sum
}

// lookup returns the live record for scope, if any.
func (is *idemStore) lookup(scope string, now time.Time) *idemRecord {
	rec := is.records[scope]
	if rec == nil || now.Sub(rec.at) >= idempotencyTTL {
		return nil
	}
	return rec
}

func (is *idemStore) store(scope string, rec *idemRecord) {
	if is.records == nil {
		is.records = make(map[string]*idemRecord)
	}
	for len(is.byAge) > 0 {
		old := is.records[is.byAge[0]]
		if old != nil && rec.at.Sub(old.at) < idempotencyTTL {
			break
		}
		delete(is.records, is.byAge[0])
		is.byAge = is.byAge[1:]
	}
	if _, ok := is.records[scope]; !ok {
		is.byAge = append(is.byAge, scope)
	}
	is.records[scope] = rec
}
