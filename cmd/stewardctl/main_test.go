package main

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

const (
	adminEmail    = "admin@example.com"
	adminPassword = "a-long-password-1"
)

// harness runs stewardctl in-process against an in-process server, with
// its own configuration folder and environment.
type harness struct {
	t         *testing.T
	srv       *server.Server
	url       string
	configDir string
	env       map[string]string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	s, err := server.New(context.Background(), server.Config{DataDir: t.TempDir(), AdminEmail: adminEmail, AdminPassword: adminPassword,
		Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Logger: slog.New(slog.DiscardHandler), NoJobs: true,
		Inspector: testutil.TextInspector{}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler)
	t.Cleanup(hs.Close)
	return &harness{t: t, srv: s, url: hs.URL, configDir: t.TempDir(), env: map[string]string{}}
}

type result struct {
	stdout, stderr string
	code           int
}

// run executes one command line with stdin.
func (h *harness) run(stdin string, args ...string) result {
	h.t.Helper()
	var out, errb bytes.Buffer
	a := &app{
		stdin: strings.NewReader(stdin), stdout: &out, stderr: &errb,
		getenv:       func(k string) string { return h.env[k] },
		configDir:    func() (string, error) { return h.configDir, nil },
		readPassword: func(context.Context) ([]byte, error) { h.t.Fatal("tried to read from a terminal"); return nil, nil },
		hostname:     func() (string, error) { return "testhost", nil },
	}
	code := a.run(context.Background(), args)
	return result{out.String(), errb.String(), code}
}

// ok runs a command that must succeed.
func (h *harness) ok(stdin string, args ...string) string {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != 0 {
		h.t.Fatalf("stewardctl %s: exit %d\n%s%s", strings.Join(args, " "), r.code, r.stdout, r.stderr)
	}
	return r.stdout
}

// fail runs a command that must fail, and returns its stderr.
func (h *harness) fail(wantCode int, stdin string, args ...string) string {
	h.t.Helper()
	r := h.run(stdin, args...)
	if r.code != wantCode {
		h.t.Fatalf("stewardctl %s: exit %d, want %d\n%s%s", strings.Join(args, " "), r.code, wantCode, r.stdout, r.stderr)
	}
	return r.stderr
}

func (h *harness) login() {
	h.t.Helper()
	h.ok(adminPassword+"\n", "login", "--server", h.url, "--email", adminEmail, "--password-stdin")
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatalf("output is not JSON: %v\n%s", err, s)
	}
	return v
}

func TestLoginStoresTokenPrivately(t *testing.T) {
	h := newHarness(t)
	out := h.ok(adminPassword+"\n", "login", "--server", h.url+"/", "--email", adminEmail, "--password-stdin")
	if !strings.Contains(out, "Logged in to "+h.url+" as "+adminEmail) {
		t.Fatalf("login said %q", out)
	}
	p := filepath.Join(h.configDir, "steward", "stewardctl.json")
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("config file mode %v, want 0600", fi.Mode().Perm())
	}
	di, err := os.Stat(filepath.Dir(p))
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o700 {
		t.Errorf("config folder mode %v, want 0700", di.Mode().Perm())
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	cfg := decode[config](t, string(b))
	if cfg.Server != h.url || !strings.HasPrefix(cfg.Token, "stw_") || cfg.TokenID == "" || cfg.Email != adminEmail {
		t.Fatalf("stored config %+v", cfg)
	}
	if strings.Contains(string(b), adminPassword) {
		t.Fatal("the password was stored")
	}

	me := decode[client.Me](t, h.ok("", "whoami", "--json"))
	if me.Manager.Email != adminEmail {
		t.Fatalf("whoami = %+v", me)
	}

	// Logging in again replaces the token and revokes the old one.
	h.login()
	toks := decode[listJSON[*steward.APIToken]](t, h.ok("", "tokens", "list", "--json"))
	active := 0
	for _, tk := range toks.Items {
		if tk.RevokedAt == nil {
			active++
			if tk.Name != "stewardctl on testhost" {
				t.Errorf("token name %q", tk.Name)
			}
		}
	}
	if len(toks.Items) != 2 || active != 1 {
		t.Fatalf("after two logins: %d tokens, %d active; want 2 and 1", len(toks.Items), active)
	}
	if !strings.Contains(h.ok("", "tokens", "list"), "* ") {
		t.Error("tokens list does not mark the token in use")
	}

	// A stored token is never sent to another server.
	other := httptest.NewServer(nil)
	defer other.Close()
	if e := h.fail(1, "", "accounts", "list", "--server", other.URL); !strings.Contains(e, "not logged in to "+other.URL) {
		t.Fatalf("other server: %s", e)
	}

	// Logout revokes the token and forgets it.
	b, _ = os.ReadFile(p)
	old := decode[config](t, string(b)).Token
	if out := h.ok("", "logout"); !strings.Contains(out, "token is revoked") {
		t.Fatalf("logout said %q", out)
	}
	if _, err := os.Stat(p); !os.IsNotExist(err) {
		t.Fatalf("config file still there: %v", err)
	}
	c, err := client.New(h.url, old)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Me(context.Background()); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
		t.Fatalf("logged-out token still works: %v", err)
	}
	if out := h.ok("", "logout"); !strings.Contains(out, "Not logged in") {
		t.Fatalf("second logout said %q", out)
	}
}

