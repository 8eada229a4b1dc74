package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
)

var _ steward.RetentionStore = (*DB)(nil)

// The retention engine's statements. Each deletes at most a batch of rows
// in one statement (DELETE … WHERE id IN (SELECT … LIMIT n) RETURNING id),
// so the SQLite writer is held for one short statement at a time and the
// check-ins of devices get in between batches. Rows a legal hold covers are
// left out by heldBy; when no hold is in force at all the plain statement,
// without the joins the hold check needs, is used.

// heldBy is an SQL condition, true when a legal hold in force at the time
// in parameter $now covers a row: a hold on an account whose subtree holds
// the row's account (path, an SQL expression; NULL for rows of no account,
// which only a hold on the platform root covers), of scope "account", of
// scope "category" for category (an SQL expression), or of scope "subject"
// naming one of subjects (SQL expressions).
func heldBy(path, subjects, category string, now int) string {
	return fmt.Sprintf(`EXISTS (SELECT 1 FROM legal_holds h JOIN accounts ha ON ha.id = h.account_id
		WHERE h.released_at IS NULL AND (h.expires_at IS NULL OR h.expires_at > $%d)
		AND (%s LIKE (ha.path || '%%') OR (%s IS NULL AND ha.parent_id IS NULL))
		AND (h.scope = 'account' OR (h.scope = 'category' AND h.category = %s)
			OR (h.scope = 'subject' AND h.subject_id IN (%s))))`, now, path, path, category, subjects)
}

// A rowSet describes rows of one table for the sweeps: the table, its key
// as selected from the joined rows, the joins that give each row its
// account path, and the hold check's subjects and category.
type rowSet struct {
	table    string
	key      string // the table's key column(s)
	sel      string // the key as selected from "from"
	ret      string // the key as RETURNING reports it
	from     string // FROM clause: the table (alias) joined to its account
	path     string
	subjects string
	category string
}

var deviceJoin = ` JOIN devices d ON d.id = x.device_id JOIN accounts a ON a.id = d.account_id`

var policyJoin = ` JOIN policies p ON p.id = x.policy_id JOIN accounts a ON a.id = p.account_id`

// ageSets are the tables aged out by their own time.
var ageSets = map[steward.RetentionSet]struct {
	rowSet
	time string
}{
	steward.SetLocationPoints: {rowSet{table: "location_points", key: "id", sel: "x.id", ret: "id",
		from: "location_points x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.location'"}, "x.recorded_at"},
	steward.SetWebHistory: {rowSet{table: "web_history", key: "id", sel: "x.id", ret: "id",
		from: "web_history x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.web_history'"}, "x.visited_at"},
	steward.SetSecurityEvents: {rowSet{table: "security_events", key: "id", sel: "x.id", ret: "id",
		from: "security_events x LEFT JOIN accounts a ON a.id = x.account_id", path: "a.path",
		subjects: "x.manager_id", category: "'security.events'"}, "x.created_at"},
	// Mail belongs to no account: only a hold on the platform root keeps it.
	steward.SetOutbox: {rowSet{table: "outbox", key: "id", sel: "x.id", ret: "id",
		from: "outbox x", path: "NULL", subjects: "NULL", category: "'mail.outbox'"}, "x.created_at"},
}

