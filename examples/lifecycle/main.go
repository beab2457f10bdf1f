// Command lifecycle walks one key through its whole life and prints its status
// after each step: create → pause → unpause → update (set, then clear the
// expiry) → deactivate → activate → archive → reactivate → revoke → delete.
//
// It runs on an embedded apikeystest server, or on a real service when
// APIKEYS_BASE_URL, APIKEYS_API_KEY and APIKEYS_ORG are set:
//
//	go run ./examples/lifecycle
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	defer tw.Flush()
	fmt.Fprintln(tw, "STEP\tSTATUS\tEXPIRES\tNEXT ACTIONS")
	row := func(step string, k *apikeys.Key) {
		expires := "never"
		if k.ExpiresAt != nil {
			expires = k.ExpiresAt.UTC().Format(time.DateOnly)
		}
		actions := make([]string, len(k.AvailableActions))
		for i, a := range k.AvailableActions {
			actions[i] = string(a)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", step, k.Status, expires, strings.Join(actions, ", "))
	}

	created, err := c.Create(ctx, apikeys.CreateParams{
		Name:   "lifecycle-demo",
		Scopes: []string{"keys:read"},
	})
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	row("create", created.Key)
	id := created.Key.ID

	steps := []struct {
		name string
		do   func() (*apikeys.Key, error)
	}{
		{"pause", func() (*apikeys.Key, error) { return c.Pause(ctx, id) }},
		{"unpause", func() (*apikeys.Key, error) { return c.Unpause(ctx, id) }},
		{"update: set expiry", func() (*apikeys.Key, error) {
			in30days := time.Now().Add(30 * 24 * time.Hour)
			return c.Update(ctx, id, apikeys.UpdateParams{ExpiresAt: &in30days})
		}},
		{"update: clear expiry", func() (*apikeys.Key, error) {
			return c.Update(ctx, id, apikeys.UpdateParams{ClearExpiresAt: true})
		}},
		{"deactivate", func() (*apikeys.Key, error) { return c.Deactivate(ctx, id) }},
		{"activate", func() (*apikeys.Key, error) { return c.Activate(ctx, id) }},
		{"archive", func() (*apikeys.Key, error) { return c.Archive(ctx, id) }},
		{"reactivate", func() (*apikeys.Key, error) { return c.Reactivate(ctx, id) }},
		{"revoke", func() (*apikeys.Key, error) { return c.Revoke(ctx, id) }},
	}
	for _, s := range steps {
		k, err := s.do()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		row(s.name, k)
	}
	if err := c.Delete(ctx, id); err != nil {
		return fmt.Errorf("delete: %w", err)
	}
	_, err = c.Get(ctx, id)
	if !errors.Is(err, apikeys.ErrNotFound) {
		return fmt.Errorf("after delete, get = %v; want ErrNotFound", err)
	}
	fmt.Fprintln(tw, "delete\tgone\t\t(get answers ErrNotFound)")
	tw.Flush()
	// The secret is returned this once. Printing it shows only the public
	// prefix; Reveal() would return it, to store, which this example does not.
	fmt.Fprintf(out, "\nsecret of the created key, as printed: %v\n", created.Secret)
	return nil
}
