package service_test

import (
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// userWorld is the world with custom fields on C1: a number, a date, a
// required choice.
func (e *env) userWorld(t *testing.T) *world {
	t.Helper()
	w := e.world(t)
	_, err := e.svc.PutUserFields(w.c1.ctx, w.C1.ID, []steward.CustomFieldDef{
		{Key: "cost_centre", Label: "Cost centre", Type: steward.FieldNumber},
		{Key: "start", Label: "Start date", Type: steward.FieldDate},
		{Key: "team", Label: "Team", Type: steward.FieldChoice, Choices: []string{"Sales", "Support"}, Required: true},
	})
	must(t, err)
	return w
}

func emails(us []*steward.DirectoryUser) []string {
	out := []string{}
	for _, u := range us {
		out = append(out, u.Email)
	}
	return out
}

// TestUsersReachAndRoles: the client's managers and those above it reach
// its users; a foreign subtree sees nothing (not found, never forbidden);
// read-only roles read and no more; users live in client accounts only.
func TestUsersReachAndRoles(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		u, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: " Jane.Doe@Example.COM ", Name: "Jane Doe",
			CustomFields: map[string]string{"team": "sales"}})
		must(t, err)
		diff(t, "created", []string{u.Email, u.Name, u.CustomFields["team"]}, []string{"jane.doe@example.com", "Jane Doe", "Sales"})

		for _, m := range []*member{w.c1, w.s1, w.r1, w.admin, reader} {
			got, err := e.svc.User(m.ctx, u.ID)
			must(t, err)
			diff(t, "read by "+m.Email, got.Email, u.Email)
			list, err := e.svc.Users(m.ctx, w.C1.ID, steward.UserFilter{})
			must(t, err)
			diff(t, "listed by "+m.Email, emails(list), []string{u.Email})
		}
		// The sub-reseller above C1 writes too.
		_, err = e.svc.UpdateUser(w.s1.ctx, u.ID, service.UserUpdate{DirectoryName: ptrString("jdoe")})
		must(t, err)

		for _, m := range []*member{w.r2, w.c2} {
			_, err = e.svc.User(m.ctx, u.ID)
			wantCode(t, err, steward.ENOTFOUND)
			_, err = e.svc.Users(m.ctx, w.C1.ID, steward.UserFilter{})
			wantCode(t, err, steward.ENOTFOUND)
			_, err = e.svc.UpdateUser(m.ctx, u.ID, service.UserUpdate{Name: ptrString("Stolen")})
			wantCode(t, err, steward.ENOTFOUND)
			wantCode(t, e.svc.DeleteUser(m.ctx, u.ID), steward.ENOTFOUND)
			_, err = e.svc.CreateUser(m.ctx, w.C1.ID, service.UserInput{Email: "x@example.com"})
			wantCode(t, err, steward.ENOTFOUND)
			_, err = e.svc.PutUserFields(m.ctx, w.C1.ID, nil)
			wantCode(t, err, steward.ENOTFOUND)
		}

		_, err = e.svc.CreateUser(reader.ctx, w.C1.ID, service.UserInput{Email: "x@example.com", CustomFields: map[string]string{"team": "Sales"}})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.UpdateUser(reader.ctx, u.ID, service.UserUpdate{Name: ptrString("Nope")})
		wantCode(t, err, steward.EFORBIDDEN)
		wantCode(t, e.svc.DeleteUser(reader.ctx, u.ID), steward.EFORBIDDEN)
		_, err = e.svc.PutUserFields(reader.ctx, w.C1.ID, nil)
		wantCode(t, err, steward.EFORBIDDEN)

		_, err = e.svc.CreateUser(w.r1.ctx, w.R1.ID, service.UserInput{Email: "x@example.com"})
		wantCode(t, err, steward.EINVALID, "account_id")
		_, err = e.svc.Users(w.r1.ctx, "", steward.UserFilter{})
		wantCode(t, err, steward.EINVALID, "account_id")

		// Nothing the refusals above tried was written.
		got, err := e.svc.User(w.c1.ctx, u.ID)
		must(t, err)
		diff(t, "after the refusals", []string{got.Name, got.DirectoryName}, []string{"Jane Doe", "jdoe"})
	})
}

