package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
)

// officePassword is the Wi-Fi password the policy tests set: it must never
// be stored in clear, nor answered but to the devices the policy targets.
const officePassword = "correct-horse-battery-staple-42"

type policyEnv struct {
	*env
	sealer *testutil.Sealer
}

func runPolicies(t *testing.T, fn func(t *testing.T, e *policyEnv)) {
	sealer := &testutil.Sealer{}
	runWith(t, service.Options{Sealer: sealer}, func(t *testing.T, e *env) {
		fn(t, &policyEnv{env: e, sealer: sealer})
	})
}

func str(s string) *string { return &s }

func intp(n int) *int { return &n }

func boolp(b bool) *bool { return &b }

// group makes a group of acc holding devices.
func (e *policyEnv) group(t *testing.T, acc *steward.Account, name string, priority int, devices ...string) *steward.Group {
	t.Helper()
	e.tick()
	now := e.clock.Now()
	g := &steward.Group{ID: steward.NewID(now), AccountID: acc.ID, Name: name, Priority: priority, CreatedAt: now, UpdatedAt: now}
	must(t, e.db.InsertGroup(e.ctx, g))
	if len(devices) > 0 {
		must(t, e.db.AddDevicesToGroup(e.ctx, g.ID, devices))
	}
	return g
}

// create creates a policy as m and fails t on an error.
func (e *policyEnv) create(t *testing.T, m *member, acc *steward.Account, name string, s steward.PolicySettings, targets ...steward.Target) *service.PolicyDetail {
	t.Helper()
	e.tick()
	p, err := e.svc.CreatePolicy(m.ctx, acc.ID, service.PolicyInput{Name: &name, Settings: &s, Targets: targets})
	if err != nil {
		t.Fatalf("create policy %s: %v", name, err)
	}
	return p
}

// fetch is the device's fetch of its policy.
func (e *policyEnv) fetch(t *testing.T, dev *service.Device) *protocol.Policy {
	t.Helper()
	p, notModified, err := e.svc.DevicePolicy(e.ctx, dev, "")
	must(t, err)
	if notModified {
		t.Fatal("not modified without If-None-Match")
	}
	return p
}

func (e *policyEnv) checkIn(t *testing.T, dev *service.Device) *protocol.CheckInResponse {
	t.Helper()
	resp, err := e.svc.CheckIn(e.ctx, dev, &protocol.CheckInRequest{Protocol: 1}, "192.0.2.10")
	must(t, err)
	return resp
}

func office(password *string) steward.WiFiSetting {
	return steward.WiFiSetting{SSID: "Office", Security: protocol.WiFiWPA2Personal, Password: password}
}

func devTarget(d *service.Device) steward.Target {
	return steward.Target{Kind: steward.TargetDevice, ID: d.ID}
}

