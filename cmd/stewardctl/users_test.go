package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
	"github.com/stewardmdm/steward/protocol"
)

// TestUsersCommands: custom fields, create with a device, list, show,
// export, an import refused with its report and then a partial one,
// delete; every listing with --json.
func TestUsersCommands(t *testing.T) {
	h := newHarness(t)
	h.login()
	cl := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Directory Client", "--kind", "client", "--json"))
	m := codeLine.FindStringSubmatch(h.ok("", "codes", "create", "--account", cl.ID, "--seats", "2"))
	if m == nil {
		t.Fatal("no activation code printed")
	}
	phone, _ := enrollDevice(t, h.url, m[1], protocol.OwnershipCompany, "hw-1", "Jane's phone", nil, nil)
	dev := decode[struct{ Device steward.Device }](t, h.ok("", "devices", "show", phone, "--json")).Device

	defs := `[{"key":"cost_centre","label":"Cost centre","type":"number"},
		{"key":"team","label":"Team","type":"choice","choices":["Sales","Support"],"required":true}]`
	if out := h.ok(defs, "users", "fields", "set", "-", "--account", cl.ID); !strings.Contains(out, "cost_centre") || !strings.Contains(out, "Sales, Support") {
		t.Errorf("users fields set:\n%s", out)
	}
	fields := decode[listJSON[steward.CustomFieldDef]](t, h.ok("", "users", "fields", "--account", cl.ID, "--json"))
	if len(fields.Items) != 2 || fields.Items[1].Key != "team" || !fields.Items[1].Required {
		t.Errorf("users fields --json: %+v", fields.Items)
	}
	if e := h.fail(1, `[{"key":"Bad Key","label":"x","type":"text"}]`, "users", "fields", "set", "-", "--account", cl.ID); !strings.Contains(e, "fields[0].key") {
		t.Errorf("a bad definition: %s", e)
	}

	u := decode[steward.DirectoryUser](t, h.ok("", "users", "create", "--account", cl.ID, "--email", "Jane.Doe@example.com",
		"--name", "Jane Doe", "--directory-name", "jdoe", "--field", "cost_centre=4100", "--field", "team=Sales",
		"--device", dev.SupportID, "--json"))
	if u.Email != "jane.doe@example.com" || len(u.DeviceIDs) != 1 || u.DeviceIDs[0] != phone {
		t.Fatalf("users create: %+v", u)
	}
	if e := h.fail(1, "", "users", "create", "--account", cl.ID, "--email", "bob@example.com", "--field", "team=Sales",
		"--field", "cost_centre=forty"); !strings.Contains(e, "Not a number.") || !strings.Contains(e, "Check --field cost_centre.") {
		t.Errorf("a bad custom field: %s", e)
	}
	if out := h.ok("", "users", "list", "--account", cl.ID); !strings.Contains(out, "jane.doe@example.com") || !strings.Contains(out, dev.SupportID) {
		t.Errorf("users list:\n%s", out)
	}
	list := decode[listJSON[*steward.DirectoryUser]](t, h.ok("", "users", "list", "--account", cl.ID, "-q", "JDOE", "--limit", "1", "--json"))
	if len(list.Items) != 1 || list.Next != u.Email {
		t.Errorf("users list --json: %+v next %q", list.Items, list.Next)
	}
	if out := h.ok("", "users", "show", u.ID); !regexp.MustCompile(`cost_centre: +4100`).MatchString(out) || !strings.Contains(out, "jdoe") {
		t.Errorf("users show:\n%s", out)
	}

	dir := t.TempDir()
	out := filepath.Join(dir, "users.csv")
	h.ok("", "users", "export", "--account", cl.ID, "-o", out)
	got, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	want := "email,name,directory_name,cost_centre,team,devices\njane.doe@example.com,Jane Doe,jdoe,4100,Sales," + dev.SupportID + "\n"
	if string(got) != want {
		t.Errorf("users export:\n%q\nwant\n%q", got, want)
	}
	if stdout := h.ok("", "users", "export", "--account", cl.ID); stdout != want {
		t.Errorf("users export to standard output:\n%q", stdout)
	}

	file := "email,name,team\nann@example.com,Ann,Support\nbob@example.com,Bob,Marketing\n"
	r := h.run(file, "users", "import", "-", "--account", cl.ID)
	if r.code != exitError || !strings.Contains(r.stdout, "3    team") || !strings.Contains(r.stdout, "Not one of the choices") ||
		!strings.Contains(r.stderr, "nothing was imported") || !strings.Contains(r.stderr, "--partial") {
		t.Errorf("users import with a bad row: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if l := decode[listJSON[*steward.DirectoryUser]](t, h.ok("", "users", "list", "--account", cl.ID, "--json")); len(l.Items) != 1 {
		t.Errorf("a refused import wrote %d users", len(l.Items)-1)
	}
	rep := decode[client.UserImportReport](t, h.ok(file, "users", "import", "-", "--account", cl.ID, "--partial", "--json"))
	if !rep.Written || rep.Created != 1 || rep.Skipped != 1 || len(rep.Errors) != 1 || rep.Errors[0].Row != 3 {
		t.Errorf("users import --partial: %+v", rep)
	}

	h.ok("", "users", "delete", u.ID)
	h.fail(1, "", "users", "delete", u.ID)
	if d := decode[struct{ Device steward.Device }](t, h.ok("", "devices", "show", phone, "--json")).Device; d.ID != phone {
		t.Errorf("the device went with its user")
	}
}
