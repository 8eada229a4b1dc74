package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
)

// Account returns an account in the actor's subtree.
func (s *Service) Account(ctx context.Context, id string) (*steward.Account, error) {
	_, acc, err := s.reachAccount(ctx, id)
	return acc, err
}

// Accounts lists accounts in the actor's subtree (or in RootID's subtree,
// when that lies inside it).
func (s *Service) Accounts(ctx context.Context, f steward.AccountFilter) ([]*steward.Account, error) {
	_, root, err := s.reachAccount(ctx, f.RootID)
	if err != nil {
		return nil, err
	}
	if f.ParentID != "" {
		if _, _, err := s.reachAccount(ctx, f.ParentID); err != nil {
			return nil, err
		}
	}
	return s.store.ListAccounts(ctx, root.Path, f)
}

func validName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return "", steward.FieldErrorf(field, "A name is required.")
	case utf8.RuneCountInString(name) > 200:
		return "", steward.FieldErrorf(field, "A name has at most 200 characters.")
	case strings.ContainsAny(name, "\x00\r\n"):
		return "", steward.FieldErrorf(field, "A name is one line of text.")
	}
	return name, nil
}

// CreateAccount creates a child account below one the actor may write.
func (s *Service) CreateAccount(ctx context.Context, in steward.AccountCreate) (*steward.Account, error) {
	if in.ParentID == "" {
		if a := steward.ActorFromContext(ctx); a != nil {
			in.ParentID = a.AccountID
		}
	}
	_, parent, err := s.writableAccount(ctx, in.ParentID)
	if err != nil {
		return nil, err
	}
	name, err := validName("name", in.Name)
	if err != nil {
		return nil, err
	}
	if !in.Kind.Valid() || in.Kind == steward.AccountPlatform {
		return nil, steward.FieldErrorf("kind", "The kind must be %q or %q.", steward.AccountReseller, steward.AccountClient)
	}
	if !parent.Kind.CanParent(in.Kind) {
		return nil, steward.FieldErrorf("parent_id", "A %s account cannot hold a %s account.", parent.Kind, in.Kind)
	}
	if in.SubscriptionStart != nil && in.SubscriptionEnd != nil && in.SubscriptionEnd.Before(*in.SubscriptionStart) {
		return nil, steward.FieldErrorf("subscription_end", "The subscription cannot end before it starts.")
	}
	if len(in.Notes) > 10000 {
		return nil, steward.FieldErrorf("notes", "Notes have at most 10000 characters.")
	}
	now := s.now()
	acc := &steward.Account{
		ID: steward.NewID(now), Name: name, Kind: in.Kind, ParentID: parent.ID, Status: steward.StatusActive,
		Notes: in.Notes, SubscriptionStart: in.SubscriptionStart, SubscriptionEnd: in.SubscriptionEnd,
		CreatedAt: now, UpdatedAt: now,
	}
	acc.Path = parent.Path + acc.ID + "/"
	if in.Support != nil {
		acc.Support = *in.Support
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertAccount(ctx, acc); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "account.create", "account", acc.ID,
			map[string]any{"after": map[string]any{"name": acc.Name, "kind": acc.Kind, "parent_id": acc.ParentID}})
	})
	if err != nil {
		return nil, err
	}
	return acc, nil
}

// UpdateAccount renames or edits an account the actor may write.
func (s *Service) UpdateAccount(ctx context.Context, id string, in steward.AccountUpdate) (*steward.Account, error) {
	a, acc, err := s.writableAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	before := map[string]any{}
	after := map[string]any{}
	if in.Name != nil {
		name, err := validName("name", *in.Name)
		if err != nil {
			return nil, err
		}
		before["name"], after["name"], acc.Name = acc.Name, name, name
	}
	if in.Notes != nil {
		if len(*in.Notes) > 10000 {
			return nil, steward.FieldErrorf("notes", "Notes have at most 10000 characters.")
		}
		before["notes_length"], after["notes_length"], acc.Notes = len(acc.Notes), len(*in.Notes), *in.Notes
	}
	if in.Support != nil {
		before["support"], after["support"], acc.Support = acc.Support, *in.Support, *in.Support
	}
	if in.SubscriptionStart != nil || in.SubscriptionEnd != nil {
		// The subscription is the seller's business: only an ancestor sets it.
		if err := below(a, acc, "change the subscription of"); err != nil {
			return nil, err
		}
		if in.SubscriptionStart != nil {
			before["subscription_start"], after["subscription_start"], acc.SubscriptionStart = acc.SubscriptionStart, in.SubscriptionStart, in.SubscriptionStart
		}
		if in.SubscriptionEnd != nil {
			before["subscription_end"], after["subscription_end"], acc.SubscriptionEnd = acc.SubscriptionEnd, in.SubscriptionEnd, in.SubscriptionEnd
		}
		if acc.SubscriptionStart != nil && acc.SubscriptionEnd != nil && acc.SubscriptionEnd.Before(*acc.SubscriptionStart) {
			return nil, steward.FieldErrorf("subscription_end", "The subscription cannot end before it starts.")
		}
	}
	if len(after) == 0 {
		return acc, nil
	}
	acc.UpdatedAt = s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateAccount(ctx, acc); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "account.update", "account", acc.ID, map[string]any{"before": before, "after": after})
	})
	if err != nil {
		return nil, err
	}
	return acc, nil
}

