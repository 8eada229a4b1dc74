package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stewardmdm/steward"
)

var _ steward.DirectoryStore = (*DB)(nil)

// membershipBatch is the number of device IDs one statement of the
// membership changes names.
const membershipBatch = 500

const folderColumns = `f.id, f.account_id, f.name, f.description,
	(SELECT COUNT(*) FROM devices fd WHERE fd.folder_id = f.id), f.created_at, f.updated_at`

func scanFolder(row scanner) (*steward.Folder, error) {
	var f steward.Folder
	var created, updated int64
	if err := row.Scan(&f.ID, &f.AccountID, &f.Name, &f.Description, &f.DeviceCount, &created, &updated); err != nil {
		return nil, err
	}
	f.CreatedAt, f.UpdatedAt = fromMs(created), fromMs(updated)
	return &f, nil
}

// InsertFolder inserts a folder. ECONFLICT when the account has a folder of
// the name (ignoring case) or the ID is taken.
func (db *DB) InsertFolder(ctx context.Context, f *steward.Folder) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO folders (id, account_id, name, description, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, f.ID, f.AccountID, f.Name, f.Description, ms(f.CreatedAt), ms(f.UpdatedAt))
	return nameTaken(err, "insert folder", "folder", f.Name)
}

// nameTaken turns the unique-name violation of a folder or group into
// ECONFLICT naming the field, and wraps other errors with op.
func nameTaken(err error, op, what, name string) error {
	if isUniqueViolation(err) {
		e := steward.Errorf(steward.ECONFLICT, "The account already has a %s named %q.", what, name)
		e.Field = "name"
		return e
	} else if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	return nil
}

// FolderByID returns a folder with its device count. ENOTFOUND.
func (db *DB) FolderByID(ctx context.Context, id string) (*steward.Folder, error) {
	f, err := scanFolder(db.r(ctx).QueryRowContext(ctx, `SELECT `+folderColumns+` FROM folders f WHERE f.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("folder", id)
	} else if err != nil {
		return nil, fmt.Errorf("folder: %w", err)
	}
	return f, nil
}

// ListFolders lists an account's folders by name (ignoring case), with
// their device counts.
func (db *DB) ListFolders(ctx context.Context, accountID string) ([]*steward.Folder, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+folderColumns+` FROM folders f WHERE f.account_id = $1
		ORDER BY lower(f.name), f.id`, accountID)
	return collect(rows, err, "list folders", scanFolder)
}

// UpdateFolder writes a folder's name, description and update time.
// ENOTFOUND, ECONFLICT on a taken name.
func (db *DB) UpdateFolder(ctx context.Context, f *steward.Folder) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE folders SET name = $2, description = $3, updated_at = $4 WHERE id = $1`,
		f.ID, f.Name, f.Description, ms(f.UpdatedAt))
	return oneRow(res, nameTaken(err, "update folder", "folder", f.Name), "update folder", "folder", f.ID)
}

// oneRow checks that a statement that ran without err changed one row:
// ENOTFOUND otherwise.
func oneRow(res sql.Result, err error, op, what, id string) error {
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return notFound(what, id)
	}
	return nil
}

// DeleteFolder deletes a folder; its devices are left in no folder. ENOTFOUND.
func (db *DB) DeleteFolder(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete folder", "folder", id, `DELETE FROM folders WHERE id = $1`, id)
}

const groupColumns = `g.id, g.account_id, g.name, g.description, g.priority,
	(SELECT COUNT(*) FROM device_groups gd WHERE gd.group_id = g.id), g.created_at, g.updated_at`

func scanGroup(row scanner) (*steward.Group, error) {
	var g steward.Group
	var created, updated int64
	if err := row.Scan(&g.ID, &g.AccountID, &g.Name, &g.Description, &g.Priority, &g.DeviceCount, &created, &updated); err != nil {
		return nil, err
	}
	g.CreatedAt, g.UpdatedAt = fromMs(created), fromMs(updated)
	return &g, nil
}

// InsertGroup inserts a group. ECONFLICT when the account has a group of
// the name (ignoring case) or the ID is taken.
func (db *DB) InsertGroup(ctx context.Context, g *steward.Group) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO groups (id, account_id, name, description, priority, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, g.ID, g.AccountID, g.Name, g.Description, g.Priority, ms(g.CreatedAt), ms(g.UpdatedAt))
	return nameTaken(err, "insert group", "group", g.Name)
}

// GroupByID returns a group with its device count. ENOTFOUND.
func (db *DB) GroupByID(ctx context.Context, id string) (*steward.Group, error) {
	g, err := scanGroup(db.r(ctx).QueryRowContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("group", id)
	} else if err != nil {
		return nil, fmt.Errorf("group: %w", err)
	}
	return g, nil
}

// ListGroups lists an account's groups by name (ignoring case), with their
// device counts.
func (db *DB) ListGroups(ctx context.Context, accountID string) ([]*steward.Group, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+groupColumns+` FROM groups g WHERE g.account_id = $1
		ORDER BY lower(g.name), g.id`, accountID)
	return collect(rows, err, "list groups", scanGroup)
}

