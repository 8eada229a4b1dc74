package steward

import "time"

// Clock tells the time. Everything that depends on time takes one, so tests
// can move it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock, in UTC with millisecond precision (the
// precision the stores keep).
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
