package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/privacy"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// The catalog and the engine agree: what each category's rule promises is
// what some code carries out, and every receipt names the category the
// catalog lists the changed table's columns under.

// TestRetentionEnforcementMatchesCatalog: every anchor of every collected
// category's rule is carried out by the sweep, a job or the event itself,
// and nothing is claimed for an anchor the rule does not have; the privacy
// centre lists every category, enforced or not collected.
func TestRetentionEnforcementMatchesCatalog(t *testing.T) {
	for _, c := range privacy.Catalog() {
		var got, want []string
		for _, e := range service.Enforcement(c.Name) {
			got = append(got, string(e.Anchor))
			if e.What == "" || !slices.Contains([]string{steward.EnforcedBySweep, steward.EnforcedByJob, steward.EnforcedOnEvent, steward.EnforcedKept}, e.By) {
				t.Errorf("%s: enforcement %+v says nothing", c.Name, e)
			}
			if e.By == steward.EnforcedKept && c.Rule.Action != steward.ActionKeep {
				t.Errorf("%s: kept, but its rule says %s", c.Name, c.Rule.Action)
			}
		}
		if c.Collected() {
			for _, a := range c.Rule.Anchors {
				want = append(want, string(a.Kind))
			}
		}
		slices.Sort(got)
		slices.Sort(want)
		diff(t, c.Name+" anchors enforced", got, want)
	}

	run(t, func(t *testing.T, e *env) {
		e.retentionWorld(t)
		admin := e.admin(t)
		e.sweep(t)
		st, err := e.svc.RetentionStatus(admin.ctx)
		must(t, err)
		var names []string
		for _, s := range st {
			names = append(names, s.Category)
			c, _ := privacy.Lookup(s.Category)
			switch {
			case !c.Collected():
				if s.NotCollected == "" || s.Enforced || s.Swept || len(s.Enforcement) > 0 || s.Rows != nil || s.LastRun != nil {
					t.Errorf("%s is not collected, but the status reads %+v", s.Category, s)
				}
			case !s.Enforced || len(s.Enforcement) == 0 || s.NotCollected != "":
				t.Errorf("%s is collected but not shown as enforced: %+v", s.Category, s)
			case s.Rows == nil:
				t.Errorf("%s: no row count", s.Category)
			case s.Swept != slices.ContainsFunc(s.Enforcement, func(en steward.Enforcement) bool {
				return en.By == steward.EnforcedBySweep || en.By == steward.EnforcedKept
			}):
				t.Errorf("%s: swept %v, enforcement %+v", s.Category, s.Swept, s.Enforcement)
			case s.Swept && s.LastRun == nil:
				t.Errorf("%s is swept but shows no run after a sweep", s.Category)
			}
		}
		var all []string
		for _, c := range privacy.Catalog() {
			all = append(all, c.Name)
		}
		diff(t, "categories in the privacy centre", names, all)
	})
}

// TestRetentionOutbox: outgoing mail goes 30 days after it was queued,
// sent or not; a hold on the platform keeps it; the receipt names
// mail.outbox.
func TestRetentionOutbox(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		queue := func(to string) string {
			e.tick()
			now := e.clock.Now()
			m := &steward.Mail{ID: steward.NewID(now), To: to, Subject: "Reset your password", Body: "https://steward.example/reset/secret",
				CreatedAt: now, NextAttemptAt: now}
			must(t, e.db.EnqueueMail(e.ctx, m))
			return m.ID
		}
		_, err := e.db.ExecRaw(e.ctx, `DELETE FROM outbox`) // the bootstrap's own mail is not this test's
		must(t, err)
		sent := queue("sent@client-a.test")
		must(t, e.db.MarkMailSent(e.ctx, sent, e.clock.Now()))
		unsent := queue("unsent@client-a.test")
		queuedAt := e.clock.Now()
		e.clock.Advance(day)
		young := queue("young@client-a.test")
		all := `SELECT id FROM outbox ORDER BY id`

		e.clock.Set(queuedAt.Add(30*day - time.Second))
		e.sweep(t)
		diff(t, "mail a second before 30 days", e.ids(t, all), []string{sent, unsent, young})

		e.clock.Set(queuedAt.Add(30*day + time.Second))
		e.sweep(t)
		diff(t, "mail a second after 30 days", e.ids(t, all), []string{young})
		var got *steward.RetentionReceipt
		for _, r := range e.receipts(t, w) {
			if r.Category == "mail.outbox" {
				got = &r
			}
		}
		c, _ := privacy.Lookup("mail.outbox")
		if got == nil {
			t.Fatal("no receipt for mail.outbox")
		}
		diff(t, "outbox receipt", *got, steward.RetentionReceipt{Category: "mail.outbox", RuleVersion: c.Rule.Version,
			Action: steward.ActionDelete, Anchor: steward.AnchorEvent, Cutoff: e.clock.Now().Add(-30 * day), Count: 2,
			SHA256: steward.RetentionDigest([]string{sent, unsent}), Tables: map[string]int64{"outbox": 2}})

		// A hold on the platform keeps mail; a hold on a client does not.
		admin := e.admin(t)
		_, err = e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldAccount, Reason: "Client case"})
		must(t, err)
		h, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.P.ID, Scope: steward.HoldCategory,
			Category: "mail.outbox", Reason: "Mail abuse inquiry"})
		must(t, err)
		e.clock.Advance(day + time.Second)
		e.sweep(t)
		diff(t, "mail under a platform hold", e.ids(t, all), []string{young})
		_, err = e.svc.ReleaseLegalHold(e.admin(t).ctx, h.ID)
		must(t, err)
		e.sweep(t)
		diff(t, "mail after the release", e.ids(t, all), []string{})
	})
}

