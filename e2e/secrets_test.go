package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/apikeys-go/apikeys"
)

// lockedBuffer is a bytes.Buffer safe for a logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsNeverSent: the client never sends a secret back, and the
// credential travels only in X-API-Key. Nor does either reach the debug log,
// an error or a printed Key.
func TestSecretsNeverSent(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e := newEnv(t, withoutKeepAlive(), withClientOptions(apikeys.WithLogger(logger)))

	var secrets []string
	var created []*apikeys.CreatedKey
	keep := func(ck *apikeys.CreatedKey) {
		created = append(created, ck)
		secrets = append(secrets, ck.Secret.Reveal())
	}
	keep(e.create(fullParams))
	keep(e.create(apikeys.CreateParams{Name: "plain"}))
	e.srv.DropNext(1) // a replayed create response holds the secret too
	keep(e.create(apikeys.CreateParams{Name: "replayed"}))
	rotated, err := e.c.Rotate(e.ctx, created[0].Key.ID, apikeys.RotateParams{Grace: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	keep(rotated)
	// Use every key afterwards, so that the client has every chance to leak.
	for _, ck := range created {
		if _, err := e.c.Update(e.ctx, ck.Key.ID, apikeys.UpdateParams{Name: apikeys.Ptr("renamed " + ck.Key.Prefix)}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.c.Pause(e.ctx, ck.Key.ID); err != nil {
			t.Fatal(err)
		}
	}
	e.listAll(apikeys.ListParams{PageSize: 2})
	e.c.TransitionMany(e.ctx, apikeys.ActionRevoke, []string{created[0].Key.ID, "key_unknown"}, 2)
	_, apiErr := e.c.Get(e.ctx, "key_unknown")
	_, rotErr := e.c.Rotate(e.ctx, created[0].Key.ID, apikeys.RotateParams{}) // refused: revoked

	for i, s := range secrets {
		if len(s) < 20 || !strings.HasPrefix(s, created[i].Key.Prefix) {
			t.Fatalf("secret %d is not a secret", i)
		}
	}
	admin := e.srv.AdminKey
	reqs := e.srv.Requests()
	if len(reqs) < 15 {
		t.Fatalf("only %d requests", len(reqs))
	}
	for i, r := range reqs {
		where := fmt.Sprintf("request %d (%s %s)", i, r.Method, r.Path)
		if got := r.Header.Values("X-Api-Key"); len(got) != 1 || got[0] != admin {
			t.Errorf("%s: X-API-Key %d values, want the admin key once", where, len(got))
		}
		places := map[string]string{"path": r.Path, "query": r.Query.Encode(), "body": string(r.Body)}
		for name, vs := range r.Header {
			if name != "X-Api-Key" {
				places["header "+name] = strings.Join(vs, "\n")
			}
		}
		for place, text := range places {
			if strings.Contains(text, admin) {
				t.Errorf("%s: the admin key in the %s", where, place)
			}
			for j, s := range secrets {
				if strings.Contains(text, s) {
					t.Errorf("%s: secret %d in the %s", where, j, place)
				}
			}
		}
	}
	printed := logs.String()
	for _, c := range created {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		printed += fmt.Sprintf("\n%v %+v %#v %s\n%s", c, c, c, c.Secret, b)
	}
	if apiErr == nil || rotErr == nil {
		t.Fatalf("Get of an unknown key: %v; Rotate of a revoked key: %v; want errors", apiErr, rotErr)
	}
	printed += "\n" + apiErr.Error() + "\n" + rotErr.Error()
	if !strings.Contains(logs.String(), "apikeys: attempt") {
		t.Errorf("the debug log is empty; the test would not see a leak: %q", logs.String())
	}
	if strings.Contains(printed, admin) {
		t.Errorf("the admin key appears in logs, errors or printed keys")
	}
	for j, s := range secrets {
		if strings.Contains(printed, s) {
			t.Errorf("secret %d appears in logs, errors or printed keys", j)
		}
	}
}

// TestRequestHeaders: what DESIGN.md promises on every request, as the server
// received it (the validator checks the same on the client's side).
func TestRequestHeaders(t *testing.T) {
	t.Parallel()
	e := newEnv(t, withClientOptions(apikeys.WithUserAgent("e2e-suite/1.0")))
	k := e.create(apikeys.CreateParams{Name: "h"}).Key
	if _, err := e.c.Update(e.ctx, k.ID, apikeys.UpdateParams{Scopes: []string{}}); err != nil {
		t.Fatal(err)
	}
	e.mustGet(k.ID)
	e.listAll(apikeys.ListParams{})
	if _, err := e.c.Archive(e.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	if err := e.c.Delete(e.ctx, k.ID); err != nil {
		t.Fatal(err)
	}
	wantUA := "apikeys-go/" + apikeys.Version + " e2e-suite/1.0"
	for i, r := range e.srv.Requests() {
		if ua := r.Header.Get("User-Agent"); ua != wantUA {
			t.Errorf("request %d: User-Agent %q, want %q", i, ua, wantUA)
		}
		if a := r.Header.Get("Accept"); a != "application/json" {
			t.Errorf("request %d: Accept %q", i, a)
		}
		hasBody := r.Method == http.MethodPost && r.Path == "/v1/organizations/"+e.srv.OrgID+"/api-keys" || r.Method == http.MethodPatch
		if (r.Body != nil) != hasBody || (r.Header.Get("Content-Type") == "application/json") != hasBody {
			t.Errorf("request %d (%s %s): body %q, Content-Type %q", i, r.Method, r.Path, r.Body, r.Header.Get("Content-Type"))
		}
	}
}
