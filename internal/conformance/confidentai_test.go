package conformance

import (
	"testing"

	"github.com/apikeys-go/apikeys"
)

func TestConfidentAI(t *testing.T) { Run(t, apikeys.ConfidentAI) }
