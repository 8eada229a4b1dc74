package storetest

import (
	"testing"

	"github.com/stewardmdm/steward"
)

// folder inserts a folder of name in account.
func (f *fixture) folder(t *testing.T, account *steward.Account, name string) *steward.Folder {
	t.Helper()
	now := f.now()
	fo := &steward.Folder{ID: steward.NewID(now), AccountID: account.ID, Name: name, Description: "about " + name,
		CreatedAt: now, UpdatedAt: now}
	ok(t, f.db.InsertFolder(f.ctx, fo))
	return fo
}

// group inserts a group of name and priority in account.
func (f *fixture) group(t *testing.T, account *steward.Account, name string, priority int) *steward.Group {
	t.Helper()
	now := f.now()
	g := &steward.Group{ID: steward.NewID(now), AccountID: account.ID, Name: name, Description: "about " + name,
		Priority: priority, CreatedAt: now, UpdatedAt: now}
	ok(t, f.db.InsertGroup(f.ctx, g))
	return g
}

// deviceIDs inserts n devices in account and returns their IDs, in order.
func (f *fixture) deviceIDs(t *testing.T, account *steward.Account, n int) []string {
	t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = f.device(t, account, nil).ID
	}
	return ids
}

// inTarget pages through every device the target covers, three at a time.
func (f *fixture) inTarget(t *testing.T, target steward.Target) []string {
	t.Helper()
	var out []string
	after := ""
	for {
		page, err := f.db.DevicesInTarget(f.ctx, target, after, 3)
		ok(t, err)
		out = append(out, page...)
		if len(page) < 3 {
			return out
		}
		after = page[len(page)-1]
	}
}

func folderNames(fs []*steward.Folder) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func groupNames(gs []*steward.Group) []string {
	out := make([]string, len(gs))
	for i, g := range gs {
		out[i] = g.Name
	}
	return out
}

func testFolders(t *testing.T, f *fixture) {
	tr := f.tree(t)
	b := f.folder(t, tr.c1, "Beta")
	a := f.folder(t, tr.c1, "alpha")
	g := f.folder(t, tr.c1, "gamma")
	other := f.folder(t, tr.c2, "Beta") // the same name in another account is fine

	// Names are unique per account, ignoring case.
	dup := &steward.Folder{ID: f.id(), AccountID: tr.c1.ID, Name: "BETA", CreatedAt: f.now(), UpdatedAt: f.now()}
	err := f.db.InsertFolder(f.ctx, dup)
	wantCode(t, err, steward.ECONFLICT)
	if field := steward.ErrorField(err); field != "name" {
		t.Errorf("conflict names field %q, want name", field)
	}

	got, err := f.db.FolderByID(f.ctx, b.ID)
	ok(t, err)
	diff(t, "by ID", got, b)
	_, err = f.db.FolderByID(f.ctx, "nope")
	wantCode(t, err, steward.ENOTFOUND)

	list, err := f.db.ListFolders(f.ctx, tr.c1.ID)
	ok(t, err)
	diff(t, "listed by name, ignoring case", folderNames(list), []string{"alpha", "Beta", "gamma"})
	list, err = f.db.ListFolders(f.ctx, tr.c2.ID)
	ok(t, err)
	diff(t, "the other account's", list, []*steward.Folder{other})

	// Rename; a taken name conflicts and changes nothing.
	a.Name, a.Description, a.UpdatedAt = "Alpha one", "", f.now()
	ok(t, f.db.UpdateFolder(f.ctx, a))
	got, err = f.db.FolderByID(f.ctx, a.ID)
	ok(t, err)
	diff(t, "renamed", got, a)
	g2 := *g
	g2.Name = "alpha ONE"
	wantCode(t, f.db.UpdateFolder(f.ctx, &g2), steward.ECONFLICT)
	got, err = f.db.FolderByID(f.ctx, g.ID)
	ok(t, err)
	diff(t, "after a refused rename", got, g)
	wantCode(t, f.db.UpdateFolder(f.ctx, &steward.Folder{ID: "nope", Name: "x"}), steward.ENOTFOUND)

	// Devices in the folder are counted; deleting it leaves them in none.
	ids := f.deviceIDs(t, tr.c1, 3)
	ok(t, f.db.SetDevicesFolder(f.ctx, ids[:2], b.ID, f.now()))
	got, err = f.db.FolderByID(f.ctx, b.ID)
	ok(t, err)
	if got.DeviceCount != 2 {
		t.Errorf("device count = %d, want 2", got.DeviceCount)
	}
	list, err = f.db.ListFolders(f.ctx, tr.c1.ID)
	ok(t, err)
	counts := map[string]int{}
	for _, fo := range list {
		counts[fo.Name] = fo.DeviceCount
	}
	diff(t, "listed counts", counts, map[string]int{"Alpha one": 0, "Beta": 2, "gamma": 0})

	ok(t, f.db.DeleteFolder(f.ctx, b.ID))
	wantCode(t, f.db.DeleteFolder(f.ctx, b.ID), steward.ENOTFOUND)
	_, err = f.db.FolderByID(f.ctx, b.ID)
	wantCode(t, err, steward.ENOTFOUND)
	for _, id := range ids {
		m, err := f.db.DeviceMembership(f.ctx, id)
		ok(t, err)
		if m.FolderID != "" {
			t.Errorf("device %s still in folder %q after its deletion", id, m.FolderID)
		}
	}
	// The name is free again.
	f.folder(t, tr.c1, "beta")
}

