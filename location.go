package steward

import (
	"context"
	"time"
)

// Location and web history (SPEC §2.8) are collected only behind gates:
//
//   - location: a company-owned device, an account whose location switch
//     is on, and a device user who granted it on the device (the latest
//     decision counts);
//   - web history: a company-owned device and an account whose web-history
//     switch is on.
//
// Both switches are off by default. Turning a switch off, or the user
// withdrawing consent, deletes the data in the same transaction. On write
// at most LocationCap points are kept per device and nothing older than
// LocationMaxAge (web history: WebHistoryMaxAge) is stored; the retention
// job applies the same ages to what is stored.

// Limits of location and web history.
const (
	// LocationCap is how many points a device keeps: the newest.
	LocationCap = 50
	// LocationMaxAge is the age at which a point is no longer kept: a point
	// recorded exactly LocationMaxAge ago or earlier is dropped.
	LocationMaxAge = 60 * 24 * time.Hour
	// WebHistoryMaxAge is the age at which a visit is no longer kept.
	WebHistoryMaxAge = 15 * 24 * time.Hour
)

// ConsentPurpose is what a device user decides about.
type ConsentPurpose string

// Consent purposes.
const (
	ConsentLocation   ConsentPurpose = "location"
	ConsentWebHistory ConsentPurpose = "web_history"
)

// Valid reports whether p is known.
func (p ConsentPurpose) Valid() bool { return p == ConsentLocation || p == ConsentWebHistory }

// PrivacySettings are a client account's privacy switches. Until policies
// carry them per folder they apply to every device of the account.
type PrivacySettings struct {
	AccountID         string    `json:"account_id"`
	LocationEnabled   bool      `json:"location_enabled"`
	WebHistoryEnabled bool      `json:"web_history_enabled"`
	UpdatedBy         string    `json:"updated_by,omitempty"` // manager email; empty when never set
	UpdatedAt         time.Time `json:"updated_at"`
}

// PrivacySettingsUpdate changes the switches; a nil field stays as it is.
type PrivacySettingsUpdate struct {
	LocationEnabled   *bool `json:"location_enabled,omitempty"`
	WebHistoryEnabled *bool `json:"web_history_enabled,omitempty"`
}

// Consent is one decision of a device's user, kept append-only. The latest
// decision of a purpose is the current one.
type Consent struct {
	ID            string         `json:"id"`
	DeviceID      string         `json:"device_id"`
	Purpose       ConsentPurpose `json:"purpose"`
	Granted       bool           `json:"granted"`
	NoticeVersion string         `json:"notice_version"`
	DecidedAt     time.Time      `json:"decided_at"`  // the device's clock
	RecordedAt    time.Time      `json:"recorded_at"` // the server's clock
}

// LocationPoint is one reported position of a device.
type LocationPoint struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	Latitude   float64   `json:"latitude"`
	Longitude  float64   `json:"longitude"`
	AccuracyM  *float64  `json:"accuracy_m,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
	ReceivedAt time.Time `json:"received_at"`
}

// WebVisit is one visited page of a device's browser.
type WebVisit struct {
	ID         string    `json:"id"`
	DeviceID   string    `json:"device_id"`
	URL        string    `json:"url"`
	Title      string    `json:"title,omitempty"`
	VisitedAt  time.Time `json:"visited_at"`
	ReceivedAt time.Time `json:"received_at"`
}

// LocationStore keeps privacy switches, consents, location points and web
// history. Scope checks and the gates are the service's job.
type LocationStore interface {
	// PrivacySettings returns an account's switches; an account that never
	// set them gets both off (UpdatedAt zero). In a transaction on
	// PostgreSQL the row is share-locked, so a switch being turned off
	// waits for an ingest that read it on, and the other way round.
	PrivacySettings(ctx context.Context, accountID string) (*PrivacySettings, error)
	// PutPrivacySettings writes an account's switches.
	PutPrivacySettings(ctx context.Context, s *PrivacySettings) error
	// LockDeviceData serialises writers of one device's consents and
	// location until the transaction ends. ENOTFOUND.
	LockDeviceData(ctx context.Context, deviceID string) error

	// InsertConsent appends a decision.
	InsertConsent(ctx context.Context, c *Consent) error
	// LatestConsent returns a device's latest decision for purpose. ENOTFOUND.
	LatestConsent(ctx context.Context, deviceID string, purpose ConsentPurpose) (*Consent, error)
	// ListConsents lists a device's decisions, newest first.
	ListConsents(ctx context.Context, deviceID string, limit int) ([]*Consent, error)

	// InsertLocationPoints adds points of one device and then keeps only
	// its keep newest (by recorded time), in one transaction; it returns
	// how many it evicted.
	InsertLocationPoints(ctx context.Context, deviceID string, ps []*LocationPoint, keep int) (evicted int64, err error)
	// ListLocationPoints lists a device's points, newest recorded first.
	ListLocationPoints(ctx context.Context, deviceID string, limit int) ([]*LocationPoint, error)
	// DeleteDeviceLocation deletes a device's points.
	DeleteDeviceLocation(ctx context.Context, deviceID string) (int64, error)
	// DeleteAccountLocation deletes the points of every device of an account.
	DeleteAccountLocation(ctx context.Context, accountID string) (int64, error)

	// InsertWebVisits adds visits.
	InsertWebVisits(ctx context.Context, vs []*WebVisit) error
	// ListWebVisits lists a device's visits, newest first.
	ListWebVisits(ctx context.Context, deviceID string, limit int) ([]*WebVisit, error)
	// DeleteDeviceWebHistory deletes a device's visits.
	DeleteDeviceWebHistory(ctx context.Context, deviceID string) (int64, error)
	// DeleteAccountWebHistory deletes the web history of every device of an account.
	DeleteAccountWebHistory(ctx context.Context, accountID string) (int64, error)
}
