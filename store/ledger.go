package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stewardmdm/steward"
)

// InsertLedgerEntry appends an entry to the credit ledger and moves the
// account's running balance by its amount, in one transaction.
func (db *DB) InsertLedgerEntry(ctx context.Context, e *steward.LedgerEntry) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.insertLedgerEntry(ctx, e); err != nil {
			return err
		}
		if _, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET balance = balance + $2 WHERE id = $1`, e.AccountID, e.Amount); err != nil {
			return fmt.Errorf("move balance: %w", err)
		}
		return nil
	})
}

func (db *DB) insertLedgerEntry(ctx context.Context, e *steward.LedgerEntry) error {
	var counterparty any
	if e.CounterpartyID != "" {
		counterparty = e.CounterpartyID
	}
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO credit_ledger
		(id, account_id, kind, amount, counterparty_id, reference, actor_id, actor_email, reason, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		e.ID, e.AccountID, string(e.Kind), e.Amount, counterparty, e.Reference, e.ActorID, e.ActorEmail, e.Reason, ms(e.CreatedAt))
	if err != nil {
		return fmt.Errorf("insert ledger entry: %w", err)
	}
	return nil
}

// Balance returns an account's running balance, the sum of its ledger
// (LedgerSum recomputes it).
func (db *DB) Balance(ctx context.Context, accountID string) (int64, error) {
	var b int64
	if err := db.r(ctx).QueryRowContext(ctx, `SELECT balance FROM accounts WHERE id = $1`, accountID).Scan(&b); errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	} else if err != nil {
		return 0, fmt.Errorf("balance: %w", err)
	}
	return b, nil
}

// LedgerSum recomputes an account's balance from its ledger entries, to
// check the running balance against the record.
func (db *DB) LedgerSum(ctx context.Context, accountID string) (int64, error) {
	var b int64
	if err := db.r(ctx).QueryRowContext(ctx, `SELECT COALESCE(SUM(amount), 0) FROM credit_ledger WHERE account_id = $1`, accountID).Scan(&b); err != nil {
		return 0, fmt.Errorf("ledger sum: %w", err)
	}
	return b, nil
}

// ListLedger lists an account's entries, newest first.
func (db *DB) ListLedger(ctx context.Context, f steward.LedgerFilter) ([]*steward.LedgerEntry, error) {
	args := []any{f.AccountID}
	q := `SELECT id, account_id, kind, amount, COALESCE(counterparty_id, ''), reference, actor_id, actor_email, reason, created_at
		FROM credit_ledger WHERE account_id = $1`
	if f.Before != "" {
		args = append(args, f.Before)
		q += ` AND id < $2`
	}
	args = append(args, limit(f.Limit, 50, 500))
	q += fmt.Sprintf(` ORDER BY id DESC LIMIT $%d`, len(args))
	rows, err := db.r(ctx).QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list ledger: %w", err)
	}
	defer rows.Close()
	var out []*steward.LedgerEntry
	for rows.Next() {
		var e steward.LedgerEntry
		var kind string
		var created int64
		if err := rows.Scan(&e.ID, &e.AccountID, &kind, &e.Amount, &e.CounterpartyID, &e.Reference, &e.ActorID,
			&e.ActorEmail, &e.Reason, &created); err != nil {
			return nil, err
		}
		e.Kind, e.CreatedAt = steward.LedgerKind(kind), fromMs(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}
