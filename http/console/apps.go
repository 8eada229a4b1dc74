package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/service"
)

// The private app store's pages. Uploads go straight to the admin API
// (POST /api/v1/apps) from the page's script, with the session cookie and
// the CSRF token, so the file streams to storage with a real progress bar
// instead of passing through a console form.

// appRow is an app in the list (with its newest version, Latest, from the
// same query) and its owner's name.
type appRow struct {
	*steward.StoreApp
	OwnerName string
}

// appsView is the data of the apps list.
type appsView struct {
	Rows []appRow
	// Accounts are the accounts an upload may go to; nil when only the
	// actor's own (the form then leaves the choice out).
	Accounts []accountRow
}

func (c *Console) apps(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	apps, err := c.svc.ListApps(ctx)
	if err != nil {
		return nil, err
	}
	var v appsView
	var owners []string
	for _, a := range apps {
		owners = append(owners, a.AccountID)
	}
	names := c.accountNames(ctx, owners...)
	for _, a := range apps {
		v.Rows = append(v.Rows, appRow{StoreApp: a, OwnerName: names[a.AccountID]})
	}
	if p.CanWrite() {
		accs, err := c.svc.Accounts(ctx, steward.AccountFilter{Limit: treePage})
		if err != nil {
			return nil, err
		}
		if len(accs) > 1 {
			for _, a := range accs {
				v.Accounts = append(v.Accounts, accountRow{Account: a, Depth: depthBelow(p.Actor, a)})
			}
		}
	}
	p.Title, p.Nav, p.Data = "Apps", "apps", v
	return render("apps")
}

// appView is the data of an app's page.
type appView struct {
	*service.AppDetail
	OwnerName    string
	Owned        bool // the actor's subtree owns it: it may delete it
	Deployments  *service.AppDeployments
	Counts       []deployCount
	Accounts     []accountRow         // the accounts an assignment may target
	Devices      map[string]string    // deployment device ID → name
	VersionNames map[string]string    // version ID → version name and code, for the history
	Current      *steward.AppVersion  // the newest clean version, if any
	Assigned     []*assignmentRowView // assignments with their target names
	// ChooseTargets: the actor is in a client account, whose Folders and
	// Groups the assign form lists; other actors type a folder's or
	// group's ID (from the folders and groups page).
	ChooseTargets bool
	Folders       []*steward.Folder
	Groups        []*steward.Group
}

// assignmentRowView is an assignment with what it targets, named.
type assignmentRowView struct {
	*steward.AppAssignment
	Kind, Name string // "account", "folder", "group" or "device", and its name
}

// deployCount is the number of devices in one deployment status.
type deployCount struct {
	Status steward.DeploymentStatus
	N      int
}

func (c *Console) appPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.appView(r, p, r.PathValue("app"))
}

// againApp renders the path's app again after a refused form.
func (c *Console) againApp(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	return c.appView(r, p, r.PathValue("app"))
}

func (c *Console) appView(r *http.Request, p *page, id string) (*response, error) {
	ctx := r.Context()
	d, err := c.svc.GetApp(ctx, id)
	if err != nil {
		return nil, err
	}
	v := appView{AppDetail: d, Devices: map[string]string{}, VersionNames: map[string]string{}}
	if v.Deployments, err = c.svc.ListAppDeployments(ctx, d.ID); err != nil {
		return nil, err
	}
	for _, s := range []steward.DeploymentStatus{steward.DeployQueued, steward.DeployInstalled, steward.DeployFailed,
		steward.DeployRemoving, steward.DeployUninstalled} {
		v.Counts = append(v.Counts, deployCount{Status: s, N: v.Deployments.Counts[s]})
	}
	for _, ver := range d.Versions {
		v.VersionNames[ver.ID] = ver.VersionName + " (" + formatCredits(ver.VersionCode) + ")"
		if v.Current == nil && ver.Status == steward.VersionClean {
			v.Current = ver
		}
	}
	names := c.accountNames(ctx, d.AccountID)
	v.OwnerName = names[d.AccountID]
	if owner, err := c.svc.Account(ctx, d.AccountID); err == nil { // an account above the actor's is out of reach
		v.Owned = p.Actor.Reaches(owner.Path)
	}
	for _, as := range d.Assignments {
		row := &assignmentRowView{AppAssignment: as, Kind: string(as.Target().Kind), Name: as.TargetName}
		switch {
		case as.DeviceID != "":
			row.Name = c.deviceName(r, as.DeviceID)
		case as.AccountID != "":
			row.Name = c.accountNames(ctx, as.AccountID)[as.AccountID]
		}
		v.Assigned = append(v.Assigned, row)
	}
	for _, dep := range v.Deployments.Items {
		if _, ok := v.Devices[dep.DeviceID]; !ok {
			v.Devices[dep.DeviceID] = c.deviceName(r, dep.DeviceID)
		}
	}
	if p.CanWrite() {
		accs, err := c.svc.Accounts(ctx, steward.AccountFilter{Limit: treePage})
		if err != nil {
			return nil, err
		}
		for _, a := range accs {
			v.Accounts = append(v.Accounts, accountRow{Account: a, Depth: depthBelow(p.Actor, a)})
		}
		if p.Actor.AccountKind == steward.AccountClient {
			v.ChooseTargets = true
			if v.Folders, err = c.svc.Folders(ctx, p.Actor.AccountID); err != nil {
				return nil, err
			}
			if v.Groups, err = c.svc.Groups(ctx, p.Actor.AccountID); err != nil {
				return nil, err
			}
		}
	}
	p.Title, p.Nav, p.Data = d.Name, "apps", v
	return render("app")
}

