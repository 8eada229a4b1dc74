package service_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/privacy"
	"github.com/stewardmdm/steward/service"
)

func sorted(ids ...string) []string {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

// TestRetentionLocationAge: a point 59 days old survives a sweep, one 60
// days − 1 s old too, one 60 days + 1 s old is gone; a day later the
// survivors have aged out. The 50-point cap is enforced as a safety net.
func TestRetentionLocationAge(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		d := e.device(t, w.A, "one")
		now := e.clock.Now()
		p59 := e.insertPoint(t, d, now.Add(-59*day))
		edge := e.insertPoint(t, d, now.Add(-60*day+time.Second))
		e.insertPoint(t, d, now.Add(-60*day-time.Second))
		e.sweep(t)
		diff(t, "points after the sweep", e.ids(t, `SELECT id FROM location_points ORDER BY id`), sorted(p59, edge))

		e.clock.Advance(day + time.Second)
		e.sweep(t)
		diff(t, "points a day later", e.ids(t, `SELECT id FROM location_points ORDER BY id`), []string{})

		// 55 fresh points of one device: the newest 50 stay.
		d2 := e.device(t, w.B, "two")
		now = e.clock.Now()
		var all []string
		for i := range 55 {
			all = append(all, e.insertPoint(t, d2, now.Add(-time.Hour+time.Duration(i)*time.Minute)))
		}
		e.sweep(t)
		diff(t, "points over the cap", e.ids(t, `SELECT id FROM location_points WHERE device_id = $1 ORDER BY recorded_at`, d2.ID), all[5:])
	})
}

// TestRetentionWebHistoryAge: web history lives 15 days.
func TestRetentionWebHistoryAge(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		d := e.device(t, w.A, "one")
		now := e.clock.Now()
		v14 := e.visit(t, d, now.Add(-14*day))
		edge := e.visit(t, d, now.Add(-15*day+time.Second))
		e.visit(t, d, now.Add(-15*day-time.Second))
		e.sweep(t)
		diff(t, "history after the sweep", e.ids(t, `SELECT id FROM web_history ORDER BY id`), sorted(v14, edge))
		e.clock.Advance(2 * time.Second)
		e.sweep(t)
		diff(t, "history 2 s later", e.ids(t, `SELECT id FROM web_history ORDER BY id`), []string{v14})
	})
}

// TestRetentionSecurityEvents: security events live 2 years.
func TestRetentionSecurityEvents(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		now := e.clock.Now()
		two := 2 * privacy.Year
		young := e.securityEventAt(t, w.A, now.Add(-two+time.Second))
		old := e.securityEventAt(t, w.A, now.Add(-two-time.Second))
		q := `SELECT id FROM security_events WHERE id IN ($1, $2) ORDER BY id`
		e.sweep(t)
		diff(t, "events after the sweep", e.ids(t, q, young, old), []string{young})
		e.clock.Advance(2 * time.Second)
		e.sweep(t)
		diff(t, "events 2 s later", e.ids(t, q, young, old), []string{})
	})
}

// accountData is what a client account holds, for the purge tests.
type accountData struct {
	manager *member
	device  *steward.Device
	ledger  int
	user    *steward.DirectoryUser // holds the device
}

