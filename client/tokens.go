package client

import (
	"context"
	"net/url"

	"github.com/stewardmdm/steward"
)

// Tokens lists a manager's API tokens (the caller's when managerID is
// empty). ENOTFOUND.
func (c *Client) Tokens(ctx context.Context, managerID string) ([]*steward.APIToken, error) {
	q := url.Values{}
	setIf(q, "manager_id", managerID)
	var l Page[*steward.APIToken]
	if err := c.do(ctx, request{op: "list tokens", method: "GET", path: "/tokens", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CreateToken creates a token for the caller; its secret is in the result
// only. EINVALID, EFORBIDDEN.
func (c *Client) CreateToken(ctx context.Context, in steward.TokenCreate) (*steward.APIToken, error) {
	var t steward.APIToken
	if err := c.do(ctx, request{op: "create token", method: "POST", path: "/tokens", body: in}, &t); err != nil {
		return nil, err
	}
	return &t, nil
}

// RevokeToken revokes a token; revoking a revoked token succeeds.
// ENOTFOUND.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	p, err := pathID("token", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "revoke token", method: "DELETE", path: "/tokens/" + p}, nil)
}
