package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
)

// TestBrowserPrivacyHold places a legal hold through the privacy centre's
// form and finds it listed, in force.
func TestBrowserPrivacyHold(t *testing.T) {
	const pw = "Keeper-Passw0rd-privacy"
	e := newEnv(t, pw)
	acc := e.account("", "Hold Client Ltd", steward.AccountClient)
	b := e.tab()
	b.signIn(adminEmail, pw)
	if status := b.open("/console/privacy"); status != 200 {
		t.Fatalf("privacy centre: status %d", status)
	}
	if got := b.text(`nav.sidenav a[aria-current="page"]`); got != "Privacy centre" {
		t.Errorf("the navigation marks %q", got)
	}
	run(b, "pick the account", chromedp.SetValue(chromedp.CSS("#create-hold-account_id"), acc.ID))
	run(b, "pick the category", chromedp.SetValue(chromedp.CSS("#create-hold-category"), "device.location"))
	b.typeIn("#create-hold-reason", "Case 2025-17: court order")
	if status := b.submit(`#new-hold button[type=submit]`); status != 200 {
		t.Fatalf("place the hold: status %d", status)
	}
	b.screenshot("privacy-hold")
	table := b.text("#holds-table tbody")
	for _, want := range []string{"Hold Client Ltd", "device.location", "Case 2025-17: court order", "in force"} {
		if !strings.Contains(table, want) {
			t.Errorf("the holds table lacks %q:\n%s", want, table)
		}
	}
}

// TestPrivacyCentreForManagers: a client manager sees the catalog and the
// holds on its own account, not others', and no form; posting one anyway
// is refused.
func TestPrivacyCentreForManagers(t *testing.T) {
	e := newEnv(t, "Keeper-Passw0rd-privacy")
	mine := e.account("", "Mine Ltd", steward.AccountClient)
	theirs := e.account("", "Theirs Ltd", steward.AccountClient)
	for _, a := range []*steward.Account{mine, theirs} {
		if _, err := e.svc.CreateLegalHold(e.admin, steward.LegalHoldCreate{AccountID: a.ID, Scope: steward.HoldAccount,
			Reason: "reason of " + a.Name}); err != nil {
			t.Fatal(err)
		}
	}
	pw := e.login(mine.ID, "owner@mine.test", steward.RoleOwner)
	c := e.client()
	c.signIn("owner@mine.test", pw)
	p := c.get("/console/privacy")
	if p.status != http.StatusOK {
		t.Fatalf("status %d", p.status)
	}
	for _, want := range []string{"Device location", "reason of Mine Ltd", "/console/privacy/records"} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
	for _, not := range []string{"reason of Theirs Ltd", `id="new-hold"`, "Retention status"} {
		if strings.Contains(p.body, not) {
			t.Errorf("the page shows %q", not)
		}
	}
	res := c.post("/console/privacy/holds", url.Values{"csrf_token": {p.csrf(t)}, "account_id": {mine.ID}, "reason": {"mine"}})
	if res.status != http.StatusForbidden {
		t.Errorf("a client manager placing a hold: status %d", res.status)
	}
}

// TestAccountSubscriptionForm sets a client's subscription on its page;
// an end before the start is refused next to the field.
func TestAccountSubscriptionForm(t *testing.T) {
	e := newEnv(t, "Keeper-Passw0rd-privacy")
	acc := e.account("", "Subscribed Ltd", steward.AccountClient)
	c := e.client()
	c.signIn(adminEmail, "Keeper-Passw0rd-privacy")
	p := c.get("/console/accounts/" + acc.ID)
	form := url.Values{"csrf_token": {p.csrf(t)}, "name": {acc.Name}, "subscription_start": {"2025-01-01"}, "subscription_end": {"2024-12-31"}}
	if res := c.post("/console/accounts/"+acc.ID+"/edit", form); res.status != http.StatusBadRequest || !strings.Contains(res.body, "cannot end before it starts") {
		t.Errorf("an end before the start: status %d", res.status)
	}
	form.Set("subscription_end", "2026-12-31")
	if res := c.post("/console/accounts/"+acc.ID+"/edit", form); res.status != http.StatusOK || !strings.Contains(res.body, "2025-01-01 – 2026-12-31") {
		t.Errorf("set the subscription: status %d", res.status)
	}
	got, err := e.svc.Account(e.admin, acc.ID)
	if err != nil || got.SubscriptionEnd == nil || got.SubscriptionEnd.Format("2006-01-02") != "2026-12-31" {
		t.Errorf("subscription end %v (%v)", got.SubscriptionEnd, err)
	}
}
