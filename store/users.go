package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

var _ steward.UserStore = (*DB)(nil)

// listUsersMax is the largest page of ListUsers.
const listUsersMax = 1000

// inChunk is the most values one IN list names.
const inChunk = 500

const userColumns = `u.id, u.account_id, u.email, u.name, u.directory_name, u.custom_fields, u.created_at, u.updated_at`

func scanUser(row scanner) (*steward.DirectoryUser, error) {
	var u steward.DirectoryUser
	var fields sql.NullString
	var created, updated int64
	if err := row.Scan(&u.ID, &u.AccountID, &u.Email, &u.Name, &u.DirectoryName, &fields, &created, &updated); err != nil {
		return nil, err
	}
	u.CreatedAt, u.UpdatedAt = fromMs(created), fromMs(updated)
	u.CustomFields = map[string]string{}
	if err := fromJSONText(fields, &u.CustomFields); err != nil {
		return nil, fmt.Errorf("user %s: custom fields: %w", u.ID, err)
	}
	u.DeviceIDs, u.Devices = []string{}, []steward.DeviceRef{}
	return &u, nil
}

// customFieldsText encodes a user's custom field values; none is NULL.
func customFieldsText(m map[string]string) (any, error) {
	if len(m) == 0 {
		return nil, nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode custom fields: %w", err)
	}
	return string(b), nil
}