// TestPolicyValidationNamesTheField: every invalid setting is answered
// with the exact field, all of them at once, and nothing is written.
func TestPolicyValidationNamesTheField(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		w := e.world(t)
		now := e.clock.Now()
		ca := testutil.NewCA(t, "Example Root CA", now.Add(-time.Hour), now.AddDate(2, 0, 0))
		client := testutil.NewClientCert(t, ca, "device-1", now)
		other := testutil.NewClientCert(t, ca, "device-2", now)
		for _, tc := range []struct {
			name  string
			s     steward.PolicySettings
			field string
			msg   string
		}{
			{"short WPA2 password", steward.PolicySettings{WiFi: []steward.WiFiSetting{
				{SSID: "Guest", Security: "open"}, {SSID: "Lab", Security: "open"}, office(str("short"))}},
				"wifi[2].password", "WPA2-Personal needs 8 to 63 characters."},
			{"WPA3 without a password", steward.PolicySettings{WiFi: []steward.WiFiSetting{
				{SSID: "Office", Security: protocol.WiFiWPA3Personal}}}, "wifi[0].password", "WPA3-Personal needs 8 to 63 characters."},
			{"open network with a password", steward.PolicySettings{WiFi: []steward.WiFiSetting{
				{SSID: "Guest", Security: "open", Password: str("something-long")}}}, "wifi[0].password", "An open network takes no password."},
			{"unknown security", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "x", Security: "wep"}}},
				"wifi[0].security", ""},
			{"SSID too long", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: strings.Repeat("s", 33), Security: "open"}}},
				"wifi[0].ssid", "An SSID has at most 32 bytes."},
			{"SSID twice", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "a", Security: "open"}, {SSID: "a", Security: "open"}}},
				"wifi[1].ssid", "wifi[0] already has this SSID."},
			{"enterprise without EAP", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "Corp", Security: protocol.WiFiWPA2Enterprise}}},
				"wifi[0].eap_method", "WPA2-Enterprise needs an EAP method: peap, tls or ttls."},
			{"PEAP without identity", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "Corp", Security: protocol.WiFiWPA2Enterprise,
				EAPMethod: "peap", Password: str("pw")}}}, "wifi[0].identity", "PEAP needs an identity."},
			{"TLS without key", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "Corp", Security: protocol.WiFiWPA3Enterprise,
				EAPMethod: "tls", ClientCertPEM: client.PEM}}}, "wifi[0].client_key_pem", "EAP-TLS needs the client certificate's private key."},
			{"TLS key of another certificate", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "Corp", Security: protocol.WiFiWPA2Enterprise,
				EAPMethod: "tls", ClientCertPEM: client.PEM, ClientKeyPEM: str(other.KeyPEM)}}},
				"wifi[0].client_key_pem", "This private key does not match the client certificate (or is not a private key in PEM)."},
			{"TLS certificate not a certificate", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "Corp", Security: protocol.WiFiWPA2Enterprise,
				EAPMethod: "tls", ClientCertPEM: "hello", ClientKeyPEM: str(client.KeyPEM)}}}, "wifi[0].client_cert_pem", ""},
			{"CA not in the policy", steward.PolicySettings{WiFi: []steward.WiFiSetting{{SSID: "Corp", Security: protocol.WiFiWPA2Enterprise,
				EAPMethod: "tls", ClientCertPEM: client.PEM, ClientKeyPEM: str(client.KeyPEM), CACertSHA256: ca.SHA256}}},
				"wifi[0].ca_cert_sha256", "This CA certificate is not in the policy: add it to the CA certificates."},
			{"CA not a certificate", steward.PolicySettings{CACerts: []steward.CACertSetting{{PEM: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"}}},
				"ca_certs[0].pem", ""},
			{"CA of garbage", steward.PolicySettings{CACerts: []steward.CACertSetting{{PEM: "garbage"}}},
				"ca_certs[0].pem", "Not an X.509 certificate: paste one PEM block (-----BEGIN CERTIFICATE-----…)."},
			{"two certificates in one entry", steward.PolicySettings{CACerts: []steward.CACertSetting{{PEM: ca.PEM + client.PEM}}},
				"ca_certs[0].pem", "Give one certificate per entry."},
			{"bad package", steward.PolicySettings{Apps: []steward.AppRuleSetting{{Package: "com.example.ok", Action: "required"},
				{Package: "not a package", Action: "required"}}}, "apps[1].package", "Not a package name (such as com.example.app)."},
			{"bad action", steward.PolicySettings{Apps: []steward.AppRuleSetting{{Package: "com.example.ok", Action: "maybe"}}},
				"apps[0].action", "Choose required, allowed or blocked."},
			{"kiosk app nowhere", steward.PolicySettings{Kiosk: &steward.KioskSetting{Package: "com.example.kiosk"}},
				"kiosk.package", "The kiosk app must be a required app of this policy or an app of the store."},
			{"kiosk app only allowed", steward.PolicySettings{Apps: []steward.AppRuleSetting{{Package: "com.example.kiosk", Action: "allowed"}},
				Kiosk: &steward.KioskSetting{Package: "com.example.kiosk"}}, "kiosk.package", ""},
			{"kiosk app blocked", steward.PolicySettings{Apps: []steward.AppRuleSetting{{Package: "com.example.kiosk", Action: "blocked"}},
				Kiosk: &steward.KioskSetting{Package: "com.example.kiosk"}}, "kiosk.package", "apps[0] blocks this app; a kiosk app cannot be blocked."},
			{"check-in too often", steward.PolicySettings{CheckInIntervalSeconds: intp(30)},
				"checkin_interval_seconds", "A check-in interval is 60 to 86400 seconds."},
			{"check-in too rarely", steward.PolicySettings{CheckInIntervalSeconds: intp(86401)}, "checkin_interval_seconds", ""},
			{"password too short", steward.PolicySettings{Password: &steward.PasswordSetting{MinLength: intp(3)}},
				"password.min_length", "A minimum length is 4 to 16 characters."},
			{"password quality", steward.PolicySettings{Password: &steward.PasswordSetting{Quality: "strong"}}, "password.quality", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := e.svc.CreatePolicy(w.c1.ctx, w.C1.ID, service.PolicyInput{Name: str("bad"), Settings: &tc.s})
				wantCode(t, err, steward.EINVALID, tc.field)
				if tc.msg != "" && steward.ErrorMessage(err) != tc.msg {
					t.Errorf("message %q, want %q", steward.ErrorMessage(err), tc.msg)
				}
			})
		}
		// Every invalid field is named, in order.
		_, err := e.svc.CreatePolicy(w.c1.ctx, w.C1.ID, service.PolicyInput{Name: str("bad"), Settings: &steward.PolicySettings{
			WiFi:                   []steward.WiFiSetting{office(str("short"))},
			CACerts:                []steward.CACertSetting{{PEM: "garbage"}},
			CheckInIntervalSeconds: intp(1),
		}})
		var fe steward.FieldErrors
		if !asFieldErrors(err, &fe) {
			t.Fatalf("error %v is not a list of fields", err)
		}
		var fields []string
		for _, f := range fe {
			fields = append(fields, f.Field)
		}
		diff(t, "fields", fields, []string{"ca_certs[0].pem", "wifi[0].password", "checkin_interval_seconds"})
		// Nothing was written.
		ps, err := e.svc.ListPolicies(w.c1.ctx, "")
		must(t, err)
		diff(t, "policies after refusals", len(ps), 0)

		// The valid versions of the same: an expiring CA, a TLS network
		// using it, a kiosk app that is a required app.
		expiring := testutil.NewCA(t, "Expiring CA", now.AddDate(-1, 0, 0), now.Add(10*24*time.Hour))
		expired := testutil.NewCA(t, "Expired CA", now.AddDate(-2, 0, 0), now.AddDate(0, 0, -1))
		p := e.create(t, w.c1, w.C1, "valid", steward.PolicySettings{
			CACerts: []steward.CACertSetting{{PEM: ca.PEM}, {Name: "soon", PEM: expiring.PEM}, {PEM: expired.PEM}},
			WiFi: []steward.WiFiSetting{{SSID: "Corp", Security: protocol.WiFiWPA2Enterprise, EAPMethod: "tls",
				ClientCertPEM: client.PEM, ClientKeyPEM: str(client.KeyPEM), CACertSHA256: strings.ToUpper(ca.SHA256)}},
			Apps:  []steward.AppRuleSetting{{Package: "com.example.kiosk", Action: "required"}},
			Kiosk: &steward.KioskSetting{Package: "com.example.kiosk"},
		})
		cas := p.Settings.CACerts
		if len(cas) != 3 || cas[0].SHA256 != ca.SHA256 || cas[0].Name != "Example Root CA" || cas[0].Subject != "CN=Example Root CA,O=Example Corp" ||
			cas[0].Expired || cas[0].Expiring || !cas[1].Expiring || cas[1].Name != "soon" || !cas[2].Expired || cas[2].Expiring {
			t.Errorf("parsed certificates = %+v", cas)
		}
		if n := p.Settings.WiFi[0]; !n.ClientKeySet || n.PasswordSet || n.ClientKeyPEM != nil || n.CACertSHA256 != ca.SHA256 {
			t.Errorf("network as answered = %+v", n)
		}
	})
}

