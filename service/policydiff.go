package service

import (
	"bytes"
	"encoding/json"
	"slices"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// Kinds of SettingChange.
const (
	ChangeAdded   = "added"
	ChangeRemoved = "removed"
	ChangeChanged = "changed"
)

// SettingChange is one setting that differs between two versions of a
// policy, keyed as in the compliance reports. Before and After are the
// setting's values (secrets only as "…_set" flags); SecretChanged says a
// secret was replaced even where the flags are the same.
type SettingChange struct {
	Key           string          `json:"key"`
	Change        string          `json:"change"`
	Before        json.RawMessage `json:"before,omitempty"`
	After         json.RawMessage `json:"after,omitempty"`
	SecretChanged bool            `json:"secret_changed,omitempty"`
}

type settingEntry struct {
	value  json.RawMessage
	secret string // the references of the secrets it holds
}

// settingEntries splits settings into their settings, by key.
func settingEntries(s *steward.PolicySettings) map[string]settingEntry {
	out := map[string]settingEntry{}
	put := func(key string, v any, secret string) {
		b, err := json.Marshal(v)
		if err != nil {
			panic("policy setting: " + err.Error()) // plain data: cannot fail
		}
		out[key] = settingEntry{value: b, secret: secret}
	}
	for _, w := range s.WiFi {
		secret := ""
		if w.SealedPassword != nil {
			secret += "p:" + w.SealedPassword.Ref
		}
		if w.SealedClientKey != nil {
			secret += "/k:" + w.SealedClientKey.Ref
		}
		w.Password, w.ClientKeyPEM = nil, nil
		put(protocol.KeyWiFiPrefix+w.SSID, w, secret)
	}
	for _, c := range s.CACerts {
		if c.CertInfo != nil {
			put(protocol.KeyCACertPrefix+c.SHA256, map[string]string{"name": c.Name, "sha256": c.SHA256}, "")
		}
	}
	for _, a := range s.Apps {
		put(protocol.KeyAppPrefix+a.Package, a.Action, "")
	}
	if s.Kiosk != nil {
		put("kiosk", s.Kiosk.Package, "")
	}
	if s.Password != nil {
		put("password", s.Password, "")
	}
	bools := func(key string, v *bool) {
		if v != nil {
			put(key, *v, "")
		}
	}
	if r := s.Restrictions; r != nil {
		bools("restrictions.disable_camera", r.DisableCamera)
		bools("restrictions.disable_usb", r.DisableUSB)
		bools("restrictions.disable_screenshot", r.DisableScreenshot)
	}
	if t := s.Tracking; t != nil {
		bools("tracking.location", t.Location)
		bools("tracking.web_history", t.WebHistory)
	}
	if s.CheckInIntervalSeconds != nil {
		put("checkin_interval_seconds", *s.CheckInIntervalSeconds, "")
	}
	return out
}

// diffSettings lists the settings that differ from a to b, by key.
func diffSettings(a, b *steward.PolicySettings) []SettingChange {
	ea, eb := settingEntries(a), settingEntries(b)
	out := []SettingChange{}
	for k, x := range ea {
		y, ok := eb[k]
		switch {
		case !ok:
			out = append(out, SettingChange{Key: k, Change: ChangeRemoved, Before: x.value})
		case !bytes.Equal(x.value, y.value) || x.secret != y.secret:
			out = append(out, SettingChange{Key: k, Change: ChangeChanged, Before: x.value, After: y.value,
				SecretChanged: x.secret != y.secret})
		}
	}
	for k, y := range eb {
		if _, ok := ea[k]; !ok {
			out = append(out, SettingChange{Key: k, Change: ChangeAdded, After: y.value})
		}
	}
	slices.SortFunc(out, func(x, y SettingChange) int {
		if x.Key < y.Key {
			return -1
		} else if x.Key > y.Key {
			return 1
		}
		return 0
	})
	return out
}

// SettingChanges lists the settings that differ from a (nil: the empty
// policy) to b, by key.
func SettingChanges(a, b *steward.PolicySettings) []SettingChange {
	if a == nil {
		a = &steward.PolicySettings{}
	}
	return diffSettings(a, b)
}

// changeKeys is a short form of changes for the audit log.
func changeKeys(cs []SettingChange) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.Change + " " + c.Key
		if c.SecretChanged {
			out[i] += " (secret)"
		}
	}
	return out
}
