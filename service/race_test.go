package service_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/stewardmdm/steward"
)

// TestLastOwnerUnderConcurrentChanges checks that two owners removing each
// other at the same time (demoting or deleting) leave the account with an
// owner.
func TestLastOwnerUnderConcurrentChanges(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		w := e.world(t)
		owner := w.c2
		for round := range 6 {
			other := e.manager(t, w.r1, w.C2, fmt.Sprintf("owner%d@c-two.test", round), steward.RoleOwner)
			pair := [2]*member{owner, other}
			var wg sync.WaitGroup
			for i, m := range pair {
				target := pair[1-i].ID
				wg.Go(func() {
					var err error
					if round%2 == 1 && i == 0 {
						err = e.svc.DeleteManager(m.ctx, target)
					} else {
						_, err = e.svc.UpdateManager(m.ctx, target, steward.ManagerUpdate{Role: ptr(steward.RoleAdmin)})
					}
					if c := steward.ErrorCode(err); c != "" && c != steward.ECONFLICT {
						t.Errorf("round %d: %v", round, err)
					}
				})
			}
			wg.Wait()
			ms, err := e.svc.Managers(w.r1.ctx, w.C2.ID)
			must(t, err)
			var owners []string
			for _, m := range ms {
				if m.Role == steward.RoleOwner {
					owners = append(owners, m.Email)
				}
			}
			if len(owners) != 1 {
				t.Fatalf("round %d: owners left %q, want one", round, owners)
			}
			for _, m := range pair {
				if m.Email == owners[0] {
					owner = m
				}
			}
		}
	})
}