// TestRetentionReceiptsNameTheirCategory: the account clock removes every
// category of an account's own data (consents, commands, history, codes,
// sessions, API tokens, released holds too), each under a receipt that
// names the category whose columns the table holds; the account row keeps
// only what the ledger needs.
func TestRetentionReceiptsNameTheirCategory(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		a := e.fill(t, w, w.A, "owner@client-a.test")
		admin := e.admin(t)
		code, err := e.svc.CreateActivationCode(admin.ctx, service.ActivationCodeCreate{AccountID: w.A.ID, Seats: 5, Note: "Warehouse"})
		must(t, err)
		_, err = e.db.ExecRaw(e.ctx, `UPDATE devices SET activation_code_id = $1 WHERE id = $2`, code.ID, a.device.ID)
		must(t, err)
		released, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldCategory,
			Category: "security.events", Reason: "Old inquiry"})
		must(t, err)
		_, err = e.svc.ReleaseLegalHold(admin.ctx, released.ID)
		must(t, err)
		_, err = e.svc.UpdateAccount(admin.ctx, w.A.ID, steward.AccountUpdate{Notes: ptrString("Contact: Jane Doe, +44 7000 000000")})
		must(t, err)
		_, err = e.svc.DeleteAccount(admin.ctx, w.A.ID)
		must(t, err)
		e.clock.Advance(6*privacy.Month + time.Second)
		e.insertPoint(t, a.device, e.clock.Now().Add(-time.Minute)) // fresh: only the account clock removes them
		e.visit(t, a.device, e.clock.Now().Add(-time.Minute))
		e.sweep(t)
		e.wiped(t, w.A, a)

		for table, q := range map[string]string{
			"activation_codes": `SELECT id FROM activation_codes WHERE account_id = $1`,
			"legal_holds":      `SELECT id FROM legal_holds WHERE account_id = $1`,
			"account notes":    `SELECT id FROM accounts WHERE id = $1 AND notes <> ''`,
		} {
			if got := e.ids(t, q, w.A.ID); len(got) > 0 {
				t.Errorf("%s of the purged account remain: %v", table, got)
			}
		}
		byTable := map[string][]string{}
		for _, r := range e.receipts(t, w) {
			if r.AccountID != w.A.ID {
				continue
			}
			c, ok := privacy.Lookup(r.Category)
			if !ok {
				t.Errorf("receipt for %q, which the catalog lacks", r.Category)
				continue
			}
			for table := range r.Tables {
				if !slices.ContainsFunc(c.Columns, func(col string) bool { return strings.HasPrefix(col, table+".") }) {
					t.Errorf("receipt of %s names table %s, whose columns the catalog lists elsewhere", r.Category, table)
				}
				byTable[table+" "+string(r.Action)] = append(byTable[table+" "+string(r.Action)], r.Category)
			}
		}
		tables := map[string]string{}
		for k, v := range byTable {
			slices.Sort(v)
			tables[k] = strings.Join(v, " ")
		}
		diff(t, "tables purged, by receipt", tables, map[string]string{
			"location_points delete": "device.location", "web_history delete": "device.web_history",
			"device_consents delete": "device.consents", "commands delete": "device.commands", "device_events delete": "device.history",
			"device_apps anonymise": "device.inventory", "devices anonymise": "device.inventory device.name",
			"activation_codes delete": "billing.activation_codes", "sessions delete": "account.sessions",
			"api_tokens delete": "account.api_tokens", "managers delete": "account.managers", "audit_log delete": "audit.console_actions",
			"legal_holds delete": "privacy.legal_holds", "accounts anonymise": "account.reseller", "device_compliance anonymise": "device.inventory",
			"users delete": "directory.users",
		})
	})
}

