// Command rotate replaces a key with a new one of the same settings and lets
// the old one live on for a grace period, so that deployments can switch over.
// The new secret is printed only with -reveal.
//
// On the embedded apikeystest server it first creates a key to rotate; on a
// real service (APIKEYS_BASE_URL, APIKEYS_API_KEY, APIKEYS_ORG) it rotates the
// key named by -key:
//
//	go run ./examples/rotate -grace 24h -reveal
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"text/tabwriter"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/examples/internal/connect"
)

func main() {
	keyID := flag.String("key", "", "the key to rotate (on the embedded server a demo key is created)")
	grace := flag.Duration("grace", 24*time.Hour, "how long the old key keeps working; 0 archives it now")
	reveal := flag.Bool("reveal", false, "print the new secret")
	flag.Parse()

	c, where, embedded, closeFn, err := connect.Client()
	if err != nil {
		fmt.Fprintln(os.Stderr, "rotate:", err)
		os.Exit(1)
	}
	defer closeFn()
	fmt.Println("Using", where)
	ctx := context.Background()
	if *keyID == "" {
		if !embedded {
			fmt.Fprintln(os.Stderr, "rotate: -key is required against a real service")
			closeFn()
			os.Exit(2)
		}
		demo, err := c.Create(ctx, apikeys.CreateParams{
			Name: "billing-service", Scopes: []string{"invoices:read", "invoices:write"},
			UsageLimitCHF: apikeys.Ptr(250.0),
		})
		if err != nil {
			fmt.Fprintln(os.Stderr, "rotate:", err)
			closeFn()
			os.Exit(1)
		}
		*keyID = demo.Key.ID
	}
	if err := run(ctx, c, *keyID, *grace, *reveal, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "rotate:", err)
		closeFn()
		os.Exit(1)
	}
}

// run rotates keyID and prints the old and the new key side by side.
func run(ctx context.Context, c *apikeys.Client, keyID string, grace time.Duration, reveal bool, out io.Writer) error {
	created, err := c.Rotate(ctx, keyID, apikeys.RotateParams{Grace: grace})
	if err != nil && created == nil {
		return err
	}
	if err != nil {
		// The replacement exists: never lose its secret, even on failure.
		fmt.Fprintf(out, "warning: %v\n", err)
	}
	old, getErr := c.Get(ctx, keyID)
	if getErr != nil {
		return errors.Join(err, getErr)
	}
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tID\tNAME\tPREFIX\tSTATUS\tEXPIRES")
	for _, r := range []struct {
		label string
		k     *apikeys.Key
	}{{"old", old}, {"new", created.Key}} {
		expires := "never"
		if r.k.ExpiresAt != nil {
			expires = r.k.ExpiresAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.label, r.k.ID, r.k.Name, r.k.Prefix, r.k.Status, expires)
	}
	tw.Flush()
	if reveal {
		fmt.Fprintf(out, "\nnew secret (shown once, store it now): %s\n", created.Secret.Reveal())
	} else {
		fmt.Fprintf(out, "\nnew secret: %v (run with -reveal to print it)\n", created.Secret)
	}
	return err
}
