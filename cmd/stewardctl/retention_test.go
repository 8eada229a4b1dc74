package main

import (
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
)

// TestPrivacyCommands places, lists and releases a legal hold, runs a
// sweep, reads the retention status and receipts, and restores a deleted
// account, all through the CLI.
func TestPrivacyCommands(t *testing.T) {
	h := newHarness(t)
	h.login()
	acc := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Held Client", "--kind", "client", "--json"))

	hold := decode[steward.LegalHold](t, h.ok("", "privacy", "holds", "create", "--account", acc.ID, "--category", "device.location",
		"--reason", "Case 2025-17", "--days", "30", "--json"))
	if hold.Scope != steward.HoldCategory || hold.Category != "device.location" || hold.ExpiresAt == nil {
		t.Fatalf("hold %+v", hold)
	}
	if out := h.ok("", "privacy", "holds", "list", "--active"); !strings.Contains(out, hold.ID) || !strings.Contains(out, "Case 2025-17") {
		t.Errorf("holds list:\n%s", out)
	}
	if stderr := h.fail(1, "", "privacy", "holds", "create", "--account", acc.ID, "--reason", "x", "--category", "no.such"); !strings.Contains(stderr, "--category") {
		t.Errorf("an unknown category: %s", stderr)
	}
	if out := h.ok("", "privacy", "holds", "release", hold.ID); !strings.Contains(out, "Released legal hold "+hold.ID) {
		t.Errorf("release said %q", out)
	}
	if out := h.ok("", "privacy", "holds", "list"); !strings.Contains(out, "released") {
		t.Errorf("holds list after release:\n%s", out)
	}
	h.ok("", "privacy", "sweep")
	if out := h.ok("", "privacy", "retention"); !strings.Contains(out, "device.location") || !strings.Contains(out, "billing.credit_ledger") {
		t.Errorf("retention status:\n%s", out)
	}
	if out := h.ok("", "privacy", "receipts"); !strings.Contains(out, "No receipts") {
		t.Errorf("receipts of an empty installation:\n%s", out)
	}

	h.ok("", "accounts", "delete", acc.ID, "--yes")
	if out := h.ok("", "accounts", "restore", acc.ID); !strings.Contains(out, "Restored account \"Held Client\"") {
		t.Errorf("restore said %q", out)
	}
}
