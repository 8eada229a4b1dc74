package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// The device's policy. When a check-in answer names another policy
// version than the one applied last (or a refresh push names the policy),
// the agent fetches it with a conditional GET, applies what a Linux host
// can, and reports a status for every setting:
//
//   - Wi-Fi networks become NetworkManager keyfiles in Options.WiFiDir,
//     and CA certificates PEM files in Options.CADir, each only when the
//     folder is given; otherwise they are not applicable, and the report
//     says why. Files of networks and certificates the policy no longer
//     carries are removed — only files the agent wrote, which it lists in
//     its state (and not one that someone changed since).
//   - The check-in interval replaces the server's.
//   - Everything else (app rules, kiosk, Android screen-lock rules,
//     camera, USB and screenshot restrictions, location and web history
//     tracking) is not applicable on a Linux host: reported so, with the
//     reason. A restriction or tracking switch the policy sets to off
//     is applied: there is nothing to turn off.
//
// A disabled agent applies no policy.

// policyFilePrefix starts the name of every file the agent writes for the
// policy, so that its files stand out in shared folders.
const policyFilePrefix = "steward-"

// policyState is what the agent keeps of the policy in its state.
type policyState struct {
	Version string `json:"version,omitempty"` // the version applied last
	ETag    string `json:"etag,omitempty"`    // as the server sent it, for If-None-Match
	// IntervalSeconds is the check-in interval the policy sets (0: the
	// server's).
	IntervalSeconds int `json:"checkin_interval_seconds,omitempty"`
	// Report is the report on Version not yet accepted by the server.
	Report *protocol.PolicyReport `json:"report,omitempty"`
	// Files are the files the agent wrote (its manifest).
	Files []managedFile `json:"files,omitempty"`
}

func (p policyState) clone() policyState {
	p.Files = append([]managedFile(nil), p.Files...)
	return p
}

// managedFile is a file the agent wrote for the policy.
type managedFile struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"` // of what the agent wrote
	Kind   string `json:"kind"`   // fileWiFi or fileCA: which update command a change calls for
}

// Kinds of managed files.
const (
	fileWiFi = "wifi"
	fileCA   = "ca"
)

// requestPolicy asks the policy loop to fetch and apply the policy now.
func (a *Agent) requestPolicy() {
	select {
	case a.policySig <- struct{}{}:
	default:
	}
}

// wantPolicy reports whether a check-in answer calls for a policy
// fetch: another version than the one applied, or a report the server
// does not have yet.
func wantPolicy(s *state, resp *protocol.CheckInResponse) bool {
	return !s.Disabled && (resp.PolicyVersion != s.Policy.Version || s.Policy.Report != nil)
}

// policyLoop applies the policy each time it is asked to, until ctx ends.
func (a *Agent) policyLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-a.policySig:
		}
		if err := a.SyncPolicy(ctx); err != nil && ctx.Err() == nil && !errors.Is(err, ErrRevoked) {
			a.log.Warn("cannot apply the policy; trying again at the next check-in", "err", err)
		}
	}
}

// errNoPolicy is the server's answer when no policy targets the device.
var errNoPolicy = errors.New("no policy targets the device")

