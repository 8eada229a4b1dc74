package steward

import (
	"context"
	"io"
	"time"
)

// The private app store: apps owned by an account, their uploaded versions
// (quarantined until scanned clean), assignments to accounts or devices,
// and deployments of versions to devices.

// StoreApp is a package uploaded to an account's private store (App is an
// application installed on a device).
type StoreApp struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"`
	Package   string `json:"package"`
	Name      string `json:"name"`
	// Shared makes the app visible and assignable in the owner's subtree.
	Shared    bool      `json:"shared"`
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
	// Latest is the newest upload, filled by ListApps with its ID, app,
	// version code and name, SHA-256, size, status and times only; nil
	// when the app has no version.
	Latest *AppVersion `json:"latest,omitempty"`
}

// AppVersionStatus is where a version is in quarantine.
type AppVersionStatus string

// Version statuses: quarantined → clean | rejected.
const (
	VersionQuarantined AppVersionStatus = "quarantined"
	VersionClean       AppVersionStatus = "clean"
	VersionRejected    AppVersionStatus = "rejected"
)

// AppVersion is one uploaded APK of an app.
type AppVersion struct {
	ID          string           `json:"id"`
	AppID       string           `json:"app_id"`
	VersionCode int64            `json:"version_code"`
	VersionName string           `json:"version_name,omitempty"`
	SHA256      string           `json:"sha256"`
	Size        int64            `json:"size"`
	BlobKey     string           `json:"-"` // empty once the blob is deleted
	Status      AppVersionStatus `json:"status"`
	Info        *APKInfo         `json:"info,omitempty"`
	Findings    []APKFinding     `json:"findings,omitempty"`
	// Reasons say why a version is rejected, or why it stays quarantined.
	Reasons []string    `json:"reasons,omitempty"`
	Scan    *ScanResult `json:"scan,omitempty"`
	// SignerOverride is the recorded reason an administrator gave to accept
	// a signer different from the earlier versions'.
	SignerOverride  string    `json:"signer_override,omitempty"`
	UploadedBy      string    `json:"uploaded_by,omitempty"`
	UploadedByEmail string    `json:"uploaded_by_email,omitempty"`
	UploadedFrom    string    `json:"uploaded_from,omitempty"` // the uploader's IP address
	UploadedAt      time.Time `json:"uploaded_at"`
	// ScannedAt is when the scans ended: set for every decided version,
	// and for one left quarantined as unscannable. Until then the scan job
	// tries it, and after a failed try waits until NextScanAt; ScanAttempts
	// counts the failed tries.
	ScannedAt    *time.Time `json:"scanned_at,omitempty"`
	ScanAttempts int        `json:"scan_attempts,omitempty"`
	NextScanAt   *time.Time `json:"next_scan_at,omitempty"`
}

// AssignMode says whether an assigned app is installed or only offered.
type AssignMode string

// Assignment modes.
const (
	AssignRequired  AssignMode = "required"
	AssignAvailable AssignMode = "available"
)

