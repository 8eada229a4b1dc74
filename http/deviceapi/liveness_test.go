package deviceapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/store"
)

// TestVolatileReadingsJoinTheLivenessFlush: a check-in whose inventory
// differs only in battery and uptime writes nothing at once, yet the API
// shows the new readings; the liveness flush stores them. A real change
// (the OS version) is written at once, with a line in the history.
func TestVolatileReadingsJoinTheLivenessFlush(t *testing.T) {
	databases(t, func(t *testing.T, db *store.DB) {
		f := newFleet(t, db, 5)
		dev := f.enroll("volatile-1", "company")
		checkIn := func(os string, battery int, uptime int64) {
			t.Helper()
			f.clock.Advance(time.Minute)
			inv := &protocol.Inventory{Manufacturer: "Samsung", Model: "Galaxy A54", OSVersion: os, UptimeSeconds: &uptime,
				Battery: &protocol.Battery{Level: battery, Charging: false, Health: "good"}}
			if code, body := f.call("POST", protocol.PathCheckIn, dev.Credential, protocol.CheckInRequest{Protocol: 1, Inventory: inv}, nil); code != 200 {
				t.Fatalf("check-in: %d %s", code, body)
			}
		}
		stored := func() (battery int, events int) {
			t.Helper()
			d, err := db.DeviceByID(context.Background(), dev.DeviceID)
			if err != nil {
				t.Fatal(err)
			}
			es, err := db.ListDeviceEvents(context.Background(), dev.DeviceID, "", 100)
			if err != nil {
				t.Fatal(err)
			}
			return *d.Inventory.BatteryLevel, len(es)
		}
		shown := func() int {
			t.Helper()
			d := must(f.srv.Service.Device(f.reseller, dev.DeviceID))
			return *d.Inventory.BatteryLevel
		}

		checkIn("14", 80, 100)
		battery, events := stored()
		if battery != 80 {
			t.Fatalf("first inventory: battery %d stored, want 80", battery)
		}

		checkIn("14", 60, 160)
		if b, e := stored(); b != 80 || e != events {
			t.Errorf("a battery-only check-in wrote: battery %d, %d events (want 80, %d)", b, e, events)
		}
		if b := shown(); b != 60 {
			t.Errorf("the API shows battery %d before the flush, want 60", b)
		}
		if _, err := f.srv.Service.FlushLiveness(context.Background()); err != nil {
			t.Fatal(err)
		}
		if b, _ := stored(); b != 60 {
			t.Errorf("after the flush battery %d is stored, want 60", b)
		}
		d := must(f.srv.Service.Device(f.reseller, dev.DeviceID))
		if d.LastSeenAt == nil || !d.LastSeenAt.Equal(f.clock.Now().Truncate(time.Millisecond)) {
			t.Errorf("last seen %v, want %v", d.LastSeenAt, f.clock.Now())
		}

		checkIn("15", 55, 200)
		if b, e := stored(); b != 55 || e != events+1 {
			t.Errorf("an OS update: battery %d stored, %d events (want 55, %d)", b, e, events+1)
		}
		es := must(f.srv.Service.DeviceHistory(f.reseller, dev.DeviceID, "", 10))
		if len(es) == 0 || es[0].Kind != "inventory" {
			t.Errorf("the OS update is not the latest history line: %+v", es)
		}
	})
}
