package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

func ptr[T any](v T) *T { return &v }

// TestCreateAccount checks who may create what where: platform → reseller
// → sub-reseller → client, and a client holds nothing.
func TestCreateAccount(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		viewer := e.manager(t, w.r1, w.R1, "viewer@r-one.test", steward.RoleReadOnly)
		start := e.clock.Now()
		for _, tc := range []struct {
			name   string
			as     *member
			parent *steward.Account // nil: the actor's own account
			kind   steward.AccountKind
			mod    func(*steward.AccountCreate)
			code   string
			field  string
		}{
			{name: "platform creates a reseller", as: w.admin, parent: w.P, kind: steward.AccountReseller},
			{name: "platform creates a client", as: w.admin, parent: w.P, kind: steward.AccountClient},
			{name: "reseller creates a sub-reseller in its own account by default", as: w.r1, kind: steward.AccountReseller},
			{name: "reseller creates a client below its sub-reseller", as: w.r1, parent: w.S1, kind: steward.AccountClient},
			{name: "sub-reseller creates a client", as: w.s1, parent: w.S1, kind: steward.AccountClient},
			{name: "sub-reseller creates a sub-sub-reseller", as: w.s1, parent: w.S1, kind: steward.AccountReseller},
			{name: "client cannot hold a client", as: w.c1, parent: w.C1, kind: steward.AccountClient, code: steward.EINVALID, field: "parent_id"},
			{name: "client cannot hold a reseller", as: w.c1, kind: steward.AccountReseller, code: steward.EINVALID, field: "parent_id"},
			{name: "nobody puts an account below a client", as: w.admin, parent: w.C1, kind: steward.AccountClient, code: steward.EINVALID, field: "parent_id"},
			{name: "there is one platform", as: w.admin, parent: w.P, kind: steward.AccountPlatform, code: steward.EINVALID, field: "kind"},
			{name: "unknown kind", as: w.r1, parent: w.R1, kind: "distributor", code: steward.EINVALID, field: "kind"},
			{name: "missing kind", as: w.r1, parent: w.R1, code: steward.EINVALID, field: "kind"},
			{name: "blank name", as: w.r1, parent: w.R1, kind: steward.AccountClient, code: steward.EINVALID, field: "name",
				mod: func(in *steward.AccountCreate) { in.Name = "  " }},
			{name: "two-line name", as: w.r1, parent: w.R1, kind: steward.AccountClient, code: steward.EINVALID, field: "name",
				mod: func(in *steward.AccountCreate) { in.Name = "a\nb" }},
			{name: "subscription ends before it starts", as: w.r1, parent: w.R1, kind: steward.AccountClient, code: steward.EINVALID, field: "subscription_end",
				mod: func(in *steward.AccountCreate) {
					in.SubscriptionStart, in.SubscriptionEnd = ptr(start.Add(time.Hour)), ptr(start)
				}},
			{name: "below another reseller", as: w.r1, parent: w.R2, kind: steward.AccountClient, code: steward.ENOTFOUND},
			{name: "below another reseller's client", as: w.r1, parent: w.C3, kind: steward.AccountClient, code: steward.ENOTFOUND},
			{name: "below one's own parent", as: w.s1, parent: w.R1, kind: steward.AccountClient, code: steward.ENOTFOUND},
			{name: "read-only", as: viewer, parent: w.R1, kind: steward.AccountClient, code: steward.EFORBIDDEN},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := steward.AccountCreate{Name: "New " + tc.name, Kind: tc.kind}
				if tc.parent != nil {
					in.ParentID = tc.parent.ID
				}
				if tc.mod != nil {
					tc.mod(&in)
				}
				e.tick()
				acc, err := e.svc.CreateAccount(tc.as.ctx, in)
				if tc.code != "" {
					wantCode(t, err, tc.code, tc.field)
					return
				}
				must(t, err)
				parent := tc.parent
				if parent == nil {
					parent = e.reload(t, w, &steward.Account{ID: tc.as.AccountID})
				}
				want := &steward.Account{ID: acc.ID, Name: in.Name, Kind: tc.kind, ParentID: parent.ID,
					Path: parent.Path + acc.ID + "/", Status: steward.StatusActive,
					CreatedAt: e.clock.Now(), UpdatedAt: e.clock.Now()}
				diff(t, "created account", acc, want)
				got, err := e.svc.Account(tc.as.ctx, acc.ID)
				must(t, err)
				diff(t, "account read back", got, want)
			})
		}
	})
}

