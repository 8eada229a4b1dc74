package console_test

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// userFields gives the fleet's client a number, a date and a required choice.
func (e *env) userFields(accountID string) {
	e.t.Helper()
	if _, err := e.svc.PutUserFields(e.admin, accountID, []steward.CustomFieldDef{
		{Key: "cost_centre", Label: "Cost centre", Type: steward.FieldNumber},
		{Key: "start", Label: "Start date", Type: steward.FieldDate},
		{Key: "team", Label: "Team", Type: steward.FieldChoice, Choices: []string{"Sales", "Support"}, Required: true},
	}); err != nil {
		e.t.Fatal(err)
	}
}

// upload posts a multipart form with one file.
func (c *client) upload(path string, fields url.Values, name, content string) page {
	c.t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		c.t.Fatal(err)
	}
	fw.Write([]byte(content))
	mw.Close()
	req, err := http.NewRequest("POST", c.base+path, &b)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.do(req)
}

// TestUsersPages: the reseller above the client adds, edits and deletes a
// user through the forms; a refused custom field shows next to its input
// and keeps what was typed; another reseller reaches nothing.
func TestUsersPages(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	e.userFields(f.northClient.ID)
	c := e.client()
	c.signIn("nora@northwind.example", f.pwNorth)

	// Nora's subtree has one client account: the list opens on it.
	list := c.get("/console/users")
	want(t, "users list", list, 200, "Users <span class=\"muted\">of Acme Logistics</span>", "No users yet.",
		`href="/console/users/new?account=`+f.northClient.ID+`"`, `href="/api/v1/accounts/`+f.northClient.ID+`/users/export"`)
	tok := list.csrf(t)
	form := c.get("/console/users/new?account=" + f.northClient.ID)
	want(t, "new user form", form, 200, `id="user-cf-cost_centre"`, `type="date"`, `<option>Support</option>`)

	bad := url.Values{"csrf_token": {tok}, "account_id": {f.northClient.ID}, "email": {"jane@acme.example"}, "name": {"Jane Doe"},
		"custom_fields.cost_centre": {"forty"}, "custom_fields.team": {"Sales"}, "devices": {f.company.SupportID}}
	p := c.post("/console/users", bad)
	want(t, "refused custom field", p, 400, `<p class="field-error" id="user-cf-cost_centre-error"><span class="visually-hidden">Error: </span>Not a number.</p>`,
		`value="forty"`, `value="Jane Doe"`, `href="#user-cf-cost_centre">Cost centre</a>`)
	if us, _ := e.svc.Users(e.admin, f.northClient.ID, steward.UserFilter{}); len(us) != 0 {
		t.Fatalf("a refused form added %d users", len(us))
	}
	bad.Set("custom_fields.cost_centre", "4100")
	bad.Set("devices", "NOSUCHID")
	want(t, "unknown device", c.post("/console/users", bad), 400, `id="user-devices-error"`, `No device &#34;NOSUCHID&#34; in this account.`)

	good := bad
	good.Set("devices", f.company.SupportID)
	p = c.post("/console/users", good)
	want(t, "added", p, 200, "jane@acme.example is added.", f.company.SupportID, ">4100<")
	us, err := e.svc.Users(e.admin, f.northClient.ID, steward.UserFilter{})
	if err != nil || len(us) != 1 || len(us[0].DeviceIDs) != 1 || us[0].DeviceIDs[0] != f.company.ID {
		t.Fatalf("after the form: %+v (%v)", us, err)
	}
	jane := us[0]
	want(t, "search", c.get("/console/users?account="+f.northClient.ID+"&q=DOE"), 200, "jane@acme.example")
	want(t, "search without a match", c.get("/console/users?account="+f.northClient.ID+"&q=zebra"), 200, "No user matches")

	edit := url.Values{"csrf_token": {tok}, "email": {"jane@acme.example"}, "name": {"Jane D."}, "directory_name": {"jdoe"},
		"custom_fields.cost_centre": {""}, "custom_fields.start": {"2026-03-01"}, "custom_fields.team": {"Support"}, "devices": {""}}
	want(t, "saved", c.post("/console/users/"+jane.ID, edit), 200, "jane@acme.example is saved.", `value="jdoe"`)
	got, err := e.svc.User(e.admin, jane.ID)
	if err != nil || got.Name != "Jane D." || len(got.DeviceIDs) != 0 ||
		got.CustomFields["team"] != "Support" || got.CustomFields["cost_centre"] != "" || got.CustomFields["start"] != "2026-03-01" {
		t.Errorf("after the edit: %+v (%v)", got, err)
	}
	edit.Set("custom_fields.team", "")
	want(t, "required", c.post("/console/users/"+jane.ID, edit), 400, `id="user-cf-team-error"`, "Required.")

	// The device page shows and sets the device's user.
	dev := c.get("/console/devices/" + f.personal.ID)
	want(t, "device without a user", dev, 200, `<p class="muted" id="device-user">No user.</p>`, `<option value="jane@acme.example">`)
	want(t, "unknown email", c.post("/console/devices/"+f.personal.ID+"/user", url.Values{"csrf_token": {tok}, "email": {"nobody@acme.example"}}),
		400, "The account has no user nobody@acme.example.")
	want(t, "device user set", c.post("/console/devices/"+f.personal.ID+"/user", url.Values{"csrf_token": {tok}, "email": {"JANE@acme.example"}}),
		200, "The device&#39;s user is jane@acme.example.", `href="/console/users/`+jane.ID+`">jane@acme.example</a>`)
	if du, err := e.svc.DeviceUser(e.admin, f.personal.ID); err != nil || du == nil || du.ID != jane.ID {
		t.Errorf("the device's user: %+v (%v)", du, err)
	}

	// Another reseller reaches nothing of it.
	other := e.client()
	otherTok := other.signIn("sam@southwind.example", f.pwSouth).csrf(t)
	for _, path := range []string{"/console/users/" + jane.ID, "/console/users/" + jane.ID + "/delete",
		"/console/users?account=" + f.northClient.ID, "/console/users/fields?account=" + f.northClient.ID} {
		if p := other.get(path); p.status != 404 || strings.Contains(p.body, "jane@acme.example") {
			t.Errorf("the other reseller at %s: %d", path, p.status)
		}
	}
	if p := other.post("/console/users/"+jane.ID+"/delete", url.Values{"csrf_token": {otherTok}}); p.status != 404 {
		t.Errorf("the other reseller deleting: %d", p.status)
	}

	want(t, "delete page", c.get("/console/users/"+jane.ID+"/delete"), 200, "Delete jane@acme.example?", "1</strong> device stays")
	want(t, "deleted", c.post("/console/users/"+jane.ID+"/delete", url.Values{"csrf_token": {tok}}), 200, "jane@acme.example is deleted")
	if _, err := e.svc.User(e.admin, jane.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("after the deletion: %v", err)
	}
}

