package keyring_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/keyring"
	"github.com/stewardmdm/steward/store"
)

// env is one test's database, clock and accounts.
type env struct {
	db    *store.DB
	clock *testutil.Clock
	ctx   context.Context
}

// each runs fn against every test database.
func each(t *testing.T, fn func(t *testing.T, e *env)) {
	for name, open := range testutil.Databases(t) {
		t.Run(name, func(t *testing.T) {
			fn(t, &env{db: open(t), clock: testutil.NewClock(), ctx: t.Context()})
		})
	}
}

func (e *env) account(t testing.TB, name string) string {
	t.Helper()
	now := e.clock.Advance(time.Millisecond)
	a := &steward.Account{ID: steward.NewID(now), Name: name, Kind: steward.AccountClient, Status: steward.StatusActive,
		CreatedAt: now, UpdatedAt: now}
	a.Path = "/" + a.ID + "/"
	if err := e.db.InsertAccount(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	return a.ID
}

func master(t testing.TB, id string) keyring.MasterKey {
	t.Helper()
	k, err := keyring.NewMasterKey(id)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// keyring returns a keyring over the test's database with these master
// keys, the first current.
func (e *env) keyring(t *testing.T, keys ...keyring.MasterKey) *keyring.Keyring {
	t.Helper()
	return newKeyring(t, keyring.Options{Store: e.db, MasterKeys: keys, Clock: e.clock, Logger: testutil.Logger()})
}

func newKeyring(t testing.TB, o keyring.Options) *keyring.Keyring {
	t.Helper()
	k, err := keyring.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// must returns v, and panics (failing the test) on err.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := steward.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		m1 := master(t, "m1")
		k := e.keyring(t, m1)
		acc := e.account(t, "Client")
		const aad = "policy_version/p1/wifi/Office/password"
		for _, secret := range []string{"correct horse battery staple", "", strings.Repeat("x", keyring.MaxSecret)} {
			sealed := must(k.Seal(e.ctx, acc, []byte(secret), aad))
			if len(secret) > 4 && bytes.Contains(sealed, []byte(secret)) {
				t.Fatal("the sealed secret contains its plaintext")
			}
			if again := must(k.Seal(e.ctx, acc, []byte(secret), aad)); bytes.Equal(sealed, again) {
				t.Fatal("sealing twice gave the same bytes: the nonce is not random")
			}
			// A second keyring, as on another node, reads and unwraps the
			// stored key: nothing depends on the first one's memory.
			for _, r := range []*keyring.Keyring{k, e.keyring(t, m1)} {
				if got := must(r.Open(e.ctx, acc, sealed, aad)); string(got) != secret {
					t.Fatalf("opened %d bytes, want the %d sealed", len(got), len(secret))
				}
			}
		}
		counts := must(e.db.CountAccountKeys(e.ctx))
		if counts["m1"] != 1 || len(counts) != 1 {
			t.Fatalf("data keys by master key = %v, want one under m1", counts)
		}
		_, err := k.Seal(e.ctx, acc, make([]byte, keyring.MaxSecret+1), aad)
		wantCode(t, err, steward.ETOOLARGE)
		_, err = k.Seal(e.ctx, "", []byte("x"), aad)
		wantCode(t, err, steward.EINVALID)
		_, err = k.Seal(e.ctx, "01NOSUCHACCOUNT", []byte("x"), aad)
		wantCode(t, err, steward.ENOTFOUND)
	})
}

func TestOpenRefusesAnotherAccountOrField(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		k := e.keyring(t, master(t, "m1"))
		a, b := e.account(t, "A"), e.account(t, "B")
		sealed := must(k.Seal(e.ctx, a, []byte("hunter2"), "policy/p1/wifi/Office/password"))
		must(k.Seal(e.ctx, b, []byte("other"), "x")) // b has a data key too
		for _, tc := range []struct {
			name, account, aad string
		}{
			{"another account", b, "policy/p1/wifi/Office/password"},
			{"another field", a, "policy/p1/wifi/Guest/password"},
			{"no associated data", a, ""},
			// The account ID and the associated data are length-prefixed:
			// moving bytes from one to the other does not open.
			{"bytes moved between account and field", a + "p", "olicy/p1/wifi/Office/password"},
			{"an account without a data key", e.account(t, "C"), "policy/p1/wifi/Office/password"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				_, err := k.Open(e.ctx, tc.account, sealed, tc.aad)
				wantCode(t, err, steward.EINVALID)
			})
		}
		_, err := k.Open(e.ctx, "", sealed, "policy/p1/wifi/Office/password")
		wantCode(t, err, steward.EINVALID)
	})
}

