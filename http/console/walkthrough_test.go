package console_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// mailedLink returns the one-time link of the newest mail to an address.
func (e *env) mailedLink(to, kind string) string {
	e.t.Helper()
	mails, err := e.srv.DB.DueMail(context.Background(), time.Now().Add(time.Minute), 100)
	if err != nil {
		e.t.Fatal(err)
	}
	re := regexp.MustCompile(`/console/` + kind + `\?token=(\S+)`)
	link := ""
	for _, m := range mails {
		if m.To == to {
			if got := re.FindString(m.Body); got != "" {
				link = got
			}
		}
	}
	if link == "" {
		e.t.Fatalf("no %s link mailed to %s", kind, to)
	}
	return link
}

// want fails unless a page has the status and every text.
func want(t testing.TB, what string, p page, status int, texts ...string) {
	t.Helper()
	if p.status != status {
		t.Errorf("%s: status %d, want %d (at %s)", what, p.status, status, p.url)
	}
	for _, s := range texts {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: the page at %s lacks %q", what, p.url, s)
		}
	}
}

// TestWalkthrough drives every form of the console once, as a platform
// administrator, and checks what each one shows and changes.
func TestWalkthrough(t *testing.T) {
	e := newEnv(t, adminPassword)
	me, _, _ := e.svc.Me(e.admin)
	c := e.client()
	tok := c.signIn(adminEmail, adminPassword).csrf(t)
	post := func(path string, kv ...string) page {
		t.Helper()
		f := url.Values{"csrf_token": {tok}}
		for i := 0; i+1 < len(kv); i += 2 {
			f.Add(kv[i], kv[i+1])
		}
		return c.post(path, f)
	}

	p := post("/console/accounts/"+me.AccountID+"/children", "name", "Northwind", "kind", "reseller")
	want(t, "create reseller", p, 200, "<h1>Northwind</h1>", "is created")
	north := strings.TrimPrefix(p.url, "/console/accounts/")
	acc := "/console/accounts/" + north

	want(t, "grant", post(acc+"/grant", "amount", "1,000", "reason", "Order 7"), 200, "1,000 credits granted.", "Order 7")
	p = post(acc+"/children", "name", "Acme", "kind", "client", "notes", "Key customer")
	want(t, "create client", p, 200, "<h1>Acme</h1>", "Key customer")
	acme := strings.TrimPrefix(p.url, "/console/accounts/")
	want(t, "transfer", post(acc+"/transfer", "to_id", acme, "amount", "400", "reason", "Q1"), 200, "400 credits transferred.", "−400")
	want(t, "overdraw", post(acc+"/transfer", "to_id", acme, "amount", "5000", "reason", "Q1"), http.StatusConflict, "cannot transfer 5000")
	if bal, _ := e.svc.Balance(e.admin, north); bal != 600 {
		t.Errorf("Northwind's balance is %d, want 600", bal)
	}

	want(t, "direct login", post(acc+"/managers", "email", "ops@north.example", "name", "Ops", "role", "owner", "mode", "password",
		"password", "first-password-123"), 200, "must change it at first sign-in", "ops@north.example")
	want(t, "weak password", post(acc+"/managers", "email", "x@north.example", "name", "X", "role", "admin", "mode", "password",
		"password", "short"), 400, `id="create-manager-password-error"`, "at least 12 characters")
	want(t, "invitation", post(acc+"/managers", "email", "ivy@north.example", "name", "Ivy", "role", "read_only", "mode", "invite"),
		200, "invitation is on its way to ivy@north.example", "invited")
	ms, _ := e.svc.Managers(e.admin, north)
	var ivy *steward.Manager
	for _, m := range ms {
		if m.Email == "ivy@north.example" {
			ivy = m
		}
	}
	if ivy == nil {
		t.Fatal("the invited login does not exist")
	}
	want(t, "role", post("/console/managers/"+ivy.ID+"/role", "role", "admin"), 200, "ivy@north.example now has the admin role.")

	// The invitation, opened signed out.
	guest := e.client()
	link := e.mailedLink("ivy@north.example", "invite")
	p = guest.get(link)
	want(t, "invitation page", p, 200, "Accept your invitation")
	want(t, "accept", guest.post("/console/invite", url.Values{"csrf_token": {p.csrf(t)}, "token": {strings.SplitN(link, "=", 2)[1]},
		"new_password": {"a-chosen-secret-77"}, "confirm_password": {"a-chosen-secret-77"}}), 200, "Welcome to Steward", "<h1>Sign in</h1>")
	if p := guest.signIn("ivy@north.example", "a-chosen-secret-77"); !strings.Contains(p.body, "<h1>Dashboard</h1>") {
		t.Errorf("the invited login cannot sign in: at %s", p.url)
	}
	want(t, "delete login", post("/console/managers/"+ivy.ID+"/delete"), 200, "The login ivy@north.example is deleted")

	want(t, "suspend", post("/console/accounts/"+acme+"/status", "status", "suspended", "reason", "Unpaid invoice"), 200,
		"“Acme” is now suspended.", "Unpaid invoice", "badge-suspended")
	want(t, "reactivate", post("/console/accounts/"+acme+"/status", "status", "active"), 200, "“Acme” is now active.")
	want(t, "rename", post(acc+"/edit", "name", "Northwind Ltd", "notes", "", "support_remote", "on"), 200, "<h1>Northwind Ltd</h1>", "remote sessions,")

	// Tokens: the secret once, then only its prefix.
	p = post("/console/tokens", "name", "billing sync", "role", "read_only", "expires_at", time.Now().AddDate(0, 1, 0).Format("2006-01-02"))
	want(t, "create token", p, 201, "shown only this once", `id="token-secret"`)
	secret := regexp.MustCompile(`value="(stw_[^"]+)"`).FindStringSubmatch(p.body)
	if secret == nil {
		t.Fatal("no token secret on the page")
	}
	p = c.get("/console/tokens")
	want(t, "token list", p, 200, "billing sync", secret[1][:10])
	if strings.Contains(p.body, secret[1]) {
		t.Error("the token list shows the whole secret again")
	}
	want(t, "past expiry", post("/console/tokens", "name", "old", "expires_at", "2001-01-01"), 400, "The expiry must be in the future.")
	ts, _ := e.svc.Tokens(e.admin, "")
	want(t, "revoke", post("/console/tokens/"+ts[0].ID+"/revoke"), 200, "The token is revoked", "badge-blocked")

	// Audit, verification, security events.
	want(t, "audit", c.get("/console/audit?action=credits.&account="+north), 200, "<code>credits.transfer</code>", "<code>credits.grant</code>")
	if p := c.get("/console/audit?action=credits.&account=" + north); strings.Contains(p.body, "<code>account.create</code>") {
		t.Error("the action filter lets other actions through")
	}
	want(t, "audit bad date", c.get("/console/audit?since=yesterday"), 400, "Give the date as YYYY-MM-DD")
	want(t, "verify", c.get("/console/audit/verify?account="+north), 200, "The chain verifies.")
	want(t, "security", c.get("/console/security?kind=login.succeeded"), 200, "login.succeeded", "ivy@north.example")

	// Deletion behind its confirmation.
	want(t, "delete page", c.get("/console/accounts/"+acme+"/delete"), 200, "Delete “Acme”?")
	want(t, "delete unconfirmed", post("/console/accounts/"+acme+"/delete", "confirm_name", "acme"), 400, "Type the account&#39;s name exactly")
	want(t, "delete", post("/console/accounts/"+acme+"/delete", "confirm_name", "Acme"), 200, "“Acme” and the accounts below it are deleted.")
	if a, _ := e.svc.Account(e.admin, acme); a == nil || a.DeletedAt == nil {
		t.Error("the account is not deleted")
	}

	// Password reset by mail, signed out.
	guest = e.client()
	p = guest.get("/console/forgot")
	want(t, "forgot", guest.post("/console/forgot", url.Values{"csrf_token": {p.csrf(t)}, "email": {"ops@north.example"}}), 200, "a reset link is on its way")
	link = e.mailedLink("ops@north.example", "reset")
	token := strings.SplitN(link, "=", 2)[1]
	p = guest.get(link)
	form := url.Values{"csrf_token": {p.csrf(t)}, "token": {token}, "new_password": {"brand-new-secret-1"}, "confirm_password": {"brand-new-secret-2"}}
	want(t, "reset mismatch", guest.post("/console/reset", form), 400, "The two passwords differ")
	form.Set("confirm_password", "brand-new-secret-1")
	want(t, "reset", guest.post("/console/reset", form), 200, "Your password is set.")
	want(t, "reset again", guest.post("/console/reset", form), http.StatusGone, "invalid, already used or expired")
	want(t, "link without token", guest.get("/console/reset"), 200, "This link is incomplete")

	// Sign-out ends the session.
	want(t, "sign out", post("/console/logout"), 200, "You are signed out.", "<h1>Sign in</h1>")
	if p := c.get("/console/accounts"); !strings.HasPrefix(p.url, "/console/login") {
		t.Errorf("after signing out, /console/accounts answered at %s", p.url)
	}
}
