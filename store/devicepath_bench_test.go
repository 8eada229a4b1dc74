package store_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/store"
)

// BenchmarkDevicePathSQLite runs the reads of one device request (its
// credential, its row and its pending commands) against a SQLite file of
// 1,000 devices, with the statements prepared once (the default) and
// compiled on every call:
//
//	go test ./store -run '^$' -bench DevicePathSQLite
func BenchmarkDevicePathSQLite(b *testing.B) {
	for _, prepared := range []bool{true, false} {
		b.Run(fmt.Sprintf("prepared=%v", prepared), func(b *testing.B) {
			ctx := context.Background()
			db, err := store.Open(ctx, filepath.Join(b.TempDir(), "bench.db"), testutil.Logger())
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			if !prepared {
				store.WithoutPreparedStatements(db)
			}
			at := time.Unix(1_700_000_000, 0)
			acct := &steward.Account{ID: steward.NewID(at), Name: "Client", Kind: steward.AccountClient, Status: steward.StatusActive, CreatedAt: at, UpdatedAt: at}
			acct.Path = "/" + acct.ID + "/"
			if err := db.InsertAccount(ctx, acct); err != nil {
				b.Fatal(err)
			}
			var ids []string
			err = db.InTx(ctx, func(ctx context.Context) error {
				for n := range 1000 {
					d := &steward.Device{ID: steward.NewID(at), AccountID: acct.ID, SupportID: fmt.Sprintf("S%07d", n),
						Ownership: steward.OwnershipCompany, Channel: steward.ChannelAgent, HardwareID: fmt.Sprintf("hw-%d", n),
						AgentEnabled: true, EnrolledAt: at, CreatedAt: at, UpdatedAt: at}
					if err := db.InsertDevice(ctx, d, "hash"); err != nil {
						return err
					}
					ids = append(ids, d.ID)
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					id := ids[i%len(ids)]
					i++
					if _, err := db.DeviceAuth(ctx, id); err != nil {
						b.Error(err)
						return
					}
					if _, err := db.DeviceByID(ctx, id); err != nil {
						b.Error(err)
						return
					}
					if _, err := db.PendingCommands(ctx, id, at, 50); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
