package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
)

// TestContactsAndFilesCommands creates, lists and deletes a contact and a
// file through the CLI; a bad email is refused with the field named.
func TestContactsAndFilesCommands(t *testing.T) {
	h := newHarness(t)
	h.login()
	acc := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Directory Client", "--kind", "client", "--json"))
	target := "account:" + acc.ID

	if stderr := h.fail(1, "", "contacts", "create", "--account", acc.ID, "--name", "Desk", "--email", "desk at example"); !strings.Contains(stderr, "email") {
		t.Errorf("a bad email: %s", stderr)
	}
	h.fail(1, "", "contacts", "create", "--account", acc.ID, "--name", "Desk", "--phone", "123", "--target", "team:x")
	c := decode[steward.Contact](t, h.ok("", "contacts", "create", "--account", acc.ID, "--name", "Service desk",
		"--email", "desk@example.com", "--phone", "+44 20 7946 0000", "--target", target, "--json"))
	if c.Email != "desk@example.com" || len(c.Targets) != 1 || c.Targets[0].ID != acc.ID {
		t.Fatalf("created %+v", c)
	}
	if out := h.ok("", "contacts", "list", "--account", acc.ID); !strings.Contains(out, "Service desk") || !strings.Contains(out, target) {
		t.Errorf("contacts list:\n%s", out)
	}
	if l := decode[listJSON[steward.Contact]](t, h.ok("", "contacts", "list", "--account", acc.ID, "--json")); len(l.Items) != 1 {
		t.Errorf("contacts list --json: %+v", l)
	}

	path := filepath.Join(t.TempDir(), "handbook.txt")
	if err := os.WriteFile(path, []byte("Welcome aboard."), 0o600); err != nil {
		t.Fatal(err)
	}
	f := decode[steward.SharedFile](t, h.ok("", "files", "upload", path, "--account", acc.ID, "--target", target, "--json"))
	if f.Name != "handbook.txt" || f.Size != 15 || len(f.Targets) != 1 {
		t.Fatalf("uploaded %+v", f)
	}
	if out := h.ok("", "files", "list", "--account", acc.ID); !strings.Contains(out, "handbook.txt") || !strings.Contains(out, f.ID) {
		t.Errorf("files list:\n%s", out)
	}
	if stderr := h.fail(1, "", "files", "upload", path, "--account", acc.ID); !strings.Contains(stderr, "already has a file") {
		t.Errorf("a second upload of the name: %s", stderr)
	}
	h.ok("", "files", "delete", f.ID)
	h.ok("", "contacts", "delete", c.ID)
	if l := decode[listJSON[steward.SharedFile]](t, h.ok("", "files", "list", "--account", acc.ID, "--json")); len(l.Items) != 0 {
		t.Errorf("files after the delete: %+v", l.Items)
	}
	if l := decode[listJSON[steward.Contact]](t, h.ok("", "contacts", "list", "--account", acc.ID, "--json")); len(l.Items) != 0 {
		t.Errorf("contacts after the delete: %+v", l.Items)
	}
	h.fail(1, "", "contacts", "delete", c.ID)
}
