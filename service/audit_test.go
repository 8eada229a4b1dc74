package service_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/store"
)

// auditView is what a reader of the audit log needs from an entry.
type auditView struct {
	Action, AccountID, TargetType, TargetID, ActorID, ActorEmail, TokenID, IP string
}

func view(a *steward.AuditEntry) auditView {
	return auditView{a.Action, a.AccountID, a.TargetType, a.TargetID, a.ActorID, a.ActorEmail, a.TokenID, a.IP}
}

// TestAuditRecordsEveryChange makes every kind of change once and checks
// its audit entry: who, from where, what, on what, and no secret anywhere.
func TestAuditRecordsEveryChange(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		secrets := []string{adminPassword, password, password + "-first", w.admin.secret, w.r1.secret, w.c1.secret}
		keep := func(s ...string) { secrets = append(secrets, s...) }
		by := func(m *member, action, accountID, targetType, targetID string) auditView {
			return auditView{action, accountID, targetType, targetID, m.ID, m.Email, "", m.ip}
		}
		var client *steward.Account
		var mgr *steward.Manager
		var tok *steward.APIToken
		for _, tc := range []struct {
			name   string
			change func(t *testing.T)
			want   func() auditView
		}{
			{"create an account", func(t *testing.T) {
				var err error
				client, err = e.svc.CreateAccount(w.r1.ctx, steward.AccountCreate{Name: "Audited", Kind: steward.AccountClient})
				must(t, err)
			}, func() auditView { return by(w.r1, "account.create", client.ID, "account", client.ID) }},
			{"update an account", func(t *testing.T) {
				_, err := e.svc.UpdateAccount(w.r1.ctx, client.ID, steward.AccountUpdate{Name: ptr("Audited, renamed"), Notes: ptr("secret notes")})
				must(t, err)
			}, func() auditView { return by(w.r1, "account.update", client.ID, "account", client.ID) }},
			{"suspend an account", func(t *testing.T) {
				_, err := e.svc.SetAccountStatus(w.r1.ctx, client.ID, steward.StatusSuspended, "unpaid")
				must(t, err)
			}, func() auditView { return by(w.r1, "account.status", client.ID, "account", client.ID) }},
			{"block an account", func(t *testing.T) {
				_, err := e.svc.SetAccountStatus(w.admin.ctx, client.ID, steward.StatusBlocked, "fraud")
				must(t, err)
			}, func() auditView { return by(w.admin, "account.status", client.ID, "account", client.ID) }},
			{"move an account", func(t *testing.T) {
				_, err := e.svc.MoveAccount(w.admin.ctx, client.ID, w.S1.ID)
				must(t, err)
			}, func() auditView { return by(w.admin, "account.move", client.ID, "account", client.ID) }},
			{"create a manager", func(t *testing.T) {
				var err error
				mgr, err = e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.C2.ID, Email: "audited@c-two.test",
					Name: "Audited", Role: steward.RoleAdmin, Password: "Initial-secret-pass-1"})
				must(t, err)
				keep("Initial-secret-pass-1")
			}, func() auditView { return by(w.r1, "manager.create", w.C2.ID, "manager", mgr.ID) }},
			{"update a manager", func(t *testing.T) {
				_, err := e.svc.UpdateManager(w.r1.ctx, mgr.ID, steward.ManagerUpdate{Role: ptr(steward.RoleReadOnly)})
				must(t, err)
			}, func() auditView { return by(w.r1, "manager.update", w.C2.ID, "manager", mgr.ID) }},
			{"change one's password", func(t *testing.T) {
				must(t, e.svc.ChangePassword(w.c1.ctx, w.c1.password, "Changed-secret-pass-2"))
				keep("Changed-secret-pass-2")
			}, func() auditView { return by(w.c1, "manager.password_change", w.C1.ID, "manager", w.c1.ID) }},
			{"reset a password", func(t *testing.T) {
				must(t, e.svc.RequestPasswordReset(e.ctx, w.c2.Email, "203.0.113.40"))
				link := e.linkToken(t, w.c2.Email, "reset")
				must(t, e.svc.ResetPassword(e.ctx, link, "Reset-secret-pass-3", false))
				keep(link, "Reset-secret-pass-3")
			}, func() auditView {
				// Made by whoever holds the link: no actor to name.
				return auditView{"manager.password_reset", w.C2.ID, "manager", w.c2.ID, "", "", "", ""}
			}},
			{"accept an invitation", func(t *testing.T) {
				m, err := e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.R1.ID, Email: "guest@r-one.test", Name: "Guest",
					Role: steward.RoleReadOnly, Invite: true})
				must(t, err)
				link := e.linkToken(t, m.Email, "invite")
				e.tick()
				must(t, e.svc.ResetPassword(e.ctx, link, "Invited-secret-pass-4", true))
				keep(link, "Invited-secret-pass-4")
			}, func() auditView {
				m, err := e.db.ManagerByEmail(e.ctx, "guest@r-one.test")
				must(t, err)
				return auditView{"manager.invitation_accept", w.R1.ID, "manager", m.ID, "", "", "", ""}
			}},
			{"delete a manager", func(t *testing.T) {
				must(t, e.svc.DeleteManager(w.r1.ctx, mgr.ID))
			}, func() auditView { return by(w.r1, "manager.delete", w.C2.ID, "manager", mgr.ID) }},
			{"create a token", func(t *testing.T) {
				var err error
				tok, err = e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "audited"})
				must(t, err)
				keep(tok.Secret, tok.Secret[10:])
			}, func() auditView { return by(w.r1, "token.create", w.R1.ID, "api_token", tok.ID) }},
			{"grant credits", func(t *testing.T) {
				_, err := e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: w.R1.ID, Amount: 50, Reason: "order"})
				must(t, err)
			}, func() auditView { return by(w.admin, "credits.grant", w.R1.ID, "account", w.R1.ID) }},
			{"transfer credits through a token", func(t *testing.T) {
				auth, err := e.svc.AuthenticateToken(e.ctx, tok.Secret, "203.0.113.41", "cli")
				must(t, err)
				_, err = e.svc.TransferCredits(steward.NewContextWithActor(e.ctx, auth.Actor),
					steward.CreditTransfer{ToID: w.C2.ID, Amount: 20, Reason: "resale"})
				must(t, err)
			}, func() auditView {
				return auditView{"credits.transfer", w.C2.ID, "account", w.C2.ID, w.r1.ID, w.r1.Email, tok.ID, "203.0.113.41"}
			}},
			{"revoke a token", func(t *testing.T) {
				must(t, e.svc.RevokeToken(w.r1.ctx, tok.ID))
			}, func() auditView { return by(w.r1, "token.revoke", w.R1.ID, "api_token", tok.ID) }},
			{"delete an account", func(t *testing.T) {
				_, err := e.svc.DeleteAccount(w.r1.ctx, client.ID)
				must(t, err)
			}, func() auditView { return by(w.r1, "account.delete", client.ID, "account", client.ID) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.tick()
				tc.change(t)
				a := e.lastAudit(t)
				diff(t, "entry", view(a), tc.want())
				if !a.CreatedAt.Equal(e.clock.Now()) {
					t.Errorf("entry time %v, want %v", a.CreatedAt, e.clock.Now())
				}
				if len(a.Summary) > 0 && !json.Valid(a.Summary) {
					t.Errorf("summary is not JSON: %s", a.Summary)
				}
			})
		}

		// No secret in any summary, nor anywhere else in the database but
		// the outbox body that carries the links until they are sent.
		all, err := e.db.ListAudit(e.ctx, "/", steward.AuditFilter{Limit: 500})
		must(t, err)
		for _, a := range all {
			for _, s := range secrets {
				if strings.Contains(string(a.Summary), s) {
					t.Errorf("%s entry's summary holds a secret: %s", a.Action, a.Summary)
				}
			}
		}
		e.noSecretStored(t, secrets, "outbox.body")
		for _, a := range all {
			if a.Action == "account.update" && strings.Contains(string(a.Summary), "secret notes") {
				t.Errorf("account.update copies the notes into the audit log: %s", a.Summary)
			}
		}

		// Every chain verifies.
		for _, acc := range []*steward.Account{w.P, w.R1, w.S1, w.C1, w.C2, w.R2, w.C3, client} {
			n := 0
			must(t, e.db.AuditChain(e.ctx, acc.ID, func(*steward.AuditEntry) error { n++; return nil }))
			v, err := e.svc.VerifyAudit(w.admin.ctx, acc.ID)
			must(t, err)
			diff(t, acc.Name+"'s chain", v, &steward.AuditVerification{AccountID: acc.ID, Entries: int64(n), OK: true})
		}
	})
}

