package deviceapi_test

import (
	"strings"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// TestPolicyReportOverTheDeviceAPI: a device reports over HTTP and the
// console's view of it follows; a malformed report is refused with its
// field named and stores nothing; without a credential nothing is read.
func TestPolicyReportOverTheDeviceAPI(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("report-1", "company")
		// A policy aimed at the device, so that the report is for the
		// version it should hold.
		name, pw := "Office", "office-password"
		if _, err := f.srv.Service.CreatePolicy(f.reseller, f.c.ID, service.PolicyInput{Name: &name,
			Settings: &steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "Office", Security: protocol.WiFiWPA2Personal, Password: &pw}}},
			Targets:  []steward.Target{{Kind: steward.TargetDevice, ID: dev.DeviceID}}}); err != nil {
			t.Fatal(err)
		}
		eff, err := f.srv.Service.EffectivePolicy(f.reseller, dev.DeviceID)
		if err != nil || eff.Version == "" {
			t.Fatalf("effective policy: %+v %v", eff, err)
		}
		report := protocol.PolicyReport{Protocol: 1, Version: eff.Version, AppliedAt: f.clock.Now(), Settings: []protocol.SettingStatus{
			{Key: "wifi/Office", Status: "failed", Detail: "Wrong password."},
			{Key: "kiosk", Status: "not_applicable", Detail: "No kiosk mode."},
		}}
		if code, body := f.call("POST", protocol.PathPolicyReport, "", report, nil); code != 401 {
			t.Errorf("without a credential: %d %s", code, body)
		}
		for _, tc := range []struct{ body, field string }{
			{`{"protocol":1,"version":"v1","applied_at":"2026-03-02T09:30:00Z","settings":[{"key":"kiosk","status":"done"}]}`, "settings[0].status"},
			{`{"protocol":1,"version":"v1","settings":[]}`, "applied_at"},
			{`{"protocol":1,"version":"v1","applied_at":"2026-03-02T09:30:00Z","settings":[{"key":"a","status":"applied"},{"key":"a","status":"applied"}]}`, "settings[1].key"},
		} {
			code, body := f.call("POST", protocol.PathPolicyReport, dev.Credential, []byte(tc.body), nil)
			if code != 400 || !strings.Contains(body, `"field":"`+tc.field+`"`) {
				t.Errorf("%s: %d %s, want 400 naming %s", tc.body, code, body, tc.field)
			}
		}
		big := `{"protocol":1,"version":"v1","applied_at":"2026-03-02T09:30:00Z","pad":"` + strings.Repeat("x", protocol.MaxPolicyReportBody) + `"}`
		if code, body := f.call("POST", protocol.PathPolicyReport, dev.Credential, []byte(big), nil); code != 413 {
			t.Errorf("a body over the limit: %d %s", code, body)
		}
		if n := rows(t, db, "device_compliance", dev.DeviceID); n != 0 {
			t.Fatalf("refused reports left %d rows", n)
		}

		if code, body := f.call("POST", protocol.PathPolicyReport, dev.Credential, report, nil); code != 204 {
			t.Fatalf("report: %d %s", code, body)
		}
		dc, err := f.srv.Service.DeviceCompliance(f.reseller, dev.DeviceID)
		if err != nil {
			t.Fatal(err)
		}
		if dc.State != "non_compliant" || len(dc.Failing) != 1 || dc.Failing[0].Detail != "Wrong password." {
			t.Errorf("after the report: %+v", dc)
		}
	})
}
