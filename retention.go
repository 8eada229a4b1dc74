package steward

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"time"
)

// The retention engine enforces the catalog's rules (package privacy) on
// the stored data: it deletes or anonymises what is due, in batches, skips
// what a legal hold covers, and writes a receipt of every sweep that
// changed rows to the audit log.

// HoldScope is what a legal hold covers.
type HoldScope string

// Legal hold scopes.
const (
	// HoldAccount covers everything stored under the hold's account subtree.
	HoldAccount HoldScope = "account"
	// HoldSubject covers one device or one manager (SubjectID).
	HoldSubject HoldScope = "subject"
	// HoldCategory covers one catalog category under the account subtree.
	HoldCategory HoldScope = "category"
)

// Valid reports whether s is a known scope.
func (s HoldScope) Valid() bool { return s == HoldAccount || s == HoldSubject || s == HoldCategory }

// LegalHold stops the retention engine from deleting or anonymising the
// data it covers until it is released or expires.
type LegalHold struct {
	ID             string     `json:"id"`
	AccountID      string     `json:"account_id"`
	Scope          HoldScope  `json:"scope"`
	SubjectID      string     `json:"subject_id,omitempty"`
	Category       string     `json:"category,omitempty"`
	Reason         string     `json:"reason"`
	CreatedBy      string     `json:"created_by,omitempty"`
	CreatedByEmail string     `json:"created_by_email,omitempty"`
	CreatedAt      time.Time  `json:"created_at"`
	ExpiresAt      *time.Time `json:"expires_at,omitempty"`
	ReleasedAt     *time.Time `json:"released_at,omitempty"`
	ReleasedBy     string     `json:"released_by,omitempty"`
}

// Active reports whether the hold is in force at now: not released and
// not expired.
func (h *LegalHold) Active(now time.Time) bool {
	return h.ReleasedAt == nil && (h.ExpiresAt == nil || h.ExpiresAt.After(now))
}

