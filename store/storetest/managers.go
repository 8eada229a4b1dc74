package storetest

import (
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

func testManagers(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "Platform")
	r := f.account(t, p, steward.AccountReseller, "Reseller")
	now := f.now()
	m := &steward.Manager{
		ID: steward.NewID(now), AccountID: r.ID, Email: "zoe@example.com", Name: "Zoë", Role: steward.RoleOwner,
		PasswordHash: "$argon2id$x", MustChangePassword: true, TOTPEnabled: true, Invited: true, FailedLogins: 2,
		LockedUntil: ptr(now.Add(time.Minute)), LastLoginAt: ptr(now.Add(-time.Hour)),
		PasswordChangedAt: ptr(now.Add(-48 * time.Hour)), CreatedAt: now, UpdatedAt: now,
	}
	ok(t, f.db.InsertManager(f.ctx, m))
	other := f.manager(t, r, "adam@example.com")
	f.manager(t, p, "root@example.com")

	got, err := f.db.ManagerByID(f.ctx, m.ID)
	ok(t, err)
	diff(t, "manager by id", got, m)
	got, err = f.db.ManagerByEmail(f.ctx, m.Email)
	ok(t, err)
	diff(t, "manager by email", got, m)
	list, err := f.db.ListManagers(f.ctx, r.ID)
	ok(t, err)
	diff(t, "managers of reseller (by email)", list, []*steward.Manager{other, m})

	_, err = f.db.ManagerByID(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.ManagerByEmail(f.ctx, "nobody@example.com")
	wantCode(t, err, steward.ENOTFOUND)

	// A taken email is a conflict on the email field.
	dup := *other
	dup.ID = f.id()
	err = f.db.InsertManager(f.ctx, &dup)
	wantCode(t, err, steward.ECONFLICT)
	if field := steward.ErrorField(err); field != "email" {
		t.Errorf("conflict field = %q, want email", field)
	}

	// Every mutable field is written; account and email stay.
	now = f.now()
	m.Name, m.Role, m.PasswordHash = "Zoe", steward.RoleReadOnly, "$argon2id$y"
	m.MustChangePassword, m.TOTPEnabled, m.Invited, m.FailedLogins = false, false, false, 0
	m.LockedUntil, m.LastLoginAt, m.PasswordChangedAt, m.UpdatedAt = nil, ptr(now), ptr(now), now
	ok(t, f.db.UpdateManager(f.ctx, m))
	got, err = f.db.ManagerByID(f.ctx, m.ID)
	ok(t, err)
	diff(t, "updated manager", got, m)

	missing := *m
	missing.ID = "missing"
	wantCode(t, f.db.UpdateManager(f.ctx, &missing), steward.ENOTFOUND)
}

func testManagerDeleteCascades(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "Platform")
	m := f.manager(t, a, "gone@example.com")
	keep := f.manager(t, a, "kept@example.com")
	s := f.session(t, m, time.Hour)
	ks := f.session(t, keep, time.Hour)
	tok := &steward.APIToken{ID: f.id(), ManagerID: m.ID, AccountID: a.ID, Name: "ci", Role: steward.RoleAdmin, Prefix: "stw_ab", CreatedAt: f.now()}
	ok(t, f.db.InsertToken(f.ctx, tok, "hash-gone"))
	ok(t, f.db.InsertManagerToken(f.ctx, "reset-gone", m.ID, "reset", f.now(), f.now().Add(time.Hour)))

	ok(t, f.db.DeleteManager(f.ctx, m.ID))
	_, err := f.db.ManagerByID(f.ctx, m.ID)
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.SessionByID(f.ctx, s.ID)
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.TokenByID(f.ctx, tok.ID)
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.TokenByHash(f.ctx, "hash-gone")
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.ConsumeManagerToken(f.ctx, "reset-gone", "reset", f.now())
	wantCode(t, err, steward.ENOTFOUND)

	// The other manager and its session stay.
	_, err = f.db.ManagerByID(f.ctx, keep.ID)
	ok(t, err)
	_, err = f.db.SessionByID(f.ctx, ks.ID)
	ok(t, err)

	wantCode(t, f.db.DeleteManager(f.ctx, m.ID), steward.ENOTFOUND)
}

func testManagerCount(t *testing.T, f *fixture) {
	tr := f.tree(t)
	f.manager(t, tr.p, "p@example.com")
	f.manager(t, tr.r1, "r1a@example.com")
	f.manager(t, tr.r1, "r1b@example.com")
	f.manager(t, tr.c2, "c2@example.com")
	f.manager(t, tr.c3, "c3@example.com")
	f.manager(t, tr.c4, "c4@example.com") // of a deleted account

	for _, tc := range []struct {
		prefix string
		want   int
	}{
		{tr.p.Path, 5},
		{tr.r1.Path, 3},
		{tr.s.Path, 1},
		{tr.r2.Path, 1},
		{"/nothing/", 0},
	} {
		n, err := f.db.CountManagers(f.ctx, tc.prefix)
		ok(t, err)
		if n != tc.want {
			t.Errorf("CountManagers(%s) = %d, want %d", tc.prefix, n, tc.want)
		}
	}
}