// TestAccountScope checks that an actor reaches its own subtree and
// nothing else, and that everything outside answers not_found exactly as
// a missing account does.
func TestAccountScope(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		e.tick()
		tok, err := e.svc.CreateToken(w.r2.ctx, steward.TokenCreate{Name: "r2's token"})
		must(t, err)
		e.tick()
		_, err = e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: w.R1.ID, Amount: 10, Reason: "stock"})
		must(t, err)

		all := []string{"Platform", "Reseller One", "Sub-reseller One", "Client One", "Client Two", "Reseller Two", "Client Three"}
		for _, tc := range []struct {
			as   *member
			sees []string
		}{
			{w.admin, all},
			{w.r1, []string{"Reseller One", "Sub-reseller One", "Client One", "Client Two"}},
			{w.s1, []string{"Sub-reseller One", "Client One"}},
			{w.c1, []string{"Client One"}},
			{w.r2, []string{"Reseller Two", "Client Three"}},
		} {
			diff(t, tc.as.Email+" lists", e.listNames(t, tc.as.ctx, steward.AccountFilter{}), tc.sees)
		}
		diff(t, "r1 lists S1's subtree", e.listNames(t, w.r1.ctx, steward.AccountFilter{RootID: w.S1.ID}),
			[]string{"Sub-reseller One", "Client One"})
		diff(t, "r1 lists R1's children", e.listNames(t, w.r1.ctx, steward.AccountFilter{ParentID: w.R1.ID}),
			[]string{"Sub-reseller One", "Client Two"})
		diff(t, "r1 lists its clients", e.listNames(t, w.r1.ctx, steward.AccountFilter{Kind: steward.AccountClient}),
			[]string{"Client One", "Client Two"})

		// Every call that names an account, against accounts outside the
		// actor's subtree: above it, beside it, in another reseller's tree.
		accountCalls := map[string]func(ctx context.Context, id string) error{
			"Account": func(ctx context.Context, id string) error { _, err := e.svc.Account(ctx, id); return err },
			"Accounts/RootID": func(ctx context.Context, id string) error {
				_, err := e.svc.Accounts(ctx, steward.AccountFilter{RootID: id})
				return err
			},
			"Accounts/ParentID": func(ctx context.Context, id string) error {
				_, err := e.svc.Accounts(ctx, steward.AccountFilter{ParentID: id})
				return err
			},
			"CreateAccount": func(ctx context.Context, id string) error {
				_, err := e.svc.CreateAccount(ctx, steward.AccountCreate{ParentID: id, Name: "x", Kind: steward.AccountClient})
				return err
			},
			"UpdateAccount": func(ctx context.Context, id string) error {
				_, err := e.svc.UpdateAccount(ctx, id, steward.AccountUpdate{Name: ptr("Renamed")})
				return err
			},
			"SetAccountStatus": func(ctx context.Context, id string) error {
				_, err := e.svc.SetAccountStatus(ctx, id, steward.StatusSuspended, "x")
				return err
			},
			"MoveAccount": func(ctx context.Context, id string) error {
				_, err := e.svc.MoveAccount(ctx, id, w.R1.ID)
				return err
			},
			"DeleteAccount": func(ctx context.Context, id string) error { _, err := e.svc.DeleteAccount(ctx, id); return err },
			"Managers":      func(ctx context.Context, id string) error { _, err := e.svc.Managers(ctx, id); return err },
			"CreateManager": func(ctx context.Context, id string) error {
				_, err := e.svc.CreateManager(ctx, steward.ManagerCreate{AccountID: id, Email: "spy@example.test", Name: "Spy", Invite: true})
				return err
			},
			"Balance": func(ctx context.Context, id string) error { _, err := e.svc.Balance(ctx, id); return err },
			"Ledger": func(ctx context.Context, id string) error {
				_, err := e.svc.Ledger(ctx, steward.LedgerFilter{AccountID: id})
				return err
			},
			"GrantCredits": func(ctx context.Context, id string) error {
				_, err := e.svc.GrantCredits(ctx, steward.CreditGrant{AccountID: id, Amount: 1, Reason: "x"})
				return err
			},
			"TransferCredits/from": func(ctx context.Context, id string) error {
				_, err := e.svc.TransferCredits(ctx, steward.CreditTransfer{FromID: id, ToID: w.C1.ID, Amount: 1, Reason: "x"})
				return err
			},
			"TransferCredits/to": func(ctx context.Context, id string) error {
				_, err := e.svc.TransferCredits(ctx, steward.CreditTransfer{ToID: id, Amount: 1, Reason: "x"})
				return err
			},
			"AuditLog": func(ctx context.Context, id string) error {
				_, err := e.svc.AuditLog(ctx, steward.AuditFilter{AccountID: id})
				return err
			},
			"VerifyAudit": func(ctx context.Context, id string) error { _, err := e.svc.VerifyAudit(ctx, id); return err },
		}
		managerCalls := map[string]func(ctx context.Context, id string) error{
			"Manager": func(ctx context.Context, id string) error { _, err := e.svc.Manager(ctx, id); return err },
			"UpdateManager": func(ctx context.Context, id string) error {
				_, err := e.svc.UpdateManager(ctx, id, steward.ManagerUpdate{Name: ptr("Renamed")})
				return err
			},
			"UpdateManager/role": func(ctx context.Context, id string) error {
				_, err := e.svc.UpdateManager(ctx, id, steward.ManagerUpdate{Role: ptr(steward.RoleReadOnly)})
				return err
			},
			"DeleteManager": func(ctx context.Context, id string) error { return e.svc.DeleteManager(ctx, id) },
			"Tokens":        func(ctx context.Context, id string) error { _, err := e.svc.Tokens(ctx, id); return err },
		}
		const missing = "01jzzzzzzzzzzzzzzzzzzzzzzz"
		check := func(t *testing.T, calls map[string]func(ctx context.Context, id string) error, as *member, foreign map[string]string) {
			t.Helper()
			for call, fn := range calls {
				wantMsg := steward.ErrorMessage(fn(as.ctx, missing))
				for what, id := range foreign {
					e.tick()
					before := e.lastAudit(t).ID
					err := fn(as.ctx, id)
					if steward.ErrorCode(err) != steward.ENOTFOUND {
						t.Errorf("%s: %s on %s: %v, want not_found", as.Email, call, what, err)
						continue
					}
					if got, want := steward.ErrorMessage(err), strings.ReplaceAll(wantMsg, missing, id); got != want {
						t.Errorf("%s: %s on %s says %q; a missing one says %q", as.Email, call, what, got, want)
					}
					if after := e.lastAudit(t).ID; after != before {
						t.Errorf("%s: %s on %s was refused but wrote an audit entry", as.Email, call, what)
					}
				}
			}
		}
		check(t, accountCalls, w.r1, map[string]string{"platform": w.P.ID, "R2": w.R2.ID, "C3": w.C3.ID})
		check(t, accountCalls, w.s1, map[string]string{"platform": w.P.ID, "parent R1": w.R1.ID, "sibling C2": w.C2.ID, "R2": w.R2.ID})
		check(t, accountCalls, w.c1, map[string]string{"platform": w.P.ID, "parent S1": w.S1.ID, "R1": w.R1.ID, "C2": w.C2.ID, "C3": w.C3.ID})
		check(t, accountCalls, w.r2, map[string]string{"R1": w.R1.ID, "S1": w.S1.ID, "C1": w.C1.ID})
		check(t, managerCalls, w.r1, map[string]string{"platform admin": w.admin.ID, "r2": w.r2.ID})
		check(t, managerCalls, w.c1, map[string]string{"s1 above": w.s1.ID, "c2 beside": w.c2.ID, "r1": w.r1.ID})
		check(t, map[string]func(ctx context.Context, id string) error{
			"RevokeToken": func(ctx context.Context, id string) error { return e.svc.RevokeToken(ctx, id) },
		}, w.r1, map[string]string{"r2's token": tok.ID})
	})
}

