package store_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/store"
)

// benchFleet is a fleet of 100,000 devices: a platform, 10 resellers with
// 10 clients each (999 devices per client) and one small client of 100
// devices, enrolled round-robin so that every client's devices are spread
// over the whole ID range, as they are when clients enroll over the years.
type benchFleet struct {
	platform, reseller, client, small *steward.Account
	ids                               []string // every device, in ID order
}

const (
	benchResellers     = 10
	benchClientsPer    = 10
	benchDevicesPer    = 999
	benchSmallDevices  = 100
	benchFleetSize     = benchResellers*benchClientsPer*benchDevicesPer + benchSmallDevices
	benchPersonalEvery = 10  // every tenth device is personal
	benchRareOSEvery   = 997 // about a hundred devices run Android 9
)

func newBenchFleet(b *testing.B, db *store.DB) *benchFleet {
	b.Helper()
	ctx := context.Background()
	clock := testutil.NewClock()
	now := func() time.Time { return clock.Advance(time.Millisecond) }
	account := func(parent *steward.Account, kind steward.AccountKind, name string) *steward.Account {
		at := now()
		a := &steward.Account{ID: steward.NewID(at), Name: name, Kind: kind, Status: steward.StatusActive, CreatedAt: at, UpdatedAt: at}
		a.Path = "/" + a.ID + "/"
		if parent != nil {
			a.ParentID, a.Path = parent.ID, parent.Path+a.ID+"/"
		}
		if err := db.InsertAccount(ctx, a); err != nil {
			b.Fatal(err)
		}
		return a
	}
	f := &benchFleet{platform: account(nil, steward.AccountPlatform, "Platform")}
	var clients []*steward.Account
	for r := range benchResellers {
		res := account(f.platform, steward.AccountReseller, fmt.Sprintf("Reseller %d", r))
		if f.reseller == nil {
			f.reseller = res
		}
		for c := range benchClientsPer {
			clients = append(clients, account(res, steward.AccountClient, fmt.Sprintf("Client %d.%d", r, c)))
		}
	}
	f.client = clients[0]
	f.small = account(f.reseller, steward.AccountClient, "Small client")

	start := time.Now()
	n := 0
	for n < benchFleetSize {
		err := db.InTx(ctx, func(ctx context.Context) error {
			for range 5000 {
				if n == benchFleetSize {
					return nil
				}
				acct := clients[n%len(clients)]
				if n%(benchFleetSize/benchSmallDevices) == 0 {
					acct = f.small
				}
				at := now()
				d := &steward.Device{ID: steward.NewID(at), AccountID: acct.ID, SupportID: fmt.Sprintf("S%07d", n),
					Name: fmt.Sprintf("Phone %06d", n), Ownership: steward.OwnershipCompany, Channel: steward.ChannelAgent,
					Platform: "android", HardwareID: fmt.Sprintf("hw-%08d", n), AgentEnabled: true,
					Inventory: steward.Inventory{Manufacturer: "Google", Model: "Pixel 8", Serial: fmt.Sprintf("SN%08d", n),
						OSVersion: "14", AgentVersion: "1.0.0", BatteryLevel: new(80)},
					EnrolledAt: at, LastSeenAt: &at, CreatedAt: at, UpdatedAt: at}
				if n%benchPersonalEvery == 0 {
					d.Ownership = steward.OwnershipPersonal
				}
				if n%benchRareOSEvery == 0 {
					d.Inventory.OSVersion = "9"
				}
				if err := db.InsertDevice(ctx, d, "hash"); err != nil {
					return err
				}
				f.ids = append(f.ids, d.ID)
				n++
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	if db.Dialect() == store.Postgres {
		// What autovacuum does soon after a bulk load.
		if _, err := db.ExecRaw(ctx, `VACUUM ANALYZE`); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("%s: loaded %d devices in %v", db.Dialect(), len(f.ids), time.Since(start).Round(time.Millisecond))
	return f
}

// BenchmarkListDevices lists one page of 50 devices out of 100,000 for
// subtrees of every size, with and without filters. It runs on SQLite, and
// on PostgreSQL too when STEWARD_TEST_POSTGRES is set:
//
//	go test ./store -run '^$' -bench ListDevices -benchtime 200x
func BenchmarkListDevices(b *testing.B) {
	dbs := map[string]func(testing.TB) *store.DB{"sqlite": func(t testing.TB) *store.DB { return testutil.OpenSQLite(t) }}
	if os.Getenv(testutil.PostgresEnv) != "" {
		dbs["postgres"] = func(t testing.TB) *store.DB { return testutil.OpenPostgres(t) }
	}
	for _, name := range []string{"sqlite", "postgres"} {
		open, ok := dbs[name]
		if !ok {
			continue
		}
		b.Run(name, func(b *testing.B) {
			db := open(b)
			f := newBenchFleet(b, db)
			ctx := context.Background()
			for _, bc := range []struct {
				name   string
				prefix string
				filter steward.DeviceFilter
				want   int
			}{
				{"platform", f.platform.Path, steward.DeviceFilter{}, 50},
				{"platform/deep-page", f.platform.Path, steward.DeviceFilter{After: f.ids[90000]}, 50},
				{"platform/last-page", f.platform.Path, steward.DeviceFilter{After: f.ids[len(f.ids)-20]}, 19},
				{"platform/limit-500", f.platform.Path, steward.DeviceFilter{Limit: 500}, 500},
				{"reseller", f.reseller.Path, steward.DeviceFilter{}, 50},
				{"client", f.client.Path, steward.DeviceFilter{}, 50},
				{"client/deep-page", f.client.Path, steward.DeviceFilter{After: f.ids[90000]}, 50},
				{"small-client", f.small.Path, steward.DeviceFilter{}, 50},
				{"platform/personal", f.platform.Path, steward.DeviceFilter{Ownership: steward.OwnershipPersonal}, 50},
				{"platform/rare-os", f.platform.Path, steward.DeviceFilter{OSVersion: "9"}, 50},
				{"client/rare-os", f.client.Path, steward.DeviceFilter{OSVersion: "9"}, 1},
				{"platform/query-one", f.platform.Path, steward.DeviceFilter{Query: "sn00042424"}, 1},
				{"platform/query-many", f.platform.Path, steward.DeviceFilter{Query: "phone 0"}, 50},
				{"client/query-one", f.client.Path, steward.DeviceFilter{Query: "s0000100"}, 1},
			} {
				b.Run(bc.name, func(b *testing.B) {
					for b.Loop() {
						ds, err := db.ListDevices(ctx, bc.prefix, bc.filter)
						if err != nil {
							b.Fatal(err)
						}
						if len(ds) != bc.want {
							b.Fatalf("%d devices, want %d", len(ds), bc.want)
						}
					}
				})
			}
			b.Run("count/platform", func(b *testing.B) {
				for b.Loop() {
					if n, _, _, err := db.CountDevices(ctx, f.platform.Path); err != nil || n != benchFleetSize {
						b.Fatalf("count = %d, %v", n, err)
					}
				}
			})
		})
	}
}
