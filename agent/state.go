package agent

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// Files in the state folder.
const (
	stateFile = "agent.json"
	lockFile  = "lock"
)

// maxSeen bounds how many command IDs the agent remembers. It keeps each
// one at least until the command expires (the protocol asks for that), so
// the bound only guards against a server that never expires commands.
const maxSeen = 10000

// state is everything the agent keeps between runs, in agent.json.
type state struct {
	Server          string             `json:"server"`
	DeviceID        string             `json:"device_id"`
	SupportID       string             `json:"support_id,omitempty"`
	Credential      string             `json:"credential"`
	Ownership       string             `json:"ownership"`
	Name            string             `json:"name,omitempty"`
	HardwareID      string             `json:"hardware_id"`
	Endpoints       protocol.Endpoints `json:"endpoints"`
	IntervalSeconds int                `json:"checkin_interval_seconds"`
	EnrolledAt      time.Time          `json:"enrolled_at"`
	LastCheckIn     time.Time          `json:"last_checkin,omitzero"`

	// Disabled is the agent's local switch: agent_disable sets it,
	// agent_enable clears it, and every check-in takes the server's word.
	Disabled       bool   `json:"disabled,omitempty"`
	DisabledReason string `json:"disabled_reason,omitempty"`

	// Refused are inventory fields the server refused under the ownership
	// rules; they are not sent again.
	Refused []string `json:"refused,omitempty"`

	// AppsReported says Apps is the set the server last accepted; the next
	// report is a delta against it. AppsFullAt is when a full list was last
	// accepted.
	AppsReported bool           `json:"apps_reported,omitempty"`
	Apps         []protocol.App `json:"apps,omitempty"`
	AppsFullAt   time.Time      `json:"apps_full_at,omitzero"`

	// ClockOffset is the server's clock minus the agent's, measured at the
	// last answer that carried server_time: commands expire by the server's clock.
	ClockOffset time.Duration `json:"clock_offset_ns,omitempty"`

	// Revoked says the server refused the credential: the agent does not
	// talk to the server again until it is enrolled again.
	Revoked bool `json:"revoked,omitempty"`

	// Seen are the commands acknowledged or dropped, oldest first.
	Seen []seenCommand `json:"seen,omitempty"`
	// Pending are results not yet accepted by the server.
	Pending []pendingResult `json:"pending,omitempty"`
	// Wipe is the ID of a wipe under way: after a crash, Run finishes it.
	Wipe string `json:"wipe,omitempty"`

	// Policy is what the agent applied of the device's policy (policy.go).
	Policy policyState `json:"policy,omitzero"`
	// The company directory (see directory.go): the version held, the
	// contacts and file manifest, and the files written to the files folder.
	DirectoryVersion string                      `json:"directory_version,omitempty"`
	Contacts         []protocol.DirectoryContact `json:"contacts,omitempty"`
	Manifest         []protocol.DirectoryFile    `json:"manifest,omitempty"`
	Held             []heldFile                  `json:"held_files,omitempty"`
}

// seenCommand is a command the agent will not act on again.
type seenCommand struct {
	ID        string    `json:"id"`
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}

// pendingResult is a result waiting to be reported.
type pendingResult struct {
	ID     string                 `json:"id"`
	Result protocol.CommandResult `json:"result"`
	// Boot, when set, holds the result back while the host's boot ID is
	// still this one: a reboot is reported once the host has rebooted.
	Boot string `json:"boot,omitempty"`
}

// Check-in intervals the agent accepts from the server.
const (
	defaultInterval = 15 * time.Minute
	minInterval     = 5 * time.Second
	maxInterval     = 24 * time.Hour
)

// interval is the check-in interval, clamped to what the agent accepts:
// the policy's, else the server's.
func (s *state) interval() time.Duration {
	secs := s.IntervalSeconds
	if s.Policy.IntervalSeconds > 0 {
		secs = s.Policy.IntervalSeconds
	}
	if secs <= 0 {
		return defaultInterval
	}
	return min(max(time.Duration(secs)*time.Second, minInterval), maxInterval)
}

// clone copies s deeply enough that the copy can be read while s changes.
func (s *state) clone() *state {
	c := *s
	c.Refused = slices.Clone(s.Refused)
	c.Apps = slices.Clone(s.Apps)
	c.Seen = slices.Clone(s.Seen)
	c.Pending = slices.Clone(s.Pending)
	c.Policy = s.Policy.clone()
	c.Contacts, c.Manifest, c.Held = slices.Clone(s.Contacts), slices.Clone(s.Manifest), slices.Clone(s.Held)
	return &c
}

