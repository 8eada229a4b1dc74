package console_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
)

// TestBrowserUsers: a client's admin opens Users from the menu, adds a
// user whose cost centre is not a number and reads the refusal next to
// that field, fixes it and finds the user in the list; then imports a CSV
// file with a bad row and reads the report, which wrote nothing.
func TestBrowserUsers(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	e.userFields(f.northClient.ID)
	pw := e.login(f.northClient.ID, "ada@acme.example", steward.RoleAdmin)

	b := e.tab()
	b.signIn("ada@acme.example", pw)
	b.open("/console/")
	if status := b.submit(`nav a[href="/console/users"]`); status != 200 {
		t.Fatalf("open Users from the menu: status %d", status)
	}
	if got := b.text("table.users tbody"); !strings.Contains(got, "No users yet") {
		t.Errorf("the empty directory lists %q", got)
	}
	if status := b.submit("#new-user"); status != 200 {
		t.Fatalf("open the form: status %d", status)
	}
	b.typeIn("#user-email", "jane.doe@acme.example")
	b.typeIn("#user-name", "Jane Doe")
	b.typeIn("#user-cf-cost_centre", "forty-one")
	run(b, "choose the team", chromedp.SetValue(chromedp.CSS("#user-cf-team"), "Sales"))
	b.typeIn("#user-devices", f.company.SupportID)
	if status := b.submit(`#user-form button[type=submit]`); status != 400 {
		t.Errorf("a bad cost centre: status %d, want 400", status)
	}
	// The message sits in the cost centre's field, the input says it is
	// invalid and points at it, and what was typed is kept.
	if got := b.text(`.field.has-error:has(#user-cf-cost_centre) .field-error`); strings.Join(strings.Fields(got), " ") != "Error: Not a number." {
		t.Errorf("the cost centre's error reads %q", got)
	}
	if got := run(b, "aria", chromedp.AttributeValue(chromedp.CSS("#user-cf-cost_centre"), "aria-invalid")); got.Value != "true" {
		t.Errorf("aria-invalid = %q", got.Value)
	}
	if got := run(b, "kept", chromedp.Value(chromedp.CSS("#user-email"))); got != "jane.doe@acme.example" {
		t.Errorf("the email field holds %q after the refusal", got)
	}
	if got := b.text(`.alert-error`); !strings.Contains(got, "Not a number.") || !strings.Contains(got, "Cost centre") {
		t.Errorf("the summary reads %q", got)
	}
	b.screenshot("user-refused")

	run(b, "clear the cost centre", chromedp.Clear(chromedp.CSS("#user-cf-cost_centre")))
	b.typeIn("#user-cf-cost_centre", "4100")
	if status := b.submit(`#user-form button[type=submit]`); status != 200 {
		t.Fatalf("add the user: status %d", status)
	}
	row := b.text(`table.users tbody tr:has(a[href^="/console/users/"])`)
	if !strings.Contains(row, "jane.doe@acme.example") || !strings.Contains(row, "4100") || !strings.Contains(row, f.company.SupportID) {
		t.Errorf("the list's row reads %q", row)
	}
	b.screenshot("users")
	b.open("/console/devices/" + f.company.ID)
	if got := b.text("#device-user"); !strings.Contains(got, "jane.doe@acme.example") || !strings.Contains(got, "Jane Doe") {
		t.Errorf("the device page's user reads %q", got)
	}
	b.screenshot("device-user")
	b.open("/console/users/fields")
	b.screenshot("user-fields")
	b.open("/console/users")

	// A file with a bad row: the report, and nothing written.
	file := filepath.Join(t.TempDir(), "staff.csv")
	content := "email,name,team,cost_centre\nann@acme.example,Ann,Support,12\nbob@acme.example,Bob,Marketing,x\n"
	if err := os.WriteFile(file, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if status := b.submit(`a[href^="/console/users/import"]`); status != 200 {
		t.Fatalf("open the import page: status %d", status)
	}
	run(b, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#import-file"), []string{file}))
	if status := b.submit(`#import-form button[type=submit]`); status != 400 {
		t.Errorf("import with bad rows: status %d, want 400", status)
	}
	if got := b.text("#import-failed"); got != "2 problems in the file; nothing was imported." {
		t.Errorf("the import says %q", got)
	}
	report := b.text("#import-report tbody")
	for _, s := range []string{"3\tteam\tNot one of the choices: Sales, Support.", "3\tcost_centre\tNot a number."} {
		if !strings.Contains(report, s) {
			t.Errorf("the report lacks %q:\n%s", s, report)
		}
	}
	b.screenshot("users-import-report")
	if us, err := e.svc.Users(e.admin, f.northClient.ID, steward.UserFilter{}); err != nil || len(us) != 1 {
		t.Errorf("after the refused import: %d users (%v), want jane alone", len(us), err)
	}
}
