package console_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/stewardmdm/steward"
)

// The browser tests drive Debian's Chromium, one browser for the whole
// package; each test gets its own tab in its own browser context (its own
// cookies). Without Chromium they skip, unless STEWARD_TEST_BROWSER=require.
// With STEWARD_TEST_SCREENSHOTS=dir they save full-page PNGs there.

// actionTimeout bounds every browser step, so a hung browser fails fast.
const actionTimeout = 15 * time.Second

var browser struct {
	ctx     context.Context // has a running browser; nil when there is none
	missing string          // why there is none
}

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	path := findChromium()
	if path == "" {
		browser.missing = "no Chromium found: install it with 'apt-get install -y --no-install-recommends chromium fonts-liberation'"
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "steward-chromium-")
	if err != nil {
		browser.missing = err.Error()
		return m.Run()
	}
	defer os.RemoveAll(dir)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.UserDataDir(dir), chromedp.WindowSize(1366, 768),
		chromedp.WSURLReadTimeout(20*time.Second))
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(actx)
	defer cancelBrowser()
	// The first run starts the browser and binds its life to bctx: no timeout here.
	if err := chromedp.Do(bctx); err != nil {
		browser.missing = fmt.Sprintf("Chromium at %s did not start: %v", path, err)
		return m.Run()
	}
	browser.ctx = bctx
	return m.Run()
}

func findChromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// tab is one browser tab on the test's server.
type tab struct {
	t    testing.TB
	ctx  context.Context
	base string
}

func (e *env) tab() *tab {
	t := e.t
	t.Helper()
	if browser.ctx == nil {
		if os.Getenv("STEWARD_TEST_BROWSER") == "require" {
			t.Fatalf("STEWARD_TEST_BROWSER=require, but %s", browser.missing)
		}
		t.Skipf("skipping the browser test: %s (set STEWARD_TEST_BROWSER=require to fail instead)", browser.missing)
	}
	ctx, cancel := chromedp.NewContext(browser.ctx, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	// Open the tab without a timeout: the first run binds the tab's life.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	return &tab{t: t, ctx: ctx, base: e.ts.URL}
}

// run runs one browser action with the step timeout and returns its value.
func run[T any](b *tab, what string, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		b.t.Fatalf("%s: %v", what, err)
	}
	return v
}

// open loads a console path and returns the HTTP status of the page.
func (b *tab) open(path string) int64 {
	b.t.Helper()
	resp := run(b, "open "+path, chromedp.NavigateResponse(b.base+path))
	return resp.Status
}

// submit clicks a button or link that loads a new page and returns its status.
func (b *tab) submit(sel string) int64 {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, actionTimeout)
	defer cancel()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel)))
	if err != nil {
		b.t.Fatalf("click %s: %v", sel, err)
	}
	return resp.Status
}

// typeIn types text into an input, as a keyboard would.
func (b *tab) typeIn(sel, text string) {
	b.t.Helper()
	run(b, "type into "+sel, chromedp.SendKeys(chromedp.CSS(sel), text))
}

func (b *tab) text(sel string) string {
	b.t.Helper()
	return strings.TrimSpace(run(b, "read "+sel, chromedp.Text(chromedp.CSS(sel))))
}

// path returns the path and query the tab shows.
func (b *tab) path() string {
	b.t.Helper()
	u, err := url.Parse(run(b, "location", chromedp.Location()))
	if err != nil {
		b.t.Fatal(err)
	}
	return u.RequestURI()
}

func (b *tab) signIn(email, password string) {
	b.t.Helper()
	b.open("/console/login")
	b.typeIn("#login-email", email)
	b.typeIn("#login-password", password)
	if status := b.submit(`form[action="/console/login"] button[type=submit]`); status != 200 {
		b.t.Fatalf("sign in as %s: status %d", email, status)
	}
}

// screenshot saves the whole page when STEWARD_TEST_SCREENSHOTS names a directory.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	dir := os.Getenv("STEWARD_TEST_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := run(b, "screenshot", chromedp.FullScreenshot(100))
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

var oneTimeRe = regexp.MustCompile(`one-time password\s+(\S+)\s`)

// TestBrowserFirstSignIn: the first administrator signs in with the generated
// one-time password, is held on the password page until the change, then
// sees the dashboard.
func TestBrowserFirstSignIn(t *testing.T) {
	e := newEnv(t, "")
	m := oneTimeRe.FindStringSubmatch(e.out.String())
	if m == nil {
		t.Fatalf("no one-time password in %q", e.out.String())
	}
	oneTime := m[1]
	b := e.tab()

	if status := b.open("/console/"); status != 200 || b.path() != "/console/login" {
		t.Fatalf("signed out, /console/ answered %d at %s; want the sign-in page", status, b.path())
	}
	b.screenshot("login")
	b.signIn(adminEmail, oneTime)
	if p := b.path(); !strings.HasPrefix(p, "/console/password") {
		t.Fatalf("first sign-in landed on %s, want the password page", p)
	}
	b.screenshot("password")
	if h := b.text("h1"); h != "Change your password" {
		t.Errorf("heading %q", h)
	}
	if got := b.text(".alert-info"); !strings.Contains(got, "for one use only") {
		t.Errorf("the forced change is not explained: %q", got)
	}
	b.open("/console/accounts")
	if p := b.path(); !strings.HasPrefix(p, "/console/password") {
		t.Errorf("with the change pending, /console/accounts showed %s", p)
	}
	b.typeIn("#password-current_password", oneTime)
	b.typeIn("#password-new_password", "a-password-of-my-own")
	b.typeIn("#password-confirm_password", "a-password-of-my-own")
	if status := b.submit(`form[action="/console/password"] button[type=submit]`); status != 200 {
		t.Fatalf("password change: status %d", status)
	}
	if p := b.path(); p != "/console/" {
		t.Fatalf("after the change the browser is at %s, want the dashboard", p)
	}
	if h := b.text("h1"); h != "Dashboard" {
		t.Errorf("heading %q, want Dashboard", h)
	}
	if got := b.text(`[role="status"]`); !strings.Contains(got, "password is changed") {
		t.Errorf("no confirmation of the change: %q", got)
	}
	if got := b.text(`section[aria-labelledby="recent-h"]`); !strings.Contains(got, "manager.password_change") {
		t.Errorf("the recent activity does not show the password change: %q", got)
	}
	b.screenshot("dashboard")
	// The old password no longer works.
	if _, err := e.svc.Login(context.Background(), steward.LoginRequest{Email: adminEmail, Password: oneTime}); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
		t.Errorf("the one-time password still signs in: %v", err)
	}
}

