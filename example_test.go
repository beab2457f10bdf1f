package apikeys_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

func ExampleNew() {
	client, err := apikeys.New(
		apikeys.WithBaseURL("https://keys.example.com/v1"),
		apikeys.WithAPIKey("ak_admin_example"), // in real code: from a secret store
		apikeys.WithOrganization("org_acme"),
		apikeys.WithUserAgent("deploy-bot/2.1"),
		apikeys.WithMaxRetries(3),
		apikeys.WithRequestTimeout(10*time.Second),
	)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("client ready:", client != nil)

	// Every problem with the options is reported by New, before any request.
	_, err = apikeys.New(
		apikeys.WithBaseURL("http://keys.example.com/v1"),
		apikeys.WithAPIKey("ak_admin_example"),
		apikeys.WithOrganization("org_acme"),
	)
	fmt.Println(err)
	fmt.Println(errors.Is(err, apikeys.ErrInvalidParams))
	// Output:
	// client ready: true
	// apikeys: invalid WithBaseURL: http:// to a non-loopback host sends the credential in clear text; use https or WithInsecureHTTP
	// true
}

func ExampleClient_Create() {
	// apikeystest runs the reference API in memory; in production, build the
	// client with New.
	srv := apikeystest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	created, err := client.Create(ctx, apikeys.CreateParams{
		Name:          "ci deploy",
		Scopes:        []string{"keys:read", "keys:write"},
		UsageLimitCHF: apikeys.Ptr(50.0),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(created.Key.Name, created.Key.Status, created.Key.Scopes, *created.Key.UsageLimitCHF)

	// The secret is returned this once. Reveal gives it to you to store;
	// printing, logging or marshaling it shows only the public prefix.
	secret := created.Secret.Reveal()
	fmt.Println(len(secret) > len(created.Key.Prefix))
	fmt.Println(fmt.Sprint(created.Secret) == created.Key.Prefix+"[REDACTED]")
	// Output:
	// ci deploy active [keys:read keys:write] 50
	// true
	// true
}

func ExampleClient_Update_clearExpiry() {
	srv := apikeystest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	created, err := client.Create(ctx, apikeys.CreateParams{
		Name:      "temporary",
		ExpiresAt: apikeys.Ptr(time.Now().Add(24 * time.Hour)),
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("expires:", created.Key.ExpiresAt != nil)

	// A nil field keeps its value; ClearExpiresAt removes the expiry.
	key, err := client.Update(ctx, created.Key.ID, apikeys.UpdateParams{
		Name:           apikeys.Ptr("permanent"),
		ClearExpiresAt: true,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.Name, "expires:", key.ExpiresAt != nil)

	// Setting and clearing the expiry at once is refused before any request.
	_, err = client.Update(ctx, key.ID, apikeys.UpdateParams{
		ExpiresAt:      apikeys.Ptr(time.Now().Add(time.Hour)),
		ClearExpiresAt: true,
	})
	fmt.Println(err)
	// Output:
	// expires: true
	// permanent expires: false
	// apikeys: invalid ExpiresAt: conflicts with ClearExpiresAt
}

func ExampleClient_Transition() {
	srv := apikeystest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	created, err := client.Create(ctx, apikeys.CreateParams{Name: "leaked"})
	if err != nil {
		log.Fatal(err)
	}
	key, err := client.Transition(ctx, created.Key, apikeys.ActionPause)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.Status, key.AvailableActions)

	// The transition table is checked locally: a refused action costs no
	// request.
	_, err = client.Transition(ctx, key, apikeys.ActionActivate)
	fmt.Println(err)
	fmt.Println(errors.Is(err, apikeys.ErrInvalidTransition))

	key, err = client.Transition(ctx, key, apikeys.ActionUnpause)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(key.Status)
	// Output:
	// paused [deactivate unpause archive revoke]
	// apikeys: cannot activate a key that is "paused"
	// true
	// active
}

func ExampleClient_Get_notFound() {
	srv := apikeystest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}

	_, err = client.Get(context.Background(), "key_does_not_exist")
	if errors.Is(err, apikeys.ErrNotFound) {
		fmt.Println("no such key")
	}
	var apiErr *apikeys.APIError
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.StatusCode, apiErr.Code)
	}
	// Output:
	// no such key
	// 404 API_KEY_NOT_FOUND
}

func ExampleClient_List() {
	srv := apikeystest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()

	for _, name := range []string{"alpha", "beta", "gamma", "delta"} {
		created, err := client.Create(ctx, apikeys.CreateParams{Name: name})
		if err != nil {
			log.Fatal(err)
		}
		if name == "beta" {
			if _, err := client.Archive(ctx, created.Key.ID); err != nil {
				log.Fatal(err)
			}
		}
	}

	// List follows every page (here of 2 keys) as the loop reaches it.
	for key, err := range client.List(ctx, apikeys.ListParams{PageSize: 2}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(key.Name, key.Status)
	}
	fmt.Println("--- with archived keys")
	for key, err := range client.List(ctx, apikeys.ListParams{IncludeArchived: true}) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(key.Name, key.Status)
	}
	// Output:
	// alpha active
	// gamma active
	// delta active
	// --- with archived keys
	// alpha active
	// beta archived
	// gamma active
	// delta active
}
