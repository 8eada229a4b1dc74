package service_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// report sends a policy report as dev, with settings given as key, status
// and detail triples, and fails t on an error.
func (e *env) report(t *testing.T, dev *service.Device, version string, settings ...[3]string) {
	t.Helper()
	e.tick()
	must(t, e.svc.ReportPolicy(e.ctx, dev, policyReport(version, settings...)))
}

func policyReport(version string, settings ...[3]string) *protocol.PolicyReport {
	r := &protocol.PolicyReport{Protocol: protocol.Version, Version: version, AppliedAt: time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)}
	for _, s := range settings {
		r.Settings = append(r.Settings, protocol.SettingStatus{Key: s[0], Status: s[1], Detail: s[2]})
	}
	return r
}

var (
	wifiOK     = [3]string{"wifi/Office", "applied", ""}
	wifiFailed = [3]string{"wifi/Office", "failed", "Wrong password."}
	cameraNA   = [3]string{"restrictions.disable_camera", "not_applicable", "No camera policy on Linux."}
	appPending = [3]string{"app/com.example.timesheet", "pending", "Downloading."}
	usbFailed  = [3]string{"restrictions.disable_usb", "failed", "Not allowed by the device owner."}
)

// policyVersions is a stand-in for the effective-policy computation: the
// version each device should hold, changeable during a test.
type policyVersions struct {
	mu sync.Mutex
	m  map[string]string
}

func (p *policyVersions) set(dev *service.Device, v string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[dev.ID] = v
}

func (p *policyVersions) get(_ context.Context, ids []string) (map[string]string, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := map[string]string{}
	for _, id := range ids {
		if v, ok := p.m[id]; ok {
			out[id] = v
		}
	}
	return out, nil
}

// TestComplianceFromReportsAlone: while the current versions are not
// computed, each device is judged by its latest report; one that never
// reported is unknown. The summary counts every device of the subtree and
// lists the non-compliant ones with what failed; a foreign subtree's
// devices are neither counted nor readable.
func TestComplianceFromReportsAlone(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		service.SetPolicyVersions(e.svc, nil) // judged by the reports alone: the current versions are not consulted
		w := e.locWorld(t)
		ok, failing, pending, silent := e.enroll(t, w, w.code1, steward.OwnershipCompany), e.enroll(t, w, w.code1, steward.OwnershipCompany),
			e.enroll(t, w, w.code1, steward.OwnershipPersonal), e.enroll(t, w, w.code1, steward.OwnershipCompany)
		foreign := e.enroll(t, w, w.code3, steward.OwnershipCompany)
		e.report(t, ok, "v1", wifiOK, cameraNA)
		e.report(t, failing, "v1", wifiFailed, cameraNA, usbFailed)
		e.report(t, pending, "v1", wifiOK, appPending)
		e.report(t, foreign, "v1", wifiFailed)

		sum, err := e.svc.Compliance(w.c1.ctx, steward.ComplianceFilter{})
		must(t, err)
		diff(t, "counts of C1", sum.Counts, map[steward.ComplianceState]int{"compliant": 1, "non_compliant": 1, "pending": 1, "unknown": 1})
		if sum.Total != 4 || len(sum.Items) != 1 {
			t.Fatalf("summary of C1: %d devices, %d listed; want 4 and the failing one", sum.Total, len(sum.Items))
		}
		got := sum.Items[0]
		diff(t, "the non-compliant device", got, &steward.DeviceCompliance{DeviceID: failing.ID, AccountID: w.C1.ID,
			Name: got.Name, SupportID: got.SupportID, State: steward.ComplianceNonCompliant, CurrentVersion: "v1",
			Reason: "2 of 3 settings of policy version v1 failed.",
			Failing: []steward.ComplianceSetting{{Key: "wifi/Office", Status: "failed", Detail: "Wrong password."},
				{Key: "restrictions.disable_usb", Status: "failed", Detail: "Not allowed by the device owner."}}})

		for dev, want := range map[*service.Device]steward.ComplianceState{ok: "compliant", pending: "pending", silent: "unknown", failing: "non_compliant"} {
			dc, err := e.svc.DeviceCompliance(w.ro.ctx, dev.ID) // a read-only role reads it
			must(t, err)
			if dc.State != want {
				t.Errorf("device %s is %s (%s), want %s", dev.ID, dc.State, dc.Reason, want)
			}
			if (dc.Report == nil) != (dev == silent) {
				t.Errorf("device %s: report %+v", dev.ID, dc.Report)
			}
		}
		sum, err = e.svc.Compliance(w.c1.ctx, steward.ComplianceFilter{State: steward.ComplianceUnknown})
		must(t, err)
		if len(sum.Items) != 1 || sum.Items[0].DeviceID != silent.ID || sum.Items[0].Reason != "No policy targets the device, and it has sent no report." {
			t.Errorf("unknown devices: %+v", sum.Items)
		}

		// The reseller above sees C1's devices; C3's owner sees only its own.
		sum, err = e.svc.Compliance(w.r1.ctx, steward.ComplianceFilter{})
		must(t, err)
		if sum.Total != 4 {
			t.Errorf("R1 counts %d devices, want C1's 4", sum.Total)
		}
		sum, err = e.svc.Compliance(w.admin.ctx, steward.ComplianceFilter{})
		must(t, err)
		if sum.Counts[steward.ComplianceNonCompliant] != 2 {
			t.Errorf("the platform counts %d non-compliant devices, want 2", sum.Counts[steward.ComplianceNonCompliant])
		}
		_, err = e.svc.DeviceCompliance(w.c1.ctx, foreign.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.Compliance(w.c1.ctx, steward.ComplianceFilter{AccountID: w.C3.ID})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.Compliance(w.c1.ctx, steward.ComplianceFilter{State: "broken"})
		wantCode(t, err, steward.EINVALID, "state")
	})
}

