package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// newDevice returns a company-owned device of account enrolled with code
// (nil for none), not yet inserted. Its support ID, hardware ID and serial
// derive from its ID.
func (f *fixture) newDevice(account *steward.Account, code *steward.ActivationCode) *steward.Device {
	now := f.now()
	id := steward.NewID(now)
	d := &steward.Device{
		ID: id, AccountID: account.ID, SupportID: strings.ToUpper(id[len(id)-8:]), Name: "Device " + id[len(id)-4:],
		Ownership: steward.OwnershipCompany, Channel: steward.ChannelAgent, Platform: "android", HardwareID: "hw-" + id,
		AgentEnabled: true, Inventory: steward.Inventory{Serial: "SN-" + id[len(id)-6:], OSVersion: "14"},
		EnrolledAt: now, CreatedAt: now, UpdatedAt: now,
	}
	if code != nil {
		d.ActivationCodeID = code.ID
	}
	return d
}

// device inserts a device of account after applying change (if not nil).
func (f *fixture) device(t *testing.T, account *steward.Account, change func(d *steward.Device)) *steward.Device {
	t.Helper()
	d := f.newDevice(account, nil)
	if change != nil {
		change(d)
	}
	if err := f.db.InsertDevice(f.ctx, d, "credential-hash"); err != nil {
		t.Fatalf("insert device: %v", err)
	}
	return d
}

// fullInventory has every field set.
func fullInventory() steward.Inventory {
	return steward.Inventory{
		Manufacturer: "Google", Model: "Pixel 8", Serial: "SN-12345", IP: "192.0.2.10", ICCID: "8944500102198304826",
		IMEI: "353627071234567", PhoneNumber: "+441632960000", OSVersion: "14", PendingOSUpdate: "15",
		PatchLevel: "2025-02-05", SystemSignature: "sig-abc", BatteryLevel: ptr(87), BatteryCharging: ptr(false),
		BatteryHealth: "good", GPSEnabled: ptr(true), AgentVersion: "1.2.3", AgentState: "running", UptimeSeconds: ptr(int64(86400)),
	}
}

// allDevices lists every device under prefix, page by page.
func (f *fixture) allDevices(t *testing.T, prefix string) []*steward.Device {
	t.Helper()
	var out []*steward.Device
	filter := steward.DeviceFilter{Limit: 500}
	for {
		page, err := f.db.ListDevices(f.ctx, prefix, filter)
		ok(t, err)
		out = append(out, page...)
		if len(page) < filter.Limit {
			return out
		}
		filter.After = page[len(page)-1].ID
	}
}

func deviceIDs(ds []*steward.Device) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.ID
	}
	return out
}

// ids returns the IDs of ds, in order.
func ids(ds ...*steward.Device) []string { return deviceIDs(ds) }

