package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

func TestRun(t *testing.T) {
	for _, tc := range []struct {
		name      string
		grace     time.Duration
		reveal    bool
		oldStatus apikeys.Status
	}{
		{"grace period", time.Hour, false, apikeys.StatusActive},
		{"archive now, reveal", 0, true, apikeys.StatusArchived},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := apikeystest.NewServer()
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			old, err := c.Create(t.Context(), apikeys.CreateParams{Name: "svc", Scopes: []string{"a"}})
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := run(t.Context(), c, old.Key.ID, tc.grace, tc.reveal, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got, err := c.Get(t.Context(), old.Key.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tc.oldStatus {
				t.Errorf("old key status %q; want %q", got.Status, tc.oldStatus)
			}
			if tc.grace > 0 && (got.ExpiresAt == nil || time.Until(*got.ExpiresAt) > tc.grace) {
				t.Errorf("old key expires %v; want within %v", got.ExpiresAt, tc.grace)
			}
			var newKey *apikeys.Key
			for k, err := range c.List(t.Context(), apikeys.ListParams{}) {
				if err != nil {
					t.Fatal(err)
				}
				if k.ID != old.Key.ID {
					newKey = k
				}
			}
			if newKey == nil || newKey.Name != "svc" {
				t.Fatalf("no replacement named svc: %+v", newKey)
			}
			text := out.String()
			if !strings.Contains(text, newKey.ID) || !strings.Contains(text, old.Key.ID) {
				t.Errorf("table lacks the key IDs:\n%s", text)
			}
			revealed := strings.Contains(text, "shown once")
			if revealed != tc.reveal || strings.Contains(text, "[REDACTED]") == tc.reveal {
				t.Errorf("reveal=%v but output:\n%s", tc.reveal, text)
			}
		})
	}
}

// The demo rotates on every platform's fake: with a grace period where the
// platform can set a key's expiry, at once elsewhere.
func TestRunOnEveryPlatform(t *testing.T) {
	for _, p := range apikeys.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			srv := apikeystest.NewServer(apikeystest.WithPlatform(p))
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			old, err := c.Create(t.Context(), demoParams(p))
			if err != nil {
				t.Fatalf("demo key: %v", err)
			}
			grace := time.Duration(0)
			if canExpire(p) {
				grace = time.Hour
			}
			var out bytes.Buffer
			if err := run(t.Context(), c, old.Key.ID, grace, false, &out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			if !strings.Contains(out.String(), "new ") {
				t.Errorf("no new key in\n%s", out.String())
			}
		})
	}
}
