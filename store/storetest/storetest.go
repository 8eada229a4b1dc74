// Package storetest is the conformance suite of Steward's SQL store: every
// database the store supports must pass Run. store's own tests run it
// against SQLite always and against PostgreSQL when STEWARD_TEST_POSTGRES
// names a database.
package storetest

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/store"
)

// Run runs the suite. open must return a fresh, migrated, empty store for
// each call and close it when t ends.
func Run(t *testing.T, open func(t *testing.T) *store.DB) {
	for _, tc := range []struct {
		name string
		fn   func(t *testing.T, f *fixture)
	}{
		{"Ping", testPing},
		{"Accounts/InsertAndGet", testAccountInsertAndGet},
		{"Accounts/List", testAccountList},
		{"Accounts/ListPaging", testAccountListPaging},
		{"Accounts/Update", testAccountUpdate},
		{"Accounts/MoveSubtree", testAccountMoveSubtree},
		{"Accounts/SoftDeleteSubtree", testAccountSoftDeleteSubtree},
		{"Accounts/AncestryAndCount", testAccountAncestryAndCount},
		{"Accounts/Lock", testAccountLock},
		{"Accounts/Balance", testAccountBalance},
		{"Managers/CRUD", testManagers},
		{"Managers/DeleteCascades", testManagerDeleteCascades},
		{"Managers/Count", testManagerCount},
		{"Managers/Tokens", testManagerTokens},
		{"Sessions", testSessions},
		{"APITokens", testAPITokens},
		{"Ledger", testLedger},
		{"Ledger/AppendOnly", testLedgerAppendOnly},
		{"Audit/Append", testAuditAppend},
		{"Audit/AppendConcurrent", testAuditAppendConcurrent},
		{"Audit/List", testAuditList},
		{"Audit/AppendOnly", testAuditAppendOnly},
		{"SecurityEvents", testSecurityEvents},
		{"Outbox", testOutbox},
		{"Leases", testLeases},
		{"Codes", testCodes},
		{"Codes/Use", testCodeUse},
		{"Codes/UseConcurrent", testCodeUseConcurrent},
		{"Devices/InsertAndGet", testDeviceInsertAndGet},
		{"Devices/Auth", testDeviceAuth},
		{"Devices/Updates", testDeviceUpdates},
		{"Devices/Touch", testDeviceTouch},
		{"Devices/List", testDeviceList},
		{"Devices/ListLarge", testDeviceListLarge},
		{"Devices/Apps", testDeviceApps},
		{"Devices/Events", testDeviceEvents},
		{"Devices/Delete", testDeviceDelete},
		{"Devices/ForVerification", testDevicesForVerification},
		{"Commands/InsertAndGet", testCommandInsertAndGet},
		{"Commands/Pending", testCommandPending},
		{"Commands/MarkDelivered", testCommandMarkDelivered},
		{"Commands/Transition", testCommandTransition},
		{"Commands/Acknowledge", testCommandAcknowledge},
		{"Commands/List", testCommandList},
		{"Commands/Expire", testCommandExpire},
		{"Commands/Compact", testCommandCompact},
		{"Commands/TableBounded", testCommandTableBounded},
		{"InTx/Commit", testTxCommit},
		{"InTx/Rollback", testTxRollback},
		{"InTx/Nested", testTxNested},
		{"InTx/Panic", testTxPanic},
		{"Location/PrivacySettings", testPrivacySettings},
		{"Location/Points", testLocationPoints},
		{"Location/ConsentsAndVisits", testConsentsAndVisits},
		{"Apps", testApps},
		{"Apps/Versions", testAppVersions},
		{"Apps/Assignments", testAppAssignments},
		{"Apps/Deployments", testAppDeployments},
		{"Directory/Folders", testFolders},
		{"Directory/Groups", testGroups},
		{"Directory/AllOrNothing", testMembershipAllOrNothing},
		{"Directory/Targets", testMembershipAndTargets},
		{"AccountKeys", testAccountKeys},
		{"AccountKeys/Rewrap", testAccountKeysRewrap},
		{"AccountKeys/InsertConcurrent", testAccountKeysConcurrent},
		{"Directory/DeviceList", testDeviceListByFolderAndGroup},
		{"Compliance/Reports", testComplianceReports},
		{"Compliance/Entries", testComplianceEntries},
		{"Compliance/Purge", testCompliancePurge},
		{"Users", testUsers},
		{"Users/List", testUserList},
		{"Users/Fields", testUserFields},
		{"Users/Devices", testUserDevices},
		{"Users/Purge", testUsersPurge},
		{"Policies", testPolicies},
		{"Policies/Covering", testPoliciesCovering},
		{"Contacts", testContacts},
		{"SharedFiles", testSharedFiles},
		{"DirectoryVersions", testDirectoryVersions},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.fn(t, &fixture{db: open(t), clock: testutil.NewClock(), ctx: t.Context()})
		})
	}
}

