package protocol

import (
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"
)

// Location and web history (protocol v1). The check-in answer says what
// the account enables (CheckInResponse.Privacy); the device then records
// its user's decision at PathConsent and sends batches to PathLocation and
// PathWebHistory. The server refuses location unless the device is
// company-owned, the account enables it and the user's latest decision
// grants it; web history unless the device is company-owned and the
// account enables it (and the user has not withdrawn it). A refusal is
// 403 with the code "forbidden", and nothing of the batch is stored.
const (
	PathConsent    = "/device/v1/consent"
	PathLocation   = "/device/v1/location"
	PathWebHistory = "/device/v1/web-history"
)

// Limits of the privacy messages.
const (
	MaxConsentBody    = 4 << 10   // 4 KiB
	MaxLocationBody   = 64 << 10  // 64 KiB
	MaxWebHistoryBody = 512 << 10 // 512 KiB
	MaxLocationPoints = 500       // points in one batch; the server keeps 50 per device
	MaxWebVisits      = 200       // visits in one batch
	MaxURL            = 2048      // bytes of a visited URL
	MaxAccuracy       = 100000.0  // metres
)

// Consent purposes.
const (
	PurposeLocation   = "location"
	PurposeWebHistory = "web_history"
)

// Privacy is what the account of a device enables, sent with every
// check-in answer. LocationEnabled is false for a personal device whatever
// the account says. LocationConsentRequired is true while location is
// enabled and the user's latest decision is not a grant: ask the user (a
// user who declined may be asked again later, never nagged) and send the
// decision to PathConsent.
type Privacy struct {
	LocationEnabled         bool `json:"location_enabled"`
	LocationConsentRequired bool `json:"location_consent_required"`
	WebHistoryEnabled       bool `json:"web_history_enabled"`
}

// ConsentRequest is the device user's decision about a purpose: granted or
// not, when (the device's clock) and the version of the notice the user
// was shown. The latest decision counts; withdrawing location deletes the
// device's points at once.
type ConsentRequest struct {
	Protocol      int       `json:"protocol"`
	Purpose       string    `json:"purpose"` // location or web_history
	Granted       bool      `json:"granted"`
	DecidedAt     time.Time `json:"decided_at"`
	NoticeVersion string    `json:"notice_version"`
}

// LocationRequest is a batch of positions, in any order.
type LocationRequest struct {
	Protocol int             `json:"protocol"`
	Points   []LocationPoint `json:"points"`
}

// LocationPoint is one position: WGS 84 degrees, the accuracy radius in
// metres if known, and when the device recorded it. A time in the future
// is taken as the time the server received it; a point 60 days old or
// older is dropped.
type LocationPoint struct {
	Latitude   float64   `json:"latitude"`
	Longitude  float64   `json:"longitude"`
	AccuracyM  *float64  `json:"accuracy_m,omitempty"`
	RecordedAt time.Time `json:"recorded_at"`
}

// WebHistoryRequest is a batch of visited pages.
type WebHistoryRequest struct {
	Protocol int        `json:"protocol"`
	Visits   []WebVisit `json:"visits"`
}

// WebVisit is one visited page. A visit 15 days old or older is dropped.
type WebVisit struct {
	URL       string    `json:"url"`
	Title     string    `json:"title,omitempty"`
	VisitedAt time.Time `json:"visited_at"`
}

// IngestResponse says what became of a batch: how many entries the server
// stored and how many it dropped as too old.
type IngestResponse struct {
	Accepted int `json:"accepted"`
	Dropped  int `json:"dropped"`
}

var (
	consentShape    = shapeOf(reflect.TypeFor[ConsentRequest]())
	locationShape   = shapeOf(reflect.TypeFor[LocationRequest]())
	webHistoryShape = shapeOf(reflect.TypeFor[WebHistoryRequest]())
)

// DecodeConsent reads and validates a consent decision from an untrusted
// body, as DecodeEnroll does, with the limit MaxConsentBody.
func DecodeConsent(r io.Reader) (*ConsentRequest, error) { return decodeConsent(r, MaxConsentBody) }

