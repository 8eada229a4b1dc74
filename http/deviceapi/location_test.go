package deviceapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// rows counts the rows of a table that belong to a device. Consents are
// append-only (an UPDATE fails), so they are listed.
func rows(t *testing.T, db *store.DB, table, deviceID string) int64 {
	t.Helper()
	if table == "device_consents" {
		cs, err := db.ListConsents(context.Background(), deviceID, 500)
		if err != nil {
			t.Fatal(err)
		}
		return int64(len(cs))
	}
	n, err := db.ExecRaw(context.Background(), `UPDATE `+table+` SET device_id = device_id WHERE device_id = $1`, deviceID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func (f *fleet) switches(location, web bool) {
	f.t.Helper()
	must(f.srv.Service.SetPrivacySettings(f.reseller, f.c.ID, steward.PrivacySettingsUpdate{LocationEnabled: &location, WebHistoryEnabled: &web}))
}

func (f *fleet) points(n int) protocol.LocationRequest {
	req := protocol.LocationRequest{Protocol: 1}
	for i := range n {
		req.Points = append(req.Points, protocol.LocationPoint{Latitude: 52.5 + float64(i)/1000, Longitude: 13.4, RecordedAt: f.clock.Now().Add(-time.Duration(i) * time.Minute)})
	}
	return req
}

func consentBody(granted bool, at time.Time) protocol.ConsentRequest {
	return protocol.ConsentRequest{Protocol: 1, Purpose: "location", Granted: granted, DecidedAt: at, NoticeVersion: "2026-03"}
}

// TestLocationOverTheDeviceAPI walks the gates through HTTP: the check-in
// tells the device what is enabled, the device records its user's
// decision, and its points are stored only once every gate is open.
func TestLocationOverTheDeviceAPI(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		co := f.enroll("loc-co", "company")
		byod := f.enroll("loc-byod", "personal")
		privacy := func(cred string) protocol.Privacy {
			var r protocol.CheckInResponse
			if code, body := f.call("POST", protocol.PathCheckIn, cred, protocol.CheckInRequest{Protocol: 1}, &r); code != 200 || r.Privacy == nil {
				t.Fatalf("check-in: %d %s", code, body)
			}
			return *r.Privacy
		}
		if p := privacy(co.Credential); p != (protocol.Privacy{}) {
			t.Errorf("before any switch: %+v", p)
		}
		if code, body := f.call("POST", protocol.PathLocation, co.Credential, f.points(2), nil); code != 403 || !strings.Contains(body, `"forbidden"`) {
			t.Errorf("location while off: %d %s", code, body)
		}
		f.switches(true, true)
		if p := privacy(co.Credential); p != (protocol.Privacy{LocationEnabled: true, LocationConsentRequired: true, WebHistoryEnabled: true}) {
			t.Errorf("switched on: %+v", p)
		}
		if code, body := f.call("POST", protocol.PathConsent, co.Credential, consentBody(true, f.clock.Now()), nil); code != 204 {
			t.Fatalf("consent: %d %s", code, body)
		}
		if p := privacy(co.Credential); p.LocationConsentRequired {
			t.Errorf("after the grant: %+v", p)
		}
		var res protocol.IngestResponse
		if code, body := f.call("POST", protocol.PathLocation, co.Credential, f.points(3), &res); code != 200 || res != (protocol.IngestResponse{Accepted: 3}) {
			t.Errorf("location: %d %s", code, body)
		}
		if code, body := f.call("POST", protocol.PathWebHistory, co.Credential, protocol.WebHistoryRequest{Protocol: 1,
			Visits: []protocol.WebVisit{{URL: "https://intranet.example/", VisitedAt: f.clock.Now()}}}, &res); code != 200 || res.Accepted != 1 {
			t.Errorf("web history: %d %s", code, body)
		}
		if n := rows(t, db, "location_points", co.DeviceID); n != 3 {
			t.Errorf("%d points stored, want 3", n)
		}

		// The personal device is told nothing is enabled and refused everything.
		if p := privacy(byod.Credential); p != (protocol.Privacy{}) {
			t.Errorf("personal device told %+v", p)
		}
		for _, c := range []struct {
			path string
			body any
		}{
			{protocol.PathConsent, consentBody(true, f.clock.Now())},
			{protocol.PathLocation, f.points(2)},
			{protocol.PathWebHistory, protocol.WebHistoryRequest{Protocol: 1, Visits: []protocol.WebVisit{{URL: "https://personal.example/", VisitedAt: f.clock.Now()}}}},
		} {
			if code, body := f.call("POST", c.path, byod.Credential, c.body, nil); code != 403 {
				t.Errorf("personal device %s: %d %s", c.path, code, body)
			}
		}
		for _, table := range []string{"location_points", "web_history", "device_consents"} {
			if n := rows(t, db, table, byod.DeviceID); n != 0 {
				t.Errorf("%d rows of %s for the personal device", n, table)
			}
		}
		if d := must(f.srv.Service.Device(f.reseller, byod.DeviceID)); d.Refusals != 3 {
			t.Errorf("personal device refusals %d, want 3 (two points, one visit)", d.Refusals)
		}

		// Withdrawal through the API deletes the points at once.
		if code, body := f.call("POST", protocol.PathConsent, co.Credential, consentBody(false, f.clock.Now()), nil); code != 204 {
			t.Fatalf("withdraw: %d %s", code, body)
		}
		if n := rows(t, db, "location_points", co.DeviceID); n != 0 {
			t.Errorf("%d points left after withdrawal", n)
		}
	})
}

