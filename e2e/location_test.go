package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/sim"
)

// TestSimulatedFleetLocation: simulated devices of a client whose account
// enables location and web history ask their users, and those who grant
// send points; personal devices send nothing, and nothing of theirs is
// stored. Turning location off deletes every point.
func TestSimulatedFleetLocation(t *testing.T) {
	const n = 40
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, hs, admin := inProcessServer(t, ctx)
	svc := s.Service
	c, err := svc.CreateAccount(admin, steward.AccountCreate{Name: "Couriers", Kind: steward.AccountClient})
	if err != nil {
		t.Fatal(err)
	}
	code, err := svc.CreateActivationCode(admin, service.ActivationCodeCreate{AccountID: c.ID, Seats: n})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := svc.SetPrivacySettings(admin, c.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on, WebHistoryEnabled: &on}); err != nil {
		t.Fatal(err)
	}
	fleet, err := sim.New(sim.Options{Server: hs.URL, ActivationCode: code.Code, Devices: n, Seed: 11, PersonalShare: 0.25,
		LocationConsentRate: 0.6, Logger: testutil.Logger(), Clock: sim.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fleet.Enroll(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := fleet.CheckInAll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	st := fleet.Stats()
	if st.PrivacyRefused != 0 {
		t.Errorf("%d batches refused: the simulator sent what the server did not ask for", st.PrivacyRefused)
	}

	devs, err := svc.Devices(admin, steward.DeviceFilter{AccountID: c.ID, Limit: n})
	if err != nil {
		t.Fatal(err)
	}
	granted, declined, points := 0, 0, 0
	for _, d := range devs {
		ps, err := s.DB.ListLocationPoints(ctx, d.ID, 500)
		if err != nil {
			t.Fatal(err)
		}
		vs, err := s.DB.ListWebVisits(ctx, d.ID, 500)
		if err != nil {
			t.Fatal(err)
		}
		cs, err := svc.DeviceConsents(admin, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if d.Ownership == steward.OwnershipPersonal {
			if len(ps)+len(vs)+len(cs) > 0 || d.Refusals > 0 {
				t.Errorf("personal device %s: %d points, %d visits, %d consents, %d refusals", d.SupportID, len(ps), len(vs), len(cs), d.Refusals)
			}
			continue
		}
		if len(cs) != 1 {
			t.Errorf("company device %s decided %d times, want once", d.SupportID, len(cs))
			continue
		}
		if cs[0].Granted {
			granted++
			if len(ps) != 3 {
				t.Errorf("device %s granted location but has %d points, want 3 (one per check-in)", d.SupportID, len(ps))
			}
		} else {
			declined++
			if len(ps) != 0 {
				t.Errorf("device %s declined but has %d points", d.SupportID, len(ps))
			}
		}
		if len(vs) == 0 {
			t.Errorf("company device %s sent no web history", d.SupportID)
		}
		points += len(ps)
	}
	if granted == 0 || declined == 0 {
		t.Errorf("%d users granted and %d declined; the seed should give both", granted, declined)
	}
	if int64(points) != st.PointsSent {
		t.Errorf("%d points stored, the simulator counts %d sent", points, st.PointsSent)
	}

	off := false
	if _, err := svc.SetPrivacySettings(admin, c.ID, steward.PrivacySettingsUpdate{LocationEnabled: &off}); err != nil {
		t.Fatal(err)
	}
	if err := fleet.CheckInAll(ctx); err != nil {
		t.Fatal(err)
	}
	for _, d := range devs {
		if ps, _ := s.DB.ListLocationPoints(ctx, d.ID, 500); len(ps) != 0 {
			t.Errorf("device %s has %d points after location was turned off", d.SupportID, len(ps))
		}
	}
	if st := fleet.Stats(); st.PrivacyRefused != 0 || st.PointsSent != int64(points) {
		t.Errorf("after the switch: %d refused batches, %d points sent (was %d)", st.PrivacyRefused, st.PointsSent, points)
	}
}
