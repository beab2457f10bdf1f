package keyaudit_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jarcoal/httpmock"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
	keyaudit "github.com/apikeys-go/apikeys/examples/testing"
)

// clock is a fake time source for apikeystest.WithClock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// End to end on the fake server: the real client, the real wire format, the
// real transition table.
func TestPauseIdle(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv := apikeystest.NewServer(apikeystest.WithClock(clk.Now))
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	old, err := c.Create(t.Context(), apikeys.CreateParams{Name: "old"})
	if err != nil {
		t.Fatal(err)
	}
	// Just as idle, but already paused: not PauseIdle's to count or touch.
	alreadyPaused, err := c.Create(t.Context(), apikeys.CreateParams{Name: "old, paused"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Pause(t.Context(), alreadyPaused.Key.ID); err != nil {
		t.Fatal(err)
	}
	clk.Advance(60 * 24 * time.Hour)
	if _, err := c.Create(t.Context(), apikeys.CreateParams{Name: "fresh"}); err != nil {
		t.Fatal(err)
	}
	before := len(srv.Requests())

	paused, err := keyaudit.PauseIdle(t.Context(), c, clk.Now(), 30*24*time.Hour)
	if err != nil {
		t.Errorf("PauseIdle: %v", err)
	}
	if diff := cmp.Diff([]string{old.Key.ID}, paused); diff != "" {
		t.Errorf("paused (-want +got):\n%s", diff)
	}
	for _, r := range srv.Requests()[before:] {
		if r.Method != http.MethodGet && strings.Contains(r.Path, "/"+alreadyPaused.Key.ID+"/") {
			t.Errorf("PauseIdle sent %s %s to the key that was already paused", r.Method, r.Path)
		}
	}
	k, err := c.Get(t.Context(), old.Key.ID)
	if err != nil {
		t.Fatal(err)
	}
	if k.Status != apikeys.StatusPaused {
		t.Errorf("old key is %q; want paused", k.Status)
	}
}

// Enough keys for two pages (the client asks for 100 a page): none is
// skipped, though every listed key ends up paused.
func TestPauseIdleAcrossPages(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv := apikeystest.NewServer(apikeystest.WithClock(clk.Now))
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	const n = 150
	for i := range n {
		if _, err := c.Create(t.Context(), apikeys.CreateParams{Name: fmt.Sprintf("k%d", i)}); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(60 * 24 * time.Hour)
	paused, err := keyaudit.PauseIdle(t.Context(), c, clk.Now(), 30*24*time.Hour)
	if err != nil || len(paused) != n {
		t.Fatalf("PauseIdle paused %d keys (err %v); want %d", len(paused), err, n)
	}
	for k, err := range c.List(t.Context(), apikeys.ListParams{Status: apikeys.StatusActive}) {
		t.Errorf("still active: %v %v", k.ID, err)
	}
}

// Injected failures: a 503 is retried by the client and the job still
// succeeds; the server saw the retry.
func TestPauseIdleSurvivesA503(t *testing.T) {
	clk := &clock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	srv := apikeystest.NewServer(apikeystest.WithClock(clk.Now))
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create(t.Context(), apikeys.CreateParams{Name: "old"}); err != nil {
		t.Fatal(err)
	}
	clk.Advance(60 * 24 * time.Hour)
	before := len(srv.Requests())
	srv.FailNext(1, http.StatusServiceUnavailable, 0)

	paused, err := keyaudit.PauseIdle(t.Context(), c, clk.Now(), 30*24*time.Hour)
	if err != nil || len(paused) != 1 {
		t.Fatalf("PauseIdle = %v, %v; want one key", paused, err)
	}
	if got := len(srv.Requests()) - before; got != 3 { // list (503), list again, pause
		t.Errorf("%d requests; want 3", got)
	}
}

// As a unit, with httpmock on the client's own http.Client: no server at all,
// and exact control of every answer.
func TestPauseIdleWithHTTPMock(t *testing.T) {
	c, err := apikeys.New(
		apikeys.WithBaseURL("https://keys.example.com/v1"),
		apikeys.WithAPIKey("test-credential"),
		apikeys.WithOrganization("org_1"),
		apikeys.WithMaxRetries(0),
	)
	if err != nil {
		t.Fatal(err)
	}
	// Only this client's requests are intercepted; http.DefaultClient is untouched.
	httpmock.ActivateNonDefault(c.HTTPClient())
	t.Cleanup(httpmock.DeactivateAndReset)

	// The full query: a list without the status=active filter finds no
	// responder, and PauseIdle fails. page_size=100 is the reference API's
	// maximum, which the client asks for when ListParams.PageSize is 0.
	const listURL = "https://keys.example.com/v1/organizations/org_1/api-keys?page_size=100&status=active"
	// The first page has no cursor; next_cursor null says it is the last.
	httpmock.RegisterResponder("GET", listURL,
		httpmock.NewStringResponder(200, `{"api_keys":[
			{"id":"k1","key_name":"idle","status":"active","created_at":"2025-01-01T00:00:00Z"},
			{"id":"k2","key_name":"busy","status":"active","created_at":"2025-01-01T00:00:00Z","last_used_at":"2026-01-01T00:00:00Z"}],
			"next_cursor":null}`))
	httpmock.RegisterResponder("POST", "https://keys.example.com/v1/organizations/org_1/api-keys/k1/pause",
		httpmock.NewStringResponder(400, `{"success":false,"error":{"code":"INVALID_STATE_TRANSITION","message":"already paused","status":400}}`))

	now := time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)
	_, err = keyaudit.PauseIdle(t.Context(), c, now, 7*24*time.Hour)
	if !errors.Is(err, apikeys.ErrInvalidTransition) {
		t.Fatalf("err = %v; want ErrInvalidTransition", err)
	}
	if got := httpmock.GetCallCountInfo()["POST https://keys.example.com/v1/organizations/org_1/api-keys/k1/pause"]; got != 1 {
		t.Errorf("pause of k1 called %d times; want 1", got)
	}
	if got := httpmock.GetCallCountInfo()["GET "+listURL]; got != 1 {
		t.Errorf("list of the active keys called %d times; want 1", got)
	}
	if got := httpmock.GetTotalCallCount(); got != 2 {
		t.Errorf("%d calls; want 2 (list, pause k1)", got)
	}
}
