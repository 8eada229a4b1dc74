package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// inventoryColumns are the columns Inventory is flattened into, in the
// order of inventoryArgs.
const inventoryColumns = `manufacturer, model, serial, ip, iccid, imei, phone_number, os_version, pending_os_update,
	patch_level, system_signature, battery_level, battery_charging, battery_health, gps_enabled, agent_version,
	agent_state, uptime_seconds`

func inventoryArgs(inv steward.Inventory) []any {
	return []any{inv.Manufacturer, inv.Model, inv.Serial, inv.IP, inv.ICCID, inv.IMEI, inv.PhoneNumber, inv.OSVersion,
		inv.PendingOSUpdate, inv.PatchLevel, inv.SystemSignature, nullable(inv.BatteryLevel), nullable(inv.BatteryCharging),
		inv.BatteryHealth, nullable(inv.GPSEnabled), inv.AgentVersion, inv.AgentState, nullable(inv.UptimeSeconds)}
}

const deviceColumns = `d.id, d.account_id, d.support_id, d.name, d.ownership, d.channel, d.platform, d.hardware_id,
	COALESCE(d.activation_code_id, ''), d.agent_enabled, d.disabled_reason,
	d.manufacturer, d.model, d.serial, d.ip, d.iccid, d.imei, d.phone_number, d.os_version, d.pending_os_update,
	d.patch_level, d.system_signature, d.battery_level, d.battery_charging, d.battery_health, d.gps_enabled,
	d.agent_version, d.agent_state, d.uptime_seconds,
	d.app_count, d.refusals, d.enrolled_at, d.last_seen_at, d.created_at, d.updated_at, COALESCE(d.folder_id, ''),
	d.policy_version, d.policy_checkin_seconds, d.policy_location, d.policy_web_history,
	d.directory_version`

func scanDevice(row scanner) (*steward.Device, error) {
	var d steward.Device
	var ownership, channel string
	var battery, uptime, lastSeen sql.NullInt64
	var charging, gps, polLocation, polWebHistory sql.NullBool
	var enrolled, created, updated int64
	inv := &d.Inventory
	if err := row.Scan(&d.ID, &d.AccountID, &d.SupportID, &d.Name, &ownership, &channel, &d.Platform, &d.HardwareID,
		&d.ActivationCodeID, &d.AgentEnabled, &d.DisabledReason,
		&inv.Manufacturer, &inv.Model, &inv.Serial, &inv.IP, &inv.ICCID, &inv.IMEI, &inv.PhoneNumber, &inv.OSVersion,
		&inv.PendingOSUpdate, &inv.PatchLevel, &inv.SystemSignature, &battery, &charging, &inv.BatteryHealth, &gps,
		&inv.AgentVersion, &inv.AgentState, &uptime,
		&d.AppCount, &d.Refusals, &enrolled, &lastSeen, &created, &updated, &d.FolderID,
		&d.Policy.Version, &d.Policy.CheckInIntervalSeconds, &polLocation, &polWebHistory,
		&d.DirectoryVersion); err != nil {
		return nil, err
	}
	d.Ownership, d.Channel = steward.Ownership(ownership), steward.Channel(channel)
	if battery.Valid {
		inv.BatteryLevel = ptr(int(battery.Int64))
	}
	if charging.Valid {
		inv.BatteryCharging = ptr(charging.Bool)
	}
	if gps.Valid {
		inv.GPSEnabled = ptr(gps.Bool)
	}
	if uptime.Valid {
		inv.UptimeSeconds = ptr(uptime.Int64)
	}
	if polLocation.Valid {
		d.Policy.Location = ptr(polLocation.Bool)
	}
	if polWebHistory.Valid {
		d.Policy.WebHistory = ptr(polWebHistory.Bool)
	}
	d.EnrolledAt, d.LastSeenAt, d.CreatedAt, d.UpdatedAt = fromMs(enrolled), fromNullMs(lastSeen), fromMs(created), fromMs(updated)
	return &d, nil
}

