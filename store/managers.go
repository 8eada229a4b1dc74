package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
)

const managerColumns = `id, account_id, email, name, role, password_hash, must_change_password, totp_enabled, invited,
	failed_logins, locked_until, last_login_at, password_changed_at, created_at, updated_at`

func scanManager(row scanner) (*steward.Manager, error) {
	var m steward.Manager
	var role string
	var locked, lastLogin, pwChanged sql.NullInt64
	var created, updated int64
	if err := row.Scan(&m.ID, &m.AccountID, &m.Email, &m.Name, &role, &m.PasswordHash, &m.MustChangePassword,
		&m.TOTPEnabled, &m.Invited, &m.FailedLogins, &locked, &lastLogin, &pwChanged, &created, &updated); err != nil {
		return nil, err
	}
	m.Role = steward.ManagerRole(role)
	m.LockedUntil, m.LastLoginAt, m.PasswordChangedAt = fromNullMs(locked), fromNullMs(lastLogin), fromNullMs(pwChanged)
	m.CreatedAt, m.UpdatedAt = fromMs(created), fromMs(updated)
	return &m, nil
}

func (db *DB) managerWhere(ctx context.Context, what, cond string, arg any) (*steward.Manager, error) {
	m, err := scanManager(db.r(ctx).QueryRowContext(ctx, `SELECT `+managerColumns+` FROM managers WHERE `+cond, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("manager", fmt.Sprint(arg))
	} else if err != nil {
		return nil, fmt.Errorf("manager by %s: %w", what, err)
	}
	return m, nil
}

// ManagerByID returns a manager.
func (db *DB) ManagerByID(ctx context.Context, id string) (*steward.Manager, error) {
	return db.managerWhere(ctx, "id", "id = $1", id)
}

// ManagerByEmail returns a manager by its (lower-case) email.
func (db *DB) ManagerByEmail(ctx context.Context, email string) (*steward.Manager, error) {
	return db.managerWhere(ctx, "email", "email = $1", email)
}

// ListManagers lists an account's managers by email.
func (db *DB) ListManagers(ctx context.Context, accountID string) ([]*steward.Manager, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+managerColumns+` FROM managers WHERE account_id = $1 ORDER BY email`, accountID)
	return collect(rows, err, "list managers", scanManager)
}

// CountManagers counts the managers of live accounts under prefix.
func (db *DB) CountManagers(ctx context.Context, prefix string) (int, error) {
	var n int
	err := db.r(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM managers m JOIN accounts a ON a.id = m.account_id
		WHERE a.path LIKE $1 AND a.deleted_at IS NULL`, prefix+"%").Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("count managers: %w", err)
	}
	return n, nil
}

// InsertManager inserts a manager; a taken email is ECONFLICT.
func (db *DB) InsertManager(ctx context.Context, m *steward.Manager) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO managers (`+managerColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
		m.ID, m.AccountID, m.Email, m.Name, string(m.Role), m.PasswordHash, m.MustChangePassword, m.TOTPEnabled,
		m.Invited, m.FailedLogins, msPtr(m.LockedUntil), msPtr(m.LastLoginAt), msPtr(m.PasswordChangedAt),
		ms(m.CreatedAt), ms(m.UpdatedAt))
	if isUniqueViolation(err) {
		return &steward.Error{Code: steward.ECONFLICT, Field: "email", Message: fmt.Sprintf("A login with email %q already exists.", m.Email)}
	} else if err != nil {
		return fmt.Errorf("insert manager: %w", err)
	}
	return nil
}

// UpdateManager writes a manager's mutable fields.
func (db *DB) UpdateManager(ctx context.Context, m *steward.Manager) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE managers SET name = $2, role = $3, password_hash = $4,
		must_change_password = $5, totp_enabled = $6, invited = $7, failed_logins = $8, locked_until = $9,
		last_login_at = $10, password_changed_at = $11, updated_at = $12 WHERE id = $1`,
		m.ID, m.Name, string(m.Role), m.PasswordHash, m.MustChangePassword, m.TOTPEnabled, m.Invited,
		m.FailedLogins, msPtr(m.LockedUntil), msPtr(m.LastLoginAt), msPtr(m.PasswordChangedAt), ms(m.UpdatedAt))
	if err != nil {
		return fmt.Errorf("update manager: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("manager", m.ID)
	}
	return nil
}

// DeleteManager deletes a manager; its sessions and tokens go with it.
func (db *DB) DeleteManager(ctx context.Context, id string) error {
	res, err := db.w(ctx).ExecContext(ctx, `DELETE FROM managers WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete manager: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("manager", id)
	}
	return nil
}

// InsertManagerToken stores a one-time token by its hash.
func (db *DB) InsertManagerToken(ctx context.Context, hash, managerID, purpose string, at, expires time.Time) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO manager_tokens (hash, manager_id, purpose, created_at, expires_at)
		VALUES ($1, $2, $3, $4, $5)`, hash, managerID, purpose, ms(at), ms(expires))
	if err != nil {
		return fmt.Errorf("insert manager token: %w", err)
	}
	return nil
}

// ConsumeManagerToken marks a live, unused token used and returns its manager.
func (db *DB) ConsumeManagerToken(ctx context.Context, hash, purpose string, at time.Time) (string, error) {
	var managerID string
	err := db.w(ctx).QueryRowContext(ctx, `UPDATE manager_tokens SET used_at = $3
		WHERE hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3 RETURNING manager_id`,
		hash, purpose, ms(at)).Scan(&managerID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", steward.Errorf(steward.ENOTFOUND, "This link is invalid, used or expired.")
	} else if err != nil {
		return "", fmt.Errorf("consume manager token: %w", err)
	}
	return managerID, nil
}
