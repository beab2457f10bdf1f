// Package connect gives the examples their client: a real service when
// APIKEYS_API_KEY is set (apikeys.FromEnv reads it with APIKEYS_PLATFORM,
// APIKEYS_BASE_URL, APIKEYS_ORG and APIKEYS_AUTH_HEADER), otherwise an
// embedded apikeystest server speaking APIKEYS_PLATFORM's wire (the reference
// API by default), so every example runs with no flags and no network, on
// every platform.
package connect

import (
	"errors"
	"fmt"
	"os"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// Env names the environment variables that select a real service; they are
// the ones apikeys.FromEnv reads.
const (
	EnvPlatform   = apikeys.EnvPlatform
	EnvBaseURL    = apikeys.EnvBaseURL
	EnvAPIKey     = apikeys.EnvAPIKey
	EnvOrg        = apikeys.EnvOrg
	EnvAuthHeader = apikeys.EnvAuthHeader
)

// Client returns a client, a description of where it points, and a function
// that releases what Client started. Embedded reports whether the client talks
// to the in-memory server (which the examples may seed with demo keys).
func Client(opts ...apikeys.Option) (c *apikeys.Client, where string, embedded bool, closeFn func(), err error) {
	if os.Getenv(EnvAPIKey) != "" {
		// FromEnv first: an explicit option of the example's still wins.
		// New refuses what the platform needs and the environment lacks
		// (a base URL, an organization, a credential header).
		c, err = apikeys.New(append([]apikeys.Option{apikeys.FromEnv()}, opts...)...)
		if err != nil {
			return nil, "", false, nil, err
		}
		where = fmt.Sprintf("%s at %s", c.Platform(), os.Getenv(EnvBaseURL))
		if os.Getenv(EnvBaseURL) == "" {
			where = fmt.Sprintf("%s at %s", c.Platform(), c.Platform().Capabilities().DefaultBaseURL)
		}
		return c, where, false, func() {}, nil
	}
	for _, name := range []string{EnvBaseURL, EnvOrg, EnvAuthHeader} {
		if os.Getenv(name) != "" {
			// Falling back to the fake here would let a typo send a person's
			// incident response to an in-memory server.
			return nil, "", false, nil, errors.New(name + " is set but " + EnvAPIKey + " is not: set " + EnvAPIKey + " for a real service, or unset " + name + " for the embedded one")
		}
	}
	p := apikeys.Reference
	if v := os.Getenv(EnvPlatform); v != "" {
		p = apikeys.Platform(v)
		if !p.Valid() {
			return nil, "", false, nil, fmt.Errorf("%s=%q: not one of %v", EnvPlatform, v, apikeys.Platforms())
		}
	}
	srv := apikeystest.NewServer(apikeystest.WithPlatform(p))
	c, err = srv.Client(opts...)
	if err != nil {
		srv.Close()
		return nil, "", false, nil, err
	}
	where = fmt.Sprintf("embedded apikeystest server speaking %s (set %s, and %s, %s, %s as the platform needs, for a real one)",
		p, EnvAPIKey, EnvBaseURL, EnvOrg, EnvAuthHeader)
	return c, where, true, srv.Close, nil
}
