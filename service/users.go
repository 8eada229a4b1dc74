package service

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/stewardmdm/steward"
)

// Directory users: the people of a client account, with their custom
// fields and devices. Managers of the account and of the accounts above it
// reach them; read-only roles only read. The audit log records which user
// and which fields changed, never the values, so deleting a user leaves no
// copy of what it held.

// UserInput creates a user.
type UserInput struct {
	Email         string            `json:"email"`
	Name          string            `json:"name,omitempty"`
	DirectoryName string            `json:"directory_name,omitempty"`
	CustomFields  map[string]string `json:"custom_fields,omitempty"`
	// DeviceIDs are the devices the user holds: device IDs or support IDs
	// of devices in the user's account.
	DeviceIDs []string `json:"device_ids,omitempty"`
}

// UserUpdate changes a user; nil fields are left alone. CustomFields are
// merged into the user's: a key with an empty value clears it. DeviceIDs,
// when given, become the user's devices (empty: none).
type UserUpdate struct {
	Email         *string           `json:"email,omitempty"`
	Name          *string           `json:"name,omitempty"`
	DirectoryName *string           `json:"directory_name,omitempty"`
	CustomFields  map[string]string `json:"custom_fields,omitempty"`
	DeviceIDs     *[]string         `json:"device_ids,omitempty"`
}

// directory returns a client account the actor reaches (and, with write,
// may change: a write role and a live account).
func (s *Service) directory(ctx context.Context, accountID string, write bool) (*steward.Actor, *steward.Account, error) {
	reach := s.reachAccount
	if write {
		reach = s.writableAccount
	}
	a, acc, err := reach(ctx, accountID)
	if err != nil {
		return nil, nil, err
	}
	if acc.Kind != steward.AccountClient {
		return nil, nil, steward.FieldErrorf("account_id", "Users belong to a client account; %s is a %s account.", acc.Name, acc.Kind)
	}
	return a, acc, nil
}

// reachUser returns a user of an account in the actor's subtree, and the
// account. ENOTFOUND otherwise.
func (s *Service) reachUser(ctx context.Context, id string) (*steward.Actor, *steward.DirectoryUser, *steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	hidden := steward.Errorf(steward.ENOTFOUND, "User %q not found.", id)
	u, err := s.store.UserByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, nil, hidden
	} else if err != nil {
		return nil, nil, nil, err
	}
	acc, err := s.store.AccountByID(ctx, u.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !a.Reaches(acc.Path) {
		return nil, nil, nil, hidden
	}
	return a, u, acc, nil
}

// userProblems checks a user against the account's field definitions,
// tidying what it can (trimmed text, lower-case email, canonical values),
// and returns every problem, each naming its field.
func userProblems(u *steward.DirectoryUser, defs []steward.CustomFieldDef) []*steward.Error {
	var out []*steward.Error
	add := func(field, msg string) { out = append(out, steward.FieldErrorf(field, "%s", msg)) }
	if email, err := normalEmail("email", u.Email); err != nil {
		if strings.TrimSpace(u.Email) == "" {
			add("email", "An email address is required.")
		} else {
			add("email", steward.ErrorMessage(err))
		}
	} else {
		u.Email = email
	}
	u.Name, u.DirectoryName = strings.TrimSpace(u.Name), strings.TrimSpace(u.DirectoryName)
	if utf8.RuneCountInString(u.Name) > maxUserNameChars || !oneLine(u.Name) {
		add("name", fmt.Sprintf("A name is one line of at most %d characters.", maxUserNameChars))
	}
	if utf8.RuneCountInString(u.DirectoryName) > maxUserNameChars || !oneLine(u.DirectoryName) {
		add("directory_name", fmt.Sprintf("A directory name is one line of at most %d characters.", maxUserNameChars))
	}
	byKey := map[string]steward.CustomFieldDef{}
	for _, d := range defs {
		byKey[d.Key] = d
	}
	for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
		d, ok := byKey[k]
		if !ok {
			add("custom_fields."+k, "The account has no custom field "+k+".")
			continue
		}
		v, problem := fieldValue(d, u.CustomFields[k])
		switch {
		case problem != "":
			add("custom_fields."+k, problem)
		case v == "":
			delete(u.CustomFields, k)
		default:
			u.CustomFields[k] = v
		}
	}
	for _, d := range defs {
		if _, ok := u.CustomFields[d.Key]; d.Required && !ok && !slices.ContainsFunc(out, func(e *steward.Error) bool {
			return e.Field == "custom_fields."+d.Key
		}) {
			add("custom_fields."+d.Key, "Required.")
		}
	}
	return out
}

