package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// TestBrowserLocation: a reseller turns location on for a client on the
// account page; a company device's user grants it and the device sends
// points through the device API; the device page leads to a table and a
// plot drawn as inline SVG, and the view is in the audit log. A read-only
// manager of the client sees neither the link nor the page.
func TestBrowserLocation(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	pwReader := e.login(f.northClient.ID, "rory@acme.example", steward.RoleReadOnly)

	b := e.tab()
	b.signIn("nora@northwind.example", f.pwNorth)
	b.open("/console/accounts/" + f.northClient.ID)
	if got := b.text("#privacy"); !strings.Contains(got, "Never changed: both off") {
		t.Errorf("the privacy panel of a new client reads %q", got)
	}
	run(b, "tick location", chromedp.Click(chromedp.CSS("#privacy-location")))
	b.screenshot("privacy-switches")
	if status := b.submit(`#privacy-form button[type=submit]`); status != 200 {
		t.Fatalf("save the switches: status %d", status)
	}
	if got := b.text(`[role="status"]`); !strings.Contains(got, "switches are saved") {
		t.Errorf("no confirmation: %q", got)
	}
	if on := run(b, "location checked", chromedp.Evaluate[bool](`document.querySelector('#privacy-location').checked`)); !on {
		t.Error("the location switch is not on after saving")
	}

	// The device hears it at check-in, asks its user, and sends its track.
	var res protocol.CheckInResponse
	res = *e.checkIn(f.company, 70)
	if res.Privacy == nil || !res.Privacy.LocationEnabled || !res.Privacy.LocationConsentRequired {
		t.Fatalf("the check-in says %+v", res.Privacy)
	}
	if code, body := e.deviceCall(protocol.PathConsent, f.company.credential, protocol.ConsentRequest{Protocol: 1, Purpose: "location",
		Granted: true, DecidedAt: time.Now(), NoticeVersion: "2026-03"}); code != 204 {
		t.Fatalf("consent: %d %s", code, body)
	}
	if code, body := e.deviceCall(protocol.PathLocation, f.company.credential, walk(6)); code != 200 {
		t.Fatalf("location: %d %s", code, body)
	}

	b.open("/console/devices/" + f.company.ID)
	if status := b.submit("#location-link"); status != 200 {
		t.Fatalf("open the location page: status %d", status)
	}
	if n := run(b, "rows", chromedp.Evaluate[int](`document.querySelectorAll('table.points tbody tr').length`)); n != 6 {
		t.Errorf("the table has %d rows, want 6", n)
	}
	if first := b.text("table.points tbody tr:first-child"); !strings.Contains(first, "53.54960") || !strings.Contains(first, "9.97160") {
		t.Errorf("the newest row reads %q", first)
	}
	if n := run(b, "circles", chromedp.Evaluate[int](`document.querySelectorAll('svg.location-plot circle').length`)); n != 6 {
		t.Errorf("the plot has %d points, want 6", n)
	}
	if n := run(b, "newest", chromedp.Evaluate[int](`document.querySelectorAll('svg.location-plot circle.newest').length`)); n != 1 {
		t.Errorf("the plot marks %d points newest, want 1", n)
	}
	// The plot is drawn: it has a size on the page, and north-east is up-right.
	if w := run(b, "plot width", chromedp.Evaluate[float64](`document.querySelector('svg.location-plot').getBoundingClientRect().width`)); w < 300 {
		t.Errorf("the plot is %v pixels wide", w)
	}
	cx := run(b, "x", chromedp.Evaluate[[]float64](`[...document.querySelectorAll('svg.location-plot circle')].map(c => +c.getAttribute('cx'))`))
	cy := run(b, "y", chromedp.Evaluate[[]float64](`[...document.querySelectorAll('svg.location-plot circle')].map(c => +c.getAttribute('cy'))`))
	if len(cx) == 6 && (cx[5] <= cx[0] || cy[5] >= cy[0]) {
		t.Errorf("the track does not head up and right: x %v, y %v", cx, cy)
	}
	// Nothing was loaded from elsewhere: every resource is the console's own.
	if ext := run(b, "resources", chromedp.Evaluate[int](`performance.getEntriesByType('resource').filter(r => !r.name.startsWith(location.origin)).length`)); ext != 0 {
		t.Errorf("%d resources came from elsewhere", ext)
	}
	b.screenshot("device-location")
	views, err := e.svc.AuditLog(e.admin, steward.AuditFilter{Action: "device.location.view"})
	if err != nil {
		t.Fatal(err)
	}
	if len(views) != 1 || views[0].ActorEmail != "nora@northwind.example" || views[0].TargetID != f.company.ID {
		t.Errorf("audited views: %+v", views)
	}

	// The read-only manager: no link, and the page itself is forbidden.
	r := e.tab()
	r.signIn("rory@acme.example", pwReader)
	r.open("/console/devices/" + f.company.ID)
	if n := run(r, "links", chromedp.Evaluate[int](`document.querySelectorAll('#location-link, #web-history-link').length`)); n != 0 {
		t.Errorf("the read-only manager sees %d links to location or web history", n)
	}
	if got := r.text("#privacy"); !strings.Contains(got, "may not see") {
		t.Errorf("the read-only manager's panel reads %q", got)
	}
	if status := r.open("/console/devices/" + f.company.ID + "/location"); status != 403 {
		t.Errorf("the read-only manager opening the location page: status %d, want 403", status)
	}
	if body := r.text("main"); strings.Contains(body, "53.5") {
		t.Errorf("the refusal shows coordinates: %q", body)
	}
	r.screenshot("device-location-read-only")
	if views, _ := e.svc.AuditLog(e.admin, steward.AuditFilter{Action: "device.location.view"}); len(views) != 1 {
		t.Errorf("%d audited views after the refused one, want 1", len(views))
	}
}