// SyncPolicy fetches the device's policy if it changed since the agent
// applied it (If-None-Match with the ETag kept), applies it, keeps the
// report in the state folder and sends it. A policy that did not change
// only sends a report the server does not have yet. When no policy
// targets the device any more, the files the agent wrote are removed.
// Run calls it when a check-in or a push asks; it returns ErrNotEnrolled,
// ErrRevoked, and the fetch's or the report's error (the report stays for
// the next try).
func (a *Agent) SyncPolicy(ctx context.Context) error {
	a.policyMu.Lock()
	defer a.policyMu.Unlock()
	st, err := a.snapshot()
	if err != nil {
		return err
	}
	if st.Revoked {
		return ErrRevoked
	}
	if st.Disabled || st.Wipe != "" {
		a.log.Debug("the agent is disabled or wiping: the policy is not applied")
		return nil
	}
	p, etag, err := a.fetchPolicy(ctx, st)
	switch {
	case errors.Is(err, errNotModified):
		return a.flushPolicyReport(ctx)
	case errors.Is(err, errNoPolicy):
		p, etag = &protocol.Policy{}, ""
	case err != nil:
		return err
	}
	res := a.applyPolicy(ctx, p, st.Policy.Files)
	next := policyState{Version: p.Version, ETag: etag, IntervalSeconds: res.interval, Files: res.files}
	if p.Version != "" {
		next.Report = &protocol.PolicyReport{Protocol: protocol.Version, Version: p.Version, AppliedAt: a.now().UTC(), Settings: res.settings}
	}
	if err := a.update(func(s *state) error { s.Policy = next; return nil }); err != nil {
		return fmt.Errorf("keep the applied policy: %w", err)
	}
	counts := map[string]int{}
	for _, s := range res.settings {
		counts[s.Status]++
	}
	a.log.Info("policy applied", "version", p.Version, "applied", counts[protocol.SettingApplied], "failed", counts[protocol.SettingFailed],
		"not_applicable", counts[protocol.SettingNotApplicable], "files", len(res.files))
	return a.flushPolicyReport(ctx)
}

// errNotModified is the server's 304: the policy applied is current.
var errNotModified = errors.New("the policy is unchanged")

// fetchPolicy gets the policy: errNotModified when the one applied is
// current, errNoPolicy when none targets the device.
func (a *Agent) fetchPolicy(ctx context.Context, st *state) (*protocol.Policy, string, error) {
	ctx, cancel := context.WithTimeout(ctx, requestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpointURL(st.Server, protocol.PathPolicy), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "steward-agent/"+Version)
	req.Header.Set("Authorization", "Bearer "+st.Credential)
	if st.Policy.ETag != "" && st.Policy.Version != "" {
		req.Header.Set("If-None-Match", st.Policy.ETag)
	}
	resp, err := a.http.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch the policy: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, "", fmt.Errorf("fetch the policy: %w", err)
	}
	switch {
	case resp.StatusCode == http.StatusNotModified:
		return nil, "", errNotModified
	case resp.StatusCode == http.StatusNotFound:
		return nil, "", errNoPolicy
	case resp.StatusCode != http.StatusOK:
		se := &ServerError{StatusCode: resp.StatusCode}
		var pe protocol.Error
		if json.Unmarshal(b, &pe) == nil {
			se.Code, se.Message = pe.Error.Code, pe.Error.Message
		}
		if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
			se.RetryAfter = min(time.Duration(secs)*time.Second, time.Hour)
		}
		if resp.StatusCode == http.StatusUnauthorized {
			a.unauthorized(st.Credential)
		}
		return nil, "", fmt.Errorf("fetch the policy: %w", se)
	}
	var p protocol.Policy
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, "", fmt.Errorf("fetch the policy: decode: %w", err)
	}
	return &p, resp.Header.Get("ETag"), nil
}

// flushPolicyReport sends the report the server does not have yet. A
// report the server refuses outright (400, 413) is dropped, as a result
// is; one that fails for a reason that may pass stays for the next try.
func (a *Agent) flushPolicyReport(ctx context.Context) error {
	st, err := a.snapshot()
	if err != nil || st.Policy.Report == nil {
		return err
	}
	rep := st.Policy.Report
	err = a.call(ctx, http.MethodPost, endpointURL(st.Server, protocol.PathPolicyReport), st.Credential, rep, nil)
	code := statusOf(err)
	switch {
	case err == nil:
		a.log.Info("policy report sent", "version", rep.Version)
	case code == http.StatusUnauthorized:
		return fmt.Errorf("report the policy: %w", ErrRevoked)
	case code >= 400 && code <= 499 && code != http.StatusRequestTimeout && code != http.StatusTooManyRequests:
		a.log.Warn("the server refused the policy report; dropping it", "version", rep.Version, "err", err)
	default:
		return fmt.Errorf("report the policy: %w", err)
	}
	return a.update(func(s *state) error {
		if r := s.Policy.Report; r != nil && r.Version == rep.Version && r.AppliedAt.Equal(rep.AppliedAt) {
			s.Policy.Report = nil
		}
		return nil
	})
}

