package service_test

import (
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/store"
)

const day = 24 * time.Hour

// TestLocationCapEvictsOldest: a device keeps its 50 newest points; the
// 51st evicts the oldest in the transaction that stores it, so no reader
// ever sees 51.
func TestLocationCapEvictsOldest(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		other := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		e.setSwitches(t, w.c1, w.C1, true, false)
		e.consent(t, dev, "location", true)
		e.consent(t, other, "location", true)

		var batch []protocol.LocationPoint
		for i := 1; i <= 50; i++ { // point i recorded 60-i minutes ago: point 1 is the oldest
			batch = append(batch, e.point(float64(i), time.Duration(60-i)*time.Minute))
		}
		res, err := e.postPoints(dev, batch...)
		must(t, err)
		diff(t, "answer to 50 points", *res, protocol.IngestResponse{Accepted: 50})
		e.mustPost(t, other, e.point(-1, time.Minute))
		if got := e.stored(t, dev); len(got) != 50 || got[0] != 50 || got[49] != 1 {
			t.Fatalf("after 50 points: %d stored, newest %v, oldest %v", len(got), got[0], got[len(got)-1])
		}

		e.mustPost(t, dev, e.point(51, 0))
		got := e.stored(t, dev)
		want := []float64{}
		for i := 51; i >= 2; i-- {
			want = append(want, float64(i))
		}
		diff(t, "points after the 51st (newest first)", got, want)

		// A point older than the 50 kept is stored and evicted at once.
		e.mustPost(t, dev, e.point(0.5, 2*time.Hour))
		diff(t, "points after an older one", e.stored(t, dev), want)

		// A batch larger than the cap keeps its newest 50.
		e.clock.Advance(10 * time.Minute)
		batch = batch[:0]
		for i := 100; i < 160; i++ {
			batch = append(batch, e.point(float64(i), time.Duration(200-i)*time.Second))
		}
		e.mustPost(t, dev, batch...)
		if got := e.stored(t, dev); len(got) != 50 || got[0] != 159 || got[49] != 110 {
			t.Errorf("after a batch of 60: %d stored, newest %v, oldest %v; want 50, 159, 110", len(got), got[0], got[len(got)-1])
		}
		// Another device's points are its own.
		diff(t, "the other device's points", e.stored(t, other), []float64{-1})
	})
}

// TestLocationRequiresCompanyPolicyAndConsent: a company device's points
// are stored only while its account's switch is on and its user's latest
// decision grants location; otherwise the batch is refused, nothing is
// stored, and the refusal is counted on the device.
func TestLocationRequiresCompanyPolicyAndConsent(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)

		type state struct {
			Privacy  protocol.Privacy
			Code     string
			Stored   int
			Refusals int64
		}
		refusals := int64(0)
		try := func(n int) state {
			t.Helper()
			var ps []protocol.LocationPoint
			for i := range n {
				ps = append(ps, e.point(float64(i), time.Minute))
			}
			_, err := e.postPoints(dev, ps...)
			got := state{Privacy: e.privacyOf(t, dev), Code: steward.ErrorCode(err), Stored: len(e.stored(t, dev)), Refusals: e.refusals(t, dev) - refusals}
			refusals = e.refusals(t, dev)
			return got
		}

		// Off by default; the device is told so, and points are refused.
		settings, err := e.svc.PrivacySettings(w.c1.ctx, w.C1.ID)
		must(t, err)
		if settings.LocationEnabled || settings.WebHistoryEnabled {
			t.Fatalf("default settings %+v, want both off", settings)
		}
		diff(t, "switch off, no decision", try(3), state{Code: steward.EFORBIDDEN, Refusals: 3})
		// A grant alone is not enough.
		e.consent(t, dev, "location", true)
		diff(t, "switch off, granted", try(2), state{Code: steward.EFORBIDDEN, Refusals: 2})
		// Switch on, but the latest decision is a refusal.
		e.setSwitches(t, w.c1, w.C1, true, false)
		e.consent(t, dev, "location", false)
		diff(t, "switch on, declined", try(2),
			state{Privacy: protocol.Privacy{LocationEnabled: true, LocationConsentRequired: true}, Code: steward.EFORBIDDEN, Refusals: 2})
		// Both: stored.
		e.consent(t, dev, "location", true)
		diff(t, "switch on, granted", try(2), state{Privacy: protocol.Privacy{LocationEnabled: true}, Stored: 2})

		// A device whose user never decided is asked.
		fresh := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		diff(t, "a new device", e.privacyOf(t, fresh), protocol.Privacy{LocationEnabled: true, LocationConsentRequired: true})
		_, err = e.postPoints(fresh, e.point(1, time.Minute))
		wantCode(t, err, steward.EFORBIDDEN)
		diff(t, "points of a device never asked", e.stored(t, fresh), []float64{})

		// The refusal is in the device's history.
		es, err := e.svc.DeviceHistory(w.c1.ctx, fresh.ID, "", 10)
		must(t, err)
		if len(es) == 0 || es[0].Kind != "refused" {
			t.Errorf("history of a refused batch: %+v", es)
		}
		// Another account's switch opens nothing here.
		dev3 := e.enroll(t, w, w.code3, steward.OwnershipCompany)
		e.consent(t, dev3, "location", true)
		_, err = e.postPoints(dev3, e.point(1, time.Minute))
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

