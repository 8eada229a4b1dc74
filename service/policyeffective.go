package service

import (
	"context"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// A device's effective policy: computed from its membership and the
// policies covering it (policymerge.go), kept on its row as a
// steward.DevicePolicyState so that the check-in answers with the version
// at no cost, recomputed when a policy, its targets or a device's
// membership changes, and fetched by the device with its secrets opened.

// versionCache keeps the policy versions merges read. A current version
// is never changed (an edit writes a new one and erases only the secrets
// of the older ones, which merges no longer read), so a cached copy stays
// right on every node; the cache is bounded.
type versionCache struct {
	mu sync.Mutex
	m  map[versionKey]*steward.PolicyVersion
}

type versionKey struct {
	policy  string
	version int
}

const maxVersionsCached = 2000

func newVersionCache() *versionCache {
	return &versionCache{m: map[versionKey]*steward.PolicyVersion{}}
}

// policyVersion reads one version through the cache.
func (s *Service) policyVersion(ctx context.Context, policyID string, version int) (*steward.PolicyVersion, error) {
	c, k := s.versionCache, versionKey{policyID, version}
	c.mu.Lock()
	v := c.m[k]
	c.mu.Unlock()
	if v != nil {
		return v, nil
	}
	v, err := s.store.PolicyVersion(ctx, policyID, version)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if len(c.m) >= maxVersionsCached {
		clear(c.m)
	}
	c.m[k] = v
	c.mu.Unlock()
	return v, nil
}

// deviceEffective merges the policies covering a device. groups caches
// the groups read (nil: none kept).
func (s *Service) deviceEffective(ctx context.Context, deviceID string, groups map[string]*steward.Group) (*merged, *steward.Membership, error) {
	m, err := s.store.DeviceMembership(ctx, deviceID)
	if err != nil {
		return nil, nil, err
	}
	ps, err := s.store.PoliciesCovering(ctx, m)
	if err != nil {
		return nil, nil, err
	}
	if groups == nil {
		groups = map[string]*steward.Group{}
	}
	var cs []*coverage
	for _, p := range ps {
		v, err := s.policyVersion(ctx, p.ID, p.CurrentVersion)
		if steward.ErrorCode(err) == steward.ENOTFOUND {
			continue // deleted meanwhile
		} else if err != nil {
			return nil, nil, err
		}
		for _, t := range p.Targets {
			if t.Kind != steward.TargetGroup || !m.Covers(t) || groups[t.ID] != nil {
				continue
			}
			g, err := s.store.GroupByID(ctx, t.ID)
			if steward.ErrorCode(err) == steward.ENOTFOUND {
				continue
			} else if err != nil {
				return nil, nil, err
			}
			groups[t.ID] = g
		}
		if c := coverageOf(m, p, v, groups); c != nil {
			cs = append(cs, c)
		}
	}
	return mergePolicies(deviceID, cs), m, nil
}

// refreshTargets recomputes the effective policy of every device the
// targets cover. It runs after the change that calls it has committed;
// a failure is logged, not returned (the change stands, and a device's
// fetch of its policy corrects its stored version).
func (s *Service) refreshTargets(ctx context.Context, targets []steward.Target) {
	ctx = context.WithoutCancel(ctx)
	seen := map[string]bool{}
	var ids []string
	for _, t := range targets {
		after := ""
		for {
			page, err := s.store.DevicesInTarget(ctx, t, after, 500)
			if err != nil {
				s.logger.Error("list the devices of a policy target", "kind", t.Kind, "id", t.ID, "err", err)
				break
			}
			for _, id := range page {
				if !seen[id] {
					seen[id] = true
					ids = append(ids, id)
				}
			}
			if len(page) < 500 {
				break
			}
			after = page[len(page)-1]
		}
	}
	if err := s.refreshDevicePolicies(ctx, ids); err != nil {
		s.logger.Error("recompute effective policies", "devices", len(ids), "err", err)
	}
}

// refreshDevicePolicies recomputes devices' effective policies, stores
// their states, and tells the connected ones whose version changed to
// fetch their policy again. Called inside a transaction (see
// membershipChanged), it reads and writes in it; a device told at that
// instant may fetch before the commit and get the old version, and then
// picks the new one up at its next check-in.
func (s *Service) refreshDevicePolicies(ctx context.Context, ids []string) error {
	groups := map[string]*steward.Group{}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 200)]
		ids = ids[len(batch):]
		states := make(map[string]steward.DevicePolicyState, len(batch))
		for _, id := range batch {
			mg, _, err := s.deviceEffective(ctx, id, groups)
			if steward.ErrorCode(err) == steward.ENOTFOUND {
				continue // deleted meanwhile
			} else if err != nil {
				return err
			}
			states[id] = stateOf(&mg.eff)
		}
		changed, err := s.store.SetDevicePolicyStates(ctx, states)
		if err != nil {
			return err
		}
		s.policyChanged(ctx, changed)
	}
	return nil
}