func TestOpenRefusesTamperedCiphertext(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		m1 := master(t, "m1")
		k := e.keyring(t, m1)
		acc := e.account(t, "Client")
		sealed := must(k.Seal(e.ctx, acc, []byte("hunter2"), "f"))
		// Every single-bit change anywhere (header, nonce, body, tag) is refused.
		for i := range sealed {
			for bit := range 8 {
				c := bytes.Clone(sealed)
				c[i] ^= 1 << bit
				if _, err := k.Open(e.ctx, acc, c, "f"); steward.ErrorCode(err) != steward.EINVALID {
					t.Fatalf("byte %d bit %d flipped: error %v, want EINVALID", i, bit, err)
				}
			}
		}
		for _, c := range [][]byte{nil, sealed[:5], sealed[:len(sealed)-1], append(bytes.Clone(sealed), 0)} {
			_, err := k.Open(e.ctx, acc, c, "f")
			wantCode(t, err, steward.EINVALID)
		}
		// A data key row copied to another account does not unwrap there
		// (a fresh keyring, so nothing comes from a cache).
		other := e.account(t, "Other")
		stored := must(e.db.AccountKey(e.ctx, acc, 1))
		stored.AccountID = other
		must(e.db.InsertAccountKey(e.ctx, stored))
		_, err := e.keyring(t, m1).Open(e.ctx, other, sealed, "f")
		if err == nil || !strings.Contains(err.Error(), `master key "m1" does not unwrap the data key of account `+other) {
			t.Fatalf("open with a data key copied from another account: %v", err)
		}
		// Nor does a row relabelled with another master key ID, even one
		// configured with the same bytes.
		alias := keyring.MasterKey{ID: "alias", Key: m1.Key}
		must(e.db.ExecRaw(e.ctx, `UPDATE account_keys SET master_key_id = 'alias' WHERE account_id = $1`, acc))
		_, err = e.keyring(t, m1, alias).Open(e.ctx, acc, sealed, "f")
		if err == nil || !strings.Contains(err.Error(), `master key "alias" does not unwrap`) {
			t.Fatalf("open with a relabelled data key: %v", err)
		}
	})
}

func TestRotateThenOpenWithOnlyTheNewMasterKey(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		old, next := master(t, "old"), master(t, "next")
		before := e.keyring(t, old)
		secrets := map[string][]byte{}
		for i := range 7 {
			acc := e.account(t, fmt.Sprint("Client ", i))
			secrets[acc] = must(before.Seal(e.ctx, acc, []byte("secret of "+acc), "f"))
		}
		// The new key first, the old one still there to unwrap.
		during := e.keyring(t, next, old)
		r := must(during.Rotate(e.ctx, 3))
		if r.Rewrapped != 7 || r.AlreadyCurrent != 0 || r.MasterKeyID != "next" {
			t.Fatalf("rotation = %+v, want 7 re-wrapped under next", r)
		}
		r = must(during.Rotate(e.ctx, 3))
		if r.Rewrapped != 0 || r.AlreadyCurrent != 7 {
			t.Fatalf("second rotation = %+v, want nothing to do", r)
		}
		k := must(e.db.AccountKey(e.ctx, firstKey(secrets), 1))
		if k.MasterKeyID != "next" || k.RotatedAt == nil || !k.RotatedAt.Equal(e.clock.Now()) {
			t.Fatalf("stored key after rotation: master %q rotated %v", k.MasterKeyID, k.RotatedAt)
		}

		// The old key removed from the configuration: everything still opens.
		after := e.keyring(t, next)
		if err := after.Check(e.ctx); err != nil {
			t.Fatal(err)
		}
		for acc, sealed := range secrets {
			if got := must(after.Open(e.ctx, acc, sealed, "f")); string(got) != "secret of "+acc {
				t.Fatalf("%s opened to %q", acc, got)
			}
		}
		// And a keyring that still has only the old key is refused.
		err := e.keyring(t, old).Check(e.ctx)
		if err == nil || !strings.Contains(err.Error(), `"next"`) {
			t.Fatalf("check with only the old key: %v, want an error naming \"next\"", err)
		}
	})
}

