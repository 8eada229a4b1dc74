package console_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

func withInspector(c *server.Config) { c.Inspector = testutil.TextInspector{} }

// upload uploads a text "APK" through the service as ctx's login.
func (e *env) upload(ctx context.Context, accountID, body string) *steward.AppVersion {
	e.t.Helper()
	v, err := e.svc.UploadApp(ctx, service.AppUpload{AccountID: accountID, Body: strings.NewReader(body)})
	if err != nil {
		e.t.Fatalf("upload %q: %v", body, err)
	}
	return v
}

// TestAppPages: the owner's reseller sees the app in the list and on its
// page (quarantined, the dangerous permission marked, the signer), assigns
// it to an account, unassigns it, and deletes it only with the package
// name typed.
func TestAppPages(t *testing.T) {
	e := newEnv(t, adminPassword, withInspector)
	f := e.fleet()
	nora := e.actor("nora@northwind.example", f.pwNorth)
	v := e.upload(nora, f.northClient.ID, "com.acme.timesheet 7")
	app := "/console/apps/" + v.AppID

	c := e.client()
	tok := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)
	want(t, "the list", c.get("/console/apps"), http.StatusOK, "com.acme.timesheet", "Timesheet", "1.7", "badge-v-quarantined",
		"Acme Logistics", `data-upload="/api/v1/apps"`, `id="upload-progress"`)
	want(t, "the app", c.get(app), http.StatusOK, "quarantined", "CN=Acme Release", "5f1c0ffee0ddba11", "v2",
		`⚠ <code>android.permission.CAMERA</code>`, "1 dangerous", "not scanned yet", "Asks for the camera.")
	if p := c.get(app); strings.Contains(p.body, "⚠ <code>android.permission.INTERNET") {
		t.Error("a normal permission is marked dangerous")
	}

	p := c.post(app+"/assignments", url.Values{"csrf_token": {tok}, "target": {"account"}, "account_id": {f.northClient.ID}, "mode": {"available"}})
	want(t, "assign", p, http.StatusOK, "The app is assigned.", "available")
	d, err := e.svc.GetApp(nora, v.AppID)
	if err != nil || len(d.Assignments) != 1 || d.Assignments[0].AccountID != f.northClient.ID {
		t.Fatalf("after assigning: %+v (%v)", d, err)
	}
	p = c.post(app+"/assignments", url.Values{"csrf_token": {tok}, "target": {"device"}, "device_id": {""}, "mode": {"required"}})
	want(t, "assign to no device", p, http.StatusBadRequest, "Check the field")
	p = c.post(app+"/assignments/"+d.Assignments[0].ID+"/delete", url.Values{"csrf_token": {tok}})
	want(t, "unassign", p, http.StatusOK, "The assignment is removed", "Not assigned.")

	p = c.post(app+"/delete", url.Values{"csrf_token": {tok}, "confirm_package": {"com.acme"}})
	want(t, "delete with a wrong confirmation", p, http.StatusBadRequest, "Type the package name, com.acme.timesheet, to confirm")
	if _, err := e.svc.GetApp(nora, v.AppID); err != nil {
		t.Fatalf("a wrong confirmation deleted the app: %v", err)
	}
	p = c.post(app+"/delete", url.Values{"csrf_token": {tok}, "confirm_package": {"com.acme.timesheet"}})
	want(t, "delete", p, http.StatusOK, "Timesheet is deleted", "No apps yet.")
	if _, err := e.svc.GetApp(nora, v.AppID); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("after deleting, the app reads %v", err)
	}
}

// TestForeignAppIsNotFound: another reseller neither lists the app nor
// reaches any of its pages or forms, and changes nothing.
func TestForeignAppIsNotFound(t *testing.T) {
	e := newEnv(t, adminPassword, withInspector)
	f := e.fleet()
	nora := e.actor("nora@northwind.example", f.pwNorth)
	v := e.upload(nora, f.northClient.ID, "com.acme.timesheet 7")
	as, err := e.svc.AssignApp(nora, v.AppID, service.AppAssign{AccountID: f.northClient.ID, Mode: steward.AssignAvailable})
	if err != nil {
		t.Fatal(err)
	}
	app := "/console/apps/" + v.AppID

	c := e.client()
	tok := c.signIn("sam@southwind.example", f.pwSouth).csrf(t)
	if p := c.get("/console/apps"); strings.Contains(p.body, "timesheet") || !strings.Contains(p.body, "No apps yet") {
		t.Error("another reseller's app is listed")
	}
	for _, path := range []string{app, app + "/delete"} {
		if p := c.get(path); p.status != http.StatusNotFound || strings.Contains(p.body, "timesheet") || strings.Contains(p.body, "Acme") {
			t.Errorf("GET %s: status %d, want a 404 that names nothing", path, p.status)
		}
	}
	for path, form := range map[string]url.Values{
		app + "/assignments":                      {"target": {"account"}, "account_id": {f.south.ID}, "mode": {"required"}},
		app + "/assignments/" + as.ID + "/delete": {},
		app + "/delete":                           {"confirm_package": {"com.acme.timesheet"}},
	} {
		form.Set("csrf_token", tok)
		if p := c.post(path, form); p.status != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", path, p.status)
		}
	}
	d, err := e.svc.GetApp(nora, v.AppID)
	if err != nil || len(d.Assignments) != 1 {
		t.Errorf("a foreign reseller changed the app: %+v (%v)", d, err)
	}
}

