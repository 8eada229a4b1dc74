// Package agent is Steward's reference device agent for Linux hosts. It
// enrolls the host with an activation code, reports the host's inventory
// and installed packages, holds a WebSocket for push (long-polling when the
// WebSocket cannot connect) and carries out commands.
//
// It speaks only device protocol v1 (package protocol) and imports nothing
// of the server, so it doubles as the reference for other agents. The rules
// every agent follows are the ones this package implements:
//
//   - acknowledge a command before acting on it, and act only when the
//     server accepted the acknowledgement;
//   - act once per command ID, however often the command is delivered;
//   - report every acted-on command's result, keeping it on disk until the
//     server has it;
//   - report only what the device can honestly know, and nothing the
//     ownership rules refuse.
package agent

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"github.com/stewardmdm/steward/protocol"
)

// Version is the agent's version, reported at enrollment and in every
// inventory.
const Version = "0.1.0"

// Platform is the platform this agent enrolls as.
const Platform = "linux"

// Errors the agent returns.
var (
	// ErrNotEnrolled means the state folder holds no enrollment.
	ErrNotEnrolled = errors.New("not enrolled")
	// ErrEnrolled means Enroll would replace an existing enrollment and
	// was not told to.
	ErrEnrolled = errors.New("already enrolled")
	// ErrWiped is returned by Run after a wipe command erased the agent's
	// data: the device is no longer enrolled.
	ErrWiped = errors.New("wiped: the agent's data was erased and the device is no longer enrolled")
	// ErrBusy means another agent process holds the state folder.
	ErrBusy = errors.New("another steward-agent is running with this state folder")
	// ErrRevoked means the server refused the device's credential: it was
	// revoked or rotated elsewhere, or the device was deleted. The agent
	// does not talk to the server again until it is enrolled again.
	ErrRevoked = errors.New("the server refused the device's credential (revoked, rotated elsewhere, or the device was deleted): enroll again")
)

// Options configure an Agent. StateDir and Logger are required; every
// other field has a default.
type Options struct {
	// Server is the base URL of the Steward server, e.g.
	// https://mdm.example.com. Enroll needs it; afterwards the agent talks
	// to the server it enrolled with.
	Server string
	// StateDir holds agent.json (the credential, endpoints and the agent's
	// memory) with mode 0600 in a folder with mode 0700.
	StateDir string
	// CacheDir is the folder whose <package> subfolders clear_app_cache
	// empties and whose contents wipe erases. It must be dedicated to the
	// agent. Empty: clear_app_cache fails and wipe erases only StateDir.
	CacheDir string
	// Root is where the host's filesystem is read from: /etc/os-release,
	// /proc, /sys and /var/lib/dpkg/status are looked up under it.
	// Empty means "/". Tests point it at a fixture.
	Root string
	// HTTPClient makes every request, the WebSocket included. Default: a
	// client that does not follow redirects (a redirect is reported as an
	// error instead of silently sending the credential elsewhere).
	HTTPClient *http.Client
	// Logger receives the agent's log. Required.
	Logger *slog.Logger
	// Now tells the time. Default time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx ends, whichever is first; it paces push
	// reconnections, long polls and the retries of a wipe's report (the
	// check-in schedule keeps its own timer). Default: a timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// AllowDestructive lets reboot and wipe run. Without it they fail.
	AllowDestructive bool
	// Messages is where send_message shows its messages (they are logged
	// too). Default: discarded, leaving only the log.
	Messages io.Writer
	// Reboot reboots the host. Default: `systemctl reboot`.
	Reboot func(ctx context.Context) error
	// Wipe, when set, runs during a wipe after the cache is erased and
	// before the result is reported; a failure fails the wipe. By default
	// a wipe erases only the agent's own folders: the host's disks are out
	// of a Linux agent's reach.
	Wipe func(ctx context.Context) error
	// Interfaces lists the host's network interfaces. Default: the
	// interfaces of package net.
	Interfaces func() ([]Interface, error)

	// WiFiDir is the folder where the policy's Wi-Fi networks are written
	// as NetworkManager keyfiles (usually
	// /etc/NetworkManager/system-connections). Empty: the agent writes
	// none and reports them not applicable.
	WiFiDir string
	// WiFiReload runs after the agent changed a file in WiFiDir, e.g.
	// ["nmcli", "connection", "reload"]. Empty: none.
	WiFiReload []string
	// CADir is the folder where the policy's CA certificates are written
	// as PEM files named by their SHA-256 (on Debian,
	// /usr/local/share/ca-certificates). Empty: the agent writes none and
	// reports them not applicable.
	CADir string
	// CAUpdate runs after the agent changed a file in CADir, e.g.
	// ["update-ca-certificates"]. Empty: none.
	CAUpdate []string
	// Exec runs an update command and returns its combined output.
	// Default: the command, with a timeout of two minutes.
	Exec func(ctx context.Context, argv []string) ([]byte, error)
	// FilesDir, when set, is a folder dedicated to the agent where the
	// shared files of the company directory are downloaded (and deleted
	// when no longer shared); wipe empties it. Empty: the agent keeps only
	// the contacts and the file manifest.
	FilesDir string
}

