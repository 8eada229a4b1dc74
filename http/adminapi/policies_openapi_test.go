package adminapi_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/service"
)

// exercisePolicies drives the policy routes as rita, an owner of reseller,
// and ivan, read-only in its client (which holds enrolled devices).
func exercisePolicies(c *specClient, rita, ivan, reseller, client, unknown string) {
	t := c.t
	t.Helper()
	now := time.Now()
	ca := testutil.NewCA(t, "Example Root CA", now.Add(-time.Hour), now.AddDate(1, 0, 0))
	base := "/api/v1/accounts/" + client + "/policies"

	// Invalid settings name the field.
	bad := c.do(specCall{method: "POST", path: base, token: rita, want: 400, body: map[string]any{"name": "Bad",
		"settings": map[string]any{"ca_certs": []any{map[string]any{"pem": "not a certificate"}}}}})
	if f := bad.errorField(t); f != "ca_certs[0].pem" {
		t.Errorf("invalid CA certificate: field %q, want ca_certs[0].pem", f)
	}
	c.do(specCall{method: "POST", path: base, token: rita, want: 400, badRequest: true, body: map[string]any{"name": "Bad",
		"settings": map[string]any{"checkin_interval_seconds": "often"}}})
	c.do(specCall{method: "POST", path: base, token: ivan, want: 403, body: map[string]any{"name": "Read-only"}})
	c.do(specCall{method: "POST", path: "/api/v1/accounts/" + unknown + "/policies", token: rita, want: 404, body: map[string]any{"name": "x"}})

	var p service.PolicyDetail
	c.do(specCall{method: "POST", path: base, token: rita, want: 201, body: map[string]any{
		"name": "Warehouse", "description": "Scanners in the warehouse",
		"settings": map[string]any{
			"wifi":     []any{map[string]any{"ssid": "Guest", "security": "open", "hidden": true}},
			"ca_certs": []any{map[string]any{"pem": ca.PEM}},
			"apps": []any{map[string]any{"package": "com.example.scan", "action": "required"},
				map[string]any{"package": "com.example.game", "action": "blocked"}},
			"kiosk":                    map[string]any{"package": "com.example.scan"},
			"password":                 map[string]any{"quality": "numeric", "min_length": 6},
			"restrictions":             map[string]any{"disable_camera": true},
			"tracking":                 map[string]any{"location": false},
			"checkin_interval_seconds": 600,
		},
		"targets": []any{map[string]any{"kind": "account", "id": client}},
	}}).decode(t, &p)
	if len(p.Settings.CACerts) != 1 || p.Settings.CACerts[0].CertInfo == nil || p.Settings.CACerts[0].SHA256 != ca.SHA256 {
		t.Errorf("created policy: CA certificates %+v, want the parsed certificate", p.Settings.CACerts)
	}
	c.do(specCall{method: "POST", path: base, token: rita, want: 409, body: map[string]any{"name": "Warehouse"}})

	c.do(specCall{method: "GET", path: base, token: ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller + "/policies", token: rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/accounts/" + reseller + "/policies", token: ivan, want: 404})
	c.do(specCall{method: "GET", path: "/api/v1/policies/" + p.ID, token: ivan, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/policies/" + unknown, token: rita, want: 404})
	c.do(specCall{method: "PATCH", path: "/api/v1/policies/" + p.ID, token: ivan, want: 403, body: map[string]any{"name": "Mine"}})
	c.do(specCall{method: "PATCH", path: "/api/v1/policies/" + p.ID, token: rita, want: 400, badRequest: true,
		body: map[string]any{"targets": []any{map[string]any{"kind": "account", "id": client}}}})
	var edited service.PolicyDetail
	c.do(specCall{method: "PATCH", path: "/api/v1/policies/" + p.ID, token: rita, want: 200, body: map[string]any{
		"name": "Warehouse scanners",
		"settings": map[string]any{
			"wifi":                     []any{map[string]any{"ssid": "Guest", "security": "open"}},
			"apps":                     []any{map[string]any{"package": "com.example.scan", "action": "required"}},
			"checkin_interval_seconds": 900,
		},
	}}).decode(t, &edited)
	if edited.CurrentVersion != 2 || edited.Name != "Warehouse scanners" {
		t.Errorf("PATCH: version %d name %q, want 2 and the new name", edited.CurrentVersion, edited.Name)
	}
	c.do(specCall{method: "PATCH", path: "/api/v1/policies/" + p.ID, token: rita, want: 400, body: map[string]any{
		"settings": map[string]any{"apps": []any{map[string]any{"package": "not a package", "action": "required"}}}}})

	// Targets.
	var devices struct{ Items []steward.Device }
	c.do(specCall{method: "GET", path: "/api/v1/devices?account_id=" + client, token: rita, want: 200}).decode(t, &devices)
	if len(devices.Items) == 0 {
		t.Fatal("no device in the client to target")
	}
	dev := devices.Items[0].ID
	c.do(specCall{method: "PUT", path: "/api/v1/policies/" + p.ID + "/targets", token: rita, want: 200, body: map[string]any{
		"targets": []any{map[string]any{"kind": "account", "id": client}, map[string]any{"kind": "device", "id": dev}}}})
	c.do(specCall{method: "PUT", path: "/api/v1/policies/" + p.ID + "/targets", token: rita, want: 400, body: map[string]any{
		"targets": []any{map[string]any{"kind": "account", "id": unknown}}}})
	c.do(specCall{method: "PUT", path: "/api/v1/policies/" + p.ID + "/targets", token: ivan, want: 403, body: map[string]any{"targets": []any{}}})

	// Versions.
	c.do(specCall{method: "GET", path: "/api/v1/policies/" + p.ID + "/versions", token: ivan, want: 200})
	var v service.PolicyVersionDetail
	c.do(specCall{method: "GET", path: "/api/v1/policies/" + p.ID + "/versions/2", token: rita, want: 200}).decode(t, &v)
	if len(v.Changes) == 0 {
		t.Error("version 2 lists no changes from version 1")
	}
	c.do(specCall{method: "GET", path: "/api/v1/policies/" + p.ID + "/versions/2?from=0", token: rita, want: 200})
	c.do(specCall{method: "GET", path: "/api/v1/policies/" + p.ID + "/versions/" + strconv.Itoa(9), token: rita, want: 404})

	// The device's effective policy.
	var eff steward.EffectivePolicy
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + dev + "/effective-policy", token: ivan, want: 200}).decode(t, &eff)
	if eff.Version == "" || len(eff.Sources) == 0 || eff.Sources[0].PolicyID != p.ID {
		t.Errorf("effective policy = %+v, want the policy's settings with their source", eff)
	}
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + unknown + "/effective-policy", token: rita, want: 404})
	var d steward.Device
	c.do(specCall{method: "GET", path: "/api/v1/devices/" + dev, token: rita, want: 200}).decode(t, &d)
	if d.Policy.Version != eff.Version || d.Policy.CheckInIntervalSeconds != 900 {
		t.Errorf("device policy state = %+v, want version %s and 900 s", d.Policy, eff.Version)
	}

	c.do(specCall{method: "DELETE", path: "/api/v1/policies/" + p.ID, token: ivan, want: 403})
	c.do(specCall{method: "DELETE", path: "/api/v1/policies/" + p.ID, token: rita, want: 204})
	c.do(specCall{method: "DELETE", path: "/api/v1/policies/" + p.ID, token: rita, want: 404})
}

// errorField is the field an error answer names.
func (a specAnswer) errorField(t *testing.T) string {
	t.Helper()
	var e struct{ Error struct{ Field string } }
	a.decode(t, &e)
	return e.Error.Field
}
