package connect

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/apikeys-go/apikeys"
)

func TestClientChoosesByEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name                           string
		platform, base, key, org, auth string
		serve                          bool // base is a test server's URL + "/v1"; the client must reach it
		wantErr, embedded              bool
		wantPlatform                   apikeys.Platform
		wantPath, wantHeader           string // what the served request looked like
	}{
		{name: "none: embedded reference", embedded: true, wantPlatform: apikeys.Reference},
		{name: "platform only: embedded fake of it", platform: "aitronos", embedded: true, wantPlatform: apikeys.Aitronos},
		{name: "unknown platform: refused", platform: "nope", wantErr: true},
		{name: "all: real", key: "k", org: "o", serve: true, wantPlatform: apikeys.Reference,
			wantPath: "/v1/organizations/o/api-keys/x", wantHeader: "X-API-Key"},
		{name: "sysevo with its header: real", platform: "sysevo", key: "k", auth: "X-Sysevo-Key", serve: true,
			wantPlatform: apikeys.Sysevo, wantPath: "/v1/organizations/api-keys", wantHeader: "X-Sysevo-Key"},
		{name: "reference without an organization: refused", base: "https://keys.example.com/v1", key: "k", wantErr: true},
		{name: "credential alone on reference: refused", key: "k", wantErr: true},
		{name: "organization without a credential: refused", org: "o", wantErr: true},
		{name: "base URL without a credential: refused", base: "https://keys.example.com/v1", wantErr: true},
		{name: "auth header without a credential: refused", auth: "X-Key", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type seen struct{ method, path, cred string }
			var (
				mu   sync.Mutex
				reqs []seen
			)
			if tc.serve {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					reqs = append(reqs, seen{r.Method, r.URL.EscapedPath(), r.Header.Get(tc.wantHeader)})
					mu.Unlock()
					w.Header().Set("Content-Type", "application/json")
					if tc.platform == "sysevo" { // Get is one List call there
						_, _ = io.WriteString(w, `{"api_keys":[{"id":1,"name":"n","archived_at":null}]}`)
						return
					}
					_, _ = io.WriteString(w, `{"id":"x","organization_id":"o","key_name":"n","status":"active"}`)
				}))
				defer srv.Close()
				tc.base = srv.URL + "/v1" // http://127.0.0.1: loopback, allowed without WithInsecureHTTP
			}
			t.Setenv(EnvPlatform, tc.platform)
			t.Setenv(EnvBaseURL, tc.base)
			t.Setenv(EnvAPIKey, tc.key)
			t.Setenv(EnvOrg, tc.org)
			t.Setenv(EnvAuthHeader, tc.auth)
			c, where, embedded, closeFn, err := Client()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			defer closeFn()
			if c == nil || embedded != tc.embedded || where == "" || c.Platform() != tc.wantPlatform {
				t.Fatalf("Client() = %v, %q, embedded %v; want a %s client, a description, embedded %v", c, where, embedded, tc.wantPlatform, tc.embedded)
			}
			if !tc.serve {
				return
			}
			id := "x"
			if tc.platform == "sysevo" {
				id = "1"
			}
			// The variables reach the right options: the organization in
			// the path under the base path, the credential in its header.
			if _, err := c.Get(t.Context(), id); err != nil {
				t.Fatalf("Get: %v", err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := seen{http.MethodGet, tc.wantPath, "k"}
			if len(reqs) != 1 || reqs[0] != want {
				t.Errorf("server saw %+v, want exactly %+v", reqs, want)
			}
		})
	}
}
