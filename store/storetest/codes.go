package storetest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// code inserts an activation code for account, billed to billing, with
// seats that expires after ttl. Its hash is "hash-" + its ID.
func (f *fixture) code(t *testing.T, account, billing *steward.Account, seats int, ttl time.Duration) *steward.ActivationCode {
	t.Helper()
	now := f.now()
	c := &steward.ActivationCode{
		ID: steward.NewID(now), Prefix: "ABCD", AccountID: account.ID, BillingAccountID: billing.ID,
		IssuedBy: "mgr-1", IssuedByEmail: "issuer@example.com", Note: "for the warehouse", Seats: seats,
		ExpiresAt: now.Add(ttl), CreatedAt: now,
	}
	if err := f.db.InsertActivationCode(f.ctx, c, "hash-"+c.ID); err != nil {
		t.Fatalf("insert activation code: %v", err)
	}
	return c
}

func testCodes(t *testing.T, f *fixture) {
	tr := f.tree(t)
	now := f.now()
	c := &steward.ActivationCode{
		ID: steward.NewID(now), Code: "ABCD-EFGH-JKLM", Prefix: "ABCD", AccountID: tr.c1.ID, BillingAccountID: tr.r1.ID,
		IssuedBy: "mgr-1", IssuedByEmail: "issuer@example.com", Note: "warehouse", Seats: 10, Used: 0,
		ExpiresAt: now.Add(30 * 24 * time.Hour), CreatedAt: now,
	}
	ok(t, f.db.InsertActivationCode(f.ctx, c, "hash-of-the-code"))
	want := *c
	want.Code = "" // only its hash is kept

	got, err := f.db.ActivationCodeByHash(f.ctx, "hash-of-the-code")
	ok(t, err)
	diff(t, "code by hash", got, &want)
	got, err = f.db.ActivationCodeByID(f.ctx, c.ID)
	ok(t, err)
	diff(t, "code by ID", got, &want)

	_, err = f.db.ActivationCodeByHash(f.ctx, "unknown")
	wantCode(t, err, steward.ENOTFOUND)
	_, err = f.db.ActivationCodeByID(f.ctx, "unknown")
	wantCode(t, err, steward.ENOTFOUND)

	// A hash or an ID can be used once.
	dup := *c
	dup.ID = f.id()
	wantCode(t, f.db.InsertActivationCode(f.ctx, &dup, "hash-of-the-code"), steward.ECONFLICT)
	wantCode(t, f.db.InsertActivationCode(f.ctx, c, "another-hash"), steward.ECONFLICT)

	// Listing: a subtree's codes, newest first.
	c2 := f.code(t, tr.c2, tr.s, 1, time.Hour)
	c3 := f.code(t, tr.c3, tr.r2, 1, time.Hour)
	c1b := f.code(t, tr.c1, tr.r1, 5, time.Hour)
	for _, tc := range []struct {
		name   string
		prefix string
		limit  int
		want   []*steward.ActivationCode
	}{
		{"tree", tr.p.Path, 0, []*steward.ActivationCode{c1b, c3, c2, &want}},
		{"reseller", tr.r1.Path, 0, []*steward.ActivationCode{c1b, c2, &want}},
		{"sub-reseller", tr.s.Path, 0, []*steward.ActivationCode{c2}},
		{"client", tr.c1.Path, 0, []*steward.ActivationCode{c1b, &want}},
		{"limit", tr.p.Path, 2, []*steward.ActivationCode{c1b, c3}},
		{"none", tr.c4.Path, 0, nil},
	} {
		t.Run("List/"+tc.name, func(t *testing.T) {
			got, err := f.db.ListActivationCodes(f.ctx, tc.prefix, tc.limit)
			ok(t, err)
			diff(t, "codes", got, tc.want)
		})
	}

	// Revoking keeps the first time.
	first := f.now()
	ok(t, f.db.RevokeActivationCode(f.ctx, c.ID, first))
	ok(t, f.db.RevokeActivationCode(f.ctx, c.ID, f.now()))
	got, err = f.db.ActivationCodeByID(f.ctx, c.ID)
	ok(t, err)
	if got.RevokedAt == nil || !got.RevokedAt.Equal(first) {
		t.Errorf("revoked at %v, want %v", got.RevokedAt, first)
	}
	wantCode(t, f.db.RevokeActivationCode(f.ctx, "unknown", first), steward.ENOTFOUND)
}

