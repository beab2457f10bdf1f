package connect

import (
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func TestClientChoosesByEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name              string
		base, key, org    string
		serve             bool // base is a test server's URL + "/v1"; the client must reach it
		wantErr, embedded bool
	}{
		{name: "none: embedded", embedded: true},
		{name: "all: real", key: "k", org: "o", serve: true},
		{name: "some: refused", base: "https://keys.example.com/v1", key: "k", wantErr: true},
		{name: "one: refused", org: "o", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			type seen struct{ method, path, apiKey string }
			var (
				mu   sync.Mutex
				reqs []seen
			)
			if tc.serve {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					reqs = append(reqs, seen{r.Method, r.URL.EscapedPath(), r.Header.Get("X-API-Key")})
					mu.Unlock()
					w.Header().Set("Content-Type", "application/json")
					_, _ = io.WriteString(w, `{"id":"x","organization_id":"o","key_name":"n","status":"active"}`)
				}))
				defer srv.Close()
				tc.base = srv.URL + "/v1" // http://127.0.0.1: loopback, allowed without WithInsecureHTTP
			}
			t.Setenv(EnvBaseURL, tc.base)
			t.Setenv(EnvAPIKey, tc.key)
			t.Setenv(EnvOrg, tc.org)
			c, where, embedded, closeFn, err := Client()
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, want error %v", err, tc.wantErr)
			}
			if err != nil {
				return
			}
			defer closeFn()
			if c == nil || embedded != tc.embedded || where == "" {
				t.Fatalf("Client() = %v, %q, embedded %v; want a client, a description, embedded %v", c, where, embedded, tc.embedded)
			}
			if !tc.serve {
				return
			}
			if where != tc.base {
				t.Errorf("where = %q, want the base URL %q", where, tc.base)
			}
			// The three variables reach the right options: the organization
			// in the path under the base path, the credential in X-API-Key.
			k, err := c.Get(t.Context(), "x")
			if err != nil || k.ID != "x" {
				t.Fatalf("Get = %+v, %v; want key x", k, err)
			}
			mu.Lock()
			defer mu.Unlock()
			want := seen{http.MethodGet, "/v1/organizations/o/api-keys/x", "k"}
			if len(reqs) != 1 || reqs[0] != want {
				t.Errorf("server saw %+v, want exactly %+v", reqs, want)
			}
		})
	}
}
