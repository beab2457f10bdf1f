package conformance

import (
	"testing"

	"github.com/apikeys-go/apikeys"
	"github.com/apikeys-go/apikeys/apikeystest"
)

// TestOrqAI runs the suite against both of orq.ai's wire generations: the
// older one, which the fake serves only when asked, and the default (newer).
func TestOrqAI(t *testing.T) {
	for _, gen := range []struct {
		name   string
		server []apikeystest.Option
	}{
		{"2026-08-02", []apikeystest.Option{apikeystest.WithOrqAIVersion("2026-08-02")}},
		{"default", nil},
	} {
		t.Run(gen.name, func(t *testing.T) { Run(t, apikeys.OrqAI, gen.server...) })
	}
}
