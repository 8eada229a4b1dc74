package protocol

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// privacyGoldens are the examples of the consent, location and web-history
// messages (see goldens).
func privacyGoldens() []golden {
	return []golden{
		{"checkin-response-privacy", CheckInResponse{CheckInIntervalSeconds: 900, AgentEnabled: true, Commands: []Command{},
			Privacy: &Privacy{LocationEnabled: true, LocationConsentRequired: true, WebHistoryEnabled: false}, ServerTime: exampleTime}},
		{"consent-request", ConsentRequest{Protocol: Version, Purpose: PurposeLocation, Granted: true,
			DecidedAt: exampleTime.Add(-2 * time.Minute), NoticeVersion: "2026-03"}},
		{"location-request", LocationRequest{Protocol: Version, Points: []LocationPoint{
			{Latitude: 51.50735, Longitude: -0.12776, AccuracyM: ptr(12.5), RecordedAt: exampleTime.Add(-10 * time.Minute)},
			{Latitude: 51.50812, Longitude: -0.12602, AccuracyM: ptr(8.0), RecordedAt: exampleTime.Add(-5 * time.Minute)},
			{Latitude: 51.50901, Longitude: -0.12455, RecordedAt: exampleTime},
		}}},
		{"web-history-request", WebHistoryRequest{Protocol: Version, Visits: []WebVisit{
			{URL: "https://intranet.example.com/timesheets/2026-03", Title: "Timesheets — March", VisitedAt: exampleTime.Add(-time.Hour)},
			{URL: "https://docs.example.com/handbook#leave", Title: "Handbook", VisitedAt: exampleTime.Add(-20 * time.Minute)},
		}}},
		{"ingest-response", IngestResponse{Accepted: 3, Dropped: 1}},
	}
}

// privacySeeds are the fuzz seeds of the privacy decoders.
func privacySeeds(golden func(string) []byte) map[string]map[string][]byte {
	return map[string]map[string][]byte{
		"FuzzDecodeConsent": {
			"golden-consent-request": golden("consent-request"),
			"bad-time":               []byte(`{"protocol":1,"purpose":"location","granted":true,"decided_at":"yesterday","notice_version":"1"}`),
			"time-hour-24":           []byte(`{"protocol":1,"purpose":"location","granted":false,"decided_at":"2026-03-02T24:00:00Z","notice_version":"1"}`),
			"time-offset":            []byte(`{"protocol":1,"purpose":"web_history","granted":false,"decided_at":"2026-03-02T09:30:00.123456789+05:30","notice_version":"1"}`),
			"time-number":            []byte(`{"protocol":1,"purpose":"location","decided_at":1700000000,"notice_version":"1"}`),
			"unknown-purpose":        []byte(`{"protocol":1,"purpose":"camera","granted":true,"decided_at":"2026-03-02T09:30:00Z","notice_version":"1"}`),
		},
		"FuzzDecodeLocation": {
			"golden-location-request": golden("location-request"),
			"latitude-out-of-range":   []byte(`{"protocol":1,"points":[{"latitude":90.0001,"longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`),
			"float-overflow":          []byte(`{"protocol":1,"points":[{"latitude":1e400,"longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`),
			"float-underflow":         []byte(`{"protocol":1,"points":[{"latitude":1e-400,"longitude":-0.0,"recorded_at":"2026-03-02T09:30:00Z"}]}`),
			"latitude-string":         []byte(`{"protocol":1,"points":[{"latitude":"51.5","longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`),
			"no-points":               []byte(`{"protocol":1,"points":[]}`),
			"negative-accuracy":       []byte(`{"protocol":1,"points":[{"latitude":0,"longitude":0,"accuracy_m":-1,"recorded_at":"2026-03-02T09:30:00Z"}]}`),
			"zero-time":               []byte(`{"protocol":1,"points":[{"latitude":0,"longitude":0,"recorded_at":"0001-01-01T00:00:00Z"}]}`),
		},
		"FuzzDecodeWebHistory": {
			"golden-web-history-request": golden("web-history-request"),
			"url-space":                  []byte(`{"protocol":1,"visits":[{"url":"https://a.example/x y","visited_at":"2026-03-02T09:30:00Z"}]}`),
			"url-long":                   []byte(`{"protocol":1,"visits":[{"url":"https://a.example/` + strings.Repeat("a", MaxURL) + `","visited_at":"2026-03-02T09:30:00Z"}]}`),
			"title-control":              []byte(`{"protocol":1,"visits":[{"url":"https://a.example/","title":"a\u0007b","visited_at":"2026-03-02T09:30:00Z"}]}`),
			"no-url":                     []byte(`{"protocol":1,"visits":[{"title":"t","visited_at":"2026-03-02T09:30:00Z"}]}`),
		},
	}
}

