package service

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// The gates of location (SPEC §2.8), applied at ingest in the transaction
// that stores the points:
//
//  1. the device is company-owned (a personal device's location is
//     refused and never stored);
//  2. its account's location switch is on;
//  3. its user's latest location decision is a grant.
//
// A refused batch stores nothing; the refusal is counted on the device
// and noted in its history. Points recorded in the future count as
// received now; points steward.LocationMaxAge old or older are dropped;
// the device keeps its steward.LocationCap newest points, the oldest
// evicted in the same transaction.

// Reasons a batch is refused, in the device's history.
const (
	refusedPersonal = "personal device"
	refusedDisabled = "disabled for the account"
	refusedPolicy   = "turned off by policy"
	refusedConsent  = "no consent from the user"
	refusedWithdrew = "withdrawn by the user"
)

// CanSeeLocation reports whether the actor may see devices' location and
// web history: owners and admins of the device's account or an account
// above it. Read-only managers may not; they see that the data exists.
func CanSeeLocation(a *steward.Actor) bool { return a != nil && a.Role.CanWrite() }

// checkInPrivacy is what a check-in answer tells the device about
// location and web history: the account's switches, narrowed by the
// device's effective policy (a policy can turn tracking off, never on
// where the account's switch is off).
func (s *Service) checkInPrivacy(ctx context.Context, dev *Device, pol steward.DevicePolicyState) (*protocol.Privacy, error) {
	p := &protocol.Privacy{}
	if dev.Ownership != steward.OwnershipCompany {
		return p, nil // never collected from a personal device: nothing to read
	}
	ps, err := s.accountPrivacy(ctx, dev.AccountID)
	if err != nil {
		return nil, err
	}
	p.LocationEnabled = ps.LocationEnabled && !off(pol.Location)
	p.WebHistoryEnabled = ps.WebHistoryEnabled && !off(pol.WebHistory)
	if p.LocationEnabled {
		c, err := s.store.LatestConsent(ctx, dev.ID, steward.ConsentLocation)
		if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
			return nil, err
		}
		p.LocationConsentRequired = c == nil || !c.Granted
	}
	return p, nil
}

// off reports whether a policy switch is set to false.
func off(v *bool) bool { return v != nil && !*v }

// RecordConsent appends the device user's decision. Withdrawing location
// deletes the device's points, and withdrawing web history its visits, in
// the same transaction as the decision. A personal device's decisions are
// refused: nothing they could allow is collected from it. EFORBIDDEN.
func (s *Service) RecordConsent(ctx context.Context, dev *Device, req *protocol.ConsentRequest) error {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	if dev.Ownership != steward.OwnershipCompany {
		return steward.Errorf(steward.EFORBIDDEN, "Location and web history are never collected from a personal device; there is nothing to consent to.")
	}
	now := s.now()
	c := &steward.Consent{ID: steward.NewID(now), DeviceID: dev.ID, Purpose: steward.ConsentPurpose(req.Purpose),
		Granted: req.Granted, NoticeVersion: req.NoticeVersion, DecidedAt: req.DecidedAt.UTC().Truncate(time.Millisecond), RecordedAt: now}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockDeviceData(ctx, dev.ID); err != nil {
			return err
		}
		if err := s.store.InsertConsent(ctx, c); err != nil {
			return err
		}
		ev := map[string]any{"purpose": c.Purpose, "granted": c.Granted, "notice_version": c.NoticeVersion}
		if !c.Granted {
			var n int64
			var err error
			if c.Purpose == steward.ConsentLocation {
				n, err = s.store.DeleteDeviceLocation(ctx, dev.ID)
			} else {
				n, err = s.store.DeleteDeviceWebHistory(ctx, dev.ID)
			}
			if err != nil {
				return err
			}
			ev["deleted"] = n
		}
		return s.deviceEvent(ctx, dev.ID, "consent", ev)
	})
}

// IngestLocation stores a batch of points if every gate is open (see
// above). It answers how many points it stored and how many it dropped as
// too old. EFORBIDDEN when a gate is closed.
func (s *Service) IngestLocation(ctx context.Context, dev *Device, req *protocol.LocationRequest) (*protocol.IngestResponse, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	now := s.now()
	if dev.Ownership != steward.OwnershipCompany {
		return nil, s.refuse(ctx, dev, "location", refusedPersonal, len(req.Points),
			"Location is never collected from a personal device; nothing was stored.")
	}
	keep, dropped := freshPoints(dev.ID, req.Points, now)
	var refused string
	err := s.store.InTx(ctx, func(ctx context.Context) (err error) {
		if refused, err = s.ingestGate(ctx, dev, steward.ConsentLocation); err != nil || refused != "" {
			return err
		}
		if len(keep) == 0 {
			return nil
		}
		_, err = s.store.InsertLocationPoints(ctx, dev.ID, keep, steward.LocationCap)
		return err
	})
	if err != nil {
		return nil, err
	}
	switch refused {
	case refusedDisabled:
		return nil, s.refuse(ctx, dev, "location", refused, len(req.Points),
			"Location is not enabled for this device's account; nothing was stored.")
	case refusedPolicy:
		return nil, s.refuse(ctx, dev, "location", refused, len(req.Points),
			"A policy turns location off for this device; nothing was stored.")
	case refusedConsent:
		return nil, s.refuse(ctx, dev, "location", refused, len(req.Points),
			"The device's user has not granted location; ask, and send the decision first. Nothing was stored.")
	}
	return &protocol.IngestResponse{Accepted: len(keep), Dropped: dropped}, nil
}

