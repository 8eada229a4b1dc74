package service_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// attempt signs in at the clock's time and returns the error; then it
// moves the clock a millisecond, so that the next events sort after.
func (e *env) attempt(email, pw, ip string) error {
	_, err := e.svc.Login(e.ctx, steward.LoginRequest{Email: email, Password: pw, IP: ip, UserAgent: "test"})
	e.tick()
	return err
}

// eventDetail decodes a security event's detail.
func eventDetail(t *testing.T, ev *steward.SecurityEvent) map[string]any {
	t.Helper()
	var d map[string]any
	if len(ev.Detail) > 0 {
		if err := json.Unmarshal(ev.Detail, &d); err != nil {
			t.Fatalf("detail of %s: %v", ev.Kind, err)
		}
	}
	return d
}

// TestLoginFailures checks that a failed sign-in says nothing about which
// part was wrong and is recorded as a security event.
func TestLoginFailures(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		wrong := e.attempt(w.r1.Email, "not-the-password-123", "203.0.113.1")
		wantCode(t, wrong, steward.EUNAUTHENTICATED)
		unknown := e.attempt("nobody@r-one.test", "not-the-password-123", "203.0.113.2")
		wantCode(t, unknown, steward.EUNAUTHENTICATED)
		diff(t, "message for an unknown email", steward.ErrorMessage(unknown), steward.ErrorMessage(wrong))

		evs := e.events(t, "login.failed")
		if len(evs) != 2 {
			t.Fatalf("%d login.failed events, want 2", len(evs))
		}
		got := []string{evs[1].Email, evs[1].IP, evs[1].ManagerID, evs[1].AccountID, fmt.Sprint(eventDetail(t, evs[1])["reason"]),
			evs[0].Email, evs[0].IP, evs[0].ManagerID, fmt.Sprint(eventDetail(t, evs[0])["reason"])}
		diff(t, "events", got, []string{w.r1.Email, "203.0.113.1", w.r1.ID, w.R1.ID, "wrong_password",
			"nobody@r-one.test", "203.0.113.2", "", "unknown_email"})
		e.noSecretStored(t, []string{"not-the-password-123"})

		// Emails are matched whatever their case and spacing.
		if err := e.attempt("  OWNER@R-One.Test ", w.r1.password, "203.0.113.3"); err != nil {
			t.Errorf("sign-in with a differently written email: %v", err)
		}
		if evs := e.events(t, "login.succeeded"); evs[0].ManagerID != w.r1.ID || evs[0].IP != "203.0.113.3" {
			t.Errorf("last login.succeeded event: %+v", evs[0])
		}
	})
}

// TestLockout checks that MaxFailures wrong passwords in a row lock the
// login until LockFor has passed, whatever address they come from.
func TestLockout(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		m := w.c1
		fail := func(n int) {
			t.Helper()
			for i := range n {
				wantCode(t, e.attempt(m.Email, fmt.Sprintf("wrong-password-%03d", i), e.nextIP()), steward.EUNAUTHENTICATED)
			}
		}

		// Failures below the limit are forgotten at the next success.
		fail(4)
		must(t, e.attempt(m.Email, m.password, e.nextIP()))
		fail(4)
		must(t, e.attempt(m.Email, m.password, e.nextIP()))

		fail(4)
		lockedAt := e.clock.Now() // the fifth failure locks
		fail(1)
		if evs := e.events(t, "login.lockout"); len(evs) != 1 || evs[0].ManagerID != m.ID {
			t.Fatalf("login.lockout events: %+v", evs)
		}
		err := e.attempt(m.Email, m.password, e.nextIP())
		wantCode(t, err, steward.ERATELIMITED)
		if evs := e.events(t, "login.locked"); len(evs) != 1 || evs[0].ManagerID != m.ID {
			t.Errorf("login.locked events: %+v", evs)
		}
		e.clock.Set(lockedAt.Add(15*time.Minute - time.Millisecond))
		wantCode(t, e.attempt(m.Email, m.password, e.nextIP()), steward.ERATELIMITED)
		e.clock.Set(lockedAt.Add(15 * time.Minute))
		must(t, e.attempt(m.Email, m.password, e.nextIP()))

		// The lock was one login's: the others were never affected.
		must(t, e.attempt(w.c2.Email, w.c2.password, e.nextIP()))
	})
}

