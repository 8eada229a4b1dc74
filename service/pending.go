package service

import "sync"

// pendingMarks spares idle polls the database: it remembers the devices
// whose queue was seen empty, until a command is queued for them. The mark
// is exact only where every command is queued by this process, so it is
// used on a single node (Options.SingleNode, the embedded SQLite store);
// with several nodes every poll reads the queue.
//
// A mark is taken with the device's generation, read before the queue is:
// queueing a command bumps the generation after its transaction commits,
// so a poll that read the queue just before the commit cannot mark the
// device empty afterwards.
type pendingMarks struct {
	mu sync.Mutex
	m  map[string]pendingState
}

type pendingState struct {
	gen   uint64
	empty bool
}

// state returns the device's generation and whether its queue is known empty.
func (p *pendingMarks) state(id string) (gen uint64, empty bool) {
	if p == nil {
		return 0, false
	}
	p.mu.Lock()
	st := p.m[id]
	p.mu.Unlock()
	return st.gen, st.empty
}

// markEmpty records that the queue was empty when read at generation gen.
func (p *pendingMarks) markEmpty(id string, gen uint64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if st := p.m[id]; st.gen == gen {
		p.m[id] = pendingState{gen: gen, empty: true}
	}
}

// queued records that commands were queued for the devices.
func (p *pendingMarks) queued(ids ...string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, id := range ids {
		st := p.m[id]
		p.m[id] = pendingState{gen: st.gen + 1}
	}
}

// forget drops a device's mark (it was wiped).
func (p *pendingMarks) forget(id string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	// Keep a bumped generation rather than deleting, so that an in-flight
	// poll of the device cannot mark it empty.
	p.m[id] = pendingState{gen: p.m[id].gen + 1}
	p.mu.Unlock()
}