// freshPoints converts a batch, clamping times in the future to now and
// dropping points steward.LocationMaxAge old or older.
func freshPoints(deviceID string, in []protocol.LocationPoint, now time.Time) ([]*steward.LocationPoint, int) {
	out := make([]*steward.LocationPoint, 0, len(in))
	for _, p := range in {
		at := p.RecordedAt.UTC().Truncate(time.Millisecond)
		if at.After(now) {
			at = now
		}
		if now.Sub(at) >= steward.LocationMaxAge {
			continue
		}
		lp := &steward.LocationPoint{ID: steward.NewID(now), DeviceID: deviceID, Latitude: p.Latitude, Longitude: p.Longitude,
			RecordedAt: at, ReceivedAt: now}
		if p.AccuracyM != nil {
			acc := *p.AccuracyM
			lp.AccuracyM = &acc
		}
		out = append(out, lp)
	}
	return out, len(in) - len(out)
}

// ingestGate locks the device's collected data and reads what decides, in
// the same transaction as the write it guards, whether purpose may be
// collected: the account's switch, the device's effective policy (which
// can turn it off), and the user's latest decision. Location
// needs a grant; web history needs none (the switch suffices) but a
// withdrawal is heard. It returns the refusal reason, "" when open.
func (s *Service) ingestGate(ctx context.Context, dev *Device, purpose steward.ConsentPurpose) (string, error) {
	if err := s.store.LockDeviceData(ctx, dev.ID); err != nil {
		return "", err
	}
	ps, err := s.store.PrivacySettings(ctx, dev.AccountID)
	if err != nil {
		return "", err
	}
	enabled := ps.LocationEnabled
	if purpose == steward.ConsentWebHistory {
		enabled = ps.WebHistoryEnabled
	}
	if !enabled {
		return refusedDisabled, nil
	}
	d, err := s.store.DeviceByID(ctx, dev.ID)
	if err != nil {
		return "", err
	}
	switch purpose {
	case steward.ConsentLocation:
		if off(d.Policy.Location) {
			return refusedPolicy, nil
		}
	case steward.ConsentWebHistory:
		if off(d.Policy.WebHistory) {
			return refusedPolicy, nil
		}
	}
	c, err := s.store.LatestConsent(ctx, dev.ID, purpose)
	switch {
	case err != nil && steward.ErrorCode(err) != steward.ENOTFOUND:
		return "", err
	case purpose == steward.ConsentLocation && (c == nil || !c.Granted):
		return refusedConsent, nil
	case c != nil && !c.Granted:
		return refusedWithdrew, nil
	}
	return "", nil
}

// refuse counts n refused items on the device, notes the refusal in its
// history, and returns the EFORBIDDEN error that tells the device.
func (s *Service) refuse(ctx context.Context, dev *Device, what, reason string, n int, message string) error {
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.AddDeviceRefusals(ctx, dev.ID, int64(n)); err != nil {
			return err
		}
		return s.deviceEvent(ctx, dev.ID, "refused", map[string]any{"fields": []string{what}, "count": n, "reason": reason})
	})
	if err != nil {
		return fmt.Errorf("count refusal: %w", err)
	}
	return steward.Errorf(steward.EFORBIDDEN, "%s", message)
}

// locationViewer returns the device if the actor may see its location and
// web history; a read-only role gets EFORBIDDEN, a device outside the
// subtree ENOTFOUND.
func (s *Service) locationViewer(ctx context.Context, id string) (*steward.Device, error) {
	d, err := s.reachDevice(ctx, id)
	if err != nil {
		return nil, err
	}
	if a := steward.ActorFromContext(ctx); !CanSeeLocation(a) {
		return nil, steward.Errorf(steward.EFORBIDDEN, "Your role (%s) may not see devices' location or web history.", a.Role)
	}
	return d, nil
}

// DeviceLocation returns a device's points, newest first (at most limit,
// default and most steward.LocationCap). Each view is audited
// ("device.location.view") in the transaction that reads, so no view goes
// unrecorded. EFORBIDDEN (read-only roles), ENOTFOUND.
func (s *Service) DeviceLocation(ctx context.Context, id string, limit int) ([]*steward.LocationPoint, error) {
	d, err := s.locationViewer(ctx, id)
	if err != nil {
		return nil, err
	}
	if limit <= 0 || limit > steward.LocationCap {
		limit = steward.LocationCap
	}
	var out []*steward.LocationPoint
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if out, err = s.store.ListLocationPoints(ctx, d.ID, limit); err != nil {
			return err
		}
		return s.record(ctx, d.AccountID, "device.location.view", "device", d.ID,
			map[string]any{"support_id": d.SupportID, "points": len(out)})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// DeviceConsents lists the decisions of a device's user, newest first.
// Every role that reaches the device may read them: they say what was
// allowed, not where anyone was. ENOTFOUND.
func (s *Service) DeviceConsents(ctx context.Context, id string) ([]*steward.Consent, error) {
	d, err := s.reachDevice(ctx, id)
	if err != nil {
		return nil, err
	}
	cs, err := s.store.ListConsents(ctx, d.ID, 100)
	if err != nil {
		return nil, err
	}
	return slices.Clip(cs), nil
}
