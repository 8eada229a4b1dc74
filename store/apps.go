package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
)

var _ steward.AppStore = (*DB)(nil)

const appColumns = `id, account_id, package, name, shared, created_by, created_at, updated_at`

func scanApp(row scanner) (*steward.StoreApp, error) {
	var a steward.StoreApp
	var created, updated int64
	if err := row.Scan(&a.ID, &a.AccountID, &a.Package, &a.Name, &a.Shared, &a.CreatedBy, &created, &updated); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromMs(created), fromMs(updated)
	return &a, nil
}

// InsertApp inserts an app. ECONFLICT when the account has the package.
func (db *DB) InsertApp(ctx context.Context, a *steward.StoreApp) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO apps (`+appColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		a.ID, a.AccountID, a.Package, a.Name, a.Shared, a.CreatedBy, ms(a.CreatedAt), ms(a.UpdatedAt))
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "The account already has an app %q.", a.Package)
	} else if err != nil {
		return fmt.Errorf("insert app: %w", err)
	}
	return nil
}

func (db *DB) appWhere(ctx context.Context, what, q string, args ...any) (*steward.StoreApp, error) {
	a, err := scanApp(db.r(ctx).QueryRowContext(ctx, `SELECT `+appColumns+` FROM apps WHERE `+q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("app", what)
	} else if err != nil {
		return nil, fmt.Errorf("app: %w", err)
	}
	return a, nil
}

// AppByID returns an app. ENOTFOUND.
func (db *DB) AppByID(ctx context.Context, id string) (*steward.StoreApp, error) {
	return db.appWhere(ctx, id, `id = $1`, id)
}

// AppByPackage returns an account's app of a package. ENOTFOUND.
func (db *DB) AppByPackage(ctx context.Context, accountID, pkg string) (*steward.StoreApp, error) {
	return db.appWhere(ctx, pkg, `account_id = $1 AND package = $2`, accountID, pkg)
}

// ListApps lists the apps of the accounts under prefix and the shared apps
// of the accounts in ancestors, by package then ID, each with the summary
// of its newest version (by ID, so by upload time), in one query.
func (db *DB) ListApps(ctx context.Context, prefix string, ancestors []string) ([]*steward.StoreApp, error) {
	q := `SELECT a.` + appColumnsAliased + `, ` + latestColumns + ` FROM apps a JOIN accounts acc ON acc.id = a.account_id
		LEFT JOIN app_versions v ON v.id = (SELECT MAX(x.id) FROM app_versions x WHERE x.app_id = a.id)
		WHERE acc.path LIKE $1`
	args := []any{prefix + "%"}
	for _, id := range ancestors {
		args = append(args, id)
		q += fmt.Sprintf(` OR (a.shared AND a.account_id = $%d)`, len(args))
	}
	rows, err := db.r(ctx).QueryContext(ctx, q+` ORDER BY a.package, a.id`, args...)
	return collect(rows, err, "list apps", scanAppWithLatest)
}

const appColumnsAliased = `id, a.account_id, a.package, a.name, a.shared, a.created_by, a.created_at, a.updated_at`

// latestColumns are the summary of an app's newest version in ListApps.
const latestColumns = `v.id, v.version_code, v.version_name, v.sha256, v.size, v.status, v.uploaded_at, v.scanned_at`

func scanAppWithLatest(row scanner) (*steward.StoreApp, error) {
	var a steward.StoreApp
	var created, updated int64
	var id, name, sha, status sql.NullString
	var code, size, uploaded, scanned sql.NullInt64
	if err := row.Scan(&a.ID, &a.AccountID, &a.Package, &a.Name, &a.Shared, &a.CreatedBy, &created, &updated,
		&id, &code, &name, &sha, &size, &status, &uploaded, &scanned); err != nil {
		return nil, err
	}
	a.CreatedAt, a.UpdatedAt = fromMs(created), fromMs(updated)
	if id.Valid {
		a.Latest = &steward.AppVersion{ID: id.String, AppID: a.ID, VersionCode: code.Int64, VersionName: name.String,
			SHA256: sha.String, Size: size.Int64, Status: steward.AppVersionStatus(status.String), UploadedAt: fromMs(uploaded.Int64),
			ScannedAt: fromNullMs(scanned)}
	}
	return &a, nil
}

// UpdateApp writes an app's name and shared flag. ENOTFOUND.
func (db *DB) UpdateApp(ctx context.Context, a *steward.StoreApp) error {
	return db.exec1(ctx, "update app", "app", a.ID, `UPDATE apps SET name = $2, shared = $3, updated_at = $4 WHERE id = $1`,
		a.ID, a.Name, a.Shared, ms(a.UpdatedAt))
}

// DeleteApp deletes an app with its versions, assignments and deployments. ENOTFOUND.
func (db *DB) DeleteApp(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete app", "app", id, `DELETE FROM apps WHERE id = $1`, id)
}

// exec1 runs a statement that must change one row: ENOTFOUND otherwise.
func (db *DB) exec1(ctx context.Context, op, what, id, q string, args ...any) error {
	res, err := db.w(ctx).ExecContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("%s: %w", op, err)
	} else if n == 0 {
		return notFound(what, id)
	}
	return nil
}

const versionColumns = `id, app_id, version_code, version_name, sha256, size, blob_key, status, info, findings, reasons, scan,
	signer_override, uploaded_by, uploaded_by_email, uploaded_from, uploaded_at, scanned_at, scan_attempts, next_scan_at`

// jsonText encodes v for a TEXT column; nil and empty slices are NULL.
func jsonText(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if s := string(b); s == "null" || s == "[]" {
		return nil, nil
	}
	return string(b), nil
}

func fromJSONText(s sql.NullString, v any) error {
	if !s.Valid || s.String == "" {
		return nil
	}
	return json.Unmarshal([]byte(s.String), v)
}

func scanVersion(row scanner) (*steward.AppVersion, error) {
	var v steward.AppVersion
	var info, findings, reasons, scan sql.NullString
	var uploaded int64
	var scanned, next sql.NullInt64
	if err := row.Scan(&v.ID, &v.AppID, &v.VersionCode, &v.VersionName, &v.SHA256, &v.Size, &v.BlobKey, &v.Status,
		&info, &findings, &reasons, &scan, &v.SignerOverride, &v.UploadedBy, &v.UploadedByEmail, &v.UploadedFrom, &uploaded, &scanned,
		&v.ScanAttempts, &next); err != nil {
		return nil, err
	}
	v.UploadedAt, v.ScannedAt, v.NextScanAt = fromMs(uploaded), fromNullMs(scanned), fromNullMs(next)
	for _, c := range []struct {
		s sql.NullString
		v any
	}{{info, &v.Info}, {findings, &v.Findings}, {reasons, &v.Reasons}, {scan, &v.Scan}} {
		if err := fromJSONText(c.s, c.v); err != nil {
			return nil, fmt.Errorf("version %s: %w", v.ID, err)
		}
	}
	return &v, nil
}

func versionDocs(v *steward.AppVersion) ([]any, error) {
	var out []any
	for _, d := range []any{v.Info, v.Findings, v.Reasons, v.Scan} {
		t, err := jsonText(d)
		if err != nil {
			return nil, fmt.Errorf("encode version %s: %w", v.ID, err)
		}
		out = append(out, t)
	}
	return out, nil
}

// InsertAppVersion inserts a version. ECONFLICT when the ID is taken.
func (db *DB) InsertAppVersion(ctx context.Context, v *steward.AppVersion) error {
	docs, err := versionDocs(v)
	if err != nil {
		return err
	}
	_, err = db.w(ctx).ExecContext(ctx, `INSERT INTO app_versions (`+versionColumns+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)`,
		v.ID, v.AppID, v.VersionCode, v.VersionName, v.SHA256, v.Size, v.BlobKey, string(v.Status),
		docs[0], docs[1], docs[2], docs[3], v.SignerOverride, v.UploadedBy, v.UploadedByEmail, v.UploadedFrom, ms(v.UploadedAt), msPtr(v.ScannedAt),
		v.ScanAttempts, msPtr(v.NextScanAt))
	if isUniqueViolation(err) {
		return steward.Errorf(steward.ECONFLICT, "version %q already exists", v.ID)
	} else if err != nil {
		return fmt.Errorf("insert app version: %w", err)
	}
	return nil
}

