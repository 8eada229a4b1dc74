package client

import (
	"context"
	"encoding/json"
	"net/url"
	"time"

	"github.com/stewardmdm/steward"
)

// CommandSend issues a command to devices: the listed ones, or every
// device of an account's subtree that matches Filter (a bulk command).
// Give one of DeviceIDs and Filter.
type CommandSend struct {
	DeviceIDs []string
	Filter    *steward.DeviceFilter
	Type      steward.CommandType
	// Payload is the command's JSON payload: {"package":…} for the app
	// commands, {"body":…,"title":…} for send_message, optional for lock
	// and agent_enable/agent_disable, none for the others.
	Payload json.RawMessage
	// TTL is how long the command waits for its device; 0 means the
	// server's default (7 days). The server counts whole seconds, so a
	// fraction of a second is rounded up.
	TTL time.Duration
	// Confirm must be true for a wipe: it erases the device.
	Confirm bool
}

// commandRequest is CommandSend on the wire.
type commandRequest struct {
	DeviceIDs  []string              `json:"device_ids,omitempty"`
	Filter     *steward.DeviceFilter `json:"filter,omitempty"`
	Type       steward.CommandType   `json:"type"`
	Payload    json.RawMessage       `json:"payload,omitempty"`
	TTLSeconds int64                 `json:"ttl_seconds,omitempty"`
	Confirm    bool                  `json:"confirm,omitempty"`
}

// SendCommand queues a command for each targeted device in the caller's
// subtree and returns the commands, one per device; connected devices get
// theirs pushed at once (those come back delivered). EINVALID (unknown
// type, bad payload, a wipe without Confirm, no device matching),
// EFORBIDDEN, ENOTFOUND.
func (c *Client) SendCommand(ctx context.Context, in CommandSend) ([]*steward.Command, error) {
	if in.TTL < 0 {
		return nil, steward.FieldErrorf("ttl_seconds", "The time to live cannot be negative.")
	}
	body := commandRequest{DeviceIDs: in.DeviceIDs, Filter: in.Filter, Type: in.Type, Payload: in.Payload,
		TTLSeconds: int64((in.TTL + time.Second - 1) / time.Second), Confirm: in.Confirm}
	var l Page[*steward.Command]
	if err := c.do(ctx, request{op: "send command", method: "POST", path: "/commands", body: body}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// Commands lists one page of commands in the caller's subtree (or
// f.AccountID's), newest first. The server returns at most 50 when f.Limit
// is 0 and caps a page at 500. ENOTFOUND.
func (c *Client) Commands(ctx context.Context, f steward.CommandFilter) ([]*steward.Command, error) {
	p, err := c.CommandsPage(ctx, f)
	if err != nil {
		return nil, err
	}
	return p.Items, nil
}

// CommandsPage is Commands with the server's cursor: p.Next goes in
// f.Before to read the following (older) page, and is empty when there is
// none. ENOTFOUND.
func (c *Client) CommandsPage(ctx context.Context, f steward.CommandFilter) (*Page[*steward.Command], error) {
	q := url.Values{}
	setIf(q, "account_id", f.AccountID)
	setIf(q, "device_id", f.DeviceID)
	setIf(q, "bulk_id", f.BulkID)
	setIf(q, "status", string(f.Status))
	setIf(q, "before", f.Before)
	setInt(q, "limit", f.Limit)
	var p Page[*steward.Command]
	if err := c.do(ctx, request{op: "list commands", method: "GET", path: "/commands", query: q}, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// Command returns a command of a device in the caller's subtree.
// ENOTFOUND.
func (c *Client) Command(ctx context.Context, id string) (*steward.Command, error) {
	p, err := pathID("command", id)
	if err != nil {
		return nil, err
	}
	var cmd steward.Command
	if err := c.do(ctx, request{op: "get command", method: "GET", path: "/commands/" + p}, &cmd); err != nil {
		return nil, err
	}
	return &cmd, nil
}

// CancelCommand cancels a command its device has not acknowledged yet and
// returns it. EFORBIDDEN, ENOTFOUND, ECONFLICT (too late: acknowledged or
// finished).
func (c *Client) CancelCommand(ctx context.Context, id string) (*steward.Command, error) {
	p, err := pathID("command", id)
	if err != nil {
		return nil, err
	}
	var cmd steward.Command
	if err := c.do(ctx, request{op: "cancel command", method: "POST", path: "/commands/" + p + "/cancel"}, &cmd); err != nil {
		return nil, err
	}
	return &cmd, nil
}