// UpdateGroup writes a group's name, description, priority and update
// time. ENOTFOUND, ECONFLICT on a taken name.
func (db *DB) UpdateGroup(ctx context.Context, g *steward.Group) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE groups SET name = $2, description = $3, priority = $4, updated_at = $5 WHERE id = $1`,
		g.ID, g.Name, g.Description, g.Priority, ms(g.UpdatedAt))
	return oneRow(res, nameTaken(err, "update group", "group", g.Name), "update group", "group", g.ID)
}

// DeleteGroup deletes a group and its memberships. ENOTFOUND.
func (db *DB) DeleteGroup(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete group", "group", id, `DELETE FROM groups WHERE id = $1`, id)
}

// ownerOf returns the account of a folder or group (table "folders" or
// "groups"). ENOTFOUND.
func (db *DB) ownerOf(ctx context.Context, table, what, id string) (string, error) {
	var accountID string
	err := db.r(ctx).QueryRowContext(ctx, `SELECT account_id FROM `+table+` WHERE id = $1`, id).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return "", notFound(what, id)
	} else if err != nil {
		return "", fmt.Errorf("%s account: %w", what, err)
	}
	return accountID, nil
}

// inBatches calls fn with the distinct IDs of ids, membershipBatch at a
// time, and the arguments that begin its statement followed by those IDs.
func inBatches(ids []string, fn func(batch []string) error) error {
	ids = slices.Clone(ids)
	slices.Sort(ids)
	ids = slices.Compact(ids)
	for len(ids) > 0 {
		n := min(len(ids), membershipBatch)
		if err := fn(ids[:n]); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// withIDs returns args followed by ids.
func withIDs(args []any, ids []string) []any {
	for _, id := range ids {
		args = append(args, id)
	}
	return args
}

// SetDevicesFolder puts devices in a folder ("" for none) and sets their
// update time. Every device must exist and, for a folder, belong to the
// folder's account: ENOTFOUND otherwise (for the folder too), and nothing
// changes.
func (db *DB) SetDevicesFolder(ctx context.Context, deviceIDs []string, folderID string, at time.Time) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		var accountID string
		if folderID != "" {
			var err error
			if accountID, err = db.ownerOf(ctx, "folders", "folder", folderID); err != nil {
				return err
			}
		}
		return inBatches(deviceIDs, func(batch []string) error {
			args := []any{nullString(folderID), ms(at)}
			q := `UPDATE devices SET folder_id = $1, updated_at = $2 WHERE id IN ` + placeholders(3, len(batch))
			args = withIDs(args, batch)
			if folderID != "" {
				args = append(args, accountID)
				q += fmt.Sprintf(` AND account_id = $%d`, len(args))
			}
			res, err := db.execMany(ctx, q, args...)
			if err != nil {
				return fmt.Errorf("set devices folder: %w", err)
			}
			return db.allChanged(ctx, res, batch, accountID)
		})
	})
}

// allChanged checks that a statement changed a row for every device of
// batch; when it did not, it names a device that does not exist or (with
// accountID set) is not in that account, with ENOTFOUND.
func (db *DB) allChanged(ctx context.Context, res sql.Result, batch []string, accountID string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("devices changed: %w", err)
	}
	if int(n) == len(batch) {
		return nil
	}
	return db.missingDevice(ctx, batch, accountID)
}

// missingDevice returns ENOTFOUND naming the first device of ids that does
// not exist or (with accountID set) is not in that account, and nil when
// there is none.
func (db *DB) missingDevice(ctx context.Context, ids []string, accountID string) error {
	q := `SELECT id FROM devices WHERE id IN ` + placeholders(1, len(ids))
	args := withIDs(nil, ids)
	if accountID != "" {
		args = append(args, accountID)
		q += fmt.Sprintf(` AND account_id = $%d`, len(args))
	}
	rows, err := db.queryMany(ctx, q, args...)
	found, err := collect(rows, err, "devices found", func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !slices.Contains(found, id) {
			return notFound("device", id)
		}
	}
	return nil
}

// AddDevicesToGroup adds devices to a group; adding a member twice changes
// nothing. Every device must exist and belong to the group's account:
// ENOTFOUND otherwise (for the group too), and nothing changes.
func (db *DB) AddDevicesToGroup(ctx context.Context, groupID string, deviceIDs []string) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		accountID, err := db.ownerOf(ctx, "groups", "group", groupID)
		if err != nil {
			return err
		}
		return inBatches(deviceIDs, func(batch []string) error {
			if err := db.missingDevice(ctx, batch, accountID); err != nil {
				return err
			}
			args := withIDs([]any{groupID}, batch)
			_, err := db.execMany(ctx, `INSERT INTO device_groups (group_id, device_id)
				SELECT $1, id FROM devices WHERE id IN `+placeholders(2, len(batch))+`
				ON CONFLICT (group_id, device_id) DO NOTHING`, args...)
			if err != nil {
				return fmt.Errorf("add devices to group: %w", err)
			}
			return nil
		})
	})
}

// RemoveDevicesFromGroup removes devices from a group; removing a
// non-member changes nothing. ENOTFOUND for an unknown group.
func (db *DB) RemoveDevicesFromGroup(ctx context.Context, groupID string, deviceIDs []string) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if _, err := db.ownerOf(ctx, "groups", "group", groupID); err != nil {
			return err
		}
		return inBatches(deviceIDs, func(batch []string) error {
			args := withIDs([]any{groupID}, batch)
			if _, err := db.execMany(ctx, `DELETE FROM device_groups WHERE group_id = $1 AND device_id IN `+
				placeholders(2, len(batch)), args...); err != nil {
				return fmt.Errorf("remove devices from group: %w", err)
			}
			return nil
		})
	})
}

// DeviceMembership returns where a device sits: its account and path, its
// folder and its groups (sorted). ENOTFOUND.
func (db *DB) DeviceMembership(ctx context.Context, deviceID string) (*steward.Membership, error) {
	var m steward.Membership
	err := db.r(ctx).QueryRowContext(ctx, `SELECT d.id, d.account_id, a.path, COALESCE(d.folder_id, '')
		FROM devices d JOIN accounts a ON a.id = d.account_id WHERE d.id = $1`, deviceID).
		Scan(&m.DeviceID, &m.AccountID, &m.AccountPath, &m.FolderID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("device", deviceID)
	} else if err != nil {
		return nil, fmt.Errorf("device membership: %w", err)
	}
	if m.GroupIDs, err = db.deviceGroupIDs(ctx, deviceID); err != nil {
		return nil, err
	}
	return &m, nil
}

// deviceGroupIDs returns the IDs of a device's groups, sorted by byte
// order (whatever the database's collation).
func (db *DB) deviceGroupIDs(ctx context.Context, deviceID string) ([]string, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT group_id FROM device_groups WHERE device_id = $1`, deviceID)
	ids, err := collect(rows, err, "device groups", func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
	slices.Sort(ids)
	return ids, err
}

