package service_test

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/blobstore"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// fakeScanner is a test-only VirusScanner: a stream containing EICAR is infected.
type fakeScanner struct{}

func (fakeScanner) Scan(_ context.Context, r io.Reader) (steward.ScanResult, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return steward.ScanResult{}, err
	}
	if strings.Contains(string(b), "EICAR") {
		return steward.ScanResult{Verdict: steward.ScanInfected, Signature: "Eicar-Test-Signature", Engine: "fake"}, nil
	}
	return steward.ScanResult{Verdict: steward.ScanClean, Engine: "fake"}, nil
}

type appEnv struct {
	*env
	blobs *blobstore.Bucket
	dir   string
}

func runApps(t *testing.T, fn func(t *testing.T, e *appEnv)) {
	dir := t.TempDir()
	blobs, err := blobstore.OpenDir(dir)
	must(t, err)
	runWith(t, service.Options{Inspector: testutil.TextInspector{}, Scanner: fakeScanner{}, Blobs: blobs}, func(t *testing.T, e *env) {
		fn(t, &appEnv{env: e, blobs: blobs, dir: dir})
	})
}

// blobCount counts the files in blob storage under the account's folder.
func (e *appEnv) blobCount(t *testing.T, acc *steward.Account) int {
	entries, err := os.ReadDir(e.dir + "/apps/" + acc.ID)
	if os.IsNotExist(err) {
		return 0
	}
	must(t, err)
	n := 0
	for _, x := range entries {
		if !strings.HasSuffix(x.Name(), ".attrs") {
			n++
		}
	}
	return n
}

func (e *appEnv) scan(t *testing.T) {
	t.Helper()
	_, err := e.svc.ScanApps(e.ctx)
	must(t, err)
}

func (e *appEnv) upload(t *testing.T, m *member, acc *steward.Account, body, override string) (*steward.AppVersion, error) {
	e.tick()
	return e.svc.UploadApp(m.ctx, service.AppUpload{AccountID: acc.ID, Body: strings.NewReader(body), SignerOverride: override})
}

func (e *appEnv) version(t *testing.T, id string) *steward.AppVersion {
	v, err := e.db.AppVersionByID(e.ctx, id)
	must(t, err)
	return v
}

func TestAppUploadRejected(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		for _, body := range []string{"random bytes", "com.example.app 1 key1 debuggable"} {
			_, err := e.upload(t, w.c1, w.C1, body, "")
			wantCode(t, err, steward.EINVALID)
		}
		diff(t, "blobs after rejected uploads", e.blobCount(t, w.C1), 0)
		evs := e.events(t, "app.upload_rejected")
		diff(t, "security events", len(evs), 2)
		if evs[0].Email != "owner@c-one.test" || evs[0].IP == "" || !strings.Contains(string(evs[0].Detail), "reasons") {
			t.Errorf("security event lacks the uploader, address or reasons: %+v", evs[0])
		}
		apps, err := e.db.ListApps(e.ctx, "/", nil)
		must(t, err)
		diff(t, "apps after rejected uploads", len(apps), 0)
	})
}

func TestAppQuarantineAndScan(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		v1, err := e.upload(t, w.c1, w.C1, "com.example.app 1 key1", "")
		must(t, err)
		diff(t, "status after upload", v1.Status, steward.VersionQuarantined)
		e.scan(t)
		diff(t, "status after scan", e.version(t, v1.ID).Status, steward.VersionClean)

		// Infected: rejected, blob deleted, security event.
		bad, err := e.upload(t, w.c1, w.C1, "com.example.app 2 key1 EICAR", "")
		must(t, err)
		e.scan(t)
		got := e.version(t, bad.ID)
		diff(t, "infected status", got.Status, steward.VersionRejected)
		if len(got.Reasons) == 0 || !strings.Contains(got.Reasons[0], "Eicar") {
			t.Errorf("reasons = %q, want the signature", got.Reasons)
		}
		diff(t, "blobs after the infected upload", e.blobCount(t, w.C1), 1)
		diff(t, "rejection events", len(e.events(t, "app.version_rejected")), 1)

		// The version code must increase.
		same, err := e.upload(t, w.c1, w.C1, "com.example.app 1 key1", "")
		must(t, err)
		// A new signer is refused unless overridden with a reason.
		signer, err := e.upload(t, w.c1, w.C1, "com.example.app 3 key2", "")
		must(t, err)
		overridden, err := e.upload(t, w.c1, w.C1, "com.example.app 4 key2", "key rotated in 2025, ticket 42")
		must(t, err)
		e.scan(t)
		diff(t, "same version code", e.version(t, same.ID).Status, steward.VersionRejected)
		diff(t, "new signer", e.version(t, signer.ID).Status, steward.VersionRejected)
		diff(t, "new signer with a reason", e.version(t, overridden.ID).Status, steward.VersionClean)
	})
}

