package service

import (
	"context"
	"fmt"
	"slices"
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
	// RetentionBatch is the most rows one sweep statement changes, by
	// default (Options.RetentionBatch).
	RetentionBatch = 1000
	// RetentionBatchSingleWriter is the default batch on a database with a
	// single writer (SQLite): a shorter statement keeps check-ins waiting
	// behind it for less time.
	RetentionBatchSingleWriter = 250
	// RetentionPauseDefault is the default pause after a full batch
	// (Options.RetentionPause), in which queued writes get the database.
	RetentionPauseDefault = 5 * time.Millisecond
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
	"mail.outbox": {Name: "mail.outbox", Title: "Outgoing mail", Rule: steward.RetentionRule{Version: 1,
		Action: steward.ActionDelete, Anchors: []steward.Anchor{{Kind: steward.AnchorEvent, After: 30 * privacy.Day}}}},
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
	{"mail.outbox", steward.SetOutbox},
}

// purgeStep is what the account clock does to one category of an
// account's own data. Each step runs on its category's own rule (every one
// has the account anchors), and its receipt names that category. also
// names a category whose columns the part alsoPart changes in the same
// statements (a device's name is anonymised with its inventory); it gets
// a receipt of its own over the same rows.
type purgeStep struct {
	category string
	parts    []steward.PurgePart
	also     string
	alsoPart steward.PurgePart
}

// accountPurgePlan is the account clock, in order: a device's data before
// the device is anonymised, the devices before the activation codes they
// name, sessions and API tokens before their logins, the holds last.
var accountPurgePlan = []purgeStep{
	{category: "device.location", parts: []steward.PurgePart{steward.PurgeLocation}},
	{category: "device.web_history", parts: []steward.PurgePart{steward.PurgeWebHistory}},
	{category: "device.consents", parts: []steward.PurgePart{steward.PurgeConsents}},
	{category: "device.commands", parts: []steward.PurgePart{steward.PurgeCommands}},
	{category: "device.history", parts: []steward.PurgePart{steward.PurgeDeviceEvents}},
	{category: "directory.users", parts: []steward.PurgePart{steward.PurgeUsers}},
	{category: "device.inventory", parts: []steward.PurgePart{steward.PurgeDeviceApps, steward.PurgeCompliance, steward.PurgeDevices},
		also: "device.name", alsoPart: steward.PurgeDevices},
	{category: "config.wifi", parts: []steward.PurgePart{steward.PurgePolicyWiFi}},
	{category: "config.ca_certs", parts: []steward.PurgePart{steward.PurgePolicyCACerts}},
	{category: "config.policies", parts: []steward.PurgePart{steward.PurgePolicies}},
	{category: "directory.contacts", parts: []steward.PurgePart{steward.PurgeContacts}},
	{category: "directory.files", parts: []steward.PurgePart{steward.PurgeSharedFiles}},
	{category: "billing.activation_codes", parts: []steward.PurgePart{steward.PurgeActivationCodes}},
	{category: "account.sessions", parts: []steward.PurgePart{steward.PurgeSessions}},
	{category: "account.api_tokens", parts: []steward.PurgePart{steward.PurgeAPITokens}},
	{category: "account.managers", parts: []steward.PurgePart{steward.PurgeManagers}},
	{category: "audit.console_actions", parts: []steward.PurgePart{steward.PurgeAudit}},
	{category: "privacy.legal_holds", parts: []steward.PurgePart{steward.PurgeLegalHolds}},
}

// accountCategory is the account row itself: anonymised (its free text
// erased) when the account clock has run for everything else.
const accountCategory = "account.reseller"

// What carries out each anchor of each collected category's rule. The
// privacy centre shows it; a test holds it to the catalog: every anchor of
// every collected category is here, and nothing else.
const (
	whySweepAccount = "privacy.retention (hourly): the account clock, run for each deleted or expired account"
	whyCascade      = "the device's confirmed reset deletes the device in one transaction; these rows go with it (ON DELETE CASCADE)"
	whyLoginCascade = "deleting the login deletes it in one transaction; these rows go with it (ON DELETE CASCADE)"
)

func accountSwept(what string) []steward.Enforcement {
	if what == "" {
		what = whySweepAccount
	}
	return []steward.Enforcement{
		{Anchor: steward.AnchorAccountDeleted, By: steward.EnforcedBySweep, What: what},
		{Anchor: steward.AnchorSubscriptionEnded, By: steward.EnforcedBySweep, What: what},
	}
}

