package service_test

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// commandsFor lists a device's commands as "type package", sorted.
func (e *appEnv) commandsFor(t *testing.T, deviceID string) []string {
	t.Helper()
	cmds, err := e.db.ListCommands(e.ctx, "/", steward.CommandFilter{DeviceID: deviceID})
	must(t, err)
	out := []string{}
	for _, c := range cmds {
		var p protocol.AppPayload
		must(t, json.Unmarshal(c.Payload, &p))
		out = append(out, string(c.Type)+" "+p.Package)
	}
	sort.Strings(out)
	return out
}

// cleanApp uploads a version of pkg into acc as m and scans it.
func (e *appEnv) cleanApp(t *testing.T, m *member, acc *steward.Account, pkg string, code int) *steward.AppVersion {
	t.Helper()
	v, err := e.upload(t, m, acc, pkg+" "+string(rune('0'+code))+" key1", "")
	must(t, err)
	e.scan(t)
	if got := e.version(t, v.ID).Status; got != steward.VersionClean {
		t.Fatalf("%s: %s after the scan", pkg, got)
	}
	return v
}

func (e *appEnv) assign(t *testing.T, m *member, appID string, in service.AppAssign) *steward.AppAssignment {
	t.Helper()
	as, err := e.svc.AssignApp(m.ctx, appID, in)
	must(t, err)
	return as
}

// TestEnrolledDeviceGetsRequiredApps: a device enrolled after required
// apps were assigned to its account, or an account above, gets their
// newest clean versions queued at enrollment; not the available ones, not
// one without a clean version, not another client's. Re-enrolling queues
// nothing it already has.
func TestEnrolledDeviceGetsRequiredApps(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.locWorld(t)
		required := e.cleanApp(t, w.c1, w.C1, "com.example.required", 1)
		e.assign(t, w.c1, required.AppID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignRequired})
		available := e.cleanApp(t, w.c1, w.C1, "com.example.available", 1)
		e.assign(t, w.c1, available.AppID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignAvailable})
		fromAbove := e.cleanApp(t, w.r1, w.R1, "com.example.reseller", 1)
		shared := true
		_, err := e.svc.UpdateApp(w.r1.ctx, fromAbove.AppID, service.AppUpdate{Shared: &shared})
		must(t, err)
		e.assign(t, w.r1, fromAbove.AppID, service.AppAssign{AccountID: w.R1.ID, Mode: steward.AssignRequired})
		elsewhere := e.cleanApp(t, w.r2, w.C3, "com.example.elsewhere", 1)
		e.assign(t, w.r2, elsewhere.AppID, service.AppAssign{AccountID: w.C3.ID, Mode: steward.AssignRequired})
		pending, err := e.upload(t, w.c1, w.C1, "com.example.pending 1 key1", "") // never scanned
		must(t, err)
		e.assign(t, w.c1, pending.AppID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignRequired})

		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		diff(t, "commands queued at enrollment", e.commandsFor(t, dev.ID),
			[]string{"install_app com.example.required", "install_app com.example.reseller"})
		deps, err := e.svc.ListAppDeployments(w.c1.ctx, required.AppID)
		must(t, err)
		if len(deps.Items) != 1 || deps.Items[0].DeviceID != dev.ID || deps.Items[0].Status != steward.DeployQueued {
			t.Errorf("deployments %+v, want the device's queued install", deps.Items)
		}
		// The device downloads what it was told to.
		b, _, err := e.svc.AppDownload(e.ctx, dev, required.ID)
		must(t, err)
		b.Close()

		// A device of another client gets its own client's app alone.
		other := e.enroll(t, w, w.code3, steward.OwnershipCompany)
		diff(t, "another client's device", e.commandsFor(t, other.ID), []string{"install_app com.example.elsewhere"})

		// Re-enrolling the same hardware: nothing new.
		_, _, err = e.svc.Enroll(e.ctx, &protocol.EnrollRequest{Protocol: 1, ActivationCode: w.code1.Code, Ownership: "company",
			Platform: "android", Hardware: protocol.Hardware{ID: "hw-" + string(rune('a'+1))}}, "192.0.2.10")
		must(t, err)
		diff(t, "commands after re-enrolling", len(e.commandsFor(t, dev.ID)), 2)
	})
}

// directory makes, in acc as m, a folder holding devices in and both, and
// a group holding devices grouped and both.
type directory struct {
	folder                  *steward.Folder
	group                   *steward.Group
	in, grouped, both, none *steward.Device
}

