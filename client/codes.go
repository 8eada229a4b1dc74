package client

import (
	"context"
	"net/url"
	"time"

	"github.com/stewardmdm/steward"
)

// ActivationCodeCreate is the input to issue an activation code, as the
// API takes it.
type ActivationCodeCreate struct {
	AccountID string `json:"account_id"` // the client account devices join
	Seats     int    `json:"seats"`      // how many devices may enroll with it
	// ValidDays (1 to 730) or ExpiresAt sets the expiry; with neither the
	// code lasts 30 days.
	ValidDays int        `json:"valid_days,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	Note      string     `json:"note,omitempty"`
}

// CreateActivationCode issues a code for a client account in the caller's
// subtree. Each device it enrolls spends one credit of the caller's
// account (codes issued by the platform are free). The code itself is in
// the result only: the server keeps its hash. EINVALID, EFORBIDDEN,
// ENOTFOUND.
func (c *Client) CreateActivationCode(ctx context.Context, in ActivationCodeCreate) (*steward.ActivationCode, error) {
	var code steward.ActivationCode
	if err := c.do(ctx, request{op: "create activation code", method: "POST", path: "/activation-codes", body: in}, &code); err != nil {
		return nil, err
	}
	return &code, nil
}

// ActivationCodes lists the activation codes of the caller's subtree (or
// accountID's), at most limit of them (the server's default of 100 when 0,
// capped at 500). ENOTFOUND.
func (c *Client) ActivationCodes(ctx context.Context, accountID string, limit int) ([]*steward.ActivationCode, error) {
	q := url.Values{}
	setIf(q, "account_id", accountID)
	setInt(q, "limit", limit)
	var l Page[*steward.ActivationCode]
	if err := c.do(ctx, request{op: "list activation codes", method: "GET", path: "/activation-codes", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// RevokeActivationCode stops a code from enrolling more devices and
// returns it; revoking a revoked code succeeds. The devices it enrolled are
// disabled by the server's next daily re-verification. EFORBIDDEN,
// ENOTFOUND.
func (c *Client) RevokeActivationCode(ctx context.Context, id string) (*steward.ActivationCode, error) {
	p, err := pathID("activation code", id)
	if err != nil {
		return nil, err
	}
	var code steward.ActivationCode
	if err := c.do(ctx, request{op: "revoke activation code", method: "POST", path: "/activation-codes/" + p + "/revoke"}, &code); err != nil {
		return nil, err
	}
	return &code, nil
}
