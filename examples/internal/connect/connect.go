// Package connect gives the examples their client: a real service when
// APIKEYS_BASE_URL, APIKEYS_API_KEY and APIKEYS_ORG are set, otherwise an
// embedded apikeystest server, so every example runs with no flags and no
// network.
package connect

import (
	"errors"
	"os"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// Env names the environment variables that select a real service.
const (
	EnvBaseURL = "APIKEYS_BASE_URL"
	EnvAPIKey  = "APIKEYS_API_KEY"
	EnvOrg     = "APIKEYS_ORG"
)

// Client returns a client, a description of where it points, and a function
// that releases what Client started. Embedded reports whether the client talks
// to the in-memory server (which the examples may seed with demo keys).
func Client(opts ...apikeys.Option) (c *apikeys.Client, where string, embedded bool, closeFn func(), err error) {
	base, key, org := os.Getenv(EnvBaseURL), os.Getenv(EnvAPIKey), os.Getenv(EnvOrg)
	set := 0
	for _, v := range []string{base, key, org} {
		if v != "" {
			set++
		}
	}
	switch set {
	case 1, 2:
		// Falling back to the fake here would let a typo send a person's
		// incident response to an in-memory server.
		return nil, "", false, nil, errors.New("set all of " + EnvBaseURL + ", " + EnvAPIKey + " and " + EnvOrg + ", or none")
	case 3:
		opts = append([]apikeys.Option{
			apikeys.WithBaseURL(base), apikeys.WithAPIKey(key), apikeys.WithOrganization(org),
		}, opts...)
		c, err = apikeys.New(opts...)
		return c, base, false, func() {}, err
	}
	srv := apikeystest.NewServer()
	c, err = srv.Client(opts...)
	if err != nil {
		srv.Close()
		return nil, "", false, nil, err
	}
	return c, "embedded apikeystest server (set " + EnvBaseURL + ", " + EnvAPIKey + " and " + EnvOrg + " for a real one)", true, srv.Close, nil
}