// TestPersonalDeviceLocationRefused: a personal (BYOD) device's location
// and web history are refused and never stored, whatever the account
// enables and whatever its user says; it is told neither is enabled.
func TestPersonalDeviceLocationRefused(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipPersonal)
		e.setSwitches(t, w.c1, w.C1, true, true)
		diff(t, "what a personal device is told", e.privacyOf(t, dev), protocol.Privacy{})

		err := e.svc.RecordConsent(e.ctx, dev, &protocol.ConsentRequest{Protocol: 1, Purpose: "location", Granted: true,
			DecidedAt: e.clock.Now(), NoticeVersion: "2026-03"})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.postPoints(dev, e.point(52.52, time.Minute), e.point(52.53, 2*time.Minute))
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.IngestWebHistory(e.ctx, dev, &protocol.WebHistoryRequest{Protocol: 1,
			Visits: []protocol.WebVisit{{URL: "https://personal.example/", VisitedAt: e.clock.Now()}}})
		wantCode(t, err, steward.EFORBIDDEN)

		diff(t, "points stored", e.stored(t, dev), []float64{})
		diff(t, "visits stored", e.visits(t, dev), []string{})
		if n := e.raw.Exec(t, `UPDATE device_consents SET purpose = purpose WHERE device_id = $1`, dev.ID); n != 0 {
			t.Errorf("%d consents stored for a personal device", n)
		}
		if got := e.refusals(t, dev); got != 3 {
			t.Errorf("refusals %d, want 3 (two points, one visit)", got)
		}
	})
}