// TestAccountStatus checks that only an ancestor suspends an account, and
// only the platform blocks and unblocks one, as a security event.
func TestAccountStatus(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		viewer := e.manager(t, w.r1, w.R1, "viewer@r-one.test", steward.RoleReadOnly)
		for _, tc := range []struct {
			name   string
			as     *member
			target *steward.Account
			status steward.AccountStatus
			code   string
			field  string
		}{
			{"reseller cannot suspend itself", w.r1, w.R1, steward.StatusSuspended, steward.EFORBIDDEN, ""},
			{"client cannot suspend itself", w.c1, w.C1, steward.StatusSuspended, steward.EFORBIDDEN, ""},
			{"read-only cannot suspend", viewer, w.C2, steward.StatusSuspended, steward.EFORBIDDEN, ""},
			{"unknown status", w.r1, w.C2, "frozen", steward.EINVALID, "status"},
			{"reseller cannot block", w.r1, w.C2, steward.StatusBlocked, steward.EFORBIDDEN, ""},
			{"reseller suspends its grandchild", w.r1, w.C1, steward.StatusSuspended, "", ""},
			{"sub-reseller reactivates its child", w.s1, w.C1, steward.StatusActive, "", ""},
			{"reseller suspends its child", w.r1, w.C2, steward.StatusSuspended, "", ""},
			{"platform blocks the suspended client", w.admin, w.C2, steward.StatusBlocked, "", ""},
			{"reseller cannot lift the block", w.r1, w.C2, steward.StatusActive, steward.EFORBIDDEN, ""},
			{"nor turn it into a suspension", w.r1, w.C2, steward.StatusSuspended, steward.EFORBIDDEN, ""},
			{"platform lifts the block", w.admin, w.C2, steward.StatusActive, "", ""},
			{"platform cannot block itself", w.admin, w.P, steward.StatusBlocked, steward.EFORBIDDEN, ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.tick()
				before := e.reload(t, w, tc.target)
				acc, err := e.svc.SetAccountStatus(tc.as.ctx, tc.target.ID, tc.status, "reason: "+tc.name)
				if tc.code != "" {
					wantCode(t, err, tc.code, tc.field)
					diff(t, "status after a refusal", e.reload(t, w, tc.target).Status, before.Status)
					return
				}
				must(t, err)
				diff(t, "returned status", acc.Status, tc.status)
				got := e.reload(t, w, tc.target)
				diff(t, "stored status", got.Status, tc.status)
				diff(t, "stored reason", got.StatusReason, "reason: "+tc.name)
				a := e.lastAudit(t)
				diff(t, "audit", []string{a.Action, a.AccountID, a.ActorID},
					[]string{"account.status", tc.target.ID, tc.as.ID})
			})
		}
		// The block and its lifting are security events, with who and what.
		for _, kind := range []string{"account.blocked", "account.unblocked"} {
			evs := e.events(t, kind)
			if len(evs) != 1 {
				t.Fatalf("%d %s events, want 1", len(evs), kind)
			}
			if ev := evs[0]; ev.ManagerID != w.admin.ID || ev.IP != w.admin.ip || !strings.Contains(string(ev.Detail), w.C2.ID) {
				t.Errorf("%s event %+v (detail %s): want the admin, its address and the account", kind, ev, ev.Detail)
			}
		}
	})
}

