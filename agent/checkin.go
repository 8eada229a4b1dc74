package agent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// fullAppsEvery is how often the agent sends its full app list even when a
// delta would do, so that the server's copy cannot drift for long.
const fullAppsEvery = 24 * time.Hour

// CheckIn reports the host's inventory and apps once and returns the
// server's answer, keeping what it says (interval, enabled state, clock)
// in the state folder. Run checks in on its schedule and carries out the
// commands in the answer; a caller of CheckIn alone gets them to handle
// itself.
//
// The app list is sent in full on the first check-in and daily, as a delta
// against the last accepted list otherwise. While the agent is disabled a
// check-in carries neither inventory nor apps. It returns ErrNotEnrolled,
// ErrRevoked, and a *ServerError when the server refuses.
func (a *Agent) CheckIn(ctx context.Context) (*protocol.CheckInResponse, error) {
	return a.checkIn(ctx, false)
}

// checkIn checks in, with the full app list when full is set.
func (a *Agent) checkIn(ctx context.Context, full bool) (*protocol.CheckInResponse, error) {
	a.checkInMu.Lock()
	defer a.checkInMu.Unlock()
	st, err := a.snapshot()
	if err != nil {
		return nil, err
	}
	if st.Revoked {
		return nil, ErrRevoked
	}
	req := protocol.CheckInRequest{Protocol: protocol.Version}
	var apps []protocol.App
	if !st.Disabled {
		inv := a.inventory()
		omitRefused(&inv, st.Refused)
		req.Inventory = &inv
		apps, req.Apps, full = a.appReport(st, full)
	}
	a.guard(&req)
	var resp protocol.CheckInResponse
	u := endpointURL(st.Server, orDefault(st.Endpoints.CheckIn, protocol.PathCheckIn))
	if err := a.call(ctx, http.MethodPost, u, st.Credential, req, &resp); err != nil {
		if statusOf(err) == http.StatusUnauthorized {
			return nil, fmt.Errorf("check in: %w", ErrRevoked)
		}
		return nil, fmt.Errorf("check in: %w", err)
	}
	now := a.now()
	var became string // "enabled" or "disabled" when the server changed the agent's state
	var policy bool   // the answer calls for a policy fetch
	err = a.update(func(s *state) error {
		if resp.CheckInIntervalSeconds > 0 {
			s.IntervalSeconds = resp.CheckInIntervalSeconds
		}
		s.LastCheckIn = now.UTC()
		if !resp.ServerTime.IsZero() {
			s.ClockOffset = resp.ServerTime.Sub(now)
		}
		switch {
		case resp.AgentEnabled && s.Disabled:
			became = "enabled"
			s.Disabled, s.DisabledReason = false, ""
			s.AppsReported = false // resume with a full list
		case !resp.AgentEnabled && (!s.Disabled || s.DisabledReason != resp.DisabledReason):
			became = "disabled"
			s.Disabled, s.DisabledReason = true, resp.DisabledReason
		}
		for _, f := range resp.Refused {
			if !slices.Contains(s.Refused, f) {
				a.log.Warn("the server refused data under the ownership rules; it will not be sent again", "field", f)
				s.Refused = append(s.Refused, f)
			}
		}
		if req.Apps != nil {
			s.AppsReported, s.Apps = true, apps
			if full {
				s.AppsFullAt = now
			}
		}
		policy = wantPolicy(s, &resp)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check in: keep the answer: %w", err)
	}
	if policy {
		a.requestPolicy()
	}
	switch became {
	case "disabled":
		a.showDisabled(resp.DisabledReason)
	case "enabled":
		a.log.Info("the server enabled the agent again")
		a.requestCheckIn() // with the full app list
	}
	if p := resp.Privacy; p != nil && (p.LocationEnabled || p.WebHistoryEnabled) {
		// This agent has no location source and reads no browser: it sends
		// no points and no visits, never made-up ones, and asks its user
		// nothing it would not use. See privacy.go.
		a.log.Debug("the account enables location or web history; this device has neither to send",
			"location", p.LocationEnabled, "web_history", p.WebHistoryEnabled)
	}
	a.log.Debug("checked in", "commands", len(resp.Commands), "apps", describeApps(req.Apps))
	return &resp, nil
}

// requestCheckIn asks the check-in loop to check in now.
func (a *Agent) requestCheckIn() {
	select {
	case a.checkInSig <- struct{}{}:
	default:
	}
}

// guard keeps a check-in the server would refuse from being sent: the agent
// cleans what it reads, so this catches only its own mistakes (or a host
// stranger than expected), dropping the part at fault.
func (a *Agent) guard(req *protocol.CheckInRequest) {
	if req.Apps != nil {
		if err := req.Apps.Validate(); err != nil {
			a.log.Warn("the app list breaks the protocol's rules; checking in without it", "err", err)
			req.Apps = nil
		} else if b, err := json.Marshal(req); err == nil && len(b) > protocol.MaxCheckInBody {
			a.log.Warn("the app list does not fit in a check-in; checking in without it", "bytes", len(b), "max", protocol.MaxCheckInBody)
			req.Apps = nil
		}
	}
	if err := req.Validate(); err != nil {
		a.log.Warn("the inventory breaks the protocol's rules; checking in without it", "err", err)
		req.Inventory = nil
	}
}

// appReport compares the installed packages with the last accepted list: the
// full list when asked, on the first check-in and daily, a delta
// afterwards, nil when nothing changed or the list cannot or may not be
// sent. It returns the current list to keep once the server accepts the
// report, and whether the report is a full list.
func (a *Agent) appReport(st *state, full bool) (cur []protocol.App, report *protocol.AppReport, isFull bool) {
	if st.Ownership == protocol.OwnershipPersonal || slices.Contains(st.Refused, protocol.RefusedPersonalApps) {
		a.personalLogged.Do(func() {
			a.log.Info("personal device: the package list is not reported (a personal device reports work-profile apps only, and Linux has no work profile)")
		})
		return nil, nil, false
	}
	cur, err := installedApps(a.root)
	if errors.Is(err, errNoPackageList) {
		a.log.Debug("no dpkg database: the app list is not reported")
		return nil, nil, false
	} else if err != nil {
		a.log.Warn("cannot read the package list", "err", err)
		return nil, nil, false
	}
	if len(cur) == 0 {
		return nil, nil, false // an empty list is no list: nothing to say
	}
	if len(cur) > protocol.MaxApps {
		a.log.Warn("more packages than the protocol allows: reporting the first ones by name", "packages", len(cur), "max", protocol.MaxApps)
		cur = cur[:protocol.MaxApps]
	}
	if full || !st.AppsReported || a.now().Sub(st.AppsFullAt) >= fullAppsEvery {
		return cur, &protocol.AppReport{Full: cur}, true
	}
	added, removed := diffApps(st.Apps, cur)
	if len(added) == 0 && len(removed) == 0 {
		return nil, nil, false
	}
	return cur, &protocol.AppReport{Added: added, Removed: removed}, false
}

func describeApps(r *protocol.AppReport) string {
	switch {
	case r == nil:
		return "none sent"
	case r.Full != nil:
		return fmt.Sprintf("full list of %d", len(r.Full))
	}
	return fmt.Sprintf("%d added, %d removed", len(r.Added), len(r.Removed))
}

// omitRefused clears the inventory fields the server refused before. The
// names are those of CheckInResponse.Refused: the SIM identifiers today
// (which this agent never sends), any inventory field tomorrow.
func omitRefused(inv *protocol.Inventory, refused []string) {
	for _, f := range refused {
		f, ok := strings.CutPrefix(f, "inventory.")
		if !ok {
			continue
		}
		switch f, _, _ = strings.Cut(f, "."); f {
		case "manufacturer":
			inv.Manufacturer = ""
		case "model":
			inv.Model = ""
		case "serial":
			inv.Serial = ""
		case "ip":
			inv.IP = ""
		case "sim":
			inv.SIM = nil
		case "os_version":
			inv.OSVersion = ""
		case "system_signature":
			inv.SystemSignature = ""
		case "battery":
			inv.Battery = nil
		case "uptime_seconds":
			inv.UptimeSeconds = nil
		}
	}
}

// reasonText says in the agent's words why the server disabled it.
func reasonText(reason string) string {
	switch reason {
	case protocol.ReasonCodeRevoked:
		return "the activation code this device enrolled with was revoked"
	case protocol.ReasonSubscriptionEnded:
		return "the organisation's subscription has ended"
	case protocol.ReasonAccountSuspended:
		return "the organisation's account is suspended"
	case protocol.ReasonAccountBlocked:
		return "the organisation's account is blocked"
	case protocol.ReasonDisabledByAdmin:
		return "an administrator disabled it"
	}
	return "the server disabled it"
}

// showDisabled tells the device's user (and the log) that the agent is
// disabled, and why.
func (a *Agent) showDisabled(reason string) {
	why := reasonText(reason)
	a.log.Warn("the agent is disabled: it runs no command but agent_enable and reports no inventory", "reason", reason, "why", why)
	fmt.Fprintf(a.messages, "--- Steward ---\nDevice management is paused on this device: %s.\n", why)
}