// InsertDevice inserts an enrolled device with the hash of its credential.
// d.Online is not stored. ECONFLICT when the ID or support ID is taken, or
// the account already has a device with the hardware identity.
func (db *DB) InsertDevice(ctx context.Context, d *steward.Device, credentialHash string) error {
	args := []any{d.ID, d.AccountID, d.SupportID, d.Name, string(d.Ownership), string(d.Channel), d.Platform, d.HardwareID,
		nullString(d.ActivationCodeID), credentialHash, d.AgentEnabled, d.DisabledReason}
	args = append(args, inventoryArgs(d.Inventory)...)
	args = append(args, d.AppCount, d.Refusals, ms(d.EnrolledAt), msPtr(d.LastSeenAt), ms(d.CreatedAt), ms(d.UpdatedAt))
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO devices (id, account_id, support_id, name, ownership, channel, platform,
		hardware_id, activation_code_id, credential_hash, agent_enabled, disabled_reason, `+inventoryColumns+`,
		app_count, refusals, enrolled_at, last_seen_at, created_at, updated_at)
		VALUES `+placeholders(1, len(args)), args...)
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "A device with this ID, support ID or hardware identity already exists.")
	} else if err != nil {
		return fmt.Errorf("insert device: %w", err)
	}
	return nil
}

// The statements of the device path, named so that a test can check that
// each is served by an index (see plans_test.go).
var (
	deviceByIDQuery       = `SELECT ` + deviceColumns + ` FROM devices d WHERE d.id = $1`
	deviceByHardwareQuery = `SELECT ` + deviceColumns + ` FROM devices d WHERE d.account_id = $1 AND d.hardware_id = $2`
	inventoryQuery        = func() string {
		cols := strings.Fields(strings.ReplaceAll(inventoryColumns, ",", " "))
		set := make([]string, len(cols))
		for i, c := range cols {
			set[i] = fmt.Sprintf("%s = $%d", c, i+2)
		}
		n := len(cols) + 2
		return fmt.Sprintf(`UPDATE devices SET %s, last_seen_at = $%d, updated_at = $%d WHERE id = $1`, strings.Join(set, ", "), n, n)
	}()
)

const (
	supportIDQuery  = `SELECT COUNT(*) FROM devices WHERE support_id = $1`
	deviceAuthQuery = `SELECT d.id, d.account_id, a.path, d.ownership, d.credential_hash, a.deleted_at IS NOT NULL
		FROM devices d JOIN accounts a ON a.id = d.account_id WHERE d.id = $1`
	verificationQuery = `SELECT d.id, d.account_id, a.path, d.agent_enabled, d.disabled_reason, c.revoked_at IS NOT NULL
		FROM devices d JOIN accounts a ON a.id = d.account_id LEFT JOIN activation_codes c ON c.id = d.activation_code_id
		WHERE d.id > $1 ORDER BY d.id LIMIT $2`
)

// touchQuery updates the last-seen times of n devices, given as pairs of
// ID and time.
func touchQuery(n int) string {
	rows := make([]string, n)
	for i := range rows {
		rows[i] = fmt.Sprintf("($%d, CAST($%d AS BIGINT), CAST($%d AS INTEGER), CAST($%d AS BOOLEAN), CAST($%d AS BIGINT))",
			5*i+1, 5*i+2, 5*i+3, 5*i+4, 5*i+5)
	}
	return `WITH seen (id, at, battery, charging, uptime) AS (VALUES ` + strings.Join(rows, ", ") + `)
		UPDATE devices SET last_seen_at = seen.at,
			battery_level = COALESCE(seen.battery, devices.battery_level),
			battery_charging = COALESCE(seen.charging, devices.battery_charging),
			uptime_seconds = COALESCE(seen.uptime, devices.uptime_seconds)
		FROM seen
		WHERE devices.id = seen.id AND (devices.last_seen_at IS NULL OR devices.last_seen_at < seen.at)`
}

// deviceEventsQuery lists a device's events, before an ID if before is set.
func deviceEventsQuery(before bool) string {
	if before {
		return `SELECT id, device_id, kind, detail, created_at FROM device_events WHERE device_id = $1 AND id < $2
			ORDER BY id DESC LIMIT $3`
	}
	return `SELECT id, device_id, kind, detail, created_at FROM device_events WHERE device_id = $1 ORDER BY id DESC LIMIT $2`
}

func (db *DB) deviceWhere(ctx context.Context, what, q string, args ...any) (*steward.Device, error) {
	d, err := scanDevice(db.r(ctx).QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("device", fmt.Sprint(args[len(args)-1]))
	} else if err != nil {
		return nil, fmt.Errorf("device by %s: %w", what, err)
	}
	return d, nil
}

// DeviceByID returns a device. ENOTFOUND.
func (db *DB) DeviceByID(ctx context.Context, id string) (*steward.Device, error) {
	return db.deviceWhere(ctx, "id", deviceByIDQuery, id)
}

// DeviceByHardware returns the device of an account with a hardware
// identity. ENOTFOUND.
func (db *DB) DeviceByHardware(ctx context.Context, accountID, hardwareID string) (*steward.Device, error) {
	return db.deviceWhere(ctx, "hardware", deviceByHardwareQuery, accountID, hardwareID)
}

// SupportIDExists reports whether a device has the support ID.
func (db *DB) SupportIDExists(ctx context.Context, supportID string) (bool, error) {
	var n int
	err := db.r(ctx).QueryRowContext(ctx, supportIDQuery, supportID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("support id exists: %w", err)
	}
	return n > 0, nil
}

// DeviceAuth returns what authenticating a device needs. Revoked is set
// when the device's account is deleted. ENOTFOUND.
func (db *DB) DeviceAuth(ctx context.Context, id string) (*steward.DeviceAuth, error) {
	var da steward.DeviceAuth
	var ownership string
	err := db.r(ctx).QueryRowContext(ctx, deviceAuthQuery, id).Scan(&da.DeviceID, &da.AccountID, &da.AccountPath, &ownership, &da.CredentialHash, &da.Revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("device", id)
	} else if err != nil {
		return nil, fmt.Errorf("device auth: %w", err)
	}
	da.Ownership = steward.Ownership(ownership)
	return &da, nil
}

// SetDeviceCredential replaces a device's credential hash. ENOTFOUND.
func (db *DB) SetDeviceCredential(ctx context.Context, id, credentialHash string, at time.Time) error {
	return db.updateDevice(ctx, "set device credential", id,
		`UPDATE devices SET credential_hash = $2, credential_rotated_at = $3, updated_at = $3 WHERE id = $1`,
		credentialHash, ms(at))
}

// SetDeviceAgent enables or disables a device's agent with a reason.
// ENOTFOUND.
func (db *DB) SetDeviceAgent(ctx context.Context, id string, enabled bool, reason string, at time.Time) error {
	return db.updateDevice(ctx, "set device agent", id,
		`UPDATE devices SET agent_enabled = $2, disabled_reason = $3, updated_at = $4 WHERE id = $1`,
		enabled, reason, ms(at))
}

// AddDeviceRefusals adds n to a device's count of refused data. ENOTFOUND.
func (db *DB) AddDeviceRefusals(ctx context.Context, id string, n int64) error {
	return db.updateDevice(ctx, "add device refusals", id, `UPDATE devices SET refusals = refusals + $2 WHERE id = $1`, n)
}

// UpdateDeviceInventory writes every inventory column and the last-seen
// time. ENOTFOUND.
func (db *DB) UpdateDeviceInventory(ctx context.Context, id string, inv steward.Inventory, at time.Time) error {
	return db.updateDevice(ctx, "update device inventory", id, inventoryQuery, append(inventoryArgs(inv), ms(at))...)
}

// updateDevice runs an UPDATE of one device whose first argument is its ID.
func (db *DB) updateDevice(ctx context.Context, op, id, q string, args ...any) error {
	res, err := db.w(ctx).ExecContext(ctx, q, append([]any{id}, args...)...)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return notFound("device", id)
	}
	return nil
}

// touchChunk is how many devices one statement of TouchDevices updates.
const touchChunk = 500

// TouchDevices records last-seen times and volatile readings of many
// devices in one transaction, a few statements of touchChunk devices each.
// A time never moves a device's last-seen time backwards (nor its readings
// to older ones); unknown devices are ignored.
func (db *DB) TouchDevices(ctx context.Context, seen map[string]steward.Liveness) error {
	if len(seen) == 0 {
		return nil
	}
	// In ID order, so that two nodes flushing at once lock rows in the same
	// order on PostgreSQL.
	ids := make([]string, 0, len(seen))
	for id := range seen {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return db.InTx(ctx, func(ctx context.Context) error {
		for chunk := range slices.Chunk(ids, touchChunk) {
			args := make([]any, 0, 5*len(chunk))
			for _, id := range chunk {
				l := seen[id]
				args = append(args, id, ms(l.SeenAt), l.BatteryLevel, l.BatteryCharging, l.UptimeSeconds)
			}
			if _, err := db.execMany(ctx, touchQuery(len(chunk)), args...); err != nil {
				return fmt.Errorf("touch devices: %w", err)
			}
		}
		return nil
	})
}

// appChunk is how many apps one INSERT writes.
const appChunk = 200

// ReplaceDeviceApps replaces a device's app list and its app count. When a
// package is listed twice the last entry wins. ENOTFOUND.
func (db *DB) ReplaceDeviceApps(ctx context.Context, id string, apps []steward.App) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.lockDevice(ctx, "replace device apps", id); err != nil {
			return err
		}
		if _, err := db.w(ctx).ExecContext(ctx, `DELETE FROM device_apps WHERE device_id = $1`, id); err != nil {
			return fmt.Errorf("replace device apps: %w", err)
		}
		if err := db.upsertApps(ctx, id, apps); err != nil {
			return fmt.Errorf("replace device apps: %w", err)
		}
		return db.countApps(ctx, "replace device apps", id)
	})
}

// ApplyDeviceApps removes the removed packages, then adds (or updates) the
// added apps, and keeps the device's app count. ENOTFOUND.
func (db *DB) ApplyDeviceApps(ctx context.Context, id string, added []steward.App, removed []string) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		if err := db.lockDevice(ctx, "apply device apps", id); err != nil {
			return err
		}
		for chunk := range slices.Chunk(removed, appChunk) {
			args := []any{id}
			for _, p := range chunk {
				args = append(args, p)
			}
			if _, err := db.execMany(ctx, `DELETE FROM device_apps WHERE device_id = $1 AND package IN `+
				placeholders(2, len(chunk)), args...); err != nil {
				return fmt.Errorf("apply device apps: remove: %w", err)
			}
		}
		if err := db.upsertApps(ctx, id, added); err != nil {
			return fmt.Errorf("apply device apps: %w", err)
		}
		return db.countApps(ctx, "apply device apps", id)
	})
}

// lockDevice checks that a device exists and, on PostgreSQL, holds its row
// lock until the transaction ends, so that concurrent app changes of one
// device count their apps one after the other.
func (db *DB) lockDevice(ctx context.Context, op, id string) error {
	return db.updateDevice(ctx, op, id, `UPDATE devices SET app_count = app_count WHERE id = $1`)
}

func (db *DB) countApps(ctx context.Context, op, id string) error {
	_, err := db.w(ctx).ExecContext(ctx, `UPDATE devices SET app_count = (SELECT COUNT(*) FROM device_apps WHERE device_id = $1)
		WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("%s: count: %w", op, err)
	}
	return nil
}

