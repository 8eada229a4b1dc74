package service

import (
	"context"
	"sync"
)

// groupCommit runs many small writes in few transactions. Callers queue
// their write and wait; whoever finds no batch running starts one, which
// takes everything queued and runs it in one transaction, again and again
// until the queue is empty. Nothing waits on a timer: writes that arrive
// while a transaction runs simply join the next one. On SQLite, whose one
// writer commits one transaction at a time, a burst of ten thousand
// acknowledgements costs tens of transactions instead of ten thousand.
type groupCommit struct {
	inTx func(ctx context.Context, fn func(ctx context.Context) error) error
	max  int

	mu      sync.Mutex
	queue   []*groupWrite
	running bool
}

type groupWrite struct {
	fn   func(ctx context.Context) error
	err  error
	done chan struct{}
}

// do runs fn in a shared transaction and returns its error. If the shared
// transaction fails as a whole, each write is retried in a transaction of
// its own, so one bad write does not fail the others.
func (g *groupCommit) do(ctx context.Context, fn func(ctx context.Context) error) error {
	w := &groupWrite{fn: fn, done: make(chan struct{})}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	start := !g.running
	g.running = true
	g.mu.Unlock()
	if start {
		go g.run(context.WithoutCancel(ctx))
	}
	select {
	case <-w.done:
		return w.err
	case <-ctx.Done():
		return ctx.Err() // the write may still happen; it is idempotent
	}
}

func (g *groupCommit) run(ctx context.Context) {
	for {
		g.mu.Lock()
		n := min(len(g.queue), g.max)
		batch := g.queue[:n:n]
		g.queue = g.queue[n:]
		if n == 0 {
			g.running = false
			g.queue = nil
			g.mu.Unlock()
			return
		}
		g.mu.Unlock()
		err := g.inTx(ctx, func(ctx context.Context) error {
			for _, w := range batch {
				if w.err = w.fn(ctx); w.err != nil {
					return w.err
				}
			}
			return nil
		})
		if err != nil && len(batch) > 1 {
			for _, w := range batch {
				w.err = g.inTx(ctx, w.fn)
			}
		} else if err != nil {
			batch[0].err = err
		}
		for _, w := range batch {
			close(w.done)
		}
	}
}