func FuzzDecodeConsent(f *testing.F) {
	fuzzDecode(f, MaxConsentBody, decodeConsent)
}

func FuzzDecodeLocation(f *testing.F) {
	fuzzDecode(f, MaxLocationBody, decodeLocation)
}

func FuzzDecodeWebHistory(f *testing.F) {
	fuzzDecode(f, MaxWebHistoryBody, decodeWebHistory)
}

// TestDecodePrivacyRefusals checks what the privacy decoders refuse and
// the field they name.
func TestDecodePrivacyRefusals(t *testing.T) {
	for _, tc := range []struct {
		name, body, field string
		decode            func([]byte) error
	}{
		{"consent bad time", `{"protocol":1,"purpose":"location","granted":true,"decided_at":"yesterday","notice_version":"1"}`, "decided_at", consentErr},
		{"consent no time", `{"protocol":1,"purpose":"location","granted":true,"notice_version":"1"}`, "decided_at", consentErr},
		{"consent purpose", `{"protocol":1,"purpose":"camera","granted":true,"decided_at":"2026-03-02T09:30:00Z","notice_version":"1"}`, "purpose", consentErr},
		{"consent notice", `{"protocol":1,"purpose":"location","granted":true,"decided_at":"2026-03-02T09:30:00Z"}`, "notice_version", consentErr},
		{"latitude", `{"protocol":1,"points":[{"latitude":-90.5,"longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`, "points[0].latitude", locationErr},
		{"longitude", `{"protocol":1,"points":[{"latitude":0,"longitude":180},{"latitude":0,"longitude":180.1,"recorded_at":"2026-03-02T09:30:00Z"}]}`, "points[0].recorded_at", locationErr},
		{"longitude 2", `{"protocol":1,"points":[{"latitude":0,"longitude":181,"recorded_at":"2026-03-02T09:30:00Z"}]}`, "points[0].longitude", locationErr},
		{"latitude as string", `{"protocol":1,"points":[{"latitude":"1","longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`, "points[0].latitude", locationErr},
		{"overflow", `{"protocol":1,"points":[{"latitude":1e999,"longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`, "points[0].latitude", locationErr},
		{"no points", `{"protocol":1}`, "points", locationErr},
		{"too many points", `{"protocol":1,"points":[` + strings.Repeat(`{"latitude":0,"longitude":0,"recorded_at":"2026-03-02T09:30:00Z"},`, MaxLocationPoints) +
			`{"latitude":0,"longitude":0,"recorded_at":"2026-03-02T09:30:00Z"}]}`, "points", locationErr},
		{"url space", `{"protocol":1,"visits":[{"url":"https://a.example/x y","visited_at":"2026-03-02T09:30:00Z"}]}`, "visits[0].url", webErr},
		{"url long", `{"protocol":1,"visits":[{"url":"https://a.example/` + strings.Repeat("a", MaxURL) + `","visited_at":"2026-03-02T09:30:00Z"}]}`, "visits[0].url", webErr},
		{"title long", `{"protocol":1,"visits":[{"url":"https://a.example/","title":"` + strings.Repeat("t", MaxText+1) + `","visited_at":"2026-03-02T09:30:00Z"}]}`, "visits[0].title", webErr},
		{"no visit time", `{"protocol":1,"visits":[{"url":"https://a.example/"}]}`, "visits[0].visited_at", webErr},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.decode([]byte(tc.body))
			ie, ok := err.(*InputError)
			if !ok {
				t.Fatalf("error %v (%T), want an *InputError", err, err)
			}
			if ie.Field != tc.field {
				t.Errorf("field %q (%s), want %q", ie.Field, ie.Message, tc.field)
			}
		})
	}
	// Unknown keys are ignored, as everywhere in the protocol.
	if _, err := DecodeLocation(strings.NewReader(`{"protocol":1,"altitude_m":3,"points":[{"latitude":0,"longitude":0,"speed":1,"recorded_at":"2026-03-02T09:30:00Z"}]}`)); err != nil {
		t.Errorf("unknown keys: %v", err)
	}
}

func consentErr(b []byte) error  { _, err := DecodeConsent(bytes.NewReader(b)); return err }
func locationErr(b []byte) error { _, err := DecodeLocation(bytes.NewReader(b)); return err }
func webErr(b []byte) error      { _, err := DecodeWebHistory(bytes.NewReader(b)); return err }
