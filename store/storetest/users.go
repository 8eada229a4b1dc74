package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// user inserts a user of account.
func (f *fixture) user(t *testing.T, account *steward.Account, email, name string, fields map[string]string) *steward.DirectoryUser {
	t.Helper()
	now := f.now()
	u := &steward.DirectoryUser{ID: steward.NewID(now), AccountID: account.ID, Email: email, Name: name,
		DirectoryName: "dir-" + name, CustomFields: fields, CreatedAt: now, UpdatedAt: now}
	ok(t, f.db.InsertUser(f.ctx, u))
	if u.CustomFields == nil {
		u.CustomFields = map[string]string{}
	}
	u.DeviceIDs, u.Devices = []string{}, []steward.DeviceRef{}
	return u
}

func userEmails(us []*steward.DirectoryUser) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.Email
	}
	return out
}

func testUsers(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	client := f.account(t, root, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")

	jane := f.user(t, client, "jane@example.com", "Jane Doe", map[string]string{"cost_centre": "4100", "start": "2024-03-01"})
	f.user(t, client, "bob@example.com", "Bob Stone", nil)
	f.user(t, other, "jane@example.com", "Other Jane", nil)

	wantCode(t, f.db.InsertUser(f.ctx, &steward.DirectoryUser{ID: f.id(), AccountID: client.ID, Email: "jane@example.com",
		CreatedAt: f.now(), UpdatedAt: f.now()}), steward.ECONFLICT)

	got, err := f.db.UserByID(f.ctx, jane.ID)
	ok(t, err)
	diff(t, "by ID", got, jane)
	got, err = f.db.UserByEmail(f.ctx, client.ID, "jane@example.com")
	ok(t, err)
	diff(t, "by email", got, jane)
	_, err = f.db.UserByEmail(f.ctx, client.ID, "nobody@example.com")
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.UserByID(f.ctx, f.id())
	wantCode(t, err, steward.ENOTFOUND)

	list, err := f.db.ListUsers(f.ctx, client.ID, steward.UserFilter{})
	ok(t, err)
	diff(t, "client's users", userEmails(list), []string{"bob@example.com", "jane@example.com"})

	// Updates: email, names and custom fields; a taken email is a conflict.
	jane.Email, jane.Name, jane.DirectoryName, jane.UpdatedAt = "jane.doe@example.com", "Jane D.", "jdoe", f.now()
	jane.CustomFields = map[string]string{"cost_centre": "4200"}
	ok(t, f.db.UpdateUser(f.ctx, jane))
	got, err = f.db.UserByID(f.ctx, jane.ID)
	ok(t, err)
	diff(t, "updated", got, jane)
	jane.Email = "bob@example.com"
	wantCode(t, f.db.UpdateUser(f.ctx, jane), steward.ECONFLICT)
	jane.Email = "jane.doe@example.com"
	wantCode(t, f.db.UpdateUser(f.ctx, &steward.DirectoryUser{ID: f.id(), Email: "x@example.com"}), steward.ENOTFOUND)
	jane.CustomFields = nil
	ok(t, f.db.UpdateUser(f.ctx, jane))
	got, err = f.db.UserByID(f.ctx, jane.ID)
	ok(t, err)
	diff(t, "custom fields cleared", got.CustomFields, map[string]string{})
}

func testUserList(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	client := f.account(t, root, steward.AccountClient, "Client")
	var want []string
	for i := range 7 {
		email := fmt.Sprintf("user%d@example.com", i)
		name := fmt.Sprintf("Person %d", i)
		if i == 3 {
			name = "Zoë WANDERER"
		}
		f.user(t, client, email, name, nil)
		want = append(want, email)
	}
	var got []string
	after := ""
	for {
		page, err := f.db.ListUsers(f.ctx, client.ID, steward.UserFilter{After: after, Limit: 3})
		ok(t, err)
		got = append(got, userEmails(page)...)
		if len(page) < 3 {
			break
		}
		after = page[len(page)-1].Email
	}
	diff(t, "paged", got, want)

	for _, tc := range []struct {
		q    string
		want []string
	}{
		{"wanderer", []string{"user3@example.com"}},     // name, any case
		{"USER5", []string{"user5@example.com"}},        // email
		{"dir-person 6", []string{"user6@example.com"}}, // directory name
		{"50%", nil}, // LIKE characters are literal
		{"_", nil},
	} {
		page, err := f.db.ListUsers(f.ctx, client.ID, steward.UserFilter{Query: tc.q})
		ok(t, err)
		diff(t, "search "+tc.q, userEmails(page), tc.want)
	}
}

func testUserFields(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	client := f.account(t, root, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")
	got, err := f.db.UserFields(f.ctx, client.ID)
	ok(t, err)
	diff(t, "no fields", got, []steward.CustomFieldDef{})

	defs := []steward.CustomFieldDef{
		{Key: "team", Label: "Team", Type: steward.FieldChoice, Choices: []string{"Sales", "Support"}, Required: true},
		{Key: "cost_centre", Label: "Cost centre", Type: steward.FieldNumber},
		{Key: "start", Label: "Start date", Type: steward.FieldDate},
	}
	ok(t, f.db.PutUserFields(f.ctx, client.ID, defs))
	ok(t, f.db.PutUserFields(f.ctx, other.ID, defs[1:2]))
	got, err = f.db.UserFields(f.ctx, client.ID)
	ok(t, err)
	diff(t, "fields in order", got, defs)

	ok(t, f.db.PutUserFields(f.ctx, client.ID, []steward.CustomFieldDef{defs[2], defs[0]}))
	got, err = f.db.UserFields(f.ctx, client.ID)
	ok(t, err)
	diff(t, "replaced", got, []steward.CustomFieldDef{defs[2], defs[0]})
	got, err = f.db.UserFields(f.ctx, other.ID)
	ok(t, err)
	diff(t, "the other account's", got, defs[1:2])
}

func testUserDevices(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	client := f.account(t, root, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")
	jane := f.user(t, client, "jane@example.com", "Jane", nil)
	bob := f.user(t, client, "bob@example.com", "Bob", nil)
	d1, d2, d3 := f.device(t, client, nil), f.device(t, client, nil), f.device(t, client, nil)
	foreign := f.device(t, other, nil)
	at := f.now()

	devicesOf := func(u *steward.DirectoryUser) []string {
		t.Helper()
		got, err := f.db.UserByID(f.ctx, u.ID)
		ok(t, err)
		return got.DeviceIDs
	}
	bySupport := func(ds ...*steward.Device) []string {
		refs, err := f.db.AccountDevices(f.ctx, client.ID)
		ok(t, err)
		var out []string
		for _, r := range refs {
			for _, d := range ds {
				if r.ID == d.ID {
					out = append(out, d.ID)
				}
			}
		}
		return out
	}

	// A device of another account is never given to the user.
	ok(t, f.db.SetUserDevices(f.ctx, jane.ID, []string{d1.ID, d2.ID, foreign.ID}, at))
	diff(t, "jane's devices", devicesOf(jane), bySupport(d1, d2))
	user, err := f.db.DeviceUserID(f.ctx, foreign.ID)
	ok(t, err)
	diff(t, "the foreign device's user", user, "")

	// Giving bob d2 and d3 takes d2 from jane: a device has one user.
	ok(t, f.db.SetUserDevices(f.ctx, bob.ID, []string{d2.ID, d3.ID}, at))
	diff(t, "jane's devices after bob took d2", devicesOf(jane), []string{d1.ID})
	diff(t, "bob's devices", devicesOf(bob), bySupport(d2, d3))
	ok(t, f.db.SetUserDevices(f.ctx, bob.ID, []string{d3.ID}, at))
	diff(t, "bob's devices after dropping d2", devicesOf(bob), []string{d3.ID})
	user, err = f.db.DeviceUserID(f.ctx, d2.ID)
	ok(t, err)
	diff(t, "d2's user", user, "")
	wantCode(t, f.db.SetUserDevices(f.ctx, f.id(), nil, at), steward.ENOTFOUND)

	ok(t, f.db.SetDeviceUser(f.ctx, d2.ID, jane.ID, at))
	user, err = f.db.DeviceUserID(f.ctx, d2.ID)
	ok(t, err)
	diff(t, "d2's user after SetDeviceUser", user, jane.ID)
	d, err := f.db.DeviceByID(f.ctx, d2.ID)
	ok(t, err)
	if !d.UpdatedAt.Equal(at) {
		t.Errorf("device updated at %v, want %v", d.UpdatedAt, at)
	}
	wantCode(t, f.db.SetDeviceUser(f.ctx, f.id(), jane.ID, at), steward.ENOTFOUND)
	_, err = f.db.DeviceUserID(f.ctx, f.id())
	wantCode(t, err, steward.ENOTFOUND)

	list, err := f.db.ListUsers(f.ctx, client.ID, steward.UserFilter{})
	ok(t, err)
	diff(t, "listed devices", [][]string{list[0].DeviceIDs, list[1].DeviceIDs}, [][]string{{d3.ID}, bySupport(d1, d2)})
	if len(list[1].Devices) != 2 || list[1].Devices[0].SupportID == "" || list[1].Devices[0].UserID != jane.ID {
		t.Errorf("jane's device references: %+v", list[1].Devices)
	}

	refs, err := f.db.AccountDevices(f.ctx, client.ID)
	ok(t, err)
	users := map[string]string{}
	for _, r := range refs {
		users[r.ID] = r.UserID
	}
	diff(t, "account devices", users, map[string]string{d1.ID: jane.ID, d2.ID: jane.ID, d3.ID: bob.ID})

	// Deleting a user leaves its devices without one, and the devices stay.
	ok(t, f.db.DeleteUser(f.ctx, jane.ID))
	wantCode(t, f.db.DeleteUser(f.ctx, jane.ID), steward.ENOTFOUND)
	_, err = f.db.UserByID(f.ctx, jane.ID)
	wantCode(t, err, steward.ENOTFOUND)
	for _, d := range []*steward.Device{d1, d2} {
		user, err := f.db.DeviceUserID(f.ctx, d.ID)
		ok(t, err)
		diff(t, "user of a deleted user's device", user, "")
	}
	// Deleting a device drops it from its user.
	ok(t, f.db.DeleteDevice(f.ctx, d3.ID))
	diff(t, "bob's devices after his device was deleted", devicesOf(bob), []string(nil))
}

// testUsersPurge: the account clock deletes an account's users and leaves
// the devices they held without one; another account's stay.
func testUsersPurge(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	client := f.account(t, root, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")
	jane := f.user(t, client, "jane@example.com", "Jane", map[string]string{"team": "Sales"})
	keep := f.user(t, other, "jane@example.com", "Jane", nil)
	d := f.device(t, client, nil)
	ok(t, f.db.SetDeviceUser(f.ctx, d.ID, jane.ID, f.now()))
	ids, err := f.db.PurgeAccountPart(f.ctx, client.ID, steward.PurgeUsers, f.now().Add(time.Hour), 10)
	ok(t, err)
	diff(t, "purged", ids, []string{jane.ID})
	user, err := f.db.DeviceUserID(f.ctx, d.ID)
	ok(t, err)
	diff(t, "the device's user", user, "")
	_, err = f.db.UserByID(f.ctx, keep.ID)
	ok(t, err)
	n, err := f.db.CountTable(f.ctx, "users")
	ok(t, err)
	diff(t, "users left", n, int64(1))
}
