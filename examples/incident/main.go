// Command incident stops, at once, every active key whose name or prefix
// contains a pattern: the first move when a key has leaked. It finds the keys
// with List and stops each with Suspend, the mildest reversible stop the
// platform has (pause on the reference API and Aitronos, deactivate where
// there is no pause, archive on Sysevo), so a key stopped by mistake can be
// brought back. It acts through TransitionEach: a live progress line goes to
// stderr as each key ends, then stdout gets a per-key table and the totals
// (stopped, refused, failed by reason). The exit code is 1 if any key could
// not be stopped.
//
// On the embedded apikeystest server it first creates a few demo keys:
//
//	go run ./examples/incident -match ci-
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
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
	var (
		keys []*apikeys.Key
		ids  []string
	)
	for k, err := range c.List(ctx, apikeys.ListParams{Status: apikeys.StatusActive}) {
		if err != nil {
			fmt.Fprintln(progress, "incident: listing keys:", err)
			return 1
		}
		if strings.Contains(k.Name, match) || strings.Contains(k.Prefix, match) {
			keys = append(keys, k)
			ids = append(ids, k.ID)
		}
	}

	// Stop them, concurrency at a time, with a progress line as each ends.
	outcome := make(map[string]string, len(ids)) // by key ID
	var tally totals
	for r := range c.TransitionEach(ctx, action, ids, concurrency) {
		outcome[r.KeyID] = tally.add(r)
		fmt.Fprintf(progress, "\r%s: %d/%d done: %d stopped, %d refused, %d failed",
			action, tally.done(), len(ids), tally.stopped, tally.refused, tally.failed())
	}
	fmt.Fprintln(progress)

	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tNAME\tRESULT")
	for _, k := range keys {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", k.ID, k.Name, outcome[k.ID])
	}
	fmt.Fprintln(tw)
	tally.print(tw)
	tw.Flush()
	if tally.failed() > 0 || tally.refused > 0 {
		return 1
	}
	return 0
}

// totals counts what happened to the keys: stopped, refused by the
// platform's table (the key changed since it was listed), or failed, by
// reason, so an operator sees at a glance what needs a second look.
type totals struct {
	stopped, refused int
	failures         map[string]int // by reason
}

// add counts r and returns its line for the per-key table.
func (t *totals) add(r apikeys.Result) string {
	switch {
	case r.Err == nil:
		t.stopped++
		return string(r.Key.Status) // where the stop left it: paused, inactive or archived
	case errors.Is(r.Err, apikeys.ErrInvalidTransition):
		t.refused++
		return "REFUSED: " + r.Err.Error()
	}
	if t.failures == nil {
		t.failures = map[string]int{}
	}
	t.failures[reason(r.Err)]++
	return "FAILED: " + r.Err.Error()
}

func (t *totals) failed() int {
	n := 0
	for _, c := range t.failures {
		n += c
	}
	return n
}

func (t *totals) done() int { return t.stopped + t.refused + t.failed() }

func (t *totals) print(w io.Writer) {
	fmt.Fprintln(w, "TOTAL\tKEYS")
	fmt.Fprintf(w, "stopped\t%d\n", t.stopped)
	fmt.Fprintf(w, "refused (changed since listed)\t%d\n", t.refused)
	reasons := make([]string, 0, len(t.failures))
	for r := range t.failures {
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	for _, r := range reasons {
		fmt.Fprintf(w, "failed: %s\t%d\n", r, t.failures[r])
	}
}

// reason names a failure by the sentinel it matches: what an operator acts on.
func reason(err error) string {
	for _, r := range []struct {
		target error
		name   string
	}{
		{apikeys.ErrOutcomeUnknown, "outcome unknown (check the key)"},
		{context.Canceled, "canceled"},
		{context.DeadlineExceeded, "timed out"},
		{apikeys.ErrNotFound, "not found (gone since listed)"},
		{apikeys.ErrUnauthorized, "credential refused"},
		{apikeys.ErrForbidden, "not permitted"},
		{apikeys.ErrRateLimited, "rate limited"},
		{apikeys.ErrRetryBudgetExhausted, "retry budget exhausted"},
		{apikeys.ErrServer, "server error"},
	} {
		if errors.Is(err, r.target) {
			return r.name
		}
	}
	return "other"
}