// TestBadLocationRequests: a wrong credential is 401 and a security event,
// an oversized body 413, a malformed one 400, and none of them writes.
func TestBadLocationRequests(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("bad-loc", "company")
		f.switches(true, true)
		f.call("POST", protocol.PathConsent, dev.Credential, consentBody(true, f.clock.Now()), nil)
		events := func() int {
			return len(must(f.srv.Service.SecurityEvents(f.admin, steward.SecurityEventFilter{Kind: "device.auth_failed"})))
		}
		before := events()
		for _, path := range []string{protocol.PathConsent, protocol.PathLocation, protocol.PathWebHistory} {
			if code, _ := f.call("POST", path, dev.DeviceID+".wrong", f.points(1), nil); code != 401 {
				t.Errorf("%s with a wrong credential: %d", path, code)
			}
		}
		if n := events() - before; n != 3 {
			t.Errorf("%d security events for 3 wrong credentials", n)
		}
		for _, tc := range []struct {
			path string
			body []byte
			code int
		}{
			{protocol.PathLocation, []byte(`{"protocol":1,"points":[{"latitude":91,"longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`), 400},
			{protocol.PathLocation, []byte(`{"protocol":1,"points":[{"latitude":1,"longitude":0,"recorded_at":"soon"}]}`), 400},
			{protocol.PathLocation, []byte(`{"protocol":1,"points":[`), 400},
			{protocol.PathLocation, []byte(`{"protocol":1,"points":[],"x":"` + strings.Repeat("a", protocol.MaxLocationBody) + `"}`), 413},
			{protocol.PathWebHistory, []byte(`{"protocol":1,"visits":[{"url":"https://a.example/` + strings.Repeat("a", protocol.MaxURL) + `","visited_at":"2026-03-02T09:30:00Z"}]}`), 400},
			{protocol.PathWebHistory, []byte(`{"protocol":1,"x":"` + strings.Repeat("a", protocol.MaxWebHistoryBody) + `"}`), 413},
			{protocol.PathConsent, []byte(`{"protocol":1,"purpose":"camera","granted":false,"decided_at":"2026-03-02T09:30:00Z","notice_version":"1"}`), 400},
			{protocol.PathConsent, []byte(`{"protocol":1,"purpose":"location","granted":false,"notice_version":"1","x":"` + strings.Repeat("a", protocol.MaxConsentBody) + `"}`), 413},
		} {
			if code, body := f.call("POST", tc.path, dev.Credential, tc.body, nil); code != tc.code {
				t.Errorf("%s %.60q: %d %s, want %d", tc.path, tc.body, code, body, tc.code)
			}
		}
		for table, want := range map[string]int64{"location_points": 0, "web_history": 0, "device_consents": 1} {
			if n := rows(t, db, table, dev.DeviceID); n != want {
				t.Errorf("%d rows of %s after bad requests, want %d", n, table, want)
			}
		}
		if code, _ := f.call("GET", protocol.PathLocation, dev.Credential, nil, nil); code != http.StatusMethodNotAllowed && code != 404 {
			t.Errorf("GET %s: %d", protocol.PathLocation, code)
		}
	})
}

// TestWipeDeletesLocation: a confirmed wipe deletes the device's points,
// web history and consents with the device (ON DELETE CASCADE).
func TestWipeDeletesLocation(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("wipe-loc", "company")
		f.switches(true, true)
		f.call("POST", protocol.PathConsent, dev.Credential, consentBody(true, f.clock.Now()), nil)
		f.call("POST", protocol.PathLocation, dev.Credential, f.points(4), nil)
		f.call("POST", protocol.PathWebHistory, dev.Credential, protocol.WebHistoryRequest{Protocol: 1,
			Visits: []protocol.WebVisit{{URL: "https://intranet.example/", VisitedAt: f.clock.Now()}}}, nil)
		for table, want := range map[string]int64{"location_points": 4, "web_history": 1, "device_consents": 1} {
			if n := rows(t, db, table, dev.DeviceID); n != want {
				t.Fatalf("%d rows of %s before the wipe, want %d", n, table, want)
			}
		}
		cmd := must(f.srv.Service.SendCommand(f.reseller, service.CommandSend{DeviceIDs: []string{dev.DeviceID}, Type: steward.CmdWipe, Confirm: true}))
		f.call("POST", "/device/v1/commands/"+cmd[0].ID+"/ack", dev.Credential, nil, nil)
		if code, body := f.call("POST", "/device/v1/commands/"+cmd[0].ID+"/result", dev.Credential, protocol.CommandResult{Status: "succeeded"}, nil); code != 204 {
			t.Fatalf("wipe result: %d %s", code, body)
		}
		for _, table := range []string{"location_points", "web_history", "device_consents"} {
			if n := rows(t, db, table, dev.DeviceID); n != 0 {
				t.Errorf("%d rows of %s left after the wipe", n, table)
			}
		}
	})
}
