package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

// TestAppsCommands uploads an APK, lists and shows the app, and assigns it,
// all through the CLI; a refused upload says why.
func TestAppsCommands(t *testing.T) {
	h := newHarness(t)
	h.login()
	acc := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Store Client", "--kind", "client", "--json"))
	dir := t.TempDir()
	apk := filepath.Join(dir, "timesheet.apk")
	if err := os.WriteFile(apk, []byte("com.example.timesheet 42"), 0o600); err != nil {
		t.Fatal(err)
	}
	v := decode[steward.AppVersion](t, h.ok("", "apps", "upload", apk, "--account", acc.ID, "--json"))
	if v.Status != steward.VersionQuarantined || v.VersionCode != 42 {
		t.Fatalf("uploaded %+v", v)
	}
	bad := filepath.Join(dir, "bad.apk")
	if err := os.WriteFile(bad, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if stderr := h.fail(1, "", "apps", "upload", bad, "--account", acc.ID); !strings.Contains(stderr, "not a zip archive") {
		t.Errorf("a refused upload: %s", stderr)
	}

	if out := h.ok("", "apps", "list"); !strings.Contains(out, "com.example.timesheet") || !strings.Contains(out, v.AppID) ||
		!strings.Contains(out, "(42)") || !strings.Contains(out, "quarantined") {
		t.Errorf("apps list:\n%s", out)
	}
	as := decode[steward.AppAssignment](t, h.ok("", "apps", "assign", v.AppID, "--account", acc.ID, "--required", "--json"))
	if as.Mode != steward.AssignRequired || as.AccountID != acc.ID {
		t.Errorf("assignment %+v", as)
	}
	out := h.ok("", "apps", "show", v.AppID)
	if !strings.Contains(out, v.ID) || !strings.Contains(out, "quarantined") || !strings.Contains(out, as.ID) || !strings.Contains(out, "required") {
		t.Errorf("apps show:\n%s", out)
	}
	d := decode[client.AppDetail](t, h.ok("", "apps", "show", v.AppID, "--json"))
	if len(d.Versions) != 1 || len(d.Assignments) != 1 {
		t.Errorf("apps show --json: %+v", d)
	}
	h.fail(exitUsage, "", "apps", "assign", v.AppID)

	// Folders and groups.
	now := time.Now()
	folder := &steward.Folder{ID: steward.NewID(now), AccountID: acc.ID, Name: "Warehouse", CreatedAt: now, UpdatedAt: now}
	group := &steward.Group{ID: steward.NewID(now.Add(time.Millisecond)), AccountID: acc.ID, Name: "Drivers", CreatedAt: now, UpdatedAt: now}
	if err := h.srv.DB.InsertFolder(context.Background(), folder); err != nil {
		t.Fatal(err)
	}
	if err := h.srv.DB.InsertGroup(context.Background(), group); err != nil {
		t.Fatal(err)
	}
	if x := decode[steward.AppAssignment](t, h.ok("", "apps", "assign", v.AppID, "--folder", folder.ID, "--required", "--json")); x.FolderID != folder.ID {
		t.Errorf("apps assign --folder: %+v", x)
	}
	if out := h.ok("", "apps", "assign", v.AppID, "--group", group.ID); !strings.Contains(out, "group:") || !strings.Contains(out, group.ID) {
		t.Errorf("apps assign --group:\n%s", out)
	}
	h.fail(exitUsage, "", "apps", "assign", v.AppID, "--folder", folder.ID, "--group", group.ID)
	if out := h.ok("", "apps", "show", v.AppID); !strings.Contains(out, "Warehouse") || !strings.Contains(out, "Drivers") {
		t.Errorf("apps show lists no folder or group:\n%s", out)
	}

	if out := h.ok("", "apps", "rescan", v.AppID, v.ID); !strings.Contains(out, v.ID) || !strings.Contains(out, "waiting for its scan") {
		t.Errorf("apps rescan:\n%s", out)
	}
	if r := decode[steward.AppVersion](t, h.ok("", "apps", "rescan", v.AppID, v.ID, "--json")); r.ID != v.ID || r.ScannedAt != nil {
		t.Errorf("apps rescan --json: %+v", r)
	}
	if stderr := h.fail(1, "", "apps", "rescan", v.AppID, acc.ID); !strings.Contains(stderr, "not found") {
		t.Errorf("apps rescan of an unknown version: %s", stderr)
	}
	h.fail(exitUsage, "", "apps", "rescan", v.AppID)

	if out := h.ok("", "apps", "share", v.AppID); !strings.Contains(out, "true") {
		t.Errorf("apps share:\n%s", out)
	}
	if d := decode[client.AppDetail](t, h.ok("", "apps", "show", v.AppID, "--json")); !d.Shared {
		t.Errorf("after apps share, shared = false")
	}
	if x := decode[steward.StoreApp](t, h.ok("", "apps", "share", v.AppID, "--off", "--json")); x.Shared {
		t.Errorf("apps share --off: %+v", x)
	}
	if d := decode[client.AppDetail](t, h.ok("", "apps", "show", v.AppID, "--json")); d.Shared {
		t.Errorf("after apps share --off, shared = true")
	}
}
