package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/keyring"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

// TestKeysRotate follows the rotation procedure of docs/secrets.md on a
// server's data folder: a new master key first in the key file, the old one
// second; 'steward keys rotate' re-wraps (and a second run finds nothing to
// do); then the server starts with the new key alone and opens every secret.
func TestKeysRotate(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := server.Config{DataDir: dir, AdminEmail: "admin@example.com", AdminPassword: "a-long-password-1",
		Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Logger: testutil.Logger(), NoJobs: true}
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := s.DB.ListAccounts(ctx, "", steward.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	platform := accounts[0].ID
	sealed, err := s.Sealer.Seal(ctx, platform, []byte("hunter2"), "test/secret")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	old, err := keyring.LoadMasterKeys(keyring.Source{DataDir: dir}, testutil.Logger())
	if err != nil {
		t.Fatal(err)
	}
	next, err := keyring.NewMasterKey("next")
	if err != nil {
		t.Fatal(err)
	}
	keyFile := func(keys ...keyring.MasterKey) string {
		f := filepath.Join(t.TempDir(), "keys")
		if err := os.WriteFile(f, []byte(keyring.FormatMasterKeys(keys)), 0o600); err != nil {
			t.Fatal(err)
		}
		return f
	}
	rotate := func(file string) (string, error) {
		var out, errb bytes.Buffer
		err := run(ctx, []string{"keys", "rotate", "--data", dir, "--master-key-file", file}, func(string) string { return "" }, &out, &errb)
		if strings.Contains(errb.String()+out.String(), "hunter2") {
			t.Fatal("the rotation printed a secret")
		}
		return out.String(), err
	}

	both := keyFile(next, old[0])
	for _, want := range []string{
		`re-wrapped 1 data keys under master key "next"; 0 were under it already`,
		`re-wrapped 0 data keys under master key "next"; 1 were under it already`,
	} {
		out, err := rotate(both)
		if err != nil || !strings.Contains(out, want) {
			t.Fatalf("steward keys rotate: %q, %v; want %q", out, err, want)
		}
	}
	// A key file without the key that wraps the data keys is refused.
	if _, err := rotate(keyFile(old[0])); err == nil || !strings.Contains(err.Error(), `"next"`) {
		t.Fatalf("rotation without the current wrapping key: %v", err)
	}

	cfg.MasterKeyFile = keyFile(next)
	s, err = server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Sealer.Open(ctx, platform, sealed, "test/secret"); err != nil || string(got) != "hunter2" {
		t.Fatalf("open with the new master key alone: %q, %v", got, err)
	}
}
