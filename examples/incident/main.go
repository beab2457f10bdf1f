// Command incident pauses, at once, every active key whose name or prefix
// contains a pattern: the first move when a key has leaked. Progress goes to
// stderr, a per-key summary to stdout, and the exit code is 1 if any key could
// not be paused.
//
// On the embedded apikeystest server it first creates a few demo keys:
//
//	go run ./examples/incident -match ci-
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/examples/internal/connect"
)

func main() {
	match := flag.String("match", "ci-", "pause active keys whose name or prefix contains this")
	concurrency := flag.Int("concurrency", 8, "requests in flight")
	flag.Parse()
	os.Exit(mainErr(*match, *concurrency))
}

func mainErr(match string, concurrency int) int {
	c, where, embedded, closeFn, err := connect.Client()
	if err != nil {
		fmt.Fprintln(os.Stderr, "incident:", err)
		return 1
	}
	defer closeFn()
	fmt.Fprintln(os.Stderr, "Using", where)
	ctx := context.Background()
	if embedded {
		for _, name := range []string{"ci-deploy", "ci-tests", "web-frontend", "ci-nightly", "billing"} {
			if _, err := c.Create(ctx, apikeys.CreateParams{Name: name}); err != nil {
				fmt.Fprintln(os.Stderr, "incident: seeding demo keys:", err)
				return 1
			}
		}
	}
	return run(ctx, c, match, concurrency, os.Stdout, os.Stderr)
}

// run pauses the matching keys and returns the exit code.
func run(ctx context.Context, c *apikeys.Client, match string, concurrency int, out, progress io.Writer) int {
	if match == "" {
		fmt.Fprintln(progress, "incident: -match must not be empty: it would pause every key")
		return 2
	}
	var ids []string
	names := map[string]string{}
	for k, err := range c.List(ctx, apikeys.ListParams{Status: apikeys.StatusActive}) {
		if err != nil {
			fmt.Fprintln(progress, "incident: listing keys:", err)
			return 1
		}
		if strings.Contains(k.Name, match) || strings.Contains(k.Prefix, match) {
			ids = append(ids, k.ID)
			names[k.ID] = k.Name
		}
	}

	// TransitionMany in batches, so a person watching sees progress; a batch
	// is a few rounds of the concurrency, so it rarely waits on one slow key.
	batch := max(16, 4*concurrency)
	results := make([]apikeys.Result, 0, len(ids))
	failed := 0
	for start := 0; start < len(ids); start += batch {
		part := c.TransitionMany(ctx, apikeys.ActionPause, ids[start:min(start+batch, len(ids))], concurrency)
		for _, r := range part {
			if r.Err != nil {
				failed++
			}
		}
		results = append(results, part...)
		fmt.Fprintf(progress, "\rpaused %d/%d keys, %d failed", len(results)-failed, len(ids), failed)
	}
	fmt.Fprintln(progress)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tNAME\tRESULT")
	for _, r := range results {
		outcome := "paused"
		if r.Err != nil {
			outcome = "FAILED: " + r.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.KeyID, names[r.KeyID], outcome)
	}
	tw.Flush()
	if failed > 0 {
		return 1
	}
	return 0
}