// TestUserFieldsAndImportPages: the field editor saves and removes fields
// and shows a refusal on its row; the import page shows the per-row report
// and writes nothing for a file with a bad row; a read-only login gets no
// forms.
func TestUserFieldsAndImportPages(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	c := e.client()
	tok := c.signIn("nora@northwind.example", f.pwNorth).csrf(t)
	acc := f.northClient.ID

	fields := url.Values{"csrf_token": {tok}, "account_id": {acc}, "rows": {"3"},
		"f0.key": {"team"}, "f0.label": {"Team"}, "f0.type": {"choice"}, "f0.choices": {"Sales\r\nSupport\r\n"}, "f0.required": {"1"},
		"f1.key": {"Bad Key"}, "f1.label": {"Badge"}, "f1.type": {"text"}}
	want(t, "refused field", c.post("/console/users/fields", fields), 400, `id="f1-key-error"`, `value="Bad Key"`)
	fields.Set("f1.key", "badge")
	want(t, "saved fields", c.post("/console/users/fields", fields), 200, "The custom fields are saved.", `value="badge"`)
	defs, err := e.svc.UserFields(e.admin, acc)
	if err != nil || len(defs) != 2 || defs[0].Key != "team" || len(defs[0].Choices) != 2 || !defs[0].Required {
		t.Fatalf("after the editor: %+v (%v)", defs, err)
	}

	imp := url.Values{"csrf_token": {tok}, "account_id": {acc}}
	file := "email,name,team,badge\nann@acme.example,Ann,Sales,B-1\nbob@acme.example,Bob,Marketing,B-2\n"
	p := c.upload("/console/users/import", imp, "staff.csv", file)
	want(t, "import with a bad row", p, 400, "1 problem in the file; nothing was imported.", `id="import-report"`,
		"<td class=\"num\">3</td><td><code>team</code></td><td>Not one of the choices: Sales, Support.</td>")
	if us, _ := e.svc.Users(e.admin, acc, steward.UserFilter{}); len(us) != 0 {
		t.Fatalf("a refused import wrote %d users", len(us))
	}
	imp.Set("partial", "1")
	want(t, "partial import", c.upload("/console/users/import", imp, "staff.csv", file), 200,
		"The good rows are imported: 1 created, 0 updated, 0 unchanged, 1 skipped.", `id="import-report"`)
	want(t, "no file", c.post("/console/users/import", url.Values{"csrf_token": {tok}, "account_id": {acc}}), 400, "Choose a CSV file to import.")
	big := "email\n" + strings.Repeat("x", service.MaxUserImportBytes+1)
	want(t, "too large", c.upload("/console/users/import", imp, "big.csv", big), 413, "A users file has at most 5 MiB.")
	want(t, "far too large", c.upload("/console/users/import", imp, "big.csv", big+strings.Repeat("x", 1<<20)), 413, "The upload is larger than 5 MiB.")

	// Removing a field deletes its values.
	fields = url.Values{"csrf_token": {tok}, "account_id": {acc}, "rows": {"2"},
		"f0.key": {"team"}, "f0.label": {"Team"}, "f0.type": {"choice"}, "f0.choices": {"Sales\nSupport"}, "f0.existing": {"1"},
		"f1.key": {"badge"}, "f1.label": {"Badge"}, "f1.type": {"text"}, "f1.existing": {"1"}, "f1.remove": {"1"}}
	want(t, "removed a field", c.post("/console/users/fields", fields), 200, "The custom fields are saved.")
	if u, err := e.svc.UserByEmail(e.admin, acc, "ann@acme.example"); err != nil || len(u.CustomFields) != 1 {
		t.Errorf("ann after the removal: %+v (%v)", u, err)
	}

	viewer := e.login(acc, "vic@acme.example", steward.RoleReadOnly)
	ro := e.client()
	ro.signIn("vic@acme.example", viewer)
	for _, path := range []string{"/console/users", "/console/users/import", "/console/users/fields"} {
		p := ro.get(path)
		if p.status != 200 || strings.Contains(p.body, `type="file"`) || strings.Contains(p.body, `type="submit" class="btn btn-primary"`) {
			t.Errorf("the read-only login at %s: %d, with forms", path, p.status)
		}
	}
}
