package protocol

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const docsPath = "../docs/device-protocol.md"

var jsonBlock = regexp.MustCompile("(?ms)^```json\n(.*?)^```")

// TestDocsQuoteGoldenFiles keeps docs/device-protocol.md from drifting:
// every ```json block in it must be one of the golden files, and every
// golden file must be quoted.
func TestDocsQuoteGoldenFiles(t *testing.T) {
	doc, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	golden := map[string]string{} // trimmed content → name
	for _, g := range goldens() {
		b, err := os.ReadFile(filepath.Join("testdata", g.name+".json"))
		if err != nil {
			t.Fatal(err)
		}
		golden[strings.TrimSpace(string(b))] = g.name
	}
	quoted := map[string]bool{}
	for _, m := range jsonBlock.FindAllSubmatchIndex(doc, -1) {
		block := strings.TrimSpace(string(doc[m[2]:m[3]]))
		line := 1 + bytes.Count(doc[:m[0]], []byte("\n"))
		name, ok := golden[block]
		if !ok {
			t.Errorf("%s:%d: this JSON example is none of protocol/testdata/*.json; paste the golden file it shows", docsPath, line)
			continue
		}
		quoted[name] = true
	}
	var missing []string
	for _, g := range goldens() {
		if !quoted[g.name] {
			missing = append(missing, g.name)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("%s does not quote testdata/%s.json", docsPath, strings.Join(missing, ".json, testdata/"))
	}
}