func TestCommands(t *testing.T) {
	h := newHarness(t)
	h.login()

	res := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Reseller\x1b[31m", "--kind", "reseller", "--json"))
	out := h.ok("", "accounts", "create", "--name", "Client", "--kind", "client", "--parent", res.ID)
	if !strings.HasPrefix(out, `Created client account "Client" with ID `) {
		t.Fatalf("create said %q", out)
	}
	cl := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(out), `Created client account "Client" with ID `), ".")

	list := h.ok("", "accounts", "list")
	if strings.Contains(list, "\x1b") {
		t.Error("accounts list printed an escape sequence from a name")
	}
	lines := strings.Split(strings.TrimSpace(list), "\n")
	if len(lines) != 4 || !strings.Contains(lines[0], "NAME") || !strings.Contains(lines[2], "  Reseller") || !strings.Contains(lines[3], "    Client") {
		t.Fatalf("accounts list is not an indented tree:\n%s", list)
	}
	page := decode[listJSON[*steward.Account]](t, h.ok("", "accounts", "list", "--limit", "2", "--json"))
	if len(page.Items) != 2 || page.Next != page.Items[1].ID {
		t.Fatalf("page of 2: %+v", page)
	}
	if r := h.run("", "accounts", "list", "--limit", "2"); !strings.Contains(r.stderr, "--after "+page.Next) {
		t.Fatalf("no hint for the next page: %q", r.stderr)
	}
	all := decode[listJSON[*steward.Account]](t, h.ok("", "accounts", "list", "--limit", "1", "--all", "--json"))
	if len(all.Items) != 3 || all.Next != "" {
		t.Fatalf("--all: %+v", all)
	}
	if out := h.ok("", "accounts", "show", cl); !strings.Contains(out, "Parent:") || !strings.Contains(out, res.ID) {
		t.Fatalf("show:\n%s", out)
	}

	h.ok("", "credits", "grant", res.ID, "100", "--reason", "opening")
	h.ok("", "credits", "transfer", cl, "40", "--from", res.ID, "-r", "licences")
	cr := decode[client.Credits](t, h.ok("", "credits", "balance", res.ID, "--json"))
	if cr.Balance != 60 || len(cr.Entries) != 2 {
		t.Fatalf("balance: %+v", cr)
	}
	if out := h.ok("", "credits", "balance", cl); !strings.Contains(out, "40 credits") || !strings.Contains(out, "+40") {
		t.Fatalf("balance text:\n%s", out)
	}
	if e := h.fail(1, "", "credits", "transfer", cl, "61", "--from", res.ID, "-r", "x"); !strings.Contains(e, "has 60 credits") {
		t.Fatalf("overdraw: %s", e)
	}

	h.ok("", "accounts", "suspend", cl, "--reason", "unpaid")
	if acc := decode[steward.Account](t, h.ok("", "accounts", "show", cl, "--json")); acc.Status != steward.StatusSuspended {
		t.Fatalf("after suspend: %s", acc.Status)
	}
	h.ok("", "accounts", "reactivate", cl)

	h.ok("another-long-password-2\n", "managers", "create", "--account", res.ID, "--email", "ops@reseller.example", "--name", "Ops", "--password-stdin")
	if out := h.ok("", "managers", "list", res.ID); !strings.Contains(out, "ops@reseller.example") || !strings.Contains(out, "must change password") {
		t.Fatalf("managers list:\n%s", out)
	}

	audit := decode[listJSON[*steward.AuditEntry]](t, h.ok("", "audit", "list", "--action", "credits.", "--since", "1h", "--json"))
	if len(audit.Items) != 2 || audit.Items[0].Action != "credits.transfer" {
		t.Fatalf("audit list: %+v", audit.Items)
	}
	if out := h.ok("", "audit", "list", "--account", cl, "--direct"); !strings.Contains(out, "account.status") {
		t.Fatalf("audit list of client:\n%s", out)
	}
	if out := h.ok("", "audit", "verify", res.ID); !strings.HasPrefix(out, "ok: ") {
		t.Fatalf("audit verify: %s", out)
	}

	tk := decode[steward.APIToken](t, h.ok("", "tokens", "create", "ci", "--role", "read_only", "--json"))
	h.env["STEWARD_TOKEN"] = tk.Secret
	if out := h.ok("", "whoami"); !strings.Contains(out, "read_only") {
		t.Fatalf("whoami with STEWARD_TOKEN:\n%s", out)
	}
	if e := h.fail(1, "", "accounts", "create", "--name", "X", "--kind", "client"); !strings.Contains(e, "can only read") {
		t.Fatalf("read-only token wrote: %s", e)
	}
	delete(h.env, "STEWARD_TOKEN")
	h.ok("", "tokens", "revoke", tk.ID)
	h.env["STEWARD_TOKEN"] = tk.Secret
	if e := h.fail(1, "", "accounts", "list"); !strings.Contains(e, "STEWARD_TOKEN") {
		t.Fatalf("revoked STEWARD_TOKEN: %s", e)
	}
	delete(h.env, "STEWARD_TOKEN")

	if e := h.fail(1, "", "accounts", "delete", cl); !strings.Contains(e, "--yes") {
		t.Fatalf("delete without --yes: %s", e)
	}
	h.ok("", "accounts", "delete", cl, "--yes")
	if out := h.ok("", "accounts", "list"); strings.Contains(out, cl) {
		t.Fatalf("deleted account still listed:\n%s", out)
	}
	withDeleted := decode[listJSON[*steward.Account]](t, h.ok("", "accounts", "list", "--include-deleted", "--json"))
	if n := len(withDeleted.Items); n != 3 || withDeleted.Items[2].ID != cl || withDeleted.Items[2].DeletedAt == nil {
		t.Fatalf("--include-deleted: %d accounts, last %+v", n, withDeleted.Items[n-1])
	}
}

