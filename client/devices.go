package client

import (
	"context"
	"net/url"
	"strconv"

	"github.com/stewardmdm/steward"
)

// Devices lists one page of devices in the caller's subtree (or
// f.AccountID's), ordered by ID. The server returns at most 50 when f.Limit
// is 0 and caps a page at 500. Online is not stored: with f.Online set the
// server reads on until the page is full, but through a bounded number of
// pages, so a short page does not prove that no match follows.
// EINVALID, ENOTFOUND.
func (c *Client) Devices(ctx context.Context, f steward.DeviceFilter) ([]*steward.Device, error) {
	p, err := c.DevicesPage(ctx, f)
	if err != nil {
		return nil, err
	}
	return p.Items, nil
}

// DevicesPage is Devices with the server's cursor: p.Next goes in f.After
// to read the following page, and is empty after a short page.
// EINVALID, ENOTFOUND.
func (c *Client) DevicesPage(ctx context.Context, f steward.DeviceFilter) (*Page[*steward.Device], error) {
	q := url.Values{}
	setIf(q, "account_id", f.AccountID)
	setIf(q, "q", f.Query)
	setIf(q, "ownership", string(f.Ownership))
	setIf(q, "os_version", f.OSVersion)
	setIf(q, "folder_id", f.FolderID)
	setIf(q, "group_id", f.GroupID)
	setIf(q, "after", f.After)
	setInt(q, "limit", f.Limit)
	if f.Online != nil {
		q.Set("online", strconv.FormatBool(*f.Online))
	}
	var p Page[*steward.Device]
	if err := c.do(ctx, request{op: "list devices", method: "GET", path: "/devices", query: q}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Device returns a device with its inventory. ENOTFOUND.
func (c *Client) Device(ctx context.Context, id string) (*steward.Device, error) {
	const op = "get device"
	p, err := pathID("device", id)
	if err != nil {
		return nil, err
	}
	var d steward.Device
	if err := c.do(ctx, request{op: op, method: "GET", path: "/devices/" + p}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeviceApps lists a device's installed apps (for a personal device, the
// work profile's only). ENOTFOUND.
func (c *Client) DeviceApps(ctx context.Context, id string) ([]steward.App, error) {
	const op = "list device apps"
	p, err := pathID("device", id)
	if err != nil {
		return nil, err
	}
	var l Page[steward.App]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/devices/" + p + "/apps"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// DeviceHistory lists one page of a device's history, newest first: at
// most limit events (the server's default of 50 when 0, capped at 500),
// older than the event before when it is given. ENOTFOUND.
func (c *Client) DeviceHistory(ctx context.Context, id, before string, limit int) ([]*steward.DeviceEvent, error) {
	const op = "get device history"
	p, err := pathID("device", id)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	setIf(q, "before", before)
	setInt(q, "limit", limit)
	var l Page[*steward.DeviceEvent]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/devices/" + p + "/history", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// RevokeDeviceCredential makes a device's credential stop working at once
// (a lost or stolen device); the device must enroll again. EFORBIDDEN,
// ENOTFOUND.
func (c *Client) RevokeDeviceCredential(ctx context.Context, id string) error {
	p, err := pathID("device", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "revoke device credential", method: "POST", path: "/devices/" + p + "/credential/revoke"}, nil)
}