func with(first []steward.Enforcement, rest ...steward.Enforcement) []steward.Enforcement {
	return append(append([]steward.Enforcement(nil), first...), rest...)
}

var onReset = steward.Enforcement{Anchor: steward.AnchorDeviceReset, By: steward.EnforcedOnEvent, What: whyCascade}

var enforcement = map[string][]steward.Enforcement{
	"device.location": with(accountSwept(""),
		steward.Enforcement{Anchor: steward.AnchorEvent, By: steward.EnforcedBySweep,
			What: "privacy.retention (hourly): points older than 2 months, and each device's points beyond its newest 50 (the cap is also kept at every ingest)"},
		steward.Enforcement{Anchor: steward.AnchorFeatureDisabled, By: steward.EnforcedOnEvent,
			What: "turning location off for the account, or the device user withdrawing it, deletes the points in the same transaction"},
		onReset),
	"device.web_history": with(accountSwept(""),
		steward.Enforcement{Anchor: steward.AnchorEvent, By: steward.EnforcedBySweep, What: "privacy.retention (hourly): visits older than 15 days"},
		steward.Enforcement{Anchor: steward.AnchorFeatureDisabled, By: steward.EnforcedOnEvent,
			What: "turning web history off for the account, or the device user withdrawing it, deletes the visits in the same transaction"},
		onReset),
	"device.consents":  with(accountSwept(""), onReset),
	"device.history":   with(accountSwept(""), onReset),
	"device.inventory": with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorDeviceReset, By: steward.EnforcedOnEvent, What: "the device's confirmed reset deletes the device, its app list and its compliance report in one transaction"}),
	"device.name":      with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorDeviceReset, By: steward.EnforcedOnEvent, What: "the device's confirmed reset deletes the device in one transaction"}),
	"device.commands": with(accountSwept(""),
		steward.Enforcement{Anchor: steward.AnchorEvent, By: steward.EnforcedByJob,
			What: "commands.compact (hourly): commands finished more than 30 days ago; commands.expire (every minute) finishes unfinished ones when their time to live runs out"},
		onReset),
	"audit.console_actions": accountSwept(""),
	"account.managers": with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
		What: "deleting the login deletes it, its sessions and its API tokens in one transaction"}),
	"account.sessions": with(accountSwept(""),
		steward.Enforcement{Anchor: steward.AnchorEvent, By: steward.EnforcedByJob,
			What: "sessions.expire (hourly): sessions past their end; signing out deletes the session at once"},
		steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent, What: whyLoginCascade}),
	"account.api_tokens": with(accountSwept(""),
		steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent, What: whyLoginCascade}),
	"account.reseller": accountSwept("privacy.retention (hourly): once the account clock has run for all of an account's data, its notes and status reason are erased"),
	"billing.credit_ledger": {{Anchor: steward.AnchorEvent, By: steward.EnforcedKept,
		What: "append-only: the database refuses changes and deletions, so no job removes entries"}},
	"billing.activation_codes": accountSwept(""),
	"security.events":          {{Anchor: steward.AnchorEvent, By: steward.EnforcedBySweep, What: "privacy.retention (hourly): events older than 2 years"}},
	"mail.outbox": {{Anchor: steward.AnchorEvent, By: steward.EnforcedBySweep,
		What: "privacy.retention (hourly): mail queued more than 30 days ago (mail.deliver erases the body as soon as it is sent)"}},
	"apps.private": {{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
		What: "deleting an app deletes its APK files from storage and its versions, assignments and deployments at once"}},
	"config.policies": with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
		What: "deleting a policy deletes it with every version, its networks, certificates, sealed secrets and targets at once"}),
	"config.wifi": with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
		What: "removing a network from a policy erases it from every version at once (and an edit erases the secrets of the older versions); deleting the policy deletes them all"}),
	"config.ca_certs": with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
		What: "removing a certificate from a policy erases it from every version at once; deleting the policy deletes them all"}),
	"privacy.legal_holds": accountSwept("privacy.retention (hourly): the account clock deletes the holds placed on the account once they are released or expired"),
	"directory.users": with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
		What: "deleting a user deletes it at once, in one transaction; its devices are left without a user (ON DELETE SET NULL)"}),
	"directory.contacts": with(accountSwept(""), steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
		What: "deleting a contact deletes it and its targets at once; the devices that held it get a new directory version and remove their copy"}),
	"directory.files": with(accountSwept("privacy.retention (hourly): the account clock, run for each deleted or expired account, deletes the files' records and their content in blob storage"),
		steward.Enforcement{Anchor: steward.AnchorCustomerDeleted, By: steward.EnforcedOnEvent,
			What: "deleting a file deletes its record and its content in blob storage at once; the devices that held it get a new directory version and remove their copy"}),
}

