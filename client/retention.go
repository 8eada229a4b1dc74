package client

import (
	"context"
	"net/url"

	"github.com/stewardmdm/steward"
)

// RetentionStatus returns, per category of the data catalog, its rule, the
// rows stored, the last sweep and when the next is due. Platform
// administrators only. EFORBIDDEN.
func (c *Client) RetentionStatus(ctx context.Context) ([]*steward.RetentionStatus, error) {
	var l Page[*steward.RetentionStatus]
	if err := c.do(ctx, request{op: "retention status", method: "GET", path: "/privacy/retention"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// LegalHolds lists the legal holds on the caller's subtree (or on
// f.AccountID's), newest first. ENOTFOUND.
func (c *Client) LegalHolds(ctx context.Context, f steward.HoldFilter) ([]*steward.LegalHold, error) {
	q := url.Values{}
	setIf(q, "account_id", f.AccountID)
	if f.Active {
		q.Set("active", "true")
	}
	setInt(q, "limit", f.Limit)
	var l Page[*steward.LegalHold]
	if err := c.do(ctx, request{op: "list legal holds", method: "GET", path: "/privacy/holds", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CreateLegalHold places a legal hold (platform administrators only).
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) CreateLegalHold(ctx context.Context, in steward.LegalHoldCreate) (*steward.LegalHold, error) {
	var h steward.LegalHold
	if err := c.do(ctx, request{op: "create legal hold", method: "POST", path: "/privacy/holds", body: in}, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// ReleaseLegalHold releases a legal hold (platform administrators only).
// EFORBIDDEN, ENOTFOUND, ECONFLICT (already released).
func (c *Client) ReleaseLegalHold(ctx context.Context, id string) (*steward.LegalHold, error) {
	p, err := pathID("legal hold", id)
	if err != nil {
		return nil, err
	}
	var h steward.LegalHold
	if err := c.do(ctx, request{op: "release legal hold", method: "POST", path: "/privacy/holds/" + p + "/release"}, &h); err != nil {
		return nil, err
	}
	return &h, nil
}

// RetentionReceipts lists the newest receipts of retention sweeps (audit
// entries whose summary is a steward.RetentionReceipt). Platform
// administrators only. EFORBIDDEN.
func (c *Client) RetentionReceipts(ctx context.Context, limit int) ([]*steward.AuditEntry, error) {
	q := url.Values{}
	setInt(q, "limit", limit)
	var l Page[*steward.AuditEntry]
	if err := c.do(ctx, request{op: "list retention receipts", method: "GET", path: "/privacy/receipts", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// RunRetentionSweep runs the retention sweep now and returns what it did.
// Platform administrators only. EFORBIDDEN.
func (c *Client) RunRetentionSweep(ctx context.Context) (string, error) {
	var out struct {
		Summary string `json:"summary"`
	}
	if err := c.do(ctx, request{op: "run retention sweep", method: "POST", path: "/privacy/sweep"}, &out); err != nil {
		return "", err
	}
	return out.Summary, nil
}

// RestoreAccount undoes an account's deletion while its data is not yet
// purged. EFORBIDDEN, ENOTFOUND, ECONFLICT (not deleted, or purged).
func (c *Client) RestoreAccount(ctx context.Context, id string) (*steward.Account, error) {
	p, err := pathID("account", id)
	if err != nil {
		return nil, err
	}
	var acc steward.Account
	if err := c.do(ctx, request{op: "restore account", method: "POST", path: "/accounts/" + p + "/restore"}, &acc); err != nil {
		return nil, err
	}
	return &acc, nil
}
