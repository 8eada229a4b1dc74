package testutil

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	var zero Clock
	if got := zero.Now(); !got.Equal(Epoch) {
		t.Errorf("zero clock reads %v, want %v", got, Epoch)
	}
	c := NewClock()
	if got := c.Advance(90 * time.Second); !got.Equal(Epoch.Add(90*time.Second)) || !c.Now().Equal(got) {
		t.Errorf("after Advance: %v, Now %v", got, c.Now())
	}
	c.Advance(1500 * time.Microsecond)
	if got := c.Now(); got.Nanosecond()%int(time.Millisecond) != 0 {
		t.Errorf("Now() = %v, not at millisecond precision", got)
	}
	c.Set(time.Date(2030, 1, 1, 12, 0, 0, 123_456_789, time.FixedZone("X", 3600)))
	if got, want := c.Now(), time.Date(2030, 1, 1, 11, 0, 0, 123_000_000, time.UTC); got != want {
		t.Errorf("after Set: %v, want %v", got, want)
	}

	// Concurrent use (go test -race).
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				c.Advance(time.Millisecond)
				c.Now()
			}
		})
	}
	wg.Wait()
	if got, want := c.Now(), time.Date(2030, 1, 1, 11, 0, 0, 923_000_000, time.UTC); got != want {
		t.Errorf("after concurrent advances: %v, want %v", got, want)
	}
}
