package protocol

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A device reports what it made of a policy at PathPolicyReport: a status
// for every setting the policy sets, keyed as SettingKeys lists them. A
// setting the device cannot carry out is not_applicable with the reason in
// Detail; a setting it tried and could not is failed, with what went wrong.

// Limits of a policy report.
const (
	MaxSettings      = 1000 // settings in one report
	MaxSettingKey    = 300  // bytes: "app/" and a package name of MaxPackage bytes fit
	MaxSettingDetail = 512  // bytes of a setting's detail
)

// Keys of the settings that are not lists (see the key prefixes in
// policy.go for the ones that are).
const (
	KeyKiosk              = "kiosk"
	KeyPassword           = "password"
	KeyDisableCamera      = "restrictions.disable_camera"
	KeyDisableUSB         = "restrictions.disable_usb"
	KeyDisableScreenshot  = "restrictions.disable_screenshot"
	KeyTrackingLocation   = "tracking.location"
	KeyTrackingWebHistory = "tracking.web_history"
	KeyCheckInInterval    = "checkin_interval_seconds"
)

// SettingKeys lists the key of every setting p sets, in a fixed order:
// Wi-Fi networks, CA certificates and app rules in the policy's order,
// then kiosk, password, each restriction and tracking switch that is set,
// and the check-in interval. A report on p has one status for each.
func (p *Policy) SettingKeys() []string {
	var keys []string
	for _, w := range p.WiFi {
		keys = append(keys, KeyWiFiPrefix+w.SSID)
	}
	for _, c := range p.CACerts {
		keys = append(keys, KeyCACertPrefix+c.SHA256)
	}
	for _, a := range p.Apps {
		keys = append(keys, KeyAppPrefix+a.Package)
	}
	if p.Kiosk != nil {
		keys = append(keys, KeyKiosk)
	}
	if p.Password != nil {
		keys = append(keys, KeyPassword)
	}
	if r := p.Restrictions; r != nil {
		for _, s := range []struct {
			key string
			set *bool
		}{{KeyDisableCamera, r.DisableCamera}, {KeyDisableUSB, r.DisableUSB}, {KeyDisableScreenshot, r.DisableScreenshot}} {
			if s.set != nil {
				keys = append(keys, s.key)
			}
		}
	}
	if t := p.Tracking; t != nil {
		if t.Location != nil {
			keys = append(keys, KeyTrackingLocation)
		}
		if t.WebHistory != nil {
			keys = append(keys, KeyTrackingWebHistory)
		}
	}
	if p.CheckInIntervalSeconds != nil {
		keys = append(keys, KeyCheckInInterval)
	}
	return keys
}

var policyReportShape = shapeOf(reflect.TypeFor[PolicyReport]())

// DecodePolicyReport reads and validates a policy report from an untrusted
// body, as DecodeEnroll does, with the limit MaxPolicyReportBody (see
// PolicyReport.Validate for the fields).
func DecodePolicyReport(r io.Reader) (*PolicyReport, error) {
	return decodePolicyReport(r, MaxPolicyReportBody)
}

func decodePolicyReport(r io.Reader, max int64) (*PolicyReport, error) {
	var rep PolicyReport
	if err := decode(r, max, "policy report", policyReportShape, &rep); err != nil {
		return nil, err
	}
	if err := rep.Validate(); err != nil {
		return nil, err
	}
	return &rep, nil
}

// Validate checks a policy report: protocol 1; a version of 1 to MaxText
// bytes; a time it was applied; at most MaxSettings settings, each with a
// key of 1 to MaxSettingKey bytes (every key at most once), a known status
// (applied, failed, not_applicable, pending) and a detail of at most
// MaxSettingDetail bytes. Strings are plain text: no control characters
// (CleanDetail makes a detail so). The error is an *InputError naming the
// field.
func (r *PolicyReport) Validate() error {
	if ie := r.validate(); ie != nil {
		return ie
	}
	return nil
}

func (r *PolicyReport) validate() *InputError {
	if ie := firstOf(checkProtocol(r.Protocol), required("version", r.Version, MaxText)); ie != nil {
		return ie
	}
	if r.AppliedAt.IsZero() {
		return &InputError{Field: "applied_at", Message: "applied_at is required: when the device applied the policy, on its clock."}
	}
	if n := len(r.Settings); n > MaxSettings {
		return &InputError{Field: "settings", Message: fmt.Sprintf("settings has %d entries; at most %d are allowed.", n, MaxSettings)}
	}
	first := make(map[string]int, len(r.Settings))
	for i, s := range r.Settings {
		at := func(sub string) string { return fmt.Sprintf("settings[%d].%s", i, sub) }
		if ie := required(at("key"), s.Key, MaxSettingKey); ie != nil {
			return ie
		}
		if j, ok := first[s.Key]; ok {
			return &InputError{Field: at("key"), Message: fmt.Sprintf(
				"%s names %s again, as settings[%d].key did: report each setting once.", at("key"), quote(s.Key), j)}
		}
		first[s.Key] = i
		if ie := oneOf(at("status"), s.Status, SettingApplied, SettingFailed, SettingNotApplicable, SettingPending); ie != nil {
			return ie
		}
		if ie := text(at("detail"), s.Detail, MaxSettingDetail); ie != nil {
			return ie
		}
	}
	return nil
}

// CleanDetail makes a text fit a setting's detail: control characters
// (line breaks of a tool's output included) become spaces, runs of spaces
// one, invalid UTF-8 U+FFFD, and a text longer than MaxSettingDetail is
// cut at a character boundary and ends with "…".
func CleanDetail(s string) string {
	s = strings.ToValidUTF8(s, string(utf8.RuneError))
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsControl(r) || r == ' ' }), " ")
	if len(s) <= MaxSettingDetail {
		return s
	}
	const ellipsis = "…"
	cut := MaxSettingDetail - len(ellipsis)
	for !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ellipsis
}
