package console_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
)

// acceptDialogs answers every confirm() of the tab with OK, as a person
// would, and records what each asked.
func acceptDialogs(b *tab) func() []string {
	var mu sync.Mutex
	var asked []string
	dialogs := chromedp.Events(b.ctx, cdppage.JavascriptDialogOpening)
	go func() {
		for ev, err := range dialogs {
			if err != nil {
				return
			}
			mu.Lock()
			asked = append(asked, ev.Message)
			mu.Unlock()
			if _, err := chromedp.Call(b.ctx, cdppage.HandleJavaScriptDialog, cdppage.HandleJavaScriptDialogParams{Accept: true}); err != nil {
				return
			}
		}
	}()
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), asked...)
	}
}

// TestBrowserContacts: a client's admin opens Contacts from the menu, adds
// a contact with a mistyped email and sees the error next to the email
// field with what was typed kept; fixes it and finds the contact listed,
// sent to the device ticked.
func TestBrowserContacts(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	pw := e.login(f.northClient.ID, "ada@acme.example", steward.RoleAdmin)
	b := e.tab()
	b.signIn("ada@acme.example", pw)
	b.open("/console/")
	if status := b.submit(`nav a[href="/console/contacts"]`); status != 200 {
		t.Fatalf("open Contacts from the menu: status %d", status)
	}
	if got := b.text("table.contacts tbody"); !strings.Contains(got, "No contacts yet") {
		t.Errorf("the empty directory lists %q", got)
	}
	b.typeIn("#create-contact-name", "Service desk")
	b.typeIn("#create-contact-email", "desk.acme.example")
	b.typeIn("#create-contact-phone", "+44 20 7946 0000")
	run(b, "tick the device", chromedp.Click(chromedp.CSS(`#new-contact input[value="device:`+f.company.ID+`"]`)))
	if status := b.submit(`#new-contact button[type=submit]`); status != 400 {
		t.Fatalf("a bad email: status %d, want 400", status)
	}
	if got := b.text(`#new-contact .field.has-error #create-contact-email-error`); !strings.Contains(got, "is not an email address") {
		t.Errorf("the error next to the email field reads %q", got)
	}
	if invalid := run(b, "read aria-invalid", chromedp.Evaluate[string](`document.querySelector('#create-contact-email').getAttribute('aria-invalid')`)); invalid != "true" {
		t.Errorf("the email field is not marked invalid: %q", invalid)
	}
	kept := run(b, "read the form", chromedp.Evaluate[[]any](`[document.querySelector('#create-contact-name').value,
		document.querySelector('#create-contact-phone').value,
		document.querySelector('#new-contact input[value="device:`+f.company.ID+`"]').checked]`))
	if kept[0] != "Service desk" || kept[1] != "+44 20 7946 0000" || kept[2] != true {
		t.Errorf("the refused form kept %v", kept)
	}
	b.screenshot("contacts-refused")
	if cs, _ := e.svc.ListContacts(e.admin, f.northClient.ID); len(cs) != 0 {
		t.Fatalf("a refused contact was stored: %+v", cs)
	}

	run(b, "clear the email", chromedp.Evaluate[chromedp.Void](`document.querySelector('#create-contact-email').value = ''`))
	b.typeIn("#create-contact-email", "desk@acme.example")
	if status := b.submit(`#new-contact button[type=submit]`); status != 200 {
		t.Fatalf("create the contact: status %d", status)
	}
	row := b.text("table.contacts tbody")
	if !strings.Contains(row, "Service desk") || !strings.Contains(row, "desk@acme.example") || !strings.Contains(row, "Device Forklift scanner 1") {
		t.Errorf("the list reads %q", row)
	}
	if got := b.text(`[role="status"]`); !strings.Contains(got, "Service desk is added") {
		t.Errorf("no confirmation: %q", got)
	}
	b.screenshot("contacts")
}

