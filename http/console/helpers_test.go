package console_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

const adminEmail = "admin@example.com"

// env is a whole Steward server behind an httptest server, with the
// platform administrator's context for setting things up through the service.
type env struct {
	t     testing.TB
	srv   *server.Server
	ts    *httptest.Server
	svc   *service.Service
	admin context.Context
	// out is what the server printed at first start (the one-time password).
	out *bytes.Buffer
}

// newEnv starts a server. With an empty adminPassword the first admin gets a
// generated one-time password (in e.out) and no admin context is made.
// Options change the server's configuration before it starts.
func newEnv(t testing.TB, adminPassword string, options ...func(*server.Config)) *env {
	t.Helper()
	out := &bytes.Buffer{}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	cfg := server.Config{DataDir: t.TempDir(), AdminEmail: adminEmail,
		AdminPassword: adminPassword, Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1},
		Logger: logger, NoJobs: true, Out: out}
	for _, o := range options {
		o(&cfg)
	}
	srv, err := server.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler)
	t.Cleanup(func() { ts.Close(); srv.Close() })
	e := &env{t: t, srv: srv, ts: ts, svc: srv.Service, out: out}
	if adminPassword != "" {
		e.admin = e.actor(adminEmail, adminPassword)
	}
	return e
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// actor signs in through the service and returns a context acting as that login.
func (e *env) actor(email, password string) context.Context {
	e.t.Helper()
	ctx := context.Background()
	res, err := e.svc.Login(ctx, steward.LoginRequest{Email: email, Password: password, IP: "192.0.2.1"})
	if err != nil {
		e.t.Fatalf("sign in %s: %v", email, err)
	}
	auth, err := e.svc.AuthenticateSession(ctx, res.Secret, "192.0.2.1", "test")
	if err != nil {
		e.t.Fatal(err)
	}
	return steward.NewContextWithActor(ctx, auth.Actor)
}

// account creates an account below parent (the admin's account if empty).
func (e *env) account(parent, name string, kind steward.AccountKind) *steward.Account {
	e.t.Helper()
	acc, err := e.svc.CreateAccount(e.admin, steward.AccountCreate{ParentID: parent, Name: name, Kind: kind})
	if err != nil {
		e.t.Fatal(err)
	}
	return acc
}

// login creates a login with a password it has already changed (so no
// forced change is pending) and returns that password.
func (e *env) login(accountID, email string, role steward.ManagerRole) string {
	e.t.Helper()
	first, final := "first-Passw0rd-xyz", "final-Passw0rd-xyz"
	if _, err := e.svc.CreateManager(e.admin, steward.ManagerCreate{AccountID: accountID, Email: email, Name: "Test " + string(role),
		Role: role, Password: first}); err != nil {
		e.t.Fatal(err)
	}
	if err := e.svc.ChangePassword(e.actor(email, first), first, final); err != nil {
		e.t.Fatal(err)
	}
	return final
}

// accountNamed reports whether any account (deleted or not) has the name.
func (e *env) accountNamed(name string) bool {
	e.t.Helper()
	accs, err := e.svc.Accounts(e.admin, steward.AccountFilter{Query: name, IncludeDeleted: true, Limit: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	for _, a := range accs {
		if a.Name == name {
			return true
		}
	}
	return false
}

// client is a browser-like HTTP client with a cookie jar.
type client struct {
	t    testing.TB
	base string
	hc   *http.Client
}

func (e *env) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: e.t, base: e.ts.URL, hc: &http.Client{Jar: jar}}
}

// page is a fetched page.
type page struct {
	status int
	url    string
	body   string
	header http.Header
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return page{status: resp.StatusCode, url: resp.Request.URL.RequestURI(), body: string(b), header: resp.Header}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, err := http.NewRequest("GET", c.base+path, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return c.do(req)
}

func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	req, err := http.NewRequest("POST", c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

var csrfRe = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token of the forms on a page.
func (p page) csrf(t testing.TB) string {
	t.Helper()
	m := csrfRe.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no csrf_token on %s", p.url)
	}
	return m[1]
}

// signIn signs the client in through the console's form.
func (c *client) signIn(email, password string) page {
	c.t.Helper()
	login := c.get("/console/login")
	p := c.post("/console/login", url.Values{"csrf_token": {login.csrf(c.t)}, "email": {email}, "password": {password}})
	if p.status != http.StatusOK || strings.HasPrefix(p.url, "/console/login") {
		c.t.Fatalf("sign in %s: %d at %s", email, p.status, p.url)
	}
	return p
}
