// Package connect gives the examples their client: a real service when
// APIKEYS_BASE_URL, APIKEYS_API_KEY and APIKEYS_ORG are set, otherwise an
// embedded apikeystest server, so every example runs with no flags and no
// network.
package connect

import (
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
	if base != "" && key != "" && org != "" {
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
