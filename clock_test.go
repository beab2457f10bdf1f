package apikeys_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// TestWithClockNil: a nil clock is a configuration error, not a panic at
// the first Rotate.
func TestWithClockNil(t *testing.T) {
	_, err := apikeys.New(apikeys.WithBaseURL("https://api.example.com/v1"), apikeys.WithAPIKey("k"),
		apikeys.WithOrganization("org"), apikeys.WithClock(nil))
	var ve *apikeys.ValidationError
	if !errors.As(err, &ve) || ve.Field != "WithClock" {
		t.Fatalf("New(WithClock(nil)) = %v, want a *ValidationError for WithClock", err)
	}
}

// TestWithClockRotate: Rotate counts Grace and the old key's lifetime from
// the client's clock, so a test knows the expiries it sends.
func TestWithClockRotate(t *testing.T) {
	// The client's clock runs a day behind the server's: what Rotate sends
	// is computed from the client's, visibly.
	serverNow := time.Date(2025, 6, 2, 12, 0, 0, 0, time.UTC)
	clientNow := serverNow.Add(-24 * time.Hour)
	srv := apikeystest.Start(t, apikeystest.WithClock(func() time.Time { return serverNow }), apikeystest.WithoutListener())
	client, err := srv.Client(apikeys.WithClock(func() time.Time { return clientNow }))
	if err != nil {
		t.Fatal(err)
	}
	created := serverNow.Add(-10 * 24 * time.Hour)
	expires := created.Add(90 * 24 * time.Hour) // a 90-day lifetime
	old, _, err := srv.AddKey(apikeys.Key{Name: "old", CreatedAt: created, ExpiresAt: &expires})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	grace := 48 * time.Hour
	repl, err := client.Rotate(ctx, old.ID, apikeys.RotateParams{Grace: grace})
	if err != nil {
		t.Fatal(err)
	}
	if want := clientNow.Add(90 * 24 * time.Hour); repl.Key.ExpiresAt == nil || !repl.Key.ExpiresAt.Equal(want) {
		t.Errorf("replacement expires %v, want the client's now plus the old lifetime, %v", repl.Key.ExpiresAt, want)
	}
	got, err := client.Get(ctx, old.ID)
	if err != nil {
		t.Fatal(err)
	}
	if want := clientNow.Add(grace); got.ExpiresAt == nil || !got.ExpiresAt.Equal(want) {
		t.Errorf("old key expires %v, want the client's now plus Grace, %v", got.ExpiresAt, want)
	}
}