// TestLocationPurgedWhenDisabledOrWithdrawn: the user withdrawing consent
// deletes that device's points at once; turning the switch off deletes
// every device's points (and web history) of the account, and nothing of
// another account.
func TestLocationPurgedWhenDisabledOrWithdrawn(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		a := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		b := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		c := e.enroll(t, w, w.code3, steward.OwnershipCompany) // another client
		e.setSwitches(t, w.c1, w.C1, true, true)
		e.setSwitches(t, w.r2, w.C3, true, true)
		e.consent(t, a, "location", true)
		e.consent(t, b, "location", true)
		e.consent(t, c, "location", true)
		e.mustPost(t, a, e.point(1, time.Minute), e.point(2, 2*time.Minute))
		e.mustPost(t, b, e.point(3, time.Minute))
		e.mustPost(t, c, e.point(4, time.Minute))
		web := &protocol.WebHistoryRequest{Protocol: 1, Visits: []protocol.WebVisit{{URL: "https://intranet.example/", Title: "Intranet", VisitedAt: e.clock.Now()}}}
		_, err := e.svc.IngestWebHistory(e.ctx, b, web)
		must(t, err)
		_, err = e.svc.IngestWebHistory(e.ctx, c, web)
		must(t, err)

		// Withdrawal: a's points go, b's stay.
		e.consent(t, a, "location", false)
		diff(t, "a's points after withdrawal", e.stored(t, a), []float64{})
		diff(t, "b's points after a's withdrawal", e.stored(t, b), []float64{3})
		diff(t, "a is asked again", e.privacyOf(t, a), protocol.Privacy{LocationEnabled: true, LocationConsentRequired: true, WebHistoryEnabled: true})

		// Switch off: every device of C1 loses its points; web history stays
		// while its own switch is on.
		e.setSwitches(t, w.c1, w.C1, false, true)
		diff(t, "b's points after the switch", e.stored(t, b), []float64{})
		diff(t, "b's visits after the location switch", e.visits(t, b), []string{"https://intranet.example/"})
		entry := e.lastAudit(t)
		if entry.Action != "account.privacy_settings" || entry.ActorEmail != w.c1.Email || !contains([]string{string(entry.Summary)}, `"deleted_points":1`) {
			t.Errorf("audit of the switch: %s by %s: %s", entry.Action, entry.ActorEmail, entry.Summary)
		}
		e.setSwitches(t, w.c1, w.C1, false, false)
		diff(t, "b's visits after the web switch", e.visits(t, b), []string{})
		diff(t, "b is told", e.privacyOf(t, b), protocol.Privacy{})

		// The other client keeps everything.
		diff(t, "c's points", e.stored(t, c), []float64{4})
		diff(t, "c's visits", e.visits(t, c), []string{"https://intranet.example/"})

		// Turning it on again brings nothing back, and the consent stands.
		e.setSwitches(t, w.c1, w.C1, true, false)
		diff(t, "b after switching on again", e.privacyOf(t, b), protocol.Privacy{LocationEnabled: true})
		diff(t, "b's points after switching on again", e.stored(t, b), []float64{})
	})
}

// TestLocationImmediatePurgeIsAtomic: with a fault injected between the
// trigger (the switch, the withdrawal) and the purge, neither happens: the
// switch stays on, the consent stays granted, the points stay.
func TestLocationImmediatePurgeIsAtomic(t *testing.T) {
	runWrapped(t, func(db *store.DB) steward.Store { return purgeFails{db} }, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		e.setSwitches(t, w.c1, w.C1, true, true)
		e.consent(t, dev, "location", true)
		e.mustPost(t, dev, e.point(1, time.Minute), e.point(2, 2*time.Minute))
		_, err := e.svc.IngestWebHistory(e.ctx, dev, &protocol.WebHistoryRequest{Protocol: 1,
			Visits: []protocol.WebVisit{{URL: "https://intranet.example/", VisitedAt: e.clock.Now()}}})
		must(t, err)
		audits := len(must3(e.db.ListAudit(e.ctx, "/", steward.AuditFilter{Limit: 500})))

		off := false
		_, err = e.svc.SetPrivacySettings(w.c1.ctx, w.C1.ID, steward.PrivacySettingsUpdate{LocationEnabled: &off})
		if err == nil {
			t.Fatal("turning location off succeeded although its purge failed")
		}
		_, err = e.svc.SetPrivacySettings(w.c1.ctx, w.C1.ID, steward.PrivacySettingsUpdate{WebHistoryEnabled: &off})
		if err == nil {
			t.Fatal("turning web history off succeeded although its purge failed")
		}
		s, err := e.db.PrivacySettings(e.ctx, w.C1.ID)
		must(t, err)
		if !s.LocationEnabled || !s.WebHistoryEnabled {
			t.Errorf("settings after failed switches: %+v, want both still on", s)
		}
		e.tick()
		err = e.svc.RecordConsent(e.ctx, dev, &protocol.ConsentRequest{Protocol: 1, Purpose: "location", Granted: false,
			DecidedAt: e.clock.Now(), NoticeVersion: "2026-03"})
		if err == nil {
			t.Fatal("withdrawing succeeded although its purge failed")
		}
		c, err := e.db.LatestConsent(e.ctx, dev.ID, steward.ConsentLocation)
		must(t, err)
		if !c.Granted {
			t.Error("the withdrawal was recorded although its purge failed")
		}
		diff(t, "points", e.stored(t, dev), []float64{1, 2})
		diff(t, "visits", e.visits(t, dev), []string{"https://intranet.example/"})
		if n := len(must3(e.db.ListAudit(e.ctx, "/", steward.AuditFilter{Limit: 500}))); n != audits {
			t.Errorf("%d audit entries for changes that did not happen", n-audits)
		}
	})
}

