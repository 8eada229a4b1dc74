package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"github.com/stewardmdm/steward/keyring"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/store"
)

// keysCmd runs 'steward keys rotate': every account's data key is
// re-wrapped under the current master key, in batches. It works on a
// database that servers are using or on one that is stopped; the servers
// must already have the new master key configured (docs/secrets.md).
func keysCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "rotate" {
		fmt.Fprintln(stderr, "Usage: steward keys rotate [--data DIR] [--database URL] [--master-key-file FILE]")
		return errors.New("name a keys command: rotate")
	}
	cfg, logger, err := parseConfig("keys rotate", args[1:], getenv, stdout, stderr)
	if err != nil {
		return err
	}
	dsn := cfg.DatabaseURL
	if dsn == "" {
		dsn = filepath.Join(cfg.DataDir, "steward.db")
	}
	db, err := store.Open(ctx, dsn, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	kr, err := server.NewKeyring(cfg, db)
	if err != nil {
		return err
	}
	r, err := kr.Rotate(ctx, keyring.RotateBatch)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "re-wrapped %d data keys under master key %q; %d were under it already\n",
		r.Rewrapped, r.MasterKeyID, r.AlreadyCurrent)
	return nil
}
