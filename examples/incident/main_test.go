package main

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

func seed(t *testing.T, c *apikeys.Client, names ...string) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for _, n := range names {
		k, err := c.Create(t.Context(), apikeys.CreateParams{Name: n})
		if err != nil {
			t.Fatal(err)
		}
		ids[n] = k.Key.ID
	}
	return ids
}

func TestRunPausesMatches(t *testing.T) {
	srv := apikeystest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ids := seed(t, c, "ci-a", "web", "ci-b")
	var out, progress bytes.Buffer
	if code := run(t.Context(), c, "ci-", 4, &out, &progress); code != 0 {
		t.Fatalf("exit code %d\n%s%s", code, out.String(), progress.String())
	}
	want := map[string]apikeys.Status{"ci-a": apikeys.StatusPaused, "ci-b": apikeys.StatusPaused, "web": apikeys.StatusActive}
	for name, status := range want {
		k, err := c.Get(t.Context(), ids[name])
		if err != nil {
			t.Fatal(err)
		}
		if k.Status != status {
			t.Errorf("%s: status %q; want %q", name, k.Status, status)
		}
	}
	if !strings.Contains(progress.String(), "paused 2/2 keys, 0 failed") {
		t.Errorf("progress = %q", progress.String())
	}
	if got := strings.Count(out.String(), "paused"); got != 2 {
		t.Errorf("summary has %d paused rows; want 2:\n%s", got, out.String())
	}
}

// failPauses answers every pause with a 500, as a broken gateway would.
type failPauses struct{ next http.RoundTripper }

func (f failPauses) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/pause") {
		return &http.Response{
			StatusCode: 500, Header: http.Header{}, Request: r,
			Body: io.NopCloser(strings.NewReader(`{"success":false,"error":{"code":"INTERNAL_ERROR","message":"boom"}}`)),
		}, nil
	}
	return f.next.RoundTrip(r)
}

func TestRunExitCodeOnFailure(t *testing.T) {
	srv := apikeystest.NewServer()
	defer srv.Close()
	hc := &http.Client{Transport: failPauses{http.DefaultTransport}}
	c, err := srv.Client(apikeys.WithHTTPClient(hc), apikeys.WithMaxRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	seed(t, c, "ci-a", "ci-b")
	var out, progress bytes.Buffer
	if code := run(t.Context(), c, "ci-", 2, &out, &progress); code != 1 {
		t.Fatalf("exit code %d; want 1\n%s", code, out.String())
	}
	if got := strings.Count(out.String(), "FAILED"); got != 2 {
		t.Errorf("summary has %d failures; want 2:\n%s", got, out.String())
	}
	if !strings.Contains(progress.String(), "paused 0/2 keys, 2 failed") {
		t.Errorf("progress = %q", progress.String())
	}
}

func TestRunRefusesEmptyPattern(t *testing.T) {
	srv := apikeystest.NewServer()
	defer srv.Close()
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	if code := run(t.Context(), c, "", 1, &out, &progress); code != 2 {
		t.Errorf("exit code %d; want 2", code)
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests; want 0", n)
	}
}
