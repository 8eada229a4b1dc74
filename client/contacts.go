package client

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/stewardmdm/steward"
)

// Shared contacts and files: the company directory pushed to devices.

// ContactCreate is a new shared contact: a name and an email address or a
// phone number, with the targets whose devices receive it.
type ContactCreate struct {
	AccountID string           `json:"-"` // the owner; empty for the caller's own account
	Name      string           `json:"name"`
	Email     string           `json:"email,omitempty"`
	Phone     string           `json:"phone,omitempty"`
	Note      string           `json:"note,omitempty"`
	Targets   []steward.Target `json:"targets,omitempty"`
}

// ContactUpdate changes the fields that are not nil; Targets replaces the list.
type ContactUpdate struct {
	Name    *string           `json:"name,omitempty"`
	Email   *string           `json:"email,omitempty"`
	Phone   *string           `json:"phone,omitempty"`
	Note    *string           `json:"note,omitempty"`
	Targets *[]steward.Target `json:"targets,omitempty"`
}

// FileUpload describes a shared file to upload; its content is streamed.
type FileUpload struct {
	AccountID   string // the owner; empty for the caller's own account
	Name        string // the file's name, such as handbook.pdf
	ContentType string // empty: guessed by the server from the name or content
	Description string
	Targets     []steward.Target
}

// FileUpdate changes the fields that are not nil; Targets replaces the list.
type FileUpdate struct {
	Description *string           `json:"description,omitempty"`
	Targets     *[]steward.Target `json:"targets,omitempty"`
}

// Contacts lists an account's shared contacts (the caller's when accountID
// is empty), by name. ENOTFOUND.
func (c *Client) Contacts(ctx context.Context, accountID string) ([]*steward.Contact, error) {
	const op = "list contacts"
	p, err := c.accountID(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.Contact]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/contacts"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// CreateContact creates a shared contact; the devices its targets cover
// receive it. EINVALID (the field named), EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (c *Client) CreateContact(ctx context.Context, in ContactCreate) (*steward.Contact, error) {
	const op = "create contact"
	p, err := c.accountID(ctx, op, in.AccountID)
	if err != nil {
		return nil, err
	}
	var out steward.Contact
	if err := c.do(ctx, request{op: op, method: "POST", path: "/accounts/" + p + "/contacts", body: in}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// Contact returns a shared contact. ENOTFOUND.
func (c *Client) Contact(ctx context.Context, id string) (*steward.Contact, error) {
	p, err := pathID("contact", id)
	if err != nil {
		return nil, err
	}
	var out steward.Contact
	if err := c.do(ctx, request{op: "get contact", method: "GET", path: "/contacts/" + p}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateContact edits a shared contact. EINVALID, EFORBIDDEN, ENOTFOUND.
func (c *Client) UpdateContact(ctx context.Context, id string, in ContactUpdate) (*steward.Contact, error) {
	p, err := pathID("contact", id)
	if err != nil {
		return nil, err
	}
	var out steward.Contact
	if err := c.do(ctx, request{op: "update contact", method: "PATCH", path: "/contacts/" + p, body: in}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteContact deletes a shared contact; devices remove their copy.
// EFORBIDDEN, ENOTFOUND.
func (c *Client) DeleteContact(ctx context.Context, id string) error {
	p, err := pathID("contact", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete contact", method: "DELETE", path: "/contacts/" + p}, nil)
}

// Files lists an account's shared files (the caller's when accountID is
// empty), by name. ENOTFOUND.
func (c *Client) Files(ctx context.Context, accountID string) ([]*steward.SharedFile, error) {
	const op = "list files"
	p, err := c.accountID(ctx, op, accountID)
	if err != nil {
		return nil, err
	}
	var l Page[*steward.SharedFile]
	if err := c.do(ctx, request{op: op, method: "GET", path: "/accounts/" + p + "/files"}, &l); err != nil {
		return nil, err
	}
	return l.Items, nil
}

// UploadFile streams body as a shared file; the devices its targets cover
// receive it. EINVALID (the field named), ETOOLARGE, EFORBIDDEN, ENOTFOUND,
// ECONFLICT (a name the account has).
func (c *Client) UploadFile(ctx context.Context, in FileUpload, body io.Reader) (*steward.SharedFile, error) {
	const op = "upload file"
	p, err := c.accountID(ctx, op, in.AccountID)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	setIf(q, "name", in.Name)
	setIf(q, "description", in.Description)
	for _, t := range in.Targets {
		q.Add("target", string(t.Kind)+":"+t.ID)
	}
	ct := in.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	var out steward.SharedFile
	if err := c.do(ctx, request{op: op, method: "POST", path: "/accounts/" + p + "/files", query: q, raw: body, contentType: ct}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// File returns a shared file's record. ENOTFOUND.
func (c *Client) File(ctx context.Context, id string) (*steward.SharedFile, error) {
	p, err := pathID("file", id)
	if err != nil {
		return nil, err
	}
	var out steward.SharedFile
	if err := c.do(ctx, request{op: "get file", method: "GET", path: "/files/" + p}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateFile edits a shared file's description or targets. EINVALID,
// EFORBIDDEN, ENOTFOUND.
func (c *Client) UpdateFile(ctx context.Context, id string, in FileUpdate) (*steward.SharedFile, error) {
	p, err := pathID("file", id)
	if err != nil {
		return nil, err
	}
	var out steward.SharedFile
	if err := c.do(ctx, request{op: "update file", method: "PATCH", path: "/files/" + p, body: in}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteFile deletes a shared file and its content; devices remove their
// copy. EFORBIDDEN, ENOTFOUND.
func (c *Client) DeleteFile(ctx context.Context, id string) error {
	p, err := pathID("file", id)
	if err != nil {
		return err
	}
	return c.do(ctx, request{op: "delete file", method: "DELETE", path: "/files/" + p}, nil)
}

// DownloadFile writes a shared file's content to w and returns the number
// of bytes written. ENOTFOUND.
func (c *Client) DownloadFile(ctx context.Context, id string, w io.Writer) (int64, error) {
	p, err := pathID("file", id)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, "GET", c.base.String()+"/api/v1/files/"+p+"/download", nil)
	if err != nil {
		return 0, fmt.Errorf("download file: %w", err)
	}
	if c.userAgent != "" {
		req.Header.Set("User-Agent", c.userAgent)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := c.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("download file: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
		return 0, responseError("download file", res, data)
	}
	n, err := io.Copy(w, res.Body)
	if err != nil {
		return n, fmt.Errorf("download file: %w", err)
	}
	return n, nil
}
