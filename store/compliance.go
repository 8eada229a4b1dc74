package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/stewardmdm/steward"
)

var _ steward.ComplianceStore = (*DB)(nil)

const complianceColumns = `device_id, version, applied_at, received_at, state, failed, settings`

func scanComplianceReport(row scanner) (*steward.ComplianceReport, error) {
	var r steward.ComplianceReport
	var applied, received int64
	var settings string
	if err := row.Scan(&r.DeviceID, &r.Version, &applied, &received, &r.State, &r.Failed, &settings); err != nil {
		return nil, err
	}
	r.AppliedAt, r.ReceivedAt = fromMs(applied), fromMs(received)
	if err := json.Unmarshal([]byte(settings), &r.Settings); err != nil {
		return nil, fmt.Errorf("settings of %s: %w", r.DeviceID, err)
	}
	if r.Settings == nil {
		r.Settings = []steward.ComplianceSetting{}
	}
	return &r, nil
}

// PutComplianceReport inserts or replaces a device's report. ENOTFOUND
// when the device does not exist.
func (db *DB) PutComplianceReport(ctx context.Context, r *steward.ComplianceReport) error {
	settings := r.Settings
	if settings == nil {
		settings = []steward.ComplianceSetting{}
	}
	b, err := json.Marshal(settings)
	if err != nil {
		return fmt.Errorf("put compliance report: %w", err)
	}
	// The device must exist: a foreign key refuses a missing one, but the
	// two databases word that differently.
	var id string
	err = db.w(ctx).QueryRowContext(ctx, `SELECT id FROM devices WHERE id = $1`, r.DeviceID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return notFound("device", r.DeviceID)
	} else if err != nil {
		return fmt.Errorf("put compliance report: %w", err)
	}
	_, err = db.w(ctx).ExecContext(ctx, `INSERT INTO device_compliance (`+complianceColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (device_id) DO UPDATE SET version = excluded.version, applied_at = excluded.applied_at,
			received_at = excluded.received_at, state = excluded.state, failed = excluded.failed, settings = excluded.settings`,
		r.DeviceID, r.Version, ms(r.AppliedAt), ms(r.ReceivedAt), string(r.State), r.Failed, string(b))
	if err != nil {
		return fmt.Errorf("put compliance report: %w", err)
	}
	return nil
}

// ComplianceReport returns a device's latest report. ENOTFOUND.
func (db *DB) ComplianceReport(ctx context.Context, deviceID string) (*steward.ComplianceReport, error) {
	r, err := scanComplianceReport(db.r(ctx).QueryRowContext(ctx,
		`SELECT `+complianceColumns+` FROM device_compliance WHERE device_id = $1`, deviceID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, steward.Errorf(steward.ENOTFOUND, "device %q has sent no policy report", deviceID)
	} else if err != nil {
		return nil, fmt.Errorf("compliance report: %w", err)
	}
	return r, nil
}

// complianceBatch is how many devices one query of ComplianceReports asks for.
const complianceBatch = 500

// ComplianceReports returns the reports of those of the devices that have
// one, by device ID.
func (db *DB) ComplianceReports(ctx context.Context, deviceIDs []string) (map[string]*steward.ComplianceReport, error) {
	out := make(map[string]*steward.ComplianceReport, len(deviceIDs))
	for start := 0; start < len(deviceIDs); start += complianceBatch {
		ids := deviceIDs[start:min(start+complianceBatch, len(deviceIDs))]
		marks := make([]string, len(ids))
		args := make([]any, len(ids))
		for i, id := range ids {
			marks[i], args[i] = fmt.Sprintf("$%d", i+1), id
		}
		rows, err := db.queryMany(ctx, `SELECT `+complianceColumns+` FROM device_compliance
			WHERE device_id IN (`+strings.Join(marks, ", ")+`)`, args...)
		rs, err := collect(rows, err, "compliance reports", scanComplianceReport)
		if err != nil {
			return nil, err
		}
		for _, r := range rs {
			out[r.DeviceID] = r
		}
	}
	return out, nil
}

// ComplianceEntries lists the devices of the accounts under prefix with
// their report's version and state, in device ID order. The settings stay
// unread.
func (db *DB) ComplianceEntries(ctx context.Context, prefix string) ([]*steward.ComplianceEntry, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT d.id, d.account_id, d.name, d.support_id,
			c.version, c.state, c.failed, c.received_at
		FROM devices d JOIN accounts a ON a.id = d.account_id
		LEFT JOIN device_compliance c ON c.device_id = d.id
		WHERE a.path LIKE $1 ORDER BY d.id`, prefix+"%")
	return collect(rows, err, "compliance entries", func(row scanner) (*steward.ComplianceEntry, error) {
		var e steward.ComplianceEntry
		var version, state sql.NullString
		var failed, received sql.NullInt64
		if err := row.Scan(&e.DeviceID, &e.AccountID, &e.Name, &e.SupportID, &version, &state, &failed, &received); err != nil {
			return nil, err
		}
		e.Version, e.State, e.Failed, e.ReceivedAt = version.String, steward.ComplianceState(state.String), int(failed.Int64), fromNullMs(received)
		return &e, nil
	})
}
