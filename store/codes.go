package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
)

const codeColumns = `c.id, c.prefix, c.account_id, c.billing_account_id, c.issued_by, c.issued_by_email, c.note,
	c.seats, c.used, c.expires_at, c.revoked_at, c.created_at`

// Statements of enrollment, named for plans_test.go.
const (
	codeByHashQuery = `SELECT ` + codeColumns + ` FROM activation_codes c WHERE c.code_hash = $1`
	codeByIDQuery   = `SELECT ` + codeColumns + ` FROM activation_codes c WHERE c.id = $1`
	useCodeQuery    = `UPDATE activation_codes SET used = used + 1
		WHERE id = $1 AND revoked_at IS NULL AND expires_at > $2 AND used < seats`
)

func scanCode(row scanner) (*steward.ActivationCode, error) {
	var c steward.ActivationCode
	var expires, created int64
	var revoked sql.NullInt64
	if err := row.Scan(&c.ID, &c.Prefix, &c.AccountID, &c.BillingAccountID, &c.IssuedBy, &c.IssuedByEmail, &c.Note,
		&c.Seats, &c.Used, &expires, &revoked, &created); err != nil {
		return nil, err
	}
	c.ExpiresAt, c.RevokedAt, c.CreatedAt = fromMs(expires), fromNullMs(revoked), fromMs(created)
	return &c, nil
}

// InsertActivationCode stores an activation code by the hash of its secret;
// c.Code itself is not kept. ECONFLICT when the ID or hash is taken.
func (db *DB) InsertActivationCode(ctx context.Context, c *steward.ActivationCode, codeHash string) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO activation_codes (id, code_hash, prefix, account_id, billing_account_id,
		issued_by, issued_by_email, note, seats, used, expires_at, revoked_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		c.ID, codeHash, c.Prefix, c.AccountID, c.BillingAccountID, c.IssuedBy, c.IssuedByEmail, c.Note,
		c.Seats, c.Used, ms(c.ExpiresAt), msPtr(c.RevokedAt), ms(c.CreatedAt))
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "activation code %q already exists", c.ID)
	} else if err != nil {
		return fmt.Errorf("insert activation code: %w", err)
	}
	return nil
}

func (db *DB) codeWhere(ctx context.Context, what, q string, arg any, missing error) (*steward.ActivationCode, error) {
	c, err := scanCode(db.r(ctx).QueryRowContext(ctx, q, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, missing
	} else if err != nil {
		return nil, fmt.Errorf("activation code by %s: %w", what, err)
	}
	return c, nil
}

// ActivationCodeByHash returns the code whose secret hashes to codeHash.
// The error does not repeat the hash. ENOTFOUND.
func (db *DB) ActivationCodeByHash(ctx context.Context, codeHash string) (*steward.ActivationCode, error) {
	return db.codeWhere(ctx, "hash", codeByHashQuery, codeHash, steward.Errorf(steward.ENOTFOUND, "activation code not found"))
}

// ActivationCodeByID returns an activation code. ENOTFOUND.
func (db *DB) ActivationCodeByID(ctx context.Context, id string) (*steward.ActivationCode, error) {
	return db.codeWhere(ctx, "id", codeByIDQuery, id, notFound("activation code", id))
}

// ListActivationCodes lists the codes of accounts under prefix, newest
// first (at most limit, default 100, at most 1000).
func (db *DB) ListActivationCodes(ctx context.Context, prefix string, n int) ([]*steward.ActivationCode, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+codeColumns+` FROM activation_codes c
		JOIN accounts a ON a.id = c.account_id WHERE a.path LIKE $1 ORDER BY c.id DESC LIMIT $2`,
		prefix+"%", limit(n, 100, 1000))
	return collect(rows, err, "list activation codes", scanCode)
}

// RevokeActivationCode revokes a code; revoking it again keeps the first
// time. ENOTFOUND.
func (db *DB) RevokeActivationCode(ctx context.Context, id string, at time.Time) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE activation_codes SET revoked_at = COALESCE(revoked_at, $2) WHERE id = $1`, id, ms(at))
	if err != nil {
		return fmt.Errorf("revoke activation code: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("activation code", id)
	}
	return nil
}

// UseActivationCode takes one seat of a live code in a single statement, so
// concurrent enrollments never take more seats than the code has.
// ECONFLICT when the code is revoked, expired at now, full or unknown.
func (db *DB) UseActivationCode(ctx context.Context, id string, now time.Time) error {
	res, err := db.w(ctx).ExecContext(ctx, useCodeQuery, id, ms(now))
	if err != nil {
		return fmt.Errorf("use activation code: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("use activation code: %w", err)
	}
	if n == 0 {
		return steward.Errorf(steward.ECONFLICT, "The activation code is revoked, expired or has no seats left.")
	}
	return nil
}

var _ steward.DeviceStore = (*DB)(nil)
