package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
)

// TestBrowserFoldersAndGroups: a client's admin opens "Folders and groups"
// from the menu, creates a folder and a group (a taken name is refused on
// the form), ticks devices in the device list and moves them into the
// folder and the group, sees the counts and the folder column, filters the
// list by group, sees both on the device page, takes a device out of the
// group, renames the folder and deletes the group. A read-only login sees
// the counts but no forms and no checkboxes.
func TestBrowserFoldersAndGroups(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	third := e.enroll(e.code(f.northClient.ID, 1).Code, "company", "Delivery van tablet", "V1")
	e.checkIn(third, 42)
	pw := e.login(f.northClient.ID, "ada@acme.example", steward.RoleAdmin)

	b := e.tab()
	b.signIn("ada@acme.example", pw)
	b.open("/console/")
	if status := b.submit(`nav a[href="/console/folders"]`); status != 200 {
		t.Fatalf("open Folders and groups from the menu: status %d", status)
	}
	if h := b.text("h1"); !strings.Contains(h, "Acme Logistics") {
		t.Errorf("the page's heading is %q, want the client's name", h)
	}
	if got := b.text("table.folders tbody"); !strings.Contains(got, "No folders yet") {
		t.Errorf("the empty folder list reads %q", got)
	}

	b.typeIn("#create-folder-name", "Front desk")
	b.typeIn("#create-folder-description", "Reception tablets")
	if status := b.submit(`#create-folder button[type=submit]`); status != 200 {
		t.Fatalf("create the folder: status %d", status)
	}
	b.typeIn("#create-group-name", "Scanners")
	run(b, "set the priority", chromedp.SetValue(chromedp.CSS("#create-group-priority"), "5"))
	if status := b.submit(`#create-group button[type=submit]`); status != 200 {
		t.Fatalf("create the group: status %d", status)
	}
	b.typeIn("#create-folder-name", "FRONT DESK")
	if status := b.submit(`#create-folder button[type=submit]`); status != 409 {
		t.Errorf("a taken name: status %d, want 409", status)
	}
	if got := b.text("#create-folder-name-error"); !strings.Contains(got, "already has a folder") {
		t.Errorf("the taken name reads %q next to the field", got)
	}
	folders, err := e.svc.Folders(e.admin, f.northClient.ID)
	if err != nil || len(folders) != 1 {
		t.Fatalf("folders after creating one: %v (%v)", folders, err)
	}
	groups, err := e.svc.Groups(e.admin, f.northClient.ID)
	if err != nil || len(groups) != 1 || groups[0].Priority != 5 {
		t.Fatalf("groups after creating one: %v (%v)", groups, err)
	}
	folder, group := folders[0], groups[0]
	b.screenshot("folders")

	// Tick two devices and move them into the folder; tick one and add it to the group.
	b.open("/console/devices")
	tick := func(ids ...string) {
		for _, id := range ids {
			run(b, "tick "+id, chromedp.Click(chromedp.CSS(`input[name=device_ids][value="`+id+`"]`)))
		}
	}
	tick(f.company.ID, third.ID)
	run(b, "choose the folder", chromedp.SetValue(chromedp.CSS("#bulk-folder_id"), folder.ID))
	if status := b.submit(`#bulk button[value=move_folder]`); status != 200 {
		t.Fatalf("move to the folder: status %d", status)
	}
	if got := b.text(`[role="status"]`); !strings.Contains(got, "2 devices moved to the folder Front desk") {
		t.Errorf("no confirmation: %q", got)
	}
	if got := b.text("table.devices tbody"); strings.Count(got, "Front desk") != 2 {
		t.Errorf("the folder column reads %q, want two devices in Front desk", got)
	}
	tick(f.company.ID, f.personal.ID)
	run(b, "choose the group", chromedp.SetValue(chromedp.CSS("#bulk-group_id"), group.ID))
	if status := b.submit(`#bulk button[value=add_group]`); status != 200 {
		t.Fatalf("add to the group: status %d", status)
	}
	// Nothing ticked: refused on the form, nothing changes.
	run(b, "choose the group", chromedp.SetValue(chromedp.CSS("#bulk-group_id"), group.ID))
	if status := b.submit(`#bulk button[value=remove_group]`); status != 400 {
		t.Errorf("nothing ticked: status %d, want 400", status)
	}
	if got := b.text(`.alert-error`); !strings.Contains(got, "Tick the devices first") {
		t.Errorf("the refusal reads %q", got)
	}
	b.screenshot("devices-bulk")

	// The counts, and the filter by group the count links to.
	b.open("/console/folders")
	if got := b.text("table.folders tbody"); !strings.Contains(got, "Front desk") || !strings.Contains(got, "2") {
		t.Errorf("the folders read %q, want Front desk with 2 devices", got)
	}
	if got := b.text("table.groups tbody"); !strings.Contains(got, "Scanners") || !strings.Contains(got, "5") || !strings.Contains(got, "2") {
		t.Errorf("the groups read %q, want Scanners, priority 5, 2 devices", got)
	}
	if status := b.submit(`table.groups a[href*="group=` + group.ID + `"]`); status != 200 {
		t.Fatalf("open the group's devices: status %d", status)
	}
	rows := b.text("table.devices tbody")
	if !strings.Contains(rows, "Forklift scanner 1") || !strings.Contains(rows, "Dana") || strings.Contains(rows, "van") {
		t.Errorf("the list filtered by group reads %q", rows)
	}
	if sel := run(b, "the group filter", chromedp.Evaluate[string](`document.querySelector('#f-group').value`)); sel != group.ID {
		t.Errorf("the group filter shows %q, want the group", sel)
	}
	// From the filtered list: take Dana's phone out of the group.
	tick(f.personal.ID)
	run(b, "choose the group", chromedp.SetValue(chromedp.CSS("#bulk-group_id"), group.ID))
	if status := b.submit(`#bulk button[value=remove_group]`); status != 200 {
		t.Fatalf("remove from the group: status %d", status)
	}
	if rows := b.text("table.devices tbody"); strings.Contains(rows, "Dana") || !strings.Contains(rows, "Forklift") {
		t.Errorf("back on the filtered list after the removal: %q", rows)
	}

	// The device page names its folder and group.
	b.open("/console/devices/" + f.company.ID)
	if got := b.text(".device-membership"); !strings.Contains(got, "Front desk") || !strings.Contains(got, "Scanners") {
		t.Errorf("the device page's membership reads %q", got)
	}

	// Rename the folder; delete the group.
	b.open("/console/folders")
	run(b, "open the rename form", chromedp.Click(chromedp.CSS(`table.folders details > summary`)))
	run(b, "clear the name", chromedp.Evaluate[bool](`(document.getElementById("edit-folder-`+folder.ID+`-name").value = "") === ""`))
	b.typeIn("#edit-folder-"+folder.ID+"-name", "Reception")
	if status := b.submit(`form[action="/console/folders/` + folder.ID + `/edit"] button[type=submit]`); status != 200 {
		t.Fatalf("rename: status %d", status)
	}
	if got := b.text("table.folders tbody"); !strings.Contains(got, "Reception") || strings.Contains(got, "Front desk") {
		t.Errorf("after the rename the folders read %q", got)
	}
	run(b, "accept the confirmation", chromedp.Evaluate[bool](`window.confirm = () => true; true`))
	if status := b.submit(`form[action="/console/groups/` + group.ID + `/delete"] button`); status != 200 {
		t.Fatalf("delete the group: status %d", status)
	}
	if got := b.text("table.groups tbody"); !strings.Contains(got, "No groups yet") {
		t.Errorf("after the deletion the groups read %q", got)
	}
	b.screenshot("folders-after")

	viewer := e.login(f.northClient.ID, "vic@acme.example", steward.RoleReadOnly)
	ro := e.tab()
	ro.signIn("vic@acme.example", viewer)
	ro.open("/console/folders")
	if got := ro.text("table.folders tbody"); !strings.Contains(got, "Reception") {
		t.Errorf("the read-only login's folders read %q", got)
	}
	if n := run(ro, "count forms", chromedp.Evaluate[int](`document.querySelectorAll('main form[method=post]').length`)); n != 0 {
		t.Errorf("a read-only login sees %d forms", n)
	}
	ro.open("/console/devices")
	if n := run(ro, "count checkboxes", chromedp.Evaluate[int](`document.querySelectorAll('input[name=device_ids]').length`)); n != 0 {
		t.Errorf("a read-only login sees %d checkboxes", n)
	}
	if got := ro.text("table.devices tbody"); strings.Count(got, "Reception") != 2 {
		t.Errorf("the read-only login's folder column reads %q", got)
	}
}
