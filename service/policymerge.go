package service

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// How a device's effective policy is merged (SPEC §2.5):
//
//  1. Every policy with a target that covers the device takes part, with
//     the covering target of highest precedence it has — if the device
//     lies in the subtree of the policy's account.
//  2. Policies are ranked by that target: device > group > folder >
//     account; among accounts the deeper one (nearer the device) wins over
//     its ancestors; among groups the higher priority, then the name that
//     sorts first; between policies on equal targets, the policy name that
//     sorts first, then its ID.
//  3. Each setting comes from the highest-ranked policy that sets it.
//     Lists merge by key — Wi-Fi networks by SSID, CA certificates by
//     fingerprint, app rules by package — the entry of the higher-ranked
//     policy winning. The password rules and the kiosk app are one setting
//     each; restrictions and tracking switches are one setting per field.
//
// The merged document's version is a hash of its content (secrets by
// their reference, never their value), so it changes exactly when what
// the device should apply changes.

// coverage is one policy covering a device.
type coverage struct {
	policy  *steward.Policy
	version *steward.PolicyVersion
	target  steward.Target
	kind    int    // 4 device, 3 group, 2 folder, 1 account
	depth   int    // an account target: its depth on the device's path
	prio    int    // a group target: its priority
	group   string // a group target: its name
}

var kindRank = map[steward.TargetKind]int{steward.TargetDevice: 4, steward.TargetGroup: 3, steward.TargetFolder: 2, steward.TargetAccount: 1}

// higher orders coverages from the highest precedence down.
func higher(a, b *coverage) int {
	if c := cmp.Compare(b.kind, a.kind); c != 0 {
		return c
	}
	if c := cmp.Compare(b.depth, a.depth); c != 0 {
		return c
	}
	if c := cmp.Compare(b.prio, a.prio); c != 0 {
		return c
	}
	if c := cmp.Compare(a.group, b.group); c != 0 {
		return c
	}
	if c := cmp.Compare(a.policy.Name, b.policy.Name); c != 0 {
		return c
	}
	return cmp.Compare(a.policy.ID, b.policy.ID)
}

// coverageOf returns how policy p covers the device of m: through its
// covering target of highest precedence; nil when none covers it. groups
// gives the device's groups by ID.
func coverageOf(m *steward.Membership, p *steward.Policy, v *steward.PolicyVersion, groups map[string]*steward.Group) *coverage {
	if !strings.Contains(m.AccountPath, "/"+p.AccountID+"/") {
		return nil // a policy reaches no device outside its account's subtree (one moved away, say)
	}
	var best *coverage
	for _, t := range p.Targets {
		if !m.Covers(t) {
			continue
		}
		c := &coverage{policy: p, version: v, target: t, kind: kindRank[t.Kind]}
		switch t.Kind {
		case steward.TargetAccount:
			c.depth = slices.Index(strings.Split(strings.Trim(m.AccountPath, "/"), "/"), t.ID)
		case steward.TargetGroup:
			if g := groups[t.ID]; g != nil {
				c.prio, c.group = g.Priority, g.Name
			}
		}
		if best == nil || higher(c, best) < 0 {
			best = c
		}
	}
	return best
}

// merged is a device's effective policy with where each setting came from,
// and the coverage each Wi-Fi network's secrets are sealed under.
type merged struct {
	eff     steward.EffectivePolicy
	secrets map[string]*coverage // SSID → the policy whose network it is
}

