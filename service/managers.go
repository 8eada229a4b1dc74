package service

import (
	"context"
	"time"

	"github.com/stewardmdm/steward"
)

// Manager returns a manager of an account in the actor's subtree.
func (s *Service) Manager(ctx context.Context, id string) (*steward.Manager, error) {
	m, _, err := s.reachManager(ctx, id)
	return m, err
}

func (s *Service) reachManager(ctx context.Context, id string) (*steward.Manager, *steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	m, err := s.store.ManagerByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, steward.Errorf(steward.ENOTFOUND, "Manager %q not found.", id)
	} else if err != nil {
		return nil, nil, err
	}
	acc, err := s.store.AccountByID(ctx, m.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if !a.Reaches(acc.Path) {
		return nil, nil, steward.Errorf(steward.ENOTFOUND, "Manager %q not found.", id)
	}
	return m, acc, nil
}

// Managers lists the managers of an account in the actor's subtree.
func (s *Service) Managers(ctx context.Context, accountID string) ([]*steward.Manager, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.store.ListManagers(ctx, acc.ID)
}

// mayManage says whether actor a may create or change a manager with role r:
// writers may manage managers below their own role's rank, owners any role.
func mayManage(a *steward.Actor, r steward.ManagerRole) error {
	if err := canWrite(a); err != nil {
		return err
	}
	if a.Role != steward.RoleOwner && r.Rank() >= a.Role.Rank() {
		return steward.Errorf(steward.EFORBIDDEN, "Only an owner can manage logins with the %s role.", r)
	}
	return nil
}

// CreateManager creates a login directly (with a password to change at
// first sign-in) or by invitation (a one-time link by mail).
func (s *Service) CreateManager(ctx context.Context, in steward.ManagerCreate) (*steward.Manager, error) {
	a, acc, err := s.writableAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	if in.Role == "" {
		in.Role = steward.RoleAdmin
	}
	if !in.Role.Valid() {
		return nil, steward.FieldErrorf("role", "The role must be owner, admin or read_only.")
	}
	if err := mayManage(a, in.Role); err != nil {
		return nil, err
	}
	email, err := normalEmail("email", in.Email)
	if err != nil {
		return nil, err
	}
	name, err := validName("name", in.Name)
	if err != nil {
		return nil, err
	}
	now := s.now()
	m := &steward.Manager{ID: steward.NewID(now), AccountID: acc.ID, Email: email, Name: name, Role: in.Role,
		CreatedAt: now, UpdatedAt: now}
	if in.Invite {
		m.Invited = true
	} else {
		if err := checkPasswordRules("password", in.Password, email); err != nil {
			return nil, err
		}
		if m.PasswordHash, err = s.passwords.Hash(in.Password); err != nil {
			return nil, err
		}
		m.MustChangePassword = true
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertManager(ctx, m); err != nil {
			return err
		}
		if in.Invite {
			if err := s.mailLink(ctx, m, purposeInvite, 7*24*time.Hour, "You are invited to Steward",
				"You have been given a Steward login, %s.\n\nOpen this link within 7 days to choose your password:\n%s\n"); err != nil {
				return err
			}
		}
		return s.record(ctx, acc.ID, "manager.create", "manager", m.ID,
			map[string]any{"after": map[string]any{"email": m.Email, "role": m.Role, "invited": in.Invite}})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// UpdateManager renames a manager or changes its role.
func (s *Service) UpdateManager(ctx context.Context, id string, in steward.ManagerUpdate) (*steward.Manager, error) {
	m, acc, err := s.reachManager(ctx, id)
	if err != nil {
		return nil, err
	}
	a := steward.ActorFromContext(ctx)
	if a.ManagerID != m.ID || in.Role != nil { // anyone may rename themselves
		if err := mayManage(a, m.Role); err != nil {
			return nil, err
		}
	}
	before, after := map[string]any{}, map[string]any{}
	if in.Name != nil {
		name, err := validName("name", *in.Name)
		if err != nil {
			return nil, err
		}
		before["name"], after["name"], m.Name = m.Name, name, name
	}
	if in.Role != nil && *in.Role != m.Role {
		if !in.Role.Valid() {
			return nil, steward.FieldErrorf("role", "The role must be owner, admin or read_only.")
		}
		if err := mayManage(a, *in.Role); err != nil {
			return nil, err
		}
		if m.Role == steward.RoleOwner {
			if err := s.keepAnOwner(ctx, acc.ID, m.ID); err != nil {
				return nil, err
			}
		}
		before["role"], after["role"], m.Role = m.Role, *in.Role, *in.Role
	}
	if len(after) == 0 {
		return m, nil
	}
	m.UpdatedAt = s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		// Decide and write on a fresh row under the account's lock: two
		// owners demoting each other at once must not leave no owner, and a
		// password or lock changed meanwhile must not be written back.
		if err := s.store.LockAccount(ctx, acc.ID); err != nil {
			return err
		}
		cur, err := s.store.ManagerByID(ctx, m.ID)
		if err != nil {
			return err
		}
		if cur.Role == steward.RoleOwner && m.Role != steward.RoleOwner {
			if err := s.keepAnOwner(ctx, acc.ID, m.ID); err != nil {
				return err
			}
		}
		cur.Name, cur.Role, cur.UpdatedAt = m.Name, m.Role, m.UpdatedAt
		if err := s.store.UpdateManager(ctx, cur); err != nil {
			return err
		}
		m = cur
		return s.record(ctx, acc.ID, "manager.update", "manager", m.ID, map[string]any{"before": before, "after": after})
	})
	if err != nil {
		return nil, err
	}
	return m, nil
}

// keepAnOwner refuses to remove the last owner of an account.
func (s *Service) keepAnOwner(ctx context.Context, accountID, leaving string) error {
	ms, err := s.store.ListManagers(ctx, accountID)
	if err != nil {
		return err
	}
	for _, o := range ms {
		if o.Role == steward.RoleOwner && o.ID != leaving {
			return nil
		}
	}
	return steward.Errorf(steward.ECONFLICT, "An account needs at least one owner: make another login owner first.")
}

// DeleteManager deletes a login, its sessions and its API tokens.
func (s *Service) DeleteManager(ctx context.Context, id string) error {
	m, acc, err := s.reachManager(ctx, id)
	if err != nil {
		return err
	}
	a := steward.ActorFromContext(ctx)
	if err := mayManage(a, m.Role); err != nil {
		return err
	}
	if m.ID == a.ManagerID {
		return steward.Errorf(steward.EFORBIDDEN, "You cannot delete your own login.")
	}
	if m.Role == steward.RoleOwner {
		if err := s.keepAnOwner(ctx, acc.ID, m.ID); err != nil {
			return err
		}
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		// Check again on fresh data under the account's lock, so that
		// concurrent changes cannot remove the last owner together.
		if err := s.store.LockAccount(ctx, acc.ID); err != nil {
			return err
		}
		if cur, err := s.store.ManagerByID(ctx, m.ID); err != nil {
			return err
		} else if cur.Role == steward.RoleOwner {
			if err := s.keepAnOwner(ctx, acc.ID, m.ID); err != nil {
				return err
			}
		}
		if err := s.store.DeleteManager(ctx, m.ID); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "manager.delete", "manager", m.ID, map[string]any{"before": map[string]any{"email": m.Email, "role": m.Role}})
	})
}
