package service_test

import (
	"context"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// TestReadOnlyCannotWrite checks that a read-only manager can read its
// subtree and change nothing in it, and that a refusal leaves no trace in
// the audit log.
func TestReadOnlyCannotWrite(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		viewer := e.manager(t, w.r1, w.R1, "viewer@r-one.test", steward.RoleReadOnly)
		e.tick()
		_, err := e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: w.R1.ID, Amount: 10, Reason: "stock"})
		must(t, err)
		e.tick()
		admin := e.manager(t, w.r1, w.R1, "admin@r-one.test", steward.RoleAdmin)
		e.tick()
		tok, err := e.svc.CreateToken(admin.ctx, steward.TokenCreate{Name: "admin's"})
		must(t, err)
		// The same through an owner's token capped at read-only.
		e.tick()
		roTok, err := e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "read-only", Role: steward.RoleReadOnly})
		must(t, err)
		auth, err := e.svc.AuthenticateToken(e.ctx, roTok.Secret, "203.0.113.9", "cli")
		must(t, err)
		viaToken := steward.NewContextWithActor(e.ctx, auth.Actor)

		writes := map[string]func(ctx context.Context) error{
			"CreateAccount": func(ctx context.Context) error {
				_, err := e.svc.CreateAccount(ctx, steward.AccountCreate{Name: "x", Kind: steward.AccountClient})
				return err
			},
			"UpdateAccount": func(ctx context.Context) error {
				_, err := e.svc.UpdateAccount(ctx, w.R1.ID, steward.AccountUpdate{Notes: ptr("x")})
				return err
			},
			"SetAccountStatus": func(ctx context.Context) error {
				_, err := e.svc.SetAccountStatus(ctx, w.C2.ID, steward.StatusSuspended, "")
				return err
			},
			"DeleteAccount": func(ctx context.Context) error { _, err := e.svc.DeleteAccount(ctx, w.C2.ID); return err },
			"CreateManager": func(ctx context.Context) error {
				_, err := e.svc.CreateManager(ctx, steward.ManagerCreate{AccountID: w.C2.ID, Email: "new@c-two.test", Name: "New",
					Role: steward.RoleReadOnly, Invite: true})
				return err
			},
			"UpdateManager/rename another": func(ctx context.Context) error {
				_, err := e.svc.UpdateManager(ctx, w.c2.ID, steward.ManagerUpdate{Name: ptr("x")})
				return err
			},
			"UpdateManager/promote itself": func(ctx context.Context) error {
				_, err := e.svc.UpdateManager(ctx, viewer.ID, steward.ManagerUpdate{Role: ptr(steward.RoleAdmin)})
				return err
			},
			"DeleteManager":  func(ctx context.Context) error { return e.svc.DeleteManager(ctx, w.c2.ID) },
			"RevokeToken":    func(ctx context.Context) error { return e.svc.RevokeToken(ctx, tok.ID) },
			"Tokens/another": func(ctx context.Context) error { _, err := e.svc.Tokens(ctx, admin.ID); return err },
			"TransferCredits": func(ctx context.Context) error {
				_, err := e.svc.TransferCredits(ctx, steward.CreditTransfer{ToID: w.C2.ID, Amount: 1, Reason: "x"})
				return err
			},
		}
		reads := map[string]func(ctx context.Context) error{
			"Account":     func(ctx context.Context) error { _, err := e.svc.Account(ctx, w.C1.ID); return err },
			"Accounts":    func(ctx context.Context) error { _, err := e.svc.Accounts(ctx, steward.AccountFilter{}); return err },
			"Managers":    func(ctx context.Context) error { _, err := e.svc.Managers(ctx, w.C1.ID); return err },
			"Manager":     func(ctx context.Context) error { _, err := e.svc.Manager(ctx, w.r1.ID); return err },
			"Balance":     func(ctx context.Context) error { _, err := e.svc.Balance(ctx, w.R1.ID); return err },
			"Ledger":      func(ctx context.Context) error { _, err := e.svc.Ledger(ctx, steward.LedgerFilter{}); return err },
			"AuditLog":    func(ctx context.Context) error { _, err := e.svc.AuditLog(ctx, steward.AuditFilter{}); return err },
			"VerifyAudit": func(ctx context.Context) error { _, err := e.svc.VerifyAudit(ctx, w.C1.ID); return err },
			"Dashboard":   func(ctx context.Context) error { _, err := e.svc.Dashboard(ctx); return err },
			"Tokens/own":  func(ctx context.Context) error { _, err := e.svc.Tokens(ctx, ""); return err },
		}
		for who, ctx := range map[string]context.Context{"read-only manager": viewer.ctx, "read-only token": viaToken} {
			for name, fn := range writes {
				e.tick()
				before := e.lastAudit(t).ID
				if err := fn(ctx); steward.ErrorCode(err) != steward.EFORBIDDEN {
					t.Errorf("%s: %s: %v, want forbidden", who, name, err)
				}
				if e.lastAudit(t).ID != before {
					t.Errorf("%s: %s was refused but wrote an audit entry", who, name)
				}
			}
			for name, fn := range reads {
				if err := fn(ctx); err != nil {
					t.Errorf("%s: %s: %v", who, name, err)
				}
			}
		}
		// A read-only manager cannot mint a token with more rights.
		_, err = e.svc.CreateToken(viewer.ctx, steward.TokenCreate{Name: "sneaky", Role: steward.RoleAdmin})
		wantCode(t, err, steward.EINVALID, "role")
		// Nothing changed.
		diff(t, "R1's balance", e.reload(t, w, w.R1).Balance, int64(10))
		diff(t, "C2's status", e.reload(t, w, w.C2).Status, steward.StatusActive)
	})
}

