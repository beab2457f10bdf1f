// Command rotate replaces a key with a new one of the same settings and lets
// the old one live on for a grace period, so that deployments can switch over.
// The new secret is printed only with -reveal.
//
// On the embedded apikeystest server (APIKEYS_PLATFORM picks the platform it
// fakes) it first creates a key to rotate; on a real service (APIKEYS_API_KEY
// set, read with apikeys.FromEnv) it rotates the key named by -key:
//
//	go run ./examples/rotate -grace 24h -reveal
//
// A grace period needs a platform that can set a key's expiry (reference,
// Aitronos, orq.ai). Elsewhere the default grace becomes 0, said so on
// stderr; an explicit -grace there is refused with the reason.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
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
	if *grace > 0 && !canExpire(c.Platform()) {
		graceSet := false
		flag.Visit(func(f *flag.Flag) { graceSet = graceSet || f.Name == "grace" })
		if graceSet {
			fmt.Fprintf(os.Stderr, "rotate: %s cannot set a key's expiry, so it cannot keep the old key for a grace period: use -grace 0\n", c.Platform())
			closeFn()
			os.Exit(2)
		}
		fmt.Fprintf(os.Stderr, "rotate: %s cannot set a key's expiry: retiring the old key at once (-grace 0)\n", c.Platform())
		*grace = 0
	}
	if *keyID == "" {
		if !embedded {
			fmt.Fprintln(os.Stderr, "rotate: -key is required against a real service")
			closeFn()
			os.Exit(2)
		}
		demo, err := c.Create(ctx, demoParams(c.Platform()))
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

// canExpire reports whether p can set an existing key's expiry, which
// Rotate needs for a grace period.
func canExpire(p apikeys.Platform) bool {
	caps := p.Capabilities()
	return caps.Update && slices.Contains(caps.UpdateFields, apikeys.FieldExpiresAt)
}

// demoParams is the demo key to rotate: every setting the platform's create
// carries, as a set field it cannot carry is refused, never dropped.
func demoParams(p apikeys.Platform) apikeys.CreateParams {
	has := func(f apikeys.Field) bool { return slices.Contains(p.Capabilities().CreateFields, f) }
	var params apikeys.CreateParams
	if has(apikeys.FieldName) {
		params.Name = "billing-service"
	}
	if has(apikeys.FieldScopes) {
		params.Scopes = []string{"invoices:read", "invoices:write"}
	}
	if has(apikeys.FieldUsageLimitCHF) {
		params.UsageLimitCHF = apikeys.Ptr(250.0)
	}
	return params
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