// TestInactiveAccountsCannotSignIn checks that managers of a suspended,
// blocked or deleted account, or of one below it, cannot sign in, and that
// their sessions and tokens stop working.
func TestInactiveAccountsCannotSignIn(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		tokens := map[*member]string{}
		for _, m := range []*member{w.r1, w.s1, w.c1, w.c2, w.r2} {
			e.tick()
			tok, err := e.svc.CreateToken(m.ctx, steward.TokenCreate{Name: "cli"})
			must(t, err)
			tokens[m] = tok.Secret
		}
		works := func(t *testing.T, m *member) {
			t.Helper()
			if _, err := e.svc.AuthenticateSession(e.ctx, m.secret, m.ip, "test"); err != nil {
				t.Errorf("%s: session: %v", m.Email, err)
			}
			if _, err := e.svc.AuthenticateToken(e.ctx, tokens[m], m.ip, "test"); err != nil {
				t.Errorf("%s: token: %v", m.Email, err)
			}
		}
		stopped := func(t *testing.T, m *member, why string) {
			t.Helper()
			if _, err := e.svc.AuthenticateSession(e.ctx, m.secret, m.ip, "test"); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
				t.Errorf("%s: session still works (%v)", m.Email, err)
			}
			if _, err := e.svc.AuthenticateToken(e.ctx, tokens[m], m.ip, "test"); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
				t.Errorf("%s: token still works (%v)", m.Email, err)
			}
			denied := len(e.events(t, "login.denied"))
			e.tick()
			_, err := e.svc.Login(e.ctx, steward.LoginRequest{Email: m.Email, Password: m.password, IP: e.nextIP()})
			wantCode(t, err, steward.EFORBIDDEN)
			if !strings.Contains(steward.ErrorMessage(err), why) {
				t.Errorf("%s: sign-in refused with %q, want it to say %q", m.Email, steward.ErrorMessage(err), why)
			}
			if evs := e.events(t, "login.denied"); len(evs) != denied+1 || evs[0].ManagerID != m.ID {
				t.Errorf("%s: no login.denied security event", m.Email)
			}
		}
		setStatus := func(as *member, acc *steward.Account, s steward.AccountStatus) {
			e.tick()
			_, err := e.svc.SetAccountStatus(as.ctx, acc.ID, s, "")
			must(t, err)
		}

		// A suspended sub-reseller: it and its client are out, the rest in.
		setStatus(w.r1, w.S1, steward.StatusSuspended)
		stopped(t, w.s1, "suspended")
		stopped(t, w.c1, "suspended")
		works(t, w.r1)
		works(t, w.c2)
		setStatus(w.r1, w.S1, steward.StatusActive)
		for _, m := range []*member{w.s1, w.c1} {
			works(t, m)
			e.signIn(t, m.Email, m.password)
		}

		// A suspended client.
		setStatus(w.r1, w.C2, steward.StatusSuspended)
		stopped(t, w.c2, "suspended")
		works(t, w.r1)
		setStatus(w.r1, w.C2, steward.StatusActive)
		works(t, w.c2)

		// A blocked reseller: everyone below it is out.
		setStatus(w.admin, w.R1, steward.StatusBlocked)
		for _, m := range []*member{w.r1, w.s1, w.c1, w.c2} {
			stopped(t, m, "blocked")
		}
		works(t, w.r2)
		setStatus(w.admin, w.R1, steward.StatusActive)
		works(t, w.c1)

		// A deleted sub-reseller: for good.
		e.tick()
		_, err := e.svc.DeleteAccount(w.r1.ctx, w.S1.ID)
		must(t, err)
		stopped(t, w.s1, "deleted")
		stopped(t, w.c1, "deleted")
		works(t, w.r1)
		works(t, w.c2)
	})
}