// purgeSets are the parts of an account's data the account clock removes;
// each row belongs to the account in parameter $1 through "own".
var purgeSets = map[steward.PurgePart]struct {
	rowSet
	own string
}{
	steward.PurgeLocation: {rowSet{table: "location_points", key: "id", sel: "x.id", ret: "id",
		from: "location_points x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.location'"}, "d.account_id = $1"},
	steward.PurgeWebHistory: {rowSet{table: "web_history", key: "id", sel: "x.id", ret: "id",
		from: "web_history x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.web_history'"}, "d.account_id = $1"},
	steward.PurgeConsents: {rowSet{table: "device_consents", key: "id", sel: "x.id", ret: "id",
		from: "device_consents x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.consents'"}, "d.account_id = $1"},
	steward.PurgeCommands: {rowSet{table: "commands", key: "id", sel: "x.id", ret: "id",
		from: "commands x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.commands'"}, "d.account_id = $1"},
	steward.PurgeDeviceEvents: {rowSet{table: "device_events", key: "id", sel: "x.id", ret: "id",
		from: "device_events x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.history'"}, "d.account_id = $1"},
	steward.PurgeDeviceApps: {rowSet{table: "device_apps", key: "(device_id, package)", sel: "x.device_id, x.package",
		ret: "device_id || '/' || package", from: "device_apps x" + deviceJoin, path: "a.path", subjects: "d.id",
		category: "'device.inventory'"}, "d.account_id = $1"},
	steward.PurgeCompliance: {rowSet{table: "device_compliance", key: "device_id", sel: "x.device_id", ret: "device_id",
		from: "device_compliance x" + deviceJoin, path: "a.path", subjects: "d.id", category: "'device.inventory'"}, "d.account_id = $1"},
	steward.PurgeDevices: {rowSet{table: "devices", key: "id", sel: "d.id", ret: "id",
		from: "devices d JOIN accounts a ON a.id = d.account_id", path: "a.path", subjects: "d.id", category: "'device.inventory'"},
		"d.account_id = $1 AND d.hardware_id <> ('anonymised:' || d.id)"},
	// A code still named by a device (one a hold keeps from anonymisation)
	// stays with it.
	steward.PurgeActivationCodes: {rowSet{table: "activation_codes", key: "id", sel: "x.id", ret: "id",
		from: "activation_codes x JOIN accounts a ON a.id = x.account_id", path: "a.path", subjects: "x.issued_by",
		category: "'billing.activation_codes'"},
		"x.account_id = $1 AND NOT EXISTS (SELECT 1 FROM devices cd WHERE cd.activation_code_id = x.id)"},
	steward.PurgeSessions: {rowSet{table: "sessions", key: "id", sel: "x.id", ret: "id",
		from: "sessions x JOIN managers m ON m.id = x.manager_id JOIN accounts a ON a.id = m.account_id", path: "a.path",
		subjects: "m.id", category: "'account.sessions'"}, "m.account_id = $1"},
	steward.PurgeAPITokens: {rowSet{table: "api_tokens", key: "id", sel: "x.id", ret: "id",
		from: "api_tokens x JOIN managers m ON m.id = x.manager_id JOIN accounts a ON a.id = m.account_id", path: "a.path",
		subjects: "m.id", category: "'account.api_tokens'"}, "m.account_id = $1"},
	steward.PurgeManagers: {rowSet{table: "managers", key: "id", sel: "m.id", ret: "id",
		from: "managers m JOIN accounts a ON a.id = m.account_id", path: "a.path", subjects: "m.id", category: "'account.managers'"},
		"m.account_id = $1"},
	steward.PurgeAudit: {rowSet{table: "audit_log", key: "id", sel: "x.id", ret: "id",
		from: "audit_log x JOIN accounts a ON a.id = x.account_id", path: "a.path", subjects: "x.actor_id, x.target_id",
		category: "'audit.console_actions'"}, "x.account_id = $1"},
	// Policies: their Wi-Fi networks and CA certificates first (each a
	// category of its own), then the policies whose networks and
	// certificates are all gone (a held one keeps its policy), with their
	// versions and targets.
	steward.PurgePolicyWiFi: {rowSet{table: "policy_wifi", key: "(policy_id, version, ssid)", sel: "x.policy_id, x.version, x.ssid",
		ret: "policy_id || '/' || CAST(version AS TEXT) || '/' || ssid", from: "policy_wifi x" + policyJoin, path: "a.path",
		subjects: "p.created_by", category: "'config.wifi'"}, "p.account_id = $1"},
	steward.PurgePolicyCACerts: {rowSet{table: "policy_ca_certs", key: "(policy_id, version, sha256)", sel: "x.policy_id, x.version, x.sha256",
		ret: "policy_id || '/' || CAST(version AS TEXT) || '/' || sha256", from: "policy_ca_certs x" + policyJoin, path: "a.path",
		subjects: "p.created_by", category: "'config.ca_certs'"}, "p.account_id = $1"},
	steward.PurgePolicies: {rowSet{table: "policies", key: "id", sel: "p.id", ret: "id",
		from: "policies p JOIN accounts a ON a.id = p.account_id", path: "a.path", subjects: "p.created_by", category: "'config.policies'"},
		"p.account_id = $1 AND NOT EXISTS (SELECT 1 FROM policy_wifi pw WHERE pw.policy_id = p.id)" +
			" AND NOT EXISTS (SELECT 1 FROM policy_ca_certs pc WHERE pc.policy_id = p.id)"},
	// The holds placed on the account itself, once released or expired
	// (see PurgeAccountPart: a hold does not hold itself).
	steward.PurgeLegalHolds: {rowSet{table: "legal_holds", key: "id", sel: "x.id", ret: "id",
		from: "legal_holds x", path: "NULL", subjects: "NULL", category: "'privacy.legal_holds'"}, "x.account_id = $1"},
	// Deleting a user clears devices.user_id (ON DELETE SET NULL).
	steward.PurgeUsers: {rowSet{table: "users", key: "id", sel: "x.id", ret: "id",
		from: "users x JOIN accounts a ON a.id = x.account_id", path: "a.path", subjects: "x.id", category: "'directory.users'"},
		"x.account_id = $1"},
	steward.PurgeContacts: {rowSet{table: "contacts", key: "id", sel: "x.id", ret: "id",
		from: "contacts x JOIN accounts a ON a.id = x.account_id", path: "a.path", subjects: "x.created_by",
		category: "'directory.contacts'"}, "x.account_id = $1"},
	steward.PurgeSharedFiles: {rowSet{table: "shared_files", key: "id", sel: "x.id", ret: "id",
		from: "shared_files x JOIN accounts a ON a.id = x.account_id", path: "a.path", subjects: "x.uploaded_by",
		category: "'directory.files'"}, "x.account_id = $1"},
}