// TestComplianceAgainstCurrentVersion: once the current versions are
// known, a device is pending until it reports on its current version; a
// report on another version is kept as stale but never replaces one on
// the current version; a device no policy targets is unknown.
func TestComplianceAgainstCurrentVersion(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		pv := &policyVersions{m: map[string]string{}}
		service.SetPolicyVersions(e.svc, pv.get)
		w := e.locWorld(t)
		dev, other := e.enroll(t, w, w.code1, steward.OwnershipCompany), e.enroll(t, w, w.code1, steward.OwnershipCompany)
		state := func(d *service.Device) *steward.DeviceCompliance {
			t.Helper()
			dc, err := e.svc.DeviceCompliance(w.c1.ctx, d.ID)
			must(t, err)
			return dc
		}
		if dc := state(dev); dc.State != steward.ComplianceUnknown {
			t.Errorf("untargeted, silent device: %s", dc.State)
		}
		pv.set(dev, "v2")
		pv.set(other, "v2")
		if dc := state(dev); dc.State != steward.CompliancePending || dc.Reason != "The device has not reported on policy version v2 yet." {
			t.Errorf("targeted, silent device: %s (%s)", dc.State, dc.Reason)
		}
		e.report(t, dev, "v1", wifiOK) // behind: stale
		dc := state(dev)
		if dc.State != steward.CompliancePending || !dc.Stale || dc.Report == nil || dc.Report.Version != "v1" {
			t.Errorf("after a stale report: %+v", dc)
		}
		e.report(t, dev, "v2", wifiFailed)
		if dc := state(dev); dc.State != steward.ComplianceNonCompliant || dc.Stale || len(dc.Failing) != 1 {
			t.Errorf("after a failing report on v2: %+v", dc)
		}
		e.report(t, dev, "v1", wifiOK) // late and stale: dropped
		if dc := state(dev); dc.Report.Version != "v2" || dc.State != steward.ComplianceNonCompliant {
			t.Errorf("a stale report replaced the current one: %+v", dc.Report)
		}
		e.report(t, dev, "v2", wifiOK)
		if dc := state(dev); dc.State != steward.ComplianceCompliant {
			t.Errorf("after a clean report on v2: %s (%s)", dc.State, dc.Reason)
		}

		// The policy changes: the device is pending again, its report stale,
		// and the summary says so without the device reporting.
		pv.set(dev, "v3")
		sum, err := e.svc.Compliance(w.c1.ctx, steward.ComplianceFilter{State: steward.CompliancePending})
		must(t, err)
		diff(t, "counts after the policy changed", sum.Counts, map[steward.ComplianceState]int{"compliant": 0, "non_compliant": 0, "pending": 2, "unknown": 0})
		if len(sum.Items) != 2 || !sum.Items[0].Stale || sum.Items[0].CurrentVersion != "v3" {
			t.Errorf("pending devices: %+v", sum.Items[0])
		}
		pv.set(dev, "")
		if dc := state(dev); dc.State != steward.ComplianceUnknown || !dc.Stale {
			t.Errorf("no policy targets it any more: %+v", dc)
		}
	})
}

