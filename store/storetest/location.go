package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

func testPrivacySettings(t *testing.T, f *fixture) {
	c := f.account(t, f.account(t, nil, steward.AccountPlatform, "P"), steward.AccountClient, "C")
	s, err := f.db.PrivacySettings(f.ctx, c.ID)
	ok(t, err)
	diff(t, "never set", s, &steward.PrivacySettings{AccountID: c.ID})
	want := &steward.PrivacySettings{AccountID: c.ID, LocationEnabled: true, UpdatedBy: "a@example.com", UpdatedAt: f.now()}
	ok(t, f.db.PutPrivacySettings(f.ctx, want))
	want.WebHistoryEnabled, want.LocationEnabled, want.UpdatedAt = true, false, f.now()
	ok(t, f.db.PutPrivacySettings(f.ctx, want))
	// In a transaction the read locks the row on PostgreSQL; it must work on both.
	ok(t, f.db.InTx(f.ctx, func(ctx2 context.Context) error {
		s, err = f.db.PrivacySettings(ctx2, c.ID)
		return err
	}))
	diff(t, "after two writes", s, want)
}

func testLocationPoints(t *testing.T, f *fixture) {
	acc := f.account(t, f.account(t, nil, steward.AccountPlatform, "P"), steward.AccountClient, "C")
	d, other := f.device(t, acc, nil), f.device(t, acc, nil)
	base := f.now()
	point := func(dev *steward.Device, lat float64, at time.Time) *steward.LocationPoint {
		return &steward.LocationPoint{ID: f.id(), DeviceID: dev.ID, Latitude: lat, Longitude: -lat, AccuracyM: ptr(3.5), RecordedAt: at, ReceivedAt: base}
	}
	var ps []*steward.LocationPoint
	for i := range 5 {
		ps = append(ps, point(d, float64(i), base.Add(time.Duration(i)*time.Minute)))
	}
	n, err := f.db.InsertLocationPoints(f.ctx, d.ID, ps, 3)
	ok(t, err)
	if n != 2 {
		t.Errorf("evicted %d of 5 with a cap of 3, want 2", n)
	}
	_, err = f.db.InsertLocationPoints(f.ctx, other.ID, []*steward.LocationPoint{point(other, 9, base)}, 3)
	ok(t, err)
	got, err := f.db.ListLocationPoints(f.ctx, d.ID, 10)
	ok(t, err)
	diff(t, "kept points, newest first", got, []*steward.LocationPoint{ps[4], ps[3], ps[2]})

	gone, err := f.db.DeleteDeviceLocation(f.ctx, d.ID)
	ok(t, err)
	if gone != 3 {
		t.Errorf("deleted %d points of the device, want 3", gone)
	}
	gone, err = f.db.DeleteAccountLocation(f.ctx, acc.ID)
	ok(t, err)
	if gone != 1 {
		t.Errorf("deleted %d points of the account, want 1", gone)
	}
	wantCode(t, f.db.LockDeviceData(f.ctx, "missing"), steward.ENOTFOUND)
}

func testConsentsAndVisits(t *testing.T, f *fixture) {
	acc := f.account(t, f.account(t, nil, steward.AccountPlatform, "P"), steward.AccountClient, "C")
	d := f.device(t, acc, nil)
	_, err := f.db.LatestConsent(f.ctx, d.ID, steward.ConsentLocation)
	wantCode(t, err, steward.ENOTFOUND)
	var cs []*steward.Consent
	for _, g := range []bool{true, false, true} {
		c := &steward.Consent{ID: f.id(), DeviceID: d.ID, Purpose: steward.ConsentLocation, Granted: g, NoticeVersion: "v1",
			DecidedAt: f.now(), RecordedAt: f.now()}
		ok(t, f.db.InsertConsent(f.ctx, c))
		cs = append(cs, c)
	}
	web := &steward.Consent{ID: f.id(), DeviceID: d.ID, Purpose: steward.ConsentWebHistory, NoticeVersion: "v1", DecidedAt: f.now(), RecordedAt: f.now()}
	ok(t, f.db.InsertConsent(f.ctx, web))
	latest, err := f.db.LatestConsent(f.ctx, d.ID, steward.ConsentLocation)
	ok(t, err)
	diff(t, "latest location decision", latest, cs[2])
	all, err := f.db.ListConsents(f.ctx, d.ID, 10)
	ok(t, err)
	diff(t, "every decision, newest first", all, []*steward.Consent{web, cs[2], cs[1], cs[0]})

	v := &steward.WebVisit{ID: f.id(), DeviceID: d.ID, URL: "https://a.example/", Title: "A", VisitedAt: f.now(), ReceivedAt: f.now()}
	ok(t, f.db.InsertWebVisits(f.ctx, []*steward.WebVisit{v}))
	vs, err := f.db.ListWebVisits(f.ctx, d.ID, 10)
	ok(t, err)
	diff(t, "visits", vs, []*steward.WebVisit{v})
	n, err := f.db.DeleteAccountWebHistory(f.ctx, acc.ID)
	ok(t, err)
	if n != 1 {
		t.Errorf("deleted %d visits, want 1", n)
	}
}