// AppVersionByID returns a version. ENOTFOUND.
func (db *DB) AppVersionByID(ctx context.Context, id string) (*steward.AppVersion, error) {
	v, err := scanVersion(db.r(ctx).QueryRowContext(ctx, `SELECT `+versionColumns+` FROM app_versions WHERE id = $1`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("version", id)
	} else if err != nil {
		return nil, fmt.Errorf("app version: %w", err)
	}
	return v, nil
}

// ListAppVersions lists an app's versions, newest first.
func (db *DB) ListAppVersions(ctx context.Context, appID string) ([]*steward.AppVersion, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+versionColumns+` FROM app_versions WHERE app_id = $1 ORDER BY id DESC`, appID)
	return collect(rows, err, "list app versions", scanVersion)
}

// QuarantinedVersions lists up to n (default 20, at most 500) quarantined
// versions not scanned yet whose next try is due at now, oldest first.
func (db *DB) QuarantinedVersions(ctx context.Context, now time.Time, n int) ([]*steward.AppVersion, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+versionColumns+` FROM app_versions
		WHERE status = $1 AND scanned_at IS NULL AND (next_scan_at IS NULL OR next_scan_at <= $2) ORDER BY id LIMIT $3`,
		string(steward.VersionQuarantined), ms(now), limit(n, 20, 500))
	return collect(rows, err, "quarantined versions", scanVersion)
}

