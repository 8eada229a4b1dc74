package service

import (
	"context"

	"github.com/stewardmdm/steward"
)

// RequiredAppsFor runs requiredAppsFor in a transaction of its own and
// delivers the commands, as a change of the devices' folder or groups
// will: for the tests of devices joining targets.
func (s *Service) RequiredAppsFor(ctx context.Context, deviceIDs []string) ([]*steward.Command, error) {
	var cmds []*steward.Command
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		cmds, err = s.requiredAppsFor(ctx, deviceIDs)
		return err
	})
	if err != nil {
		return nil, err
	}
	s.queuedCommands(ctx, cmds)
	return cmds, nil
}