// TestPolicySecretsAreWriteOnly: a Wi-Fi password is sealed before it is
// stored, answered only as a flag, kept by an edit that leaves it out,
// cleared by "", sealed anew under each version with the older copies
// erased, and opened only for the devices the policy targets.
func TestPolicySecretsAreWriteOnly(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		lw := e.locWorldOf(t)
		dev := e.enroll(t, lw, lw.code1, steward.OwnershipCompany)
		outside := e.enroll(t, lw, lw.code1, steward.OwnershipCompany)
		w := lw.world

		p := e.create(t, w.c1, w.C1, "Office Wi-Fi", steward.PolicySettings{WiFi: []steward.WiFiSetting{office(str(officePassword))}}, devTarget(dev))
		if n := p.Settings.WiFi[0]; !n.PasswordSet || n.Password != nil {
			t.Fatalf("answered network = %+v, want the password only flagged", n)
		}
		got := e.fetch(t, dev)
		if len(got.WiFi) != 1 || got.WiFi[0].Password != officePassword || got.Version == "" {
			t.Fatalf("the targeted device got %+v, want the network with its password", got)
		}
		// A device of the same account the policy does not target gets
		// nothing of it.
		if o := e.fetch(t, outside); len(o.WiFi) != 0 || o.Version != "" {
			t.Errorf("a device outside the targets got %+v", o)
		}
		e.noSecretStored(t, []string{officePassword})

		// An edit that leaves the password out keeps it (sealed again under
		// version 2); version 1 keeps no ciphertext.
		v1 := got.Version
		e.tick()
		p, err := e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{WiFi: []steward.WiFiSetting{
			{SSID: "Office", Security: protocol.WiFiWPA2Personal, Hidden: true}}}})
		must(t, err)
		diff(t, "version", p.CurrentVersion, 2)
		got = e.fetch(t, dev)
		if got.WiFi[0].Password != officePassword || !got.WiFi[0].Hidden || got.Version == v1 {
			t.Errorf("after an edit without the password the device got %+v", got.WiFi)
		}
		vs, err := e.db.ListPolicyVersions(e.ctx, p.ID)
		must(t, err)
		if old := vs[1].Settings.WiFi[0].SealedPassword; old == nil || len(old.Ciphertext) != 0 {
			t.Errorf("version 1 still holds the sealed password: %+v", old)
		}
		if cur := vs[0].Settings.WiFi[0].SealedPassword; cur == nil || len(cur.Ciphertext) == 0 {
			t.Fatal("version 2 holds no sealed password")
		}
		// The ciphertext of version 2 does not open as another version's
		// or another field's.
		ct := vs[0].Settings.WiFi[0].SealedPassword.Ciphertext
		if _, err := e.sealer.Open(e.ctx, w.C1.ID, ct, "policy_version/"+p.ID+"/1/wifi/Office/password"); err == nil {
			t.Error("version 2's ciphertext opens as version 1's")
		}
		if _, err := e.sealer.Open(e.ctx, w.C2.ID, ct, "policy_version/"+p.ID+"/2/wifi/Office/password"); err == nil {
			t.Error("the ciphertext opens under another account")
		}

		// Sending the same password again changes nothing the device sees.
		v2 := got.Version
		e.tick()
		_, err = e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{WiFi: []steward.WiFiSetting{
			{SSID: "Office", Security: protocol.WiFiWPA2Personal, Hidden: true, Password: str(officePassword)}}}})
		must(t, err)
		if got := e.fetch(t, dev); got.Version != v2 {
			t.Errorf("the same password made version %s, want %s", got.Version, v2)
		}

		// "" clears it, which a WPA2 network cannot do without.
		_, err = e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{WiFi: []steward.WiFiSetting{
			office(str(""))}}})
		wantCode(t, err, steward.EINVALID, "wifi[0].password")
		// Switching the network to open drops the password.
		p, err = e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{WiFi: []steward.WiFiSetting{
			{SSID: "Office", Security: protocol.WiFiOpen}}}})
		must(t, err)
		if p.Settings.WiFi[0].PasswordSet {
			t.Error("an open network kept its password")
		}
		if got := e.fetch(t, dev); got.WiFi[0].Password != "" {
			t.Errorf("the device got a password for an open network")
		}
		e.noSecretStored(t, []string{officePassword})
		// The audit log names what changed, never the secret.
		for _, a := range e.auditOf(t, w.C1) {
			if strings.Contains(string(a.Summary), officePassword) {
				t.Errorf("audit entry %s holds the password", a.Action)
			}
		}
	})
}