func (e *appEnv) directory(t *testing.T, m *member, acc *steward.Account) *directory {
	t.Helper()
	d := &directory{in: e.device(t, acc, "in"), grouped: e.device(t, acc, "grouped"), both: e.device(t, acc, "both"),
		none: e.device(t, acc, "none")}
	var err error
	d.folder, err = e.svc.CreateFolder(m.ctx, acc.ID, service.FolderCreate{Name: "Warehouse"})
	must(t, err)
	d.group, err = e.svc.CreateGroup(m.ctx, acc.ID, service.GroupCreate{Name: "Drivers"})
	must(t, err)
	_, err = e.svc.MoveToFolder(m.ctx, d.folder.ID, []string{d.in.ID, d.both.ID})
	must(t, err)
	_, err = e.svc.AddToGroup(m.ctx, d.group.ID, []string{d.grouped.ID, d.both.ID})
	must(t, err)
	return d
}

// TestAppAssignToFolderAndGroup: an app assigned to a folder or a group
// reaches their devices alone; only an actor reaching the folder's or
// group's account may target it; unassigning one uninstalls only where the
// other does not still reach; a device joining later gets it.
func TestAppAssignToFolderAndGroup(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		dir := e.directory(t, w.c1, w.C1)
		v := e.cleanApp(t, w.r1, w.R1, "com.example.field", 1)
		shared := true
		_, err := e.svc.UpdateApp(w.r1.ctx, v.AppID, service.AppUpdate{Shared: &shared})
		must(t, err)

		// Targets out of reach or malformed.
		_, err = e.svc.AssignApp(w.c2.ctx, v.AppID, service.AppAssign{FolderID: dir.folder.ID, Mode: steward.AssignRequired})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.AssignApp(w.c2.ctx, v.AppID, service.AppAssign{GroupID: dir.group.ID, Mode: steward.AssignRequired})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.AssignApp(w.c1.ctx, v.AppID, service.AppAssign{FolderID: "nope", Mode: steward.AssignRequired})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.AssignApp(w.c1.ctx, v.AppID, service.AppAssign{FolderID: dir.folder.ID, GroupID: dir.group.ID, Mode: steward.AssignRequired})
		wantCode(t, err, steward.EINVALID, "account_id")
		own := e.cleanApp(t, w.c2, w.C2, "com.example.c2", 1)
		_, err = e.svc.AssignApp(w.r1.ctx, own.AppID, service.AppAssign{FolderID: dir.folder.ID, Mode: steward.AssignRequired})
		wantCode(t, err, steward.EFORBIDDEN)

		byFolder := e.assign(t, w.c1, v.AppID, service.AppAssign{FolderID: dir.folder.ID, Mode: steward.AssignRequired})
		diff(t, "target", byFolder.Target(), steward.Target{Kind: steward.TargetFolder, ID: dir.folder.ID})
		byGroup := e.assign(t, w.c1, v.AppID, service.AppAssign{GroupID: dir.group.ID, Mode: steward.AssignRequired})
		want := map[*steward.Device][]string{dir.in: {"install_app com.example.field"}, dir.grouped: {"install_app com.example.field"},
			dir.both: {"install_app com.example.field"}, dir.none: {}}
		for d, cmds := range want {
			diff(t, "commands of "+d.Name, e.commandsFor(t, d.ID), cmds)
		}
		for d, ok := range map[*steward.Device]bool{dir.in: true, dir.both: true, dir.none: false} {
			dev := &service.Device{ID: d.ID, AccountID: d.AccountID, AccountPath: w.C1.Path}
			b, _, err := e.svc.AppDownload(e.ctx, dev, v.ID)
			if err == nil {
				b.Close()
			}
			if (err == nil) != ok {
				t.Errorf("download by %s: %v, want allowed %v", d.Name, err, ok)
			}
		}
		// C1 sees both assignments; C2 (which may see the shared app) neither.
		got, err := e.svc.GetApp(w.c1.ctx, v.AppID)
		must(t, err)
		var seen []string
		for _, as := range got.Assignments {
			seen = append(seen, string(as.Target().Kind)+" "+as.TargetName)
		}
		diff(t, "assignments C1 sees", seen, []string{"folder Warehouse", "group Drivers"})
		got, err = e.svc.GetApp(w.c2.ctx, v.AppID)
		must(t, err)
		diff(t, "assignments C2 sees", len(got.Assignments), 0)

		// Every device installs it; unassigning the folder uninstalls it
		// where the group does not still reach.
		for _, d := range []*steward.Device{dir.in, dir.grouped, dir.both} {
			cmds, err := e.db.ListCommands(e.ctx, "/", steward.CommandFilter{DeviceID: d.ID})
			must(t, err)
			dev := &service.Device{ID: d.ID, AccountID: d.AccountID, AccountPath: w.C1.Path}
			must(t, e.svc.CommandResult(e.ctx, dev, cmds[0].ID, &protocol.CommandResult{Status: protocol.ResultSucceeded}))
		}
		must(t, e.svc.UnassignApp(w.c1.ctx, v.AppID, byFolder.ID))
		for d, cmds := range map[*steward.Device][]string{
			dir.in:      {"install_app com.example.field", "uninstall_app com.example.field"},
			dir.both:    {"install_app com.example.field"},
			dir.grouped: {"install_app com.example.field"},
		} {
			diff(t, "commands after unassigning the folder: "+d.Name, e.commandsFor(t, d.ID), cmds)
		}

		// A device joining the group later gets it, pushed once the change
		// is committed; joining the folder too queues nothing more.
		sink := &recordingSink{}
		defer e.svc.RegisterPush(dir.none.ID, sink)()
		_, err = e.svc.AddToGroup(w.c1.ctx, dir.group.ID, []string{dir.none.ID})
		must(t, err)
		diff(t, "commands of the newcomer", e.commandsFor(t, dir.none.ID), []string{"install_app com.example.field"})
		diff(t, "pushed to the newcomer", sink.types(), []string{protocol.CmdInstallApp})
		_, err = e.svc.MoveToFolder(w.c1.ctx, dir.folder.ID, []string{dir.none.ID})
		must(t, err)
		diff(t, "commands of the newcomer in the folder too", e.commandsFor(t, dir.none.ID), []string{"install_app com.example.field"})

		// Deleting the group deletes its assignment.
		must(t, e.svc.DeleteGroup(w.c1.ctx, dir.group.ID))
		got, err = e.svc.GetApp(w.c1.ctx, v.AppID)
		must(t, err)
		if slices.ContainsFunc(got.Assignments, func(a *steward.AppAssignment) bool { return a.ID == byGroup.ID }) {
			t.Error("the deleted group's assignment is still listed")
		}
	})
}

