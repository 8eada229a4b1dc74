package adminapi_test

import (
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// exerciseCompliance enrolls two devices in client, has one report a
// failed setting over the device protocol, and calls the compliance routes
// as rita, an owner of reseller, and ivan, read-only in client.
func exerciseCompliance(c *specClient, rita, ivan, reseller, client, unknown string) {
	t := c.t
	t.Helper()
	var code steward.ActivationCode
	c.do(specCall{method: "POST", path: "/api/v1/activation-codes", token: rita, want: 201,
		body: map[string]any{"account_id": client, "seats": 2}}).decode(t, &code)
	enroll := func(hw string) protocol.EnrollResponse {
		var r protocol.EnrollResponse
		c.device("POST", protocol.PathEnroll, "", protocol.EnrollRequest{Protocol: protocol.Version, ActivationCode: code.Code,
			Ownership: protocol.OwnershipCompany, Platform: protocol.PlatformLinux, Hardware: protocol.Hardware{ID: hw}}, 201, &r)
		return r
	}
	failing, silent := enroll("hw-compliance-1"), enroll("hw-compliance-2")
	// A policy targets the failing device: it reports on its version.
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + client + "/policies", token: rita, want: 201, body: map[string]any{
		"name": "Compliance check", "settings": map[string]any{"wifi": []any{map[string]any{"ssid": "Office", "security": "open"}}},
		"targets": []any{map[string]any{"kind": "device", "id": failing.DeviceID}}}})
	var targeted steward.Device
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + failing.DeviceID, token: rita, want: 200}).decode(t, &targeted)
	version := targeted.Policy.Version
	if version == "" {
		t.Fatal("the targeted device has no policy version")
	}
	c.device("POST", protocol.PathPolicyReport, failing.Credential, protocol.PolicyReport{Protocol: protocol.Version, Version: version,
		AppliedAt: time.Now().UTC(), Settings: []protocol.SettingStatus{
			{Key: "wifi/Office", Status: protocol.SettingFailed, Detail: "Secrets were required, but not provided."},
			{Key: "kiosk", Status: protocol.SettingNotApplicable, Detail: "No kiosk mode on Linux."},
		}}, 204, nil)
	c.device("POST", protocol.PathPolicyReport, failing.Credential, map[string]any{"protocol": 1, "version": version}, 400, nil)

	var sum steward.ComplianceSummary
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client + "/compliance", token: rita, want: 200}).decode(t, &sum)
	if sum.Counts[steward.ComplianceNonCompliant] != 1 || len(sum.Items) != 1 || sum.Items[0].DeviceID != failing.DeviceID ||
		len(sum.Items[0].Failing) != 1 {
		t.Errorf("GET …/compliance: %+v, want the failing device with its failed setting", sum)
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller + "/compliance?state=unknown&limit=1", token: rita, want: 200}).decode(t, &sum)
	if len(sum.Items) != 1 || sum.Next == "" {
		t.Errorf("GET …/compliance?state=unknown&limit=1: %d items, next %q; want one and a cursor", len(sum.Items), sum.Next)
	}
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller + "/compliance?state=unknown&after=" + sum.Next, token: rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client + "/compliance", token: ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller + "/compliance", token: ivan, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + unknown + "/compliance", token: rita, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client + "/compliance?state=fine", token: rita, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + client + "/compliance?limit=lots", token: rita, want: 400, badRequest: true})

	var dc steward.DeviceCompliance
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + failing.DeviceID + "/compliance", token: ivan, want: 200}).decode(t, &dc)
	if dc.State != steward.ComplianceNonCompliant || dc.Report == nil || len(dc.Report.Settings) != 2 {
		t.Errorf("GET /api/v1/devices/{device}/compliance: %+v, want the report of two settings", dc)
	}
	var quiet steward.DeviceCompliance
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + silent.DeviceID + "/compliance", token: rita, want: 200}).decode(t, &quiet)
	if quiet.State != steward.ComplianceUnknown || quiet.Report != nil {
		t.Errorf("the silent device's compliance: %+v", quiet)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + unknown + "/compliance", token: rita, want: 404})
}
