package service

import (
	"sync"
	"time"

	"github.com/stewardmdm/steward"
)

// deviceStates spares a check-in the read of its device row: it keeps, per
// device, what the check-in compares and answers with (the inventory as
// stored, the app count, whether the agent is enabled and why not), as this
// process last wrote or read it. Like pendingMarks it is exact only where
// this process makes every change, so it is used on a single node; every
// service path that changes those fields forgets the device, and entries
// expire after stateTTL as a safety net for any change made elsewhere.
type deviceStates struct {
	mu sync.Mutex
	m  map[string]deviceState
	// epoch counts forgets: a row read before a forget must not be cached
	// after it, so put takes the epoch get returned with its miss.
	epoch uint64
}

type deviceState struct {
	d       steward.Device
	expires time.Time
}

const (
	stateTTL       = time.Minute
	maxStateCached = 200000
)

// get returns a copy of the device as cached, if fresh; on a miss, the
// epoch to give put with the row read instead.
func (c *deviceStates) get(id string, now time.Time) (*steward.Device, uint64, bool) {
	if c == nil {
		return nil, 0, false
	}
	c.mu.Lock()
	e, ok := c.m[id]
	epoch := c.epoch
	c.mu.Unlock()
	if !ok || now.After(e.expires) {
		return nil, epoch, false
	}
	d := e.d
	return &d, epoch, true
}

// put caches d, read from the store at epoch, unless a device was
// forgotten since.
func (c *deviceStates) put(d *steward.Device, epoch uint64, now time.Time) {
	if c == nil {
		return
	}
	c.mu.Lock()
	if c.epoch != epoch {
		c.mu.Unlock()
		return
	}
	if len(c.m) >= maxStateCached {
		clear(c.m)
	}
	c.m[d.ID] = deviceState{d: *d, expires: now.Add(stateTTL)}
	c.mu.Unlock()
}

// forget drops devices whose row was changed.
func (c *deviceStates) forget(ids ...string) {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.epoch++
	for _, id := range ids {
		delete(c.m, id)
	}
	c.mu.Unlock()
}
