package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/privacy"
)

// The retention engine. Its rules are the catalog's (package privacy): a
// rule's anchors say from which event a clock runs and for how long; where
// several apply to a row, the earliest deadline wins. SweepRetention runs
// as the scheduler job "privacy.retention" (one node at a time, under the
// scheduler's lease) and on demand by a platform administrator. Every
// statement changes at most RetentionBatch rows, so a large sweep never
// holds the database writer for long; every statement skips what an active
// legal hold covers; a sweep that changes nothing writes nothing but its
// status, so running it twice is harmless.
//
// Receipts: each category whose sweep changed rows gets a "retention.sweep"
// audit entry on the platform root account's chain (never on the chain of
// an account being purged, which the same sweep deletes; the root chain is
// never purged). Its summary is a steward.RetentionReceipt: category, rule
// version, anchor, cutoff, count, held count and the SHA-256 over the
// sorted affected IDs (steward.RetentionDigest).

const (
	// RetentionBatch is the most rows one sweep statement changes.
	RetentionBatch = 1000
	// RetentionEvery is how often the sweep runs.
	RetentionEvery = time.Hour
)

// fallbackRules are used for categories the engine enforces when the
// catalog lacks them, so that a catalog edit cannot silently switch a
// deletion off. Each matches SPEC §4.
var fallbackRules = map[string]steward.Category{
	"device.location": {Name: "device.location", Title: "Device location", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionCap, Cap: 50, Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 2 * privacy.Month}}}},
	"device.web_history": {Name: "device.web_history", Title: "Web history", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionDelete, Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 15 * privacy.Day}}}},
	"security.events": {Name: "security.events", Title: "Security events", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionDelete, Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 2 * privacy.Year}}}},
	"billing.credit_ledger": {Name: "billing.credit_ledger", Title: "Credit ledger", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionKeep, Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 10 * privacy.Year}}}},
	"device.inventory": {Name: "device.inventory", Title: "Device inventory", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionAnonymise, Anchors: accountClockFallback}},
	"account.managers": {Name: "account.managers", Title: "Console logins", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionDelete, Anchors: accountClockFallback}},
	"audit.console_actions": {Name: "audit.console_actions", Title: "Console audit log", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionDelete, Anchors: accountClockFallback}},
}

var accountClockFallback = []steward.Anchor{
	{Kind: steward.AnchorAccountDeleted, After: 6 * privacy.Month},
	{Kind: steward.AnchorSubscriptionEnded, After: 2 * privacy.Year},
}

// ledgerKept says why the credit ledger outlives every account clock.
const ledgerKept = "Kept for its legal (accounting) retention period; the ledger is append-only (the database refuses changes and deletions), so no sweep removes entries."

// category returns the catalog's category, or the engine's fallback.
func category(name string) steward.Category {
	if c, ok := privacy.Lookup(name); ok {
		return c
	}
	return fallbackRules[name]
}

// ageRule is a category aged out by each row's own time.
type ageRule struct {
	category string
	set      steward.RetentionSet
}

var ageRules = []ageRule{
	{"device.location", steward.SetLocationPoints},
	{"device.web_history", steward.SetWebHistory},
	{"security.events", steward.SetSecurityEvents},
}

// accountPurgePlan is what the account clock does to an account's own
// data, category by category. clock names the category whose account
// anchors decide when: a device's location, web history and consents go
// with the device, when its inventory is anonymised.
var accountPurgePlan = []struct {
	category, clock string
	parts           []steward.PurgePart
}{
	{"device.location", "device.inventory", []steward.PurgePart{steward.PurgeLocation, steward.PurgeLocationConsents}},
	{"device.web_history", "device.inventory", []steward.PurgePart{steward.PurgeWebHistory, steward.PurgeWebConsents}},
	{"device.inventory", "device.inventory", []steward.PurgePart{steward.PurgeCommands, steward.PurgeDeviceEvents,
		steward.PurgeDeviceApps, steward.PurgeDevices}},
	{"account.managers", "account.managers", []steward.PurgePart{steward.PurgeManagers}},
	{"audit.console_actions", "audit.console_actions", []steward.PurgePart{steward.PurgeAudit}},
}

// EnforcedCategories are the catalog categories the engine sweeps.
var EnforcedCategories = []string{"device.location", "device.web_history", "security.events", "device.inventory",
	"account.managers", "audit.console_actions", "billing.credit_ledger"}