// InsertUser inserts a user. ECONFLICT when the account has the email.
func (db *DB) InsertUser(ctx context.Context, u *steward.DirectoryUser) error {
	fields, err := customFieldsText(u.CustomFields)
	if err != nil {
		return err
	}
	_, err = db.w(ctx).ExecContext(ctx, `INSERT INTO users (id, account_id, email, name, directory_name, custom_fields, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		u.ID, u.AccountID, u.Email, u.Name, u.DirectoryName, fields, ms(u.CreatedAt), ms(u.UpdatedAt))
	if isUniqueViolation(err) {
		return emailTaken(u.Email)
	} else if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return nil
}

func (db *DB) userWhere(ctx context.Context, what, q string, args ...any) (*steward.DirectoryUser, error) {
	u, err := scanUser(db.r(ctx).QueryRowContext(ctx, `SELECT `+userColumns+` FROM users u WHERE `+q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("user", what)
	} else if err != nil {
		return nil, fmt.Errorf("user: %w", err)
	}
	if err := db.fillUserDevices(ctx, []*steward.DirectoryUser{u}); err != nil {
		return nil, err
	}
	return u, nil
}

// emailTaken is the error for an email another user of the account has.
func emailTaken(email string) error {
	return &steward.Error{Code: steward.ECONFLICT, Field: "email", Message: fmt.Sprintf("The account already has a user %s.", email)}
}

// UserByID returns a user with its devices. ENOTFOUND.
func (db *DB) UserByID(ctx context.Context, id string) (*steward.DirectoryUser, error) {
	return db.userWhere(ctx, id, `u.id = $1`, id)
}

// UserByEmail returns an account's user of an email (lower-case). ENOTFOUND.
func (db *DB) UserByEmail(ctx context.Context, accountID, email string) (*steward.DirectoryUser, error) {
	return db.userWhere(ctx, email, `u.account_id = $1 AND u.email = $2`, accountID, email)
}

// ListUsers lists an account's users by email, after the email f.After, at
// most f.Limit (default 50, at most 1000), with their devices. f.Query
// matches email, name or directory name, ignoring case (ASCII case only on
// SQLite). The account's range of users_email serves the order and the
// page; a search scans that range.
func (db *DB) ListUsers(ctx context.Context, accountID string, f steward.UserFilter) ([]*steward.DirectoryUser, error) {
	where := []string{"u.account_id = $1"}
	args := []any{accountID}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.After != "" {
		add("u.email > ?", f.After)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		conds := make([]string, 3)
		for i, col := range []string{"u.email", "u.name", "u.directory_name"} {
			conds[i] = db.dialect.containsFolded(col, "?")
		}
		add("("+strings.Join(conds, " OR ")+")", "%"+escapeLike(strings.ToLower(q))+"%")
	}
	args = append(args, limit(f.Limit, 50, listUsersMax))
	rows, err := db.r(ctx).QueryContext(ctx, fmt.Sprintf(`SELECT %s FROM users u WHERE %s ORDER BY u.email LIMIT $%d`,
		userColumns, strings.Join(where, " AND "), len(args)), args...)
	users, err := collect(rows, err, "list users", scanUser)
	if err != nil {
		return nil, err
	}
	if err := db.fillUserDevices(ctx, users); err != nil {
		return nil, err
	}
	return users, nil
}

// fillUserDevices reads the devices of users, a chunk of users per query.
func (db *DB) fillUserDevices(ctx context.Context, users []*steward.DirectoryUser) error {
	byID := make(map[string]*steward.DirectoryUser, len(users))
	ids := make([]any, 0, len(users))
	for _, u := range users {
		byID[u.ID] = u
		ids = append(ids, u.ID)
	}
	for start := 0; start < len(ids); start += inChunk {
		chunk := ids[start:min(start+inChunk, len(ids))]
		rows, err := db.queryMany(ctx, `SELECT id, support_id, name, user_id FROM devices WHERE user_id IN `+
			placeholders(1, len(chunk))+` ORDER BY support_id`, chunk...)
		refs, err := collect(rows, err, "user devices", scanDeviceRef)
		if err != nil {
			return err
		}
		for _, d := range refs {
			u := byID[d.UserID]
			u.Devices = append(u.Devices, d)
			u.DeviceIDs = append(u.DeviceIDs, d.ID)
		}
	}
	return nil
}

func scanDeviceRef(s scanner) (steward.DeviceRef, error) {
	var d steward.DeviceRef
	var user sql.NullString
	err := s.Scan(&d.ID, &d.SupportID, &d.Name, &user)
	d.UserID = user.String
	return d, err
}

// UpdateUser writes a user's email, names and custom fields. ENOTFOUND,
// ECONFLICT on an email the account has for another user.
func (db *DB) UpdateUser(ctx context.Context, u *steward.DirectoryUser) error {
	fields, err := customFieldsText(u.CustomFields)
	if err != nil {
		return err
	}
	err = db.exec1(ctx, "update user", "user", u.ID, `UPDATE users SET email = $2, name = $3, directory_name = $4,
		custom_fields = $5, updated_at = $6 WHERE id = $1`, u.ID, u.Email, u.Name, u.DirectoryName, fields, ms(u.UpdatedAt))
	if isUniqueViolation(err) {
		return emailTaken(u.Email)
	}
	return err
}

// DeleteUser deletes a user; the database leaves its devices without one.
// ENOTFOUND.
func (db *DB) DeleteUser(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete user", "user", id, `DELETE FROM users WHERE id = $1`, id)
}

// UserFields returns an account's custom field definitions, in order.
func (db *DB) UserFields(ctx context.Context, accountID string) ([]steward.CustomFieldDef, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT field_key, label, type, choices, required FROM user_fields
		WHERE account_id = $1 ORDER BY position`, accountID)
	defs, err := collect(rows, err, "user fields", func(s scanner) (steward.CustomFieldDef, error) {
		var d steward.CustomFieldDef
		var choices sql.NullString
		if err := s.Scan(&d.Key, &d.Label, &d.Type, &choices, &d.Required); err != nil {
			return d, err
		}
		return d, fromJSONText(choices, &d.Choices)
	})
	if defs == nil && err == nil {
		defs = []steward.CustomFieldDef{}
	}
	return defs, err
}

