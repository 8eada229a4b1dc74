package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/stewardmdm/steward"
)

// listDevicesMax is the largest page of ListDevices.
const listDevicesMax = 500

// smallSubtree is the number of devices below which ListDevices gathers a
// subtree's device IDs from its accounts' index ranges, rather than walking
// every device in ID order until a page is full. The walk reads about
// 50 × fleet ÷ subtree devices for a page of 50, the gathering about as
// many as the subtree has: for 100,000 devices they cost the same near 2,000.
const smallSubtree = 2000

// ListDevices lists the devices of accounts under prefix in ID order,
// after f.After, at most f.Limit (default 50, at most 500). f.Query matches
// name, support ID, serial or hardware ID, ignoring case (ASCII case only on
// SQLite); f.FolderID and f.GroupID keep the devices in that folder or
// group; f.AccountID narrows the subtree to the one rooted at that
// account (nothing when it is unknown or outside prefix). f.Online is the
// service's to apply: the store does not know who is connected.
//
// A small subtree (fewer than smallSubtree devices in at most as many
// accounts) is read through its accounts' ranges of devices_account; a
// large one by walking devices in ID order, which fills a page after a few
// rows since the subtree holds a fair share of the fleet. A filter by folder
// or group reads that folder's or group's devices instead (device_groups,
// devices_folder), whatever the subtree's size. A filter by OS version can
// use devices_os_version. A text search is a scan of the subtree's devices:
// "contains" cannot use a B-tree index.
func (db *DB) ListDevices(ctx context.Context, prefix string, f steward.DeviceFilter) ([]*steward.Device, error) {
	prefix, ok, err := db.narrow(ctx, prefix, f.AccountID)
	if err != nil || !ok {
		return nil, err
	}
	var accounts []string
	if f.FolderID == "" && f.GroupID == "" {
		if accounts, err = db.smallSubtreeAccounts(ctx, prefix); err != nil {
			return nil, err
		}
	}
	// Every plan checks the account path in the final query, so a device of
	// an account moved away meanwhile is never listed.
	where := []string{"a.path LIKE $1"}
	args := []any{prefix + "%"}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	if f.Query != "" {
		conds := make([]string, 4)
		for i, col := range []string{"d.name", "d.support_id", "d.serial", "d.hardware_id"} {
			conds[i] = db.dialect.containsFolded(col, "?")
		}
		add("("+strings.Join(conds, " OR ")+")", "%"+escapeLike(strings.ToLower(f.Query))+"%")
	}
	if f.Ownership != "" {
		add("d.ownership = ?", string(f.Ownership))
	}
	if f.OSVersion != "" {
		add("d.os_version = ?", f.OSVersion)
	}
	if f.FolderID != "" {
		add("d.folder_id = ?", f.FolderID)
	}
	n := limit(f.Limit, 50, listDevicesMax)

	var q string
	if f.GroupID != "" || f.FolderID != "" {
		// A group or folder: the IDs of its devices after f.After, from
		// device_groups' or devices_folder's range, walked in order like
		// a small subtree's.
		src := `SELECT id FROM devices WHERE folder_id = $%d AND id > $%d`
		args = append(args, f.FolderID)
		if f.GroupID != "" {
			src = `SELECT device_id FROM device_groups WHERE group_id = $%d AND device_id > $%d`
			args[len(args)-1] = f.GroupID
		}
		args = append(args, f.After, n)
		q = fmt.Sprintf(`SELECT %s FROM devices d JOIN accounts a ON a.id = d.account_id
			WHERE d.id IN (`+src+`) AND %s ORDER BY d.id LIMIT $%d`,
			deviceColumns, len(args)-2, len(args)-1, strings.Join(where, " AND "), len(args))
	} else if accounts != nil {
		// Small: the IDs of the subtree's devices after f.After, from its
		// accounts' ranges of devices_account. SQLite walks that list in
		// order, fetching rows until the page is full, without a sort.
		args = append(args, f.After)
		after := len(args)
		for _, id := range accounts {
			args = append(args, id)
		}
		args = append(args, n)
		q = fmt.Sprintf(`SELECT %s FROM devices d JOIN accounts a ON a.id = d.account_id
			WHERE d.id IN (SELECT id FROM devices WHERE account_id IN %s AND id > $%d) AND %s ORDER BY d.id LIMIT $%d`,
			deviceColumns, placeholders(after+1, len(accounts)), after, strings.Join(where, " AND "), len(args))
	} else {
		// Large: devices in ID order (CROSS JOIN keeps SQLite's outer loop
		// on devices), each checked against the subtree, until the page is
		// full.
		if f.After != "" {
			add("d.id > ?", f.After)
		}
		args = append(args, n)
		q = fmt.Sprintf(`SELECT %s FROM devices d CROSS JOIN accounts a WHERE a.id = d.account_id AND %s ORDER BY d.id LIMIT $%d`,
			deviceColumns, strings.Join(where, " AND "), len(args))
	}
	return db.queryDevices(ctx, "list devices", q, args...)
}

