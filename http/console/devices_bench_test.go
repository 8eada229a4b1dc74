package console_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// benchDevices is the fleet the console benchmarks render pages of.
const benchDevices = 100_000

// BenchmarkDevicePages renders the device pages of a 100,000-device fleet
// (10 resellers × 10 clients, devices spread over the ID range as years of
// enrollment spread them), signed in as the platform administrator and as
// one reseller: each page reads a page of devices, never the whole table.
// Seeding takes a while; run it with
//
//	go test ./http/console -run '^$' -bench DevicePages -benchtime 20x
func BenchmarkDevicePages(b *testing.B) {
	e := newEnv(b, adminPassword)
	ctx := context.Background()
	var clients []*steward.Account
	var reseller *steward.Account
	for r := range 10 {
		res := e.account("", fmt.Sprintf("Reseller %d", r), steward.AccountReseller)
		if reseller == nil {
			reseller = res
		}
		for c := range 10 {
			clients = append(clients, e.account(res.ID, fmt.Sprintf("Client %d.%d", r, c), steward.AccountClient))
		}
	}
	pwReseller := e.login(reseller.ID, "owner@reseller.example", steward.RoleOwner)
	start, seen := time.Now(), time.Now().Add(-time.Hour)
	var some *steward.Device
	for n := 0; n < benchDevices; {
		err := e.srv.DB.InTx(ctx, func(ctx context.Context) error {
			for ; n < benchDevices; n++ {
				at := start.Add(time.Duration(n) * time.Millisecond)
				level := n % 100
				d := &steward.Device{ID: steward.NewID(at), AccountID: clients[n%len(clients)].ID, SupportID: fmt.Sprintf("S%07d", n),
					Name: fmt.Sprintf("Handheld %06d", n), Ownership: steward.OwnershipCompany, Channel: steward.ChannelAgent,
					Platform: "android", HardwareID: fmt.Sprintf("hw-%08d", n), AgentEnabled: true, EnrolledAt: at, LastSeenAt: &seen,
					CreatedAt: at, UpdatedAt: at, Inventory: steward.Inventory{Manufacturer: "Zebra", Model: "TC52", OSVersion: "14", BatteryLevel: &level}}
				if n%10 == 0 {
					d.Ownership = steward.OwnershipPersonal
				}
				if err := e.srv.DB.InsertDevice(ctx, d, ""); err != nil {
					return err
				}
				if n == benchDevices/2 {
					some = d
				}
				if n%5000 == 4999 {
					n++
					return nil
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %d devices in %s", benchDevices, time.Since(start).Round(time.Millisecond))

	admin, res := e.client(), e.client()
	admin.signIn(adminEmail, adminPassword)
	res.signIn("owner@reseller.example", pwReseller)
	for _, bc := range []struct {
		name string
		c    *client
		path string
	}{
		{"list/platform", admin, "/console/devices"},
		{"list/reseller", res, "/console/devices"},
		{"list/client", admin, "/console/devices?account=" + clients[0].ID},
		{"list/personal", admin, "/console/devices?ownership=personal"},
		{"list/online-none", admin, "/console/devices?online=online"}, // everyone is offline: the scan bound
		{"search/support-id", admin, "/console/devices?q=" + some.SupportID},
		{"device", admin, "/console/devices/" + some.ID},
		{"dashboard/platform", admin, "/console/"},
		{"dashboard/reseller", res, "/console/"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bc.c.t = b
			for b.Loop() {
				if p := bc.c.get(bc.path); p.status != http.StatusOK {
					b.Fatalf("%s: status %d", bc.path, p.status)
				}
			}
		})
	}
}
