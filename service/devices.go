package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// reachDevice returns a device in the actor's subtree; any other answers
// ENOTFOUND.
func (s *Service) reachDevice(ctx context.Context, id string) (*steward.Device, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	d, err := s.store.DeviceByID(ctx, id)
	hidden := steward.Errorf(steward.ENOTFOUND, "Device %q not found.", id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, hidden
	} else if err != nil {
		return nil, err
	}
	acc, err := s.store.AccountByID(ctx, d.AccountID)
	if err != nil {
		return nil, err
	}
	if !a.Reaches(acc.Path) {
		return nil, hidden
	}
	s.markOnline(d)
	return d, nil
}

// markOnline fills Online: a live push connection, or a check-in within two
// intervals. Unflushed last-seen times and readings count too.
func (s *Service) markOnline(d *steward.Device) {
	s.live.overlay(d)
	d.Online = s.Connected(d.ID) || (d.LastSeenAt != nil && s.now().Sub(*d.LastSeenAt) < 2*max(CheckInInterval, deviceInterval(d)))
}

// Device returns a device in the actor's subtree, with its groups.
func (s *Service) Device(ctx context.Context, id string) (*steward.Device, error) {
	d, err := s.reachDevice(ctx, id)
	if err != nil {
		return nil, err
	}
	m, err := s.store.DeviceMembership(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	d.GroupIDs = m.GroupIDs
	return d, nil
}

// Devices lists devices in the actor's subtree (or an account's subtree).
func (s *Service) Devices(ctx context.Context, f steward.DeviceFilter) ([]*steward.Device, error) {
	_, acc, err := s.reachAccount(ctx, f.AccountID)
	if err != nil {
		return nil, err
	}
	f.Query = strings.TrimSpace(f.Query)
	return s.listDevices(ctx, acc.Path, f, 20)
}

// listDevices reads devices under prefix. Online is not stored, so with an
// online filter it reads on page after page (at most maxPages) until the
// page is full; a short answer means the listing is done or the scan
// bound was reached.
func (s *Service) listDevices(ctx context.Context, prefix string, f steward.DeviceFilter, maxPages int) ([]*steward.Device, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	var out []*steward.Device
	for range maxPages {
		page, err := s.store.ListDevices(ctx, prefix, f)
		if err != nil {
			return nil, err
		}
		for _, d := range page {
			s.markOnline(d)
			if f.Online == nil || d.Online == *f.Online {
				out = append(out, d)
				if len(out) == f.Limit {
					return out, nil
				}
			}
		}
		if len(page) < f.Limit || f.Online == nil {
			break
		}
		f.After = page[len(page)-1].ID
	}
	return out, nil
}

// DeviceApps lists a device's installed apps.
func (s *Service) DeviceApps(ctx context.Context, id string) ([]steward.App, error) {
	d, err := s.reachDevice(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.store.ListDeviceApps(ctx, d.ID)
}

// DeviceHistory lists a device's history, newest first.
func (s *Service) DeviceHistory(ctx context.Context, id, before string, limit int) ([]*steward.DeviceEvent, error) {
	d, err := s.reachDevice(ctx, id)
	if err != nil {
		return nil, err
	}
	return s.store.ListDeviceEvents(ctx, d.ID, before, limit)
}

// FleetCounts counts the devices of the actor's subtree.
type FleetCounts struct {
	Total    int `json:"total"`
	Company  int `json:"company"`
	Personal int `json:"personal"`
}

// Fleet counts the devices in the actor's subtree.
func (s *Service) Fleet(ctx context.Context) (*FleetCounts, error) {
	_, acc, err := s.reachAccount(ctx, "")
	if err != nil {
		return nil, err
	}
	var f FleetCounts
	f.Total, f.Company, f.Personal, err = s.store.CountDevices(ctx, acc.Path)
	return &f, err
}

// RevokeDeviceCredential makes a device's credential stop working at once
// (a lost or stolen device); the device must enroll again.
func (s *Service) RevokeDeviceCredential(ctx context.Context, id string) error {
	d, err := s.reachDevice(ctx, id)
	if err != nil {
		return err
	}
	if err := canWrite(steward.ActorFromContext(ctx)); err != nil {
		return err
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetDeviceCredential(ctx, d.ID, "", s.now()); err != nil {
			return err
		}
		if err := s.deviceEvent(ctx, d.ID, "credential", map[string]any{"revoked_by": steward.ActorFromContext(ctx).Email}); err != nil {
			return err
		}
		return s.record(ctx, d.AccountID, "device.credential_revoke", "device", d.ID, map[string]any{"support_id": d.SupportID})
	})
	s.devAuth.forget(d.ID)
	return err
}

// verifyReasons are the reasons the daily check sets; it re-enables only
// what it disabled itself, never a device an administrator disabled.
var verifyReasons = map[string]bool{protocol.ReasonCodeRevoked: true, protocol.ReasonSubscriptionEnded: true,
	protocol.ReasonAccountSuspended: true, protocol.ReasonAccountBlocked: true, protocol.ReasonAccountDeleted: true}

// VerifyActivations re-verifies every enrolled device: a revoked activation
// code, an ended subscription, or a blocked, suspended or deleted account
// (or one above it) disables the device's agent with the reason; when the
// cause is gone the device is re-enabled. Connected devices are told at
// once. The daily job.
func (s *Service) VerifyActivations(ctx context.Context) (string, error) {
	now := s.now()
	accounts := map[string]string{} // account path → reason ("" = fine)
	reasonFor := func(path string) (string, error) {
		if r, ok := accounts[path]; ok {
			return r, nil
		}
		chain, err := s.store.AccountAncestry(ctx, path)
		if err != nil {
			return "", err
		}
		r := ""
		for _, a := range chain {
			switch {
			case a.DeletedAt != nil:
				r = protocol.ReasonAccountDeleted
			case a.Status == steward.StatusBlocked:
				r = protocol.ReasonAccountBlocked
			case a.Status != steward.StatusActive:
				r = protocol.ReasonAccountSuspended
			case a.Kind == steward.AccountClient && a.SubscriptionEnd != nil && !now.Before(*a.SubscriptionEnd):
				r = protocol.ReasonSubscriptionEnded
			}
			if r != "" {
				break
			}
		}
		accounts[path] = r
		return r, nil
	}
	disabled, enabled, after := 0, 0, ""
	for {
		page, err := s.store.DevicesForVerification(ctx, after, 500)
		if err != nil {
			return "", err
		}
		for _, v := range page {
			reason, err := reasonFor(v.AccountPath)
			if err != nil {
				return "", err
			}
			if reason == "" && v.CodeRevoked {
				reason = protocol.ReasonCodeRevoked
			}
			switch {
			case reason != "" && (v.AgentEnabled || (verifyReasons[v.DisabledReason] && v.DisabledReason != reason)):
				if err := s.setAgent(ctx, v, false, reason); err != nil {
					return "", err
				}
				disabled++
			case reason == "" && !v.AgentEnabled && verifyReasons[v.DisabledReason]:
				if err := s.setAgent(ctx, v, true, ""); err != nil {
					return "", err
				}
				enabled++
			}
		}
		if len(page) < 500 {
			break
		}
		after = page[len(page)-1].DeviceID
	}
	if disabled+enabled == 0 {
		return "", nil
	}
	return fmt.Sprintf("disabled %d devices, re-enabled %d", disabled, enabled), nil
}

func (s *Service) setAgent(ctx context.Context, v *steward.DeviceVerification, enabled bool, reason string) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		s.states.forget(v.DeviceID)
		if err := s.store.SetDeviceAgent(ctx, v.DeviceID, enabled, reason, s.now()); err != nil {
			return err
		}
		kind := "disabled"
		if enabled {
			kind = "enabled"
		}
		return s.deviceEvent(ctx, v.DeviceID, kind, map[string]any{"reason": reason, "by": "daily activation check"})
	})
	if err == nil {
		s.notify(ctx, v.DeviceID, nil) // a poke: check in to hear why
	}
	return err
}

// ExpireCommands marks commands past their time-to-live expired.
func (s *Service) ExpireCommands(ctx context.Context) (string, error) {
	total := int64(0)
	for {
		n, err := s.store.ExpireCommands(ctx, s.now(), 1000)
		if err != nil {
			return "", err
		}
		total += n
		if n < 1000 {
			break
		}
	}
	if total == 0 {
		return "", nil
	}
	return fmt.Sprintf("expired %d commands", total), nil
}

// CompactCommands deletes commands finished more than CommandRetention
// ago, in batches, so the queue stays bounded.
func (s *Service) CompactCommands(ctx context.Context) (string, error) {
	total := int64(0)
	for {
		n, err := s.store.CompactCommands(ctx, s.now().Add(-CommandRetention), 1000)
		if err != nil {
			return "", err
		}
		total += n
		if n < 1000 || ctx.Err() != nil {
			break
		}
	}
	if total == 0 {
		return "", nil
	}
	return fmt.Sprintf("compacted %d finished commands", total), nil
}