// Interface is a network interface and its addresses.
type Interface struct {
	Name     string
	Up       bool
	Loopback bool
	Addrs    []netip.Addr
}

// Agent is one device agent. Its methods are safe for concurrent use.
type Agent struct {
	server           string
	stateDir         string
	cacheDir         string
	filesDir         string
	root             string
	http             *http.Client
	log              *slog.Logger
	now              func() time.Time
	sleep            func(context.Context, time.Duration) error
	allowDestructive bool
	messages         io.Writer
	reboot           func(context.Context) error
	wipeHook         func(context.Context) error
	interfaces       func() ([]Interface, error)
	wifiDir          string
	wifiReload       []string
	caDir            string
	caUpdate         []string
	exec             func(context.Context, []string) ([]byte, error)

	mu    sync.Mutex // guards st, lock and wiped, and orders writes of the state file
	st    *state     // loaded state; nil until loaded
	lock  *os.File   // the state folder's lock while Run holds it
	wiped bool       // the state is being erased: write nothing more

	checkInMu sync.Mutex // one check-in at a time
	policyMu  sync.Mutex // one policy application at a time
	resultsMu sync.Mutex // one flush of pending results at a time

	queueMu    sync.Mutex
	queue      []protocol.Command // commands waiting for the worker
	queueSig   chan struct{}      // signalled when queue grows
	checkInSig chan struct{}      // asks the check-in loop to check in now
	revokedSig chan struct{}      // the server refused the credential
	policySig  chan struct{}      // asks the policy loop to apply the policy now

	directorySig chan struct{} // asks the directory loop to fetch the directory
	directoryMu  sync.Mutex    // one directory sync at a time
	syncMu       sync.Mutex    // guards syncCancel
	syncCancel   context.CancelFunc

	personalLogged sync.Once
}

