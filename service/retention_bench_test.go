package service_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/protocol"
	"github.com/stewardmdm/steward/service"
	"github.com/stewardmdm/steward/store"
)

// BenchmarkRetentionSweepUnderCheckIns seeds expired location points
// (1,000,000 by default; STEWARD_BENCH_LOCATION_ROWS changes it) spread
// over 1,000 devices, then measures the check-in path (service CheckIn
// with an inventory report: a write transaction per check-in) from 8
// goroutines for 2 s alone, and again while SweepRetention deletes every
// point. It reports the sweep's rows/s and the check-in p50/p99 with and
// without the sweep. Run it with -benchtime=1x: one iteration seeds and
// sweeps a million rows.
func BenchmarkRetentionSweepUnderCheckIns(b *testing.B) {
	rows := 1_000_000
	if v := os.Getenv("STEWARD_BENCH_LOCATION_ROWS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			b.Fatal(err)
		}
		rows = n
	}
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
			for range b.N {
				b.StopTimer()
				db := open(b)
				svc, devs := benchRetentionSetup(b, db, rows)
				b.StartTimer()
				base := checkInLoad(b, svc, devs, func(stop <-chan struct{}) { <-stop }, 2*time.Second)
				var took time.Duration
				during := checkInLoad(b, svc, devs, func(stop <-chan struct{}) {
					start := time.Now()
					if _, err := svc.SweepRetention(context.Background()); err != nil {
						b.Error(err)
					}
					took = time.Since(start)
				}, 0)
				if left, _ := db.CountTable(context.Background(), "location_points"); left != 0 {
					b.Fatalf("%d points left after the sweep", left)
				}
				b.ReportMetric(float64(rows)/took.Seconds(), "sweep-rows/s")
				b.ReportMetric(took.Seconds(), "sweep-s")
				b.ReportMetric(ms(base.p(50)), "checkin-p50-ms")
				b.ReportMetric(ms(base.p(99)), "checkin-p99-ms")
				b.ReportMetric(ms(during.p(50)), "checkin-sweep-p50-ms")
				b.ReportMetric(ms(during.p(99)), "checkin-sweep-p99-ms")
				b.ReportMetric(float64(len(during.lat))/took.Seconds(), "checkins-during-sweep/s")
			}
		})
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

type latencies struct{ lat []time.Duration }

func (l latencies) p(q int) time.Duration {
	if len(l.lat) == 0 {
		return 0
	}
	s := slices.Clone(l.lat)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*q/100)]
}

// checkInLoad runs check-ins from 8 goroutines while work runs (for at
// least min), and returns their latencies.
func checkInLoad(b *testing.B, svc *service.Service, devs []*service.Device, work func(stop <-chan struct{}), least time.Duration) latencies {
	stop := make(chan struct{})
	var mu sync.Mutex
	var out latencies
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for i := g; ; i += 8 {
				select {
				case <-stop:
					mu.Lock()
					out.lat = append(out.lat, mine...)
					mu.Unlock()
					return
				default:
				}
				d := devs[i%len(devs)]
				start := time.Now()
				_, err := svc.CheckIn(context.Background(), d, &protocol.CheckInRequest{Protocol: 1,
					Inventory: &protocol.Inventory{Manufacturer: "Zebra", Model: "TC58", OSVersion: "14", AgentVersion: strconv.Itoa(i)}}, "203.0.113.7")
				if err != nil {
					b.Error(err)
					return
				}
				mine = append(mine, time.Since(start))
			}
		}()
	}
	done := make(chan struct{})
	go func() {
		work(done)
		close(stop)
	}()
	if least > 0 {
		time.Sleep(least)
		close(done)
	}
	wg.Wait()
	return out
}

// benchRetentionSetup makes a platform, a client with 1,000 devices and
// rows location points older than 60 days spread over them.
func benchRetentionSetup(b *testing.B, db *store.DB, rows int) (*service.Service, []*service.Device) {
	ctx := context.Background()
	svc, err := service.New(service.Options{Store: db, Clock: steward.SystemClock{}, Logger: testutil.Logger(),
		Passwords: service.NewPasswordHasher(service.Argon2Params{Memory: 64, Time: 1, Threads: 1})})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Bootstrap(ctx, "admin@bench.test", "Bench-root-passphrase-7"); err != nil {
		b.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	root, err := db.ListAccounts(ctx, "/", steward.AccountFilter{Kind: steward.AccountPlatform, Limit: 1})
	if err != nil || len(root) == 0 {
		b.Fatal("no platform", err)
	}
	acc := &steward.Account{ID: steward.NewID(now), Name: "Bench client", Kind: steward.AccountClient, ParentID: root[0].ID,
		Status: steward.StatusActive, CreatedAt: now, UpdatedAt: now}
	acc.Path = root[0].Path + acc.ID + "/"
	if err := db.InsertAccount(ctx, acc); err != nil {
		b.Fatal(err)
	}
	var devs []*service.Device
	for i := range 1000 {
		id := steward.NewID(now)
		d := &steward.Device{ID: id, AccountID: acc.ID, SupportID: id[len(id)-8:], Ownership: steward.OwnershipCompany,
			Channel: "agent", Platform: "android", HardwareID: fmt.Sprintf("hw-%d", i), AgentEnabled: true,
			EnrolledAt: now, CreatedAt: now, UpdatedAt: now}
		if err := db.InsertDevice(ctx, d, "x"); err != nil {
			b.Fatal(err)
		}
		devs = append(devs, &service.Device{ID: id, AccountID: acc.ID, AccountPath: acc.Path, Ownership: steward.OwnershipCompany})
	}
	old := now.Add(-90 * 24 * time.Hour).UnixMilli()
	const chunk = 500
	err = db.InTx(ctx, func(ctx context.Context) error {
		for start := 0; start < rows; start += chunk {
			n := min(chunk, rows-start)
			var q strings.Builder
			q.WriteString(`INSERT INTO location_points (id, device_id, latitude, longitude, recorded_at, received_at) VALUES `)
			args := make([]any, 0, 4*n)
			for j := range n {
				if j > 0 {
					q.WriteString(", ")
				}
				k := len(args)
				if db.Dialect() == store.SQLite {
					// Plain ? parameters: SQLite binds numbered ones in n² time.
					q.WriteString("(?, ?, 52.5, 13.4, ?, ?)")
				} else {
					fmt.Fprintf(&q, "($%d, $%d, 52.5, 13.4, $%d, $%d)", k+1, k+2, k+3, k+4)
				}
				args = append(args, steward.NewID(now), devs[(start+j)%len(devs)].ID, old+int64(start+j), old)
			}
			if _, err := db.ExecRaw(ctx, q.String(), args...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	return svc, devs
}
