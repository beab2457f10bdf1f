package apikeys_test

import (
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/apikeys-go/apikeys"
)

// TestREADMEPlatformTable keeps the README's platform table true: every row
// must say what Platform.Capabilities says, and every platform has a row. A
// capability changed in a mapping without the README fails here.
func TestREADMEPlatformTable(t *testing.T) {
	raw, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, after, ok := strings.Cut(string(raw), "<!-- platform table: checked by readme_test.go -->\n")
	table, _, ok2 := strings.Cut(after, "<!-- end of platform table -->")
	if !ok || !ok2 {
		t.Fatal("README.md has no marked platform table")
	}
	byConst := map[string]apikeys.Platform{
		"Reference": apikeys.Reference, "Aitronos": apikeys.Aitronos, "OrqAI": apikeys.OrqAI,
		"Sysevo": apikeys.Sysevo, "ConfidentAI": apikeys.ConfidentAI, "Prefactor": apikeys.Prefactor,
	}
	var allCreate []string
	ct := reflect.TypeFor[apikeys.CreateParams]()
	for i := range ct.NumField() {
		allCreate = append(allCreate, ct.Field(i).Name)
	}
	seen := map[apikeys.Platform]bool{}
	lines := strings.Split(strings.TrimSpace(table), "\n")
	if len(lines) < 3 {
		t.Fatalf("platform table has %d lines", len(lines))
	}
	for _, line := range lines[2:] { // after the header and the rule
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		if len(cells) != 11 {
			t.Fatalf("row %q has %d cells, want 11", line, len(cells))
		}
		p, ok := byConst[strings.Trim(cells[1], "`")]
		if !ok {
			t.Fatalf("row %q names no platform constant", line)
		}
		seen[p] = true
		c := p.Capabilities()
		yes := func(b bool) string {
			if b {
				return "yes"
			}
			return "no"
		}
		words := func(xs []string) string { return strings.Join(xs, " ") }
		var actions, create []string
		for _, a := range c.Actions {
			actions = append(actions, string(a))
		}
		for _, f := range c.CreateFields {
			create = append(create, string(f))
		}
		if words(create) == words(allCreate) {
			create = []string{"all"}
		}
		ids := "any"
		if c.IntegerIDs {
			ids = "integers"
		}
		cred := "`" + c.AuthHeader + "`"
		switch {
		case c.AuthHeader == "":
			cred = "`WithAuthHeader` required"
		case c.AuthScheme != "":
			cred = "`" + c.AuthHeader + ": " + c.AuthScheme + "`"
		}
		base := "required"
		if c.DefaultBaseURL != "" {
			base = "`" + c.DefaultBaseURL + "`"
		}
		want := []string{cells[0], cells[1], words(actions), yes(c.Get), yes(c.Update), words(create),
			string(c.Organization), ids, yes(c.Deduplicates), cred, base}
		for i, name := range []string{"platform", "constant", "actions", "Get", "Update", "create fields",
			"organization", "IDs", "dedup", "credential", "base URL"} {
			if cells[i] != want[i] {
				t.Errorf("README %s row, column %s: %q, but Capabilities say %q", p, name, cells[i], want[i])
			}
		}
	}
	for _, p := range apikeys.Platforms() {
		if !seen[p] {
			t.Errorf("README platform table has no row for %s", p)
		}
	}
}