// deviceName names a device for display: its name and support ID, or its
// ID when the actor cannot read it.
func (c *Console) deviceName(r *http.Request, id string) string {
	d, err := c.svc.Device(r.Context(), id)
	if err != nil {
		return id
	}
	if d.Name == "" {
		return d.SupportID
	}
	return d.Name + " (" + d.SupportID + ")"
}

// assignFields maps the service's fields to the assign form's inputs.
var assignFields = map[string]string{"account_id": "target", "folder_id": "target", "group_id": "target", "device_id": "target"}

// assignApp assigns the app to an account of the list, or a folder, group
// or device typed by its ID.
func (c *Console) assignApp(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	f := r.PostForm
	in := service.AppAssign{Mode: steward.AssignMode(f.Get("mode"))}
	switch f.Get("target") {
	case "device":
		in.DeviceID = strings.TrimSpace(f.Get("device_id"))
	case "folder":
		in.FolderID = strings.TrimSpace(f.Get("folder_id"))
	case "group":
		in.GroupID = strings.TrimSpace(f.Get("group_id"))
	default:
		in.AccountID = f.Get("account_id")
	}
	id := r.PathValue("app")
	if _, err := c.svc.GetApp(r.Context(), id); err != nil {
		return nil, err // the app itself is out of reach: 404
	}
	if _, err := c.svc.AssignApp(r.Context(), id, in); err != nil {
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			// An ID typed into the form that names nothing in reach.
			err = &steward.Error{Code: steward.EINVALID, Field: "target", Message: steward.ErrorMessage(err) + " Check the ID."}
		}
		return refused(w, r, p, "assign", asFormError(err, assignFields), c.againApp)
	}
	msg := "The app is assigned."
	if in.Mode == steward.AssignRequired {
		msg = "The app is assigned as required: its newest clean version is queued for the devices it targets."
	}
	return redirect(appURL(id)+"#assignments", msg)
}

// unassignApp removes one assignment.
func (c *Console) unassignApp(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	id := r.PathValue("app")
	if err := c.svc.UnassignApp(r.Context(), id, r.PathValue("assignment")); err != nil {
		return nil, err
	}
	return redirect(appURL(id)+"#assignments", "The assignment is removed; devices it alone reached uninstall the app.")
}

// rescanVersion puts a quarantined version back in the scan queue.
func (c *Console) rescanVersion(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	id := r.PathValue("app")
	v, err := c.svc.RescanAppVersion(r.Context(), id, r.PathValue("version"))
	if err != nil {
		return nil, err
	}
	return redirect(appURL(id)+"#version-"+v.ID, "The version is back in the scan queue: the next scan run, within seconds, scans it.")
}

// deleteAppPage asks for the package name before deleting an app.
func (c *Console) deleteAppPage(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	d, err := c.svc.GetApp(r.Context(), r.PathValue("app"))
	if err != nil {
		return nil, err
	}
	p.Title, p.Nav, p.Data = "Delete "+d.Name, "apps", d
	return render("app_delete")
}

// deleteApp deletes an app once its package name is typed.
func (c *Console) deleteApp(w http.ResponseWriter, r *http.Request, p *page) (*response, error) {
	ctx := r.Context()
	d, err := c.svc.GetApp(ctx, r.PathValue("app"))
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(r.PostFormValue("confirm_package")) != d.Package {
		return refused(w, r, p, "delete-app", steward.FieldErrorf("confirm_package", "Type the package name, %s, to confirm.", d.Package),
			c.deleteAppPage)
	}
	if err := c.svc.DeleteApp(ctx, d.ID); err != nil {
		return nil, err
	}
	return redirect("/console/apps", d.Name+" is deleted, with its APK files.")
}

func appURL(id string) string { return "/console/apps/" + url.PathEscape(id) }

// isDangerous reports whether a permission is among an APK's dangerous ones.
func isDangerous(info *steward.APKInfo, perm string) bool {
	return info != nil && slices.Contains(info.Dangerous, perm)
}