func testDeviceInsertAndGet(t *testing.T, f *fixture) {
	tr := f.tree(t)
	code := f.code(t, tr.c1, tr.r1, 10, time.Hour)
	now := f.now()
	full := f.newDevice(tr.c1, code)
	full.Name, full.Platform, full.Inventory = "Front desk", "android", fullInventory()
	full.AgentEnabled, full.DisabledReason = false, "subscription ended"
	full.AppCount, full.Refusals = 3, 7
	full.LastSeenAt, full.UpdatedAt = ptr(now.Add(time.Second)), now.Add(2*time.Second)
	ok(t, f.db.InsertDevice(f.ctx, full, "credential-hash"))
	bare := &steward.Device{ID: f.id(), AccountID: tr.c2.ID, SupportID: "BARE0001", Ownership: steward.OwnershipPersonal,
		Channel: steward.ChannelAgent, HardwareID: "hw-bare", EnrolledAt: now, CreatedAt: now, UpdatedAt: now}
	ok(t, f.db.InsertDevice(f.ctx, bare, ""))

	for _, d := range []*steward.Device{full, bare} {
		got, err := f.db.DeviceByID(f.ctx, d.ID)
		ok(t, err)
		diff(t, "device by ID", got, d)
		got, err = f.db.DeviceByHardware(f.ctx, d.AccountID, d.HardwareID)
		ok(t, err)
		diff(t, "device by hardware", got, d)
	}
	_, err := f.db.DeviceByID(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.DeviceByHardware(f.ctx, tr.c2.ID, full.HardwareID) // another account's hardware
	wantCode(t, err, steward.ENOTFOUND)

	// Online is the service's: it is never stored.
	online := f.newDevice(tr.c1, nil)
	online.Online = true
	ok(t, f.db.InsertDevice(f.ctx, online, "h"))
	if got, err := f.db.DeviceByID(f.ctx, online.ID); err != nil || got.Online {
		t.Errorf("device read back online = %v (%v), want false", got != nil && got.Online, err)
	}

	// One hardware identity per account; a support ID once in all.
	same := f.newDevice(tr.c1, nil)
	same.HardwareID = full.HardwareID
	wantCode(t, f.db.InsertDevice(f.ctx, same, "h"), steward.ECONFLICT)
	other := f.newDevice(tr.c2, nil)
	other.HardwareID = full.HardwareID
	ok(t, f.db.InsertDevice(f.ctx, other, "h"))
	taken := f.newDevice(tr.c3, nil)
	taken.SupportID = full.SupportID
	wantCode(t, f.db.InsertDevice(f.ctx, taken, "h"), steward.ECONFLICT)
	wantCode(t, f.db.InsertDevice(f.ctx, full, "h"), steward.ECONFLICT)

	for id, want := range map[string]bool{full.SupportID: true, bare.SupportID: true, "NOPE0000": false} {
		got, err := f.db.SupportIDExists(f.ctx, id)
		ok(t, err)
		if got != want {
			t.Errorf("SupportIDExists(%q) = %v, want %v", id, got, want)
		}
	}
}

func testDeviceAuth(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, func(d *steward.Device) { d.Ownership = steward.OwnershipPersonal })
	got, err := f.db.DeviceAuth(f.ctx, d.ID)
	ok(t, err)
	diff(t, "device auth", got, &steward.DeviceAuth{DeviceID: d.ID, AccountID: tr.c1.ID, AccountPath: tr.c1.Path,
		Ownership: steward.OwnershipPersonal, CredentialHash: "credential-hash"})
	_, err = f.db.DeviceAuth(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)

	at := f.now()
	ok(t, f.db.SetDeviceCredential(f.ctx, d.ID, "new-hash", at))
	got, err = f.db.DeviceAuth(f.ctx, d.ID)
	ok(t, err)
	if got.CredentialHash != "new-hash" {
		t.Errorf("credential hash = %q after rotation, want new-hash", got.CredentialHash)
	}
	if dev, err := f.db.DeviceByID(f.ctx, d.ID); err != nil || !dev.UpdatedAt.Equal(at) {
		t.Errorf("updated at %v (%v), want %v", dev.UpdatedAt, err, at)
	}
	wantCode(t, f.db.SetDeviceCredential(f.ctx, "missing", "h", at), steward.ENOTFOUND)

	// A device of a deleted account is revoked.
	gone := f.device(t, tr.c4, nil)
	got, err = f.db.DeviceAuth(f.ctx, gone.ID)
	ok(t, err)
	if !got.Revoked {
		t.Error("device of a deleted account: not revoked")
	}
}

