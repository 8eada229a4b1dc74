package service

import (
	"context"
	"fmt"

	"github.com/stewardmdm/steward"
)

// AuditLog lists audit entries in the actor's subtree (or an account's
// subtree inside it), newest first.
func (s *Service) AuditLog(ctx context.Context, f steward.AuditFilter) ([]*steward.AuditEntry, error) {
	_, acc, err := s.reachAccount(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	f.AccountID = acc.ID
	return s.store.ListAudit(ctx, acc.Path, f)
}

// VerifyAudit recomputes an account's hash chain and reports the first
// entry that does not verify.
func (s *Service) VerifyAudit(ctx context.Context, accountID string) (*steward.AuditVerification, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	v := &steward.AuditVerification{AccountID: acc.ID, OK: true}
	prev := ""
	err = s.store.AuditChain(ctx, acc.ID, func(e *steward.AuditEntry) error {
		v.Entries++
		switch {
		case e.Seq != v.Entries:
			v.Problem = fmt.Sprintf("entry %d is missing", v.Entries)
		case e.PrevHash != prev:
			v.Problem = fmt.Sprintf("entry %d does not follow entry %d", e.Seq, e.Seq-1)
		case e.ChainHash(prev) != e.Hash:
			v.Problem = fmt.Sprintf("entry %d was altered", e.Seq)
		default:
			prev = e.Hash
			return nil
		}
		v.OK, v.BrokenAt = false, v.Entries
		return errStop
	})
	if err != nil && err != errStop {
		return nil, err
	}
	if v.OK {
		// Entries removed from the end leave a chain that verifies on its
		// own: compare it with the head recorded at each append.
		seq, hash, err := s.store.AuditHead(ctx, acc.ID)
		if err != nil {
			return nil, err
		}
		if seq != v.Entries || hash != prev {
			v.OK, v.BrokenAt = false, v.Entries+1
			v.Problem = fmt.Sprintf("the chain ends at entry %d but %d entries were recorded", v.Entries, seq)
		}
	}
	return v, nil
}

var errStop = fmt.Errorf("stop")

// SecurityEvents lists security events (platform administrators only).
func (s *Service) SecurityEvents(ctx context.Context, f steward.SecurityEventFilter) ([]*steward.SecurityEvent, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if a.AccountKind != steward.AccountPlatform {
		return nil, steward.Errorf(steward.EFORBIDDEN, "Only platform administrators can read security events.")
	}
	return s.store.ListSecurityEvents(ctx, f)
}
