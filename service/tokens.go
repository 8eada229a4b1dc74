package service

import (
	"context"

	"github.com/stewardmdm/steward"
)

// Tokens lists a manager's API tokens (default: the caller's). Writers may
// list the tokens of managers they may manage.
func (s *Service) Tokens(ctx context.Context, managerID string) ([]*steward.APIToken, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if managerID != "" && managerID != a.ManagerID {
		m, _, err := s.reachManager(ctx, managerID)
		if err != nil {
			return nil, err
		}
		if err := mayManage(a, m.Role); err != nil {
			return nil, err
		}
	} else {
		managerID = a.ManagerID
	}
	return s.store.ListTokens(ctx, managerID)
}

// CreateToken creates an API token for the caller, at most the caller's
// role. The secret is returned once and stored only as a hash.
func (s *Service) CreateToken(ctx context.Context, in steward.TokenCreate) (*steward.APIToken, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := tokenMayManageTokens(a); err != nil {
		return nil, err
	}
	name, err := validName("name", in.Name)
	if err != nil {
		return nil, err
	}
	if in.Role == "" {
		in.Role = a.Role
	}
	if !in.Role.Valid() {
		return nil, steward.FieldErrorf("role", "The role must be owner, admin or read_only.")
	}
	if in.Role.Rank() > a.Role.Rank() {
		return nil, steward.FieldErrorf("role", "A token cannot have more rights than you (%s).", a.Role)
	}
	now := s.now()
	if in.ExpiresAt != nil && !in.ExpiresAt.After(now) {
		return nil, steward.FieldErrorf("expires_at", "The expiry must be in the future.")
	}
	secret := steward.NewSecret("stw_", 30)
	t := &steward.APIToken{ID: steward.NewID(now), ManagerID: a.ManagerID, AccountID: a.AccountID, Name: name,
		Role: in.Role, Prefix: secret[:10], CreatedAt: now, ExpiresAt: in.ExpiresAt}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertToken(ctx, t, hashSecret(secret)); err != nil {
			return err
		}
		return s.record(ctx, a.AccountID, "token.create", "api_token", t.ID,
			map[string]any{"after": map[string]any{"name": t.Name, "role": t.Role, "prefix": t.Prefix}})
	})
	if err != nil {
		return nil, err
	}
	t.Secret = secret
	return t, nil
}

// RevokeToken revokes a token of the caller, or of a manager the caller may
// manage.
func (s *Service) RevokeToken(ctx context.Context, id string) error {
	a, err := actor(ctx)
	if err != nil {
		return err
	}
	t, err := s.store.TokenByID(ctx, id)
	notFound := steward.Errorf(steward.ENOTFOUND, "Token %q not found.", id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return notFound
	} else if err != nil {
		return err
	}
	if t.ManagerID != a.ManagerID {
		m, _, err := s.reachManager(ctx, t.ManagerID)
		if err != nil {
			return notFound
		}
		if err := mayManage(a, m.Role); err != nil {
			return err
		}
	}
	if err := tokenMayManageTokens(a); err != nil {
		return err
	}
	if t.RevokedAt != nil {
		return nil
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.RevokeToken(ctx, t.ID, s.now()); err != nil {
			return err
		}
		return s.record(ctx, t.AccountID, "token.revoke", "api_token", t.ID, map[string]any{"before": map[string]any{"name": t.Name}})
	})
}

// tokenMayManageTokens refuses a read-only API token the management of
// tokens: a token capped at read-only must not mint or revoke credentials.
// A read-only manager signed in to the console may still manage its own.
func tokenMayManageTokens(a *steward.Actor) error {
	if a.TokenID != "" && !a.Role.CanWrite() {
		return steward.Errorf(steward.EFORBIDDEN, "A read-only API token cannot create or revoke tokens.")
	}
	return nil
}
