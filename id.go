package steward

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"sync"
	"time"

	"github.com/oklog/ulid/v2"
)

var (
	idMu      sync.Mutex
	idEntropy = ulid.Monotonic(rand.Reader, 0)
)

// NewID returns a new unique, time-ordered identifier (a lower-case ULID).
// IDs made in the same millisecond by one process still sort in the order
// they were made, so "newest first" listings are exact.
func NewID(now time.Time) string {
	idMu.Lock()
	defer idMu.Unlock()
	return strings.ToLower(ulid.MustNew(ulid.Timestamp(now), idEntropy).String())
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