// resolveDevices turns device IDs or support IDs into the IDs of devices
// of the account, without duplicates; field names the input for errors.
func resolveDevices(field string, refs []steward.DeviceRef, in []string) ([]string, error) {
	byID := map[string]string{}
	for _, r := range refs {
		byID[r.ID] = r.ID
		byID[strings.ToUpper(r.SupportID)] = r.ID
	}
	out := []string{}
	for i, v := range in {
		v = strings.TrimSpace(v)
		id, ok := byID[v]
		if !ok {
			id, ok = byID[strings.ToUpper(v)]
		}
		if !ok {
			f := field
			if field == "device_ids" {
				f = fmt.Sprintf("device_ids[%d]", i)
			}
			return nil, steward.FieldErrorf(f, "No device %q in this account.", v)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// Users lists a client account's users by email, after f.After, at most
// f.Limit (default 50, at most 500), with their devices. ENOTFOUND,
// EINVALID (not a client account).
func (s *Service) Users(ctx context.Context, accountID string, f steward.UserFilter) ([]*steward.DirectoryUser, error) {
	_, acc, err := s.directory(ctx, accountID, false)
	if err != nil {
		return nil, err
	}
	f.Limit = min(max(f.Limit, 0), 500)
	if f.Limit == 0 {
		f.Limit = 50
	}
	f.After = strings.ToLower(f.After)
	return s.store.ListUsers(ctx, acc.ID, f)
}

// User returns a user with its devices. ENOTFOUND.
func (s *Service) User(ctx context.Context, id string) (*steward.DirectoryUser, error) {
	_, u, _, err := s.reachUser(ctx, id)
	return u, err
}

// UserByEmail returns a client account's user of an email. ENOTFOUND.
func (s *Service) UserByEmail(ctx context.Context, accountID, email string) (*steward.DirectoryUser, error) {
	_, acc, err := s.directory(ctx, accountID, false)
	if err != nil {
		return nil, err
	}
	u, err := s.store.UserByEmail(ctx, acc.ID, strings.ToLower(strings.TrimSpace(email)))
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, steward.Errorf(steward.ENOTFOUND, "The account has no user %s.", email)
	}
	return u, err
}

// CreateUser adds a user to a client account, with its devices. Audited as
// user.create. EINVALID (naming the field, e.g. custom_fields.cost_centre),
// EFORBIDDEN, ENOTFOUND, ECONFLICT (email taken, deleted account).
func (s *Service) CreateUser(ctx context.Context, accountID string, in UserInput) (*steward.DirectoryUser, error) {
	_, acc, err := s.directory(ctx, accountID, true)
	if err != nil {
		return nil, err
	}
	now := s.now()
	u := &steward.DirectoryUser{ID: steward.NewID(now), AccountID: acc.ID, Email: in.Email, Name: in.Name,
		DirectoryName: in.DirectoryName, CustomFields: maps.Clone(in.CustomFields), CreatedAt: now, UpdatedAt: now}
	if u.CustomFields == nil {
		u.CustomFields = map[string]string{}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		defs, err := s.store.UserFields(ctx, acc.ID)
		if err != nil {
			return err
		}
		if p := userProblems(u, defs); len(p) > 0 {
			return p[0]
		}
		var devices []string
		if len(in.DeviceIDs) > 0 {
			refs, err := s.store.AccountDevices(ctx, acc.ID)
			if err != nil {
				return err
			}
			if devices, err = resolveDevices("device_ids", refs, in.DeviceIDs); err != nil {
				return err
			}
		}
		if err := s.store.InsertUser(ctx, u); err != nil {
			return err
		}
		if len(devices) > 0 {
			if err := s.store.SetUserDevices(ctx, u.ID, devices, now); err != nil {
				return err
			}
		}
		return s.record(ctx, acc.ID, "user.create", "user", u.ID, map[string]any{"fields": setFields(u), "devices": devices})
	})
	if err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, u.ID)
}

// setFields names the fields of u that hold a value (never the values).
func setFields(u *steward.DirectoryUser) []string {
	out := []string{"email"}
	if u.Name != "" {
		out = append(out, "name")
	}
	if u.DirectoryName != "" {
		out = append(out, "directory_name")
	}
	for _, k := range slices.Sorted(maps.Keys(u.CustomFields)) {
		out = append(out, "custom_fields."+k)
	}
	return out
}

