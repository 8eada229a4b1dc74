package service

import (
	"context"
	"strings"

	"github.com/stewardmdm/steward"
)

// BootstrapResult tells what Bootstrap created.
type BootstrapResult struct {
	Created  bool
	Email    string
	Password string // the generated one-time password, when one was generated
}

// Bootstrap creates the platform account and its first administrator on an
// empty database. With no password given it generates a one-time password
// that must be changed at first sign-in. It does nothing on a database that
// already has a platform account.
func (s *Service) Bootstrap(ctx context.Context, email, password string) (*BootstrapResult, error) {
	accs, err := s.store.ListAccounts(ctx, "/", steward.AccountFilter{Kind: steward.AccountPlatform, IncludeDeleted: true, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(accs) > 0 {
		return &BootstrapResult{}, nil
	}
	if email == "" {
		email = "admin@localhost"
	}
	email = strings.ToLower(strings.TrimSpace(email))
	if !strings.HasSuffix(email, "@localhost") {
		if email, err = normalEmail("email", email); err != nil {
			return nil, err
		}
	}
	res := &BootstrapResult{Created: true, Email: email}
	mustChange := false
	if password == "" {
		password = steward.NewSecret("", 12)
		res.Password, mustChange = password, true
	} else if err := checkPasswordRules("password", password, email); err != nil {
		return nil, err
	}
	h, err := s.passwords.Hash(password)
	if err != nil {
		return nil, err
	}
	now := s.now()
	acc := &steward.Account{ID: steward.NewID(now), Name: "Platform", Kind: steward.AccountPlatform, Status: steward.StatusActive,
		CreatedAt: now, UpdatedAt: now}
	acc.Path = "/" + acc.ID + "/"
	m := &steward.Manager{ID: steward.NewID(now), AccountID: acc.ID, Email: email, Name: "Platform administrator",
		Role: steward.RoleOwner, PasswordHash: h, MustChangePassword: mustChange, CreatedAt: now, UpdatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertAccount(ctx, acc); err != nil {
			return err
		}
		if err := s.store.InsertManager(ctx, m); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "platform.bootstrap", "manager", m.ID, map[string]any{"after": map[string]any{"email": email}})
	})
	if err != nil {
		return nil, err
	}
	return res, nil
}