// DevicesInTarget pages through the IDs of the devices t covers, in ID
// order after the ID after, at most n (default 500, at most 5000). An
// account covers every device of its subtree. A target that does not exist
// (any more) covers nothing; an unknown kind is EINVALID.
func (db *DB) DevicesInTarget(ctx context.Context, t steward.Target, after string, n int) ([]string, error) {
	n = limit(n, 500, 5000)
	var rows *sql.Rows
	var err error
	switch t.Kind {
	case steward.TargetDevice:
		rows, err = db.r(ctx).QueryContext(ctx, `SELECT id FROM devices WHERE id = $1 AND id > $2`, t.ID, after)
	case steward.TargetFolder:
		rows, err = db.r(ctx).QueryContext(ctx, `SELECT id FROM devices WHERE folder_id = $1 AND id > $2 ORDER BY id LIMIT $3`,
			t.ID, after, n)
	case steward.TargetGroup:
		rows, err = db.r(ctx).QueryContext(ctx, `SELECT device_id FROM device_groups WHERE group_id = $1 AND device_id > $2
			ORDER BY device_id LIMIT $3`, t.ID, after, n)
	case steward.TargetAccount:
		return db.devicesInSubtree(ctx, t.ID, after, n)
	default:
		return nil, steward.FieldErrorf("kind", "Unknown target kind %q.", t.Kind)
	}
	return collectIDs(rows, err, "devices in "+string(t.Kind))
}

func collectIDs(rows *sql.Rows, err error, op string) ([]string, error) {
	return collect(rows, err, op, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
}

// devicesInSubtree pages through the IDs of the devices of an account's
// subtree, with the two plans of ListDevices: a small subtree through its
// accounts' ranges of devices_account, a large one by walking devices in
// ID order.
func (db *DB) devicesInSubtree(ctx context.Context, accountID, after string, n int) ([]string, error) {
	var path string
	err := db.r(ctx).QueryRowContext(ctx, `SELECT path FROM accounts WHERE id = $1`, accountID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("devices in account: %w", err)
	}
	accounts, err := db.smallSubtreeAccounts(ctx, path)
	if err != nil {
		return nil, err
	}
	if accounts != nil {
		if len(accounts) == 0 {
			return nil, nil
		}
		args := append(withIDs(nil, accounts), after, n)
		rows, err := db.queryMany(ctx, fmt.Sprintf(`SELECT id FROM devices WHERE account_id IN %s AND id > $%d ORDER BY id LIMIT $%d`,
			placeholders(1, len(accounts)), len(accounts)+1, len(accounts)+2), args...)
		return collectIDs(rows, err, "devices in account")
	}
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT d.id FROM devices d CROSS JOIN accounts a
		WHERE a.id = d.account_id AND a.path LIKE $1 AND d.id > $2 ORDER BY d.id LIMIT $3`, path+"%", after, n)
	return collectIDs(rows, err, "devices in account")
}