// TestLockoutUnderConcurrentAttempts checks that failures made at the same
// time all count: a burst of parallel guesses must not slip past the
// lockout by overwriting each other's failure count.
func TestLockoutUnderConcurrentAttempts(t *testing.T) {
	// Costlier hashing widens the window between reading the count and
	// writing it, where concurrent attempts used to overwrite each other.
	o := service.Options{Passwords: service.NewPasswordHasher(service.Argon2Params{Memory: 8192, Time: 1, Threads: 1})}
	runWith(t, o, func(t *testing.T, e *env) {
		w := e.world(t)
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Go(func() {
				_, err := e.svc.Login(e.ctx, steward.LoginRequest{Email: w.c1.Email, Password: fmt.Sprintf("guess-number-%02d", i),
					IP: fmt.Sprintf("203.0.113.%d", 100+i)})
				if c := steward.ErrorCode(err); c != steward.EUNAUTHENTICATED && c != steward.ERATELIMITED {
					t.Errorf("guess %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		_, err := e.svc.Login(e.ctx, steward.LoginRequest{Email: w.c1.Email, Password: w.c1.password, IP: e.nextIP()})
		wantCode(t, err, steward.ERATELIMITED)
	})
}

// TestLockoutOptions checks that MaxFailures and LockFor are honoured.
func TestLockoutOptions(t *testing.T) {
	runWith(t, service.Options{MaxFailures: 2, LockFor: time.Hour}, func(t *testing.T, e *env) {
		admin := e.bootstrap(t)
		wantCode(t, e.attempt(admin.Email, "wrong-password-1", e.nextIP()), steward.EUNAUTHENTICATED)
		at := e.clock.Now()
		wantCode(t, e.attempt(admin.Email, "wrong-password-2", e.nextIP()), steward.EUNAUTHENTICATED)
		wantCode(t, e.attempt(admin.Email, adminPassword, e.nextIP()), steward.ERATELIMITED)
		e.clock.Set(at.Add(time.Hour - time.Millisecond))
		wantCode(t, e.attempt(admin.Email, adminPassword, e.nextIP()), steward.ERATELIMITED)
		e.clock.Set(at.Add(time.Hour))
		must(t, e.attempt(admin.Email, adminPassword, e.nextIP()))
	})
}

// TestLoginRateLimitPerIP checks that one address gets a limited number of
// attempts a minute, refused before any password is checked.
func TestLoginRateLimitPerIP(t *testing.T) {
	runWith(t, service.Options{LoginsPerIPPerMinute: 5}, func(t *testing.T, e *env) {
		w := e.world(t)
		const ip = "203.0.113.77"
		start := e.clock.Now()
		for i := range 5 {
			wantCode(t, e.attempt(fmt.Sprintf("guess%d@r-one.test", i), "wrong-password-1", ip), steward.EUNAUTHENTICATED)
		}
		err := e.attempt(w.r1.Email, w.r1.password, ip)
		wantCode(t, err, steward.ERATELIMITED)
		evs := e.events(t, "login.rate_limited")
		if len(evs) != 1 || evs[0].IP != ip || evs[0].Email != w.r1.Email {
			t.Errorf("login.rate_limited events: %+v", evs)
		}
		// The login itself is not locked, and other addresses go on.
		must(t, e.attempt(w.r1.Email, w.r1.password, "203.0.113.78"))
		// A minute after the first attempt the address may try again.
		e.clock.Set(start.Add(time.Minute - time.Millisecond))
		wantCode(t, e.attempt(w.r1.Email, w.r1.password, ip), steward.ERATELIMITED)
		e.clock.Set(start.Add(time.Minute))
		must(t, e.attempt(w.r1.Email, w.r1.password, ip))
	})
}

// TestForcedPasswordChange checks that a password set by someone else must
// be changed before tokens work, and that the flag clears.
func TestForcedPasswordChange(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		const email = "newcomer@r-one.test"
		e.tick()
		_, err := e.svc.CreateManager(w.r1.ctx, steward.ManagerCreate{AccountID: w.R1.ID, Email: email, Name: "Newcomer",
			Role: steward.RoleAdmin, Password: "Given-by-the-owner-12"})
		must(t, err)
		ip := e.nextIP()
		res := e.login(t, email, "Given-by-the-owner-12", ip)
		if !res.MustChangePassword {
			t.Error("sign-in with a given password does not ask for a change")
		}
		auth, err := e.svc.AuthenticateSession(e.ctx, res.Secret, ip, "test")
		must(t, err)
		if !auth.MustChangePassword {
			t.Error("the session does not carry the forced change")
		}
		ctx := steward.NewContextWithActor(e.ctx, auth.Actor)
		tok, err := e.svc.CreateToken(ctx, steward.TokenCreate{Name: "early"})
		must(t, err)
		_, err = e.svc.AuthenticateToken(e.ctx, tok.Secret, ip, "cli")
		wantCode(t, err, steward.EFORBIDDEN)

		must(t, e.svc.ChangePassword(ctx, "Given-by-the-owner-12", "Chosen-by-myself-34"))
		auth, err = e.svc.AuthenticateSession(e.ctx, res.Secret, ip, "test")
		must(t, err)
		if auth.MustChangePassword {
			t.Error("the session still carries the forced change")
		}
		if res := e.login(t, email, "Chosen-by-myself-34", e.nextIP()); res.MustChangePassword {
			t.Error("sign-in still asks for a change")
		}
		if _, err := e.svc.AuthenticateToken(e.ctx, tok.Secret, ip, "cli"); err != nil {
			t.Errorf("token after the change: %v", err)
		}
	})
}

// TestBootstrap checks the first start: a generated one-time password that
// must be changed, and nothing done on a second start.
func TestBootstrap(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		res, err := e.svc.Bootstrap(e.ctx, "", "")
		must(t, err)
		if !res.Created || res.Email != "admin@localhost" || len(res.Password) < 12 {
			t.Fatalf("bootstrap: %+v", res)
		}
		if lr := e.login(t, res.Email, res.Password, e.nextIP()); !lr.MustChangePassword {
			t.Error("the generated password need not be changed")
		}
		again, err := e.svc.Bootstrap(e.ctx, "other@platform.test", adminPassword)
		must(t, err)
		diff(t, "second bootstrap", again, &service.BootstrapResult{})
		e.noSecretStored(t, []string{res.Password})
	})
}

