package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

func testPing(t *testing.T, f *fixture) {
	ok(t, f.db.Ping(f.ctx))
	cur, latest, err := f.db.SchemaVersion(f.ctx)
	ok(t, err)
	if cur != latest || latest < 1 {
		t.Errorf("schema version = %d, latest %d; want equal and at least 1", cur, latest)
	}
}

func testAccountInsertAndGet(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "Platform")
	now := f.now()
	a := &steward.Account{
		ID: steward.NewID(now), Name: "Reseller", Kind: steward.AccountReseller, ParentID: p.ID,
		Status: steward.StatusSuspended, StatusReason: "unpaid", Notes: "call first",
		Support:           steward.SupportPermissions{RemoteSupport: true, ViewDevices: true},
		SubscriptionStart: ptr(now.Add(-24 * time.Hour)), SubscriptionEnd: ptr(now.Add(365 * 24 * time.Hour)),
		CreatedAt: now, UpdatedAt: now.Add(time.Second),
	}
	a.Path = p.Path + a.ID + "/"
	ok(t, f.db.InsertAccount(f.ctx, a))

	got, err := f.db.AccountByID(f.ctx, a.ID)
	ok(t, err)
	diff(t, "account", got, a)
	got, err = f.db.AccountByID(f.ctx, p.ID)
	ok(t, err)
	diff(t, "root account", got, p)

	_, err = f.db.AccountByID(f.ctx, "missing")
	wantCode(t, err, steward.ENOTFOUND)
	wantCode(t, f.db.InsertAccount(f.ctx, a), steward.ECONFLICT)
}

// tree is a small hierarchy:
//
//	p (platform)
//	├── r1 "Acme_Resellers"        reseller
//	│   ├── s "Sub Reseller"       reseller
//	│   │   └── c2 "client two"
//	│   └── c1 "Client One"
//	└── r2 "100% Reseller"         reseller
//	    ├── c3 "Suspended Client"  suspended
//	    └── c4 "Gone Client"       deleted
type tree struct {
	p, r1, r2, s, c1, c2, c3, c4 *steward.Account
}

func (f *fixture) tree(t *testing.T) *tree {
	t.Helper()
	var tr tree
	tr.p = f.account(t, nil, steward.AccountPlatform, "Platform")
	tr.r1 = f.account(t, tr.p, steward.AccountReseller, "Acme_Resellers")
	tr.r2 = f.account(t, tr.p, steward.AccountReseller, "100% Reseller")
	tr.s = f.account(t, tr.r1, steward.AccountReseller, "Sub Reseller")
	tr.c1 = f.account(t, tr.r1, steward.AccountClient, "Client One")
	tr.c2 = f.account(t, tr.s, steward.AccountClient, "client two")
	tr.c3 = f.account(t, tr.r2, steward.AccountClient, "Suspended Client")
	tr.c3.Status, tr.c3.StatusReason = steward.StatusSuspended, "unpaid"
	ok(t, f.db.UpdateAccount(f.ctx, tr.c3))
	tr.c4 = f.account(t, tr.r2, steward.AccountClient, "Gone Client")
	tr.c4.DeletedAt = ptr(f.now())
	ok(t, f.db.UpdateAccount(f.ctx, tr.c4))
	return &tr
}

