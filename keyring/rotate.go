package keyring

import (
	"context"
	"fmt"

	"github.com/stewardmdm/steward"
)

// RotateBatch is how many data keys one transaction of Rotate re-wraps.
const RotateBatch = 500

// Rotation is what Rotate did.
type Rotation struct {
	MasterKeyID    string // the current master key, which now wraps every data key
	Rewrapped      int64  // data keys moved to it by this run
	AlreadyCurrent int64  // data keys that were under it before the run
}

// Rotate re-wraps every data key under the current master key, batch keys
// per transaction (default RotateBatch). The data keys themselves do not
// change, so every sealed secret still opens, and servers running while it
// works keep their cached keys. It is idempotent: a second run re-wraps
// nothing. A key re-wrapped by a concurrent run is skipped. It first runs
// Check, so every old master key must still be configured.
func (k *Keyring) Rotate(ctx context.Context, batch int) (Rotation, error) {
	if batch <= 0 {
		batch = RotateBatch
	}
	r := Rotation{MasterKeyID: k.current}
	if err := k.Check(ctx); err != nil {
		return r, err
	}
	counts, err := k.store.CountAccountKeys(ctx)
	if err != nil {
		return r, fmt.Errorf("rotate: %w", err)
	}
	r.AlreadyCurrent = counts[k.current]
	f := steward.AccountKeyFilter{ExceptMasterKeyID: k.current, Limit: batch}
	for {
		keys, err := k.store.ListAccountKeys(ctx, f)
		if err != nil {
			return r, fmt.Errorf("rotate: %w", err)
		}
		if len(keys) == 0 {
			break
		}
		var n int64
		err = k.store.InTx(ctx, func(ctx context.Context) error {
			n = 0
			for _, s := range keys {
				aead := k.masters[s.MasterKeyID]
				if aead == nil {
					return fmt.Errorf("rotate: master key %q is not configured", s.MasterKeyID)
				}
				key, err := aead.Open(nil, nil, s.Wrapped, wrapAAD(s.AccountID, s.Version, s.MasterKeyID))
				if err != nil {
					return fmt.Errorf("rotate: master key %q does not unwrap the data key of account %s (version %d)",
						s.MasterKeyID, s.AccountID, s.Version)
				}
				wrapped := k.masters[k.current].Seal(nil, nil, key, wrapAAD(s.AccountID, s.Version, k.current))
				ok, err := k.store.RewrapAccountKey(ctx, s.AccountID, s.Version, s.MasterKeyID, wrapped, k.current, k.clock.Now())
				if err != nil {
					return err
				}
				if ok {
					n++
				}
			}
			return nil
		})
		if err != nil {
			return r, err
		}
		r.Rewrapped += n
		last := keys[len(keys)-1]
		f.AfterAccountID, f.AfterVersion = last.AccountID, last.Version
		k.logger.Debug("data keys re-wrapped", "batch", len(keys), "rewrapped", n, "master_key", k.current)
	}
	k.logger.Info("master key rotation", "master_key", k.current, "rewrapped", r.Rewrapped, "already_current", r.AlreadyCurrent)
	return r, nil
}