// TestReadOnlySeesNoAppForms: a read-only login reads the store but gets
// no upload, assign, unassign or delete form, and its posts are refused.
func TestReadOnlySeesNoAppForms(t *testing.T) {
	e := newEnv(t, adminPassword, withInspector)
	f := e.fleet()
	nora := e.actor("nora@northwind.example", f.pwNorth)
	v := e.upload(nora, f.northClient.ID, "com.acme.timesheet 7")
	as, err := e.svc.AssignApp(nora, v.AppID, service.AppAssign{AccountID: f.northClient.ID, Mode: steward.AssignAvailable})
	if err != nil {
		t.Fatal(err)
	}
	app := "/console/apps/" + v.AppID
	pw := e.login(f.north.ID, "viewer@northwind.example", steward.RoleReadOnly)
	c := e.client()
	tok := c.signIn("viewer@northwind.example", pw).csrf(t)
	for _, path := range []string{"/console/apps", app} {
		p := c.get(path)
		want(t, path, p, http.StatusOK, "com.acme.timesheet")
		if n := strings.Count(p.body, `method="post"`); n != 1 || strings.Contains(p.body, "data-upload") || strings.Contains(p.body, "/delete") {
			t.Errorf("a read-only login sees forms on %s (%d POST forms besides sign-out)", path, n-1)
		}
	}
	for path, form := range map[string]url.Values{
		app + "/assignments":                      {"target": {"account"}, "account_id": {f.northClient.ID}, "mode": {"required"}},
		app + "/assignments/" + as.ID + "/delete": {},
		app + "/delete":                           {"confirm_package": {"com.acme.timesheet"}},
	} {
		form.Set("csrf_token", tok)
		if p := c.post(path, form); p.status != http.StatusForbidden || !strings.Contains(p.body, "can only read") {
			t.Errorf("POST %s by a read-only login: status %d, want 403 saying why", path, p.status)
		}
	}
	if d, err := e.svc.GetApp(nora, v.AppID); err != nil || len(d.Assignments) != 1 || d.Assignments[0].Mode != steward.AssignAvailable {
		t.Errorf("a read-only login changed the app: %+v (%v)", d, err)
	}
}

// downScanner is an antivirus that cannot be reached.
type downScanner struct{}

func (downScanner) Scan(context.Context, io.Reader) (steward.ScanResult, error) {
	return steward.ScanResult{}, errors.New("clamd: connect to tcp:clamav.internal:3310: connection refused")
}

