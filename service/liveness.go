package service

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// liveness keeps last-seen times in memory and flushes them in batches, so
// a poll or a push connection never costs a database write of its own.
type liveness struct {
	mu   sync.Mutex
	seen map[string]time.Time
}

func (l *liveness) touch(id string, t time.Time) {
	l.mu.Lock()
	if l.seen == nil {
		l.seen = map[string]time.Time{}
	}
	l.seen[id] = t
	l.mu.Unlock()
}

func (l *liveness) take() map[string]time.Time {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := l.seen
	l.seen = nil
	return s
}

// lastSeen returns the unflushed last-seen time of a device, if any.
func (l *liveness) lastSeen(id string) (time.Time, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	t, ok := l.seen[id]
	return t, ok
}

// FlushLiveness writes the last-seen times gathered since the last flush:
// the job behind "online" and "last seen".
func (s *Service) FlushLiveness(ctx context.Context) (string, error) {
	// Devices holding a push connection are seen now.
	now := s.now()
	s.hub.mu.RLock()
	for id := range s.hub.sinks {
		s.live.touch(id, now)
	}
	s.hub.mu.RUnlock()
	seen := s.live.take()
	if len(seen) == 0 {
		return "", nil
	}
	if err := s.store.TouchDevices(ctx, seen); err != nil {
		// Put them back so the next flush tries again.
		for id, t := range seen {
			if cur, ok := s.live.lastSeen(id); !ok || cur.Before(t) {
				s.live.touch(id, t)
			}
		}
		return "", err
	}
	return fmt.Sprintf("recorded last-seen for %d devices", len(seen)), nil
}
