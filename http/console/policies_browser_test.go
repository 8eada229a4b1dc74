package console_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
)

const wifiPassword = "warehouse-passphrase-2026"

// TestBrowserPolicyEditor: a client's admin creates a Wi-Fi policy, sees
// the refusal of a short password next to its field, fixes it, adds a CA
// certificate (its details and expiry flag shown), assigns the policy to
// a group and finds it on a device's effective policy, with its source;
// the password is never sent back to the browser.
func TestBrowserPolicyEditor(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	pw := e.login(f.northClient.ID, "ada@acme.example", steward.RoleAdmin)
	now := time.Now()
	g := &steward.Group{ID: steward.NewID(now), AccountID: f.northClient.ID, Name: "Forklifts", Priority: 5, CreatedAt: now, UpdatedAt: now}
	if err := e.srv.DB.InsertGroup(e.admin, g); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.DB.AddDevicesToGroup(e.admin, g.ID, []string{f.company.ID}); err != nil {
		t.Fatal(err)
	}
	ca := testutil.NewCA(t, "Acme Root CA", now.Add(-time.Hour), now.Add(10*24*time.Hour))

	b := e.tab()
	b.signIn("ada@acme.example", pw)
	b.open("/console/")
	if status := b.submit(`nav a[href="/console/policies"]`); status != 200 {
		t.Fatalf("open Policies from the menu: status %d", status)
	}
	if got := b.text("table.policies tbody"); !strings.Contains(got, "No policies yet") {
		t.Errorf("the empty list reads %q", got)
	}
	b.typeIn("#create-policy-name", "Warehouse Wi-Fi")
	if status := b.submit(`#create-policy button[type=submit]`); status != 200 || !strings.HasPrefix(b.path(), "/console/policies/") {
		t.Fatalf("create: status %d at %s", status, b.path())
	}
	b.screenshot("policy-new")

	// A short password: refused, the message next to the field.
	b.typeIn("#pol-wifi-0-ssid", "Warehouse")
	b.typeIn("#pol-wifi-0-password", "short")
	if status := b.submit(`#wifi button[type=submit]`); status != 400 {
		t.Fatalf("a short password: status %d, want 400", status)
	}
	b.screenshot("policy-wifi-refused")
	if got := b.text("#wifi .has-error #pol-wifi-0-password-error"); !strings.Contains(got, "WPA2-Personal needs 8 to 63 characters.") {
		t.Errorf("the password's error reads %q", got)
	}
	if got := b.text(`#wifi [role=alert]`); !strings.Contains(got, "wifi[0].password") {
		t.Errorf("the section's summary reads %q", got)
	}
	if v := run(b, "read the SSID", chromedp.Value(chromedp.CSS("#pol-wifi-0-ssid"))); v != "Warehouse" {
		t.Errorf("the SSID was not kept: %q", v)
	}
	b.typeIn("#pol-wifi-0-password", wifiPassword)
	if status := b.submit(`#wifi button[type=submit]`); status != 200 {
		t.Fatalf("a good password: status %d", status)
	}
	if got := b.text("main [role=status]"); !strings.Contains(got, "Saved as version 2") {
		t.Errorf("after saving: %q", got)
	}
	if got := b.text("#wifi-0"); !strings.Contains(got, "password set") {
		t.Errorf("the saved network reads %q", got)
	}
	if html := run(b, "page", chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, wifiPassword) {
		t.Error("the page holds the Wi-Fi password")
	}

	// A CA certificate pasted: its details, flagged as expiring.
	run(b, "paste the CA", chromedp.SetValue(chromedp.CSS("#pol-ca-certs-0-pem"), ca.PEM))
	if status := b.submit(`#ca_certs button[type=submit]`); status != 200 {
		t.Fatalf("save the CA: status %d", status)
	}
	if got := b.text("#ca-0"); !strings.Contains(got, "CN=Acme Root CA") || !strings.Contains(got, ca.SHA256) ||
		!strings.Contains(got, "expires within 30 days") {
		t.Errorf("the CA certificate reads %q", got)
	}

	// Assigned to the group.
	run(b, "tick the group", chromedp.Click(chromedp.CSS(`#targets-form input[value="group:`+g.ID+`"]`)))
	if status := b.submit(`#targets-form button[type=submit]`); status != 200 {
		t.Fatalf("save the targets: status %d", status)
	}
	if got := b.text("ul.targets"); !strings.Contains(got, "Forklifts") {
		t.Errorf("targets read %q", got)
	}
	b.screenshot("policy-saved")

	// The device's page: the effective policy, and where it came from.
	b.open("/console/devices/" + f.company.ID)
	got := b.text("#policy")
	for _, want := range []string{"wifi/Warehouse", "wpa2_personal, password set", "Warehouse Wi-Fi", "group Forklifts",
		"ca_cert/" + ca.SHA256, "expires within 30 days"} {
		if !strings.Contains(got, want) {
			t.Errorf("the device's effective policy lacks %q:\n%s", want, got)
		}
	}
	b.screenshot("device-policy")
	if html := run(b, "page", chromedp.OuterHTML(chromedp.CSS("html"))); strings.Contains(html, wifiPassword) {
		t.Error("the device page holds the Wi-Fi password")
	}
	// The other device is in no group: nothing covers it.
	b.open("/console/devices/" + f.personal.ID)
	if got := b.text("#policy"); !strings.Contains(got, "No policy covers this device") {
		t.Errorf("the other device's policy reads %q", got)
	}
}
