package service

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/privacy"
)

// Legal holds stop the retention engine from deleting or anonymising what
// they cover. Platform administrators place and release them; each is
// recorded on the platform root's audit chain (so the record outlives any
// purge of the held account). Managers below see the holds on their subtree.

// LegalHolds lists the holds on the actor's subtree (or f.AccountID's).
// ENOTFOUND.
func (s *Service) LegalHolds(ctx context.Context, f steward.HoldFilter) ([]*steward.LegalHold, error) {
	_, acc, err := s.reachAccount(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	return s.store.ListLegalHolds(ctx, acc.Path, f, s.now())
}

// CreateLegalHold places a hold (platform administrators only). The
// subject of a subject hold must be a device or manager of the account;
// the category of a category hold must be in the catalog.
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) CreateLegalHold(ctx context.Context, in steward.LegalHoldCreate) (*steward.LegalHold, error) {
	a, acc, err := s.reachAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	if err := platformOnly(a, "place a legal hold"); err != nil {
		return nil, err
	}
	now := s.now()
	h := &steward.LegalHold{ID: steward.NewID(now), AccountID: acc.ID, Scope: in.Scope, Reason: strings.TrimSpace(in.Reason),
		CreatedBy: a.ManagerID, CreatedByEmail: a.Email, CreatedAt: now, ExpiresAt: in.ExpiresAt}
	switch in.Scope {
	case steward.HoldAccount:
	case steward.HoldSubject:
		h.SubjectID = strings.TrimSpace(in.SubjectID)
		if !s.subjectOf(ctx, acc, h.SubjectID) {
			return nil, steward.FieldErrorf("subject_id", "The subject must be a device or a manager of the account.")
		}
	case steward.HoldCategory:
		h.Category = strings.TrimSpace(in.Category)
		if _, ok := privacy.Lookup(h.Category); !ok {
			if _, ok := fallbackRules[h.Category]; !ok {
				return nil, steward.FieldErrorf("category", "Unknown category %q: pick one of the data catalog.", h.Category)
			}
		}
	default:
		return nil, steward.FieldErrorf("scope", "The scope must be account, subject or category.")
	}
	switch {
	case h.Reason == "":
		return nil, steward.FieldErrorf("reason", "Say why the data must be kept (case, authority, reference).")
	case utf8.RuneCountInString(h.Reason) > 1000:
		return nil, steward.FieldErrorf("reason", "A reason has at most 1000 characters.")
	case h.ExpiresAt != nil && !h.ExpiresAt.After(now):
		return nil, steward.FieldErrorf("expires_at", "The expiry must be in the future.")
	}
	if h.ExpiresAt != nil {
		t := h.ExpiresAt.UTC().Truncate(time.Millisecond)
		h.ExpiresAt = &t
	}
	root, err := s.platformRoot(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertLegalHold(ctx, h); err != nil {
			return err
		}
		return s.record(ctx, root.ID, "legal_hold.create", "legal_hold", h.ID, map[string]any{"after": map[string]any{
			"account_id": h.AccountID, "scope": h.Scope, "subject_id": h.SubjectID, "category": h.Category,
			"reason": h.Reason, "expires_at": h.ExpiresAt}})
	})
	if err != nil {
		return nil, err
	}
	return h, nil
}

// subjectOf reports whether id names a device or a manager of acc.
func (s *Service) subjectOf(ctx context.Context, acc *steward.Account, id string) bool {
	if id == "" {
		return false
	}
	if d, err := s.store.DeviceByID(ctx, id); err == nil {
		return d.AccountID == acc.ID
	}
	if m, err := s.store.ManagerByID(ctx, id); err == nil {
		return m.AccountID == acc.ID
	}
	return false
}

// ReleaseLegalHold releases a hold (platform administrators only); the
// data it kept is swept at the next run if its time has come.
// EFORBIDDEN, ENOTFOUND, ECONFLICT (already released).
func (s *Service) ReleaseLegalHold(ctx context.Context, id string) (*steward.LegalHold, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	h, err := s.store.LegalHoldByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, steward.Errorf(steward.ENOTFOUND, "Legal hold %q not found.", id)
	} else if err != nil {
		return nil, err
	}
	if _, _, err := s.reachAccount(ctx, h.AccountID); err != nil {
		return nil, steward.Errorf(steward.ENOTFOUND, "Legal hold %q not found.", id)
	}
	if err := platformOnly(a, "release a legal hold"); err != nil {
		return nil, err
	}
	root, err := s.platformRoot(ctx)
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.ReleaseLegalHold(ctx, h.ID, a.Email, now); err != nil {
			return err
		}
		return s.record(ctx, root.ID, "legal_hold.release", "legal_hold", h.ID, map[string]any{"account_id": h.AccountID})
	})
	if err != nil {
		return nil, err
	}
	h.ReleasedAt, h.ReleasedBy = &now, a.Email
	return h, nil
}

// RestoreAccount undoes the deletion of an account and of the accounts
// deleted with it, while its retention clock has not run out. The
// platform administrator or an account above it may restore; an account
// whose parent is still deleted cannot be restored before the parent.
// EFORBIDDEN, ENOTFOUND, ECONFLICT (not deleted, parent deleted, or
// already purged: then its data is gone for good).
func (s *Service) RestoreAccount(ctx context.Context, id string) (*steward.Account, error) {
	a, acc, err := s.reachAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, err
	}
	if err := below(a, acc, "restore"); err != nil {
		return nil, err
	}
	purged, err := s.store.AccountPurgedAt(ctx, acc.ID)
	if err != nil {
		return nil, err
	}
	if purged != nil {
		return nil, steward.Errorf(steward.ECONFLICT, "Account %q was purged by the retention clock on %s: its data is gone and it cannot be restored.",
			acc.Name, purged.Format("2006-01-02"))
	}
	if acc.DeletedAt == nil {
		return nil, steward.Errorf(steward.ECONFLICT, "Account %q is not deleted.", acc.Name)
	}
	if acc.ParentID != "" {
		parent, err := s.store.AccountByID(ctx, acc.ParentID)
		if err != nil {
			return nil, err
		}
		if parent.DeletedAt != nil {
			return nil, steward.Errorf(steward.ECONFLICT, "The account above %q is deleted too: restore it first.", acc.Name)
		}
	}
	deletedAt, now := *acc.DeletedAt, s.now()
	var n int64
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if n, err = s.store.RestoreSubtree(ctx, acc.Path, deletedAt, now); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "account.restore", "account", acc.ID, map[string]any{"accounts_restored": n, "deleted_at": deletedAt})
	})
	if err != nil {
		return nil, err
	}
	return s.store.AccountByID(ctx, acc.ID)
}
