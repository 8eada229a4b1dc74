package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// audit appends an entry to account's chain.
func (f *fixture) audit(t *testing.T, account *steward.Account, actor, action, target string) *steward.AuditEntry {
	t.Helper()
	now := f.now()
	e := &steward.AuditEntry{
		ID: steward.NewID(now), AccountID: account.ID, ActorID: actor, ActorEmail: actor + "@example.com",
		Action: action, TargetType: "account", TargetID: target, IP: "192.0.2.7", CreatedAt: now,
	}
	if err := f.db.AppendAudit(f.ctx, e); err != nil {
		t.Fatalf("append audit %s: %v", action, err)
	}
	return e
}

func auditIDs(es []*steward.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out
}

// newestFirst returns the IDs of es, newest first (es are oldest first).
func newestFirst(es ...*steward.AuditEntry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[len(es)-1-i] = e.ID
	}
	return out
}

// chain reads an account's chain.
func (f *fixture) chain(t *testing.T, accountID string) []*steward.AuditEntry {
	t.Helper()
	var out []*steward.AuditEntry
	ok(t, f.db.AuditChain(f.ctx, accountID, func(e *steward.AuditEntry) error {
		out = append(out, e)
		return nil
	}))
	return out
}

// verifyChain fails t unless es is a whole, linked chain.
func verifyChain(t *testing.T, es []*steward.AuditEntry) {
	t.Helper()
	prev := ""
	for i, e := range es {
		if e.Seq != int64(i+1) {
			t.Errorf("entry %d: seq %d, want %d", i, e.Seq, i+1)
		}
		if e.PrevHash != prev {
			t.Errorf("entry %d: prev hash %q, want %q", i, e.PrevHash, prev)
		}
		if want := e.ChainHash(prev); e.Hash != want {
			t.Errorf("entry %d: hash %q, want %q", i, e.Hash, want)
		}
		prev = e.Hash
	}
}

func testAuditAppend(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "A")
	b := f.account(t, nil, steward.AccountPlatform, "B")
	now := f.now()
	a1 := &steward.AuditEntry{
		ID: steward.NewID(now), AccountID: a.ID, ActorID: "m1", ActorEmail: "m1@example.com", TokenID: "tok",
		Action: "account.update", TargetType: "account", TargetID: a.ID, IP: "2001:db8::1",
		Summary: json.RawMessage(`{"before":{"name":"A"},"after":{"name":"A2"}}`), CreatedAt: now,
	}
	ok(t, f.db.AppendAudit(f.ctx, a1))
	b1 := f.audit(t, b, "m2", "account.create", b.ID)
	a2 := f.audit(t, a, "m1", "manager.create", "m3")
	a3 := f.audit(t, a, "m1", "manager.delete", "m3")

	for _, e := range []*steward.AuditEntry{a1, a2, a3, b1} {
		if e.Hash == "" || e.Hash != e.ChainHash(e.PrevHash) {
			t.Errorf("entry %s: hash %q does not cover its content", e.ID, e.Hash)
		}
	}
	if a1.Seq != 1 || a2.Seq != 2 || a3.Seq != 3 || b1.Seq != 1 {
		t.Errorf("seqs = %d %d %d (b %d), want 1 2 3 (b 1)", a1.Seq, a2.Seq, a3.Seq, b1.Seq)
	}
	if a1.PrevHash != "" || a2.PrevHash != a1.Hash || a3.PrevHash != a2.Hash || b1.PrevHash != "" {
		t.Error("prev hashes do not link each account's chain")
	}

	ca := f.chain(t, a.ID)
	diff(t, "chain of A", ca, []*steward.AuditEntry{a1, a2, a3})
	verifyChain(t, ca)
	diff(t, "chain of B", f.chain(t, b.ID), []*steward.AuditEntry{b1})
	if es := f.chain(t, "missing"); len(es) != 0 {
		t.Errorf("chain of a missing account has %d entries", len(es))
	}

	// An error from fn stops the walk and is returned.
	stop := fmt.Errorf("stop")
	n := 0
	err := f.db.AuditChain(f.ctx, a.ID, func(*steward.AuditEntry) error { n++; return stop })
	if err != stop || n != 1 {
		t.Errorf("AuditChain with failing fn = %v after %d calls, want stop after 1", err, n)
	}
}

// testAuditAppendConcurrent appends to fresh chains from several
// goroutines at once: the chains must come out whole, without gaps or
// forks, on a database with several connections too.
func testAuditAppendConcurrent(t *testing.T, f *fixture) {
	const workers, appends = 4, 5
	a := f.account(t, nil, steward.AccountPlatform, "A")
	b := f.account(t, nil, steward.AccountPlatform, "B")
	ids := make(chan string, 2*workers*appends)
	for range cap(ids) {
		ids <- f.id()
	}
	at := f.now()
	var wg sync.WaitGroup
	start := make(chan struct{}) // all workers start their first append together
	errs := make(chan error, 2*workers*appends)
	for w := range 2 * workers {
		acct := a
		if w%2 == 1 {
			acct = b
		}
		wg.Go(func() {
			<-start
			for range appends {
				e := &steward.AuditEntry{ID: <-ids, AccountID: acct.ID, Action: "test.concurrent", TargetType: "account",
					TargetID: acct.ID, CreatedAt: at}
				if err := f.db.AppendAudit(f.ctx, e); err != nil {
					errs <- err
				}
			}
		})
	}
	close(start)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("concurrent append: %v", err)
	}
	for _, acct := range []*steward.Account{a, b} {
		es := f.chain(t, acct.ID)
		if len(es) != workers*appends {
			t.Errorf("chain of %s has %d entries, want %d", acct.Name, len(es), workers*appends)
		}
		verifyChain(t, es)
	}
}

