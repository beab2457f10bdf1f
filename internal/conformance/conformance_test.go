package conformance

import (
	"testing"

	"github.com/apikeys-go/apikeys"
)

func TestReference(t *testing.T) { Run(t, apikeys.Reference) }
