package service_test

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// The service tests run every scenario against a real database: a fresh
// SQLite file always, and a fresh PostgreSQL schema when
// STEWARD_TEST_POSTGRES names a database. Time is a fake clock.

const (
	baseURL = "https://steward.test"
	// adminPassword and password are the passwords the tests sign in with;
	// they must appear nowhere in the database.
	adminPassword = "Platform-root-passphrase-7"
	password      = "Tr0ub4dor-and-horses-9"
)

// env is one test's database, clock and service.
type env struct {
	db    *store.DB
	raw   *testutil.Raw
	clock *testutil.Clock
	svc   *service.Service
	ctx   context.Context // no actor: the unauthenticated caller
	ips   int
}

// run runs fn once per database, in parallel.
func run(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	runWith(t, service.Options{}, fn)
}

// runWith is run with service options (Store, Clock, Logger and BaseURL
// are filled in, and Passwords unless set).
func runWith(t *testing.T, o service.Options, fn func(t *testing.T, e *env)) {
	t.Helper()
	for name, open := range testutil.DatabasesRaw(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			db, raw := open(t)
			e := &env{db: db, raw: raw, clock: testutil.NewClock(), ctx: t.Context()}
			o := o
			o.Store, o.Clock, o.Logger, o.BaseURL = db, e.clock, testutil.Logger(), baseURL
			if o.Passwords == nil {
				o.Passwords = service.NewPasswordHasher(service.Argon2Params{Memory: 64, Time: 1, Threads: 1})
			}
			svc, err := service.New(o)
			if err != nil {
				t.Fatal(err)
			}
			e.svc = svc
			fn(t, e)
		})
	}
}

// tick moves the clock a millisecond, so that IDs made afterwards sort
// after those made before.
func (e *env) tick() { e.clock.Advance(time.Millisecond) }

// nextIP returns a fresh client address, so the per-address sign-in limit
// never gets in the way of tests about something else.
func (e *env) nextIP() string {
	e.ips++
	return fmt.Sprintf("198.51.%d.%d", e.ips/250, e.ips%250+1)
}

// member is a signed-in manager.
type member struct {
	*steward.Manager
	password string
	secret   string          // console session secret
	ip       string          // the address it signs in from
	ctx      context.Context // acting through its session
}

// login signs in and returns the result; it fails t on an error.
func (e *env) login(t *testing.T, email, pw, ip string) *steward.LoginResult {
	t.Helper()
	res, err := e.svc.Login(e.ctx, steward.LoginRequest{Email: email, Password: pw, IP: ip, UserAgent: "test"})
	if err != nil {
		t.Fatalf("login %s: %v", email, err)
	}
	return res
}

// act returns a context acting through a session secret.
func (e *env) act(t *testing.T, secret, ip string) context.Context {
	t.Helper()
	auth, err := e.svc.AuthenticateSession(e.ctx, secret, ip, "test")
	if err != nil {
		t.Fatalf("authenticate session: %v", err)
	}
	return steward.NewContextWithActor(e.ctx, auth.Actor)
}

// signIn signs a manager in from a fresh address.
func (e *env) signIn(t *testing.T, email, pw string) *member {
	t.Helper()
	ip := e.nextIP()
	res := e.login(t, email, pw, ip)
	return &member{Manager: res.Manager, password: pw, secret: res.Secret, ip: ip, ctx: e.act(t, res.Secret, ip)}
}

// refresh rebuilds the member's actor from its session, as the next
// request would (after a move, the account path changes).
func (e *env) refresh(t *testing.T, m *member) {
	t.Helper()
	m.ctx = e.act(t, m.secret, m.ip)
}

// bootstrap creates the platform and signs its administrator in.
func (e *env) bootstrap(t *testing.T) *member {
	t.Helper()
	if _, err := e.svc.Bootstrap(e.ctx, "admin@platform.test", adminPassword); err != nil {
		t.Fatal(err)
	}
	return e.signIn(t, "admin@platform.test", adminPassword)
}

// account creates an account as the given actor.
func (e *env) account(t *testing.T, as *member, parent *steward.Account, kind steward.AccountKind, name string) *steward.Account {
	t.Helper()
	e.tick()
	acc, err := e.svc.CreateAccount(as.ctx, steward.AccountCreate{ParentID: parent.ID, Name: name, Kind: kind})
	if err != nil {
		t.Fatalf("create account %s: %v", name, err)
	}
	return acc
}

// manager creates a manager with password, signs it in and clears the
// forced password change, so that it can also use API tokens.
func (e *env) manager(t *testing.T, as *member, acc *steward.Account, email string, role steward.ManagerRole) *member {
	t.Helper()
	e.tick()
	if _, err := e.svc.CreateManager(as.ctx, steward.ManagerCreate{AccountID: acc.ID, Email: email, Name: email, Role: role,
		Password: password + "-first"}); err != nil {
		t.Fatalf("create manager %s: %v", email, err)
	}
	m := e.signIn(t, email, password+"-first")
	e.tick()
	if err := e.svc.ChangePassword(m.ctx, password+"-first", password); err != nil {
		t.Fatalf("change password of %s: %v", email, err)
	}
	m.password = password
	e.refresh(t, m)
	return m
}

// world is a hierarchy with two resellers that must never see each other:
//
//	Platform (admin)
//	├── R1 (r1) ── S1 (s1, sub-reseller) ── C1 (c1, client)
//	│           └─ C2 (c2, client)
//	└── R2 (r2) ── C3 (c3, client)
type world struct {
	P, R1, S1, C1, C2, R2, C3 *steward.Account
	admin, r1, s1, c1, c2, r2 *member
}

