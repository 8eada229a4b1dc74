package service

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// The app store's read side, unassigning, and the device download.

// ListApps lists the apps the actor sees: those of its subtree and those
// shared by the accounts above it, by package.
func (s *Service) ListApps(ctx context.Context) ([]*steward.StoreApp, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	var ancestors []string
	for _, id := range strings.Split(strings.Trim(a.AccountPath, "/"), "/") {
		if id != "" && id != a.AccountID {
			ancestors = append(ancestors, id)
		}
	}
	return s.store.ListApps(ctx, a.AccountPath, ancestors)
}

// AppDetail is an app with its versions (newest first) and the
// assignments the actor sees.
type AppDetail struct {
	*steward.StoreApp
	Versions    []*steward.AppVersion    `json:"versions"`
	Assignments []*steward.AppAssignment `json:"assignments"`
}

// GetApp returns an app the actor sees with its versions and the
// assignments that target its subtree. ENOTFOUND.
func (s *Service) GetApp(ctx context.Context, id string) (*AppDetail, error) {
	a, app, _, err := s.reachApp(ctx, id)
	if err != nil {
		return nil, err
	}
	vs, err := s.store.ListAppVersions(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	as, err := s.visibleAssignments(ctx, a, app.ID)
	if err != nil {
		return nil, err
	}
	if vs == nil {
		vs = []*steward.AppVersion{}
	}
	return &AppDetail{StoreApp: app, Versions: vs, Assignments: as}, nil
}

// visibleAssignments lists an app's assignments whose target lies in the
// actor's subtree: a shared app's assignments elsewhere are not its business.
func (s *Service) visibleAssignments(ctx context.Context, a *steward.Actor, appID string) ([]*steward.AppAssignment, error) {
	all, err := s.store.ListAssignments(ctx, appID)
	if err != nil {
		return nil, err
	}
	out := []*steward.AppAssignment{}
	for _, as := range all {
		accID, name, err := s.targetAccount(ctx, as.Target())
		if err != nil {
			return nil, err
		}
		if accID == "" {
			continue // the target is gone
		}
		acc, err := s.store.AccountByID(ctx, accID)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, err
		}
		if a.Reaches(acc.Path) {
			as.TargetName = name
			if as.AccountID != "" {
				as.TargetName = acc.Name
			}
			out = append(out, as)
		}
	}
	return out, nil
}

// targetAccount returns the account a target belongs to and, for a folder,
// group or device, its name; "" when the target no longer exists.
func (s *Service) targetAccount(ctx context.Context, t steward.Target) (id, name string, err error) {
	switch t.Kind {
	case steward.TargetAccount:
		return t.ID, "", nil
	case steward.TargetDevice:
		var d *steward.Device
		if d, err = s.store.DeviceByID(ctx, t.ID); err == nil {
			id, name = d.AccountID, d.Name
			if name == "" {
				name = d.SupportID
			}
		}
	case steward.TargetFolder:
		var f *steward.Folder
		if f, err = s.store.FolderByID(ctx, t.ID); err == nil {
			id, name = f.AccountID, f.Name
		}
	case steward.TargetGroup:
		var g *steward.Group
		if g, err = s.store.GroupByID(ctx, t.ID); err == nil {
			id, name = g.AccountID, g.Name
		}
	}
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return "", "", nil
	}
	return id, name, err
}

// targetOwner returns the account a target belongs to (an account target:
// the account itself); nil when the target or its account does not exist.
func (s *Service) targetOwner(ctx context.Context, t steward.Target) (*steward.Account, error) {
	id, _, err := s.targetAccount(ctx, t)
	if err != nil || id == "" {
		return nil, err
	}
	acc, err := s.store.AccountByID(ctx, id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil
	}
	return acc, err
}

// UnassignApp removes an assignment the actor sees. Devices it targeted
// that no other assignment still reaches and that have the app (installed
// or on its way) get an uninstall_app command; their deployment is
// `removing` until the device reports, then `uninstalled`. EFORBIDDEN,
// ENOTFOUND.
func (s *Service) UnassignApp(ctx context.Context, appID, assignmentID string) error {
	a, app, _, err := s.reachApp(ctx, appID)
	if err != nil {
		return err
	}
	if err := canWrite(a); err != nil {
		return err
	}
	visible, err := s.visibleAssignments(ctx, a, app.ID)
	if err != nil {
		return err
	}
	var as *steward.AppAssignment
	for _, x := range visible {
		if x.ID == assignmentID {
			as = x
		}
	}
	if as == nil {
		return steward.Errorf(steward.ENOTFOUND, "Assignment %q not found.", assignmentID)
	}
	var queued []*steward.Command
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteAssignment(ctx, as.ID); err != nil {
			return err
		}
		if queued, err = s.uninstallUnassigned(ctx, app, as); err != nil {
			return err
		}
		return s.record(ctx, app.AccountID, "app.unassign", "app", app.ID, map[string]any{"assignment_id": as.ID,
			"account_id": as.AccountID, "folder_id": as.FolderID, "group_id": as.GroupID, "device_id": as.DeviceID,
			"mode": as.Mode, "commands": len(queued)})
	})
	if err != nil {
		return err
	}
	s.queuedCommands(ctx, queued)
	return nil
}