// upsertApps inserts apps, or updates those already there, in multi-row
// statements.
func (db *DB) upsertApps(ctx context.Context, id string, apps []steward.App) error {
	// One statement must not name a package twice; the last entry wins.
	last := make(map[string]int, len(apps))
	for i, a := range apps {
		last[a.Package] = i
	}
	uniq := make([]steward.App, 0, len(last))
	for i, a := range apps {
		if last[a.Package] == i {
			uniq = append(uniq, a)
		}
	}
	for chunk := range slices.Chunk(uniq, appChunk) {
		rows := make([]string, len(chunk))
		args := make([]any, 0, 7*len(chunk))
		for i, a := range chunk {
			rows[i] = placeholders(len(args)+1, 7)
			args = append(args, id, a.Package, a.Name, a.VersionName, a.VersionCode, a.WorkProfile, a.System)
		}
		_, err := db.execMany(ctx, `INSERT INTO device_apps (device_id, package, name, version_name, version_code,
			work_profile, system) VALUES `+strings.Join(rows, ", ")+` ON CONFLICT (device_id, package) DO UPDATE SET
			name = excluded.name, version_name = excluded.version_name, version_code = excluded.version_code,
			work_profile = excluded.work_profile, system = excluded.system`, args...)
		if err != nil {
			return fmt.Errorf("write apps: %w", err)
		}
	}
	return nil
}

