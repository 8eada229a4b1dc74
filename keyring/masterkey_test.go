package keyring_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/keyring"
)

func TestLoadGeneratesTheDataFolderKeyOnce(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	keys := must(keyring.LoadMasterKeys(keyring.Source{DataDir: dir}, testutil.Logger()))
	path := filepath.Join(dir, keyring.KeyFileName)
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("generated key file has mode %v, want 0600", fi.Mode().Perm())
	}
	if len(keys) != 1 || !strings.HasPrefix(keys[0].ID, "local-") || len(keys[0].Key) != 32 {
		t.Fatalf("generated %d keys, first %q", len(keys), keys[0].ID)
	}
	again := must(keyring.LoadMasterKeys(keyring.Source{DataDir: dir}, testutil.Logger()))
	if len(again) != 1 || again[0].ID != keys[0].ID || !bytes.Equal(again[0].Key, keys[0].Key) {
		t.Fatal("the second start did not read the generated key back")
	}
	// Another data folder gets another key, under another ID: two nodes
	// that each generated their own are told apart by the start-up check.
	other := must(keyring.LoadMasterKeys(keyring.Source{DataDir: t.TempDir()}, testutil.Logger()))
	if other[0].ID == keys[0].ID || bytes.Equal(other[0].Key, keys[0].Key) {
		t.Fatal("two data folders generated the same key")
	}
}

func TestLoadFromFileOrText(t *testing.T) {
	a, b := master(t, "a"), master(t, "b")
	text := keyring.FormatMasterKeys([]keyring.MasterKey{a, b})
	file := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(file, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, src := range []keyring.Source{{File: file, DataDir: dir}, {Text: text, DataDir: dir}} {
		keys := must(keyring.LoadMasterKeys(src, testutil.Logger()))
		if len(keys) != 2 || keys[0].ID != "a" || keys[1].ID != "b" {
			t.Fatalf("file %q: loaded %d keys", src.File, len(keys))
		}
	}
	if _, err := os.Stat(filepath.Join(dir, keyring.KeyFileName)); !os.IsNotExist(err) {
		t.Fatalf("a key was generated although keys were configured: %v", err)
	}
	for i, tc := range []struct {
		src  keyring.Source
		want string
	}{
		{keyring.Source{File: file, Text: text}, "not both"},
		{keyring.Source{File: filepath.Join(dir, "missing")}, "no such file"},
		{keyring.Source{}, "no master key"},
	} {
		if _, err := keyring.LoadMasterKeys(tc.src, testutil.Logger()); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("case %d: error %v, want %q", i, err, tc.want)
		}
	}
}
