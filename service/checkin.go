package service

import (
	"context"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// CheckIn records a device's report and answers with its pending commands.
// The ownership rules apply here, at ingest: a personal (BYOD) device's SIM
// identifiers, phone number and apps outside the work profile are refused
// and never stored; the refusals are counted on the device.
func (s *Service) CheckIn(ctx context.Context, dev *Device, req *protocol.CheckInRequest, ip string) (*protocol.CheckInResponse, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	now := s.now()
	d, epoch, ok := s.states.get(dev.ID, now)
	if !ok {
		var err error
		if d, err = s.store.DeviceByID(ctx, dev.ID); err != nil {
			return nil, err
		}
	}
	var refused []string
	var refusals int64
	if dev.Ownership == steward.OwnershipPersonal {
		if req.Apps != nil {
			refusals += personalApps(req.Apps.Full) + personalApps(req.Apps.Added)
		}
		refused = protocol.StripPersonal(req)
		for _, r := range refused {
			if r != protocol.RefusedPersonalApps {
				refusals++
			}
		}
	}
	inv := fromWire(req.Inventory, ip)
	writeInventory := req.Inventory != nil && !inv.SameExceptVolatile(d.Inventory)
	writeApps := req.Apps != nil && (req.Apps.Full != nil || len(req.Apps.Added)+len(req.Apps.Removed) > 0)
	if !writeInventory {
		// Nothing but the battery and uptime moved (if anything was
		// reported): they join the next liveness flush instead of costing a
		// write of their own.
		s.live.report(d.ID, steward.Liveness{SeenAt: now, BatteryLevel: inv.BatteryLevel,
			BatteryCharging: inv.BatteryCharging, UptimeSeconds: inv.UptimeSeconds})
	}
	if writeInventory || writeApps || refusals > 0 {
		s.states.forget(d.ID)
		err := s.store.InTx(ctx, func(ctx context.Context) error {
			if writeInventory {
				if changes := inventoryChanges(d.Inventory, inv); len(changes) > 0 {
					if err := s.deviceEvent(ctx, d.ID, "inventory", changes); err != nil {
						return err
					}
				}
				if err := s.store.UpdateDeviceInventory(ctx, d.ID, inv, now); err != nil {
					return err
				}
			}
			if writeApps {
				if err := s.applyApps(ctx, d, req.Apps); err != nil {
					return err
				}
			}
			if refusals > 0 {
				if err := s.store.AddDeviceRefusals(ctx, d.ID, refusals); err != nil {
					return err
				}
				return s.deviceEvent(ctx, d.ID, "refused", map[string]any{"fields": refused, "count": refusals})
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	} else if !ok {
		s.states.put(d, epoch, now) // as read: nothing was written
	}
	cmds, err := s.deliverPending(ctx, d.ID, 50)
	if err != nil {
		return nil, err
	}
	privacy, err := s.checkInPrivacy(ctx, dev, d.Policy)
	if err != nil {
		return nil, err
	}
	return &protocol.CheckInResponse{CheckInIntervalSeconds: int(deviceInterval(d) / time.Second), AgentEnabled: d.AgentEnabled,
		DisabledReason: d.DisabledReason, Commands: cmds, Refused: refused, Privacy: privacy, PolicyVersion: d.Policy.Version,
		DirectoryVersion: d.DirectoryVersion, ServerTime: now}, nil
}

// deviceInterval is how often a device checks in: its effective policy's
// interval, or the server's default.
func deviceInterval(d *steward.Device) time.Duration {
	if d.Policy.CheckInIntervalSeconds > 0 {
		return time.Duration(d.Policy.CheckInIntervalSeconds) * time.Second
	}
	return CheckInInterval
}

// AgentDisabledReasons explains the reasons of protocol.Reason* in words,
// for the console and the API.
var AgentDisabledReasons = map[string]string{
	protocol.ReasonCodeRevoked:       "Its activation code was revoked.",
	protocol.ReasonSubscriptionEnded: "The account's subscription ended.",
	protocol.ReasonAccountSuspended:  "The account (or one above it) is suspended.",
	protocol.ReasonAccountBlocked:    "The account (or one above it) is blocked.",
	protocol.ReasonAccountDeleted:    "The account (or one above it) was deleted.",
	protocol.ReasonDisabledByAdmin:   "An administrator disabled the agent.",
}

// personalApps counts the apps outside the work profile.
func personalApps(apps []protocol.App) int64 {
	n := int64(0)
	for _, a := range apps {
		if !a.WorkProfile {
			n++
		}
	}
	return n
}

func (s *Service) applyApps(ctx context.Context, d *steward.Device, r *protocol.AppReport) error {
	conv := func(in []protocol.App) []steward.App {
		out := make([]steward.App, len(in))
		for i, a := range in {
			out[i] = steward.App{Package: a.Package, Name: a.Name, VersionName: a.VersionName, VersionCode: a.VersionCode,
				WorkProfile: a.WorkProfile, System: a.System}
		}
		return out
	}
	if r.Full != nil {
		if err := s.store.ReplaceDeviceApps(ctx, d.ID, conv(r.Full)); err != nil {
			return err
		}
		if d.AppCount != len(r.Full) {
			return s.deviceEvent(ctx, d.ID, "apps", map[string]any{"before": d.AppCount, "after": len(r.Full)})
		}
		return nil
	}
	if len(r.Added)+len(r.Removed) == 0 {
		return nil
	}
	if err := s.store.ApplyDeviceApps(ctx, d.ID, conv(r.Added), r.Removed); err != nil {
		return err
	}
	added := make([]string, 0, len(r.Added))
	for _, a := range r.Added {
		added = append(added, a.Package)
	}
	return s.deviceEvent(ctx, d.ID, "apps", map[string]any{"installed": added, "removed": r.Removed})
}

func fromWire(w *protocol.Inventory, ip string) steward.Inventory {
	if w == nil {
		return steward.Inventory{}
	}
	inv := steward.Inventory{Manufacturer: w.Manufacturer, Model: w.Model, Serial: w.Serial, IP: w.IP,
		OSVersion: w.OSVersion, PendingOSUpdate: w.PendingOSUpdate, PatchLevel: w.PatchLevel, SystemSignature: w.SystemSignature,
		GPSEnabled: w.GPSEnabled, AgentVersion: w.AgentVersion, AgentState: w.AgentState, UptimeSeconds: w.UptimeSeconds}
	if inv.IP == "" {
		inv.IP = ip
	}
	if w.SIM != nil {
		inv.ICCID, inv.IMEI, inv.PhoneNumber = w.SIM.ICCID, w.SIM.IMEI, w.SIM.PhoneNumber
	}
	if w.Battery != nil {
		lvl, ch := w.Battery.Level, w.Battery.Charging
		inv.BatteryLevel, inv.BatteryCharging, inv.BatteryHealth = &lvl, &ch, w.Battery.Health
	}
	return inv
}

// inventoryChanges lists the fields worth a line in the device's history.
// Battery level and uptime change at every check-in and are left out.
func inventoryChanges(before, after steward.Inventory) map[string][2]string {
	out := map[string][2]string{}
	for _, f := range []struct {
		name string
		b, a string
	}{
		{"manufacturer", before.Manufacturer, after.Manufacturer}, {"model", before.Model, after.Model},
		{"serial", before.Serial, after.Serial}, {"ip", before.IP, after.IP},
		{"os_version", before.OSVersion, after.OSVersion}, {"pending_os_update", before.PendingOSUpdate, after.PendingOSUpdate},
		{"patch_level", before.PatchLevel, after.PatchLevel}, {"system_signature", before.SystemSignature, after.SystemSignature},
		{"battery_health", before.BatteryHealth, after.BatteryHealth}, {"agent_version", before.AgentVersion, after.AgentVersion},
		{"agent_state", before.AgentState, after.AgentState}, {"iccid", before.ICCID, after.ICCID},
		{"imei", before.IMEI, after.IMEI}, {"phone_number", before.PhoneNumber, after.PhoneNumber},
	} {
		if f.b != f.a {
			out[f.name] = [2]string{f.b, f.a}
		}
	}
	return out
}
