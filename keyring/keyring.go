// Package keyring keeps secrets at rest by envelope encryption: each
// account has a random AES-256 data key, stored in the database wrapped
// (AES-256-GCM) by a master key that lives outside it, and each secret is
// sealed with AES-256-GCM under its account's data key. Keyring implements
// steward.Sealer. docs/secrets.md has the threat model and the rotation
// procedure; format.go the byte formats.
package keyring

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
)

// Store is what a Keyring keeps its data keys in.
type Store interface {
	steward.KeyStore
	steward.Transactor
}

// Options are a Keyring's dependencies and settings.
type Options struct {
	Store Store
	// MasterKeys are the configured master keys; the first is the current
	// one, which wraps new data keys.
	MasterKeys []MasterKey
	Clock      steward.Clock
	Logger     *slog.Logger
	// CacheSize is how many unwrapped data keys stay in memory at most
	// (default DefaultCacheSize; negative: none is kept).
	CacheSize int
	// CacheTTL is how long an unwrapped data key stays in memory after it
	// was read (default DefaultCacheTTL).
	CacheTTL time.Duration
}

// The cache's defaults: a device fetching its policy opens its account's
// secrets without a database read while its account's key is warm, and no
// unwrapped key outlives five minutes in memory.
const (
	DefaultCacheSize = 1024
	DefaultCacheTTL  = 5 * time.Minute
)

// MaxSecret is the largest plaintext Seal accepts: secrets are small
// (passwords, private keys).
const MaxSecret = 64 << 10

// Keyring seals and opens the accounts' secrets.
type Keyring struct {
	store   Store
	masters map[string]cipher.AEAD
	current string
	ids     []string // configured master key IDs, current first
	clock   steward.Clock
	logger  *slog.Logger

	size int
	ttl  time.Duration
	mu   sync.Mutex
	keys map[cacheKey]cached
}

var _ steward.Sealer = (*Keyring)(nil)

// cacheKey names a data key; version 0 is the account's latest, which Seal uses.
type cacheKey struct {
	account string
	version int
}

type cached struct {
	aead    cipher.AEAD
	version int
	expires time.Time
}

// New returns a Keyring. It refuses missing dependencies and bad keys; it
// does not look at the database (see Check).
func New(o Options) (*Keyring, error) {
	if o.Store == nil || o.Clock == nil || o.Logger == nil {
		return nil, errors.New("keyring: Store, Clock and Logger are required")
	}
	if len(o.MasterKeys) == 0 {
		return nil, errors.New("keyring: no master key")
	}
	if o.CacheSize == 0 {
		o.CacheSize = DefaultCacheSize
	}
	if o.CacheTTL <= 0 {
		o.CacheTTL = DefaultCacheTTL
	}
	k := &Keyring{store: o.Store, masters: map[string]cipher.AEAD{}, current: o.MasterKeys[0].ID,
		clock: o.Clock, logger: o.Logger, size: o.CacheSize, ttl: o.CacheTTL, keys: map[cacheKey]cached{}}
	for _, m := range o.MasterKeys {
		if len(m.Key) != keyLen {
			return nil, fmt.Errorf("keyring: master key %q has %d bytes, want %d", m.ID, len(m.Key), keyLen)
		}
		if _, dup := k.masters[m.ID]; dup {
			return nil, fmt.Errorf("keyring: master key %q given twice", m.ID)
		}
		aead, err := newAEAD(m.Key)
		if err != nil {
			return nil, fmt.Errorf("keyring: master key %q: %w", m.ID, err)
		}
		k.masters[m.ID] = aead
		k.ids = append(k.ids, m.ID)
	}
	return k, nil
}

// CurrentMasterKeyID names the master key that wraps new data keys.
func (k *Keyring) CurrentMasterKeyID() string { return k.current }