// TestUpdateSupersedesTheOlderVersion: once an update installs, the
// version it replaced is superseded on that device, not left installed; a
// failed update leaves the older version installed.
func TestUpdateSupersedesTheOlderVersion(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		ok, bad := e.device(t, w.C1, "ok"), e.device(t, w.C1, "bad")
		v1 := e.cleanApp(t, w.c1, w.C1, "com.example.upd", 1)
		e.assign(t, w.c1, v1.AppID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignRequired})
		report := func(d *steward.Device, typ steward.CommandType, status string) {
			t.Helper()
			cmds, err := e.db.ListCommands(e.ctx, "/", steward.CommandFilter{DeviceID: d.ID})
			must(t, err)
			for _, c := range cmds {
				if c.Type == typ && c.Status != steward.CommandSucceeded && c.Status != steward.CommandFailed {
					dev := &service.Device{ID: d.ID, AccountID: d.AccountID, AccountPath: w.C1.Path}
					must(t, e.svc.CommandResult(e.ctx, dev, c.ID, &protocol.CommandResult{Status: status}))
					return
				}
			}
			t.Fatalf("no open %s for %s", typ, d.Name)
		}
		report(ok, steward.CmdInstallApp, protocol.ResultSucceeded)
		report(bad, steward.CmdInstallApp, protocol.ResultSucceeded)
		v2 := e.cleanApp(t, w.c1, w.C1, "com.example.upd", 2)
		report(ok, steward.CmdUpdateApp, protocol.ResultSucceeded)
		report(bad, steward.CmdUpdateApp, protocol.ResultFailed)

		deps, err := e.svc.ListAppDeployments(w.c1.ctx, v1.AppID)
		must(t, err)
		got := map[string]steward.DeploymentStatus{}
		for _, d := range deps.Items {
			got[d.DeviceID+" "+d.VersionID] = d.Status
		}
		diff(t, "deployments", got, map[string]steward.DeploymentStatus{
			ok.ID + " " + v1.ID: steward.DeploySuperseded, ok.ID + " " + v2.ID: steward.DeployInstalled,
			bad.ID + " " + v1.ID: steward.DeployInstalled, bad.ID + " " + v2.ID: steward.DeployFailed,
		})
		diff(t, "counts", deps.Counts, map[steward.DeploymentStatus]int{steward.DeployInstalled: 1, steward.DeployFailed: 1})
	})
}
