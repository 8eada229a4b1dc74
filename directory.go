package steward

import (
	"context"
	"slices"
	"strings"
	"time"
)

// Folders and groups organise a client account's devices: a device sits in
// at most one folder and in any number of groups. Apps, policies, contacts
// and files are assigned to targets: an account (every device of its
// subtree), a folder, a group or one device.

// Folder is a place for devices in a client account; a device is in at most
// one folder.
type Folder struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	Name        string    `json:"name"` // unique within the account
	Description string    `json:"description,omitempty"`
	DeviceCount int       `json:"device_count"` // filled on reads
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Group is a set of devices in a client account; a device may be in many.
// Where two groups of a device carry different values for one setting, the
// group with the higher Priority wins, then the one whose name sorts first.
type Group struct {
	ID          string    `json:"id"`
	AccountID   string    `json:"account_id"`
	Name        string    `json:"name"` // unique within the account
	Description string    `json:"description,omitempty"`
	Priority    int       `json:"priority"`
	DeviceCount int       `json:"device_count"` // filled on reads
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// TargetKind names what an assignment targets.
type TargetKind string

// Target kinds, from the broadest to the narrowest. Precedence, where
// settings meet, runs the other way: device > group > folder > account.
const (
	TargetAccount TargetKind = "account"
	TargetFolder  TargetKind = "folder"
	TargetGroup   TargetKind = "group"
	TargetDevice  TargetKind = "device"
)

// Valid reports whether k is known.
func (k TargetKind) Valid() bool {
	switch k {
	case TargetAccount, TargetFolder, TargetGroup, TargetDevice:
		return true
	}
	return false
}

// Target is what an app, policy, contact or file is assigned to.
type Target struct {
	Kind TargetKind `json:"kind"`
	ID   string     `json:"id"`
}

// Membership is where one device sits: everything that decides which
// targets cover it.
type Membership struct {
	DeviceID    string   `json:"device_id"`
	AccountID   string   `json:"account_id"`
	AccountPath string   `json:"account_path"` // "/root/…/client/": the IDs from the root down
	FolderID    string   `json:"folder_id,omitempty"`
	GroupIDs    []string `json:"group_ids,omitempty"` // sorted
}

// Covers reports whether t covers the device: an account target covers
// every device of its subtree.
func (m *Membership) Covers(t Target) bool {
	switch t.Kind {
	case TargetAccount:
		return t.ID != "" && strings.Contains(m.AccountPath, "/"+t.ID+"/")
	case TargetFolder:
		return t.ID != "" && m.FolderID == t.ID
	case TargetGroup:
		_, ok := slices.BinarySearch(m.GroupIDs, t.ID)
		return t.ID != "" && ok
	case TargetDevice:
		return t.ID != "" && m.DeviceID == t.ID
	}
	return false
}

// DirectoryStore keeps folders, groups and which devices sit in them. Scope
// checks are the service's job.
type DirectoryStore interface {
	InsertFolder(ctx context.Context, f *Folder) error          // ECONFLICT on a taken name in the account
	FolderByID(ctx context.Context, id string) (*Folder, error) // ENOTFOUND
	// ListFolders lists an account's folders by name.
	ListFolders(ctx context.Context, accountID string) ([]*Folder, error)
	UpdateFolder(ctx context.Context, f *Folder) error // ENOTFOUND, ECONFLICT on a taken name
	// DeleteFolder deletes a folder; its devices are left in no folder. ENOTFOUND.
	DeleteFolder(ctx context.Context, id string) error

	InsertGroup(ctx context.Context, g *Group) error          // ECONFLICT on a taken name in the account
	GroupByID(ctx context.Context, id string) (*Group, error) // ENOTFOUND
	// ListGroups lists an account's groups by name.
	ListGroups(ctx context.Context, accountID string) ([]*Group, error)
	UpdateGroup(ctx context.Context, g *Group) error // ENOTFOUND, ECONFLICT on a taken name
	// DeleteGroup deletes a group and its memberships. ENOTFOUND.
	DeleteGroup(ctx context.Context, id string) error

	// SetDevicesFolder puts devices in a folder ("" for none).
	SetDevicesFolder(ctx context.Context, deviceIDs []string, folderID string, at time.Time) error
	// AddDevicesToGroup and RemoveDevicesFromGroup change a group's members;
	// adding a member twice or removing a non-member changes nothing.
	AddDevicesToGroup(ctx context.Context, groupID string, deviceIDs []string) error
	RemoveDevicesFromGroup(ctx context.Context, groupID string, deviceIDs []string) error
	// DeviceMembership returns where a device sits. ENOTFOUND.
	DeviceMembership(ctx context.Context, deviceID string) (*Membership, error)
	// DevicesInTarget pages through the IDs of the devices t covers, in ID
	// order after the ID after.
	DevicesInTarget(ctx context.Context, t Target, after string, limit int) ([]string, error)
}