// Check refuses a database that holds data keys this keyring cannot
// unwrap: keys wrapped by a master key ID that is not configured, or by a
// configured ID whose key is not the one that wrapped them. Servers call it
// before they start, so a missing key is found at once and not when a
// device first needs a secret.
func (k *Keyring) Check(ctx context.Context) error {
	counts, err := k.store.CountAccountKeys(ctx)
	if err != nil {
		return fmt.Errorf("check master keys: %w", err)
	}
	var missing []string
	for id, n := range counts {
		if _, ok := k.masters[id]; !ok {
			missing = append(missing, fmt.Sprintf("%q (%d data keys)", id, n))
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return fmt.Errorf("the database holds data keys wrapped by master key %s, which is not configured: "+
			"give the master key file that holds it (the configured keys are %q)", strings.Join(missing, " and "), k.ids)
	}
	for _, id := range k.ids {
		if counts[id] == 0 {
			continue
		}
		sample, err := k.store.ListAccountKeys(ctx, steward.AccountKeyFilter{MasterKeyID: id, Limit: 1})
		if err != nil {
			return fmt.Errorf("check master keys: %w", err)
		}
		if len(sample) == 1 {
			if _, err := k.unwrap(sample[0]); err != nil {
				return err
			}
		}
	}
	return nil
}

// Seal encrypts plaintext under the account's latest data key, creating the
// account's first key on first use. EINVALID without an account ID,
// ETOOLARGE over MaxSecret, ENOTFOUND for an unknown account.
func (k *Keyring) Seal(ctx context.Context, accountID string, plaintext []byte, aad string) ([]byte, error) {
	if accountID == "" {
		return nil, steward.Errorf(steward.EINVALID, "A secret needs an account.")
	}
	if len(plaintext) > MaxSecret {
		return nil, steward.Errorf(steward.ETOOLARGE, "A secret may have at most %d bytes.", MaxSecret)
	}
	dk, err := k.dataKey(ctx, accountID, 0)
	if err != nil {
		return nil, err
	}
	hdr := header(dk.version)
	return dk.aead.Seal(hdr, nil, plaintext, sealAAD(hdr, accountID, aad)), nil
}

// Open decrypts what Seal returned for the same account and associated
// data. EINVALID when it does not open: another account or field, a
// damaged or truncated ciphertext, or not a sealed secret at all.
func (k *Keyring) Open(ctx context.Context, accountID string, sealed []byte, aad string) ([]byte, error) {
	version, err := parseHeader(sealed)
	if err != nil {
		return nil, steward.Errorf(steward.EINVALID, "The secret does not open: %v.", err)
	}
	if accountID == "" {
		return nil, steward.Errorf(steward.EINVALID, "A secret needs an account.")
	}
	dk, err := k.dataKey(ctx, accountID, version)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, steward.Errorf(steward.EINVALID, "The secret does not open: its account has no data key of version %d.", version)
	} else if err != nil {
		return nil, err
	}
	plain, err := dk.aead.Open(nil, nil, sealed[headerLen:], sealAAD(sealed[:headerLen], accountID, aad))
	if err != nil {
		return nil, steward.Errorf(steward.EINVALID, "The secret does not open: it belongs to another account or field, or it is damaged.")
	}
	return plain, nil
}

// dataKey returns an account's data key of a version (0: the latest,
// created when the account has none). Keys read inside a transaction are
// not cached: the transaction may yet roll back a key it created, and a
// cached key that never committed would seal secrets nobody can open.
func (k *Keyring) dataKey(ctx context.Context, accountID string, version int) (cached, error) {
	now := k.clock.Now()
	ck := cacheKey{accountID, version}
	if dk, ok := k.fromCache(ck, now); ok {
		return dk, nil
	}
	stored, err := k.store.AccountKey(ctx, accountID, version)
	if version == 0 && steward.ErrorCode(err) == steward.ENOTFOUND {
		stored, err = k.createDataKey(ctx, accountID)
	}
	if err != nil {
		return cached{}, err
	}
	aead, err := k.unwrap(stored)
	if err != nil {
		return cached{}, err
	}
	dk := cached{aead: aead, version: stored.Version, expires: now.Add(k.ttl)}
	if !k.store.InTransaction(ctx) {
		k.toCache(ck, dk, now)
		if version == 0 {
			k.toCache(cacheKey{accountID, stored.Version}, dk, now)
		}
	}
	return dk, nil
}

// createDataKey makes an account's first data key; when another writer
// made one first, it returns that one.
func (k *Keyring) createDataKey(ctx context.Context, accountID string) (*steward.AccountKey, error) {
	key := make([]byte, keyLen)
	rand.Read(key)
	const version = 1
	wrapped := k.masters[k.current].Seal(nil, nil, key, wrapAAD(accountID, version, k.current))
	return k.store.InsertAccountKey(ctx, &steward.AccountKey{AccountID: accountID, Version: version, Wrapped: wrapped,
		MasterKeyID: k.current, CreatedAt: k.clock.Now()})
}

// unwrap returns the AEAD of a stored data key. Its errors are
// configuration errors, without a code: the operator must act.
func (k *Keyring) unwrap(s *steward.AccountKey) (cipher.AEAD, error) {
	master, ok := k.masters[s.MasterKeyID]
	if !ok {
		return nil, fmt.Errorf("the data key of account %s (version %d) is wrapped by master key %q, which is not configured",
			s.AccountID, s.Version, s.MasterKeyID)
	}
	key, err := master.Open(nil, nil, s.Wrapped, wrapAAD(s.AccountID, s.Version, s.MasterKeyID))
	if err != nil {
		return nil, fmt.Errorf("master key %q does not unwrap the data key of account %s (version %d): "+
			"the configured key with that ID is not the one that wrapped it, or the row is damaged", s.MasterKeyID, s.AccountID, s.Version)
	}
	return newAEAD(key)
}

func (k *Keyring) fromCache(ck cacheKey, now time.Time) (cached, bool) {
	if k.size < 0 {
		return cached{}, false
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	dk, ok := k.keys[ck]
	if ok && !now.Before(dk.expires) {
		delete(k.keys, ck)
		return cached{}, false
	}
	return dk, ok
}

// toCache keeps dk; when the cache is full it first drops the expired
// entries, then the one that expires first.
func (k *Keyring) toCache(ck cacheKey, dk cached, now time.Time) {
	if k.size < 0 {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.keys[ck]; !ok && len(k.keys) >= k.size {
		var oldest cacheKey
		var first time.Time
		for c, e := range k.keys {
			if !now.Before(e.expires) {
				delete(k.keys, c)
				continue
			}
			if first.IsZero() || e.expires.Before(first) {
				oldest, first = c, e.expires
			}
		}
		if len(k.keys) >= k.size {
			delete(k.keys, oldest)
		}
	}
	k.keys[ck] = dk
}

// cacheLen is the number of unwrapped keys held, for tests.
func (k *Keyring) cacheLen() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.keys)
}