// holdInForce is true for a legal hold (alias x) in force at parameter $n.
func holdInForce(n int) string {
	return fmt.Sprintf("(x.released_at IS NULL AND (x.expires_at IS NULL OR x.expires_at > $%d))", n)
}

// anonymiseDevices overwrites every identifying field of the selected
// devices and revokes their credentials; model, manufacturer, platform and
// OS facts stay. The support ID becomes the device ID (both must stay unique).
const anonymiseDevices = `UPDATE devices SET name = '', support_id = id, hardware_id = 'anonymised:' || id,
	serial = '', ip = '', iccid = '', imei = '', phone_number = '', system_signature = '',
	credential_hash = '', activation_code_id = NULL, agent_enabled = FALSE, disabled_reason = 'data_purged',
	battery_level = NULL, battery_charging = NULL, gps_enabled = NULL, uptime_seconds = NULL, updated_at = $3
	WHERE id IN (%s) RETURNING id`

// anyHold reports whether any legal hold is in force at now.
func (db *DB) anyHold(ctx context.Context, now time.Time) (bool, error) {
	var n int64
	err := db.r(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM legal_holds
		WHERE released_at IS NULL AND (expires_at IS NULL OR expires_at > $1)`, ms(now)).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("legal holds in force: %w", err)
	}
	return n > 0, nil
}

// returningIDs runs a DELETE or UPDATE … RETURNING and collects the keys.
func (db *DB) returningIDs(ctx context.Context, op, q string, args ...any) ([]string, error) {
	rows, err := db.w(ctx).QueryContext(ctx, q, args...)
	return collect(rows, err, op, func(s scanner) (string, error) {
		var id string
		return id, s.Scan(&id)
	})
}

func (db *DB) count(ctx context.Context, op, q string, args ...any) (int64, error) {
	var n int64
	if err := db.r(ctx).QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return n, nil
}

// ExpireRows deletes at most batch rows of set older than cutoff that no
// hold in force at now covers, and returns their IDs.
func (db *DB) ExpireRows(ctx context.Context, set steward.RetentionSet, cutoff, now time.Time, batch int) ([]string, error) {
	s, ok := ageSets[set]
	if !ok {
		return nil, fmt.Errorf("expire rows: unknown set %q", set)
	}
	held, err := db.anyHold(ctx, now)
	if err != nil {
		return nil, err
	}
	batch = limit(batch, 1000, 10000)
	op := "expire " + s.table
	if !held {
		// No joins: the plain age index serves it.
		q := fmt.Sprintf(`DELETE FROM %s WHERE id IN (SELECT x.id FROM %s x WHERE %s < $1 LIMIT $2) RETURNING id`,
			s.table, s.table, s.time)
		return db.returningIDs(ctx, op, q, ms(cutoff), batch)
	}
	q := fmt.Sprintf(`DELETE FROM %s WHERE id IN (SELECT x.id FROM %s WHERE %s < $1 AND NOT %s LIMIT $2) RETURNING id`,
		s.table, s.from, s.time, heldBy(s.path, s.subjects, s.category, 3))
	return db.returningIDs(ctx, op, q, ms(cutoff), batch, ms(now))
}

// CountHeldRows counts the rows of set older than cutoff that a hold in
// force at now keeps.
func (db *DB) CountHeldRows(ctx context.Context, set steward.RetentionSet, cutoff, now time.Time) (int64, error) {
	s, ok := ageSets[set]
	if !ok {
		return 0, fmt.Errorf("count held rows: unknown set %q", set)
	}
	if held, err := db.anyHold(ctx, now); err != nil || !held {
		return 0, err
	}
	q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s < $1 AND %s`, s.from, s.time, heldBy(s.path, s.subjects, s.category, 2))
	return db.count(ctx, "count held "+s.table, q, ms(cutoff), ms(now))
}