func testAccountList(t *testing.T, f *fixture) {
	tr := f.tree(t)
	for _, tc := range []struct {
		name   string
		prefix string
		filter steward.AccountFilter
		want   []string
	}{
		{"all live", tr.p.Path, steward.AccountFilter{}, byPath(tr.p, tr.r1, tr.r2, tr.s, tr.c1, tr.c2, tr.c3)},
		{"everything", "", steward.AccountFilter{}, byPath(tr.p, tr.r1, tr.r2, tr.s, tr.c1, tr.c2, tr.c3)},
		{"subtree", tr.r1.Path, steward.AccountFilter{}, byPath(tr.r1, tr.s, tr.c1, tr.c2)},
		{"leaf", tr.c2.Path, steward.AccountFilter{}, byPath(tr.c2)},
		{"parent", tr.p.Path, steward.AccountFilter{ParentID: tr.r1.ID}, byPath(tr.s, tr.c1)},
		{"parent outside prefix", tr.r2.Path, steward.AccountFilter{ParentID: tr.r1.ID}, nil},
		{"kind", tr.p.Path, steward.AccountFilter{Kind: steward.AccountClient}, byPath(tr.c1, tr.c2, tr.c3)},
		{"kind in subtree", tr.r1.Path, steward.AccountFilter{Kind: steward.AccountReseller}, byPath(tr.r1, tr.s)},
		{"status", tr.p.Path, steward.AccountFilter{Status: steward.StatusSuspended}, byPath(tr.c3)},
		{"query ignores case", tr.p.Path, steward.AccountFilter{Query: "CLIENT"}, byPath(tr.c1, tr.c2, tr.c3)},
		{"query in middle", tr.p.Path, steward.AccountFilter{Query: "sell"}, byPath(tr.r1, tr.r2, tr.s)},
		{"query underscore is literal", tr.p.Path, steward.AccountFilter{Query: "_"}, byPath(tr.r1)},
		{"query percent is literal", tr.p.Path, steward.AccountFilter{Query: "%"}, byPath(tr.r2)},
		{"query backslash is literal", tr.p.Path, steward.AccountFilter{Query: `\`}, nil},
		{"query no match", tr.p.Path, steward.AccountFilter{Query: "nobody"}, nil},
		{"include deleted", tr.r2.Path, steward.AccountFilter{IncludeDeleted: true}, byPath(tr.r2, tr.c3, tr.c4)},
		{"deleted hidden", tr.r2.Path, steward.AccountFilter{}, byPath(tr.r2, tr.c3)},
		{"combined", tr.p.Path, steward.AccountFilter{Kind: steward.AccountClient, Query: "client", IncludeDeleted: true, Status: steward.StatusActive},
			byPath(tr.c1, tr.c2, tr.c4)},
		{"limit", tr.p.Path, steward.AccountFilter{Limit: 2}, byPath(tr.p, tr.r1, tr.r2, tr.s, tr.c1, tr.c2, tr.c3)[:2]},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.ListAccounts(f.ctx, tc.prefix, tc.filter)
			ok(t, err)
			diff(t, "account IDs", accountIDs(got), tc.want)
		})
	}

	// Listed accounts carry every field.
	got, err := f.db.ListAccounts(f.ctx, tr.c3.Path, steward.AccountFilter{})
	ok(t, err)
	diff(t, "listed account", got, []*steward.Account{tr.c3})
}

func testAccountListPaging(t *testing.T, f *fixture) {
	tr := f.tree(t)
	want := byPath(tr.p, tr.r1, tr.r2, tr.s, tr.c1, tr.c2, tr.c3, tr.c4)
	var got []string
	after := ""
	for page := 0; ; page++ {
		if page > len(want) {
			t.Fatalf("paging does not end: %v", got)
		}
		as, err := f.db.ListAccounts(f.ctx, tr.p.Path, steward.AccountFilter{IncludeDeleted: true, After: after, Limit: 3})
		ok(t, err)
		if len(as) > 3 {
			t.Fatalf("page of %d accounts, limit 3", len(as))
		}
		if len(as) == 0 {
			break
		}
		got = append(got, accountIDs(as)...)
		after = as[len(as)-1].ID
	}
	diff(t, "paged account IDs", got, want)
}

func testAccountUpdate(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "Platform")
	a := f.account(t, p, steward.AccountClient, "Client")
	created := a.CreatedAt

	now := f.now()
	a.Name, a.Status, a.StatusReason, a.Notes = "Renamed", steward.StatusBlocked, "fraud", "see ticket 7"
	a.Support = steward.SupportPermissions{RemoteSupport: true}
	a.SubscriptionStart, a.SubscriptionEnd = ptr(now), ptr(now.Add(30*24*time.Hour))
	a.UpdatedAt = now
	ok(t, f.db.UpdateAccount(f.ctx, a))
	got, err := f.db.AccountByID(f.ctx, a.ID)
	ok(t, err)
	diff(t, "updated account", got, a)
	if !got.CreatedAt.Equal(created) {
		t.Errorf("CreatedAt changed to %v", got.CreatedAt)
	}

	// Clearing optional fields writes NULLs.
	a.SubscriptionStart, a.SubscriptionEnd, a.Support = nil, nil, steward.SupportPermissions{}
	ok(t, f.db.UpdateAccount(f.ctx, a))
	got, err = f.db.AccountByID(f.ctx, a.ID)
	ok(t, err)
	diff(t, "cleared account", got, a)

	// The hierarchy is not an updatable field.
	moved := *a
	moved.ParentID, moved.Path, moved.Kind = "", "/elsewhere/", steward.AccountReseller
	ok(t, f.db.UpdateAccount(f.ctx, &moved))
	got, err = f.db.AccountByID(f.ctx, a.ID)
	ok(t, err)
	diff(t, "account after update of fixed fields", got, a)

	missing := *a
	missing.ID = "missing"
	wantCode(t, f.db.UpdateAccount(f.ctx, &missing), steward.ENOTFOUND)
}

func testAccountMoveSubtree(t *testing.T, f *fixture) {
	tr := f.tree(t)
	at := f.now()
	newPrefix := tr.r2.Path + tr.s.ID + "/"
	ok(t, f.db.MoveSubtree(f.ctx, tr.s.ID, tr.r2.ID, tr.s.Path, newPrefix, at))

	s, err := f.db.AccountByID(f.ctx, tr.s.ID)
	ok(t, err)
	want := *tr.s
	want.ParentID, want.Path, want.UpdatedAt = tr.r2.ID, newPrefix, at
	diff(t, "moved account", s, &want)

	c2, err := f.db.AccountByID(f.ctx, tr.c2.ID)
	ok(t, err)
	want = *tr.c2
	want.Path = newPrefix + tr.c2.ID + "/"
	diff(t, "account below the moved one", c2, &want)

	// The rest of the tree is untouched.
	for _, a := range []*steward.Account{tr.p, tr.r1, tr.r2, tr.c1, tr.c3} {
		got, err := f.db.AccountByID(f.ctx, a.ID)
		ok(t, err)
		diff(t, "account "+a.Name, got, a)
	}

	got, err := f.db.ListAccounts(f.ctx, tr.r1.Path, steward.AccountFilter{})
	ok(t, err)
	diff(t, "old subtree", accountIDs(got), byPath(tr.r1, tr.c1))
	got, err = f.db.ListAccounts(f.ctx, tr.r2.Path, steward.AccountFilter{})
	ok(t, err)
	diff(t, "new subtree", accountIDs(got), byPath(tr.r2, tr.c3, s, c2))
	anc, err := f.db.AccountAncestry(f.ctx, c2.Path)
	ok(t, err)
	diff(t, "ancestry after move", accountIDs(anc), []string{tr.p.ID, tr.r2.ID, tr.s.ID, tr.c2.ID})
}

func testAccountSoftDeleteSubtree(t *testing.T, f *fixture) {
	tr := f.tree(t)
	at := f.now()
	n, err := f.db.SoftDeleteSubtree(f.ctx, tr.r1.Path, at)
	ok(t, err)
	if n != 4 {
		t.Errorf("soft-deleted %d accounts, want 4", n)
	}
	for _, a := range []*steward.Account{tr.r1, tr.s, tr.c1, tr.c2} {
		got, err := f.db.AccountByID(f.ctx, a.ID)
		ok(t, err)
		want := *a
		want.DeletedAt, want.UpdatedAt = &at, at
		diff(t, "deleted "+a.Name, got, &want)
	}

	// An account already deleted keeps its deletion time.
	n, err = f.db.SoftDeleteSubtree(f.ctx, tr.r2.Path, f.now())
	ok(t, err)
	if n != 2 {
		t.Errorf("soft-deleted %d accounts under r2, want 2 (c4 was deleted before)", n)
	}
	c4, err := f.db.AccountByID(f.ctx, tr.c4.ID)
	ok(t, err)
	diff(t, "account deleted before", c4, tr.c4)

	got, err := f.db.ListAccounts(f.ctx, tr.p.Path, steward.AccountFilter{})
	ok(t, err)
	diff(t, "live accounts", accountIDs(got), []string{tr.p.ID})
	n, err = f.db.SoftDeleteSubtree(f.ctx, tr.r1.Path, f.now())
	ok(t, err)
	if n != 0 {
		t.Errorf("second soft-delete touched %d accounts, want 0", n)
	}
}

func testAccountAncestryAndCount(t *testing.T, f *fixture) {
	tr := f.tree(t)
	got, err := f.db.AccountAncestry(f.ctx, tr.c2.Path)
	ok(t, err)
	diff(t, "ancestry", got, []*steward.Account{tr.p, tr.r1, tr.s, tr.c2})
	got, err = f.db.AccountAncestry(f.ctx, tr.p.Path)
	ok(t, err)
	diff(t, "ancestry of root", accountIDs(got), []string{tr.p.ID})
	got, err = f.db.AccountAncestry(f.ctx, "")
	ok(t, err)
	if len(got) != 0 {
		t.Errorf("ancestry of empty path = %v, want none", accountIDs(got))
	}

	for _, tc := range []struct {
		prefix string
		want   map[steward.AccountKind]int
	}{
		{tr.p.Path, map[steward.AccountKind]int{steward.AccountPlatform: 1, steward.AccountReseller: 3, steward.AccountClient: 3}},
		{tr.r1.Path, map[steward.AccountKind]int{steward.AccountReseller: 2, steward.AccountClient: 2}},
		{tr.r2.Path, map[steward.AccountKind]int{steward.AccountReseller: 1, steward.AccountClient: 1}}, // c4 is deleted
		{"/nothing/", map[steward.AccountKind]int{}},
	} {
		counts, err := f.db.CountAccounts(f.ctx, tc.prefix)
		ok(t, err)
		diff(t, "counts under "+tc.prefix, counts, tc.want)
	}
}

func testAccountLock(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "Platform")
	ok(t, f.db.InTx(f.ctx, func(ctx context.Context) error {
		return f.db.LockAccount(ctx, a.ID)
	}))
	err := f.db.InTx(f.ctx, func(ctx context.Context) error {
		return f.db.LockAccount(ctx, "missing")
	})
	wantCode(t, err, steward.ENOTFOUND)
	// Locking leaves the account as it was.
	got, err := f.db.AccountByID(f.ctx, a.ID)
	ok(t, err)
	diff(t, "locked account", got, a)
}

func testAccountBalance(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "Platform")
	r := f.account(t, p, steward.AccountReseller, "Reseller")
	c := f.account(t, r, steward.AccountClient, "Client")
	f.ledger(t, r, steward.LedgerGrant, 1000)
	f.ledger(t, r, steward.LedgerTransfer, -300)
	f.ledger(t, c, steward.LedgerTransfer, 300)
	f.ledger(t, c, steward.LedgerSpend, -1)
	r.Balance, c.Balance = 700, 299

	got, err := f.db.AccountByID(f.ctx, r.ID)
	ok(t, err)
	diff(t, "reseller", got, r)
	list, err := f.db.ListAccounts(f.ctx, p.Path, steward.AccountFilter{})
	ok(t, err)
	diff(t, "listed accounts", list, []*steward.Account{p, r, c})
	anc, err := f.db.AccountAncestry(f.ctx, c.Path)
	ok(t, err)
	diff(t, "ancestry", anc, []*steward.Account{p, r, c})
}