// TestMoveAccount checks that only the platform moves accounts, never
// below themselves, and that a moved subtree changes hands completely.
func TestMoveAccount(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		for _, tc := range []struct {
			name        string
			as          *member
			acc, parent *steward.Account
			code, field string
		}{
			{name: "reseller cannot move within its tree", as: w.r1, acc: w.C2, parent: w.S1, code: steward.EFORBIDDEN},
			{name: "below itself", as: w.admin, acc: w.R1, parent: w.R1, code: steward.EINVALID, field: "parent_id"},
			{name: "below its own child", as: w.admin, acc: w.R1, parent: w.S1, code: steward.EINVALID, field: "parent_id"},
			{name: "below its own grandchild", as: w.admin, acc: w.R1, parent: w.C1, code: steward.EINVALID, field: "parent_id"},
			{name: "below a client", as: w.admin, acc: w.S1, parent: w.C3, code: steward.EINVALID, field: "parent_id"},
			{name: "the platform", as: w.admin, acc: w.P, parent: w.R1, code: steward.EINVALID},
			{name: "to a missing parent", as: w.admin, acc: w.S1, parent: &steward.Account{ID: "01jzzzzzzzzzzzzzzzzzzzzzzz"}, code: steward.ENOTFOUND},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.MoveAccount(tc.as.ctx, tc.acc.ID, tc.parent.ID)
				wantCode(t, err, tc.code, tc.field)
				diff(t, "path after a refusal", e.reload(t, w, tc.acc).Path, tc.acc.Path)
			})
		}

		// Move S1 (with its client C1) from R1 to R2.
		e.tick()
		moved, err := e.svc.MoveAccount(w.admin.ctx, w.S1.ID, w.R2.ID)
		must(t, err)
		s1, c1 := e.reload(t, w, w.S1), e.reload(t, w, w.C1)
		diff(t, "moved account", []string{moved.ParentID, moved.Path, s1.Path},
			[]string{w.R2.ID, w.R2.Path + w.S1.ID + "/", w.R2.Path + w.S1.ID + "/"})
		diff(t, "its child", []string{c1.ParentID, c1.Path}, []string{w.S1.ID, w.R2.Path + w.S1.ID + "/" + w.C1.ID + "/"})
		a := e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.AccountID, a.ActorID, string(a.Summary)},
			[]string{"account.move", w.S1.ID, w.admin.ID, `{"after":{"parent_id":"` + w.R2.ID + `"},"before":{"parent_id":"` + w.R1.ID + `"}}`})

		// The grandchild C1 now belongs to R2's managers, not to R1's.
		if _, err := e.svc.Account(w.r2.ctx, w.C1.ID); err != nil {
			t.Errorf("new parent's manager cannot reach the moved grandchild: %v", err)
		}
		if _, err := e.svc.Managers(w.r2.ctx, w.C1.ID); err != nil {
			t.Errorf("new parent's manager cannot list the moved grandchild's managers: %v", err)
		}
		_, err = e.svc.Account(w.r1.ctx, w.C1.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.Manager(w.r1.ctx, w.c1.ID)
		wantCode(t, err, steward.ENOTFOUND)
		diff(t, "old parent lists", e.listNames(t, w.r1.ctx, steward.AccountFilter{}), []string{"Reseller One", "Client Two"})
		diff(t, "new parent lists", e.listNames(t, w.r2.ctx, steward.AccountFilter{}),
			[]string{"Reseller Two", "Sub-reseller One", "Client One", "Client Three"})

		// The moved managers keep working, at their new place.
		e.refresh(t, w.c1)
		diff(t, "moved client lists", e.listNames(t, w.c1.ctx, steward.AccountFilter{}), []string{"Client One"})
		e.refresh(t, w.s1)
		diff(t, "moved sub-reseller lists", e.listNames(t, w.s1.ctx, steward.AccountFilter{}), []string{"Sub-reseller One", "Client One"})
		_, err = e.svc.Account(w.s1.ctx, w.R1.ID)
		wantCode(t, err, steward.ENOTFOUND)

		// Moving to the same parent again changes nothing.
		before := e.lastAudit(t).ID
		_, err = e.svc.MoveAccount(w.admin.ctx, w.S1.ID, w.R2.ID)
		must(t, err)
		diff(t, "audit after a no-op move", e.lastAudit(t).ID, before)
	})
}

