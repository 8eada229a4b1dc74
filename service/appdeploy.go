package service

import (
	"context"
	"encoding/json"
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

// AppAssign assigns an app to an account's subtree or one device.
type AppAssign struct {
	AccountID string             `json:"account_id,omitempty"`
	DeviceID  string             `json:"device_id,omitempty"`
	Mode      steward.AssignMode `json:"mode"`
}

// AssignApp assigns an app (its own or shared with the actor) to an
// account or device of the actor's subtree inside the owner's. A required
// assignment queues install commands of the newest clean version for the
// devices it targets. EINVALID, EFORBIDDEN, ENOTFOUND.
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
	var path string
	switch {
	case (in.AccountID == "") == (in.DeviceID == ""):
		return nil, steward.FieldErrorf("account_id", "Give an account or a device.")
	case in.DeviceID != "":
		d, err := s.reachDevice(ctx, in.DeviceID)
		if err != nil {
			return nil, err
		}
		acc, err := s.store.AccountByID(ctx, d.AccountID)
		if err != nil {
			return nil, err
		}
		path = acc.Path
	default:
		_, acc, err := s.reachAccount(ctx, in.AccountID)
		if err != nil {
			return nil, err
		}
		path = acc.Path
	}
	if !strings.HasPrefix(path, owner.Path) {
		return nil, steward.Errorf(steward.EFORBIDDEN, "The app can only be assigned inside its owner's accounts.")
	}
	as := &steward.AppAssignment{ID: steward.NewID(s.now()), AppID: app.ID, AccountID: in.AccountID, DeviceID: in.DeviceID,
		Mode: in.Mode, AssignedBy: a.ManagerID, CreatedAt: s.now()}
	var queued []*steward.Command
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.PutAssignment(ctx, as); err != nil {
			return err
		}
		if queued, err = s.deployRequired(ctx, app); err != nil {
			return err
		}
		return s.record(ctx, app.AccountID, "app.assign", "app", app.ID, map[string]any{"account_id": in.AccountID,
			"device_id": in.DeviceID, "mode": in.Mode, "commands": len(queued)})
	})
	if err != nil {
		return nil, err
	}
	s.queuedCommands(ctx, queued)
	return as, nil
}

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

// targets lists the devices an assignment reaches.
func (s *Service) targets(ctx context.Context, as *steward.AppAssignment) ([]*steward.Device, error) {
	if as.DeviceID != "" {
		d, err := s.store.DeviceByID(ctx, as.DeviceID)
		if err != nil {
			return nil, err
		}
		return []*steward.Device{d}, nil
	}
	acc, err := s.store.AccountByID(ctx, as.AccountID)
	if err != nil {
		return nil, err
	}
	var out []*steward.Device
	f := steward.DeviceFilter{Limit: 1000}
	for {
		page, err := s.store.ListDevices(ctx, acc.Path, f)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < f.Limit {
			return out, nil
		}
		f.After = page[len(page)-1].ID
	}
}

// deployRequired queues the newest clean version of app on every device a
// required assignment targets that does not have it yet: install_app where
// nothing of the app is installed, update_app over an older version.
func (s *Service) deployRequired(ctx context.Context, app *steward.StoreApp) ([]*steward.Command, error) {
	vs, err := s.store.ListAppVersions(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	var latest *steward.AppVersion
	for _, v := range vs {
		if v.Status == steward.VersionClean && (latest == nil || v.VersionCode > latest.VersionCode) {
			latest = v
		}
	}
	if latest == nil {
		return nil, nil
	}
	assignments, err := s.store.ListAssignments(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	deployments, err := s.store.ListDeployments(ctx, app.ID, "/")
	if err != nil {
		return nil, err
	}
	has := map[string]bool{}   // devices with the latest version deployed (or on its way)
	older := map[string]bool{} // devices with an older version installed
	for _, d := range deployments {
		switch {
		case d.VersionID == latest.ID && d.Status != steward.DeployFailed && d.Status != steward.DeployUninstalled:
			has[d.DeviceID] = true
		case d.Status == steward.DeployInstalled:
			older[d.DeviceID] = true
		}
	}
	now := s.now()
	var cmds []*steward.Command
	for _, as := range assignments {
		if as.Mode != steward.AssignRequired {
			continue
		}
		devices, err := s.targets(ctx, as)
		if err != nil {
			return nil, err
		}
		for _, d := range devices {
			if has[d.ID] {
				continue
			}
			has[d.ID] = true
			typ := steward.CmdInstallApp
			if older[d.ID] {
				typ = steward.CmdUpdateApp
			}
			payload, err := json.Marshal(protocol.AppPayload{Package: app.Package, VersionCode: latest.VersionCode,
				URL: s.downloadURL(latest.ID), SHA256: latest.SHA256})
			if err != nil {
				return nil, err
			}
			if err := validatePayload(typ, payload); err != nil {
				return nil, err
			}
			c := &steward.Command{ID: steward.NewID(now), DeviceID: d.ID, AccountID: d.AccountID, Type: typ, Payload: payload,
				Status: steward.CommandQueued, CreatedAt: now, ExpiresAt: now.Add(CommandTTL)}
			if a := steward.ActorFromContext(ctx); a != nil {
				c.IssuedBy, c.IssuedByEmail = a.ManagerID, a.Email
			}
			cmds = append(cmds, c)
		}
	}
	if len(cmds) == 0 {
		return nil, nil
	}
	if err := s.store.InsertCommands(ctx, cmds); err != nil {
		return nil, err
	}
	for _, c := range cmds {
		if err := s.store.PutDeployment(ctx, &steward.AppDeployment{VersionID: latest.ID, DeviceID: c.DeviceID, AppID: app.ID,
			Status: steward.DeployQueued, CommandID: c.ID, CreatedAt: now, UpdatedAt: now}); err != nil {
			return nil, err
		}
	}
	return cmds, nil
}

// downloadURL is where a device downloads a version.
func (s *Service) downloadURL(versionID string) string {
	return strings.TrimSuffix(s.baseURL, "/") + "/device/v1/apps/" + versionID + "/download"
}

// appCommandResult moves the deployment a command carries to its outcome.
// It runs in CommandResult's transaction.
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
		d.Status = steward.DeployInstalled
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
