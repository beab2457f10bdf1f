package conformance

import (
	"testing"

	"github.com/apikeys-go/apikeys"
)

func TestOrqAI(t *testing.T) { Run(t, apikeys.OrqAI) }
