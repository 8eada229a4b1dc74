package client_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/client"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
)

const (
	adminEmail    = "admin@example.com"
	adminPassword = "a-long-password-1"
)

// newServer starts an in-process Steward server with a fresh database and
// returns its URL.
func newServer(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	s, err := server.New(ctx, server.Config{DataDir: t.TempDir(), AdminEmail: adminEmail, AdminPassword: adminPassword,
		Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Logger: slog.New(slog.DiscardHandler), NoJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler)
	t.Cleanup(hs.Close)
	return hs.URL
}

// adminClient signs in as the platform admin and returns a client with the
// new token.
func adminClient(t *testing.T, url string) *client.Client {
	t.Helper()
	anon, err := client.New(url, "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := anon.PasswordToken(context.Background(), adminEmail, adminPassword, "test")
	if err != nil {
		t.Fatalf("PasswordToken: %v", err)
	}
	if !strings.HasPrefix(tok.Secret, "stw_") || tok.ID == "" || tok.Name != "test" {
		t.Fatalf("PasswordToken returned %+v", tok)
	}
	c, err := client.New(url, tok.Secret, client.WithUserAgent("client-test"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// wantCode fails unless err carries the code (and the field, when given).
func wantCode(t *testing.T, err error, code, field string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
	if field != "" && steward.ErrorField(err) != field {
		t.Fatalf("error field = %q (%v), want %q", steward.ErrorField(err), err, field)
	}
	if steward.ErrorMessage(err) == "" {
		t.Fatalf("error %v has no message", err)
	}
}

func TestPasswordToken(t *testing.T) {
	url := newServer(t)
	ctx := context.Background()
	anon, err := client.New(url, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = anon.PasswordToken(ctx, adminEmail, "wrong-password-123", "x")
	wantCode(t, err, steward.EUNAUTHENTICATED, "")

	_, err = anon.Me(ctx)
	wantCode(t, err, steward.EUNAUTHENTICATED, "")

	c := adminClient(t, url)
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if me.Manager.Email != adminEmail || me.Account.Kind != steward.AccountPlatform || me.Role != steward.RoleOwner {
		t.Fatalf("Me = %+v %+v %q", me.Manager, me.Account, me.Role)
	}

	bogus, err := client.New(url, "stw_not-a-real-token")
	if err != nil {
		t.Fatal(err)
	}
	_, err = bogus.Accounts(ctx, steward.AccountFilter{})
	wantCode(t, err, steward.EUNAUTHENTICATED, "")
}

func TestAccounts(t *testing.T) {
	c := adminClient(t, newServer(t))
	ctx := context.Background()

	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.CreateAccount(ctx, steward.AccountCreate{Name: "Reseller A", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	if res.ParentID != me.Account.ID || res.Status != steward.StatusActive || res.Path != me.Account.Path+res.ID+"/" {
		t.Fatalf("created %+v", res)
	}
	res2, err := c.CreateAccount(ctx, steward.AccountCreate{Name: "Reseller B", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := c.CreateAccount(ctx, steward.AccountCreate{ParentID: res.ID, Name: "Client", Kind: steward.AccountClient, Notes: "n"})
	if err != nil {
		t.Fatal(err)
	}

	got, err := c.Account(ctx, cl.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Name != "Client" || got.ParentID != res.ID || got.Notes != "n" {
		t.Fatalf("Account = %+v", got)
	}
	own, err := c.Account(ctx, "")
	if err != nil || own.ID != me.Account.ID {
		t.Fatalf("Account(\"\") = %+v, %v; want the caller's account", own, err)
	}

	all, err := c.Accounts(ctx, steward.AccountFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 4 {
		t.Fatalf("Accounts = %d accounts, want 4", len(all))
	}
	children, err := c.Accounts(ctx, steward.AccountFilter{ParentID: res.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(children) != 1 || children[0].ID != cl.ID {
		t.Fatalf("children of reseller = %v", ids(children))
	}
	resellers, err := c.Accounts(ctx, steward.AccountFilter{Kind: steward.AccountReseller, Query: "seller b"})
	if err != nil {
		t.Fatal(err)
	}
	if len(resellers) != 1 || resellers[0].ID != res2.ID {
		t.Fatalf("resellers named like 'seller b' = %v", ids(resellers))
	}
	page1, err := c.Accounts(ctx, steward.AccountFilter{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	page2, err := c.Accounts(ctx, steward.AccountFilter{Limit: 2, After: page1[len(page1)-1].ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(page1) != 2 || len(page2) != 2 || slices.ContainsFunc(page2, func(a *steward.Account) bool { return a.ID == page1[0].ID || a.ID == page1[1].ID }) {
		t.Fatalf("pages %v then %v", ids(page1), ids(page2))
	}

	name := "Client renamed"
	upd, err := c.UpdateAccount(ctx, cl.ID, steward.AccountUpdate{Name: &name})
	if err != nil || upd.Name != name {
		t.Fatalf("UpdateAccount = %+v, %v", upd, err)
	}
	sus, err := c.SetAccountStatus(ctx, cl.ID, steward.StatusSuspended, "unpaid")
	if err != nil || sus.Status != steward.StatusSuspended || sus.StatusReason != "unpaid" {
		t.Fatalf("suspend = %+v, %v", sus, err)
	}
	suspended, err := c.Accounts(ctx, steward.AccountFilter{Status: steward.StatusSuspended})
	if err != nil || len(suspended) != 1 {
		t.Fatalf("suspended accounts = %v, %v", ids(suspended), err)
	}
	act, err := c.SetAccountStatus(ctx, cl.ID, steward.StatusActive, "")
	if err != nil || act.Status != steward.StatusActive {
		t.Fatalf("reactivate = %+v, %v", act, err)
	}
	mv, err := c.MoveAccount(ctx, cl.ID, res2.ID)
	if err != nil || mv.ParentID != res2.ID || !strings.HasPrefix(mv.Path, res2.Path) {
		t.Fatalf("MoveAccount = %+v, %v", mv, err)
	}
	del, err := c.DeleteAccount(ctx, cl.ID)
	if err != nil || del.DeletedAt == nil {
		t.Fatalf("DeleteAccount = %+v, %v", del, err)
	}
	live, err := c.Accounts(ctx, steward.AccountFilter{})
	if err != nil || len(live) != 3 {
		t.Fatalf("accounts after delete = %v, %v", ids(live), err)
	}
	withDeleted, err := c.Accounts(ctx, steward.AccountFilter{IncludeDeleted: true})
	if err != nil || len(withDeleted) != 4 {
		t.Fatalf("accounts with deleted = %v, %v", ids(withDeleted), err)
	}

	// Error mapping: codes, messages and fields survive the trip.
	_, err = c.Account(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")
	var se *steward.Error
	if !errors.As(err, &se) {
		t.Fatalf("error %T is not a *steward.Error", err)
	}
	_, err = c.CreateAccount(ctx, steward.AccountCreate{Name: "X", Kind: "bogus"})
	wantCode(t, err, steward.EINVALID, "kind")
	_, err = c.CreateAccount(ctx, steward.AccountCreate{Name: "  ", Kind: steward.AccountClient})
	wantCode(t, err, steward.EINVALID, "name")
	_, err = c.SetAccountStatus(ctx, me.Account.ID, steward.StatusSuspended, "")
	wantCode(t, err, steward.EFORBIDDEN, "")
	_, err = c.SetAccountStatus(ctx, "", steward.StatusSuspended, "")
	wantCode(t, err, steward.EINVALID, "")
	_, err = c.DeleteAccount(ctx, "..")
	wantCode(t, err, steward.ENOTFOUND, "")
	// An ID with a slash stays one path segment.
	_, err = c.Account(ctx, "a/b")
	wantCode(t, err, steward.ENOTFOUND, "")
}

func TestCredits(t *testing.T) {
	c := adminClient(t, newServer(t))
	ctx := context.Background()
	res, err := c.CreateAccount(ctx, steward.AccountCreate{Name: "Reseller", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	cl, err := c.CreateAccount(ctx, steward.AccountCreate{ParentID: res.ID, Name: "Client", Kind: steward.AccountClient})
	if err != nil {
		t.Fatal(err)
	}

	g, err := c.GrantCredits(ctx, steward.CreditGrant{AccountID: res.ID, Amount: 100, Reason: "opening"})
	if err != nil || g.Amount != 100 || g.Kind != steward.LedgerGrant || g.AccountID != res.ID {
		t.Fatalf("GrantCredits = %+v, %v", g, err)
	}
	es, err := c.TransferCredits(ctx, steward.CreditTransfer{FromID: res.ID, ToID: cl.ID, Amount: 30, Reason: "licences"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Amount != -30 || es[1].Amount != 30 || es[0].Reference != es[1].Reference {
		t.Fatalf("TransferCredits = %+v", es)
	}
	for id, want := range map[string]int64{res.ID: 70, cl.ID: 30} {
		if bal, err := c.Balance(ctx, id); err != nil || bal != want {
			t.Fatalf("Balance(%s) = %d, %v; want %d", id, bal, err, want)
		}
	}
	led, err := c.Ledger(ctx, steward.LedgerFilter{AccountID: res.ID})
	if err != nil || len(led) != 2 || led[0].Amount != -30 || led[1].Amount != 100 {
		t.Fatalf("Ledger = %+v, %v", led, err)
	}
	cr, err := c.Credits(ctx, steward.LedgerFilter{AccountID: res.ID, Limit: 1})
	if err != nil || cr.Balance != 70 || len(cr.Entries) != 1 || cr.Next != cr.Entries[0].ID {
		t.Fatalf("Credits(limit 1) = %+v, %v", cr, err)
	}
	cr2, err := c.Credits(ctx, steward.LedgerFilter{AccountID: res.ID, Limit: 1, Before: cr.Next})
	if err != nil || len(cr2.Entries) != 1 || cr2.Entries[0].Amount != 100 {
		t.Fatalf("Credits page 2 = %+v, %v", cr2, err)
	}
	if bal, err := c.Balance(ctx, ""); err != nil || bal != 0 {
		t.Fatalf("own Balance = %d, %v", bal, err)
	}

	_, err = c.TransferCredits(ctx, steward.CreditTransfer{FromID: res.ID, ToID: cl.ID, Amount: 71, Reason: "too much"})
	wantCode(t, err, steward.ECONFLICT, "")
	_, err = c.GrantCredits(ctx, steward.CreditGrant{AccountID: res.ID, Amount: 0, Reason: "nothing"})
	wantCode(t, err, steward.EINVALID, "amount")
	_, err = c.TransferCredits(ctx, steward.CreditTransfer{FromID: cl.ID, ToID: res.ID, Amount: 1, Reason: "up"})
	wantCode(t, err, steward.EINVALID, "to_id")
	_, err = c.Balance(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")
}

func TestManagersAndTokens(t *testing.T) {
	url := newServer(t)
	c := adminClient(t, url)
	ctx := context.Background()
	res, err := c.CreateAccount(ctx, steward.AccountCreate{Name: "Reseller", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	m, err := c.CreateManager(ctx, steward.ManagerCreate{AccountID: res.ID, Email: "Ops@Reseller.example", Name: "Ops",
		Role: steward.RoleAdmin, Password: "another-long-password-2"})
	if err != nil {
		t.Fatal(err)
	}
	if m.Email != "ops@reseller.example" || m.AccountID != res.ID || !m.MustChangePassword {
		t.Fatalf("CreateManager = %+v", m)
	}
	inv, err := c.CreateManager(ctx, steward.ManagerCreate{AccountID: res.ID, Email: "ro@reseller.example", Name: "RO",
		Role: steward.RoleReadOnly, Invite: true})
	if err != nil || !inv.Invited {
		t.Fatalf("invite = %+v, %v", inv, err)
	}
	_, err = c.CreateManager(ctx, steward.ManagerCreate{AccountID: res.ID, Email: "ops@reseller.example", Name: "Again", Invite: true})
	wantCode(t, err, steward.ECONFLICT, "")
	_, err = c.CreateManager(ctx, steward.ManagerCreate{AccountID: res.ID, Email: "not an address", Name: "X", Invite: true})
	wantCode(t, err, steward.EINVALID, "email")

	ms, err := c.Managers(ctx, res.ID)
	if err != nil || len(ms) != 2 {
		t.Fatalf("Managers = %+v, %v", ms, err)
	}
	own, err := c.Managers(ctx, "")
	if err != nil || len(own) != 1 || own[0].Email != adminEmail {
		t.Fatalf("own Managers = %+v, %v", own, err)
	}
	got, err := c.Manager(ctx, m.ID)
	if err != nil || got.ID != m.ID {
		t.Fatalf("Manager = %+v, %v", got, err)
	}
	role := steward.RoleReadOnly
	upd, err := c.UpdateManager(ctx, m.ID, steward.ManagerUpdate{Role: &role})
	if err != nil || upd.Role != steward.RoleReadOnly {
		t.Fatalf("UpdateManager = %+v, %v", upd, err)
	}
	if err := c.DeleteManager(ctx, inv.ID); err != nil {
		t.Fatal(err)
	}
	_, err = c.Manager(ctx, inv.ID)
	wantCode(t, err, steward.ENOTFOUND, "")

	// Tokens: a read-only token can read but not write, and stops working
	// once revoked.
	ro, err := c.CreateToken(ctx, steward.TokenCreate{Name: "reader", Role: steward.RoleReadOnly})
	if err != nil || ro.Secret == "" || ro.Role != steward.RoleReadOnly {
		t.Fatalf("CreateToken = %+v, %v", ro, err)
	}
	_, err = c.CreateToken(ctx, steward.TokenCreate{Name: ""})
	wantCode(t, err, steward.EINVALID, "name")
	ts, err := c.Tokens(ctx, "")
	if err != nil || len(ts) != 2 {
		t.Fatalf("Tokens = %+v, %v", ts, err)
	}
	for _, tk := range ts {
		if tk.Secret != "" {
			t.Fatalf("listed token %s carries its secret", tk.ID)
		}
	}
	rc, err := client.New(url, ro.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rc.Accounts(ctx, steward.AccountFilter{}); err != nil {
		t.Fatalf("read-only token cannot read: %v", err)
	}
	_, err = rc.CreateAccount(ctx, steward.AccountCreate{Name: "No", Kind: steward.AccountClient})
	wantCode(t, err, steward.EFORBIDDEN, "")
	if err := c.RevokeToken(ctx, ro.ID); err != nil {
		t.Fatal(err)
	}
	_, err = rc.Me(ctx)
	wantCode(t, err, steward.EUNAUTHENTICATED, "")
	err = c.RevokeToken(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")
}

func TestAudit(t *testing.T) {
	url := newServer(t)
	c := adminClient(t, url)
	ctx := context.Background()
	start := time.Now().Add(-time.Second)
	res, err := c.CreateAccount(ctx, steward.AccountCreate{Name: "Reseller", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GrantCredits(ctx, steward.CreditGrant{AccountID: res.ID, Amount: 5, Reason: "r"}); err != nil {
		t.Fatal(err)
	}

	es, err := c.AuditLog(ctx, steward.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range es {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"platform.bootstrap", "token.create", "account.create", "credits.grant"} {
		if !slices.Contains(actions, want) {
			t.Errorf("audit actions %v lack %s", actions, want)
		}
	}
	me, err := c.Me(ctx)
	if err != nil {
		t.Fatal(err)
	}
	byAction, err := c.AuditLog(ctx, steward.AuditFilter{Action: "account.", ActorID: me.Manager.ID, Since: &start})
	if err != nil || len(byAction) != 1 || byAction[0].TargetID != res.ID || byAction[0].ActorEmail != adminEmail {
		t.Fatalf("AuditLog(account.) = %+v, %v", byAction, err)
	}
	direct, err := c.AuditLog(ctx, steward.AuditFilter{AccountID: res.ID, OnlyDirect: true, Limit: 1})
	if err != nil || len(direct) != 1 || direct[0].Action != "credits.grant" {
		t.Fatalf("AuditLog(reseller, limit 1) = %+v, %v", direct, err)
	}
	older, err := c.AuditLog(ctx, steward.AuditFilter{AccountID: res.ID, Before: direct[0].ID})
	if err != nil || len(older) != 1 || older[0].Action != "account.create" {
		t.Fatalf("AuditLog(before) = %+v, %v", older, err)
	}
	future := time.Now().Add(time.Hour)
	none, err := c.AuditLog(ctx, steward.AuditFilter{Since: &future})
	if err != nil || len(none) != 0 {
		t.Fatalf("AuditLog(since future) = %+v, %v", none, err)
	}

	for _, id := range []string{"", res.ID} {
		v, err := c.VerifyAudit(ctx, id)
		if err != nil || !v.OK || v.Entries < 1 {
			t.Fatalf("VerifyAudit(%q) = %+v, %v", id, v, err)
		}
	}
	_, err = c.VerifyAudit(ctx, steward.NewID(time.Now()))
	wantCode(t, err, steward.ENOTFOUND, "")

	anon, err := client.New(url, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = anon.PasswordToken(ctx, "nobody@example.com", "whatever-password-1", "x")
	wantCode(t, err, steward.EUNAUTHENTICATED, "")
	evs, err := c.SecurityEvents(ctx, steward.SecurityEventFilter{Kind: "login.failed"})
	if err != nil || len(evs) != 1 || evs[0].Email != "nobody@example.com" {
		t.Fatalf("SecurityEvents = %+v, %v", evs, err)
	}
}

// TestTransport covers what the API server cannot produce: foreign error
// pages, oversized bodies, unreachable servers, headers and path prefixes.
func TestTransport(t *testing.T) {
	ctx := context.Background()
	var gotUA, gotAuth, gotCT, gotPath string
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA, gotAuth, gotCT, gotPath = r.UserAgent(), r.Header.Get("Authorization"), r.Header.Get("Content-Type"), r.URL.EscapedPath()
		switch {
		case strings.HasSuffix(r.URL.Path, "/accounts"):
			http.Error(w, "<html>Bad gateway</html>", http.StatusBadGateway)
		case strings.HasSuffix(r.URL.Path, "/tokens"):
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"items": [` + strings.Repeat(`{"id":"x"},`, 1000) + `{"id":"x"}]}`))
		case strings.HasSuffix(r.URL.Path, "/me"):
			w.Write([]byte("not json"))
		default:
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"id":"e1","amount":5}`))
		}
	}))
	defer hs.Close()

	c, err := client.New(hs.URL+"/prefix/", "tok", client.WithUserAgent("stewardctl/test"), client.WithMaxResponseBytes(1000),
		client.WithHTTPClient(&http.Client{Timeout: 5 * time.Second}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GrantCredits(ctx, steward.CreditGrant{AccountID: "a", Amount: 5, Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	if gotUA != "stewardctl/test" || gotAuth != "Bearer tok" || gotCT != "application/json" || gotPath != "/prefix/api/v1/credits/grants" {
		t.Fatalf("request had User-Agent %q, Authorization %q, Content-Type %q, path %q", gotUA, gotAuth, gotCT, gotPath)
	}
	if _, err := c.Account(ctx, "a/b c"); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/prefix/api/v1/accounts/a%2Fb%20c" {
		t.Fatalf("escaped path = %q", gotPath)
	}

	_, err = c.Accounts(ctx, steward.AccountFilter{})
	var st *client.StatusError
	if !errors.As(err, &st) || st.StatusCode != http.StatusBadGateway || !strings.HasPrefix(err.Error(), "list accounts: ") {
		t.Fatalf("non-JSON error = %v", err)
	}
	if steward.ErrorCode(err) != steward.EINTERNAL {
		t.Fatalf("non-JSON error has code %q", steward.ErrorCode(err))
	}
	_, err = c.Tokens(ctx, "")
	if err == nil || !strings.Contains(err.Error(), "larger than 1000 bytes") {
		t.Fatalf("oversized response: %v", err)
	}
	_, err = c.Me(ctx)
	if err == nil || !strings.HasPrefix(err.Error(), "get caller: decode response") {
		t.Fatalf("non-JSON success: %v", err)
	}

	hs.Close()
	_, err = c.Accounts(ctx, steward.AccountFilter{})
	if !client.IsNetworkError(err) || !strings.HasPrefix(err.Error(), "list accounts: ") {
		t.Fatalf("network error = %v", err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := c.Accounts(cctx, steward.AccountFilter{}); !errors.Is(err, context.Canceled) || client.IsNetworkError(err) {
		t.Fatalf("cancelled context: %v (network error: %t)", err, client.IsNetworkError(err))
	}

	for _, bad := range []string{"", "mdm.example.com", "ftp://x", "https://", "https://u:p@x", "https://x/?q=1"} {
		if _, err := client.New(bad, ""); err == nil {
			t.Errorf("New(%q) accepted", bad)
		}
	}
}

func ids(accs []*steward.Account) []string {
	var out []string
	for _, a := range accs {
		out = append(out, a.Name)
	}
	return out
}