// policyChanged forgets the cached rows of devices whose effective policy
// changed and pushes a refresh to those connected here.
func (s *Service) policyChanged(ctx context.Context, ids []string) {
	if len(ids) == 0 {
		return
	}
	s.states.forget(ids...)
	for _, id := range ids {
		s.pushPolicyRefresh(ctx, id)
	}
}

// storedPolicyVersions is where compliance reads the version each device
// should hold: the one its row keeps (devices.policy_version), as the
// check-in answers it; "" when no policy covers the device.
func (s *Service) storedPolicyVersions(ctx context.Context, deviceIDs []string) (map[string]string, error) {
	return s.store.DevicePolicyVersions(ctx, deviceIDs)
}

// EffectivePolicy returns the effective policy of a device of the actor's
// subtree, with the source of every setting and the targets named;
// secrets appear only as flags. ENOTFOUND.
func (s *Service) EffectivePolicy(ctx context.Context, deviceID string) (*steward.EffectivePolicy, error) {
	d, err := s.reachDevice(ctx, deviceID)
	if err != nil {
		return nil, err
	}
	mg, _, err := s.deviceEffective(ctx, d.ID, nil)
	if err != nil {
		return nil, err
	}
	eff := &mg.eff
	s.describe(&eff.Settings)
	names := map[steward.Target]string{}
	for i := range eff.Policies {
		p := &eff.Policies[i]
		if _, ok := names[p.Target]; !ok {
			named, err := s.nameTargets(ctx, []steward.Target{p.Target})
			if err != nil {
				return nil, err
			}
			names[p.Target] = named[0].Name
		}
		p.TargetName = names[p.Target]
	}
	for i := range eff.Sources {
		eff.Sources[i].TargetName = names[eff.Sources[i].Target]
	}
	return eff, nil
}

// DevicePolicy answers a device's fetch of its effective policy, computed
// afresh from what covers it now, with the secrets of the policies that
// cover it opened for it alone. When ifNoneMatch is its version, it
// answers notModified and nothing else. It writes nothing: the stored
// version is the recomputations' business.
func (s *Service) DevicePolicy(ctx context.Context, dev *Device, ifNoneMatch string) (p *protocol.Policy, notModified bool, err error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	mg, _, err := s.deviceEffective(ctx, dev.ID, nil)
	if err != nil {
		return nil, false, err
	}
	if mg.eff.Version != "" && ifNoneMatch == mg.eff.Version {
		return nil, true, nil
	}
	p, err = policyToWire(&mg.eff, func(ssid, field string) (string, error) {
		c := mg.secrets[ssid]
		var sealed *steward.SealedSecret
		for _, w := range c.version.Settings.WiFi {
			if w.SSID == ssid {
				sealed = w.SealedPassword
				if field == "client_key" {
					sealed = w.SealedClientKey
				}
			}
		}
		if sealed == nil || len(sealed.Ciphertext) == 0 {
			return "", nil
		}
		return s.openSecret(ctx, c.policy.AccountID, sealed, secretAAD(c.policy.ID, c.version.Version, ssid, field))
	})
	if err != nil {
		return nil, false, err
	}
	return p, false, nil
}

// pushPolicyRefresh tells a device connected here to fetch its policy
// again; the others learn the new version at their next check-in.
func (s *Service) pushPolicyRefresh(ctx context.Context, deviceID string) {
	s.hub.mu.RLock()
	sink := s.hub.sinks[deviceID]
	s.hub.mu.RUnlock()
	if sink == nil {
		return
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	m := protocol.PushMessage{Type: protocol.PushRefresh, Refresh: []string{protocol.RefreshPolicy}}
	if err := sink.Push(pctx, m); err != nil {
		s.logger.Debug("push failed; the device will learn the policy version at its next check-in", "device", deviceID, "err", err)
	}
}
