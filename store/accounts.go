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

const accountColumns = `a.id, COALESCE(a.parent_id, ''), a.path, a.kind, a.name, a.status, a.status_reason, a.notes,
	a.support_remote, a.support_view_devices, a.subscription_start, a.subscription_end,
	a.created_at, a.updated_at, a.deleted_at, a.balance`

func scanAccount(row scanner) (*steward.Account, error) {
	var a steward.Account
	var subStart, subEnd, deleted sql.NullInt64
	var created, updated int64
	var kind, status string
	if err := row.Scan(&a.ID, &a.ParentID, &a.Path, &kind, &a.Name, &status, &a.StatusReason, &a.Notes,
		&a.Support.RemoteSupport, &a.Support.ViewDevices, &subStart, &subEnd,
		&created, &updated, &deleted, &a.Balance); err != nil {
		return nil, err
	}
	a.Kind, a.Status = steward.AccountKind(kind), steward.AccountStatus(status)
	a.SubscriptionStart, a.SubscriptionEnd = fromNullMs(subStart), fromNullMs(subEnd)
	a.CreatedAt, a.UpdatedAt, a.DeletedAt = fromMs(created), fromMs(updated), fromNullMs(deleted)
	return &a, nil
}

// AccountByID returns an account with its balance.
func (db *DB) AccountByID(ctx context.Context, id string) (*steward.Account, error) {
	a, err := scanAccount(db.r(ctx).QueryRowContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account", id)
	} else if err != nil {
		return nil, fmt.Errorf("account by id: %w", err)
	}
	return a, nil
}

// ListAccounts lists accounts under prefix, ordered by path.
func (db *DB) ListAccounts(ctx context.Context, prefix string, f steward.AccountFilter) ([]*steward.Account, error) {
	where := []string{"a.path LIKE $1"}
	args := []any{prefix + "%"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.ParentID != "" {
		add("a.parent_id = ?", f.ParentID)
	}
	if f.Kind != "" {
		add("a.kind = ?", string(f.Kind))
	}
	if f.Status != "" {
		add("a.status = ?", string(f.Status))
	}
	if f.Query != "" {
		add("LOWER(a.name) LIKE ?", "%"+escapeLike(strings.ToLower(f.Query))+"%")
		where[len(where)-1] += ` ESCAPE '\'`
	}
	if !f.IncludeDeleted {
		where = append(where, "a.deleted_at IS NULL")
	}
	if f.After != "" {
		var afterPath string
		if err := db.r(ctx).QueryRowContext(ctx, `SELECT path FROM accounts WHERE id = $1`, f.After).Scan(&afterPath); err == nil {
			add("a.path > ?", afterPath)
		}
	}
	args = append(args, limit(f.Limit, 100, 1000))
	q := fmt.Sprintf(`SELECT %s FROM accounts a WHERE %s ORDER BY a.path LIMIT $%d`, accountColumns, strings.Join(where, " AND "), len(args))
	rows, err := db.r(ctx).QueryContext(ctx, q, args...)
	return collect(rows, err, "list accounts", scanAccount)
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// InsertAccount inserts a new account.
func (db *DB) InsertAccount(ctx context.Context, a *steward.Account) error {
	var parent any
	if a.ParentID != "" {
		parent = a.ParentID
	}
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO accounts
		(id, parent_id, path, kind, name, status, status_reason, notes, support_remote, support_view_devices,
		 subscription_start, subscription_end, created_at, updated_at, deleted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		a.ID, parent, a.Path, string(a.Kind), a.Name, string(a.Status), a.StatusReason, a.Notes,
		a.Support.RemoteSupport, a.Support.ViewDevices, msPtr(a.SubscriptionStart), msPtr(a.SubscriptionEnd),
		ms(a.CreatedAt), ms(a.UpdatedAt), msPtr(a.DeletedAt))
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "account %q already exists", a.ID)
	} else if err != nil {
		return fmt.Errorf("insert account: %w", err)
	}
	return nil
}

// UpdateAccount writes an account's mutable fields.
func (db *DB) UpdateAccount(ctx context.Context, a *steward.Account) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET name = $2, status = $3, status_reason = $4, notes = $5,
		support_remote = $6, support_view_devices = $7, subscription_start = $8, subscription_end = $9,
		updated_at = $10, deleted_at = $11 WHERE id = $1`,
		a.ID, a.Name, string(a.Status), a.StatusReason, a.Notes, a.Support.RemoteSupport, a.Support.ViewDevices,
		msPtr(a.SubscriptionStart), msPtr(a.SubscriptionEnd), ms(a.UpdatedAt), msPtr(a.DeletedAt))
	if err != nil {
		return fmt.Errorf("update account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("account", a.ID)
	}
	return nil
}

// MoveSubtree re-parents an account and rewrites the paths of its subtree.
func (db *DB) MoveSubtree(ctx context.Context, id, newParentID, oldPrefix, newPrefix string, at time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET parent_id = $2, updated_at = $3 WHERE id = $1`,
			id, newParentID, ms(at)); err != nil {
			return fmt.Errorf("move account: %w", err)
		}
		// Paths are unique: rewriting them in place could collide midway in
		// theory, but old and new prefixes differ in their parent segment, so
		// a rewritten path never equals another live one.
		if _, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET path = $2 || SUBSTR(path, $3)
			WHERE path LIKE $1`, oldPrefix+"%", newPrefix, len(oldPrefix)+1); err != nil {
			return fmt.Errorf("rewrite paths: %w", err)
		}
		return nil
	})
}

// SoftDeleteSubtree marks every live account under prefix deleted.
func (db *DB) SoftDeleteSubtree(ctx context.Context, prefix string, at time.Time) (int64, error) {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET deleted_at = $2, updated_at = $2
		WHERE path LIKE $1 AND deleted_at IS NULL`, prefix+"%", ms(at))
	if err != nil {
		return 0, fmt.Errorf("soft-delete accounts: %w", err)
	}
	return res.RowsAffected()
}

// AccountAncestry returns the accounts on a path, root first.
func (db *DB) AccountAncestry(ctx context.Context, path string) ([]*steward.Account, error) {
	ids := strings.Split(strings.Trim(path, "/"), "/")
	if len(ids) == 0 || ids[0] == "" {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i] = fmt.Sprintf("$%d", i+1)
		args[i] = id
	}
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a WHERE a.id IN (`+strings.Join(ph, ",")+`) ORDER BY LENGTH(a.path)`, args...)
	return collect(rows, err, "account ancestry", scanAccount)
}

// CountAccounts counts live accounts under prefix by kind.
func (db *DB) CountAccounts(ctx context.Context, prefix string) (map[steward.AccountKind]int, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT kind, COUNT(*) FROM accounts
		WHERE path LIKE $1 AND deleted_at IS NULL GROUP BY kind`, prefix+"%")
	if err != nil {
		return nil, fmt.Errorf("count accounts: %w", err)
	}
	defer rows.Close()
	out := map[steward.AccountKind]int{}
	for rows.Next() {
		var k string
		var n int
		if err := rows.Scan(&k, &n); err != nil {
			return nil, err
		}
		out[steward.AccountKind(k)] = n
	}
	return out, rows.Err()
}

// LockAccount takes the account's row lock until the transaction ends
// (PostgreSQL); SQLite transactions are already exclusive.
func (db *DB) LockAccount(ctx context.Context, id string) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET lock_version = lock_version + 1 WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("lock account: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("account", id)
	}
	return nil
}
