package service

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/stewardmdm/steward"
)

// mergeFixture is a device in client c (under reseller r), in folder f and
// in groups g1 (priority 5, "Beta") and g2 (priority 5, "Alpha").
func mergeFixture() (*steward.Membership, map[string]*steward.Group) {
	m := &steward.Membership{DeviceID: "d1", AccountID: "c", AccountPath: "/root/r/c/", FolderID: "f", GroupIDs: []string{"g1", "g2"}}
	return m, map[string]*steward.Group{
		"g1": {ID: "g1", Name: "Beta", Priority: 5},
		"g2": {ID: "g2", Name: "Alpha", Priority: 5},
	}
}

func pol(id, name string, s steward.PolicySettings, targets ...steward.Target) (*steward.Policy, *steward.PolicyVersion) {
	return &steward.Policy{ID: id, AccountID: "root", Name: name, CurrentVersion: 3, Targets: targets},
		&steward.PolicyVersion{PolicyID: id, Version: 3, Settings: s}
}

func tgt(kind steward.TargetKind, id string) steward.Target {
	return steward.Target{Kind: kind, ID: id}
}

func TestMergePrecedence(t *testing.T) {
	m, groups := mergeFixture()
	interval := func(n int) steward.PolicySettings { return steward.PolicySettings{CheckInIntervalSeconds: &n} }
	for _, tc := range []struct {
		name     string
		policies [][2]any // policy, version
		want     string   // the policy whose interval wins
	}{
		{"device over group", [][2]any{
			pair(pol("p1", "a", interval(100), tgt(steward.TargetGroup, "g1"))),
			pair(pol("p2", "z", interval(200), tgt(steward.TargetDevice, "d1")))}, "p2"},
		{"group over folder", [][2]any{
			pair(pol("p1", "a", interval(100), tgt(steward.TargetFolder, "f"))),
			pair(pol("p2", "z", interval(200), tgt(steward.TargetGroup, "g2")))}, "p2"},
		{"folder over account", [][2]any{
			pair(pol("p1", "a", interval(100), tgt(steward.TargetAccount, "c"))),
			pair(pol("p2", "z", interval(200), tgt(steward.TargetFolder, "f")))}, "p2"},
		{"deeper account over its ancestors", [][2]any{
			pair(pol("p1", "a", interval(100), tgt(steward.TargetAccount, "r"))),
			pair(pol("p2", "z", interval(200), tgt(steward.TargetAccount, "c"))),
			pair(pol("p3", "b", interval(300), tgt(steward.TargetAccount, "root")))}, "p2"},
		{"equal priorities: the group name that sorts first", [][2]any{
			pair(pol("p1", "a", interval(100), tgt(steward.TargetGroup, "g1"))),
			pair(pol("p2", "z", interval(200), tgt(steward.TargetGroup, "g2")))}, "p2"},
		{"the best covering target of a policy counts", [][2]any{
			pair(pol("p1", "a", interval(100), tgt(steward.TargetFolder, "f"))),
			pair(pol("p2", "z", interval(200), tgt(steward.TargetAccount, "c"), tgt(steward.TargetDevice, "d1"), tgt(steward.TargetGroup, "other")))}, "p2"},
		{"same target: the policy name that sorts first", [][2]any{
			pair(pol("p1", "b", interval(100), tgt(steward.TargetFolder, "f"))),
			pair(pol("p2", "a", interval(200), tgt(steward.TargetFolder, "f")))}, "p2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var cs []*coverage
			for _, pv := range tc.policies {
				if c := coverageOf(m, pv[0].(*steward.Policy), pv[1].(*steward.PolicyVersion), groups); c != nil {
					cs = append(cs, c)
				}
			}
			got := mergePolicies(m.DeviceID, cs)
			src := sourceFor(got, "checkin_interval_seconds")
			if src == nil || src.PolicyID != tc.want {
				t.Fatalf("interval from %+v, want %s", src, tc.want)
			}
		})
	}

	// A higher priority beats the name.
	groups["g1"].Priority = 9
	p1, v1 := pol("p1", "a", interval(100), tgt(steward.TargetGroup, "g1"))
	p2, v2 := pol("p2", "a", interval(200), tgt(steward.TargetGroup, "g2"))
	got := mergePolicies(m.DeviceID, []*coverage{coverageOf(m, p2, v2, groups), coverageOf(m, p1, v1, groups)})
	if src := sourceFor(got, "checkin_interval_seconds"); src.PolicyID != "p1" || src.Target != tgt(steward.TargetGroup, "g1") {
		t.Errorf("interval from %+v, want p1 through group g1 (priority 9)", src)
	}
	// A policy whose targets do not cover the device does not take part.
	p3, v3 := pol("p3", "x", interval(1), tgt(steward.TargetGroup, "g9"), tgt(steward.TargetAccount, "elsewhere"))
	if c := coverageOf(m, p3, v3, groups); c != nil {
		t.Errorf("coverage of a policy aimed elsewhere = %+v, want none", c)
	}
}