// TestChangePassword checks a password change: the current password is
// required, the rules apply, and every other session ends.
func TestChangePassword(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		m := w.c1
		other := e.signIn(t, m.Email, m.password)

		for _, tc := range []struct {
			name, current, next, field string
		}{
			{"wrong current password", "not-my-password-1", "Brand-new-passphrase-56", "current_password"},
			{"same password", m.password, m.password, "new_password"},
			{"too short", m.password, "short-1", "new_password"},
			{"contains the email name", m.password, "my-name-is-owner-and-so", "new_password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				wantCode(t, e.svc.ChangePassword(m.ctx, tc.current, tc.next), steward.EINVALID, tc.field)
			})
		}
		if evs := e.events(t, "password.change_failed"); len(evs) != 1 || evs[0].ManagerID != m.ID || evs[0].IP != m.ip {
			t.Errorf("password.change_failed events: %+v", evs)
		}
		if _, err := e.svc.AuthenticateSession(e.ctx, other.secret, other.ip, "test"); err != nil {
			t.Fatalf("refused changes ended a session: %v", err)
		}

		e.tick()
		must(t, e.svc.ChangePassword(m.ctx, m.password, "Brand-new-passphrase-56"))
		a := e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.AccountID, a.TargetID, a.ActorID, a.IP, string(a.Summary)},
			[]string{"manager.password_change", w.C1.ID, m.ID, m.ID, m.ip, ""})
		if _, err := e.svc.AuthenticateSession(e.ctx, m.secret, m.ip, "test"); err != nil {
			t.Errorf("the session that changed the password ended: %v", err)
		}
		if _, err := e.svc.AuthenticateSession(e.ctx, other.secret, other.ip, "test"); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
			t.Errorf("another session survived the change: %v", err)
		}
		wantCode(t, e.attempt(m.Email, m.password, e.nextIP()), steward.EUNAUTHENTICATED)
		must(t, e.attempt(m.Email, "Brand-new-passphrase-56", e.nextIP()))
		e.noSecretStored(t, []string{m.password, "Brand-new-passphrase-56"})
	})
}

