package client

import (
	"context"
	"errors"
	"io"
	"net/url"

	"github.com/stewardmdm/steward"
)

// UserInput creates a directory user. DeviceIDs take device IDs or
// support IDs of devices in the user's account.
type UserInput struct {
	Email         string            `json:"email"`
	Name          string            `json:"name,omitempty"`
	DirectoryName string            `json:"directory_name,omitempty"`
	CustomFields  map[string]string `json:"custom_fields,omitempty"`
	DeviceIDs     []string          `json:"device_ids,omitempty"`
}

// UserUpdate changes a user; nil fields are left alone. CustomFields are
// merged (an empty value clears a key); DeviceIDs, when given, become the
// user's devices.
type UserUpdate struct {
	Email         *string           `json:"email,omitempty"`
	Name          *string           `json:"name,omitempty"`
	DirectoryName *string           `json:"directory_name,omitempty"`
	CustomFields  map[string]string `json:"custom_fields,omitempty"`
	DeviceIDs     *[]string         `json:"device_ids,omitempty"`
}

// UserImportError is one problem of an import: its row (1 is the header),
// column and message.
type UserImportError struct {
	Row     int    `json:"row"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// UserImportReport says what an import did.
type UserImportReport struct {
	Rows       int               `json:"rows"`
	Created    int               `json:"created"`
	Updated    int               `json:"updated"`
	Unchanged  int               `json:"unchanged"`
	Skipped    int               `json:"skipped"`
	Partial    bool              `json:"partial"`
	Written    bool              `json:"written"`
	Errors     []UserImportError `json:"errors"`
	ErrorCount int               `json:"error_count"`
}

// UserImportRejected is the error of an import that wrote nothing; it
// carries the server's report (nil when the file was not read).
type UserImportRejected struct {
	Err    *steward.Error
	Report *UserImportReport
}

// Error implements the error interface.
func (e *UserImportRejected) Error() string { return e.Err.Error() }

// Unwrap returns the coded error.
func (e *UserImportRejected) Unwrap() error { return e.Err }

// Users lists a client account's users by email (the caller's account when
// accountID is empty), after f.After, at most f.Limit; f.Query searches
// email, name and directory name. ENOTFOUND, EINVALID.
func (c *Client) Users(ctx context.Context, accountID string, f steward.UserFilter) ([]*steward.DirectoryUser, error) {
	acc, err := c.accountID(ctx, "list users", accountID)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	setIf(q, "q", f.Query)
	setIf(q, "after", f.After)
	setInt(q, "limit", f.Limit)
	var l Page[*steward.DirectoryUser]
	if err := c.do(ctx, request{op: "list users", method: "GET", path: "/accounts/" + acc + "/users", query: q}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// User returns a user with its devices. ENOTFOUND.
func (c *Client) User(ctx context.Context, id string) (*steward.DirectoryUser, error) {
	p, err := pathID("user", id)
	if err != nil {
		return nil, err
	}
	var u steward.DirectoryUser
	if err := c.do(ctx, request{op: "get user", method: "GET", path: "/users/" + p}, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// CreateUser adds a user to a client account (the caller's when accountID
// is empty). EINVALID (naming the field), EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) CreateUser(ctx context.Context, accountID string, in UserInput) (*steward.DirectoryUser, error) {
	acc, err := c.accountID(ctx, "create user", accountID)
	if err != nil {
		return nil, err
	}
	var u steward.DirectoryUser
	if err := c.do(ctx, request{op: "create user", method: "POST", path: "/accounts/" + acc + "/users", body: in}, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// UpdateUser changes a user. EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) UpdateUser(ctx context.Context, id string, in UserUpdate) (*steward.DirectoryUser, error) {
	p, err := pathID("user", id)
	if err != nil {
		return nil, err
	}
	var u steward.DirectoryUser
	if err := c.do(ctx, request{op: "update user", method: "PATCH", path: "/users/" + p, body: in}, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// DeleteUser deletes a user at once. EFORBIDDEN, ENOTFOUND.
func (c *Client) DeleteUser(ctx context.Context, id string) error {
	p, err := pathID("user", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete user", method: "DELETE", path: "/users/" + p}, nil)
}

type userFields struct {
	Fields []steward.CustomFieldDef `json:"fields"`
}

// UserFields returns a client account's custom field definitions.
// ENOTFOUND, EINVALID.
func (c *Client) UserFields(ctx context.Context, accountID string) ([]steward.CustomFieldDef, error) {
	acc, err := c.accountID(ctx, "user fields", accountID)
	if err != nil {
		return nil, err
	}
	var f userFields
	if err := c.do(ctx, request{op: "user fields", method: "GET", path: "/accounts/" + acc + "/user-fields"}, &f); err != nil {
		return nil, err
	}
	return f.Fields, nil
}

// PutUserFields replaces a client account's custom field definitions;
// the values of a field left out are deleted from every user. EINVALID
// (naming e.g. fields[1].type), EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) PutUserFields(ctx context.Context, accountID string, defs []steward.CustomFieldDef) ([]steward.CustomFieldDef, error) {
	acc, err := c.accountID(ctx, "put user fields", accountID)
	if err != nil {
		return nil, err
	}
	if defs == nil {
		defs = []steward.CustomFieldDef{}
	}
	var f userFields
	if err := c.do(ctx, request{op: "put user fields", method: "PUT", path: "/accounts/" + acc + "/user-fields",
		body: userFields{Fields: defs}}, &f); err != nil {
		return nil, err
	}
	return f.Fields, nil
}

// ImportUsers sends a users CSV file. With any bad row nothing is written
// and the error is a *UserImportRejected carrying the report, unless
// partial, which writes the good rows and reports the bad ones. EINVALID,
// ETOOLARGE, EFORBIDDEN, ENOTFOUND.
func (c *Client) ImportUsers(ctx context.Context, accountID string, file io.Reader, partial bool) (*UserImportReport, error) {
	acc, err := c.accountID(ctx, "import users", accountID)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if partial {
		q.Set("partial", "true")
	}
	var rep UserImportReport
	var rejected struct {
		Report *UserImportReport `json:"report"`
	}
	err = c.do(ctx, request{op: "import users", method: "POST", path: "/accounts/" + acc + "/users/import", query: q,
		raw: file, contentType: "text/csv", errOut: &rejected}, &rep)
	if se := (*steward.Error)(nil); err != nil && rejected.Report != nil && errors.As(err, &se) {
		return rejected.Report, &UserImportRejected{Err: se, Report: rejected.Report}
	} else if err != nil {
		return nil, err
	}
	return &rep, nil
}

// ExportUsers writes a client account's users as CSV to w. ENOTFOUND,
// EINVALID.
func (c *Client) ExportUsers(ctx context.Context, accountID string, w io.Writer) error {
	acc, err := c.accountID(ctx, "export users", accountID)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "export users", method: "GET", path: "/accounts/" + acc + "/users/export", rawOut: w}, nil)
}

// DeviceUser returns a device's user, nil for none. ENOTFOUND.
func (c *Client) DeviceUser(ctx context.Context, deviceID string) (*steward.DirectoryUser, error) {
	p, err := pathID("device", deviceID)
	if err != nil {
		return nil, err
	}
	var du struct {
		User *steward.DirectoryUser `json:"user"`
	}
	if err := c.do(ctx, request{op: "device user", method: "GET", path: "/devices/" + p + "/user"}, &du); err != nil {
		return nil, err
	}
	return du.User, nil
}

// SetDeviceUser gives a device its user ("" for none) and returns it.
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) SetDeviceUser(ctx context.Context, deviceID, userID string) (*steward.DirectoryUser, error) {
	p, err := pathID("device", deviceID)
	if err != nil {
		return nil, err
	}
	var du struct {
		User *steward.DirectoryUser `json:"user"`
	}
	if err := c.do(ctx, request{op: "set device user", method: "PUT", path: "/devices/" + p + "/user",
		body: map[string]string{"user_id": userID}}, &du); err != nil {
		return nil, err
	}
	return du.User, nil
}