// fill gives acc a manager (signed in, with an API token), a device with
// history, apps, a command, a consent and location, and ledger entries.
func (e *env) fill(t *testing.T, w *retentionWorld, acc *steward.Account, email string) *accountData {
	t.Helper()
	admin := e.admin(t)
	m := e.manager(t, admin, acc, email, steward.RoleOwner)
	_, err := e.svc.CreateToken(m.ctx, steward.TokenCreate{Name: "ci"})
	must(t, err)
	d := e.device(t, acc, email[:5])
	must(t, e.db.ReplaceDeviceApps(e.ctx, d.ID, []steward.App{{Package: "com.example.mail"}, {Package: "com.example.maps"}}))
	must(t, e.db.PutComplianceReport(e.ctx, &steward.ComplianceReport{DeviceID: d.ID, Version: "v1", AppliedAt: e.clock.Now(),
		ReceivedAt: e.clock.Now(), State: steward.ComplianceNonCompliant, Failed: 1,
		Settings: []steward.ComplianceSetting{{Key: "wifi/Office", Status: steward.SettingFailed, Detail: "Wrong password."}}}))
	must(t, e.db.InsertDeviceEvent(e.ctx, &steward.DeviceEvent{ID: steward.NewID(e.clock.Now()), DeviceID: d.ID, Kind: "inventory",
		CreatedAt: e.clock.Now()}))
	_, err = e.svc.SendCommand(m.ctx, service.CommandSend{DeviceIDs: []string{d.ID}, Type: steward.CmdSync})
	must(t, err)
	_, err = e.db.ExecRaw(e.ctx, `INSERT INTO device_consents (id, device_id, purpose, granted, notice_version, decided_at, recorded_at)
		VALUES ($1, $2, 'location', TRUE, 'v1', $3, $3)`, steward.NewID(e.clock.Now()), d.ID, e.clock.Now().UnixMilli())
	must(t, err)
	e.insertPoint(t, d, e.clock.Now().Add(-time.Hour))
	e.visit(t, d, e.clock.Now().Add(-time.Hour))
	_, err = e.svc.GrantCredits(admin.ctx, steward.CreditGrant{AccountID: w.R.ID, Amount: 10, Reason: "stock"})
	must(t, err)
	_, err = e.svc.TransferCredits(admin.ctx, steward.CreditTransfer{FromID: w.R.ID, ToID: acc.ID, Amount: 3, Reason: "sale"})
	must(t, err)
	l, err := e.db.ListLedger(e.ctx, steward.LedgerFilter{AccountID: acc.ID, Limit: 500})
	must(t, err)
	now := e.clock.Now()
	u := &steward.DirectoryUser{ID: steward.NewID(now), AccountID: acc.ID, Email: "holder-" + email, Name: "Device Holder",
		CustomFields: map[string]string{"badge": "B-77"}, CreatedAt: now, UpdatedAt: now}
	must(t, e.db.InsertUser(e.ctx, u))
	must(t, e.db.SetDeviceUser(e.ctx, d.ID, u.ID, now))
	return &accountData{manager: m, device: d, ledger: len(l), user: u}
}

// deviceRows counts a device's rows in every table attached to it.
func (e *env) deviceRows(t *testing.T, d *steward.Device) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"location_points", "web_history", "device_consents", "commands", "device_events", "device_apps",
		"device_compliance"} {
		out[table] = len(e.ids(t, `SELECT device_id FROM `+table+` WHERE device_id = $1`, d.ID))
	}
	return out
}

// purged reports whether the account clock has run for acc.
func (e *env) purged(t *testing.T, acc *steward.Account) bool {
	t.Helper()
	at, err := e.db.AccountPurgedAt(e.ctx, acc.ID)
	must(t, err)
	return at != nil
}

// untouched fails t unless acc's data is all still there.
func (e *env) untouched(t *testing.T, acc *steward.Account, data *accountData) {
	t.Helper()
	if e.purged(t, acc) {
		t.Fatalf("%s is purged", acc.Name)
	}
	if _, err := e.db.ManagerByID(e.ctx, data.manager.ID); err != nil {
		t.Fatalf("manager of %s: %v", acc.Name, err)
	}
	d, err := e.db.DeviceByID(e.ctx, data.device.ID)
	must(t, err)
	if d.Inventory.Serial != data.device.Inventory.Serial || d.Name != data.device.Name {
		t.Fatalf("device of %s changed: %+v", acc.Name, d)
	}
	if e.auditCount(t, acc) == 0 {
		t.Fatalf("audit chain of %s is gone", acc.Name)
	}
	if user, err := e.db.DeviceUserID(e.ctx, data.device.ID); err != nil || user != data.user.ID {
		t.Fatalf("user of the device of %s: %q %v", acc.Name, user, err)
	}
}

