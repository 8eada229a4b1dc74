package server_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/keyring"
	"github.com/stewardmdm/steward/server"
)

// TestStartRefusesKeysOfAnUnknownMasterKey: a server whose database holds
// data keys wrapped by a master key it was not given does not start, and
// says which key is missing; given that key as an older one, it starts and
// opens what was sealed before.
func TestStartRefusesKeysOfAnUnknownMasterKey(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	cfg := server.Config{DataDir: dir, AdminEmail: "admin@example.com", AdminPassword: "a-long-password-1",
		Argon2: cheap, Logger: testutil.Logger(), NoJobs: true}
	s, err := server.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := s.DB.ListAccounts(ctx, "", steward.AccountFilter{})
	if err != nil || len(accounts) != 1 {
		t.Fatalf("accounts after first start: %d, %v", len(accounts), err)
	}
	platform := accounts[0].ID
	sealed, err := s.Sealer.Seal(ctx, platform, []byte("hunter2"), "test/secret")
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	generated, err := keyring.LoadMasterKeys(keyring.Source{File: filepath.Join(dir, keyring.KeyFileName)}, testutil.Logger())
	if err != nil {
		t.Fatalf("the first start left no master key file: %v", err)
	}

	other, err := keyring.NewMasterKey("other")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "keys")
	if err := os.WriteFile(file, []byte(keyring.FormatMasterKeys([]keyring.MasterKey{other})), 0o600); err != nil {
		t.Fatal(err)
	}
	c := cfg
	c.MasterKeyFile = file
	_, err = server.New(ctx, c)
	if err == nil || !strings.Contains(err.Error(), `refusing to start`) ||
		!strings.Contains(err.Error(), `master key "`+generated[0].ID+`" (1 data keys), which is not configured`) {
		t.Fatalf("start without the master key that wrapped the data keys: %v", err)
	}

	c = cfg
	c.MasterKey = keyring.FormatMasterKeys([]keyring.MasterKey{other, generated[0]})
	s, err = server.New(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got, err := s.Sealer.Open(ctx, platform, sealed, "test/secret"); err != nil || string(got) != "hunter2" {
		t.Fatalf("open after a restart with the old key second: %q, %v", got, err)
	}
	if id := s.Sealer.CurrentMasterKeyID(); id != "other" {
		t.Fatalf("current master key %q, want the first configured", id)
	}
}
