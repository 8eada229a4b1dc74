package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/stewardmdm/steward"
)

// AppendAudit appends an entry to its account's hash chain. Bumping the
// chain head first takes its row lock, so concurrent appends to one chain
// are serialised on both databases. The head is created empty first if
// missing; ON CONFLICT DO NOTHING waits for a concurrent creator instead of
// failing, so two first appends to a chain do not collide.
func (db *DB) AppendAudit(ctx context.Context, e *steward.AuditEntry) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO audit_heads (account_id, seq, hash) VALUES ($1, 0, '')
			ON CONFLICT (account_id) DO NOTHING`, e.AccountID); err != nil {
			return fmt.Errorf("start audit chain: %w", err)
		}
		var seq int64
		var prev string
		if err := db.w(ctx).QueryRowContext(ctx, `UPDATE audit_heads SET seq = seq + 1 WHERE account_id = $1 RETURNING seq, hash`,
			e.AccountID).Scan(&seq, &prev); err != nil {
			return fmt.Errorf("audit head: %w", err)
		}
		e.Seq, e.PrevHash = seq, prev
		e.Hash = e.ChainHash(prev)
		if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO audit_log
			(id, account_id, seq, actor_id, actor_email, token_id, action, target_type, target_id, ip, summary, created_at, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`,
			e.ID, e.AccountID, e.Seq, e.ActorID, e.ActorEmail, e.TokenID, e.Action, e.TargetType, e.TargetID, e.IP,
			string(e.Summary), ms(e.CreatedAt), e.PrevHash, e.Hash); err != nil {
			return fmt.Errorf("insert audit entry: %w", err)
		}
		if _, err := db.w(ctx).ExecContext(ctx, `UPDATE audit_heads SET hash = $2 WHERE account_id = $1`, e.AccountID, e.Hash); err != nil {
			return fmt.Errorf("advance audit head: %w", err)
		}
		return nil
	})
}

const auditColumns = `l.id, l.account_id, l.seq, l.actor_id, l.actor_email, l.token_id, l.action, l.target_type, l.target_id,
	l.ip, l.summary, l.created_at, l.prev_hash, l.hash`

func scanAudit(row scanner) (*steward.AuditEntry, error) {
	var e steward.AuditEntry
	var summary string
	var created int64
	if err := row.Scan(&e.ID, &e.AccountID, &e.Seq, &e.ActorID, &e.ActorEmail, &e.TokenID, &e.Action, &e.TargetType,
		&e.TargetID, &e.IP, &summary, &created, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	if summary != "" {
		e.Summary = []byte(summary)
	}
	e.CreatedAt = fromMs(created)
	return &e, nil
}

// ListAudit lists entries of accounts under prefix, newest first.
func (db *DB) ListAudit(ctx context.Context, prefix string, f steward.AuditFilter) ([]*steward.AuditEntry, error) {
	where := []string{"a.path LIKE $1"}
	args := []any{prefix + "%"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.OnlyDirect && f.AccountID != "" {
		add("l.account_id = ?", f.AccountID)
	}
	if f.ActorID != "" {
		add("l.actor_id = ?", f.ActorID)
	}
	if f.Action != "" {
		if strings.HasSuffix(f.Action, ".") {
			add(`l.action LIKE ? ESCAPE '\'`, escapeLike(f.Action)+"%")
		} else {
			add("l.action = ?", f.Action)
		}
	}
	if f.TargetID != "" {
		add("l.target_id = ?", f.TargetID)
	}
	if f.Since != nil {
		add("l.created_at >= ?", ms(*f.Since))
	}
	if f.Until != nil {
		add("l.created_at < ?", ms(*f.Until))
	}
	if f.Before != "" {
		add("l.id < ?", f.Before)
	}
	args = append(args, limit(f.Limit, 50, 500))
	q := fmt.Sprintf(`SELECT %s FROM audit_log l JOIN accounts a ON a.id = l.account_id WHERE %s ORDER BY l.id DESC LIMIT $%d`,
		auditColumns, strings.Join(where, " AND "), len(args))
	rows, err := db.r(ctx).QueryContext(ctx, q, args...)
	return collect(rows, err, "list audit", scanAudit)
}

// AuditChain calls fn for an account's entries in sequence order.
func (db *DB) AuditChain(ctx context.Context, accountID string, fn func(*steward.AuditEntry) error) error {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+auditColumns+` FROM audit_log l WHERE l.account_id = $1 ORDER BY l.seq`, accountID)
	if err != nil {
		return fmt.Errorf("audit chain: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return err
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AuditHead returns the recorded head of an account's chain.
func (db *DB) AuditHead(ctx context.Context, accountID string) (int64, string, error) {
	var seq int64
	var hash string
	err := db.r(ctx).QueryRowContext(ctx, `SELECT seq, hash FROM audit_heads WHERE account_id = $1`, accountID).Scan(&seq, &hash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	} else if err != nil {
		return 0, "", fmt.Errorf("audit head: %w", err)
	}
	return seq, hash, nil
}
