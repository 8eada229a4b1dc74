package adminapi_test

import (
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/adminapi"
	"github.com/stewardmdm/steward/protocol"
)

// exercisePrivacy drives the privacy routes: the client's switches, a
// company phone granting location and sending points and visits through
// the device protocol, the audited views, and who may not look.
func exercisePrivacy(c *specClient, who fleetActors, phone, tablet protocol.EnrollResponse) {
	t := c.t
	t.Helper()
	base := "/api/v1/accounts/" + who.client + "/privacy-settings"
	var ps steward.PrivacySettings
	c.do(specCall{method: "GET", path: base, token: who.ivan, want: 200}).decode(t, &ps)
	if ps.LocationEnabled || ps.WebHistoryEnabled {
		t.Errorf("GET %s: %+v, want both off by default", base, ps)
	}
	c.do(specCall{method: "PUT", path: base, token: who.ivan, want: 403, body: map[string]any{"location_enabled": true}})
	c.do(specCall{method: "PUT", path: base, token: who.rita, want: 400, badRequest: true, body: map[string]any{"location_enabled": "yes"}})
	c.do(specCall{method: "PUT", path: "/api/v1/accounts/" + who.reseller + "/privacy-settings", token: who.rita, want: 400,
		body: map[string]any{"location_enabled": true}})
	c.do(specCall{method: "PUT", path: base, token: who.rita, want: 200,
		body: map[string]any{"location_enabled": true, "web_history_enabled": true}}).decode(t, &ps)
	if !ps.LocationEnabled || !ps.WebHistoryEnabled {
		t.Errorf("PUT %s: %+v, want both on", base, ps)
	}

	now := time.Now().UTC()
	c.device("POST", protocol.PathLocation, phone.Credential, protocol.LocationRequest{Protocol: 1,
		Points: []protocol.LocationPoint{{Latitude: 50.1, Longitude: 8.6, RecordedAt: now}}}, 403, nil)
	c.device("POST", protocol.PathConsent, phone.Credential, protocol.ConsentRequest{Protocol: 1, Purpose: "location", Granted: true,
		DecidedAt: now, NoticeVersion: "2026-03"}, 204, nil)
	acc := 9.5
	c.device("POST", protocol.PathLocation, phone.Credential, protocol.LocationRequest{Protocol: 1, Points: []protocol.LocationPoint{
		{Latitude: 50.1109, Longitude: 8.6821, AccuracyM: &acc, RecordedAt: now.Add(-time.Minute)},
		{Latitude: 50.1112, Longitude: 8.6830, RecordedAt: now}}}, 200, nil)
	c.device("POST", protocol.PathWebHistory, phone.Credential, protocol.WebHistoryRequest{Protocol: 1, Visits: []protocol.WebVisit{
		{URL: "https://intranet.example/stock", Title: "Stock", VisitedAt: now}}}, 200, nil)
	c.device("POST", protocol.PathLocation, tablet.Credential, protocol.LocationRequest{Protocol: 1,
		Points: []protocol.LocationPoint{{Latitude: 50.1, Longitude: 8.6, RecordedAt: now}}}, 403, nil)

	var points adminapi.List[steward.LocationPoint]
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/location", token: who.rita, want: 200}).decode(t, &points)
	if len(points.Items) != 2 || points.Items[0].Latitude != 50.1112 {
		t.Errorf("GET /api/v1/devices/{phone}/location: %+v", points.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/location?limit=1", token: who.rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/location?limit=many", token: who.rita, want: 400, badRequest: true})
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/location", token: who.ivan, want: 403})
	var visits adminapi.List[steward.WebVisit]
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/web-history", token: who.rita, want: 200}).decode(t, &visits)
	if len(visits.Items) != 1 {
		t.Errorf("GET /api/v1/devices/{phone}/web-history: %+v", visits.Items)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/web-history", token: who.ivan, want: 403})
	var consents adminapi.List[steward.Consent]
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + phone.DeviceID + "/consents", token: who.ivan, want: 200}).decode(t, &consents)
	if len(consents.Items) != 1 || !consents.Items[0].Granted {
		t.Errorf("GET /api/v1/devices/{phone}/consents: %+v", consents.Items)
	}
	var views adminapi.List[steward.AuditEntry]
	c.do(specCall{method: "GET", path: "/api/v1/audit?action=device.", token: who.rita, want: 200}).decode(t, &views)
	seen := map[string]int{}
	for _, e := range views.Items {
		seen[e.Action]++
	}
	if seen["device.location.view"] != 2 || seen["device.web_history.view"] != 1 {
		t.Errorf("audited views: %v, want 2 location views and 1 web-history view", seen)
	}
}
