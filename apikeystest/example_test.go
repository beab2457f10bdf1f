package apikeystest_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// staleKeys is the code under test: the active keys not used for the given
// time, never-used ones included when they are that old.
func staleKeys(ctx context.Context, client *apikeys.Client, now time.Time, unused time.Duration) ([]string, error) {
	var names []string
	for k, err := range client.List(ctx, apikeys.ListParams{Status: apikeys.StatusActive}) {
		if err != nil {
			return nil, err
		}
		last := k.CreatedAt
		if k.LastUsedAt != nil {
			last = *k.LastUsedAt
		}
		if now.Sub(last) > unused {
			names = append(names, k.Name)
		}
	}
	return names, nil
}

// Finding stale keys needs keys last used at chosen times, which no create
// can make: AddKey puts them on the server directly.
func ExampleServer_AddKey() {
	now := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	srv := apikeystest.NewServer(apikeystest.WithClock(func() time.Time { return now }), apikeystest.WithoutListener())
	defer srv.Close()

	daysAgo := func(n int) *time.Time { t := now.AddDate(0, 0, -n); return &t }
	for _, k := range []apikeys.Key{
		{Name: "ci", CreatedAt: *daysAgo(400), LastUsedAt: daysAgo(1)},
		{Name: "old laptop", CreatedAt: *daysAgo(400), LastUsedAt: daysAgo(200)},
		{Name: "never used", CreatedAt: *daysAgo(120)},
		{Name: "new", CreatedAt: *daysAgo(2)},
		{Name: "revoked", CreatedAt: *daysAgo(400), Status: apikeys.StatusRevoked, LastUsedAt: daysAgo(300)},
	} {
		if _, _, err := srv.AddKey(k); err != nil {
			log.Fatal(err)
		}
	}

	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	stale, err := staleKeys(context.Background(), client, now, 90*24*time.Hour)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(stale)
	// Output: [old laptop never used]
}

// A key the platform cannot hold is refused, not stored without the part it
// cannot show: Aitronos keys have no last use.
func ExampleServer_AddKey_unrepresentable() {
	srv := apikeystest.NewServer(apikeystest.WithPlatform(apikeys.Aitronos), apikeystest.WithoutListener())
	defer srv.Close()

	used := time.Now().Add(-time.Hour)
	_, _, err := srv.AddKey(apikeys.Key{Name: "ci", LastUsedAt: &used})
	fmt.Println(errors.Is(err, apikeystest.ErrUnrepresentable))
	fmt.Println(err)
	// Output:
	// true
	// apikeystest: AddKey: the platform cannot represent the key: aitronos: LastUsedAt is not part of this platform's key object
}

// FailOn aims a failure at one request: here the step that retires the old
// key in a rotation, after the replacement exists.
func ExampleServer_FailOn() {
	srv := apikeystest.NewServer(apikeystest.WithPlatform(apikeys.Aitronos), apikeystest.WithoutListener())
	defer srv.Close()
	client, err := srv.Client(apikeys.WithMaxRetries(0))
	if err != nil {
		log.Fatal(err)
	}
	old, _, err := srv.AddKey(apikeys.Key{Name: "deploy"})
	if err != nil {
		log.Fatal(err)
	}

	srv.FailOn(http.MethodPost, "/v1/organizations/*/api-keys/*/deactivate", 1, http.StatusServiceUnavailable, 0)
	created, err := client.Rotate(context.Background(), old.ID, apikeys.RotateParams{})
	fmt.Println("replacement returned:", created != nil && !created.Secret.IsZero())
	fmt.Println("server error:", errors.Is(err, apikeys.ErrServer))
	for _, r := range srv.Requests() {
		fmt.Println(r.Method, len(r.Path) > 0)
	}
	// Output:
	// replacement returned: true
	// server error: true
	// GET true
	// POST true
	// POST true
}

// DropOn applies a chosen request and then cuts its connection, as a
// network failure after the server did the work would: the reference API's
// Idempotency-Key lets the client's retry recover the create's answer.
func ExampleServer_DropOn() {
	srv := apikeystest.NewServer(apikeystest.WithoutListener())
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	srv.DropOn(http.MethodPost, "/v1/organizations/*/api-keys", 1)
	created, err := client.Create(context.Background(), apikeys.CreateParams{Name: "ci"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.Key.Name, created.Secret.IsZero(), len(srv.Requests()))
	// Output: ci false 2
}

// WithoutListener and Transport serve the API in process: no socket, no
// port, and any HTTP client, the SDK's or your own.
func ExampleServer_Transport() {
	srv := apikeystest.NewServer(apikeystest.WithoutListener(), apikeystest.WithAdminKey("ak_admin_example"))
	defer srv.Close()

	hc := &http.Client{Transport: srv.Transport()}
	req, err := http.NewRequest(http.MethodGet, srv.URL+"/organizations/org_test/api-keys", nil)
	if err != nil {
		log.Fatal(err)
	}
	req.Header.Set("X-API-Key", "ak_admin_example")
	resp, err := hc.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(srv.URL)
	fmt.Println(resp.Status, string(body))
	// Output:
	// http://localhost/v1
	// 200 OK {"api_keys":[],"next_cursor":null}
}