// wiped fails t unless the account clock has run for acc: logins, audit
// chain and device history gone, devices anonymised, ledger kept.
func (e *env) wiped(t *testing.T, acc *steward.Account, data *accountData) {
	t.Helper()
	if !e.purged(t, acc) {
		t.Fatalf("%s is not marked purged", acc.Name)
	}
	wantCode(t, func() error { _, err := e.db.ManagerByID(e.ctx, data.manager.ID); return err }(), steward.ENOTFOUND)
	for _, table := range []string{"sessions", "api_tokens"} {
		if got := e.ids(t, `SELECT id FROM `+table+` WHERE manager_id = $1`, data.manager.ID); len(got) > 0 {
			t.Errorf("%s of the purged manager remain: %v", table, got)
		}
	}
	if n := e.auditCount(t, acc); n != 0 {
		t.Errorf("%d audit entries of %s remain", n, acc.Name)
	}
	if seq, hash, err := e.db.AuditHead(e.ctx, acc.ID); err != nil || seq != 0 || hash != "" {
		t.Errorf("audit head of %s: %d %q %v", acc.Name, seq, hash, err)
	}
	diff(t, "device rows", e.deviceRows(t, data.device), map[string]int{"location_points": 0, "web_history": 0,
		"device_consents": 0, "commands": 0, "device_events": 0, "device_apps": 0, "device_compliance": 0})
	d, err := e.db.DeviceByID(e.ctx, data.device.ID)
	must(t, err)
	type facts struct {
		Name, SupportID, HardwareID, Serial, IP, IMEI, ICCID, Phone, Signature string
		Model, OS                                                              string
		Enabled                                                                bool
	}
	inv := d.Inventory
	diff(t, "anonymised device", facts{d.Name, d.SupportID, d.HardwareID, inv.Serial, inv.IP, inv.IMEI, inv.ICCID, inv.PhoneNumber,
		inv.SystemSignature, inv.Model, inv.OSVersion, d.AgentEnabled},
		facts{"", d.ID, "anonymised:" + d.ID, "", "", "", "", "", "", "TC58", "14", false})
	diff(t, "credential", e.ids(t, `SELECT credential_hash FROM devices WHERE id = $1`, d.ID), []string{""})
	diff(t, "directory users", e.ids(t, `SELECT id FROM users WHERE account_id = $1`, acc.ID), []string{})
	diff(t, "the device's user", e.ids(t, `SELECT id FROM devices WHERE id = $1 AND user_id IS NOT NULL`, d.ID), []string{})
	l, err := e.db.ListLedger(e.ctx, steward.LedgerFilter{AccountID: acc.ID, Limit: 500})
	must(t, err)
	if len(l) != data.ledger || len(l) == 0 {
		t.Errorf("ledger of %s has %d entries, want the %d it had", acc.Name, len(l), data.ledger)
	}
}

