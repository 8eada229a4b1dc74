package service_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/privacy"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// policyRows counts a policy's rows in each of its tables.
func (e *policyEnv) policyRows(t *testing.T, id string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, q := range []struct{ table, sql string }{
		{"policies", `SELECT id FROM policies WHERE id = $1`},
		{"policy_versions", `SELECT policy_id FROM policy_versions WHERE policy_id = $1`},
		{"policy_wifi", `SELECT ssid FROM policy_wifi WHERE policy_id = $1`},
		{"policy_ca_certs", `SELECT sha256 FROM policy_ca_certs WHERE policy_id = $1`},
		{"policy_targets", `SELECT kind FROM policy_targets WHERE policy_id = $1`},
	} {
		out[q.table] = len(e.ids(t, q.sql, id))
	}
	return out
}

// TestPolicyRemovalErasesEveryVersion: a network or certificate removed
// from a policy is erased from every version at once (its secrets with
// it), and deleting the policy deletes everything of it.
func TestPolicyRemovalErasesEveryVersion(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		w := e.world(t)
		now := e.clock.Now()
		keep := testutil.NewCA(t, "Kept CA", now.Add(-time.Hour), now.AddDate(1, 0, 0))
		drop := testutil.NewCA(t, "Dropped CA", now.Add(-time.Hour), now.AddDate(1, 0, 0))
		p := e.create(t, w.c1, w.C1, "Networks", steward.PolicySettings{
			WiFi:    []steward.WiFiSetting{office(str(officePassword)), {SSID: "Lab", Security: protocol.WiFiWPA2Personal, Password: str("lab-password-1")}},
			CACerts: []steward.CACertSetting{{PEM: keep.PEM}, {PEM: drop.PEM}},
		}, steward.Target{Kind: steward.TargetAccount, ID: w.C1.ID})
		e.tick()
		_, err := e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{
			WiFi: []steward.WiFiSetting{{SSID: "Office", Security: protocol.WiFiWPA2Personal, Hidden: true},
				{SSID: "Lab", Security: protocol.WiFiWPA2Personal}}, CACerts: []steward.CACertSetting{{PEM: keep.PEM}, {PEM: drop.PEM}}}})
		must(t, err)
		diff(t, "rows after two versions", e.policyRows(t, p.ID), map[string]int{"policies": 1, "policy_versions": 2,
			"policy_wifi": 4, "policy_ca_certs": 4, "policy_targets": 1})

		e.tick()
		_, err = e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{
			WiFi: []steward.WiFiSetting{office(nil)}, CACerts: []steward.CACertSetting{{PEM: keep.PEM}}}})
		must(t, err)
		diff(t, "networks left in any version", e.ids(t, `SELECT DISTINCT ssid FROM policy_wifi WHERE policy_id = $1`, p.ID), []string{"Office"})
		diff(t, "certificates left in any version", e.ids(t, `SELECT DISTINCT sha256 FROM policy_ca_certs WHERE policy_id = $1`, p.ID),
			[]string{keep.SHA256})
		diff(t, "versions holding a sealed secret", e.ids(t, `SELECT CAST(version AS TEXT) FROM policy_wifi
			WHERE policy_id = $1 AND password_sealed IS NOT NULL`, p.ID), []string{"3"})
		vs, err := e.svc.PolicyVersions(w.c1.ctx, p.ID)
		must(t, err)
		if len(vs) != 3 || len(vs[2].Settings.WiFi) != 1 || !vs[2].Settings.WiFi[0].PasswordSet {
			t.Errorf("version 1 as listed: %+v", vs[2].Settings.WiFi)
		}

		must(t, e.svc.DeletePolicy(w.c1.ctx, p.ID))
		diff(t, "rows after the deletion", e.policyRows(t, p.ID), map[string]int{"policies": 0, "policy_versions": 0,
			"policy_wifi": 0, "policy_ca_certs": 0, "policy_targets": 0})
		if a := e.lastAudit(t); a.Action != "policy.delete" {
			t.Errorf("last audit entry %s, want policy.delete", a.Action)
		}
	})
}

// TestRetentionPurgesPolicies: the account clock deletes an account's
// policies with their networks and certificates, each under a receipt of
// its own category, and leaves other accounts' policies alone; a hold on
// Wi-Fi networks keeps them and their policy.
func TestRetentionPurgesPolicies(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		w := e.retentionWorld(t)
		admin := e.admin(t)
		now := e.clock.Now()
		ca := testutil.NewCA(t, "Corp CA", now.Add(-time.Hour), now.AddDate(5, 0, 0))
		settings := steward.PolicySettings{WiFi: []steward.WiFiSetting{office(str(officePassword))}, CACerts: []steward.CACertSetting{{PEM: ca.PEM}}}
		pa := e.create(t, admin, w.A, "A policy", settings)
		e.tick()
		_, err := e.svc.UpdatePolicy(admin.ctx, pa.ID, service.PolicyUpdate{Settings: &settings})
		must(t, err)
		pb := e.create(t, admin, w.B, "B policy", settings)
		held := e.create(t, admin, w.B, "B held policy", settings)

		_, err = e.svc.DeleteAccount(admin.ctx, w.A.ID)
		must(t, err)
		e.clock.Advance(6*privacy.Month - time.Minute)
		e.sweep(t)
		diff(t, "A's policy before its clock ran", e.policyRows(t, pa.ID)["policies"], 1)
		e.clock.Advance(2 * time.Minute)
		e.sweep(t)
		diff(t, "A's policy after its clock ran", e.policyRows(t, pa.ID), map[string]int{"policies": 0, "policy_versions": 0,
			"policy_wifi": 0, "policy_ca_certs": 0, "policy_targets": 0})
		diff(t, "B's policy", e.policyRows(t, pb.ID)["policy_wifi"], 1)
		got := map[string]int64{}
		for _, r := range e.receipts(t, &retentionWorld{P: w.P}) {
			if r.AccountID == w.A.ID && slices.Contains([]string{"config.policies", "config.wifi", "config.ca_certs"}, r.Category) {
				for table, n := range r.Tables {
					got[r.Category+" "+table] += n
				}
			}
		}
		diff(t, "receipts", got, map[string]int64{"config.wifi policy_wifi": 1, "config.ca_certs policy_ca_certs": 1,
			"config.policies policies": 1})

		// A hold on B's Wi-Fi networks keeps them, and their policies.
		_, err = e.svc.CreateLegalHold(e.admin(t).ctx, steward.LegalHoldCreate{AccountID: w.B.ID, Scope: steward.HoldCategory,
			Category: "config.wifi", Reason: "Network audit"})
		must(t, err)
		_, err = e.svc.DeleteAccount(e.admin(t).ctx, w.B.ID)
		must(t, err)
		e.clock.Advance(6*privacy.Month + time.Minute)
		e.sweep(t)
		for _, id := range []string{pb.ID, held.ID} {
			diff(t, "a held policy", e.policyRows(t, id), map[string]int{"policies": 1, "policy_versions": 1,
				"policy_wifi": 1, "policy_ca_certs": 0, "policy_targets": 0})
		}
	})
}
