// Package testutil holds helpers shared by Steward's tests: a fake clock,
// test databases (a fresh SQLite file, or a fresh PostgreSQL schema) and a
// clamd of the test's own with a database that knows the EICAR test file.
package testutil

import (
	"sync"
	"time"

	"github.com/stewardmdm/steward"
)

// Epoch is where every Clock starts: a fixed UTC time with millisecond
// precision, the precision the stores keep.
var Epoch = time.Date(2025, time.March, 14, 9, 26, 53, 589_000_000, time.UTC)

// Clock is a fake steward.Clock that moves only when told. Its zero value
// reads Epoch. It is safe for concurrent use and always reads UTC,
// truncated to the millisecond.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

var _ steward.Clock = (*Clock)(nil)

// NewClock returns a clock reading Epoch.
func NewClock() *Clock { return &Clock{now: Epoch} }

func (c *Clock) get() time.Time {
	if c.now.IsZero() {
		c.now = Epoch
	}
	return c.now
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.get()
}

// Advance moves the clock forward by d (backward if d is negative) and
// returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.get().Add(d).Truncate(time.Millisecond)
	return c.now
}

// Set moves the clock to t, in UTC and truncated to the millisecond.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t.UTC().Truncate(time.Millisecond)
}
