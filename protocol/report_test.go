package protocol

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// exampleCAPEM is a real self-signed CA certificate (Ed25519); its DER
// encoding's SHA-256 is exampleCASHA256.
const (
	exampleCAPEM = `-----BEGIN CERTIFICATE-----
MIIBYDCCARKgAwIBAgIEATUlzjAFBgMrZXAwNjEVMBMGA1UEChMMRXhhbXBsZSBD
b3JwMR0wGwYDVQQDExRFeGFtcGxlIENvcnAgUm9vdCBDQTAeFw0yNjAxMDEwMDAw
MDBaFw0zNjAxMDEwMDAwMDBaMDYxFTATBgNVBAoTDEV4YW1wbGUgQ29ycDEdMBsG
A1UEAxMURXhhbXBsZSBDb3JwIFJvb3QgQ0EwKjAFBgMrZXADIQCdP0CmNvAsuF/e
aycm1ZHWLW2axq/ysIZK/TmYlM6JJ6NCMEAwDgYDVR0PAQH/BAQDAgEGMA8GA1Ud
EwEB/wQFMAMBAf8wHQYDVR0OBBYEFCPzMNcLzsy4ANHRCR70I2773zm/MAUGAytl
cANBAOORevU+NqiNWcjrka8RC+c+q07UN0SoWgY2hl1UUeQFITTVxUw4/lY1YToP
kmu0qUze41UlMX2327FWIGGQmAQ=
-----END CERTIFICATE-----
`
	exampleCASHA256 = "52f329974f77f846a0e92341645e16b6a9164c3bbe976ec7c4bf9b7667961668"
	examplePolicy   = "p7-3f9a2c41"
)

// examplePolicyValue is a policy that sets something of every kind.
func examplePolicyValue() Policy {
	return Policy{Version: examplePolicy,
		WiFi: []WiFiNetwork{
			{SSID: "Example-Staff", Security: WiFiWPA2Personal, Password: "correct horse battery staple"},
			{SSID: "Example-Corp", Hidden: true, Security: WiFiWPA2Enterprise, EAPMethod: EAPPEAP, Identity: "svc-tablets@example.com",
				Password: "Tr0ub4dor-3", CACertSHA256: exampleCASHA256, DomainSuffixMatch: "radius.example.com"},
		},
		CACerts: []CACert{{SHA256: exampleCASHA256, Name: "Example Corp Root CA", PEM: exampleCAPEM}},
		Apps: []AppRule{
			{Package: "com.example.timesheet", Action: AppRequired},
			{Package: "com.android.chrome", Action: AppAllowed},
			{Package: "com.example.game", Action: AppBlocked},
		},
		Password:               &PasswordRules{Quality: PasswordNumeric, MinLength: ptr(6), MaxFailedAttempts: ptr(10), ScreenLockTimeoutSec: ptr(300)},
		Restrictions:           &Restrictions{DisableCamera: ptr(true), DisableUSB: ptr(false), DisableScreenshot: ptr(true)},
		Tracking:               &TrackingPolicy{Location: ptr(true), WebHistory: ptr(false)},
		CheckInIntervalSeconds: ptr(600),
	}
}