func TestErrorsSayWhatToDo(t *testing.T) {
	h := newHarness(t)
	if e := h.fail(1, "", "accounts", "list"); !strings.Contains(e, "stewardctl login") {
		t.Fatalf("not logged in: %s", e)
	}
	if e := h.fail(1, "", "login", "--server", h.url, "--email", adminEmail); !strings.Contains(e, "--password-stdin") {
		t.Fatalf("login without a terminal: %s", e)
	}
	if e := h.fail(1, "wrong-password-99\n", "login", "--server", h.url, "--email", adminEmail, "--password-stdin"); !strings.Contains(e, "Wrong email or password") {
		t.Fatalf("wrong password: %s", e)
	}
	h.login()
	if e := h.fail(1, "", "credits", "grant", "x", "2000000", "--reason", "r"); !strings.Contains(e, "not found") {
		t.Fatalf("grant to unknown account: %s", e)
	}
	me := decode[client.Me](t, h.ok("", "whoami", "--json"))
	if e := h.fail(1, "", "credits", "grant", me.Account.ID, "2000000", "--reason", "r"); !strings.Contains(e, "Check AMOUNT") {
		t.Fatalf("invalid amount: %s", e)
	}
	if e := h.fail(1, "", "credits", "grant", me.Account.ID, "0", "--reason", "r"); !strings.Contains(e, "positive whole number") {
		t.Fatalf("negative amount: %s", e)
	}
	if e := h.fail(1, "", "audit", "list", "--since", "yesterday"); !strings.Contains(e, "--since") {
		t.Fatalf("bad --since: %s", e)
	}
	if e := h.fail(2, "", "credits", "grant", me.Account.ID); !strings.Contains(e, "--help") {
		t.Fatalf("missing argument: %s", e)
	}
	if e := h.fail(2, "", "accounts", "create", "--name", "X"); !strings.Contains(e, "kind") {
		t.Fatalf("missing flag: %s", e)
	}
	h.env["STEWARD_TOKEN"] = "stw_x"
	if e := h.fail(1, "", "accounts", "list", "--server", "http://127.0.0.1:1"); !strings.Contains(e, "cannot reach http://127.0.0.1:1") {
		t.Fatalf("unreachable server: %s", e)
	}
}

func TestParseTimeFlag(t *testing.T) {
	now := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Time{
		"2026-01-31T08:00:00Z": time.Date(2026, 1, 31, 8, 0, 0, 0, time.UTC),
		"2026-01-31":           time.Date(2026, 1, 31, 0, 0, 0, 0, time.Local),
		"90m":                  now.Add(-90 * time.Minute),
		"7d":                   now.AddDate(0, 0, -7),
	} {
		got, err := parseTimeFlag("--since", in, now)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseTimeFlag(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"yesterday", "-3h", "3x"} {
		if _, err := parseTimeFlag("--since", bad, now); err == nil {
			t.Errorf("parseTimeFlag(%q) accepted", bad)
		}
	}
}

// TestImports keeps stewardctl a pure API client: it must not link the
// server, its storage or its database drivers.
func TestImports(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list")
	}
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	// The domain package and the client are all it needs of Steward, with
	// the privacy package's renderer of the records (data and templates
	// only; layout_test.go keeps it free of storage and transports).
	// (database/sql/driver comes with the ULID package and is interfaces only.)
	allowed := map[string]bool{"github.com/stewardmdm/steward": true, "github.com/stewardmdm/steward/client": true,
		"github.com/stewardmdm/steward/privacy": true, "github.com/stewardmdm/steward/cmd/stewardctl": true}
	for _, pkg := range strings.Fields(string(out)) {
		steward := pkg == "github.com/stewardmdm/steward" || strings.HasPrefix(pkg, "github.com/stewardmdm/steward/")
		if (steward && !allowed[pkg]) || pkg == "database/sql" || strings.HasPrefix(pkg, "modernc.org/") ||
			strings.HasPrefix(pkg, "github.com/jackc/") || strings.HasPrefix(pkg, "github.com/pressly/") {
			t.Errorf("stewardctl imports %s", pkg)
		}
	}
}
