package keyring_test

import (
	"bytes"
	"testing"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/internal/testutil"
	"github.com/stewardmdm/steward/keyring"
)

// FuzzOpen opens arbitrary bytes: Open never panics, refuses with EINVALID
// everything but the one secret sealed, and never returns plaintext for
// bytes that are not exactly that secret.
func FuzzOpen(f *testing.F) {
	db := testutil.OpenSQLite(f)
	e := &env{db: db, clock: testutil.NewClock(), ctx: f.Context()}
	k := newKeyring(f, keyring.Options{Store: db, MasterKeys: []keyring.MasterKey{master(f, "m1")}, Clock: e.clock,
		Logger: testutil.Logger()})
	acc := e.account(f, "Client")
	sealed, err := k.Seal(e.ctx, acc, []byte("hunter2"), "f")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sealed)
	f.Add(sealed[:5])
	f.Add(append([]byte{1, 0, 0, 0, 2}, sealed[5:]...)) // a version the account lacks
	f.Add(append([]byte{2}, sealed[1:]...))             // an unknown format
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		plain, err := k.Open(e.ctx, acc, b, "f")
		if bytes.Equal(b, sealed) {
			if err != nil || string(plain) != "hunter2" {
				t.Fatalf("the sealed secret opened to %q, %v", plain, err)
			}
			return
		}
		if steward.ErrorCode(err) != steward.EINVALID || plain != nil {
			t.Fatalf("open of %d arbitrary bytes: %q, %v; want EINVALID", len(b), plain, err)
		}
	})
}
