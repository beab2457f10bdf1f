// Package keyaudit is a small piece of "your own code" that uses apikeys, and
// keyaudit_test.go shows how to test it: end to end on an apikeystest server
// (with a fake clock and injected failures), and as a unit with httpmock.
package keyaudit

import (
	"context"
	"fmt"
	"time"

	"github.com/apikeys-go/apikeys"
)

// PauseIdle pauses every active key that has not been used for idle: never
// used and created before now-idle, or last used before now-idle. It returns
// the IDs it paused.
func PauseIdle(ctx context.Context, c *apikeys.Client, now time.Time, idle time.Duration) ([]string, error) {
	cutoff := now.Add(-idle)
	var paused []string
	for k, err := range c.List(ctx, apikeys.ListParams{Status: apikeys.StatusActive}) {
		if err != nil {
			return paused, fmt.Errorf("keyaudit: %w", err)
		}
		lastSeen := k.CreatedAt
		if k.LastUsedAt != nil {
			lastSeen = *k.LastUsedAt
		}
		if !lastSeen.Before(cutoff) {
			continue
		}
		if _, err := c.Pause(ctx, k.ID); err != nil {
			return paused, fmt.Errorf("keyaudit: pausing %s: %w", k.ID, err)
		}
		paused = append(paused, k.ID)
	}
	return paused, nil
}
