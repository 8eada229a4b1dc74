package service_test

import (
	"context"
	"io"
	"sync"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

func TestAppStoreListShowUnassignDownload(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		inC1 := e.device(t, w.C1, "a")
		inC2 := e.device(t, w.C2, "b")
		devC1 := &service.Device{ID: inC1.ID, AccountID: inC1.AccountID, AccountPath: w.C1.Path}
		devC2 := &service.Device{ID: inC2.ID, AccountID: inC2.AccountID, AccountPath: w.C2.Path}
		const body = "com.example.app 1 key1"
		v, err := e.upload(t, w.r1, w.R1, body, "")
		must(t, err)

		// The reseller's app is its own until shared.
		listed := func(m *member) int {
			t.Helper()
			apps, err := e.svc.ListApps(m.ctx)
			must(t, err)
			return len(apps)
		}
		diff(t, "apps the reseller sees", listed(w.r1), 1)
		diff(t, "apps its client sees before sharing", listed(w.c1), 0)
		app, err := e.db.AppByID(e.ctx, v.AppID)
		must(t, err)
		app.Shared = true
		must(t, e.db.UpdateApp(e.ctx, app))
		diff(t, "apps its client sees once shared", listed(w.c1), 1)
		diff(t, "apps another reseller sees", listed(w.r2), 0)
		_, err = e.svc.GetApp(w.r2.ctx, app.ID)
		wantCode(t, err, steward.ENOTFOUND)

		e.scan(t)
		as, err := e.svc.AssignApp(w.r1.ctx, app.ID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignRequired})
		must(t, err)
		// Client One sees the assignment to it; Client Two sees the app, not where else it goes.
		d, err := e.svc.GetApp(w.c1.ctx, app.ID)
		must(t, err)
		if len(d.Versions) != 1 || d.Versions[0].Status != steward.VersionClean || len(d.Assignments) != 1 {
			t.Fatalf("detail for Client One = %+v versions %d assignments %d", d.StoreApp, len(d.Versions), len(d.Assignments))
		}
		d, err = e.svc.GetApp(w.c2.ctx, app.ID)
		must(t, err)
		diff(t, "assignments Client Two sees", len(d.Assignments), 0)
		wantCode(t, e.svc.UnassignApp(w.c2.ctx, app.ID, as.ID), steward.ENOTFOUND)

		// Only the assigned device downloads, and only the clean version.
		b, got, err := e.svc.AppDownload(e.ctx, devC1, v.ID)
		must(t, err)
		data, err := io.ReadAll(b)
		b.Close()
		must(t, err)
		diff(t, "downloaded bytes", string(data), body)
		diff(t, "download sha256", got.SHA256, v.SHA256)
		_, _, err = e.svc.AppDownload(e.ctx, devC2, v.ID)
		wantCode(t, err, steward.ENOTFOUND)
		v2, err := e.upload(t, w.r1, w.R1, "com.example.app 2 key1", "")
		must(t, err)
		_, _, err = e.svc.AppDownload(e.ctx, devC1, v2.ID)
		wantCode(t, err, steward.ENOTFOUND)

		cmds, err := e.db.ListCommands(e.ctx, "/", steward.CommandFilter{})
		must(t, err)
		if len(cmds) != 1 {
			t.Fatalf("commands = %d, want one install", len(cmds))
		}
		must(t, e.svc.CommandResult(e.ctx, devC1, cmds[0].ID, &protocol.CommandResult{Status: protocol.ResultSucceeded}))
		deps, err := e.svc.ListAppDeployments(w.r1.ctx, app.ID)
		must(t, err)
		diff(t, "installed count", deps.Counts[steward.DeployInstalled], 1)
		deps, err = e.svc.ListAppDeployments(w.c2.ctx, app.ID)
		must(t, err)
		diff(t, "deployments Client Two sees", len(deps.Items), 0)

		// Unassigning uninstalls where no other assignment keeps the app.
		must(t, e.svc.UnassignApp(w.c1.ctx, app.ID, as.ID))
		cmds, err = e.db.ListCommands(e.ctx, "/", steward.CommandFilter{})
		must(t, err)
		var uninstall *steward.Command
		for _, c := range cmds {
			if c.Type == steward.CmdUninstallApp {
				uninstall = c
			}
		}
		if uninstall == nil || uninstall.DeviceID != inC1.ID {
			t.Fatalf("commands after unassign = %+v, want an uninstall_app for Client One's device", cmds)
		}
		deps, err = e.svc.ListAppDeployments(w.r1.ctx, app.ID)
		must(t, err)
		diff(t, "removing count", deps.Counts[steward.DeployRemoving], 1)
		_, _, err = e.svc.AppDownload(e.ctx, devC1, v.ID)
		wantCode(t, err, steward.ENOTFOUND)
		must(t, e.svc.CommandResult(e.ctx, devC1, uninstall.ID, &protocol.CommandResult{Status: protocol.ResultSucceeded}))
		deps, err = e.svc.ListAppDeployments(w.r1.ctx, app.ID)
		must(t, err)
		diff(t, "uninstalled count", deps.Counts[steward.DeployUninstalled], 1)
	})
}

