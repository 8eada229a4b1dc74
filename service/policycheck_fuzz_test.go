package service

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// FuzzPolicySettings: whatever settings an edit sends, parsing the
// certificates and checking the rest answers with field errors, never a
// panic, and every error names a field.
func FuzzPolicySettings(f *testing.F) {
	for _, seed := range []string{
		`{}`,
		`{"wifi":[{"ssid":"Office","security":"wpa2_personal","password":"short"}]}`,
		`{"wifi":[{"ssid":"Corp","security":"wpa2_enterprise","eap_method":"tls","client_cert_pem":"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----","client_key_pem":"-----BEGIN PRIVATE KEY-----\nAA==\n-----END PRIVATE KEY-----"}]}`,
		`{"ca_certs":[{"pem":"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"}],"apps":[{"package":"a.b","action":"required"}],"kiosk":{"package":"a.b"}}`,
		`{"password":{"quality":"numeric","min_length":-1},"checkin_interval_seconds":0}`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var s steward.PolicySettings
		if json.Unmarshal([]byte(doc), &s) != nil {
			return
		}
		fe := parseCACerts(&s, time.Unix(1_800_000_000, 0))
		in := settingsInput{s: &s, passwords: make([]string, len(s.WiFi)), clientKeys: make([]string, len(s.WiFi))}
		for i, w := range s.WiFi {
			if w.Password != nil {
				in.passwords[i] = *w.Password
			}
			if w.ClientKeyPEM != nil {
				in.clientKeys[i] = *w.ClientKeyPEM
			}
		}
		fe = append(fe, checkSettings(in)...)
		for _, e := range fe {
			if e.Field == "" || e.Message == "" || e.Code != steward.EINVALID {
				t.Fatalf("error without a field or message: %+v", e)
			}
		}
	})
}
