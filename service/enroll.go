package service

import (
	"context"
	"crypto/subtle"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/stewardmdm/steward"
	"github.com/stewardmdm/steward/protocol"
)

// CheckInInterval is how often devices check in when nothing is pushed.
const CheckInInterval = 15 * time.Minute

// Device is an authenticated device: what a device-protocol request knows
// of its caller.
type Device struct {
	ID          string
	AccountID   string
	AccountPath string
	Ownership   steward.Ownership
}

// Enroll enrolls a device with an activation code. It reports whether a
// new device was created (false for a re-enrollment). It spends one credit of
// the code's billing account and one seat of the code; re-enrolling the same
// hardware into the same account reuses the device and only replaces its
// credential. The newest clean version of every app a required assignment
// covering the device assigns is queued for it. EINVALID, ENOTFOUND
// (unknown code), ECONFLICT (revoked, expired or full code; no credits;
// account not active).
func (s *Service) Enroll(ctx context.Context, req *protocol.EnrollRequest, ip string) (*protocol.EnrollResponse, bool, error) {
	res, err := s.enroll(ctx, req, ip)
	if err != nil {
		return nil, false, err
	}
	return res.resp, res.created, nil
}

type enrolled struct {
	resp    *protocol.EnrollResponse
	created bool
}

func (s *Service) enroll(ctx context.Context, req *protocol.EnrollRequest, ip string) (*enrolled, error) {
	steward.MarkAuthorized(ctx) // the activation code is the credential
	now := s.now()
	ownership := steward.Ownership(req.Ownership)
	if !ownership.Valid() {
		return nil, steward.FieldErrorf("ownership", "Ownership must be company or personal.")
	}
	code, err := s.store.ActivationCodeByHash(ctx, hashSecret(normalCode(req.ActivationCode)))
	if steward.ErrorCode(err) == steward.ENOTFOUND {
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "device.enroll_refused", IP: ip, Detail: detail("reason", "unknown activation code")})
		return nil, &steward.Error{Code: steward.ENOTFOUND, Field: "activation_code", Message: "Unknown activation code. Check it with your IT administrator."}
	} else if err != nil {
		return nil, err
	}
	acc, err := s.checkAccountUsable(ctx, code.AccountID)
	if err != nil {
		return nil, steward.Errorf(steward.ECONFLICT, "This account cannot enroll devices now: %s", steward.ErrorMessage(err))
	}
	if acc.SubscriptionEnd != nil && !now.Before(*acc.SubscriptionEnd) {
		return nil, steward.Errorf(steward.ECONFLICT, "The subscription of %q has ended; devices cannot enroll.", acc.Name)
	}
	switch {
	case code.RevokedAt != nil:
		return nil, &steward.Error{Code: steward.ECONFLICT, Field: "activation_code", Message: "This activation code was revoked."}
	case !now.Before(code.ExpiresAt):
		return nil, &steward.Error{Code: steward.ECONFLICT, Field: "activation_code", Message: "This activation code has expired."}
	}
	secret := steward.NewSecret("", 32)
	resp := &protocol.EnrollResponse{Protocol: protocol.Version, CheckInIntervalSeconds: int(CheckInInterval / time.Second),
		ServerTime: now, Endpoints: protocol.Endpoints{CheckIn: protocol.PathCheckIn, Commands: protocol.PathCommands, Push: protocol.PathPush}}

	existing, err := s.store.DeviceByHardware(ctx, acc.ID, req.Hardware.ID)
	if err == nil {
		// Re-enrollment: same hardware, same account. The old credential
		// stops working; no seat and no credit are spent again. Required
		// apps it lacks are queued, as for a new device.
		err = s.store.InTx(ctx, func(ctx context.Context) error {
			if err := s.store.SetDeviceCredential(ctx, existing.ID, hashSecret(secret), now); err != nil {
				return err
			}
			if err := s.deviceEvent(ctx, existing.ID, "enrolled", map[string]any{"reenrolled": true, "ip": ip}); err != nil {
				return err
			}
			if err := s.requiredAppsJoined(ctx, []string{existing.ID}); err != nil {
				return err
			}
			return s.record(ctx, acc.ID, "device.reenroll", "device", existing.ID, map[string]any{"support_id": existing.SupportID, "code": code.Prefix})
		})
		if err != nil {
			return nil, err
		}
		s.devAuth.forget(existing.ID)
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "device.reenrolled", AccountID: acc.ID, IP: ip,
			Detail: detail("device_id", existing.ID, "support_id", existing.SupportID)})
		resp.DeviceID, resp.SupportID, resp.Credential = existing.ID, existing.SupportID, existing.ID+"."+secret
		return &enrolled{resp: resp}, nil
	} else if steward.ErrorCode(err) != steward.ENOTFOUND {
		return nil, err
	}

	d := &steward.Device{ID: steward.NewID(now), AccountID: acc.ID, Name: strings.TrimSpace(req.Name), Ownership: ownership,
		Channel: steward.ChannelAgent, Platform: req.Platform, HardwareID: req.Hardware.ID, ActivationCodeID: code.ID,
		AgentEnabled: true, EnrolledAt: now, LastSeenAt: &now, CreatedAt: now, UpdatedAt: now,
		Inventory: steward.Inventory{Manufacturer: req.Hardware.Manufacturer, Model: req.Hardware.Model, Serial: req.Hardware.Serial,
			AgentVersion: req.AgentVersion, IP: ip}}
	if d.Name == "" {
		d.Name = strings.TrimSpace(req.Hardware.Manufacturer + " " + req.Hardware.Model)
	}
	for tries := 0; ; tries++ {
		d.SupportID = randomCode(8)
		taken, err := s.store.SupportIDExists(ctx, d.SupportID)
		if err != nil {
			return nil, err
		}
		if !taken {
			break
		}
		if tries > 10 {
			return nil, fmt.Errorf("no free support ID after %d tries", tries)
		}
	}
	// membershipChanged queues the required apps assigned to the targets the
	// device joins, so it installs them at its first check-in.
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.UseActivationCode(ctx, code.ID, now); err != nil {
			return err
		}
		if err := s.spendCredit(ctx, code, d, now); err != nil {
			return err
		}
		if err := s.store.InsertDevice(ctx, d, hashSecret(secret)); err != nil {
			return err
		}
		if err := s.deviceEvent(ctx, d.ID, "enrolled", map[string]any{"ownership": d.Ownership, "code": code.Prefix, "ip": ip}); err != nil {
			return err
		}
		if err := s.membershipChanged(ctx, []string{d.ID}); err != nil {
			return err
		}
		return s.record(ctx, acc.ID, "device.enroll", "device", d.ID,
			map[string]any{"support_id": d.SupportID, "ownership": d.Ownership, "code": code.Prefix})
	})
	if err != nil {
		return nil, err
	}
	resp.DeviceID, resp.SupportID, resp.Credential = d.ID, d.SupportID, d.ID+"."+secret
	return &enrolled{resp: resp, created: true}, nil
}