// TestPolicyVersionsAndDiff: every edit of the settings is a new version,
// the old ones listable, with the changes between two.
func TestPolicyVersionsAndDiff(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		w := e.world(t)
		p := e.create(t, w.c1, w.C1, "Lockdown", steward.PolicySettings{
			Restrictions: &steward.RestrictionsSetting{DisableCamera: boolp(true)},
			Apps:         []steward.AppRuleSetting{{Package: "com.example.a", Action: "blocked"}}})
		e.tick()
		_, err := e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Name: str("Lockdown v2"), Settings: &steward.PolicySettings{
			Restrictions: &steward.RestrictionsSetting{DisableCamera: boolp(false), DisableUSB: boolp(true)},
			Apps:         []steward.AppRuleSetting{{Package: "com.example.b", Action: "required"}}}})
		must(t, err)
		a := e.lastAudit(t)
		if a.Action != "policy.update" || !strings.Contains(string(a.Summary), "added app/com.example.b") {
			t.Errorf("last audit entry = %s %s", a.Action, a.Summary)
		}
		// A rename alone makes no version; the same settings make none.
		e.tick()
		_, err = e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Description: str("the warehouse")})
		must(t, err)
		d, err := e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{
			Restrictions: &steward.RestrictionsSetting{DisableCamera: boolp(false), DisableUSB: boolp(true)},
			Apps:         []steward.AppRuleSetting{{Package: "com.example.b", Action: "required"}}}})
		must(t, err)
		diff(t, "current version", d.CurrentVersion, 2)
		diff(t, "name and description", d.Name+"/"+d.Description, "Lockdown v2/the warehouse")

		vs, err := e.svc.PolicyVersions(w.c1.ctx, p.ID)
		must(t, err)
		if len(vs) != 2 || vs[0].Version != 2 || vs[1].Version != 1 || vs[1].CreatedByEmail != "owner@c-one.test" {
			t.Fatalf("versions = %+v", vs)
		}
		changes, err := e.svc.DiffPolicyVersions(w.c1.ctx, p.ID, 1, 2)
		must(t, err)
		var got []string
		for _, c := range changes {
			got = append(got, c.Change+" "+c.Key)
		}
		diff(t, "changes", got, []string{"removed app/com.example.a", "added app/com.example.b",
			"changed restrictions.disable_camera", "added restrictions.disable_usb"})
		v, err := e.svc.GetPolicyVersion(w.c1.ctx, p.ID, 1)
		must(t, err)
		if len(v.Changes) != 2 || v.Settings.Apps[0].Package != "com.example.a" {
			t.Errorf("version 1 = %+v", v)
		}
		_, err = e.svc.GetPolicyVersion(w.c1.ctx, p.ID, 3)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestPolicyScope: a policy is seen and changed only inside its account's