// TestShareApp: a reseller's app reaches its client only once the reseller
// shares it; the client cannot share or unshare it, nor can a read-only
// manager of the reseller; each change is audited.
func TestShareApp(t *testing.T) {
	share := func(e *appEnv, ctx context.Context, id string, shared bool) (*steward.StoreApp, error) {
		return e.svc.UpdateApp(ctx, id, service.AppUpdate{Shared: &shared})
	}
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		v, err := e.upload(t, w.r1, w.R1, "com.example.shared 1 key1", "")
		must(t, err)
		sees := func(m *member) bool {
			t.Helper()
			apps, err := e.svc.ListApps(m.ctx)
			must(t, err)
			for _, a := range apps {
				if a.ID == v.AppID {
					return true
				}
			}
			return false
		}
		diff(t, "client sees the app before sharing", sees(w.c1), false)
		_, err = e.svc.GetApp(w.c1.ctx, v.AppID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = share(e, w.c1.ctx, v.AppID, true)
		wantCode(t, err, steward.ENOTFOUND)
		reader := e.manager(t, w.admin, w.R1, "reader@r-one.test", steward.RoleReadOnly)
		_, err = share(e, reader.ctx, v.AppID, true)
		wantCode(t, err, steward.EFORBIDDEN)

		app, err := share(e, w.r1.ctx, v.AppID, true)
		must(t, err)
		diff(t, "shared flag", app.Shared, true)
		a := e.lastAudit(t)
		diff(t, "audit", a.Action+" "+a.TargetID, "app.share "+v.AppID)
		diff(t, "client sees the app once shared", sees(w.c1), true)
		diff(t, "another reseller's client sees it", sees(w.r2), false)
		_, err = e.svc.GetApp(w.c1.ctx, v.AppID)
		must(t, err)
		// A client may assign it to its own devices, not change it.
		_, err = share(e, w.c1.ctx, v.AppID, false)
		wantCode(t, err, steward.EFORBIDDEN)
		e.scan(t)
		_, err = e.svc.AssignApp(w.c1.ctx, v.AppID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignAvailable})
		must(t, err)

		_, err = share(e, w.r1.ctx, v.AppID, false)
		must(t, err)
		diff(t, "audit", e.lastAudit(t).Action, "app.unshare")
		diff(t, "client sees the app once unshared", sees(w.c1), false)
	})
}

// recordingSink is a device's push connection that keeps what it is sent.
type recordingSink struct {
	mu   sync.Mutex
	msgs []protocol.PushMessage
}

func (r *recordingSink) Push(_ context.Context, m protocol.PushMessage) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.msgs = append(r.msgs, m)
	return nil
}

// types lists the types of the commands pushed so far.
func (r *recordingSink) types() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, m := range r.msgs {
		for _, c := range m.Commands {
			out = append(out, c.Type)
		}
	}
	return out
}

// TestAppCommandsArePushed: the install an assignment queues, the update a
// newly clean version queues, and the uninstall an unassignment queues all
// reach a device holding a push connection at once, not at its next
// check-in.
func TestAppCommandsArePushed(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		dev := e.device(t, w.C1, "a")
		sink := &recordingSink{}
		defer e.svc.RegisterPush(dev.ID, sink)()
		v, err := e.upload(t, w.c1, w.C1, "com.example.pushed 1 key1", "")
		must(t, err)
		e.scan(t)
		as, err := e.svc.AssignApp(w.c1.ctx, v.AppID, service.AppAssign{DeviceID: dev.ID, Mode: steward.AssignRequired})
		must(t, err)
		diff(t, "pushed after the assignment", sink.types(), []string{protocol.CmdInstallApp})
		cmds, err := e.db.ListCommands(e.ctx, "/", steward.CommandFilter{})
		must(t, err)
		diff(t, "the install is delivered", string(cmds[0].Status), string(steward.CommandDelivered))
		devCtx := &service.Device{ID: dev.ID, AccountID: dev.AccountID, AccountPath: w.C1.Path}
		must(t, e.svc.CommandResult(e.ctx, devCtx, cmds[0].ID, &protocol.CommandResult{Status: protocol.ResultSucceeded}))

		_, err = e.upload(t, w.c1, w.C1, "com.example.pushed 2 key1", "")
		must(t, err)
		e.scan(t)
		diff(t, "pushed after the new version is clean", sink.types(), []string{protocol.CmdInstallApp, protocol.CmdUpdateApp})
		must(t, e.svc.UnassignApp(w.c1.ctx, v.AppID, as.ID))
		diff(t, "pushed after the unassignment", sink.types(),
			[]string{protocol.CmdInstallApp, protocol.CmdUpdateApp, protocol.CmdUninstallApp})
	})
}
