package service

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// reachApp returns an app the actor may see: one of its subtree, or one
// shared by an account above it, with the owner account.
func (s *Service) reachApp(ctx context.Context, id string) (*steward.Actor, *steward.StoreApp, *steward.Account, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	hidden := steward.Errorf(steward.ENOTFOUND, "App %q not found.", id)
	app, err := s.store.AppByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, nil, hidden
	} else if err != nil {
		return nil, nil, nil, err
	}
	owner, err := s.store.AccountByID(ctx, app.AccountID)
	if err != nil {
		return nil, nil, nil, err
	}
	if !a.Reaches(owner.Path) && !(app.Shared && strings.HasPrefix(a.AccountPath, owner.Path)) {
		return nil, nil, nil, hidden
	}
	return a, app, owner, nil
}

// ownApp is reachApp for changes only the owner's subtree may make.
func (s *Service) ownApp(ctx context.Context, id string) (*steward.StoreApp, *steward.Account, error) {
	a, app, owner, err := s.reachApp(ctx, id)
	if err != nil {
		return nil, nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, nil, err
	}
	if !a.Reaches(owner.Path) {
		return nil, nil, steward.Errorf(steward.EFORBIDDEN, "The app is shared with your account; only its owner can change it.")
	}
	return app, owner, nil
}

// AppUpdate changes an app; a nil field is left as it is.
type AppUpdate struct {
	// Shared shares the app down its owner's subtree (every account below
	// sees it and may assign it to its own devices), or stops sharing it.
	Shared *bool `json:"shared"`
}

// UpdateApp changes an app. Only write roles of the owner account, or of an
// account above it, may. Unsharing keeps the assignments already made
// below: they keep installing the app until removed. Audited as app.share
// or app.unshare. EFORBIDDEN, ENOTFOUND.
func (s *Service) UpdateApp(ctx context.Context, id string, in AppUpdate) (*steward.StoreApp, error) {
	app, owner, err := s.ownApp(ctx, id)
	if err != nil {
		return nil, err
	}
	if in.Shared == nil || app.Shared == *in.Shared {
		return app, nil
	}
	app.Shared, app.UpdatedAt = *in.Shared, s.now()
	action := "app.share"
	if !app.Shared {
		action = "app.unshare"
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UpdateApp(ctx, app); err != nil {
			return err
		}
		return s.record(ctx, owner.ID, action, "app", app.ID, map[string]any{"package": app.Package})
	})
	if err != nil {
		return nil, err
	}
	return app, nil
}

// AppAssign assigns an app to one target: an account's subtree, a folder,
// a group or one device.
type AppAssign struct {
	AccountID string             `json:"account_id,omitempty"`
	FolderID  string             `json:"folder_id,omitempty"`
	GroupID   string             `json:"group_id,omitempty"`
	DeviceID  string             `json:"device_id,omitempty"`
	Mode      steward.AssignMode `json:"mode"`
}

// AssignApp assigns an app (its own or shared with the actor) to an
// account, folder, group or device of the actor's subtree inside the
// owner's. A required assignment queues install commands of the newest
// clean version for the devices it targets. EINVALID, EFORBIDDEN,
// ENOTFOUND.
func (s *Service) AssignApp(ctx context.Context, appID string, in AppAssign) (*steward.AppAssignment, error) {
	a, app, owner, err := s.reachApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	if err := canWrite(a); err != nil {
		return nil, err
	}
	if in.Mode != steward.AssignRequired && in.Mode != steward.AssignAvailable {
		return nil, steward.FieldErrorf("mode", "The mode is required or available.")
	}
	as := &steward.AppAssignment{ID: steward.NewID(s.now()), AppID: app.ID, AccountID: in.AccountID, FolderID: in.FolderID,
		GroupID: in.GroupID, DeviceID: in.DeviceID, Mode: in.Mode, AssignedBy: a.ManagerID, CreatedAt: s.now()}
	given := 0
	for _, id := range []string{in.AccountID, in.FolderID, in.GroupID, in.DeviceID} {
		if id != "" {
			given++
		}
	}
	if given != 1 {
		return nil, steward.FieldErrorf("account_id", "Give one target: an account, a folder, a group or a device.")
	}
	acc, err := s.reachTarget(ctx, a, as.Target())
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(acc.Path, owner.Path) {
		return nil, steward.Errorf(steward.EFORBIDDEN, "The app can only be assigned inside its owner's accounts.")
	}
	var queued []*steward.Command
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.PutAssignment(ctx, as); err != nil {
			return err
		}
		if queued, err = s.deployRequired(ctx, app); err != nil {
			return err
		}
		return s.record(ctx, app.AccountID, "app.assign", "app", app.ID, map[string]any{"account_id": in.AccountID,
			"folder_id": in.FolderID, "group_id": in.GroupID, "device_id": in.DeviceID, "mode": in.Mode, "commands": len(queued)})
	})
	if err != nil {
		return nil, err
	}
	s.queuedCommands(ctx, queued)
	return as, nil
}