// PutUserFields replaces an account's custom field definitions.
func (db *DB) PutUserFields(ctx context.Context, accountID string, defs []steward.CustomFieldDef) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.w(ctx).ExecContext(ctx, `DELETE FROM user_fields WHERE account_id = $1`, accountID); err != nil {
			return fmt.Errorf("put user fields: %w", err)
		}
		for i, d := range defs {
			choices, err := jsonText(d.Choices)
			if err != nil {
				return fmt.Errorf("put user fields: %w", err)
			}
			if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO user_fields (account_id, field_key, position, label, type, choices, required)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, accountID, d.Key, i, d.Label, string(d.Type), choices, d.Required); err != nil {
				return fmt.Errorf("put user fields: %w", err)
			}
		}
		return nil
	})
}

// SetUserDevices makes deviceIDs the user's devices. Devices of another
// account than the user's are left alone. ENOTFOUND for the user.
func (db *DB) SetUserDevices(ctx context.Context, userID string, deviceIDs []string, at time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		var accountID string
		err := db.r(ctx).QueryRowContext(ctx, `SELECT account_id FROM users WHERE id = $1`, userID).Scan(&accountID)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("user", userID)
		} else if err != nil {
			return fmt.Errorf("set user devices: %w", err)
		}
		keep := map[string]bool{}
		for _, id := range deviceIDs {
			keep[id] = true
		}
		rows, err := db.r(ctx).QueryContext(ctx, `SELECT id FROM devices WHERE user_id = $1`, userID)
		held, err := collect(rows, err, "set user devices", func(s scanner) (string, error) {
			var id string
			return id, s.Scan(&id)
		})
		if err != nil {
			return err
		}
		var drop []any
		for _, id := range held {
			if !keep[id] {
				drop = append(drop, id)
			}
			delete(keep, id)
		}
		var add []any
		for _, id := range deviceIDs {
			if keep[id] {
				add = append(add, id)
				delete(keep, id)
			}
		}
		for start := 0; start < len(drop); start += inChunk {
			chunk := drop[start:min(start+inChunk, len(drop))]
			if _, err := db.execMany(ctx, `UPDATE devices SET user_id = NULL, updated_at = $1 WHERE id IN `+
				placeholders(2, len(chunk)), append([]any{ms(at)}, chunk...)...); err != nil {
				return fmt.Errorf("set user devices: %w", err)
			}
		}
		for start := 0; start < len(add); start += inChunk {
			chunk := add[start:min(start+inChunk, len(add))]
			if _, err := db.execMany(ctx, `UPDATE devices SET user_id = $1, updated_at = $2 WHERE account_id = $3 AND id IN `+
				placeholders(4, len(chunk)), append([]any{userID, ms(at), accountID}, chunk...)...); err != nil {
				return fmt.Errorf("set user devices: %w", err)
			}
		}
		return nil
	})
}

// SetDeviceUser gives a device its user, "" for none. ENOTFOUND.
func (db *DB) SetDeviceUser(ctx context.Context, deviceID, userID string, at time.Time) error {
	return db.exec1(ctx, "set device user", "device", deviceID, `UPDATE devices SET user_id = $2, updated_at = $3 WHERE id = $1`,
		deviceID, nullString(userID), ms(at))
}

// DeviceUserID returns the ID of a device's user, "" for none. ENOTFOUND.
func (db *DB) DeviceUserID(ctx context.Context, deviceID string) (string, error) {
	var user sql.NullString
	err := db.r(ctx).QueryRowContext(ctx, `SELECT user_id FROM devices WHERE id = $1`, deviceID).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound("device", deviceID)
	} else if err != nil {
		return "", fmt.Errorf("device user: %w", err)
	}
	return user.String, nil
}

// AccountDevices lists every device of an account with its user, by
// support ID.
func (db *DB) AccountDevices(ctx context.Context, accountID string) ([]steward.DeviceRef, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT id, support_id, name, user_id FROM devices WHERE account_id = $1
		ORDER BY support_id`, accountID)
	return collect(rows, err, "account devices", scanDeviceRef)
}