func testDeviceUpdates(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	other := f.device(t, tr.c1, nil)

	// Every inventory column is written, unset ones too.
	at := f.now()
	ok(t, f.db.UpdateDeviceInventory(f.ctx, d.ID, fullInventory(), at))
	d.Inventory, d.LastSeenAt, d.UpdatedAt = fullInventory(), ptr(at), at
	got, err := f.db.DeviceByID(f.ctx, d.ID)
	ok(t, err)
	diff(t, "device after inventory", got, d)
	at = f.now()
	ok(t, f.db.UpdateDeviceInventory(f.ctx, d.ID, steward.Inventory{OSVersion: "15"}, at))
	d.Inventory, d.LastSeenAt, d.UpdatedAt = steward.Inventory{OSVersion: "15"}, ptr(at), at
	got, err = f.db.DeviceByID(f.ctx, d.ID)
	ok(t, err)
	diff(t, "device after a smaller inventory", got, d)
	wantCode(t, f.db.UpdateDeviceInventory(f.ctx, "missing", steward.Inventory{}, at), steward.ENOTFOUND)

	at = f.now()
	ok(t, f.db.SetDeviceAgent(f.ctx, d.ID, false, "activation code revoked", at))
	d.AgentEnabled, d.DisabledReason, d.UpdatedAt = false, "activation code revoked", at
	got, err = f.db.DeviceByID(f.ctx, d.ID)
	ok(t, err)
	diff(t, "device after disabling", got, d)
	at = f.now()
	ok(t, f.db.SetDeviceAgent(f.ctx, d.ID, true, "", at))
	d.AgentEnabled, d.DisabledReason, d.UpdatedAt = true, "", at
	wantCode(t, f.db.SetDeviceAgent(f.ctx, "missing", true, "", at), steward.ENOTFOUND)

	ok(t, f.db.AddDeviceRefusals(f.ctx, d.ID, 3))
	ok(t, f.db.AddDeviceRefusals(f.ctx, d.ID, 2))
	d.Refusals = 5
	got, err = f.db.DeviceByID(f.ctx, d.ID)
	ok(t, err)
	diff(t, "device after refusals", got, d)
	wantCode(t, f.db.AddDeviceRefusals(f.ctx, "missing", 1), steward.ENOTFOUND)

	// The other device is untouched.
	got, err = f.db.DeviceByID(f.ctx, other.ID)
	ok(t, err)
	diff(t, "other device", got, other)
}

// testDeviceTouch flushes the last-seen times of thousands of devices at
// once, the way the liveness job does.
func testDeviceTouch(t *testing.T, f *fixture) {
	const n = 1234 // several statements' worth
	tr := f.tree(t)
	var ds []*steward.Device
	ok(t, f.db.InTx(f.ctx, func(ctx context.Context) error {
		for range n {
			d := f.newDevice(tr.c1, nil)
			if err := f.db.InsertDevice(ctx, d, "h"); err != nil {
				return err
			}
			ds = append(ds, d)
		}
		return nil
	}))
	untouched := f.device(t, tr.c1, nil)
	base := f.now()
	seen := map[string]steward.Liveness{"missing": {SeenAt: base}} // unknown devices are ignored
	for i, d := range ds {
		seen[d.ID] = steward.Liveness{SeenAt: base.Add(time.Duration(i) * time.Second)}
		if i%2 == 1 { // every other device reports its readings too
			level, charging, uptime := i%100, i%4 == 1, int64(i)
			seen[d.ID] = steward.Liveness{SeenAt: seen[d.ID].SeenAt, BatteryLevel: &level, BatteryCharging: &charging, UptimeSeconds: &uptime}
		}
	}
	ok(t, f.db.TouchDevices(f.ctx, seen))
	ok(t, f.db.TouchDevices(f.ctx, nil))

	// Last-seen times and readings never go backwards.
	stale := 1
	ok(t, f.db.TouchDevices(f.ctx, map[string]steward.Liveness{
		ds[0].ID: {SeenAt: base.Add(-time.Hour)},
		ds[1].ID: {SeenAt: base.Add(time.Hour)},
		ds[3].ID: {SeenAt: base.Add(-time.Hour), BatteryLevel: &stale},
	}))
	seen[ds[1].ID] = steward.Liveness{SeenAt: base.Add(time.Hour), BatteryLevel: seen[ds[1].ID].BatteryLevel,
		BatteryCharging: seen[ds[1].ID].BatteryCharging, UptimeSeconds: seen[ds[1].ID].UptimeSeconds}

	got := f.allDevices(t, tr.c1.Path)
	if len(got) != n+1 {
		t.Fatalf("%d devices listed, want %d", len(got), n+1)
	}
	wrong := 0
	for _, d := range got {
		want, ok := seen[d.ID]
		switch {
		case d.ID == untouched.ID:
			if d.LastSeenAt != nil {
				t.Errorf("untouched device seen at %v", d.LastSeenAt)
			}
		case !ok || d.LastSeenAt == nil || !d.LastSeenAt.Equal(want.SeenAt):
			if wrong++; wrong < 5 {
				t.Errorf("device %s last seen at %v, want %v", d.ID, d.LastSeenAt, want.SeenAt)
			}
		case want.BatteryLevel != nil && (d.Inventory.BatteryLevel == nil || *d.Inventory.BatteryLevel != *want.BatteryLevel ||
			d.Inventory.BatteryCharging == nil || *d.Inventory.BatteryCharging != *want.BatteryCharging ||
			d.Inventory.UptimeSeconds == nil || *d.Inventory.UptimeSeconds != *want.UptimeSeconds):
			if wrong++; wrong < 5 {
				t.Errorf("device %s: battery %v charging %v uptime %v, want %d %v %d", d.ID, d.Inventory.BatteryLevel,
					d.Inventory.BatteryCharging, d.Inventory.UptimeSeconds, *want.BatteryLevel, *want.BatteryCharging, *want.UptimeSeconds)
			}
		case !d.UpdatedAt.Equal(d.CreatedAt):
			t.Errorf("device %s: touching changed updated_at", d.ID)
		}
	}
	if wrong > 0 {
		t.Errorf("%d devices with a wrong last-seen time", wrong)
	}
}