// policyGoldens are the examples of the policy messages (see goldens).
func policyGoldens() []golden {
	applied := exampleTime.Add(2 * time.Minute)
	return []golden{
		{"checkin-response-policy", CheckInResponse{CheckInIntervalSeconds: 600, AgentEnabled: true, Commands: []Command{},
			PolicyVersion: examplePolicy, ServerTime: exampleTime}},
		{"push-refresh", PushMessage{Type: PushRefresh, Refresh: []string{RefreshPolicy}}},
		{"policy", examplePolicyValue()},
		{"policy-kiosk", Policy{Version: "p9-0b17e5d2", Kiosk: &Kiosk{Package: "com.example.checkin"},
			Apps: []AppRule{{Package: "com.example.checkin", Action: AppRequired}}}},
		{"policy-report", PolicyReport{Protocol: Version, Version: examplePolicy, AppliedAt: applied, Settings: []SettingStatus{
			{Key: KeyWiFiPrefix + "Example-Staff", Status: SettingApplied},
			{Key: KeyWiFiPrefix + "Example-Corp", Status: SettingFailed, Detail: "The server certificate does not match radius.example.com."},
			{Key: KeyCACertPrefix + exampleCASHA256, Status: SettingApplied},
			{Key: KeyAppPrefix + "com.example.timesheet", Status: SettingPending, Detail: "Downloading."},
			{Key: KeyAppPrefix + "com.android.chrome", Status: SettingApplied},
			{Key: KeyAppPrefix + "com.example.game", Status: SettingApplied},
			{Key: KeyPassword, Status: SettingApplied},
			{Key: KeyDisableCamera, Status: SettingApplied},
			{Key: KeyDisableUSB, Status: SettingApplied},
			{Key: KeyDisableScreenshot, Status: SettingApplied},
			{Key: KeyTrackingLocation, Status: SettingApplied},
			{Key: KeyTrackingWebHistory, Status: SettingApplied},
			{Key: KeyCheckInInterval, Status: SettingApplied},
		}}},
		{"policy-report-linux", PolicyReport{Protocol: Version, Version: examplePolicy, AppliedAt: applied, Settings: []SettingStatus{
			{Key: KeyWiFiPrefix + "Example-Staff", Status: SettingApplied},
			{Key: KeyWiFiPrefix + "Example-Corp", Status: SettingApplied},
			{Key: KeyCACertPrefix + exampleCASHA256, Status: SettingNotApplicable, Detail: "The agent does not manage the trust store here (--apply-ca-dir is not set)."},
			{Key: KeyAppPrefix + "com.example.timesheet", Status: SettingNotApplicable, Detail: "Not a package this Linux agent manages."},
			{Key: KeyAppPrefix + "com.android.chrome", Status: SettingNotApplicable, Detail: "Not a package this Linux agent manages."},
			{Key: KeyAppPrefix + "com.example.game", Status: SettingNotApplicable, Detail: "Not a package this Linux agent manages."},
			{Key: KeyPassword, Status: SettingNotApplicable, Detail: "Screen-lock rules are Android's; a Linux host's logins are not managed."},
			{Key: KeyDisableCamera, Status: SettingNotApplicable, Detail: "Linux has no camera policy this agent can enforce."},
			{Key: KeyDisableUSB, Status: SettingNotApplicable, Detail: "USB is not restricted by this agent."},
			{Key: KeyDisableScreenshot, Status: SettingNotApplicable, Detail: "Linux has no screenshot policy this agent can enforce."},
			{Key: KeyTrackingLocation, Status: SettingNotApplicable, Detail: "This device has no location source."},
			{Key: KeyTrackingWebHistory, Status: SettingNotApplicable, Detail: "This agent reads no browser."},
			{Key: KeyCheckInInterval, Status: SettingApplied},
		}}},
	}
}

// policySeeds are the fuzz seeds of the policy report decoder.
func policySeeds(golden func(string) []byte) map[string]map[string][]byte {
	valid := func(settings string) []byte {
		return []byte(`{"protocol":1,"version":"p1","applied_at":"2026-03-02T09:30:00Z","settings":[` + settings + `]}`)
	}
	return map[string]map[string][]byte{
		"FuzzDecodePolicyReport": {
			"golden-policy-report":       golden("policy-report"),
			"golden-policy-report-linux": golden("policy-report-linux"),
			"no-settings":                []byte(`{"protocol":1,"version":"p1","applied_at":"2026-03-02T09:30:00Z"}`),
			"empty-settings":             valid(``),
			"key-twice":                  valid(`{"key":"kiosk","status":"applied"},{"key":"kiosk","status":"failed"}`),
			"status-unknown":             valid(`{"key":"kiosk","status":"done"}`),
			"status-case":                valid(`{"key":"kiosk","status":"Applied"}`),
			"detail-control":             valid(`{"key":"kiosk","status":"failed","detail":"line one\nline two"}`),
			"key-empty":                  valid(`{"key":"","status":"applied"}`),
			"key-long":                   valid(`{"key":"app/` + strings.Repeat("a", MaxSettingKey) + `","status":"applied"}`),
			"settings-object":            []byte(`{"protocol":1,"version":"p1","applied_at":"2026-03-02T09:30:00Z","settings":{"kiosk":"applied"}}`),
			"no-applied-at":              []byte(`{"protocol":1,"version":"p1","settings":[]}`),
			"applied-at-number":          []byte(`{"protocol":1,"version":"p1","applied_at":1700000000}`),
			"setting-null":               valid(`null`),
			"status-kelvin-key":          valid(`{"key":"kiosk","\u212atatus":"applied","status":"applied"}`),
		},
	}
}

