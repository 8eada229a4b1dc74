package steward

import (
	"context"
	"time"
)

// Directory users are people, not logins: the employees of a client
// account, with the devices they hold and the custom fields the account
// defines for them. They never sign in.

// DirectoryUser is a person in a client account's directory.
type DirectoryUser struct {
	ID        string `json:"id"`
	AccountID string `json:"account_id"` // a client account
	// Email is unique within the account, stored lower-case.
	Email string `json:"email"`
	Name  string `json:"name,omitempty"`
	// DirectoryName is the person's name in the company's own directory,
	// such as "jdoe".
	DirectoryName string `json:"directory_name,omitempty"`
	// CustomFields holds a value for each of the account's custom fields
	// that has one, by key; values are text in their field type's canonical
	// form (see CustomFieldDef).
	CustomFields map[string]string `json:"custom_fields"`
	// DeviceIDs are the devices the user holds (filled on reads), in the
	// order of Devices.
	DeviceIDs []string `json:"device_ids"`
	// Devices are the same devices with their support IDs and names,
	// by support ID (filled on reads).
	Devices   []DeviceRef `json:"devices"`
	CreatedAt time.Time   `json:"created_at"`
	UpdatedAt time.Time   `json:"updated_at"`
}

// DeviceRef names a device of a client account and the directory user
// who holds it, if any.
type DeviceRef struct {
	ID        string `json:"id"`
	SupportID string `json:"support_id"`
	Name      string `json:"name,omitempty"`
	UserID    string `json:"user_id,omitempty"`
}

// FieldType is the type of a custom user field.
type FieldType string

// Custom field types and the form of their values: text as typed (one
// line); a number as typed, a decimal such as "4100", "-12.5" or "1e3"; a
// date as YYYY-MM-DD; a choice as one of the field's choices, exactly.
const (
	FieldText   FieldType = "text"
	FieldNumber FieldType = "number"
	FieldDate   FieldType = "date"
	FieldChoice FieldType = "choice"
)

// Valid reports whether t is known.
func (t FieldType) Valid() bool {
	switch t {
	case FieldText, FieldNumber, FieldDate, FieldChoice:
		return true
	}
	return false
}

// CustomFieldDef defines one custom field of an account's users.
type CustomFieldDef struct {
	// Key names the field in the API and as a CSV column: lower-case
	// letters, digits and underscores, starting with a letter.
	Key   string    `json:"key"`
	Label string    `json:"label"`
	Type  FieldType `json:"type"`
	// Choices are the allowed values of a choice field.
	Choices []string `json:"choices,omitempty"`
	// Required fields must have a value whenever a user is saved.
	Required bool `json:"required"`
}

// UserFilter selects an account's users.
type UserFilter struct {
	Query string // email, name or directory name contains, ignoring case
	After string // page after this email
	Limit int
}

// UserStore keeps directory users, their custom field definitions and
// which devices they hold. Scope checks are the service's job.
type UserStore interface {
	InsertUser(ctx context.Context, u *DirectoryUser) error                           // ECONFLICT on a taken email in the account
	UserByID(ctx context.Context, id string) (*DirectoryUser, error)                  // ENOTFOUND
	UserByEmail(ctx context.Context, accountID, email string) (*DirectoryUser, error) // ENOTFOUND
	// ListUsers lists an account's users by email, after f.After, at most
	// f.Limit (default 50).
	ListUsers(ctx context.Context, accountID string, f UserFilter) ([]*DirectoryUser, error)
	// UpdateUser writes a user's email, names and custom fields.
	// ENOTFOUND, ECONFLICT on a taken email.
	UpdateUser(ctx context.Context, u *DirectoryUser) error
	// DeleteUser deletes a user; its devices are left without one. ENOTFOUND.
	DeleteUser(ctx context.Context, id string) error

	// UserFields returns an account's custom field definitions, in order.
	UserFields(ctx context.Context, accountID string) ([]CustomFieldDef, error)
	// PutUserFields replaces an account's custom field definitions.
	PutUserFields(ctx context.Context, accountID string, defs []CustomFieldDef) error

	// SetUserDevices makes deviceIDs (devices of the user's account) the
	// user's devices: others it held are left without a user, and the
	// listed ones leave the user they had. ENOTFOUND for the user.
	SetUserDevices(ctx context.Context, userID string, deviceIDs []string, at time.Time) error
	// SetDeviceUser gives a device its user ("" for none). ENOTFOUND.
	SetDeviceUser(ctx context.Context, deviceID, userID string, at time.Time) error
	// DeviceUserID returns the ID of a device's user, "" for none. ENOTFOUND.
	DeviceUserID(ctx context.Context, deviceID string) (string, error)
	// AccountDevices lists every device of an account with its user, by
	// support ID.
	AccountDevices(ctx context.Context, accountID string) ([]DeviceRef, error)
}
