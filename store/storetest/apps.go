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
	inClient := f.device(t, client, nil)
	inOther := f.device(t, other, nil)

	byAccount := &steward.AppAssignment{ID: f.id(), AppID: app.ID, AccountID: client.ID, Mode: steward.AssignAvailable, CreatedAt: f.now()}
	ok(t, f.db.PutAssignment(f.ctx, byAccount))
	// Assigning the same target again changes the mode, not the count.
	again := *byAccount
	again.ID, again.Mode = f.id(), steward.AssignRequired
	ok(t, f.db.PutAssignment(f.ctx, &again))
	byDevice := &steward.AppAssignment{ID: f.id(), AppID: app.ID, DeviceID: inOther.ID, Mode: steward.AssignRequired, CreatedAt: f.now()}
	ok(t, f.db.PutAssignment(f.ctx, byDevice))
	list, err := f.db.ListAssignments(f.ctx, app.ID)
	ok(t, err)
	byAccount.Mode = steward.AssignRequired
	diff(t, "assignments", list, []*steward.AppAssignment{byAccount, byDevice})

	for _, c := range []struct {
		device *steward.Device
		path   string
		want   bool
	}{{inClient, client.Path, true}, {inOther, other.Path, true}} {
		got, err := f.db.DeviceAssigned(f.ctx, app.ID, c.device.ID, c.path)
		ok(t, err)
		diff(t, "assigned "+c.path, got, c.want)
	}
	ok(t, f.db.DeleteAssignment(f.ctx, byDevice.ID))
	wantCode(t, f.db.DeleteAssignment(f.ctx, byDevice.ID), steward.ENOTFOUND)
	got, err := f.db.DeviceAssigned(f.ctx, app.ID, inOther.ID, other.Path)
	ok(t, err)
	diff(t, "assigned after unassigning", got, false)
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
	// Deleting the device deletes its deployments.
	ok(t, f.db.DeleteDevice(f.ctx, d.ID))
	list, err = f.db.ListDeployments(f.ctx, app.ID, acc.Path)
	ok(t, err)
	diff(t, "deployments after the device is deleted", len(list), 0)
}