// subtree, and targets only what lies there.
func TestPolicyScope(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		lw := e.locWorldOf(t)
		w := lw.world
		dev3 := e.enroll(t, lw, lw.code3, steward.OwnershipCompany)
		p := e.create(t, w.c1, w.C1, "Client One policy", steward.PolicySettings{CheckInIntervalSeconds: intp(600)})

		_, err := e.svc.GetPolicy(w.c2.ctx, p.ID)
		wantCode(t, err, steward.ENOTFOUND)
		_, err = e.svc.UpdatePolicy(w.r2.ctx, p.ID, service.PolicyUpdate{Name: str("mine")})
		wantCode(t, err, steward.ENOTFOUND)
		wantCode(t, e.svc.DeletePolicy(w.c2.ctx, p.ID), steward.ENOTFOUND)
		_, err = e.svc.GetPolicy(w.r1.ctx, p.ID) // an account above sees it
		must(t, err)
		_, err = e.svc.UpdatePolicy(lw.ro.ctx, p.ID, service.PolicyUpdate{Name: str("read-only")})
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.CreatePolicy(lw.ro.ctx, w.C1.ID, service.PolicyInput{Name: str("read-only")})
		wantCode(t, err, steward.EFORBIDDEN)
		ps, err := e.svc.ListPolicies(w.c2.ctx, "")
		must(t, err)
		diff(t, "policies seen by a sibling", len(ps), 0)
		_, err = e.svc.ListPolicies(w.c2.ctx, w.C1.ID)
		wantCode(t, err, steward.ENOTFOUND)

		// Targets outside the policy's account: refused as unknown.
		g3 := e.group(t, w.C3, "elsewhere", 0)
		for _, tg := range []steward.Target{{Kind: steward.TargetAccount, ID: w.C2.ID}, {Kind: steward.TargetGroup, ID: g3.ID},
			{Kind: steward.TargetDevice, ID: dev3.ID}, {Kind: steward.TargetFolder, ID: "missing"}} {
			_, err = e.svc.SetPolicyTargets(w.c1.ctx, p.ID, []steward.Target{{Kind: steward.TargetAccount, ID: w.C1.ID}, tg})
			wantCode(t, err, steward.EINVALID, "targets[1].id")
		}
		_, err = e.svc.SetPolicyTargets(w.c1.ctx, p.ID, []steward.Target{{Kind: "team", ID: "x"}})
		wantCode(t, err, steward.EINVALID, "targets[0].kind")
		// A reseller's policy may target its client's accounts and groups.
		_, err = e.svc.CreatePolicy(w.r1.ctx, w.R1.ID, service.PolicyInput{Name: str("fleet"),
			Targets: []steward.Target{{Kind: steward.TargetAccount, ID: w.C1.ID}}})
		must(t, err)
		must(t, e.svc.DeletePolicy(w.c1.ctx, p.ID))
		_, err = e.svc.GetPolicy(w.c1.ctx, p.ID)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

// TestEffectivePolicyFollowsTargets: a device's effective policy merges
// what covers it (device > group > folder > account, deeper accounts over
// their ancestors), names the source of every setting, reaches the
// check-in answer, and follows changes of the policies and their targets,
// with a refresh pushed to connected devices.
func TestEffectivePolicyFollowsTargets(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		lw := e.locWorldOf(t)
		w := lw.world
		dev := e.enroll(t, lw, lw.code1, steward.OwnershipCompany)
		other := e.enroll(t, lw, lw.code1, steward.OwnershipCompany)
		sink := &recordingSink{}
		defer e.svc.RegisterPush(dev.ID, sink)()

		resp := e.checkIn(t, dev)
		if resp.PolicyVersion != "" || resp.CheckInIntervalSeconds != int(service.CheckInInterval/time.Second) {
			t.Errorf("before any policy: version %q, interval %d", resp.PolicyVersion, resp.CheckInIntervalSeconds)
		}
		wh := e.group(t, w.C1, "Warehouse", 10, dev.ID)
		reseller := e.create(t, w.r1, w.R1, "Reseller baseline", steward.PolicySettings{CheckInIntervalSeconds: intp(3600),
			Restrictions: &steward.RestrictionsSetting{DisableUSB: boolp(true)}},
			steward.Target{Kind: steward.TargetAccount, ID: w.R1.ID})
		client := e.create(t, w.c1, w.C1, "Client baseline", steward.PolicySettings{CheckInIntervalSeconds: intp(1800),
			Password: &steward.PasswordSetting{MinLength: intp(6)}},
			steward.Target{Kind: steward.TargetAccount, ID: w.C1.ID})
		group := e.create(t, w.c1, w.C1, "Warehouse devices", steward.PolicySettings{CheckInIntervalSeconds: intp(300),
			WiFi: []steward.WiFiSetting{office(str(officePassword))}},
			steward.Target{Kind: steward.TargetGroup, ID: wh.ID})

		eff, err := e.svc.EffectivePolicy(w.c1.ctx, dev.ID)
		must(t, err)
		from := map[string]string{}
		for _, s := range eff.Sources {
			from[s.Key] = s.PolicyName + " via " + s.TargetName
		}
		diff(t, "sources", from, map[string]string{
			"checkin_interval_seconds": "Warehouse devices via Warehouse",
			"password":                 "Client baseline via Client One",
			"restrictions.disable_usb": "Reseller baseline via Reseller One",
			"wifi/Office":              "Warehouse devices via Warehouse",
		})
		if n := eff.Settings.WiFi[0]; !n.PasswordSet || n.Password != nil || n.SealedPassword != nil {
			t.Errorf("effective network answered as %+v", n)
		}
		resp = e.checkIn(t, dev)
		if resp.PolicyVersion != eff.Version || resp.CheckInIntervalSeconds != 300 {
			t.Errorf("check-in: version %q interval %d, want %q and 300", resp.PolicyVersion, resp.CheckInIntervalSeconds, eff.Version)
		}
		// The other device is in no group: the client's interval.
		if resp := e.checkIn(t, other); resp.CheckInIntervalSeconds != 1800 || resp.PolicyVersion == "" || resp.PolicyVersion == eff.Version {
			t.Errorf("other device: version %q interval %d", resp.PolicyVersion, resp.CheckInIntervalSeconds)
		}
		if o := e.fetch(t, other); len(o.WiFi) != 0 {
			t.Errorf("a device outside the group got the group's network: %+v", o.WiFi)
		}
		pushes := sink.refreshes()
		if pushes == 0 {
			t.Error("no refresh pushed to the connected device")
		}

		// A conditional fetch of the current version: not modified.
		_, notModified, err := e.svc.DevicePolicy(e.ctx, dev, eff.Version)
		must(t, err)
		if !notModified {
			t.Error("a fetch with the current version was answered in full")
		}

		// A device target wins over the group.
		e.create(t, w.c1, w.C1, "This device", steward.PolicySettings{CheckInIntervalSeconds: intp(120)}, devTarget(dev))
		if resp := e.checkIn(t, dev); resp.CheckInIntervalSeconds != 120 {
			t.Errorf("interval %d, want the device policy's 120", resp.CheckInIntervalSeconds)
		}
		if sink.refreshes() <= pushes {
			t.Error("no refresh pushed after the device policy")
		}
		// Untargeting the group policy takes its network away.
		_, err = e.svc.SetPolicyTargets(w.c1.ctx, group.ID, nil)
		must(t, err)
		if got := e.fetch(t, dev); len(got.WiFi) != 0 {
			t.Errorf("after untargeting, the device still gets %+v", got.WiFi)
		}
		// Deleting every policy: no version.
		for _, id := range []string{group.ID, client.ID} {
			must(t, e.svc.DeletePolicy(w.c1.ctx, id))
		}
		must(t, e.svc.DeletePolicy(w.r1.ctx, reseller.ID))
		ps, err := e.svc.ListPolicies(w.c1.ctx, "")
		must(t, err)
		for _, p := range ps {
			must(t, e.svc.DeletePolicy(w.c1.ctx, p.ID))
		}
		if resp := e.checkIn(t, dev); resp.PolicyVersion != "" || resp.CheckInIntervalSeconds != int(service.CheckInInterval/time.Second) {
			t.Errorf("after deleting every policy: version %q, interval %d", resp.PolicyVersion, resp.CheckInIntervalSeconds)
		}
	})
}

