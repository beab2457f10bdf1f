package conformance

import (
	"testing"

	"github.com/apikeys-go/apikeys"
)

func TestPrefactor(t *testing.T) { Run(t, apikeys.Prefactor) }
