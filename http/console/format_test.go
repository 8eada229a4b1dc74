package console

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/stewardmdm/steward"
)

func TestFormats(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	got := []string{
		ago(now, now.Add(10*time.Second)), ago(now, now.Add(-30*time.Second)), ago(now, now.Add(-5*time.Minute)),
		ago(now, now.Add(-3*time.Hour)), ago(now, now.Add(-50*time.Hour)), ago(now, now.Add(-90*24*time.Hour)),
		duration(59), duration(3600 + 5*60), duration(3*86400 + 4*3600 + 59),
		formatBytes(512), formatBytes(6_710_886), formatBytes(3 << 30),
	}
	want := []string{"just now", "just now", "5 min ago", "3 h ago", "2 days ago", "2026-08-25", "0 min", "1 h 5 min", "3 d 4 h",
		"512 B", "6.4 MiB", "3.0 GiB"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("ago, duration and sizes (-want +got):\n%s", d)
	}
}

func TestEventSummary(t *testing.T) {
	for _, tc := range []struct {
		kind, detail, want string
	}{
		{"enrolled", `{"ownership":"personal","code":"ABCD","ip":"192.0.2.1"}`, "Enrolled as personal (BYOD) with code ABCD… from 192.0.2.1."},
		{"enrolled", `{"reenrolled":true,"ip":"192.0.2.1"}`, "Enrolled again from 192.0.2.1; the old credential stopped working."},
		{"inventory", `{"os_version":["13","14"],"model":["","TC52"],"iccid":["894","" ]}`, "iccid: 894 → none\nmodel: TC52\nos version: 13 → 14"},
		{"apps", `{"before":1,"after":3}`, "App list: 1 → 3 apps."},
		{"apps", `{"installed":["a.b","c.d"],"removed":["e.f"]}`, "installed or updated a.b, c.d; removed e.f"},
		{"command", `{"id":"x","type":"send_message","status":"succeeded"}`, "message: succeeded"},
		{"refused", `{"fields":["inventory.sim"],"count":1}`, "Refused under the BYOD rules (1): inventory.sim"},
		{"credential", `{"revoked_by":"a@example.com"}`, "Credential revoked by a@example.com."},
		{"disabled", `{"reason":"Activation check: the code was revoked","by":"daily activation check"}`, "Activation check: the code was revoked (daily activation check)"},
		{"future_kind", `{"x":1}`, `{"x":1}`},
		{"inventory", `not json`, "not json"},
	} {
		got := eventSummary(&steward.DeviceEvent{Kind: tc.kind, Detail: json.RawMessage(tc.detail)})
		if got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.kind, tc.detail, got, tc.want)
		}
	}
}