// SetAccountStatus suspends, blocks or reactivates an account below the
// actor's. Blocking (a fraud or security measure) and lifting a block are
// for platform administrators; a block is also a security event.
func (s *Service) SetAccountStatus(ctx context.Context, id string, status steward.AccountStatus, reason string) (*steward.Account, error) {
	a, acc, err := s.writableAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	if !status.Valid() {
		return nil, steward.FieldErrorf("status", "The status must be active, suspended or blocked.")
	}
	if err := below(a, acc, "change the status of"); err != nil {
		return nil, err
	}
	if (status == steward.StatusBlocked || acc.Status == steward.StatusBlocked) && !a.IsPlatformAdmin() {
		return nil, steward.Errorf(steward.EFORBIDDEN, "Only a platform administrator can block an account or lift a block.")
	}
	if len(reason) > 1000 {
		return nil, steward.FieldErrorf("reason", "A reason has at most 1000 characters.")
	}
	if acc.Status == status {
		return acc, nil
	}
	prev := acc.Status
	acc.Status, acc.StatusReason, acc.UpdatedAt = status, strings.TrimSpace(reason), s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateAccount(ctx, acc); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "account.status", "account", acc.ID,
			map[string]any{"before": map[string]any{"status": prev}, "after": map[string]any{"status": status, "reason": acc.StatusReason}})
	})
	if err != nil {
		return nil, err
	}
	if status == steward.StatusBlocked || prev == steward.StatusBlocked {
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "account." + map[bool]string{true: "blocked", false: "unblocked"}[status == steward.StatusBlocked],
			Detail: detail("account_id", acc.ID, "account_name", acc.Name, "reason", acc.StatusReason)})
	}
	return acc, nil
}

// MoveAccount re-parents an account (platform administrators only).
func (s *Service) MoveAccount(ctx context.Context, id, newParentID string) (*steward.Account, error) {
	a, acc, err := s.writableAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := platformOnly(a, "move an account"); err != nil {
		return nil, err
	}
	if acc.Kind == steward.AccountPlatform {
		return nil, steward.Errorf(steward.EINVALID, "The platform account cannot move.")
	}
	_, parent, err := s.writableAccount(ctx, newParentID)
	if err != nil {
		return nil, err
	}
	if strings.HasPrefix(parent.Path, acc.Path) {
		return nil, steward.FieldErrorf("parent_id", "An account cannot move below itself.")
	}
	if !parent.Kind.CanParent(acc.Kind) {
		return nil, steward.FieldErrorf("parent_id", "A %s account cannot hold a %s account.", parent.Kind, acc.Kind)
	}
	if parent.ID == acc.ParentID {
		return acc, nil
	}
	oldParent, oldPath := acc.ParentID, acc.Path
	newPath := parent.Path + acc.ID + "/"
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.MoveSubtree(ctx, acc.ID, parent.ID, oldPath, newPath, s.now()); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "account.move", "account", acc.ID,
			map[string]any{"before": map[string]any{"parent_id": oldParent}, "after": map[string]any{"parent_id": parent.ID}})
	})
	if err != nil {
		return nil, err
	}
	// Other accounts above: other policies cover the subtree's devices.
	s.refreshTargets(ctx, []steward.Target{{Kind: steward.TargetAccount, ID: acc.ID}})
	return s.store.AccountByID(ctx, acc.ID)
}

// DeleteAccount soft-deletes an account and everything below it. The
// deletion time starts the retention clock of the account's data.
func (s *Service) DeleteAccount(ctx context.Context, id string) (*steward.Account, error) {
	a, acc, err := s.writableAccount(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := below(a, acc, "delete"); err != nil {
		return nil, err
	}
	now := s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		n, err := s.store.SoftDeleteSubtree(ctx, acc.Path, now)
		if err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "account.delete", "account", acc.ID, map[string]any{"accounts_deleted": n})
	})
	if err != nil {
		return nil, err
	}
	acc.DeletedAt, acc.UpdatedAt = &now, now
	return acc, nil
}
