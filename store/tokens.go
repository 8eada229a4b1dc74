package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
)

const tokenColumns = `id, manager_id, account_id, name, role, prefix, created_at, expires_at, last_used_at, revoked_at`

func scanToken(row scanner) (*steward.APIToken, error) {
	var t steward.APIToken
	var role string
	var created int64
	var expires, used, revoked sql.NullInt64
	if err := row.Scan(&t.ID, &t.ManagerID, &t.AccountID, &t.Name, &role, &t.Prefix, &created, &expires, &used, &revoked); err != nil {
		return nil, err
	}
	t.Role = steward.ManagerRole(role)
	t.CreatedAt, t.ExpiresAt, t.LastUsedAt, t.RevokedAt = fromMs(created), fromNullMs(expires), fromNullMs(used), fromNullMs(revoked)
	return &t, nil
}

// InsertToken stores an API token by the hash of its secret.
func (db *DB) InsertToken(ctx context.Context, t *steward.APIToken, secretHash string) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO api_tokens (id, manager_id, account_id, name, role, prefix, secret_hash, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		t.ID, t.ManagerID, t.AccountID, t.Name, string(t.Role), t.Prefix, secretHash, ms(t.CreatedAt), msPtr(t.ExpiresAt))
	if err != nil {
		return fmt.Errorf("insert token: %w", err)
	}
	return nil
}

func (db *DB) tokenWhere(ctx context.Context, cond string, arg any) (*steward.APIToken, error) {
	t, err := scanToken(db.r(ctx).QueryRowContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.Errorf(steward.ENOTFOUND, "token not found")
	} else if err != nil {
		return nil, fmt.Errorf("token: %w", err)
	}
	return t, nil
}

// TokenByHash returns the token whose secret hashes to h.
func (db *DB) TokenByHash(ctx context.Context, h string) (*steward.APIToken, error) {
	return db.tokenWhere(ctx, "secret_hash = $1", h)
}

// TokenByID returns a token.
func (db *DB) TokenByID(ctx context.Context, id string) (*steward.APIToken, error) {
	return db.tokenWhere(ctx, "id = $1", id)
}

// ListTokens lists a manager's tokens, newest first.
func (db *DB) ListTokens(ctx context.Context, managerID string) ([]*steward.APIToken, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+tokenColumns+` FROM api_tokens WHERE manager_id = $1 ORDER BY id DESC`, managerID)
	return collect(rows, err, "list tokens", scanToken)
}

// RevokeToken revokes a token (idempotent).
func (db *DB) RevokeToken(ctx context.Context, id string, at time.Time) error {
	_, err := db.w(ctx).ExecContext(ctx, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, ms(at))
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// TouchToken records a token's last use.
func (db *DB) TouchToken(ctx context.Context, id string, at time.Time) error {
	if _, err := db.w(ctx).ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE id = $1`, id, ms(at)); err != nil {
		return fmt.Errorf("touch token: %w", err)
	}
	return nil
}
