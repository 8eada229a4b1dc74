package console_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
)

const adminPassword = "correct-horse-battery"

func TestLoginWrongPasswordShowsError(t *testing.T) {
	e := newEnv(t, adminPassword)
	c := e.client()
	login := c.get("/console/login")
	p := c.post("/console/login", url.Values{"csrf_token": {login.csrf(t)}, "email": {adminEmail}, "password": {"not the password"}})
	if p.status != http.StatusUnauthorized {
		t.Errorf("status %d, want 401", p.status)
	}
	for _, want := range []string{`role="alert"`, "Wrong email or password.", `value="` + adminEmail + `"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the refused sign-in page lacks %q", want)
		}
	}
	if got := c.get("/console/"); !strings.HasPrefix(got.url, "/console/login") {
		t.Errorf("after a failed sign-in the dashboard answered at %s, want the sign-in page", got.url)
	}
	// The right password works, and a sign-in without the form token does not.
	if p := c.post("/console/login", url.Values{"email": {adminEmail}, "password": {adminPassword}}); p.status != http.StatusForbidden {
		t.Errorf("sign-in without its form token: status %d, want 403", p.status)
	}
	if p := c.signIn(adminEmail, adminPassword); !strings.Contains(p.body, "<h1>Dashboard</h1>") {
		t.Errorf("after signing in, %s is not the dashboard", p.url)
	}
}

func TestSignedOutRedirectsToLoginWithLocalNext(t *testing.T) {
	e := newEnv(t, adminPassword)
	c := e.client()
	c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	p := c.get("/console/accounts?kind=client")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/console/login?next=%2Fconsole%2Faccounts%3Fkind%3Dclient" {
		t.Errorf("signed-out visit: %d to %q", p.status, p.header.Get("Location"))
	}
	for _, h := range []string{"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "X-Content-Type-Options"} {
		if p.header.Get(h) == "" {
			t.Errorf("no %s header", h)
		}
	}
	if p := c.get("/console/static/console.css"); p.status != 200 || !strings.HasPrefix(p.header.Get("Content-Type"), "text/css") {
		t.Errorf("the stylesheet: %d %s", p.status, p.header.Get("Content-Type"))
	}
	if p := c.get("/console/static/"); p.status != http.StatusNotFound {
		t.Errorf("the static folder lists its files: %d", p.status)
	}
	for next, want := range map[string]string{
		"/console/accounts":          "/console/accounts",
		"https://evil.example/x":     "/console/",
		"//evil.example/console/":    "/console/",
		"/console/../../etc":         "/console/",
		"javascript:alert(1)":        "/console/",
		"/\\evil.example/console/":   "/console/",
		"/api/v1/accounts?delete=1":  "/console/",
		"/console/\r\nSet-Cookie:x=": "/console/",
	} {
		c := e.client() // signed out again
		c.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
		login := c.get("/console/login")
		p := c.post("/console/login", url.Values{"csrf_token": {login.csrf(t)}, "email": {adminEmail}, "password": {adminPassword}, "next": {next}})
		if got := p.header.Get("Location"); p.status != http.StatusSeeOther || got != want {
			t.Errorf("next=%q: %d to %q, want %q", next, p.status, got, want)
		}
	}
}

func TestFormWithoutCSRFIsRefused(t *testing.T) {
	e := newEnv(t, adminPassword)
	c := e.client()
	dash := c.signIn(adminEmail, adminPassword)
	token := dash.csrf(t)
	me, _, err := e.svc.Me(e.admin)
	if err != nil {
		t.Fatal(err)
	}
	path := "/console/accounts/" + me.AccountID + "/children"
	for name, form := range map[string]url.Values{
		"no token":    {"name": {"Sneaky Ltd"}, "kind": {"client"}},
		"wrong token": {"name": {"Sneaky Ltd"}, "kind": {"client"}, "csrf_token": {token + "x"}},
	} {
		p := c.post(path, form)
		if p.status != http.StatusForbidden || !strings.Contains(p.body, "security token is missing or stale") {
			t.Errorf("%s: status %d, want 403 with the CSRF message", name, p.status)
		}
	}
	// A valid token sent from another origin is refused too.
	req, _ := http.NewRequest("POST", c.base+path, strings.NewReader(url.Values{"name": {"Sneaky Ltd"}, "kind": {"client"}, "csrf_token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if p := c.do(req); p.status != http.StatusForbidden {
		t.Errorf("cross-origin form: status %d, want 403", p.status)
	}
	if e.accountNamed("Sneaky Ltd") {
		t.Fatal("a refused form created an account")
	}
	// With the token, the same form works.
	p := c.post(path, url.Values{"name": {"Sneaky Ltd"}, "kind": {"client"}, "csrf_token": {token}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "<h1>Sneaky Ltd</h1>") {
		t.Errorf("with its token: status %d at %s, want the new account's page", p.status, p.url)
	}
	if !e.accountNamed("Sneaky Ltd") {
		t.Error("the form with its token created nothing")
	}
	// Sign-out is a form too.
	if p := c.post("/console/logout", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("sign-out without token: %d, want 403", p.status)
	}
}

func TestForeignAccountIsNotFound(t *testing.T) {
	e := newEnv(t, adminPassword)
	a := e.account("", "Reseller A", steward.AccountReseller)
	b := e.account("", "Reseller B", steward.AccountReseller)
	bClient := e.account(b.ID, "B's Client", steward.AccountClient)
	pw := e.login(a.ID, "owner@a.example", steward.RoleOwner)
	bLogin := e.login(b.ID, "owner@b.example", steward.RoleOwner)
	bm, err := e.svc.Managers(e.admin, b.ID)
	if err != nil || len(bm) != 1 {
		t.Fatal(err, bLogin)
	}
	c := e.client()
	token := c.signIn("owner@a.example", pw).csrf(t)

	if p := c.get("/console/accounts/" + a.ID); p.status != http.StatusOK {
		t.Fatalf("own account: %d", p.status)
	}
	for _, path := range []string{
		"/console/accounts/" + b.ID, "/console/accounts/" + bClient.ID, "/console/accounts/" + b.ID + "/delete",
		"/console/audit?account=" + b.ID, "/console/audit/verify?account=" + b.ID, "/console/no-such-page",
	} {
		p := c.get(path)
		if p.status != http.StatusNotFound || strings.Contains(p.body, "Reseller B") || strings.Contains(p.body, "B&#39;s Client") {
			t.Errorf("GET %s: status %d, want a 404 that names nothing", path, p.status)
		}
	}
	for path, form := range map[string]url.Values{
		"/console/accounts/" + b.ID + "/children":     {"name": {"Planted"}, "kind": {"client"}},
		"/console/accounts/" + bClient.ID + "/edit":   {"name": {"Planted"}},
		"/console/accounts/" + bClient.ID + "/status": {"status": {"suspended"}, "reason": {"x"}},
		"/console/accounts/" + bClient.ID + "/delete": {"confirm_name": {"B's Client"}},
		"/console/accounts/" + a.ID + "/transfer":     {"to_id": {bClient.ID}, "amount": {"1"}, "reason": {"x"}},
		"/console/managers/" + bm[0].ID + "/role":     {"role": {"read_only"}},
		"/console/managers/" + bm[0].ID + "/delete":   {},
	} {
		form.Set("csrf_token", token)
		if p := c.post(path, form); p.status != http.StatusNotFound {
			t.Errorf("POST %s: status %d, want 404", path, p.status)
		}
	}
	acc, err := e.svc.Account(e.admin, bClient.ID)
	if err != nil || acc.Name != "B's Client" || acc.Status != steward.StatusActive || acc.DeletedAt != nil || e.accountNamed("Planted") {
		t.Errorf("a foreign account changed: %+v, %v", acc, err)
	}
	if m, err := e.svc.Manager(e.admin, bm[0].ID); err != nil || m.Role != steward.RoleOwner {
		t.Errorf("a foreign login changed: %+v, %v", m, err)
	}
	// B's account is absent from A's tree and from A's menu of security pages.
	tree := c.get("/console/accounts")
	if strings.Contains(tree.body, "Reseller B") || !strings.Contains(tree.body, "Reseller A") {
		t.Error("the tree of A shows B, or misses A")
	}
	if strings.Contains(tree.body, "/console/security") {
		t.Error("a reseller's menu offers security events")
	}
	if p := c.get("/console/security"); p.status != http.StatusForbidden && p.status != http.StatusNotFound {
		t.Errorf("a reseller reading security events: %d", p.status)
	}
}

func TestReadOnlyManagerCannotWrite(t *testing.T) {
	e := newEnv(t, adminPassword)
	a := e.account("", "Reseller A", steward.AccountReseller)
	child := e.account(a.ID, "Client One", steward.AccountClient)
	pw := e.login(a.ID, "viewer@a.example", steward.RoleReadOnly)
	c := e.client()
	token := c.signIn("viewer@a.example", pw).csrf(t)

	for _, id := range []string{a.ID, child.ID} {
		p := c.get("/console/accounts/" + id)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Your role can only read") {
			t.Fatalf("account page: %d", p.status)
		}
		// The only form left is sign-out.
		if n := strings.Count(p.body, `method="post"`); n != 1 {
			t.Errorf("a read-only login sees %d POST forms on %s, want only sign-out", n-1, id)
		}
	}
	if p := c.get("/console/accounts"); strings.Contains(p.body, "Create an account") {
		t.Error("a read-only login is offered to create an account")
	}
	for path, form := range map[string]url.Values{
		"/console/accounts/" + a.ID + "/children":   {"name": {"Should Not Exist"}, "kind": {"client"}},
		"/console/accounts/" + child.ID + "/status": {"status": {"suspended"}, "reason": {"x"}},
		"/console/accounts/" + child.ID + "/delete": {"confirm_name": {"Client One"}},
		"/console/accounts/" + a.ID + "/managers":   {"email": {"x@a.example"}, "name": {"X"}, "role": {"read_only"}, "mode": {"invite"}},
		"/console/accounts/" + child.ID + "/edit":   {"name": {"Renamed"}},
		"/console/accounts/" + a.ID + "/transfer":   {"to_id": {child.ID}, "amount": {"1"}, "reason": {"x"}},
		"/console/tokens":                           {"name": {"ci"}, "role": {"admin"}},
	} {
		form.Set("csrf_token", token)
		p := c.post(path, form)
		if p.status != http.StatusForbidden && p.status != http.StatusBadRequest {
			t.Errorf("POST %s by a read-only login: status %d, want 403", path, p.status)
		}
		if !strings.Contains(p.body, "can only read") && !strings.Contains(p.body, "more rights than you") {
			t.Errorf("POST %s: the refusal does not say why", path)
		}
	}
	acc, err := e.svc.Account(e.admin, child.ID)
	if err != nil || acc.Name != "Client One" || acc.Status != steward.StatusActive || acc.DeletedAt != nil {
		t.Errorf("the read-only login changed the account: %+v %v", acc, err)
	}
	if e.accountNamed("Should Not Exist") {
		t.Error("the read-only login created an account")
	}
	ms, _ := e.svc.Managers(e.admin, a.ID)
	if len(ms) != 1 {
		t.Errorf("the read-only login added a login: %d logins", len(ms))
	}
}

func TestFormErrorNamesTheField(t *testing.T) {
	e := newEnv(t, adminPassword)
	c := e.client()
	token := c.signIn(adminEmail, adminPassword).csrf(t)
	me, _, _ := e.svc.Me(e.admin)
	p := c.post("/console/accounts/"+me.AccountID+"/children", url.Values{"csrf_token": {token}, "name": {"  "}, "kind": {"client"}})
	if p.status != http.StatusBadRequest {
		t.Errorf("status %d, want 400", p.status)
	}
	for _, want := range []string{"A name is required.", `href="#create-child-name"`, `id="create-child-name-error"`, `aria-invalid="true"`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("the refused form lacks %q", want)
		}
	}
	p = c.post("/console/accounts/"+me.AccountID+"/grant", url.Values{"csrf_token": {token}, "amount": {"lots"}, "reason": {"x"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, `id="grant-amount-error"`) {
		t.Errorf("grant with a bad amount: %d, no field error", p.status)
	}
}

func TestForcedPasswordChange(t *testing.T) {
	e := newEnv(t, adminPassword)
	a := e.account("", "Reseller A", steward.AccountReseller)
	if _, err := e.svc.CreateManager(e.admin, steward.ManagerCreate{AccountID: a.ID, Email: "new@a.example", Name: "New",
		Role: steward.RoleOwner, Password: "temporary-pass-123"}); err != nil {
		t.Fatal(err)
	}
	c := e.client()
	p := c.signIn("new@a.example", "temporary-pass-123")
	if !strings.HasPrefix(p.url, "/console/password") {
		t.Fatalf("first sign-in landed on %s, want the password page", p.url)
	}
	for _, path := range []string{"/console/", "/console/accounts", "/console/tokens"} {
		if p := c.get(path); !strings.HasPrefix(p.url, "/console/password") {
			t.Errorf("%s with a pending password change answered at %s", path, p.url)
		}
	}
	token := p.csrf(t)
	p = c.post("/console/password", url.Values{"csrf_token": {token}, "current_password": {"temporary-pass-123"},
		"new_password": {"my-own-secret-42"}, "confirm_password": {"my-own-secret-43"}})
	if p.status != http.StatusBadRequest || !strings.Contains(p.body, "The two new passwords differ") {
		t.Errorf("mismatched confirmation: %d", p.status)
	}
	p = c.post("/console/password", url.Values{"csrf_token": {token}, "current_password": {"temporary-pass-123"},
		"new_password": {"my-own-secret-42"}, "confirm_password": {"my-own-secret-42"}})
	if p.status != http.StatusOK || !strings.Contains(p.body, "<h1>Dashboard</h1>") {
		t.Errorf("after the change: %d at %s, want the dashboard", p.status, p.url)
	}
}
