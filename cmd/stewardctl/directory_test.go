package main

import (
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// TestFoldersAndGroupsCommands creates a folder and a group, moves two
// enrolled devices in, lists and filters by them, sends a bulk command to
// the folder, and takes everything apart again, all through the CLI.
func TestFoldersAndGroupsCommands(t *testing.T) {
	h := newHarness(t)
	h.login()
	cl := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Client", "--kind", "client", "--json"))
	out := h.ok("", "codes", "create", "--account", cl.ID, "--seats", "3")
	m := codeLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no code in:\n%s", out)
	}
	desk, _ := enrollDevice(t, h.url, m[1], protocol.OwnershipCompany, "hw-1", "Front desk", nil, nil)
	dock, _ := enrollDevice(t, h.url, m[1], protocol.OwnershipCompany, "hw-2", "Dock scanner", nil, nil)

	if out := h.ok("", "folders", "list", "--account", cl.ID); !strings.Contains(out, "No folders.") {
		t.Errorf("folders list of none:\n%s", out)
	}
	f := decode[steward.Folder](t, h.ok("", "folders", "create", "Reception", "--account", cl.ID, "--description", "Lobby", "--json"))
	if e := h.fail(1, "", "folders", "create", "reception", "--account", cl.ID); !strings.Contains(e, "already has a folder") {
		t.Errorf("a taken name: %s", e)
	}
	g := decode[steward.Group](t, h.ok("", "groups", "create", "Scanners", "--account", cl.ID, "--priority", "10", "--json"))
	if g.Priority != 10 {
		t.Errorf("group created with priority %d", g.Priority)
	}
	if e := h.fail(1, "", "groups", "create", "Top", "--account", cl.ID, "--priority", "5000"); !strings.Contains(e, "priority") {
		t.Errorf("priority out of range: %s", e)
	}

	if out := h.ok("", "folders", "add", f.ID, desk, dock); !strings.Contains(out, "devices:") || !strings.Contains(out, "2") {
		t.Errorf("folders add:\n%s", out)
	}
	if e := h.fail(1, "", "folders", "add", f.ID, desk, "01nosuchdevice"); !strings.Contains(e, "01nosuchdevice") {
		t.Errorf("a device that is not there: %s", e)
	}
	h.fail(exitUsage, "", "folders", "add", f.ID)
	decode[steward.Group](t, h.ok("", "groups", "add", g.ID, dock, "--json"))

	fs := decode[listJSON[*steward.Folder]](t, h.ok("", "folders", "list", "--account", cl.ID, "--json"))
	if len(fs.Items) != 1 || fs.Items[0].DeviceCount != 2 {
		t.Errorf("folders list --json: %+v", fs.Items)
	}
	if out := h.ok("", "groups", "list", "--account", cl.ID); !strings.Contains(out, "Scanners") || !strings.Contains(out, "PRIORITY") {
		t.Errorf("groups list:\n%s", out)
	}
	devs := decode[listJSON[*steward.Device]](t, h.ok("", "devices", "list", "--group", g.ID, "--json"))
	if len(devs.Items) != 1 || devs.Items[0].ID != dock {
		t.Errorf("devices list --group: %+v", devs.Items)
	}
	if out := h.ok("", "devices", "show", dock); !strings.Contains(out, f.ID) || !strings.Contains(out, g.ID) {
		t.Errorf("devices show does not give the folder and group:\n%s", out)
	}
	sent := decode[listJSON[*steward.Command]](t, h.ok("", "commands", "send", "--type", "sync", "--folder", f.ID, "--json"))
	if len(sent.Items) != 2 {
		t.Errorf("commands send --folder: %d commands, want 2", len(sent.Items))
	}

	r := decode[steward.Folder](t, h.ok("", "folders", "rename", f.ID, "Front office", "--json"))
	if r.Name != "Front office" || r.Description != "Lobby" {
		t.Errorf("renamed folder %+v", r)
	}
	if x := decode[steward.Group](t, h.ok("", "groups", "priority", g.ID, "3", "--json")); x.Priority != 3 || x.Name != "Scanners" {
		t.Errorf("groups priority: %+v", x)
	}
	if x := decode[steward.Group](t, h.ok("", "groups", "rename", g.ID, "Dock", "--json")); x.Name != "Dock" || x.Priority != 3 {
		t.Errorf("groups rename: %+v", x)
	}
	if x := decode[steward.Folder](t, h.ok("", "folders", "remove", f.ID, desk, "--json")); x.DeviceCount != 1 {
		t.Errorf("folders remove: %+v", x)
	}
	if x := decode[steward.Group](t, h.ok("", "groups", "remove", g.ID, dock, "--json")); x.DeviceCount != 0 {
		t.Errorf("groups remove: %+v", x)
	}
	if out := h.ok("", "groups", "delete", g.ID); !strings.Contains(out, "deleted") {
		t.Errorf("groups delete: %s", out)
	}
	h.ok("", "folders", "delete", f.ID)
	h.fail(1, "", "folders", "delete", f.ID)
	if out := h.ok("", "groups", "list", "--account", cl.ID); !strings.Contains(out, "No groups.") {
		t.Errorf("groups after deletion:\n%s", out)
	}
}
