package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardmdm/steward/service"
)

// TestFoldersForAReseller: a reseller chooses the client on the page,
// creates a folder there, moves a device in from the list filtered to that
// client and comes back to that list; a return address outside the device
// list is not followed.
func TestFoldersForAReseller(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	c := e.client()
	tok := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)

	want(t, "one client: chosen at once", c.get("/console/folders"), http.StatusOK, "Folders and groups", "of Acme Logistics", "No folders yet")
	p := c.post("/console/folders", url.Values{"csrf_token": {tok}, "account_id": {f.northClient.ID}, "name": {"Depot"}})
	want(t, "create", p, http.StatusOK, "The folder Depot is created.", "Depot")
	p = c.post("/console/folders", url.Values{"csrf_token": {tok}, "account_id": {f.north.ID}, "name": {"Mine"}})
	want(t, "a folder in a reseller", p, http.StatusBadRequest, "belong to client accounts")
	p = c.post("/console/groups", url.Values{"csrf_token": {tok}, "account_id": {f.northClient.ID}, "name": {"Top"}, "priority": {"high"}})
	want(t, "a priority that is not a number", p, http.StatusBadRequest, "whole number from 0 to 1000", `id="create-group-priority"`)

	folders, err := e.svc.Folders(e.admin, f.northClient.ID)
	if err != nil || len(folders) != 1 {
		t.Fatalf("folders: %v (%v)", folders, err)
	}
	list := "/console/devices?account=" + f.northClient.ID
	want(t, "the list of one client", c.get(list), http.StatusOK, `id="bulk"`, `name="device_ids"`, "Move to folder", `id="f-folder"`)
	if p := c.get("/console/devices"); strings.Contains(p.body, `id="bulk"`) {
		t.Error("the list of every client offers to move devices into one client's folders")
	}
	p = c.post("/console/devices/membership", url.Values{"csrf_token": {tok}, "action": {"move_folder"}, "folder_id": {folders[0].ID},
		"device_ids": {f.company.ID}, "back": {list}})
	want(t, "move", p, http.StatusOK, "1 device moved to the folder Depot.")
	if p.url != list {
		t.Errorf("after the move the browser is at %s, want %s", p.url, list)
	}
	p = c.post("/console/devices/membership", url.Values{"csrf_token": {tok}, "action": {"move_folder"}, "folder_id": {folders[0].ID},
		"device_ids": {f.personal.ID}, "back": {"https://evil.example/console/devices"}})
	if p.status != http.StatusOK || p.url != "/console/devices" {
		t.Errorf("a foreign return address: %d at %s, want the device list", p.status, p.url)
	}
	p = c.post("/console/devices/membership", url.Values{"csrf_token": {tok}, "action": {"move_folder"}, "folder_id": {""},
		"device_ids": {f.personal.ID}, "back": {list}})
	want(t, "no folder chosen", p, http.StatusBadRequest, "Choose the folder")
	if got, _ := e.svc.Folder(e.admin, folders[0].ID); got.DeviceCount != 2 {
		t.Errorf("the folder holds %d devices, want 2", got.DeviceCount)
	}
}

// TestForeignFoldersAreNotFound: another reseller reaches none of the
// client's folders, groups or devices through the console's forms.
func TestForeignFoldersAreNotFound(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	nora := e.actor("nora@northwind.example", f.pwNorth)
	folder, err := e.svc.CreateFolder(nora, f.northClient.ID, service.FolderCreate{Name: "Depot"})
	if err != nil {
		t.Fatal(err)
	}
	group, err := e.svc.CreateGroup(nora, f.northClient.ID, service.GroupCreate{Name: "Scanners"})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	tok := c.signIn("sam@southwind.example", f.pwSouth).csrf(t)
	if p := c.get("/console/folders?account=" + f.northClient.ID); p.status != http.StatusNotFound || strings.Contains(p.body, "Depot") {
		t.Errorf("the foreign client's folders page: %d", p.status)
	}
	for path, form := range map[string]url.Values{
		"/console/folders/" + folder.ID + "/edit":   {"name": {"Mine"}, "account_id": {f.northClient.ID}},
		"/console/folders/" + folder.ID + "/delete": {},
		"/console/groups/" + group.ID + "/edit":     {"name": {"Mine"}, "priority": {"1"}, "account_id": {f.northClient.ID}},
		"/console/groups/" + group.ID + "/delete":   {},
		"/console/folders":                          {"name": {"Mine"}, "account_id": {f.northClient.ID}},
		"/console/devices/membership":               {"action": {"add_group"}, "group_id": {group.ID}, "device_ids": {f.company.ID}},
	} {
		form.Set("csrf_token", tok)
		if p := c.post(path, form); p.status != http.StatusNotFound || strings.Contains(p.body, "Depot") || strings.Contains(p.body, "Scanners") {
			t.Errorf("POST %s: status %d, want a 404 that names nothing", path, p.status)
		}
	}
	if got, err := e.svc.Folder(nora, folder.ID); err != nil || got.Name != "Depot" {
		t.Errorf("a foreign reseller changed the folder: %+v (%v)", got, err)
	}
	if got, err := e.svc.Group(nora, group.ID); err != nil || got.Name != "Scanners" || got.DeviceCount != 0 {
		t.Errorf("a foreign reseller changed the group: %+v (%v)", got, err)
	}
}