func testAuditList(t *testing.T, f *fixture) {
	p := f.account(t, nil, steward.AccountPlatform, "P")
	r := f.account(t, p, steward.AccountReseller, "R")
	c := f.account(t, r, steward.AccountClient, "C")
	x := f.account(t, nil, steward.AccountPlatform, "X") // another tree

	e1 := f.audit(t, p, "alice", "account.create", r.ID)
	e2 := f.audit(t, r, "alice", "account.create", c.ID)
	e3 := f.audit(t, r, "bob", "manager.create", "m1")
	e4 := f.audit(t, c, "bob", "account.update", c.ID)
	e5 := f.audit(t, c, "carol", "accounting.export", c.ID)
	e6 := f.audit(t, r, "alice", "account.delete", c.ID)
	x1 := f.audit(t, x, "alice", "account.create", x.ID)

	for _, tc := range []struct {
		name   string
		prefix string
		filter steward.AuditFilter
		want   []string
	}{
		{"tree", p.Path, steward.AuditFilter{}, newestFirst(e1, e2, e3, e4, e5, e6)},
		{"subtree", r.Path, steward.AuditFilter{}, newestFirst(e2, e3, e4, e5, e6)},
		{"other tree", x.Path, steward.AuditFilter{}, newestFirst(x1)},
		{"only direct", r.Path, steward.AuditFilter{AccountID: r.ID, OnlyDirect: true}, newestFirst(e2, e3, e6)},
		{"only direct outside prefix", c.Path, steward.AuditFilter{AccountID: r.ID, OnlyDirect: true}, nil},
		{"action prefix", p.Path, steward.AuditFilter{Action: "account."}, newestFirst(e1, e2, e4, e6)},
		{"action exact", p.Path, steward.AuditFilter{Action: "account.create"}, newestFirst(e1, e2)},
		{"action exact is not a prefix", p.Path, steward.AuditFilter{Action: "account"}, nil},
		{"actor", p.Path, steward.AuditFilter{ActorID: "bob"}, newestFirst(e3, e4)},
		{"target", p.Path, steward.AuditFilter{TargetID: c.ID}, newestFirst(e2, e4, e5, e6)},
		{"since is inclusive", p.Path, steward.AuditFilter{Since: &e4.CreatedAt}, newestFirst(e4, e5, e6)},
		{"until is exclusive", p.Path, steward.AuditFilter{Until: &e4.CreatedAt}, newestFirst(e1, e2, e3)},
		{"since and until", p.Path, steward.AuditFilter{Since: &e3.CreatedAt, Until: &e6.CreatedAt}, newestFirst(e3, e4, e5)},
		{"after the last", p.Path, steward.AuditFilter{Since: ptr(e6.CreatedAt.Add(time.Millisecond))}, nil},
		{"before", p.Path, steward.AuditFilter{Before: e4.ID}, newestFirst(e1, e2, e3)},
		{"limit", p.Path, steward.AuditFilter{Limit: 2}, newestFirst(e5, e6)},
		{"combined", p.Path, steward.AuditFilter{Action: "account.", ActorID: "alice", TargetID: c.ID}, newestFirst(e2, e6)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := f.db.ListAudit(f.ctx, tc.prefix, tc.filter)
			ok(t, err)
			diff(t, "audit IDs", auditIDs(got), tc.want)
		})
	}

	// Listed entries carry every field.
	got, err := f.db.ListAudit(f.ctx, c.Path, steward.AuditFilter{Action: "account.update"})
	ok(t, err)
	diff(t, "listed entry", got, []*steward.AuditEntry{e4})

	// Paging with Before walks the whole list once.
	want := newestFirst(e1, e2, e3, e4, e5, e6)
	var paged []string
	before := ""
	for range len(want) + 1 {
		page, err := f.db.ListAudit(f.ctx, p.Path, steward.AuditFilter{Before: before, Limit: 4})
		ok(t, err)
		if len(page) == 0 {
			break
		}
		paged = append(paged, auditIDs(page)...)
		before = page[len(page)-1].ID
	}
	diff(t, "paged audit IDs", paged, want)
}

func testAuditAppendOnly(t *testing.T, f *fixture) {
	a := f.account(t, nil, steward.AccountPlatform, "A")
	e := f.audit(t, a, "alice", "account.create", a.ID)
	if _, err := f.db.ExecRaw(f.ctx, `UPDATE audit_log SET action = 'nothing' WHERE id = $1`, e.ID); err == nil {
		t.Error("UPDATE on audit_log succeeded, want it refused")
	}
	diff(t, "chain after refused change", f.chain(t, a.ID), []*steward.AuditEntry{e})
}
