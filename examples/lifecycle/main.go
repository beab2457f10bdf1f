// Command lifecycle walks one key through its whole life and prints its status
// after each step: create → pause → unpause → update (set, then clear the
// expiry) → deactivate → activate → archive → reactivate → revoke → delete.
// A step the platform lacks, or that its table does not allow from the key's
// status at that point, is skipped with a row that says why, so the same
// program runs on every platform.
//
// It runs on an embedded apikeystest server (APIKEYS_PLATFORM picks the
// platform it fakes, the reference API by default), or on a real service when
// APIKEYS_API_KEY is set (apikeys.FromEnv: APIKEYS_PLATFORM, APIKEYS_BASE_URL,
// APIKEYS_ORG, APIKEYS_AUTH_HEADER as the platform needs):
//
//	go run ./examples/lifecycle
//	APIKEYS_PLATFORM=orq-ai go run ./examples/lifecycle
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/examples/internal/connect"
)

func main() {
	c, where, _, closeFn, err := connect.Client()
	if err != nil {
		fmt.Fprintln(os.Stderr, "lifecycle:", err)
		os.Exit(1)
	}
	defer closeFn()
	fmt.Println("Using", where)
	if err := run(context.Background(), c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lifecycle:", err)
		closeFn()
		os.Exit(1)
	}
}

// run prints one table row per step.
func run(ctx context.Context, c *apikeys.Client, out io.Writer) error {
	p := c.Platform()
	caps := p.Capabilities()
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "STEP\tSTATUS\tEXPIRES\tNEXT ACTIONS")
	row := func(step string, k *apikeys.Key) {
		expires := "never"
		if k.ExpiresAt != nil {
			expires = k.ExpiresAt.UTC().Format(time.DateOnly)
		}
		// What the server says may come next where it says so (reference,
		// Prefactor), else what the platform's table allows.
		next := k.AvailableActions
		if next == nil {
			next = p.Actions(k.Status)
		}
		actions := make([]string, len(next))
		for i, a := range next {
			actions[i] = string(a)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", step, k.Status, expires, strings.Join(actions, ", "))
	}
	skip := func(step, why string) { fmt.Fprintf(tw, "%s\t-\t\t(skipped: %s)\n", step, why) }

	// Only the fields the platform's create carries: a set field it cannot
	// carry is refused, never dropped (Prefactor names no key at all).
	params := apikeys.CreateParams{}
	if slices.Contains(caps.CreateFields, apikeys.FieldName) {
		params.Name = "lifecycle-demo"
	}
	if slices.Contains(caps.CreateFields, apikeys.FieldScopes) {
		params.Scopes = []string{"keys:read"}
	}
	created, err := c.Create(ctx, params)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	row("create", created.Key)
	k := created.Key
	id := k.ID

	update := func(up apikeys.UpdateParams) func() (*apikeys.Key, error) {
		return func() (*apikeys.Key, error) { return c.Update(ctx, id, up) }
	}
	in30days := time.Now().Add(30 * 24 * time.Hour)
	steps := []struct {
		name   string
		action apikeys.Action // "" for an update
		field  apikeys.Field  // the update's field
		do     func() (*apikeys.Key, error)
	}{
		{"pause", apikeys.ActionPause, "", func() (*apikeys.Key, error) { return c.Pause(ctx, id) }},
		{"unpause", apikeys.ActionUnpause, "", func() (*apikeys.Key, error) { return c.Unpause(ctx, id) }},
		{"update: set expiry", "", apikeys.FieldExpiresAt, update(apikeys.UpdateParams{ExpiresAt: &in30days})},
		{"update: clear expiry", "", apikeys.FieldClearExpiresAt, update(apikeys.UpdateParams{ClearExpiresAt: true})},
		{"deactivate", apikeys.ActionDeactivate, "", func() (*apikeys.Key, error) { return c.Deactivate(ctx, id) }},
		{"activate", apikeys.ActionActivate, "", func() (*apikeys.Key, error) { return c.Activate(ctx, id) }},
		{"archive", apikeys.ActionArchive, "", func() (*apikeys.Key, error) { return c.Archive(ctx, id) }},
		{"reactivate", apikeys.ActionReactivate, "", func() (*apikeys.Key, error) { return c.Reactivate(ctx, id) }},
		{"revoke", apikeys.ActionRevoke, "", func() (*apikeys.Key, error) { return c.Revoke(ctx, id) }},
	}
	for _, s := range steps {
		switch {
		case s.action == "" && !slices.Contains(caps.UpdateFields, s.field):
			skip(s.name, fmt.Sprintf("%s cannot update %s", p, s.field))
			continue
		case s.action != "" && !p.Supports(s.action):
			skip(s.name, fmt.Sprintf("%s has no %s", p, s.action))
			continue
		case s.action != "" && !k.Can(s.action):
			skip(s.name, fmt.Sprintf("%s does not allow %s from %q", p, s.action, k.Status))
			continue
		}
		next, err := s.do()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		row(s.name, next)
		k = next
	}
	switch {
	case !p.Supports(apikeys.ActionDelete):
		skip("delete", fmt.Sprintf("%s has no delete", p))
	case !k.Can(apikeys.ActionDelete):
		skip("delete", fmt.Sprintf("%s does not allow delete from %q", p, k.Status))
	default:
		if err := c.Delete(ctx, id); err != nil {
			return fmt.Errorf("delete: %w", err)
		}
		_, err = c.Get(ctx, id)
		if !errors.Is(err, apikeys.ErrNotFound) {
			return fmt.Errorf("after delete, get = %v; want ErrNotFound", err)
		}
		fmt.Fprintln(tw, "delete\tgone\t\t(get answers ErrNotFound)")
	}
	tw.Flush()
	// The secret is returned this once. Printing it shows only the public
	// prefix; Reveal() would return it, to store, which this example does not.
	fmt.Fprintf(out, "\nsecret of the created key, as printed: %v\n", created.Secret)
	return nil
}
