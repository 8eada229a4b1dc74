package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// TestComplianceCommands: a device reports a failed setting over the
// device protocol; compliance list counts and names it with what failed,
// compliance show lists every setting, and --json gives the API's answer.
func TestComplianceCommands(t *testing.T) {
	h := newHarness(t)
	h.login()
	cl := decode[steward.Account](t, h.ok("", "accounts", "create", "--name", "Compliance Client", "--kind", "client", "--json"))
	code := codeLine.FindStringSubmatch(h.ok("", "codes", "create", "--account", cl.ID, "--seats", "2"))[1]
	bad, cred := enrollDevice(t, h.url, code, protocol.OwnershipCompany, "hw-c1", "Lobby kiosk", nil, nil)
	quiet, _ := enrollDevice(t, h.url, code, protocol.OwnershipCompany, "hw-c2", "Quiet laptop", nil, nil)
	// A policy targets the kiosk: it reports on the version it fetched.
	h.ok(`{"name": "Kiosk", "settings": {"wifi": [{"ssid": "Office", "security": "open"}]},
		"targets": [{"kind": "device", "id": "`+bad+`"}]}`, "policies", "create", "--account", cl.ID, "--file", "-")
	var pol protocol.Policy
	if st := deviceCall(t, "GET", h.url+protocol.PathPolicy, cred, nil, &pol); st != http.StatusOK || pol.Version == "" {
		t.Fatalf("fetch the policy: status %d, version %q", st, pol.Version)
	}
	if st := deviceCall(t, "POST", h.url+protocol.PathPolicyReport, cred, protocol.PolicyReport{Protocol: protocol.Version, Version: pol.Version,
		AppliedAt: time.Now().UTC(), Settings: []protocol.SettingStatus{
			{Key: "wifi/Office", Status: protocol.SettingFailed, Detail: "Secrets were required."},
			{Key: "restrictions.disable_camera", Status: protocol.SettingNotApplicable, Detail: "No camera policy on Linux."},
		}}, nil); st != http.StatusNoContent {
		t.Fatalf("report: status %d", st)
	}

	out := h.ok("", "compliance", "list", "--account", cl.ID)
	if !strings.Contains(out, "2 devices: compliant 0, non_compliant 1, pending 0, unknown 1.") || !strings.Contains(out, bad) ||
		!strings.Contains(out, "wifi/Office: Secrets were required.") || strings.Contains(out, quiet) {
		t.Errorf("compliance list:\n%s", out)
	}
	if out := h.ok("", "compliance", "list", "--account", cl.ID, "--state", "unknown"); !strings.Contains(out, quiet) || strings.Contains(out, bad) {
		t.Errorf("compliance list --state unknown:\n%s", out)
	}
	if e := h.fail(1, "", "compliance", "list", "--state", "fine"); !strings.Contains(e, "non_compliant, pending or unknown") {
		t.Errorf("a bad state: %s", e)
	}
	sum := decode[steward.ComplianceSummary](t, h.ok("", "compliance", "list", "--json"))
	if sum.Counts[steward.ComplianceNonCompliant] != 1 || len(sum.Items) != 1 {
		t.Errorf("compliance list --json: %+v", sum)
	}

	out = h.ok("", "compliance", "show", bad)
	for _, want := range []string{"Lobby kiosk", "non_compliant", "Report on version " + pol.Version, "restrictions.disable_camera", "not_applicable",
		"No camera policy on Linux.", "2 settings, 1 failed."} {
		if !strings.Contains(out, want) {
			t.Errorf("compliance show lacks %q:\n%s", want, out)
		}
	}
	dc := decode[steward.DeviceCompliance](t, h.ok("", "compliance", "show", bad, "--json"))
	if dc.Report == nil || len(dc.Report.Settings) != 2 {
		t.Errorf("compliance show --json: %+v", dc)
	}
	if e := h.fail(1, "", "compliance", "show", steward.NewID(time.Now())); !strings.Contains(e, "not found") {
		t.Errorf("an unknown device: %s", e)
	}
}