// TestLocationIngestRefusesStalePoints: a point 59 days old is stored, one
// 60 days and a second old is not; a point from the future counts as
// received now.
func TestLocationIngestRefusesStalePoints(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		e.setSwitches(t, w.c1, w.C1, true, false)
		e.consent(t, dev, "location", true)
		built := e.clock.Now()             // the points' times count back from here
		now := built.Add(time.Millisecond) // postPoints ticks once
		res, err := e.postPoints(dev,
			e.point(59, 59*day),
			e.point(60, 60*day+time.Second),
			e.point(61, 61*day),
			e.point(-1, -time.Hour), // an hour in the future
		)
		must(t, err)
		diff(t, "answer", *res, protocol.IngestResponse{Accepted: 2, Dropped: 2})
		ps, err := e.db.ListLocationPoints(e.ctx, dev.ID, 50)
		must(t, err)
		type pt struct {
			Lat float64
			At  time.Time
		}
		var got []pt
		for _, p := range ps {
			got = append(got, pt{p.Latitude, p.RecordedAt})
		}
		diff(t, "stored points", got, []pt{{-1, now.UTC()}, {59, built.Add(-59 * day).UTC()}})

		// A batch of nothing but stale points stores nothing and is not an error.
		res, err = e.postPoints(dev, e.point(70, 70*day))
		must(t, err)
		diff(t, "answer to a stale batch", *res, protocol.IngestResponse{Dropped: 1})
	})
}

// TestWebHistoryOnlyWhileEnabled: visits are stored only while the
// account's web-history switch is on, nothing 15 days old or older is
// stored, and turning the switch off deletes what was stored.
func TestWebHistoryOnlyWhileEnabled(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		now := e.clock.Now()
		batch := &protocol.WebHistoryRequest{Protocol: 1, Visits: []protocol.WebVisit{
			{URL: "https://docs.example/fresh", Title: "Fresh", VisitedAt: now.Add(-time.Hour)},
			{URL: "https://docs.example/14d", VisitedAt: now.Add(-14 * day)},
			{URL: "https://docs.example/15d", VisitedAt: now.Add(-15*day - time.Second)},
		}}
		_, err := e.svc.IngestWebHistory(e.ctx, dev, batch)
		wantCode(t, err, steward.EFORBIDDEN)
		diff(t, "visits while off", e.visits(t, dev), []string{})
		if got := e.refusals(t, dev); got != 3 {
			t.Errorf("refusals %d, want 3", got)
		}

		e.setSwitches(t, w.c1, w.C1, false, true)
		diff(t, "what the device is told", e.privacyOf(t, dev), protocol.Privacy{WebHistoryEnabled: true})
		res, err := e.svc.IngestWebHistory(e.ctx, dev, batch)
		must(t, err)
		diff(t, "answer", *res, protocol.IngestResponse{Accepted: 2, Dropped: 1})
		diff(t, "visits while on", e.visits(t, dev), []string{"https://docs.example/fresh", "https://docs.example/14d"})

		// The user may withdraw it: the visits go and new ones are refused.
		other := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		_, err = e.svc.IngestWebHistory(e.ctx, other, batch)
		must(t, err)
		e.consent(t, other, "web_history", false)
		diff(t, "visits after withdrawal", e.visits(t, other), []string{})
		_, err = e.svc.IngestWebHistory(e.ctx, other, batch)
		wantCode(t, err, steward.EFORBIDDEN)

		e.setSwitches(t, w.c1, w.C1, false, false)
		diff(t, "visits after the switch", e.visits(t, dev), []string{})
		_, err = e.svc.IngestWebHistory(e.ctx, dev, batch)
		wantCode(t, err, steward.EFORBIDDEN)
		diff(t, "visits after switching off", e.visits(t, dev), []string{})
	})
}

