package steward

import "context"

// Secrets that devices need in clear (Wi-Fi passwords, private keys) are
// kept encrypted at rest by envelope encryption: each account has its own
// data key, stored wrapped by a master key that never enters the database.

// Sealer encrypts and decrypts an account's small secrets. The associated
// data binds a ciphertext to the row and field it belongs to (for example
// "policy_version/<id>/wifi/<ssid>/password"): a ciphertext copied to
// another row or account does not open.
type Sealer interface {
	// Seal encrypts plaintext under the account's data key, creating the
	// key on first use.
	Seal(ctx context.Context, accountID string, plaintext []byte, aad string) ([]byte, error)
	// Open decrypts what Seal returned for the same account and associated
	// data. EINVALID when the ciphertext does not open.
	Open(ctx context.Context, accountID string, ciphertext []byte, aad string) ([]byte, error)
}