func pair(p *steward.Policy, v *steward.PolicyVersion) [2]any { return [2]any{p, v} }

func sourceFor(m *merged, key string) *steward.SettingSource {
	for i := range m.eff.Sources {
		if m.eff.Sources[i].Key == key {
			return &m.eff.Sources[i]
		}
	}
	return nil
}

// TestMergeWorkedExample is the worked example of docs/policies.md.
func TestMergeWorkedExample(t *testing.T) {
	m, groups := mergeFixture()
	yes, no := true, false
	six, eight := 6, 8
	office := func(ref string) steward.WiFiSetting {
		return steward.WiFiSetting{SSID: "Office", Security: "wpa2_personal", PasswordSet: true,
			SealedPassword: &steward.SealedSecret{Ciphertext: []byte("x"), Ref: ref}}
	}
	company, vc := pol("p-company", "Company baseline", steward.PolicySettings{
		WiFi:         []steward.WiFiSetting{office("ref-company"), {SSID: "Guest", Security: "open"}},
		Apps:         []steward.AppRuleSetting{{Package: "com.example.mail", Action: "required"}, {Package: "com.game", Action: "blocked"}},
		Password:     &steward.PasswordSetting{Quality: "numeric", MinLength: &six},
		Restrictions: &steward.RestrictionsSetting{DisableCamera: &no, DisableUSB: &yes},
		Tracking:     &steward.TrackingSetting{Location: &yes},
	}, tgt(steward.TargetAccount, "c"))
	warehouse, vw := pol("p-warehouse", "Warehouse scanners", steward.PolicySettings{
		WiFi:         []steward.WiFiSetting{office("ref-warehouse")},
		Apps:         []steward.AppRuleSetting{{Package: "com.game", Action: "allowed"}, {Package: "com.example.scan", Action: "required"}},
		Kiosk:        &steward.KioskSetting{Package: "com.example.scan"},
		Password:     &steward.PasswordSetting{Quality: "alphanumeric", MinLength: &eight},
		Restrictions: &steward.RestrictionsSetting{DisableCamera: &yes},
	}, tgt(steward.TargetGroup, "g1"))
	got := mergePolicies(m.DeviceID, []*coverage{coverageOf(m, company, vc, groups), coverageOf(m, warehouse, vw, groups)})

	want := steward.PolicySettings{
		WiFi: []steward.WiFiSetting{{SSID: "Guest", Security: "open"}, office("ref-warehouse")},
		Apps: []steward.AppRuleSetting{{Package: "com.example.mail", Action: "required"}, {Package: "com.example.scan", Action: "required"},
			{Package: "com.game", Action: "allowed"}},
		Kiosk:        &steward.KioskSetting{Package: "com.example.scan"},
		Password:     &steward.PasswordSetting{Quality: "alphanumeric", MinLength: &eight},
		Restrictions: &steward.RestrictionsSetting{DisableCamera: &yes, DisableUSB: &yes},
		Tracking:     &steward.TrackingSetting{Location: &yes},
	}
	if d := cmp.Diff(want, got.eff.Settings, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("merged settings (-want +got):\n%s", d)
	}
	from := map[string]string{}
	for _, s := range got.eff.Sources {
		from[s.Key] = s.PolicyID
	}
	wantFrom := map[string]string{
		"wifi/Office": "p-warehouse", "wifi/Guest": "p-company", "app/com.example.mail": "p-company",
		"app/com.game": "p-warehouse", "app/com.example.scan": "p-warehouse", "kiosk": "p-warehouse", "password": "p-warehouse",
		"restrictions.disable_camera": "p-warehouse", "restrictions.disable_usb": "p-company", "tracking.location": "p-company",
	}
	if d := cmp.Diff(wantFrom, from); d != "" {
		t.Errorf("sources (-want +got):\n%s", d)
	}
	if c := got.secrets["Office"]; c == nil || c.policy.ID != "p-warehouse" {
		t.Errorf("the Office password would be opened from %+v, want the warehouse policy", c)
	}
	if len(got.eff.Policies) != 2 || got.eff.Policies[0].PolicyID != "p-warehouse" {
		t.Errorf("policies = %+v, want the warehouse policy first", got.eff.Policies)
	}
	st := stateOf(&got.eff)
	if st.Version == "" || st.Location == nil || !*st.Location || st.WebHistory != nil || st.CheckInIntervalSeconds != 0 {
		t.Errorf("state = %+v", st)
	}
}

