package main

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

func TestRun(t *testing.T) {
	srv := apikeystest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(t.Context(), c, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	want := [][]string{
		{"create", "active"},
		{"pause", "paused"},
		{"unpause", "active"},
		{"update:", "set", "expiry", "active"},
		{"update:", "clear", "expiry", "active", "never"},
		{"deactivate", "inactive"},
		{"activate", "active"},
		{"archive", "archived"},
		{"reactivate", "active"},
		{"revoke", "revoked", "never", "delete"},
		{"delete", "gone"},
	}
	table, _, _ := strings.Cut(out.String(), "\n\n")
	lines := strings.Split(strings.TrimSpace(table), "\n")[1:]
	if len(lines) != len(want) {
		t.Fatalf("got %d rows, want %d:\n%s", len(lines), len(want), out.String())
	}
	for i, fields := range want {
		got := strings.Fields(lines[i])
		for j, f := range fields {
			if j >= len(got) || got[j] != f {
				t.Errorf("row %d = %q; want it to start with %q", i, lines[i], fields)
				break
			}
		}
	}
	// The fake's secrets are "ak_live_" and 64 hex digits, of which the
	// printed prefix shows 4; more than that is a leak.
	if leak := regexp.MustCompile(`ak_live_[0-9a-f]{5,}`).FindString(out.String()); leak != "" {
		t.Errorf("secret printed: %q in\n%s", leak, out.String())
	}
	if !regexp.MustCompile(`secret of the created key, as printed: ak_live_[0-9a-f]{4}\[REDACTED\]`).MatchString(out.String()) {
		t.Errorf("the redacted secret line is missing:\n%s", out.String())
	}
	var creates int
	for _, r := range srv.Requests() {
		if r.Method == "POST" && strings.HasSuffix(r.Path, "/api-keys") {
			creates++
		}
	}
	if creates != 1 {
		t.Errorf("%d create requests; want 1", creates)
	}
}

// The same program runs on every platform's fake: what a platform lacks is
// a skipped row, never an error.
func TestRunOnEveryPlatform(t *testing.T) {
	for _, p := range apikeys.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			srv := apikeystest.NewServer(apikeystest.WithPlatform(p))
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(t.Context(), c, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			caps := p.Capabilities()
			for _, a := range []apikeys.Action{apikeys.ActionPause, apikeys.ActionArchive, apikeys.ActionRevoke, apikeys.ActionDelete} {
				skipped := strings.Contains(out.String(), fmt.Sprintf("(skipped: %s has no %s)", p, a))
				if skipped == slices.Contains(caps.Actions, a) {
					t.Errorf("%s: skipped %v, but the platform has it: %v\n%s", a, skipped, !skipped, out.String())
				}
			}
		})
	}
}