// TestBrowserUploadFile: a client's admin uploads a 6 MiB file from the
// Files page, sent to the whole account; the progress bar fills to the
// file's size (100 %), the list shows the file, and the device receives
// it. Deleting it from the list (after the confirmation) removes it and
// its content.
func TestBrowserUploadFile(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	pw := e.login(f.northClient.ID, "ada@acme.example", steward.RoleAdmin)
	path := filepath.Join(t.TempDir(), "Safety handbook.pdf")
	content := "%PDF-1.4\n" + strings.Repeat("Wear the helmet. ", 6<<20/17)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}

	b := e.tab()
	asked := acceptDialogs(b)
	b.signIn("ada@acme.example", pw)
	b.open("/console/")
	if status := b.submit(`nav a[href="/console/files"]`); status != 200 {
		t.Fatalf("open Files from the menu: status %d", status)
	}
	run(b, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{path}))
	b.typeIn("#upload-description", "Read before your first shift")
	run(b, "tick the account", chromedp.Click(chromedp.CSS(`#upload input[value="account:`+f.northClient.ID+`"]`)))
	run(b, "watch the progress bar", chromedp.Evaluate[bool](watchProgress))
	if status := b.submit(`#upload button[type=submit]`); status != 200 {
		t.Fatalf("upload: the next page answered %d", status)
	}
	files, err := e.svc.ListFiles(e.admin, f.northClient.ID)
	if err != nil || len(files) != 1 {
		t.Fatalf("after the upload: %+v (%v)", files, err)
	}
	file := files[0]
	if file.Name != "Safety handbook.pdf" || file.Size != int64(len(content)) || file.ContentType != "application/pdf" ||
		file.Description != "Read before your first shift" || len(file.Targets) != 1 {
		t.Errorf("stored %+v", file)
	}
	if p := b.path(); !strings.HasPrefix(p, "/console/files?uploaded="+file.ID) {
		t.Errorf("after the upload the browser is at %s", p)
	}
	var seen [][2]float64
	if err := json.Unmarshal([]byte(run(b, "read the progress", chromedp.Evaluate[string](`sessionStorage.getItem('progress')`))), &seen); err != nil {
		t.Fatal(err)
	}
	if len(seen) < 2 {
		t.Fatalf("the progress bar moved %d times", len(seen))
	}
	if last := seen[len(seen)-1]; last[0] != last[1] || last[1] < float64(len(content)) {
		t.Errorf("the progress bar ended at %v of %v, want 100 %% of the file's %d bytes", last[0], last[1], len(content))
	}
	row := b.text("#file-" + file.ID)
	if !strings.Contains(row, "Safety handbook.pdf") || !strings.Contains(row, "PDF") || !strings.Contains(row, "Account Acme Logistics") {
		t.Errorf("the file's row reads %q", row)
	}
	if got := b.text(`[role="status"]`); !strings.Contains(got, "Safety handbook.pdf is uploaded") {
		t.Errorf("no confirmation: %q", got)
	}
	dir, err := e.svc.DeviceDirectory(e.admin, f.company.dev)
	if err != nil || len(dir.Files) != 1 || dir.Files[0].SHA256 != file.SHA256 {
		t.Errorf("the device's directory after the upload: %+v (%v)", dir, err)
	}
	b.screenshot("files")

	if status := b.submit(`#file-` + file.ID + ` form button[type=submit]`); status != 200 {
		t.Fatalf("delete: status %d", status)
	}
	if q := asked(); len(q) != 1 || !strings.Contains(q[0], "Delete Safety handbook.pdf?") {
		t.Errorf("the confirmation asked %q", q)
	}
	if got := b.text("table.files tbody"); !strings.Contains(got, "No files yet") {
		t.Errorf("after the delete the list reads %q", got)
	}
	if _, _, err := e.svc.OpenFile(e.admin, file.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("the file after the delete: %v", err)
	}
	if _, err := e.srv.DB.SharedFileByID(e.admin, file.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Errorf("the record after the delete: %v", err)
	}
}