func TestEffectiveVersionIsAHashOfContent(t *testing.T) {
	m, groups := mergeFixture()
	n := 300
	base := func() steward.PolicySettings {
		return steward.PolicySettings{CheckInIntervalSeconds: &n,
			WiFi: []steward.WiFiSetting{{SSID: "Office", Security: "wpa2_personal", PasswordSet: true,
				SealedPassword: &steward.SealedSecret{Ciphertext: []byte("ct-1"), Ref: "ref-1"}}},
			CACerts: []steward.CACertSetting{{Name: "CA", PEM: "pem", CertInfo: &steward.CertInfo{SHA256: "aa"}}}}
	}
	version := func(s steward.PolicySettings, id string, tg steward.Target) string {
		p, v := pol(id, id, s, tg)
		return mergePolicies("d1", []*coverage{coverageOf(m, p, v, groups)}).eff.Version
	}
	v0 := version(base(), "p1", tgt(steward.TargetAccount, "c"))
	if len(v0) != 32 {
		t.Fatalf("version %q, want 32 hex digits", v0)
	}
	// The same content from another policy, target or sealing (a new
	// ciphertext of the same secret) is the same version; expiry flags,
	// which move with the clock, do not count.
	s := base()
	s.WiFi[0].SealedPassword.Ciphertext = []byte("ct-2")
	s.CACerts[0].CertInfo.Expiring, s.CACerts[0].CertInfo.Subject = true, "CN=x"
	if v := version(s, "p2", tgt(steward.TargetDevice, "d1")); v != v0 {
		t.Errorf("same content: version %s, want %s", v, v0)
	}
	// A new secret, or any other change, is a new version.
	s = base()
	s.WiFi[0].SealedPassword.Ref = "ref-2"
	if v := version(s, "p1", tgt(steward.TargetAccount, "c")); v == v0 {
		t.Error("a new password kept the version")
	}
	s = base()
	s.WiFi[0].Hidden = true
	if v := version(s, "p1", tgt(steward.TargetAccount, "c")); v == v0 {
		t.Error("a hidden network kept the version")
	}
	// Nothing covering: no version.
	if v := mergePolicies("d1", nil).eff.Version; v != "" {
		t.Errorf("no policy: version %q, want empty", v)
	}
}
