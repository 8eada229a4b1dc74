package steward_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// TestLayout guards the architecture: the domain package stays free of
// technology, services never reach for HTTP or SQL, and the store knows
// nothing of transports.
func TestLayout(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go tool not on PATH")
	}
	const mod = "github.com/stewardmdm/steward"
	out, err := exec.Command("go", "list", "-deps=false", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	forbidden := map[string][]string{
		mod:              {"net/http", "database/sql", mod + "/"},
		mod + "/service": {"net/http", "database/sql", mod + "/store", mod + "/http/"},
		mod + "/store":   {"net/http", mod + "/service", mod + "/http/"},
		mod + "/client":  {mod + "/service", mod + "/store", mod + "/server"},
		mod + "/privacy": {"net/http", "database/sql", mod + "/store", mod + "/service", mod + "/http/", mod + "/server"},
		mod + "/apk":     {"net/http", "database/sql", mod + "/store", mod + "/service", mod + "/http/"},
		mod + "/scan":    {"net/http", "database/sql", mod + "/store", mod + "/service", mod + "/http/"},
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	seen := map[string]bool{}
	for dec.More() {
		var p struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		seen[p.ImportPath] = true
		for _, imp := range p.Imports {
			for _, bad := range forbidden[p.ImportPath] {
				if imp == bad || (strings.HasSuffix(bad, "/") && strings.HasPrefix(imp, bad)) {
					t.Errorf("%s imports %s", p.ImportPath, imp)
				}
			}
		}
	}
	for _, must := range []string{mod, mod + "/service", mod + "/store"} {
		if !seen[must] {
			t.Errorf("package %s not found: is the test reading the module?", must)
		}
	}
}
