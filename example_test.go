package apikeys_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
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

func ExampleClient_Rotate() {
	srv := apikeystest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	old, err := client.Create(ctx, apikeys.CreateParams{Name: "billing", Scopes: []string{"invoices:read"}})
	if err != nil {
		log.Fatal(err)
	}

	// The replacement copies the old key's settings; the old key keeps
	// working for a day, so deployments can switch over.
	created, err := client.Rotate(ctx, old.Key.ID, apikeys.RotateParams{Grace: 24 * time.Hour})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("new:", created.Key.Name, created.Key.Scopes, created.Key.Status)
	// Store created.Secret.Reveal() now: it is shown this once.
	before, err := client.Get(ctx, old.Key.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("old:", before.Status, "expires within a day:", before.ExpiresAt.Before(time.Now().Add(25*time.Hour)))

	// Grace 0 retires the old key at once (archive on the reference API).
	if _, err := client.Rotate(ctx, created.Key.ID, apikeys.RotateParams{Grace: 0, Name: apikeys.Ptr("billing-v3")}); err != nil {
		log.Fatal(err)
	}
	retired, err := client.Get(ctx, created.Key.ID)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("retired:", retired.Status)

	// A key that cannot be retired is refused before anything is created.
	_, err = client.Rotate(ctx, created.Key.ID, apikeys.RotateParams{})
	fmt.Println(errors.Is(err, apikeys.ErrInvalidTransition))
	// Output:
	// new: billing [invoices:read] active
	// old: active expires within a day: true
	// retired: archived
	// true
}

func ExampleClient_TransitionEach() {
	srv := apikeystest.NewServer()
	defer srv.Close()
	client, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	var ids []string
	for _, name := range []string{"ci-deploy", "ci-tests", "ci-nightly"} {
		created, err := client.Create(ctx, apikeys.CreateParams{Name: name})
		if err != nil {
			log.Fatal(err)
		}
		ids = append(ids, created.Key.ID)
	}

	// Each result arrives as it completes, in no set order: enough for a
	// progress line. Breaking out of the loop cancels the rest.
	done, failed := 0, 0
	for r := range client.TransitionEach(ctx, apikeys.ActionPause, ids, 2) {
		done++
		if r.Err != nil {
			failed++
		}
		fmt.Printf("%d/%d done, %d failed\n", done, len(ids), failed)
	}
	// Output:
	// 1/3 done, 0 failed
	// 2/3 done, 0 failed
	// 3/3 done, 0 failed
}

func ExampleWithLogger() {
	// A server that answers a create, then refuses the credential and
	// echoes it in its error message, as some servers do.
	const credential = "ak_admin_9f8e7d6c5b4a"
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusCreated)
			fmt.Fprint(w, `{"id":"key_1","organization_id":"org_acme","key_name":"ci","key_prefix":"ak_live_5e6f",`+
				`"status":"active","key":"ak_live_5e6f_0123456789abcdef0123456789abcdef"}`)
			return
		}
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"success":false,"error":{"code":"INVALID_API_KEY","message":"unknown key %s","status":401}}`,
			r.Header.Get("X-API-Key"))
	}))
	defer api.Close()

	// One debug line per attempt. Times and durations are dropped here only
	// so that the output below stays the same from run to run.
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		Level: slog.LevelDebug,
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "request_id":
				return slog.Attr{}
			}
			return a
		},
	}))
	client, err := apikeys.New(
		apikeys.WithBaseURL(api.URL+"/v1"),
		apikeys.WithAPIKey(credential),
		apikeys.WithOrganization("org_acme"),
		apikeys.WithLogger(logger),
	)
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	created, err := client.Create(ctx, apikeys.CreateParams{Name: "ci"})
	if err != nil {
		log.Fatal(err)
	}
	// A Secret logs as its public prefix only.
	logger.Info("created", "id", created.Key.ID, "secret", created.Secret)

	// The credential never reaches a log line or an error, even when the
	// server echoes it.
	_, err = client.Get(ctx, "key_1")
	logger.Error("get failed", "err", err)
	// Output:
	// level=DEBUG msg="apikeys: attempt" method=POST path=/organizations/org_acme/api-keys attempt=1 status=201
	// level=INFO msg=created id=key_1 secret=ak_live_5e6f[REDACTED]
	// level=DEBUG msg="apikeys: attempt" method=GET path=/organizations/org_acme/api-keys/key_1 attempt=1 status=401
	// level=ERROR msg="get failed" err="apikeys: reference: get key key_1: 401 INVALID_API_KEY: unknown key [REDACTED]"
}

func ExampleFromEnv() {
	// In real use these come from the deployment; set here for the example.
	for name, value := range map[string]string{
		apikeys.EnvPlatform: "orq-ai",
		apikeys.EnvAPIKey:   "sk-orq-example",
	} {
		os.Setenv(name, value)
		defer os.Unsetenv(name)
	}

	client, err := apikeys.New(apikeys.FromEnv())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(client.Platform())

	// An explicit option wins over the environment, wherever FromEnv
	// stands; but naming another platform than APIKEYS_PLATFORM is refused,
	// so a credential never goes to a platform it was not meant for.
	_, err = apikeys.New(apikeys.FromEnv(), apikeys.WithPlatform(apikeys.Aitronos))
	fmt.Println(errors.Is(err, apikeys.ErrInvalidParams))
	// Output:
	// orq-ai
	// true
}

func ExampleWithPlatform() {
	client, err := apikeys.New(
		apikeys.WithPlatform(apikeys.OrqAI), // base URL and credential header: the platform's own
		apikeys.WithAPIKey("sk-orq-example"),
	)
	if err != nil {
		log.Fatal(err)
	}
	caps := client.Platform().Capabilities()
	fmt.Println(caps.DefaultBaseURL, caps.Actions)

	// What the platform lacks is refused locally, with no request.
	_, err = client.Pause(context.Background(), "01HZX")
	fmt.Println(err)
	fmt.Println(errors.Is(err, apikeys.ErrUnsupported))
	// Output:
	// https://api.orq.ai [activate deactivate revoke delete]
	// apikeys: orq-ai: pause is not supported
	// true
}

func ExampleClient_Suspend() {
	ctx := context.Background()
	// The same call stops a key on every platform, with the mildest
	// reversible action each has.
	for _, p := range []apikeys.Platform{apikeys.Reference, apikeys.OrqAI, apikeys.Sysevo} {
		srv := apikeystest.NewServer(apikeystest.WithPlatform(p))
		client, err := srv.Client()
		if err != nil {
			log.Fatal(err)
		}
		created, err := client.Create(ctx, apikeys.CreateParams{Name: "leaked"})
		if err != nil {
			log.Fatal(err)
		}
		key, err := client.Suspend(ctx, created.Key.ID)
		if err != nil {
			log.Fatal(err)
		}
		action, _ := p.SuspendAction()
		fmt.Println(p, action, key.Status)
		srv.Close()
	}
	// Output:
	// reference pause paused
	// orq-ai deactivate inactive
	// sysevo archive archived
}
