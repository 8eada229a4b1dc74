package steward

import (
	"context"
	"time"
)

// ManagerRole is a manager's role within its account.
type ManagerRole string

// Manager roles, from most to least powerful.
const (
	RoleOwner    ManagerRole = "owner"
	RoleAdmin    ManagerRole = "admin"
	RoleReadOnly ManagerRole = "read_only"
)

// Valid reports whether r is a known role.
func (r ManagerRole) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleReadOnly }

// CanWrite reports whether the role may change things.
func (r ManagerRole) CanWrite() bool { return r == RoleOwner || r == RoleAdmin }

// Rank orders roles: owner 3, admin 2, read-only 1.
func (r ManagerRole) Rank() int {
	switch r {
	case RoleOwner:
		return 3
	case RoleAdmin:
		return 2
	case RoleReadOnly:
		return 1
	}
	return 0
}

// Manager is a login of an account: an IT person, a reseller's staff member
// or a platform administrator.
type Manager struct {
	ID                 string      `json:"id"`
	AccountID          string      `json:"account_id"`
	Email              string      `json:"email"`
	Name               string      `json:"name"`
	Role               ManagerRole `json:"role"`
	PasswordHash       string      `json:"-"`
	MustChangePassword bool        `json:"must_change_password"`
	TOTPEnabled        bool        `json:"totp_enabled"`
	Invited            bool        `json:"invited"` // invitation not yet accepted
	FailedLogins       int         `json:"-"`
	LockedUntil        *time.Time  `json:"locked_until,omitempty"`
	LastLoginAt        *time.Time  `json:"last_login_at,omitempty"`
	PasswordChangedAt  *time.Time  `json:"password_changed_at,omitempty"`
	CreatedAt          time.Time   `json:"created_at"`
	UpdatedAt          time.Time   `json:"updated_at"`
}

// ManagerCreate is the input to create a manager. With Invite set the
// manager receives an invitation link and chooses a password; otherwise
// Password is required and must be changed at first sign-in.
type ManagerCreate struct {
	AccountID string      `json:"account_id"`
	Email     string      `json:"email"`
	Name      string      `json:"name"`
	Role      ManagerRole `json:"role"`
	Invite    bool        `json:"invite"`
	Password  string      `json:"password,omitempty"`
}

// ManagerUpdate changes a manager; nil fields are left alone.
type ManagerUpdate struct {
	Name *string      `json:"name,omitempty"`
	Role *ManagerRole `json:"role,omitempty"`
}

// ManagerService manages logins.
type ManagerService interface {
	// Manager returns one manager. ENOTFOUND.
	Manager(ctx context.Context, id string) (*Manager, error)
	// Managers lists the managers of an account. ENOTFOUND.
	Managers(ctx context.Context, accountID string) ([]*Manager, error)
	// CreateManager creates a manager directly or by invitation.
	// EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT.
	CreateManager(ctx context.Context, in ManagerCreate) (*Manager, error)
	// UpdateManager renames a manager or changes its role. EINVALID, EFORBIDDEN, ENOTFOUND.
	UpdateManager(ctx context.Context, id string, in ManagerUpdate) (*Manager, error)
	// DeleteManager deletes a manager, its sessions and its tokens.
	// EFORBIDDEN, ENOTFOUND, ECONFLICT (the last owner of an account).
	DeleteManager(ctx context.Context, id string) error
}