func testGroups(t *testing.T, f *fixture) {
	tr := f.tree(t)
	z := f.group(t, tr.c1, "Zeta", 5)
	e := f.group(t, tr.c1, "eta", 0)
	f.group(t, tr.c2, "Zeta", 1)

	err := f.db.InsertGroup(f.ctx, &steward.Group{ID: f.id(), AccountID: tr.c1.ID, Name: "zeta", CreatedAt: f.now(), UpdatedAt: f.now()})
	wantCode(t, err, steward.ECONFLICT)
	if field := steward.ErrorField(err); field != "name" {
		t.Errorf("conflict names field %q, want name", field)
	}

	got, err := f.db.GroupByID(f.ctx, z.ID)
	ok(t, err)
	diff(t, "by ID", got, z)
	_, err = f.db.GroupByID(f.ctx, "nope")
	wantCode(t, err, steward.ENOTFOUND)
	list, err := f.db.ListGroups(f.ctx, tr.c1.ID)
	ok(t, err)
	diff(t, "listed by name", groupNames(list), []string{"eta", "Zeta"})

	e.Name, e.Priority, e.Description, e.UpdatedAt = "Eta", -3, "renamed", f.now()
	ok(t, f.db.UpdateGroup(f.ctx, e))
	got, err = f.db.GroupByID(f.ctx, e.ID)
	ok(t, err)
	diff(t, "updated", got, e)
	e2 := *e
	e2.Name = "ZETA"
	wantCode(t, f.db.UpdateGroup(f.ctx, &e2), steward.ECONFLICT)
	wantCode(t, f.db.UpdateGroup(f.ctx, &steward.Group{ID: "nope", Name: "x"}), steward.ENOTFOUND)

	// Membership: adding twice and removing a non-member change nothing.
	ids := f.deviceIDs(t, tr.c1, 4)
	ok(t, f.db.AddDevicesToGroup(f.ctx, z.ID, ids[:3]))
	ok(t, f.db.AddDevicesToGroup(f.ctx, z.ID, []string{ids[0], ids[0], ids[1]}))
	ok(t, f.db.AddDevicesToGroup(f.ctx, e.ID, ids[2:]))
	ok(t, f.db.RemoveDevicesFromGroup(f.ctx, z.ID, []string{ids[1], ids[3]}))
	diff(t, "Zeta's devices", f.inTarget(t, steward.Target{Kind: steward.TargetGroup, ID: z.ID}), []string{ids[0], ids[2]})
	diff(t, "Eta's devices", f.inTarget(t, steward.Target{Kind: steward.TargetGroup, ID: e.ID}), ids[2:])
	got, err = f.db.GroupByID(f.ctx, z.ID)
	ok(t, err)
	if got.DeviceCount != 2 {
		t.Errorf("device count = %d, want 2", got.DeviceCount)
	}
	wantCode(t, f.db.AddDevicesToGroup(f.ctx, "nope", ids[:1]), steward.ENOTFOUND)
	wantCode(t, f.db.RemoveDevicesFromGroup(f.ctx, "nope", ids[:1]), steward.ENOTFOUND)

	// Deleting a group deletes its memberships, not the devices.
	ok(t, f.db.DeleteGroup(f.ctx, z.ID))
	wantCode(t, f.db.DeleteGroup(f.ctx, z.ID), steward.ENOTFOUND)
	m, err := f.db.DeviceMembership(f.ctx, ids[2])
	ok(t, err)
	diff(t, "groups after deletion", m.GroupIDs, []string{e.ID})
	diff(t, "deleted group's devices", f.inTarget(t, steward.Target{Kind: steward.TargetGroup, ID: z.ID}), []string(nil))

	// Deleting a device takes it out of its groups.
	ok(t, f.db.DeleteDevice(f.ctx, ids[3]))
	diff(t, "Eta after a device is deleted", f.inTarget(t, steward.Target{Kind: steward.TargetGroup, ID: e.ID}), ids[2:3])
}

