package agent

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/stewardmdm/steward/protocol"
)

// EnrollRequest is what enrolling needs besides the host's identity.
type EnrollRequest struct {
	Code      string // activation code
	Ownership string // protocol.OwnershipCompany (default) or protocol.OwnershipPersonal
	Name      string // optional display name
	Force     bool   // replace an existing enrollment
}

// Enroll enrolls the host with the server in Options.Server and keeps the
// credential in the state folder. It refuses to replace an existing
// enrollment (ErrEnrolled) unless req.Force is set, and an existing
// enrollment survives a failed attempt. It returns ErrBusy while another
// agent process holds the state folder and a *ServerError when the server
// refuses.
func (a *Agent) Enroll(ctx context.Context, req EnrollRequest) (Status, error) {
	if err := checkServerURL(a.server); err != nil {
		return Status{}, err
	}
	req.Code = strings.TrimSpace(req.Code)
	if req.Code == "" {
		return Status{}, errors.New("enroll: no activation code")
	}
	if req.Ownership == "" {
		req.Ownership = protocol.OwnershipCompany
	}
	if req.Ownership != protocol.OwnershipCompany && req.Ownership != protocol.OwnershipPersonal {
		return Status{}, fmt.Errorf("enroll: ownership %q is neither %s nor %s", req.Ownership, protocol.OwnershipCompany, protocol.OwnershipPersonal)
	}
	if u, _ := url.Parse(a.server); u.Scheme == "http" {
		a.log.Warn("the server address is plain http: the credential travels unencrypted", "server", a.server)
	}
	err := a.withLock(func() error {
		old, err := readState(a.stateDir)
		switch {
		case err == nil && !req.Force:
			return fmt.Errorf("%w as device %s with %s (enroll with --force to replace it)", ErrEnrolled, old.DeviceID, old.Server)
		case err != nil && !errors.Is(err, ErrNotEnrolled) && !req.Force:
			return err
		}
		hw, err := readHardware(a.root)
		if err != nil {
			return err
		}
		in := protocol.EnrollRequest{
			Protocol: protocol.Version, ActivationCode: req.Code, Ownership: req.Ownership,
			Platform: Platform, Name: req.Name, AgentVersion: Version, Hardware: hw,
		}
		if err := in.Validate(); err != nil {
			return fmt.Errorf("enroll: %w", err)
		}
		var out protocol.EnrollResponse
		if err := a.call(ctx, http.MethodPost, endpointURL(a.server, protocol.PathEnroll), "", in, &out); err != nil {
			return fmt.Errorf("enroll: %w", err)
		}
		now := a.now()
		if out.DeviceID == "" || !strings.HasPrefix(out.Credential, out.DeviceID+".") {
			return errors.New("enroll: the server's answer has no device ID or no credential of the form <device-id>.<secret>")
		}
		st := &state{
			Server: strings.TrimRight(a.server, "/"), DeviceID: out.DeviceID, SupportID: out.SupportID,
			Credential: out.Credential, Ownership: req.Ownership, Name: req.Name, HardwareID: hw.ID,
			Endpoints: out.Endpoints, IntervalSeconds: out.CheckInIntervalSeconds, EnrolledAt: now.UTC(),
		}
		if !out.ServerTime.IsZero() {
			st.ClockOffset = out.ServerTime.Sub(now)
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if err := writeState(a.stateDir, st); err != nil {
			return fmt.Errorf("enrolled as device %s but could not keep the credential: %w", out.DeviceID, err)
		}
		a.st = st
		a.wiped = false
		a.log.Info("enrolled", "device", out.DeviceID, "support_id", out.SupportID, "server", st.Server, "ownership", st.Ownership)
		return nil
	})
	if err != nil {
		return Status{}, err
	}
	return a.Status()
}

// checkServerURL accepts an http or https URL without query or fragment.
func checkServerURL(s string) error {
	if s == "" {
		return errors.New("no server address given")
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("server address %q is not an http(s) URL such as https://mdm.example.com", s)
	}
	return nil
}

// RotateCredential replaces the device's credential with a new one from
// the server; the old one stops working. It returns ErrNotEnrolled,
// ErrBusy when another agent process holds the state folder (ask that
// process instead: steward-agent rotates on SIGUSR1), and a *ServerError
// when the server refuses.
func (a *Agent) RotateCredential(ctx context.Context) error {
	return a.withLock(func() error {
		c, err := a.creds()
		if err != nil {
			return err
		}
		var out protocol.CredentialResponse
		if err := a.call(ctx, http.MethodPost, endpointURL(c.server, protocol.PathCredential), c.credential, nil, &out); err != nil {
			return fmt.Errorf("rotate credential: %w", err)
		}
		err = a.update(func(st *state) error {
			if !strings.HasPrefix(out.Credential, st.DeviceID+".") {
				return errors.New("rotate credential: the server's answer has no credential of the form <device-id>.<secret>")
			}
			st.Credential = out.Credential
			return nil
		})
		if err != nil {
			return err
		}
		a.log.Info("credential rotated")
		return nil
	})
}