// TestPasswordReset checks the reset flow through the mailed link: one
// use, one hour, every session ended, a lock lifted, and the same answer
// for an unknown address.
func TestPasswordReset(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		m := w.c1
		// Lock the login first: a reset is the way out.
		for i := range 5 {
			wantCode(t, e.attempt(m.Email, fmt.Sprintf("wrong-password-%d", i), e.nextIP()), steward.EUNAUTHENTICATED)
		}
		wantCode(t, e.attempt(m.Email, m.password, e.nextIP()), steward.ERATELIMITED)

		e.tick()
		must(t, e.svc.RequestPasswordReset(e.ctx, "  Owner@C-One.test", "203.0.113.5"))
		ms := e.mails(t, m.Email)
		if len(ms) != 1 || ms[0].Subject != "Reset your Steward password" {
			t.Fatalf("mails to %s: %+v", m.Email, ms)
		}
		token := e.linkToken(t, m.Email, "reset")
		e.noSecretStored(t, []string{token}, "outbox.body")
		if evs := e.events(t, "password.reset_requested"); len(evs) != 1 || evs[0].Email != m.Email || evs[0].IP != "203.0.113.5" {
			t.Errorf("password.reset_requested events: %+v", evs)
		}

		wantCode(t, e.svc.ResetPassword(e.ctx, token, "short", false), steward.EINVALID, "new_password")
		wantCode(t, e.svc.ResetPassword(e.ctx, token, "Reset-passphrase-789", true), steward.ENOTFOUND) // no invitation
		wantCode(t, e.svc.ResetPassword(e.ctx, token+"x", "Reset-passphrase-789", false), steward.ENOTFOUND)
		e.tick()
		must(t, e.svc.ResetPassword(e.ctx, token, "Reset-passphrase-789", false))
		a := e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.AccountID, a.TargetID, string(a.Summary)},
			[]string{"manager.password_reset", w.C1.ID, m.ID, ""})
		wantCode(t, e.svc.ResetPassword(e.ctx, token, "Another-passphrase-012", false), steward.ENOTFOUND)

		if _, err := e.svc.AuthenticateSession(e.ctx, m.secret, m.ip, "test"); steward.ErrorCode(err) != steward.EUNAUTHENTICATED {
			t.Errorf("a session survived the reset: %v", err)
		}
		wantCode(t, e.attempt(m.Email, m.password, e.nextIP()), steward.EUNAUTHENTICATED)
		must(t, e.attempt(m.Email, "Reset-passphrase-789", e.nextIP())) // and the lock is lifted

		// A link lasts one hour.
		for _, tc := range []struct {
			after time.Duration
			code  string
		}{
			{time.Hour - time.Millisecond, ""},
			{time.Hour, steward.ENOTFOUND},
			{2 * time.Hour, steward.ENOTFOUND},
		} {
			t.Run(fmt.Sprint("after ", tc.after), func(t *testing.T) {
				e.tick()
				must(t, e.svc.RequestPasswordReset(e.ctx, m.Email, e.nextIP()))
				token := e.linkToken(t, m.Email, "reset")
				e.clock.Advance(tc.after)
				err := e.svc.ResetPassword(e.ctx, token, fmt.Sprintf("Passphrase-after-%d", tc.after.Milliseconds()), false)
				wantCode(t, err, tc.code)
			})
		}

		// An unknown address gets the same answer and no mail.
		e.tick()
		before, err := e.db.DueMail(e.ctx, e.clock.Now().Add(time.Hour), 500)
		must(t, err)
		must(t, e.svc.RequestPasswordReset(e.ctx, "nobody@c-one.test", "203.0.113.6"))
		after, err := e.db.DueMail(e.ctx, e.clock.Now().Add(time.Hour), 500)
		must(t, err)
		diff(t, "mails after a reset for an unknown address", len(after), len(before))
		if evs := e.events(t, "password.reset_requested"); evs[0].Email != "nobody@c-one.test" {
			t.Errorf("no security event for the unknown address: %+v", evs[0])
		}
	})
}