func testDeviceList(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d1 := f.device(t, tr.c1, func(d *steward.Device) { d.Name, d.Inventory.Serial = "Reception Tablet", "R9-100" })
	d2 := f.device(t, tr.c1, func(d *steward.Device) {
		d.Name, d.Ownership, d.Inventory.OSVersion = "Alice's phone", steward.OwnershipPersonal, "13"
	})
	d3 := f.device(t, tr.c2, func(d *steward.Device) { d.Name, d.HardwareID = "Warehouse 50% off", "HW-Scanner_7" })
	d4 := f.device(t, tr.c2, func(d *steward.Device) { d.Name, d.SupportID = "Warehouse 500", "SUPP0RT1" })
	d5 := f.device(t, tr.c3, func(d *steward.Device) { d.Name, d.Ownership = "Bob", steward.OwnershipPersonal })
	x := f.account(t, nil, steward.AccountPlatform, "Another platform")
	xc := f.account(t, x, steward.AccountClient, "Another client")
	f.device(t, xc, func(d *steward.Device) { d.Name = "Reception elsewhere" })

	for _, tc := range []struct {
		name   string
		prefix string
		filter steward.DeviceFilter
		want   []string
	}{
		{"tree", tr.p.Path, steward.DeviceFilter{}, ids(d1, d2, d3, d4, d5)},
		{"reseller", tr.r1.Path, steward.DeviceFilter{}, ids(d1, d2, d3, d4)},
		{"sub-reseller", tr.s.Path, steward.DeviceFilter{}, ids(d3, d4)},
		{"client", tr.c1.Path, steward.DeviceFilter{}, ids(d1, d2)},
		{"empty client", tr.c4.Path, steward.DeviceFilter{}, nil},
		{"account narrows", tr.p.Path, steward.DeviceFilter{AccountID: tr.s.ID}, ids(d3, d4)},
		{"account above prefix", tr.s.Path, steward.DeviceFilter{AccountID: tr.p.ID}, ids(d3, d4)},
		{"account outside prefix", tr.r2.Path, steward.DeviceFilter{AccountID: tr.c1.ID}, nil},
		{"unknown account", tr.p.Path, steward.DeviceFilter{AccountID: "missing"}, nil},
		{"query name ignores case", tr.p.Path, steward.DeviceFilter{Query: "reception"}, ids(d1)},
		{"query serial", tr.p.Path, steward.DeviceFilter{Query: "r9-1"}, ids(d1)},
		{"query support ID", tr.p.Path, steward.DeviceFilter{Query: "supp0rt"}, ids(d4)},
		{"query hardware ID", tr.p.Path, steward.DeviceFilter{Query: "scanner_7"}, ids(d3)},
		{"query percent is literal", tr.p.Path, steward.DeviceFilter{Query: "50%"}, ids(d3)},
		{"query underscore is literal", tr.p.Path, steward.DeviceFilter{Query: "r_"}, ids(d3)},
		{"query in subtree", tr.r2.Path, steward.DeviceFilter{Query: "reception"}, nil},
		{"query quote", tr.p.Path, steward.DeviceFilter{Query: "alice's"}, ids(d2)},
		{"ownership", tr.p.Path, steward.DeviceFilter{Ownership: steward.OwnershipPersonal}, ids(d2, d5)},
		{"os version", tr.p.Path, steward.DeviceFilter{OSVersion: "13"}, ids(d2)},
		{"combined", tr.r1.Path, steward.DeviceFilter{Query: "warehouse", Ownership: steward.OwnershipCompany}, ids(d3, d4)},
		{"after", tr.p.Path, steward.DeviceFilter{After: d2.ID}, ids(d3, d4, d5)},
		{"limit", tr.p.Path, steward.DeviceFilter{Limit: 2}, ids(d1, d2)},
		{"page", tr.p.Path, steward.DeviceFilter{After: d1.ID, Limit: 2}, ids(d2, d3)},
		{"no match", tr.p.Path, steward.DeviceFilter{Query: "nothing"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.ListDevices(f.ctx, tc.prefix, tc.filter)
			ok(t, err)
			diff(t, "device IDs", deviceIDs(got), tc.want)
		})
	}

	// Listed devices carry every field.
	d1.Inventory, d1.LastSeenAt = fullInventory(), ptr(f.now())
	d1.Inventory.Serial, d1.UpdatedAt = "R9-100", *d1.LastSeenAt
	ok(t, f.db.UpdateDeviceInventory(f.ctx, d1.ID, d1.Inventory, *d1.LastSeenAt))
	got, err := f.db.ListDevices(f.ctx, tr.c1.Path, steward.DeviceFilter{Limit: 1})
	ok(t, err)
	diff(t, "listed device", got, []*steward.Device{d1})

	// Counts.
	for _, tc := range []struct {
		prefix                   string
		total, company, personal int
	}{
		{tr.p.Path, 5, 3, 2}, {tr.r1.Path, 4, 3, 1}, {tr.c3.Path, 1, 0, 1}, {tr.c4.Path, 0, 0, 0}, {x.Path, 1, 1, 0},
	} {
		total, company, personal, err := f.db.CountDevices(f.ctx, tc.prefix)
		ok(t, err)
		if total != tc.total || company != tc.company || personal != tc.personal {
			t.Errorf("CountDevices(%s) = %d, %d, %d; want %d, %d, %d", tc.prefix, total, company, personal,
				tc.total, tc.company, tc.personal)
		}
	}
}