// Enforcement returns what carries out each anchor of a category's rule.
func Enforcement(category string) []steward.Enforcement {
	return append([]steward.Enforcement(nil), enforcement[category]...)
}

// EnforcedCategories are the catalog categories the retention sweep
// processes (and records a run for), in catalog order.
var EnforcedCategories = sweptCategories()

func sweptCategories() []string {
	var out []string
	for _, c := range privacy.Catalog() {
		for _, e := range enforcement[c.Name] {
			if e.By == steward.EnforcedBySweep || (e.By == steward.EnforcedKept && c.Rule.Action == steward.ActionKeep) {
				out = append(out, c.Name)
				break
			}
		}
	}
	var lost []string
	for name := range fallbackRules { // a category the catalog lost stays swept
		if _, ok := privacy.Lookup(name); !ok {
			lost = append(lost, name)
		}
	}
	slices.Sort(lost)
	return append(out, lost...)
}

// categoryTables name the table whose size the privacy centre shows.
var categoryTables = map[string]string{"device.location": "location_points", "device.web_history": "web_history",
	"device.consents": "device_consents", "device.inventory": "devices", "device.name": "devices", "device.history": "device_events",
	"device.commands": "commands", "security.events": "security_events", "account.managers": "managers",
	"account.sessions": "sessions", "account.api_tokens": "api_tokens", "account.reseller": "accounts",
	"audit.console_actions": "audit_log", "billing.credit_ledger": "credit_ledger", "billing.activation_codes": "activation_codes",
	"mail.outbox": "outbox", "privacy.legal_holds": "legal_holds", "apps.private": "app_versions",
	"directory.users": "users",

	"config.policies": "policies", "config.wifi": "policy_wifi", "config.ca_certs": "policy_ca_certs",
	"directory.contacts": "contacts", "directory.files": "shared_files"}

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
	batch := s.opts.RetentionBatch
	for {
		got, err := s.store.ExpireRows(ctx, r.set, cutoff, now, batch)
		if err != nil {
			return err
		}
		ids = append(ids, got...)
		if len(got) < batch || !s.yield(ctx) {
			break
		}
	}
	held, err := s.store.CountHeldRows(ctx, r.set, cutoff, now)
	if err != nil {
		return err
	}
	if c.Rule.Action == steward.ActionCap && c.Rule.Cap > 0 {
		over, heldOver, err := s.store.TrimLocation(ctx, c.Rule.Cap, now, batch)
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

// yield pauses between two full batches of the sweep so that writes
// queued behind it (check-ins) get the database, and reports whether the
// sweep should go on (false once ctx is done).
func (s *Service) yield(ctx context.Context) bool {
	if s.opts.RetentionPause <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(s.opts.RetentionPause)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
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
		r := category(p.category).Rule
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
	batch := s.opts.RetentionBatch
	for _, p := range accountPurgePlan {
		c := category(p.category)
		due, anchor, ok := deadline(acc, c.Rule)
		if !ok || !due.Before(now) {
			complete = false
			continue
		}
		rec := steward.RetentionReceipt{Category: c.Name, RuleVersion: c.Rule.Version, Action: purgeAction(c.Rule), Anchor: anchor,
			Cutoff: due, Tables: map[string]int64{}, AccountID: acc.ID}
		var ids, alsoIDs []string
		for _, part := range p.parts {
			n := 0
			for {
				got, err := s.store.PurgeAccountPart(ctx, acc.ID, part, now, batch)
				if err != nil {
					return err
				}
				ids, n = append(ids, got...), n+len(got)
				if part == steward.PurgeSharedFiles {
					s.dropFileBlobs(ctx, acc.ID, got)
				}
				if part == p.alsoPart && p.also != "" {
					alsoIDs = append(alsoIDs, got...)
				}
				if len(got) < batch || !s.yield(ctx) {
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
		if len(ids) > 0 {
			rec.Count, rec.SHA256 = int64(len(ids)), steward.RetentionDigest(ids)
			rec.Note = purgeNotes[p.category]
			if err := s.receiptInto(ctx, root, rec, t); err != nil {
				return err
			}
		}
		if len(alsoIDs) > 0 {
			ac := category(p.also)
			also := steward.RetentionReceipt{Category: ac.Name, RuleVersion: ac.Rule.Version, Action: purgeAction(ac.Rule), Anchor: anchor,
				Cutoff: due, Count: int64(len(alsoIDs)), SHA256: steward.RetentionDigest(alsoIDs),
				Tables: map[string]int64{string(p.alsoPart): int64(len(alsoIDs))}, AccountID: acc.ID,
				Note: "Anonymised in the same statements as the device inventory (receipt of " + c.Name + ")."}
			at := tallies[p.also]
			at.count += int64(len(alsoIDs))
			if at.cutoff == nil {
				at.cutoff = &due
			}
			if err := s.receiptInto(ctx, root, also, at); err != nil {
				return err
			}
		}
		if p.category == "device.inventory" {
			// Their rows changed under the caches of the device path.
			s.states.forget(ids...)
			for _, id := range ids {
				s.devAuth.forget(id)
			}
		}
	}
	if !complete || ctx.Err() != nil {
		return nil
	}
	// Everything of the account is gone or anonymised: erase the account's
	// own free text, and mark it so that it is processed once.
	c := category(accountCategory)
	due, anchor, _ := deadline(acc, c.Rule)
	if err := s.store.MarkAccountPurged(ctx, acc.ID, now); err != nil {
		return err
	}
	rec := steward.RetentionReceipt{Category: c.Name, RuleVersion: c.Rule.Version, Action: purgeAction(c.Rule), Anchor: anchor,
		Cutoff: due, Count: 1, SHA256: steward.RetentionDigest([]string{acc.ID}), Tables: map[string]int64{"accounts": 1},
		AccountID: acc.ID, Note: purgeNotes[c.Name]}
	t := tallies[c.Name]
	t.count++
	if t.cutoff == nil {
		t.cutoff = &due
	}
	return s.receiptInto(ctx, root, rec, t)
}

// purgeAction is what the account clock does under rule: anonymise where
// the rule says so, otherwise delete (a cap or a legal period does not
// outlive the account's data).
func purgeAction(r steward.RetentionRule) steward.RetentionAction {
	if r.Action == steward.ActionAnonymise {
		return r.Action
	}
	return steward.ActionDelete
}

// purgeNotes explain a purge receipt.
var purgeNotes = map[string]string{
	"device.inventory":    "Devices anonymised (identifiers, names, network and SIM data overwritten, credentials revoked); their app lists and compliance reports deleted.",
	"account.managers":    "Their one-time links went with them.",
	"account.reseller":    "The account's notes and status reason erased; its name, kind and subscription stay with the credit ledger, which legal retention keeps.",
	"privacy.legal_holds": "Holds placed on the account that were released or had expired.",
}

// receiptInto writes rec and records it as t's last receipt.
func (s *Service) receiptInto(ctx context.Context, root *steward.Account, rec steward.RetentionReceipt, t *tally) error {
	id, err := s.receipt(ctx, root, rec)
	if err != nil {
		return err
	}
	t.receiptID = id
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
		st := &steward.RetentionStatus{Category: c.Name, Title: c.Title, Rule: c.Rule, Note: c.LegalRetention, NotCollected: c.NotCollected}
		if !c.Collected() {
			out = append(out, st)
			continue
		}
		st.Swept = slices.Contains(EnforcedCategories, c.Name)
		st.Enforcement = Enforcement(c.Name)
		if _, ok := fallbackRules[c.Name]; ok && len(st.Enforcement) == 0 {
			st.Enforcement = []steward.Enforcement{{Anchor: steward.AnchorEvent, By: steward.EnforcedBySweep, What: "privacy.retention (hourly)"}}
		}
		st.Enforced = enforcesEveryAnchor(c.Rule, st.Enforcement)
		if table := categoryTables[c.Name]; table != "" {
			n, err := s.store.CountTable(ctx, table)
			if err != nil {
				return nil, err
			}
			st.Rows = &n
		}
		if r := byName[c.Name]; r != nil && st.Swept {
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
			st.Note = "Not every part of this rule is carried out by this version; see the enforcement listed."
		}
		out = append(out, st)
	}
	return out, nil
}

// enforcesEveryAnchor reports whether es carries out every anchor of r.
func enforcesEveryAnchor(r steward.RetentionRule, es []steward.Enforcement) bool {
	for _, a := range r.Anchors {
		if !slices.ContainsFunc(es, func(e steward.Enforcement) bool { return e.Anchor == a.Kind }) {
			return false
		}
	}
	return len(r.Anchors) > 0
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