// categoryTables name the table whose size the privacy centre shows.
var categoryTables = map[string]string{"device.location": "location_points", "device.web_history": "web_history",
	"security.events": "security_events", "device.inventory": "devices", "account.managers": "managers",
	"audit.console_actions": "audit_log", "billing.credit_ledger": "credit_ledger"}

// tally is what one sweep did to one category.
type tally struct {
	count, held int64
	cutoff      *time.Time
	receiptID   string
}

// SweepRetention enforces every retention rule once and says what it did.
// It is the "privacy.retention" job; platform administrators can also run
// it at once through RunRetentionSweep.
func (s *Service) SweepRetention(ctx context.Context) (string, error) {
	steward.MarkAuthorized(ctx) // a job of the server itself
	now := s.now()
	root, err := s.platformRoot(ctx)
	if err != nil {
		return "", err
	}
	tallies := map[string]*tally{}
	for _, name := range EnforcedCategories {
		tallies[name] = &tally{}
	}
	for _, r := range ageRules {
		if err := s.sweepAge(ctx, root, r, now, tallies[r.category]); err != nil {
			return "", err
		}
	}
	if err := s.sweepAccounts(ctx, root, now, tallies); err != nil {
		return "", err
	}
	ledger := category("billing.credit_ledger")
	if a, ok := ledger.Rule.Anchor(steward.AnchorEvent); ok {
		c := now.Add(-a.After)
		tallies["billing.credit_ledger"].cutoff = &c
	}
	var said []string
	for _, name := range EnforcedCategories {
		t := tallies[name]
		run := &steward.RetentionRun{Category: name, RuleVersion: category(name).Rule.Version, LastRunAt: now,
			LastCutoff: t.cutoff, LastCount: t.count, HeldCount: t.held, LastReceiptID: t.receiptID, NextDueAt: now.Add(RetentionEvery)}
		if run.LastReceiptID == "" {
			if prev := s.lastRun(ctx, name); prev != nil {
				run.LastReceiptID = prev.LastReceiptID
			}
		}
		if err := s.store.SaveRetentionRun(ctx, run); err != nil {
			return "", err
		}
		if t.count > 0 || t.held > 0 {
			said = append(said, fmt.Sprintf("%s: %d removed, %d held", name, t.count, t.held))
		}
	}
	return strings.Join(said, "; "), nil
}

func (s *Service) lastRun(ctx context.Context, name string) *steward.RetentionRun {
	runs, err := s.store.RetentionRuns(ctx)
	if err != nil {
		return nil
	}
	for _, r := range runs {
		if r.Category == name {
			return r
		}
	}
	return nil
}

// platformRoot returns the platform account, whose chain holds receipts.
func (s *Service) platformRoot(ctx context.Context) (*steward.Account, error) {
	accs, err := s.store.ListAccounts(ctx, "/", steward.AccountFilter{Kind: steward.AccountPlatform, Limit: 1})
	if err != nil {
		return nil, err
	}
	if len(accs) == 0 {
		return nil, steward.Errorf(steward.ECONFLICT, "There is no platform account yet.")
	}
	return accs[0], nil
}

// sweepAge deletes a category's rows older than its event anchor, and for
// location the points beyond the per-device cap.
func (s *Service) sweepAge(ctx context.Context, root *steward.Account, r ageRule, now time.Time, t *tally) error {
	c := category(r.category)
	a, ok := c.Rule.Anchor(steward.AnchorEvent)
	if !ok {
		return nil
	}
	cutoff := now.Add(-a.After)
	t.cutoff = &cutoff
	var ids []string
	for {
		got, err := s.store.ExpireRows(ctx, r.set, cutoff, now, RetentionBatch)
		if err != nil {
			return err
		}
		ids = append(ids, got...)
		if len(got) < RetentionBatch || ctx.Err() != nil {
			break
		}
	}
	held, err := s.store.CountHeldRows(ctx, r.set, cutoff, now)
	if err != nil {
		return err
	}
	if c.Rule.Action == steward.ActionCap && c.Rule.Cap > 0 {
		over, heldOver, err := s.store.TrimLocation(ctx, c.Rule.Cap, now, RetentionBatch)
		if err != nil {
			return err
		}
		ids, held = append(ids, over...), held+heldOver
	}
	t.count, t.held = t.count+int64(len(ids)), t.held+held
	if len(ids) == 0 {
		return nil
	}
	rec := steward.RetentionReceipt{Category: c.Name, RuleVersion: c.Rule.Version, Action: c.Rule.Action, Anchor: steward.AnchorEvent,
		Cutoff: cutoff, Count: int64(len(ids)), Held: held, SHA256: steward.RetentionDigest(ids),
		Tables: map[string]int64{string(r.set): int64(len(ids))}}
	id, err := s.receipt(ctx, root, rec)
	t.receiptID = id
	return err
}