// TestAPITokens checks tokens: hashed at rest, shown once, capped at the
// creator's role, revocable, expiring, and their use recorded.
func TestAPITokens(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		e.tick()
		created := e.clock.Now()
		tok, err := e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "automation"})
		must(t, err)
		if !strings.HasPrefix(tok.Secret, "stw_") || tok.Prefix != tok.Secret[:10] || tok.Role != steward.RoleOwner {
			t.Fatalf("token: %+v", tok)
		}
		a := e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.AccountID, a.TargetID, a.ActorID},
			[]string{"token.create", w.R1.ID, tok.ID, w.r1.ID})

		// At rest: the hash of the secret, never the secret.
		e.noSecretStored(t, []string{tok.Secret, tok.Secret[10:]})
		sum := sha256.Sum256([]byte(tok.Secret))
		diff(t, "where the secret's hash is", e.raw.Find(t, hex.EncodeToString(sum[:])), []string{"api_tokens.secret_hash"})
		listed, err := e.svc.Tokens(w.r1.ctx, "")
		must(t, err)
		if len(listed) != 1 || listed[0].Secret != "" || listed[0].LastUsedAt != nil {
			t.Fatalf("listed tokens: %+v", listed)
		}

		// Use: the actor is the manager through the token, and the last
		// use is recorded (at most once a minute).
		lastUsed := func() *time.Time {
			ts, err := e.svc.Tokens(w.r1.ctx, "")
			must(t, err)
			return ts[0].LastUsedAt
		}
		e.clock.Set(created.Add(time.Hour))
		auth, err := e.svc.AuthenticateToken(e.ctx, tok.Secret, "203.0.113.20", "stewardctl")
		must(t, err)
		diff(t, "actor", auth.Actor, &steward.Actor{ManagerID: w.r1.ID, Email: w.r1.Email, AccountID: w.R1.ID, AccountPath: w.R1.Path,
			AccountKind: steward.AccountReseller, Role: steward.RoleOwner, TokenID: tok.ID, IP: "203.0.113.20", UserAgent: "stewardctl"})
		diff(t, "last use", lastUsed(), ptr(created.Add(time.Hour)))
		e.clock.Set(created.Add(time.Hour + 30*time.Second))
		_, err = e.svc.AuthenticateToken(e.ctx, tok.Secret, "203.0.113.20", "stewardctl")
		must(t, err)
		diff(t, "last use 30 s later", lastUsed(), ptr(created.Add(time.Hour)))
		e.clock.Set(created.Add(time.Hour + 61*time.Second))
		auth, err = e.svc.AuthenticateToken(e.ctx, tok.Secret, "203.0.113.20", "stewardctl")
		must(t, err)
		diff(t, "last use 61 s later", lastUsed(), ptr(created.Add(time.Hour+61*time.Second)))

		// Changes made through a token say so in the audit log.
		ctx := steward.NewContextWithActor(e.ctx, auth.Actor)
		e.tick()
		_, err = e.svc.UpdateAccount(ctx, w.C2.ID, steward.AccountUpdate{Name: ptr("Client Two, renamed")})
		must(t, err)
		a = e.lastAudit(t)
		diff(t, "audit through a token", []string{a.Action, a.ActorID, a.TokenID, a.IP},
			[]string{"account.update", w.r1.ID, tok.ID, "203.0.113.20"})

		// Roles: at most the creator's; a capped token acts with its role.
		viewer := e.manager(t, w.r1, w.R1, "viewer@r-one.test", steward.RoleReadOnly)
		for _, tc := range []struct {
			as   *member
			role steward.ManagerRole
			code string
		}{
			{viewer, steward.RoleAdmin, steward.EINVALID},
			{viewer, steward.RoleOwner, steward.EINVALID},
			{viewer, "root", steward.EINVALID},
			{viewer, steward.RoleReadOnly, ""},
			{viewer, "", ""},
			{w.r1, steward.RoleAdmin, ""},
		} {
			e.tick()
			got, err := e.svc.CreateToken(tc.as.ctx, steward.TokenCreate{Name: "role " + string(tc.role), Role: tc.role})
			if tc.code != "" {
				wantCode(t, err, tc.code, "role")
				continue
			}
			must(t, err)
			auth, err := e.svc.AuthenticateToken(e.ctx, got.Secret, "203.0.113.21", "cli")
			must(t, err)
			want := tc.role
			if want == "" {
				want = tc.as.Role
			}
			diff(t, "token actor's role", auth.Actor.Role, want)
		}
		adminTok, err := e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "admin", Role: steward.RoleAdmin})
		must(t, err)
		auth, err = e.svc.AuthenticateToken(e.ctx, adminTok.Secret, "203.0.113.22", "cli")
		must(t, err)
		_, err = e.svc.CreateManager(steward.NewContextWithActor(e.ctx, auth.Actor), steward.ManagerCreate{AccountID: w.R1.ID,
			Email: "owner2@r-one.test", Name: "Second owner", Role: steward.RoleOwner, Invite: true})
		wantCode(t, err, steward.EFORBIDDEN) // an owner's admin token is an admin
		_, err = e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "past", ExpiresAt: ptr(e.clock.Now())})
		wantCode(t, err, steward.EINVALID, "expires_at")

		// Rejections: unknown, revoked, expired; each a security event.
		rejected := func(t *testing.T, secret, tokenID string) {
			t.Helper()
			n := len(e.events(t, "token.rejected"))
			e.tick()
			_, err := e.svc.AuthenticateToken(e.ctx, secret, "203.0.113.23", "cli")
			wantCode(t, err, steward.EUNAUTHENTICATED)
			evs := e.events(t, "token.rejected")
			if len(evs) != n+1 || evs[0].IP != "203.0.113.23" {
				t.Fatalf("token.rejected events: %+v", evs)
			}
			if tokenID != "" && (evs[0].ManagerID != w.r1.ID || eventDetail(t, evs[0])["token_id"] != tokenID) {
				t.Errorf("token.rejected event %+v (detail %s): want the manager and token", evs[0], evs[0].Detail)
			}
		}
		rejected(t, "stw_notatokenatall", "")

		wantCode(t, e.svc.RevokeToken(w.r2.ctx, tok.ID), steward.ENOTFOUND)
		e.tick()
		must(t, e.svc.RevokeToken(w.r1.ctx, tok.ID))
		a = e.lastAudit(t)
		diff(t, "audit", []string{a.Action, a.TargetID, a.ActorID}, []string{"token.revoke", tok.ID, w.r1.ID})
		rejected(t, tok.Secret, tok.ID)

		e.tick()
		expiring, err := e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "short-lived", ExpiresAt: ptr(e.clock.Now().Add(time.Hour))})
		must(t, err)
		e.clock.Advance(time.Hour - time.Millisecond)
		_, err = e.svc.AuthenticateToken(e.ctx, expiring.Secret, "203.0.113.24", "cli")
		must(t, err)
		rejected(t, expiring.Secret, expiring.ID) // a millisecond later: expired

		// A deleted manager's tokens die with it.
		e.tick()
		vt, err := e.svc.CreateToken(viewer.ctx, steward.TokenCreate{Name: "viewer's"})
		must(t, err)
		must(t, e.svc.DeleteManager(w.r1.ctx, viewer.ID))
		_, err = e.svc.AuthenticateToken(e.ctx, vt.Secret, "203.0.113.25", "cli")
		wantCode(t, err, steward.EUNAUTHENTICATED)
	})
}