// changedFields names the fields that differ between two versions of a user.
func changedFields(before, after *steward.DirectoryUser) []string {
	var out []string
	if before.Email != after.Email {
		out = append(out, "email")
	}
	if before.Name != after.Name {
		out = append(out, "name")
	}
	if before.DirectoryName != after.DirectoryName {
		out = append(out, "directory_name")
	}
	keys := map[string]bool{}
	for k := range before.CustomFields {
		keys[k] = true
	}
	for k := range after.CustomFields {
		keys[k] = true
	}
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		if before.CustomFields[k] != after.CustomFields[k] {
			out = append(out, "custom_fields."+k)
		}
	}
	return out
}

// UpdateUser changes a user. Audited as user.update, naming the fields
// that changed. EINVALID, EFORBIDDEN, ENOTFOUND, ECONFLICT.
func (s *Service) UpdateUser(ctx context.Context, id string, in UserUpdate) (*steward.DirectoryUser, error) {
	a, before, acc, err := s.reachUser(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, err
	}
	if acc.DeletedAt != nil {
		return nil, steward.Errorf(steward.ECONFLICT, "Account %q is deleted.", acc.Name)
	}
	now := s.now()
	u := *before
	u.CustomFields = maps.Clone(before.CustomFields)
	if in.Email != nil {
		u.Email = *in.Email
	}
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.DirectoryName != nil {
		u.DirectoryName = *in.DirectoryName
	}
	for k, v := range in.CustomFields {
		u.CustomFields[k] = v
	}
	u.UpdatedAt = now
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		defs, err := s.store.UserFields(ctx, acc.ID)
		if err != nil {
			return err
		}
		if p := userProblems(&u, defs); len(p) > 0 {
			return p[0]
		}
		summary := map[string]any{"changed": changedFields(before, &u)}
		if in.DeviceIDs != nil {
			refs, err := s.store.AccountDevices(ctx, acc.ID)
			if err != nil {
				return err
			}
			devices, err := resolveDevices("device_ids", refs, *in.DeviceIDs)
			if err != nil {
				return err
			}
			if err := s.store.SetUserDevices(ctx, u.ID, devices, now); err != nil {
				return err
			}
			summary["devices"] = devices
		}
		if err := s.store.UpdateUser(ctx, &u); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "user.update", "user", u.ID, summary)
	})
	if err != nil {
		return nil, err
	}
	return s.store.UserByID(ctx, u.ID)
}

// DeleteUser deletes a user at once; its devices are left without one.
// Audited as user.delete (the user's ID and its number of devices).
// EFORBIDDEN, ENOTFOUND.
func (s *Service) DeleteUser(ctx context.Context, id string) error {
	a, u, acc, err := s.reachUser(ctx, id)
	if err != nil {
		return err
	}
	if err := canWrite(a); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteUser(ctx, u.ID); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "user.delete", "user", u.ID, map[string]any{"devices": len(u.DeviceIDs)})
	})
}

// DeviceUser returns the user of a device in the actor's subtree, nil
// when it has none. ENOTFOUND.
func (s *Service) DeviceUser(ctx context.Context, deviceID string) (*steward.DirectoryUser, error) {
	d, err := s.reachDevice(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	id, err := s.store.DeviceUserID(ctx, d.ID)
	if err != nil || id == "" {
		return nil, err
	}
	return s.store.UserByID(ctx, id)
}

// SetDeviceUser gives a device its user ("" for none), a user of the
// device's account; the device leaves the user it had. Audited as
// device.user on the device's account. EINVALID (user_id), EFORBIDDEN,
// ENOTFOUND, ECONFLICT (deleted account).
func (s *Service) SetDeviceUser(ctx context.Context, deviceID, userID string) (*steward.DirectoryUser, error) {
	d, err := s.reachDevice(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	if _, _, err := s.writableAccount(ctx, d.AccountID); err != nil {
		return nil, err
	}
	userID = strings.TrimSpace(userID)
	var u *steward.DirectoryUser
	if userID != "" {
		u, err = s.store.UserByID(ctx, userID)
		if steward.ErrorCode(err) == steward.ENOTFOUND || (err == nil && u.AccountID != d.AccountID) {
			return nil, steward.FieldErrorf("user_id", "No user %q in the device's account.", userID)
		} else if err != nil {
			return nil, err
		}
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		prev, err := s.store.DeviceUserID(ctx, d.ID)
		if err != nil {
			return err
		}
		if prev == userID {
			return nil
		}
		if err := s.store.SetDeviceUser(ctx, d.ID, userID, s.now()); err != nil {
			return err
		}
		return s.record(ctx, d.AccountID, "device.user", "device", d.ID, map[string]any{"user_id": userID, "previous_user_id": prev})
	})
	if err != nil || u == nil {
		return nil, err
	}
	return s.store.UserByID(ctx, u.ID)
}
