package deviceapi_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// TestPolicyFetch: a device fetches its effective policy with its version
// as ETag, is answered 304 for the version it holds, and gets nothing of
// a policy that does not target it; the check-in names the version.
func TestPolicyFetch(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		targeted, other := f.enroll("hw-1", "company"), f.enroll("hw-2", "company")
		svc := f.srv.Service
		name, interval := "Warehouse", 600
		_, err := svc.CreatePolicy(f.reseller, f.c.ID, service.PolicyInput{Name: &name, Settings: &steward.PolicySettings{
			WiFi:                   []steward.WiFiSetting{{SSID: "Warehouse Guest", Security: protocol.WiFiOpen}},
			Apps:                   []steward.AppRuleSetting{{Package: "com.example.scan", Action: protocol.AppRequired}},
			CheckInIntervalSeconds: &interval,
		}, Targets: []steward.Target{{Kind: steward.TargetDevice, ID: targeted.DeviceID}}})
		if err != nil {
			t.Fatal(err)
		}

		res, body := f.get(protocol.PathPolicy, targeted.Credential)
		var p protocol.Policy
		if err := json.Unmarshal(body, &p); err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("fetch: %d %s", res.StatusCode, body)
		}
		if len(p.WiFi) != 1 || p.WiFi[0].SSID != "Warehouse Guest" || len(p.Apps) != 1 || p.CheckInIntervalSeconds == nil ||
			*p.CheckInIntervalSeconds != 600 || p.Version == "" {
			t.Errorf("policy = %s", body)
		}
		if res.Header.Get("ETag") != `"`+p.Version+`"` || res.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("headers = %v", res.Header)
		}
		// The version it holds: 304, no body.
		for _, tag := range []string{`"` + p.Version + `"`, p.Version, `W/"` + p.Version + `"`} {
			res, body = f.get(protocol.PathPolicy, targeted.Credential, "If-None-Match", tag)
			if res.StatusCode != http.StatusNotModified || len(body) != 0 {
				t.Errorf("If-None-Match %s: %d %q, want 304 without a body", tag, res.StatusCode, body)
			}
		}
		if res, _ := f.get(protocol.PathPolicy, targeted.Credential, "If-None-Match", `"stale"`); res.StatusCode != http.StatusOK {
			t.Errorf("a stale version: %d, want 200", res.StatusCode)
		}
		// The check-in names the version and the interval.
		var ci protocol.CheckInResponse
		if code, b := f.call("POST", protocol.PathCheckIn, targeted.Credential, protocol.CheckInRequest{Protocol: 1}, &ci); code != http.StatusOK ||
			ci.PolicyVersion != p.Version || ci.CheckInIntervalSeconds != 600 {
			t.Errorf("check-in: %d %s", code, b)
		}
		// The other device: nothing of it.
		res, body = f.get(protocol.PathPolicy, other.Credential)
		var o protocol.Policy
		if err := json.Unmarshal(body, &o); err != nil || res.StatusCode != http.StatusOK || len(o.WiFi) != 0 || o.Version != "" ||
			res.Header.Get("ETag") != "" {
			t.Errorf("untargeted device: %d %s %v", res.StatusCode, body, res.Header)
		}
		if res, _ := f.get(protocol.PathPolicy, "nobody.secret"); res.StatusCode != http.StatusUnauthorized {
			t.Errorf("no credential: %d, want 401", res.StatusCode)
		}
	})
}