// receipt writes a sweep's receipt to the platform root's audit chain.
func (s *Service) receipt(ctx context.Context, root *steward.Account, rec steward.RetentionReceipt) (string, error) {
	e := &steward.AuditEntry{ID: steward.NewID(s.now()), AccountID: root.ID, Action: "retention.sweep",
		TargetType: "retention", TargetID: rec.Category, CreatedAt: s.now()}
	if a := steward.ActorFromContext(ctx); a != nil {
		e.ActorID, e.ActorEmail, e.TokenID, e.IP = a.ManagerID, a.Email, a.TokenID, a.IP
	}
	b, err := jsonMarshal(rec)
	if err != nil {
		return "", err
	}
	e.Summary = b
	if err := s.store.AppendAudit(ctx, e); err != nil {
		return "", err
	}
	return e.ID, nil
}

// deadline is the earliest of an account's clocks under a rule, and the
// anchor that set it; ok is false when no clock runs (not deleted, no
// subscription end).
func deadline(acc *steward.Account, rule steward.RetentionRule) (time.Time, steward.AnchorKind, bool) {
	var at time.Time
	var kind steward.AnchorKind
	consider := func(k steward.AnchorKind, from *time.Time) {
		a, ok := rule.Anchor(k)
		if !ok || from == nil {
			return
		}
		if d := from.Add(a.After); kind == "" || d.Before(at) {
			at, kind = d, k
		}
	}
	consider(steward.AnchorAccountDeleted, acc.DeletedAt)
	consider(steward.AnchorSubscriptionEnded, acc.SubscriptionEnd)
	return at, kind, kind != ""
}

// sweepAccounts runs the account clock: each account whose deadline has
// passed loses its managers, audit chain and device history, and its
// devices are anonymised; the credit ledger stays. An account is marked
// purged once nothing of it is held, so it is processed once.
func (s *Service) sweepAccounts(ctx context.Context, root *steward.Account, now time.Time, tallies map[string]*tally) error {
	// The widest net: the shortest anchors of any clock in the plan.
	var del, end time.Duration = -1, -1
	for _, p := range accountPurgePlan {
		r := category(p.clock).Rule
		if a, ok := r.Anchor(steward.AnchorAccountDeleted); ok && (del < 0 || a.After < del) {
			del = a.After
		}
		if a, ok := r.Anchor(steward.AnchorSubscriptionEnded); ok && (end < 0 || a.After < end) {
			end = a.After
		}
	}
	if del < 0 && end < 0 {
		return nil
	}
	never := time.UnixMilli(0)
	deletedBefore, endedBefore := never, never
	if del >= 0 {
		deletedBefore = now.Add(-del)
	}
	if end >= 0 {
		endedBefore = now.Add(-end)
	}
	after := ""
	for ctx.Err() == nil {
		accs, err := s.store.AccountsDue(ctx, deletedBefore, endedBefore, after, 100)
		if err != nil {
			return err
		}
		for _, acc := range accs {
			if err := s.purgeAccount(ctx, root, acc, now, tallies); err != nil {
				return fmt.Errorf("purge account %s: %w", acc.ID, err)
			}
			after = acc.ID
		}
		if len(accs) < 100 {
			break
		}
	}
	return nil
}