// TestComplianceHistoryAndPaging: a change of a device's compliance is a
// line in its history, a repeated report is not; the list pages in device
// ID order.
func TestComplianceHistoryAndPaging(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		service.SetPolicyVersions(e.svc, nil) // judged by the reports alone: the current versions are not consulted
		w := e.locWorld(t)
		var devs []*service.Device
		for range 5 {
			d := e.enroll(t, w, w.code1, steward.OwnershipCompany)
			e.report(t, d, "v1", wifiFailed)
			devs = append(devs, d)
		}
		e.report(t, devs[0], "v1", wifiFailed)
		e.report(t, devs[0], "v1", wifiOK)
		hist, err := e.svc.DeviceHistory(w.c1.ctx, devs[0].ID, "", 50)
		must(t, err)
		var lines []string
		for _, ev := range hist {
			if ev.Kind == "compliance" {
				lines = append(lines, string(ev.Detail))
			}
		}
		diff(t, "compliance lines of the history, newest first", lines, []string{
			`{"state":"compliant","version":"v1"}`,
			`{"failed":["wifi/Office"],"state":"non_compliant","version":"v1"}`,
		})

		var seen []string
		after := ""
		for range 3 {
			sum, err := e.svc.Compliance(w.c1.ctx, steward.ComplianceFilter{After: after, Limit: 2})
			must(t, err)
			for _, it := range sum.Items {
				seen = append(seen, it.DeviceID)
				if len(it.Failing) != 1 {
					t.Errorf("listed without its failing setting: %+v", it)
				}
			}
			if after = sum.Next; after == "" {
				break
			}
		}
		want := []string{}
		for _, d := range devs[1:] {
			want = append(want, d.ID)
		}
		diff(t, "non-compliant devices over the pages", seen, want)
	})
}

// TestComplianceReportGoesWithTheDevice: the device's reset deletes its
// report, and a report from the reset device is not found and stores
// nothing.
func TestComplianceReportGoesWithTheDevice(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev, keep := e.enroll(t, w, w.code1, steward.OwnershipCompany), e.enroll(t, w, w.code1, steward.OwnershipCompany)
		e.report(t, dev, "v1", wifiOK)
		e.report(t, keep, "v1", wifiOK)
		cmds, err := e.svc.SendCommand(w.c1.ctx, service.CommandSend{DeviceIDs: []string{dev.ID}, Type: steward.CmdWipe, Confirm: true})
		must(t, err)
		must(t, e.svc.AckCommand(e.ctx, dev, cmds[0].ID))
		must(t, e.svc.CommandResult(e.ctx, dev, cmds[0].ID, &protocol.CommandResult{Status: "succeeded"}))
		diff(t, "reports after the reset", e.ids(t, `SELECT device_id FROM device_compliance ORDER BY device_id`), []string{keep.ID})
		wantCode(t, e.svc.ReportPolicy(e.ctx, dev, policyReport("v1", wifiOK)), steward.ENOTFOUND)
		diff(t, "reports after a report from the reset device", e.ids(t, `SELECT device_id FROM device_compliance`), []string{keep.ID})
	})
}

// TestComplianceManySettings: a report of the most settings the protocol
// allows is kept whole.
func TestComplianceManySettings(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		service.SetPolicyVersions(e.svc, nil) // judged by the reports alone: the current versions are not consulted
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		var settings [][3]string
		for i := range protocol.MaxSettings {
			settings = append(settings, [3]string{fmt.Sprintf("app/com.example.a%04d", i), "applied", ""})
		}
		settings[999][1], settings[999][2] = "failed", "Blocked by the user."
		e.report(t, dev, "v1", settings...)
		dc, err := e.svc.DeviceCompliance(w.c1.ctx, dev.ID)
		must(t, err)
		if len(dc.Report.Settings) != protocol.MaxSettings || dc.Report.Failed != 1 || dc.Failing[0].Key != "app/com.example.a0999" {
			t.Errorf("report of %d settings, %d failed: %+v", len(dc.Report.Settings), dc.Report.Failed, dc.Failing)
		}
	})
}