func (e *env) world(t *testing.T) *world {
	t.Helper()
	w := &world{admin: e.bootstrap(t)}
	_, p, err := e.svc.Me(w.admin.ctx)
	if err != nil {
		t.Fatal(err)
	}
	w.P = p
	w.R1 = e.account(t, w.admin, w.P, steward.AccountReseller, "Reseller One")
	w.S1 = e.account(t, w.admin, w.R1, steward.AccountReseller, "Sub-reseller One")
	w.C1 = e.account(t, w.admin, w.S1, steward.AccountClient, "Client One")
	w.C2 = e.account(t, w.admin, w.R1, steward.AccountClient, "Client Two")
	w.R2 = e.account(t, w.admin, w.P, steward.AccountReseller, "Reseller Two")
	w.C3 = e.account(t, w.admin, w.R2, steward.AccountClient, "Client Three")
	w.r1 = e.manager(t, w.admin, w.R1, "owner@r-one.test", steward.RoleOwner)
	w.s1 = e.manager(t, w.admin, w.S1, "owner@s-one.test", steward.RoleOwner)
	w.c1 = e.manager(t, w.admin, w.C1, "owner@c-one.test", steward.RoleOwner)
	w.c2 = e.manager(t, w.admin, w.C2, "owner@c-two.test", steward.RoleOwner)
	w.r2 = e.manager(t, w.admin, w.R2, "owner@r-two.test", steward.RoleOwner)
	return w
}

// reload reads an account as the platform administrator.
func (e *env) reload(t *testing.T, w *world, acc *steward.Account) *steward.Account {
	t.Helper()
	a, err := e.svc.Account(w.admin.ctx, acc.ID)
	if err != nil {
		t.Fatalf("reload %s: %v", acc.Name, err)
	}
	return a
}

// wantCode fails t unless err carries code (and, if given, names field).
func wantCode(t *testing.T, err error, code string, field ...string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error code %q (%v), want %q", got, err, code)
	}
	if len(field) > 0 && steward.ErrorField(err) != field[0] {
		t.Fatalf("error field %q (%v), want %q", steward.ErrorField(err), err, field[0])
	}
}

// must fails t on an error.
func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// diff fails t when got and want differ.
func diff(t *testing.T, what string, got, want any, opts ...cmp.Option) {
	t.Helper()
	if d := cmp.Diff(want, got, opts...); d != "" {
		t.Errorf("%s (-want +got):\n%s", what, d)
	}
}

// names maps accounts to their names, for readable diffs.
func names(as []*steward.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Name
	}
	return out
}

// listNames lists the accounts an actor sees by default.
func (e *env) listNames(t *testing.T, ctx context.Context, f steward.AccountFilter) []string {
	t.Helper()
	as, err := e.svc.Accounts(ctx, f)
	if err != nil {
		t.Fatalf("list accounts: %v", err)
	}
	return names(as)
}

// events returns the security events of a kind, newest first.
func (e *env) events(t *testing.T, kind string) []*steward.SecurityEvent {
	t.Helper()
	evs, err := e.db.ListSecurityEvents(e.ctx, steward.SecurityEventFilter{Kind: kind, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

// mails returns the outbox messages to an address, oldest first.
func (e *env) mails(t *testing.T, to string) []*steward.Mail {
	t.Helper()
	all, err := e.db.DueMail(e.ctx, e.clock.Now().Add(24*time.Hour), 500)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(all, func(m *steward.Mail) bool { return m.To != to })
}

var linkRE = regexp.MustCompile(`(https?://\S+)\?token=([A-Za-z0-9]+)`)

// linkToken returns the link and its token from the latest mail to an
// address, checking that the link leads to the console page for purpose.
func (e *env) linkToken(t *testing.T, to, purpose string) string {
	t.Helper()
	ms := e.mails(t, to)
	if len(ms) == 0 {
		t.Fatalf("no mail to %s", to)
	}
	m := ms[len(ms)-1]
	match := linkRE.FindStringSubmatch(m.Body)
	if match == nil {
		t.Fatalf("no link with ?token= in the mail to %s:\n%s", to, m.Body)
	}
	if want := baseURL + "/console/" + purpose; match[1] != want {
		t.Errorf("link leads to %s, want %s", match[1], want)
	}
	return match[2]
}

// lastAudit returns the newest audit entry of the whole database.
func (e *env) lastAudit(t *testing.T) *steward.AuditEntry {
	t.Helper()
	es, err := e.db.ListAudit(e.ctx, "/", steward.AuditFilter{Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) == 0 {
		t.Fatal("no audit entry")
	}
	return es[0]
}

// noSecretStored fails t if any of the secrets is stored anywhere in the
// database, apart from the places allowed ("table.column").
func (e *env) noSecretStored(t *testing.T, secrets []string, allowed ...string) {
	t.Helper()
	for _, s := range secrets {
		for _, where := range e.raw.Find(t, s) {
			if !slices.Contains(allowed, where) {
				t.Errorf("secret %.12s… is stored in %s", s, where)
			}
		}
	}
}

// contains reports whether any of the strings contains sub.
func contains(ss []string, sub string) bool {
	return slices.ContainsFunc(ss, func(s string) bool { return strings.Contains(s, sub) })
}
