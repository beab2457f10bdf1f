package conformance

import (
	"testing"

	"github.com/apikeys-go/apikeys"
)

func TestSysevo(t *testing.T) { Run(t, apikeys.Sysevo) }
