package storetest

import (
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// app inserts an app of pkg owned by account.
func (f *fixture) app(t *testing.T, account *steward.Account, pkg string, shared bool) *steward.StoreApp {
	t.Helper()
	now := f.now()
	a := &steward.StoreApp{ID: steward.NewID(now), AccountID: account.ID, Package: pkg, Name: pkg, Shared: shared,
		CreatedBy: "admin@example.com", CreatedAt: now, UpdatedAt: now}
	ok(t, f.db.InsertApp(f.ctx, a))
	return a
}

// version inserts a quarantined version of app.
func (f *fixture) version(t *testing.T, app *steward.StoreApp, code int64) *steward.AppVersion {
	t.Helper()
	now := f.now()
	v := &steward.AppVersion{ID: steward.NewID(now), AppID: app.ID, VersionCode: code, VersionName: "1.0",
		SHA256: "ab12", Size: 1234, BlobKey: "apps/" + app.ID + "/x.apk", Status: steward.VersionQuarantined,
		UploadedBy: "m1", UploadedByEmail: "admin@example.com", UploadedFrom: "192.0.2.7", UploadedAt: now}
	ok(t, f.db.InsertAppVersion(f.ctx, v))
	return v
}

func appVersionIDs(vs []*steward.AppVersion) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = v.ID
	}
	return out
}

func appIDs(as []*steward.StoreApp) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