// TestAuditTampering alters and removes audit rows behind the store's back
// and checks that VerifyAudit finds the first broken entry.
func TestAuditTampering(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		for i := range 3 {
			e.tick()
			_, err := e.svc.UpdateAccount(w.r1.ctx, w.C2.ID, steward.AccountUpdate{Name: ptr(fmt.Sprintf("Client Two, %d", i))})
			must(t, err)
		}
		chain := func() []*steward.AuditEntry {
			var es []*steward.AuditEntry
			must(t, e.db.AuditChain(e.ctx, w.C2.ID, func(a *steward.AuditEntry) error { es = append(es, a); return nil }))
			return es
		}
		if n := len(chain()); n < 5 {
			t.Fatalf("C2's chain has %d entries, want at least 5", n)
		}

		// The table refuses the change while its trigger stands.
		if _, err := e.raw.SQL.ExecContext(e.ctx, `UPDATE audit_log SET ip = 'x' WHERE account_id = $1`, w.C2.ID); err == nil {
			t.Fatal("audit_log took an UPDATE: it is not append-only")
		}
		drop := `DROP TRIGGER audit_log_append_only`
		if e.raw.Dialect == store.Postgres {
			drop += ` ON audit_log`
		}
		e.raw.Exec(t, drop)

		verify := func(as *member, id string) *steward.AuditVerification {
			t.Helper()
			v, err := e.svc.VerifyAudit(as.ctx, id)
			must(t, err)
			return v
		}
		for _, tc := range []struct {
			column  string
			seq     int64
			value   any
			problem string
		}{
			{"ip", 2, "203.0.113.99", "entry 2 was altered"},
			{"actor_email", 3, "someone-else@r-one.test", "entry 3 was altered"},
			{"actor_id", 1, "", "entry 1 was altered"},
			{"action", 4, "account.view", "entry 4 was altered"},
			{"target_id", 2, "01jzzzzzzzzzzzzzzzzzzzzzzz", "entry 2 was altered"},
			{"summary", 5, `{"before":{"name":"x"},"after":{"name":"y"}}`, "entry 5 was altered"},
			{"created_at", 3, e.clock.Now().Add(-time.Hour).UnixMilli(), "entry 3 was altered"},
			{"hash", 2, strings.Repeat("0", 64), "entry 2 was altered"},
			{"prev_hash", 4, strings.Repeat("0", 64), "entry 4 does not follow entry 3"},
		} {
			t.Run(tc.column, func(t *testing.T) {
				var old any
				if err := e.raw.SQL.QueryRowContext(e.ctx, `SELECT `+tc.column+` FROM audit_log WHERE account_id = $1 AND seq = $2`,
					w.C2.ID, tc.seq).Scan(&old); err != nil {
					t.Fatal(err)
				}
				e.raw.Exec(t, `UPDATE audit_log SET `+tc.column+` = $3 WHERE account_id = $1 AND seq = $2`, w.C2.ID, tc.seq, tc.value)
				diff(t, "verification", verify(w.admin, w.C2.ID), &steward.AuditVerification{AccountID: w.C2.ID,
					Entries: tc.seq, OK: false, BrokenAt: tc.seq, Problem: tc.problem})
				// The reseller above sees the same; its other chains are fine.
				diff(t, "verification by the reseller", verify(w.r1, w.C2.ID).BrokenAt, tc.seq)
				diff(t, "R1's own chain", verify(w.r1, w.R1.ID).OK, true)
				e.raw.Exec(t, `UPDATE audit_log SET `+tc.column+` = $3 WHERE account_id = $1 AND seq = $2`, w.C2.ID, tc.seq, old)
				if v := verify(w.admin, w.C2.ID); !v.OK {
					t.Fatalf("after restoring the row: %+v", v)
				}
			})
		}

		// A removed entry is missing from the chain.
		e.raw.Exec(t, `DELETE FROM audit_log WHERE account_id = $1 AND seq = 3`, w.C2.ID)
		diff(t, "verification after a deletion", verify(w.admin, w.C2.ID),
			&steward.AuditVerification{AccountID: w.C2.ID, Entries: 3, OK: false, BrokenAt: 3, Problem: "entry 3 is missing"})
		_, err := e.svc.VerifyAudit(w.r2.ctx, w.C2.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestAuditScope checks that the audit log shows an actor its own subtree
// and nothing of another reseller's.
func TestAuditScope(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		// Activity everywhere, including by the platform inside R2's tree.
		for _, m := range []*member{w.r1, w.s1, w.c1, w.r2} {
			e.tick()
			_, err := e.svc.UpdateAccount(m.ctx, m.AccountID, steward.AccountUpdate{Notes: ptr("notes of " + m.Email)})
			must(t, err)
		}
		e.tick()
		_, err := e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: w.R2.ID, Amount: 10, Reason: "order"})
		must(t, err)
		e.tick()
		_, err = e.svc.TransferCredits(w.r2.ctx, steward.CreditTransfer{ToID: w.C3.ID, Amount: 10, Reason: "resale"})
		must(t, err)
		e.tick()
		_, err = e.svc.CreateToken(w.r2.ctx, steward.TokenCreate{Name: "r2's"})
		must(t, err)

		log := func(as *member, f steward.AuditFilter) []*steward.AuditEntry {
			t.Helper()
			f.Limit = 500
			es, err := e.svc.AuditLog(as.ctx, f)
			must(t, err)
			return es
		}
		accountsOf := func(es []*steward.AuditEntry) []string {
			var ids []string
			for _, a := range es {
				if !slices.Contains(ids, a.AccountID) {
					ids = append(ids, a.AccountID)
				}
			}
			slices.Sort(ids)
			return ids
		}
		sorted := func(ids ...string) []string { slices.Sort(ids); return ids }

		all := log(w.admin, steward.AuditFilter{})
		diff(t, "platform sees", accountsOf(all), sorted(w.P.ID, w.R1.ID, w.S1.ID, w.C1.ID, w.C2.ID, w.R2.ID, w.C3.ID))
		for _, tc := range []struct {
			as     *member
			f      steward.AuditFilter
			sees   []string
			absent []string // strings no entry of theirs may hold
		}{
			{w.r1, steward.AuditFilter{}, sorted(w.R1.ID, w.S1.ID, w.C1.ID, w.C2.ID), []string{w.r2.Email, w.R2.ID, w.C3.ID}},
			{w.r2, steward.AuditFilter{}, sorted(w.R2.ID, w.C3.ID), []string{w.r1.Email, w.s1.Email, w.c1.Email, w.R1.ID}},
			{w.s1, steward.AuditFilter{}, sorted(w.S1.ID, w.C1.ID), []string{w.r2.Email, w.c2.Email}},
			{w.c1, steward.AuditFilter{}, sorted(w.C1.ID), []string{w.s1.Email, w.r2.Email}},
			{w.r1, steward.AuditFilter{AccountID: w.S1.ID}, sorted(w.S1.ID, w.C1.ID), nil},
			{w.r1, steward.AuditFilter{AccountID: w.S1.ID, OnlyDirect: true}, sorted(w.S1.ID), nil},
			{w.admin, steward.AuditFilter{Action: "credits."}, sorted(w.R2.ID, w.C3.ID), nil},
		} {
			es := log(tc.as, tc.f)
			diff(t, fmt.Sprintf("%s with %+v sees", tc.as.Email, tc.f), accountsOf(es), tc.sees)
			b, _ := json.Marshal(es)
			for _, s := range tc.absent {
				if strings.Contains(string(b), s) {
					t.Errorf("%s's audit log holds %q", tc.as.Email, s)
				}
			}
		}
		// Newest first.
		if es := log(w.r1, steward.AuditFilter{}); !slices.IsSortedFunc(es, func(a, b *steward.AuditEntry) int { return strings.Compare(b.ID, a.ID) }) {
			t.Error("the log is not newest first")
		}
		for _, foreign := range []*steward.Account{w.R2, w.C3, w.P} {
			_, err := e.svc.AuditLog(w.r1.ctx, steward.AuditFilter{AccountID: foreign.ID})
			wantCode(t, err, steward.ENOTFOUND)
		}
		_, err = e.svc.AuditLog(w.c1.ctx, steward.AuditFilter{AccountID: w.S1.ID})
		wantCode(t, err, steward.ENOTFOUND)

		// The dashboard's recent entries are scoped the same way.
		d, err := e.svc.Dashboard(w.r2.ctx)
		must(t, err)
		for _, a := range d.RecentAudit {
			if a.AccountID != w.R2.ID && a.AccountID != w.C3.ID {
				t.Errorf("r2's dashboard shows an entry of %s", a.AccountID)
			}
		}
	})
}