// TestPolicyTrackingNarrowsTheAccountSwitch: the account's privacy
// switches stay the master; a policy can turn tracking off, never on
// where the account's switch is off.
func TestPolicyTrackingNarrowsTheAccountSwitch(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		lw := e.locWorldOf(t)
		w := lw.world
		dev := e.enroll(t, lw, lw.code1, steward.OwnershipCompany)
		p := e.create(t, w.c1, w.C1, "Tracking", steward.PolicySettings{}, devTarget(dev))
		for _, tc := range []struct {
			account bool
			policy  *bool
			want    bool
		}{
			{false, nil, false}, {false, boolp(true), false}, {false, boolp(false), false},
			{true, nil, true}, {true, boolp(true), true}, {true, boolp(false), false},
		} {
			e.setSwitches(t, w.c1, w.C1, tc.account, tc.account)
			e.tick()
			_, err := e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{
				Tracking: &steward.TrackingSetting{Location: tc.policy, WebHistory: tc.policy}}})
			must(t, err)
			pr := e.checkIn(t, dev).Privacy
			if pr.LocationEnabled != tc.want || pr.WebHistoryEnabled != tc.want {
				t.Errorf("account %v, policy %v: privacy %+v, want %v", tc.account, fmtBool(tc.policy), pr, tc.want)
			}
		}
		// With the policy off, batches are refused even though the account
		// and the user allow them.
		e.setSwitches(t, w.c1, w.C1, true, true)
		e.consent(t, dev, protocol.PurposeLocation, true)
		_, err := e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{
			Tracking: &steward.TrackingSetting{Location: boolp(false), WebHistory: boolp(false)}}})
		must(t, err)
		_, err = e.postPoints(dev, e.point(52.5, time.Minute))
		wantCode(t, err, steward.EFORBIDDEN)
		_, err = e.svc.IngestWebHistory(e.ctx, dev, &protocol.WebHistoryRequest{Protocol: 1,
			Visits: []protocol.WebVisit{{URL: "https://example.com/", VisitedAt: e.clock.Now()}}})
		wantCode(t, err, steward.EFORBIDDEN)
		if got := e.stored(t, dev); len(got) != 0 {
			t.Errorf("stored %v despite the policy", got)
		}
		_, err = e.svc.UpdatePolicy(w.c1.ctx, p.ID, service.PolicyUpdate{Settings: &steward.PolicySettings{}})
		must(t, err)
		e.mustPost(t, dev, e.point(52.5, time.Minute))
	})
}

