package service

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// runGroup sends n concurrent writes through a groupCommit whose first
// transaction is held until the rest have queued; write bad fails. It
// returns each write's error and the number of transactions begun.
func runGroup(t *testing.T, n, bad int) ([]error, int64) {
	t.Helper()
	var txs atomic.Int64
	gate := make(chan struct{})
	g := &groupCommit{max: 500, inTx: func(ctx context.Context, fn func(ctx context.Context) error) error {
		if txs.Add(1) == 1 {
			<-gate
		}
		return fn(ctx)
	}}
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = g.do(context.Background(), func(context.Context) error {
				if i == bad {
					return errBadWrite
				}
				return nil
			})
		}()
	}
	time.Sleep(50 * time.Millisecond) // let the writes queue behind the first transaction
	close(gate)
	wg.Wait()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.running || len(g.queue) != 0 {
		t.Error("the group is still running after every write returned")
	}
	return errs, txs.Load()
}

var errBadWrite = errors.New("bad write")

// TestGroupCommit: concurrent writes share transactions, and a failing
// write fails alone: its group is retried one write per transaction.
func TestGroupCommit(t *testing.T) {
	errs, txs := runGroup(t, 200, -1)
	for i, err := range errs {
		if err != nil {
			t.Errorf("write %d: %v", i, err)
		}
	}
	if txs > 3 {
		t.Errorf("%d transactions for 200 queued writes, want at most 3", txs)
	}

	errs, _ = runGroup(t, 200, 7)
	for i, err := range errs {
		if i == 7 && !errors.Is(err, errBadWrite) {
			t.Errorf("write 7: %v, want its own error", err)
		} else if i != 7 && err != nil {
			t.Errorf("write %d failed with its group: %v", i, err)
		}
	}
}
