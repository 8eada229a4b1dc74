package steward

import (
	"context"
	"time"
)

// LedgerKind is the kind of a credit ledger entry.
type LedgerKind string

// Ledger entry kinds. A transfer writes two entries, one per account.
const (
	LedgerGrant    LedgerKind = "grant"
	LedgerTransfer LedgerKind = "transfer"
	LedgerSpend    LedgerKind = "spend"
	LedgerRefund   LedgerKind = "refund"
)

// LedgerEntry is one append-only movement of credits. An account's balance
// is the sum of its entries' amounts.
type LedgerEntry struct {
	ID             string     `json:"id"`
	AccountID      string     `json:"account_id"`
	Kind           LedgerKind `json:"kind"`
	Amount         int64      `json:"amount"` // positive in, negative out
	CounterpartyID string     `json:"counterparty_id,omitempty"`
	Reference      string     `json:"reference,omitempty"` // shared by the two halves of a transfer
	ActorID        string     `json:"actor_id,omitempty"`
	ActorEmail     string     `json:"actor_email,omitempty"`
	Reason         string     `json:"reason"`
	CreatedAt      time.Time  `json:"created_at"`
}

// CreditGrant is the platform admin giving credits to an account.
type CreditGrant struct {
	AccountID string `json:"account_id"`
	Amount    int64  `json:"amount"`
	Reason    string `json:"reason"`
}

// CreditTransfer moves credits from an account down to one in its subtree.
type CreditTransfer struct {
	FromID string `json:"from_id"`
	ToID   string `json:"to_id"`
	Amount int64  `json:"amount"`
	Reason string `json:"reason"`
}

// LedgerFilter selects ledger entries of one account.
type LedgerFilter struct {
	AccountID string
	Before    string // page: entries older than this ID
	Limit     int
}

// CreditService moves credits through the ledger.
type CreditService interface {
	// Balance returns an account's balance. ENOTFOUND.
	Balance(ctx context.Context, accountID string) (int64, error)
	// Ledger lists an account's entries, newest first. ENOTFOUND.
	Ledger(ctx context.Context, f LedgerFilter) ([]*LedgerEntry, error)
	// GrantCredits adds credits (platform admin only). EINVALID, EFORBIDDEN, ENOTFOUND.
	GrantCredits(ctx context.Context, in CreditGrant) (*LedgerEntry, error)
	// TransferCredits moves credits down the subtree; it cannot overdraw.
	// EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT (insufficient balance).
	TransferCredits(ctx context.Context, in CreditTransfer) ([]*LedgerEntry, error)
}
