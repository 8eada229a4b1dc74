package service_test

import (
	"sync"
	"testing"

	"github.com/stewardmdm/steward"
)

// ledgerSum is the sum of an account's ledger entries, read as the actor.
func (e *env) ledgerSum(t *testing.T, as *member, acc *steward.Account) int64 {
	t.Helper()
	es, err := e.svc.Ledger(as.ctx, steward.LedgerFilter{AccountID: acc.ID, Limit: 500})
	must(t, err)
	var sum int64
	for _, x := range es {
		sum += x.Amount
	}
	return sum
}

// balances checks that each account's balance is what we expect, and that
// Balance, the account's Balance field and the ledger's sum agree.
func (e *env) balances(t *testing.T, w *world, want map[*steward.Account]int64) {
	t.Helper()
	for acc, n := range want {
		b, err := e.svc.Balance(w.admin.ctx, acc.ID)
		must(t, err)
		got := []int64{b, e.reload(t, w, acc).Balance, e.ledgerSum(t, w.admin, acc)}
		diff(t, acc.Name+": Balance, Account.Balance, ledger sum", got, []int64{n, n, n})
	}
}

// TestGrantCredits checks that only the platform grants credits.
func TestGrantCredits(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		for _, tc := range []struct {
			name   string
			as     *member
			to     *steward.Account
			amount int64
			reason string
			code   string
			field  string
		}{
			{"platform grants a reseller", w.admin, w.R1, 100, "first order", "", ""},
			{"platform grants a client directly", w.admin, w.C3, 5, "trial", "", ""},
			{"reseller cannot grant below itself", w.r1, w.C1, 10, "gift", steward.EFORBIDDEN, ""},
			{"reseller cannot grant itself", w.r1, w.R1, 10, "gift", steward.EFORBIDDEN, ""},
			{"reseller cannot grant elsewhere", w.r1, w.R2, 10, "gift", steward.ENOTFOUND, ""},
			{"zero", w.admin, w.R1, 0, "nothing", steward.EINVALID, "amount"},
			{"negative", w.admin, w.R1, -5, "take back", steward.EINVALID, "amount"},
			{"too much at once", w.admin, w.R1, 1_000_001, "typo", steward.EINVALID, "amount"},
			{"no reason", w.admin, w.R1, 10, "  ", steward.EINVALID, "reason"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				e.tick()
				got, err := e.svc.GrantCredits(tc.as.ctx, steward.CreditGrant{AccountID: tc.to.ID, Amount: tc.amount, Reason: tc.reason})
				if tc.code != "" {
					wantCode(t, err, tc.code, tc.field)
					return
				}
				must(t, err)
				diff(t, "entry", got, &steward.LedgerEntry{ID: got.ID, AccountID: tc.to.ID, Kind: steward.LedgerGrant, Amount: tc.amount,
					ActorID: tc.as.ID, ActorEmail: tc.as.Email, Reason: tc.reason, CreatedAt: e.clock.Now()})
				a := e.lastAudit(t)
				diff(t, "audit", []string{a.Action, a.AccountID, a.ActorID, a.IP}, []string{"credits.grant", tc.to.ID, tc.as.ID, tc.as.ip})
			})
		}
		e.balances(t, w, map[*steward.Account]int64{w.R1: 100, w.C3: 5, w.C1: 0, w.P: 0})
	})
}