func decodeConsent(r io.Reader, max int64) (*ConsentRequest, error) {
	var req ConsentRequest
	if err := decode(r, max, "consent decision", consentShape, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeLocation reads and validates a batch of points from an untrusted
// body, as DecodeEnroll does, with the limit MaxLocationBody.
func DecodeLocation(r io.Reader) (*LocationRequest, error) { return decodeLocation(r, MaxLocationBody) }

func decodeLocation(r io.Reader, max int64) (*LocationRequest, error) {
	var req LocationRequest
	if err := decode(r, max, "location batch", locationShape, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// DecodeWebHistory reads and validates a batch of visits from an untrusted
// body, as DecodeEnroll does, with the limit MaxWebHistoryBody.
func DecodeWebHistory(r io.Reader) (*WebHistoryRequest, error) {
	return decodeWebHistory(r, MaxWebHistoryBody)
}

func decodeWebHistory(r io.Reader, max int64) (*WebHistoryRequest, error) {
	var req WebHistoryRequest
	if err := decode(r, max, "web history batch", webHistoryShape, &req); err != nil {
		return nil, err
	}
	if err := req.Validate(); err != nil {
		return nil, err
	}
	return &req, nil
}

// Validate checks a consent decision: protocol 1, a known purpose, a
// decision time, and a notice version of 1 to MaxText bytes. The error is
// an *InputError naming the field.
func (r *ConsentRequest) Validate() error {
	ie := firstOf(
		checkProtocol(r.Protocol),
		oneOf("purpose", r.Purpose, PurposeLocation, PurposeWebHistory),
		required("notice_version", r.NoticeVersion, MaxText),
	)
	if ie == nil && r.DecidedAt.IsZero() {
		ie = &InputError{Field: "decided_at", Message: "decided_at is required: when the user decided, on the device's clock."}
	}
	if ie != nil {
		return ie
	}
	return nil
}

// Validate checks a batch of points: protocol 1, 1 to MaxLocationPoints
// points, each with a latitude from -90 to 90, a longitude from -180 to
// 180, an accuracy from 0 to MaxAccuracy metres if given, and a recorded
// time. The error is an *InputError naming the field.
func (r *LocationRequest) Validate() error {
	if ie := r.validate(); ie != nil {
		return ie
	}
	return nil
}

func (r *LocationRequest) validate() *InputError {
	if ie := checkProtocol(r.Protocol); ie != nil {
		return ie
	}
	if ie := batchSize("points", len(r.Points), MaxLocationPoints); ie != nil {
		return ie
	}
	for i, p := range r.Points {
		at := func(sub string) string { return fmt.Sprintf("points[%d].%s", i, sub) }
		switch {
		case p.Latitude < -90 || p.Latitude > 90:
			return &InputError{Field: at("latitude"), Message: fmt.Sprintf("%s must be from -90 to 90 degrees, not %v.", at("latitude"), p.Latitude)}
		case p.Longitude < -180 || p.Longitude > 180:
			return &InputError{Field: at("longitude"), Message: fmt.Sprintf("%s must be from -180 to 180 degrees, not %v.", at("longitude"), p.Longitude)}
		case p.AccuracyM != nil && (*p.AccuracyM < 0 || *p.AccuracyM > MaxAccuracy):
			return &InputError{Field: at("accuracy_m"), Message: fmt.Sprintf("%s must be from 0 to %v metres, not %v.", at("accuracy_m"), MaxAccuracy, *p.AccuracyM)}
		case p.RecordedAt.IsZero():
			return &InputError{Field: at("recorded_at"), Message: at("recorded_at") + " is required."}
		}
	}
	return nil
}

// Validate checks a batch of visits: protocol 1, 1 to MaxWebVisits visits,
// each with a URL of 1 to MaxURL bytes without spaces or control
// characters, a title of at most MaxText bytes, and a visit time. The
// error is an *InputError naming the field.
func (r *WebHistoryRequest) Validate() error {
	if ie := r.validate(); ie != nil {
		return ie
	}
	return nil
}

func (r *WebHistoryRequest) validate() *InputError {
	if ie := checkProtocol(r.Protocol); ie != nil {
		return ie
	}
	if ie := batchSize("visits", len(r.Visits), MaxWebVisits); ie != nil {
		return ie
	}
	for i, v := range r.Visits {
		at := func(sub string) string { return fmt.Sprintf("visits[%d].%s", i, sub) }
		if ie := required(at("url"), v.URL, MaxURL); ie != nil {
			return ie
		}
		if strings.ContainsAny(v.URL, " \t") {
			return &InputError{Field: at("url"), Message: at("url") + " must not contain white space; send it percent-encoded."}
		}
		if ie := text(at("title"), v.Title, MaxText); ie != nil {
			return ie
		}
		if v.VisitedAt.IsZero() {
			return &InputError{Field: at("visited_at"), Message: at("visited_at") + " is required."}
		}
	}
	return nil
}

func batchSize(field string, n, max int) *InputError {
	switch {
	case n == 0:
		return &InputError{Field: field, Message: field + " is empty; send at least one."}
	case n > max:
		return &InputError{Field: field, Message: fmt.Sprintf("%s has %d entries; at most %d are allowed.", field, n, max)}
	}
	return nil
}
