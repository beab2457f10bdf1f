// Package keyaudit is a small piece of "your own code" that uses apikeys, and
// keyaudit_test.go shows how to test it: end to end on an apikeystest server
// (with a fake clock and injected failures), and as a unit with httpmock.
// It is a library, not a command, so it runs with go test, not go run:
//
//	go test ./examples/testing
package keyaudit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/apikeys-go/apikeys"
)

// PauseIdle pauses every active key that has not been used for idle: never
// used and created before now-idle, or last used before now-idle. It returns
// the IDs it paused and, joined, the errors of those it could not pause.
//
// It lists first and pauses after. The reference API's cursor would let it
// pause inside the loop, but on platforms that page by number or offset
// (Aitronos, Prefactor) that would shrink the "active" set under the pages
// still to come, and keys would be skipped; listing first works on all.
func PauseIdle(ctx context.Context, c *apikeys.Client, now time.Time, idle time.Duration) ([]string, error) {
	cutoff := now.Add(-idle)
	var idleIDs []string
	for k, err := range c.List(ctx, apikeys.ListParams{Status: apikeys.StatusActive}) {
		if err != nil {
			return nil, fmt.Errorf("keyaudit: %w", err)
		}
		lastSeen := k.CreatedAt
		if k.LastUsedAt != nil {
			lastSeen = *k.LastUsedAt
		}
		if lastSeen.Before(cutoff) {
			idleIDs = append(idleIDs, k.ID)
		}
	}
	var paused []string
	var errs []error
	for _, r := range c.TransitionMany(ctx, apikeys.ActionPause, idleIDs, 8) {
		if r.Err != nil {
			errs = append(errs, fmt.Errorf("keyaudit: pausing %s: %w", r.KeyID, r.Err))
			continue
		}
		paused = append(paused, r.KeyID)
	}
	return paused, errors.Join(errs...)
}
