package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// TestContactPages: a reseller adds a contact to its client's directory
// from the contacts page (a bad email refused with the field named, the
// form keeping what was typed), sends it to one device, edits it and
// deletes it.
func TestContactPages(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	c := e.client()
	tok := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)
	list := "/console/contacts?account=" + f.northClient.ID
	want(t, "the empty list", c.get(list), http.StatusOK, "No contacts yet", "Add a contact", "Acme Logistics",
		`value="account:`+f.northClient.ID+`"`, `value="device:`+f.company.ID+`"`, "Forklift scanner 1 ("+f.company.SupportID+")")

	form := url.Values{"csrf_token": {tok}, "account_id": {f.northClient.ID}, "name": {"Service desk"}, "email": {"desk at acme"},
		"phone": {"+44 20 7946 0000"}, "target": {"device:" + f.company.ID}}
	p := c.post("/console/contacts", form)
	want(t, "a bad email", p, http.StatusBadRequest, `id="create-contact-email-error"`, "is not an email address", `value="Service desk"`,
		`value="device:`+f.company.ID+`" checked`)
	form.Set("email", "desk@acme.example")
	p = c.post("/console/contacts", form)
	want(t, "created", p, http.StatusOK, "Service desk is added", "desk@acme.example", "Device Forklift scanner 1")
	cs, err := e.svc.ListContacts(e.admin, f.northClient.ID)
	if err != nil || len(cs) != 1 {
		t.Fatalf("after creating: %+v (%v)", cs, err)
	}
	x := cs[0]
	if len(x.Targets) != 1 || x.Targets[0] != (steward.Target{Kind: steward.TargetDevice, ID: f.company.ID}) {
		t.Errorf("targets %+v, want the company device", x.Targets)
	}
	dir, err := e.svc.DeviceDirectory(e.admin, f.company.dev)
	if err != nil || len(dir.Contacts) != 1 {
		t.Errorf("the targeted device's directory: %+v (%v)", dir, err)
	}

	page := "/console/contacts/" + x.ID
	want(t, "the contact's page", c.get(page), http.StatusOK, `value="Service desk"`, `value="device:`+f.company.ID+`" checked`)
	p = c.post(page, url.Values{"csrf_token": {tok}, "name": {"IT desk"}, "email": {"desk@acme.example"}, "phone": {"call us"},
		"target": {"account:" + f.northClient.ID}})
	want(t, "a bad phone", p, http.StatusBadRequest, `id="edit-contact-phone-error"`, `value="IT desk"`)
	p = c.post(page, url.Values{"csrf_token": {tok}, "name": {"IT desk"}, "email": {"desk@acme.example"}, "phone": {""},
		"target": {"account:" + f.northClient.ID}})
	want(t, "saved", p, http.StatusOK, "IT desk is saved", "Account Acme Logistics")
	if got, _ := e.svc.Contact(e.admin, x.ID); got == nil || got.Name != "IT desk" || got.Phone != "" {
		t.Errorf("after saving: %+v", got)
	}
	p = c.post(page+"/delete", url.Values{"csrf_token": {tok}})
	want(t, "deleted", p, http.StatusOK, "IT desk is deleted", "No contacts yet")
	if _, err := e.svc.Contact(e.admin, x.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("after deleting: %v", err)
	}
}

// TestDirectoryPagesOfAnotherReseller: another reseller neither lists nor
// reaches a contact or a file, and changes nothing; a read-only login
// reads them without forms.
func TestDirectoryPagesOfAnotherReseller(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	nora := e.actor("nora@northwind.example", f.pwNorth)
	x, err := e.svc.CreateContact(nora, service.ContactCreate{AccountID: f.northClient.ID, Name: "Secret desk", Phone: "0800 1234"})
	if err != nil {
		t.Fatal(err)
	}
	file, err := e.svc.UploadFile(nora, service.FileUpload{AccountID: f.northClient.ID, Name: "secret-plan.txt", Body: strings.NewReader("plan")})
	if err != nil {
		t.Fatal(err)
	}
	c := e.client()
	tok := c.signIn("sam@southwind.example", f.pwSouth).csrf(t)
	for _, path := range []string{"/console/contacts/" + x.ID, "/console/files/" + file.ID, "/console/contacts?account=" + f.northClient.ID,
		"/console/files?account=" + f.northClient.ID} {
		if p := c.get(path); p.status != http.StatusNotFound || strings.Contains(p.body, "Secret desk") || strings.Contains(p.body, "secret-plan") {
			t.Errorf("GET %s: status %d, want a 404 that names nothing", path, p.status)
		}
	}
	for _, path := range []string{"/console/contacts/" + x.ID, "/console/contacts/" + x.ID + "/delete", "/console/files/" + file.ID,
		"/console/files/" + file.ID + "/delete"} {
		if p := c.post(path, url.Values{"csrf_token": {tok}, "name": {"Mine"}, "phone": {"123"}}); p.status != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", path, p.status)
		}
	}
	if p := c.post("/console/contacts", url.Values{"csrf_token": {tok}, "account_id": {f.northClient.ID}, "name": {"Mine"}, "phone": {"123"}}); p.status != http.StatusNotFound {
		t.Errorf("creating a contact in another reseller's client: status %d, want 404", p.status)
	}
	if got, err := e.svc.Contact(nora, x.ID); err != nil || got.Name != "Secret desk" {
		t.Errorf("the contact changed: %+v (%v)", got, err)
	}
	if _, err := e.svc.File(nora, file.ID); err != nil {
		t.Errorf("the file is gone: %v", err)
	}

	pw := e.login(f.northClient.ID, "rob@acme.example", steward.RoleReadOnly)
	ro := e.client()
	ro.signIn("rob@acme.example", pw)
	for path, text := range map[string]string{"/console/contacts": "Secret desk", "/console/files": "secret-plan.txt",
		"/console/contacts/" + x.ID: "0800 1234", "/console/files/" + file.ID: "secret-plan.txt"} {
		p := ro.get(path)
		want(t, "read-only "+path, p, http.StatusOK, text)
		for _, form := range []string{`name="target"`, `data-upload-file`, `/delete"`, `type="file"`} {
			if strings.Contains(p.body, form) {
				t.Errorf("a read-only login sees %s on %s", form, path)
			}
		}
	}
}