// TestTransferCredits checks that credits move down the subtree only and
// never overdraw.
func TestTransferCredits(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		_, err := e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: w.R1.ID, Amount: 100, Reason: "order 1"})
		must(t, err)
		_, err = e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: w.R2.ID, Amount: 100, Reason: "order 2"})
		must(t, err)
		viewer := e.manager(t, w.r1, w.R1, "viewer@r-one.test", steward.RoleReadOnly)
		for _, tc := range []struct {
			name     string
			as       *member
			from, to *steward.Account // from nil: the actor's account
			amount   int64
			code     string
			field    string
		}{
			{name: "reseller to its sub-reseller", as: w.r1, to: w.S1, amount: 30},
			{name: "sub-reseller to its client", as: w.s1, to: w.C1, amount: 10},
			{name: "reseller to its grandchild", as: w.r1, from: w.R1, to: w.C1, amount: 5},
			{name: "reseller moves its sub-reseller's credits down", as: w.r1, from: w.S1, to: w.C1, amount: 5},
			{name: "platform moves a reseller's credits down", as: w.admin, from: w.R1, to: w.C2, amount: 5},
			{name: "sideways", as: w.r1, from: w.S1, to: w.C2, amount: 1, code: steward.EINVALID, field: "to_id"},
			{name: "upwards", as: w.r1, from: w.S1, to: w.R1, amount: 1, code: steward.EINVALID, field: "to_id"},
			{name: "upwards two levels", as: w.r1, from: w.C1, to: w.R1, amount: 1, code: steward.EINVALID, field: "to_id"},
			{name: "to itself", as: w.r1, to: w.R1, amount: 1, code: steward.EINVALID, field: "to_id"},
			{name: "across resellers, as the platform", as: w.admin, from: w.R1, to: w.C3, amount: 1, code: steward.EINVALID, field: "to_id"},
			{name: "upwards out of reach", as: w.s1, to: w.R1, amount: 1, code: steward.ENOTFOUND},
			{name: "to another reseller's client", as: w.r1, to: w.C3, amount: 1, code: steward.ENOTFOUND},
			{name: "from another reseller", as: w.r1, from: w.R2, to: w.C1, amount: 1, code: steward.ENOTFOUND},
			{name: "read-only", as: viewer, to: w.C2, amount: 1, code: steward.EFORBIDDEN},
			{name: "client cannot give", as: w.c1, to: w.C1, amount: 1, code: steward.EINVALID, field: "to_id"},
			{name: "overdraw", as: w.r1, to: w.C2, amount: 61, code: steward.ECONFLICT},
			{name: "overdraw a child", as: w.s1, to: w.C1, amount: 16, code: steward.ECONFLICT},
			{name: "zero", as: w.r1, to: w.C2, amount: 0, code: steward.EINVALID, field: "amount"},
			{name: "negative, to pull credits up", as: w.r1, to: w.C2, amount: -10, code: steward.EINVALID, field: "amount"},
			{name: "the whole balance", as: w.r1, to: w.C2, amount: 60},
		} {
			t.Run(tc.name, func(t *testing.T) {
				in := steward.CreditTransfer{ToID: tc.to.ID, Amount: tc.amount, Reason: "transfer: " + tc.name}
				if tc.from != nil {
					in.FromID = tc.from.ID
				}
				e.tick()
				before := e.lastAudit(t).ID
				es, err := e.svc.TransferCredits(tc.as.ctx, in)
				if tc.code != "" {
					wantCode(t, err, tc.code, tc.field)
					diff(t, "audit after a refusal", e.lastAudit(t).ID, before)
					return
				}
				must(t, err)
				from := tc.from
				if from == nil {
					from = &steward.Account{ID: tc.as.AccountID}
				}
				if len(es) != 2 || es[0].Reference == "" || es[0].Reference != es[1].Reference {
					t.Fatalf("entries: %+v", es)
				}
				ref := es[0].Reference
				diff(t, "entries", es, []*steward.LedgerEntry{
					{ID: es[0].ID, AccountID: from.ID, Kind: steward.LedgerTransfer, Amount: -tc.amount, CounterpartyID: tc.to.ID, Reference: ref,
						ActorID: tc.as.ID, ActorEmail: tc.as.Email, Reason: in.Reason, CreatedAt: e.clock.Now()},
					{ID: es[1].ID, AccountID: tc.to.ID, Kind: steward.LedgerTransfer, Amount: tc.amount, CounterpartyID: from.ID, Reference: ref,
						ActorID: tc.as.ID, ActorEmail: tc.as.Email, Reason: in.Reason, CreatedAt: e.clock.Now()},
				})
				a := e.lastAudit(t)
				diff(t, "audit", []string{a.Action, a.AccountID, a.ActorID, a.IP}, []string{"credits.transfer", tc.to.ID, tc.as.ID, tc.as.ip})
			})
		}
		e.balances(t, w, map[*steward.Account]int64{w.R1: 0, w.S1: 15, w.C1: 20, w.C2: 65, w.R2: 100, w.C3: 0})
	})
}

// TestTransferCreditsConcurrently checks that transfers racing for one
// balance never overdraw it: on PostgreSQL this is LockAccount's job.
func TestTransferCreditsConcurrently(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		_, err := e.svc.GrantCredits(w.admin.ctx, steward.CreditGrant{AccountID: w.R1.ID, Amount: 100, Reason: "order"})
		must(t, err)
		const n, amount = 40, 7 // 40 × 7 = 280 asked of 100: exactly 14 can succeed
		targets := []*steward.Account{w.S1, w.C2, w.C1}
		var wg sync.WaitGroup
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				_, errs[i] = e.svc.TransferCredits(w.r1.ctx, steward.CreditTransfer{ToID: targets[i%len(targets)].ID,
					Amount: amount, Reason: "race"})
			})
		}
		// Meanwhile the sub-reseller passes on what it receives.
		var passedOn int64
		var mu sync.Mutex
		for range 10 {
			wg.Go(func() {
				if _, err := e.svc.TransferCredits(w.s1.ctx, steward.CreditTransfer{ToID: w.C1.ID, Amount: 3, Reason: "pass on"}); err == nil {
					mu.Lock()
					passedOn += 3
					mu.Unlock()
				} else if steward.ErrorCode(err) != steward.ECONFLICT {
					t.Errorf("pass on: %v", err)
				}
			})
		}
		wg.Wait()
		ok := 0
		received := map[string]int64{}
		for i, err := range errs {
			switch steward.ErrorCode(err) {
			case "":
				ok++
				received[targets[i%len(targets)].ID] += amount
			case steward.ECONFLICT:
			default:
				t.Errorf("transfer %d: %v", i, err)
			}
		}
		if ok != 100/amount {
			t.Errorf("%d transfers succeeded, want %d", ok, 100/amount)
		}
		e.balances(t, w, map[*steward.Account]int64{
			w.R1: 100 - int64(ok)*amount,
			w.S1: received[w.S1.ID] - passedOn,
			w.C2: received[w.C2.ID],
			w.C1: received[w.C1.ID] + passedOn,
		})
		// The ledger as a whole holds exactly what was granted.
		var total int64
		for _, acc := range []*steward.Account{w.P, w.R1, w.S1, w.C1, w.C2, w.R2, w.C3} {
			total += e.ledgerSum(t, w.admin, acc)
		}
		diff(t, "sum of all entries", total, int64(100))
		// And every transfer left its audit entry, on a chain that verifies.
		es, err := e.svc.AuditLog(w.admin.ctx, steward.AuditFilter{Action: "credits.transfer", Limit: 500})
		must(t, err)
		diff(t, "transfer audit entries", len(es), ok+int(passedOn/3))
		for _, acc := range targets {
			v, err := e.svc.VerifyAudit(w.admin.ctx, acc.ID)
			must(t, err)
			if !v.OK {
				t.Errorf("%s's audit chain: %+v", acc.Name, v)
			}
		}
	})
}