// testMembershipAllOrNothing checks that a change naming a device that does
// not exist, or is in another account, fails with ENOTFOUND and writes nothing.
func testMembershipAllOrNothing(t *testing.T, f *fixture) {
	tr := f.tree(t)
	fo := f.folder(t, tr.c1, "Folder")
	g := f.group(t, tr.c1, "Group", 0)
	mine := f.deviceIDs(t, tr.c1, 2)
	foreign := f.device(t, tr.c2, nil).ID

	for name, bad := range map[string]string{"unknown": "nope", "foreign": foreign} {
		t.Run(name, func(t *testing.T) {
			before := f.clock.Now()
			wantCode(t, f.db.SetDevicesFolder(f.ctx, append([]string{bad}, mine...), fo.ID, f.now()), steward.ENOTFOUND)
			wantCode(t, f.db.AddDevicesToGroup(f.ctx, g.ID, append([]string{bad}, mine...)), steward.ENOTFOUND)
			for _, id := range append([]string{foreign}, mine...) {
				m, err := f.db.DeviceMembership(f.ctx, id)
				ok(t, err)
				if m.FolderID != "" || len(m.GroupIDs) != 0 {
					t.Errorf("device %s moved by a refused change: %+v", id, m)
				}
				d, err := f.db.DeviceByID(f.ctx, id)
				ok(t, err)
				if d.UpdatedAt.After(before) {
					t.Errorf("device %s updated by a refused change", id)
				}
			}
		})
	}
	wantCode(t, f.db.SetDevicesFolder(f.ctx, mine, "nope", f.now()), steward.ENOTFOUND)

	// Taking devices out of every folder needs no folder, only devices.
	ok(t, f.db.SetDevicesFolder(f.ctx, mine, fo.ID, f.now()))
	wantCode(t, f.db.SetDevicesFolder(f.ctx, []string{mine[0], "nope"}, "", f.now()), steward.ENOTFOUND)
	diff(t, "folder after a refused removal", f.inTarget(t, steward.Target{Kind: steward.TargetFolder, ID: fo.ID}), mine)
	ok(t, f.db.SetDevicesFolder(f.ctx, mine[:1], "", f.now()))
	diff(t, "folder after a removal", f.inTarget(t, steward.Target{Kind: steward.TargetFolder, ID: fo.ID}), mine[1:])

	// A change of more devices than one statement names is still whole:
	// an unknown ID that sorts last fails the last statement and undoes
	// the earlier ones.
	many := f.deviceIDs(t, tr.c1, 1001)
	ok(t, f.db.SetDevicesFolder(f.ctx, many, fo.ID, f.now()))
	ok(t, f.db.AddDevicesToGroup(f.ctx, g.ID, many))
	empty := f.group(t, tr.c1, "Empty", 0)
	wantCode(t, f.db.AddDevicesToGroup(f.ctx, empty.ID, append(many[:900:900], "zzzzzzzz")), steward.ENOTFOUND)
	other := f.folder(t, tr.c1, "Other")
	wantCode(t, f.db.SetDevicesFolder(f.ctx, append(many[:900:900], "zzzzzzzz"), other.ID, f.now()), steward.ENOTFOUND)
	ok(t, f.db.RemoveDevicesFromGroup(f.ctx, g.ID, many[:900]))
	for _, c := range []struct {
		name string
		got  int
		want int
	}{
		{"folder", f.folderCount(t, fo.ID), 1002}, {"refused folder", f.folderCount(t, other.ID), 0},
		{"group", f.groupCount(t, g.ID), 101}, {"refused group", f.groupCount(t, empty.ID), 0},
	} {
		if c.got != c.want {
			t.Errorf("%s: %d devices, want %d", c.name, c.got, c.want)
		}
	}
}