func firstKey(m map[string][]byte) string {
	for k := range m {
		return k
	}
	return ""
}

func TestCheckRefusesUnknownOrWrongMasterKey(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if err := e.keyring(t, master(t, "m1")).Check(e.ctx); err != nil {
			t.Fatalf("check on a database without data keys: %v", err)
		}
		a := master(t, "prod-2024")
		must(e.keyring(t, a).Seal(e.ctx, e.account(t, "A"), []byte("x"), "f"))

		err := e.keyring(t, master(t, "prod-2025")).Check(e.ctx)
		if err == nil || !strings.Contains(err.Error(), `master key "prod-2024" (1 data keys), which is not configured`) {
			t.Fatalf("check without the wrapping key: %v", err)
		}
		// The right ID with other key bytes: refused too, naming the ID.
		err = e.keyring(t, master(t, "prod-2024")).Check(e.ctx)
		if err == nil || !strings.Contains(err.Error(), `master key "prod-2024" does not unwrap`) {
			t.Fatalf("check with a different key under the same ID: %v", err)
		}
		if err := e.keyring(t, master(t, "prod-2025"), a).Check(e.ctx); err != nil {
			t.Fatalf("check with the wrapping key as an older key: %v", err)
		}
	})
}

// TestFirstKeyConcurrent seals for a new account from several keyrings at
// once, as several nodes (or requests) would: one data key results, and
// every secret opens.
func TestFirstKeyConcurrent(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		m := master(t, "m1")
		for round := range 5 {
			acc := e.account(t, fmt.Sprint("New ", round))
			const n = 8
			sealed := make([][]byte, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i := range n {
				k := e.keyring(t, m)
				wg.Go(func() {
					<-start
					sealed[i], errs[i] = k.Seal(e.ctx, acc, []byte(fmt.Sprint("secret ", i)), "f")
				})
			}
			close(start)
			wg.Wait()
			if err := errors.Join(errs...); err != nil {
				t.Fatal(err)
			}
			keys := must(e.db.ListAccountKeys(e.ctx, steward.AccountKeyFilter{AfterAccountID: "", Limit: 1000}))
			var mine int
			for _, k := range keys {
				if k.AccountID == acc {
					mine++
				}
			}
			if mine != 1 {
				t.Fatalf("round %d: %d data keys for the account, want 1", round, mine)
			}
			fresh := e.keyring(t, m)
			for i, s := range sealed {
				if got := must(fresh.Open(e.ctx, acc, s, "f")); string(got) != fmt.Sprint("secret ", i) {
					t.Fatalf("round %d: secret %d opened to %q", round, i, got)
				}
			}
		}
	})
}

// TestKeyCreatedInRolledBackTransactionIsNotKept: a transaction that made
// an account's first key and rolled back must not leave that key cached,
// or later secrets would be sealed under a key the database never kept.
func TestKeyCreatedInRolledBackTransactionIsNotKept(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		m := master(t, "m1")
		k := e.keyring(t, m)
		acc := e.account(t, "Client")
		rollback := errors.New("roll back")
		err := e.db.InTx(e.ctx, func(ctx context.Context) error {
			sealed := must(k.Seal(ctx, acc, []byte("first"), "f"))
			if got := must(k.Open(ctx, acc, sealed, "f")); string(got) != "first" {
				t.Fatalf("opened to %q inside the transaction", got)
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatal(err)
		}
		sealed := must(k.Seal(e.ctx, acc, []byte("second"), "f"))
		if got := must(e.keyring(t, m).Open(e.ctx, acc, sealed, "f")); string(got) != "second" {
			t.Fatalf("opened to %q", got)
		}
	})
}

// countingStore counts the data-key reads that reach the database.
type countingStore struct {
	*store.DB
	mu    sync.Mutex
	reads int
}

func (c *countingStore) AccountKey(ctx context.Context, accountID string, version int) (*steward.AccountKey, error) {
	c.mu.Lock()
	c.reads++
	c.mu.Unlock()
	return c.DB.AccountKey(ctx, accountID, version)
}