// TrimLocation deletes, for each device with more than max location
// points, the oldest beyond max (batch at a time). A device a hold covers
// keeps them; they are counted as held.
func (db *DB) TrimLocation(ctx context.Context, max int, now time.Time, batch int) ([]string, int64, error) {
	batch = limit(batch, 1000, 10000)
	type over struct {
		device string
		n      int64
	}
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT device_id, COUNT(*) FROM location_points GROUP BY device_id HAVING COUNT(*) > $1`, max)
	devices, err := collect(rows, err, "devices over the location cap", func(s scanner) (over, error) {
		var o over
		return o, s.Scan(&o.device, &o.n)
	})
	if err != nil {
		return nil, 0, err
	}
	var ids []string
	var held int64
	heldQ := `SELECT COUNT(*) FROM devices d JOIN accounts a ON a.id = d.account_id WHERE d.id = $1 AND ` +
		heldBy("a.path", "d.id", "'device.location'", 2)
	for _, o := range devices {
		n, err := db.count(ctx, "location hold", heldQ, o.device, ms(now))
		if err != nil {
			return nil, 0, err
		}
		if n > 0 {
			held += o.n - int64(max)
			continue
		}
		for {
			got, err := db.returningIDs(ctx, "trim location", `DELETE FROM location_points WHERE id IN (SELECT id FROM location_points
				WHERE device_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT $3 OFFSET $2) RETURNING id`, o.device, max, batch)
			if err != nil {
				return nil, 0, err
			}
			ids = append(ids, got...)
			if len(got) < batch {
				break
			}
		}
	}
	return ids, held, nil
}

// AccountsDue lists unpurged, non-platform accounts (after the ID after,
// in ID order) that were deleted before deletedBefore or whose
// subscription ended before endedBefore.
func (db *DB) AccountsDue(ctx context.Context, deletedBefore, endedBefore time.Time, after string, n int) ([]*steward.Account, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+accountColumns+` FROM accounts a
		WHERE a.kind <> 'platform' AND a.purged_at IS NULL AND a.id > $3
		AND ((a.deleted_at IS NOT NULL AND a.deleted_at < $1) OR (a.subscription_end IS NOT NULL AND a.subscription_end < $2))
		ORDER BY a.id LIMIT $4`, ms(deletedBefore), ms(endedBefore), after, limit(n, 100, 1000))
	return collect(rows, err, "accounts due", scanAccount)
}

// PurgeAccountPart deletes a batch of one part of an account's own data,
// or (devices) anonymises it, leaving what a hold in force at now covers.
// An account's audit chain goes whole or not at all: a hold on any of its
// entries keeps every one, so what stays still verifies. Once the last
// entry is gone the chain's head goes too.
func (db *DB) PurgeAccountPart(ctx context.Context, accountID string, part steward.PurgePart, now time.Time, batch int) ([]string, error) {
	s, ok := purgeSets[part]
	if !ok {
		return nil, fmt.Errorf("purge: unknown part %q", part)
	}
	batch = limit(batch, 1000, 10000)
	op := "purge " + string(part)
	held := heldBy(s.path, s.subjects, s.category, 3)
	switch part {
	case steward.PurgeAudit:
		n, err := db.CountHeldAccountPart(ctx, accountID, part, now)
		if err != nil || n > 0 {
			return nil, err
		}
		ids, err := db.returningIDs(ctx, op, `DELETE FROM audit_log WHERE id IN
			(SELECT id FROM audit_log WHERE account_id = $1 ORDER BY seq DESC LIMIT $2) RETURNING id`, accountID, batch)
		if err == nil && len(ids) < batch {
			if _, err = db.w(ctx).ExecContext(ctx, `DELETE FROM audit_heads WHERE account_id = $1`, accountID); err != nil {
				err = fmt.Errorf("%s: head: %w", op, err)
			}
		}
		return ids, err
	case steward.PurgeLegalHolds:
		return db.returningIDs(ctx, op, fmt.Sprintf(`DELETE FROM legal_holds WHERE id IN (SELECT x.id FROM legal_holds x
			WHERE %s AND NOT %s LIMIT $2) RETURNING id`, s.own, holdInForce(3)), accountID, batch, ms(now))
	case steward.PurgeDevices:
		sel := fmt.Sprintf(`SELECT d.id FROM %s WHERE %s AND NOT %s LIMIT $2`, s.from, s.own, held)
		return db.returningIDs(ctx, op, fmt.Sprintf(anonymiseDevices, sel), accountID, batch, ms(now))
	}
	q := fmt.Sprintf(`DELETE FROM %s WHERE %s IN (SELECT %s FROM %s WHERE %s AND NOT %s LIMIT $2) RETURNING %s`,
		s.table, s.key, s.sel, s.from, s.own, held, s.ret)
	return db.returningIDs(ctx, op, q, accountID, batch, ms(now))
}

// CountHeldAccountPart counts an account's rows of part that a hold in
// force at now keeps (for the audit chain: all of it, if any is held).
func (db *DB) CountHeldAccountPart(ctx context.Context, accountID string, part steward.PurgePart, now time.Time) (int64, error) {
	s, ok := purgeSets[part]
	if !ok {
		return 0, fmt.Errorf("count held: unknown part %q", part)
	}
	op := "count held " + string(part)
	if part == steward.PurgeLegalHolds {
		// The holds still in force on the account: they keep it from
		// being marked purged until they are released or expire.
		return db.count(ctx, op, fmt.Sprintf(`SELECT COUNT(*) FROM legal_holds x WHERE %s AND %s`, s.own, holdInForce(2)),
			accountID, ms(now))
	}
	if held, err := db.anyHold(ctx, now); err != nil || !held {
		return 0, err
	}
	n, err := db.count(ctx, op, fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE %s AND %s`, s.from, s.own, heldBy(s.path, s.subjects, s.category, 2)),
		accountID, ms(now))
	if err != nil || n == 0 || part != steward.PurgeAudit {
		return n, err
	}
	return db.count(ctx, op, `SELECT COUNT(*) FROM audit_log WHERE account_id = $1`, accountID)
}

