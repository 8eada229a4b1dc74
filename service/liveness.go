package service

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
)

// liveness keeps last-seen times and volatile readings (battery, uptime) in
// memory and flushes them in batches, so a poll, a push connection or a
// check-in that changes nothing else never costs a database write of its own.
type liveness struct {
	mu   sync.Mutex
	seen map[string]steward.Liveness
}

// touch records that the device was seen at t.
func (l *liveness) touch(id string, t time.Time) {
	l.report(id, steward.Liveness{SeenAt: t})
}

// report records a contact with its readings; readings it lacks keep the
// unflushed ones, and an older contact changes nothing.
func (l *liveness) report(id string, v steward.Liveness) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.seen == nil {
		l.seen = map[string]steward.Liveness{}
	}
	cur, ok := l.seen[id]
	if ok && cur.SeenAt.After(v.SeenAt) {
		return
	}
	if v.BatteryLevel == nil {
		v.BatteryLevel, v.BatteryCharging = cur.BatteryLevel, cur.BatteryCharging
	}
	if v.UptimeSeconds == nil {
		v.UptimeSeconds = cur.UptimeSeconds
	}
	l.seen[id] = v
}

func (l *liveness) take() map[string]steward.Liveness {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.seen
	l.seen = nil
	return s
}

// get returns the unflushed contact of a device, if any.
func (l *liveness) get(id string) (steward.Liveness, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	v, ok := l.seen[id]
	return v, ok
}

// overlay puts a device's unflushed contact on d, which was read from the
// store: the console and the API show what the device last said.
func (l *liveness) overlay(d *steward.Device) {
	v, ok := l.get(d.ID)
	if !ok || d.LastSeenAt != nil && !v.SeenAt.After(*d.LastSeenAt) {
		return
	}
	t := v.SeenAt
	d.LastSeenAt = &t
	if v.BatteryLevel != nil {
		d.Inventory.BatteryLevel, d.Inventory.BatteryCharging = v.BatteryLevel, v.BatteryCharging
	}
	if v.UptimeSeconds != nil {
		d.Inventory.UptimeSeconds = v.UptimeSeconds
	}
}

// FlushLiveness writes the last-seen times and readings gathered since the
// last flush: the job behind "online", "last seen" and the battery gauge.
func (s *Service) FlushLiveness(ctx context.Context) (string, error) {
	// Devices holding a push connection are seen now.
	now := s.now()
	s.hub.mu.RLock()
	for id := range s.hub.sinks {
		s.live.touch(id, now)
	}
	s.hub.mu.RUnlock()
	seen := s.live.take()
	if len(seen) == 0 {
		return "", nil
	}
	if err := s.store.TouchDevices(ctx, seen); err != nil {
		// Put them back so the next flush tries again; newer contacts win.
		for id, v := range seen {
			s.live.report(id, v)
		}
		return "", err
	}
	return fmt.Sprintf("recorded last-seen for %d devices", len(seen)), nil
}
