package steward

import (
	"context"
	"slices"
	"strings"
	"time"
)

// The company directory pushed to devices: shared contacts and shared
// files. Each belongs to an account and is assigned to targets within that
// account's subtree; a device holds the contacts and files whose targets
// cover it, and its directory version (Device.DirectoryVersion) changes
// whenever that set or any of them changes.

// Contact is a shared contact: one entry of the company directory.
type Contact struct {
	ID        string    `json:"id"`
	AccountID string    `json:"account_id"`
	Name      string    `json:"name"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"` // digits with an optional leading +, spaces and ()-./
	Note      string    `json:"note,omitempty"`
	Targets   []Target  `json:"targets"` // sorted by kind (account, folder, group, device), then ID
	CreatedBy string    `json:"created_by,omitempty"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SharedFile is a file uploaded by a manager and pushed to the devices its
// targets cover. Its content is in blob storage under BlobKey.
type SharedFile struct {
	ID              string    `json:"id"`
	AccountID       string    `json:"account_id"`
	Name            string    `json:"name"` // a file name without folders, unique in the account
	ContentType     string    `json:"content_type"`
	Size            int64     `json:"size"`
	SHA256          string    `json:"sha256"`
	BlobKey         string    `json:"-"`
	Description     string    `json:"description,omitempty"`
	Targets         []Target  `json:"targets"` // sorted like Contact.Targets
	UploadedBy      string    `json:"uploaded_by,omitempty"`
	UploadedByEmail string    `json:"uploaded_by_email,omitempty"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
}

// ContactStore keeps shared contacts with their targets. Scope checks are
// the service's job.
type ContactStore interface {
	InsertContact(ctx context.Context, c *Contact) error
	ContactByID(ctx context.Context, id string) (*Contact, error) // ENOTFOUND
	// ListContacts lists the contacts of the accounts given, by name then ID.
	ListContacts(ctx context.Context, accountIDs ...string) ([]*Contact, error)
	// UpdateContact writes a contact's fields and replaces its targets. ENOTFOUND.
	UpdateContact(ctx context.Context, c *Contact) error
	DeleteContact(ctx context.Context, id string) error // ENOTFOUND
}

// SharedFileStore keeps shared files' records with their targets (not
// their content). Scope checks are the service's job.
type SharedFileStore interface {
	InsertSharedFile(ctx context.Context, f *SharedFile) error          // ECONFLICT on a name the account has
	SharedFileByID(ctx context.Context, id string) (*SharedFile, error) // ENOTFOUND
	// ListSharedFiles lists the files of the accounts given, by name then ID.
	ListSharedFiles(ctx context.Context, accountIDs ...string) ([]*SharedFile, error)
	// UpdateSharedFile writes a file's description and replaces its
	// targets. ENOTFOUND.
	UpdateSharedFile(ctx context.Context, f *SharedFile) error
	DeleteSharedFile(ctx context.Context, id string) error // ENOTFOUND
}

// DirectoryVersionStore keeps the directory version each device should
// hold, which its check-in answer carries.
type DirectoryVersionStore interface {
	// LockDirectoryVersions returns devices' directory versions (device ID
	// → version; devices that are gone are left out) and locks them until
	// the transaction ends, so that writers computing them take turns.
	LockDirectoryVersions(ctx context.Context, deviceIDs []string) (map[string]string, error)
	// SetDirectoryVersions writes devices' directory versions (device ID →
	// version); devices that are gone are skipped.
	SetDirectoryVersions(ctx context.Context, versions map[string]string) error
}

// targetRank orders target kinds from the broadest to the narrowest.
var targetRank = map[TargetKind]int{TargetAccount: 0, TargetFolder: 1, TargetGroup: 2, TargetDevice: 3}

// SortTargets sorts targets by kind (account, folder, group, device), then
// ID, and drops duplicates: the order contacts and files keep them in.
func SortTargets(ts []Target) []Target {
	out := make([]Target, 0, len(ts))
	out = append(out, ts...)
	slices.SortFunc(out, func(a, b Target) int {
		if r := targetRank[a.Kind] - targetRank[b.Kind]; r != 0 {
			return r
		}
		return strings.Compare(a.ID, b.ID)
	})
	return slices.Compact(out)
}