// AppAssignment targets an app at an account's subtree, a folder, a group
// or one device: exactly one of the four IDs is set.
type AppAssignment struct {
	ID         string     `json:"id"`
	AppID      string     `json:"app_id"`
	AccountID  string     `json:"account_id,omitempty"`
	FolderID   string     `json:"folder_id,omitempty"`
	GroupID    string     `json:"group_id,omitempty"`
	DeviceID   string     `json:"device_id,omitempty"`
	Mode       AssignMode `json:"mode"`
	AssignedBy string     `json:"assigned_by,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	// TargetName names the target for display; filled on reads of an app.
	TargetName string `json:"target_name,omitempty"`
}

// Target returns what the assignment targets.
func (a *AppAssignment) Target() Target {
	switch {
	case a.DeviceID != "":
		return Target{Kind: TargetDevice, ID: a.DeviceID}
	case a.GroupID != "":
		return Target{Kind: TargetGroup, ID: a.GroupID}
	case a.FolderID != "":
		return Target{Kind: TargetFolder, ID: a.FolderID}
	}
	return Target{Kind: TargetAccount, ID: a.AccountID}
}

// DeploymentStatus is one version's state on one device.
type DeploymentStatus string

// Deployment statuses.
const (
	DeployQueued      DeploymentStatus = "queued"
	DeployInstalled   DeploymentStatus = "installed"
	DeployFailed      DeploymentStatus = "failed"
	DeployRemoving    DeploymentStatus = "removing"
	DeployUninstalled DeploymentStatus = "uninstalled"
	// DeploySuperseded is an installed version a newer one of the same app
	// replaced on the device: no longer there, though the app is.
	DeploySuperseded DeploymentStatus = "superseded"
)

// AppDeployment is the history of one version on one device.
type AppDeployment struct {
	VersionID string           `json:"version_id"`
	DeviceID  string           `json:"device_id"`
	AppID     string           `json:"app_id"`
	Status    DeploymentStatus `json:"status"`
	CommandID string           `json:"command_id,omitempty"`
	Output    string           `json:"output,omitempty"`
	CreatedAt time.Time        `json:"created_at"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// AppStore keeps apps, versions, assignments and deployments. Scope checks
// are the service's job.
type AppStore interface {
	InsertApp(ctx context.Context, a *StoreApp) error                           // ECONFLICT on a taken package in the account
	AppByID(ctx context.Context, id string) (*StoreApp, error)                  // ENOTFOUND
	AppByPackage(ctx context.Context, accountID, pkg string) (*StoreApp, error) // ENOTFOUND
	// ListApps lists the apps of accounts under prefix, and the shared apps
	// of the accounts in ancestors, by package, each with its newest
	// version (Latest), in one query.
	ListApps(ctx context.Context, prefix string, ancestors []string) ([]*StoreApp, error)
	UpdateApp(ctx context.Context, a *StoreApp) error // ENOTFOUND
	// DeleteApp deletes an app with its versions, assignments and
	// deployments. ENOTFOUND.
	DeleteApp(ctx context.Context, id string) error

	InsertAppVersion(ctx context.Context, v *AppVersion) error          // ECONFLICT on a taken ID
	AppVersionByID(ctx context.Context, id string) (*AppVersion, error) // ENOTFOUND
	// ListAppVersions lists an app's versions, newest first.
	ListAppVersions(ctx context.Context, appID string) ([]*AppVersion, error)
	// QuarantinedVersions lists up to limit quarantined versions not scanned
	// yet (ScannedAt nil) whose next try is due at now (NextScanAt nil or
	// not after now), oldest first.
	QuarantinedVersions(ctx context.Context, now time.Time, limit int) ([]*AppVersion, error)
	// UpdateAppVersion writes a version's status, blob key, reasons, scan,
	// findings, override, scan time, failed tries and next try. ENOTFOUND.
	UpdateAppVersion(ctx context.Context, v *AppVersion) error

	// PutAssignment inserts or replaces (same app and target) an assignment.
	PutAssignment(ctx context.Context, a *AppAssignment) error
	ListAssignments(ctx context.Context, appID string) ([]*AppAssignment, error)
	DeleteAssignment(ctx context.Context, id string) error // ENOTFOUND
	// AssignmentsCovering lists the assignments, of every app, whose target
	// covers the device m describes (m.Covers), by app.
	AssignmentsCovering(ctx context.Context, m *Membership) ([]*AppAssignment, error)

	// PutDeployment inserts or replaces the deployment of a version on a device.
	PutDeployment(ctx context.Context, d *AppDeployment) error
	// SupersedeDeployments marks the installed deployments of an app on a
	// device, other than exceptVersionID's, superseded at at.
	SupersedeDeployments(ctx context.Context, appID, deviceID, exceptVersionID string, at time.Time) error
	// DeviceDeployments lists a device's deployments of every app, by app,
	// newest version first.
	DeviceDeployments(ctx context.Context, deviceID string) ([]*AppDeployment, error)
	// DeploymentsByCommand returns the deployments a command carries.
	DeploymentByCommand(ctx context.Context, commandID string) (*AppDeployment, error) // ENOTFOUND
	// ListDeployments lists an app's deployments on the devices of the
	// accounts under prefix.
	ListDeployments(ctx context.Context, appID, prefix string) ([]*AppDeployment, error)
}

// Blobs keeps large binary objects (APKs) outside the database.
type Blobs interface {
	// Write streams r into key; on an error nothing is left under key.
	Write(ctx context.Context, key string, r io.Reader) error
	// Open opens key for reading, seekable for ranges. ENOTFOUND.
	Open(ctx context.Context, key string) (Blob, error)
	// Delete deletes key; deleting an absent key is not an error.
	Delete(ctx context.Context, key string) error
}

// Blob is an open object.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}