// New returns an agent. It fails without a StateDir or a Logger, and when
// CacheDir is not an absolute folder other than "/".
func New(o Options) (*Agent, error) {
	if o.StateDir == "" {
		return nil, errors.New("agent: no state folder")
	}
	if o.Logger == nil {
		return nil, errors.New("agent: no logger")
	}
	if o.CacheDir != "" {
		c := filepath.Clean(o.CacheDir)
		if !filepath.IsAbs(c) || c == string(filepath.Separator) {
			return nil, fmt.Errorf("agent: cache folder %q must be an absolute path dedicated to the agent", o.CacheDir)
		}
		o.CacheDir = c
	}
	for _, d := range []*string{&o.WiFiDir, &o.CADir, &o.FilesDir} {
		if *d == "" {
			continue
		}
		c := filepath.Clean(*d)
		if !filepath.IsAbs(c) || c == string(filepath.Separator) {
			return nil, fmt.Errorf("agent: folder %q must be an absolute path other than /", *d)
		}
		*d = c
	}
	a := &Agent{
		server: o.Server, stateDir: o.StateDir, cacheDir: o.CacheDir, filesDir: o.FilesDir, root: o.Root,
		http: o.HTTPClient, log: o.Logger, now: o.Now, sleep: o.Sleep,
		allowDestructive: o.AllowDestructive, messages: o.Messages,
		reboot: o.Reboot, wipeHook: o.Wipe, interfaces: o.Interfaces,
		wifiDir: o.WiFiDir, wifiReload: o.WiFiReload, caDir: o.CADir, caUpdate: o.CAUpdate, exec: o.Exec,
		policySig:  make(chan struct{}, 1),
		queueSig:   make(chan struct{}, 1),
		checkInSig: make(chan struct{}, 1),
		revokedSig: make(chan struct{}, 1),

		directorySig: make(chan struct{}, 1),
	}
	if a.root == "" {
		a.root = "/"
	}
	if a.http == nil {
		a.http = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if a.now == nil {
		a.now = time.Now
	}
	if a.sleep == nil {
		a.sleep = sleep
	}
	if a.messages == nil {
		a.messages = io.Discard
	}
	if a.reboot == nil {
		a.reboot = systemctlReboot
	}
	if a.interfaces == nil {
		a.interfaces = hostInterfaces
	}
	if a.exec == nil {
		a.exec = runCommand
	}
	return a, nil
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// systemctlReboot asks systemd to reboot the host.
func systemctlReboot(ctx context.Context) error {
	out, err := exec.CommandContext(ctx, "systemctl", "reboot").CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl reboot: %w: %s", err, out)
	}
	return nil
}

// Status is what the agent knows about its enrollment. It never holds the
// credential.
type Status struct {
	Enrolled        bool          `json:"enrolled"`
	Running         bool          `json:"running"` // an agent process holds the state folder
	Server          string        `json:"server,omitempty"`
	DeviceID        string        `json:"device_id,omitempty"`
	SupportID       string        `json:"support_id,omitempty"`
	Ownership       string        `json:"ownership,omitempty"`
	Name            string        `json:"name,omitempty"`
	EnrolledAt      time.Time     `json:"enrolled_at,omitzero"`
	LastCheckIn     time.Time     `json:"last_checkin,omitzero"`
	CheckInInterval time.Duration `json:"checkin_interval,omitempty"`
	Revoked         bool          `json:"revoked"` // the server refused the credential: enroll again
	Disabled        bool          `json:"disabled"`
	DisabledReason  string        `json:"disabled_reason,omitempty"`
	PendingResults  int           `json:"pending_results"`          // results not yet accepted by the server
	PolicyVersion   string        `json:"policy_version,omitempty"` // the policy version applied last
	// Contacts and Files count the company directory the agent holds.
	Contacts int `json:"contacts"`
	Files    int `json:"files"`
}

// Status reads the enrollment from the state folder. An agent that is not
// enrolled has a zero Status with Enrolled false and no error.
func (a *Agent) Status() (Status, error) {
	st, err := readState(a.stateDir)
	if errors.Is(err, ErrNotEnrolled) {
		return Status{}, nil
	} else if err != nil {
		return Status{}, err
	}
	return Status{
		Enrolled: true, Running: a.running(),
		Server: st.Server, DeviceID: st.DeviceID, SupportID: st.SupportID,
		Ownership: st.Ownership, Name: st.Name, EnrolledAt: st.EnrolledAt, LastCheckIn: st.LastCheckIn,
		CheckInInterval: st.interval(), Revoked: st.Revoked, Disabled: st.Disabled, DisabledReason: st.DisabledReason,
		PendingResults: len(st.Pending), PolicyVersion: st.Policy.Version,
		Contacts: len(st.Contacts), Files: len(st.Manifest),
	}, nil
}

// unauthorized records that the server refused a credential. Unless the
// credential changed meanwhile (a rotation raced the request), the agent
// is revoked: it keeps that on disk, and Run stops with ErrRevoked.
func (a *Agent) unauthorized(credential string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st, err := a.loadLocked()
	if err != nil || st.Credential != credential || st.Revoked {
		return
	}
	next := st.clone()
	next.Revoked = true
	if err := writeState(a.stateDir, next); err != nil {
		a.log.Error("cannot record the refused credential", "err", err)
	} else {
		a.st = next
	}
	a.log.Error("the server refused the device's credential: the agent stops talking to it; enroll again")
	select {
	case a.revokedSig <- struct{}{}:
	default:
	}
}
