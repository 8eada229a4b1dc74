package console_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserDevices: a reseller finds a device by its support ID, opens
// it, sends its user a message and sees it queued; issues an activation
// code and sees it with its QR code, which the page's policy lets load.
// Another reseller cannot open the device.
func TestBrowserDevices(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	third := e.enroll(e.code(f.northClient.ID, 1).Code, "company", "Delivery van tablet", "V1")
	e.checkIn(third, 42)

	b := e.tab()
	b.signIn("nora@northwind.example", f.pwNorth)
	b.open("/console/devices")
	if n := run(b, "count rows", chromedp.Evaluate[int](`document.querySelectorAll('table.devices tbody tr').length`)); n != 3 {
		t.Errorf("the list shows %d devices, want 3", n)
	}
	b.screenshot("devices")

	b.typeIn("#f-q", f.company.SupportID)
	if status := b.submit(`form[role=search] button[type=submit]`); status != 200 {
		t.Fatalf("search: status %d", status)
	}
	if rows := b.text("table.devices tbody"); !strings.Contains(rows, "Forklift scanner 1") || strings.Contains(rows, "Dana") || strings.Contains(rows, "van") {
		t.Errorf("searching for %s lists %q", f.company.SupportID, rows)
	}
	if status := b.submit(`table.devices a[href="/console/devices/` + f.company.ID + `"]`); status != 200 {
		t.Fatalf("open the device: status %d", status)
	}
	if h := b.text("h1"); h != "Forklift scanner 1" {
		t.Errorf("the device page's heading is %q", h)
	}
	if inv := b.text(".inventory"); !strings.Contains(inv, "8944500102198304826") {
		t.Errorf("the inventory lacks the ICCID: %q", inv)
	}
	b.screenshot("device")

	run(b, "open the message form", chromedp.Click(chromedp.CSS(`details:has(#cmd-message) > summary`)))
	b.typeIn("#cmd-message-title", "Hello")
	b.typeIn("#cmd-message-body", "Please bring the scanner back to the depot.")
	b.screenshot("device-message-form")
	if status := b.submit(`#cmd-message button[type=submit]`); status != 200 {
		t.Fatalf("send the message: status %d", status)
	}
	if p := b.path(); p != "/console/devices/"+f.company.ID {
		t.Errorf("after sending, the browser is at %s", p)
	}
	if got := b.text(`[role="status"]`); !strings.Contains(got, "message is queued") {
		t.Errorf("no confirmation: %q", got)
	}
	if row := b.text("#commands tbody tr:first-child"); !strings.Contains(row, "message") || !strings.Contains(row, "queued") ||
		!strings.Contains(row, "Hello: Please bring the scanner back") || !strings.Contains(row, "nora@northwind.example") {
		t.Errorf("the newest command reads %q", row)
	}
	b.screenshot("device-commands")

	b.open("/console/codes?account=" + f.northClient.ID)
	run(b, "clear seats", chromedp.SetValue(chromedp.CSS("#create-code-seats"), ""))
	b.typeIn("#create-code-seats", "25")
	b.typeIn("#create-code-note", "Warehouse scanners")
	if status := b.submit(`#new-code button[type=submit]`); status != 201 {
		t.Fatalf("issue a code: status %d", status)
	}
	if code := b.text("#code-value"); !regexp.MustCompile(`^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$`).MatchString(code) {
		t.Errorf("the new code reads %q", code)
	}
	// The QR image loaded: the page's policy lets a data: image through.
	if w := run(b, "QR width", chromedp.Evaluate[int](`document.querySelector('.qr img').naturalWidth`)); w < 200 {
		t.Errorf("the QR image is %d pixels wide: it did not load", w)
	}
	b.screenshot("code-created")

	other := e.tab()
	other.signIn("sam@southwind.example", f.pwSouth)
	if status := other.open("/console/devices/" + f.company.ID); status != 404 {
		t.Errorf("the other reseller opening the device: status %d, want 404", status)
	}
	if body := other.text("main"); strings.Contains(body, "Forklift") || strings.Contains(body, f.company.SupportID) {
		t.Errorf("the 404 page tells about the device: %q", body)
	}
}
