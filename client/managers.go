package client

import (
	"context"

	"github.com/stewardmdm/steward"
)

// Manager returns one manager. ENOTFOUND.
func (c *Client) Manager(ctx context.Context, id string) (*steward.Manager, error) {
	p, err := pathID("manager", id)
	if err != nil {
		return nil, err
	}
	var m steward.Manager
	if err := c.do(ctx, request{op: "get manager", method: "GET", path: "/managers/" + p}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// Managers lists the managers of an account; an empty accountID means the
// caller's own. ENOTFOUND.
func (c *Client) Managers(ctx context.Context, accountID string) ([]*steward.Manager, error) {
	const op = "list managers"
	p, err := c.accountID(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.Manager]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/managers"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CreateManager creates a manager directly (with a password to change at
// first sign-in) or by invitation; an empty in.AccountID means the caller's
// own account. EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) CreateManager(ctx context.Context, in steward.ManagerCreate) (*steward.Manager, error) {
	const op = "create manager"
	p, err := c.accountID(ctx, op, in.AccountID)
	if err != nil {
		return nil, err
	}
	body := struct {
		Email    string              `json:"email"`
		Name     string              `json:"name"`
		Role     steward.ManagerRole `json:"role"`
		Invite   bool                `json:"invite"`
		Password string              `json:"password,omitempty"`
	}{in.Email, in.Name, in.Role, in.Invite, in.Password}
	var m steward.Manager
	if err := c.do(ctx, request{op: op, method: "POST", path: "/accounts/" + p + "/managers", body: body}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// UpdateManager renames a manager or changes its role.
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) UpdateManager(ctx context.Context, id string, in steward.ManagerUpdate) (*steward.Manager, error) {
	p, err := pathID("manager", id)
	if err != nil {
		return nil, err
	}
	var m steward.Manager
	if err := c.do(ctx, request{op: "update manager", method: "PATCH", path: "/managers/" + p, body: in}, &m); err != nil {
		return nil, err
	}
	return &m, nil
}

// DeleteManager deletes a manager, its sessions and its tokens.
// EFORBIDDEN, ENOTFOUND, ECONFLICT (the last owner of an account).
func (c *Client) DeleteManager(ctx context.Context, id string) error {
	p, err := pathID("manager", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete manager", method: "DELETE", path: "/managers/" + p}, nil)
}
