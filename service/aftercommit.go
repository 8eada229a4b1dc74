package service

import (
	"context"

	"github.com/stewardmdm/steward"
)

// Work that must wait until a transaction commits (pushing the commands it
// queued, waking long polls) is registered with afterCommit from anywhere
// inside it, such as membershipChanged, whose callers own the transaction.

// hookedStore is the service's store: its InTx runs the functions
// registered with afterCommit once the outermost transaction commits, and
// drops them when it rolls back.
type hookedStore struct{ steward.Store }

type commitHooksKey struct{}

type commitHooks struct{ fns []func() }

// InTx implements steward.Transactor.
func (h hookedStore) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(commitHooksKey{}).(*commitHooks); ok {
		return h.Store.InTx(ctx, fn) // nested: joins the outer transaction
	}
	hooks := &commitHooks{}
	if err := h.Store.InTx(context.WithValue(ctx, commitHooksKey{}, hooks), fn); err != nil {
		return err
	}
	for _, f := range hooks.fns {
		f()
	}
	return nil
}

// afterCommit runs fn once the transaction ctx is in commits, or at once
// outside a transaction.
func afterCommit(ctx context.Context, fn func()) {
	if hooks, ok := ctx.Value(commitHooksKey{}).(*commitHooks); ok {
		hooks.fns = append(hooks.fns, fn)
		return
	}
	fn()
}