// testDeviceListLarge lists a fleet with one client large enough that the
// store walks devices in ID order, beside small ones it reads account by
// account, and checks every page of every subtree and filter against the
// same selection made in Go. It also checks the limits of a page.
func testDeviceListLarge(t *testing.T, f *fixture) {
	const large = 2100 // more devices than a small subtree has
	tr := f.tree(t)
	var all []*steward.Device
	ok(t, f.db.InTx(f.ctx, func(ctx context.Context) error {
		for i := range large + 60 {
			acct := tr.c1
			switch {
			case i%40 == 7:
				acct = tr.c2
			case i%40 == 13:
				acct = tr.c3
			}
			d := f.newDevice(acct, nil)
			d.Name = fmt.Sprintf("Phone %04d", i)
			if i%5 == 0 {
				d.Ownership = steward.OwnershipPersonal
			}
			if i%97 == 0 {
				d.Inventory.OSVersion = "9"
			}
			if err := f.db.InsertDevice(ctx, d, "h"); err != nil {
				return err
			}
			all = append(all, d)
		}
		return nil
	}))
	paths := map[string]string{tr.c1.ID: tr.c1.Path, tr.c2.ID: tr.c2.Path, tr.c3.ID: tr.c3.Path}
	match := func(d *steward.Device, prefix string, fl steward.DeviceFilter) bool {
		q := strings.ToLower(fl.Query)
		return strings.HasPrefix(paths[d.AccountID], prefix) &&
			(fl.Ownership == "" || d.Ownership == fl.Ownership) &&
			(fl.OSVersion == "" || d.Inventory.OSVersion == fl.OSVersion) &&
			(q == "" || strings.Contains(strings.ToLower(d.Name), q) || strings.Contains(strings.ToLower(d.SupportID), q) ||
				strings.Contains(strings.ToLower(d.Inventory.Serial), q) || strings.Contains(strings.ToLower(d.HardwareID), q))
	}

	for _, prefix := range []string{tr.p.Path, tr.r1.Path, tr.c1.Path, tr.s.Path, tr.c3.Path} {
		for _, fl := range []steward.DeviceFilter{
			{}, {Ownership: steward.OwnershipPersonal}, {OSVersion: "9"}, {Query: "phone 00"}, {Query: "PHONE 2"},
			{Query: "phone 0", Ownership: steward.OwnershipCompany, OSVersion: "9"},
		} {
			t.Run(fmt.Sprintf("%s/%+v", prefix, fl), func(t *testing.T) {
				var want []string
				for _, d := range all {
					if match(d, prefix, fl) {
						want = append(want, d.ID)
					}
				}
				var got []string
				fl.Limit = 333
				for range len(all) {
					page, err := f.db.ListDevices(f.ctx, prefix, fl)
					ok(t, err)
					if len(page) > fl.Limit {
						t.Fatalf("page of %d, limit %d", len(page), fl.Limit)
					}
					got = append(got, deviceIDs(page)...)
					if len(page) < fl.Limit {
						break
					}
					fl.After = page[len(page)-1].ID
				}
				diff(t, "device IDs", got, want)
			})
		}
	}

	for _, tc := range []struct{ limit, want int }{{0, 50}, {-1, 50}, {10, 10}, {500, 500}, {501, 500}, {100000, 500}} {
		got, err := f.db.ListDevices(f.ctx, tr.p.Path, steward.DeviceFilter{Limit: tc.limit})
		ok(t, err)
		if len(got) != tc.want {
			t.Errorf("limit %d: %d devices, want %d", tc.limit, len(got), tc.want)
		}
	}
	total, company, personal, err := f.db.CountDevices(f.ctx, tr.p.Path)
	ok(t, err)
	if total != len(all) || company+personal != total || personal != (len(all)+4)/5 {
		t.Errorf("counts = %d, %d, %d; want %d in all, %d personal", total, company, personal, len(all), (len(all)+4)/5)
	}
}

