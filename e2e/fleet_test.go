package e2e

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/server"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/sim"
)

// TestSimulatedFleet enrolls 1,000 simulated Android devices into a real
// server over HTTP, holds their push sockets, and runs two bulk commands
// to the end: enroll → check in → command → result, at fleet size.
func TestSimulatedFleet(t *testing.T) {
	const n = 1000
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, hs, admin := inProcessServer(t, ctx)
	svc := s.Service
	r, err := svc.CreateAccount(admin, steward.AccountCreate{Name: "Fleet Reseller", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateAccount(admin, steward.AccountCreate{ParentID: r.ID, Name: "Fleet Client", Kind: steward.AccountClient})
	if err != nil {
		t.Fatal(err)
	}
	code, err := svc.CreateActivationCode(admin, service.ActivationCodeCreate{AccountID: c.ID, Seats: n})
	if err != nil {
		t.Fatal(err)
	}

	fleet, err := sim.New(sim.Options{Server: hs.URL, ActivationCode: code.Code, Devices: n, Seed: 7, PersonalShare: 0.2,
		UsePush: true, CommandDelay: func(string) time.Duration { return 10 * time.Millisecond },
		Logger: testutil.Logger(), Clock: sim.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := fleet.Enroll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fleet.CheckInAll(ctx); err != nil {
		t.Fatal(err)
	}
	t.Logf("enrolled and checked in %d devices in %v", n, time.Since(start).Round(time.Millisecond))
	go fleet.Run(ctx)
	waitFor(t, ctx, "every push socket", func() bool { return svc.ConnectedCount() == n })

	devs := 0
	personal := 0
	f := steward.DeviceFilter{AccountID: c.ID, Limit: 500}
	for {
		page, err := svc.Devices(admin, f)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range page {
			devs++
			if d.Ownership == steward.OwnershipPersonal {
				personal++
				if d.Inventory.IMEI != "" || d.Inventory.PhoneNumber != "" {
					t.Errorf("personal device %s stored SIM data", d.SupportID)
				}
			} else if d.Inventory.OSVersion == "" || d.AppCount == 0 {
				t.Errorf("device %s has no inventory: %+v", d.SupportID, d.Inventory)
			}
		}
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	if devs != n || personal < n/10 || personal > n/3 {
		t.Fatalf("%d devices listed (%d personal), want %d with about 20%% personal", devs, personal, n)
	}

	for _, cmd := range []service.CommandSend{
		{Filter: &steward.DeviceFilter{AccountID: c.ID}, Type: steward.CmdSync},
		{Filter: &steward.DeviceFilter{AccountID: c.ID}, Type: steward.CmdSendMessage, Payload: json.RawMessage(`{"body":"Fleet-wide hello"}`)},
	} {
		sent := time.Now()
		cmds, err := svc.SendCommand(admin, cmd)
		if err != nil {
			t.Fatal(err)
		}
		if len(cmds) != n {
			t.Fatalf("%s reached %d devices, want %d", cmd.Type, len(cmds), n)
		}
		bulk := cmds[0].BulkID
		waitFor(t, ctx, string(cmd.Type)+" on every device", func() bool {
			done := 0
			q := steward.CommandFilter{BulkID: bulk, AccountID: c.ID, Status: steward.CommandSucceeded, Limit: 500}
			for {
				page, err := svc.Commands(admin, q)
				if err != nil {
					t.Fatal(err)
				}
				done += len(page)
				if len(page) < q.Limit {
					break
				}
				q.Before = page[len(page)-1].ID
			}
			return done == n
		})
		t.Logf("%s: %d devices succeeded %v after the command was sent", cmd.Type, n, time.Since(sent).Round(time.Millisecond))
	}
	st := fleet.Stats()
	if st.CommandsDuplicate > 0 && st.CommandsSucceeded != 2*n {
		t.Errorf("stats %+v", st)
	}
}

// inProcessServer starts a server on SQLite in a temporary folder, in this
// process and without background jobs, behind an httptest server, and
// signs its platform admin in; both close when the test ends.
func inProcessServer(t *testing.T, ctx context.Context) (*server.Server, *httptest.Server, context.Context) {
	t.Helper()
	s, err := server.New(ctx, server.Config{DataDir: t.TempDir(), AdminEmail: "admin@example.com", AdminPassword: "a-long-password-1",
		Argon2: &service.Argon2Params{Memory: 64, Time: 1, Threads: 1}, Logger: testutil.Logger(), NoJobs: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	hs := httptest.NewServer(s.Handler)
	t.Cleanup(hs.Close)
	res, err := s.Service.Login(ctx, steward.LoginRequest{Email: "admin@example.com", Password: "a-long-password-1", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	auth, err := s.Service.AuthenticateSession(ctx, res.Secret, "127.0.0.1", "test")
	if err != nil {
		t.Fatal(err)
	}
	return s, hs, steward.NewContextWithActor(ctx, auth.Actor)
}

func waitFor(t *testing.T, ctx context.Context, what string, ok func() bool) {
	t.Helper()
	for !ok() {
		select {
		case <-ctx.Done():
			t.Fatalf("timed out waiting for %s", what)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