func testCodeUse(t *testing.T, f *fixture) {
	tr := f.tree(t)
	used := func(c *steward.ActivationCode) int {
		t.Helper()
		got, err := f.db.ActivationCodeByID(f.ctx, c.ID)
		ok(t, err)
		return got.Used
	}
	conflict := func(t *testing.T, err error) {
		t.Helper()
		wantCode(t, err, steward.ECONFLICT)
		if msg := steward.ErrorMessage(err); msg != "The activation code is revoked, expired or has no seats left." {
			t.Errorf("message = %q", msg)
		}
	}

	t.Run("seats", func(t *testing.T) {
		c := f.code(t, tr.c1, tr.r1, 2, time.Hour)
		ok(t, f.db.UseActivationCode(f.ctx, c.ID, f.now()))
		ok(t, f.db.UseActivationCode(f.ctx, c.ID, f.now()))
		conflict(t, f.db.UseActivationCode(f.ctx, c.ID, f.now()))
		if n := used(c); n != 2 {
			t.Errorf("used = %d, want 2", n)
		}
	})
	t.Run("expiry", func(t *testing.T) {
		c := f.code(t, tr.c1, tr.r1, 5, time.Hour)
		ok(t, f.db.UseActivationCode(f.ctx, c.ID, c.ExpiresAt.Add(-time.Millisecond)))
		conflict(t, f.db.UseActivationCode(f.ctx, c.ID, c.ExpiresAt)) // expired at its expiry
		conflict(t, f.db.UseActivationCode(f.ctx, c.ID, c.ExpiresAt.Add(time.Hour)))
		if n := used(c); n != 1 {
			t.Errorf("used = %d, want 1", n)
		}
	})
	t.Run("revoked", func(t *testing.T) {
		c := f.code(t, tr.c1, tr.r1, 5, time.Hour)
		ok(t, f.db.RevokeActivationCode(f.ctx, c.ID, f.now()))
		conflict(t, f.db.UseActivationCode(f.ctx, c.ID, f.now()))
		if n := used(c); n != 0 {
			t.Errorf("used = %d, want 0", n)
		}
	})
	t.Run("unknown", func(t *testing.T) {
		conflict(t, f.db.UseActivationCode(f.ctx, "unknown", f.now()))
	})
	t.Run("rolled back", func(t *testing.T) {
		c := f.code(t, tr.c1, tr.r1, 1, time.Hour)
		err := f.db.InTx(f.ctx, func(ctx context.Context) error {
			ok(t, f.db.UseActivationCode(ctx, c.ID, f.now()))
			return errBoom
		})
		if err != errBoom {
			t.Fatalf("InTx = %v, want errBoom", err)
		}
		if n := used(c); n != 0 {
			t.Errorf("used after rollback = %d, want 0", n)
		}
	})
}

// testCodeUseConcurrent enrolls from many goroutines at once with a code
// of few seats, the way the service does (take a seat and insert the device
// in one transaction): exactly as many devices as seats get in.
func testCodeUseConcurrent(t *testing.T, f *fixture) {
	const seats, workers = 5, 24
	tr := f.tree(t)
	c := f.code(t, tr.c1, tr.r1, seats, time.Hour)
	devices := make(chan *steward.Device, workers)
	for range workers {
		devices <- f.newDevice(tr.c1, c)
	}
	at := f.now()
	start := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	var enrolled, refused int
	for range workers {
		wg.Go(func() {
			d := <-devices
			<-start
			err := f.db.InTx(f.ctx, func(ctx context.Context) error {
				if err := f.db.UseActivationCode(ctx, c.ID, at); err != nil {
					return err
				}
				return f.db.InsertDevice(ctx, d, "hash")
			})
			mu.Lock()
			defer mu.Unlock()
			switch steward.ErrorCode(err) {
			case "":
				enrolled++
			case steward.ECONFLICT:
				refused++
			default:
				t.Errorf("enroll: %v", err)
			}
		})
	}
	close(start)
	wg.Wait()
	if enrolled != seats || refused != workers-seats {
		t.Errorf("%d enrolled and %d refused, want %d and %d", enrolled, refused, seats, workers-seats)
	}
	got, err := f.db.ActivationCodeByID(f.ctx, c.ID)
	ok(t, err)
	if got.Used != seats {
		t.Errorf("used = %d, want %d", got.Used, seats)
	}
	total, _, _, err := f.db.CountDevices(f.ctx, tr.c1.Path)
	ok(t, err)
	if total != seats {
		t.Errorf("%d devices enrolled, want %d", total, seats)
	}
}
