package client

import (
	"context"
	"net/url"

	"github.com/stewardmdm/steward"
)

// Compliance counts the devices of the caller's subtree (or f.AccountID's)
// in each compliance state and lists one page of those in f.State
// (non_compliant by default), in device ID order, each with the settings
// that failed; Next goes in f.After for the following page.
// EINVALID, ENOTFOUND.
func (c *Client) Compliance(ctx context.Context, f steward.ComplianceFilter) (*steward.ComplianceSummary, error) {
	const op = "get compliance"
	acc := f.AccountID
	if acc == "" {
		me, err := c.Me(ctx)
		if err != nil {
			return nil, err
		}
		acc = me.Account.ID
	}
	p, err := pathID("account", acc)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	setIf(q, "state", string(f.State))
	setIf(q, "after", f.After)
	setInt(q, "limit", f.Limit)
	var s steward.ComplianceSummary
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/compliance", query: q}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// DeviceCompliance returns a device's compliance with its latest policy
// report (nil when it sent none). ENOTFOUND.
func (c *Client) DeviceCompliance(ctx context.Context, id string) (*steward.DeviceCompliance, error) {
	const op = "get device compliance"
	p, err := pathID("device", id)
	if err != nil {
		return nil, err
	}
	var dc steward.DeviceCompliance
	if err := c.do(ctx, request{op: op, method: "GET", path: "/devices/" + p + "/compliance"}, &dc); err != nil {
		return nil, err
	}
	return &dc, nil
}
