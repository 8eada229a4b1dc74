package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
)

// TestPoliciesCommands creates a policy from a file, lists, shows, edits
// and assigns it, lists its versions with what changed, and shows a
// device's effective policy, all through the CLI; an invalid setting is
// refused with its field.
func TestPoliciesCommands(t *testing.T) {
	h := newHarness(t)
	h.login()
	cl := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Policy Client", "--kind", "client", "--json"))
	out := h.ok("", "codes", "create", "--account", cl.ID, "--seats", "2")
	m := codeLine.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no code in:\n%s", out)
	}
	dev, _ := enrollDevice(t, h.url, m[1], "company", "hw-pol-1", "Scanner 1", nil, nil)

	dir := t.TempDir()
	file := filepath.Join(dir, "warehouse.json")
	doc := `{"name": "Warehouse", "description": "Scanners",
		"settings": {"wifi": [{"ssid": "Guest", "security": "open"}],
		             "apps": [{"package": "com.example.scan", "action": "required"}],
		             "checkin_interval_seconds": 600},
		"targets": [{"kind": "account", "id": "` + cl.ID + `"}]}`
	if err := os.WriteFile(file, []byte(doc), 0o600); err != nil {
		t.Fatal(err)
	}
	p := decode[client.PolicyDetail](t, h.ok("", "policies", "create", "--account", cl.ID, "--file", file, "--json"))
	if p.CurrentVersion != 1 || len(p.Settings.WiFi) != 1 || len(p.Targets) != 1 {
		t.Fatalf("created %+v", p)
	}
	if out := h.ok("", "policies", "list", "--account", cl.ID); !strings.Contains(out, "Warehouse") || !strings.Contains(out, "account:"+cl.ID) {
		t.Errorf("policies list:\n%s", out)
	}
	l := decode[listJSON[*steward.Policy]](t, h.ok("", "policies", "list", "--account", cl.ID, "--json"))
	if len(l.Items) != 1 || l.Items[0].ID != p.ID {
		t.Errorf("policies list --json: %+v", l.Items)
	}
	if out := h.ok("", "policies", "show", p.ID); !strings.Contains(out, "Policy Client") || !strings.Contains(out, `"checkin_interval_seconds": 600`) {
		t.Errorf("policies show:\n%s", out)
	}

	// An invalid setting names its field; nothing is saved.
	if e := h.fail(1, `{"settings": {"wifi": [{"ssid": "Office", "security": "wpa2_personal", "password": "short"}]}}`,
		"policies", "edit", p.ID, "--file", "-"); !strings.Contains(e, "WPA2-Personal needs 8 to 63 characters.") ||
		!strings.Contains(e, `"wifi[0].password"`) {
		t.Errorf("an invalid edit:\n%s", e)
	}
	h.fail(1, `{"settings": {}, "colour": "red"}`, "policies", "edit", p.ID, "--file", "-")
	h.fail(exitUsage, "", "policies", "edit", p.ID)

	e := decode[client.PolicyDetail](t, h.ok(`{"settings": {"checkin_interval_seconds": 900, "restrictions": {"disable_camera": true}}}`,
		"policies", "edit", p.ID, "--file", "-", "--name", "Warehouse scanners", "--json"))
	if e.CurrentVersion != 2 || e.Name != "Warehouse scanners" {
		t.Errorf("edited %+v", e)
	}
	if out := h.ok("", "policies", "versions", p.ID); !strings.Contains(out, "admin@example.com") || strings.Count(out, "\n") != 3 {
		t.Errorf("policies versions:\n%s", out)
	}
	if out := h.ok("", "policies", "versions", p.ID, "2"); !strings.Contains(out, "app/com.example.scan") ||
		!strings.Contains(out, "removed") || !strings.Contains(out, "restrictions.disable_camera") {
		t.Errorf("policies versions 2:\n%s", out)
	}
	h.fail(exitUsage, "", "policies", "versions", p.ID, "two")

	// Assigned to the device alone.
	h.ok("", "policies", "assign", p.ID, "device:"+dev)
	h.fail(exitUsage, "", "policies", "assign", p.ID, "team:x")
	h.fail(exitUsage, "", "policies", "assign", p.ID)
	out = h.ok("", "policies", "effective", dev)
	if !strings.Contains(out, "checkin_interval_seconds") || !strings.Contains(out, "Warehouse scanners") || !strings.Contains(out, "device Scanner 1") {
		t.Errorf("policies effective:\n%s", out)
	}
	eff := decode[steward.EffectivePolicy](t, h.ok("", "policies", "effective", dev, "--json"))
	if eff.Version == "" || eff.Settings.CheckInIntervalSeconds == nil || *eff.Settings.CheckInIntervalSeconds != 900 {
		t.Errorf("effective --json: %+v", eff)
	}
	h.ok("", "policies", "assign", p.ID, "--none")
	if out := h.ok("", "policies", "effective", dev); !strings.Contains(out, "no policy covers this device") {
		t.Errorf("policies effective after --none:\n%s", out)
	}
	h.ok("", "policies", "delete", p.ID)
	if e := h.fail(1, "", "policies", "show", p.ID); !strings.Contains(e, "not found") {
		t.Errorf("show a deleted policy:\n%s", e)
	}
}
