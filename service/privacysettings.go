package service

import (
	"context"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
)

// PrivacySettings returns a client account's privacy switches (location
// and web-history tracking, both off until a manager turns them on). Every
// role that reaches the account may read them. ENOTFOUND.
func (s *Service) PrivacySettings(ctx context.Context, accountID string) (*steward.PrivacySettings, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.store.PrivacySettings(ctx, acc.ID)
}

// SetPrivacySettings changes a client account's switches; owners and
// admins of the account or an account above it may. Turning a switch off
// deletes that data of every device of the account in the same
// transaction as the switch, so either both happen or neither does. The
// change is audited ("account.privacy_settings", with what was deleted).
// EINVALID (not a client account), EFORBIDDEN, ENOTFOUND, ECONFLICT
// (deleted account).
func (s *Service) SetPrivacySettings(ctx context.Context, accountID string, u steward.PrivacySettingsUpdate) (*steward.PrivacySettings, error) {
	a, acc, err := s.writableAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	if acc.Kind != steward.AccountClient {
		return nil, steward.Errorf(steward.EINVALID, "Privacy switches belong to client accounts; %q is a %s.", acc.Name, acc.Kind)
	}
	var out *steward.PrivacySettings
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.LockAccount(ctx, acc.ID); err != nil {
			return err
		}
		before, err := s.store.PrivacySettings(ctx, acc.ID)
		if err != nil {
			return err
		}
		after := *before
		if u.LocationEnabled != nil {
			after.LocationEnabled = *u.LocationEnabled
		}
		if u.WebHistoryEnabled != nil {
			after.WebHistoryEnabled = *u.WebHistoryEnabled
		}
		after.UpdatedBy, after.UpdatedAt = a.Email, s.now()
		if err := s.store.PutPrivacySettings(ctx, &after); err != nil {
			return err
		}
		summary := map[string]any{
			"location_enabled":    [2]bool{before.LocationEnabled, after.LocationEnabled},
			"web_history_enabled": [2]bool{before.WebHistoryEnabled, after.WebHistoryEnabled},
		}
		// Off means none of it is kept: the purge runs whenever a switch is
		// off, not only when it changes, so nothing can linger.
		if !after.LocationEnabled {
			n, err := s.store.DeleteAccountLocation(ctx, acc.ID)
			if err != nil {
				return err
			}
			summary["deleted_points"] = n
		}
		if !after.WebHistoryEnabled {
			n, err := s.store.DeleteAccountWebHistory(ctx, acc.ID)
			if err != nil {
				return err
			}
			summary["deleted_visits"] = n
		}
		out = &after
		return s.record(ctx, acc.ID, "account.privacy_settings", "account", acc.ID, summary)
	})
	if err != nil {
		return nil, err
	}
	s.privacy.forget(acc.ID)
	return out, nil
}

// privacyCache remembers accounts' switches for a short while, so that
// check-ins do not each read them. Ingest never uses it: the gates read
// the database in the transaction that stores the data.
type privacyCache struct {
	mu sync.Mutex
	m  map[string]privacyEntry
}

type privacyEntry struct {
	s       steward.PrivacySettings
	expires time.Time
}

// privacyCacheTTL bounds how late a device hears of a changed switch from
// another node; this node forgets at once.
const privacyCacheTTL = 30 * time.Second

func (c *privacyCache) get(id string, now time.Time) (steward.PrivacySettings, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !now.Before(e.expires) {
		return steward.PrivacySettings{}, false
	}
	return e.s, true
}

func (c *privacyCache) put(s steward.PrivacySettings, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) > 100_000 {
		c.m = map[string]privacyEntry{}
	}
	c.m[s.AccountID] = privacyEntry{s: s, expires: now.Add(privacyCacheTTL)}
}

func (c *privacyCache) forget(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, id)
}

// accountPrivacy returns an account's switches through the cache.
func (s *Service) accountPrivacy(ctx context.Context, accountID string) (steward.PrivacySettings, error) {
	now := s.now()
	if ps, ok := s.privacy.get(accountID, now); ok {
		return ps, nil
	}
	ps, err := s.store.PrivacySettings(ctx, accountID)
	if err != nil {
		return steward.PrivacySettings{}, err
	}
	s.privacy.put(*ps, now)
	return *ps, nil
}
