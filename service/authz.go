package service

import (
	"context"

	"github.com/stewardmdm/steward"
)

// Authorisation lives here and only here. Every exported method of Service
// that touches data starts with one of these helpers; they mark the request
// as checked, so the transport's guard knows the method did not forget.
//
// The rule: an actor reaches its own account's subtree. An object outside
// it answers ENOTFOUND (never EFORBIDDEN), so existence does not leak.
// Inside it, read-only roles may read, and writing needs owner or admin.

// actor returns the context's actor or EUNAUTHENTICATED.
func actor(ctx context.Context) (*steward.Actor, error) {
	steward.MarkAuthorized(ctx)
	a := steward.ActorFromContext(ctx)
	if a == nil || a.ManagerID == "" || a.AccountPath == "" {
		return nil, steward.Errorf(steward.EUNAUTHENTICATED, "Sign in first.")
	}
	return a, nil
}

// reachAccount returns the account if it lies in the actor's subtree.
func (s *Service) reachAccount(ctx context.Context, id string) (*steward.Actor, *steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, err
	}
	if id == "" {
		id = a.AccountID
	}
	acc, err := s.store.AccountByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && !a.Reaches(acc.Path)) {
		return nil, nil, steward.Errorf(steward.ENOTFOUND, "Account %q not found.", id)
	} else if err != nil {
		return nil, nil, err
	}
	return a, acc, nil
}

// writableAccount is reachAccount plus a write permission and a live account.
func (s *Service) writableAccount(ctx context.Context, id string) (*steward.Actor, *steward.Account, error) {
	a, acc, err := s.reachAccount(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, nil, err
	}
	if acc.DeletedAt != nil {
		return nil, nil, steward.Errorf(steward.ECONFLICT, "Account %q is deleted.", acc.Name)
	}
	return a, acc, nil
}

// canWrite refuses read-only roles.
func canWrite(a *steward.Actor) error {
	if !a.Role.CanWrite() {
		return steward.Errorf(steward.EFORBIDDEN, "Your role (%s) can only read.", a.Role)
	}
	return nil
}

// below refuses actions on the actor's own account that only an ancestor
// may take (suspend, block, delete).
func below(a *steward.Actor, acc *steward.Account, what string) error {
	if acc.ID == a.AccountID {
		return steward.Errorf(steward.EFORBIDDEN, "You cannot %s your own account; the account above it can.", what)
	}
	return nil
}

// platformOnly refuses everyone but platform administrators.
func platformOnly(a *steward.Actor, what string) error {
	if !a.IsPlatformAdmin() {
		return steward.Errorf(steward.EFORBIDDEN, "Only a platform administrator can %s.", what)
	}
	return nil
}
