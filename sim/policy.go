package sim

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// The policy. A virtual device fetches its policy as an agent does: when
// a check-in answer names another version than the one it applied (or a
// report of it is still unsent), and when a refresh push names the policy,
// with If-None-Match carrying the ETag it holds. It is an Android device:
// it applies every setting, except that a setting of a kind fails with
// the probability Options.PolicyFailureRates gives that kind (none by
// default), with a reason a real device might give. Then it reports, and
// keeps a report the server did not take for the next check-in.

// PolicyKinds are the kinds of setting a failure rate can be given for.
var PolicyKinds = []string{"wifi", "ca_cert", "app", "kiosk", "password", "restrictions", "tracking", "checkin_interval"}

// SettingKind is the kind of a setting key: "wifi/Office" is wifi,
// "restrictions.disable_camera" restrictions, "checkin_interval_seconds"
// checkin_interval.
func SettingKind(key string) string {
	if i := strings.IndexAny(key, "/."); i >= 0 {
		return key[:i]
	}
	if key == protocol.KeyCheckInInterval {
		return "checkin_interval"
	}
	return key
}

// failureDetails are what a virtual device says when a setting fails.
var failureDetails = map[string]string{
	"wifi":             "Could not connect: the network rejected the credentials.",
	"ca_cert":          "The device's certificate store refused the certificate.",
	"app":              "The app could not be installed: not enough storage.",
	"kiosk":            "Lock-task mode needs the device-owner role, which this device's agent lacks.",
	"password":         "The user has not yet set a screen lock that meets the rules.",
	"restrictions":     "This Android version does not support the restriction.",
	"tracking":         "The user has not granted the permission this needs.",
	"checkin_interval": "The interval is outside what the agent accepts.",
}

// checkPolicyRates refuses an unknown kind or a rate outside 0–1.
func checkPolicyRates(rates map[string]float64) error {
	for kind, r := range rates {
		if !slices.Contains(PolicyKinds, kind) {
			return fmt.Errorf("sim: unknown policy setting kind %q (known: %s)", kind, strings.Join(PolicyKinds, ", "))
		}
		if r < 0 || r > 1 {
			return fmt.Errorf("sim: the failure rate of %s must be within 0–1, not %v", kind, r)
		}
	}
	return nil
}

// policyState is what a device holds of its policy, guarded by device.mu.
type policyState struct {
	version string                 // applied last
	etag    string                 // as the server sent it
	report  *protocol.PolicyReport // not yet accepted
}

// wantsPolicy reports whether a check-in answer naming version calls for
// a policy fetch. d.mu is held.
func (d *device) wantsPolicy(version string) bool {
	return d.agentOn && (version != d.pol.version || d.pol.report != nil)
}

// syncPolicy fetches the policy (conditionally), applies and reports it.
// Failures are left for the next check-in, which asks again.
func (d *device) syncPolicy(ctx context.Context) {
	d.policyMu.Lock()
	defer d.policyMu.Unlock()
	cred := d.credential()
	d.mu.Lock()
	etag, applied, on := d.pol.etag, d.pol.version, d.agentOn
	d.mu.Unlock()
	if cred == "" || !on {
		return
	}
	p, newETag, err := d.fetchPolicy(ctx, cred, etag, applied)
	switch {
	case errors.Is(err, errNotModified):
		d.f.c.policyNotModified.Add(1)
	case errors.Is(err, errNoPolicy):
		d.mu.Lock()
		d.pol = policyState{}
		d.mu.Unlock()
		return
	case isStatus(err, http.StatusUnauthorized):
		d.stop("credential refused at policy")
		return
	case err != nil:
		d.f.log.Debug("policy fetch failed", "device", d.id, "err", err)
		return
	default:
		d.f.c.policyFetches.Add(1)
		rep := d.applyPolicy(p)
		d.mu.Lock()
		d.pol = policyState{version: p.Version, etag: newETag, report: rep}
		d.mu.Unlock()
	}
	d.sendPolicyReport(ctx, cred)
}

var (
	errNotModified = errors.New("policy unchanged")
	errNoPolicy    = errors.New("no policy")
)

// fetchPolicy gets the policy: errNotModified on a 304, errNoPolicy on a 404.
func (d *device) fetchPolicy(ctx context.Context, cred, etag, applied string) (*protocol.Policy, string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.f.url(protocol.PathPolicy, nil), nil)
	if err != nil {
		return nil, "", err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "steward-sim/"+AgentVersion)
	req.Header.Set("Authorization", "Bearer "+cred)
	if etag != "" && applied != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := d.f.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("policy: %w", err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		resp.Body.Close()
		return nil, "", errNotModified
	case http.StatusNotFound:
		resp.Body.Close()
		return nil, "", errNoPolicy
	default:
		return nil, "", statusError("policy", resp)
	}
	defer resp.Body.Close()
	var p protocol.Policy
	if err := json.NewDecoder(io.LimitReader(resp.Body, 8<<20)).Decode(&p); err != nil {
		return nil, "", fmt.Errorf("policy: decode: %w", err)
	}
	return &p, resp.Header.Get("ETag"), nil
}

// applyPolicy applies every setting of p, failing each with its kind's
// rate, and returns the report. A check-in interval applied replaces the
// server's (unless Options.CheckInEvery overrides both).
func (d *device) applyPolicy(p *protocol.Policy) *protocol.PolicyReport {
	rep := &protocol.PolicyReport{Protocol: protocol.Version, Version: p.Version, AppliedAt: d.f.clock.Now().UTC()}
	d.mu.Lock()
	defer d.mu.Unlock()
	seen := map[string]bool{}
	for _, key := range p.SettingKeys() {
		if seen[key] {
			continue
		}
		seen[key] = true
		kind := SettingKind(key)
		st := protocol.SettingStatus{Key: key, Status: protocol.SettingApplied}
		if rate := d.f.opts.PolicyFailureRates[kind]; rate > 0 && d.rng.Float64() < rate {
			st.Status, st.Detail = protocol.SettingFailed, failureDetails[kind]
		} else if kind == "checkin_interval" && d.f.opts.CheckInEvery == 0 && *p.CheckInIntervalSeconds > 0 {
			d.interval = time.Duration(*p.CheckInIntervalSeconds) * time.Second
		}
		rep.Settings = append(rep.Settings, st)
	}
	return rep
}

// sendPolicyReport sends the report the server does not have yet. One it
// refuses outright is dropped (and would show in the server's log); one
// that fails for a reason that may pass stays for the next check-in.
func (d *device) sendPolicyReport(ctx context.Context, cred string) {
	d.mu.Lock()
	rep := d.pol.report
	d.mu.Unlock()
	if rep == nil {
		return
	}
	err := d.f.retry(ctx, "policy report", func(ctx context.Context) error {
		return d.f.call(ctx, http.MethodPost, protocol.PathPolicyReport, cred, rep, nil)
	})
	switch {
	case err == nil:
		d.f.c.policyReports.Add(1)
	case isStatus(err, http.StatusUnauthorized):
		d.stop("credential refused at policy report")
		return
	case transient(err):
		d.f.log.Debug("policy report failed; trying again at the next check-in", "device", d.id, "err", err)
		return
	default:
		d.f.log.Warn("the server refused a policy report", "device", d.id, "err", err)
	}
	d.mu.Lock()
	if d.pol.report == rep {
		d.pol.report = nil
	}
	d.mu.Unlock()
}
