package service_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

func ptrTo[T any](v T) *T { return &v }

// audits returns the audit entries of an action in acc, newest first.
func (e *env) audits(t *testing.T, acc *steward.Account, action string) []*steward.AuditEntry {
	t.Helper()
	es, err := e.db.ListAudit(e.ctx, acc.Path, steward.AuditFilter{Action: action, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func TestFoldersAndGroupsAuthorisation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)

		// The client's owner and the resellers above it may create; the
		// other reseller does not see the account; a reader may not write.
		f, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "  Front desk ", Description: "Tablets at reception"})
		must(t, err)
		if f.Name != "Front desk" || f.AccountID != w.C1.ID {
			t.Errorf("created %+v, want the trimmed name in C1", f)
		}
		_, err = e.svc.CreateGroup(w.r1.ctx, w.C1.ID, service.GroupCreate{Name: "Kiosks", Priority: 10})
		must(t, err)
		_, err = e.svc.CreateFolder(w.r2.ctx, w.C1.ID, service.FolderCreate{Name: "Sneaky"})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.CreateFolder(reader.ctx, w.C1.ID, service.FolderCreate{Name: "Mine"})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.CreateFolder(w.r1.ctx, w.S1.ID, service.FolderCreate{Name: "Reseller folder"})
		wantCode(t, err, steward.EINVALID, "account_id")

		// Reading: the reader and the ancestors see them, the other reseller
		// gets ENOTFOUND for the folder as for the account.
		for _, m := range []*member{reader, w.s1, w.r1, w.admin} {
			got, err := e.svc.Folder(m.ctx, f.ID)
			must(t, err)
			diff(t, "folder read by "+m.Email, got, f)
			gs, err := e.svc.Groups(m.ctx, w.C1.ID)
			must(t, err)
			if len(gs) != 1 || gs[0].Name != "Kiosks" || gs[0].Priority != 10 {
				t.Errorf("groups read by %s: %+v", m.Email, gs)
			}
		}
		_, err = e.svc.Folder(w.r2.ctx, f.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.Folders(w.r2.ctx, w.C1.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.UpdateFolder(w.r2.ctx, f.ID, service.FolderUpdate{Name: ptrTo("Taken over")})
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, e.svc.DeleteFolder(w.r2.ctx, f.ID), steward.ENOTFOUND)
		_, err = e.svc.UpdateFolder(reader.ctx, f.ID, service.FolderUpdate{Name: ptrTo("Renamed")})
		wantCode(t, err, steward.EFORBIDDEN)
		wantCode(t, e.svc.DeleteFolder(reader.ctx, f.ID), steward.EFORBIDDEN)
		if fs, err := e.svc.Folders(w.r1.ctx, w.R1.ID); err != nil || len(fs) != 0 {
			t.Errorf("a reseller's folders = %v, %v; want none", fs, err)
		}
	})
}

