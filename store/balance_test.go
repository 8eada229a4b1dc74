package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
)

// TestRunningBalanceMatchesLedger: the running balance is a cache of the
// ledger's sum and must never drift from it, even under concurrent writers.
func TestRunningBalanceMatchesLedger(t *testing.T) {
	for name, open := range testutil.Databases(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			db := open(t)
			now := time.Now().UTC().Truncate(time.Millisecond)
			a := &steward.Account{ID: steward.NewID(now), Name: "A", Kind: steward.AccountReseller, Status: steward.StatusActive, CreatedAt: now, UpdatedAt: now}
			a.Path = "/" + a.ID + "/"
			if err := db.InsertAccount(ctx, a); err != nil {
				t.Fatal(err)
			}
			var wg sync.WaitGroup
			for i := range 20 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					amt := int64(i%5 - 1)
					if err := db.InsertLedgerEntry(ctx, &steward.LedgerEntry{ID: steward.NewID(now), AccountID: a.ID, Kind: steward.LedgerGrant,
						Amount: amt, Reason: "t", CreatedAt: now}); err != nil {
						t.Error(err)
					}
				}()
			}
			wg.Wait()
			bal, err := db.Balance(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			sum, err := db.LedgerSum(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			got, err := db.AccountByID(ctx, a.ID)
			if err != nil {
				t.Fatal(err)
			}
			if bal != sum || got.Balance != sum || sum != 20 {
				t.Errorf("balance %d, account balance %d, ledger sum %d (want 20)", bal, got.Balance, sum)
			}
		})
	}
}