// uninstallUnassigned queues uninstall_app on the devices a removed
// assignment targeted that are no longer assigned the app and have it.
func (s *Service) uninstallUnassigned(ctx context.Context, app *steward.StoreApp, as *steward.AppAssignment) ([]*steward.Command, error) {
	devices, err := s.targets(ctx, as)
	if err != nil || len(devices) == 0 {
		return nil, err
	}
	remaining, err := s.store.ListAssignments(ctx, app.ID)
	if err != nil {
		return nil, err
	}
	deployments, err := s.store.ListDeployments(ctx, app.ID, "/")
	if err != nil {
		return nil, err
	}
	current := currentDeployments(deployments)
	payload, err := json.Marshal(protocol.AppPayload{Package: app.Package})
	if err != nil {
		return nil, err
	}
	if err := validatePayload(steward.CmdUninstallApp, payload); err != nil {
		return nil, err
	}
	now := s.now()
	var cmds []*steward.Command
	for _, d := range devices {
		dep := current[d.ID]
		if dep == nil || (dep.Status != steward.DeployInstalled && dep.Status != steward.DeployQueued) {
			continue
		}
		m, err := s.store.DeviceMembership(ctx, d.ID)
		if err != nil {
			return nil, err
		}
		if covers(remaining, m) {
			continue
		}
		c := &steward.Command{ID: steward.NewID(now), DeviceID: d.ID, AccountID: d.AccountID, Type: steward.CmdUninstallApp,
			Payload: payload, Status: steward.CommandQueued, CreatedAt: now, ExpiresAt: now.Add(CommandTTL)}
		if a := steward.ActorFromContext(ctx); a != nil {
			c.IssuedBy, c.IssuedByEmail = a.ManagerID, a.Email
		}
		cmds = append(cmds, c)
		dep.Status, dep.CommandID, dep.Output, dep.UpdatedAt = steward.DeployRemoving, c.ID, "", now
	}
	if len(cmds) == 0 {
		return nil, nil
	}
	if err := s.store.InsertCommands(ctx, cmds); err != nil {
		return nil, err
	}
	for _, c := range cmds {
		if err := s.store.PutDeployment(ctx, current[c.DeviceID]); err != nil {
			return nil, err
		}
	}
	return cmds, nil
}

// currentDeployments picks each device's newest deployment (version IDs
// sort by upload time).
func currentDeployments(ds []*steward.AppDeployment) map[string]*steward.AppDeployment {
	out := map[string]*steward.AppDeployment{}
	for _, d := range ds {
		if cur := out[d.DeviceID]; cur == nil || d.VersionID > cur.VersionID {
			out[d.DeviceID] = d
		}
	}
	return out
}

// AppDeployments is an app's deployment history on the devices of the
// actor's subtree, per version × device, with the number of devices in
// each status of their newest deployment.
type AppDeployments struct {
	Items  []*steward.AppDeployment         `json:"items"`
	Counts map[steward.DeploymentStatus]int `json:"counts"`
}

// ListAppDeployments returns an app's deployments on the actor's devices.
// ENOTFOUND.
func (s *Service) ListAppDeployments(ctx context.Context, appID string) (*AppDeployments, error) {
	a, app, _, err := s.reachApp(ctx, appID)
	if err != nil {
		return nil, err
	}
	ds, err := s.store.ListDeployments(ctx, app.ID, a.AccountPath)
	if err != nil {
		return nil, err
	}
	out := &AppDeployments{Items: ds, Counts: map[steward.DeploymentStatus]int{}}
	if out.Items == nil {
		out.Items = []*steward.AppDeployment{}
	}
	for _, d := range currentDeployments(ds) {
		out.Counts[d.Status]++
	}
	return out, nil
}

// AppDownload opens a version's APK for a device: only a clean version of
// an app assigned to the device (to it, its folder, one of its groups, or
// its account or one above). Anything else is ENOTFOUND, so a device
// learns nothing about versions it may not have. The caller closes the blob.
func (s *Service) AppDownload(ctx context.Context, dev *Device, versionID string) (steward.Blob, *steward.AppVersion, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself; checked below
	hidden := steward.Errorf(steward.ENOTFOUND, "App version %q not found.", versionID)
	if s.opts.Blobs == nil {
		return nil, nil, hidden
	}
	v, err := s.store.AppVersionByID(ctx, versionID)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	if v.Status != steward.VersionClean || v.BlobKey == "" {
		return nil, nil, hidden
	}
	app, err := s.store.AppByID(ctx, v.AppID)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	owner, err := s.store.AccountByID(ctx, app.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if !strings.HasPrefix(dev.AccountPath, owner.Path) {
		return nil, nil, hidden
	}
	m, err := s.store.DeviceMembership(ctx, dev.ID)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	assignments, err := s.store.ListAssignments(ctx, app.ID)
	if err != nil {
		return nil, nil, err
	}
	if !covers(assignments, m) {
		return nil, nil, hidden
	}
	b, err := s.opts.Blobs.Open(ctx, v.BlobKey)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, nil, hidden
	} else if err != nil {
		return nil, nil, err
	}
	return b, v, nil
}