func TestAppAssignAndDelete(t *testing.T) {
	runApps(t, func(t *testing.T, e *appEnv) {
		w := e.world(t)
		inC1 := e.device(t, w.C1, "a")
		inC2 := e.device(t, w.C2, "b")
		v, err := e.upload(t, w.c1, w.C1, "com.example.app 1 key1", "")
		must(t, err)

		// Assigned before the version is clean: nothing is queued yet.
		_, err = e.svc.AssignApp(w.c1.ctx, v.AppID, service.AppAssign{AccountID: w.C1.ID, Mode: steward.AssignRequired})
		must(t, err)
		cmds, err := e.db.ListCommands(e.ctx, "/", steward.CommandFilter{})
		must(t, err)
		diff(t, "commands before the scan", len(cmds), 0)
		// Another client's device is out of reach.
		_, err = e.svc.AssignApp(w.c1.ctx, v.AppID, service.AppAssign{DeviceID: inC2.ID, Mode: steward.AssignRequired})
		wantCode(t, err, steward.ENOTFOUND)

		e.scan(t)
		cmds, err = e.db.ListCommands(e.ctx, "/", steward.CommandFilter{})
		must(t, err)
		if len(cmds) != 1 || cmds[0].DeviceID != inC1.ID || cmds[0].Type != steward.CmdInstallApp {
			t.Fatalf("commands after the scan = %+v, want one install_app for the client's device", cmds)
		}
		var p protocol.AppPayload
		must(t, json.Unmarshal(cmds[0].Payload, &p))
		if p.SHA256 != v.SHA256 || !strings.HasSuffix(p.URL, "/device/v1/apps/"+v.ID+"/download") {
			t.Errorf("payload = %+v", p)
		}
		// The device reports the install: the deployment follows.
		dev := &service.Device{ID: inC1.ID, AccountID: inC1.AccountID, AccountPath: w.C1.Path}
		must(t, e.svc.CommandResult(e.ctx, dev, cmds[0].ID, &protocol.CommandResult{Status: protocol.ResultSucceeded}))
		deps, err := e.db.ListDeployments(e.ctx, v.AppID, "/")
		must(t, err)
		if len(deps) != 1 || deps[0].Status != steward.DeployInstalled {
			t.Errorf("deployments = %+v, want one installed", deps)
		}

		// Deleting the app deletes its blobs at once.
		wantCode(t, e.svc.DeleteApp(w.c2.ctx, v.AppID), steward.ENOTFOUND)
		must(t, e.svc.DeleteApp(w.c1.ctx, v.AppID))
		diff(t, "blobs after delete", e.blobCount(t, w.C1), 0)
		_, err = e.db.AppByID(e.ctx, v.AppID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestAppUploadTooLarge: an upload over the size limit is refused and
// recorded as a security event with the uploader, address and the size
// seen, whether it is cut off while streaming or announced too large.
func TestAppUploadTooLarge(t *testing.T) {
	runStore(t, testutil.TextInspector{}, 64, func() steward.VirusScanner { return fakeScanner{} }, func(t *testing.T, e *realEnv) {
		w := e.world(t)
		body := "com.example.big 1 key1\n" + strings.Repeat("x", 100)
		_, err := e.svc.UploadApp(w.c1.ctx, service.AppUpload{AccountID: w.C1.ID, Body: strings.NewReader(body)})
		wantCode(t, err, steward.ETOOLARGE)
		announced := &countingReader{r: strings.NewReader(body)}
		_, err = e.svc.UploadApp(w.c1.ctx, service.AppUpload{AccountID: w.C1.ID, Body: announced, Declared: int64(len(body))})
		wantCode(t, err, steward.ETOOLARGE)
		diff(t, "bytes read of an upload announced too large", announced.n, 0)
		// Within the limit, the announced size changes nothing.
		_, err = e.svc.UploadApp(w.c1.ctx, service.AppUpload{AccountID: w.C1.ID, Body: strings.NewReader("com.example.ok 1"), Declared: 16})
		must(t, err)

		evs := e.events(t, "app.upload_rejected")
		if len(evs) != 2 {
			t.Fatalf("%d security events, want 2", len(evs))
		}
		var details []map[string]any
		for _, ev := range evs {
			if ev.Email != "owner@c-one.test" || ev.IP != w.c1.ip || ev.AccountID != w.C1.ID {
				t.Errorf("security event %+v, want the uploader, address and account", ev)
			}
			var d map[string]any
			must(t, json.Unmarshal(ev.Detail, &d))
			details = append(details, d)
		}
		// Newest first: the announced one, then the one cut off.
		diff(t, "detail of the announced upload", details[0], map[string]any{"reasons": []any{"An APK has at most 0 MiB."},
			"size_seen": 0.0, "size_declared": float64(len(body)), "limit": 64.0})
		diff(t, "detail of the upload cut off", details[1], map[string]any{"reasons": []any{"An APK has at most 0 MiB."},
			"size_seen": 65.0, "limit": 64.0})
		diff(t, "blobs: the upload within the limit's", e.blobCount(t, w.C1), 1)
	})
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}
