package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/stewardmdm/steward"
)

// Account returns one account; an empty id means the caller's own.
// ENOTFOUND.
func (c *Client) Account(ctx context.Context, id string) (*steward.Account, error) {
	const op = "get account"
	p, err := c.accountID(ctx, op, id)
	if err != nil {
		return nil, err
	}
	var acc steward.Account
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p}, &acc); err != nil {
		return nil, err
	}
	return &acc, nil
}

// Accounts lists one page of accounts in the caller's subtree, ordered by
// path. The server returns at most 100 when f.Limit is 0; ask for the next
// page with f.After set to the last account's ID.
func (c *Client) Accounts(ctx context.Context, f steward.AccountFilter) ([]*steward.Account, error) {
	q := url.Values{}
	setIf(q, "root", f.RootID)
	setIf(q, "parent", f.ParentID)
	setIf(q, "kind", string(f.Kind))
	setIf(q, "status", string(f.Status))
	setIf(q, "q", f.Query)
	setIf(q, "after", f.After)
	setInt(q, "limit", f.Limit)
	if f.IncludeDeleted {
		q.Set("include_deleted", strconv.FormatBool(true))
	}
	var l Page[*steward.Account]
	if err := c.do(ctx, request{op: "list accounts", method: "GET", path: "/accounts", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CreateAccount creates a child account (below the caller's own account
// when in.ParentID is empty). EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) CreateAccount(ctx context.Context, in steward.AccountCreate) (*steward.Account, error) {
	var acc steward.Account
	if err := c.do(ctx, request{op: "create account", method: "POST", path: "/accounts", body: in}, &acc); err != nil {
		return nil, err
	}
	return &acc, nil
}

// UpdateAccount renames or edits an account. EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) UpdateAccount(ctx context.Context, id string, in steward.AccountUpdate) (*steward.Account, error) {
	const op = "update account"
	p, err := c.accountID(ctx, op, id)
	if err != nil {
		return nil, err
	}
	var acc steward.Account
	if err := c.do(ctx, request{op: op, method: "PATCH", path: "/accounts/" + p, body: in}, &acc); err != nil {
		return nil, err
	}
	return &acc, nil
}

// SetAccountStatus suspends, blocks or reactivates an account below the
// caller's. EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) SetAccountStatus(ctx context.Context, id string, status steward.AccountStatus, reason string) (*steward.Account, error) {
	const op = "set account status"
	p, err := pathID("account", id)
	if err != nil {
		return nil, err
	}
	body := struct {
		Status steward.AccountStatus `json:"status"`
		Reason string                `json:"reason"`
	}{status, reason}
	var acc steward.Account
	if err := c.do(ctx, request{op: op, method: "POST", path: "/accounts/" + p + "/status", body: body}, &acc); err != nil {
		return nil, err
	}
	return &acc, nil
}

// MoveAccount re-parents an account (platform admin only).
// EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) MoveAccount(ctx context.Context, id, newParentID string) (*steward.Account, error) {
	const op = "move account"
	p, err := pathID("account", id)
	if err != nil {
		return nil, err
	}
	body := struct {
		ParentID string `json:"parent_id"`
	}{newParentID}
	var acc steward.Account
	if err := c.do(ctx, request{op: op, method: "POST", path: "/accounts/" + p + "/move", body: body}, &acc); err != nil {
		return nil, err
	}
	return &acc, nil
}

// DeleteAccount soft-deletes an account and its subtree and returns it with
// its deletion time. EFORBIDDEN, ENOTFOUND.
func (c *Client) DeleteAccount(ctx context.Context, id string) (*steward.Account, error) {
	const op = "delete account"
	p, err := pathID("account", id)
	if err != nil {
		return nil, err
	}
	var acc steward.Account
	if err := c.do(ctx, request{op: op, method: "DELETE", path: "/accounts/" + p}, &acc); err != nil {
		return nil, err
	}
	return &acc, nil
}
