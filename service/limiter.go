package service

import (
	"sync"
	"time"
)

// limiter is a fixed-window counter per key, held in memory on this node.
// It complements the per-login lockout kept in the database.
type limiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	seen   map[string]*window
}

type window struct {
	start time.Time
	n     int
}

func newLimiter(max int, per time.Duration) *limiter {
	return &limiter{max: max, window: per, seen: map[string]*window{}}
}

// allow counts one attempt for key at now and reports whether it is within
// the limit.
func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) > 100000 { // forget old windows rather than grow without bound
		for k, w := range l.seen {
			if now.Sub(w.start) >= l.window {
				delete(l.seen, k)
			}
		}
	}
	w := l.seen[key]
	if w == nil || now.Sub(w.start) >= l.window {
		w = &window{start: now}
		l.seen[key] = w
	}
	w.n++
	return w.n <= l.max
}
