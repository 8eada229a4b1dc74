package service

import (
	"context"
	"fmt"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// Compliance (SPEC §2.5). A device reports what it made of the policy
// version it applied; Steward keeps its latest report and judges the
// device against the version it should hold now (judge):
//
//   - compliant: the report is for that version and every setting is
//     applied or not applicable;
//   - non_compliant: the report is for that version and a setting failed;
//   - pending: no report for that version yet (none at all, or one for
//     another version: stale), or a setting of it is still pending;
//   - unknown: no policy targets the device.
//
// A report for another version than the current one is accepted and
// kept, marked stale, except that it never replaces a report for the
// current version: that one says more about the device's state.

// currentPolicyVersions is where compliance learns, for each device, the
// version of the policy it should hold now: the version the check-in
// answer carries (protocol.CheckInResponse.PolicyVersion), "" or absent
// when no policy targets the device. It asks s.policyVersions, which New
// sets to storedPolicyVersions (the effective version kept on each device
// row, see policyeffective.go). Tests may leave it nil: known
// is then false, each device's latest report counts as the version it
// should hold, so a device is judged by its report alone, and one that
// never reported is unknown.
func (s *Service) currentPolicyVersions(ctx context.Context, deviceIDs []string) (versions map[string]string, known bool, err error) {
	if s.policyVersions == nil {
		return nil, false, nil
	}
	versions, err = s.policyVersions(ctx, deviceIDs)
	if err != nil {
		return nil, false, fmt.Errorf("current policy versions: %w", err)
	}
	return versions, true, nil
}

// policyVersionsFunc returns the policy version each of the devices should
// hold now ("" or absent: no policy targets it), for the devices asked
// (at most every device of a subtree at once).
type policyVersionsFunc func(ctx context.Context, deviceIDs []string) (map[string]string, error)

// judge is the compliance rule (see above): the state of a device whose
// latest report is rep (nil: none) and which should hold current (known
// says whether current is known at all), with the reason in words and
// whether the report is stale.
func judge(rep *steward.ComplianceReport, current string, known bool) (state steward.ComplianceState, reason string, stale bool) {
	if !known && rep != nil {
		current = rep.Version
	}
	stale = rep != nil && rep.Version != current
	switch {
	case current == "" && rep == nil:
		return steward.ComplianceUnknown, "No policy targets the device, and it has sent no report.", false
	case current == "":
		return steward.ComplianceUnknown, fmt.Sprintf("No policy targets the device now; its last report was on version %s.", rep.Version), stale
	case rep == nil:
		return steward.CompliancePending, fmt.Sprintf("The device has not reported on policy version %s yet.", current), false
	case stale:
		return steward.CompliancePending, fmt.Sprintf("The device has not reported on policy version %s yet; its last report was on version %s.",
			current, rep.Version), true
	}
	switch rep.State {
	case steward.ComplianceNonCompliant:
		return rep.State, fmt.Sprintf("%d of %d settings of policy version %s failed.", rep.Failed, len(rep.Settings), current), false
	case steward.CompliancePending:
		return rep.State, fmt.Sprintf("The device is still applying settings of policy version %s.", current), false
	}
	return steward.ComplianceCompliant, fmt.Sprintf("Every setting of policy version %s is applied or not applicable.", current), false
}

// failing returns the failed settings of a report.
func failing(rep *steward.ComplianceReport) []steward.ComplianceSetting {
	var out []steward.ComplianceSetting
	for _, st := range rep.Settings {
		if st.Status == steward.SettingFailed {
			out = append(out, st)
		}
	}
	return out
}

// ReportPolicy keeps the calling device's report on the policy version it
// applied (see above for a stale report), and notes in the device's
// history when its compliance changes. The report was validated by
// protocol.DecodePolicyReport. ENOTFOUND (the device is gone).
func (s *Service) ReportPolicy(ctx context.Context, dev *Device, req *protocol.PolicyReport) error {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	settings := make([]steward.ComplianceSetting, len(req.Settings))
	for i, st := range req.Settings {
		settings[i] = steward.ComplianceSetting{Key: st.Key, Status: st.Status, Detail: st.Detail}
	}
	state, failed := steward.JudgeSettings(settings)
	rep := &steward.ComplianceReport{DeviceID: dev.ID, Version: req.Version, AppliedAt: req.AppliedAt.UTC().Truncate(time.Millisecond),
		ReceivedAt: s.now(), State: state, Failed: failed, Settings: settings}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockDeviceData(ctx, dev.ID); err != nil {
			return err
		}
		prev, err := s.store.ComplianceReport(ctx, dev.ID)
		if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return err
		}
		versions, known, err := s.currentPolicyVersions(ctx, []string{dev.ID})
		if err != nil {
			return err
		}
		current := versions[dev.ID]
		if known && prev != nil && prev.Version == current && rep.Version != current {
			return nil // stale: the report for the current version stays
		}
		if err := s.store.PutComplianceReport(ctx, rep); err != nil {
			return err
		}
		before, _, _ := judge(prev, current, known)
		after, _, stale := judge(rep, current, known)
		if prev != nil && before == after && prev.Failed == rep.Failed {
			return nil // nothing worth a line in the history
		}
		ev := map[string]any{"state": after, "version": rep.Version}
		if stale {
			ev["stale"] = true
		}
		if keys := settingKeys(failing(rep)); len(keys) > 0 {
			ev["failed"] = keys
		}
		return s.deviceEvent(ctx, dev.ID, "compliance", ev)
	})
}