// TestBrowserResellerCreatesClient: a reseller creates a client account in
// the console and finds it in its tree; another reseller neither sees it nor
// reaches its page.
func TestBrowserResellerCreatesClient(t *testing.T) {
	e := newEnv(t, adminPassword)
	north := e.account("", "Northwind Resellers", steward.AccountReseller)
	contoso := e.account("", "Contoso Partners", steward.AccountReseller)
	e.account(north.ID, "Northwind East", steward.AccountReseller)
	pwNorth := e.login(north.ID, "nora@northwind.example", steward.RoleOwner)
	pwContoso := e.login(contoso.ID, "carl@contoso.example", steward.RoleOwner)

	b := e.tab()
	b.signIn("nora@northwind.example", pwNorth)
	b.open("/console/accounts")
	if status := b.submit(`a[href$="#new-child"]`); status != 200 {
		t.Fatalf("open the creation form: %d", status)
	}
	b.typeIn("#create-child-name", "Acme Logistics")
	run(b, "choose the kind", chromedp.SetValue(chromedp.CSS("#create-child-kind"), "client"))
	if status := b.submit(`#new-child button[type=submit]`); status != 200 {
		t.Fatalf("create the account: status %d", status)
	}
	if h := b.text("h1"); h != "Acme Logistics" {
		t.Fatalf("after creating, the page is %q", h)
	}
	id, ok := strings.CutPrefix(b.path(), "/console/accounts/")
	if !ok || id == "" {
		t.Fatalf("after creating, the browser is at %s", b.path())
	}
	if got := b.text(".lede"); !strings.Contains(got, "client") {
		t.Errorf("the new account is not a client: %q", got)
	}
	b.screenshot("account-new")

	b.open("/console/accounts")
	row := b.text(fmt.Sprintf(`table.tree tr:has(a[href="/console/accounts/%s"])`, id))
	if !strings.Contains(row, "Acme Logistics") || !strings.Contains(row, "client") || !strings.Contains(row, "active") {
		t.Errorf("the tree's row for the new account reads %q", row)
	}
	b.screenshot("accounts")

	other := e.tab()
	other.signIn("carl@contoso.example", pwContoso)
	other.open("/console/accounts")
	if tree := other.text("table.tree"); strings.Contains(tree, "Acme") || strings.Contains(tree, "Northwind") || !strings.Contains(tree, "Contoso Partners") {
		t.Errorf("the other reseller's tree reads %q", tree)
	}
	if status := other.open("/console/accounts/" + id); status != 404 {
		t.Errorf("the other reseller opening the new account: status %d, want 404", status)
	}
	if h := other.text("h1"); h != "Not found" {
		t.Errorf("the other reseller sees %q", h)
	}
	if body := other.text("main"); strings.Contains(body, "Acme") {
		t.Errorf("the 404 page names the account: %q", body)
	}
}

// TestBrowserFormWithoutCSRFIsRefused: a form whose token was removed is
// refused with a 403 page and changes nothing; the same form with its token works.
func TestBrowserFormWithoutCSRFIsRefused(t *testing.T) {
	e := newEnv(t, adminPassword)
	me, _, err := e.svc.Me(e.admin)
	if err != nil {
		t.Fatal(err)
	}
	b := e.tab()
	b.signIn(adminEmail, adminPassword)
	b.open("/console/accounts/" + me.AccountID)
	b.typeIn("#create-child-name", "Phantom Inc")
	run(b, "remove the token", chromedp.Evaluate[chromedp.Void](`document.querySelector('#new-child input[name="csrf_token"]').remove()`))
	if status := b.submit(`#new-child button[type=submit]`); status != 403 {
		t.Errorf("form without its token: status %d, want 403", status)
	}
	if got := b.text("main"); !strings.Contains(got, "security token is missing or stale") {
		t.Errorf("the refusal reads %q", got)
	}
	b.screenshot("refused")
	if e.accountNamed("Phantom Inc") {
		t.Fatal("a form without its CSRF token created an account")
	}

	b.open("/console/accounts/" + me.AccountID)
	b.screenshot("account-platform")
	b.typeIn("#create-child-name", "Phantom Inc")
	if status := b.submit(`#new-child button[type=submit]`); status != 200 || !e.accountNamed("Phantom Inc") {
		t.Errorf("the same form with its token: status %d, created %v", status, e.accountNamed("Phantom Inc"))
	}
}
