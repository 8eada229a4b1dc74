package console_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
)

// watchProgress records every value the upload's progress bar takes, in
// the tab's session storage, which outlives the move to the app's page.
const watchProgress = `(() => {
  const bar = document.querySelector('#upload-progress');
  sessionStorage.setItem('progress', '[]');
  new MutationObserver(() => {
    const seen = JSON.parse(sessionStorage.getItem('progress'));
    seen.push([bar.value, bar.max]);
    sessionStorage.setItem('progress', JSON.stringify(seen));
  }).observe(bar, {attributes: true, attributeFilter: ['value', 'max']});
  return true;
})()`

// TestBrowserUploadApp: a client's admin picks an 8 MiB file on the apps
// page and uploads it; the progress bar fills to the file's size, the
// browser lands on the app's page and the version is quarantined. A file
// the inspector refuses shows the API's reason on the form and stores
// nothing. A read-only login gets no upload form.
func TestBrowserUploadApp(t *testing.T) {
	e := newEnv(t, adminPassword, withInspector)
	f := e.fleet()
	pw := e.login(f.northClient.ID, "ada@acme.example", steward.RoleAdmin)
	dir := t.TempDir()
	apk := filepath.Join(dir, "timesheet.apk")
	content := "com.acme.timesheet 7\n" + strings.Repeat("x", 8<<20)
	if err := os.WriteFile(apk, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	garbage := filepath.Join(dir, "notes.apk")
	if err := os.WriteFile(garbage, []byte("just some notes"), 0o644); err != nil {
		t.Fatal(err)
	}

	b := e.tab()
	b.signIn("ada@acme.example", pw)
	b.open("/console/")
	if status := b.submit(`nav a[href="/console/apps"]`); status != 200 {
		t.Fatalf("open Apps from the menu: status %d", status)
	}
	if got := b.text("table.apps tbody"); !strings.Contains(got, "No apps yet") {
		t.Errorf("the empty store lists %q", got)
	}

	// Refused: the reason from the API's error body, on the form.
	run(b, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{garbage}))
	run(b, "upload", chromedp.Click(chromedp.CSS(`#upload button[type=submit]`)))
	run(b, "wait for the refusal", chromedp.WaitVisible(chromedp.CSS("#upload-error")))
	if got := b.text("#upload-error"); !strings.Contains(got, "The APK was refused") || !strings.Contains(got, "not a zip archive") {
		t.Errorf("the refusal reads %q", got)
	}
	if shown := run(b, "progress shown", chromedp.Evaluate[bool](`getComputedStyle(document.querySelector('.upload-progress')).display !== 'none'`)); shown {
		t.Error("after the refusal the progress bar is still shown")
	}
	b.screenshot("apps-upload-refused")
	if apps, err := e.svc.ListApps(e.admin); err != nil || len(apps) != 0 {
		t.Fatalf("a refused upload left apps: %v (%v)", apps, err)
	}

	// Accepted: the bar fills, then the app's page.
	run(b, "choose the file", chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{apk}))
	run(b, "watch the progress bar", chromedp.Evaluate[bool](watchProgress))
	if status := b.submit(`#upload button[type=submit]`); status != 200 {
		t.Fatalf("upload: the next page answered %d", status)
	}
	apps, err := e.svc.ListApps(e.admin)
	if err != nil || len(apps) != 1 {
		t.Fatalf("after the upload: %v (%v)", apps, err)
	}
	if p := b.path(); p != "/console/apps/"+apps[0].ID {
		t.Errorf("after the upload the browser is at %s, want the app's page", p)
	}
	var seen [][2]float64
	if err := json.Unmarshal([]byte(run(b, "read the progress", chromedp.Evaluate[string](`sessionStorage.getItem('progress')`))), &seen); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 {
		t.Fatal("the progress bar never moved")
	}
	if last := seen[len(seen)-1]; last[0] != last[1] || last[1] != float64(len(content)) {
		t.Errorf("the progress bar ended at %v of %v, want the file's %d bytes", last[0], last[1], len(content))
	}
	if h := b.text("h1"); h != "Timesheet" {
		t.Errorf("the app page's heading is %q", h)
	}
	if got := b.text("#versions details summary"); !strings.Contains(got, "quarantined") || !strings.Contains(got, "ada@acme.example") {
		t.Errorf("the version reads %q, want quarantined and uploaded by ada", got)
	}
	if got := b.text("#versions .permissions"); !strings.Contains(got, "⚠ android.permission.CAMERA") {
		t.Errorf("the permissions read %q", got)
	}
	b.screenshot("app")

	viewer := e.login(f.northClient.ID, "vic@acme.example", steward.RoleReadOnly)
	ro := e.tab()
	ro.signIn("vic@acme.example", viewer)
	ro.open("/console/apps")
	if got := ro.text("table.apps tbody"); !strings.Contains(got, "com.acme.timesheet") {
		t.Errorf("the read-only login's list reads %q", got)
	}
	if n := run(ro, "count upload forms", chromedp.Evaluate[int](`document.querySelectorAll('[data-upload], input[type=file]').length`)); n != 0 {
		t.Errorf("a read-only login sees %d upload controls", n)
	}
}