func TestFolderAndGroupNames(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		f, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "Warehouse"})
		must(t, err)
		for _, tc := range []struct {
			name, field, value string
		}{
			{"empty", "name", "   "},
			{"too long", "name", strings.Repeat("é", 101)},
			{"control character", "name", "Ware\nhouse"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: tc.value})
				wantCode(t, err, steward.EINVALID, tc.field)
				_, err = e.svc.CreateGroup(w.c1.ctx, "", service.GroupCreate{Name: tc.value})
				wantCode(t, err, steward.EINVALID, tc.field)
				_, err = e.svc.UpdateFolder(w.c1.ctx, f.ID, service.FolderUpdate{Name: &tc.value})
				wantCode(t, err, steward.EINVALID, tc.field)
			})
		}
		if _, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: strings.Repeat("é", 100)}); err != nil {
			t.Errorf("a name of 100 characters: %v", err)
		}
		_, err = e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "Long", Description: strings.Repeat("x", 501)})
		wantCode(t, err, steward.EINVALID, "description")
		_, err = e.svc.CreateGroup(w.c1.ctx, "", service.GroupCreate{Name: "Top", Priority: 1001})
		wantCode(t, err, steward.EINVALID, "priority")
		_, err = e.svc.CreateGroup(w.c1.ctx, "", service.GroupCreate{Name: "Bottom", Priority: -1})
		wantCode(t, err, steward.EINVALID, "priority")

		// A taken name (ignoring case) conflicts, naming the field; another
		// account may use it.
		_, err = e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "WAREHOUSE"})
		wantCode(t, err, steward.ECONFLICT, "name")
		other, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "Office"})
		must(t, err)
		_, err = e.svc.UpdateFolder(w.c1.ctx, other.ID, service.FolderUpdate{Name: ptrTo("warehouse")})
		wantCode(t, err, steward.ECONFLICT, "name")
		_, err = e.svc.CreateFolder(w.c2.ctx, "", service.FolderCreate{Name: "Warehouse"})
		must(t, err)
		g, err := e.svc.CreateGroup(w.c1.ctx, "", service.GroupCreate{Name: "Warehouse"}) // folders and groups are apart
		must(t, err)

		// Renames are audited with the old and new values; an unchanged
		// update writes nothing.
		e.tick()
		got, err := e.svc.UpdateFolder(w.c1.ctx, f.ID, service.FolderUpdate{Name: ptrTo("Warehouse North"), Description: ptrTo("Dock 3")})
		must(t, err)
		if got.Name != "Warehouse North" || got.Description != "Dock 3" || !got.UpdatedAt.After(f.UpdatedAt) {
			t.Errorf("updated folder %+v", got)
		}
		a := e.lastAudit(t)
		if a.Action != "folder.update" || a.TargetID != f.ID || !strings.Contains(string(a.Summary), "Warehouse North") {
			t.Errorf("audit %s %s %s", a.Action, a.TargetID, a.Summary)
		}
		_, err = e.svc.UpdateFolder(w.c1.ctx, f.ID, service.FolderUpdate{Name: ptrTo("Warehouse North")})
		must(t, err)
		if e.lastAudit(t).ID != a.ID {
			t.Error("an update that changes nothing was audited")
		}
		gu, err := e.svc.UpdateGroup(w.c1.ctx, g.ID, service.GroupUpdate{Priority: ptrTo(7)})
		must(t, err)
		if gu.Priority != 7 || gu.Name != "Warehouse" || e.lastAudit(t).Action != "group.update" {
			t.Errorf("updated group %+v, audit %s", gu, e.lastAudit(t).Action)
		}
		for _, action := range []string{"folder.create", "group.create"} {
			if len(e.audits(t, w.C1, action)) == 0 {
				t.Errorf("no %s audited", action)
			}
		}
	})
}

// membership returns where a device sits, as the device page reads it.
func (e *env) membership(t *testing.T, m *member, id string) (string, []string) {
	t.Helper()
	d, err := e.svc.Device(m.ctx, id)
	must(t, err)
	return d.FolderID, d.GroupIDs
}

