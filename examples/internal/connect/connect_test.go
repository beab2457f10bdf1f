package connect

import "testing"

func TestClientChoosesByEnvironment(t *testing.T) {
	for _, tc := range []struct {
		name              string
		base, key, org    string
		wantErr, embedded bool
	}{
		{name: "none: embedded", embedded: true},
		{name: "all: real", base: "https://keys.example.com/v1", key: "k", org: "o"},
		{name: "some: refused", base: "https://keys.example.com/v1", key: "k", wantErr: true},
		{name: "one: refused", org: "o", wantErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
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
				t.Errorf("Client() = %v, %q, embedded %v; want a client, a description, embedded %v", c, where, embedded, tc.embedded)
			}
		})
	}
}