func TestCacheIsBoundedAndExpires(t *testing.T) {
	db := testutil.OpenSQLite(t)
	e := &env{db: db, clock: testutil.NewClock(), ctx: t.Context()}
	m := master(t, "m1")
	cs := &countingStore{DB: db}
	k := newKeyring(t, keyring.Options{Store: cs, MasterKeys: []keyring.MasterKey{m}, Clock: e.clock, Logger: testutil.Logger(),
		CacheSize: 4, CacheTTL: time.Minute})
	var accs []string
	var sealed [][]byte
	for i := range 3 {
		acc := e.account(t, fmt.Sprint("A", i))
		accs, sealed = append(accs, acc), append(sealed, must(k.Seal(e.ctx, acc, []byte("s"), "f")))
	}
	if n := keyring.CacheLen(k); n != 4 {
		t.Fatalf("%d keys cached, want the bound 4", n)
	}
	open := func(i int) int {
		t.Helper()
		before := cs.reads
		must(k.Open(e.ctx, accs[i], sealed[i], "f"))
		return cs.reads - before
	}
	if n := open(2); n != 0 {
		t.Fatalf("opening with the latest key cached read the database %d times", n)
	}
	if n := open(2); n != 0 {
		t.Fatalf("second open read the database %d times", n)
	}
	e.clock.Advance(time.Minute)
	if n := open(2); n != 1 {
		t.Fatalf("open after the key expired read the database %d times, want 1", n)
	}
}

func TestParseMasterKeys(t *testing.T) {
	a, b := master(t, "a"), master(t, "key-2.old_1")
	text := "# comment\n\n" + keyring.FormatMasterKeys([]keyring.MasterKey{a, b})
	keys := must(keyring.ParseMasterKeys(text))
	if len(keys) != 2 || keys[0].ID != "a" || !bytes.Equal(keys[1].Key, b.Key) {
		t.Fatalf("parsed %d keys", len(keys))
	}
	env := strings.TrimSpace(strings.ReplaceAll(keyring.FormatMasterKeys([]keyring.MasterKey{a, b}), "\n", ","))
	if keys := must(keyring.ParseMasterKeys(env)); len(keys) != 2 || keys[1].ID != b.ID {
		t.Fatalf("comma-separated: parsed %d keys", len(keys))
	}
	secretB64 := strings.TrimPrefix(strings.TrimSpace(keyring.FormatMasterKeys([]keyring.MasterKey{a})), "a:")
	for _, tc := range []struct{ text, want string }{
		{"", "none given"},
		{"# only a comment\n", "none given"},
		{secretB64, "want ID:BASE64"},
		{"bad id:" + secretB64, "want ID:BASE64"},
		{"a:" + secretB64 + "\na:" + secretB64, `"a" (line 2): the ID appears twice`},
		{"a:" + secretB64[:20], `"a" (line 1)`},
		{"a:c2hvcnQ=", `"a" (line 1): 5 bytes, want 32`},
	} {
		_, err := keyring.ParseMasterKeys(tc.text)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.text, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), secretB64[:20]) {
			t.Errorf("%q: the error shows key material: %v", tc.text, err)
		}
	}
}

// TestOneKeyringConcurrently seals and opens from many goroutines through
// one keyring and its cache (run with -race).
func TestOneKeyringConcurrently(t *testing.T) {
	db := testutil.OpenSQLite(t)
	e := &env{db: db, clock: testutil.NewClock(), ctx: t.Context()}
	k := newKeyring(t, keyring.Options{Store: db, MasterKeys: []keyring.MasterKey{master(t, "m1")}, Clock: e.clock,
		Logger: testutil.Logger(), CacheSize: 2})
	accs := []string{e.account(t, "A"), e.account(t, "B"), e.account(t, "C")}
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 12 {
		wg.Go(func() {
			acc := accs[i%len(accs)]
			for j := range 20 {
				want := fmt.Sprint(i, "/", j)
				sealed, err := k.Seal(e.ctx, acc, []byte(want), "f")
				if err == nil {
					var got []byte
					got, err = k.Open(e.ctx, acc, sealed, "f")
					if err == nil && string(got) != want {
						err = fmt.Errorf("opened %q, want %q", got, want)
					}
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := keyring.CacheLen(k); n > 2 {
		t.Errorf("%d keys cached, over the bound of 2", n)
	}
}
