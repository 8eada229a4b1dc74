package steward

import (
	"context"
	"time"
)

// Compliance (SPEC §2.5): each device reports what it made of the policy
// version it applied, a status per setting; Steward keeps the latest
// report of each device and judges the device against the version it
// should hold now.

// ComplianceState is a device's compliance.
type ComplianceState string

// Compliance states.
const (
	// ComplianceCompliant: the device reported the version it should hold,
	// and every setting is applied or not applicable to it.
	ComplianceCompliant ComplianceState = "compliant"
	// ComplianceNonCompliant: a setting of that version failed.
	ComplianceNonCompliant ComplianceState = "non_compliant"
	// CompliancePending: no report for that version yet, or a setting is
	// still under way on the device.
	CompliancePending ComplianceState = "pending"
	// ComplianceUnknown: no policy targets the device and it reported none.
	ComplianceUnknown ComplianceState = "unknown"
)

// ComplianceStates are the states in the order the console shows them.
var ComplianceStates = []ComplianceState{ComplianceCompliant, ComplianceNonCompliant, CompliancePending, ComplianceUnknown}

// Valid reports whether s is known.
func (s ComplianceState) Valid() bool {
	switch s {
	case ComplianceCompliant, ComplianceNonCompliant, CompliancePending, ComplianceUnknown:
		return true
	}
	return false
}

// Setting statuses a device reports (as protocol.Setting*).
const (
	SettingApplied       = "applied"
	SettingFailed        = "failed"
	SettingNotApplicable = "not_applicable"
	SettingPending       = "pending"
)

// ComplianceSetting is one setting's status on a device: its key
// ("wifi/<ssid>", "ca_cert/<sha256>", "app/<package>", "kiosk", …), status
// and the device's explanation.
type ComplianceSetting struct {
	Key    string `json:"key"`
	Status string `json:"status"`
	Detail string `json:"detail,omitempty"`
}

// ComplianceReport is the latest policy report of a device. State judges
// the report on its own (compliant, non_compliant or pending); whether the
// device is compliant now also depends on the version it should hold (see
// DeviceCompliance).
type ComplianceReport struct {
	DeviceID   string              `json:"device_id"`
	Version    string              `json:"version"`
	AppliedAt  time.Time           `json:"applied_at"`  // the device's clock
	ReceivedAt time.Time           `json:"received_at"` // the server's clock
	State      ComplianceState     `json:"state"`
	Failed     int                 `json:"failed"` // settings that failed
	Settings   []ComplianceSetting `json:"settings"`
}

// JudgeSettings is the state of a report on its own: non_compliant when a
// setting failed, pending when none failed but one is pending, compliant
// when every setting is applied or not applicable (or there is none). It
// also returns how many failed.
func JudgeSettings(settings []ComplianceSetting) (ComplianceState, int) {
	failed, pending := 0, false
	for _, s := range settings {
		switch s.Status {
		case SettingFailed:
			failed++
		case SettingPending:
			pending = true
		}
	}
	switch {
	case failed > 0:
		return ComplianceNonCompliant, failed
	case pending:
		return CompliancePending, 0
	}
	return ComplianceCompliant, 0
}

// ComplianceEntry is a device of a subtree with what its latest report
// says, without the settings: what a count or a list needs.
type ComplianceEntry struct {
	DeviceID   string
	AccountID  string
	Name       string
	SupportID  string
	Version    string          // "" when the device never reported
	State      ComplianceState // of the report on its own; "" when none
	Failed     int
	ReceivedAt *time.Time
}

// ComplianceStore keeps the devices' latest policy reports. Judging them
// is the service's job.
type ComplianceStore interface {
	// PutComplianceReport inserts a device's report or replaces the one it
	// had. ENOTFOUND when the device does not exist.
	PutComplianceReport(ctx context.Context, r *ComplianceReport) error
	// ComplianceReport returns a device's latest report. ENOTFOUND.
	ComplianceReport(ctx context.Context, deviceID string) (*ComplianceReport, error)
	// ComplianceReports returns the reports of the devices that have one,
	// by device ID.
	ComplianceReports(ctx context.Context, deviceIDs []string) (map[string]*ComplianceReport, error)
	// ComplianceEntries lists every device of the accounts under prefix with
	// its report's version and state, in device ID order.
	ComplianceEntries(ctx context.Context, prefix string) ([]*ComplianceEntry, error)
}

// DeviceCompliance is a device's compliance as Steward judges it now.
type DeviceCompliance struct {
	DeviceID  string          `json:"device_id"`
	AccountID string          `json:"account_id"`
	Name      string          `json:"name"`
	SupportID string          `json:"support_id"`
	State     ComplianceState `json:"state"`
	// CurrentVersion is the policy version the device should hold ("" when
	// no policy targets it).
	CurrentVersion string `json:"current_version,omitempty"`
	// Reason says in words why the device is in its state.
	Reason string `json:"reason"`
	// Stale is set when the latest report is for another version than
	// CurrentVersion.
	Stale bool `json:"stale"`
	// Failing are the settings that failed, when the report counts.
	Failing []ComplianceSetting `json:"failing,omitempty"`
	// Report is the latest report (in a listing: nil).
	Report *ComplianceReport `json:"report,omitempty"`
}

// ComplianceSummary is the compliance of an account's subtree: how many
// devices are in each state, and one page of the devices in the state
// asked for, in device ID order.
type ComplianceSummary struct {
	AccountID string                  `json:"account_id"`
	Counts    map[ComplianceState]int `json:"counts"`
	Total     int                     `json:"total"`
	State     ComplianceState         `json:"state"` // the state Items are in
	Items     []*DeviceCompliance     `json:"items"`
	Next      string                  `json:"next,omitempty"` // the cursor of the next page, if any
}

// ComplianceFilter selects a page of ComplianceSummary.Items.
type ComplianceFilter struct {
	AccountID string          // subtree root (default: the actor's account)
	State     ComplianceState // default non_compliant
	After     string          // device ID cursor
	Limit     int             // default 50, at most 500
}
