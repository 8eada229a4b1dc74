package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/stewardmdm/steward"
)

var _ steward.LocationStore = (*DB)(nil)

// lockClause returns clause (FOR SHARE, FOR UPDATE) on PostgreSQL inside
// a transaction, so that a concurrent writer waits for the reader. SQLite has one writer and immediate transactions, so it needs
// none (and its read pool is query-only).
func (db *DB) lockClause(ctx context.Context, clause string) string {
	if _, inTx := ctx.Value(txKey{}).(*sql.Tx); inTx && db.dialect == Postgres {
		return " " + clause
	}
	return ""
}

// PrivacySettings returns an account's switches, both off when the account
// never set them.
func (db *DB) PrivacySettings(ctx context.Context, accountID string) (*steward.PrivacySettings, error) {
	s := steward.PrivacySettings{AccountID: accountID}
	var at int64
	err := db.r(ctx).QueryRowContext(ctx, `SELECT location_enabled, web_history_enabled, updated_by, updated_at
		FROM privacy_settings WHERE account_id = $1`+db.lockClause(ctx, "FOR SHARE"), accountID).
		Scan(&s.LocationEnabled, &s.WebHistoryEnabled, &s.UpdatedBy, &at)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return &s, nil
	case err != nil:
		return nil, fmt.Errorf("privacy settings: %w", err)
	}
	s.UpdatedAt = fromMs(at)
	return &s, nil
}

// PutPrivacySettings writes an account's switches.
func (db *DB) PutPrivacySettings(ctx context.Context, s *steward.PrivacySettings) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO privacy_settings (account_id, location_enabled, web_history_enabled, updated_by, updated_at)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (account_id) DO UPDATE SET location_enabled = excluded.location_enabled,
			web_history_enabled = excluded.web_history_enabled, updated_by = excluded.updated_by, updated_at = excluded.updated_at`,
		s.AccountID, s.LocationEnabled, s.WebHistoryEnabled, s.UpdatedBy, ms(s.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put privacy settings: %w", err)
	}
	return nil
}

// LockDeviceData locks the device's row until the transaction ends
// (PostgreSQL); on SQLite the single writer already serialises. ENOTFOUND.
func (db *DB) LockDeviceData(ctx context.Context, deviceID string) error {
	var id string
	err := db.w(ctx).QueryRowContext(ctx, `SELECT id FROM devices WHERE id = $1`+db.lockClause(ctx, "FOR UPDATE"), deviceID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("device", deviceID)
	} else if err != nil {
		return fmt.Errorf("lock device data: %w", err)
	}
	return nil
}

const consentColumns = `id, device_id, purpose, granted, notice_version, decided_at, recorded_at`

func scanConsent(row scanner) (*steward.Consent, error) {
	var c steward.Consent
	var decided, recorded int64
	if err := row.Scan(&c.ID, &c.DeviceID, &c.Purpose, &c.Granted, &c.NoticeVersion, &decided, &recorded); err != nil {
		return nil, err
	}
	c.DecidedAt, c.RecordedAt = fromMs(decided), fromMs(recorded)
	return &c, nil
}

// InsertConsent appends a decision. ECONFLICT when the ID is taken.
func (db *DB) InsertConsent(ctx context.Context, c *steward.Consent) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO device_consents (`+consentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		c.ID, c.DeviceID, string(c.Purpose), c.Granted, c.NoticeVersion, ms(c.DecidedAt), ms(c.RecordedAt))
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "consent %q already exists", c.ID)
	} else if err != nil {
		return fmt.Errorf("insert consent: %w", err)
	}
	return nil
}

// LatestConsent returns the device's latest decision for purpose: the one
// recorded last (IDs sort by recording time). ENOTFOUND.
func (db *DB) LatestConsent(ctx context.Context, deviceID string, purpose steward.ConsentPurpose) (*steward.Consent, error) {
	c, err := scanConsent(db.r(ctx).QueryRowContext(ctx, `SELECT `+consentColumns+` FROM device_consents
		WHERE device_id = $1 AND purpose = $2 ORDER BY id DESC LIMIT 1`, deviceID, string(purpose)))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.Errorf(steward.ENOTFOUND, "no %s decision recorded for device %q", purpose, deviceID)
	} else if err != nil {
		return nil, fmt.Errorf("latest consent: %w", err)
	}
	return c, nil
}

// ListConsents lists a device's decisions, newest first (at most limit,
// default 50, at most 500).
func (db *DB) ListConsents(ctx context.Context, deviceID string, n int) ([]*steward.Consent, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+consentColumns+` FROM device_consents
		WHERE device_id = $1 ORDER BY id DESC LIMIT $2`, deviceID, limit(n, 50, 500))
	return collect(rows, err, "list consents", scanConsent)
}

const pointColumns = `id, device_id, latitude, longitude, accuracy_m, recorded_at, received_at`