// TestLocationViewIsAudited: owners and admins of the account's chain see
// a device's location and web history, and every view is an audit entry;
// read-only managers are refused (and leave no entry); other subtrees do
// not find the device.
func TestLocationViewIsAudited(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		e.setSwitches(t, w.c1, w.C1, true, true)
		e.consent(t, dev, "location", true)
		e.mustPost(t, dev, e.point(48.85, time.Minute), e.point(48.86, 2*time.Minute))
		_, err := e.svc.IngestWebHistory(e.ctx, dev, &protocol.WebHistoryRequest{Protocol: 1,
			Visits: []protocol.WebVisit{{URL: "https://intranet.example/", VisitedAt: e.clock.Now()}}})
		must(t, err)

		for _, m := range []*member{w.c1, w.r1, w.admin} {
			e.tick()
			ps, err := e.svc.DeviceLocation(m.ctx, dev.ID, 0)
			must(t, err)
			if len(ps) != 2 || ps[0].Latitude != 48.85 {
				t.Errorf("%s sees %d points", m.Email, len(ps))
			}
			entry := e.lastAudit(t)
			diff(t, "audit of "+m.Email+"'s location view", []string{entry.Action, entry.ActorEmail, entry.AccountID, entry.TargetID},
				[]string{"device.location.view", m.Email, w.C1.ID, dev.ID})
			e.tick()
			vs, err := e.svc.DeviceWebHistory(m.ctx, dev.ID, 0)
			must(t, err)
			if len(vs) != 1 {
				t.Errorf("%s sees %d visits", m.Email, len(vs))
			}
			entry = e.lastAudit(t)
			diff(t, "audit of "+m.Email+"'s web history view", []string{entry.Action, entry.ActorEmail, entry.TargetID},
				[]string{"device.web_history.view", m.Email, dev.ID})
		}

		before := e.lastAudit(t).ID
		_, err = e.svc.DeviceLocation(w.ro.ctx, dev.ID, 0)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.DeviceWebHistory(w.ro.ctx, dev.ID, 0)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.DeviceLocation(w.r2.ctx, dev.ID, 0)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.DeviceWebHistory(w.c2.ctx, dev.ID, 0)
		wantCode(t, err, steward.ENOTFOUND)
		if after := e.lastAudit(t).ID; after != before {
			t.Errorf("a refused view was audited: %+v", e.lastAudit(t))
		}
		// The read-only manager sees that the user decided, not where anyone was.
		cs, err := e.svc.DeviceConsents(w.ro.ctx, dev.ID)
		must(t, err)
		if len(cs) != 1 || cs[0].Purpose != steward.ConsentLocation || !cs[0].Granted || cs[0].NoticeVersion != "2026-03" {
			t.Errorf("consents: %+v", cs)
		}
	})
}

// TestPrivacySettingsAccess: owners and admins of the account's chain set
// the switches, read-only managers only read them, other subtrees do not
// find them, and only client accounts have them.
func TestPrivacySettingsAccess(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		on := true
		_, err := e.svc.SetPrivacySettings(w.ro.ctx, w.C1.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.SetPrivacySettings(w.r2.ctx, w.C1.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on})
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.PrivacySettings(w.c2.ctx, w.C1.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.SetPrivacySettings(w.r1.ctx, w.R1.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on})
		wantCode(t, err, steward.EINVALID)

		s, err := e.svc.SetPrivacySettings(w.s1.ctx, w.C1.ID, steward.PrivacySettingsUpdate{LocationEnabled: &on})
		must(t, err)
		// A field left out stays as it was.
		s, err = e.svc.SetPrivacySettings(w.c1.ctx, w.C1.ID, steward.PrivacySettingsUpdate{WebHistoryEnabled: &on})
		must(t, err)
		if !s.LocationEnabled || !s.WebHistoryEnabled || s.UpdatedBy != w.c1.Email {
			t.Errorf("settings %+v", s)
		}
		got, err := e.svc.PrivacySettings(w.ro.ctx, w.C1.ID)
		must(t, err)
		diff(t, "what the read-only manager reads", got, s)
	})
}

func must3[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}