// ListDeviceApps lists a device's apps by package name.
func (db *DB) ListDeviceApps(ctx context.Context, id string) ([]steward.App, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT package, name, version_name, version_code, work_profile, system
		FROM device_apps WHERE device_id = $1 ORDER BY package`, id)
	if err != nil {
		return nil, fmt.Errorf("list device apps: %w", err)
	}
	defer rows.Close()
	var out []steward.App
	for rows.Next() {
		var a steward.App
		if err := rows.Scan(&a.Package, &a.Name, &a.VersionName, &a.VersionCode, &a.WorkProfile, &a.System); err != nil {
			return nil, fmt.Errorf("list device apps: scan: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// InsertDeviceEvent adds a line to a device's history.
func (db *DB) InsertDeviceEvent(ctx context.Context, e *steward.DeviceEvent) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO device_events (id, device_id, kind, detail, created_at)
		VALUES ($1, $2, $3, $4, $5)`, e.ID, e.DeviceID, e.Kind, nullString(string(e.Detail)), ms(e.CreatedAt))
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "device event %q already exists", e.ID)
	} else if err != nil {
		return fmt.Errorf("insert device event: %w", err)
	}
	return nil
}

// ListDeviceEvents lists a device's history newest first, before the event
// with ID before (if set), at most limit (default 50, at most 500).
func (db *DB) ListDeviceEvents(ctx context.Context, deviceID, before string, n int) ([]*steward.DeviceEvent, error) {
	args := []any{deviceID}
	if before != "" {
		args = append(args, before)
	}
	args = append(args, limit(n, 50, 500))
	rows, err := db.r(ctx).QueryContext(ctx, deviceEventsQuery(before != ""), args...)
	if err != nil {
		return nil, fmt.Errorf("list device events: %w", err)
	}
	defer rows.Close()
	var out []*steward.DeviceEvent
	for rows.Next() {
		var e steward.DeviceEvent
		var detail sql.NullString
		var created int64
		if err := rows.Scan(&e.ID, &e.DeviceID, &e.Kind, &detail, &created); err != nil {
			return nil, fmt.Errorf("list device events: scan: %w", err)
		}
		if detail.Valid && detail.String != "" {
			e.Detail = json.RawMessage(detail.String)
		}
		e.CreatedAt = fromMs(created)
		out = append(out, &e)
	}
	return out, rows.Err()
}

