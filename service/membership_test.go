package service

import (
	"context"
	"testing"
	"time"

	"github.com/stewardmdm/steward"
)

// TestMembershipChangedForgetsDeviceStates: the devices whose membership
// changed are read afresh at their next check-in; the others stay cached.
func TestMembershipChangedForgetsDeviceStates(t *testing.T) {
	s := &Service{states: &deviceStates{m: map[string]deviceState{}}, store: goneDevices{}}
	now := time.Unix(1_700_000_000, 0)
	for _, id := range []string{"d1", "d2", "d3"} {
		_, epoch, _ := s.states.get(id, now)
		s.states.put(&steward.Device{ID: id}, epoch, now)
	}
	if err := s.membershipChanged(context.Background(), []string{"d1", "d3"}); err != nil {
		t.Fatal(err)
	}
	for id, cached := range map[string]bool{"d1": false, "d2": true, "d3": false} {
		if _, _, ok := s.states.get(id, now); ok != cached {
			t.Errorf("%s cached = %v, want %v", id, ok, cached)
		}
	}
	// Several nodes keep no cache: nothing to forget, no error.
	if err := (&Service{store: goneDevices{}}).membershipChanged(context.Background(), []string{"d1"}); err != nil {
		t.Fatal(err)
	}
}

// goneDevices is a store whose devices are all deleted: the required apps
// and the policy recomputation membershipChanged starts find nothing to do.
type goneDevices struct{ steward.Store }

func (goneDevices) DeviceMembership(_ context.Context, id string) (*steward.Membership, error) {
	return nil, steward.Errorf(steward.ENOTFOUND, "device %q not found", id)
}

func (goneDevices) SetDevicePolicyStates(context.Context, map[string]steward.DevicePolicyState) ([]string, error) {
	return nil, nil
}

func (goneDevices) LockDirectoryVersions(context.Context, []string) (map[string]string, error) {
	return map[string]string{}, nil
}

func (goneDevices) SetDirectoryVersions(context.Context, map[string]string) error { return nil }
