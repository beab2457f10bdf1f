// Command incident stops, at once, every active key whose name or prefix
// contains a pattern: the first move when a key has leaked. It finds the keys
// with List and stops each with Suspend, the mildest reversible stop the
// platform has (pause on the reference API and Aitronos, deactivate where
// there is no pause, archive on Sysevo), so a key stopped by mistake can be
// brought back. Progress goes to stderr, a per-key summary to stdout, and the
// exit code is 1 if any key could not be stopped.
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
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/examples/internal/connect"
)

func main() {
	match := flag.String("match", "ci-", "stop active keys whose name or prefix contains this")
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
		// Where the platform names no key (Prefactor), a Name would be
		// refused: the demo keys are unnamed there, and -match can only
		// find them by prefix.
		named := slices.Contains(c.Platform().Capabilities().CreateFields, apikeys.FieldName)
		if !named {
			fmt.Fprintf(os.Stderr, "%s keys have no names: -match is looked for in their prefixes only\n", c.Platform())
		}
		for _, name := range []string{"ci-deploy", "ci-tests", "web-frontend", "ci-nightly", "billing"} {
			var p apikeys.CreateParams
			if named {
				p.Name = name
			}
			if _, err := c.Create(ctx, p); err != nil {
				fmt.Fprintln(os.Stderr, "incident: seeding demo keys:", err)
				return 1
			}
		}
	}
	return run(ctx, c, match, concurrency, os.Stdout, os.Stderr)
}

// result is what happened to one matching key.
type result struct {
	key *apikeys.Key // as listed
	now *apikeys.Key // after Suspend; nil on error
	err error
}

// run suspends the matching keys and returns the exit code.
func run(ctx context.Context, c *apikeys.Client, match string, concurrency int, out, progress io.Writer) int {
	if match == "" {
		fmt.Fprintln(progress, "incident: -match must not be empty: it would stop every key")
		return 2
	}
	action, ok := c.Platform().SuspendAction()
	if !ok {
		fmt.Fprintf(progress, "incident: %s has no reversible way to stop a key; revoke or delete it instead\n", c.Platform())
		return 2
	}
	// List every matching key first, then stop them: on platforms that page
	// by number or offset, changing the listed set mid-walk would skip keys.
	var results []result
	for k, err := range c.List(ctx, apikeys.ListParams{Status: apikeys.StatusActive}) {
		if err != nil {
			fmt.Fprintln(progress, "incident: listing keys:", err)
			return 1
		}
		if strings.Contains(k.Name, match) || strings.Contains(k.Prefix, match) {
			results = append(results, result{key: k})
		}
	}

	// Suspend each, concurrency at a time, reporting progress as they finish.
	var (
		mu           sync.Mutex
		done, failed int
		wg           sync.WaitGroup
	)
	slots := make(chan struct{}, max(concurrency, 1))
	for i := range results {
		slots <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			r := &results[i]
			r.now, r.err = c.Suspend(ctx, r.key.ID)
			mu.Lock()
			defer mu.Unlock()
			if done++; r.err != nil {
				failed++
			}
			fmt.Fprintf(progress, "\r%s: %d/%d keys stopped, %d failed", action, done-failed, len(results), failed)
		}()
	}
	wg.Wait()
	fmt.Fprintln(progress)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tNAME\tRESULT")
	for _, r := range results {
		var outcome string
		if r.err != nil {
			outcome = "FAILED: " + r.err.Error()
		} else {
			outcome = string(r.now.Status) // where Suspend left it: paused, inactive or archived
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", r.key.ID, r.key.Name, outcome)
	}
	tw.Flush()
	if failed > 0 {
		return 1
	}
	return 0
}
