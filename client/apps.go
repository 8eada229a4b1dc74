package client

import (
	"context"
	"io"
	"net/url"

	"github.com/stewardmdm/steward"
)

// AppDetail is a store app with its versions (newest first) and the
// assignments the caller sees.
type AppDetail struct {
	steward.StoreApp
	Versions    []*steward.AppVersion    `json:"versions"`
	Assignments []*steward.AppAssignment `json:"assignments"`
}

// AppAssign assigns an app to one target: an account's subtree, a folder,
// a group or one device.
type AppAssign struct {
	AccountID string             `json:"account_id,omitempty"`
	FolderID  string             `json:"folder_id,omitempty"`
	GroupID   string             `json:"group_id,omitempty"`
	DeviceID  string             `json:"device_id,omitempty"`
	Mode      steward.AssignMode `json:"mode"`
}

// AppDeployments is an app's deployments per version × device, with the
// number of devices in each status of their newest deployment.
type AppDeployments struct {
	Items  []*steward.AppDeployment         `json:"items"`
	Counts map[steward.DeploymentStatus]int `json:"counts"`
}

// UploadApp streams an APK into an account's store (the caller's when
// accountID is empty). signerOverride, when set, is the reason to accept a
// signing certificate different from the earlier versions'. The version is
// quarantined until scanned. EINVALID (refused, with the reasons),
// ETOOLARGE, EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) UploadApp(ctx context.Context, accountID string, apk io.Reader, signerOverride string) (*steward.AppVersion, error) {
	q := url.Values{}
	setIf(q, "account_id", accountID)
	setIf(q, "signer_override", signerOverride)
	var v steward.AppVersion
	if err := c.do(ctx, request{op: "upload app", method: "POST", path: "/apps", query: q, raw: apk,
		contentType: "application/vnd.android.package-archive"}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Apps lists the apps of the caller's store and those shared with it.
func (c *Client) Apps(ctx context.Context) ([]*steward.StoreApp, error) {
	var l Page[*steward.StoreApp]
	if err := c.do(ctx, request{op: "list apps", method: "GET", path: "/apps"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// App returns an app with its versions and assignments. ENOTFOUND.
func (c *Client) App(ctx context.Context, id string) (*AppDetail, error) {
	p, err := pathID("app", id)
	if err != nil {
		return nil, err
	}
	var d AppDetail
	if err := c.do(ctx, request{op: "get app", method: "GET", path: "/apps/" + p}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// DeleteApp deletes an app and its APK files. EFORBIDDEN, ENOTFOUND.
func (c *Client) DeleteApp(ctx context.Context, id string) error {
	p, err := pathID("app", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete app", method: "DELETE", path: "/apps/" + p}, nil)
}

// AssignApp assigns an app to an account, folder, group or device.
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) AssignApp(ctx context.Context, id string, in AppAssign) (*steward.AppAssignment, error) {
	p, err := pathID("app", id)
	if err != nil {
		return nil, err
	}
	var as steward.AppAssignment
	if err := c.do(ctx, request{op: "assign app", method: "POST", path: "/apps/" + p + "/assignments", body: in}, &as); err != nil {
		return nil, err
	}
	return &as, nil
}

// UnassignApp removes an assignment; devices nothing else assigns the app
// to uninstall it. EFORBIDDEN, ENOTFOUND.
func (c *Client) UnassignApp(ctx context.Context, id, assignmentID string) error {
	p, err := pathID("app", id)
	if err != nil {
		return err
	}
	q, err := pathID("assignment", assignmentID)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "unassign app", method: "DELETE", path: "/apps/" + p + "/assignments/" + q}, nil)
}

// AppDeployments returns an app's deployments on the caller's devices. ENOTFOUND.
func (c *Client) AppDeployments(ctx context.Context, id string) (*AppDeployments, error) {
	p, err := pathID("app", id)
	if err != nil {
		return nil, err
	}
	var d AppDeployments
	if err := c.do(ctx, request{op: "app deployments", method: "GET", path: "/apps/" + p + "/deployments"}, &d); err != nil {
		return nil, err
	}
	return &d, nil
}

// ShareApp shares an app down its owner's subtree (shared true) or stops
// sharing it, and returns the app. Only write roles of the owner account or
// of an account above it may. EFORBIDDEN, ENOTFOUND.
func (c *Client) ShareApp(ctx context.Context, id string, shared bool) (*steward.StoreApp, error) {
	p, err := pathID("app", id)
	if err != nil {
		return nil, err
	}
	var app steward.StoreApp
	if err := c.do(ctx, request{op: "share app", method: "PATCH", path: "/apps/" + p,
		body: map[string]bool{"shared": shared}}, &app); err != nil {
		return nil, err
	}
	return &app, nil
}

// RescanAppVersion puts a quarantined version of an app back in the scan
// queue (an unscannable one once the scanner is fixed, or one waiting for
// its next attempt) and returns it. Only write roles of the owner's
// subtree may. ECONFLICT (not quarantined), EFORBIDDEN, ENOTFOUND.
func (c *Client) RescanAppVersion(ctx context.Context, appID, versionID string) (*steward.AppVersion, error) {
	p, err := pathID("app", appID)
	if err != nil {
		return nil, err
	}
	q, err := pathID("version", versionID)
	if err != nil {
		return nil, err
	}
	var v steward.AppVersion
	if err := c.do(ctx, request{op: "rescan app version", method: "POST", path: "/apps/" + p + "/versions/" + q + "/rescan"}, &v); err != nil {
		return nil, err
	}
	return &v, nil
}
