package service

import (
	"context"
	"strings"

	"github.com/stewardmdm/steward"
)

// maxCreditMove bounds one grant or transfer, catching typos in amounts.
const maxCreditMove = 1_000_000

// Balance returns the balance of an account in the actor's subtree.
func (s *Service) Balance(ctx context.Context, accountID string) (int64, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return 0, err
	}
	return s.store.Balance(ctx, acc.ID)
}

// Ledger lists an account's ledger entries, newest first.
func (s *Service) Ledger(ctx context.Context, f steward.LedgerFilter) ([]*steward.LedgerEntry, error) {
	_, acc, err := s.reachAccount(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	f.AccountID = acc.ID
	return s.store.ListLedger(ctx, f)
}

func checkMove(amount int64, reason string) (string, error) {
	if amount <= 0 || amount > maxCreditMove {
		return "", steward.FieldErrorf("amount", "The amount must be between 1 and %d.", maxCreditMove)
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 500 {
		return "", steward.FieldErrorf("reason", "Give a reason of at most 500 characters; it stays in the ledger.")
	}
	return reason, nil
}

// GrantCredits adds credits to an account (platform administrators only).
func (s *Service) GrantCredits(ctx context.Context, in steward.CreditGrant) (*steward.LedgerEntry, error) {
	a, acc, err := s.writableAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	if err := platformOnly(a, "grant credits"); err != nil {
		return nil, err
	}
	reason, err := checkMove(in.Amount, in.Reason)
	if err != nil {
		return nil, err
	}
	now := s.now()
	e := &steward.LedgerEntry{ID: steward.NewID(now), AccountID: acc.ID, Kind: steward.LedgerGrant, Amount: in.Amount,
		ActorID: a.ManagerID, ActorEmail: a.Email, Reason: reason, CreatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertLedgerEntry(ctx, e); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "credits.grant", "account", acc.ID, map[string]any{"amount": in.Amount, "reason": reason})
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}

// TransferCredits moves credits from an account the actor may write down
// to an account below it. The source is locked while its balance is read,
// so concurrent transfers cannot overdraw it.
func (s *Service) TransferCredits(ctx context.Context, in steward.CreditTransfer) ([]*steward.LedgerEntry, error) {
	if in.FromID == "" {
		if a := steward.ActorFromContext(ctx); a != nil {
			in.FromID = a.AccountID
		}
	}
	a, from, err := s.writableAccount(ctx, in.FromID)
	if err != nil {
		return nil, err
	}
	_, to, err := s.writableAccount(ctx, in.ToID)
	if err != nil {
		return nil, err
	}
	if to.ID == from.ID || !strings.HasPrefix(to.Path, from.Path) {
		return nil, steward.FieldErrorf("to_id", "Credits move down the hierarchy only: %q is not below %q.", to.Name, from.Name)
	}
	reason, err := checkMove(in.Amount, in.Reason)
	if err != nil {
		return nil, err
	}
	now := s.now()
	ref := steward.NewID(now)
	out := &steward.LedgerEntry{ID: steward.NewID(now), AccountID: from.ID, Kind: steward.LedgerTransfer, Amount: -in.Amount,
		CounterpartyID: to.ID, Reference: ref, ActorID: a.ManagerID, ActorEmail: a.Email, Reason: reason, CreatedAt: now}
	inE := &steward.LedgerEntry{ID: steward.NewID(now), AccountID: to.ID, Kind: steward.LedgerTransfer, Amount: in.Amount,
		CounterpartyID: from.ID, Reference: ref, ActorID: a.ManagerID, ActorEmail: a.Email, Reason: reason, CreatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockAccount(ctx, from.ID); err != nil {
			return err
		}
		bal, err := s.store.Balance(ctx, from.ID)
		if err != nil {
			return err
		}
		if bal < in.Amount {
			return steward.Errorf(steward.ECONFLICT, "%q has %d credits; it cannot transfer %d.", from.Name, bal, in.Amount)
		}
		if err := s.store.InsertLedgerEntry(ctx, out); err != nil {
			return err
		}
		if err := s.store.InsertLedgerEntry(ctx, inE); err != nil {
			return err
		}
		return s.record(ctx, to.ID, "credits.transfer", "account", to.ID,
			map[string]any{"from_id": from.ID, "amount": in.Amount, "reason": reason, "reference": ref})
	})
	if err != nil {
		return nil, err
	}
	return []*steward.LedgerEntry{out, inE}, nil
}
