package apikeys_test

import (
	"os"
	"regexp"
	"testing"

	"github.com/apikeys-go/apikeys"
)

// TestVersionMatchesChangelog: Version (sent in every User-Agent) is the
// newest version CHANGELOG.md records, so a release cannot bump one and
// forget the other.
func TestVersionMatchesChangelog(t *testing.T) {
	b, err := os.ReadFile("CHANGELOG.md")
	if err != nil {
		t.Fatal(err)
	}
	// The first "## [x.y.z]" heading is the newest release.
	m := regexp.MustCompile(`(?m)^## \[(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\]`).FindSubmatch(b)
	if m == nil {
		t.Fatal(`CHANGELOG.md has no "## [x.y.z]" heading`)
	}
	if got := string(m[1]); got != apikeys.Version {
		t.Errorf("CHANGELOG.md's latest version is %s, apikeys.Version is %s", got, apikeys.Version)
	}
}