func fmtBool(b *bool) string {
	if b == nil {
		return "unset"
	}
	if *b {
		return "on"
	}
	return "off"
}

// TestPolicyWithoutSealer: without a sealer a secret is refused, and
// nothing else is.
func TestPolicyWithoutSealer(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		name := "Wi-Fi"
		_, err := e.svc.CreatePolicy(w.c1.ctx, w.C1.ID, service.PolicyInput{Name: &name, Settings: &steward.PolicySettings{
			WiFi: []steward.WiFiSetting{office(str(officePassword))}}})
		wantCode(t, err, steward.ECONFLICT)
		_, err = e.svc.CreatePolicy(w.c1.ctx, w.C1.ID, service.PolicyInput{Name: &name, Settings: &steward.PolicySettings{
			WiFi: []steward.WiFiSetting{{SSID: "Guest", Security: "open"}}}})
		must(t, err)
	})
}

// locWorldOf is locWorld for a policy test.
func (e *policyEnv) locWorldOf(t *testing.T) *locWorld { return e.env.locWorld(t) }

// auditOf lists an account's audit entries.
func (e *policyEnv) auditOf(t *testing.T, acc *steward.Account) []*steward.AuditEntry {
	t.Helper()
	var out []*steward.AuditEntry
	must(t, e.db.AuditChain(e.ctx, acc.ID, func(a *steward.AuditEntry) error {
		out = append(out, a)
		return nil
	}))
	return out
}