// TestRetentionAccountDeleted: a deleted client account can be restored
// until its clock runs out; at deletion + 6 months − 1 s nothing is
// touched, at + 1 s its managers, audit chain and device history are gone,
// its devices anonymised, its ledger kept, and it cannot be restored.
func TestRetentionAccountDeleted(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		a := e.fill(t, w, w.A, "owner@client-a.test")
		b := e.fill(t, w, w.B, "owner@client-b.test")
		admin := e.admin(t)
		_, err := e.svc.DeleteAccount(admin.ctx, w.A.ID)
		must(t, err)

		// Restorable meanwhile, by the account above it; audited.
		e.clock.Advance(30 * day)
		r := e.manager(t, e.admin(t), w.R, "owner@reseller.test", steward.RoleOwner)
		restored, err := e.svc.RestoreAccount(r.ctx, w.A.ID)
		must(t, err)
		if restored.DeletedAt != nil {
			t.Fatalf("restored account still deleted at %v", restored.DeletedAt)
		}
		if got := e.lastAudit(t); got.Action != "account.restore" || got.AccountID != w.A.ID || got.ActorID != r.ID {
			t.Errorf("last audit entry %+v, want account.restore by the reseller", got)
		}
		_, err = e.svc.RestoreAccount(e.admin(t).ctx, w.A.ID)
		wantCode(t, err, steward.ECONFLICT)

		e.tick()
		deleted, err := e.svc.DeleteAccount(e.admin(t).ctx, w.A.ID)
		must(t, err)
		e.clock.Set(deleted.DeletedAt.Add(6*privacy.Month - time.Second))
		e.insertPoint(t, a.device, e.clock.Now().Add(-time.Minute))
		e.sweep(t)
		e.untouched(t, w.A, a)

		e.clock.Advance(2 * time.Second)
		e.sweep(t)
		e.wiped(t, w.A, a)
		e.untouched(t, w.B, b)
		_, err = e.svc.RestoreAccount(e.admin(t).ctx, w.A.ID)
		wantCode(t, err, steward.ECONFLICT)
		e.verified(t, w.P, w.R, w.A, w.B)
	})
}

// TestRetentionSubscriptionEnded: an account's data goes 2 years after its
// subscription ends; with both clocks running the earlier deadline wins; a
// subscription ending in the future does nothing.
func TestRetentionSubscriptionEnded(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		admin := e.admin(t)
		c := e.account(t, admin, w.R, steward.AccountClient, "Client C")
		d := e.account(t, admin, w.R, steward.AccountClient, "Client D")
		data := map[*steward.Account]*accountData{}
		for _, acc := range []*steward.Account{w.A, w.B, c, d} {
			data[acc] = e.fill(t, w, acc, "owner@"+acc.ID+".test")
		}
		now := e.clock.Now()
		sub := func(acc *steward.Account, start, end time.Time) {
			_, err := e.svc.UpdateAccount(e.admin(t).ctx, acc.ID, steward.AccountUpdate{SubscriptionStart: &start, SubscriptionEnd: &end})
			must(t, err)
		}
		sub(w.A, now.Add(-privacy.Year), now.Add(day))                    // ends tomorrow, never deleted
		sub(w.B, now.Add(-3*privacy.Year), now.Add(-privacy.Year))        // deleted today: + 6 months comes first
		sub(c, now.Add(-3*privacy.Year), now.Add(-2*privacy.Year+90*day)) // deleted today: + 90 days comes first
		sub(d, now.Add(-privacy.Year), now.Add(10*privacy.Year))          // far future
		_, err := e.svc.UpdateAccount(e.admin(t).ctx, d.ID, steward.AccountUpdate{SubscriptionEnd: ptrTime(now.Add(-2 * privacy.Year))})
		wantCode(t, err, steward.EINVALID, "subscription_end")
		for _, acc := range []*steward.Account{w.B, c} {
			_, err := e.svc.DeleteAccount(e.admin(t).ctx, acc.ID)
			must(t, err)
		}
		now = e.clock.Now()

		step := func(at time.Time, wantPurged ...*steward.Account) {
			t.Helper()
			e.clock.Set(at)
			e.sweep(t)
			for _, acc := range []*steward.Account{w.A, w.B, c, d} {
				if slices.Contains(wantPurged, acc) {
					e.wiped(t, acc, data[acc])
				} else {
					e.untouched(t, acc, data[acc])
				}
			}
		}
		step(now.Add(90*day - time.Second))
		step(now.Add(90*day+time.Second), c)
		step(now.Add(6*privacy.Month-time.Second), c)
		step(now.Add(6*privacy.Month+time.Second), c, w.B)
		end := now.Add(day) // A's subscription end, as set above (the clock has moved a few ms since)
		step(end.Add(2*privacy.Year-time.Second-time.Minute), c, w.B)
		step(end.Add(2*privacy.Year+time.Second), c, w.B, w.A)

		anchors := map[string]steward.AnchorKind{}
		for _, r := range e.receipts(t, w) {
			if r.Category == "account.managers" {
				anchors[r.AccountID] = r.Anchor
			}
		}
		diff(t, "anchors that fired", anchors, map[string]steward.AnchorKind{w.A.ID: steward.AnchorSubscriptionEnded,
			w.B.ID: steward.AnchorAccountDeleted, c.ID: steward.AnchorSubscriptionEnded})
	})
}

