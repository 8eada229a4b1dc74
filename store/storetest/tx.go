package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/stewardmdm/steward"
)

var errBoom = errors.New("boom")

// writeSome writes an account, a ledger entry and an audit entry in ctx.
func (f *fixture) writeSome(ctx context.Context, name string) (*steward.Account, error) {
	now := f.now()
	a := &steward.Account{ID: steward.NewID(now), Name: name, Kind: steward.AccountPlatform, Status: steward.StatusActive,
		CreatedAt: now, UpdatedAt: now}
	a.Path = "/" + a.ID + "/"
	if err := f.db.InsertAccount(ctx, a); err != nil {
		return nil, err
	}
	if err := f.db.InsertLedgerEntry(ctx, &steward.LedgerEntry{ID: f.id(), AccountID: a.ID, Kind: steward.LedgerGrant,
		Amount: 5, Reason: "tx", CreatedAt: now}); err != nil {
		return nil, err
	}
	if err := f.db.AppendAudit(ctx, &steward.AuditEntry{ID: f.id(), AccountID: a.ID, Action: "account.create",
		TargetType: "account", TargetID: a.ID, CreatedAt: now}); err != nil {
		return nil, err
	}
	return a, nil
}

// absent fails t unless nothing of what writeSome wrote for a is there.
func (f *fixture) absent(t *testing.T, a *steward.Account) {
	t.Helper()
	_, err := f.db.AccountByID(f.ctx, a.ID)
	wantCode(t, err, steward.ENOTFOUND)
	if b, err := f.db.Balance(f.ctx, a.ID); err != nil || b != 0 {
		t.Errorf("balance after rollback = %d, %v; want 0", b, err)
	}
	if es := f.chain(t, a.ID); len(es) != 0 {
		t.Errorf("audit chain after rollback has %d entries", len(es))
	}
}

// present fails t unless everything writeSome wrote for a is there.
func (f *fixture) present(t *testing.T, a *steward.Account) {
	t.Helper()
	got, err := f.db.AccountByID(f.ctx, a.ID)
	ok(t, err)
	if got.Balance != 5 {
		t.Errorf("balance = %d, want 5", got.Balance)
	}
	if es := f.chain(t, a.ID); len(es) != 1 {
		t.Errorf("audit chain has %d entries, want 1", len(es))
	}
}

func testTxCommit(t *testing.T, f *fixture) {
	var a *steward.Account
	ok(t, f.db.InTx(f.ctx, func(ctx context.Context) error {
		var err error
		if a, err = f.writeSome(ctx, "committed"); err != nil {
			return err
		}
		// Reads in the transaction see its writes.
		got, err := f.db.AccountByID(ctx, a.ID)
		if err != nil {
			return err
		}
		if got.Balance != 5 {
			t.Errorf("balance inside the transaction = %d, want 5", got.Balance)
		}
		return nil
	}))
	f.present(t, a)
}

func testTxRollback(t *testing.T, f *fixture) {
	var a *steward.Account
	err := f.db.InTx(f.ctx, func(ctx context.Context) error {
		var err error
		if a, err = f.writeSome(ctx, "rolled back"); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want the error of fn", err)
	}
	f.absent(t, a)

	// A coded error keeps its code.
	err = f.db.InTx(f.ctx, func(ctx context.Context) error {
		return steward.Errorf(steward.ECONFLICT, "no")
	})
	wantCode(t, err, steward.ECONFLICT)

	// The store still works after a rollback.
	b, err := f.writeSome(f.ctx, "after")
	ok(t, err)
	f.present(t, b)
}

func testTxNested(t *testing.T, f *fixture) {
	// An inner transaction joins the outer: when the outer fails, the
	// inner's writes go too, though the inner returned nil.
	var outer, inner *steward.Account
	err := f.db.InTx(f.ctx, func(ctx context.Context) error {
		var err error
		if outer, err = f.writeSome(ctx, "outer"); err != nil {
			return err
		}
		if err := f.db.InTx(ctx, func(ctx context.Context) error {
			inner, err = f.writeSome(ctx, "inner")
			return err
		}); err != nil {
			return err
		}
		// The outer transaction sees the inner one's writes.
		if _, err := f.db.AccountByID(ctx, inner.ID); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want the error of fn", err)
	}
	f.absent(t, outer)
	f.absent(t, inner)

	// An error of the inner transaction fails the outer one.
	err = f.db.InTx(f.ctx, func(ctx context.Context) error {
		var err error
		if outer, err = f.writeSome(ctx, "outer"); err != nil {
			return err
		}
		return f.db.InTx(ctx, func(ctx context.Context) error { return errBoom })
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want the inner error", err)
	}
	f.absent(t, outer)

	// Store methods that open their own transaction join the caller's.
	err = f.db.InTx(f.ctx, func(ctx context.Context) error {
		var err error
		if outer, err = f.writeSome(ctx, "outer"); err != nil { // AppendAudit runs InTx itself
			return err
		}
		child := &steward.Account{ID: f.id(), ParentID: outer.ID, Name: "child", Kind: steward.AccountClient,
			Status: steward.StatusActive, CreatedAt: f.now(), UpdatedAt: f.now()}
		child.Path = outer.Path + child.ID + "/"
		if err := f.db.InsertAccount(ctx, child); err != nil {
			return err
		}
		if err := f.db.MoveSubtree(ctx, child.ID, outer.ID, child.Path, child.Path, f.now()); err != nil {
			return err
		}
		return errBoom
	})
	if !errors.Is(err, errBoom) {
		t.Fatalf("InTx = %v, want the error of fn", err)
	}
	f.absent(t, outer)
}

func testTxPanic(t *testing.T, f *fixture) {
	var a *steward.Account
	func() {
		defer func() {
			if p := recover(); p != errBoom {
				t.Errorf("recovered %v, want the panic of fn", p)
			}
		}()
		f.db.InTx(f.ctx, func(ctx context.Context) error {
			var err error
			if a, err = f.writeSome(ctx, "panicked"); err != nil {
				return err
			}
			panic(errBoom)
		})
	}()
	if a == nil {
		t.Fatal("fn did not run")
	}
	f.absent(t, a)
	b, err := f.writeSome(f.ctx, "after")
	ok(t, err)
	f.present(t, b)
}