// spendCredit takes one credit from the code's billing account for a new
// activation. Codes issued by the platform account are free.
func (s *Service) spendCredit(ctx context.Context, code *steward.ActivationCode, d *steward.Device, now time.Time) error {
	billing, err := s.store.AccountByID(ctx, code.BillingAccountID)
	if err != nil {
		return err
	}
	if billing.Kind == steward.AccountPlatform {
		return nil
	}
	if err := s.store.LockAccount(ctx, billing.ID); err != nil {
		return err
	}
	bal, err := s.store.Balance(ctx, billing.ID)
	if err != nil {
		return err
	}
	if bal < 1 {
		return steward.Errorf(steward.ECONFLICT, "No credits left on %q to activate this device. Ask your reseller for credits.", billing.Name)
	}
	return s.store.InsertLedgerEntry(ctx, &steward.LedgerEntry{ID: steward.NewID(now), AccountID: billing.ID, Kind: steward.LedgerSpend,
		Amount: -1, CounterpartyID: d.AccountID, Reference: d.ID, ActorID: code.IssuedBy, ActorEmail: code.IssuedByEmail,
		Reason: "activation of device " + d.SupportID + " with code " + code.Prefix, CreatedAt: now})
}

func (s *Service) deviceEvent(ctx context.Context, deviceID, kind string, detail any) error {
	e := &steward.DeviceEvent{ID: steward.NewID(s.now()), DeviceID: deviceID, Kind: kind, CreatedAt: s.now()}
	if detail != nil {
		b, err := jsonMarshal(detail)
		if err != nil {
			return err
		}
		e.Detail = b
	}
	return s.store.InsertDeviceEvent(ctx, e)
}