// reachTarget returns the account a target belongs to (an account target's
// own) when the actor reaches it. ENOTFOUND otherwise, as for an unknown ID.
func (s *Service) reachTarget(ctx context.Context, a *steward.Actor, t steward.Target) (*steward.Account, error) {
	var accountID string
	switch t.Kind {
	case steward.TargetAccount:
		_, acc, err := s.reachAccount(ctx, t.ID)
		return acc, err
	case steward.TargetDevice:
		d, err := s.reachDevice(ctx, t.ID)
		if err != nil {
			return nil, err
		}
		accountID = d.AccountID
	case steward.TargetFolder:
		f, err := s.store.FolderByID(ctx, t.ID)
		if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return nil, err
		} else if err == nil {
			accountID = f.AccountID
		}
	case steward.TargetGroup:
		g, err := s.store.GroupByID(ctx, t.ID)
		if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return nil, err
		} else if err == nil {
			accountID = g.AccountID
		}
	}
	hidden := steward.Errorf(steward.ENOTFOUND, "%s %q not found.", targetNames[t.Kind], t.ID)
	if accountID == "" {
		return nil, hidden
	}
	acc, err := s.store.AccountByID(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if !a.Reaches(acc.Path) {
		return nil, hidden
	}
	return acc, nil
}

var targetNames = map[steward.TargetKind]string{steward.TargetAccount: "Account", steward.TargetFolder: "Folder",
	steward.TargetGroup: "Group", steward.TargetDevice: "Device"}

// queuedCommands delivers commands queued by a deployment as SendCommand
// does: pushed to the devices holding a push socket (recorded as
// delivered), and the long polls woken; the others get them at their next
// check-in.
func (s *Service) queuedCommands(ctx context.Context, cs []*steward.Command) {
	if len(cs) == 0 {
		return
	}
	for _, c := range cs {
		s.pending.queued(c.DeviceID)
	}
	p := s.newPusher(ctx)
	p.add(cs)
	p.finish()
	p.markPushed(cs)
}

// deviceRef is a device an assignment reaches, with the account its
// commands belong to.
type deviceRef struct{ ID, AccountID string }

// targets lists the devices an assignment reaches: an account's subtree, a
// folder's or group's members (through DevicesInTarget), or one device. A
// target that no longer exists reaches none.
func (s *Service) targets(ctx context.Context, as *steward.AppAssignment) ([]deviceRef, error) {
	t := as.Target()
	var owner string
	switch t.Kind {
	case steward.TargetDevice:
		d, err := s.store.DeviceByID(ctx, t.ID)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		return []deviceRef{{d.ID, d.AccountID}}, nil
	case steward.TargetAccount:
		acc, err := s.store.AccountByID(ctx, t.ID)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		var out []deviceRef
		f := steward.DeviceFilter{Limit: 1000}
		for {
			page, err := s.store.ListDevices(ctx, acc.Path, f)
			if err != nil {
				return nil, err
			}
			for _, d := range page {
				out = append(out, deviceRef{d.ID, d.AccountID})
			}
			if len(page) < f.Limit {
				return out, nil
			}
			f.After = page[len(page)-1].ID
		}
	case steward.TargetFolder:
		f, err := s.store.FolderByID(ctx, t.ID)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		owner = f.AccountID
	case steward.TargetGroup:
		g, err := s.store.GroupByID(ctx, t.ID)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			return nil, nil
		} else if err != nil {
			return nil, err
		}
		owner = g.AccountID
	}
	// A folder's or group's devices are all in its account.
	var out []deviceRef
	const page = 1000
	after := ""
	for {
		ids, err := s.store.DevicesInTarget(ctx, t, after, page)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			out = append(out, deviceRef{id, owner})
		}
		if len(ids) < page {
			return out, nil
		}
		after = ids[len(ids)-1]
	}
}

// covers reports whether any of the assignments covers the device m
// describes.
func covers(as []*steward.AppAssignment, m *steward.Membership) bool {
	return slices.ContainsFunc(as, func(a *steward.AppAssignment) bool { return m.Covers(a.Target()) })
}

