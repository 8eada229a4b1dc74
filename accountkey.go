package steward

import (
	"context"
	"time"
)

// AccountKey is one version of an account's data key, as the database keeps
// it: wrapped (encrypted) by the master key named MasterKeyID. The unwrapped
// key never reaches the database.
type AccountKey struct {
	AccountID   string
	Version     int // 1 for an account's first key
	Wrapped     []byte
	MasterKeyID string
	CreatedAt   time.Time
	RotatedAt   *time.Time // last re-wrap under another master key
}

// AccountKeyFilter selects data keys in (account ID, version) order.
type AccountKeyFilter struct {
	// ExceptMasterKeyID leaves out the keys wrapped by this master key.
	ExceptMasterKeyID string
	// MasterKeyID keeps only the keys wrapped by this master key.
	MasterKeyID string
	// After is a cursor: keys after (AfterAccountID, AfterVersion).
	AfterAccountID string
	AfterVersion   int
	Limit          int // default 100, at most 1000
}

// KeyStore keeps the accounts' wrapped data keys (see Sealer).
type KeyStore interface {
	// AccountKey returns an account's data key of a version; version 0
	// means its latest. ENOTFOUND.
	AccountKey(ctx context.Context, accountID string, version int) (*AccountKey, error)
	// InsertAccountKey stores k unless the account already has a key of
	// k.Version, and returns the key stored: k, or the one that was there
	// first. Two concurrent calls for the same account and version end
	// with one key, which both get. ENOTFOUND when the account does not exist.
	InsertAccountKey(ctx context.Context, k *AccountKey) (*AccountKey, error)
	// ListAccountKeys lists data keys in (account ID, version) order.
	ListAccountKeys(ctx context.Context, f AccountKeyFilter) ([]*AccountKey, error)
	// CountAccountKeys counts the data keys wrapped by each master key ID.
	CountAccountKeys(ctx context.Context) (map[string]int64, error)
	// RewrapAccountKey replaces the wrapping of a key still wrapped by
	// oldMasterKeyID and sets its rotated time. It reports false, changing
	// nothing, when the key is gone or another writer re-wrapped it first.
	RewrapAccountKey(ctx context.Context, accountID string, version int, oldMasterKeyID string,
		wrapped []byte, newMasterKeyID string, at time.Time) (bool, error)
	// InTransaction reports whether ctx carries an open transaction of the
	// store: what is read in it may not be committed yet, so it must not be
	// cached beyond the transaction.
	InTransaction(ctx context.Context) bool
}
