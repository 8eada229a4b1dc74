package service

import (
	"context"

	"github.com/stewardmdm/steward"
)

// Dashboard is what the console's first page shows.
type Dashboard struct {
	Account     *steward.Account            `json:"account"`
	Accounts    map[steward.AccountKind]int `json:"accounts"`
	Managers    int                         `json:"managers"`
	Balance     int64                       `json:"balance"`
	RecentAudit []*steward.AuditEntry       `json:"recent_audit"`
}

// Dashboard returns counts for the actor's subtree.
func (s *Service) Dashboard(ctx context.Context) (*Dashboard, error) {
	a, acc, err := s.reachAccount(ctx, "")
	if err != nil {
		return nil, err
	}
	d := &Dashboard{Account: acc, Balance: acc.Balance}
	if d.Accounts, err = s.store.CountAccounts(ctx, acc.Path); err != nil {
		return nil, err
	}
	if d.Managers, err = s.store.CountManagers(ctx, acc.Path); err != nil {
		return nil, err
	}
	if d.RecentAudit, err = s.store.ListAudit(ctx, a.AccountPath, steward.AuditFilter{Limit: 8}); err != nil {
		return nil, err
	}
	if d.RecentAudit == nil {
		d.RecentAudit = []*steward.AuditEntry{}
	}
	return d, nil
}

// Me returns the calling manager and its account.
func (s *Service) Me(ctx context.Context) (*steward.Manager, *steward.Account, error) {
	a, acc, err := s.reachAccount(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	m, err := s.store.ManagerByID(ctx, a.ManagerID)
	if err != nil {
		return nil, nil, err
	}
	return m, acc, nil
}