// seen reports whether the agent has acknowledged or dropped the command.
func (s *state) seen(id string) bool {
	return slices.ContainsFunc(s.Seen, func(c seenCommand) bool { return c.ID == id })
}

// remember records a command, forgetting those expired by serverNow (the
// server will not deliver them again) and the oldest beyond maxSeen.
func (s *state) remember(c protocol.Command, serverNow time.Time) {
	s.Seen = slices.DeleteFunc(s.Seen, func(c seenCommand) bool {
		return !c.ExpiresAt.IsZero() && c.ExpiresAt.Before(serverNow)
	})
	if !s.seen(c.ID) {
		s.Seen = append(s.Seen, seenCommand{ID: c.ID, ExpiresAt: c.ExpiresAt})
	}
	if n := len(s.Seen) - maxSeen; n > 0 {
		s.Seen = slices.Clone(s.Seen[n:])
	}
}

// readState reads agent.json. ErrNotEnrolled when there is none.
func readState(dir string) (*state, error) {
	b, err := os.ReadFile(filepath.Join(dir, stateFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotEnrolled
	} else if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("read state %s: %w", filepath.Join(dir, stateFile), err)
	}
	if st.DeviceID == "" || st.Credential == "" || st.Server == "" {
		return nil, fmt.Errorf("read state %s: no device, credential or server in it: enroll again", filepath.Join(dir, stateFile))
	}
	return &st, nil
}

// writeState replaces agent.json atomically: a crash leaves the old file or
// the new one, never half of either. The folder is made (or tightened to)
// mode 0700 and the file has mode 0600: it holds the credential.
func writeState(dir string, st *state) error {
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return fmt.Errorf("encode state: %w", err)
	}
	if err := ensureDir(dir); err != nil {
		return err
	}
	f, err := os.CreateTemp(dir, stateFile+".*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	tmp := f.Name()
	defer os.Remove(tmp) // a no-op once renamed
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write state: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(dir, stateFile)); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync() // make the rename durable where the filesystem allows
		d.Close()
	}
	return nil
}

// ensureDir makes the state folder with mode 0700, tightening an existing one.
func ensureDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("make state folder: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("make state folder private: %w", err)
	}
	return nil
}

// errWiping refuses writes once a wipe has started erasing the state.
var errWiping = errors.New("the agent's state is being erased")

// loadLocked returns the live state, reading it on first use. a.mu must be held.
func (a *Agent) loadLocked() (*state, error) {
	if a.wiped {
		return nil, errWiping
	}
	if a.st == nil {
		st, err := readState(a.stateDir)
		if err != nil {
			return nil, err
		}
		a.st = st
	}
	return a.st, nil
}

// snapshot returns a copy of the state.
func (a *Agent) snapshot() (*state, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := a.loadLocked()
	if err != nil {
		return nil, err
	}
	return st.clone(), nil
}

// update changes the state with fn and writes it. When fn fails nothing
// is written and the state is left as it was.
func (a *Agent) update(fn func(st *state) error) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := a.loadLocked()
	if err != nil {
		return err
	}
	next := st.clone()
	if err := fn(next); err != nil {
		return err
	}
	if err := writeState(a.stateDir, next); err != nil {
		return err
	}
	a.st = next
	return nil
}

// withLock runs fn holding the state folder's lock, so that two agent
// processes never write the state at once. When Run holds the lock in this
// process, fn runs under it.
func (a *Agent) withLock(fn func() error) error {
	a.mu.Lock()
	held := a.lock != nil
	a.mu.Unlock()
	if held {
		return fn()
	}
	f, err := lockDir(a.stateDir)
	if err != nil {
		return err
	}
	defer f.Close()
	return fn()
}

// lockDir makes the state folder and takes its lock. ErrBusy when another
// process holds it.
func lockDir(dir string) (*os.File, error) {
	if err := ensureDir(dir); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, lockFile), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock state folder: %w", err)
	}
	if err := tryLock(f); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// running reports whether an agent process holds the state folder.
func (a *Agent) running() bool {
	a.mu.Lock()
	held := a.lock != nil
	a.mu.Unlock()
	if held {
		return true
	}
	f, err := os.Open(filepath.Join(a.stateDir, lockFile))
	if err != nil {
		return false
	}
	defer f.Close()
	return errors.Is(tryLock(f), ErrBusy)
}