// TestManagerRoles checks what owners and admins may do to logins: an
// admin manages only read-only logins, and an account keeps an owner.
func TestManagerRoles(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		admin := e.manager(t, w.r1, w.R1, "admin@r-one.test", steward.RoleAdmin)
		viewer := e.manager(t, w.r1, w.R1, "viewer@r-one.test", steward.RoleReadOnly)
		create := func(as *member, acc *steward.Account, email string, role steward.ManagerRole) (*steward.Manager, error) {
			e.tick()
			return e.svc.CreateManager(as.ctx, steward.ManagerCreate{AccountID: acc.ID, Email: email, Name: email, Role: role,
				Password: "Some-initial-passphrase-1"})
		}
		update := func(as *member, id string, role steward.ManagerRole) error {
			e.tick()
			_, err := e.svc.UpdateManager(as.ctx, id, steward.ManagerUpdate{Role: &role})
			return err
		}

		// An admin manages read-only logins only.
		_, err := create(admin, w.R1, "owner2@r-one.test", steward.RoleOwner)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = create(admin, w.C2, "owner2@c-two.test", steward.RoleOwner)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = create(admin, w.R1, "admin2@r-one.test", steward.RoleAdmin)
		wantCode(t, err, steward.EFORBIDDEN)
		ro, err := create(admin, w.C2, "reader@c-two.test", steward.RoleReadOnly)
		must(t, err)
		wantCode(t, update(admin, viewer.ID, steward.RoleOwner), steward.EFORBIDDEN)
		wantCode(t, update(admin, viewer.ID, steward.RoleAdmin), steward.EFORBIDDEN)
		wantCode(t, update(admin, w.r1.ID, steward.RoleReadOnly), steward.EFORBIDDEN)
		wantCode(t, update(admin, admin.ID, steward.RoleOwner), steward.EFORBIDDEN)
		wantCode(t, e.svc.DeleteManager(admin.ctx, w.r1.ID), steward.EFORBIDDEN)
		must(t, e.svc.DeleteManager(admin.ctx, ro.ID))
		_, err = e.svc.UpdateManager(admin.ctx, admin.ID, steward.ManagerUpdate{Name: ptr("Renamed admin")})
		must(t, err) // anyone may rename themselves

		// Bad input.
		_, err = create(w.r1, w.R1, "root@r-one.test", "root")
		wantCode(t, err, steward.EINVALID, "role")
		wantCode(t, update(w.r1, viewer.ID, "root"), steward.EINVALID, "role")
		_, err = create(w.r1, w.R1, "not an address", steward.RoleAdmin)
		wantCode(t, err, steward.EINVALID, "email")
		e.tick()
		_, err = e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.R1.ID, Email: "weak@r-one.test", Name: "Weak", Password: "short"})
		wantCode(t, err, steward.EINVALID, "password")

		// The last owner of an account stays.
		wantCode(t, update(w.s1, w.s1.ID, steward.RoleAdmin), steward.ECONFLICT)
		wantCode(t, update(w.r1, w.s1.ID, steward.RoleReadOnly), steward.ECONFLICT)
		wantCode(t, e.svc.DeleteManager(w.r1.ctx, w.s1.ID), steward.ECONFLICT)
		wantCode(t, e.svc.DeleteManager(w.admin.ctx, w.s1.ID), steward.ECONFLICT)
		wantCode(t, e.svc.DeleteManager(w.s1.ctx, w.s1.ID), steward.EFORBIDDEN) // nobody deletes their own login
		got, err := e.svc.Manager(w.r1.ctx, w.s1.ID)
		must(t, err)
		diff(t, "last owner's role", got.Role, steward.RoleOwner)

		// With a second owner (made by an owner above), the first can go.
		second, err := create(w.r1, w.S1, "owner2@s-one.test", steward.RoleOwner)
		must(t, err)
		must(t, update(w.s1, w.s1.ID, steward.RoleAdmin))
		wantCode(t, update(w.r1, second.ID, steward.RoleAdmin), steward.ECONFLICT)
		must(t, e.svc.DeleteManager(w.r1.ctx, w.s1.ID))
		if _, err := e.svc.AuthenticateSession(e.ctx, w.s1.secret, w.s1.ip, "test"); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
			t.Errorf("a deleted manager's session still works: %v", err)
		}
		_, err = e.svc.Login(e.ctx, steward.LoginRequest{Email: w.s1.Email, Password: w.s1.password, IP: e.nextIP()})
		wantCode(t, err, steward.EUNAUTHENTICATED)
		ms, err := e.svc.Managers(w.r1.ctx, w.S1.ID)
		must(t, err)
		diff(t, "S1's managers", len(ms), 1)
	})
}