// DeleteDevice deletes a device with its apps, history, commands and
// credential. ENOTFOUND.
func (db *DB) DeleteDevice(ctx context.Context, id string) error {
	res, err := db.w(ctx).ExecContext(ctx, `DELETE FROM devices WHERE id = $1`, id)
	if err != nil {
		return fmt.Errorf("delete device: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("delete device: %w", err)
	} else if n == 0 {
		return notFound("device", id)
	}
	return nil
}

// DevicesForVerification pages through all devices in ID order, after the
// device with ID after, at most limit (default 500, at most 5000), with
// their account's path and whether their activation code is revoked.
func (db *DB) DevicesForVerification(ctx context.Context, after string, n int) ([]*steward.DeviceVerification, error) {
	rows, err := db.r(ctx).QueryContext(ctx, verificationQuery, after, limit(n, 500, 5000))
	if err != nil {
		return nil, fmt.Errorf("devices for verification: %w", err)
	}
	defer rows.Close()
	var out []*steward.DeviceVerification
	for rows.Next() {
		var v steward.DeviceVerification
		if err := rows.Scan(&v.DeviceID, &v.AccountID, &v.AccountPath, &v.AgentEnabled, &v.DisabledReason, &v.CodeRevoked); err != nil {
			return nil, fmt.Errorf("devices for verification: scan: %w", err)
		}
		out = append(out, &v)
	}
	return out, rows.Err()
}

// placeholders returns "($first, $first+1, …)" with n parameters.
func placeholders(first, n int) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "$%d", first+i)
	}
	b.WriteByte(')')
	return b.String()
}

// nullable returns *p, or nil (NULL) for a nil pointer.
func nullable[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// nullString returns s, or nil (NULL) for "".
func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func ptr[T any](v T) *T { return &v }
