package service_test

import (
	"testing"

	"github.com/stewardmdm/steward"
)

// TestAuditTailDeletionIsDetected removes the newest entries of a chain:
// what is left verifies on its own, so verification must compare it with
// the head recorded at each append.
func TestAuditTailDeletionIsDetected(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		for range 3 {
			e.tick()
			_, err := e.svc.UpdateAccount(w.r1.ctx, w.C2.ID, steward.AccountUpdate{Notes: ptr("n")})
			must(t, err)
		}
		v, err := e.svc.VerifyAudit(w.admin.ctx, w.C2.ID)
		must(t, err)
		if !v.OK {
			t.Fatalf("intact chain does not verify: %+v", v)
		}
		n := v.Entries
		e.raw.Exec(t, `DELETE FROM audit_log WHERE account_id = $1 AND seq >= $2`, w.C2.ID, n-1)
		v, err = e.svc.VerifyAudit(w.admin.ctx, w.C2.ID)
		must(t, err)
		if v.OK || v.BrokenAt != n-1 {
			t.Fatalf("deleting the last two of %d entries went unnoticed: %+v", n, v)
		}
	})
}

// TestReadOnlyTokenCannotManageTokens: a token capped at read-only must not
// mint or revoke credentials, even for an owner.
func TestReadOnlyTokenCannotManageTokens(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		ro, err := e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "ro", Role: steward.RoleReadOnly})
		must(t, err)
		other, err := e.svc.CreateToken(w.r1.ctx, steward.TokenCreate{Name: "other"})
		must(t, err)
		auth, err := e.svc.AuthenticateToken(e.ctx, ro.Secret, "192.0.2.9", "test")
		must(t, err)
		ctx := steward.NewContextWithActor(e.ctx, auth.Actor)
		_, err = e.svc.CreateToken(ctx, steward.TokenCreate{Name: "minted", Role: steward.RoleReadOnly})
		wantCode(t, err, steward.EFORBIDDEN)
		wantCode(t, e.svc.RevokeToken(ctx, other.ID), steward.EFORBIDDEN)
		// The same owner, signed in, still can.
		must(t, e.svc.RevokeToken(w.r1.ctx, other.ID))
	})
}