// applied is what applying a policy came to.
type applied struct {
	settings []protocol.SettingStatus // in p.SettingKeys order
	files    []managedFile            // the manifest after
	interval int                      // the check-in interval set, 0 for none
}

// Details of the settings a Linux host cannot carry out.
const (
	detailApps       = "This Linux agent does not install, remove or block software: the host's package manager does."
	detailKiosk      = "A Linux host has no kiosk (lock-task) mode this agent could drive."
	detailPassword   = "Screen-lock and password rules are Android's: this agent does not manage the host's logins."
	detailCamera     = "This agent cannot turn off a Linux host's camera."
	detailUSB        = "This agent cannot turn off a Linux host's USB."
	detailScreenshot = "A Linux host has no screenshot policy this agent could enforce."
	detailLocation   = "This device has no location source: it sends no location."
	detailWebHistory = "This agent reads no browser: it sends no web history."
	detailNoWiFiDir  = "This agent writes no Wi-Fi profiles here: no NetworkManager folder is configured (--apply-wifi-dir)."
	detailNoCADir    = "This agent does not manage the trust store here: no certificate folder is configured (--apply-ca-dir)."
)

// applyPolicy applies p and says what became of each setting. had is the
// manifest of the files written before.
func (a *Agent) applyPolicy(ctx context.Context, p *protocol.Policy, had []managedFile) applied {
	status := statuses{}
	set := status.set
	want := a.policyFiles(p, status)
	res := applied{files: a.syncFiles(ctx, want, had, status)}

	for _, r := range p.Apps {
		set(protocol.KeyAppPrefix+r.Package, protocol.SettingNotApplicable, detailApps)
	}
	if p.Kiosk != nil {
		set(protocol.KeyKiosk, protocol.SettingNotApplicable, detailKiosk)
	}
	if p.Password != nil {
		set(protocol.KeyPassword, protocol.SettingNotApplicable, detailPassword)
	}
	onOff := func(key string, v *bool, detail string) {
		switch {
		case v == nil:
		case *v:
			set(key, protocol.SettingNotApplicable, detail)
		default:
			set(key, protocol.SettingApplied, "")
		}
	}
	if r := p.Restrictions; r != nil {
		onOff(protocol.KeyDisableCamera, r.DisableCamera, detailCamera)
		onOff(protocol.KeyDisableUSB, r.DisableUSB, detailUSB)
		onOff(protocol.KeyDisableScreenshot, r.DisableScreenshot, detailScreenshot)
	}
	if t := p.Tracking; t != nil {
		onOff(protocol.KeyTrackingLocation, t.Location, detailLocation)
		onOff(protocol.KeyTrackingWebHistory, t.WebHistory, detailWebHistory)
	}
	if iv := p.CheckInIntervalSeconds; iv != nil {
		d := time.Duration(*iv) * time.Second
		if d < minInterval || d > maxInterval {
			set(protocol.KeyCheckInInterval, protocol.SettingFailed, fmt.Sprintf(
				"%d seconds is outside what this agent accepts (%d to %d).", *iv, int(minInterval/time.Second), int(maxInterval/time.Second)))
		} else {
			set(protocol.KeyCheckInInterval, protocol.SettingApplied, "")
			res.interval = *iv
		}
	}
	for _, key := range p.SettingKeys() {
		s, ok := status[key]
		if !ok { // a key given twice in the policy: reported once
			continue
		}
		res.settings = append(res.settings, s)
		delete(status, key)
	}
	return res
}