// UpdateAppVersion writes a version's status, blob key, documents,
// override, scan time, failed tries and next try. ENOTFOUND.
func (db *DB) UpdateAppVersion(ctx context.Context, v *steward.AppVersion) error {
	docs, err := versionDocs(v)
	if err != nil {
		return err
	}
	return db.exec1(ctx, "update app version", "version", v.ID, `UPDATE app_versions SET status = $2, blob_key = $3,
		info = $4, findings = $5, reasons = $6, scan = $7, signer_override = $8, scanned_at = $9, scan_attempts = $10,
		next_scan_at = $11 WHERE id = $1`,
		v.ID, string(v.Status), v.BlobKey, docs[0], docs[1], docs[2], docs[3], v.SignerOverride, msPtr(v.ScannedAt),
		v.ScanAttempts, msPtr(v.NextScanAt))
}

const assignmentColumns = `id, app_id, account_id, folder_id, group_id, device_id, mode, assigned_by, created_at`

func scanAssignment(row scanner) (*steward.AppAssignment, error) {
	var a steward.AppAssignment
	var acc, folder, group, dev sql.NullString
	var created int64
	if err := row.Scan(&a.ID, &a.AppID, &acc, &folder, &group, &dev, &a.Mode, &a.AssignedBy, &created); err != nil {
		return nil, err
	}
	a.AccountID, a.FolderID, a.GroupID, a.DeviceID, a.CreatedAt = acc.String, folder.String, group.String, dev.String, fromMs(created)
	return &a, nil
}

// targetColumns names the column of each kind of target.
var targetColumns = map[steward.TargetKind]string{
	steward.TargetAccount: "account_id", steward.TargetFolder: "folder_id",
	steward.TargetGroup: "group_id", steward.TargetDevice: "device_id",
}

// PutAssignment inserts an assignment, or replaces the mode of the app's
// assignment to the same target (keeping its ID).
func (db *DB) PutAssignment(ctx context.Context, a *steward.AppAssignment) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO app_assignments (`+assignmentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
		ON CONFLICT (app_id, `+targetColumns[a.Target().Kind]+`) DO UPDATE SET mode = excluded.mode, assigned_by = excluded.assigned_by`,
		a.ID, a.AppID, nullString(a.AccountID), nullString(a.FolderID), nullString(a.GroupID), nullString(a.DeviceID),
		string(a.Mode), a.AssignedBy, ms(a.CreatedAt))
	if err != nil {
		return fmt.Errorf("put assignment: %w", err)
	}
	return nil
}

// ListAssignments lists an app's assignments, oldest first.
func (db *DB) ListAssignments(ctx context.Context, appID string) ([]*steward.AppAssignment, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+assignmentColumns+` FROM app_assignments WHERE app_id = $1 ORDER BY id`, appID)
	return collect(rows, err, "list assignments", scanAssignment)
}

// DeleteAssignment deletes an assignment. ENOTFOUND.
func (db *DB) DeleteAssignment(ctx context.Context, id string) error {
	return db.exec1(ctx, "delete assignment", "assignment", id, `DELETE FROM app_assignments WHERE id = $1`, id)
}

// AssignmentsCovering lists the assignments of every app to the device, to
// an account on its path, to its folder or to one of its groups, by app
// then ID.
func (db *DB) AssignmentsCovering(ctx context.Context, m *steward.Membership) ([]*steward.AppAssignment, error) {
	args := []any{m.DeviceID}
	q := `SELECT ` + assignmentColumns + ` FROM app_assignments WHERE device_id = $1`
	in := func(col string, ids []string) {
		if len(ids) == 0 {
			return
		}
		q += ` OR ` + col + ` IN ` + placeholders(len(args)+1, len(ids))
		args = withIDs(args, ids)
	}
	in("account_id", splitPath(m.AccountPath))
	if m.FolderID != "" {
		in("folder_id", []string{m.FolderID})
	}
	in("group_id", m.GroupIDs)
	rows, err := db.queryMany(ctx, q+` ORDER BY app_id, id`, args...)
	return collect(rows, err, "assignments covering a device", scanAssignment)
}