func testManagerTokens(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "Platform")
	m := f.manager(t, a, "m@example.com")
	now := f.now()
	expires := now.Add(time.Hour)
	ok(t, f.db.InsertManagerToken(f.ctx, "reset-1", m.ID, "reset", now, expires))
	ok(t, f.db.InsertManagerToken(f.ctx, "invite-1", m.ID, "invite", now, expires))
	ok(t, f.db.InsertManagerToken(f.ctx, "reset-2", m.ID, "reset", now, expires))

	// The wrong purpose does not consume a token.
	_, err := f.db.ConsumeManagerToken(f.ctx, "reset-1", "invite", now)
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.ConsumeManagerToken(f.ctx, "missing", "reset", now)
	wantCode(t, err, steward.ENOTFOUND)

	// A token is consumed once.
	id, err := f.db.ConsumeManagerToken(f.ctx, "reset-1", "reset", now)
	ok(t, err)
	if id != m.ID {
		t.Errorf("consumed token of %q, want %q", id, m.ID)
	}
	_, err = f.db.ConsumeManagerToken(f.ctx, "reset-1", "reset", now)
	wantCode(t, err, steward.ENOTFOUND)

	// A token is live until just before it expires.
	id, err = f.db.ConsumeManagerToken(f.ctx, "invite-1", "invite", expires.Add(-time.Millisecond))
	ok(t, err)
	if id != m.ID {
		t.Errorf("consumed token of %q, want %q", id, m.ID)
	}
	_, err = f.db.ConsumeManagerToken(f.ctx, "reset-2", "reset", expires)
	wantCode(t, err, steward.ENOTFOUND)
}

func testSessions(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "Platform")
	m := f.manager(t, a, "m@example.com")
	other := f.manager(t, a, "other@example.com")
	s1 := f.session(t, m, time.Hour)
	s2 := f.session(t, m, 2*time.Hour)
	s3 := f.session(t, m, 3*time.Hour)
	o1 := f.session(t, other, time.Hour)

	got, err := f.db.SessionByID(f.ctx, s1.ID)
	ok(t, err)
	diff(t, "session", got, s1)
	_, err = f.db.SessionByID(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)

	ok(t, f.db.DeleteSession(f.ctx, s1.ID))
	_, err = f.db.SessionByID(f.ctx, s1.ID)
	wantCode(t, err, steward.ENOTFOUND)
	ok(t, f.db.DeleteSession(f.ctx, s1.ID)) // signing out twice is fine

	// Deleting a manager's other sessions keeps the current one and other
	// managers' sessions.
	ok(t, f.db.DeleteManagerSessions(f.ctx, m.ID, s3.ID))
	_, err = f.db.SessionByID(f.ctx, s2.ID)
	wantCode(t, err, steward.ENOTFOUND)
	for _, s := range []*steward.Session{s3, o1} {
		got, err := f.db.SessionByID(f.ctx, s.ID)
		ok(t, err)
		diff(t, "kept session", got, s)
	}

	// Expired sessions go; the one expiring exactly then stays.
	n, err := f.db.DeleteExpiredSessions(f.ctx, o1.ExpiresAt.Add(time.Millisecond))
	ok(t, err)
	if n != 1 {
		t.Errorf("deleted %d expired sessions, want 1", n)
	}
	_, err = f.db.SessionByID(f.ctx, o1.ID)
	wantCode(t, err, steward.ENOTFOUND)
	n, err = f.db.DeleteExpiredSessions(f.ctx, s3.ExpiresAt)
	ok(t, err)
	if n != 0 {
		t.Errorf("deleted %d sessions expiring at the cut-off, want 0", n)
	}
	_, err = f.db.SessionByID(f.ctx, s3.ID)
	ok(t, err)
}

func testAPITokens(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "Platform")
	m := f.manager(t, a, "m@example.com")
	other := f.manager(t, a, "other@example.com")
	t1 := &steward.APIToken{ID: f.id(), ManagerID: m.ID, AccountID: a.ID, Name: "ci", Role: steward.RoleReadOnly,
		Prefix: "stw_aaaa", CreatedAt: f.now(), ExpiresAt: ptr(f.now().Add(24 * time.Hour))}
	t2 := &steward.APIToken{ID: f.id(), ManagerID: m.ID, AccountID: a.ID, Name: "backup", Role: steward.RoleAdmin,
		Prefix: "stw_bbbb", CreatedAt: f.now()}
	t3 := &steward.APIToken{ID: f.id(), ManagerID: other.ID, AccountID: a.ID, Name: "x", Role: steward.RoleAdmin,
		Prefix: "stw_cccc", CreatedAt: f.now()}
	ok(t, f.db.InsertToken(f.ctx, t1, "hash-1"))
	ok(t, f.db.InsertToken(f.ctx, t2, "hash-2"))
	ok(t, f.db.InsertToken(f.ctx, t3, "hash-3"))

	got, err := f.db.TokenByHash(f.ctx, "hash-1")
	ok(t, err)
	diff(t, "token by hash", got, t1)
	got, err = f.db.TokenByID(f.ctx, t2.ID)
	ok(t, err)
	diff(t, "token by id", got, t2)
	_, err = f.db.TokenByHash(f.ctx, "hash-x")
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.TokenByID(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)
	list, err := f.db.ListTokens(f.ctx, m.ID)
	ok(t, err)
	diff(t, "tokens of manager, newest first", list, []*steward.APIToken{t2, t1})

	// Touch records the last use.
	used := f.now()
	ok(t, f.db.TouchToken(f.ctx, t1.ID, used))
	t1.LastUsedAt = &used
	got, err = f.db.TokenByHash(f.ctx, "hash-1")
	ok(t, err)
	diff(t, "touched token", got, t1)

	// Revoking twice keeps the first time.
	revoked := f.now()
	ok(t, f.db.RevokeToken(f.ctx, t1.ID, revoked))
	ok(t, f.db.RevokeToken(f.ctx, t1.ID, f.now()))
	t1.RevokedAt = &revoked
	got, err = f.db.TokenByID(f.ctx, t1.ID)
	ok(t, err)
	diff(t, "revoked token", got, t1)
	got, err = f.db.TokenByID(f.ctx, t2.ID)
	ok(t, err)
	diff(t, "token not revoked", got, t2)
}