func (f *fixture) folderCount(t *testing.T, id string) int {
	t.Helper()
	fo, err := f.db.FolderByID(f.ctx, id)
	ok(t, err)
	return fo.DeviceCount
}

func (f *fixture) groupCount(t *testing.T, id string) int {
	t.Helper()
	g, err := f.db.GroupByID(f.ctx, id)
	ok(t, err)
	return g.DeviceCount
}

func testMembershipAndTargets(t *testing.T, f *fixture) {
	tr := f.tree(t)
	fo := f.folder(t, tr.c1, "Folder")
	g1 := f.group(t, tr.c1, "One", 0)
	g2 := f.group(t, tr.c1, "Two", 0)
	a := f.deviceIDs(t, tr.c1, 4)
	b := f.deviceIDs(t, tr.c2, 2)
	ok(t, f.db.SetDevicesFolder(f.ctx, a[1:3], fo.ID, f.now()))
	ok(t, f.db.AddDevicesToGroup(f.ctx, g2.ID, a[:2]))
	ok(t, f.db.AddDevicesToGroup(f.ctx, g1.ID, a[1:2]))

	m, err := f.db.DeviceMembership(f.ctx, a[1])
	ok(t, err)
	groups := []string{g1.ID, g2.ID} // sorted: g1 was made first
	diff(t, "membership", m, &steward.Membership{DeviceID: a[1], AccountID: tr.c1.ID, AccountPath: tr.c1.Path,
		FolderID: fo.ID, GroupIDs: groups})
	for _, target := range []steward.Target{{Kind: steward.TargetAccount, ID: tr.c1.ID}, {Kind: steward.TargetAccount, ID: tr.r1.ID},
		{Kind: steward.TargetFolder, ID: fo.ID}, {Kind: steward.TargetGroup, ID: g1.ID}, {Kind: steward.TargetDevice, ID: a[1]}} {
		if !m.Covers(target) {
			t.Errorf("membership does not cover %+v", target)
		}
	}
	m, err = f.db.DeviceMembership(f.ctx, a[3])
	ok(t, err)
	diff(t, "membership of a device in nothing", m, &steward.Membership{DeviceID: a[3], AccountID: tr.c1.ID, AccountPath: tr.c1.Path})
	_, err = f.db.DeviceMembership(f.ctx, "nope")
	wantCode(t, err, steward.ENOTFOUND)

	for _, tc := range []struct {
		name   string
		target steward.Target
		want   []string
	}{
		{"client account", steward.Target{Kind: steward.TargetAccount, ID: tr.c1.ID}, a},
		{"reseller's subtree", steward.Target{Kind: steward.TargetAccount, ID: tr.r1.ID}, append(append([]string{}, a...), b...)},
		{"other client", steward.Target{Kind: steward.TargetAccount, ID: tr.c2.ID}, b},
		{"unknown account", steward.Target{Kind: steward.TargetAccount, ID: "nope"}, nil},
		{"folder", steward.Target{Kind: steward.TargetFolder, ID: fo.ID}, a[1:3]},
		{"group", steward.Target{Kind: steward.TargetGroup, ID: g2.ID}, a[:2]},
		{"device", steward.Target{Kind: steward.TargetDevice, ID: b[0]}, b[:1]},
		{"unknown device", steward.Target{Kind: steward.TargetDevice, ID: "nope"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			diff(t, "devices", f.inTarget(t, tc.target), tc.want)
		})
	}
	// Paging starts after the ID given.
	page, err := f.db.DevicesInTarget(f.ctx, steward.Target{Kind: steward.TargetAccount, ID: tr.c1.ID}, a[0], 2)
	ok(t, err)
	diff(t, "page after the first", page, a[1:3])
	page, err = f.db.DevicesInTarget(f.ctx, steward.Target{Kind: steward.TargetDevice, ID: a[0]}, a[0], 0)
	ok(t, err)
	diff(t, "device after itself", page, []string(nil))
	_, err = f.db.DevicesInTarget(f.ctx, steward.Target{Kind: "team", ID: a[0]}, "", 0)
	wantCode(t, err, steward.EINVALID)
}

