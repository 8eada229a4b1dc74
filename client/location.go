package client

import (
	"context"
	"net/url"

	"github.com/stewardmdm/steward"
)

// PrivacySettings returns a client account's privacy switches (location
// and web-history tracking). ENOTFOUND.
func (c *Client) PrivacySettings(ctx context.Context, accountID string) (*steward.PrivacySettings, error) {
	const op = "get privacy settings"
	p, err := pathID("account", accountID)
	if err != nil {
		return nil, err
	}
	var s steward.PrivacySettings
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/privacy-settings"}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// SetPrivacySettings changes the switches given in u. Turning one off
// deletes that data of every device of the account at once. EINVALID (not
// a client account), EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) SetPrivacySettings(ctx context.Context, accountID string, u steward.PrivacySettingsUpdate) (*steward.PrivacySettings, error) {
	const op = "set privacy settings"
	p, err := pathID("account", accountID)
	if err != nil {
		return nil, err
	}
	var s steward.PrivacySettings
	if err := c.do(ctx, request{op: op, method: "PUT", path: "/accounts/" + p + "/privacy-settings", body: u}, &s); err != nil {
		return nil, err
	}
	return &s, nil
}

// DeviceLocation returns a device's points, newest first (at most limit;
// 0 means all, at most 50). The server records the view in the audit log.
// EFORBIDDEN (read-only roles), ENOTFOUND.
func (c *Client) DeviceLocation(ctx context.Context, id string, limit int) ([]*steward.LocationPoint, error) {
	const op = "get device location"
	p, err := pathID("device", id)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	setInt(q, "limit", limit)
	var l Page[*steward.LocationPoint]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/devices/" + p + "/location", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// DeviceWebHistory returns a device's visits, newest first (at most limit;
// 0 means 100). The server records the view in the audit log.
// EFORBIDDEN (read-only roles), ENOTFOUND.
func (c *Client) DeviceWebHistory(ctx context.Context, id string, limit int) ([]*steward.WebVisit, error) {
	const op = "get device web history"
	p, err := pathID("device", id)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	setInt(q, "limit", limit)
	var l Page[*steward.WebVisit]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/devices/" + p + "/web-history", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// DeviceConsents lists the decisions of a device's user, newest first. ENOTFOUND.
func (c *Client) DeviceConsents(ctx context.Context, id string) ([]*steward.Consent, error) {
	const op = "list device consents"
	p, err := pathID("device", id)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.Consent]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/devices/" + p + "/consents"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}