// deviceAuthCache remembers verified device credentials for a short while,
// so a busy fleet's polls do not each cost a database read. Rotation, wipe
// and revocation forget the entry on this node; other nodes notice within
// the TTL.
type deviceAuthCache struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]cachedDevice
}

type cachedDevice struct {
	hash    string
	dev     Device
	expires time.Time
}

func newDeviceAuthCache(ttl time.Duration) *deviceAuthCache {
	return &deviceAuthCache{ttl: ttl, m: map[string]cachedDevice{}}
}

func (c *deviceAuthCache) get(id string, now time.Time) (cachedDevice, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || now.After(e.expires) {
		return cachedDevice{}, false
	}
	return e, true
}

func (c *deviceAuthCache) put(id string, e cachedDevice) {
	c.mu.Lock()
	if len(c.m) > 200000 {
		clear(c.m)
	}
	c.m[id] = e
	c.mu.Unlock()
}

func (c *deviceAuthCache) forget(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// AuthenticateDevice checks a device credential ("<device-id>.<secret>").
// A failure is a security event. EUNAUTHENTICATED.
func (s *Service) AuthenticateDevice(ctx context.Context, credential, ip string) (*Device, error) {
	bad := steward.Errorf(steward.EUNAUTHENTICATED, "Unknown or revoked device credential. Enroll the device again.")
	id, secret, ok := strings.Cut(credential, ".")
	if !ok || id == "" || secret == "" || len(credential) > 200 {
		s.securityEvent(ctx, steward.SecurityEvent{Kind: "device.auth_failed", IP: ip, Detail: detail("reason", "malformed credential")})
		return nil, bad
	}
	now := s.now()
	h := hashSecret(secret)
	if e, ok := s.devAuth.get(id, now); ok && subtle.ConstantTimeCompare([]byte(e.hash), []byte(h)) == 1 {
		dev := e.dev
		return &dev, nil
	}
	da, err := s.store.DeviceAuth(ctx, id)
	if err != nil && steward.ErrorCode(err) != steward.ENOTFOUND {
		return nil, err
	}
	if err != nil || da.Revoked || da.CredentialHash == "" || subtle.ConstantTimeCompare([]byte(da.CredentialHash), []byte(h)) != 1 {
		ev := steward.SecurityEvent{Kind: "device.auth_failed", IP: ip, Detail: detail("device_id", id)}
		if da != nil {
			ev.AccountID = da.AccountID
		}
		s.securityEvent(ctx, ev)
		return nil, bad
	}
	dev := Device{ID: da.DeviceID, AccountID: da.AccountID, AccountPath: da.AccountPath, Ownership: da.Ownership}
	s.devAuth.put(id, cachedDevice{hash: h, dev: dev, expires: now.Add(s.devAuth.ttl)})
	return &dev, nil
}

// RotateDeviceCredential gives the calling device a new credential; the old
// one stops working at once.
func (s *Service) RotateDeviceCredential(ctx context.Context, dev *Device) (*protocol.CredentialResponse, error) {
	steward.MarkAuthorized(ctx) // the device authenticated itself
	secret := steward.NewSecret("", 32)
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.SetDeviceCredential(ctx, dev.ID, hashSecret(secret), s.now()); err != nil {
			return err
		}
		return s.deviceEvent(ctx, dev.ID, "credential", map[string]any{"rotated": true})
	})
	if err != nil {
		return nil, err
	}
	s.devAuth.forget(dev.ID)
	return &protocol.CredentialResponse{Credential: dev.ID + "." + secret}, nil
}