func asFieldErrors(err error, fe *steward.FieldErrors) bool {
	x, ok := err.(steward.FieldErrors)
	if ok {
		*fe = x
	}
	return ok
}

// refreshes counts the policy refreshes pushed so far.
func (r *recordingSink) refreshes() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if m.Type == protocol.PushRefresh && slices.Contains(m.Refresh, protocol.RefreshPolicy) {
			n++
		}
	}
	return n
}

// TestMembershipChangesRecomputePolicies: moving a device into a folder or
// group, a group's priority change, and deleting a group bring the
// device's policy version (and the check-in answer) up to date at once,
// with a refresh pushed; a device enrolled later gets the account's
// policy from its first check-in.
func TestMembershipChangesRecomputePolicies(t *testing.T) {
	runPolicies(t, func(t *testing.T, e *policyEnv) {
		lw := e.locWorldOf(t)
		w := lw.world
		dev := e.enroll(t, lw, lw.code1, steward.OwnershipCompany)
		sink := &recordingSink{}
		defer e.svc.RegisterPush(dev.ID, sink)()
		interval := func() int { return e.checkIn(t, dev).CheckInIntervalSeconds }

		e.create(t, w.c1, w.C1, "Account", steward.PolicySettings{CheckInIntervalSeconds: intp(1800)},
			steward.Target{Kind: steward.TargetAccount, ID: w.C1.ID})
		folder, err := e.svc.CreateFolder(w.c1.ctx, w.C1.ID, service.FolderCreate{Name: "Warehouse"})
		must(t, err)
		fast, err := e.svc.CreateGroup(w.c1.ctx, w.C1.ID, service.GroupCreate{Name: "Fast", Priority: 1})
		must(t, err)
		slow, err := e.svc.CreateGroup(w.c1.ctx, w.C1.ID, service.GroupCreate{Name: "Slow", Priority: 2})
		must(t, err)
		e.create(t, w.c1, w.C1, "Folder", steward.PolicySettings{CheckInIntervalSeconds: intp(900)},
			steward.Target{Kind: steward.TargetFolder, ID: folder.ID})
		e.create(t, w.c1, w.C1, "Fast group", steward.PolicySettings{CheckInIntervalSeconds: intp(60)},
			steward.Target{Kind: steward.TargetGroup, ID: fast.ID})
		e.create(t, w.c1, w.C1, "Slow group", steward.PolicySettings{CheckInIntervalSeconds: intp(3600)},
			steward.Target{Kind: steward.TargetGroup, ID: slow.ID})
		diff(t, "in no folder or group", interval(), 1800)

		pushes := sink.refreshes()
		_, err = e.svc.MoveToFolder(w.c1.ctx, folder.ID, []string{dev.ID})
		must(t, err)
		diff(t, "in the folder", interval(), 900)
		if sink.refreshes() == pushes {
			t.Error("no refresh pushed after the move into the folder")
		}
		_, err = e.svc.AddToGroup(w.c1.ctx, fast.ID, []string{dev.ID})
		must(t, err)
		_, err = e.svc.AddToGroup(w.c1.ctx, slow.ID, []string{dev.ID})
		must(t, err)
		diff(t, "in both groups: the higher priority", interval(), 3600)
		_, err = e.svc.UpdateGroup(w.c1.ctx, fast.ID, service.GroupUpdate{Priority: intp(5)})
		must(t, err)
		diff(t, "after raising the other group's priority", interval(), 60)
		must(t, e.svc.DeleteGroup(w.c1.ctx, fast.ID))
		diff(t, "after deleting that group", interval(), 3600)
		_, err = e.svc.RemoveFromGroup(w.c1.ctx, slow.ID, []string{dev.ID})
		must(t, err)
		diff(t, "out of the groups", interval(), 900)

		// A new device of the account: the account's policy at once.
		late := e.enroll(t, lw, lw.code1, steward.OwnershipCompany)
		if got := e.checkIn(t, late); got.CheckInIntervalSeconds != 1800 || got.PolicyVersion == "" {
			t.Errorf("a new device's first check-in: interval %d, version %q", got.CheckInIntervalSeconds, got.PolicyVersion)
		}
	})
}