func TestMoveDevicesIntoFoldersAndGroups(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		var mine []string
		for _, n := range []string{"a", "b", "c"} {
			mine = append(mine, e.device(t, w.C1, n).ID)
		}
		foreign := e.device(t, w.C2, "x").ID // in the same reseller's subtree, another client
		f, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "Front desk"})
		must(t, err)
		f2, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "Back office"})
		must(t, err)
		g, err := e.svc.CreateGroup(w.c1.ctx, "", service.GroupCreate{Name: "Kiosks"})
		must(t, err)
		before := e.lastAudit(t).ID

		// A device of another account (or none) refuses the whole change,
		// even for the reseller above both accounts.
		for _, bad := range []string{foreign, "01nonexistent"} {
			_, err = e.svc.MoveToFolder(w.r1.ctx, f.ID, append(slices.Clone(mine), bad))
			wantCode(t, err, steward.ENOTFOUND, "device_ids")
			if !strings.Contains(steward.ErrorMessage(err), bad) {
				t.Errorf("the refusal does not name %s: %v", bad, err)
			}
			_, err = e.svc.AddToGroup(w.c1.ctx, g.ID, append(slices.Clone(mine), bad))
			wantCode(t, err, steward.ENOTFOUND, "device_ids")
		}
		_, err = e.svc.MoveToFolder(w.c1.ctx, f.ID, nil)
		wantCode(t, err, steward.EINVALID, "device_ids")
		for _, id := range mine {
			if folder, groups := e.membership(t, w.c1, id); folder != "" || len(groups) != 0 {
				t.Errorf("device %s moved by a refused change: %q %v", id, folder, groups)
			}
		}
		if e.lastAudit(t).ID != before {
			t.Error("a refused change was audited")
		}

		// Moving, twice over, and into another folder.
		got, err := e.svc.MoveToFolder(w.c1.ctx, f.ID, mine[:2])
		must(t, err)
		if got.DeviceCount != 2 {
			t.Errorf("folder count %d, want 2", got.DeviceCount)
		}
		a := e.lastAudit(t)
		var sum struct {
			Folder    string   `json:"folder"`
			Count     int      `json:"count"`
			DeviceIDs []string `json:"device_ids"`
		}
		must(t, json.Unmarshal(a.Summary, &sum))
		if a.Action != "folder.add_devices" || a.AccountID != w.C1.ID || sum.Count != 2 || !slices.Equal(sum.DeviceIDs, mine[:2]) {
			t.Errorf("audit %s in %s: %s", a.Action, a.AccountID, a.Summary)
		}
		got, err = e.svc.MoveToFolder(w.r1.ctx, f2.ID, mine[1:])
		must(t, err)
		if got.DeviceCount != 2 {
			t.Errorf("second folder count %d, want 2", got.DeviceCount)
		}
		if got, _ := e.svc.Folder(w.c1.ctx, f.ID); got.DeviceCount != 1 {
			t.Errorf("first folder count %d after a device moved on, want 1", got.DeviceCount)
		}
		// Taking out: a device not in the folder stays where it is.
		got, err = e.svc.RemoveFromFolder(w.c1.ctx, f2.ID, mine)
		must(t, err)
		if got.DeviceCount != 0 {
			t.Errorf("count after removal %d", got.DeviceCount)
		}
		if folder, _ := e.membership(t, w.c1, mine[0]); folder != f.ID {
			t.Errorf("device outside the folder moved by its removal: now in %q", folder)
		}

		// Groups.
		gg, err := e.svc.AddToGroup(w.c1.ctx, g.ID, mine)
		must(t, err)
		if gg.DeviceCount != 3 {
			t.Errorf("group count %d, want 3", gg.DeviceCount)
		}
		g2, err := e.svc.CreateGroup(w.c1.ctx, "", service.GroupCreate{Name: "Night shift"})
		must(t, err)
		_, err = e.svc.AddToGroup(w.c1.ctx, g2.ID, mine[:1])
		must(t, err)
		folder, groups := e.membership(t, w.c1, mine[0])
		want := []string{g.ID, g2.ID}
		slices.Sort(want)
		if folder != f.ID || !slices.Equal(groups, want) {
			t.Errorf("device page: folder %q groups %v; want %q %v", folder, groups, f.ID, want)
		}
		before = e.lastAudit(t).ID
		_, err = e.svc.AddToGroup(w.c1.ctx, g.ID, mine[:1])
		must(t, err)
		if e.lastAudit(t).ID != before {
			t.Error("adding a member again was audited")
		}
		gg, err = e.svc.RemoveFromGroup(w.c1.ctx, g.ID, mine[1:])
		must(t, err)
		if gg.DeviceCount != 1 || e.lastAudit(t).Action != "group.remove_devices" {
			t.Errorf("after removal: count %d, audit %s", gg.DeviceCount, e.lastAudit(t).Action)
		}

		// A reader may look but not move.
		reader := e.manager(t, w.admin, w.C1, "reader@c-one.test", steward.RoleReadOnly)
		_, err = e.svc.AddToGroup(reader.ctx, g.ID, mine)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.MoveToFolder(w.r2.ctx, f.ID, mine)
		wantCode(t, err, steward.ENOTFOUND)

		// Deleting a folder or group leaves its devices in none; both are audited.
		must(t, e.svc.DeleteFolder(w.c1.ctx, f.ID))
		must(t, e.svc.DeleteGroup(w.c1.ctx, g.ID))
		folder, groups = e.membership(t, w.c1, mine[0])
		if folder != "" || !slices.Equal(groups, []string{g2.ID}) {
			t.Errorf("after deletions: folder %q groups %v", folder, groups)
		}
		_, err = e.svc.Folder(w.c1.ctx, f.ID)
		wantCode(t, err, steward.ENOTFOUND)
		del := e.audits(t, w.C1, "folder.delete")
		if len(del) != 1 || !strings.Contains(string(del[0].Summary), `"devices":1`) {
			t.Errorf("folder.delete audit: %v", del)
		}
		if len(e.audits(t, w.C1, "group.delete")) != 1 {
			t.Error("group.delete not audited")
		}
	})
}

