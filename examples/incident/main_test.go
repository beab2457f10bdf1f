package main

import (
	"bytes"
	"io"
	"net/http"
	"regexp"
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

// TestRunSuspendsMatches runs the same incident on two platforms: Suspend
// pauses on both, and on Aitronos a paused key then reads as inactive (its
// key object cannot tell the two apart).
func TestRunSuspendsMatches(t *testing.T) {
	for _, p := range []apikeys.Platform{apikeys.Reference, apikeys.Aitronos} {
		t.Run(string(p), func(t *testing.T) {
			srv := apikeystest.NewServer(apikeystest.WithPlatform(p))
			defer srv.Close()
			c, err := srv.Client()
			if err != nil {
				t.Fatal(err)
			}
			ids := seed(t, c, "ci-a", "web", "ci-b")
			before := len(srv.Requests())
			var out, progress bytes.Buffer
			if code := run(t.Context(), c, "ci-", 4, &out, &progress); code != 0 {
				t.Fatalf("exit code %d\n%s%s", code, out.String(), progress.String())
			}
			for name, stopped := range map[string]bool{"ci-a": true, "ci-b": true, "web": false} {
				k, err := c.Get(t.Context(), ids[name])
				if err != nil {
					t.Fatal(err)
				}
				if (k.Status != apikeys.StatusActive) != stopped {
					t.Errorf("%s: status %q; want it stopped: %v", name, k.Status, stopped)
				}
			}
			// One list, then one pause per matching key, and nothing else.
			var calls []string
			for _, r := range srv.Requests()[before:] {
				if r.Method != http.MethodGet {
					calls = append(calls, r.Method+" "+r.Path[strings.LastIndex(r.Path, "/"):])
				}
			}
			if want := []string{"POST /pause", "POST /pause"}; strings.Join(calls, ",") != strings.Join(want, ",") {
				t.Errorf("mutations %q; want %q", calls, want)
			}
			if !strings.Contains(progress.String(), "pause: 2/2 done: 2 stopped, 0 refused, 0 failed") {
				t.Errorf("progress = %q", progress.String())
			}
			if got := strings.Count(out.String(), "paused"); got != 2 {
				t.Errorf("summary has %d paused rows; want 2:\n%s", got, out.String())
			}
		})
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
	if !strings.Contains(progress.String(), "pause: 2/2 done: 0 stopped, 0 refused, 2 failed") {
		t.Errorf("progress = %q", progress.String())
	}
	if !regexp.MustCompile(`failed: server error +2\n`).MatchString(out.String()) {
		t.Errorf("totals do not count 2 server errors:\n%s", out.String())
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

// pausedBehindItsBack pauses a key just before the client's own pause of it
// arrives, as another operator acting at the same moment would.
type pausedBehindItsBack struct {
	next http.RoundTripper
	id   string
}

func (p pausedBehindItsBack) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasSuffix(r.URL.Path, "/"+p.id+"/pause") {
		first := r.Clone(r.Context())
		first.Header.Set("Idempotency-Key", "other-operator")
		if resp, err := p.next.RoundTrip(first); err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	return p.next.RoundTrip(r)
}

// A key that changed between the list and the stop is refused by the
// platform's table, and counted as refused, not as failed.
func TestRunCountsRefusals(t *testing.T) {
	srv := apikeystest.NewServer()
	defer srv.Close()
	setup, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	ids := seed(t, setup, "ci-a", "ci-b")
	hc := &http.Client{Transport: pausedBehindItsBack{http.DefaultTransport, ids["ci-b"]}}
	c, err := srv.Client(apikeys.WithHTTPClient(hc))
	if err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	if code := run(t.Context(), c, "ci-", 2, &out, &progress); code != 1 {
		t.Fatalf("exit code %d; want 1\n%s", code, out.String())
	}
	for _, want := range []string{`stopped +1\n`, `refused \(changed since listed\) +1\n`, `ci-b +REFUSED: `} {
		if !regexp.MustCompile(want).MatchString(out.String()) {
			t.Errorf("summary does not match %q:\n%s", want, out.String())
		}
	}
	if !strings.Contains(progress.String(), "pause: 2/2 done: 1 stopped, 1 refused, 0 failed") {
		t.Errorf("progress = %q", progress.String())
	}
}