// smallSubtreeAccounts returns the IDs of the accounts under prefix if they
// hold fewer than smallSubtree devices, and nil if they hold more (or are
// too many accounts to name in a query). Its cost is bounded by
// smallSubtree index entries.
func (db *DB) smallSubtreeAccounts(ctx context.Context, prefix string) ([]string, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT id FROM accounts WHERE path LIKE $1 LIMIT $2`, prefix+"%", smallSubtree+1)
	if err != nil {
		return nil, fmt.Errorf("list devices: subtree: %w", err)
	}
	defer rows.Close()
	ids := []string{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list devices: subtree: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list devices: subtree: %w", err)
	}
	if len(ids) > smallSubtree {
		return nil, nil
	}
	if len(ids) == 0 {
		return ids, nil
	}
	args := make([]any, 0, len(ids)+1)
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, smallSubtree)
	var n int
	if err := db.queryRowMany(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM devices WHERE account_id IN `+
		placeholders(1, len(ids))+fmt.Sprintf(` LIMIT $%d) s`, len(args)), args...).Scan(&n); err != nil {
		return nil, fmt.Errorf("list devices: subtree size: %w", err)
	}
	if n >= smallSubtree {
		return nil, nil
	}
	return ids, nil
}

// containsFolded is the condition that col matches the LIKE pattern param,
// a lower-case pattern escaped with a backslash, ignoring case. SQLite's
// LIKE ignores (ASCII) case already, and LOWER would cost it two and a half
// times as much per row; PostgreSQL's is case-sensitive, and lower() LIKE
// costs it half of what ILIKE does.
func (d Dialect) containsFolded(col, param string) string {
	if d == Postgres {
		return "lower(" + col + ") LIKE " + param + ` ESCAPE '\'`
	}
	return col + " LIKE " + param + ` ESCAPE '\'`
}

// narrow returns the path of the subtree rooted at accountID within the one
// at prefix: prefix itself when accountID is empty, and false when the
// account is unknown or outside prefix.
func (db *DB) narrow(ctx context.Context, prefix, accountID string) (string, bool, error) {
	if accountID == "" {
		return prefix, true, nil
	}
	var path string
	err := db.r(ctx).QueryRowContext(ctx, `SELECT path FROM accounts WHERE id = $1`, accountID).Scan(&path)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	} else if err != nil {
		return "", false, fmt.Errorf("account path: %w", err)
	}
	switch {
	case strings.HasPrefix(path, prefix):
		return path, true, nil
	case strings.HasPrefix(prefix, path):
		return prefix, true, nil
	}
	return "", false, nil
}

func (db *DB) queryDevices(ctx context.Context, op, q string, args ...any) ([]*steward.Device, error) {
	rows, err := db.queryMany(ctx, q, args...)
	return collect(rows, err, op, scanDevice)
}

// CountDevices counts the devices of accounts under prefix, in all and by
// ownership. It reads the subtree's accounts first and then only their
// ranges of the covering index devices_account.
func (db *DB) CountDevices(ctx context.Context, prefix string) (total, company, personal int, err error) {
	err = db.r(ctx).QueryRowContext(ctx, `SELECT COUNT(*),
		COALESCE(SUM(CASE WHEN d.ownership = 'company' THEN 1 ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN d.ownership = 'personal' THEN 1 ELSE 0 END), 0)
		FROM accounts a CROSS JOIN devices d WHERE d.account_id = a.id AND a.path LIKE $1`, prefix+"%").
		Scan(&total, &company, &personal)
	if err != nil {
		return 0, 0, 0, fmt.Errorf("count devices: %w", err)
	}
	return total, company, personal, nil
}
