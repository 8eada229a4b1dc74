package client_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// TestLocation: the client turns location on for an account, reads what a
// device sent after its user granted it, and the decisions; a reseller
// account has no switches.
func TestLocation(t *testing.T) {
	ctx := context.Background()
	f := newFleet(t)
	s, err := f.c.PrivacySettings(ctx, f.a.ID)
	if err != nil || s.LocationEnabled || s.WebHistoryEnabled {
		t.Fatalf("default settings %+v, %v", s, err)
	}
	on := true
	if s, err = f.c.SetPrivacySettings(ctx, f.a.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on}); err != nil || !s.LocationEnabled {
		t.Fatalf("switch on: %+v, %v", s, err)
	}
	_, err = f.c.SetPrivacySettings(ctx, f.reseller.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on})
	wantCode(t, err, steward.EINVALID, "")

	now := time.Now().UTC()
	if st := deviceCall(t, "POST", f.url+protocol.PathConsent, f.laptop.credential, protocol.ConsentRequest{Protocol: 1,
		Purpose: "location", Granted: true, DecidedAt: now, NoticeVersion: "1"}, nil); st != http.StatusNoContent {
		t.Fatalf("consent: %d", st)
	}
	if st := deviceCall(t, "POST", f.url+protocol.PathLocation, f.laptop.credential, protocol.LocationRequest{Protocol: 1,
		Points: []protocol.LocationPoint{{Latitude: 45.4642, Longitude: 9.19, RecordedAt: now}}}, nil); st != http.StatusOK {
		t.Fatalf("location: %d", st)
	}
	ps, err := f.c.DeviceLocation(ctx, f.laptop.id, 0)
	if err != nil || len(ps) != 1 || ps[0].Latitude != 45.4642 {
		t.Fatalf("location: %+v, %v", ps, err)
	}
	vs, err := f.c.DeviceWebHistory(ctx, f.laptop.id, 0)
	if err != nil || len(vs) != 0 {
		t.Errorf("web history: %+v, %v", vs, err)
	}
	cs, err := f.c.DeviceConsents(ctx, f.laptop.id)
	if err != nil || len(cs) != 1 || !cs[0].Granted {
		t.Errorf("consents: %+v, %v", cs, err)
	}
	_, err = f.c.DeviceLocation(ctx, "01jnq8k2w6d3h5r7t9v1x3z5b7", 0)
	wantCode(t, err, steward.ENOTFOUND, "")
}
