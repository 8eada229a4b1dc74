package storetest

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stewardmdm/steward"
)

// accountKey returns a data key row of account under masterID; the wrapped
// bytes are a label, the store does not look inside them.
func (f *fixture) accountKey(account *steward.Account, version int, masterID, label string) *steward.AccountKey {
	return &steward.AccountKey{AccountID: account.ID, Version: version, Wrapped: []byte(label), MasterKeyID: masterID,
		CreatedAt: f.now()}
}

func testAccountKeys(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	client := f.account(t, root, steward.AccountClient, "Client")

	_, err := f.db.AccountKey(f.ctx, client.ID, 0)
	wantCode(t, err, steward.ENOTFOUND)
	v1 := f.accountKey(client, 1, "m1", "first")
	got, err := f.db.InsertAccountKey(f.ctx, v1)
	ok(t, err)
	diff(t, "inserted", got, v1)

	// A second key of the same version does not replace the first: the
	// caller gets the one stored.
	got, err = f.db.InsertAccountKey(f.ctx, f.accountKey(client, 1, "m2", "second"))
	ok(t, err)
	diff(t, "insert of a taken version", got, v1)

	v2 := f.accountKey(client, 2, "m1", "newer")
	_, err = f.db.InsertAccountKey(f.ctx, v2)
	ok(t, err)
	got, err = f.db.AccountKey(f.ctx, client.ID, 0)
	ok(t, err)
	diff(t, "latest", got, v2)
	got, err = f.db.AccountKey(f.ctx, client.ID, 1)
	ok(t, err)
	diff(t, "version 1", got, v1)
	_, err = f.db.AccountKey(f.ctx, client.ID, 3)
	wantCode(t, err, steward.ENOTFOUND)

	_, err = f.db.InsertAccountKey(f.ctx, &steward.AccountKey{AccountID: "01NOSUCHACCOUNT", Version: 1,
		Wrapped: []byte("x"), MasterKeyID: "m1", CreatedAt: f.now()})
	wantCode(t, err, steward.ENOTFOUND)
}

func testAccountKeysRewrap(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	var keys []*steward.AccountKey
	for i := range 5 {
		a := f.account(t, root, steward.AccountClient, fmt.Sprint("Client ", i))
		master := "old"
		if i == 2 {
			master = "new"
		}
		k, err := f.db.InsertAccountKey(f.ctx, f.accountKey(a, 1, master, "k"))
		ok(t, err)
		keys = append(keys, k)
	}
	counts, err := f.db.CountAccountKeys(f.ctx)
	ok(t, err)
	diff(t, "counts", counts, map[string]int64{"old": 4, "new": 1})

	// Paging through the keys not under "new", two at a time.
	var seen []string
	filter := steward.AccountKeyFilter{ExceptMasterKeyID: "new", Limit: 2}
	for {
		page, err := f.db.ListAccountKeys(f.ctx, filter)
		ok(t, err)
		if len(page) == 0 {
			break
		}
		for _, k := range page {
			seen = append(seen, k.AccountID)
		}
		last := page[len(page)-1]
		filter.AfterAccountID, filter.AfterVersion = last.AccountID, last.Version
	}
	diff(t, "keys to re-wrap", seen, []string{keys[0].AccountID, keys[1].AccountID, keys[3].AccountID, keys[4].AccountID})
	under, err := f.db.ListAccountKeys(f.ctx, steward.AccountKeyFilter{MasterKeyID: "new"})
	ok(t, err)
	diff(t, "keys under new", under, []*steward.AccountKey{keys[2]})

	at := f.now()
	done, err := f.db.RewrapAccountKey(f.ctx, keys[0].AccountID, 1, "old", []byte("rewrapped"), "new", at)
	ok(t, err)
	if !done {
		t.Fatal("re-wrap of a key under old: not done")
	}
	// Another writer that still thinks the key is under "old" changes nothing.
	done, err = f.db.RewrapAccountKey(f.ctx, keys[0].AccountID, 1, "old", []byte("again"), "other", f.now())
	ok(t, err)
	if done {
		t.Fatal("second re-wrap from old: done, want skipped")
	}
	got, err := f.db.AccountKey(f.ctx, keys[0].AccountID, 1)
	ok(t, err)
	want := *keys[0]
	want.Wrapped, want.MasterKeyID, want.RotatedAt = []byte("rewrapped"), "new", &at
	diff(t, "re-wrapped key", got, &want)
}

// testAccountKeysConcurrent inserts an account's first key from many
// goroutines at once, each outside and inside a transaction: one key
// results and every caller gets it.
func testAccountKeysConcurrent(t *testing.T, f *fixture) {
	root := f.account(t, nil, steward.AccountPlatform, "Root")
	for _, inTx := range []bool{false, true} {
		a := f.account(t, root, steward.AccountClient, fmt.Sprint("Client in tx ", inTx))
		const workers = 12
		got := make([]*steward.AccountKey, workers)
		errs := make([]error, workers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range workers {
			k := f.accountKey(a, 1, "m1", fmt.Sprint("key ", i))
			wg.Go(func() {
				<-start
				if !inTx {
					got[i], errs[i] = f.db.InsertAccountKey(f.ctx, k)
					return
				}
				errs[i] = f.db.InTx(f.ctx, func(ctx context.Context) error {
					var err error
					got[i], err = f.db.InsertAccountKey(ctx, k)
					return err
				})
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errs {
			ok(t, err)
			diff(t, fmt.Sprintf("caller %d's key", i), got[i], got[0])
		}
		stored, err := f.db.AccountKey(f.ctx, a.ID, 0)
		ok(t, err)
		diff(t, "stored key", stored, got[0])
		all, err := f.db.ListAccountKeys(f.ctx, steward.AccountKeyFilter{Limit: 1000})
		ok(t, err)
		var n int
		for _, k := range all {
			if k.AccountID == a.ID {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("in tx %v: %d keys for the account, want 1", inTx, n)
		}
	}
}
