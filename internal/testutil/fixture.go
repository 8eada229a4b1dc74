package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// FixturesEnv names the environment variable that makes missing fixtures
// fail tests instead of skipping them: STEWARD_TEST_FIXTURES=require (CI).
const FixturesEnv = "STEWARD_TEST_FIXTURES"

// FixturesDir is where .ci/fixtures puts the real third-party files the
// tests read (APKs from Debian and npm packages), relative to the module
// root. It is git-ignored: those files are downloaded, never committed.
const FixturesDir = "testdata/fixtures"

// Fixture returns the absolute path of the fixture at relpath (slash
// separated, under FixturesDir). When it is absent the test is skipped with
// a message saying how to fetch the fixtures, or fails when FixturesEnv is
// "require".
func Fixture(t testing.TB, relpath string) string {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatalf("fixture %s: %v", relpath, err)
	}
	p := filepath.Join(root, FixturesDir, filepath.FromSlash(relpath))
	if _, err := os.Stat(p); err != nil {
		msg := "fixture " + relpath + " is absent (fetch the fixtures with: bash .ci/fixtures)"
		if os.Getenv(FixturesEnv) == "require" {
			t.Fatalf("%s; %s=require", msg, FixturesEnv)
		}
		t.Skip(msg)
	}
	return p
}

// moduleRoot is the nearest folder above the working directory (a test's
// package folder) that holds go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}
