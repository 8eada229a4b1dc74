package service

import (
	"context"
	"errors"
	"testing"

	"github.com/stewardmdm/steward"
)

// fakeTx is a store whose transactions only record that they ran.
type fakeTx struct {
	steward.Store
	log *[]string
}

func (f fakeTx) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	*f.log = append(*f.log, "begin")
	if err := fn(ctx); err != nil {
		*f.log = append(*f.log, "rollback")
		return err
	}
	*f.log = append(*f.log, "commit")
	return nil
}

// TestAfterCommit: work registered inside a transaction runs once the
// outermost one commits, never when it rolls back, and at once outside one.
func TestAfterCommit(t *testing.T) {
	var log []string
	h := hookedStore{fakeTx{log: &log}}
	ctx := context.Background()
	err := h.InTx(ctx, func(ctx context.Context) error {
		afterCommit(ctx, func() { log = append(log, "outer hook") })
		return h.InTx(ctx, func(ctx context.Context) error {
			afterCommit(ctx, func() { log = append(log, "nested hook") })
			log = append(log, "work")
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := h.InTx(ctx, func(ctx context.Context) error {
		afterCommit(ctx, func() { log = append(log, "hook of a rolled back transaction") })
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("error %v, want boom", err)
	}
	afterCommit(ctx, func() { log = append(log, "outside") })
	want := []string{"begin", "begin", "work", "commit", "commit", "outer hook", "nested hook", "begin", "rollback", "outside"}
	if len(log) != len(want) {
		t.Fatalf("log %q, want %q", log, want)
	}
	for i := range want {
		if log[i] != want[i] {
			t.Fatalf("log %q, want %q", log, want)
		}
	}
}
