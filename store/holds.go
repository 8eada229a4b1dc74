package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

var _ steward.LegalHoldStore = (*DB)(nil)

const holdColumns = `h.id, h.account_id, h.scope, h.subject_id, h.category, h.reason, h.created_by, h.created_by_email,
	h.created_at, h.expires_at, h.released_at, h.released_by`

func scanHold(row scanner) (*steward.LegalHold, error) {
	var h steward.LegalHold
	var scope string
	var created int64
	var expires, released sql.NullInt64
	if err := row.Scan(&h.ID, &h.AccountID, &scope, &h.SubjectID, &h.Category, &h.Reason, &h.CreatedBy, &h.CreatedByEmail,
		&created, &expires, &released, &h.ReleasedBy); err != nil {
		return nil, err
	}
	h.Scope, h.CreatedAt, h.ExpiresAt, h.ReleasedAt = steward.HoldScope(scope), fromMs(created), fromNullMs(expires), fromNullMs(released)
	return &h, nil
}

// InsertLegalHold stores a new hold.
func (db *DB) InsertLegalHold(ctx context.Context, h *steward.LegalHold) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO legal_holds
		(id, account_id, scope, subject_id, category, reason, created_by, created_by_email, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
		h.ID, h.AccountID, string(h.Scope), h.SubjectID, h.Category, h.Reason, h.CreatedBy, h.CreatedByEmail,
		ms(h.CreatedAt), msPtr(h.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert legal hold: %w", err)
	}
	return nil
}

// LegalHoldByID returns one hold. ENOTFOUND.
func (db *DB) LegalHoldByID(ctx context.Context, id string) (*steward.LegalHold, error) {
	h, err := scanHold(db.r(ctx).QueryRowContext(ctx, `SELECT `+holdColumns+` FROM legal_holds h WHERE h.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("legal hold", id)
	} else if err != nil {
		return nil, fmt.Errorf("legal hold by id: %w", err)
	}
	return h, nil
}

// ListLegalHolds lists the holds on accounts under prefix, newest first;
// with f.Active, only those in force at now.
func (db *DB) ListLegalHolds(ctx context.Context, prefix string, f steward.HoldFilter, now time.Time) ([]*steward.LegalHold, error) {
	where := []string{"a.path LIKE $1"}
	args := []any{prefix + "%"}
	if f.Active {
		args = append(args, ms(now))
		where = append(where, fmt.Sprintf("h.released_at IS NULL AND (h.expires_at IS NULL OR h.expires_at > $%d)", len(args)))
	}
	args = append(args, limit(f.Limit, 100, 1000))
	q := fmt.Sprintf(`SELECT %s FROM legal_holds h JOIN accounts a ON a.id = h.account_id WHERE %s ORDER BY h.id DESC LIMIT $%d`,
		holdColumns, strings.Join(where, " AND "), len(args))
	rows, err := db.r(ctx).QueryContext(ctx, q, args...)
	return collect(rows, err, "list legal holds", scanHold)
}

// ReleaseLegalHold releases a hold that is not released yet. ENOTFOUND
// for an unknown hold, ECONFLICT for one already released.
func (db *DB) ReleaseLegalHold(ctx context.Context, id, by string, at time.Time) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE legal_holds SET released_at = $2, released_by = $3
		WHERE id = $1 AND released_at IS NULL`, id, ms(at), by)
	if err != nil {
		return fmt.Errorf("release legal hold: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := db.LegalHoldByID(ctx, id); err != nil {
			return err
		}
		return steward.Errorf(steward.ECONFLICT, "The legal hold %q is already released.", id)
	}
	return nil
}
