package steward

import (
	"context"
	"time"
)

// Session is a console sign-in. The cookie holds a secret whose hash is the
// stored ID; the CSRF token guards every state-changing form.
type Session struct {
	ID        string    `json:"id"` // SHA-256 of the cookie secret, hex
	ManagerID string    `json:"manager_id"`
	CSRFToken string    `json:"-"`
	IP        string    `json:"ip"`
	UserAgent string    `json:"user_agent"`
	CreatedAt time.Time `json:"created_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

// APIToken is a revocable credential for the CLI and automation, scoped to
// its manager's account and at most its manager's role. Only its hash is
// stored; the secret is shown once, at creation.
type APIToken struct {
	ID         string      `json:"id"`
	ManagerID  string      `json:"manager_id"`
	AccountID  string      `json:"account_id"`
	Name       string      `json:"name"`
	Role       ManagerRole `json:"role"`
	Prefix     string      `json:"prefix"` // first characters of the secret, to recognise it
	CreatedAt  time.Time   `json:"created_at"`
	ExpiresAt  *time.Time  `json:"expires_at,omitempty"`
	LastUsedAt *time.Time  `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time  `json:"revoked_at,omitempty"`
	Secret     string      `json:"secret,omitempty"` // set only in the creation response
}

// TokenCreate is the input to create an API token for the calling manager.
type TokenCreate struct {
	Name      string      `json:"name"`
	Role      ManagerRole `json:"role,omitempty"` // default: the manager's role
	ExpiresAt *time.Time  `json:"expires_at,omitempty"`
}

// LoginRequest is a password sign-in.
type LoginRequest struct {
	Email     string `json:"email"`
	Password  string `json:"password"`
	IP        string `json:"-"`
	UserAgent string `json:"-"`
}

// LoginResult is a successful sign-in: a session, and its cookie secret.
type LoginResult struct {
	Session            *Session
	Secret             string
	Manager            *Manager
	MustChangePassword bool
}

// TokenService manages the calling manager's API tokens.
type TokenService interface {
	// Tokens lists the tokens of a manager (default: the caller). ENOTFOUND.
	Tokens(ctx context.Context, managerID string) ([]*APIToken, error)
	// CreateToken creates a token for the caller; the secret is in the result only.
	// EINVALID, EFORBIDDEN.
	CreateToken(ctx context.Context, in TokenCreate) (*APIToken, error)
	// RevokeToken revokes a token. ENOTFOUND.
	RevokeToken(ctx context.Context, id string) error
}
