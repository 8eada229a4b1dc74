package e2e

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/http/web"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/sim"
)

// TestWiFiPolicyReachesFleet: 110 simulated Android devices enroll and hold
// their push sockets; 100 of them join a group, and a Wi-Fi policy is
// assigned to that group. Every one of the 100 fetches the policy, applies
// it and reports, and the compliance view counts 100 compliant devices and
// 10 that no policy targets. An edit of the policy (a new password) makes
// a new version: the devices are pushed a refresh, fetch it and report
// again. The console's compliance page shows the same counts.
func TestWiFiPolicyReachesFleet(t *testing.T) {
	const (
		inGroup = 100
		n       = inGroup + 10
		ssid    = "Office-WiFi"
	)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, hs, admin := inProcessServer(t, ctx)
	svc := s.Service
	r, err := svc.CreateAccount(admin, steward.AccountCreate{Name: "Policy Reseller", Kind: steward.AccountReseller})
	if err != nil {
		t.Fatal(err)
	}
	c, err := svc.CreateAccount(admin, steward.AccountCreate{ParentID: r.ID, Name: "Policy Client", Kind: steward.AccountClient})
	if err != nil {
		t.Fatal(err)
	}
	code, err := svc.CreateActivationCode(admin, service.ActivationCodeCreate{AccountID: c.ID, Seats: n})
	if err != nil {
		t.Fatal(err)
	}
	fleet, err := sim.New(sim.Options{Server: hs.URL, ActivationCode: code.Code, Devices: n, Seed: 11,
		UsePush: true, Logger: testutil.Logger(), Clock: sim.SystemClock{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fleet.Enroll(ctx); err != nil {
		t.Fatal(err)
	}
	if err := fleet.CheckInAll(ctx); err != nil {
		t.Fatal(err)
	}
	go fleet.Run(ctx)
	waitFor(t, ctx, "every push socket", func() bool { return svc.ConnectedCount() == n })

	devs, err := svc.Devices(admin, steward.DeviceFilter{AccountID: c.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != n {
		t.Fatalf("%d devices, want %d", len(devs), n)
	}
	ids := make([]string, 0, inGroup)
	for _, d := range devs[:inGroup] {
		ids = append(ids, d.ID)
	}
	outside := devs[inGroup]
	g, err := svc.CreateGroup(admin, c.ID, service.GroupCreate{Name: "Office"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AddToGroup(admin, g.ID, ids); err != nil {
		t.Fatal(err)
	}

	password := "correct-horse-battery"
	name := "Office Wi-Fi"
	pol, err := svc.CreatePolicy(admin, c.ID, service.PolicyInput{Name: &name,
		Settings: &steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: ssid, Security: protocol.WiFiWPA2Personal, Password: &password}}},
		Targets:  []steward.Target{{Kind: steward.TargetGroup, ID: g.ID}}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	counts := func() map[steward.ComplianceState]int {
		sum, err := svc.Compliance(admin, steward.ComplianceFilter{AccountID: c.ID, State: steward.ComplianceCompliant, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		return sum.Counts
	}
	waitFor(t, ctx, "100 compliant devices", func() bool { return counts()[steward.ComplianceCompliant] == inGroup })
	t.Logf("policy applied and reported by %d devices %v after it was created", inGroup, time.Since(start).Round(time.Millisecond))
	if got := counts(); got[steward.ComplianceUnknown] != n-inGroup || got[steward.ComplianceNonCompliant] != 0 {
		t.Errorf("counts %v, want %d compliant and %d unknown", got, inGroup, n-inGroup)
	}

	// Each grouped device reported the network applied, for the version it
	// should hold; the device outside the group holds no policy.
	for _, id := range []string{ids[0], ids[inGroup-1]} {
		dc, err := svc.DeviceCompliance(admin, id)
		if err != nil {
			t.Fatal(err)
		}
		if dc.State != steward.ComplianceCompliant || dc.Report == nil || dc.Report.Version != dc.CurrentVersion {
			t.Fatalf("device %s: %+v", id, dc)
		}
		found := false
		for _, st := range dc.Report.Settings {
			if st.Key == protocol.KeyWiFiPrefix+ssid {
				found = st.Status == protocol.SettingApplied
			}
		}
		if !found {
			t.Errorf("device %s did not report %s applied: %+v", id, ssid, dc.Report.Settings)
		}
	}
	eff, err := svc.EffectivePolicy(admin, outside.ID)
	if err != nil {
		t.Fatal(err)
	}
	if eff.Version != "" || len(eff.Settings.WiFi) != 0 {
		t.Errorf("the device outside the group has an effective policy: %+v", eff)
	}
	first := fleet.Stats()
	if first.PolicyReports < inGroup {
		t.Errorf("stats %+v: want at least %d policy reports", first, inGroup)
	}

	// A new password is a new version: pushed, fetched, applied, reported.
	password = "another-horse-battery"
	v1, err := svc.DeviceCompliance(admin, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpdatePolicy(admin, pol.ID, service.PolicyUpdate{
		Settings: &steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: ssid, Security: protocol.WiFiWPA2Personal, Password: &password}}}}); err != nil {
		t.Fatal(err)
	}
	v2, err := svc.DeviceCompliance(admin, ids[0])
	if err != nil {
		t.Fatal(err)
	}
	if v2.CurrentVersion == v1.CurrentVersion {
		t.Fatalf("the edit left the effective version at %q", v1.CurrentVersion)
	}
	edited := time.Now()
	waitFor(t, ctx, "100 devices compliant with the new version", func() bool {
		return counts()[steward.ComplianceCompliant] == inGroup && fleet.Stats().PolicyReports >= first.PolicyReports+inGroup
	})
	t.Logf("the new version was applied and reported by %d devices %v after the edit", inGroup, time.Since(edited).Round(time.Millisecond))

	// The console shows the same counts to a signed-in manager.
	res, err := svc.Login(ctx, steward.LoginRequest{Email: "admin@example.com", Password: "a-long-password-1", IP: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(ctx, "GET", hs.URL+"/console/compliance?account="+c.ID+"&state=compliant", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: web.SessionCookie, Value: res.Secret})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("console compliance page: %d\n%s", resp.StatusCode, body)
	}
	page := string(body)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`stat-c-compliant.*?<span class="stat-value">100</span>`),
		regexp.MustCompile(`stat-c-unknown.*?<span class="stat-value">10</span>`),
	} {
		if !want.MatchString(page) {
			t.Errorf("console compliance page does not match %s", want)
		}
	}
	if !strings.Contains(page, devs[0].Name) && !strings.Contains(page, devs[0].SupportID) {
		t.Errorf("console compliance page does not list device %s", devs[0].SupportID)
	}
}
