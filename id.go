package steward

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"

	"github.com/oklog/ulid/v2"
)

// NewID returns a new unique, time-ordered identifier (a lower-case ULID).
func NewID(now time.Time) string {
	return strings.ToLower(ulid.MustNew(ulid.Timestamp(now), rand.Reader).String())
}

var secretEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecret returns a random secret of n bytes encoded as lower-case base32,
// with prefix in front so that leaked secrets are recognisable (e.g. "stw_").
func NewSecret(prefix string, n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return prefix + strings.ToLower(secretEncoding.EncodeToString(b))
}
