package e2e

import (
	"bytes"
	"context"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/apk"
	"github.com/stewardmdm/steward/client"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/sim"
)

// TestAppStoreDeploysToSimulatedFleet: a reseller uploads a real APK
// through the admin API; the server parses it with the real inspector and
// the background scan job (no antivirus: static checks only) marks it
// clean; the reseller shares it and the client's manager assigns it
// required to its account; every simulated device downloads it from the
// device endpoint with its credential, checks its SHA-256, installs it and
// reports it, and the deployment history says every device has it.
func TestAppStoreDeploysToSimulatedFleet(t *testing.T) {
	const (
		n       = 20
		fixture = "androguard/examples/tests/com.politedroid_4.apk" // F-Droid's PoliteDroid, version code 4, v1-signed
		pkg     = "com.politedroid"
	)
	body, err := os.ReadFile(testutil.Fixture(t, fixture))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// The server must know its own address: it is in the download URLs.
	hs := httptest.NewUnstartedServer(nil)
	base := "http://" + hs.Listener.Addr().String()
	s, err := server.New(ctx, server.Config{DataDir: t.TempDir(), AdminEmail: adminEmail, AdminPassword: adminPassword, BaseURL: base,
		Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Logger: testutil.Logger(), Inspector: apk.New(apk.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	hs.Config.Handler = s.Handler
	hs.Start()
	defer hs.Close()
	// The background jobs, apps.scan among them, as Serve runs them.
	jctx, stopJobs := context.WithCancel(ctx)
	s.Scheduler.Start(jctx)
	defer func() { stopJobs(); s.Scheduler.Wait() }()

	login := func(email, password string) *client.Client {
		t.Helper()
		anon, err := client.New(base, "")
		if err != nil {
			t.Fatal(err)
		}
		tok, err := anon.PasswordToken(ctx, email, password, "e2e")
		if err != nil {
			t.Fatalf("token for %s: %v", email, err)
		}
		c, err := client.New(base, tok.Secret)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	admin := login(adminEmail, adminPassword)
	reseller, err := admin.CreateAccount(ctx, steward.AccountCreate{Name: "Store Reseller", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	customer, err := admin.CreateAccount(ctx, steward.AccountCreate{ParentID: reseller.ID, Name: "Store Client", Kind: steward.AccountClient})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range []steward.ManagerCreate{
		{AccountID: reseller.ID, Email: "rita@reseller.test", Name: "Rita", Role: steward.RoleOwner, Password: adminPassword},
		{AccountID: customer.ID, Email: "carl@client.test", Name: "Carl", Role: steward.RoleAdmin, Password: adminPassword},
	} {
		if _, err := admin.CreateManager(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	// A manager created with a password changes it before anything else.
	const managerPassword = "another-long-password-2"
	for _, email := range []string{"rita@reseller.test", "carl@client.test"} {
		res, err := s.Service.Login(ctx, steward.LoginRequest{Email: email, Password: adminPassword, IP: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		auth, err := s.Service.AuthenticateSession(ctx, res.Secret, "127.0.0.1", "test")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Service.ChangePassword(steward.NewContextWithActor(ctx, auth.Actor), adminPassword, managerPassword); err != nil {
			t.Fatal(err)
		}
	}
	rita, carl := login("rita@reseller.test", managerPassword), login("carl@client.test", managerPassword)

	v, err := rita.UploadApp(ctx, "", bytes.NewReader(body), "")
	if err != nil {
		t.Fatal(err)
	}
	if v.Status != steward.VersionQuarantined || v.Info == nil || v.Info.Package != pkg || v.VersionCode != 4 || v.Size != int64(len(body)) {
		t.Fatalf("upload: %+v, want a quarantined %s version 4 of %d bytes", v, pkg, len(body))
	}
	waitFor(t, ctx, "the scan job to mark the version clean", func() bool {
		d, err := rita.App(ctx, v.AppID)
		if err != nil {
			t.Fatal(err)
		}
		if st := d.Versions[0].Status; st == steward.VersionRejected {
			t.Fatalf("the version was rejected: %v", d.Versions[0].Reasons)
		}
		return d.Versions[0].Status == steward.VersionClean
	})
	d, err := rita.App(ctx, v.AppID)
	if err != nil {
		t.Fatal(err)
	}
	if sc := d.Versions[0].Scan; sc == nil || sc.Verdict != service.VerdictNotScanned {
		t.Errorf("scan result %+v, want %q (no antivirus configured)", sc, service.VerdictNotScanned)
	}

	code, err := admin.CreateActivationCode(ctx, client.ActivationCodeCreate{AccountID: customer.ID, Seats: n})
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := sim.New(sim.Options{Server: base, ActivationCode: code.Code, Devices: n, Seed: 5, PersonalShare: 0.2,
		UsePush: true, CommandDelay: func(string) time.Duration { return 10 * time.Millisecond },
		Logger: testutil.Logger(), Clock: sim.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	// The fleet is enrolled and listening before the app is assigned.
	if err := fleet.Enroll(ctx); err != nil {
		t.Fatal(err)
	}
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- fleet.Run(runCtx) }()
	defer func() { stop(); <-done }()

	waitFor(t, ctx, "every push socket", func() bool { return s.Service.ConnectedCount() == n })

	// The client sees the reseller's app only once it is shared.
	if _, err := carl.App(ctx, v.AppID); steward.ErrorCode(err) != steward.ENOTFOUND {
		t.Fatalf("the client's manager reads the unshared app: %v", err)
	}
	if _, err := rita.ShareApp(ctx, v.AppID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := carl.AssignApp(ctx, v.AppID, client.AppAssign{AccountID: customer.ID, Mode: steward.AssignRequired}); err != nil {
		t.Fatal(err)
	}

	var deps *client.AppDeployments
	waitFor(t, ctx, "every device to install the app", func() bool {
		deps, err = carl.AppDeployments(ctx, v.AppID)
		if err != nil {
			t.Fatal(err)
		}
		return deps.Counts[steward.DeployInstalled] == n
	})
	if len(deps.Items) != n || len(deps.Counts) != 1 {
		t.Errorf("deployments %d, counts %v: want %d, all installed", len(deps.Items), deps.Counts, n)
	}
	for _, dep := range deps.Items {
		if dep.Status != steward.DeployInstalled || dep.VersionID != v.ID {
			t.Errorf("deployment %+v, want %s installed", dep, v.ID)
		}
	}
	devices, err := carl.Devices(ctx, steward.DeviceFilter{AccountID: customer.ID, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	if len(devices) != n {
		t.Fatalf("%d devices listed, want %d", len(devices), n)
	}
	for _, dev := range devices {
		waitFor(t, ctx, "device "+dev.SupportID+" to report the app", func() bool {
			apps, err := carl.DeviceApps(ctx, dev.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range apps {
				if a.Package == pkg && a.VersionCode == 4 {
					return true
				}
			}
			return false
		})
	}
	if st := fleet.Stats(); st.AppDownloads != n || st.AppDownloadBytes != int64(n*len(body)) || st.AppDownloadsBad != 0 {
		t.Errorf("downloads %d (%d bytes, %d bad), want %d of %d bytes", st.AppDownloads, st.AppDownloadBytes, st.AppDownloadsBad, n, len(body))
	}
}