// TestSessionEnds checks that a session lasts SessionTTL and ends at
// sign-out.
func TestSessionEnds(t *testing.T) {
	runWith(t, service.Options{SessionTTL: 8 * time.Hour}, func(t *testing.T, e *env) {
		admin := e.bootstrap(t)
		start := e.clock.Now()
		other := e.signIn(t, admin.Email, adminPassword)
		e.clock.Set(start.Add(8*time.Hour - time.Millisecond))
		if _, err := e.svc.AuthenticateSession(e.ctx, admin.secret, admin.ip, "test"); err != nil {
			t.Fatalf("session before its end: %v", err)
		}
		e.clock.Set(start.Add(8 * time.Hour))
		_, err := e.svc.AuthenticateSession(e.ctx, admin.secret, admin.ip, "test")
		wantCode(t, err, steward.EUNAUTHENTICATED)

		e.clock.Set(start)
		auth, err := e.svc.AuthenticateSession(e.ctx, other.secret, other.ip, "test")
		must(t, err)
		must(t, e.svc.Logout(e.ctx, auth.Session.ID))
		_, err = e.svc.AuthenticateSession(e.ctx, other.secret, other.ip, "test")
		wantCode(t, err, steward.EUNAUTHENTICATED)
		_, err = e.svc.AuthenticateSession(e.ctx, "not-a-session-secret", "", "")
		wantCode(t, err, steward.EUNAUTHENTICATED)
	})
}