// TestAppRescanButton: a version whose scan failed shows the failed scans
// and the next attempt, and its owner's admin puts it back in the queue
// with "Scan again"; a read-only login gets no such button, and another
// reseller's post is not found.
func TestAppRescanButton(t *testing.T) {
	e := newEnv(t, adminPassword, withInspector, func(c *server.Config) { c.Scanner = downScanner{} })
	f := e.fleet()
	nora := e.actor("nora@northwind.example", f.pwNorth)
	v := e.upload(nora, f.northClient.ID, "com.acme.timesheet 7")
	app := "/console/apps/" + v.AppID
	rescan := app + "/versions/" + v.ID + "/rescan"
	c := e.client()
	tok := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)
	if p := c.get(app); strings.Contains(p.body, rescan) {
		t.Error("a version waiting for its first scan offers Scan again")
	}
	if _, err := e.svc.ScanApps(context.Background()); err != nil {
		t.Fatal(err)
	}
	want(t, "after a failed scan", c.get(app), http.StatusOK, "Failed scans", "the next attempt due", "Scan attempt 1 of 10 failed",
		"connection refused", `action="`+rescan+`"`, "Scan again")

	pw := e.login(f.north.ID, "viewer@northwind.example", steward.RoleReadOnly)
	viewer := e.client()
	vtok := viewer.signIn("viewer@northwind.example", pw).csrf(t)
	if p := viewer.get(app); strings.Contains(p.body, rescan) {
		t.Error("a read-only login is offered Scan again")
	}
	if p := viewer.post(rescan, url.Values{"csrf_token": {vtok}}); p.status != http.StatusForbidden {
		t.Errorf("rescan by a read-only login: status %d, want 403", p.status)
	}
	sam := e.client()
	stok := sam.signIn("sam@southwind.example", f.pwSouth).csrf(t)
	if p := sam.post(rescan, url.Values{"csrf_token": {stok}}); p.status != http.StatusNotFound {
		t.Errorf("rescan by another reseller: status %d, want 404", p.status)
	}

	p := c.post(rescan, url.Values{"csrf_token": {tok}})
	want(t, "rescan", p, http.StatusOK, "back in the scan queue", "not scanned yet")
	if strings.Contains(p.body, "Failed scans") || strings.Contains(p.body, rescan) {
		t.Error("after the rescan the page still shows the failed scans or the button")
	}
	d, err := e.svc.GetApp(nora, v.AppID)
	if err != nil || d.Versions[0].ScanAttempts != 0 || d.Versions[0].Reasons != nil {
		t.Errorf("after the rescan: %+v (%v), want no failed scans nor reasons", d.Versions[0], err)
	}
}

// TestAppAssignFolderAndGroup: the assign form targets a folder or a group
// by its ID; the assignments list names them; an ID out of reach is
// refused on the form, naming nothing.
func TestAppAssignFolderAndGroup(t *testing.T) {
	e := newEnv(t, adminPassword, withInspector)
	f := e.fleet()
	nora := e.actor("nora@northwind.example", f.pwNorth)
	v := e.upload(nora, f.northClient.ID, "com.acme.timesheet 7")
	app := "/console/apps/" + v.AppID
	now := time.Now()
	folder := &steward.Folder{ID: steward.NewID(now), AccountID: f.northClient.ID, Name: "Warehouse", CreatedAt: now, UpdatedAt: now}
	group := &steward.Group{ID: steward.NewID(now.Add(time.Millisecond)), AccountID: f.northClient.ID, Name: "Drivers", CreatedAt: now, UpdatedAt: now}
	foreign := &steward.Folder{ID: steward.NewID(now.Add(2 * time.Millisecond)), AccountID: f.south.ID, Name: "Southern secrets",
		CreatedAt: now, UpdatedAt: now}
	for _, err := range []error{e.srv.DB.InsertFolder(context.Background(), folder), e.srv.DB.InsertGroup(context.Background(), group),
		e.srv.DB.InsertFolder(context.Background(), foreign)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	c := e.client()
	tok := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)
	want(t, "the form", c.get(app), http.StatusOK, `name="folder_id"`, `name="group_id"`)
	p := c.post(app+"/assignments", url.Values{"csrf_token": {tok}, "target": {"folder"}, "folder_id": {folder.ID}, "mode": {"required"}})
	want(t, "assign to the folder", p, http.StatusOK, "The app is assigned as required")
	p = c.post(app+"/assignments", url.Values{"csrf_token": {tok}, "target": {"group"}, "group_id": {" " + group.ID + " "}, "mode": {"available"}})
	want(t, "assign to the group", p, http.StatusOK, "The app is assigned.", "Warehouse", "Drivers")
	p = c.post(app+"/assignments", url.Values{"csrf_token": {tok}, "target": {"folder"}, "folder_id": {foreign.ID}, "mode": {"required"}})
	want(t, "assign to another reseller's folder", p, http.StatusBadRequest, "not found. Check the ID.")
	if strings.Contains(p.body, "Southern secrets") {
		t.Error("the refusal names the foreign folder")
	}
	d, err := e.svc.GetApp(nora, v.AppID)
	if err != nil || len(d.Assignments) != 2 || d.Assignments[0].FolderID != folder.ID || d.Assignments[1].GroupID != group.ID {
		t.Errorf("assignments %+v (%v), want the folder's and the group's", d.Assignments, err)
	}

	// A login of the client account chooses among its folders and groups.
	pw := e.login(f.northClient.ID, "ada@acme.example", steward.RoleAdmin)
	ada := e.client()
	ada.signIn("ada@acme.example", pw)
	want(t, "the form of a client's login", ada.get(app), http.StatusOK, `<select id="assign-folder_id" name="folder_id"><option value="`+folder.ID+`">Warehouse (0)</option>`,
		`<select id="assign-group_id" name="group_id"><option value="`+group.ID+`">Drivers (0)</option>`)
}