// TestRetentionHoldOnAccountKeepsItUnpurged: a hold in force on an account
// whose clock has run keeps the account from being marked purged even when
// it covers nothing stored; once it expires, the hold itself is deleted.
func TestRetentionHoldOnAccountKeepsItUnpurged(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		admin := e.admin(t)
		h, err := e.svc.CreateLegalHold(admin.ctx, steward.LegalHoldCreate{AccountID: w.A.ID, Scope: steward.HoldCategory,
			Category: "device.web_history", Reason: "Inquiry", ExpiresAt: ptrTime(e.clock.Now().Add(7 * privacy.Month))})
		must(t, err)
		_, err = e.svc.DeleteAccount(admin.ctx, w.A.ID)
		must(t, err)
		e.clock.Advance(6*privacy.Month + time.Second)
		e.sweep(t)
		if e.purged(t, w.A) {
			t.Fatal("account purged while a hold is in force on it")
		}
		diff(t, "holds on A", e.ids(t, `SELECT id FROM legal_holds WHERE account_id = $1`, w.A.ID), []string{h.ID})
		e.clock.Advance(privacy.Month)
		e.sweep(t)
		if !e.purged(t, w.A) {
			t.Error("account not purged once its hold expired")
		}
		diff(t, "holds on A after expiry", e.ids(t, `SELECT id FROM legal_holds WHERE account_id = $1`, w.A.ID), []string{})
	})
}

// TestRetentionSweepInSmallBatches: with one-row batches and a pause the
// sweep still removes everything, under one receipt per category.
func TestRetentionSweepInSmallBatches(t *testing.T) {
	runWith(t, service.Options{RetentionBatch: 2, RetentionPause: time.Millisecond}, func(t *testing.T, e *env) {
		w := e.retentionWorld(t)
		a := e.fill(t, w, w.A, "owner@client-a.test")
		d := e.device(t, w.B, "two")
		for i := range 7 {
			e.insertPoint(t, d, e.clock.Now().Add(-61*day-time.Duration(i)*time.Minute))
		}
		must(t, e.db.ReplaceDeviceApps(e.ctx, a.device.ID, []steward.App{{Package: "a"}, {Package: "b"}, {Package: "c"}, {Package: "d"}, {Package: "e"}}))
		_, err := e.svc.DeleteAccount(e.admin(t).ctx, w.A.ID)
		must(t, err)
		e.clock.Advance(6*privacy.Month + time.Second)
		old := e.ids(t, `SELECT id FROM location_points`) // all of them are older than 2 months now
		e.sweep(t)
		e.wiped(t, w.A, a)
		n := 0
		for _, r := range e.receipts(t, w) {
			if r.Category == "device.location" && r.AccountID == "" {
				n++
				if r.Count != int64(len(old)) || len(old) != 8 || r.SHA256 != steward.RetentionDigest(old) {
					t.Errorf("location receipt %+v, want the %d old points", r, len(old))
				}
			}
		}
		if n != 1 {
			t.Errorf("%d age receipts for location, want 1", n)
		}
	})
}

// TestDeviceResetDeletesLocationHistoryAndConsents: the device's confirmed
// reset deletes its points, visits and its user's decisions with it.
func TestDeviceResetDeletesLocationHistoryAndConsents(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		keep := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		e.setSwitches(t, w.c1, w.C1, true, true)
		for _, d := range []*service.Device{dev, keep} {
			e.consent(t, d, "location", true)
			e.consent(t, d, "web_history", true)
			e.mustPost(t, d, e.point(48.85, time.Minute))
			_, err := e.svc.IngestWebHistory(e.ctx, d, &protocol.WebHistoryRequest{Protocol: 1,
				Visits: []protocol.WebVisit{{URL: "https://intranet.example/", VisitedAt: e.clock.Now()}}})
			must(t, err)
		}
		count := func(d *service.Device) map[string]int {
			out := map[string]int{}
			for _, table := range []string{"location_points", "web_history", "device_consents"} {
				out[table] = len(e.ids(t, `SELECT id FROM `+table+` WHERE device_id = $1`, d.ID))
			}
			return out
		}
		diff(t, "before the reset", count(dev), map[string]int{"location_points": 1, "web_history": 1, "device_consents": 2})
		cmds, err := e.svc.SendCommand(w.c1.ctx, service.CommandSend{DeviceIDs: []string{dev.ID}, Type: steward.CmdWipe, Confirm: true})
		must(t, err)
		must(t, e.svc.AckCommand(e.ctx, dev, cmds[0].ID))
		must(t, e.svc.CommandResult(e.ctx, dev, cmds[0].ID, &protocol.CommandResult{Status: "succeeded"}))
		if _, err := e.db.DeviceByID(e.ctx, dev.ID); steward.ErrorCode(err) != steward.ENOTFOUND {
			t.Fatalf("device after its reset: %v", err)
		}
		diff(t, "after the reset", count(dev), map[string]int{"location_points": 0, "web_history": 0, "device_consents": 0})
		diff(t, "the other device", count(keep), map[string]int{"location_points": 1, "web_history": 1, "device_consents": 2})
	})
}

