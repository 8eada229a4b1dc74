package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// TestPrivacySwitchOffNeedsConfirmation: turning location off from the
// account page deletes the account's points, so the form refuses it
// without the confirmation box, and keeps the points; with it, they go.
// A read-only manager gets no form, and posting one is forbidden.
func TestPrivacySwitchOffNeedsConfirmation(t *testing.T) {
	e := newEnv(t, adminPassword)
	f := e.fleet()
	pwReader := e.login(f.northClient.ID, "rory@acme.example", steward.RoleReadOnly)
	on := true
	if _, err := e.svc.SetPrivacySettings(e.admin, f.northClient.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on, WebHistoryEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	e.deviceCall(protocol.PathConsent, f.company.credential, protocol.ConsentRequest{Protocol: 1, Purpose: "location", Granted: true,
		DecidedAt: time.Now(), NoticeVersion: "1"})
	if code, body := e.deviceCall(protocol.PathLocation, f.company.credential, walk(3)); code != 200 {
		t.Fatalf("location: %d %s", code, body)
	}
	points := func() int {
		ps, err := e.srv.DB.ListLocationPoints(t.Context(), f.company.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		return len(ps)
	}

	c := e.client()
	c.signIn("nora@northwind.example", f.pwNorth)
	acc := c.get("/console/accounts/" + f.northClient.ID)
	form := url.Values{"csrf_token": {acc.csrf(t)}, "web_history": {"on"}}
	p := c.post("/console/accounts/"+f.northClient.ID+"/privacy", form)
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "Tick the box to confirm") {
		t.Errorf("switching off without confirmation: %d", p.status)
	}
	if n := points(); n != 3 {
		t.Errorf("%d points after a refused switch, want 3", n)
	}
	form.Set("confirm_delete", "on")
	p = c.post("/console/accounts/"+f.northClient.ID+"/privacy", form)
	if p.status != http.StatusOK || !strings.Contains(p.body, "is deleted") {
		t.Errorf("switching off with confirmation: %d at %s", p.status, p.url)
	}
	if n := points(); n != 0 {
		t.Errorf("%d points after switching location off, want 0", n)
	}
	s, err := e.svc.PrivacySettings(e.admin, f.northClient.ID)
	if err != nil {
		t.Fatal(err)
	}
	if s.LocationEnabled || !s.WebHistoryEnabled {
		t.Errorf("settings %+v, want location off and web history on", s)
	}

	r := e.client()
	r.signIn("rory@acme.example", pwReader)
	acc = r.get("/console/accounts/" + f.northClient.ID)
	if strings.Contains(acc.body, `id="privacy-form"`) || !strings.Contains(acc.body, "Web history") {
		t.Error("the read-only manager's account page has the switches' form, or no privacy panel")
	}
	p = r.post("/console/accounts/"+f.northClient.ID+"/privacy", url.Values{"csrf_token": {acc.csrf(t)}, "confirm_delete": {"on"}})
	if p.status != http.StatusForbidden {
		t.Errorf("the read-only manager posting the switches: %d", p.status)
	}
	if p := r.get("/console/devices/" + f.company.ID + "/web-history"); p.status != http.StatusForbidden {
		t.Errorf("the read-only manager opening web history: %d", p.status)
	}
}
