package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// config is what 'stewardctl login' stores: the server and a token for it.
type config struct {
	Server  string `json:"server"`
	Token   string `json:"token"`
	TokenID string `json:"token_id,omitempty"`
	Email   string `json:"email,omitempty"`
}

// configPath is <user config dir>/steward/stewardctl.json.
func (a *app) configPath() (string, error) {
	dir, err := a.configDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration folder: %w", err)
	}
	return filepath.Join(dir, "steward", "stewardctl.json"), nil
}

// loadConfig returns the stored configuration, or nil when there is none.
func (a *app) loadConfig() (*config, error) {
	p, err := a.configPath()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("read %s: %w", p, err)
	}
	var c config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("read %s: %w (delete it and run 'stewardctl login')", p, err)
	}
	return &c, nil
}

// saveConfig writes the configuration readable by the user alone: the
// folder 0700, the file 0600, replaced atomically.
func (a *app) saveConfig(c *config) (string, error) {
	p, err := a.configPath()
	if err != nil {
		return "", err
	}
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", fmt.Errorf("protect %s: %w", dir, err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".stewardctl-*.json")
	if err != nil {
		return "", fmt.Errorf("save the login: %w", err)
	}
	defer os.Remove(f.Name()) // after a successful rename there is nothing left to remove
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return "", fmt.Errorf("save the login: %w", err)
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return "", fmt.Errorf("save the login: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", fmt.Errorf("save the login: %w", err)
	}
	if err := os.Rename(f.Name(), p); err != nil {
		return "", fmt.Errorf("save the login: %w", err)
	}
	return p, nil
}

// deleteConfig removes the stored login; a missing file is not an error.
func (a *app) deleteConfig() error {
	p, err := a.configPath()
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("delete %s: %w", p, err)
	}
	return nil
}