// mergePolicies merges coverages (in any order) into the effective policy
// of a device.
func mergePolicies(deviceID string, cs []*coverage) *merged {
	slices.SortFunc(cs, higher)
	out := &merged{eff: steward.EffectivePolicy{DeviceID: deviceID, Sources: []steward.SettingSource{},
		Policies: []steward.PolicySource{}}, secrets: map[string]*coverage{}}
	s := &out.eff.Settings
	set := func(key string, c *coverage) {
		out.eff.Sources = append(out.eff.Sources, steward.SettingSource{Key: key, PolicySource: sourceOf(c)})
	}
	seen := map[string]bool{}
	first := func(key string, c *coverage) bool {
		if seen[key] {
			return false
		}
		seen[key] = true
		set(key, c)
		return true
	}
	for _, c := range cs {
		out.eff.Policies = append(out.eff.Policies, sourceOf(c))
		ps := &c.version.Settings
		for _, w := range ps.WiFi {
			if first(protocol.KeyWiFiPrefix+w.SSID, c) {
				w.Password, w.ClientKeyPEM = nil, nil
				s.WiFi = append(s.WiFi, w)
				out.secrets[w.SSID] = c
			}
		}
		for _, ca := range ps.CACerts {
			if ca.CertInfo != nil && first(protocol.KeyCACertPrefix+ca.SHA256, c) {
				s.CACerts = append(s.CACerts, ca)
			}
		}
		for _, a := range ps.Apps {
			if first(protocol.KeyAppPrefix+a.Package, c) {
				s.Apps = append(s.Apps, a)
			}
		}
		if ps.Kiosk != nil && first("kiosk", c) {
			k := *ps.Kiosk
			s.Kiosk = &k
		}
		if ps.Password != nil && first("password", c) {
			p := *ps.Password
			s.Password = &p
		}
		if r := ps.Restrictions; r != nil {
			for _, f := range []struct {
				key  string
				from *bool
				to   **bool
			}{
				{"restrictions.disable_camera", r.DisableCamera, &restrictions(s).DisableCamera},
				{"restrictions.disable_usb", r.DisableUSB, &restrictions(s).DisableUSB},
				{"restrictions.disable_screenshot", r.DisableScreenshot, &restrictions(s).DisableScreenshot},
			} {
				if f.from != nil && first(f.key, c) {
					*f.to = ptrTo(*f.from)
				}
			}
		}
		if t := ps.Tracking; t != nil {
			if t.Location != nil && first("tracking.location", c) {
				tracking(s).Location = ptrTo(*t.Location)
			}
			if t.WebHistory != nil && first("tracking.web_history", c) {
				tracking(s).WebHistory = ptrTo(*t.WebHistory)
			}
		}
		if ps.CheckInIntervalSeconds != nil && first("checkin_interval_seconds", c) {
			s.CheckInIntervalSeconds = ptrTo(*ps.CheckInIntervalSeconds)
		}
	}
	if s.Restrictions != nil && *s.Restrictions == (steward.RestrictionsSetting{}) {
		s.Restrictions = nil
	}
	if s.Tracking != nil && *s.Tracking == (steward.TrackingSetting{}) {
		s.Tracking = nil
	}
	slices.SortFunc(s.WiFi, func(a, b steward.WiFiSetting) int { return cmp.Compare(a.SSID, b.SSID) })
	slices.SortFunc(s.CACerts, func(a, b steward.CACertSetting) int { return cmp.Compare(a.SHA256, b.SHA256) })
	slices.SortFunc(s.Apps, func(a, b steward.AppRuleSetting) int { return cmp.Compare(a.Package, b.Package) })
	slices.SortFunc(out.eff.Sources, func(a, b steward.SettingSource) int { return cmp.Compare(a.Key, b.Key) })
	if len(cs) > 0 {
		out.eff.Version = settingsVersion(s)
	}
	return out
}

// restrictions and tracking return s's section, creating it; the merge
// drops them again when nothing was set.
func restrictions(s *steward.PolicySettings) *steward.RestrictionsSetting {
	if s.Restrictions == nil {
		s.Restrictions = &steward.RestrictionsSetting{}
	}
	return s.Restrictions
}

func tracking(s *steward.PolicySettings) *steward.TrackingSetting {
	if s.Tracking == nil {
		s.Tracking = &steward.TrackingSetting{}
	}
	return s.Tracking
}

func ptrTo[T any](v T) *T { return &v }

func sourceOf(c *coverage) steward.PolicySource {
	return steward.PolicySource{PolicyID: c.policy.ID, PolicyName: c.policy.Name, Version: c.version.Version, Target: c.target}
}

