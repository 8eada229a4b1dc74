package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// testComplianceReports: a device's report is stored whole, replaced by
// the next one, read alone or for a set of devices, and goes with the
// device.
func testComplianceReports(t *testing.T, f *fixture) {
	acc := f.account(t, f.account(t, nil, steward.AccountPlatform, "P"), steward.AccountClient, "C")
	d, other, silent := f.device(t, acc, nil), f.device(t, acc, nil), f.device(t, acc, nil)
	wantCode(t, func() error { _, err := f.db.ComplianceReport(f.ctx, d.ID); return err }(), steward.ENOTFOUND)

	first := &steward.ComplianceReport{DeviceID: d.ID, Version: "v1", AppliedAt: f.now(), ReceivedAt: f.now(),
		State: steward.ComplianceNonCompliant, Failed: 1, Settings: []steward.ComplianceSetting{
			{Key: "wifi/Office", Status: steward.SettingFailed, Detail: "Wrong password — «Office»"},
			{Key: "kiosk", Status: steward.SettingNotApplicable, Detail: "No kiosk mode on Linux."},
			{Key: "checkin_interval_seconds", Status: steward.SettingApplied},
		}}
	ok(t, f.db.PutComplianceReport(f.ctx, first))
	got, err := f.db.ComplianceReport(f.ctx, d.ID)
	ok(t, err)
	diff(t, "the first report", got, first)

	second := &steward.ComplianceReport{DeviceID: d.ID, Version: "v2", AppliedAt: f.now(), ReceivedAt: f.now(),
		State: steward.ComplianceCompliant, Settings: []steward.ComplianceSetting{}}
	ok(t, f.db.PutComplianceReport(f.ctx, second))
	got, err = f.db.ComplianceReport(f.ctx, d.ID)
	ok(t, err)
	diff(t, "the report that replaced it", got, second)
	if got.Settings == nil {
		t.Error("a report of no settings reads back nil settings, want an empty list")
	}

	many := make([]steward.ComplianceSetting, 1000)
	for i := range many {
		many[i] = steward.ComplianceSetting{Key: fmt.Sprintf("app/com.example.a%04d", i), Status: steward.SettingPending}
	}
	third := &steward.ComplianceReport{DeviceID: other.ID, Version: "v2", AppliedAt: f.now(), ReceivedAt: f.now(),
		State: steward.CompliancePending, Settings: many}
	ok(t, f.db.PutComplianceReport(f.ctx, third))
	byDevice, err := f.db.ComplianceReports(f.ctx, []string{d.ID, other.ID, silent.ID, "missing"})
	ok(t, err)
	diff(t, "reports of a set of devices", byDevice, map[string]*steward.ComplianceReport{d.ID: second, other.ID: third})

	wantCode(t, f.db.PutComplianceReport(f.ctx, &steward.ComplianceReport{DeviceID: "missing", Version: "v1",
		AppliedAt: f.now(), ReceivedAt: f.now(), State: steward.ComplianceCompliant}), steward.ENOTFOUND)

	ok(t, f.db.DeleteDevice(f.ctx, d.ID))
	byDevice, err = f.db.ComplianceReports(f.ctx, []string{d.ID, other.ID})
	ok(t, err)
	if _, ok := byDevice[d.ID]; ok || len(byDevice) != 1 {
		t.Errorf("after the device's deletion the reports are %v, want only the other device's", byDevice)
	}
}

// testComplianceEntries: the entries of a subtree are its devices, each
// with its report's version and state, without the settings, in ID order;
// a device of another subtree is not among them.
func testComplianceEntries(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "P")
	r := f.account(t, p, steward.AccountReseller, "R")
	c1, c2 := f.account(t, r, steward.AccountClient, "C1"), f.account(t, p, steward.AccountClient, "C2")
	a := f.device(t, c1, func(d *steward.Device) { d.Name = "Front desk" })
	b := f.device(t, c1, nil)
	foreign := f.device(t, c2, nil)
	at := f.now()
	for _, rep := range []*steward.ComplianceReport{
		{DeviceID: a.ID, Version: "v3", AppliedAt: at, ReceivedAt: at, State: steward.ComplianceNonCompliant, Failed: 2,
			Settings: []steward.ComplianceSetting{{Key: "a", Status: steward.SettingFailed}, {Key: "b", Status: steward.SettingFailed}}},
		{DeviceID: foreign.ID, Version: "v9", AppliedAt: at, ReceivedAt: at, State: steward.ComplianceCompliant},
	} {
		ok(t, f.db.PutComplianceReport(f.ctx, rep))
	}
	got, err := f.db.ComplianceEntries(f.ctx, r.Path)
	ok(t, err)
	diff(t, "entries of the reseller's subtree", got, []*steward.ComplianceEntry{
		{DeviceID: a.ID, AccountID: c1.ID, Name: "Front desk", SupportID: a.SupportID, Version: "v3",
			State: steward.ComplianceNonCompliant, Failed: 2, ReceivedAt: ptr(at.Truncate(time.Millisecond))},
		{DeviceID: b.ID, AccountID: c1.ID, Name: b.Name, SupportID: b.SupportID},
	})
	got, err = f.db.ComplianceEntries(f.ctx, p.Path)
	ok(t, err)
	if len(got) != 3 {
		t.Errorf("the platform's subtree has %d entries, want 3", len(got))
	}
}

// testCompliancePurge: the account clock deletes the reports of the
// account's own devices, not those of another account.
func testCompliancePurge(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "P")
	c1, c2 := f.account(t, p, steward.AccountClient, "C1"), f.account(t, p, steward.AccountClient, "C2")
	d, keep := f.device(t, c1, nil), f.device(t, c2, nil)
	for _, dev := range []*steward.Device{d, keep} {
		ok(t, f.db.PutComplianceReport(f.ctx, &steward.ComplianceReport{DeviceID: dev.ID, Version: "v1", AppliedAt: f.now(),
			ReceivedAt: f.now(), State: steward.ComplianceCompliant}))
	}
	ids, err := f.db.PurgeAccountPart(f.ctx, c1.ID, steward.PurgeCompliance, f.now(), 10)
	ok(t, err)
	diff(t, "purged reports", ids, []string{d.ID})
	byDevice, err := f.db.ComplianceReports(f.ctx, []string{d.ID, keep.ID})
	ok(t, err)
	if _, ok := byDevice[keep.ID]; !ok || len(byDevice) != 1 {
		t.Errorf("after the purge the reports are %v, want only the other account's", byDevice)
	}
}