func FuzzDecodePolicyReport(f *testing.F) {
	fuzzDecode(f, MaxPolicyReportBody, decodePolicyReport)
}

// TestDecodePolicyReportRefusals checks what the report decoder refuses
// and the field it names.
func TestDecodePolicyReportRefusals(t *testing.T) {
	head := `{"protocol":1,"version":"p1","applied_at":"2026-03-02T09:30:00Z","settings":[`
	setting := func(key, status, detail string) string {
		return fmt.Sprintf(`{"key":%q,"status":%q,"detail":%q}`, key, status, detail)
	}
	many := make([]string, MaxSettings+1)
	for i := range many {
		many[i] = setting(fmt.Sprintf("app/p%d", i), "applied", "")
	}
	long := make([]string, 130) // each detail at the limit: over 64 KiB in all
	for i := range long {
		long[i] = setting(fmt.Sprintf("k%d", i), "failed", strings.Repeat("x", MaxSettingDetail))
	}
	for _, tc := range []struct {
		name, body, field string
		tooLarge          bool
	}{
		{"protocol", `{"protocol":2,"version":"p1","applied_at":"2026-03-02T09:30:00Z"}`, "protocol", false},
		{"no version", `{"protocol":1,"applied_at":"2026-03-02T09:30:00Z"}`, "version", false},
		{"version long", `{"protocol":1,"version":"` + strings.Repeat("v", MaxText+1) + `","applied_at":"2026-03-02T09:30:00Z"}`, "version", false},
		{"no applied_at", `{"protocol":1,"version":"p1"}`, "applied_at", false},
		{"applied_at bad", `{"protocol":1,"version":"p1","applied_at":"today"}`, "applied_at", false},
		{"settings not a list", `{"protocol":1,"version":"p1","applied_at":"2026-03-02T09:30:00Z","settings":{}}`, "settings", false},
		{"too many", head + strings.Join(many, ",") + `]}`, "settings", false},
		{"key missing", head + setting("kiosk", "applied", "") + `,{"status":"applied"}]}`, "settings[1].key", false},
		{"key long", head + setting("app/"+strings.Repeat("a", MaxSettingKey), "applied", "") + `]}`, "settings[0].key", false},
		{"key control", head + setting("wifi/a\tb", "applied", "") + `]}`, "settings[0].key", false},
		{"key twice", head + setting("kiosk", "applied", "") + "," + setting("password", "applied", "") + "," + setting("kiosk", "failed", "") + `]}`, "settings[2].key", false},
		{"status unknown", head + setting("kiosk", "done", "") + `]}`, "settings[0].status", false},
		{"status missing", head + `{"key":"kiosk"}]}`, "settings[0].status", false},
		{"status number", head + `{"key":"kiosk","status":1}]}`, "settings[0].status", false},
		{"detail long", head + setting("kiosk", "failed", strings.Repeat("é", MaxSettingDetail/2+1)) + `]}`, "settings[0].detail", false},
		{"detail newline", head + setting("kiosk", "failed", "a\nb") + `]}`, "settings[0].detail", false},
		{"body too large", head + strings.Join(long, ",") + `]}`, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodePolicyReport(strings.NewReader(tc.body))
			ie, ok := err.(*InputError)
			if !ok {
				t.Fatalf("error %v (%T), want an *InputError", err, err)
			}
			if ie.Field != tc.field || ie.TooLarge != tc.tooLarge {
				t.Errorf("field %q, too large %v (%s); want %q, %v", ie.Field, ie.TooLarge, ie.Message, tc.field, tc.tooLarge)
			}
		})
	}
	// The limits themselves are allowed, and unknown keys ignored.
	atLimit := make([]string, MaxSettings)
	for i := range atLimit {
		atLimit[i] = fmt.Sprintf(`{"key":"k%d","status":"applied"}`, i)
	}
	for name, body := range map[string]string{
		"1000 settings":  head + strings.Join(atLimit, ",") + `]}`,
		"key at limit":   head + setting("app/"+strings.Repeat("a", MaxSettingKey-4), "applied", "") + `]}`,
		"detail limit":   head + setting("kiosk", "failed", strings.Repeat("d", MaxSettingDetail)) + `]}`,
		"unknown keys":   `{"protocol":1,"version":"p1","applied_at":"2026-03-02T09:30:00Z","battery":3,"settings":[{"key":"kiosk","status":"applied","since":"x"}]}`,
		"empty settings": head + `]}`,
	} {
		if _, err := DecodePolicyReport(strings.NewReader(body)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestSettingKeys checks the keys of the example policy: one per network,
// certificate and app rule, one per other setting set, none for what the
// policy leaves unset; and that the golden report covers them exactly.
func TestSettingKeys(t *testing.T) {
	p := examplePolicyValue()
	want := []string{"wifi/Example-Staff", "wifi/Example-Corp", "ca_cert/" + exampleCASHA256,
		"app/com.example.timesheet", "app/com.android.chrome", "app/com.example.game", "password",
		"restrictions.disable_camera", "restrictions.disable_usb", "restrictions.disable_screenshot",
		"tracking.location", "tracking.web_history", "checkin_interval_seconds"}
	if diff := cmp.Diff(want, p.SettingKeys()); diff != "" {
		t.Errorf("keys of the example policy (-want +got):\n%s", diff)
	}
	for _, g := range policyGoldens() {
		rep, ok := g.value.(PolicyReport)
		if !ok {
			continue
		}
		var got []string
		for _, s := range rep.Settings {
			got = append(got, s.Key)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s does not report the example policy's settings (-want +got):\n%s", g.name, diff)
		}
	}
	sparse := Policy{Version: "p", Restrictions: &Restrictions{DisableUSB: ptr(true)}, Tracking: &TrackingPolicy{}}
	if diff := cmp.Diff([]string{"restrictions.disable_usb"}, sparse.SettingKeys()); diff != "" {
		t.Errorf("keys of a sparse policy (-want +got):\n%s", diff)
	}
	if keys := (&Policy{Version: "p"}).SettingKeys(); keys != nil {
		t.Errorf("an empty policy has keys %q", keys)
	}
}

// TestCleanDetail: tool output becomes one line of plain text within the
// limit, and a report built with it passes the decoder.
func TestCleanDetail(t *testing.T) {
	for in, want := range map[string]string{
		"Error: Connection activation failed.\n\tSecrets were required.\r\n": "Error: Connection activation failed. Secrets were required.",
		"ok":            "ok",
		"bad \xff byte": "bad \ufffd byte",
		"  padded  ":    "padded",
		"a\x00b":        "a b",
	} {
		if got := CleanDetail(in); got != want {
			t.Errorf("CleanDetail(%q) = %q, want %q", in, got, want)
		}
	}
	long := CleanDetail(strings.Repeat("€", MaxSettingDetail))
	if len(long) > MaxSettingDetail || !strings.HasSuffix(long, "…") {
		t.Errorf("a long detail is cut to %d bytes: …%q", len(long), long[len(long)-10:])
	}
	rep := PolicyReport{Protocol: Version, Version: "p", AppliedAt: exampleTime,
		Settings: []SettingStatus{{Key: "kiosk", Status: SettingFailed, Detail: long}, {Key: "password", Status: SettingFailed,
			Detail: CleanDetail("nmcli: error\n\x1b[31mred\x1b[0m")}}}
	b, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := DecodePolicyReport(bytes.NewReader(b)); err != nil {
		t.Errorf("a report with cleaned details is refused: %v", err)
	}
}