// TestUserValidationNamesTheField: each bad input is refused with the
// field it concerns, and nothing is stored.
func TestUserValidationNamesTheField(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		ok := map[string]string{"team": "Support"}
		with := func(k, v string) map[string]string {
			m := map[string]string{"team": "Support"}
			m[k] = v
			return m
		}
		for _, tc := range []struct {
			name  string
			in    service.UserInput
			field string
		}{
			{"no email", service.UserInput{CustomFields: ok}, "email"},
			{"bad email", service.UserInput{Email: "jane at example", CustomFields: ok}, "email"},
			{"two-line name", service.UserInput{Email: "a@example.com", Name: "Jane\nDoe", CustomFields: ok}, "name"},
			{"long directory name", service.UserInput{Email: "a@example.com", DirectoryName: strings.Repeat("x", 201), CustomFields: ok}, "directory_name"},
			{"not a number", service.UserInput{Email: "a@example.com", CustomFields: with("cost_centre", "forty")}, "custom_fields.cost_centre"},
			{"infinity is not a number", service.UserInput{Email: "a@example.com", CustomFields: with("cost_centre", "Inf")}, "custom_fields.cost_centre"},
			{"not a date", service.UserInput{Email: "a@example.com", CustomFields: with("start", "31/01/2026")}, "custom_fields.start"},
			{"not a choice", service.UserInput{Email: "a@example.com", CustomFields: with("team", "Marketing")}, "custom_fields.team"},
			{"required", service.UserInput{Email: "a@example.com"}, "custom_fields.team"},
			{"unknown field", service.UserInput{Email: "a@example.com", CustomFields: with("shoe_size", "44")}, "custom_fields.shoe_size"},
			{"foreign device", service.UserInput{Email: "a@example.com", CustomFields: ok, DeviceIDs: []string{e.device(t, w.C2, "c2phone").ID}}, "device_ids[0]"},
		} {
			_, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, tc.in)
			if steward.ErrorCode(err) != steward.EINVALID || steward.ErrorField(err) != tc.field {
				t.Errorf("%s: %v, want invalid %s", tc.name, err, tc.field)
			}
		}
		_, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "a@example.com", CustomFields: with("cost_centre", "forty")})
		if got := steward.ErrorMessage(err); got != "Not a number." {
			t.Errorf("message %q, want %q", got, "Not a number.")
		}
		list, err := e.svc.Users(w.c1.ctx, w.C1.ID, steward.UserFilter{})
		must(t, err)
		diff(t, "users after the refusals", emails(list), []string{})

		u, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "a@example.com",
			CustomFields: map[string]string{"team": "Support", "cost_centre": " -12.5 ", "start": "2026-01-31"}})
		must(t, err)
		diff(t, "stored values", u.CustomFields, map[string]string{"team": "Support", "cost_centre": "-12.5", "start": "2026-01-31"})
		_, err = e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "A@example.com", CustomFields: ok})
		wantCode(t, err, steward.ECONFLICT, "email")

		// PATCH merges custom fields; an empty value clears one, but not a required one.
		u, err = e.svc.UpdateUser(w.c1.ctx, u.ID, service.UserUpdate{CustomFields: map[string]string{"cost_centre": "", "start": "2026-02-01"}})
		must(t, err)
		diff(t, "merged", u.CustomFields, map[string]string{"team": "Support", "start": "2026-02-01"})
		_, err = e.svc.UpdateUser(w.c1.ctx, u.ID, service.UserUpdate{CustomFields: map[string]string{"team": ""}})
		wantCode(t, err, steward.EINVALID, "custom_fields.team")
	})
}

