package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// TestBrowserCompliance: two devices report on their policy through the
// device API, one with a failed Wi-Fi network; the dashboard counts them,
// its non-compliant count leads to the list naming the failed setting, and
// the list to the device's page with every setting, its status and detail,
// and a line in its history. Another reseller's owner sees none of it.
func TestBrowserCompliance(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	// A policy covers the client's devices: they report on its version.
	name := "Acme devices"
	if _, err := e.svc.CreatePolicy(e.admin, f.northClient.ID, service.PolicyInput{Name: &name, Settings: &steward.PolicySettings{
		WiFi: []steward.WiFiSetting{{SSID: "Warehouse", Security: "open"}}},
		Targets: []steward.Target{{Kind: steward.TargetAccount, ID: f.northClient.ID}}}); err != nil {
		t.Fatal(err)
	}
	dev, err := e.svc.Device(e.admin, f.company.ID)
	if err != nil || dev.Policy.Version == "" {
		t.Fatalf("the device's policy version: %+v %v", dev, err)
	}
	version := dev.Policy.Version
	report := func(d enrolled, settings ...protocol.SettingStatus) {
		t.Helper()
		if code, body := e.deviceCall(protocol.PathPolicyReport, d.credential, protocol.PolicyReport{Protocol: 1, Version: version,
			AppliedAt: time.Now().UTC(), Settings: settings}); code != 204 {
			t.Fatalf("report: %d %s", code, body)
		}
	}
	report(f.company,
		protocol.SettingStatus{Key: "wifi/Warehouse", Status: "failed", Detail: "Secrets were required, but not provided."},
		protocol.SettingStatus{Key: "restrictions.disable_camera", Status: "applied"},
		protocol.SettingStatus{Key: "kiosk", Status: "not_applicable", Detail: "No kiosk app is installed."})
	report(f.personal, protocol.SettingStatus{Key: "restrictions.disable_camera", Status: "applied"})

	b := e.tab()
	b.signIn("nora@northwind.example", f.pwNorth)
	b.open("/console/")
	counts := b.text("#compliance-counts")
	for _, want := range []string{"1\nCompliant", "1\nNon-compliant", "0\nPending", "0\nUnknown"} {
		if !strings.Contains(counts, want) {
			t.Errorf("the dashboard's compliance counts read %q, want %q", counts, want)
		}
	}
	b.screenshot("dashboard-compliance")
	if status := b.submit(`#compliance-counts .stat-c-non_compliant a`); status != 200 {
		t.Fatalf("open the non-compliant devices: status %d", status)
	}
	if got := b.path(); got != "/console/compliance?state=non_compliant" {
		t.Errorf("the count leads to %s", got)
	}
	if h := b.text("h1"); h != "Non-compliant devices" {
		t.Errorf("the list is headed %q", h)
	}
	rows := run(b, "rows", chromedp.Evaluate[[]string](`[...document.querySelectorAll('#compliance-devices tbody tr')].map(r => r.innerText)`))
	if len(rows) != 1 || !strings.Contains(rows[0], "Forklift scanner 1") || !strings.Contains(rows[0], "wifi/Warehouse — Secrets were required") {
		t.Errorf("the non-compliant list: %q", rows)
	}
	b.screenshot("compliance-list")

	if status := b.submit(`#compliance-devices tbody a`); status != 200 {
		t.Fatalf("open the device: status %d", status)
	}
	if got := b.text("#compliance .badge"); got != "non-compliant" {
		t.Errorf("the device's compliance badge reads %q", got)
	}
	if got := b.text("#compliance-reason"); got != "1 of 3 settings of policy version "+version+" failed." {
		t.Errorf("the reason reads %q", got)
	}
	settings := run(b, "settings", chromedp.Evaluate[[]string](
		`[...document.querySelectorAll('#compliance-settings tbody tr')].map(r => [...r.cells].map(c => c.innerText.trim()).join(' | '))`))
	want := []string{
		"wifi/Warehouse | failed | Secrets were required, but not provided.",
		"restrictions.disable_camera | applied | —",
		"kiosk | not applicable | No kiosk app is installed.",
	}
	if strings.Join(settings, "\n") != strings.Join(want, "\n") {
		t.Errorf("the settings table:\n%s\nwant:\n%s", strings.Join(settings, "\n"), strings.Join(want, "\n"))
	}
	if hist := b.text("#history"); !strings.Contains(hist, "Non-compliant on policy version "+version+"; failed: wifi/Warehouse.") {
		t.Errorf("the history does not note the change: %q", hist)
	}
	b.screenshot("device-compliance")

	// The other tabs of the list, and a state that does not exist.
	b.open("/console/compliance?state=compliant")
	if got := b.text("#compliance-devices tbody"); !strings.Contains(got, "Dana's phone") || strings.Contains(got, "Forklift") {
		t.Errorf("the compliant devices: %q", got)
	}
	if status := b.open("/console/compliance?state=fine"); status != 400 {
		t.Errorf("an unknown state: status %d, want 400", status)
	}

	// Southwind's owner sees no device of Northwind's, counted or listed.
	s := e.tab()
	s.signIn("sam@southwind.example", f.pwSouth)
	s.open("/console/compliance")
	if got := s.text("#compliance-states"); !strings.Contains(got, "0\nNon-compliant") || strings.Contains(got, "1\n") {
		t.Errorf("another reseller's counts: %q", got)
	}
	if status := s.open("/console/devices/" + f.company.ID); status != 404 {
		t.Errorf("another reseller opening the device: status %d, want 404", status)
	}
}