func scanPoint(row scanner) (*steward.LocationPoint, error) {
	var p steward.LocationPoint
	var acc sql.NullFloat64
	var recorded, received int64
	if err := row.Scan(&p.ID, &p.DeviceID, &p.Latitude, &p.Longitude, &acc, &recorded, &received); err != nil {
		return nil, err
	}
	if acc.Valid {
		p.AccuracyM = &acc.Float64
	}
	p.RecordedAt, p.ReceivedAt = fromMs(recorded), fromMs(received)
	return &p, nil
}

// InsertLocationPoints adds a device's points and evicts all but its keep
// newest, in one transaction (joining the caller's, if any). On
// PostgreSQL the device's row is locked first, so two batches of one
// device cannot both count 50 and leave 51.
func (db *DB) InsertLocationPoints(ctx context.Context, deviceID string, ps []*steward.LocationPoint, keep int) (int64, error) {
	var evicted int64
	err := db.InTx(ctx, func(ctx context.Context) error {
		if err := db.LockDeviceData(ctx, deviceID); err != nil {
			return err
		}
		for _, p := range ps {
			var acc any
			if p.AccuracyM != nil {
				acc = *p.AccuracyM
			}
			if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO location_points (`+pointColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				p.ID, deviceID, p.Latitude, p.Longitude, acc, ms(p.RecordedAt), ms(p.ReceivedAt)); err != nil {
				return fmt.Errorf("insert location point: %w", err)
			}
		}
		res, err := db.w(ctx).ExecContext(ctx, `DELETE FROM location_points WHERE device_id = $1 AND id NOT IN (
			SELECT id FROM location_points WHERE device_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT $2)`, deviceID, keep)
		if err != nil {
			return fmt.Errorf("evict location points: %w", err)
		}
		evicted, _ = res.RowsAffected()
		return nil
	})
	return evicted, err
}

// ListLocationPoints lists a device's points, newest recorded first (at
// most limit, default 50, at most 500).
func (db *DB) ListLocationPoints(ctx context.Context, deviceID string, n int) ([]*steward.LocationPoint, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+pointColumns+` FROM location_points
		WHERE device_id = $1 ORDER BY recorded_at DESC, id DESC LIMIT $2`, deviceID, limit(n, 50, 500))
	return collect(rows, err, "list location points", scanPoint)
}

// DeleteDeviceLocation deletes a device's points.
func (db *DB) DeleteDeviceLocation(ctx context.Context, deviceID string) (int64, error) {
	return db.deleteRows(ctx, "delete device location", `DELETE FROM location_points WHERE device_id = $1`, deviceID)
}

// DeleteAccountLocation deletes the points of an account's devices.
func (db *DB) DeleteAccountLocation(ctx context.Context, accountID string) (int64, error) {
	return db.deleteRows(ctx, "delete account location", `DELETE FROM location_points
		WHERE device_id IN (SELECT id FROM devices WHERE account_id = $1)`, accountID)
}

const visitColumns = `id, device_id, url, title, visited_at, received_at`

func scanVisit(row scanner) (*steward.WebVisit, error) {
	var v steward.WebVisit
	var visited, received int64
	if err := row.Scan(&v.ID, &v.DeviceID, &v.URL, &v.Title, &visited, &received); err != nil {
		return nil, err
	}
	v.VisitedAt, v.ReceivedAt = fromMs(visited), fromMs(received)
	return &v, nil
}

// InsertWebVisits adds visits.
func (db *DB) InsertWebVisits(ctx context.Context, vs []*steward.WebVisit) error {
	return db.InTx(ctx, func(ctx context.Context) error {
		for _, v := range vs {
			if _, err := db.w(ctx).ExecContext(ctx, `INSERT INTO web_history (`+visitColumns+`) VALUES ($1, $2, $3, $4, $5, $6)`,
				v.ID, v.DeviceID, v.URL, v.Title, ms(v.VisitedAt), ms(v.ReceivedAt)); err != nil {
				return fmt.Errorf("insert web visit: %w", err)
			}
		}
		return nil
	})
}

// ListWebVisits lists a device's visits, newest first (at most limit,
// default 100, at most 1000).
func (db *DB) ListWebVisits(ctx context.Context, deviceID string, n int) ([]*steward.WebVisit, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+visitColumns+` FROM web_history
		WHERE device_id = $1 ORDER BY visited_at DESC, id DESC LIMIT $2`, deviceID, limit(n, 100, 1000))
	return collect(rows, err, "list web visits", scanVisit)
}

// DeleteDeviceWebHistory deletes a device's visits.
func (db *DB) DeleteDeviceWebHistory(ctx context.Context, deviceID string) (int64, error) {
	return db.deleteRows(ctx, "delete device web history", `DELETE FROM web_history WHERE device_id = $1`, deviceID)
}

// DeleteAccountWebHistory deletes the web history of an account's devices.
func (db *DB) DeleteAccountWebHistory(ctx context.Context, accountID string) (int64, error) {
	return db.deleteRows(ctx, "delete account web history", `DELETE FROM web_history
		WHERE device_id IN (SELECT id FROM devices WHERE account_id = $1)`, accountID)
}

func (db *DB) deleteRows(ctx context.Context, op, q string, arg any) (int64, error) {
	res, err := db.w(ctx).ExecContext(ctx, q, arg)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", op, err)
	}
	return res.RowsAffected()
}