// TestPrivacyDataAcrossRolesAndSubtrees: a reseller's read-only manager
// may not see location or web history of devices below it (only the
// decisions); managers of one subtree neither see nor release the holds of
// another, and only platform administrators read receipts and the status.
func TestPrivacyDataAcrossRolesAndSubtrees(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.locWorld(t)
		dev := e.enroll(t, w, w.code1, steward.OwnershipCompany)
		e.setSwitches(t, w.c1, w.C1, true, true)
		e.consent(t, dev, "location", true)
		e.mustPost(t, dev, e.point(48.85, time.Minute))
		resellerReader := e.manager(t, w.admin, w.R1, "reader@r-one.test", steward.RoleReadOnly)
		_, err := e.svc.DeviceLocation(resellerReader.ctx, dev.ID, 0)
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.DeviceWebHistory(resellerReader.ctx, dev.ID, 0)
		wantCode(t, err, steward.EFORBIDDEN)
		cs, err := e.svc.DeviceConsents(resellerReader.ctx, dev.ID)
		must(t, err)
		if len(cs) != 1 {
			t.Errorf("the reseller's reader sees %d decisions, want 1", len(cs))
		}
		_, err = e.svc.DeviceConsents(w.c2.ctx, dev.ID)
		wantCode(t, err, steward.ENOTFOUND)

		onC1, err := e.svc.CreateLegalHold(w.admin.ctx, steward.LegalHoldCreate{AccountID: w.C1.ID, Scope: steward.HoldAccount, Reason: "Case C1"})
		must(t, err)
		onC3, err := e.svc.CreateLegalHold(w.admin.ctx, steward.LegalHoldCreate{AccountID: w.C3.ID, Scope: steward.HoldAccount, Reason: "Case C3"})
		must(t, err)
		seen := func(m *member, f steward.HoldFilter) []string {
			t.Helper()
			hs, err := e.svc.LegalHolds(m.ctx, f)
			must(t, err)
			var ids []string
			for _, h := range hs {
				ids = append(ids, h.ID)
			}
			slices.Sort(ids)
			return ids
		}
		diff(t, "holds the reseller's reader sees", seen(resellerReader, steward.HoldFilter{}), []string{onC1.ID})
		diff(t, "holds C2 sees", seen(w.c2, steward.HoldFilter{}), []string(nil))
		diff(t, "holds R2 sees", seen(w.r2, steward.HoldFilter{}), []string{onC3.ID})
		diff(t, "holds the platform sees", seen(w.admin, steward.HoldFilter{}), sorted(onC1.ID, onC3.ID))
		for _, m := range []*member{w.c2, w.r2} {
			_, err = e.svc.LegalHolds(m.ctx, steward.HoldFilter{AccountID: w.C1.ID})
			wantCode(t, err, steward.ENOTFOUND)
			_, err = e.svc.ReleaseLegalHold(m.ctx, onC1.ID)
			wantCode(t, err, steward.ENOTFOUND)
		}
		_, err = e.svc.ReleaseLegalHold(w.c1.ctx, onC1.ID)
		wantCode(t, err, steward.EFORBIDDEN)
		for _, m := range []*member{w.r1, w.c1, resellerReader} {
			_, err = e.svc.RetentionReceipts(m.ctx, 10)
			wantCode(t, err, steward.EFORBIDDEN)
			_, err = e.svc.RetentionStatus(m.ctx)
			wantCode(t, err, steward.EFORBIDDEN)
		}
	})
}

func ptrString(s string) *string { return &s }
