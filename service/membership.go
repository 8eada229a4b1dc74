package service

import "context"

// membershipChanged is called, inside the transaction that made the change,
// whenever devices change where they sit: moved into or out of a folder,
// added to or removed from a group, left without their folder or group when
// it is deleted, and when a new device enrolls. Whatever depends on a
// device's folder and groups (its effective policy, directory, required
// apps…) is brought up to date here, so every path that changes membership
// reaches it by calling this one function.
//
// It forgets the single-node cache of those devices' state (see
// devicestate.go), so the next check-in reads their rows afresh; queues
// the required apps the devices' new targets assign (requiredAppsFor),
// pushed once the transaction commits; and recomputes their effective
// policies (see policyeffective.go) and directory versions (see
// devicedirectory.go).
func (s *Service) membershipChanged(ctx context.Context, deviceIDs []string) error {
	if len(deviceIDs) == 0 {
		return nil
	}
	s.states.forget(deviceIDs...)
	if err := s.requiredAppsJoined(ctx, deviceIDs); err != nil {
		return err
	}
	if err := s.directoryMembershipChanged(ctx, deviceIDs); err != nil {
		return err
	}
	return s.refreshDevicePolicies(ctx, deviceIDs)
}
