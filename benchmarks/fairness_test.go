package benchmarks

import (
	"context"
	"encoding/hex"
	"net/http"
	"reflect"
	"sync"
	"testing"

	"github.com/apikeys-go/apikeys"
)

// seen is one request as the server received it.
type seen struct {
	method, path, query string
	header              http.Header
	body                string
}

// TestClientsSendTheSameRequests keeps the comparison honest: for every
// benchmarked operation the three clients send the same method, path, query,
// headers and body bytes (the Idempotency-Key differs by design: 128 random
// bits on every mutation), and get the same key back.
func TestClientsSendTheSameRequests(t *testing.T) {
	f, ts := startFixture(t)
	var mu sync.Mutex
	var got []seen
	f.onRequest = func(r *http.Request, body []byte) {
		mu.Lock()
		defer mu.Unlock()
		got = append(got, seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, r.Header.Clone(), string(body)})
	}
	c := newClients(t, ts.URL+basePath, benchOrg, benchAPIKey)
	ctx := context.Background()
	for _, op := range []struct {
		name string
		vs   []variant
	}{{"Get", getOp(c)}, {"Update", updateOp(c)}, {"Pause", pauseOp(c)}, {"List", listOp(c)}, {"Create", createOp(c)}} {
		t.Run(op.name, func(t *testing.T) {
			mu.Lock()
			got = nil
			mu.Unlock()
			for _, v := range op.vs {
				if err := v.call(ctx); err != nil {
					t.Fatalf("%s: %v", v.name, err)
				}
			}
			if len(got) != len(op.vs) {
				t.Fatalf("server saw %d requests, want %d", len(got), len(op.vs))
			}
			idem := map[string]bool{}
			for i, r := range got {
				if k := r.header.Get("Idempotency-Key"); r.method != http.MethodGet {
					if raw, err := hex.DecodeString(k); err != nil || len(raw) < 16 || idem[k] {
						t.Errorf("%s: Idempotency-Key %q is not 128 fresh random bits", op.vs[i].name, k)
					}
					idem[k] = true
				}
				r.header.Del("Idempotency-Key")
				if i == 0 {
					continue
				}
				want := got[0]
				if r.method != want.method || r.path != want.path || r.query != want.query || r.body != want.body {
					t.Errorf("%s sent %s %s?%s %s\n%s sent %s %s?%s %s", op.vs[i].name, r.method, r.path, r.query, r.body,
						op.vs[0].name, want.method, want.path, want.query, want.body)
				}
				if !reflect.DeepEqual(r.header, want.header) {
					t.Errorf("%s sent headers %v\n%s sent %v", op.vs[i].name, r.header, op.vs[0].name, want.header)
				}
			}
			t.Logf("%s %s?%s, %d-byte body, headers %v", got[0].method, got[0].path, got[0].query, len(got[0].body), got[0].header)
		})
	}
}

// TestClientsDecodeTheSameKey: the SDK's Key and the raw client's rawKey
// hold the same values, so both did the whole decoding work.
func TestClientsDecodeTheSameKey(t *testing.T) {
	_, ts := startFixture(t)
	c := newClients(t, ts.URL+basePath, benchOrg, benchAPIKey)
	ctx := context.Background()
	k, err := c.sdk.Get(ctx, benchKeyID)
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range []*rawClient{c.raw, c.retryable} {
		r, err := rc.Get(ctx, benchKeyID)
		if err != nil {
			t.Fatal(err)
		}
		actions := make([]apikeys.Action, len(r.AvailableActions))
		for i, a := range r.AvailableActions {
			actions[i] = apikeys.Action(a)
		}
		want := apikeys.Key{
			ID: r.ID, OrganizationID: r.OrganizationID, Name: r.KeyName, Prefix: r.KeyPrefix,
			Status: apikeys.Status(r.Status), Scopes: r.Scopes, UsageLimitCHF: r.UsageLimitCHF,
			PermissionMode: apikeys.PermissionMode(r.PermissionMode), Access: r.Access,
			ProjectID: r.ProjectScope.Single.ProjectID, CreatedBy: r.CreatedBy, UpdatedBy: r.UpdatedBy,
			CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, LastUsedAt: r.LastUsedAt, ExpiresAt: r.ExpiresAt,
			ArchivedAt: r.ArchivedAt, RevokedAt: r.RevokedAt, AvailableActions: actions,
			Platform: apikeys.Reference, PlatformStatus: r.Status,
		}
		if !reflect.DeepEqual(*k, want) {
			t.Errorf("SDK decoded %+v\nraw decoded %+v", *k, want)
		}
		if !r.IsActive || k.Status != apikeys.StatusActive || k.ProjectID != "prj_42" || len(k.AvailableActions) != 4 {
			t.Errorf("fixture not decoded in full: %+v", *k)
		}
	}
}