// TestUserDevices: a user holds devices of its own account only, given by
// ID or support ID; a device has one user; deleting the user frees them.
func TestUserDevices(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		phone, tablet := e.device(t, w.C1, "phone"), e.device(t, w.C1, "tablet")
		foreign := e.device(t, w.C2, "foreign")
		team := map[string]string{"team": "Sales"}
		jane, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "jane@example.com", CustomFields: team,
			DeviceIDs: []string{phone.ID, tablet.SupportID}})
		must(t, err)
		if len(jane.DeviceIDs) != 2 || len(jane.Devices) != 2 {
			t.Fatalf("jane's devices %v, want the phone and the tablet", jane.DeviceIDs)
		}
		bob, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "bob@example.com", CustomFields: team})
		must(t, err)

		got, err := e.svc.SetDeviceUser(w.c1.ctx, tablet.ID, bob.ID)
		must(t, err)
		diff(t, "bob's devices", got.DeviceIDs, []string{tablet.ID})
		jane, err = e.svc.User(w.c1.ctx, jane.ID)
		must(t, err)
		diff(t, "jane's devices", jane.DeviceIDs, []string{phone.ID})
		if last := e.lastAudit(t); last.Action != "device.user" || last.TargetID != tablet.ID || last.AccountID != w.C1.ID {
			t.Errorf("last audit entry %+v, want device.user of the tablet", last)
		}

		// The foreign device is neither reachable nor assignable.
		_, err = e.svc.SetDeviceUser(w.c1.ctx, foreign.ID, jane.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.SetDeviceUser(w.admin.ctx, foreign.ID, jane.ID)
		wantCode(t, err, steward.EINVALID, "user_id")
		_, err = e.svc.UpdateUser(w.c1.ctx, jane.ID, service.UserUpdate{DeviceIDs: &[]string{phone.ID, foreign.SupportID}})
		wantCode(t, err, steward.EINVALID, "device_ids[1]")
		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		_, err = e.svc.SetDeviceUser(reader.ctx, phone.ID, "")
		wantCode(t, err, steward.EFORBIDDEN)
		du, err := e.svc.DeviceUser(reader.ctx, phone.ID)
		must(t, err)
		diff(t, "the phone's user", du.ID, jane.ID)

		must(t, e.svc.DeleteUser(w.c1.ctx, jane.ID))
		_, err = e.svc.User(w.c1.ctx, jane.ID)
		wantCode(t, err, steward.ENOTFOUND)
		du, err = e.svc.DeviceUser(w.c1.ctx, phone.ID)
		must(t, err)
		if du != nil {
			t.Errorf("the phone's user after jane's deletion: %+v", du)
		}
		if _, err := e.svc.Device(w.c1.ctx, phone.ID); err != nil {
			t.Errorf("the phone went with its user: %v", err)
		}
		_, err = e.svc.SetDeviceUser(w.c1.ctx, phone.ID, "")
		must(t, err)
	})
}

// TestDeletedUserLeavesNoCopy: what a user held is in no table once it is
// deleted, the audit log included (it records field names, not values).
func TestDeletedUserLeavesNoCopy(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		_, err := e.svc.PutUserFields(w.c1.ctx, w.C1.ID, []steward.CustomFieldDef{
			{Key: "team", Label: "Team", Type: steward.FieldChoice, Choices: []string{"Sales"}},
			{Key: "badge", Label: "Badge", Type: steward.FieldText},
		})
		must(t, err)
		u, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "quentin.quill@example.com", Name: "Quentin Quill",
			DirectoryName: "qquill", CustomFields: map[string]string{"badge": "BADGE-778899"}})
		must(t, err)
		_, err = e.svc.UpdateUser(w.c1.ctx, u.ID, service.UserUpdate{Name: ptrString("Quentin Q. Quill")})
		must(t, err)
		_, err = e.svc.ImportUsers(w.c1.ctx, w.C1.ID, csvFile("email,badge", "quentin.quill@example.com,BADGE-112233"), false)
		must(t, err)
		must(t, e.svc.DeleteUser(w.c1.ctx, u.ID))
		for _, s := range []string{"quentin.quill@example.com", "Quentin", "qquill", "BADGE-778899", "BADGE-112233"} {
			if where := e.raw.Find(t, s); len(where) > 0 {
				t.Errorf("%q is still stored in %v", s, where)
			}
		}
	})
}