// settingsVersion hashes merged settings: every field the device applies,
// the secrets by their references. Parsed certificate details (and their
// expiry flags, which move with the clock) are left out; the fingerprint
// stands for the certificate.
func settingsVersion(s *steward.PolicySettings) string {
	h := *s
	refs := map[string]string{}
	h.WiFi = make([]steward.WiFiSetting, len(s.WiFi))
	for i, w := range s.WiFi {
		if w.SealedPassword != nil {
			refs[w.SSID+"/password"] = w.SealedPassword.Ref
		}
		if w.SealedClientKey != nil {
			refs[w.SSID+"/client_key"] = w.SealedClientKey.Ref
		}
		w.Password, w.ClientKeyPEM = nil, nil
		h.WiFi[i] = w
	}
	h.CACerts = make([]steward.CACertSetting, len(s.CACerts))
	for i, c := range s.CACerts {
		h.CACerts[i] = steward.CACertSetting{Name: c.Name, PEM: c.PEM, CertInfo: &steward.CertInfo{SHA256: c.SHA256}}
	}
	b, err := json.Marshal(struct {
		Settings steward.PolicySettings `json:"s"`
		Secrets  map[string]string      `json:"k"`
	}{h, refs})
	if err != nil {
		panic("policy version: " + err.Error()) // plain data: cannot fail
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// stateOf is what the device row keeps of an effective policy.
func stateOf(e *steward.EffectivePolicy) steward.DevicePolicyState {
	st := steward.DevicePolicyState{Version: e.Version}
	if v := e.Settings.CheckInIntervalSeconds; v != nil {
		st.CheckInIntervalSeconds = *v
	}
	if t := e.Settings.Tracking; t != nil {
		st.Location, st.WebHistory = t.Location, t.WebHistory
	}
	return st
}

// secretAAD is the associated data that binds a sealed secret to its
// policy version, network and field.
func secretAAD(policyID string, version int, ssid, field string) string {
	return "policy_version/" + policyID + "/" + strconv.Itoa(version) + "/wifi/" + ssid + "/" + field
}

// policyToWire is the effective policy as the device receives it; open returns
// the clear secret of a network's field ("password", "client_key"), "" for
// none.
func policyToWire(e *steward.EffectivePolicy, open func(ssid, field string) (string, error)) (*protocol.Policy, error) {
	s := &e.Settings
	p := &protocol.Policy{Version: e.Version}
	for _, w := range s.WiFi {
		n := protocol.WiFiNetwork{SSID: w.SSID, Hidden: w.Hidden, Security: w.Security, EAPMethod: w.EAPMethod,
			Identity: w.Identity, CACertSHA256: w.CACertSHA256, ClientCertPEM: w.ClientCertPEM, DomainSuffixMatch: w.DomainSuffixMatch}
		var err error
		if w.PasswordSet {
			if n.Password, err = open(w.SSID, "password"); err != nil {
				return nil, err
			}
		}
		if w.ClientKeySet {
			if n.ClientKeyPEM, err = open(w.SSID, "client_key"); err != nil {
				return nil, err
			}
		}
		p.WiFi = append(p.WiFi, n)
	}
	for _, c := range s.CACerts {
		p.CACerts = append(p.CACerts, protocol.CACert{SHA256: c.SHA256, Name: c.Name, PEM: c.PEM})
	}
	for _, a := range s.Apps {
		p.Apps = append(p.Apps, protocol.AppRule{Package: a.Package, Action: a.Action})
	}
	if k := s.Kiosk; k != nil {
		p.Kiosk = &protocol.Kiosk{Package: k.Package}
	}
	if pw := s.Password; pw != nil {
		p.Password = &protocol.PasswordRules{Quality: pw.Quality, MinLength: pw.MinLength, MaxFailedAttempts: pw.MaxFailedAttempts,
			ScreenLockTimeoutSec: pw.ScreenLockTimeoutSec}
	}
	if r := s.Restrictions; r != nil {
		p.Restrictions = &protocol.Restrictions{DisableCamera: r.DisableCamera, DisableUSB: r.DisableUSB, DisableScreenshot: r.DisableScreenshot}
	}
	if t := s.Tracking; t != nil {
		p.Tracking = &protocol.TrackingPolicy{Location: t.Location, WebHistory: t.WebHistory}
	}
	p.CheckInIntervalSeconds = s.CheckInIntervalSeconds
	return p, nil
}