// TestDuplicateEmail checks that an email names one login in the whole
// installation, whatever its case.
func TestDuplicateEmail(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		for _, email := range []string{"owner@c-one.test", " Owner@C-One.TEST ", "owner@r-one.test", "admin@platform.test"} {
			for _, invite := range []bool{false, true} {
				e.tick()
				_, err := e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.C2.ID, Email: email, Name: "Copy",
					Invite: invite, Password: "Some-initial-passphrase-1"})
				wantCode(t, err, steward.ECONFLICT, "email")
			}
		}
		if ms := e.mails(t, "owner@c-one.test"); len(ms) != 0 {
			t.Errorf("a refused invitation was mailed: %+v", ms)
		}
		ms, err := e.svc.Managers(w.r1.ctx, w.C2.ID)
		must(t, err)
		diff(t, "C2's managers", len(ms), 1)
	})
}

// TestInvitation checks the invitation flow: a mailed one-time link sets
// the password, once, within 7 days.
func TestInvitation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		const email = "invitee@c-two.test"
		e.tick()
		m, err := e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.C2.ID, Email: email, Name: "Invitee",
			Role: steward.RoleAdmin, Invite: true})
		must(t, err)
		if !m.Invited || m.PasswordHash != "" {
			t.Fatalf("invited manager: %+v", m)
		}
		a := e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.AccountID, a.TargetID, a.ActorID, string(a.Summary)},
			[]string{"manager.create", w.C2.ID, m.ID, w.r1.ID, `{"after":{"email":"invitee@c-two.test","invited":true,"role":"admin"}}`})

		// Before accepting, no password signs in.
		for _, pw := range []string{"", "anything-at-all-123"} {
			_, err := e.svc.Login(e.ctx, steward.LoginRequest{Email: email, Password: pw, IP: e.nextIP()})
			wantCode(t, err, steward.EUNAUTHENTICATED)
		}

		token := e.linkToken(t, email, "invite")
		e.noSecretStored(t, []string{token}, "outbox.body")

		// A password that breaks the rules does not use up the link; the
		// link is no reset link.
		wantCode(t, e.svc.ResetPassword(e.ctx, token, "short", true), steward.EINVALID, "new_password")
		wantCode(t, e.svc.ResetPassword(e.ctx, token, "Chosen-by-the-new-one-1", false), steward.ENOTFOUND)

		e.clock.Advance(7*24*time.Hour - time.Millisecond)
		must(t, e.svc.ResetPassword(e.ctx, token, "Chosen-by-the-new-one-1", true))
		a = e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.AccountID, a.TargetID}, []string{"manager.invitation_accept", w.C2.ID, m.ID})
		wantCode(t, e.svc.ResetPassword(e.ctx, token, "Chosen-again-by-someone-2", true), steward.ENOTFOUND)

		res := e.login(t, email, "Chosen-by-the-new-one-1", e.nextIP())
		if res.MustChangePassword || res.Manager.Invited {
			t.Errorf("after accepting: must change %v, invited %v", res.MustChangePassword, res.Manager.Invited)
		}

		// An invitation expires after 7 days.
		const late = "late@c-two.test"
		e.tick()
		_, err = e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.C2.ID, Email: late, Name: "Late",
			Role: steward.RoleReadOnly, Invite: true})
		must(t, err)
		token = e.linkToken(t, late, "invite")
		e.clock.Advance(7 * 24 * time.Hour)
		wantCode(t, e.svc.ResetPassword(e.ctx, token, "Chosen-by-the-new-one-1", true), steward.ENOTFOUND)
	})
}