func testDeviceApps(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	other := f.device(t, tr.c1, nil)
	appCount := func(id string) int {
		t.Helper()
		got, err := f.db.DeviceByID(f.ctx, id)
		ok(t, err)
		return got.AppCount
	}
	apps := func(id string) []steward.App {
		t.Helper()
		got, err := f.db.ListDeviceApps(f.ctx, id)
		ok(t, err)
		return got
	}
	maps := steward.App{Package: "com.google.android.apps.maps", Name: "Maps", VersionName: "11.2", VersionCode: 1102, System: true}
	mail := steward.App{Package: "com.example.mail", Name: "Mail", VersionName: "3.0", VersionCode: 300, WorkProfile: true}
	chat := steward.App{Package: "com.example.chat", Name: "Chat"}

	ok(t, f.db.ReplaceDeviceApps(f.ctx, d.ID, []steward.App{maps, mail}))
	ok(t, f.db.ReplaceDeviceApps(f.ctx, other.ID, []steward.App{chat}))
	diff(t, "apps by package", apps(d.ID), []steward.App{mail, maps})
	if n := appCount(d.ID); n != 2 {
		t.Errorf("app count = %d, want 2", n)
	}

	// Replace drops what is not listed; a package listed twice keeps the last.
	mail2 := mail
	mail2.VersionName, mail2.VersionCode = "3.1", 310
	ok(t, f.db.ReplaceDeviceApps(f.ctx, d.ID, []steward.App{mail, chat, mail2}))
	diff(t, "apps after replace", apps(d.ID), []steward.App{chat, mail2})
	if n := appCount(d.ID); n != 2 {
		t.Errorf("app count = %d, want 2", n)
	}

	// Apply: add one, update one, remove one, remove an unknown one.
	mail3 := mail2
	mail3.VersionCode = 320
	ok(t, f.db.ApplyDeviceApps(f.ctx, d.ID, []steward.App{maps, mail3}, []string{chat.Package, "not.installed"}))
	diff(t, "apps after apply", apps(d.ID), []steward.App{mail3, maps})
	if n := appCount(d.ID); n != 2 {
		t.Errorf("app count = %d, want 2", n)
	}
	ok(t, f.db.ApplyDeviceApps(f.ctx, d.ID, nil, []string{maps.Package}))
	if n := appCount(d.ID); n != 1 {
		t.Errorf("app count = %d, want 1", n)
	}

	// Many apps, in several statements.
	var many []steward.App
	for i := range 450 {
		many = append(many, steward.App{Package: fmt.Sprintf("com.example.app%03d", i), VersionCode: int64(i)})
	}
	ok(t, f.db.ReplaceDeviceApps(f.ctx, d.ID, many))
	diff(t, "many apps", apps(d.ID), many)
	if n := appCount(d.ID); n != len(many) {
		t.Errorf("app count = %d, want %d", n, len(many))
	}
	var gone []string
	for _, a := range many[:420] {
		gone = append(gone, a.Package)
	}
	ok(t, f.db.ApplyDeviceApps(f.ctx, d.ID, nil, gone))
	diff(t, "apps left", apps(d.ID), many[420:])
	if n := appCount(d.ID); n != 30 {
		t.Errorf("app count = %d, want 30", n)
	}
	ok(t, f.db.ReplaceDeviceApps(f.ctx, d.ID, nil))
	if got, n := apps(d.ID), appCount(d.ID); len(got) != 0 || n != 0 {
		t.Errorf("after replacing with none: %d apps, count %d", len(got), n)
	}

	// The other device's apps are its own.
	diff(t, "other device's apps", apps(other.ID), []steward.App{chat})
	if n := appCount(other.ID); n != 1 {
		t.Errorf("other device's app count = %d, want 1", n)
	}
	wantCode(t, f.db.ReplaceDeviceApps(f.ctx, "missing", []steward.App{chat}), steward.ENOTFOUND)
	wantCode(t, f.db.ApplyDeviceApps(f.ctx, "missing", []steward.App{chat}, nil), steward.ENOTFOUND)
}