func ptrTime(t time.Time) *time.Time { return &t }

// TestLegalHoldBlocksDeletion: only a platform administrator places and
// releases holds, each is audited, and an active hold (not an expired or a
// released one) stops every deletion it covers.
func TestLegalHoldBlocksDeletion(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		a := e.fill(t, w, w.A, "owner@client-a.test")
		b := e.fill(t, w, w.B, "owner@client-b.test")
		admin := e.admin(t)
		r := e.manager(t, admin, w.R, "owner@reseller.test", steward.RoleOwner)
		other := e.device(t, w.A, "other")

		_, err := e.svc.CreateLegalHold(r.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldAccount, Reason: "mine"})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldSubject,
			SubjectID: b.device.ID, Reason: "wrong account"})
		wantCode(t, err, steward.EINVALID, "subject_id")

		// A hold on one device keeps its old location; the other device's goes.
		onDevice, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldSubject,
			SubjectID: a.device.ID, Reason: "Case 2025-17: preserve the device's movements"})
		must(t, err)
		if got := e.lastAudit(t); got.Action != "legal_hold.create" || got.TargetID != onDevice.ID || got.AccountID != w.P.ID || got.ActorID != admin.ID {
			t.Errorf("last audit entry %+v, want legal_hold.create of the hold by the admin on the platform chain", got)
		}
		held := e.insertPoint(t, a.device, e.clock.Now().Add(-61*day))
		e.insertPoint(t, other, e.clock.Now().Add(-61*day))
		// A category hold on the reseller's subtree keeps web history.
		onHistory, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.R.ID, Scope: steward.HoldCategory,
			Category: "device.web_history", Reason: "Regulator inquiry"})
		must(t, err)
		visit := e.visit(t, other, e.clock.Now().Add(-16*day))
		e.sweep(t)
		diff(t, "old points", e.ids(t, `SELECT id FROM location_points WHERE recorded_at < $1`, e.clock.Now().Add(-60*day).UnixMilli()), []string{held})
		diff(t, "old visits", e.ids(t, `SELECT id FROM web_history WHERE visited_at < $1`, e.clock.Now().Add(-15*day).UnixMilli()), []string{visit})

		// Managers below see the holds on their subtree, not others.
		hs, err := e.svc.LegalHolds(a.manager.ctx, steward.HoldFilter{})
		must(t, err)
		if len(hs) != 1 || hs[0].ID != onDevice.ID {
			t.Errorf("client sees holds %v, want only the one on its device", hs)
		}
		_, err = e.svc.ReleaseLegalHold(r.ctx, onHistory.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.ReleaseLegalHold(admin.ctx, onHistory.ID)
		must(t, err)

		// An account hold keeps a deleted account from its purge; an expired one does not.
		whole, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldAccount, Reason: "Litigation"})
		must(t, err)
		_, err = e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.B.ID, Scope: steward.HoldAccount, Reason: "Short",
			ExpiresAt: ptrTime(e.clock.Now().Add(30 * day))})
		must(t, err)
		for _, acc := range []*steward.Account{w.A, w.B} {
			_, err := e.svc.DeleteAccount(admin.ctx, acc.ID)
			must(t, err)
		}
		e.clock.Advance(6*privacy.Month + time.Second)
		e.sweep(t)
		e.untouched(t, w.A, a)
		e.wiped(t, w.B, b)

		// Released, the account hold stops protecting; the device hold still does.
		admin = e.admin(t)
		_, err = e.svc.ReleaseLegalHold(admin.ctx, whole.ID)
		must(t, err)
		if got := e.lastAudit(t); got.Action != "legal_hold.release" || got.TargetID != whole.ID {
			t.Errorf("last audit entry %+v, want legal_hold.release", got)
		}
		_, err = e.svc.ReleaseLegalHold(admin.ctx, whole.ID)
		wantCode(t, err, steward.ECONFLICT)
		e.sweep(t)
		if e.purged(t, w.A) {
			t.Fatal("account A purged while one of its devices is held")
		}
		if _, err := e.db.ManagerByID(e.ctx, a.manager.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Errorf("manager of A after the account hold's release: %v, want it gone", err)
		}
		if d, _ := e.db.DeviceByID(e.ctx, a.device.ID); d.Inventory.Serial != a.device.Inventory.Serial {
			t.Errorf("held device anonymised: %+v", d.Inventory)
		}
		_, err = e.svc.ReleaseLegalHold(admin.ctx, onDevice.ID)
		must(t, err)
		e.sweep(t)
		e.wiped(t, w.A, a)
	})
}