// fixture is one test's store, clock and helpers to fill the store.
type fixture struct {
	db    *store.DB
	clock *testutil.Clock
	ctx   context.Context
}

// now advances the clock by a millisecond and returns the time, so that
// every ID made from it sorts after the ones made before.
func (f *fixture) now() time.Time { return f.clock.Advance(time.Millisecond) }

// id returns a new ID that sorts after every ID the fixture made before.
func (f *fixture) id() string { return steward.NewID(f.now()) }

// account inserts an account of kind under parent (nil for a root).
func (f *fixture) account(t *testing.T, parent *steward.Account, kind steward.AccountKind, name string) *steward.Account {
	t.Helper()
	now := f.now()
	a := &steward.Account{
		ID: steward.NewID(now), Name: name, Kind: kind, Status: steward.StatusActive,
		CreatedAt: now, UpdatedAt: now,
	}
	a.Path = "/" + a.ID + "/"
	if parent != nil {
		a.ParentID, a.Path = parent.ID, parent.Path+a.ID+"/"
	}
	if err := f.db.InsertAccount(f.ctx, a); err != nil {
		t.Fatalf("insert account %q: %v", name, err)
	}
	return a
}

// manager inserts a manager of account.
func (f *fixture) manager(t *testing.T, account *steward.Account, email string) *steward.Manager {
	t.Helper()
	now := f.now()
	m := &steward.Manager{
		ID: steward.NewID(now), AccountID: account.ID, Email: email, Name: email,
		Role: steward.RoleAdmin, PasswordHash: "hash", CreatedAt: now, UpdatedAt: now,
	}
	if err := f.db.InsertManager(f.ctx, m); err != nil {
		t.Fatalf("insert manager %q: %v", email, err)
	}
	return m
}

// session inserts a session of m that lasts ttl.
func (f *fixture) session(t *testing.T, m *steward.Manager, ttl time.Duration) *steward.Session {
	t.Helper()
	now := f.now()
	s := &steward.Session{
		ID: f.id(), ManagerID: m.ID, CSRFToken: "csrf-" + f.id(), IP: "192.0.2.1",
		UserAgent: "test", CreatedAt: now, ExpiresAt: now.Add(ttl),
	}
	if err := f.db.InsertSession(f.ctx, s); err != nil {
		t.Fatalf("insert session: %v", err)
	}
	return s
}

// ledger appends an entry of amount to account.
func (f *fixture) ledger(t *testing.T, account *steward.Account, kind steward.LedgerKind, amount int64) *steward.LedgerEntry {
	t.Helper()
	now := f.now()
	e := &steward.LedgerEntry{
		ID: steward.NewID(now), AccountID: account.ID, Kind: kind, Amount: amount,
		Reason: "test", CreatedAt: now,
	}
	if err := f.db.InsertLedgerEntry(f.ctx, e); err != nil {
		t.Fatalf("insert ledger entry: %v", err)
	}
	return e
}

// wantCode fails t unless err carries code.
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// ok fails t on err.
func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// diff fails t when got and want differ; nil and empty are equal.
func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

// accountIDs returns the IDs of as, in order.
func accountIDs(as []*steward.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.ID
	}
	return out
}

// byPath returns the IDs of as in path order, the order lists come in.
func byPath(as ...*steward.Account) []string {
	as = slices.Clone(as)
	slices.SortFunc(as, func(a, b *steward.Account) int { return strings.Compare(a.Path, b.Path) })
	return accountIDs(as)
}

func ptr[T any](v T) *T { return &v }
