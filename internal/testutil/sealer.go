package testutil

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"sync/atomic"

	"github.com/stewardmdm/steward"
)

// Sealer is a steward.Sealer for tests: AES-GCM under a key derived from
// the account ID, with the associated data checked. It counts its calls.
type Sealer struct {
	Seals, Opens atomic.Int64
}

var _ steward.Sealer = (*Sealer)(nil)

func (s *Sealer) aead(accountID string) cipher.AEAD {
	key := sha256.Sum256([]byte("test sealer/" + accountID))
	block, err := aes.NewCipher(key[:])
	if err != nil {
		panic(err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		panic(err)
	}
	return g
}

// Seal encrypts plaintext for the account, bound to aad.
func (s *Sealer) Seal(_ context.Context, accountID string, plaintext []byte, aad string) ([]byte, error) {
	s.Seals.Add(1)
	g := s.aead(accountID)
	nonce := make([]byte, g.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	return g.Seal(nonce, nonce, plaintext, []byte(aad)), nil
}

// Open decrypts what Seal returned for the same account and aad; EINVALID
// otherwise.
func (s *Sealer) Open(_ context.Context, accountID string, ciphertext []byte, aad string) ([]byte, error) {
	s.Opens.Add(1)
	g := s.aead(accountID)
	if len(ciphertext) < g.NonceSize() {
		return nil, steward.Errorf(steward.EINVALID, "ciphertext too short")
	}
	out, err := g.Open(nil, ciphertext[:g.NonceSize()], ciphertext[g.NonceSize():], []byte(aad))
	if err != nil {
		return nil, steward.Errorf(steward.EINVALID, "the ciphertext does not open: %s", fmt.Sprint(err))
	}
	return out, nil
}