func testDeviceEvents(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	other := f.device(t, tr.c1, nil)
	event := func(dev *steward.Device, kind, detail string) *steward.DeviceEvent {
		t.Helper()
		now := f.now()
		e := &steward.DeviceEvent{ID: steward.NewID(now), DeviceID: dev.ID, Kind: kind, CreatedAt: now}
		if detail != "" {
			e.Detail = json.RawMessage(detail)
		}
		ok(t, f.db.InsertDeviceEvent(f.ctx, e))
		return e
	}
	e1 := event(d, "enrolled", `{"ownership":"company","code":"ABCD"}`)
	e2 := event(d, "inventory", "")
	o1 := event(other, "enrolled", "")
	e3 := event(d, "disabled", `{"reason":"revoked"}`)
	e4 := event(d, "enabled", "")
	wantCode(t, f.db.InsertDeviceEvent(f.ctx, e4), steward.ECONFLICT)

	for _, tc := range []struct {
		name   string
		device string
		before string
		limit  int
		want   []*steward.DeviceEvent
	}{
		{"all", d.ID, "", 0, []*steward.DeviceEvent{e4, e3, e2, e1}},
		{"other", other.ID, "", 0, []*steward.DeviceEvent{o1}},
		{"before", d.ID, e3.ID, 0, []*steward.DeviceEvent{e2, e1}},
		{"limit", d.ID, "", 2, []*steward.DeviceEvent{e4, e3}},
		{"page", d.ID, e4.ID, 2, []*steward.DeviceEvent{e3, e2}},
		{"unknown device", "missing", "", 0, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.ListDeviceEvents(f.ctx, tc.device, tc.before, tc.limit)
			ok(t, err)
			diff(t, "events", got, tc.want)
		})
	}
}

