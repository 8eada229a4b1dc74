package keyring_test

import (
	"testing"

	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/keyring"
)

// benchKeyring returns a keyring over a fresh SQLite store and an account
// whose data key exists.
func benchKeyring(b *testing.B, cacheSize int) (*keyring.Keyring, *env, string) {
	db := testutil.OpenSQLite(b)
	e := &env{db: db, clock: testutil.NewClock(), ctx: b.Context()}
	k := newKeyring(b, keyring.Options{Store: db, MasterKeys: []keyring.MasterKey{master(b, "m1")}, Clock: e.clock,
		Logger: testutil.Logger(), CacheSize: cacheSize})
	acc := e.account(b, "Client")
	if _, err := k.Seal(e.ctx, acc, []byte("warm"), "f"); err != nil {
		b.Fatal(err)
	}
	return k, e, acc
}

// secret is a Wi-Fi password's size.
var secret = []byte("correct-horse-battery-staple")

const aad = "policy_version/01JQ8Z3W5N6Y7X8V9T0S1R2Q3P/wifi/Office/password"

func BenchmarkSeal(b *testing.B) {
	k, e, acc := benchKeyring(b, 0)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Seal(e.ctx, acc, secret, aad); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	k, e, acc := benchKeyring(b, 0)
	sealed, err := k.Seal(e.ctx, acc, secret, aad)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(e.ctx, acc, sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenUncached reads and unwraps the data key on every call, as
// after the cache's five minutes: what the cache saves.
func BenchmarkOpenUncached(b *testing.B) {
	k, e, acc := benchKeyring(b, -1)
	sealed, err := k.Seal(e.ctx, acc, secret, aad)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := k.Open(e.ctx, acc, sealed, aad); err != nil {
			b.Fatal(err)
		}
	}
}