// LegalHoldCreate is the input to place a hold.
type LegalHoldCreate struct {
	AccountID string     `json:"account_id"`
	Scope     HoldScope  `json:"scope"`
	SubjectID string     `json:"subject_id,omitempty"`
	Category  string     `json:"category,omitempty"`
	Reason    string     `json:"reason"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// HoldFilter selects legal holds within the actor's subtree.
type HoldFilter struct {
	AccountID string // only holds on this account's subtree (default: the actor's)
	Active    bool   // only holds in force now
	Limit     int
}

// RetentionRun is the state of one category's sweeps.
type RetentionRun struct {
	Category      string     `json:"category"`
	RuleVersion   int        `json:"rule_version"`
	LastRunAt     time.Time  `json:"last_run_at"`
	LastCutoff    *time.Time `json:"last_cutoff,omitempty"`
	LastCount     int64      `json:"last_count"`
	HeldCount     int64      `json:"held_count"`
	LastReceiptID string     `json:"last_receipt_id,omitempty"`
	NextDueAt     time.Time  `json:"next_due_at"`
}

// How a rule's anchor is carried out (Enforcement.By).
const (
	// EnforcedBySweep: the scheduled retention sweep ("privacy.retention").
	EnforcedBySweep = "sweep"
	// EnforcedByJob: another scheduled job, named in Enforcement.What.
	EnforcedByJob = "job"
	// EnforcedOnEvent: at once, in the transaction of the event itself.
	EnforcedOnEvent = "event"
	// EnforcedKept: nothing is deleted (ActionKeep); Enforcement.What says why.
	EnforcedKept = "kept"
)

// Enforcement is how one anchor of a category's rule is carried out.
type Enforcement struct {
	Anchor AnchorKind `json:"anchor"`
	By     string     `json:"by"`   // EnforcedBySweep, EnforcedByJob, EnforcedOnEvent or EnforcedKept
	What   string     `json:"what"` // the job, or the event and the code path that acts on it
}

// RetentionStatus is one catalog category as the privacy centre shows it.
type RetentionStatus struct {
	Category string        `json:"category"`
	Title    string        `json:"title"`
	Rule     RetentionRule `json:"rule"`
	// Enforced: every anchor of the rule is carried out by the sweep, a
	// job or the event itself (Enforcement says which).
	Enforced    bool          `json:"enforced"`
	Swept       bool          `json:"swept"` // the scheduled retention sweep processes this category
	Enforcement []Enforcement `json:"enforcement,omitempty"`
	// NotCollected says why this version stores none of the category's data.
	NotCollected string        `json:"not_collected,omitempty"`
	Rows         *int64        `json:"rows,omitempty"` // rows stored now, where the engine knows the table
	LastRun      *RetentionRun `json:"last_run,omitempty"`
	NextDueAt    *time.Time    `json:"next_due_at,omitempty"`
	Note         string        `json:"note,omitempty"` // e.g. why rows are kept
	HeldByHolds  int64         `json:"held_by_holds"`  // rows the last sweep left for a hold
}

// RetentionReceipt is the summary of a "retention.sweep" audit entry.
type RetentionReceipt struct {
	Category    string           `json:"category"`
	RuleVersion int              `json:"rule_version"`
	Action      RetentionAction  `json:"action"`
	Anchor      AnchorKind       `json:"anchor"`
	Cutoff      time.Time        `json:"cutoff"`
	Count       int64            `json:"count"`
	Held        int64            `json:"held"`
	SHA256      string           `json:"sha256"` // RetentionDigest of the affected IDs
	Tables      map[string]int64 `json:"tables"`
	AccountID   string           `json:"account_id,omitempty"` // for the account clock
	Note        string           `json:"note,omitempty"`
}

// RetentionDigest is the SHA-256 (hex) over the affected row IDs, sorted,
// each followed by a newline. Rows without a single-column ID (a device's
// app) are named "device_id/package".
func RetentionDigest(ids []string) string {
	s := slices.Clone(ids)
	slices.Sort(s)
	h := sha256.New()
	for _, id := range s {
		h.Write([]byte(id))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// RetentionSet names rows the store ages out by their own time.
type RetentionSet string

// Sets aged out by event time.
const (
	SetLocationPoints RetentionSet = "location_points" // device.location, by recorded_at
	SetWebHistory     RetentionSet = "web_history"     // device.web_history, by visited_at
	SetSecurityEvents RetentionSet = "security_events" // security.events, by created_at
	SetOutbox         RetentionSet = "outbox"          // mail.outbox, by created_at
)

// PurgePart names one table of an account's data the account clock deletes
// or (devices) anonymises.
type PurgePart string

// Parts of an account purge, in the order the engine runs them.
const (
	PurgeLocation        PurgePart = "location_points"
	PurgeWebHistory      PurgePart = "web_history"
	PurgeConsents        PurgePart = "device_consents"
	PurgeCommands        PurgePart = "commands"
	PurgeDeviceEvents    PurgePart = "device_events"
	PurgeDeviceApps      PurgePart = "device_apps"
	PurgeCompliance      PurgePart = "device_compliance"
	PurgeDevices         PurgePart = "devices" // anonymised, not deleted
	PurgeActivationCodes PurgePart = "activation_codes"
	PurgeSessions        PurgePart = "sessions"
	PurgeAPITokens       PurgePart = "api_tokens"
	PurgeManagers        PurgePart = "managers"
	PurgeAudit           PurgePart = "audit_log"
	PurgeLegalHolds      PurgePart = "legal_holds" // those no longer in force
	PurgePolicyWiFi      PurgePart = "policy_wifi"
	PurgePolicyCACerts   PurgePart = "policy_ca_certs"
	PurgePolicies        PurgePart = "policies" // with their versions and targets; after the two above

	// Shared contacts and files (with their targets); a file's content in
	// blob storage is deleted by the engine once its row is.
	PurgeContacts    PurgePart = "contacts"
	PurgeSharedFiles PurgePart = "shared_files"
)

// PurgeUsers is an account's directory users; the database leaves the
// devices they held without a user.
const PurgeUsers PurgePart = "users"

// RetentionStore keeps what the retention engine reads and changes. Every
// deleting method works in one short statement of at most batch rows, so
// a large sweep never holds the database writer for long, and leaves rows
// covered by a legal hold active at now.
type RetentionStore interface {
	LegalHoldStore
	// ExpireRows deletes rows of set older than cutoff and returns their IDs.
	ExpireRows(ctx context.Context, set RetentionSet, cutoff, now time.Time, batch int) ([]string, error)
	// CountHeldRows counts rows of set older than cutoff that a hold keeps.
	CountHeldRows(ctx context.Context, set RetentionSet, cutoff, now time.Time) (int64, error)
	// TrimLocation deletes each device's location points beyond its newest
	// max and returns their IDs, and the number a hold kept.
	TrimLocation(ctx context.Context, max int, now time.Time, batch int) ([]string, int64, error)
	// AccountsDue lists unpurged, non-platform accounts deleted before
	// deletedBefore or whose subscription ended before endedBefore, in ID
	// order after the ID after.
	AccountsDue(ctx context.Context, deletedBefore, endedBefore time.Time, after string, limit int) ([]*Account, error)
	// PurgeAccountPart deletes (devices: anonymises) a batch of one part of
	// an account's own data (not its subtree's) and returns the row IDs.
	PurgeAccountPart(ctx context.Context, accountID string, part PurgePart, now time.Time, batch int) ([]string, error)
	// CountHeldAccountPart counts an account's rows of part a hold keeps.
	CountHeldAccountPart(ctx context.Context, accountID string, part PurgePart, now time.Time) (int64, error)
	// MarkAccountPurged records that the account clock has run for an
	// account and clears its free-text notes. ENOTFOUND.
	MarkAccountPurged(ctx context.Context, id string, at time.Time) error
	// AccountPurgedAt returns when an account was purged (nil: not). ENOTFOUND.
	AccountPurgedAt(ctx context.Context, id string) (*time.Time, error)
	// RestoreSubtree clears the deletion of the unpurged accounts under
	// prefix deleted at deletedAt (deleted together with its root).
	RestoreSubtree(ctx context.Context, prefix string, deletedAt, at time.Time) (int64, error)
	// CountTable counts the rows of a table the engine knows ("" for others).
	CountTable(ctx context.Context, table string) (int64, error)
	RetentionRuns(ctx context.Context) ([]*RetentionRun, error)
	SaveRetentionRun(ctx context.Context, r *RetentionRun) error
}

// LegalHoldStore keeps legal holds.
type LegalHoldStore interface {
	InsertLegalHold(ctx context.Context, h *LegalHold) error
	LegalHoldByID(ctx context.Context, id string) (*LegalHold, error) // ENOTFOUND
	// ListLegalHolds lists holds on accounts under prefix, newest first.
	ListLegalHolds(ctx context.Context, prefix string, f HoldFilter, now time.Time) ([]*LegalHold, error)
	// ReleaseLegalHold releases a hold still in force. ENOTFOUND, ECONFLICT.
	ReleaseLegalHold(ctx context.Context, id, by string, at time.Time) error
}