// splitPath returns the account IDs of a path "/a/b/c/".
func splitPath(path string) []string {
	var out []string
	start := -1
	for i, c := range path {
		if c == '/' {
			if start >= 0 && i > start {
				out = append(out, path[start:i])
			}
			start = i + 1
		}
	}
	return out
}

const deploymentColumns = `version_id, device_id, app_id, status, command_id, output, created_at, updated_at`

const deploymentColumnsAliased = `version_id, d.device_id, d.app_id, d.status, d.command_id, d.output, d.created_at, d.updated_at`

func scanDeployment(row scanner) (*steward.AppDeployment, error) {
	var d steward.AppDeployment
	var created, updated int64
	if err := row.Scan(&d.VersionID, &d.DeviceID, &d.AppID, &d.Status, &d.CommandID, &d.Output, &created, &updated); err != nil {
		return nil, err
	}
	d.CreatedAt, d.UpdatedAt = fromMs(created), fromMs(updated)
	return &d, nil
}

// PutDeployment inserts or replaces the deployment of a version on a device
// (keeping its creation time).
func (db *DB) PutDeployment(ctx context.Context, d *steward.AppDeployment) error {
	_, err := db.w(ctx).ExecContext(ctx, `INSERT INTO app_deployments (`+deploymentColumns+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (version_id, device_id) DO UPDATE SET status = excluded.status, command_id = excluded.command_id,
			output = excluded.output, updated_at = excluded.updated_at`,
		d.VersionID, d.DeviceID, d.AppID, string(d.Status), d.CommandID, d.Output, ms(d.CreatedAt), ms(d.UpdatedAt))
	if err != nil {
		return fmt.Errorf("put deployment: %w", err)
	}
	return nil
}

// SupersedeDeployments marks the installed deployments of an app on a
// device, other than exceptVersionID's, superseded at at.
func (db *DB) SupersedeDeployments(ctx context.Context, appID, deviceID, exceptVersionID string, at time.Time) error {
	_, err := db.w(ctx).ExecContext(ctx, `UPDATE app_deployments SET status = $1, updated_at = $2
		WHERE app_id = $3 AND device_id = $4 AND version_id <> $5 AND status = $6`,
		string(steward.DeploySuperseded), ms(at), appID, deviceID, exceptVersionID, string(steward.DeployInstalled))
	if err != nil {
		return fmt.Errorf("supersede deployments: %w", err)
	}
	return nil
}

// DeviceDeployments lists a device's deployments of every app, by app,
// newest version first.
func (db *DB) DeviceDeployments(ctx context.Context, deviceID string) ([]*steward.AppDeployment, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT `+deploymentColumns+` FROM app_deployments WHERE device_id = $1
		ORDER BY app_id, version_id DESC`, deviceID)
	return collect(rows, err, "device deployments", scanDeployment)
}

// DeploymentByCommand returns the deployment a command carries. ENOTFOUND.
func (db *DB) DeploymentByCommand(ctx context.Context, commandID string) (*steward.AppDeployment, error) {
	d, err := scanDeployment(db.r(ctx).QueryRowContext(ctx, `SELECT `+deploymentColumns+` FROM app_deployments WHERE command_id = $1`, commandID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, notFound("deployment of command", commandID)
	} else if err != nil {
		return nil, fmt.Errorf("deployment by command: %w", err)
	}
	return d, nil
}

// ListDeployments lists an app's deployments on the devices of the accounts
// under prefix, by device, newest version first.
func (db *DB) ListDeployments(ctx context.Context, appID, prefix string) ([]*steward.AppDeployment, error) {
	rows, err := db.r(ctx).QueryContext(ctx, `SELECT d.`+deploymentColumnsAliased+` FROM app_deployments d
		JOIN devices dev ON dev.id = d.device_id JOIN accounts acc ON acc.id = dev.account_id
		WHERE d.app_id = $1 AND acc.path LIKE $2 ORDER BY d.device_id, d.version_id DESC`, appID, prefix+"%")
	return collect(rows, err, "list deployments", scanDeployment)
}