// TestRetentionReceipts: a sweep that deletes rows writes a receipt whose
// count, held count and hash match what it did, and records the run.
func TestRetentionReceipts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		admin := e.admin(t)
		d1, d2 := e.device(t, w.A, "one"), e.device(t, w.B, "two")
		now := e.clock.Now()
		var gone []string
		for i := range 3 {
			gone = append(gone, e.insertPoint(t, d1, now.Add(-61*day-time.Duration(i)*time.Hour)))
		}
		e.insertPoint(t, d2, now.Add(-61*day))
		_, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.B.ID, Scope: steward.HoldSubject, SubjectID: d2.ID, Reason: "Case"})
		must(t, err)
		e.tick()
		said := e.sweep(t)
		if said == "" {
			t.Error("the sweep says it did nothing")
		}
		now = e.clock.Now()
		rs := e.receipts(t, w)
		c, _ := privacy.Lookup("device.location")
		diff(t, "receipts", rs, []steward.RetentionReceipt{{Category: "device.location", RuleVersion: c.Rule.Version,
			Action: c.Rule.Action, Anchor: steward.AnchorEvent, Cutoff: now.Add(-60 * day), Count: 3, Held: 1,
			SHA256: steward.RetentionDigest(gone), Tables: map[string]int64{"location_points": 3}}})

		entries, err := e.svc.RetentionReceipts(admin.ctx, 10)
		must(t, err)
		if len(entries) != 1 || entries[0].TargetID != "device.location" {
			t.Fatalf("receipts listed: %+v", entries)
		}
		st, err := e.svc.RetentionStatus(admin.ctx)
		must(t, err)
		var loc, ledger *steward.RetentionStatus
		for _, s := range st {
			switch s.Category {
			case "device.location":
				loc = s
			case "billing.credit_ledger":
				ledger = s
			}
		}
		if loc == nil || ledger == nil {
			t.Fatalf("status lacks categories: %+v", st)
		}
		cut := now.Add(-60 * day)
		diff(t, "location run", loc.LastRun, &steward.RetentionRun{Category: "device.location", RuleVersion: c.Rule.Version,
			LastRunAt: now, LastCutoff: &cut, LastCount: 3, HeldCount: 1, LastReceiptID: entries[0].ID, NextDueAt: now.Add(time.Hour)})
		if loc.Rows == nil || *loc.Rows != 1 || loc.HeldByHolds != 1 {
			t.Errorf("location rows %v, held %d; want 1 and 1", loc.Rows, loc.HeldByHolds)
		}
		if ledger.Note == "" || ledger.LastRun == nil || ledger.LastRun.LastCount != 0 {
			t.Errorf("ledger status %+v: want a reason it is kept and nothing removed", ledger)
		}
		m := e.manager(t, admin, w.A, "owner@a.test", steward.RoleOwner)
		_, err = e.svc.RetentionStatus(m.ctx)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.RunRetentionSweep(m.ctx)
		wantCode(t, err, steward.EFORBIDDEN)
	})
}