func (s *Service) purgeAccount(ctx context.Context, root *steward.Account, acc *steward.Account, now time.Time, tallies map[string]*tally) error {
	complete := true
	for _, p := range accountPurgePlan {
		clock := category(p.clock).Rule
		due, anchor, ok := deadline(acc, clock)
		if !ok || !due.Before(now) {
			complete = false
			continue
		}
		c := category(p.category)
		rec := steward.RetentionReceipt{Category: c.Name, RuleVersion: c.Rule.Version, Action: clock.Action, Anchor: anchor,
			Cutoff: due, Tables: map[string]int64{}, AccountID: acc.ID}
		var ids []string
		for _, part := range p.parts {
			n := 0
			for {
				got, err := s.store.PurgeAccountPart(ctx, acc.ID, part, now, RetentionBatch)
				if err != nil {
					return err
				}
				ids, n = append(ids, got...), n+len(got)
				if len(got) < RetentionBatch || ctx.Err() != nil {
					break
				}
			}
			if n > 0 {
				rec.Tables[string(part)] = int64(n)
			}
			held, err := s.store.CountHeldAccountPart(ctx, acc.ID, part, now)
			if err != nil {
				return err
			}
			rec.Held += held
		}
		if rec.Held > 0 {
			complete = false
		}
		t := tallies[p.category]
		t.count, t.held = t.count+int64(len(ids)), t.held+rec.Held
		if t.cutoff == nil {
			t.cutoff = &due
		}
		if len(ids) == 0 {
			continue
		}
		rec.Count, rec.SHA256 = int64(len(ids)), steward.RetentionDigest(ids)
		if p.category == "account.managers" {
			rec.Note = "Their sessions, API tokens and one-time tokens went with them."
		}
		if p.category == "device.inventory" {
			s.states.forget(ids...)
			for _, id := range ids {
				s.devAuth.forget(id)
			}
			rec.Note = "Devices anonymised (identifiers, names, network and SIM data overwritten, credentials revoked); their commands, events and app lists deleted."
		}
		id, err := s.receipt(ctx, root, rec)
		if err != nil {
			return err
		}
		t.receiptID = id
	}
	if complete && ctx.Err() == nil {
		return s.store.MarkAccountPurged(ctx, acc.ID, now)
	}
	return nil
}

// RetentionStatus reports, per category of the catalog, its rule, whether
// the engine enforces it, the rows stored, the last sweep and what it held,
// and when the next is due. Platform administrators only. EFORBIDDEN.
func (s *Service) RetentionStatus(ctx context.Context) ([]*steward.RetentionStatus, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := platformOnly(a, "read the retention status"); err != nil {
		return nil, err
	}
	runs, err := s.store.RetentionRuns(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]*steward.RetentionRun{}
	for _, r := range runs {
		byName[r.Category] = r
	}
	cats := privacy.Catalog()
	seen := map[string]bool{}
	for _, c := range cats {
		seen[c.Name] = true
	}
	for _, name := range EnforcedCategories {
		if !seen[name] {
			cats = append(cats, category(name))
		}
	}
	var out []*steward.RetentionStatus
	for _, c := range cats {
		st := &steward.RetentionStatus{Category: c.Name, Title: c.Title, Rule: c.Rule, Note: c.LegalRetention}
		for _, e := range EnforcedCategories {
			st.Enforced = st.Enforced || e == c.Name
		}
		if table := categoryTables[c.Name]; table != "" {
			n, err := s.store.CountTable(ctx, table)
			if err != nil {
				return nil, err
			}
			st.Rows = &n
		}
		if r := byName[c.Name]; r != nil {
			st.LastRun, st.HeldByHolds = r, r.HeldCount
			next := r.NextDueAt
			st.NextDueAt = &next
		}
		if c.Name == "billing.credit_ledger" && st.Note == "" {
			st.Note = ledgerKept
		} else if c.Name == "billing.credit_ledger" {
			st.Note += " " + ledgerKept
		}
		if !st.Enforced && st.Note == "" {
			st.Note = "Deleted by the action that ends it (see the rule); the scheduled sweep does not process this category."
		}
		out = append(out, st)
	}
	return out, nil
}

// RunRetentionSweep runs the sweep now (platform administrators only) and
// says what it did. EFORBIDDEN.
func (s *Service) RunRetentionSweep(ctx context.Context) (string, error) {
	a, err := actor(ctx)
	if err != nil {
		return "", err
	}
	if err := platformOnly(a, "run the retention sweep"); err != nil {
		return "", err
	}
	return s.SweepRetention(ctx)
}

// RetentionReceipts lists the newest sweep receipts (platform
// administrators only: they sit on the platform root's chain). EFORBIDDEN.
func (s *Service) RetentionReceipts(ctx context.Context, limit int) ([]*steward.AuditEntry, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	if err := platformOnly(a, "read retention receipts"); err != nil {
		return nil, err
	}
	return s.store.ListAudit(ctx, a.AccountPath, steward.AuditFilter{Action: "retention.sweep", Limit: limit})
}
