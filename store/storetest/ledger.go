package storetest

import (
	"testing"

	"github.com/stewardmdm/steward"
)

func testLedger(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "Platform")
	r := f.account(t, p, steward.AccountReseller, "Reseller")
	c := f.account(t, r, steward.AccountClient, "Client")

	grant := f.ledger(t, r, steward.LedgerGrant, 1000)
	now := f.now()
	out := &steward.LedgerEntry{ID: steward.NewID(now), AccountID: r.ID, Kind: steward.LedgerTransfer, Amount: -250,
		CounterpartyID: c.ID, Reference: "ref-1", ActorID: "mgr", ActorEmail: "mgr@example.com", Reason: "top-up", CreatedAt: now}
	in := &steward.LedgerEntry{ID: steward.NewID(now), AccountID: c.ID, Kind: steward.LedgerTransfer, Amount: 250,
		CounterpartyID: r.ID, Reference: "ref-1", ActorID: "mgr", ActorEmail: "mgr@example.com", Reason: "top-up", CreatedAt: now}
	ok(t, f.db.InsertLedgerEntry(f.ctx, out))
	ok(t, f.db.InsertLedgerEntry(f.ctx, in))
	spend := f.ledger(t, r, steward.LedgerSpend, -1)
	refund := f.ledger(t, r, steward.LedgerRefund, 1)
	spend2 := f.ledger(t, r, steward.LedgerSpend, -3)

	for _, tc := range []struct {
		account *steward.Account
		want    int64
	}{{r, 747}, {c, 250}, {p, 0}} {
		b, err := f.db.Balance(f.ctx, tc.account.ID)
		ok(t, err)
		if b != tc.want {
			t.Errorf("balance of %s = %d, want %d", tc.account.Name, b, tc.want)
		}
	}

	all, err := f.db.ListLedger(f.ctx, steward.LedgerFilter{AccountID: r.ID})
	ok(t, err)
	want := []*steward.LedgerEntry{spend2, refund, spend, out, grant}
	diff(t, "ledger newest first", all, want)
	got, err := f.db.ListLedger(f.ctx, steward.LedgerFilter{AccountID: c.ID})
	ok(t, err)
	diff(t, "ledger of client", got, []*steward.LedgerEntry{in})

	var paged []*steward.LedgerEntry
	before := ""
	for range len(want) + 1 {
		page, err := f.db.ListLedger(f.ctx, steward.LedgerFilter{AccountID: r.ID, Before: before, Limit: 2})
		ok(t, err)
		if len(page) > 2 {
			t.Fatalf("page of %d entries, limit 2", len(page))
		}
		if len(page) == 0 {
			break
		}
		paged = append(paged, page...)
		before = page[len(page)-1].ID
	}
	diff(t, "paged ledger", paged, want)
}

func testLedgerAppendOnly(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "Platform")
	e := f.ledger(t, a, steward.LedgerGrant, 100)

	if _, err := f.db.ExecRaw(f.ctx, `UPDATE credit_ledger SET amount = 1000000 WHERE id = $1`, e.ID); err == nil {
		t.Error("UPDATE on credit_ledger succeeded, want it refused")
	}
	if _, err := f.db.ExecRaw(f.ctx, `DELETE FROM credit_ledger WHERE id = $1`, e.ID); err == nil {
		t.Error("DELETE on credit_ledger succeeded, want it refused")
	}
	got, err := f.db.ListLedger(f.ctx, steward.LedgerFilter{AccountID: a.ID})
	ok(t, err)
	diff(t, "ledger after refused changes", got, []*steward.LedgerEntry{e})
}
