package apk_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stewardmdm/steward/apk"
)

// FuzzInspect feeds arbitrary files to the inspector: it must never panic
// nor fail operationally, and whatever it cannot read it must refuse. The
// seed corpus in testdata/fuzz/FuzzInspect holds small synthetic zips.
func FuzzInspect(f *testing.F) {
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	in := apk.New(apk.Options{MaxUncompressed: 64 << 20})
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "f.apk")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		info, findings, err := in.Inspect(context.Background(), p, int64(len(data)))
		if err != nil {
			t.Fatalf("operational error on readable input: %v", err)
		}
		if info == nil && !rejected(findings) {
			t.Fatalf("nothing read, yet not refused: %+v", findings)
		}
		for _, f := range findings {
			if f.Code == "" || f.Message == "" {
				t.Fatalf("finding without code or message: %+v", f)
			}
		}
	})
}