// testDeviceListByFolderAndGroup checks the device list's folder and group
// filters, within the subtree listed, and the folder a device read carries.
func testDeviceListByFolderAndGroup(t *testing.T, f *fixture) {
	tr := f.tree(t)
	a := f.deviceIDs(t, tr.c1, 4)
	named := f.device(t, tr.c1, func(d *steward.Device) { d.Name = "Reception" }).ID
	fo := f.folder(t, tr.c1, "Front desk")
	g := f.group(t, tr.c1, "Kiosks", 0)
	other := f.folder(t, tr.c2, "Elsewhere")
	b := f.deviceIDs(t, tr.c2, 2)
	ok(t, f.db.SetDevicesFolder(f.ctx, []string{a[0], a[2], named}, fo.ID, f.now()))
	ok(t, f.db.AddDevicesToGroup(f.ctx, g.ID, []string{a[1], a[2], a[3], named}))
	ok(t, f.db.SetDevicesFolder(f.ctx, b[:1], other.ID, f.now()))

	for _, tc := range []struct {
		name   string
		prefix string
		filter steward.DeviceFilter
		want   []string
	}{
		{"folder", tr.p.Path, steward.DeviceFilter{FolderID: fo.ID}, []string{a[0], a[2], named}},
		{"group", tr.p.Path, steward.DeviceFilter{GroupID: g.ID}, []string{a[1], a[2], a[3], named}},
		{"folder and group", tr.p.Path, steward.DeviceFilter{FolderID: fo.ID, GroupID: g.ID}, []string{a[2], named}},
		{"group and query", tr.p.Path, steward.DeviceFilter{GroupID: g.ID, Query: "recep"}, []string{named}},
		{"group page", tr.p.Path, steward.DeviceFilter{GroupID: g.ID, After: a[1], Limit: 2}, []string{a[2], a[3]}},
		{"folder page", tr.c1.Path, steward.DeviceFilter{FolderID: fo.ID, After: a[0], Limit: 1}, []string{a[2]}},
		{"folder outside the subtree", tr.r2.Path, steward.DeviceFilter{FolderID: fo.ID}, nil},
		{"group outside the account", tr.p.Path, steward.DeviceFilter{GroupID: g.ID, AccountID: tr.c2.ID}, nil},
		{"other folder", tr.r1.Path, steward.DeviceFilter{FolderID: other.ID}, b[:1]},
		{"unknown group", tr.p.Path, steward.DeviceFilter{GroupID: "nope"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.ListDevices(f.ctx, tc.prefix, tc.filter)
			ok(t, err)
			diff(t, "device IDs", deviceIDs(got), tc.want)
		})
	}

	d, err := f.db.DeviceByID(f.ctx, named)
	ok(t, err)
	if d.FolderID != fo.ID {
		t.Errorf("device read in folder %q, want %q", d.FolderID, fo.ID)
	}
	list, err := f.db.ListDevices(f.ctx, tr.c1.Path, steward.DeviceFilter{})
	ok(t, err)
	for _, d := range list {
		if want := map[bool]string{true: fo.ID}[d.ID == a[0] || d.ID == a[2] || d.ID == named]; d.FolderID != want {
			t.Errorf("listed device %s in folder %q, want %q", d.ID, d.FolderID, want)
		}
	}
}