// TestUserFieldDefinitions: definitions are checked with the part in
// error; removing a field removes its values; a change that existing
// values break is refused.
func TestUserFieldDefinitions(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.userWorld(t)
		for _, tc := range []struct {
			defs  []steward.CustomFieldDef
			field string
		}{
			{[]steward.CustomFieldDef{{Key: "Cost Centre", Label: "x", Type: steward.FieldText}}, "fields[0].key"},
			{[]steward.CustomFieldDef{{Key: "a", Label: "A", Type: steward.FieldText}, {Key: "email", Label: "E", Type: steward.FieldText}}, "fields[1].key"},
			{[]steward.CustomFieldDef{{Key: "a", Label: "A", Type: steward.FieldText}, {Key: "a", Label: "B", Type: steward.FieldText}}, "fields[1].key"},
			{[]steward.CustomFieldDef{{Key: "a", Type: steward.FieldText}}, "fields[0].label"},
			{[]steward.CustomFieldDef{{Key: "a", Label: "A", Type: "colour"}}, "fields[0].type"},
			{[]steward.CustomFieldDef{{Key: "a", Label: "A", Type: steward.FieldChoice}}, "fields[0].choices"},
			{[]steward.CustomFieldDef{{Key: "a", Label: "A", Type: steward.FieldNumber, Choices: []string{"1"}}}, "fields[0].choices"},
			{[]steward.CustomFieldDef{{Key: "a", Label: "A", Type: steward.FieldChoice, Choices: []string{"x", "X"}}}, "fields[0].choices"},
		} {
			_, err := e.svc.PutUserFields(w.c1.ctx, w.C1.ID, tc.defs)
			if steward.ErrorCode(err) != steward.EINVALID || steward.ErrorField(err) != tc.field {
				t.Errorf("%+v: %v, want invalid %s", tc.defs, err, tc.field)
			}
		}
		u, err := e.svc.CreateUser(w.c1.ctx, w.C1.ID, service.UserInput{Email: "jane@example.com",
			CustomFields: map[string]string{"team": "Sales", "cost_centre": "4100", "start": "2026-01-31"}})
		must(t, err)

		// The start date as a number: the stored date is refused.
		_, err = e.svc.PutUserFields(w.c1.ctx, w.C1.ID, []steward.CustomFieldDef{
			{Key: "start", Label: "Start", Type: steward.FieldNumber},
		})
		wantCode(t, err, steward.EINVALID, "fields[0].type")
		_, err = e.svc.PutUserFields(w.c1.ctx, w.C1.ID, []steward.CustomFieldDef{
			{Key: "team", Label: "Team", Type: steward.FieldChoice, Choices: []string{"Support"}},
		})
		wantCode(t, err, steward.EINVALID, "fields[0].choices")

		// Dropping cost_centre and start deletes their values; a case-only
		// change of a choice follows in the values.
		defs, err := e.svc.PutUserFields(w.c1.ctx, w.C1.ID, []steward.CustomFieldDef{
			{Key: "team", Label: " Team ", Type: steward.FieldChoice, Choices: []string{"SALES", "Support"}},
			{Key: "badge", Label: "Badge", Type: steward.FieldText, Required: true},
		})
		must(t, err)
		diff(t, "labels trimmed", defs[0].Label, "Team")
		got, err := e.svc.User(w.c1.ctx, u.ID)
		must(t, err)
		diff(t, "values after the change", got.CustomFields, map[string]string{"team": "SALES"})
		stored, err := e.svc.UserFields(w.c1.ctx, w.C1.ID)
		must(t, err)
		diff(t, "stored definitions", stored, defs)
		if last := e.lastAudit(t); last.Action != "user_fields.update" {
			t.Errorf("last audit entry %s, want user_fields.update", last.Action)
		}
		// The new required field applies at the user's next change.
		_, err = e.svc.UpdateUser(w.c1.ctx, u.ID, service.UserUpdate{Name: ptrString("Jane")})
		wantCode(t, err, steward.EINVALID, "custom_fields.badge")
	})
}
