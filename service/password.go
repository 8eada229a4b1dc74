package service

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/stewardmdm/steward"
)

// Argon2Params are argon2id cost parameters.
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// DefaultArgon2 follows OWASP's argon2id recommendation (19 MiB, 2 passes).
var DefaultArgon2 = Argon2Params{Memory: 19 * 1024, Time: 2, Threads: 1}

// PasswordHasher hashes passwords with argon2id into PHC strings.
type PasswordHasher struct{ p Argon2Params }

// NewPasswordHasher returns a hasher with the given costs.
func NewPasswordHasher(p Argon2Params) *PasswordHasher { return &PasswordHasher{p: p} }

var b64 = base64.RawStdEncoding

// Hash returns the PHC-encoded argon2id hash of password.
func (h *PasswordHasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.Memory, h.p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches the encoded hash. The costs are
// read from the hash, so older hashes keep verifying after a cost change.
func (h *PasswordHasher) Verify(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false
	}
	salt, err1 := b64.DecodeString(parts[4])
	want, err2 := b64.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || p.Memory > 1<<21 || p.Time > 16 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// checkPasswordRules says what is wrong with a new password, if anything.
func checkPasswordRules(field, password, email string) error {
	n := utf8.RuneCountInString(password)
	switch {
	case n < 12:
		return steward.FieldErrorf(field, "A password needs at least 12 characters.")
	case len(password) > 256:
		return steward.FieldErrorf(field, "A password has at most 256 bytes.")
	case email != "" && strings.Contains(strings.ToLower(password), strings.ToLower(strings.Split(email, "@")[0])):
		return steward.FieldErrorf(field, "A password must not contain your email name.")
	}
	return nil
}
