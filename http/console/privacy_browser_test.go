package console_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
)

// TestBrowserPrivacyRecords: a read-only manager of a client company finds
// the records of processing in the navigation; they show the location
// limits, the legal basis and the controller note, and list unbuilt
// features as not processed rather than as activities.
func TestBrowserPrivacyRecords(t *testing.T) {
	e := newEnv(t, adminPassword)
	reseller := e.account("", "Northwind Resellers", steward.AccountReseller)
	client := e.account(reseller.ID, "Fabrikam", steward.AccountClient)
	pw := e.login(client.ID, "viewer@fabrikam.example", steward.RoleReadOnly)

	b := e.tab()
	b.signIn("viewer@fabrikam.example", pw)
	if status := b.submit(`nav a[href="/console/privacy/records"]`); status != 200 {
		t.Fatalf("open the records from the navigation: status %d", status)
	}
	if h := b.text("h1"); h != "Records of processing" {
		t.Errorf("heading %q", h)
	}
	b.screenshot("privacy-records")

	loc := b.text(`table.plain tbody tr:first-child`)
	for _, want := range []string{"Device location", "50 points", "2 months", "Company-owned devices only"} {
		if !strings.Contains(loc, want) {
			t.Errorf("the plain page's location row lacks %q: %q", want, loc)
		}
	}
	act := b.text(`[id="activity-device.location"]`)
	for _, want := range []string{"Art. 6(1)(a)", "Device users", "At most the last 50 points"} {
		if !strings.Contains(act, want) {
			t.Errorf("the location activity lacks %q: %q", want, act)
		}
	}
	if got := b.text(`#records-h + p`); !strings.Contains(got, "controller") {
		t.Errorf("no controller note: %q", got)
	}
	if n := run(b, "count activities", chromedp.Evaluate[int](`document.querySelectorAll('[id="activity-support.tickets"]').length`)); n != 0 {
		t.Error("support tickets are shown as a processing activity, but this version does not collect them")
	}
	if got := b.text(`ul.not-collected`); !strings.Contains(got, "Support tickets") || !strings.Contains(got, "not built yet") {
		t.Errorf("the not-collected list reads %q", got)
	}
}