// TestBulkCommandToFolderAndGroup sends a command to every device of a
// folder and of a group through the device filter, as the bulk path of the
// API and console does.
func TestBulkCommandToFolderAndGroup(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		var ids []string
		for _, n := range []string{"a", "b", "c", "d"} {
			ids = append(ids, e.device(t, w.C1, n).ID)
		}
		e.device(t, w.C2, "x")
		f, err := e.svc.CreateFolder(w.c1.ctx, "", service.FolderCreate{Name: "Front desk"})
		must(t, err)
		g, err := e.svc.CreateGroup(w.c1.ctx, "", service.GroupCreate{Name: "Kiosks"})
		must(t, err)
		_, err = e.svc.MoveToFolder(w.c1.ctx, f.ID, ids[:2])
		must(t, err)
		_, err = e.svc.AddToGroup(w.c1.ctx, g.ID, ids[1:])
		must(t, err)

		targets := func(cmds []*steward.Command) []string {
			var out []string
			for _, c := range cmds {
				out = append(out, c.DeviceID)
			}
			slices.Sort(out)
			return out
		}
		cmds, err := e.svc.SendCommand(w.r1.ctx, service.CommandSend{Type: steward.CmdSync, Filter: &steward.DeviceFilter{FolderID: f.ID}})
		must(t, err)
		diff(t, "folder's commands", targets(cmds), ids[:2])
		cmds, err = e.svc.SendCommand(w.c1.ctx, service.CommandSend{Type: steward.CmdSync, Filter: &steward.DeviceFilter{GroupID: g.ID}})
		must(t, err)
		diff(t, "group's commands", targets(cmds), ids[1:])
		cmds, err = e.svc.SendCommand(w.c1.ctx, service.CommandSend{Type: steward.CmdSync,
			Filter: &steward.DeviceFilter{FolderID: f.ID, GroupID: g.ID}})
		must(t, err)
		diff(t, "folder and group's commands", targets(cmds), ids[1:2])
		// A folder outside the actor's subtree matches nothing.
		_, err = e.svc.SendCommand(w.r2.ctx, service.CommandSend{Type: steward.CmdSync, Filter: &steward.DeviceFilter{FolderID: f.ID}})
		wantCode(t, err, steward.EINVALID, "filter")

		// The device list filters the same way.
		ds, err := e.svc.Devices(w.c1.ctx, steward.DeviceFilter{GroupID: g.ID})
		must(t, err)
		var listed []string
		for _, d := range ds {
			listed = append(listed, d.ID)
		}
		diff(t, "group's devices", listed, ids[1:])
	})
}
