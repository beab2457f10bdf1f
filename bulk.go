package apikeys

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// Result is the outcome of one key in TransitionMany.
type Result struct {
	KeyID string // the ID as given, in the order given
	Key   *Key   // the key after the action; nil on error and for ActionDelete
	Err   error  // nil on success
}

// TransitionMany applies action a to every key in keyIDs with at most
// concurrency requests in flight (less than 1 means 1). One failure does not
// stop the others; a canceled context stops them all, and the keys not yet
// started report an error wrapping ctx.Err() without a request. Results are
// in the order of keyIDs. The server enforces the transition table: no key
// is fetched first.
func (c *Client) TransitionMany(ctx context.Context, a Action, keyIDs []string, concurrency int) []Result {
	results := make([]Result, len(keyIDs))
	workers := min(max(concurrency, 1), len(keyIDs))
	var next atomic.Int64
	var wg sync.WaitGroup
	wg.Add(workers)
	for range workers {
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(keyIDs) {
					return
				}
				r := &results[i]
				r.KeyID = keyIDs[i]
				r.Key, r.Err = c.transition(ctx, keyIDs[i], a)
			}
		}()
	}
	wg.Wait()
	return results
}

// Rotate replaces a key: it creates a new key with the old one's name, scopes,
// usage limit, permission mode, access and project, then retires the old key.
// With grace 0 the old key is archived at once; otherwise (at least one
// second) it expires at now+grace (an earlier expiry it already has is kept: rotation never extends
// a key's life). Only a key that could be archived (active, paused or
// inactive) is rotated.
//
// now is the client's clock: against a server whose clock runs ahead by more
// than grace, the new expiry is already past and retiring fails as below.
//
// If retiring the old key fails, or the replacement's answer could not be
// fully decoded, the new key and its secret are returned together with the
// error (and in the latter case the old key is left as it was): a secret is
// never lost.
func (c *Client) Rotate(ctx context.Context, keyID string, grace time.Duration) (*CreatedKey, error) {
	// A grace shorter than a round trip would ask the server for an expiry
	// already past, refused after the replacement exists.
	if grace < 0 || (grace > 0 && grace < time.Second) {
		return nil, &ValidationError{Field: "grace", Reason: "must be 0 or at least 1s"}
	}
	old, err := c.Get(ctx, keyID)
	if err != nil {
		return nil, err
	}
	if !old.Status.Can(ActionArchive) {
		return nil, &TransitionError{From: old.Status, Action: ActionArchive}
	}
	created, err := c.Create(ctx, CreateParams{
		Name: old.Name, Scopes: old.Scopes, UsageLimitCHF: old.UsageLimitCHF,
		PermissionMode: old.PermissionMode, Access: old.Access, ProjectID: old.ProjectID,
	})
	if err != nil {
		return created, err // a replacement that exists keeps its secret
	}
	if grace == 0 {
		_, err = c.Archive(ctx, keyID)
	} else if expires := time.Now().Add(grace); old.ExpiresAt == nil || old.ExpiresAt.After(expires) {
		_, err = c.Update(ctx, keyID, UpdateParams{ExpiresAt: &expires})
	}
	if err != nil {
		return created, fmt.Errorf("apikeys: rotate: replacement %s was created, but retiring %s failed: %w",
			created.Key.ID, keyID, err)
	}
	return created, nil
}
