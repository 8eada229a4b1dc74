package storetest

import (
	"testing"

	"github.com/stewardmdm/steward"
)

// policy inserts a policy of account with a first version of settings.
func (f *fixture) policy(t *testing.T, account *steward.Account, name string, s steward.PolicySettings, targets ...steward.Target) (*steward.Policy, *steward.PolicyVersion) {
	t.Helper()
	now := f.now()
	p := &steward.Policy{ID: steward.NewID(now), AccountID: account.ID, Name: name, Description: "about " + name,
		CurrentVersion: 1, Targets: append([]steward.Target{}, targets...), CreatedBy: "m1", CreatedAt: now, UpdatedAt: now}
	v := &steward.PolicyVersion{PolicyID: p.ID, Version: 1, Settings: s, CreatedBy: "m1", CreatedByEmail: "admin@example.com", CreatedAt: now}
	ok(t, f.db.InsertPolicy(f.ctx, p, v))
	return p, v
}

func sealed(ct, ref string) *steward.SealedSecret {
	return &steward.SealedSecret{Ciphertext: []byte(ct), Ref: ref}
}

func caCert(sha, name string) steward.CACertSetting {
	return steward.CACertSetting{Name: name, PEM: "-----BEGIN CERTIFICATE-----\n" + sha + "\n-----END CERTIFICATE-----\n",
		CertInfo: &steward.CertInfo{SHA256: sha}}
}

func policyIDs(ps []*steward.Policy) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}

