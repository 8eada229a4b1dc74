package client

import (
	"context"

	"github.com/stewardmdm/steward"
)

// FolderCreate is a new folder of a client account.
type FolderCreate struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// FolderUpdate changes a folder; a nil field is left as it is.
type FolderUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
}

// GroupCreate is a new group of a client account. Between two groups of a
// device that set one setting differently, the higher Priority (0–1000)
// wins, then the name that sorts first.
type GroupCreate struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	Priority    int    `json:"priority,omitempty"`
}

// GroupUpdate changes a group; a nil field is left as it is.
type GroupUpdate struct {
	Name        *string `json:"name,omitempty"`
	Description *string `json:"description,omitempty"`
	Priority    *int    `json:"priority,omitempty"`
}

type deviceIDs struct {
	DeviceIDs []string `json:"device_ids"`
}

// Folders lists a client account's (default: the caller's) folders by name, with their device
// counts. ENOTFOUND.
func (c *Client) Folders(ctx context.Context, accountID string) ([]*steward.Folder, error) {
	p, err := c.accountID(ctx, "list folders", accountID)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.Folder]
	if err := c.do(ctx, request{op: "list folders", method: "GET", path: "/accounts/" + p + "/folders"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CreateFolder creates a folder in a client account (default: the caller's). EINVALID, ECONFLICT
// (a taken name), EFORBIDDEN, ENOTFOUND.
func (c *Client) CreateFolder(ctx context.Context, accountID string, in FolderCreate) (*steward.Folder, error) {
	p, err := c.accountID(ctx, "create folder", accountID)
	if err != nil {
		return nil, err
	}
	var f steward.Folder
	if err := c.do(ctx, request{op: "create folder", method: "POST", path: "/accounts/" + p + "/folders", body: in}, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// folderCall sends a request about one folder and decodes the folder it answers with.
func (c *Client) folderCall(ctx context.Context, op, method, id, sub string, body any) (*steward.Folder, error) {
	p, err := pathID("folder", id)
	if err != nil {
		return nil, err
	}
	var f steward.Folder
	if err := c.do(ctx, request{op: op, method: method, path: "/folders/" + p + sub, body: body}, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// Folder returns a folder with its device count. ENOTFOUND.
func (c *Client) Folder(ctx context.Context, id string) (*steward.Folder, error) {
	return c.folderCall(ctx, "get folder", "GET", id, "", nil)
}

// UpdateFolder renames a folder or changes its description. EINVALID,
// ECONFLICT, EFORBIDDEN, ENOTFOUND.
func (c *Client) UpdateFolder(ctx context.Context, id string, in FolderUpdate) (*steward.Folder, error) {
	return c.folderCall(ctx, "update folder", "PATCH", id, "", in)
}

// DeleteFolder deletes a folder; its devices are left in none. EFORBIDDEN, ENOTFOUND.
func (c *Client) DeleteFolder(ctx context.Context, id string) error {
	p, err := pathID("folder", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete folder", method: "DELETE", path: "/folders/" + p}, nil)
}

// MoveToFolder moves devices of the folder's account into it; all or
// nothing. EINVALID, EFORBIDDEN, ENOTFOUND (naming a device not there).
func (c *Client) MoveToFolder(ctx context.Context, id string, devices []string) (*steward.Folder, error) {
	return c.folderCall(ctx, "move devices to folder", "POST", id, "/devices", deviceIDs{devices})
}

// RemoveFromFolder takes devices out of a folder; all or nothing.
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) RemoveFromFolder(ctx context.Context, id string, devices []string) (*steward.Folder, error) {
	return c.folderCall(ctx, "remove devices from folder", "POST", id, "/devices/remove", deviceIDs{devices})
}

// Groups lists a client account's (default: the caller's) groups by name, with their device
// counts. ENOTFOUND.
func (c *Client) Groups(ctx context.Context, accountID string) ([]*steward.Group, error) {
	p, err := c.accountID(ctx, "list groups", accountID)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.Group]
	if err := c.do(ctx, request{op: "list groups", method: "GET", path: "/accounts/" + p + "/groups"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CreateGroup creates a group in a client account (default: the caller's). EINVALID, ECONFLICT
// (a taken name), EFORBIDDEN, ENOTFOUND.
func (c *Client) CreateGroup(ctx context.Context, accountID string, in GroupCreate) (*steward.Group, error) {
	p, err := c.accountID(ctx, "create group", accountID)
	if err != nil {
		return nil, err
	}
	var g steward.Group
	if err := c.do(ctx, request{op: "create group", method: "POST", path: "/accounts/" + p + "/groups", body: in}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// groupCall sends a request about one group and decodes the group it answers with.
func (c *Client) groupCall(ctx context.Context, op, method, id, sub string, body any) (*steward.Group, error) {
	p, err := pathID("group", id)
	if err != nil {
		return nil, err
	}
	var g steward.Group
	if err := c.do(ctx, request{op: op, method: method, path: "/groups/" + p + sub, body: body}, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// Group returns a group with its device count. ENOTFOUND.
func (c *Client) Group(ctx context.Context, id string) (*steward.Group, error) {
	return c.groupCall(ctx, "get group", "GET", id, "", nil)
}

// UpdateGroup renames a group or changes its description or priority.
// EINVALID, ECONFLICT, EFORBIDDEN, ENOTFOUND.
func (c *Client) UpdateGroup(ctx context.Context, id string, in GroupUpdate) (*steward.Group, error) {
	return c.groupCall(ctx, "update group", "PATCH", id, "", in)
}

// DeleteGroup deletes a group; its devices leave it. EFORBIDDEN, ENOTFOUND.
func (c *Client) DeleteGroup(ctx context.Context, id string) error {
	p, err := pathID("group", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete group", method: "DELETE", path: "/groups/" + p}, nil)
}

// AddToGroup adds devices of the group's account to it; all or nothing.
// EINVALID, EFORBIDDEN, ENOTFOUND (naming a device not there).
func (c *Client) AddToGroup(ctx context.Context, id string, devices []string) (*steward.Group, error) {
	return c.groupCall(ctx, "add devices to group", "POST", id, "/devices", deviceIDs{devices})
}

// RemoveFromGroup removes devices from a group; all or nothing. EINVALID,
// EFORBIDDEN, ENOTFOUND.
func (c *Client) RemoveFromGroup(ctx context.Context, id string, devices []string) (*steward.Group, error) {
	return c.groupCall(ctx, "remove devices from group", "POST", id, "/devices/remove", deviceIDs{devices})
}
