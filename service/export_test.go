package service

import "context"

// SetPolicyVersions makes fn the source of the devices' current policy
// versions, as the effective-policy computation will be.
func SetPolicyVersions(s *Service, fn func(ctx context.Context, deviceIDs []string) (map[string]string, error)) {
	s.policyVersions = fn
}