// TestRetentionSweepIdempotent: a second sweep right after the first
// changes nothing and writes no receipt.
func TestRetentionSweepIdempotent(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		a := e.fill(t, w, w.A, "owner@client-a.test")
		_, err := e.svc.DeleteAccount(e.admin(t).ctx, w.A.ID)
		must(t, err)
		e.clock.Advance(6*privacy.Month + time.Second)
		now := e.clock.Now()
		e.insertPoint(t, a.device, now.Add(-61*day))
		e.visit(t, a.device, now.Add(-16*day))
		e.securityEventAt(t, w.B, now.Add(-3*privacy.Year))
		if said := e.sweep(t); said == "" {
			t.Fatal("the first sweep did nothing")
		}
		before := len(e.receipts(t, w))
		chain := e.auditCount(t, w.P)
		e.tick()
		if said := e.sweep(t); said != "" {
			t.Errorf("the second sweep says %q", said)
		}
		if got := len(e.receipts(t, w)); got != before {
			t.Errorf("%d receipts after the second sweep, want %d", got, before)
		}
		if got := e.auditCount(t, w.P); got != chain {
			t.Errorf("the platform chain grew from %d to %d", chain, got)
		}
		runs, err := e.db.RetentionRuns(e.ctx)
		must(t, err)
		for _, r := range runs {
			if r.LastCount != 0 {
				t.Errorf("second run of %s counted %d", r.Category, r.LastCount)
			}
			if r.Category == "device.location" && r.LastReceiptID == "" {
				t.Error("the location run forgot its last receipt")
			}
		}
	})
}

// TestRetentionAuditLog: purging an account deletes its whole audit chain
// (receipted with the IDs' hash) and every other chain still verifies.
func TestRetentionAuditLog(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		e.fill(t, w, w.A, "owner@client-a.test")
		e.fill(t, w, w.B, "owner@client-b.test")
		_, err := e.svc.DeleteAccount(e.admin(t).ctx, w.A.ID)
		must(t, err)
		var chain []string
		must(t, e.db.AuditChain(e.ctx, w.A.ID, func(en *steward.AuditEntry) error { chain = append(chain, en.ID); return nil }))
		bCount := e.auditCount(t, w.B)
		e.clock.Advance(6*privacy.Month + time.Second)
		e.sweep(t)
		if n := e.auditCount(t, w.A); n != 0 {
			t.Errorf("%d entries of the purged account remain", n)
		}
		if n := e.auditCount(t, w.B); n != bCount {
			t.Errorf("client B has %d audit entries, want %d", n, bCount)
		}
		var got *steward.RetentionReceipt
		for _, r := range e.receipts(t, w) {
			if r.Category == "audit.console_actions" {
				got = &r
			}
		}
		if got == nil {
			t.Fatal("no receipt for the audit chain")
		}
		diff(t, "audit receipt", *got, steward.RetentionReceipt{Category: "audit.console_actions", RuleVersion: 1,
			Action: steward.ActionDelete, Anchor: steward.AnchorAccountDeleted, Cutoff: got.Cutoff, Count: int64(len(chain)),
			SHA256: steward.RetentionDigest(chain), Tables: map[string]int64{"audit_log": int64(len(chain))}, AccountID: w.A.ID})
		e.verified(t, w.P, w.R, w.A, w.B)
		admin := e.admin(t)
		v, err := e.svc.VerifyAudit(admin.ctx, w.A.ID)
		must(t, err)
		if v.Entries != 0 {
			t.Errorf("purged chain verifies with %d entries", v.Entries)
		}
	})
}
