package sim_test

import (
	"log/slog"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/sim"
)

func ptr[T any](v T) *T { return &v }

func simPolicy(version string) *protocol.Policy {
	return &protocol.Policy{Version: version,
		WiFi:                   []protocol.WiFiNetwork{{SSID: "Warehouse", Security: protocol.WiFiWPA2Personal, Password: "forklifts-only"}},
		Apps:                   []protocol.AppRule{{Package: "com.example.scanner", Action: protocol.AppRequired}, {Package: "com.example.game", Action: protocol.AppBlocked}},
		Restrictions:           &protocol.Restrictions{DisableCamera: ptr(true)},
		CheckInIntervalSeconds: ptr(600)}
}

// TestPolicyFetchedAppliedAndReported: every device fetches the policy its
// check-in names and reports every setting; Wi-Fi fails where the rate
// says so (always, here) and nothing else does. A refresh push brings the
// next version, fetched with the ETag held; a refresh for the version held
// is a 304 and no report. The stats count it all.
func TestPolicyFetchedAppliedAndReported(t *testing.T) {
	s := newFakeServer(t)
	s.setPolicy(simPolicy("v1"))
	f := newFleet(t, s, 12, func(o *sim.Options) {
		o.UsePush = true
		o.PolicyFailureRates = map[string]float64{"wifi": 1}
	})
	enroll(t, f)
	run(t, f)
	reported := func(version string, n int) func() bool {
		return func() bool {
			for _, reps := range s.reportsOf() {
				if len(reps) < n || reps[len(reps)-1].Version != version {
					return false
				}
			}
			return true
		}
	}
	waitFor(t, "a report on v1 from every device", reported("v1", 1))
	for id, reps := range s.reportsOf() {
		got := map[string]string{}
		for _, st := range reps[0].Settings {
			got[st.Key] = st.Status + " " + st.Detail
		}
		want := map[string]string{
			"wifi/Warehouse":              "failed Could not connect: the network rejected the credentials.",
			"app/com.example.scanner":     "applied ",
			"app/com.example.game":        "applied ",
			"restrictions.disable_camera": "applied ",
			"checkin_interval_seconds":    "applied ",
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("device %s reported (-want +got):\n%s", id, diff)
		}
	}

	waitFor(t, "every push socket", func() bool { return s.connected() == 12 })
	s.setPolicy(simPolicy("v2"))
	s.pushAll(t, protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{protocol.RefreshPolicy}})
	waitFor(t, "a report on v2 from every device", reported("v2", 2))
	s.pushAll(t, protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{protocol.RefreshDirectory, protocol.RefreshPolicy}})
	waitFor(t, "a 304 for every device", func() bool { return f.Stats().PolicyNotModified == 12 })
	st := f.Stats()
	if st.PolicyFetches != 24 || st.PolicyReports != 24 {
		t.Errorf("stats: %d fetches, %d reports; want 24 and 24", st.PolicyFetches, st.PolicyReports)
	}
	s.mu.Lock()
	for id, d := range s.devices {
		if diff := cmp.Diff([]string{"", `"v1"`, `"v2"`}, d.policyGets); diff != "" {
			t.Errorf("device %s fetched with If-None-Match (-want +got):\n%s", id, diff)
		}
	}
	violations := s.violations
	s.mu.Unlock()
	if len(violations) > 0 {
		t.Errorf("protocol violations: %s", strings.Join(violations, "\n"))
	}
}

// TestPolicyWithoutFailures: by default every setting applies; a device
// whose policy goes away reports nothing more.
func TestPolicyWithoutFailures(t *testing.T) {
	s := newFakeServer(t)
	s.setPolicy(simPolicy("v1"))
	f := newFleet(t, s, 5, nil)
	enroll(t, f)
	checkInAll(t, f)
	for id, reps := range s.reportsOf() {
		if len(reps) != 1 {
			t.Fatalf("device %s sent %d reports, want 1", id, len(reps))
		}
		for _, st := range reps[0].Settings {
			if st.Status != protocol.SettingApplied {
				t.Errorf("device %s: %+v", id, st)
			}
		}
	}
	checkInAll(t, f) // the same version: nothing to fetch
	s.setPolicy(nil)
	checkInAll(t, f)
	for id, reps := range s.reportsOf() {
		if len(reps) != 1 {
			t.Errorf("device %s sent %d reports, want still 1", id, len(reps))
		}
	}
	if st := f.Stats(); st.PolicyFetches != 5 || st.PolicyNotModified != 0 {
		t.Errorf("stats: %+v", st)
	}
}

func TestPolicyFailureRatesAreChecked(t *testing.T) {
	for name, rates := range map[string]map[string]float64{
		"unknown kind": {"bluetooth": 0.5},
		"over one":     {"wifi": 1.5},
		"negative":     {"app": -0.1},
	} {
		_, err := sim.New(sim.Options{Server: "http://127.0.0.1:1", ActivationCode: "x", Devices: 1,
			Logger: slog.New(slog.DiscardHandler), Clock: newClock(), PolicyFailureRates: rates})
		if err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	for key, kind := range map[string]string{"wifi/Office": "wifi", "ca_cert/ab": "ca_cert", "app/com.x": "app", "kiosk": "kiosk",
		"restrictions.disable_usb": "restrictions", "tracking.location": "tracking", "checkin_interval_seconds": "checkin_interval"} {
		if got := sim.SettingKind(key); got != kind {
			t.Errorf("SettingKind(%q) = %q, want %q", key, got, kind)
		}
	}
}