func testApps(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	reseller := f.account(t, root, steward.AccountReseller, "Reseller")
	client := f.account(t, reseller, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")

	shared := f.app(t, reseller, "com.example.shared", true)
	private := f.app(t, reseller, "com.example.private", false)
	own := f.app(t, client, "com.example.own", false)
	f.app(t, other, "com.example.other", true)

	wantCode(t, f.db.InsertApp(f.ctx, &steward.StoreApp{ID: f.id(), AccountID: client.ID, Package: "com.example.own",
		CreatedAt: f.now(), UpdatedAt: f.now()}), steward.ECONFLICT)

	got, err := f.db.AppByPackage(f.ctx, client.ID, "com.example.own")
	ok(t, err)
	diff(t, "by package", got, own)
	_, err = f.db.AppByPackage(f.ctx, reseller.ID, "com.example.own")
	wantCode(t, err, steward.ENOTFOUND)

	// The client sees its own apps and the shared ones above it, not the
	// reseller's private app nor a sibling's shared one.
	list, err := f.db.ListApps(f.ctx, client.Path, []string{root.ID, reseller.ID})
	ok(t, err)
	diff(t, "client's apps", appIDs(list), []string{own.ID, shared.ID})
	list, err = f.db.ListApps(f.ctx, reseller.Path, []string{root.ID})
	ok(t, err)
	diff(t, "reseller's apps", appIDs(list), []string{own.ID, private.ID, shared.ID})
	for _, a := range list {
		if a.Latest != nil {
			t.Errorf("%s has no version but lists Latest %+v", a.Package, a.Latest)
		}
	}

	// Each app comes with its newest upload, whatever its version code or
	// status.
	f.version(t, shared, 7)
	newest := f.version(t, shared, 5)
	at := f.now()
	newest.Status, newest.ScannedAt = steward.VersionRejected, &at
	ok(t, f.db.UpdateAppVersion(f.ctx, newest))
	ownV := f.version(t, own, 1)
	list, err = f.db.ListApps(f.ctx, reseller.Path, []string{root.ID})
	ok(t, err)
	latest := map[string]*steward.AppVersion{}
	for _, a := range list {
		latest[a.Package] = a.Latest
	}
	summary := func(v *steward.AppVersion) *steward.AppVersion {
		return &steward.AppVersion{ID: v.ID, AppID: v.AppID, VersionCode: v.VersionCode, VersionName: v.VersionName, SHA256: v.SHA256,
			Size: v.Size, Status: v.Status, UploadedAt: v.UploadedAt, ScannedAt: v.ScannedAt}
	}
	diff(t, "newest versions", latest, map[string]*steward.AppVersion{"com.example.own": summary(ownV),
		"com.example.private": nil, "com.example.shared": summary(newest)})

	shared.Shared, shared.Name, shared.UpdatedAt = false, "Renamed", f.now()
	ok(t, f.db.UpdateApp(f.ctx, shared))
	got, err = f.db.AppByID(f.ctx, shared.ID)
	ok(t, err)
	diff(t, "updated", got, shared)
	list, err = f.db.ListApps(f.ctx, client.Path, []string{root.ID, reseller.ID})
	ok(t, err)
	diff(t, "client's apps after unsharing", appIDs(list), []string{own.ID})

	// Deleting an app deletes its versions, assignments and deployments.
	v := f.version(t, own, 3)
	d := f.device(t, client, nil)
	ok(t, f.db.PutAssignment(f.ctx, &steward.AppAssignment{ID: f.id(), AppID: own.ID, DeviceID: d.ID, Mode: steward.AssignRequired, CreatedAt: f.now()}))
	ok(t, f.db.PutDeployment(f.ctx, &steward.AppDeployment{VersionID: v.ID, DeviceID: d.ID, AppID: own.ID, Status: steward.DeployQueued,
		CommandID: "c1", CreatedAt: f.now(), UpdatedAt: f.now()}))
	ok(t, f.db.DeleteApp(f.ctx, own.ID))
	wantCode(t, f.db.DeleteApp(f.ctx, own.ID), steward.ENOTFOUND)
	_, err = f.db.AppVersionByID(f.ctx, v.ID)
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.DeploymentByCommand(f.ctx, "c1")
	wantCode(t, err, steward.ENOTFOUND)
	as, err := f.db.ListAssignments(f.ctx, own.ID)
	ok(t, err)
	diff(t, "assignments after delete", len(as), 0)
}

func testAppVersions(t *testing.T, f *fixture) {
	acc := f.account(t, nil, steward.AccountClient, "Client")
	app := f.app(t, acc, "com.example.app", false)
	v1 := f.version(t, app, 1)
	v2 := f.version(t, app, 2)

	q, err := f.db.QuarantinedVersions(f.ctx, f.now(), 10)
	ok(t, err)
	diff(t, "quarantined, oldest first", []string{q[0].ID, q[1].ID}, []string{v1.ID, v2.ID})

	// A failed try puts a version off until its next try is due.
	retry := f.now().Add(time.Minute)
	v2.ScanAttempts, v2.NextScanAt = 3, &retry
	ok(t, f.db.UpdateAppVersion(f.ctx, v2))
	got, err := f.db.AppVersionByID(f.ctx, v2.ID)
	ok(t, err)
	diff(t, "version after a failed try", got, v2)
	q, err = f.db.QuarantinedVersions(f.ctx, retry.Add(-time.Millisecond), 10)
	ok(t, err)
	diff(t, "quarantined before the retry is due", appVersionIDs(q), []string{v1.ID})
	q, err = f.db.QuarantinedVersions(f.ctx, retry, 10)
	ok(t, err)
	diff(t, "quarantined once the retry is due", appVersionIDs(q), []string{v1.ID, v2.ID})

	at := f.now()
	v1.Status, v1.BlobKey, v1.ScannedAt = steward.VersionClean, "", &at
	v1.Info = &steward.APKInfo{Package: "com.example.app", VersionCode: 1, Permissions: []string{"android.permission.CAMERA"},
		Dangerous: []string{"android.permission.CAMERA"}, Schemes: []string{"v2"},
		Signers: []steward.APKSigner{{CertSHA256: "cafe", Subject: "CN=Example", NotBefore: at, NotAfter: at}}}
	v1.Findings = []steward.APKFinding{{Code: "dangerous_permission", Message: "CAMERA"}}
	v1.Reasons = []string{"why not"}
	v1.Scan = &steward.ScanResult{Verdict: steward.ScanClean, Engine: "test"}
	v1.SignerOverride = "new key after the 2025 rotation"
	ok(t, f.db.UpdateAppVersion(f.ctx, v1))
	got, err = f.db.AppVersionByID(f.ctx, v1.ID)
	ok(t, err)
	diff(t, "updated version", got, v1)

	// A version scanned but left quarantined (unscannable) is not picked again.
	v2.ScannedAt, v2.NextScanAt = &at, nil
	ok(t, f.db.UpdateAppVersion(f.ctx, v2))
	q, err = f.db.QuarantinedVersions(f.ctx, f.now(), 10)
	ok(t, err)
	diff(t, "quarantined after the scans", len(q), 0)
	list, err := f.db.ListAppVersions(f.ctx, app.ID)
	ok(t, err)
	diff(t, "versions, newest first", []string{list[0].ID, list[1].ID}, []string{v2.ID, v1.ID})
	wantCode(t, f.db.UpdateAppVersion(f.ctx, &steward.AppVersion{ID: "missing"}), steward.ENOTFOUND)
}

func testAppAssignments(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountReseller, "Reseller")
	client := f.account(t, root, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")
	app := f.app(t, root, "com.example.app", true)
	second := f.app(t, root, "com.example.second", true)
	inClient := f.device(t, client, nil)
	inOther := f.device(t, other, nil)
	folder := f.folder(t, client, "Warehouse")
	group := f.group(t, client, "Drivers", 0)
	otherGroup := f.group(t, client, "Office", 0)
	ok(t, f.db.SetDevicesFolder(f.ctx, []string{inClient.ID}, folder.ID, f.now()))
	ok(t, f.db.AddDevicesToGroup(f.ctx, group.ID, []string{inClient.ID}))

	assign := func(app *steward.StoreApp, change func(a *steward.AppAssignment)) *steward.AppAssignment {
		t.Helper()
		a := &steward.AppAssignment{ID: f.id(), AppID: app.ID, Mode: steward.AssignAvailable, AssignedBy: "m1", CreatedAt: f.now()}
		change(a)
		ok(t, f.db.PutAssignment(f.ctx, a))
		return a
	}
	byAccount := assign(app, func(a *steward.AppAssignment) { a.AccountID = client.ID })
	// Assigning the same target again changes the mode, not the count.
	again := *byAccount
	again.ID, again.Mode = f.id(), steward.AssignRequired
	ok(t, f.db.PutAssignment(f.ctx, &again))
	byAccount.Mode = steward.AssignRequired
	byDevice := assign(app, func(a *steward.AppAssignment) { a.DeviceID, a.Mode = inOther.ID, steward.AssignRequired })
	byFolder := assign(app, func(a *steward.AppAssignment) { a.FolderID = folder.ID })
	byGroup := assign(app, func(a *steward.AppAssignment) { a.GroupID = group.ID })
	folderAgain := *byFolder
	folderAgain.ID, folderAgain.Mode = f.id(), steward.AssignRequired
	ok(t, f.db.PutAssignment(f.ctx, &folderAgain))
	byFolder.Mode = steward.AssignRequired
	byRoot := assign(second, func(a *steward.AppAssignment) { a.AccountID = root.ID })
	byOtherGroup := assign(second, func(a *steward.AppAssignment) { a.GroupID = otherGroup.ID })
	list, err := f.db.ListAssignments(f.ctx, app.ID)
	ok(t, err)
	diff(t, "assignments", list, []*steward.AppAssignment{byAccount, byDevice, byFolder, byGroup})

	// No target, or two, is refused by the database itself.
	for name, a := range map[string]*steward.AppAssignment{
		"none": {ID: f.id(), AppID: second.ID, Mode: steward.AssignRequired, CreatedAt: f.now()},
		"two":  {ID: f.id(), AppID: second.ID, FolderID: folder.ID, GroupID: group.ID, Mode: steward.AssignRequired, CreatedAt: f.now()},
	} {
		if err := f.db.PutAssignment(f.ctx, a); err == nil {
			t.Errorf("an assignment with %s target was stored", name)
		}
	}

	// The assignments covering a device are exactly those whose target
	// Membership.Covers.
	all := []*steward.AppAssignment{byAccount, byDevice, byFolder, byGroup, byRoot, byOtherGroup}
	for _, d := range []*steward.Device{inClient, inOther} {
		m, err := f.db.DeviceMembership(f.ctx, d.ID)
		ok(t, err)
		var want []*steward.AppAssignment
		for _, a := range all {
			if m.Covers(a.Target()) {
				want = append(want, a)
			}
		}
		got, err := f.db.AssignmentsCovering(f.ctx, m)
		ok(t, err)
		diff(t, "assignments covering "+d.ID, got, want)
	}
	m, err := f.db.DeviceMembership(f.ctx, inClient.ID)
	ok(t, err)
	got, err := f.db.AssignmentsCovering(f.ctx, m)
	ok(t, err)
	diff(t, "assignments covering the client's device", got, []*steward.AppAssignment{byAccount, byFolder, byGroup, byRoot})

	ok(t, f.db.DeleteAssignment(f.ctx, byDevice.ID))
	wantCode(t, f.db.DeleteAssignment(f.ctx, byDevice.ID), steward.ENOTFOUND)
	// Deleting a folder or group deletes the assignments to it.
	ok(t, f.db.DeleteFolder(f.ctx, folder.ID))
	ok(t, f.db.DeleteGroup(f.ctx, group.ID))
	list, err = f.db.ListAssignments(f.ctx, app.ID)
	ok(t, err)
	diff(t, "assignments after the folder and group are deleted", list, []*steward.AppAssignment{byAccount})
}

func testAppDeployments(t *testing.T, f *fixture) {
	acc := f.account(t, nil, steward.AccountClient, "Client")
	app := f.app(t, acc, "com.example.app", false)
	v := f.version(t, app, 1)
	d := f.device(t, acc, nil)
	created := f.now()
	dep := &steward.AppDeployment{VersionID: v.ID, DeviceID: d.ID, AppID: app.ID, Status: steward.DeployQueued, CommandID: "c1",
		CreatedAt: created, UpdatedAt: created}
	ok(t, f.db.PutDeployment(f.ctx, dep))
	later := f.now()
	ok(t, f.db.PutDeployment(f.ctx, &steward.AppDeployment{VersionID: v.ID, DeviceID: d.ID, AppID: app.ID,
		Status: steward.DeployInstalled, CommandID: "c1", Output: "ok", CreatedAt: later, UpdatedAt: later}))
	got, err := f.db.DeploymentByCommand(f.ctx, "c1")
	ok(t, err)
	dep.Status, dep.Output, dep.UpdatedAt = steward.DeployInstalled, "ok", later
	diff(t, "deployment keeps its creation time", got, dep)
	list, err := f.db.ListDeployments(f.ctx, app.ID, acc.Path)
	ok(t, err)
	diff(t, "deployments", list, []*steward.AppDeployment{dep})
	other := f.account(t, nil, steward.AccountClient, "Other")
	list, err = f.db.ListDeployments(f.ctx, app.ID, other.Path)
	ok(t, err)
	diff(t, "deployments seen from another account", len(list), 0)

	// An update installs v2: the other installed versions of the app on
	// that device, and only those, are superseded.
	v2 := f.version(t, app, 2)
	otherApp := f.app(t, acc, "com.example.other", false)
	ov := f.version(t, otherApp, 1)
	d2 := f.device(t, acc, nil)
	put := func(v *steward.AppVersion, dev *steward.Device, status steward.DeploymentStatus) *steward.AppDeployment {
		t.Helper()
		at := f.now()
		x := &steward.AppDeployment{VersionID: v.ID, DeviceID: dev.ID, AppID: v.AppID, Status: status, CreatedAt: at, UpdatedAt: at}
		ok(t, f.db.PutDeployment(f.ctx, x))
		return x
	}
	newer := put(v2, d, steward.DeployInstalled)
	otherInstalled := put(ov, d, steward.DeployInstalled)
	elsewhere := put(v, d2, steward.DeployInstalled)
	at := f.now()
	ok(t, f.db.SupersedeDeployments(f.ctx, app.ID, d.ID, v2.ID, at))
	dep.Status, dep.UpdatedAt = steward.DeploySuperseded, at
	list, err = f.db.DeviceDeployments(f.ctx, d.ID)
	ok(t, err)
	want := []*steward.AppDeployment{newer, dep, otherInstalled}
	if app.ID > otherApp.ID {
		want = []*steward.AppDeployment{otherInstalled, newer, dep}
	}
	diff(t, "the device's deployments after the update", list, want)
	list, err = f.db.DeviceDeployments(f.ctx, d2.ID)
	ok(t, err)
	diff(t, "another device's deployments", list, []*steward.AppDeployment{elsewhere})

	// Deleting the device deletes its deployments.
	ok(t, f.db.DeleteDevice(f.ctx, d.ID))
	list, err = f.db.DeviceDeployments(f.ctx, d.ID)
	ok(t, err)
	diff(t, "deployments after the device is deleted", len(list), 0)
}