// MarkAccountPurged records the purge and clears the account's free text.
func (db *DB) MarkAccountPurged(ctx context.Context, id string, at time.Time) error {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET purged_at = $2, notes = '', status_reason = '', updated_at = $2
		WHERE id = $1`, id, ms(at))
	if err != nil {
		return fmt.Errorf("mark account purged: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound("account", id)
	}
	return nil
}

// AccountPurgedAt returns when an account was purged, or nil.
func (db *DB) AccountPurgedAt(ctx context.Context, id string) (*time.Time, error) {
	var at sql.NullInt64
	err := db.r(ctx).QueryRowContext(ctx, `SELECT purged_at FROM accounts WHERE id = $1`, id).Scan(&at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("account", id)
	} else if err != nil {
		return nil, fmt.Errorf("account purged at: %w", err)
	}
	return fromNullMs(at), nil
}

// RestoreSubtree clears the deletion of the unpurged accounts under prefix
// that were deleted at deletedAt.
func (db *DB) RestoreSubtree(ctx context.Context, prefix string, deletedAt, at time.Time) (int64, error) {
	res, err := db.w(ctx).ExecContext(ctx, `UPDATE accounts SET deleted_at = NULL, updated_at = $3
		WHERE path LIKE $1 AND deleted_at = $2 AND purged_at IS NULL`, prefix+"%", ms(deletedAt), ms(at))
	if err != nil {
		return 0, fmt.Errorf("restore accounts: %w", err)
	}
	return res.RowsAffected()
}

// countable are the tables whose size the privacy centre shows.
var countable = map[string]bool{"location_points": true, "web_history": true, "security_events": true, "audit_log": true,
	"managers": true, "devices": true, "credit_ledger": true, "device_consents": true, "device_events": true, "commands": true,
	"sessions": true, "api_tokens": true, "accounts": true, "activation_codes": true, "outbox": true, "legal_holds": true, "app_versions": true,
	"users": true,

	"policies": true, "policy_wifi": true, "policy_ca_certs": true, "contacts": true, "shared_files": true}

// CountTable counts the rows of one of the tables the engine knows.
func (db *DB) CountTable(ctx context.Context, table string) (int64, error) {
	if !countable[table] {
		return 0, fmt.Errorf("count table: %q is not one the engine knows", table)
	}
	return db.count(ctx, "count "+table, `SELECT COUNT(*) FROM `+table)
}

// RetentionRuns returns the state of every category's sweeps.
func (db *DB) RetentionRuns(ctx context.Context) ([]*steward.RetentionRun, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT category, rule_version, last_run_at, last_cutoff, last_count, held_count,
		last_receipt_id, next_due_at FROM retention_runs ORDER BY category`)
	return collect(rows, err, "retention runs", func(s scanner) (*steward.RetentionRun, error) {
		var r steward.RetentionRun
		var last, next int64
		var cutoff sql.NullInt64
		if err := s.Scan(&r.Category, &r.RuleVersion, &last, &cutoff, &r.LastCount, &r.HeldCount, &r.LastReceiptID, &next); err != nil {
			return nil, err
		}
		r.LastRunAt, r.LastCutoff, r.NextDueAt = fromMs(last), fromNullMs(cutoff), fromMs(next)
		return &r, nil
	})
}

// SaveRetentionRun records a category's last sweep.
func (db *DB) SaveRetentionRun(ctx context.Context, r *steward.RetentionRun) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO retention_runs
		(category, rule_version, last_run_at, last_cutoff, last_count, held_count, last_receipt_id, next_due_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (category) DO UPDATE SET rule_version = excluded.rule_version, last_run_at = excluded.last_run_at,
		last_cutoff = excluded.last_cutoff, last_count = excluded.last_count, held_count = excluded.held_count,
		last_receipt_id = excluded.last_receipt_id, next_due_at = excluded.next_due_at`,
		r.Category, r.RuleVersion, ms(r.LastRunAt), msPtr(r.LastCutoff), r.LastCount, r.HeldCount, r.LastReceiptID, ms(r.NextDueAt))
	if err != nil {
		return fmt.Errorf("save retention run: %w", err)
	}
	return nil
}