func testPolicies(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	client := f.account(t, root, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")

	minLen, interval := 6, 300
	s1 := steward.PolicySettings{
		WiFi: []steward.WiFiSetting{
			{SSID: "Office", Security: "wpa2_personal", SealedPassword: sealed("ct-office-1", "ref-office")},
			{SSID: "Lab", Security: "wpa2_enterprise", EAPMethod: "tls", Identity: "dev", CACertSHA256: "aa",
				ClientCertPEM: "client-cert", DomainSuffixMatch: "radius.example.com", SealedClientKey: sealed("ct-key-1", "ref-key")},
			{SSID: "Guest", Hidden: true, Security: "open"},
		},
		CACerts:                []steward.CACertSetting{caCert("aa", "Root CA"), caCert("bb", "Old CA")},
		Apps:                   []steward.AppRuleSetting{{Package: "com.example.app", Action: "required"}},
		Kiosk:                  &steward.KioskSetting{Package: "com.example.app"},
		Password:               &steward.PasswordSetting{Quality: "numeric", MinLength: &minLen},
		Restrictions:           &steward.RestrictionsSetting{DisableCamera: ptr(true)},
		Tracking:               &steward.TrackingSetting{Location: ptr(false)},
		CheckInIntervalSeconds: &interval,
	}
	target := steward.Target{Kind: steward.TargetAccount, ID: client.ID}
	p, v1 := f.policy(t, client, "Kiosk", s1, target)
	f.policy(t, client, "Another", steward.PolicySettings{})
	f.policy(t, other, "Kiosk", steward.PolicySettings{})

	got, err := f.db.PolicyByID(f.ctx, p.ID)
	ok(t, err)
	diff(t, "policy", got, p)
	_, err = f.db.PolicyByID(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)

	// The name is the account's: taken in it, free in another.
	dup := &steward.Policy{ID: f.id(), AccountID: client.ID, Name: "Kiosk", CreatedAt: f.now(), UpdatedAt: f.now()}
	wantCode(t, f.db.InsertPolicy(f.ctx, dup, &steward.PolicyVersion{PolicyID: dup.ID, Version: 1, CreatedAt: f.now()}), steward.ECONFLICT)

	gotV, err := f.db.PolicyVersion(f.ctx, p.ID, 1)
	ok(t, err)
	want := *v1
	for i := range want.Settings.WiFi {
		w := &want.Settings.WiFi[i]
		w.PasswordSet, w.ClientKeySet = w.SealedPassword != nil, w.SealedClientKey != nil
	}
	diff(t, "version 1", gotV, &want)

	list, err := f.db.ListPolicies(f.ctx, client.Path)
	ok(t, err)
	if len(list) != 2 || list[0].Name != "Another" || list[1].ID != p.ID || len(list[1].Targets) != 1 {
		t.Errorf("list = %v, want Another then Kiosk with its target", policyIDs(list))
	}

	// Version 2 drops the Lab network and the old CA and keeps the Office
	// password (re-sealed): the older version loses its secrets and what
	// was removed.
	s2 := s1
	s2.WiFi = []steward.WiFiSetting{{SSID: "Office", Security: "wpa2_personal", SealedPassword: sealed("ct-office-2", "ref-office")},
		{SSID: "Guest", Hidden: true, Security: "open"}}
	s2.CACerts = []steward.CACertSetting{caCert("aa", "Root CA")}
	s2.Kiosk = nil
	p.Name, p.UpdatedAt = "Kiosk devices", f.now()
	v2 := &steward.PolicyVersion{PolicyID: p.ID, Version: 2, Settings: s2, CreatedBy: "m2", CreatedAt: p.UpdatedAt}
	ok(t, f.db.UpdatePolicy(f.ctx, p, v2))
	if p.CurrentVersion != 2 {
		t.Errorf("current version = %d, want 2", p.CurrentVersion)
	}
	// Writing version 2 again is a conflict, as is a gap.
	wantCode(t, f.db.UpdatePolicy(f.ctx, p, &steward.PolicyVersion{PolicyID: p.ID, Version: 2, CreatedAt: f.now()}), steward.ECONFLICT)
	wantCode(t, f.db.UpdatePolicy(f.ctx, p, &steward.PolicyVersion{PolicyID: p.ID, Version: 4, CreatedAt: f.now()}), steward.ECONFLICT)
	// A rename to a taken name is a conflict.
	taken := *p
	taken.Name = "Another"
	wantCode(t, f.db.UpdatePolicy(f.ctx, &taken, nil), steward.ECONFLICT)
	wantCode(t, f.db.UpdatePolicy(f.ctx, &steward.Policy{ID: "missing", Name: "x"}, nil), steward.ENOTFOUND)

	vs, err := f.db.ListPolicyVersions(f.ctx, p.ID)
	ok(t, err)
	if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 {
		t.Fatalf("versions = %d, want 2 then 1", len(vs))
	}
	old := vs[1].Settings
	if len(old.WiFi) != 2 || old.WiFi[0].SSID != "Office" || old.WiFi[1].SSID != "Guest" {
		t.Errorf("version 1 networks = %+v, want Office and Guest (Lab erased)", old.WiFi)
	}
	if s := old.WiFi[0].SealedPassword; s == nil || len(s.Ciphertext) != 0 || s.Ref != "ref-office" || !old.WiFi[0].PasswordSet {
		t.Errorf("version 1 Office password = %+v, want its reference without the ciphertext", s)
	}
	if len(old.CACerts) != 1 || old.CACerts[0].SHA256 != "aa" {
		t.Errorf("version 1 CA certificates = %+v, want only aa", old.CACerts)
	}
	if old.Kiosk == nil || old.Kiosk.Package != "com.example.app" {
		t.Errorf("version 1 kiosk = %+v, want it kept", old.Kiosk)
	}
	cur := vs[0].Settings
	if s := cur.WiFi[0].SealedPassword; s == nil || string(s.Ciphertext) != "ct-office-2" {
		t.Errorf("version 2 Office password = %+v, want the new ciphertext", s)
	}

	ok(t, f.db.SetPolicyTargets(f.ctx, p.ID, []steward.Target{{Kind: steward.TargetGroup, ID: "g1"},
		{Kind: steward.TargetDevice, ID: "d1"}, {Kind: steward.TargetGroup, ID: "g1"}}, f.now()))
	got, err = f.db.PolicyByID(f.ctx, p.ID)
	ok(t, err)
	diff(t, "targets", got.Targets, []steward.Target{{Kind: steward.TargetDevice, ID: "d1"}, {Kind: steward.TargetGroup, ID: "g1"}})
	ids, err := f.db.PoliciesTargeting(f.ctx, steward.Target{Kind: steward.TargetGroup, ID: "g1"})
	ok(t, err)
	diff(t, "targeting g1", ids, []string{p.ID})
	wantCode(t, f.db.SetPolicyTargets(f.ctx, "missing", nil, f.now()), steward.ENOTFOUND)

	ok(t, f.db.DeletePolicy(f.ctx, p.ID))
	_, err = f.db.PolicyVersion(f.ctx, p.ID, 1)
	wantCode(t, err, steward.ENOTFOUND)
	for _, table := range []string{"policy_versions", "policy_wifi", "policy_ca_certs", "policy_targets"} {
		n, err := f.db.ExecRaw(f.ctx, `DELETE FROM `+table+` WHERE policy_id = $1`, p.ID)
		ok(t, err)
		if n != 0 {
			t.Errorf("%s kept %d rows of the deleted policy", table, n)
		}
	}
	wantCode(t, f.db.DeletePolicy(f.ctx, p.ID), steward.ENOTFOUND)
}

func testPoliciesCovering(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	reseller := f.account(t, root, steward.AccountReseller, "Reseller")
	client := f.account(t, reseller, steward.AccountClient, "Client")
	other := f.account(t, root, steward.AccountClient, "Other")
	dev := f.device(t, client, nil)

	byReseller, _ := f.policy(t, reseller, "reseller-wide", steward.PolicySettings{}, steward.Target{Kind: steward.TargetAccount, ID: reseller.ID})
	byFolder, _ := f.policy(t, client, "folder", steward.PolicySettings{}, steward.Target{Kind: steward.TargetFolder, ID: "f1"})
	byGroup, _ := f.policy(t, client, "group", steward.PolicySettings{Apps: []steward.AppRuleSetting{{Package: "a.b", Action: "blocked"}}},
		steward.Target{Kind: steward.TargetGroup, ID: "g2"}, steward.Target{Kind: steward.TargetFolder, ID: "f9"})
	byDevice, _ := f.policy(t, client, "device", steward.PolicySettings{}, steward.Target{Kind: steward.TargetDevice, ID: dev.ID})
	f.policy(t, client, "other folder", steward.PolicySettings{}, steward.Target{Kind: steward.TargetFolder, ID: "f2"})
	f.policy(t, client, "other group", steward.PolicySettings{}, steward.Target{Kind: steward.TargetGroup, ID: "g3"})
	f.policy(t, client, "untargeted", steward.PolicySettings{})
	f.policy(t, other, "other account", steward.PolicySettings{}, steward.Target{Kind: steward.TargetAccount, ID: other.ID})

	m := &steward.Membership{DeviceID: dev.ID, AccountID: client.ID, AccountPath: client.Path, FolderID: "f1", GroupIDs: []string{"g1", "g2"}}
	ps, err := f.db.PoliciesCovering(f.ctx, m)
	ok(t, err)
	diff(t, "covering", policyIDs(ps), []string{byReseller.ID, byFolder.ID, byGroup.ID, byDevice.ID})
	if len(ps[2].Targets) != 2 {
		t.Errorf("covering policy targets = %+v, want both", ps[2].Targets)
	}

	// In no folder or group, only the account and device targets count.
	m = &steward.Membership{DeviceID: dev.ID, AccountID: client.ID, AccountPath: client.Path}
	ps, err = f.db.PoliciesCovering(f.ctx, m)
	ok(t, err)
	diff(t, "covering without folder or groups", policyIDs(ps), []string{byReseller.ID, byDevice.ID})

	// The device row carries its effective policy state.
	st := steward.DevicePolicyState{Version: "v-abc", CheckInIntervalSeconds: 600, Location: ptr(false)}
	second := f.device(t, client, nil)
	changed, err := f.db.SetDevicePolicyStates(f.ctx, map[string]steward.DevicePolicyState{dev.ID: st, second.ID: {}})
	ok(t, err)
	diff(t, "changed", changed, []string{dev.ID})
	got, err := f.db.DeviceByID(f.ctx, dev.ID)
	ok(t, err)
	diff(t, "device policy state", got.Policy, st)
	changed, err = f.db.SetDevicePolicyStates(f.ctx, map[string]steward.DevicePolicyState{dev.ID: st})
	ok(t, err)
	diff(t, "changed by the same state", changed, []string(nil))
	changed, err = f.db.SetDevicePolicyStates(f.ctx, map[string]steward.DevicePolicyState{dev.ID: {}})
	ok(t, err)
	diff(t, "changed back", changed, []string{dev.ID})
	ok2, err := f.db.SetDevicePolicyStates(f.ctx, map[string]steward.DevicePolicyState{second.ID: {Version: "v-2"}})
	ok(t, err)
	diff(t, "second changed", ok2, []string{second.ID})
	versions, err := f.db.DevicePolicyVersions(f.ctx, []string{dev.ID, second.ID, "missing"})
	ok(t, err)
	diff(t, "versions", versions, map[string]string{dev.ID: "", second.ID: "v-2"})
	got, err = f.db.DeviceByID(f.ctx, dev.ID)
	ok(t, err)
	diff(t, "cleared device policy state", got.Policy, steward.DevicePolicyState{})
}
