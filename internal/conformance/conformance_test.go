package conformance

import (
	"testing"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// generations lists the wire generations of a platform that answers in more
// than one, beside its default: the suite runs once for each. orq.ai's fake
// serves the older one only when asked.
var generations = map[apikeys.Platform]map[string][]apikeystest.Option{
	apikeys.OrqAI: {"2026-08-02": {apikeystest.WithOrqAIVersion("2026-08-02")}},
}

// TestPlatforms runs the suite for every platform the client knows, so that
// a new platform is tested the moment it is added to apikeys.Platforms.
func TestPlatforms(t *testing.T) {
	for _, p := range apikeys.Platforms() {
		t.Run(string(p), func(t *testing.T) {
			t.Run("default", func(t *testing.T) { Run(t, p) })
			for name, opts := range generations[p] {
				t.Run(name, func(t *testing.T) { Run(t, p, opts...) })
			}
		})
	}
}
