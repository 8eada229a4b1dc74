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

var _ steward.KeyStore = (*DB)(nil)

const accountKeyColumns = `account_id, version, wrapped_key, master_key_id, created_at, rotated_at`

func scanAccountKey(row scanner) (*steward.AccountKey, error) {
	var k steward.AccountKey
	var created int64
	var rotated sql.NullInt64
	if err := row.Scan(&k.AccountID, &k.Version, &k.Wrapped, &k.MasterKeyID, &created, &rotated); err != nil {
		return nil, err
	}
	k.CreatedAt, k.RotatedAt = fromMs(created), fromNullMs(rotated)
	return &k, nil
}

// AccountKey returns an account's data key of a version; version 0 means
// its latest. ENOTFOUND.
func (db *DB) AccountKey(ctx context.Context, accountID string, version int) (*steward.AccountKey, error) {
	return db.accountKey(ctx, db.r(ctx), accountID, version)
}

func (db *DB) accountKey(ctx context.Context, q queryer, accountID string, version int) (*steward.AccountKey, error) {
	var row *sql.Row
	if version == 0 {
		row = q.QueryRowContext(ctx, `SELECT `+accountKeyColumns+` FROM account_keys
			WHERE account_id = $1 ORDER BY version DESC LIMIT 1`, accountID)
	} else {
		row = q.QueryRowContext(ctx, `SELECT `+accountKeyColumns+` FROM account_keys
			WHERE account_id = $1 AND version = $2`, accountID, version)
	}
	k, err := scanAccountKey(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.Errorf(steward.ENOTFOUND, "Account %q has no data key of version %d.", accountID, version)
	} else if err != nil {
		return nil, fmt.Errorf("account key: %w", err)
	}
	return k, nil
}

// InsertAccountKey stores k unless the account already has a key of its
// version, and returns the key stored. The insert does nothing on a
// conflict (PostgreSQL waits for a concurrent inserter to commit first), so
// the read that follows finds the one key. ENOTFOUND for an unknown account.
func (db *DB) InsertAccountKey(ctx context.Context, k *steward.AccountKey) (*steward.AccountKey, error) {
	w := db.w(ctx)
	_, err := w.ExecContext(ctx, `INSERT INTO account_keys (`+accountKeyColumns+`) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (account_id, version) DO NOTHING`,
		k.AccountID, k.Version, k.Wrapped, k.MasterKeyID, ms(k.CreatedAt), msPtr(k.RotatedAt))
	if isForeignKeyViolation(err) {
		return nil, notFound("account", k.AccountID)
	} else if err != nil {
		return nil, fmt.Errorf("insert account key: %w", err)
	}
	// Read through the writer: it has seen the insert, or the committed
	// row that made it do nothing.
	return db.accountKey(ctx, w, k.AccountID, k.Version)
}

// ListAccountKeys lists data keys in (account ID, version) order.
func (db *DB) ListAccountKeys(ctx context.Context, f steward.AccountKeyFilter) ([]*steward.AccountKey, error) {
	where := []string{"1 = 1"}
	var args []any
	add := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "?", fmt.Sprintf("$%d", len(args)), 1)
		}
		where = append(where, cond)
	}
	if f.MasterKeyID != "" {
		add("master_key_id = ?", f.MasterKeyID)
	}
	if f.ExceptMasterKeyID != "" {
		add("master_key_id <> ?", f.ExceptMasterKeyID)
	}
	if f.AfterAccountID != "" {
		add("(account_id > ? OR (account_id = ? AND version > ?))", f.AfterAccountID, f.AfterAccountID, f.AfterVersion)
	}
	args = append(args, limit(f.Limit, 100, 1000))
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+accountKeyColumns+` FROM account_keys WHERE `+
		strings.Join(where, " AND ")+fmt.Sprintf(` ORDER BY account_id, version LIMIT $%d`, len(args)), args...)
	return collect(rows, err, "list account keys", scanAccountKey)
}

// CountAccountKeys counts the data keys wrapped by each master key ID.
func (db *DB) CountAccountKeys(ctx context.Context) (map[string]int64, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT master_key_id, COUNT(*) FROM account_keys GROUP BY master_key_id`)
	type count struct {
		id string
		n  int64
	}
	counts, err := collect(rows, err, "count account keys", func(row scanner) (count, error) {
		var c count
		err := row.Scan(&c.id, &c.n)
		return c, err
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]int64, len(counts))
	for _, c := range counts {
		out[c.id] = c.n
	}
	return out, nil
}

// RewrapAccountKey replaces the wrapping of a key still wrapped by
// oldMasterKeyID. False when the key is gone or was re-wrapped already.
func (db *DB) RewrapAccountKey(ctx context.Context, accountID string, version int, oldMasterKeyID string,
	wrapped []byte, newMasterKeyID string, at time.Time) (bool, error) {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE account_keys SET wrapped_key = $4, master_key_id = $5, rotated_at = $6
		WHERE account_id = $1 AND version = $2 AND master_key_id = $3`,
		accountID, version, oldMasterKeyID, wrapped, newMasterKeyID, ms(at))
	if err != nil {
		return false, fmt.Errorf("rewrap account key: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("rewrap account key: %w", err)
	}
	return n == 1, nil
}

// InTransaction reports whether ctx carries an open transaction of db.
func (db *DB) InTransaction(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*sql.Tx)
	return ok
}
