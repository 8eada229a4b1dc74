package privacy_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stewardmdm/steward/privacy"
)

var promiseID = regexp.MustCompile(`^P-[A-Z0-9]+(-[A-Z0-9]+)*$`)

// TestPromiseLedgerIsConsistent: every promise has a stable ID, a quoted
// sentence from a known seed, categories the catalog has (which name the
// promise back), and either tests or, when not built, a reason; every
// clause a category names is in the ledger.
func TestPromiseLedgerIsConsistent(t *testing.T) {
	seeds := map[string]bool{}
	for _, s := range privacy.Seeds() {
		seeds[s.File] = true
	}
	ids := map[string]bool{}
	for _, p := range privacy.Promises() {
		if !promiseID.MatchString(p.ID) || ids[p.ID] {
			t.Errorf("promise ID %q is malformed or used twice", p.ID)
		}
		ids[p.ID] = true
		if len(p.Sentence) < 20 || !seeds[p.Seed] {
			t.Errorf("%s: quote a sentence from a known seed (seed %q)", p.ID, p.Seed)
		}
		for _, name := range p.Categories {
			c, ok := privacy.Lookup(name)
			if !ok {
				t.Errorf("%s: no catalog category %q", p.ID, name)
			} else if !slices.Contains(c.Clauses, p.ID) {
				t.Errorf("%s concerns %s, but the category does not list the clause", p.ID, name)
			}
		}
		switch p.Status {
		case privacy.Implemented:
			if len(p.Tests) == 0 {
				t.Errorf("%s is implemented but names no test that proves it", p.ID)
			}
			if p.Reason != "" {
				t.Errorf("%s is implemented but gives a reason for not being built", p.ID)
			}
		case privacy.NotBuilt:
			if p.Reason == "" || len(p.Tests) > 0 {
				t.Errorf("%s is not built: give the reason and no tests", p.ID)
			}
		default:
			t.Errorf("%s: unknown status %q", p.ID, p.Status)
		}
	}
	for _, c := range privacy.Catalog() {
		for _, id := range c.Clauses {
			if !ids[id] {
				t.Errorf("category %s names clause %s, which is not in the ledger", c.Name, id)
			}
		}
	}
}

// TestPromiseTestsExist parses the Go test files of each package a promise
// names and fails on any test function that is not there. (The subtest
// part of a name, after a "/", is not checked.)
func TestPromiseTestsExist(t *testing.T) {
	funcs := map[string]map[string]bool{} // package directory → its Test functions
	var missing []string
	for _, p := range privacy.Promises() {
		for _, ref := range p.Tests {
			dir, name, ok := splitTestRef(ref)
			if !ok {
				t.Errorf("%s: %q is not of the form path/to/package.TestName", p.ID, ref)
				continue
			}
			if funcs[dir] == nil {
				funcs[dir] = testFuncs(t, filepath.Join("..", filepath.FromSlash(dir)))
			}
			if !funcs[dir][name] {
				missing = append(missing, p.ID+": "+ref)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("the promise ledger names tests that do not exist:\n\t%s", strings.Join(missing, "\n\t"))
	}
}

// splitTestRef splits "http/deviceapi.TestWipe/sub" into its package
// directory and function name.
func splitTestRef(ref string) (dir, name string, ok bool) {
	i := strings.Index(ref, ".Test")
	if i <= 0 {
		return "", "", false
	}
	dir, name = ref[:i], ref[i+1:]
	name, _, _ = strings.Cut(name, "/")
	return dir, name, !strings.ContainsAny(dir, ". ")
}

// testFuncs returns the names of the top-level Test functions in the
// _test.go files of dir.
func testFuncs(t *testing.T, dir string) map[string]bool {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*_test.go"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); err != nil {
		t.Errorf("no package directory %s", dir)
	}
	out := map[string]bool{}
	fset := token.NewFileSet()
	for _, f := range files {
		file, err := parser.ParseFile(fset, f, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatalf("parse %s: %v", f, err)
		}
		for _, d := range file.Decls {
			if fn, ok := d.(*ast.FuncDecl); ok && fn.Recv == nil && strings.HasPrefix(fn.Name.Name, "Test") {
				out[fn.Name.Name] = true
			}
		}
	}
	return out
}

func TestSplitTestRef(t *testing.T) {
	for ref, want := range map[string][2]string{
		"http/deviceapi.TestWipeDeletesEverything": {"http/deviceapi", "TestWipeDeletesEverything"},
		"store.TestSQLite/Ledger/AppendOnly":       {"store", "TestSQLite"},
		"privacy.TestGeneratedDocuments":           {"privacy", "TestGeneratedDocuments"},
	} {
		dir, name, ok := splitTestRef(ref)
		if !ok || dir != want[0] || name != want[1] {
			t.Errorf("splitTestRef(%q) = %q, %q, %v; want %q, %q", ref, dir, name, ok, want[0], want[1])
		}
	}
	for _, bad := range []string{"TestX", "service.Foo", "service TestX"} {
		if _, _, ok := splitTestRef(bad); ok {
			t.Errorf("splitTestRef(%q) accepted it", bad)
		}
	}
}