// TestDeleteAccount checks soft deletion of a subtree: deletion times,
// default listings, writes refused, and that only an ancestor deletes.
func TestDeleteAccount(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		viewer := e.manager(t, w.r1, w.R1, "viewer@r-one.test", steward.RoleReadOnly)
		_, err := e.svc.DeleteAccount(w.r1.ctx, w.R1.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.DeleteAccount(w.c1.ctx, w.C1.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.DeleteAccount(viewer.ctx, w.S1.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.DeleteAccount(w.r2.ctx, w.S1.ID)
		wantCode(t, err, steward.ENOTFOUND)

		// C1 first, then its parent S1: C1 keeps its own deletion time.
		t1 := e.clock.Advance(time.Hour)
		_, err = e.svc.DeleteAccount(w.s1.ctx, w.C1.ID)
		must(t, err)
		t2 := e.clock.Advance(time.Hour)
		del, err := e.svc.DeleteAccount(w.r1.ctx, w.S1.ID)
		must(t, err)
		if del.DeletedAt == nil || !del.DeletedAt.Equal(t2) {
			t.Errorf("returned deleted_at %v, want %v", del.DeletedAt, t2)
		}
		a := e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.AccountID, a.ActorID, string(a.Summary)},
			[]string{"account.delete", w.S1.ID, w.r1.ID, `{"accounts_deleted":1}`})

		deletedAt := func(acc *steward.Account) *time.Time { return e.reload(t, w, acc).DeletedAt }
		diff(t, "deletion times", []*time.Time{deletedAt(w.R1), deletedAt(w.S1), deletedAt(w.C1), deletedAt(w.C2)},
			[]*time.Time{nil, &t2, &t1, nil})

		diff(t, "default listing", e.listNames(t, w.r1.ctx, steward.AccountFilter{}), []string{"Reseller One", "Client Two"})
		diff(t, "listing with deleted", e.listNames(t, w.r1.ctx, steward.AccountFilter{IncludeDeleted: true}),
			[]string{"Reseller One", "Sub-reseller One", "Client One", "Client Two"})
		diff(t, "platform's default listing", e.listNames(t, w.admin.ctx, steward.AccountFilter{}),
			[]string{"Platform", "Reseller One", "Client Two", "Reseller Two", "Client Three"})
		d, err := e.svc.Dashboard(w.r1.ctx)
		must(t, err)
		diff(t, "dashboard counts", d.Accounts, map[steward.AccountKind]int{steward.AccountReseller: 1, steward.AccountClient: 1})

		// A deleted account takes no more changes.
		for name, fn := range map[string]func() error{
			"update": func() error {
				_, err := e.svc.UpdateAccount(w.r1.ctx, w.S1.ID, steward.AccountUpdate{Name: ptr("x")})
				return err
			},
			"create below": func() error {
				_, err := e.svc.CreateAccount(w.r1.ctx, steward.AccountCreate{ParentID: w.S1.ID, Name: "x", Kind: steward.AccountClient})
				return err
			},
			"suspend": func() error {
				_, err := e.svc.SetAccountStatus(w.r1.ctx, w.S1.ID, steward.StatusSuspended, "")
				return err
			},
			"delete again": func() error { _, err := e.svc.DeleteAccount(w.r1.ctx, w.S1.ID); return err },
			"move":         func() error { _, err := e.svc.MoveAccount(w.admin.ctx, w.S1.ID, w.R2.ID); return err },
			"move below":   func() error { _, err := e.svc.MoveAccount(w.admin.ctx, w.C2.ID, w.S1.ID); return err },
			"add a manager": func() error {
				_, err := e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.S1.ID, Email: "late@s-one.test", Name: "Late", Invite: true})
				return err
			},
		} {
			if err := fn(); steward.ErrorCode(err) != steward.ECONFLICT {
				t.Errorf("%s on a deleted account: %v, want conflict", name, err)
			}
		}
	})
}
