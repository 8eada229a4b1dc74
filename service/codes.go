package service

import (
	"context"
	"crypto/rand"
	"strings"
	"time"

	"github.com/stewardmdm/steward"
)

// supportAlphabet has no characters that are easily confused (0/O, 1/I/L).
const supportAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// randomCode returns n characters from the unambiguous alphabet.
func randomCode(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	for i := range b {
		b[i] = supportAlphabet[int(b[i])%len(supportAlphabet)]
	}
	return string(b)
}

// normalCode is how an activation code is compared and hashed: upper case,
// without the dashes and spaces people type.
func normalCode(code string) string {
	return strings.ToUpper(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
}

// ActivationCodeCreate is the input to issue an activation code.
type ActivationCodeCreate struct {
	AccountID string        `json:"account_id"` // the client account devices join
	Seats     int           `json:"seats"`
	ValidFor  time.Duration `json:"-"`
	ExpiresAt *time.Time    `json:"expires_at,omitempty"`
	Note      string        `json:"note,omitempty"`
}

// CreateActivationCode issues a code for a client account in the actor's
// subtree. Each activation spends one credit of the actor's account (codes
// issued by the platform are free). The code is shown once.
// EINVALID, EFORBIDDEN, ENOTFOUND.
func (s *Service) CreateActivationCode(ctx context.Context, in ActivationCodeCreate) (*steward.ActivationCode, error) {
	a, acc, err := s.writableAccount(ctx, in.AccountID)
	if err != nil {
		return nil, err
	}
	if acc.Kind != steward.AccountClient {
		return nil, steward.FieldErrorf("account_id", "Devices enroll into client accounts; %q is a %s account.", acc.Name, acc.Kind)
	}
	if in.Seats < 1 || in.Seats > 100000 {
		return nil, steward.FieldErrorf("seats", "Seats must be between 1 and 100000.")
	}
	now := s.now()
	expires := now.Add(30 * 24 * time.Hour)
	if in.ValidFor > 0 {
		expires = now.Add(in.ValidFor)
	}
	if in.ExpiresAt != nil {
		expires = in.ExpiresAt.UTC().Truncate(time.Millisecond)
	}
	if !expires.After(now) || expires.After(now.Add(2*366*24*time.Hour)) {
		return nil, steward.FieldErrorf("expires_at", "The expiry must be in the future and within two years.")
	}
	if len(in.Note) > 500 {
		return nil, steward.FieldErrorf("note", "A note has at most 500 characters.")
	}
	raw := randomCode(12)
	code := raw[:4] + "-" + raw[4:8] + "-" + raw[8:]
	c := &steward.ActivationCode{ID: steward.NewID(now), Code: code, Prefix: raw[:4], AccountID: acc.ID,
		BillingAccountID: a.AccountID, IssuedBy: a.ManagerID, IssuedByEmail: a.Email, Note: strings.TrimSpace(in.Note),
		Seats: in.Seats, ExpiresAt: expires, CreatedAt: now}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.InsertActivationCode(ctx, c, hashSecret(normalCode(code))); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "activation_code.create", "activation_code", c.ID,
			map[string]any{"after": map[string]any{"prefix": c.Prefix, "seats": c.Seats, "expires_at": c.ExpiresAt}})
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// ActivationCodes lists the codes of accounts in the actor's subtree (or
// in one account's subtree).
func (s *Service) ActivationCodes(ctx context.Context, accountID string, limit int) ([]*steward.ActivationCode, error) {
	_, acc, err := s.reachAccount(ctx, accountID)
	if err != nil {
		return nil, err
	}
	return s.store.ListActivationCodes(ctx, acc.Path, limit)
}

// RevokeActivationCode stops a code from enrolling more devices. Devices
// it enrolled are disabled by the next daily re-verification.
func (s *Service) RevokeActivationCode(ctx context.Context, id string) (*steward.ActivationCode, error) {
	a, err := actor(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.store.ActivationCodeByID(ctx, id)
	hidden := steward.Errorf(steward.ENOTFOUND, "Activation code %q not found.", id)
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, hidden
	} else if err != nil {
		return nil, err
	}
	if _, _, err := s.writableAccount(ctx, c.AccountID); steward.ErrorCode(err) == steward.ENOTFOUND {
		return nil, hidden
	} else if err != nil {
		return nil, err
	}
	_ = a
	if c.RevokedAt != nil {
		return c, nil
	}
	now := s.now()
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.RevokeActivationCode(ctx, c.ID, now); err != nil {
			return err
		}
		return s.record(ctx, c.AccountID, "activation_code.revoke", "activation_code", c.ID, map[string]any{"prefix": c.Prefix})
	})
	if err != nil {
		return nil, err
	}
	c.RevokedAt = &now
	return c, nil
}