// testDeviceDelete deletes a device the way a confirmed wipe does: its
// apps, history and commands go with it; other devices keep theirs.
func testDeviceDelete(t *testing.T, f *fixture) {
	tr := f.tree(t)
	d := f.device(t, tr.c1, nil)
	keep := f.device(t, tr.c1, nil)
	for _, dev := range []*steward.Device{d, keep} {
		ok(t, f.db.ReplaceDeviceApps(f.ctx, dev.ID, []steward.App{{Package: "com.example.a"}, {Package: "com.example.b"}}))
		ok(t, f.db.InsertDeviceEvent(f.ctx, &steward.DeviceEvent{ID: f.id(), DeviceID: dev.ID, Kind: "enrolled", CreatedAt: f.now()}))
	}
	var cmds []*steward.Command
	for _, dev := range []*steward.Device{d, d, keep} {
		cmds = append(cmds, f.newCommand(dev, steward.CmdSync, time.Hour))
	}
	ok(t, f.db.InsertCommands(f.ctx, cmds))

	ok(t, f.db.DeleteDevice(f.ctx, d.ID))
	_, err := f.db.DeviceByID(f.ctx, d.ID)
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.DeviceAuth(f.ctx, d.ID)
	wantCode(t, err, steward.ENOTFOUND)
	if as, err := f.db.ListDeviceApps(f.ctx, d.ID); err != nil || len(as) != 0 {
		t.Errorf("apps of the deleted device: %d (%v)", len(as), err)
	}
	if es, err := f.db.ListDeviceEvents(f.ctx, d.ID, "", 0); err != nil || len(es) != 0 {
		t.Errorf("events of the deleted device: %d (%v)", len(es), err)
	}
	for _, c := range cmds[:2] {
		_, err := f.db.CommandByID(f.ctx, c.ID)
		wantCode(t, err, steward.ENOTFOUND)
	}
	if n, err := f.db.CountCommands(f.ctx); err != nil || n != 1 {
		t.Errorf("%d commands left (%v), want 1", n, err)
	}

	if as, err := f.db.ListDeviceApps(f.ctx, keep.ID); err != nil || len(as) != 2 {
		t.Errorf("apps of the kept device: %d (%v), want 2", len(as), err)
	}
	if es, err := f.db.ListDeviceEvents(f.ctx, keep.ID, "", 0); err != nil || len(es) != 1 {
		t.Errorf("events of the kept device: %d (%v), want 1", len(es), err)
	}
	if _, err := f.db.CommandByID(f.ctx, cmds[2].ID); err != nil {
		t.Errorf("command of the kept device: %v", err)
	}
	wantCode(t, f.db.DeleteDevice(f.ctx, d.ID), steward.ENOTFOUND)

	// Its hardware can enroll again.
	again := f.newDevice(tr.c1, nil)
	again.HardwareID, again.SupportID = d.HardwareID, d.SupportID
	ok(t, f.db.InsertDevice(f.ctx, again, "h"))
}

func testDevicesForVerification(t *testing.T, f *fixture) {
	tr := f.tree(t)
	live := f.code(t, tr.c1, tr.r1, 10, time.Hour)
	revoked := f.code(t, tr.c2, tr.s, 10, time.Hour)
	d1 := f.device(t, tr.c1, func(d *steward.Device) { d.ActivationCodeID = live.ID })
	d2 := f.device(t, tr.c2, func(d *steward.Device) { d.ActivationCodeID = revoked.ID })
	d3 := f.device(t, tr.c3, func(d *steward.Device) { d.AgentEnabled, d.DisabledReason = false, "subscription ended" })
	d4 := f.device(t, tr.c2, func(d *steward.Device) { d.ActivationCodeID = revoked.ID })
	ok(t, f.db.RevokeActivationCode(f.ctx, revoked.ID, f.now()))

	want := []*steward.DeviceVerification{
		{DeviceID: d1.ID, AccountID: tr.c1.ID, AccountPath: tr.c1.Path, AgentEnabled: true},
		{DeviceID: d2.ID, AccountID: tr.c2.ID, AccountPath: tr.c2.Path, AgentEnabled: true, CodeRevoked: true},
		{DeviceID: d3.ID, AccountID: tr.c3.ID, AccountPath: tr.c3.Path, DisabledReason: "subscription ended"},
		{DeviceID: d4.ID, AccountID: tr.c2.ID, AccountPath: tr.c2.Path, AgentEnabled: true, CodeRevoked: true},
	}
	got, err := f.db.DevicesForVerification(f.ctx, "", 0)
	ok(t, err)
	diff(t, "all", got, want)

	var paged []*steward.DeviceVerification
	after := ""
	for range len(want) + 1 {
		page, err := f.db.DevicesForVerification(f.ctx, after, 3)
		ok(t, err)
		if len(page) > 3 {
			t.Fatalf("page of %d, limit 3", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		after = page[len(page)-1].DeviceID
	}
	diff(t, "paged", paged, want)
}