// deployPlan queues one app's newest clean version on the devices that
// lack it: install_app where nothing of the app is installed, update_app
// over an older version.
type deployPlan struct {
	app    *steward.StoreApp
	latest *steward.AppVersion // nil: nothing clean to deploy
	has    map[string]bool     // devices with the latest version deployed (or on its way)
	older  map[string]bool     // devices with an older version installed
	cmds   []*steward.Command
}

// planDeploy starts the plan of an app.
func (s *Service) planDeploy(ctx context.Context, app *steward.StoreApp) (*deployPlan, error) {
	vs, err := s.store.ListAppVersions(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	p := &deployPlan{app: app, has: map[string]bool{}, older: map[string]bool{}}
	for _, v := range vs {
		if v.Status == steward.VersionClean && (p.latest == nil || v.VersionCode > p.latest.VersionCode) {
			p.latest = v
		}
	}
	return p, nil
}

// note records what devices already have of the app.
func (p *deployPlan) note(ds []*steward.AppDeployment) {
	for _, d := range ds {
		switch {
		case d.AppID != p.app.ID:
		case d.VersionID == p.latest.ID && d.Status != steward.DeployFailed && d.Status != steward.DeployUninstalled:
			p.has[d.DeviceID] = true
		case d.Status == steward.DeployInstalled:
			p.older[d.DeviceID] = true
		}
	}
}

// planAdd queues the plan's latest version on a device that lacks it.
func (s *Service) planAdd(ctx context.Context, p *deployPlan, d deviceRef) error {
	if p.latest == nil || p.has[d.ID] {
		return nil
	}
	p.has[d.ID] = true
	typ := steward.CmdInstallApp
	if p.older[d.ID] {
		typ = steward.CmdUpdateApp
	}
	payload, err := json.Marshal(protocol.AppPayload{Package: p.app.Package, VersionCode: p.latest.VersionCode,
		URL: s.downloadURL(p.latest.ID), SHA256: p.latest.SHA256})
	if err != nil {
		return err
	}
	if err := validatePayload(typ, payload); err != nil {
		return err
	}
	now := s.now()
	c := &steward.Command{ID: steward.NewID(now), DeviceID: d.ID, AccountID: d.AccountID, Type: typ, Payload: payload,
		Status: steward.CommandQueued, CreatedAt: now, ExpiresAt: now.Add(CommandTTL)}
	if a := steward.ActorFromContext(ctx); a != nil {
		c.IssuedBy, c.IssuedByEmail = a.ManagerID, a.Email
	}
	p.cmds = append(p.cmds, c)
	return nil
}

// commitPlans inserts the plans' commands, and a queued deployment for
// each, and returns the commands.
func (s *Service) commitPlans(ctx context.Context, plans ...*deployPlan) ([]*steward.Command, error) {
	var cmds []*steward.Command
	for _, p := range plans {
		cmds = append(cmds, p.cmds...)
	}
	if len(cmds) == 0 {
		return nil, nil
	}
	if err := s.store.InsertCommands(ctx, cmds); err != nil {
		return nil, err
	}
	now := s.now()
	for _, p := range plans {
		for _, c := range p.cmds {
			if err := s.store.PutDeployment(ctx, &steward.AppDeployment{VersionID: p.latest.ID, DeviceID: c.DeviceID, AppID: p.app.ID,
				Status: steward.DeployQueued, CommandID: c.ID, CreatedAt: now, UpdatedAt: now}); err != nil {
				return nil, err
			}
		}
	}
	return cmds, nil
}

// deployRequired queues the newest clean version of app on every device a
// required assignment targets that does not have it yet.
func (s *Service) deployRequired(ctx context.Context, app *steward.StoreApp) ([]*steward.Command, error) {
	p, err := s.planDeploy(ctx, app)
	if err != nil || p.latest == nil {
		return nil, err
	}
	assignments, err := s.store.ListAssignments(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	deployments, err := s.store.ListDeployments(ctx, app.ID, "/")
	if err != nil {
		return nil, err
	}
	p.note(deployments)
	for _, as := range assignments {
		if as.Mode != steward.AssignRequired {
			continue
		}
		devices, err := s.targets(ctx, as)
		if err != nil {
			return nil, err
		}
		for _, d := range devices {
			if err := s.planAdd(ctx, p, d); err != nil {
				return nil, err
			}
		}
	}
	return s.commitPlans(ctx, p)
}

// requiredAppsJoined queues, in the caller's transaction, the required
// apps of devices that joined targets (requiredAppsFor), and delivers the
// commands once the transaction commits.
func (s *Service) requiredAppsJoined(ctx context.Context, deviceIDs []string) error {
	cmds, err := s.requiredAppsFor(ctx, deviceIDs)
	if err != nil || len(cmds) == 0 {
		return err
	}
	afterCommit(ctx, func() { s.queuedCommands(context.WithoutCancel(ctx), cmds) })
	return nil
}

// requiredAppsFor queues, in the caller's transaction, the newest clean
// version of every app a required assignment covering each device assigns
// (to its account or one above, its folder, one of its groups, or itself)
// where the device does not have it yet. It is for devices that join
// targets: an enrolled device, or devices moved into a folder or group
// (membershipChanged). The commands must be delivered (queuedCommands) only
// once the transaction is committed. A device that does not exist is
// skipped.
func (s *Service) requiredAppsFor(ctx context.Context, deviceIDs []string) ([]*steward.Command, error) {
	plans := map[string]*deployPlan{}
	var order []*deployPlan
	for _, id := range deviceIDs {
		m, err := s.store.DeviceMembership(ctx, id)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		covering, err := s.store.AssignmentsCovering(ctx, m)
		if err != nil {
			return nil, err
		}
		var apps []string
		for _, as := range covering {
			if as.Mode == steward.AssignRequired && !slices.Contains(apps, as.AppID) {
				apps = append(apps, as.AppID)
			}
		}
		if len(apps) == 0 {
			continue
		}
		deployments, err := s.store.DeviceDeployments(ctx, id)
		if err != nil {
			return nil, err
		}
		for _, appID := range apps {
			p := plans[appID]
			if p == nil {
				app, err := s.store.AppByID(ctx, appID)
				if err != nil {
					return nil, err
				}
				if p, err = s.planDeploy(ctx, app); err != nil {
					return nil, err
				}
				plans[appID] = p
				order = append(order, p)
			}
			if p.latest == nil {
				continue
			}
			p.note(deployments)
			if err := s.planAdd(ctx, p, deviceRef{id, m.AccountID}); err != nil {
				return nil, err
			}
		}
	}
	return s.commitPlans(ctx, order...)
}

// downloadURL is where a device downloads a version.
func (s *Service) downloadURL(versionID string) string {
	return strings.TrimSuffix(s.baseURL, "/") + "/device/v1/apps/" + versionID + "/download"
}

// appCommandResult moves the deployment a command carries to its outcome;
// a successful install or update supersedes the device's other installed
// versions of the app. It runs in CommandResult's transaction.
func (s *Service) appCommandResult(ctx context.Context, c *steward.Command, to steward.CommandStatus, output string) error {
	if c.Type != steward.CmdInstallApp && c.Type != steward.CmdUpdateApp && c.Type != steward.CmdUninstallApp {
		return nil
	}
	d, err := s.store.DeploymentByCommand(ctx, c.ID)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil // an app command sent by hand, not by an assignment
	} else if err != nil {
		return err
	}
	switch {
	case to != steward.CommandSucceeded:
		d.Status = steward.DeployFailed
	case c.Type == steward.CmdUninstallApp:
		d.Status = steward.DeployUninstalled
	default:
		// The version installed replaces whatever other version of the
		// app the device had.
		d.Status = steward.DeployInstalled
		if err := s.store.SupersedeDeployments(ctx, d.AppID, d.DeviceID, d.VersionID, s.now()); err != nil {
			return err
		}
	}
	d.Output, d.UpdatedAt = output, s.now()
	return s.store.PutDeployment(ctx, d)
}

// DeleteApp deletes an app: its APK files at once, then its versions,
// assignments and deployments. EFORBIDDEN, ENOTFOUND.
func (s *Service) DeleteApp(ctx context.Context, id string) error {
	app, owner, err := s.ownApp(ctx, id)
	if err != nil {
		return err
	}
	vs, err := s.store.ListAppVersions(ctx, app.ID)
	if err != nil {
		return err
	}
	for _, v := range vs {
		if v.BlobKey != "" {
			if err := s.opts.Blobs.Delete(ctx, v.BlobKey); err != nil {
				return err
			}
		}
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteApp(ctx, app.ID); err != nil {
			return err
		}
		return s.record(ctx, owner.ID, "app.delete", "app", app.ID, map[string]any{"package": app.Package, "versions": len(vs)})
	})
}