func settingKeys(ss []steward.ComplianceSetting) []string {
	out := make([]string, len(ss))
	for i, st := range ss {
		out[i] = st.Key
	}
	return out
}

// DeviceCompliance returns a device's compliance with its latest report
// (nil when it sent none). Every role that reaches the device may read it.
// ENOTFOUND.
func (s *Service) DeviceCompliance(ctx context.Context, id string) (*steward.DeviceCompliance, error) {
	d, err := s.reachDevice(ctx, id)
	if err != nil {
		return nil, err
	}
	rep, err := s.store.ComplianceReport(ctx, d.ID)
	if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
		return nil, err
	}
	versions, known, err := s.currentPolicyVersions(ctx, []string{d.ID})
	if err != nil {
		return nil, err
	}
	dc := &steward.DeviceCompliance{DeviceID: d.ID, AccountID: d.AccountID, Name: d.Name, SupportID: d.SupportID, Report: rep}
	dc.State, dc.Reason, dc.Stale = judge(rep, versions[d.ID], known)
	dc.CurrentVersion = versions[d.ID]
	if !known && rep != nil {
		dc.CurrentVersion = rep.Version
	}
	if rep != nil && !dc.Stale {
		dc.Failing = failing(rep)
	}
	return dc, nil
}

// Compliance counts the devices of an account's subtree (the actor's by
// default) in each state and lists one page of those in f.State
// (non_compliant by default) in device ID order, each with the settings
// that failed. Every role may read it. EINVALID (state), ENOTFOUND.
func (s *Service) Compliance(ctx context.Context, f steward.ComplianceFilter) (*steward.ComplianceSummary, error) {
	_, acc, err := s.reachAccount(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	if f.State == "" {
		f.State = steward.ComplianceNonCompliant
	}
	if !f.State.Valid() {
		return nil, steward.FieldErrorf("state", "state is one of compliant, non_compliant, pending or unknown, not %q.", f.State)
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	entries, err := s.store.ComplianceEntries(ctx, acc.Path)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(entries))
	for i, e := range entries {
		ids[i] = e.DeviceID
	}
	versions, known, err := s.currentPolicyVersions(ctx, ids)
	if err != nil {
		return nil, err
	}
	sum := &steward.ComplianceSummary{AccountID: acc.ID, Counts: map[steward.ComplianceState]int{}, Total: len(entries),
		State: f.State, Items: []*steward.DeviceCompliance{}}
	for _, st := range steward.ComplianceStates {
		sum.Counts[st] = 0
	}
	var page []*steward.DeviceCompliance
	for _, e := range entries {
		var rep *steward.ComplianceReport
		if e.State != "" { // the entry carries what judge reads; the settings come for the page only
			rep = &steward.ComplianceReport{DeviceID: e.DeviceID, Version: e.Version, State: e.State, Failed: e.Failed}
		}
		state, reason, stale := judge(rep, versions[e.DeviceID], known)
		sum.Counts[state]++
		if state != f.State || e.DeviceID <= f.After {
			continue
		}
		if len(page) == f.Limit {
			sum.Next = page[len(page)-1].DeviceID
			continue
		}
		current := versions[e.DeviceID]
		if !known {
			current = e.Version
		}
		page = append(page, &steward.DeviceCompliance{DeviceID: e.DeviceID, AccountID: e.AccountID, Name: e.Name,
			SupportID: e.SupportID, State: state, CurrentVersion: current, Reason: reason, Stale: stale})
	}
	if err := s.fillFailing(ctx, page); err != nil {
		return nil, err
	}
	sum.Items = append(sum.Items, page...)
	return sum, nil
}

// fillFailing adds the failed settings (and the reason with their count)
// to the non-compliant devices of a page.
func (s *Service) fillFailing(ctx context.Context, page []*steward.DeviceCompliance) error {
	var ids []string
	for _, dc := range page {
		if dc.State == steward.ComplianceNonCompliant {
			ids = append(ids, dc.DeviceID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	reps, err := s.store.ComplianceReports(ctx, ids)
	if err != nil {
		return err
	}
	for _, dc := range page {
		if rep, ok := reps[dc.DeviceID]; ok && dc.State == steward.ComplianceNonCompliant {
			dc.Failing = failing(rep)
			_, dc.Reason, _ = judge(rep, dc.CurrentVersion, true)
		}
	}
	return nil
}

// ComplianceCounts counts the devices of the actor's subtree in each
// state, for the dashboard.
func (s *Service) ComplianceCounts(ctx context.Context) (map[steward.ComplianceState]int, error) {
	sum, err := s.Compliance(ctx, steward.ComplianceFilter{Limit: 1})
	if err != nil {
		return nil, err
	}
	return sum.Counts, nil
}
