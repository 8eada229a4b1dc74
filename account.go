package steward

import (
	"context"
	"time"
)

// AccountKind is the place of an account in the hierarchy.
type AccountKind string

// Account kinds. A sub-reseller is a reseller whose parent is a reseller.
const (
	AccountPlatform AccountKind = "platform"
	AccountReseller AccountKind = "reseller"
	AccountClient   AccountKind = "client"
)

// Valid reports whether k is a known kind.
func (k AccountKind) Valid() bool {
	return k == AccountPlatform || k == AccountReseller || k == AccountClient
}

// CanParent reports whether an account of kind k may have a child of kind c.
func (k AccountKind) CanParent(c AccountKind) bool {
	switch k {
	case AccountPlatform, AccountReseller:
		return c == AccountReseller || c == AccountClient
	}
	return false
}

// AccountStatus is the operating state of an account.
type AccountStatus string

// Account statuses. Managers of a suspended or blocked account (or of an
// account below one) cannot sign in.
const (
	StatusActive    AccountStatus = "active"
	StatusSuspended AccountStatus = "suspended"
	StatusBlocked   AccountStatus = "blocked"
)

// Valid reports whether s is a known status.
func (s AccountStatus) Valid() bool {
	return s == StatusActive || s == StatusSuspended || s == StatusBlocked
}

// SupportPermissions say what an account lets the accounts above it do.
type SupportPermissions struct {
	RemoteSupport bool `json:"remote_support"` // reseller chain may open remote sessions
	ViewDevices   bool `json:"view_devices"`   // reseller chain may read device details
}

// Account is a node of the hierarchy platform → reseller → sub-reseller → client.
type Account struct {
	ID                string             `json:"id"`
	Name              string             `json:"name"`
	Kind              AccountKind        `json:"kind"`
	ParentID          string             `json:"parent_id,omitempty"`
	Path              string             `json:"path"`
	Status            AccountStatus      `json:"status"`
	StatusReason      string             `json:"status_reason,omitempty"`
	Notes             string             `json:"notes,omitempty"`
	Support           SupportPermissions `json:"support"`
	SubscriptionStart *time.Time         `json:"subscription_start,omitempty"`
	SubscriptionEnd   *time.Time         `json:"subscription_end,omitempty"`
	CreatedAt         time.Time          `json:"created_at"`
	UpdatedAt         time.Time          `json:"updated_at"`
	DeletedAt         *time.Time         `json:"deleted_at,omitempty"`
	Balance           int64              `json:"balance"` // sum of the ledger, filled on reads
}

// AccountCreate is the input to create a child account.
type AccountCreate struct {
	ParentID          string              `json:"parent_id"`
	Name              string              `json:"name"`
	Kind              AccountKind         `json:"kind"`
	Notes             string              `json:"notes,omitempty"`
	Support           *SupportPermissions `json:"support,omitempty"`
	SubscriptionStart *time.Time          `json:"subscription_start,omitempty"`
	SubscriptionEnd   *time.Time          `json:"subscription_end,omitempty"`
}

// AccountUpdate changes an account; nil fields are left alone.
type AccountUpdate struct {
	Name              *string             `json:"name,omitempty"`
	Notes             *string             `json:"notes,omitempty"`
	Support           *SupportPermissions `json:"support,omitempty"`
	SubscriptionStart *time.Time          `json:"subscription_start,omitempty"`
	SubscriptionEnd   *time.Time          `json:"subscription_end,omitempty"`
}

// AccountFilter selects accounts. Results are always limited to the
// actor's subtree.
type AccountFilter struct {
	RootID         string        // only this account's subtree (default: the actor's account)
	ParentID       string        // only direct children of this account
	Kind           AccountKind   // only this kind
	Status         AccountStatus // only this status
	Query          string        // name contains (case-insensitive)
	IncludeDeleted bool
	After          string // page after this ID
	Limit          int
}

// AccountService manages the hierarchy. Not-found and out-of-scope accounts
// both answer ENOTFOUND, so existence does not leak.
type AccountService interface {
	// Account returns one account. ENOTFOUND.
	Account(ctx context.Context, id string) (*Account, error)
	// Accounts lists accounts in the actor's subtree, ordered by path.
	Accounts(ctx context.Context, f AccountFilter) ([]*Account, error)
	// CreateAccount creates a child account. EINVALID, EFORBIDDEN, ENOTFOUND.
	CreateAccount(ctx context.Context, in AccountCreate) (*Account, error)
	// UpdateAccount renames or edits an account. EINVALID, EFORBIDDEN, ENOTFOUND.
	UpdateAccount(ctx context.Context, id string, in AccountUpdate) (*Account, error)
	// SetAccountStatus suspends, blocks or reactivates an account below the
	// actor's. Blocking and unblocking are for the platform admin.
	// EINVALID, EFORBIDDEN, ENOTFOUND.
	SetAccountStatus(ctx context.Context, id string, status AccountStatus, reason string) (*Account, error)
	// MoveAccount re-parents an account (platform admin only).
	// EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT.
	MoveAccount(ctx context.Context, id, newParentID string) (*Account, error)
	// DeleteAccount soft-deletes an account and its subtree, recording the
	// deletion time. EFORBIDDEN, ENOTFOUND.
	DeleteAccount(ctx context.Context, id string) (*Account, error)
}
